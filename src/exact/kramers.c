/* Kramers / Eyring-Kramers asymptotics of the mean exit time (SPEC section 4), with the minima and
 * the index-1 saddle found numerically from the problem's gradient and Hessian-vector product:
 *   - the start basin's minimum a: damped Newton from x0 (gradient steps where Hess is not PD);
 *   - a minimum b on the far side of the exit hyperplane x[coord] = boundary: the same, started
 *     from a mirrored across the plane;
 *   - the saddle s: simplified string method (E, Ren, Vanden-Eijnden) between a and b, then
 *     Newton on grad L = 0 from the highest image, accepted only with exactly one negative
 *     Hessian eigenvalue.
 * E tau_{a->b} ~ 2 pi / |lambda_1(s)| sqrt(|det Hess L_alpha(s)| / det Hess L_alpha(a)) e^{dL / eps},
 * eps = D for D = eps I. For SME2, L_alpha has the same critical points and Hessian H + alpha/2 H^2.
 * The time to reach a boundary at offset delta past the saddle (along the unstable direction) is
 * that transition time times Phi_N(delta sqrt(|lambda|/eps)): 1/2 at the saddle, 1 far past it
 * (Laplace asymptotics of the 1-D formula).
 * Does not: handle state-dependent or anisotropic noise (ENOTSUP), or d > SGDL_KRAMERS_MAXD. */
#include <math.h>
#include <string.h>

#include "sgdlab/exit.h"
#include "sgdlab/linalg.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAXD SGDL_KRAMERS_MAXD

static double norm2(int d, const double *v) {
  double s = 0;
  for (int i = 0; i < d; i++) s += v[i] * v[i];
  return sqrt(s);
}

/* Newton-type iteration to a critical point. want_min: line search on L and positive-definite
 * curvature (|lambda|); otherwise plain Newton (for the saddle) with a step cap. */
static int newton(sgdl_ctx *ctx, const sgdl_problem *p, double *x, int want_min, double step_cap) {
  const int d = p->dim;
  double g[MAXD], H[MAXD * MAXD], V[MAXD * MAXD], w[MAXD], dx[MAXD], xt[MAXD];
  double work[2 * MAXD];
  for (int it = 0; it < 1000; it++) {
    p->type->grad(p, x, g);
    const double gn = norm2(d, g);
    if (!isfinite(gn)) return SGDL_EDIVERGED;
    if (gn < 1e-13 * (1.0 + norm2(d, x))) return SGDL_OK;
    sgdl_problem_hessian(p, x, H, work);
    int rc = sgdl_symeig(ctx, d, H, w, V);
    if (rc) return rc;
    /* dx = - sum_j v_j (v_j . g) / lambda_j, with |lambda| (and a floor) when minimising. */
    double lmax = 0;
    for (int j = 0; j < d; j++) lmax = fmax(lmax, fabs(w[j]));
    for (int i = 0; i < d; i++) dx[i] = 0;
    for (int j = 0; j < d; j++) {
      double c = 0;
      for (int i = 0; i < d; i++) c += V[i * d + j] * g[i];
      double lam = want_min ? fmax(fabs(w[j]), 1e-3 * (lmax > 0 ? lmax : 1.0)) : w[j];
      if (!want_min && fabs(lam) < 1e-14 * (lmax > 0 ? lmax : 1.0)) lam = 1e-14 * (lmax > 0 ? lmax : 1.0);
      for (int i = 0; i < d; i++) dx[i] -= V[i * d + j] * c / lam;
    }
    const double dn = norm2(d, dx);
    if (dn > step_cap)
      for (int i = 0; i < d; i++) dx[i] *= step_cap / dn;
    if (want_min) {
      const double L0 = p->type->loss(p, x);
      double t = 1.0;
      for (int ls = 0; ls < 60; ls++, t *= 0.5) {
        for (int i = 0; i < d; i++) xt[i] = x[i] + t * dx[i];
        if (p->type->loss(p, xt) <= L0) break;
      }
      for (int i = 0; i < d; i++) x[i] += t * dx[i];
    } else {
      for (int i = 0; i < d; i++) x[i] += dx[i];
    }
    if (norm2(d, x) > 1e8) return SGDL_EDIVERGED;
    if (norm2(d, dx) < 1e-16 * (1.0 + norm2(d, x))) return SGDL_OK;
  }
  return SGDL_EDIVERGED;
}

