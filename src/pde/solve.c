/* The three solves on an assembled Fokker-Planck operator A (pde.h):
 *   implicit Euler steps  (I - dt A) rho^{n+1} = rho^n   (factor once, one solve a step);
 *   stationary density    A rho = 0 with row k replaced by rho_k = 1, then normalised;
 *   mean exit time        A^T tau = -1, i.e. (-A)^T tau = 1 with the transpose solve.
 * Does not: choose dt or grids (the callers do), or compute diagnostics (diag.c). */
#include <math.h>
#include <string.h>

#include "pde/splu.h"
#include "sgdlab/pde.h"

struct sgdl_fp_evolver {
  sgdl_splu *lu;
  size_t n;
  double dt;
};

/* CSR copy of s*A + t*I (the diagonal is always stored). */
static double *shifted_values(sgdl_ctx *ctx, const sgdl_fp_op *op, double s, double t) {
  double *v = sgdl_alloc(ctx, op->nnz, sizeof(double));
  if (!v) return NULL;
  for (size_t i = 0; i < op->n; i++)
    for (int k = op->rowptr[i]; k < op->rowptr[i + 1]; k++) v[k] = s * op->val[k] + ((size_t)op->col[k] == i ? t : 0.0);
  return v;
}

int sgdl_fp_evolver_create(sgdl_ctx *ctx, const sgdl_fp_op *op, double dt, sgdl_fp_evolver **out) {
  *out = NULL;
  if (!(dt > 0) || !isfinite(dt)) return sgdl_fail(ctx, SGDL_EINVAL, "--dt: %g is not a positive time step", dt);
  sgdl_fp_evolver *ev = sgdl_alloc(ctx, 1, sizeof *ev);
  double *v = shifted_values(ctx, op, -dt, 1.0);
  int rc = ev && v ? SGDL_OK : SGDL_ENOMEM;
  if (!rc) rc = sgdl_splu_factor(ctx, op->n, op->rowptr, op->col, v, "fpe time step (I - dt A)", &ev->lu);
  sgdl_free(v);
  if (rc) {
    sgdl_free(ev);
    return rc;
  }
  ev->n = op->n;
  ev->dt = dt;
  *out = ev;
  return SGDL_OK;
}

int sgdl_fp_evolver_step(sgdl_ctx *ctx, sgdl_fp_evolver *ev, double *rho) {
  return sgdl_splu_solve(ctx, ev->lu, 0, rho);
}

void sgdl_fp_evolver_free(sgdl_fp_evolver *ev) {
  if (!ev) return;
  sgdl_splu_free(ev->lu);
  sgdl_free(ev);
}

static double aij(const sgdl_fp_op *op, size_t i, size_t j) {
  for (int k = op->rowptr[i]; k < op->rowptr[i + 1]; k++)
    if ((size_t)op->col[k] == j) return op->val[k];
  return 0.0;
}

static int any_absorbing(const sgdl_grid *g) {
  for (int a = 0; a < g->dim; a++)
    for (int s = 0; s < 2; s++)
      if (g->bc[a][s] == SGDL_BC_ABSORB) return 1;
  return 0;
}

/* Solve A rho = 0 with row k replaced by e_k^T (rho_k = 1). */
static int stationary_pinned(sgdl_ctx *ctx, const sgdl_fp_op *op, size_t kpin, double *rho) {
  double *v = shifted_values(ctx, op, 1.0, 0.0);
  if (!v) return SGDL_ENOMEM;
  for (int k = op->rowptr[kpin]; k < op->rowptr[kpin + 1]; k++) v[k] = (size_t)op->col[k] == kpin ? 1.0 : 0.0;
  sgdl_splu *lu = NULL;
  int rc = sgdl_splu_factor(ctx, op->n, op->rowptr, op->col, v, "fpe stationary density", &lu);
  sgdl_free(v);
  if (rc) return rc;
  memset(rho, 0, op->n * sizeof(double));
  rho[kpin] = 1.0;
  rc = sgdl_splu_solve(ctx, lu, 0, rho);
  sgdl_splu_free(lu);
  return rc;
}

/* 1-D: with reflecting walls A rho = 0 means zero flux through every face, so the kernel is the
 * discrete detailed balance rho_{i+1} / rho_i = A(i+1, i) / A(i, i+1) of the same SG operator -
 * the exact solution of the tridiagonal system, accumulated in the log domain from the pinned cell.
 * (A pivoting tridiagonal LU is not used here: the system is only weakly diagonally dominant, ties
 * decide LAPACK's row swaps, and the swapped elimination loses the tails to cancellation.) */
