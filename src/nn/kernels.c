/* The one matrix kernel the network passes are written on, in two versions: plain loops
 * (the reference, obviously right) and CBLAS dgemm (fast). tests/test_nn_grad.c checks
 * that whole forward/backward/R-op passes agree between the two. Also the fixed-order vector
 * reductions of the geometry measurement (nn_internal.h), which must not depend on threads. */
#include <math.h>
#include <string.h>
#include <cblas.h>

#include "nn_internal.h"

static void mm_naive(int transA, int transB, int M, int N, int K, double alpha, const double *A,
                     int lda, const double *B, int ldb, double beta, double *C, int ldc) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double s = 0.0;
      for (int k = 0; k < K; k++) {
        double a = transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
        double b = transB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
        s += a * b;
      }
      double *c = &C[(size_t)i * ldc + j];
      *c = alpha * s + (beta == 0.0 ? 0.0 : beta * *c);
    }
}

void sgdl_nn_mm(int kernel, int transA, int transB, int M, int N, int K, double alpha,
                const double *A, int lda, const double *B, int ldb, double beta, double *C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (kernel == SGDL_KERNEL_NAIVE || K <= 0) {
    mm_naive(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

double sgdl_nn_dot(long n, const double *x, const double *y) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

double sgdl_nn_nrm2(long n, const double *x) { return sqrt(sgdl_nn_dot(n, x, x)); }

void sgdl_nn_gemv_n(int m, long n, const double *A, const double *w, double *c) {
  for (int i = 0; i < m; i++) c[i] = sgdl_nn_dot(n, A + (size_t)i * n, w);
}

void sgdl_nn_gemv_t(int m, long n, double alpha, const double *A, const double *c, double beta, double *w) {
  if (beta == 0.0) memset(w, 0, sizeof(double) * (size_t)n);
  else if (beta != 1.0)
    for (long k = 0; k < n; k++) w[k] *= beta;
  for (int i = 0; i < m; i++) {
    const double a = alpha * c[i], *row = A + (size_t)i * n;
    for (long k = 0; k < n; k++) w[k] += a * row[k];
  }
}
