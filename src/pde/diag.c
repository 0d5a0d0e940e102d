/* Diagnostics of Fokker-Planck densities (pde.h): mass, positivity, TV and relative entropy to a
 * reference, moments, the TV distance to a sample histogram with its sampling floor, and the
 * constants of SPEC section 4 item 1 (drift-regime bound) and item 3 (Bakry-Emery), plus the
 * grid-resolution check. Everything is a sum over cell centres (midpoint rule).
 * Does not: evolve densities or run the SGD ensemble (the CLI hands the samples in). */
#include <math.h>
#include <string.h>

#include "sgdlab/pde.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double sgdl_fp_mass(const sgdl_grid *g, const double *rho) {
  const size_t n = sgdl_grid_cells(g);
  double s = 0;
  for (size_t c = 0; c < n; c++) s += rho[c];
  return s * sgdl_grid_volume(g);
}

double sgdl_fp_min(const sgdl_grid *g, const double *rho) {
  const size_t n = sgdl_grid_cells(g);
  double m = INFINITY;
  for (size_t c = 0; c < n; c++) m = fmin(m, rho[c]);
  return m;
}

double sgdl_fp_tv(const sgdl_grid *g, const double *rho, const double *ref) {
  const size_t n = sgdl_grid_cells(g);
  double s = 0;
  for (size_t c = 0; c < n; c++) s += fabs(rho[c] - ref[c]);
  return 0.5 * s * sgdl_grid_volume(g);
}

double sgdl_fp_relative_entropy(const sgdl_grid *g, const double *rho, const double *ref) {
  const size_t n = sgdl_grid_cells(g);
  double s = 0;
  for (size_t c = 0; c < n; c++) {
    if (!(rho[c] > 0)) continue;
    if (!(ref[c] > 0)) return INFINITY;
    s += rho[c] * log(rho[c] / ref[c]);
  }
  return s * sgdl_grid_volume(g);
}

void sgdl_fp_mean(const sgdl_grid *g, const double *rho, double *mean) {
  const size_t n = sgdl_grid_cells(g);
  double x[2], m[2] = {0, 0}, s = 0;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    for (int a = 0; a < g->dim; a++) m[a] += rho[c] * x[a];
    s += rho[c];
  }
  for (int a = 0; a < g->dim; a++) mean[a] = s > 0 ? m[a] / s : NAN;
}

double sgdl_fp_second_moment(const sgdl_grid *g, const double *rho, const double *xstar) {
  const size_t n = sgdl_grid_cells(g);
  double x[2], s = 0;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    double r2 = 0;
    for (int a = 0; a < g->dim; a++) r2 += (x[a] - xstar[a]) * (x[a] - xstar[a]);
    s += rho[c] * r2;
  }
  return s * sgdl_grid_volume(g);
}

double sgdl_fp_mass_within(const sgdl_grid *g, const double *rho, const double *xstar, double r) {
  const size_t n = sgdl_grid_cells(g);
  double x[2], s = 0;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    double r2 = 0;
    for (int a = 0; a < g->dim; a++) r2 += (x[a] - xstar[a]) * (x[a] - xstar[a]);
    if (r2 <= r * r) s += rho[c];
  }
  return s * sgdl_grid_volume(g);
}

double sgdl_fp_second_moment_within(const sgdl_grid *g, const double *rho, const double *xstar, double r) {
  const size_t n = sgdl_grid_cells(g);
  double x[2], s = 0;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    double r2 = 0;
    for (int a = 0; a < g->dim; a++) r2 += (x[a] - xstar[a]) * (x[a] - xstar[a]);
    if (r2 <= r * r) s += rho[c] * r2;
  }
  return s * sgdl_grid_volume(g);
}

static long bin_of(const sgdl_grid *g, const int *nb, const double *x) {
  long idx = 0, stride = 1;
  for (int a = 0; a < g->dim; a++) {
    const double u = (x[a] - g->lo[a]) / (g->hi[a] - g->lo[a]);
    if (!(u >= 0 && u <= 1)) return -1;
    long k = (long)(u * nb[a]);
    if (k >= nb[a]) k = nb[a] - 1;
    idx += k * stride;
    stride *= nb[a];
  }
  return idx;
}

