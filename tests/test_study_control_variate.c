/* Control variates of the weak study (sgdl_study_spec.variance_reduction, src/study/weak.c) on
 * finite data sets, with the affine surrogate they rest on (src/problem/surrogate.c):
 *   surrogate: on linreg it is the problem (per-sample gradients and losses agree to rounding);
 *              on logreg it matches gradient and loss at the expansion point, passes the
 *              finite-difference self-check, and its lane kernel equals the per-sample loop;
 *   law:       on linreg (N = 256, d = 3) every control-variate weak error equals the exact one
 *              (--exact) to rounding, for a coupled flow (smf2) and an uncoupled SME (sme1);
 *              on logreg the control-variate intervals overlap the plain Monte Carlo ones;
 *   reduction: the ratio of interval half-widths, plain / control variate (at equal paths on logreg;
 *              linreg's control variate runs 200 paths against 1000, its variance being ~0), is
 *              printed for every (model, lr, observable), and its median must exceed 10 on linreg
 *              and 3 on logreg;
 *   threads:   1 and 2 threads give bitwise the same control-variate errors.
 * ctest-label: slow */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_vr_fixture.h"

static void run(sgdl_ctx *ctx, const sgdl_problem *p, int exact, int vr, int threads, uint64_t paths, sgdl_study_result *r) {
  static const char *const names[N_OBS] = {"x0", "norm2", "loss"};
  CHECK(study_vr_run(ctx, p, names, exact, vr, threads, paths, 7, r) == 0, "study: %s", ctx->msg);
}

/* Half-width of an interval as the rounds judge it: (hi - lo)/2, or hi - value when unresolved. */
static double half_width(const sgdl_sup_error *e) { return e->resolved ? (e->hi - e->lo) / 2 : e->hi - e->value; }

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Print the per-error half-width ratios plain / cv and return their median. */
static double reduction(const char *what, const sgdl_study_result *plain, const sgdl_study_result *cv) {
  const int n = N_MOD * N_LR * N_OBS;
  double ratio[N_MOD * N_LR * N_OBS];
  for (int i = 0; i < n; i++) {
    const double hp = half_width(&plain->errors[i]), hc = half_width(&cv->errors[i]);
    ratio[i] = hc > 0 ? hp / hc : INFINITY;
    printf("%s %-5s lr %-5g %-6s plain %.4e +- %.3e  cv %.4e +- %.3e  half-width ratio %.3g\n", what,
           i / (N_LR * N_OBS) ? "smf2" : "sme1", (i / N_OBS) % N_LR ? 0.1 : 0.2, plain->stat_names[i % N_OBS],
           plain->errors[i].value, hp, cv->errors[i].value, hc, ratio[i]);
  }
  qsort(ratio, (size_t)n, sizeof *ratio, cmp_double);
  const double med = 0.5 * (ratio[n / 2 - 1] + ratio[n / 2]);
  printf("%s: median half-width ratio plain / control variate %.3g (variance ratio %.3g)\n", what, med, med * med);
  return med;
}

