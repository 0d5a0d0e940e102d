/* sgdlab linalg: thin wrappers over CBLAS/LAPACKE.
 * All matrices are dense, row-major, double precision; n x n unless stated.
 * No hand-written factorisations: eigen-decompositions, solves and Schur forms
 * come from LAPACK. Callers own every buffer. */
#ifndef SGDLAB_LINALG_H
#define SGDLAB_LINALG_H

#include "sgdlab/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Symmetric eigen-decomposition A = V diag(w) V^T (LAPACKE_dsyevd).
 * w ascending; V[i*n+j] = component i of eigenvector j. A is not modified. */
/* 1 if a LAPACKE return code says LAPACKE's own work or transpose allocation failed (info -1010 or
 * -1011): callers fail with SGDL_ENOMEM then, not with SGDL_ELINALG. */
int sgdl_lapack_oom(long info);
int sgdl_symeig(sgdl_ctx *ctx, int n, const double *A, double *w, double *V);

/* Max |A_ij - A_ji| relative to max |A_ij|; returns SGDL_ENOTPD naming `what` if > tol. */
int sgdl_check_symmetric(sgdl_ctx *ctx, int n, const double *A, double tol, const char *what);

/* Symmetric PSD square root S = A^{1/2} = V diag(sqrt(max(w,0))) V^T.
 * Eigenvalues below -tol * max|w| are an error naming `what` (not PSD). */
int sgdl_sym_sqrt_psd(sgdl_ctx *ctx, int n, const double *A, double *S, double tol, const char *what);

/* Fast PSD square root for small n without error reporting (clips negatives). Used in
 * hot loops (state-dependent SME noise). work must hold 2*n*n + n doubles. Returns 0 on success. */
int sgdl_sym_sqrt_clip(int n, const double *A, double *S, double *work);

/* Solve A X = B (A n x n, B n x nrhs, both row-major), overwriting B. LU with pivoting. */
int sgdl_solve(sgdl_ctx *ctx, int n, int nrhs, const double *A, double *B);

/* BLAS threads (src/linalg/blas_threads.c, the only place that sets OpenBLAS's thread count, which
 * is one count for the whole process).
 * sgdl_blas_single_enter / _leave bracket a single-thread region: from the first enter (over all
 * threads of the process) to the last leave BLAS runs on one thread; the last leave restores the
 * count that held before. Callers that run BLAS inside their own OpenMP threads (the lane driver)
 * or need BLAS's rounding independent of the thread count (the trainer) use one, so no BLAS worker
 * threads run inside OpenMP, also when two runs share the process (two host threads). Regions may
 * nest and overlap; every enter needs its leave, on any thread. Not inside an OpenMP region.
 * sgdl_blas_threads sets the count BLAS uses outside regions to n (>= 1) and returns the previous
 * such count; while a region is open it takes effect at the last leave. Thread-safe. */
void sgdl_blas_single_enter(void);
void sgdl_blas_single_leave(void);
int sgdl_blas_threads(int n);

/* C = alpha * op(A) op(B) + beta * C, row-major (cblas_dgemm). */
void sgdl_gemm(int transA, int transB, int m, int n, int k, double alpha, const double *A,
               const double *B, double beta, double *C);

#ifdef __cplusplus
}
#endif
#endif