int sgdl_fp_tv_samples(sgdl_ctx *ctx, const sgdl_grid *g, const double *rho, const double *X, long M,
                       const int *nb, double *tv, double *floor, double *floor_sd) {
  if (M < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: need at least one sample for a histogram");
  long nbins = 1;
  for (int a = 0; a < g->dim; a++) {
    if (nb[a] < 1) return sgdl_fail(ctx, SGDL_EINVAL, "histogram: %d bins on axis %d", nb[a], a + 1);
    nbins *= nb[a];
  }
  double *p = sgdl_alloc(ctx, (size_t)nbins + 1, sizeof(double));
  double *q = sgdl_alloc(ctx, (size_t)nbins + 1, sizeof(double));
  if (!p || !q) {
    sgdl_free(p);
    sgdl_free(q);
    return SGDL_ENOMEM;
  }
  const size_t n = sgdl_grid_cells(g);
  const double vol = sgdl_grid_volume(g);
  double x[2], mass = 0;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    p[bin_of(g, nb, x)] += rho[c] * vol;
    mass += rho[c] * vol;
  }
  p[nbins] = mass < 1 ? 1 - mass : 0; /* outside the box (absorbed mass) */
  for (long s = 0; s < M; s++) {
    const long b = bin_of(g, nb, X + (size_t)s * g->dim);
    q[b < 0 ? nbins : b] += 1.0 / (double)M;
  }
  double t = 0, fl = 0, var = 0;
  for (long b = 0; b <= nbins; b++) {
    t += fabs(p[b] - q[b]);
    const double v = p[b] * (1 - p[b]) / (double)M;
    fl += sqrt(2 * v / M_PI);
    var += (1 - 2 / M_PI) * v;
  }
  *tv = 0.5 * t;
  *floor = 0.5 * fl;
  *floor_sd = 0.5 * sqrt(var);
  sgdl_free(p);
  sgdl_free(q);
  return SGDL_OK;
}

/* Scratch for point evaluations of the model (NULL on allocation failure). */
static double *model_work(const sgdl_sme_model *m) {
  sgdl_ctx tmp;
  sgdl_ctx_init(&tmp);
  return sgdl_alloc(&tmp, sgdl_sme_work_size(m), sizeof(double));
}

void sgdl_drift_constants(const sgdl_sme_model *m, const sgdl_grid *g, const double *xstar, double r,
                          double *kappa, double *S) {
  double b[2], D[4], x[2];
  double *work = model_work(m);
  const size_t n = sgdl_grid_cells(g);
  const int d = g->dim;
  double kap = INFINITY, smax = 0;
  const int have_work = work != NULL;
  for (size_t c = 0; c < n && have_work; c++) {
    sgdl_grid_center(g, c, x);
    double r2 = 0, dot = 0;
    for (int a = 0; a < d; a++) r2 += (x[a] - xstar[a]) * (x[a] - xstar[a]);
    if (r2 > r * r || r2 == 0) continue;
    sgdl_sme_drift(m, x, b, work);
    for (int a = 0; a < d; a++) dot += -b[a] * (x[a] - xstar[a]);
    kap = fmin(kap, dot / r2);
    sgdl_sme_diffusion(m, x, D, work);
    double tr = 0;
    for (int a = 0; a < d; a++) tr += D[a * d + a] - m->extra_diffusion;
    smax = fmax(smax, tr * 2.0 / m->lr);
  }
  *kappa = have_work ? kap : NAN;
  *S = have_work ? smax : NAN;
  sgdl_free(work);
}

