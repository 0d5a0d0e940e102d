/* Internal to the nn layer: the matrix kernel both passes are written on, and the
 * activation derivatives expressed through the activation's output a = f(z) (so only
 * post-activations need storing). */
#ifndef SGDL_NN_INTERNAL_H
#define SGDL_NN_INTERNAL_H

#include <math.h>

#include "sgdlab/nn.h"

/* C[M][N] = alpha * op(A) op(B) + beta * C, row-major with leading dimensions; op = transpose
 * when trans* is nonzero. kernel NAIVE: plain loops (the reference); FAST: cblas_dgemm. */
/* Reductions over parameter vectors in one fixed order (four interleaved partial sums, added
 * in order), whatever the thread count: threaded BLAS (ddot, dnrm2, dgemv) splits a vector over
 * its threads and sums the parts in a thread-dependent order, which made the geometry figures
 * differ between --threads 1 and 2 in the last bits. dot = x.y; nrm2 = sqrt(x.x) (no scaling:
 * the vectors here are weights, gradients and unit Lanczos vectors); gemv_n: c[i] = A_i . w for
 * rows i < m of A (m x n, row-major); gemv_t: w = beta w + alpha sum_i c[i] A_i, rows in order. */
double sgdl_nn_dot(long n, const double *x, const double *y);
double sgdl_nn_nrm2(long n, const double *x);
void sgdl_nn_gemv_n(int m, long n, const double *A, const double *w, double *c);
void sgdl_nn_gemv_t(int m, long n, double alpha, const double *A, const double *c, double beta, double *w);
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
