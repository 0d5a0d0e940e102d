/* Optimiser update rules on a flat parameter vector: SGD, heavy ball, Nesterov (PyTorch
 * form) and Adam. One copy of each rule, used by the lane steppers (where the vector is a
 * [d][W] structure-of-arrays block, so the loops vectorise across lanes) and by the network
 * trainer. The rules are elementwise: they do not know about lanes or layers. */
#include <math.h>

#include "sgdlab/stepper.h"

int sgdl_optim_aux(int rule) {
  switch (rule) {
    case SGDL_OPT_HB:
    case SGDL_OPT_NAG: return 1;
    case SGDL_OPT_ADAM: return 2;
    default: return 0;
  }
}

void sgdl_optim_update(int rule, const sgdl_algo_params *par, long n, double *restrict x,
                       double *restrict aux, const double *restrict g, uint64_t k) {
  const double lr = par->lr, mu = par->momentum;
  switch (rule) {
    case SGDL_OPT_SGD:
      for (long i = 0; i < n; i++) x[i] -= lr * g[i];
      break;
    case SGDL_OPT_HB: /* m <- mu m + g; x <- x - lr m  (== Polyak form with v = -lr m) */
      for (long i = 0; i < n; i++) {
        aux[i] = mu * aux[i] + g[i];
        x[i] -= lr * aux[i];
      }
      break;
    case SGDL_OPT_NAG: /* m <- mu m + g; x <- x - lr (g + mu m): Sutskever's NAG in look-ahead variables */
      for (long i = 0; i < n; i++) {
        aux[i] = mu * aux[i] + g[i];
        x[i] -= lr * (g[i] + mu * aux[i]);
      }
      break;
    case SGDL_OPT_ADAM: {
      double *m = aux, *s = aux + n;
      const double b1 = par->beta1, b2 = par->beta2, eps = par->eps;
      const double c1 = 1.0 / (1.0 - pow(b1, (double)(k + 1))), c2 = 1.0 / (1.0 - pow(b2, (double)(k + 1)));
      for (long i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
        x[i] -= lr * (m[i] * c1) / (sqrt(s[i] * c2) + eps);
      }
      break;
    }
  }
}
