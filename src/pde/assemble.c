/* Assembly of the forward Fokker-Planck operator d rho/dt = A rho on a 1-D or 2-D tensor grid
 * (pde.h): one Scharfetter-Gummel flux per face, F = (D_f/dist) [B(-P) rho_L - B(P) rho_R] with
 * P = (v - dD/dn) dist / D_f, written into CSR rows (at most 5 entries, sorted by column).
 * Coefficients are evaluated at the faces (drift, D) and cell centres (D, for dD/dn), so
 * state-dependent noise enters in Ito form. Absorbing walls are Dirichlet rho = 0 half a cell out
 * (dist = h/2); reflecting walls carry no flux.
 * Does not: handle cross-diffusion D_01 != 0 (refused: it has no sign-preserving 5-point flux). */
#include <math.h>
#include <string.h>

#include "sgdlab/pde.h"

/* Bernoulli function B(z) = z / (e^z - 1), accurate near 0 and for large |z|. */
static double bernoulli(double z) {
  if (fabs(z) < 1e-6) return 1.0 - 0.5 * z + z * z / 12.0;
  if (z > 700) return z * exp(-z);
  return z / expm1(z);
}

/* Flux coefficients for F = al * rho_L - be * rho_R across a face at distance dist, with velocity
 * v (drift along +axis), face diffusion Df and dD/dn = dD. */
static void sg_face(double v, double Df, double dD, double dist, double *al, double *be) {
  const double vt = v - dD;
  if (!(Df > 0) || fabs(vt) * dist > 1e300 * Df) { /* no diffusion: upwind */
    *al = vt > 0 ? vt : 0;
    *be = vt < 0 ? -vt : 0;
    return;
  }
  const double P = vt * dist / Df;
  *al = Df / dist * bernoulli(-P);
  *be = Df / dist * bernoulli(P);
}

typedef struct {
  const sgdl_sme_model *m;
  int d;
  double *work, *b, *D;
  int Dconst;      /* noise independent of x: D evaluated once (and checked once) */
  int Dready;
} coef_eval;

/* Drift component a and diagonal diffusion D_aa at x; checks diagonality in 2-D. */
static int eval_point(sgdl_ctx *ctx, coef_eval *ce, const double *x, int a, double *v, double *Daa) {
  sgdl_sme_drift(ce->m, x, ce->b, ce->work);
  if (!ce->Dconst || !ce->Dready) sgdl_sme_diffusion(ce->m, x, ce->D, ce->work);
  const int d = ce->d;
  *v = ce->b[a];
  *Daa = ce->D[a * d + a];
  if (!isfinite(*v) || !isfinite(*Daa) || *Daa < 0)
    return sgdl_fail(ctx, SGDL_EINVAL, "fpe: drift %g or diffusion %g is not finite/non-negative at x = (%g%s%g)",
                     *v, *Daa, x[0], d == 2 ? ", " : "", d == 2 ? x[1] : 0.0);
  if (d == 2 && !ce->Dready) {
    const double off = fabs(ce->D[1]) + fabs(ce->D[2]);
    if (off > 1e-12 * (fabs(ce->D[0]) + fabs(ce->D[3]) + 1e-300))
      return sgdl_fail(ctx, SGDL_ENOTSUP, "fpe: the noise is correlated at x = (%g, %g) (D_12 = %g); the 2-D solver "
                       "needs a diagonal diffusion matrix (no sign-preserving flux for cross-diffusion)",
                       x[0], x[1], ce->D[1]);
  }
  if (ce->Dconst) ce->Dready = 1;
  return SGDL_OK;
}

