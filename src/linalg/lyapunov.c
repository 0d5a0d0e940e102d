/* Lyapunov (Stein) equation solvers: general discrete (complex Schur + column recursion, and
 * Smith doubling), general continuous (Bartels-Stewart via dgees + dtrsyl), and the symmetric
 * eigenbasis formulas of SPEC 5.1. The factorisations and triangular solves are LAPACK/BLAS;
 * what is written here is only the O(n^3) bookkeeping of Bartels-Stewart.
 * Not here: the algorithm-specific augmented systems (src/exact/stationary_*.c). */
#include "sgdlab/lyapunov.h"

#include <cblas.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "sgdlab/linalg.h"

typedef double _Complex zdouble;

/* out = U^T M U (transpose_first = 1) or U M U^T (0); tmp n x n. Row-major. */
static void rotate(int n, const double *U, const double *M, double *out, double *tmp, int transpose_first) {
  if (transpose_first) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, U, n, M, n, 0.0, tmp, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, tmp, n, U, n, 0.0, out, n);
  } else {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, U, n, M, n, 0.0, tmp, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, tmp, n, U, n, 0.0, out, n);
  }
}

int sgdl_spectral_radius(sgdl_ctx *ctx, int n, const double *A, double *rho) {
  size_t nn = (size_t)n * (size_t)n;
  double *a = sgdl_alloc(ctx, nn + 2 * (size_t)n, sizeof *a);
  if (!a) return SGDL_ENOMEM;
  double *wr = a + nn, *wi = wr + n;
  memcpy(a, A, nn * sizeof *a);
  lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, a, n, wr, wi, NULL, 1, NULL, 1);
  double r = 0;
  for (int i = 0; i < n && info == 0; i++) r = fmax(r, hypot(wr[i], wi[i]));
  sgdl_free(a);
  if (sgdl_lapack_oom(info)) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory inside LAPACK (dgeev)");
  if (info != 0) return sgdl_fail(ctx, SGDL_ELINALG, "eigenvalues of the iteration matrix failed (dgeev info %d)", (int)info);
  *rho = r;
  return SGDL_OK;
}

int sgdl_lyap_discrete(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X, double *rho_out) {
  size_t nn = (size_t)n * (size_t)n;
  /* Column-major complex buffers: T (Schur form), Z (Schur vectors), Y (solution), W (scratch). */
  zdouble *buf = sgdl_alloc(ctx, 4 * nn + 3 * (size_t)n, sizeof *buf);
  if (!buf) return SGDL_ENOMEM;
  zdouble *T = buf, *Z = T + nn, *Y = Z + nn, *W = Y + nn, *w = W + nn, *r = w + n;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) T[i + (size_t)j * n] = A[(size_t)i * n + j];
  lapack_int sdim = 0;
  lapack_int info = LAPACKE_zgees(LAPACK_COL_MAJOR, 'V', 'N', NULL, n, (lapack_complex_double *)T, n, &sdim,
                                  (lapack_complex_double *)w, (lapack_complex_double *)Z, n);
  if (info != 0) {
    sgdl_free(buf);
    return sgdl_fail(ctx, sgdl_lapack_oom(info) ? SGDL_ENOMEM : SGDL_ELINALG, "Schur decomposition failed (zgees info %d)", (int)info);
  }
  double rho = 0;
  for (int i = 0; i < n; i++) rho = fmax(rho, cabs(T[i + (size_t)i * n]));
  if (rho_out) *rho_out = rho;
  if (rho >= 1.0) {
    sgdl_free(buf);
    return sgdl_fail(ctx, SGDL_EUNSTABLE, "iteration matrix has spectral radius %.6g >= 1: no stationary covariance", rho);
  }
  /* Y = Z^H Q Z (column-major): W = Q Z, Y = Z^H W. */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) Y[i + (size_t)j * n] = Q[(size_t)i * n + j];
  const zdouble one = 1, zero = 0;
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, Y, n, Z, n, &zero, W, n);
  cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, n, n, n, &one, Z, n, W, n, &zero, Y, n);
  /* Column recursion, j = n-1 .. 0:
   *   (I - conj(T_jj) T) Y[:,j] = Qt[:,j] + T * sum_{l>j} conj(T_jl) Y[:,l].
   * W holds the triangular matrix I - conj(T_jj) T for the current column. */
  for (int j = n - 1; j >= 0; j--) {
    zdouble *y = Y + (size_t)j * n;
    if (j < n - 1) {
      int m = n - 1 - j;
      for (int l = 0; l < m; l++) r[l] = conj(T[j + (size_t)(j + 1 + l) * n]);
      /* w = Y[:, j+1:] r, then y += T w */
      cblas_zgemv(CblasColMajor, CblasNoTrans, n, m, &one, Y + (size_t)(j + 1) * n, n, r, 1, &zero, w, 1);
      cblas_ztrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n, T, n, w, 1);
      for (int i = 0; i < n; i++) y[i] += w[i];
    }
    zdouble c = conj(T[j + (size_t)j * n]);
    for (int q = 0; q < n; q++)
      for (int p = 0; p <= q; p++) W[p + (size_t)q * n] = (p == q ? 1.0 : 0.0) - c * T[p + (size_t)q * n];
    cblas_ztrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n, W, n, y, 1);
  }
  /* X = Re(Z Y Z^H). */
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, Z, n, Y, n, &zero, W, n);
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, n, n, &one, W, n, Z, n, &zero, Y, n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) X[(size_t)i * n + j] = creal(Y[i + (size_t)j * n]);
  sgdl_free(buf);
  for (size_t k = 0; k < nn; k++)
    if (!isfinite(X[k])) return sgdl_fail(ctx, SGDL_ELINALG, "discrete Lyapunov solution is not finite (rho = %.6g)", rho);
  return SGDL_OK;
}

