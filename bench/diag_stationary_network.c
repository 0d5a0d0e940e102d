/* Diagnostic (not a benchmark, not a test): where `stationary --problem mlp --simulate`'s measured
 * variance of u_i . x parts from the prediction with the noise the chains felt (README, example (d),
 * "Closer to a minimum"). One direction y = u . (x - x_w) of SGD obeys y' = y - a g(x) - a xi with
 * g = u . grad L(x) and xi the minibatch noise along u (conditional variance c(x) = u^T Sigma_B(x) u),
 * so in a stationary state, exactly (no quadratic model),
 *     2 Cov(y, g) = a (Var g + cbar),   cbar = E c(x).
 * Writing g = h_eff y + r (h_eff = Cov(y, g) / Var y, the regression slope, r uncorrelated with y):
 *     Var y = a (cbar + Var r) / (h_eff (2 - a h_eff)),
 * which is the study's felt-noise prediction a cbar / (h (2 - a h)) with two corrections: the
 * effective curvature h_eff in place of h (the Hessian at x_w), and Var r, gradient fluctuations
 * along u that y does not explain, acting as extra noise. At the snapshots it also splits r through
 * g(x_w + d) and g(x_w - d), d = x - x_w: the even part (g(x_w + d) + g(x_w - d))/2 - g(x_w) (third
 * derivatives, 1/2 T[u, d, d] + ...) computed once with all of d and once with d_perp, the part of d
 * outside the k directions, and once with d_k, the part in them (the rest being their cross terms); the
 * odd part (g(x_w + d) - g(x_w - d))/2 beyond h y (the curvature changing over the spread). Since
 * g - g(x_w) = odd + even, h_eff - h = Cov(y, odd - h y)/Var y + Cov(y, even)/Var y splits exactly.
 * Also u^T H(x) u at the snapshots and at their mean, the same number of steps of plain gradient descent
 * from x_w (the drift without noise), and the NSR over the snapshots (E tr Sigma_B / E |grad L|^2).
 *   usage: diag_stationary_network DATA NTRAIN WEIGHTS LR BATCH K REPLICAS BURN STEPS SNAPSHOTS SEED
 * Prints one table per direction; standard errors from the spread across replicas.
 * Does not: write files, or change anything in the library. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/mlp_problem.h"
#include "sgdlab/nn.h"
#include "sgdlab/stationary.h"
#include "sgdlab/study_stationary.h"

enum { NQ = 10 }; /* per snapshot and direction: y, g, c, curvature, even, even_perp, odd - h y, |grad L|^2, tr Sigma_B, even_k */

