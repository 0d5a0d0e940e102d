/* The full Hessian of a problem's loss at a point, assembled from d Hessian-vector products and
 * symmetrised. Used by the Kramers/Eyring-Kramers solver and by the SME coefficient object.
 * Does not: check that the problem has an hvp (callers do), or form the Hessian of L_alpha. */
#include <string.h>

#include "sgdlab/problem.h"

void sgdl_problem_hessian(const sgdl_problem *p, const double *x, double *H, double *work) {
  const int d = p->dim;
  double *e = work, *col = work + d;
  for (int j = 0; j < d; j++) {
    memset(e, 0, sizeof(double) * (size_t)d);
    e[j] = 1;
    p->type->hvp(p, x, e, col);
    for (int i = 0; i < d; i++) H[i * d + j] = col[i];
  }
  for (int i = 0; i < d; i++)
    for (int j = i + 1; j < d; j++) {
      const double s = 0.5 * (H[i * d + j] + H[j * d + i]);
      H[i * d + j] = H[j * d + i] = s;
    }
}
