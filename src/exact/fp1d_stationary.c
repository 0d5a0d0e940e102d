/* Stationary density of the 1-D SME1 / SME2 Fokker-Planck equation by quadrature (SPEC 4, T14):
 *   rho(x) ~ s(x)^-1 exp(-Phi(x)),  Phi(x) = (2/alpha) int_c^x L_alpha'(u) / s(u) du,
 *   s = c_B Sigma_1 (state-dependent noise from the problem), L_alpha' = L' (+ alpha/2 L'' L' for SME2).
 * The whole real line is covered by the double-exponential map x = c + w sinh(pi/2 sinh t) around the
 * minimiser c (w from the local Ornstein-Uhlenbeck width), on which the trapezoid rule converges
 * exponentially for both Gaussian and power-law tails; Phi is accumulated node to node with 8-point
 * Gauss-Legendre. The step is halved until mean and variance stop changing.
 * Not here: the time-dependent Fokker-Planck solver (src/pde), exit times. */
#include <math.h>
#include <string.h>

#include "sgdlab/stationary.h"

static const double gl_x[8] = {-0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498,
                               0.1834346424956498,  0.5255324099163290,  0.7966664774136267,  0.9602898564975363};
static const double gl_w[8] = {0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620,
                               0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
static const double half_pi = 1.57079632679489661923;

typedef struct {
  const sgdl_problem *p;
  double lr, cB, c, w;
  int order;
  double *Gwork;
  int bad;       /* set when s(x) <= 0 or a value is not finite */
  double bad_x;
} fp_ctx;

static double noise_s(fp_ctx *f, double x) {
  double S;
  sgdl_problem_sigma1(f->p, &x, &S, f->Gwork);
  return f->cB * S;
}

/* (2/alpha) L_alpha'(x) / s(x) */
static double drift_ratio(fp_ctx *f, double x) {
  double g, s = noise_s(f, x);
  f->p->type->grad(f->p, &x, &g);
  if (f->order == 2) {
    double one = 1, hv;
    f->p->type->hvp(f->p, &x, &one, &hv);
    g += 0.5 * f->lr * hv * g;
  }
  if (!(s > 0) || !isfinite(g)) {
    if (!f->bad) f->bad_x = x;
    f->bad = 1;
    return 0;
  }
  return 2.0 / f->lr * g / s;
}

static double map_x(const fp_ctx *f, double t) { return f->c + f->w * sinh(half_pi * sinh(t)); }
static double map_dx(const fp_ctx *f, double t) { return f->w * cosh(half_pi * sinh(t)) * half_pi * cosh(t); }

/* int_{t0}^{t1} drift_ratio(x(t)) x'(t) dt, one 8-point panel. */
static double panel_t(fp_ctx *f, double t0, double t1) {
  double m = 0.5 * (t0 + t1), r = 0.5 * (t1 - t0), s = 0;
  for (int k = 0; k < 8; k++) {
    double t = m + r * gl_x[k];
    s += gl_w[k] * drift_ratio(f, map_x(f, t)) * map_dx(f, t);
  }
  return r * s;
}

/* int_{x0}^{x1} drift_ratio dx, n panels in x. */
static double panels_x(fp_ctx *f, double x0, double x1, int n) {
  double s = 0, hx = (x1 - x0) / n;
  for (int j = 0; j < n; j++) {
    double m = x0 + (j + 0.5) * hx, r = 0.5 * hx;
    for (int k = 0; k < 8; k++) s += r * gl_w[k] * drift_ratio(f, m + r * gl_x[k]);
  }
  return s;
}

typedef struct {
  double logZ, mean, var, logmax;
} moments;

/* Trapezoid in t on [-T, T] with step h. logZ is relative to Phi(c) = 0. */
static int de_moments(fp_ctx *f, double h, double T, moments *mo) {
  int K = (int)ceil(T / h);
  /* log(rho x') at nodes, two passes (max for scaling, then sums) */
  double lmax = -INFINITY;
  for (int pass = 0; pass < 2; pass++) {
    double Z = 0, M1 = 0, M2 = 0;
    for (int side = -1; side <= 1; side += 2) {
      double phi = 0;
      for (int k = (side < 0 ? 1 : 0); k <= K; k++) {
        double t = side * k * h;
        if (k > 0) phi += side > 0 ? panel_t(f, t - h, t) : -panel_t(f, t, t + h);
        double x = map_x(f, t), s = noise_s(f, x);
        if (!(s > 0)) {
          f->bad = 1;
          f->bad_x = x;
          return SGDL_EINVAL;
        }
        double l = -log(s) - phi + log(map_dx(f, t));
        if (pass == 0) {
          if (l > lmax) lmax = l;
          continue;
        }
        double wgt = exp(l - lmax), dx = x - f->c;
        Z += wgt;
        M1 += wgt * dx;
        M2 += wgt * dx * dx;
      }
    }
    if (pass == 1) {
      if (!(Z > 0) || !isfinite(M2)) return SGDL_EINVAL;
      mo->logZ = lmax + log(Z * h);
      double m1 = M1 / Z;
      mo->mean = f->c + m1;
      mo->var = M2 / Z - m1 * m1;
      mo->logmax = lmax;
    }
  }
  return f->bad ? SGDL_EINVAL : SGDL_OK;
}

/* log rho(x1) - log rho(x0) on the same side of c, integrating in log|x - c|. */
static double log_rho_diff(fp_ctx *f, double x0, double x1) {
  double phi = 0;
  double u0 = log(fabs(x0 - f->c)), u1 = log(fabs(x1 - f->c)), sg = x0 > f->c ? 1 : -1;
  int n = 40;
  double hu = (u1 - u0) / n;
  for (int j = 0; j < n; j++) {
    double m = u0 + (j + 0.5) * hu, r = 0.5 * hu;
    for (int k = 0; k < 8; k++) {
      double u = m + r * gl_x[k], e = exp(u);
      phi += r * gl_w[k] * drift_ratio(f, f->c + sg * e) * sg * e;
    }
  }
  return -(log(noise_s(f, x1)) - log(noise_s(f, x0))) - phi;
}

void sgdl_fp1d_free(sgdl_fp1d *f) {
  if (!f) return;
  sgdl_free(f->x);
  sgdl_free(f->rho);
  f->x = f->rho = NULL;
}

int sgdl_fp1d_stationary(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB, int order, sgdl_fp1d *out) {
  memset(out, 0, sizeof *out);
  if (p->dim != 1) return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem %s: the Fokker-Planck stationary density is 1-D only (d = %d)", p->type->name, p->dim);
  if (!(lr > 0) || !isfinite(lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", lr);
  if (!(cB > 0)) return sgdl_fail(ctx, SGDL_EINVAL, "--batch: minibatch factor c_B = %g leaves no noise: no stationary density", cB);
  if (order == 2 && !p->type->hvp) return sgdl_fail(ctx, SGDL_ENOTSUP, "SME2 density needs the problem's Hessian-vector product");
  fp_ctx f = {p, lr, cB, 0, 1, order, NULL, 0, 0};
  f.Gwork = sgdl_alloc(ctx, (size_t)(p->n_noise > 0 ? p->n_noise : 1), sizeof(double));
  if (!f.Gwork) return SGDL_ENOMEM;
  /* Centre: global minimiser of L over a coarse grid, refined by Newton steps. */
  double best = INFINITY, c = 0;
  for (int j = -4000; j <= 4000; j++) {
    double x = j * 0.005, L = p->type->loss(p, &x);
    if (L < best) {
      best = L;
      c = x;
    }
  }
  double hcur = 0;
  for (int it = 0; it < 50 && p->type->hvp; it++) {
    double g, one = 1;
    p->type->grad(p, &c, &g);
    p->type->hvp(p, &c, &one, &hcur);
    if (!(hcur > 0)) break;
    double step = g / hcur;
    c -= step;
    if (fabs(step) < 1e-15 * (1 + fabs(c))) break;
  }
  f.c = c;
  double s0 = noise_s(&f, c);
  if (!(s0 > 0)) {
    sgdl_free(f.Gwork);
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "the gradient noise vanishes at the minimum x = %g (Sigma_1 = 0): the SME has no stationary density there (degenerate noise, SPEC 4)", c);
  }
  if (p->type->hvp) {
    double one = 1;
    p->type->hvp(p, &c, &one, &hcur);
  }
  f.w = hcur > 0 ? sqrt(lr * s0 / (2 * hcur)) : 1.0;
  const double T = 4.5;
  moments prev = {0}, cur = {0};
  int rc = SGDL_OK, converged = 0;
  double h = 1.0 / 16;
  for (int level = 0; level < 8; level++, h *= 0.5) {
    rc = de_moments(&f, h, T, &cur);
    if (rc) break;
    if (level > 0) {
      out->norm_err = fmax(fabs(cur.mean - prev.mean), fabs(cur.var - prev.var) / fmax(cur.var, 1e-300));
      if (fabs(cur.mean - prev.mean) <= 1e-13 * (fabs(cur.mean) + sqrt(cur.var)) && fabs(cur.var - prev.var) <= 1e-12 * cur.var) {
        converged = 1;
        break;
      }
    }
    prev = cur;
  }
  if (rc || f.bad) {
    sgdl_free(f.Gwork);
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "the SME%d noise variance s(x) = c_B Sigma_1(x) vanishes or is not finite at x = %g: no stationary density on the whole line (SPEC 4)",
                     order, f.bad_x);
  }
  (void)converged; /* norm_err carries the achieved accuracy */
  out->mean = cur.mean;
  out->var = cur.var;
  out->centre = c;
  out->width = f.w;
  out->log_norm = cur.logZ;
  out->lr = lr;
  out->cB = cB;
  out->order = order;
  /* Tail exponents from log rho at |x - c| = 1e10 and 1e12 (scaled by 1 + |c|). */
  for (int side = -1; side <= 1; side += 2) {
    double a0 = 1e10 * (1 + fabs(c)), a1 = 1e12 * (1 + fabs(c));
    double dl = log_rho_diff(&f, c + side * a0, c + side * a1);
    double pexp = -dl / log(a1 / a0);
    if (f.bad || !isfinite(pexp) || pexp > 1e3) pexp = INFINITY;
    f.bad = 0;
    if (side < 0) out->tail_left = pexp;
    else out->tail_right = pexp;
  }
  if (out->tail_left <= 3 || out->tail_right <= 3) out->var = INFINITY; /* rho ~ |x|^-p with p <= 3: infinite variance */
  /* Plot grid: c +- 8 sd (or 8 w), odd number of points with c in the middle. */
  int n = 401;
  double sd = isfinite(out->var) ? sqrt(out->var) : f.w, dx = 16 * fmax(sd, f.w) / (n - 1);
  out->n = n;
  out->x = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  out->rho = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  if (!out->x || !out->rho) {
    sgdl_free(f.Gwork);
    sgdl_fp1d_free(out);
    return SGDL_ENOMEM;
  }
  int mid = n / 2;
  for (int side = -1; side <= 1; side += 2) {
    double phi = 0;
    for (int j = 0; j <= mid; j++) {
      int idx = mid + side * j;
      double x = c + side * j * dx;
      if (j > 0) phi += panels_x(&f, x - side * dx, x, 1);
      out->x[idx] = x;
      out->rho[idx] = exp(-log(noise_s(&f, x)) - phi - cur.logZ);
    }
  }
  sgdl_free(f.Gwork);
  return SGDL_OK;
}

/* P(x < cut) = int_{-inf}^{cut} rho, or its complement when the cut is left of the centre (the
 * side away from c is the one integrated). exp-sinh map x = cut + side e^{pi/2 sinh t} from the cut
 * outward (trapezoid in t, exponentially convergent for a smooth density on a half line); Phi at the
 * cut from c by Gauss-Legendre panels in x, then node to node in t. Halved until it settles. */
static double map_es(double cut, int side, double t) { return cut + side * exp(half_pi * sinh(t)); }
static double map_es_dx(double t) { return exp(half_pi * sinh(t)) * half_pi * cosh(t); }

static double tail_mass(fp_ctx *f, const sgdl_fp1d *fp, double cut, int side, double h) {
  const double T = 4.0;
  int K = (int)ceil(2 * T / h);
  double t0 = -T, x0 = map_es(cut, side, t0);
  double phi = panels_x(f, f->c, x0, 400), sum = 0;
  for (int k = 0; k <= K; k++) {
    double t = t0 + k * h;
    if (k > 0) { /* Phi from the previous node, 8-point Gauss-Legendre in t */
      double m = t - 0.5 * h, r = 0.5 * h, add = 0;
      for (int q = 0; q < 8; q++) {
        double tq = m + r * gl_x[q];
        add += gl_w[q] * drift_ratio(f, map_es(cut, side, tq)) * side * map_es_dx(tq);
      }
      phi += r * add;
    }
    double x = map_es(cut, side, t), s = noise_s(f, x);
    double l = -log(s) - phi - fp->log_norm + log(map_es_dx(t));
    if (s > 0 && isfinite(l)) sum += exp(l);
  }
  return sum * h;
}

int sgdl_fp1d_mass_below(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_fp1d *fp, double cut, double *mass) {
  if (!fp->x) return sgdl_fail(ctx, SGDL_EINVAL, "basin masses need a computed stationary density");
  fp_ctx f = {p, fp->lr, fp->cB, fp->centre, fp->width, fp->order, NULL, 0, 0};
  f.Gwork = sgdl_alloc(ctx, (size_t)(p->n_noise > 0 ? p->n_noise : 1), sizeof(double));
  if (!f.Gwork) return SGDL_ENOMEM;
  const int side = cut < fp->centre ? -1 : 1; /* integrate the tail beyond the cut, away from c */
  double prev = NAN, cur = NAN, h = 1.0 / 8;
  for (int level = 0; level < 8; level++, h *= 0.5) {
    cur = tail_mass(&f, fp, cut, side, h);
    if (level > 0 && fabs(cur - prev) <= 1e-13 + 1e-11 * cur) break;
    prev = cur;
  }
  int bad = f.bad;
  sgdl_free(f.Gwork);
  if (bad || !isfinite(cur))
    return sgdl_fail(ctx, SGDL_EINVAL, "basin mass below %g: the density is not finite beyond the cut", cut);
  *mass = side < 0 ? cur : 1 - cur;
  return SGDL_OK;
}

int sgdl_stat_critical_points_1d(const sgdl_problem *p, double lo, double hi, int n, sgdl_crit1d *out, int max) {
  int found = 0;
  double xa = lo, ga;
  p->type->grad(p, &xa, &ga);
  for (int j = 1; j < n && found < max; j++) {
    double xb = lo + (hi - lo) * j / (n - 1), gb;
    p->type->grad(p, &xb, &gb);
    if ((ga < 0 && gb >= 0) || (ga > 0 && gb <= 0)) {
      double a = xa, b = xb, fa = ga;
      for (int it = 0; it < 200 && b - a > 1e-15 * (1 + fabs(a)); it++) {
        double m = 0.5 * (a + b), fm;
        p->type->grad(p, &m, &fm);
        if ((fa < 0) == (fm < 0) && fm != 0) {
          a = m;
          fa = fm;
        } else b = m;
      }
      double x = 0.5 * (a + b), one = 1, curv;
      if (p->type->hvp) p->type->hvp(p, &x, &one, &curv);
      else {
        double e = 1e-5 * (1 + fabs(x)), xp = x + e, xm = x - e, gp, gm;
        p->type->grad(p, &xp, &gp);
        p->type->grad(p, &xm, &gm);
        curv = (gp - gm) / (2 * e);
      }
      out[found].x = x;
      out[found].L = p->type->loss(p, &x);
      out[found].curv = curv;
      out[found].is_min = ga < 0;
      found++;
    }
    xa = xb;
    ga = gb;
  }
  return found;
}
