/* The stationary study's other families (include/sgdlab/study_stationary.h): linear regression on a
 * finite data set (exact second-moment fixed point, SPEC 5.3), online Gaussian inputs (closed form
 * checked against the general fixed point), and 1-D problems (SME Fokker-Planck densities, SPEC 4,
 * and the escape-rate heuristic, SPEC 5.5). Does not parse flags, print or write files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/linalg.h"
#include "study/stationary_internal.h"

int sgdl_stationary_fp_pair(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB, sgdl_stationary_study_result *res) {
  for (int order = 1; order <= 2; order++) {
    int rc = sgdl_fp1d_stationary(ctx, p, lr, cB, order, &res->fp[order - 1]);
    if (rc) return rc;
  }
  res->has_fp = 1;
  return SGDL_OK;
}

/* ------------------------------------------------------------------ linreg */

int sgdl_stationary_run_linreg(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const sgdl_problem *p = sp->prob;
  const sgdl_algo_params *par = &sp->par;
  const int d = p->dim;
  if (sgdl_opt_rule_from_name(sgdl_stationary_algo(sp)) != SGDL_OPT_SGD)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the exact linreg fixed point is for minibatch SGD (--algo sgd)", sgdl_stationary_algo(sp));
  if (sp->n_scan > 0) {
    sgdl_stat_linreg L;
    int rc = sgdl_stat_linreg_solve(ctx, p, 1e-9, par->batch, par->without_replacement, &L);
    res->lr_max = L.lr_max;
    sgdl_stat_linreg_free(&L);
    return rc ? rc : sgdl_stationary_scan_linreg(ctx, sp, res);
  }
  sgdl_stat_linreg *L = &res->linreg;
  int rc = sgdl_stat_linreg_solve(ctx, p, par->lr, par->batch, par->without_replacement, L);
  if (rc) return rc;
  res->has_linreg = 1;
  res->lr_max = L->lr_max;
  if (d == 1) rc = sgdl_stationary_fp_pair(ctx, p, par->lr, L->cB, res);
  if (!rc && sp->simulate) {
    /* burn-in from the mean's contraction max |1 - lr eig(Abar)| (--burn overrides) */
    double *w = sgdl_alloc(ctx, (size_t)d * (d + 1), sizeof *w), rho = 0;
    if (!w) return SGDL_ENOMEM;
    if (!sgdl_symeig(ctx, d, L->Abar, w, w + d)) rho = fmax(fabs(1 - par->lr * w[0]), fabs(1 - par->lr * w[d - 1]));
    sgdl_free(w);
    rc = sgdl_stationary_simulate(ctx, sp, p, "sgd", rho, L->wstar, L->Abar, res);
  }
  return rc;
}

/* ------------------------------------------------------------------ gauss-linreg */

/* Closed form (discrete), SME1, SME2 and the general fixed point at sp->par.lr into S[4][d][d]. */
static int gauss_solve(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, double *S, sgdl_stationary_study_result *res) {
  const int d = sp->dim, B = sp->par.batch;
  const double s2 = sp->noise_sd * sp->noise_sd, lr = sp->par.lr;
  int rc = sgdl_stat_gauss_linreg(ctx, d, sp->A, s2, B, lr, S, &res->lr_max);
  if (!rc) rc = sgdl_stat_gauss_linreg_fixed_point(ctx, d, sp->A, s2, B, lr, S + 3 * d * d);
  if (rc) return rc;
  sgdl_ctx quiet; /* an SME without a stationary law leaves NaN, not an error */
  sgdl_ctx_init(&quiet);
  for (int m = 1; m <= 2; m++) {
    const int src = sgdl_stat_gauss_linreg_sme(&quiet, d, sp->A, s2, B, lr, m, S + (size_t)m * d * d);
    if (src == SGDL_ENOMEM) return sgdl_fail(ctx, src, "%s", quiet.msg); /* out of memory is no property of the SME */
    if (src)
      for (int k = 0; k < d * d; k++) S[(size_t)m * d * d + k] = NAN;
  }
  double diff = 0;
  for (int k = 0; k < d * d; k++) diff = fmax(diff, fabs(S[k] - S[3 * d * d + k]));
  res->closed_form_vs_fixed_point = diff;
  for (int m = 0; m < 3; m++) res->gauss_excess[m] = sgdl_stationary_half_trace(d, sp->A, S + (size_t)m * d * d);
  return SGDL_OK;
}

int sgdl_stationary_run_gauss(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const int d = sp->dim;
  if (sgdl_opt_rule_from_name(sgdl_stationary_algo(sp)) != SGDL_OPT_SGD)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the Gaussian-input closed form is for minibatch SGD (--algo sgd)", sgdl_stationary_algo(sp));
  if (d < 1 || !sp->A) return sgdl_fail(ctx, SGDL_EUSAGE, "--problem gauss-linreg needs --A (input covariance matrix)");
  if (!(sp->noise_sd >= 0)) return sgdl_fail(ctx, SGDL_EUSAGE, "--noise: %g is not a standard deviation", sp->noise_sd);
  if (sp->simulate)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--simulate: not available for gauss-linreg (online inputs); use --problem linreg on a data set");
  res->gauss_sigma = sgdl_alloc(ctx, (size_t)4 * d * d, sizeof(double));
  if (!res->gauss_sigma) return SGDL_ENOMEM;
  if (sp->n_scan > 0) {
    const double s2 = sp->noise_sd * sp->noise_sd;
    int rc = sgdl_stat_gauss_linreg(ctx, d, sp->A, s2, sp->par.batch, 1e-12, res->gauss_sigma, &res->lr_max);
    sgdl_free(res->gauss_sigma);
    res->gauss_sigma = NULL;
    return rc ? rc : sgdl_stationary_scan_gauss(ctx, sp, res);
  }
  return gauss_solve(ctx, sp, res->gauss_sigma, res);
}