static double dot(long n, const double *a, const double *b) {
  double s = 0;
  for (long i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Quantities at one snapshot x for every direction: q[i*NQ + ...]. */
static void at_snapshot(const sgdl_problem *p, size_t N, double cB, int k, const double *U, const double *h,
                        const double *xw, const double *gw, const double *x, double *work, double *q) {
  const long d = p->dim;
  double *dl = work, *xp = dl + d, *g = xp + d, *gm = g + d, *gs = gm + d, *hv = gs + d, *s1 = hv + d, *s2 = s1 + k;
  for (long j = 0; j < d; j++) dl[j] = x[j] - xw[j];
  p->type->grad(p, x, g);
  for (long j = 0; j < d; j++) xp[j] = xw[j] - dl[j];
  p->type->grad(p, xp, gm);
  memset(s1, 0, sizeof(double) * 2 * (size_t)k);
  double tr = 0;
  for (size_t n = 0; n < N; n++) { /* u^T Sigma_1(x) u: the variance of the per-sample slopes */
    p->type->grad_sample(p, x, n, gs);
    for (long j = 0; j < d; j++) tr += (gs[j] - g[j]) * (gs[j] - g[j]) / (double)N;
    for (int i = 0; i < k; i++) {
      const double s = dot(d, U + (size_t)i * d, gs);
      s1[i] += s / (double)N, s2[i] += s * s / (double)N;
    }
  }
  for (int i = 0; i < k; i++) {
    const double *u = U + (size_t)i * d;
    double *qi = q + (size_t)i * NQ;
    qi[0] = dot(d, u, dl);
    qi[1] = dot(d, u, g);
    qi[2] = cB * (s2[i] - s1[i] * s1[i]);
    p->type->hvp(p, x, u, hv);
    qi[3] = dot(d, u, hv);
    qi[4] = 0.5 * (qi[1] + dot(d, u, gm)) - dot(d, u, gw);
    qi[6] = 0.5 * (qi[1] - dot(d, u, gm)) - h[i] * qi[0];
    qi[7] = dot(d, g, g);
    qi[8] = cB * tr;
  }
  /* d_k = the k projections of d alone: the even part they make */
  for (long j = 0; j < d; j++) xp[j] = 0;
  for (int i = 0; i < k; i++)
    for (long j = 0; j < d; j++) xp[j] += q[(size_t)i * NQ] * U[(size_t)i * d + j];
  for (long j = 0; j < d; j++) gs[j] = xw[j] + xp[j], xp[j] = xw[j] - xp[j];
  p->type->grad(p, gs, g);
  p->type->grad(p, xp, gm);
  for (int i = 0; i < k; i++) {
    const double *u = U + (size_t)i * d;
    q[(size_t)i * NQ + 9] = 0.5 * (dot(d, u, g) + dot(d, u, gm)) - dot(d, u, gw);
  }
  /* d_perp = d minus its k projections: the even part it alone makes */
  for (int i = 0; i < k; i++) {
    const double yi = q[(size_t)i * NQ];
    for (long j = 0; j < d; j++) dl[j] -= yi * U[(size_t)i * d + j];
  }
  for (long j = 0; j < d; j++) xp[j] = xw[j] + dl[j];
  p->type->grad(p, xp, g);
  for (long j = 0; j < d; j++) xp[j] = xw[j] - dl[j];
  p->type->grad(p, xp, gm);
  for (int i = 0; i < k; i++) {
    const double *u = U + (size_t)i * d;
    q[(size_t)i * NQ + 5] = 0.5 * (dot(d, u, g) + dot(d, u, gm)) - dot(d, u, gw);
  }
}

/* Pooled moments over all R*n snapshots of one direction, and per-replica values for the errors. */
typedef struct {
  double vy, cyg, vg, cbar, curv, heff, vr, ve, vep, vo, pred_felt, pred_id;
  double slope_odd, slope_k, slope_perp, slope_cross; /* h_eff - h = their sum: Cov(y, part) / Var y */
} dstats;

static void stats_of(const double *q, long R, int n, int k, int i, double a, double h, long r0, long r1, dstats *s) {
  double m[NQ] = {0}, cnt = 0;
  for (long r = r0; r < r1; r++)
    for (int j = 0; j < n; j++) {
      const double *qi = q + (((size_t)r * n + j) * k + i) * NQ;
      for (int t = 0; t < NQ; t++) m[t] += qi[t];
      cnt += 1;
    }
  for (int t = 0; t < NQ; t++) m[t] /= cnt;
  double vy = 0, cyg = 0, vg = 0, ve = 0, vep = 0, vo = 0, co = 0, ck = 0, cp = 0, cx = 0;
  for (long r = r0; r < r1; r++)
    for (int j = 0; j < n; j++) {
      const double *qi = q + (((size_t)r * n + j) * k + i) * NQ;
      const double y = qi[0] - m[0], g = qi[1] - m[1];
      vy += y * y, cyg += y * g, vg += g * g;
      ve += (qi[4] - m[4]) * (qi[4] - m[4]), vep += (qi[5] - m[5]) * (qi[5] - m[5]), vo += (qi[6] - m[6]) * (qi[6] - m[6]);
      co += y * qi[6], ck += y * qi[9], cp += y * qi[5], cx += y * (qi[4] - qi[9] - qi[5]);
    }
  s->slope_odd = co / vy, s->slope_k = ck / vy, s->slope_perp = cp / vy, s->slope_cross = cx / vy;
  s->vy = vy / cnt, s->cyg = cyg / cnt, s->vg = vg / cnt, s->ve = ve / cnt, s->vep = vep / cnt, s->vo = vo / cnt;
  s->cbar = m[2], s->curv = m[3];
  s->heff = s->cyg / s->vy;
  s->vr = s->vg - s->cyg * s->cyg / s->vy;
  s->pred_felt = a * s->cbar / (h * (2 - a * h));
  s->pred_id = a * (s->cbar + s->vr) / (s->heff * (2 - a * s->heff));
  (void)R;
}

/* Where the chains are: the curvature along each u at the mean state and at the snapshots (first against
 * second half: a slow drift; spread, harmonic and y^2-weighted means, the adiabatic variance), and the same
 * number of steps of plain gradient descent from x_w (the drift without noise). */
static void report_location(const sgdl_problem *p, int k, const double *U, const double *h, const double *xw, double a,
                            uint64_t total_steps, long R, int n, const double *snapx, const double *q) {
  const long d = p->dim;
  /* the curvature along u at the mean state, and early against late snapshots (a slow drift) */
  double *xbar = calloc((size_t)d, sizeof(double)), *hv = malloc(sizeof(double) * (size_t)d), dist2 = 0;
  for (size_t t = 0; t < (size_t)R * n; t++)
    for (long j = 0; j < d; j++) xbar[j] += snapx[t * d + j] / ((double)R * n);
  for (long j = 0; j < d; j++) dist2 += (xbar[j] - xw[j]) * (xbar[j] - xw[j]);
  double mean_sq = 0;
  for (size_t t = 0; t < (size_t)R * n; t++)
    for (long j = 0; j < d; j++) mean_sq += (snapx[t * d + j] - xbar[j]) * (snapx[t * d + j] - xbar[j]) / ((double)R * n);
  printf("|xbar - x_w| = %.4g (xbar: mean of all snapshots); mean |x - xbar| = %.4g\n", sqrt(dist2), sqrt(mean_sq));
  for (int i = 0; i < k; i++) {
    p->type->hvp(p, xbar, U + (size_t)i * d, hv);
    double early = 0, late = 0;
    for (long r = 0; r < R; r++)
      for (int j = 0; j < n; j++) *(j < n / 2 ? &early : &late) += q[(((size_t)r * n + j) * k + i) * NQ + 3] / ((double)R * (n / 2));
    double ym = 0;
    for (size_t t = 0; t < (size_t)R * n; t++) ym += q[(t * k + i) * NQ] / ((double)R * n);
    printf("direction %d: u'H(x_w)u %.4g, u'H(xbar)u %.4g, mean u'H(x)u first half %.4g, second half %.4g; u.(xbar - x_w) %.3g\n", i,
           h[i], dot(d, U + (size_t)i * d, hv), early, late, ym);
    /* curvature kappa = u'H(x)u at the snapshots: its spread, harmonic mean, the y^2-weighted mean, and the
     * adiabatic variance E[a c / (kappa (2 - a kappa))] (each state relaxing along u with its own curvature) */
    double kmin = INFINITY, kmax = -INFINITY, inv = 0, wk = 0, wy = 0, adia = 0;
    long nonpos = 0;
    for (size_t t = 0; t < (size_t)R * n; t++) {
      const double *qt = q + (t * k + i) * NQ, kap = qt[3], yc = qt[0] - ym;
      kmin = fmin(kmin, kap), kmax = fmax(kmax, kap);
      wk += kap * yc * yc, wy += yc * yc;
      if (kap <= 0) {
        nonpos++;
        continue;
      }
      inv += 1 / kap / ((double)R * n);
      adia += a * qt[2] / (kap * (2 - a * kap)) / ((double)R * n);
    }
    printf("  u'H(x)u over the snapshots: min %.3g, max %.3g, %ld of %ld not positive; harmonic mean %.4g; "
           "y^2-weighted mean %.4g; adiabatic E[a c/(kappa(2 - a kappa))] %.4g\n",
           kmin, kmax, nonpos, R * (long)n, 1 / inv, wk / wy, adia);
  }
  /* the same number of steps of full-batch gradient descent from x_w, no noise: does the drift alone move there? */
  double *xg = malloc(sizeof(double) * (size_t)d), *gg = malloc(sizeof(double) * (size_t)d), gd_dist2 = 0, bar_gd2 = 0, g2 = 0;
  memcpy(xg, xw, sizeof(double) * (size_t)d);
  for (uint64_t t = 0; t < total_steps; t++) {
    p->type->grad(p, xg, gg);
    for (long j = 0; j < d; j++) xg[j] -= a * gg[j];
  }
  p->type->grad(p, xg, gg);
  for (long j = 0; j < d; j++)
    gd_dist2 += (xg[j] - xw[j]) * (xg[j] - xw[j]), bar_gd2 += (xbar[j] - xg[j]) * (xbar[j] - xg[j]), g2 += gg[j] * gg[j];
  printf("gradient descent, %llu steps of lr %g from x_w: |x_gd - x_w| = %.4g, |xbar - x_gd| = %.4g, L %.5g (x_w %.5g, xbar %.5g), "
         "|grad L|^2 %.3g\n", (unsigned long long)(total_steps), a, sqrt(gd_dist2), sqrt(bar_gd2), p->type->loss(p, xg),
         p->type->loss(p, xw), p->type->loss(p, xbar), g2);
  for (int i = 0; i < k; i++) {
    p->type->hvp(p, xg, U + (size_t)i * d, hv);
    printf("  direction %d: u'H(x_gd)u %.4g\n", i, dot(d, U + (size_t)i * d, hv));
  }
  free(xg), free(gg);
  free(xbar), free(hv);
}

int main(int argc, char **argv) {
  if (argc != 12) {
    fprintf(stderr, "usage: %s DATA NTRAIN WEIGHTS LR BATCH K REPLICAS BURN STEPS SNAPSHOTS SEED\n", argv[0]);
    return 2;
  }
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_mlp_problem_spec ms;
  sgdl_mlp_problem_spec_init(&ms);
  ms.data = argv[1];
  ms.n_train = atol(argv[2]);
  ms.n_test = 64;
  ms.init = argv[3];
  ms.n_hidden = -1;
  ms.act = -1;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(&ctx, &ms, &p)) return fprintf(stderr, "%s\n", ctx.msg), 1;
  const double a = atof(argv[4]);
  const int B = atoi(argv[5]), k = atoi(argv[6]), n = atoi(argv[10]);
  const long R = atol(argv[7]);
  const uint64_t burn = (uint64_t)atoll(argv[8]), steps = (uint64_t)atoll(argv[9]);
  const long d = p->dim;
  const size_t N = p->n_data;

  sgdl_stationary_spec sp;
  sgdl_stationary_spec_init(&sp);
  sp.family = SGDL_STATIONARY_NETWORK;
  sp.prob = p;
  sp.par.lr = a;
  sp.par.batch = B;
  sp.geometry_k = k;
  sp.seed = (uint32_t)atol(argv[11]);
  sgdl_stationary_study_result res;
  if (sgdl_stationary_study_run(&ctx, &sp, &res) || !res.has_net) return fprintf(stderr, "geometry: %s\n", ctx.msg), 1;
  const double *U = res.net.U, *h = res.net.h;
  const double cB = 1.0 / B;

  double *xw = malloc(sizeof(double) * (size_t)d), *gw = malloc(sizeof(double) * (size_t)d);
  sgdl_problem_default_x0(p, 0, xw); /* the --init weights */
  p->type->grad(p, xw, gw);
  double *hess = calloc((size_t)k * k, sizeof(double));
  for (int i = 0; i < k; i++) hess[i * k + i] = h[i];
  sgdl_stat_snapshots snap = {n, calloc((size_t)R * n * d, sizeof(double))};
  sgdl_stat_mc mc;
  memset(&mc, 0, sizeof mc);
  if (sgdl_stat_simulate_proj(&ctx, p, "sgd", &sp.par, sp.seed, R, burn, steps, xw, k, U, hess, &snap, &mc, NULL))
    return fprintf(stderr, "simulate: %s\n", ctx.msg), 1;
  printf("d = %ld, N = %zu, lr %g, B = %d, %ld replicas x %llu steps after %llu, %d snapshots each\n", d, N, a, B, R,
         (unsigned long long)steps, (unsigned long long)burn, n);
  printf("simulated 1/2 sum h Var (all steps): %.4g +- %.2g\n", mc.excess, mc.excess_se);

  double *q = calloc((size_t)R * n * k * NQ, sizeof(double)), *work = malloc(sizeof(double) * ((size_t)6 * d + 2 * k));
  for (long r = 0; r < R; r++)
    for (int j = 0; j < n; j++)
      at_snapshot(p, N, cB, k, U, h, xw, gw, snap.x + ((size_t)r * n + j) * d, work, q + ((size_t)r * n + j) * k * NQ);

  report_location(p, k, U, h, xw, a, burn + steps, R, n, snap.x, q);
  /* the noise-to-signal ratio of the stationary law (E tr Sigma_B / E |grad L|^2 over the snapshots) beside the one at x_w */
  double eg2 = 0, etr = 0, trw = 0;
  for (size_t t = 0; t < (size_t)R * n; t++) eg2 += q[t * k * NQ + 7] / ((double)R * n), etr += q[t * k * NQ + 8] / ((double)R * n);
  for (size_t j = 0; j < N; j++) {
    double *gs = work;
    p->type->grad_sample(p, xw, j, gs);
    for (long c = 0; c < d; c++) trw += (gs[c] - gw[c]) * (gs[c] - gw[c]) / (double)N;
  }
  printf("NSR: at x_w c_B tr Sigma_1 / |grad L|^2 = %.4g / %.4g = %.4g; over the snapshots E tr Sigma_B / E |grad L|^2 = %.4g / %.4g = %.4g\n",
         cB * trw, dot(d, gw, gw), cB * trw / dot(d, gw, gw), etr, eg2, etr / eg2);
  double tot[3] = {0}, tot_r[3][256] = {{0}};
  for (int i = 0; i < k; i++) {
    dstats s, sr;
    stats_of(q, R, n, k, i, a, h[i], 0, R, &s);
    double se[6] = {0};
    for (long r = 0; r < R && r < 256; r++) {
      stats_of(q, R, n, k, i, a, h[i], r, r + 1, &sr);
      const double dv[6] = {sr.vy - s.vy, sr.pred_felt - s.pred_felt, sr.pred_id - s.pred_id, sr.heff - s.heff, sr.vr - s.vr,
                            sr.cbar - s.cbar};
      for (int t = 0; t < 6; t++) se[t] += dv[t] * dv[t] / ((double)R * (R - 1));
      tot_r[0][r] += 0.5 * h[i] * sr.vy, tot_r[1][r] += 0.5 * h[i] * sr.pred_felt, tot_r[2][r] += 0.5 * h[i] * sr.pred_id;
    }
    for (int t = 0; t < 6; t++) se[t] = sqrt(se[t]);
    tot[0] += 0.5 * h[i] * s.vy, tot[1] += 0.5 * h[i] * s.pred_felt, tot[2] += 0.5 * h[i] * s.pred_id;
    printf("direction %d: h %.4g, mean u'H(x)u %.4g, h_eff = Cov(y,g)/Var y %.4g +- %.2g\n", i, h[i], s.curv, s.heff, se[3]);
    printf("  Var y %.4g +- %.2g | felt a cbar/(h(2-ah)) %.4g +- %.2g (cbar %.4g +- %.2g) | identity a(cbar+Var r)/(h_eff(2-a h_eff)) %.4g +- %.2g\n",
           s.vy, se[0], s.pred_felt, se[1], s.cbar, se[5], s.pred_id, se[2]);
    printf("  Var r %.4g +- %.2g (%.2f x cbar); Var of the even part %.4g, from d_perp alone %.4g; Var(odd - h y) %.4g; Var g %.4g\n",
           s.vr, se[4], s.vr / s.cbar, s.ve, s.vep, s.vo, s.vg);
    printf("  h_eff - h = %.4g: odd part beyond h y %.4g, even part of the k directions alone %.4g, of d_perp alone %.4g, "
           "their cross terms %.4g (the flat directions modulating the curvature along u)\n", s.heff - h[i], s.slope_odd, s.slope_k,
           s.slope_perp, s.slope_cross);
  }
  double se_t[3] = {0}, mean_t[3] = {0};
  for (int t = 0; t < 3; t++) {
    for (long r = 0; r < R; r++) mean_t[t] += tot_r[t][r] / (double)R;
    for (long r = 0; r < R; r++) se_t[t] += (tot_r[t][r] - mean_t[t]) * (tot_r[t][r] - mean_t[t]) / ((double)R * (R - 1));
  }
  printf("1/2 sum h Var y at the snapshots %.4g +- %.2g; felt prediction %.4g +- %.2g; identity %.4g +- %.2g\n", tot[0],
         sqrt(se_t[0]), tot[1], sqrt(se_t[1]), tot[2], sqrt(se_t[2]));
  free(q), free(work), free(snap.x), free(hess), free(xw), free(gw);
  sgdl_stat_mc_free(&mc);
  sgdl_stationary_study_result_free(&res);
  sgdl_problem_destroy(p);
  return 0;
}