static int stationary_1d(sgdl_ctx *ctx, const sgdl_fp_op *op, size_t k, double *rho) {
  const size_t n = op->n;
  double *lr = sgdl_alloc(ctx, n, sizeof(double));
  if (!lr) return SGDL_ENOMEM;
  lr[k] = 0;
  for (size_t i = k + 1; i < n; i++) {
    const double up = aij(op, i, i - 1), down = aij(op, i - 1, i);
    if (!(up > 0) || !(down > 0)) {
      sgdl_free(lr);
      return sgdl_fail(ctx, SGDL_ENOTSUP, "fpe stationary density: the diffusion vanishes between cells %zu and %zu "
                       "(degenerate noise: add --noisy BETA_INV > 0)", i - 1, i);
    }
    lr[i] = lr[i - 1] + log(up) - log(down);
  }
  for (size_t i = k; i-- > 0;) {
    const double up = aij(op, i + 1, i), down = aij(op, i, i + 1);
    if (!(up > 0) || !(down > 0)) {
      sgdl_free(lr);
      return sgdl_fail(ctx, SGDL_ENOTSUP, "fpe stationary density: the diffusion vanishes between cells %zu and %zu "
                       "(degenerate noise: add --noisy BETA_INV > 0)", i, i + 1);
    }
    lr[i] = lr[i + 1] - log(up) + log(down);
  }
  double mx = -INFINITY;
  for (size_t i = 0; i < n; i++) mx = fmax(mx, lr[i]);
  for (size_t i = 0; i < n; i++) rho[i] = exp(lr[i] - mx);
  sgdl_free(lr);
  return SGDL_OK;
}

int sgdl_fp_stationary(sgdl_ctx *ctx, const sgdl_fp_op *op, double *rho) {
  if (any_absorbing(&op->grid))
    return sgdl_fail(ctx, SGDL_EINVAL, "--stationary: no stationary density with an absorbing boundary "
                     "(the mass leaves); make every wall reflecting");
  /* Pin where the density is largest so the solution has no huge entries (accuracy): first at the
   * potential's minimum, again at the density's maximum if that turned out elsewhere by far. */
  size_t kpin = op->argmin_potential;
  const int one_d = op->grid.dim == 1;
  int rc = one_d ? stationary_1d(ctx, op, kpin, rho) : stationary_pinned(ctx, op, kpin, rho);
  if (rc) return rc;
  size_t kmax = 0;
  for (size_t c = 1; c < op->n; c++)
    if (rho[c] > rho[kmax]) kmax = c;
  if (!(rho[kmax] > 0) || !isfinite(rho[kmax]) || rho[kpin] < 1e-3 * rho[kmax]) {
    rc = one_d ? stationary_1d(ctx, op, kmax, rho) : stationary_pinned(ctx, op, kmax, rho);
    if (rc) return rc;
  }
  double s = 0;
  for (size_t c = 0; c < op->n; c++) s += rho[c];
  if (!(s > 0) || !isfinite(s))
    return sgdl_fail(ctx, SGDL_ELINALG, "fpe stationary density: the direct solve gave total mass %g", s);
  const double scale = 1.0 / (s * sgdl_grid_volume(&op->grid));
  for (size_t c = 0; c < op->n; c++) rho[c] *= scale;
  return SGDL_OK;
}

int sgdl_fp_exit_time(sgdl_ctx *ctx, const sgdl_fp_op *op, double *tau) {
  if (!any_absorbing(&op->grid))
    return sgdl_fail(ctx, SGDL_EINVAL, "exit: no absorbing wall, the exit time is infinite");
  double *v = shifted_values(ctx, op, -1.0, 0.0);
  if (!v) return SGDL_ENOMEM;
  sgdl_splu *lu = NULL;
  int rc = sgdl_splu_factor(ctx, op->n, op->rowptr, op->col, v, "exit-time PDE (A^T tau = -1)", &lu);
  sgdl_free(v);
  if (rc) return rc;
  for (size_t c = 0; c < op->n; c++) tau[c] = 1.0;
  rc = sgdl_splu_solve(ctx, lu, 1, tau);
  sgdl_splu_free(lu);
  if (rc) return rc;
  for (size_t c = 0; c < op->n; c++)
    if (!(tau[c] >= 0) || !isfinite(tau[c]))
      return sgdl_fail(ctx, SGDL_ELINALG, "exit-time PDE: tau = %g in cell %zu (the exit target is unreachable "
                       "from part of the domain, or the barrier overflows double precision)", tau[c], c);
  return SGDL_OK;
}
