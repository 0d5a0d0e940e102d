/* 1-D mean exit time of the SME by the nested-integral formula (SPEC section 4), exact for the
 * SDE up to quadrature error.
 *
 * With Phi(y) = int_lo^y L_alpha'/D (so psi = exp(Phi)):
 *   lo reflecting/natural, hi absorbing:  tau(x) = int_x^hi J(y) dy,  J(y) = int_lo^y e^{Phi(y)-Phi(z)}/D(z) dz
 *   lo absorbing, hi reflecting/natural:  tau(x) = int_lo^x R(y) dy,  R(y) = int_y^hi e^{Phi(y)-Phi(z)}/D(z) dz
 *   both absorbing:  tau(x) = K int_lo^x psi - int_lo^x J,  K = int_lo^hi J / int_lo^hi psi.
 * J and R are built by one-step recursions (J(y+h) = e^{dPhi} J(y) + local trapezoid) carried in
 * the log domain, so no exponential is ever formed outside [-745, 709]: a barrier far beyond
 * exp(700) still returns log(tau). Cumulative trapezoid on nodes that contain x0 (two uniform
 * pieces), on three nested grids, Romberg (h^2, h^4 eliminated).
 * Does not: handle 2-D (pde.h) or the discrete chain (met_chain.c). */
#include <math.h>
#include <string.h>

#include "sgdlab/exit.h"

static double logaddexp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

typedef struct {
  int n;          /* nodes 0..n */
  int i0;         /* index of x0 */
  double *y, *phi, *logD, *w; /* nodes, Phi, log D, trapezoid weights on [lo, hi] */
} qgrid;

/* Nodes: n_left uniform steps on [lo, x0], n_right on [x0, hi]. Phi by the exact potential
 * difference when D is constant (Sigma_1 independent of x), else cumulative trapezoid of L'/D. */
static int build_grid(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_interval *iv, double x0,
                      int nl, int nr, qgrid *g, double *work) {
  const int n = nl + nr;
  g->n = n;
  g->i0 = nl;
  const double hl = (x0 - iv->lo) / nl, hr = (iv->hi - x0) / nr;
  double *slope = g->w; /* temporary use of w for Phi' */
  const int constD = m->prob->noise_constant;
  for (int i = 0; i <= n; i++) {
    g->y[i] = i <= nl ? iv->lo + hl * i : x0 + hr * (i - nl);
    if (i == nl) g->y[i] = x0;
    if (i == n) g->y[i] = iv->hi;
    double b, D;
    sgdl_sme_drift(m, &g->y[i], &b, work);
    sgdl_sme_diffusion(m, &g->y[i], &D, work);
    if (!(D > 0) || !isfinite(D) || !isfinite(b))
      return sgdl_fail(ctx, SGDL_ENOTSUP, "quadrature: the diffusion D(x) = %g at x = %g is not positive "
                       "(degenerate noise: add --noisy BETA_INV > 0)", D, g->y[i]);
    g->logD[i] = log(D);
    slope[i] = -b / D;
  }
  if (constD) {
    const double D = exp(g->logD[0]);
    const double L0 = sgdl_sme_potential(m, &g->y[0], work);
    for (int i = 0; i <= n; i++) g->phi[i] = (sgdl_sme_potential(m, &g->y[i], work) - L0) / D;
  } else {
    g->phi[0] = 0;
    for (int i = 1; i <= n; i++)
      g->phi[i] = g->phi[i - 1] + 0.5 * (slope[i - 1] + slope[i]) * (g->y[i] - g->y[i - 1]);
  }
  for (int i = 0; i <= n; i++) g->w[i] = 0;
  for (int i = 0; i < n; i++) {
    const double h = g->y[i + 1] - g->y[i];
    g->w[i] += 0.5 * h;
    g->w[i + 1] += 0.5 * h;
  }
  return SGDL_OK;
}

/* log of int over nodes [i_a, i_b] of exp(f_i) by the trapezoid rule on that sub-range. */
static double log_trap(const qgrid *g, const double *f, int ia, int ib) {
  double s = -INFINITY;
  for (int i = ia; i < ib; i++) {
    const double lh = log(0.5 * (g->y[i + 1] - g->y[i]));
    s = logaddexp(s, lh + f[i]);
    s = logaddexp(s, lh + f[i + 1]);
  }
  return s;
}

