/* Dense linear algebra wrappers: symmetric eigen-decomposition, PSD square roots,
 * general solves, matrix products. Everything heavy is LAPACKE/CBLAS. */
#include "sgdlab/linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

int sgdl_lapack_oom(long info) { return info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR; }

int sgdl_symeig(sgdl_ctx *ctx, int n, const double *A, double *w, double *V) {
  memcpy(V, A, sizeof(double) * (size_t)n * (size_t)n);
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, V, n, w);
  if (sgdl_lapack_oom(info)) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory inside LAPACK (dsyevd)");
  if (info != 0) return sgdl_fail(ctx, SGDL_ELINALG, "symmetric eigen-decomposition failed (dsyevd info %d)", (int)info);
  return SGDL_OK;
}

int sgdl_check_symmetric(sgdl_ctx *ctx, int n, const double *A, double tol, const char *what) {
  double amax = 0, dmax = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double a = A[i * n + j];
      if (!isfinite(a)) return sgdl_fail(ctx, SGDL_EINVAL, "%s: entry (%d,%d) is not finite", what, i + 1, j + 1);
      if (fabs(a) > amax) amax = fabs(a);
      double d = fabs(a - A[j * n + i]);
      if (d > dmax) dmax = d;
    }
  if (dmax > tol * (amax > 0 ? amax : 1))
    return sgdl_fail(ctx, SGDL_ENOTPD, "%s is not symmetric (max |A_ij - A_ji| = %g)", what, dmax);
  return SGDL_OK;
}

int sgdl_sym_sqrt_psd(sgdl_ctx *ctx, int n, const double *A, double *S, double tol, const char *what) {
  size_t nn = (size_t)n * (size_t)n;
  double *w = sgdl_alloc(ctx, (size_t)n, sizeof *w);
  double *V = sgdl_alloc(ctx, nn, sizeof *V);
  int rc = (w && V) ? SGDL_OK : SGDL_ENOMEM;
  if (!rc) rc = sgdl_check_symmetric(ctx, n, A, 1e-10, what);
  if (!rc) rc = sgdl_symeig(ctx, n, A, w, V);
  if (!rc) {
    double wmax = 0;
    for (int i = 0; i < n; i++) wmax = fmax(wmax, fabs(w[i]));
    if (w[0] < -tol * (wmax > 0 ? wmax : 1))
      rc = sgdl_fail(ctx, SGDL_ENOTPD, "%s is not positive semidefinite (smallest eigenvalue %g)", what, w[0]);
  }
  if (!rc) {
    memset(S, 0, sizeof(double) * nn);
    for (int k = 0; k < n; k++) {
      double s = sqrt(fmax(w[k], 0.0));
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) S[i * n + j] += V[i * n + k] * s * V[j * n + k];
    }
  }
  sgdl_free(w);
  sgdl_free(V);
  return rc;
}

int sgdl_sym_sqrt_clip(int n, const double *A, double *S, double *work) {
  if (n == 1) {
    S[0] = sqrt(fmax(A[0], 0.0));
    return 0;
  }
  double *V = work, *w = work + (size_t)n * n;
  memcpy(V, A, sizeof(double) * (size_t)n * n);
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, V, n, w) != 0) return 1;
  memset(S, 0, sizeof(double) * (size_t)n * n);
  for (int k = 0; k < n; k++) {
    double s = sqrt(fmax(w[k], 0.0));
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) S[i * n + j] += V[i * n + k] * s * V[j * n + k];
  }
  return 0;
}

int sgdl_solve(sgdl_ctx *ctx, int n, int nrhs, const double *A, double *B) {
  double *LU = sgdl_alloc(ctx, (size_t)n * n, sizeof *LU);
  lapack_int *piv = sgdl_alloc(ctx, (size_t)n, sizeof *piv);
  if (!LU || !piv) {
    sgdl_free(LU);
    sgdl_free(piv);
    return SGDL_ENOMEM;
  }
  memcpy(LU, A, sizeof(double) * (size_t)n * n);
  lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, nrhs, LU, n, piv, B, nrhs);
  sgdl_free(LU);
  sgdl_free(piv);
  if (sgdl_lapack_oom(info)) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory inside LAPACK (dgesv)");
  if (info != 0) return sgdl_fail(ctx, SGDL_ELINALG, "linear solve failed: matrix is singular (dgesv info %d)", (int)info);
  return SGDL_OK;
}

void sgdl_gemm(int transA, int transB, int m, int n, int k, double alpha, const double *A,
               const double *B, double beta, double *C) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, A, transA ? m : k, B, transB ? k : n, beta, C, n);
}