static void check_surrogate(sgdl_ctx *ctx, const sgdl_problem *p) {
  const double at[3] = {0.3, -0.2, 0.1}, x[3] = {-0.4, 0.7, 0.2};
  sgdl_problem *s = NULL;
  CHECK(sgdl_problem_affine_surrogate(ctx, p, at, &s) == 0, "surrogate: %s", ctx->msg);
  if (!s) return;
  CHECK(s->affine && s->n_data == p->n_data && s->dim == 3, "surrogate of %s: affine, same N and d", p->type->name);
  double g[3], gs[3], err[4];
  for (size_t n = 0; n < p->n_data; n += 37) {
    p->type->grad_sample(p, p->affine ? x : at, n, g);
    s->type->grad_sample(s, p->affine ? x : at, n, gs);
    for (int i = 0; i < 3; i++) CHECK_ABS(gs[i], g[i], 1e-9, "surrogate per-sample gradient");
    CHECK_ABS(s->type->loss_sample(s, p->affine ? x : at, n), p->type->loss_sample(p, p->affine ? x : at, n), 1e-9,
              "surrogate per-sample loss");
  }
  CHECK_ABS(s->type->loss(s, at), p->type->loss(p, at), 1e-12, "surrogate loss at the expansion point");
  CHECK(sgdl_problem_check(ctx, s, x, 1e-6, err) == 0, "surrogate self-check: %s", ctx->msg);
  /* lane kernel (weighted, all samples) against the per-sample loop */
  enum { W = 3 };
  double X[3 * W], wts[256 * W], out[3 * W], *work = malloc(sizeof(double) * (size_t)sgdl_problem_lanes_work(s));
  for (int i = 0; i < 3 * W; i++) X[i] = 0.1 * i - 0.3;
  for (int i = 0; i < 256 * W; i++) wts[i] = sin(i);
  s->type->grad_sum_lanes(s, W, X, 256, NULL, wts, out, work);
  for (int l = 0; l < W; l++) {
    double xl[3] = {X[l], X[W + l], X[2 * W + l]}, acc[3] = {0, 0, 0};
    for (int n = 0; n < 256; n++) {
      s->type->grad_sample(s, xl, (size_t)n, g);
      for (int i = 0; i < 3; i++) acc[i] += wts[n * W + l] * g[i];
    }
    for (int i = 0; i < 3; i++) CHECK_ABS(out[i * W + l], acc[i], 1e-11, "surrogate grad_sum_lanes");
  }
  free(work);
  sgdl_problem_destroy(s);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *lin = study_vr_problem(&ctx, "linreg", 256), *log = study_vr_problem(&ctx, "logreg", 256);
  check_surrogate(&ctx, lin);
  check_surrogate(&ctx, log);

  sgdl_study_result ex, plain, cv;
  run(&ctx, lin, 1, SGDL_VR_NONE, 2, 0, &ex);
  run(&ctx, lin, 0, SGDL_VR_NONE, 2, 1000, &plain);
  run(&ctx, lin, 0, SGDL_VR_CONTROL_VARIATE, 2, 200, &cv);
  const int n = N_MOD * N_LR * N_OBS;
  int plain_cover = 0;
  for (int i = 0; i < n; i++) {
    const double e = ex.errors[i].value, tol = 1e-9 * fmax(1e-3, fabs(e));
    CHECK_ABS(cv.errors[i].value, e, tol, "linreg control-variate weak error = exact");
    CHECK(cv.errors[i].lo - tol <= e && e <= cv.errors[i].hi + tol, "linreg control-variate interval [%g, %g] covers %g",
          cv.errors[i].lo, cv.errors[i].hi, e);
    plain_cover += plain.errors[i].lo <= e && e <= plain.errors[i].hi;
  }
  /* plain runs estimate the time-discretised models (EM, 4 substeps): allow two misses */
  CHECK(plain_cover >= n - 2, "linreg plain intervals cover the exact errors: %d of %d", plain_cover, n);
  CHECK(reduction("linreg", &plain, &cv) > 10, "linreg: control variates narrow the intervals over ten-fold");
  sgdl_study_result_free(&ex);
  sgdl_study_result_free(&plain);
  sgdl_study_result_free(&cv);

  sgdl_study_result cv1, cv2;
  run(&ctx, log, 0, SGDL_VR_NONE, 2, 2000, &plain);
  run(&ctx, log, 0, SGDL_VR_CONTROL_VARIATE, 2, 2000, &cv2);
  run(&ctx, log, 0, SGDL_VR_CONTROL_VARIATE, 1, 2000, &cv1);
  int overlap = 0;
  for (int i = 0; i < n; i++) overlap += plain.errors[i].lo <= cv2.errors[i].hi && cv2.errors[i].lo <= plain.errors[i].hi;
  CHECK(overlap >= n - 1, "logreg: control-variate and plain intervals overlap (%d of %d)", overlap, n);
  CHECK(reduction("logreg", &plain, &cv2) > 3, "logreg: control variates narrow the intervals over three-fold");
  CHECK(!memcmp(cv1.errors, cv2.errors, sizeof *cv1.errors * (size_t)n), "logreg control variates: 1 and 2 threads bitwise");
  for (int s = 0; s < (N_MOD + 1) * N_LR * N_OBS; s++)
    CHECK(!memcmp(cv1.series[s].mean, cv2.series[s].mean, sizeof(double) * cv1.series[s].n_times),
          "logreg control variates: series bitwise for 1 and 2 threads");
  sgdl_study_result_free(&plain);
  sgdl_study_result_free(&cv1);
  sgdl_study_result_free(&cv2);
  sgdl_problem_destroy(lin);
  sgdl_problem_destroy(log);
  return check_done();
}
