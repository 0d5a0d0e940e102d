/* Learning-rate scans of the stationary study (--scan-lr): for each learning rate, the excess loss
 * (exact discrete, SME1, SME2) and the variances along the first SGDL_STATIONARY_SCAN_VARS
 * directions; rates beyond the stability limit are marked unstable, any other failure stops the
 * scan. One evaluator per family behind one driver. Does not write the CSV or the plot (CLI). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "study/stationary_internal.h"

/* Evaluate at lr: ex[3] and var[n_var][3]; SGDL_EUNSTABLE marks the rate unstable. */
typedef int (*scan_eval)(sgdl_ctx *ctx, const void *u, double lr, double ex[3], double *var, int n_var);

static int scan_run(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, int d, scan_eval f, const void *u,
                    sgdl_stationary_study_result *res) {
  const int n = sp->n_scan, nv = d < SGDL_STATIONARY_SCAN_VARS ? d : SGDL_STATIONARY_SCAN_VARS;
  for (int k = 0; k < n; k++)
    if (!(sp->scan_lrs[k] > 0)) return sgdl_fail(ctx, SGDL_EUSAGE, "--scan-lr: learning rates must be positive");
  res->n_scan = n;
  res->n_scan_var = nv;
  res->scan_lr = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  res->scan_stable = sgdl_alloc(ctx, (size_t)n, sizeof(int));
  res->scan_excess = sgdl_alloc(ctx, (size_t)n * 3, sizeof(double));
  res->scan_var = sgdl_alloc(ctx, (size_t)n * 3 * (nv > 0 ? nv : 1), sizeof(double));
  if (!res->scan_lr || !res->scan_stable || !res->scan_excess || !res->scan_var) return SGDL_ENOMEM;
  for (int k = 0; k < n; k++) {
    const double lr = sp->scan_lrs[k];
    double ex[3] = {NAN, NAN, NAN}, var[3 * SGDL_STATIONARY_SCAN_VARS];
    int st = f(ctx, u, lr, ex, var, nv);
    if (st && st != SGDL_EUNSTABLE) return sgdl_fail(ctx, st, "--scan-lr at %g: %s", lr, ctx->msg);
    res->scan_lr[k] = lr;
    res->scan_stable[k] = st == 0;
    for (int m = 0; m < 3; m++) res->scan_excess[3 * k + m] = st ? NAN : ex[m];
    for (int i = 0; i < 3 * nv; i++) res->scan_var[(size_t)3 * nv * k + i] = st ? NAN : var[i];
  }
  return SGDL_OK;
}

/* ------------------------------------------------------------------ quadratic */

typedef struct {
  const sgdl_stationary_spec *sp;
  int algo;
  const double *C;
} quad_scan;

static int quad_eval(sgdl_ctx *ctx, const void *u, double lr, double ex[3], double *var, int nv) {
  const quad_scan *s = u;
  sgdl_algo_params p = s->sp->par;
  p.lr = lr;
  sgdl_stat_quad q;
  int rc = sgdl_stat_quad_solve_model(ctx, s->algo, s->sp->dim, s->sp->H, s->C, &p, s->sp->nag_iterate, s->sp->adam_model, &q);
  if (!rc) {
    for (int m = 0; m < 3; m++) ex[m] = q.excess[m];
    for (int i = 0; i < nv; i++)
      for (int m = 0; m < 3; m++) var[3 * i + m] = q.var_eig[m][i];
  }
  sgdl_stat_quad_free(&q);
  return rc;
}

int sgdl_stationary_scan_quadratic(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, int algo, const double *C,
                                   sgdl_stationary_study_result *res) {
  quad_scan qs = {sp, algo, C};
  return scan_run(ctx, sp, sp->dim, quad_eval, &qs, res);
}

/* ------------------------------------------------------------------ linreg */

static int linreg_eval(sgdl_ctx *ctx, const void *u, double lr, double ex[3], double *var, int nv) {
  const sgdl_stationary_spec *sp = u;
  const int d = sp->prob->dim;
  sgdl_stat_linreg L;
  int rc = sgdl_stat_linreg_solve(ctx, sp->prob, lr, sp->par.batch, sp->par.without_replacement, &L);
  if (!rc) {
    for (int m = 0; m < 3; m++) ex[m] = L.excess[m];
    for (int i = 0; i < nv; i++) {
      var[3 * i] = L.sigma[(size_t)i * d + i];
      var[3 * i + 1] = L.sigma_sme1[(size_t)i * d + i];
      var[3 * i + 2] = L.sigma_sme2[(size_t)i * d + i];
    }
  }
  sgdl_stat_linreg_free(&L);
  return rc;
}

int sgdl_stationary_scan_linreg(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  return scan_run(ctx, sp, sp->prob->dim, linreg_eval, sp, res);
}

/* ------------------------------------------------------------------ gauss-linreg */

/* An SME without a stationary law marks its first entry NaN (hence its excess loss). */
static int gauss_eval(sgdl_ctx *ctx, const void *u, double lr, double ex[3], double *var, int nv) {
  const sgdl_stationary_spec *sp = u;
  const int d = sp->dim, B = sp->par.batch;
  const double s2 = sp->noise_sd * sp->noise_sd;
  double *S = calloc((size_t)3 * d * d, sizeof *S);
  if (!S) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  int rc = sgdl_stat_gauss_linreg(ctx, d, sp->A, s2, B, lr, S, NULL);
  sgdl_ctx quiet;
  sgdl_ctx_init(&quiet);
  if (!rc) {
    for (int m = 1; m <= 2 && !rc; m++) {
      const int src = sgdl_stat_gauss_linreg_sme(&quiet, d, sp->A, s2, B, lr, m, S + (size_t)m * d * d);
      if (src == SGDL_ENOMEM) rc = sgdl_fail(ctx, src, "%s", quiet.msg); /* not an SME without a stationary law */
      else if (src) S[(size_t)m * d * d] = NAN;
    }
    for (int m = 0; m < 3; m++) ex[m] = sgdl_stationary_half_trace(d, sp->A, S + (size_t)m * d * d);
  }
  for (int i = 0; i < nv; i++)
    for (int m = 0; m < 3; m++) var[3 * i + m] = S[(size_t)m * d * d + (size_t)i * d + i];
  free(S);
  return rc;
}

int sgdl_stationary_scan_gauss(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  return scan_run(ctx, sp, sp->dim, gauss_eval, sp, res);
}
