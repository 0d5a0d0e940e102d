/* Top-k eigenpairs of a symmetric operator known only through v -> A v (Hessian-vector and
 * covariance-vector products of a network with ~10^5 parameters: the matrix is never formed).
 *
 * Lanczos with full reorthogonalisation (two classical Gram-Schmidt passes against the whole
 * basis, in a fixed order that does not depend on threads), so the basis stays orthonormal to rounding and no spurious copies of
 * converged eigenvalues appear. The small tridiagonal problems go to LAPACK (dstev). Memory
 * is max_iter * n doubles for the basis. On breakdown (an invariant subspace was found) the
 * iteration restarts with a fresh random vector orthogonal to the basis, so operators of low
 * rank (a noise covariance from a few samples) still give k pairs. Not done: restarting
 * (thick/implicit); raise max_iter when the residual bounds reported are too large. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "nn_internal.h"
#include "sgdlab/nn.h"
#include "sgdlab/rng.h"

static double nrm(long n, const double *v) { return sgdl_nn_nrm2(n, v); } /* fixed order: nn_internal.h */

/* w -= Q[0..j]^T (Q[0..j] w), twice (classical Gram-Schmidt, reorthogonalised). */
static void orthogonalise(long n, int j, const double *Q, double *w, double *c) {
  for (int pass = 0; pass < 2; pass++) {
    sgdl_nn_gemv_n(j, n, Q, w, c);
    sgdl_nn_gemv_t(j, n, -1.0, Q, c, 1.0, w);
  }
}

/* Tridiagonal Ritz problem of size m: theta ascending, S [m][m] (column i = vector i). */
static int ritz(int m, const double *alpha, const double *beta, double *theta, double *S, double *e) {
  memcpy(theta, alpha, (size_t)m * sizeof *theta);
  if (m > 1) memcpy(e, beta, (size_t)(m - 1) * sizeof *e);
  return LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', m, theta, e, S, m);
}

int sgdl_lanczos_top(sgdl_ctx *ctx, long n, sgdl_matvec_fn mv, void *user, int k, int max_iter,
                     double tol, uint32_t seed, double *evals, double *evecs, double *resid,
                     sgdl_eig_info *info) {
  if (n < 1 || n > (1L << 30)) return sgdl_fail(ctx, SGDL_EINVAL, "eigen-solver: dimension %ld", n);
  if (k < 1 || k > n) return sgdl_fail(ctx, SGDL_EINVAL, "--geometry: %d eigenpairs asked of a %ld-dimensional operator", k, n);
  int m = max_iter < k ? k : max_iter;
  if (m > n) m = (int)n;
  double *Q = sgdl_alloc(ctx, (size_t)m * n, sizeof(double));
  double *w = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *small = sgdl_alloc(ctx, (size_t)m * m + 6 * (size_t)m, sizeof(double));
  if (!Q || !w || !small) {
    sgdl_free(Q);
    sgdl_free(w);
    sgdl_free(small);
    return SGDL_ENOMEM;
  }
  double *alpha = small, *beta = alpha + m, *theta = beta + m, *e = theta + m, *c = e + m, *S = c + m;
  int rc = SGDL_OK, steps = 0, done = 0;
  double anorm = 0.0, maxres = 0.0;
  int conv = 0;
  sgdl_rng_normals(seed, 0, 1, 0, SGDL_PURPOSE(SGDL_RNG_MISC, 0, 0), (size_t)n, Q);
  cblas_dscal((int)n, 1.0 / nrm(n, Q), Q, 1);
  for (int j = 0; j < m && !done; j++) {
    double *q = Q + (size_t)j * n;
    rc = mv(user, q, w);
    if (rc) goto out;
    steps = j + 1;
    alpha[j] = sgdl_nn_dot(n, q, w);
    if (!isfinite(alpha[j])) {
      rc = sgdl_fail(ctx, SGDL_EDIVERGED, "eigen-solver: the operator returned NaN/Inf");
      goto out;
    }
    orthogonalise(n, j + 1, Q, w, c);
    beta[j] = nrm(n, w);
    /* Ritz values now, to test convergence (cheap: the tridiagonal matrix is tiny) */
    if (j + 1 >= k && ((j + 1) % 4 == 0 || j + 1 == m || j + 1 == n)) {
      if (ritz(j + 1, alpha, beta, theta, S, e) != 0) {
        rc = sgdl_fail(ctx, SGDL_ELINALG, "eigen-solver: LAPACK dstev failed");
        goto out;
      }
      anorm = fmax(fabs(theta[0]), fabs(theta[j]));
      conv = 0;
      maxres = 0.0;
      for (int i = 0; i < k; i++) {
        double r = beta[j] * fabs(S[(size_t)j * (j + 1) + (j - i)]);
        maxres = fmax(maxres, r);
        conv += r <= tol * fmax(anorm, 1e-300);
      }
      if (conv == k) done = 1;
    }
    if (j + 1 == m || done) break;
    double *qn = Q + (size_t)(j + 1) * n;
    anorm = fmax(anorm, fabs(alpha[j]));
    if (beta[j] <= 1e-12 * fmax(anorm, 1e-300)) {
      /* invariant subspace: continue from a fresh direction orthogonal to the basis */
      beta[j] = 0.0;
      sgdl_rng_normals(seed, 0, 1, (uint64_t)j + 1, SGDL_PURPOSE(SGDL_RNG_MISC, 0, 0), (size_t)n, qn);
      orthogonalise(n, j + 1, Q, qn, c);
      double nq = nrm(n, qn);
      if (!(nq > 0.0)) break;
      cblas_dscal((int)n, 1.0 / nq, qn, 1);
    } else {
      for (long i = 0; i < n; i++) qn[i] = w[i] / beta[j];
    }
  }
  /* final Ritz pairs from the whole basis built */
  if (ritz(steps, alpha, beta, theta, S, e) != 0) {
    rc = sgdl_fail(ctx, SGDL_ELINALG, "eigen-solver: LAPACK dstev failed");
    goto out;
  }
  anorm = fmax(fabs(theta[0]), fabs(theta[steps - 1]));
  conv = 0;
  maxres = 0.0;
  const int kk = k < steps ? k : steps;
  for (int i = 0; i < k; i++) {
    if (i >= kk) {
      evals[i] = NAN;
      if (resid) resid[i] = NAN;
      memset(evecs + (size_t)i * n, 0, (size_t)n * sizeof *evecs);
      continue;
    }
    const int col = steps - 1 - i;
    evals[i] = theta[col];
    double r = beta[steps - 1] * fabs(S[(size_t)(steps - 1) * steps + col]);
    if (steps == n) r = 0.0; /* the Krylov space is the whole space: exact up to rounding */
    if (resid) resid[i] = r;
    maxres = fmax(maxres, r);
    conv += r <= tol * fmax(anorm, 1e-300);
    for (int t = 0; t < steps; t++) c[t] = S[(size_t)t * steps + col];
    sgdl_nn_gemv_t(steps, n, 1.0, Q, c, 0.0, evecs + (size_t)i * n);
  }
  if (info) {
    info->iters = steps;
    info->converged = conv;
    info->max_resid = maxres;
  }
out:
  sgdl_free(Q);
  sgdl_free(w);
  sgdl_free(small);
  return rc;
}