/* log tau(x0) on one grid. lJ is scratch of n+1 doubles. */
static double log_tau_on_grid(const qgrid *g, const sgdl_interval *iv, double *lJ, double *lpsi) {
  const int n = g->n, i0 = g->i0;
  const int lo_abs = iv->bc_lo == SGDL_BC_ABSORB, hi_abs = iv->bc_hi == SGDL_BC_ABSORB;
  if (!lo_abs && hi_abs) {
    lJ[0] = -INFINITY;
    for (int i = 0; i < n; i++) {
      const double dphi = g->phi[i + 1] - g->phi[i];
      const double h = g->y[i + 1] - g->y[i];
      const double loc = log(0.5 * h) + logaddexp(dphi - g->logD[i], -g->logD[i + 1]);
      lJ[i + 1] = logaddexp(dphi + lJ[i], loc);
    }
    return log_trap(g, lJ, i0, n);
  }
  if (lo_abs && !hi_abs) {
    lJ[n] = -INFINITY;
    for (int i = n; i > 0; i--) {
      const double dphi = g->phi[i - 1] - g->phi[i];
      const double h = g->y[i] - g->y[i - 1];
      const double loc = log(0.5 * h) + logaddexp(-g->logD[i - 1], dphi - g->logD[i]);
      lJ[i - 1] = logaddexp(dphi + lJ[i], loc);
    }
    return log_trap(g, lJ, 0, i0);
  }
  /* both absorbing */
  lJ[0] = -INFINITY;
  for (int i = 0; i < n; i++) {
    const double dphi = g->phi[i + 1] - g->phi[i];
    const double h = g->y[i + 1] - g->y[i];
    const double loc = log(0.5 * h) + logaddexp(dphi - g->logD[i], -g->logD[i + 1]);
    lJ[i + 1] = logaddexp(dphi + lJ[i], loc);
  }
  for (int i = 0; i <= n; i++) lpsi[i] = g->phi[i];
  const double logK = log_trap(g, lJ, 0, n) - log_trap(g, lpsi, 0, n);
  const double la = logK + log_trap(g, lpsi, 0, i0);
  const double lb = log_trap(g, lJ, 0, i0);
  if (!(lb < la)) return -INFINITY; /* x0 at lo, or round-off: tau ~ 0 */
  return la + log1p(-exp(lb - la));
}

int sgdl_met_quadrature(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_interval *iv,
                        double x0, int n, sgdl_met *out) {
  if (m->prob->dim != 1) return sgdl_fail(ctx, SGDL_EINVAL, "quadrature: needs a 1-D problem (d = %d)", m->prob->dim);
  if (!(iv->lo < iv->hi)) return sgdl_fail(ctx, SGDL_EINVAL, "--interval %g:%g: empty interval", iv->lo, iv->hi);
  if (!(x0 > iv->lo && x0 < iv->hi))
    return sgdl_fail(ctx, SGDL_EINVAL, "--from %g: start point outside the domain (%g, %g)", x0, iv->lo, iv->hi);
  if (iv->bc_lo != SGDL_BC_ABSORB && iv->bc_hi != SGDL_BC_ABSORB)
    return sgdl_fail(ctx, SGDL_EINVAL, "exit interval (%g, %g): no absorbing end, the exit time is infinite", iv->lo, iv->hi);
  if (n <= 0) n = 4000;

  double *work = sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double));
  if (!work) return SGDL_ENOMEM;

  /* Resolution: a pre-scan of Phi on 2000 steps; refine so one step of the coarsest level changes
   * Phi by at most 0.05 (the integrands are exp(+-Phi)). */
  {
    const int ns = 2000;
    double prev = 0, maxd = 0;
    for (int i = 0; i <= ns; i++) {
      const double y = iv->lo + (iv->hi - iv->lo) * i / ns;
      double b, D;
      sgdl_sme_drift(m, &y, &b, work);
      sgdl_sme_diffusion(m, &y, &D, work);
      const double s = D > 0 ? fabs(b / D) : 0;
      if (i > 0 && fmax(s, prev) > maxd) maxd = fmax(s, prev);
      prev = s;
    }
    const double need = maxd * (iv->hi - iv->lo) / 0.05;
    if (need > n) n = need > 2e6 ? 2000000 : (int)need;
  }
  const double frac = (x0 - iv->lo) / (iv->hi - iv->lo);
  int nl = (int)lround(n * frac), nr;
  if (nl < 8) nl = 8;
  nr = n - nl;
  if (nr < 8) nr = 8;

  const int maxn = 4 * (nl + nr) + 1;
  qgrid g;
  double *buf = sgdl_alloc(ctx, 6 * (size_t)maxn, sizeof(double));
  if (!buf) {
    sgdl_free(work);
    return SGDL_ENOMEM;
  }
  g.y = buf;
  g.phi = buf + maxn;
  g.logD = buf + 2 * (size_t)maxn;
  g.w = buf + 3 * (size_t)maxn;
  double *lJ = buf + 4 * (size_t)maxn, *lpsi = buf + 5 * (size_t)maxn;

  double lt[3];
  int rc = SGDL_OK;
  for (int lev = 0; lev < 3 && !rc; lev++) {
    rc = build_grid(ctx, m, iv, x0, nl << lev, nr << lev, &g, work);
    if (!rc) lt[lev] = log_tau_on_grid(&g, iv, lJ, lpsi);
  }
  if (!rc) {
    /* Romberg on tau / e^M with M = the finest log tau (no overflow). */
    const double M = lt[2];
    const double t0 = exp(lt[0] - M), t1 = exp(lt[1] - M), t2 = exp(lt[2] - M);
    const double r1a = (4 * t1 - t0) / 3, r1b = (4 * t2 - t1) / 3;
    const double r2 = (16 * r1b - r1a) / 15;
    out->log_tau = M + log(r2);
    out->tau = out->log_tau < 709 ? exp(out->log_tau) : INFINITY;
    const double e = fabs(r2 - r1b);
    out->err = M + log(e > 0 ? e : 1e-300) < 709 ? e * exp(M) : INFINITY;
    out->nodes = g.n + 1;
    if (!isfinite(out->log_tau))
      rc = sgdl_fail(ctx, SGDL_ELINALG, "quadrature: exit time is not finite (log tau = %g)", out->log_tau);
  }
  sgdl_free(buf);
  sgdl_free(work);
  return rc;
}