int sgdl_lyap_discrete_smith(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X, int *iters) {
  double rho;
  int rc = sgdl_spectral_radius(ctx, n, A, &rho);
  if (rc) return rc;
  if (rho >= 1.0)
    return sgdl_fail(ctx, SGDL_EUNSTABLE, "iteration matrix has spectral radius %.6g >= 1: no stationary covariance", rho);
  size_t nn = (size_t)n * (size_t)n;
  double *buf = sgdl_alloc(ctx, 3 * nn, sizeof *buf);
  if (!buf) return SGDL_ENOMEM;
  double *Ak = buf, *T = Ak + nn, *D = T + nn;
  memcpy(Ak, A, nn * sizeof *Ak);
  memcpy(X, Q, nn * sizeof *X);
  int it;
  /* After k doublings X = sum_{j < 2^k} A^j Q A^jT; the tail is O(rho^(2^(k+1))). */
  for (it = 1; it <= 200; it++) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, Ak, n, X, n, 0.0, T, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, T, n, Ak, n, 0.0, D, n);
    double dmax = 0, xmax = 0;
    for (size_t k = 0; k < nn; k++) {
      X[k] += D[k];
      dmax = fmax(dmax, fabs(D[k]));
      xmax = fmax(xmax, fabs(X[k]));
    }
    if (dmax <= 1e-17 * xmax || !isfinite(xmax)) break;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, Ak, n, Ak, n, 0.0, T, n);
    memcpy(Ak, T, nn * sizeof *Ak);
  }
  sgdl_free(buf);
  if (iters) *iters = it;
  for (size_t k = 0; k < nn; k++)
    if (!isfinite(X[k])) return sgdl_fail(ctx, SGDL_ELINALG, "Smith doubling diverged (rho = %.6g)", rho);
  if (it > 200) return sgdl_fail(ctx, SGDL_ELINALG, "Smith doubling did not converge in 200 doublings (rho = %.17g)", rho);
  return SGDL_OK;
}

int sgdl_lyap_continuous(sgdl_ctx *ctx, int n, const double *A, const double *Q, double *X) {
  size_t nn = (size_t)n * (size_t)n;
  double *buf = sgdl_alloc(ctx, 4 * nn + 2 * (size_t)n, sizeof *buf);
  if (!buf) return SGDL_ENOMEM;
  double *T = buf, *U = T + nn, *Y = U + nn, *tmp = Y + nn, *wr = tmp + nn, *wi = wr + n;
  memcpy(T, A, nn * sizeof *T);
  lapack_int sdim = 0;
  lapack_int info = LAPACKE_dgees(LAPACK_ROW_MAJOR, 'V', 'N', NULL, n, T, n, &sdim, wr, wi, U, n);
  if (info != 0) {
    sgdl_free(buf);
    return sgdl_fail(ctx, sgdl_lapack_oom(info) ? SGDL_ENOMEM : SGDL_ELINALG, "real Schur decomposition failed (dgees info %d)", (int)info);
  }
  rotate(n, U, Q, Y, tmp, 1);
  double scale = 1.0;
  info = LAPACKE_dtrsyl(LAPACK_ROW_MAJOR, 'N', 'T', 1, n, n, T, n, T, n, Y, n, &scale);
  if (info < 0) {
    sgdl_free(buf);
    return sgdl_fail(ctx, sgdl_lapack_oom(info) ? SGDL_ENOMEM : SGDL_ELINALG, "triangular Sylvester solve failed (dtrsyl info %d)", (int)info);
  }
  if (info == 1) {
    sgdl_free(buf);
    return sgdl_fail(ctx, SGDL_EUNSTABLE, "continuous Lyapunov equation is singular: the drift matrix has eigenvalues summing to zero");
  }
  rotate(n, U, Y, X, tmp, 0);
  if (scale != 1.0)
    for (size_t k = 0; k < nn; k++) X[k] /= scale;
  sgdl_free(buf);
  return SGDL_OK;
}