int sgdl_find_minimum(sgdl_ctx *ctx, const sgdl_problem *p, const double *x0, double *xmin) {
  if (p->dim > MAXD) return sgdl_fail(ctx, SGDL_ENOTSUP, "minimum search: d = %d > %d", p->dim, MAXD);
  if (!p->type->hvp) return sgdl_fail(ctx, SGDL_ENOTSUP, "minimum search: problem %s has no hvp", p->type->name);
  memcpy(xmin, x0, sizeof(double) * (size_t)p->dim);
  int rc = newton(ctx, p, xmin, 1, 1.0);
  if (rc == SGDL_EDIVERGED)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "minimum search from the start point did not converge (L unbounded below?)");
  return rc;
}

/* Simplified string method between a and b; returns the highest image in s. */
static void string_method(const sgdl_problem *p, const double *a, const double *b, double *s) {
  enum { NI = 41 };
  const int d = p->dim;
  double img[NI][MAXD], g[MAXD], arc[NI], tmp[NI][MAXD];
  for (int k = 0; k < NI; k++)
    for (int i = 0; i < d; i++) img[k][i] = a[i] + (b[i] - a[i]) * k / (NI - 1.0);
  double dist = 0;
  for (int i = 0; i < d; i++) dist += (b[i] - a[i]) * (b[i] - a[i]);
  dist = sqrt(dist);
  for (int it = 0; it < 3000; it++) {
    /* Gradient step on the interior images, the step capped at a fraction of the image spacing. */
    for (int k = 1; k < NI - 1; k++) {
      p->type->grad(p, img[k], g);
      double gn = norm2(d, g), t = 0.02;
      if (gn * t > 0.25 * dist / (NI - 1)) t = 0.25 * dist / (NI - 1) / gn;
      for (int i = 0; i < d; i++) img[k][i] -= t * g[i];
    }
    /* Reparametrise to equal arc length (linear interpolation). */
    arc[0] = 0;
    for (int k = 1; k < NI; k++) {
      double s2 = 0;
      for (int i = 0; i < d; i++) s2 += (img[k][i] - img[k - 1][i]) * (img[k][i] - img[k - 1][i]);
      arc[k] = arc[k - 1] + sqrt(s2);
    }
    if (!(arc[NI - 1] > 0)) break;
    int seg = 0;
    for (int k = 0; k < NI; k++) {
      const double target = arc[NI - 1] * k / (NI - 1.0);
      while (seg < NI - 2 && arc[seg + 1] < target) seg++;
      const double span = arc[seg + 1] - arc[seg];
      const double f = span > 0 ? (target - arc[seg]) / span : 0;
      for (int i = 0; i < d; i++) tmp[k][i] = img[seg][i] + f * (img[seg + 1][i] - img[seg][i]);
    }
    memcpy(img, tmp, sizeof img);
  }
  int best = 1;
  double Lb = -INFINITY;
  for (int k = 1; k < NI - 1; k++) {
    const double L = p->type->loss(p, img[k]);
    if (L > Lb) {
      Lb = L;
      best = k;
    }
  }
  memcpy(s, img[best], sizeof(double) * (size_t)d);
}

static double normal_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

static int kramers_work(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *x0, int coord,
                        double boundary, sgdl_kramers *out, double *work);

int sgdl_kramers_solve(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *x0, int coord,
                       double boundary, sgdl_kramers *out) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  if (d > MAXD) return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: d = %d > %d is not supported (dense Hessians)", d, MAXD);
  if (coord < 0 || coord >= d) return sgdl_fail(ctx, SGDL_EINVAL, "kramers: exit coordinate %d out of range", coord);
  if (!p->type->hvp) return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: problem %s has no Hessian-vector product", p->type->name);
  memset(out, 0, sizeof *out);
  out->d = d;

  /* Constant isotropic noise: D = eps I. */
  double *work = sgdl_alloc(ctx, sgdl_sme_work_size(m) + 4 * MAXD, sizeof(double));
  if (!work) return SGDL_ENOMEM;
  int rc = kramers_work(ctx, m, x0, coord, boundary, out, work);
  sgdl_free(work);
  return rc;
}

