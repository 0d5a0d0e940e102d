/* sgdlab lyapunov: discrete and continuous Lyapunov (Stein) equations.
 *
 *   discrete:    X = A X A^T + Q          (stationary covariance of z' = A z + noise)
 *   continuous:  A X + X A^T = Q          (stationary covariance of dZ = -A Z dt + ..., with Q = noise)
 *
 * Row-major, double, n x n. Callers own every buffer; the solvers allocate scratch
 * through sgdl_alloc and free it before returning.
 *
 * General solvers (any real A):
 *   sgdl_lyap_discrete     complex Schur form of A (LAPACK zgees), then a column recursion on
 *                          the triangular Stein equation, one BLAS triangular solve per column
 *                          (Kitagawa/Barraud form of Bartels-Stewart). O(n^3). Fails with
 *                          SGDL_EUNSTABLE when the spectral radius of A is >= 1 (no stationary law).
 *   sgdl_lyap_discrete_smith  Smith doubling X <- X + A_k X A_k^T, A_k <- A_k^2, after checking
 *                          rho(A) < 1 with LAPACK dgeev. Kept as an independent second method
 *                          (tests cross-check the two; SPEC section 7).
 *   sgdl_lyap_continuous   real Schur form (dgees) + triangular Sylvester solve (dtrsyl):
 *                          Bartels-Stewart. Fails when A has eigenvalues l_i + l_j = 0.
 * Eigenbasis formulas for symmetric H (SPEC 5.1), O(n^3) with one dsyevd:
 *   sgdl_lyap_sgd_eigen    H S + S H - alpha H S H = alpha C   (exact discrete SGD)
 *   sgdl_lyap_cont_eigen   H S + S H = Q                       (SME1)
 */
#ifndef SGDLAB_LYAPUNOV_H
#define SGDLAB_LYAPUNOV_H

#include "sgdlab/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X = A X A^T + Q. If rho_out is not NULL it receives the spectral radius of A. */
int sgdl_lyap_discrete(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X, double *rho_out);
/* Same equation by Smith doubling; *iters (may be NULL) receives the number of doublings. */
int sgdl_lyap_discrete_smith(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X, int *iters);
/* A X + X A^T = Q. */
int sgdl_lyap_continuous(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X);

/* Spectral radius of a general real matrix (dgeev, eigenvalues only). */
int sgdl_spectral_radius(sgdl_ctx *ctx, int n, const double *A, double *rho);

/* Exact discrete SGD covariance for symmetric H: H S + S H - alpha H S H = alpha C, i.e.
 * S = (I - alpha H) S (I - alpha H) + alpha^2 C. Fails with SGDL_EUNSTABLE if some pair has a
 * non-positive denominator h_i + h_j - alpha h_i h_j (no stationary covariance). */
int sgdl_lyap_sgd_eigen(sgdl_ctx *ctx, int n, const double *H, const double *C, double alpha, double *S);
/* H X + X H = Q for symmetric H with h_i + h_j != 0. */
int sgdl_lyap_cont_eigen(sgdl_ctx *ctx, int n, const double *H, const double *Q, double *X);

/* Residual helpers (max-abs entry), for tests and self-checks.
 *   discrete:   |X - A X A^T - Q|_max      continuous: |A X + X A^T - Q|_max */
double sgdl_lyap_discrete_residual(int n, const double *A, const double *Q, const double *X);
double sgdl_lyap_continuous_residual(int n, const double *A, const double *Q, const double *X);

#ifdef __cplusplus
}
#endif
#endif