int sgdl_fp_assemble(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_grid *g, sgdl_fp_op **out) {
  *out = NULL;
  if (m->prob->dim != g->dim)
    return sgdl_fail(ctx, SGDL_EINVAL, "fpe: problem dimension %d does not match the %d-D grid", m->prob->dim, g->dim);
  const int n0 = g->n[0], n1 = g->n[1], dim = g->dim;
  const size_t n = sgdl_grid_cells(g);
  if (n > 2000000000u / 5) return sgdl_fail(ctx, SGDL_EINVAL, "--grid: too many cells");
  sgdl_fp_op *op = sgdl_alloc(ctx, 1, sizeof *op);
  if (!op) return SGDL_ENOMEM;
  op->grid = *g;
  op->n = n;
  /* Face coefficient arrays: axis 0 faces (n0+1) x n1, axis 1 faces n0 x (n1+1). */
  const size_t nf0 = (size_t)(n0 + 1) * n1, nf1 = dim == 2 ? (size_t)n0 * (n1 + 1) : 0;
  double *al0 = sgdl_alloc(ctx, nf0, sizeof(double)), *be0 = sgdl_alloc(ctx, nf0, sizeof(double));
  double *al1 = sgdl_alloc(ctx, nf1 ? nf1 : 1, sizeof(double)), *be1 = sgdl_alloc(ctx, nf1 ? nf1 : 1, sizeof(double));
  double *Dc = sgdl_alloc(ctx, n * (size_t)dim, sizeof(double)); /* D_aa at centres */
  coef_eval ce = {m, dim, sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double)), sgdl_alloc(ctx, 2, sizeof(double)),
                  sgdl_alloc(ctx, 4, sizeof(double)), m->prob->noise_constant, 0};
  op->rowptr = sgdl_alloc(ctx, n + 1, sizeof(int));
  op->col = sgdl_alloc(ctx, 5 * n, sizeof(int));
  op->val = sgdl_alloc(ctx, 5 * n, sizeof(double));
  int rc = (al0 && be0 && al1 && be1 && Dc && ce.work && ce.b && ce.D && op->rowptr && op->col && op->val)
               ? SGDL_OK : SGDL_ENOMEM;

  double x[2], v, Df, Lbest = INFINITY;
  op->min_diffusion = INFINITY;
  op->max_diffusion = 0;
  for (size_t c = 0; c < n && !rc; c++) {
    sgdl_grid_center(g, c, x);
    const double L = sgdl_sme_potential(m, x, ce.work);
    if (L < Lbest) {
      Lbest = L;
      op->argmin_potential = c;
    }
    for (int a = 0; a < dim && !rc; a++) {
      rc = eval_point(ctx, &ce, x, a, &v, &Dc[c * dim + a]);
      if (!rc) {
        op->min_diffusion = fmin(op->min_diffusion, Dc[c * dim + a]);
        op->max_diffusion = fmax(op->max_diffusion, Dc[c * dim + a]);
      }
    }
  }
  op->max_peclet = 0;
  /* Axis 0 faces: face (i, j) sits at x = lo + i h, between cells i-1 and i of row j. */
  for (int j = 0; j < n1 && !rc; j++)
    for (int i = 0; i <= n0 && !rc; i++) {
      const size_t f = (size_t)j * (n0 + 1) + i;
      x[0] = g->lo[0] + i * g->h[0];
      if (dim == 2) x[1] = g->lo[1] + (j + 0.5) * g->h[1];
      al0[f] = be0[f] = 0;
      const int wall = i == 0 ? 0 : i == n0 ? 1 : -1;
      if (wall >= 0 && g->bc[0][wall] != SGDL_BC_ABSORB) continue;
      rc = eval_point(ctx, &ce, x, 0, &v, &Df);
      if (rc) break;
      if (wall < 0) {
        const double DL = Dc[((size_t)j * n0 + i - 1) * dim], DR = Dc[((size_t)j * n0 + i) * dim];
        sg_face(v, Df, (DR - DL) / g->h[0], g->h[0], &al0[f], &be0[f]);
        if (Df > 0) op->max_peclet = fmax(op->max_peclet, fabs(v - (DR - DL) / g->h[0]) * g->h[0] / Df);
      } else if (wall == 0) {
        const double DR = Dc[((size_t)j * n0) * dim];
        sg_face(v, Df, (DR - Df) / (0.5 * g->h[0]), 0.5 * g->h[0], &al0[f], &be0[f]);
      } else {
        const double DL = Dc[((size_t)j * n0 + n0 - 1) * dim];
        sg_face(v, Df, (Df - DL) / (0.5 * g->h[0]), 0.5 * g->h[0], &al0[f], &be0[f]);
      }
    }
  /* Axis 1 faces: face (i, j) at y = lo + j h, between cells (i, j-1) and (i, j). */
  for (int j = 0; j <= n1 && dim == 2 && !rc; j++)
    for (int i = 0; i < n0 && !rc; i++) {
      const size_t f = (size_t)j * n0 + i;
      x[0] = g->lo[0] + (i + 0.5) * g->h[0];
      x[1] = g->lo[1] + j * g->h[1];
      al1[f] = be1[f] = 0;
      const int wall = j == 0 ? 0 : j == n1 ? 1 : -1;
      if (wall >= 0 && g->bc[1][wall] != SGDL_BC_ABSORB) continue;
      rc = eval_point(ctx, &ce, x, 1, &v, &Df);
      if (rc) break;
      if (wall < 0) {
        const double DL = Dc[((size_t)(j - 1) * n0 + i) * 2 + 1], DR = Dc[((size_t)j * n0 + i) * 2 + 1];
        sg_face(v, Df, (DR - DL) / g->h[1], g->h[1], &al1[f], &be1[f]);
        if (Df > 0) op->max_peclet = fmax(op->max_peclet, fabs(v - (DR - DL) / g->h[1]) * g->h[1] / Df);
      } else if (wall == 0) {
        const double DR = Dc[((size_t)i) * 2 + 1];
        sg_face(v, Df, (DR - Df) / (0.5 * g->h[1]), 0.5 * g->h[1], &al1[f], &be1[f]);
      } else {
        const double DL = Dc[((size_t)(n1 - 1) * n0 + i) * 2 + 1];
        sg_face(v, Df, (Df - DL) / (0.5 * g->h[1]), 0.5 * g->h[1], &al1[f], &be1[f]);
      }
    }

  /* CSR rows: d rho_c/dt = -(F_right - F_left)/h0 - (F_top - F_bottom)/h1. */
  size_t k = 0;
  for (size_t c = 0; c < n && !rc; c++) {
    const int i = (int)(c % (size_t)n0), j = (int)(c / (size_t)n0);
    op->rowptr[c] = (int)k;
    const size_t fl = (size_t)j * (n0 + 1) + i, fr = fl + 1; /* axis-0 faces left/right */
    /* The diagonal is minus the sum of exactly the numbers that appear as this column's
     * off-diagonal entries in the neighbouring rows (plus the wall outflow), so the column sums
     * vanish up to one rounding: mass is conserved to round-off. */
    const double ih0 = 1.0 / g->h[0];
    double diag = -(al0[fr] * ih0 + be0[fl] * ih0);
    double west = al0[fl] * ih0, east = be0[fr] * ih0, south = 0, north = 0;
    if (dim == 2) {
      const size_t fb = (size_t)j * n0 + i, ft = fb + (size_t)n0;
      const double ih1 = 1.0 / g->h[1];
      diag = -((al0[fr] * ih0 + be0[fl] * ih0) + (al1[ft] * ih1 + be1[fb] * ih1));
      south = al1[fb] * ih1;
      north = be1[ft] * ih1;
    }
    if (dim == 2 && j > 0) {
      op->col[k] = (int)(c - (size_t)n0);
      op->val[k++] = south;
    }
    if (i > 0) {
      op->col[k] = (int)(c - 1);
      op->val[k++] = west;
    }
    op->col[k] = (int)c;
    op->val[k++] = diag;
    if (i < n0 - 1) {
      op->col[k] = (int)(c + 1);
      op->val[k++] = east;
    }
    if (dim == 2 && j < n1 - 1) {
      op->col[k] = (int)(c + (size_t)n0);
      op->val[k++] = north;
    }
  }
  if (!rc) {
    op->rowptr[n] = (int)k;
    op->nnz = k;
  }
  sgdl_free(al0);
  sgdl_free(be0);
  sgdl_free(al1);
  sgdl_free(be1);
  sgdl_free(Dc);
  sgdl_free(ce.work);
  sgdl_free(ce.b);
  sgdl_free(ce.D);
  if (rc) {
    sgdl_fp_op_free(op);
    return rc;
  }
  *out = op;
  return SGDL_OK;
}

void sgdl_fp_op_free(sgdl_fp_op *op) {
  if (!op) return;
  sgdl_free(op->rowptr);
  sgdl_free(op->col);
  sgdl_free(op->val);
  sgdl_free(op);
}