/* ------------------------------------------------------------------ 1-D problems */

/* Escape-rate heuristic (SPEC 5.5) for every minimum with a neighbouring maximum. */
static void escape_heuristic(const sgdl_problem *p, double lr, double cB, sgdl_stationary_study_result *res) {
  sgdl_crit1d cp[SGDL_STATIONARY_MAX_CRIT];
  int n = sgdl_stat_critical_points_1d(p, -20, 20, 40001, cp, SGDL_STATIONARY_MAX_CRIT);
  double *G = calloc((size_t)(p->n_noise > 0 ? p->n_noise : 1), sizeof *G);
  for (int k = 0; k < n && G; k++) {
    if (!cp[k].is_min) continue;
    int best = -1;
    for (int j = k - 1; j <= k + 1; j += 2)
      if (j >= 0 && j < n && !cp[j].is_min && (best < 0 || cp[j].L < cp[best].L)) best = j;
    if (best < 0) continue;
    double x = cp[k].x, S;
    memset(G, 0, sizeof *G * (size_t)(p->n_noise > 0 ? p->n_noise : 1));
    sgdl_problem_sigma1(p, &x, &S, G);
    sgdl_stationary_escape *e = &res->escape[res->n_escape++];
    e->minimum = x;
    e->saddle = cp[best].x;
    e->barrier = cp[best].L - cp[k].L;
    e->curv_minimum = cp[k].curv;
    e->curv_saddle = cp[best].curv;
    e->noise_variance = cB * S;
    sgdl_stat_escape_heuristic(lr, e->noise_variance, e->curv_minimum, e->curv_saddle, e->barrier, &e->rate_sme1, &e->rate_discrete);
  }
  free(G);
}

/* Basin masses P(x in basin) under the SME1 and SME2 densities: minima from the critical points,
 * each basin bounded by the maxima next to it; masses from the CDF at the maxima. */
static int basins_1d(sgdl_ctx *ctx, const sgdl_problem *p, sgdl_stationary_study_result *res) {
  sgdl_crit1d cp[SGDL_STATIONARY_MAX_CRIT];
  int n = sgdl_stat_critical_points_1d(p, -20, 20, 40001, cp, SGDL_STATIONARY_MAX_CRIT), rc = SGDL_OK;
  double lo = -INFINITY, below[2] = {0, 0};
  res->n_basin = 0;
  for (int k = 0; k < n && !rc; k++) {
    if (!cp[k].is_min) continue;
    int cut = -1; /* the maximum before the next minimum */
    for (int j = k + 1; j < n && cut < 0; j++)
      if (cp[j].is_min) break;
      else cut = j;
    int next_min = 0;
    for (int j = k + 1; j < n; j++) next_min |= cp[j].is_min;
    sgdl_stationary_basin *b = &res->basin[res->n_basin++];
    b->minimum = cp[k].x;
    b->lo = lo;
    b->hi = cut >= 0 && next_min ? cp[cut].x : INFINITY;
    for (int m = 0; m < 2 && !rc; m++) {
      double F = 1;
      if (isfinite(b->hi)) rc = sgdl_fp1d_mass_below(ctx, p, &res->fp[m], b->hi, &F);
      b->mass[m] = F - below[m];
      below[m] = F;
    }
    lo = b->hi;
    if (!isfinite(lo)) break;
  }
  return rc;
}

int sgdl_stationary_run_1d(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const sgdl_problem *p = sp->prob;
  const sgdl_algo_params *par = &sp->par;
  if (p->dim != 1)
    return sgdl_fail(ctx, SGDL_ENOTSUP,
                     "--problem %s (d = %d): exact stationary covariances exist for quadratic, linreg and gauss-linreg; other problems need d = 1 (Fokker-Planck density)",
                     p->type->name, p->dim);
  res->cB = sgdl_minibatch_factor(p->n_data, par->batch, par->without_replacement);
  if (!(res->cB >= 0)) return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is larger than the data set (%zu)", par->batch, p->n_data);
  int rc = sgdl_stationary_fp_pair(ctx, p, par->lr, res->cB, res);
  if (rc) return rc;
  escape_heuristic(p, par->lr, res->cB, res);
  rc = basins_1d(ctx, p, res);
  if (rc) return rc;
  if (sp->simulate) {
    double x0 = res->fp[0].mean; /* start at the SME1 stationary mean */
    rc = sgdl_stationary_simulate(ctx, sp, p, sgdl_stationary_algo(sp), 0, &x0, NULL, res);
  }
  return rc;
}