int sgdl_lyap_sgd_eigen(sgdl_ctx *ctx, int n, const double *H, const double *C, double alpha, double *S) {
  size_t nn = (size_t)n * (size_t)n;
  double *buf = sgdl_alloc(ctx, 3 * nn + (size_t)n, sizeof *buf);
  if (!buf) return SGDL_ENOMEM;
  double *U = buf, *Ct = U + nn, *tmp = Ct + nn, *h = tmp + nn;
  int rc = sgdl_symeig(ctx, n, H, h, U);
  if (!rc) {
    rotate(n, U, C, Ct, tmp, 1);
    for (int i = 0; i < n && !rc; i++)
      for (int j = 0; j < n; j++) {
        double den = h[i] + h[j] - alpha * h[i] * h[j];
        if (!(den > 0)) {
          rc = sgdl_fail(ctx, SGDL_EUNSTABLE,
                         "no stationary covariance: h_i + h_j - alpha h_i h_j = %g <= 0 for eigenvalues %g, %g", den, h[i], h[j]);
          break;
        }
        Ct[(size_t)i * n + j] *= alpha / den;
      }
  }
  if (!rc) rotate(n, U, Ct, S, tmp, 0);
  sgdl_free(buf);
  return rc;
}

int sgdl_lyap_cont_eigen(sgdl_ctx *ctx, int n, const double *H, const double *Q, double *X) {
  size_t nn = (size_t)n * (size_t)n;
  double *buf = sgdl_alloc(ctx, 3 * nn + (size_t)n, sizeof *buf);
  if (!buf) return SGDL_ENOMEM;
  double *U = buf, *Qt = U + nn, *tmp = Qt + nn, *h = tmp + nn;
  int rc = sgdl_symeig(ctx, n, H, h, U);
  if (!rc) {
    rotate(n, U, Q, Qt, tmp, 1);
    for (int i = 0; i < n && !rc; i++)
      for (int j = 0; j < n; j++) {
        double den = h[i] + h[j];
        if (den == 0) {
          rc = sgdl_fail(ctx, SGDL_EUNSTABLE, "continuous Lyapunov equation is singular (eigenvalues %g + %g = 0)", h[i], h[j]);
          break;
        }
        Qt[(size_t)i * n + j] /= den;
      }
  }
  if (!rc) rotate(n, U, Qt, X, tmp, 0);
  sgdl_free(buf);
  return rc;
}

/* Residuals use BLAS products (O(n^3)); they return NAN if scratch cannot be allocated. */
double sgdl_lyap_discrete_residual(int n, const double *A, const double *Q, const double *X) {
  sgdl_ctx local;
  sgdl_ctx_init(&local);
  size_t nn = (size_t)n * (size_t)n;
  double *T = sgdl_alloc(&local, 2 * nn, sizeof *T);
  if (!T) return NAN;
  double *R = T + nn, r = 0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, X, n, 0.0, T, n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, T, n, A, n, 0.0, R, n);
  for (size_t k = 0; k < nn; k++) r = fmax(r, fabs(X[k] - R[k] - Q[k]));
  sgdl_free(T);
  return r;
}

double sgdl_lyap_continuous_residual(int n, const double *A, const double *Q, const double *X) {
  sgdl_ctx local;
  sgdl_ctx_init(&local);
  size_t nn = (size_t)n * (size_t)n;
  double *R = sgdl_alloc(&local, nn, sizeof *R);
  if (!R) return NAN;
  double r = 0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, X, n, 0.0, R, n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, X, n, A, n, 1.0, R, n);
  for (size_t k = 0; k < nn; k++) r = fmax(r, fabs(R[k] - Q[k]));
  sgdl_free(R);
  return r;
}