double sgdl_drift_radius(const sgdl_sme_model *m, const sgdl_grid *g, const double *xstar) {
  /* kappa(r) is non-increasing in r: bisection over the cell-centre distances. */
  double hmin = g->h[0], span = g->hi[0] - g->lo[0];
  if (g->dim == 2) {
    hmin = fmin(hmin, g->h[1]);
    span = hypot(span, g->hi[1] - g->lo[1]);
  }
  double lo = hmin, hi = span, kap, S;
  sgdl_drift_constants(m, g, xstar, lo, &kap, &S);
  if (isnan(kap)) return NAN; /* out of memory */
  if (!(kap > 0)) return 0;
  sgdl_drift_constants(m, g, xstar, hi, &kap, &S);
  if (isnan(kap)) return NAN;
  if (kap > 0) return hi;
  for (int it = 0; it < 40 && hi - lo > 0.25 * hmin; it++) {
    const double mid = 0.5 * (lo + hi);
    sgdl_drift_constants(m, g, xstar, mid, &kap, &S);
    if (isnan(kap)) return NAN;
    if (kap > 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

double sgdl_drift_bound(double kappa, double alpha, double S, double m0, double t) {
  const double e = exp(-2 * kappa * t);
  return e * m0 + alpha * S / (2 * kappa) * (1 - e);
}

/* Hess L_alpha = -grad b by central differences of the drift. */
static void hess_fd(const sgdl_sme_model *m, const double *x, double *H, double *work) {
  const int d = m->prob->dim;
  double xp[2], xm[2], bp[2], bm[2];
  for (int j = 0; j < d; j++) {
    const double e = 1e-5 * (1 + fabs(x[j]));
    memcpy(xp, x, sizeof(double) * (size_t)d);
    memcpy(xm, x, sizeof(double) * (size_t)d);
    xp[j] += e;
    xm[j] -= e;
    sgdl_sme_drift(m, xp, bp, work);
    sgdl_sme_drift(m, xm, bm, work);
    for (int i = 0; i < d; i++) H[i * d + j] = -(bp[i] - bm[i]) / (2 * e);
  }
  if (d == 2) H[1] = H[2] = 0.5 * (H[1] + H[2]);
}

double sgdl_bakry_emery_kappa(const sgdl_sme_model *m, const sgdl_grid *g, int *applies) {
  double H[4], x[2], D[4];
  *applies = 0;
  double *work = model_work(m);
  if (!work) return NAN;
  const size_t n = sgdl_grid_cells(g);
  double kap = INFINITY;
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    hess_fd(m, x, H, work);
    double lmin;
    if (g->dim == 1) lmin = H[0];
    else {
      const double tr = H[0] + H[3], det = H[0] * H[3] - H[1] * H[1];
      lmin = 0.5 * tr - sqrt(fmax(0, 0.25 * tr * tr - det));
    }
    kap = fmin(kap, lmin);
  }
  /* Constant isotropic D: the noise does not depend on x and D is a multiple of I. */
  sgdl_grid_center(g, 0, x);
  sgdl_sme_diffusion(m, x, D, work);
  int iso = m->prob->noise_constant || m->lr * m->cB == 0;
  if (g->dim == 2 && (fabs(D[1]) > 1e-12 * D[0] || fabs(D[0] - D[3]) > 1e-12 * D[0])) iso = 0;
  *applies = iso && kap > 0 && D[0] > 0;
  sgdl_free(work);
  return kap;
}

int sgdl_fp_check_resolution(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_grid *g,
                             const double *xmin, const char *flag) {
  double H[4], D[4];
  double *work = sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double));
  if (!work) return SGDL_ENOMEM;
  hess_fd(m, xmin, H, work);
  sgdl_sme_diffusion(m, xmin, D, work);
  sgdl_free(work);
  for (int a = 0; a < g->dim; a++) {
    const double curv = H[a * g->dim + a], Daa = D[a * g->dim + a];
    if (!(curv > 0) || !(Daa > 0)) continue;
    const double width = sqrt(Daa / curv);
    if (g->h[a] > width / 3) {
      const int need = (int)ceil(3 * (g->hi[a] - g->lo[a]) / width);
      return sgdl_fail(ctx, SGDL_EINVAL,
                       "%s: %d cells give h = %.3g on axis %d, coarser than a third of the noise width "
                       "sqrt(D / L'') = %.3g at the minimum; the grid cannot resolve the noise, use at least %d cells",
                       flag, g->n[a], g->h[a], a + 1, width, need);
    }
  }
  return SGDL_OK;
}