static int kramers_work(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *x0, int coord,
                        double boundary, sgdl_kramers *out, double *work) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  double S[MAXD * MAXD];
  sgdl_sme_diffusion(m, x0, S, work);
  double smax = 0;
  for (int i = 0; i < d * d; i++) smax = fmax(smax, fabs(S[i]));
  int iso = p->noise_constant && smax > 0;
  for (int i = 0; i < d && iso; i++)
    for (int j = 0; j < d; j++) {
      const double want = i == j ? S[0] : 0.0;
      if (fabs(S[i * d + j] - want) > 1e-12 * smax) iso = 0;
    }
  if (!iso)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: needs constant isotropic noise (D = eps I); problem %s has %s",
                     p->type->name, smax > 0 ? "state-dependent or anisotropic noise" : "no noise");
  out->eps = S[0];

  int rc = sgdl_find_minimum(ctx, p, x0, out->xmin);
  if (rc) return rc;
  const double side = x0[coord] < boundary ? -1.0 : 1.0; /* start side */
  if ((out->xmin[coord] - boundary) * side <= 0)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: the minimum reached from the start (x = %g) lies beyond the "
                     "boundary %g: there is no basin to exit", out->xmin[coord], boundary);
  double xo[MAXD];
  memcpy(xo, out->xmin, sizeof(double) * (size_t)d);
  xo[coord] = 2.0 * boundary - out->xmin[coord];
  rc = newton(ctx, p, xo, 1, 1.0);
  if (rc || (xo[coord] - boundary) * side >= 0)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: no minimum beyond the boundary %g, so no saddle to cross "
                     "(the exit is not a barrier crossing)", boundary);
  memcpy(out->xother, xo, sizeof(double) * (size_t)d);

  string_method(p, out->xmin, out->xother, out->xsad);
  double dist = 0;
  for (int i = 0; i < d; i++) dist += (out->xother[i] - out->xmin[i]) * (out->xother[i] - out->xmin[i]);
  rc = newton(ctx, p, out->xsad, 0, 0.1 * sqrt(dist));
  if (rc == SGDL_ENOMEM) return rc;
  if (rc) return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: Newton on grad L = 0 from the string's top did not converge");

  double Ha[MAXD * MAXD], Hs[MAXD * MAXD], V[MAXD * MAXD], wa[MAXD], ws[MAXD];
  sgdl_sme_hessian_at_critical(m, out->xmin, Ha, work);
  sgdl_sme_hessian_at_critical(m, out->xsad, Hs, work);
  if ((rc = sgdl_symeig(ctx, d, Ha, wa, V))) return rc;
  if ((rc = sgdl_symeig(ctx, d, Hs, ws, V))) return rc;
  if (!(wa[0] > 0))
    return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: the start minimum is degenerate (smallest Hessian eigenvalue %g)", wa[0]);
  if (!(ws[0] < 0) || (d > 1 && !(ws[1] > 0)))
    return sgdl_fail(ctx, SGDL_ENOTSUP, "kramers: the critical point found between the basins is not an index-1 saddle "
                     "(Hessian eigenvalues %g, %g)", ws[0], d > 1 ? ws[1] : 0.0);
  double deta = 1, dets = 1;
  for (int i = 0; i < d; i++) {
    deta *= wa[i];
    dets *= ws[i];
  }
  out->Lmin = sgdl_sme_potential(m, out->xmin, work);
  out->Lsad = sgdl_sme_potential(m, out->xsad, work);
  out->barrier = out->Lsad - out->Lmin;
  out->lambda_unstable = ws[0];
  out->det_min = deta;
  out->det_sad = dets;
  out->prefactor = 2 * M_PI / fabs(ws[0]) * sqrt(fabs(dets) / deta);
  out->log_t_transition = log(out->prefactor) + out->barrier / out->eps;
  out->t_transition = out->log_t_transition < 709 ? exp(out->log_t_transition) : INFINITY;
  out->t_hit_saddle = 0.5 * out->t_transition;
  /* Unstable direction (eigenvector of ws[0]), oriented towards the far minimum. */
  double dot = 0;
  for (int i = 0; i < d; i++) {
    out->unstable_dir[i] = V[i * d + 0];
    dot += out->unstable_dir[i] * (out->xother[i] - out->xsad[i]);
  }
  if (dot < 0)
    for (int i = 0; i < d; i++) out->unstable_dir[i] = -out->unstable_dir[i];
  const double ec = out->unstable_dir[coord];
  const double width = sqrt(out->eps / fabs(ws[0]));
  out->boundary_offset = fabs(ec) > 1e-12 ? (boundary - out->xsad[coord]) / ec / width : (side < 0 ? INFINITY : -INFINITY);
  out->t_boundary = out->t_transition * normal_cdf(out->boundary_offset);
  return SGDL_OK;
}
