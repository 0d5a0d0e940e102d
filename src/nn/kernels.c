/* The one matrix kernel the network passes are written on, in two versions: plain loops
 * (the reference, obviously right) and CBLAS dgemm (fast). tests/test_nn_grad.c checks
 * that whole forward/backward/R-op passes agree between the two. */
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
