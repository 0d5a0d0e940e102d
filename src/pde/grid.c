/* Tensor grids for the Fokker-Planck and exit-time solvers: validation, cell centres, point
 * location, interpolation of cell fields (honouring the walls), and Gaussian initial data.
 * Does not: assemble operators (assemble.c) or solve anything. */
#include <math.h>

#include "sgdlab/pde.h"

int sgdl_grid_init(sgdl_ctx *ctx, sgdl_grid *g, int dim, const int *n, const double *lo,
                   const double *hi, const int bc[2][2]) {
  if (dim != 1 && dim != 2)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem: the PDE solvers need a 1-D or 2-D problem (d = %d)", dim);
  g->dim = dim;
  for (int a = 0; a < 2; a++) {
    if (a >= dim) {
      g->n[a] = 1;
      g->lo[a] = 0;
      g->hi[a] = 1;
      g->h[a] = 1;
      g->bc[a][0] = g->bc[a][1] = SGDL_BC_REFLECT;
      continue;
    }
    if (n[a] < 3) return sgdl_fail(ctx, SGDL_EINVAL, "--grid: %d cells on axis %d, need at least 3", n[a], a + 1);
    if (!(lo[a] < hi[a]) || !isfinite(lo[a]) || !isfinite(hi[a]))
      return sgdl_fail(ctx, SGDL_EINVAL, "--box: axis %d range [%g, %g] is empty", a + 1, lo[a], hi[a]);
    g->n[a] = n[a];
    g->lo[a] = lo[a];
    g->hi[a] = hi[a];
    g->h[a] = (hi[a] - lo[a]) / n[a];
    for (int s = 0; s < 2; s++) {
      const int b = bc[a][s];
      if (b != SGDL_BC_ABSORB && b != SGDL_BC_REFLECT && b != SGDL_BC_NATURAL)
        return sgdl_fail(ctx, SGDL_EINVAL, "grid: unknown boundary type %d", b);
      g->bc[a][s] = b == SGDL_BC_NATURAL ? SGDL_BC_REFLECT : b;
    }
  }
  if ((double)g->n[0] * g->n[1] > 2e8) return sgdl_fail(ctx, SGDL_EINVAL, "--grid: %d x %d cells is too many", g->n[0], g->n[1]);
  return SGDL_OK;
}

size_t sgdl_grid_cells(const sgdl_grid *g) { return (size_t)g->n[0] * (size_t)g->n[1]; }

double sgdl_grid_volume(const sgdl_grid *g) { return g->dim == 1 ? g->h[0] : g->h[0] * g->h[1]; }

void sgdl_grid_center(const sgdl_grid *g, size_t c, double *x) {
  const size_t i = c % (size_t)g->n[0], j = c / (size_t)g->n[0];
  x[0] = g->lo[0] + ((double)i + 0.5) * g->h[0];
  if (g->dim == 2) x[1] = g->lo[1] + ((double)j + 0.5) * g->h[1];
}

long sgdl_grid_locate(const sgdl_grid *g, const double *x) {
  long idx[2] = {0, 0};
  for (int a = 0; a < g->dim; a++) {
    if (!(x[a] >= g->lo[a] && x[a] <= g->hi[a])) return -1;
    long i = (long)((x[a] - g->lo[a]) / g->h[a]);
    if (i >= g->n[a]) i = g->n[a] - 1;
    idx[a] = i;
  }
  return idx[0] + (long)g->n[0] * idx[1];
}

