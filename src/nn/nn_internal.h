/* Internal to the nn layer: the matrix kernel both passes are written on, and the
 * activation derivatives expressed through the activation's output a = f(z) (so only
 * post-activations need storing). */
#ifndef SGDL_NN_INTERNAL_H
#define SGDL_NN_INTERNAL_H

#include <math.h>

#include "sgdlab/nn.h"

/* C[M][N] = alpha * op(A) op(B) + beta * C, row-major with leading dimensions; op = transpose
 * when trans* is nonzero. kernel NAIVE: plain loops (the reference); FAST: cblas_dgemm. */
void sgdl_nn_mm(int kernel, int transA, int transB, int M, int N, int K, double alpha,
                const double *A, int lda, const double *B, int ldb, double beta, double *C, int ldc);

/* f'(z) and f''(z) from a = f(z). ReLU: f'' = 0 (almost everywhere). Softplus a = log(1 + e^z):
 * f' = sigmoid(z) = 1 - e^{-a}, f'' = f' (1 - f'). */
static inline double sgdl_act_d1(int act, double a) {
  switch (act) {
    case SGDL_ACT_TANH: return 1.0 - a * a;
    case SGDL_ACT_SIGMOID: return a * (1.0 - a);
    case SGDL_ACT_SOFTPLUS: return -expm1(-a);
    default: return a > 0.0 ? 1.0 : 0.0;
  }
}
static inline double sgdl_act_d2(int act, double a) {
  switch (act) {
    case SGDL_ACT_TANH: return -2.0 * a * (1.0 - a * a);
    case SGDL_ACT_SIGMOID: return a * (1.0 - a) * (1.0 - 2.0 * a);
    case SGDL_ACT_SOFTPLUS: {
      const double s = -expm1(-a);
      return s * (1.0 - s);
    }
    default: return 0.0;
  }
}

/* Widest layer of m. */
int sgdl_mlp_max_width(const sgdl_mlp *m);

#endif