/* Per axis: the two nodes (cell indices, -1 = the wall) and the weight of the upper one. */
static void axis_stencil(const sgdl_grid *g, int a, double xa, int *i0, int *i1, double *t, double *wall0,
                         double *wall1) {
  const double s = (xa - g->lo[a]) / g->h[a] - 0.5; /* position in cell-centre units */
  const int n = g->n[a];
  *wall0 = *wall1 = 1; /* multiplier of the value at a wall node: 0 absorbing, 1 reflecting (copy) */
  if (s < 0) {
    *i0 = 0;
    *i1 = 0;
    /* between the wall (s = -0.5) and centre 0 */
    const double f = (s + 0.5) / 0.5;
    if (g->bc[a][0] == SGDL_BC_ABSORB) {
      *wall0 = 0;
      *t = f < 0 ? 0 : f; /* weight on centre 0; wall value 0 */
    } else {
      *t = 1;
    }
    *i0 = -1;
    return;
  }
  if (s > n - 1) {
    *i0 = n - 1;
    const double f = (s - (n - 1)) / 0.5;
    *i1 = -1;
    if (g->bc[a][1] == SGDL_BC_ABSORB) {
      *wall1 = 0;
      *t = f > 1 ? 1 : f; /* weight on the wall (value 0) */
    } else {
      *t = 0;
    }
    return;
  }
  int i = (int)s;
  if (i >= n - 1) i = n - 2;
  *i0 = i;
  *i1 = i + 1;
  *t = s - i;
}

static double axis_value(const double *f1d, int stride, int i0, int i1, double t, double w0, double w1) {
  /* i0 == -1: wall at the low end, the value there is w0 * f(0); weight t on centre 0. */
  if (i0 == -1) return t * f1d[0] + (1 - t) * w0 * f1d[0];
  if (i1 == -1) return (1 - t) * f1d[(size_t)i0 * stride] + t * w1 * f1d[(size_t)i0 * stride];
  return (1 - t) * f1d[(size_t)i0 * stride] + t * f1d[(size_t)i1 * stride];
}

double sgdl_grid_interp(const sgdl_grid *g, const double *f, const double *x) {
  int a0, a1;
  double t, w0, w1;
  axis_stencil(g, 0, x[0], &a0, &a1, &t, &w0, &w1);
  if (g->dim == 1) return axis_value(f, 1, a0, a1, t, w0, w1);
  int b0, b1;
  double u, v0, v1;
  axis_stencil(g, 1, x[1], &b0, &b1, &u, &v0, &v1);
  /* Interpolate along x on the two y rows, then along y. */
  const int n0 = g->n[0];
  double row[2];
  const int rows[2] = {b0 == -1 ? 0 : b0, b1 == -1 ? (b0 == -1 ? 0 : b0) : b1};
  for (int r = 0; r < 2; r++) row[r] = axis_value(f + (size_t)rows[r] * n0, 1, a0, a1, t, w0, w1);
  if (b0 == -1) return u * row[0] + (1 - u) * v0 * row[0];
  if (b1 == -1) return (1 - u) * row[0] + u * v1 * row[0];
  return (1 - u) * row[0] + u * row[1];
}

int sgdl_fp_gaussian(sgdl_ctx *ctx, const sgdl_grid *g, const double *x0, double sd, double *rho) {
  for (int a = 0; a < g->dim; a++)
    if (!(x0[a] > g->lo[a] && x0[a] < g->hi[a]))
      return sgdl_fail(ctx, SGDL_EINVAL, "--x0: start point %g (axis %d) is outside the domain [%g, %g]", x0[a], a + 1,
                       g->lo[a], g->hi[a]);
  double hmax = g->h[0];
  if (g->dim == 2 && g->h[1] > hmax) hmax = g->h[1];
  if (!(sd >= 0.5 * hmax))
    return sgdl_fail(ctx, SGDL_EINVAL, "--init-sd: %g is below half a cell (%g); refine --grid or widen the start", sd,
                     0.5 * hmax);
  const size_t n = sgdl_grid_cells(g);
  double s = 0, x[2];
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    double r2 = 0;
    for (int a = 0; a < g->dim; a++) r2 += (x[a] - x0[a]) * (x[a] - x0[a]);
    rho[c] = exp(-0.5 * r2 / (sd * sd));
    s += rho[c];
  }
  const double scale = 1.0 / (s * sgdl_grid_volume(g));
  for (size_t c = 0; c < n; c++) rho[c] *= scale;
  return SGDL_OK;
}
