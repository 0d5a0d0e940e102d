/* SVAG (Li-Malladi-Arora), the stepper svag and its exact moments, on linear regression over a
 * generated finite data set (affine per-sample gradients):
 *   (a) at l = 1 its exact moments are SGD's (two particles, B = 2, with and without replacement)
 *       to 1e-12;
 *   (b) the exact weak error sup_t |E f(SVAG_l) - E f(SME1)| at a fixed learning rate falls like
 *       1/l: the slope of log error against log l over l = 1, 2, 4, 8, 16 is -1 +- 0.2 (f = x0,
 *       x0^2, the loss), computed from the two exact moment series directly (the study's exact
 *       mode compares models with SGD, not with each other);
 *   (c) Monte Carlo svag (sgdl_ensemble_run, l = 3, two particles sharing the minibatches) lies
 *       within 4.5 standard errors of its exact moments at every output time;
 *   and the stepper refuses l = 0 naming --svag-l, the SME coefficient object refuses svag, and no
 *   coupling with SGD is offered for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/moments.h"
#include "sgdlab/sde_model.h"
#include "sgdlab/study.h"

enum { P = 2, D = 2, N = P * D };

static sgdl_problem *make_linreg(sgdl_ctx *ctx) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "linreg";
  sp.gen_n = 16;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(ctx, &sp, &p) == 0, "linreg: %s", ctx->msg);
  return p;
}

/* Exact moments of `model` with svag's l, lr, batch and sampling; m [(K+1)][N], M [(K+1)][N][N]. */
static int moments(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_affine *a, const char *model, int l, double lr,
                   int batch, int without, const double *x0, uint64_t K, double *m, double *M) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.svag_l = l;
  const double cB = sgdl_minibatch_factor(p->n_data, batch, without);
  return sgdl_affine_moments_par(ctx, a, model, &par, cB, P, x0, K, m, M);
}

static void test_l1_is_sgd(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_affine *a, const double *x0) {
  enum { K = 20 };
  double ms[(K + 1) * N], Ms[(K + 1) * N * N], mv[(K + 1) * N], Mv[(K + 1) * N * N];
  for (int without = 0; without <= 1; without++) {
    CHECK(moments(ctx, p, a, "sgd", 1, 0.1, 2, without, x0, K, ms, Ms) == 0, "sgd: %s", ctx->msg);
    CHECK(moments(ctx, p, a, "svag", 1, 0.1, 2, without, x0, K, mv, Mv) == 0, "svag: %s", ctx->msg);
    double err = 0;
    for (int i = 0; i < (K + 1) * N; i++) err = fmax(err, fabs(ms[i] - mv[i]) / fmax(1, fabs(ms[i])));
    for (int i = 0; i < (K + 1) * N * N; i++) err = fmax(err, fabs(Ms[i] - Mv[i]) / fmax(1, fabs(Ms[i])));
    CHECK(err <= 1e-12, "svag l = 1 vs sgd (%s replacement): moments differ by %.3g", without ? "without" : "with", err);
  }
}

static void test_rate_in_l(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_affine *a, const double *x0) {
  enum { K = 10, NL = 5, NF = 3 };
  const double lr = 0.1;
  const int ls[NL] = {1, 2, 4, 8, 16};
  const char *fnames[NF] = {"x0", "x0^2", "loss"};
  sgdl_observable obs[NF];
  for (int f = 0; f < NF; f++) CHECK(sgdl_observable_parse(ctx, fnames[f], D, P, &obs[f]) == 0, "obs %s", fnames[f]);
  static double me[(K + 1) * N], Me[(K + 1) * N * N], mv[(K + 1) * N], Mv[(K + 1) * N * N];
  CHECK(moments(ctx, p, a, "sme1", 1, lr, 1, 0, x0, K, me, Me) == 0, "sme1: %s", ctx->msg);
  double err[NF][NL];
  for (int li = 0; li < NL; li++) {
    CHECK(moments(ctx, p, a, "svag", ls[li], lr, 1, 0, x0, K, mv, Mv) == 0, "svag l %d: %s", ls[li], ctx->msg);
    for (int f = 0; f < NF; f++) {
      err[f][li] = 0;
      for (uint64_t t = 1; t <= K; t++)
        err[f][li] = fmax(err[f][li], fabs(sgdl_affine_observable(a, &obs[f], P, mv + t * N, Mv + t * N * N) -
                                           sgdl_affine_observable(a, &obs[f], P, me + t * N, Me + t * N * N)));
    }
  }
  for (int f = 0; f < NF; f++) { /* least-squares slope of log err against log l */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int li = 0; li < NL; li++) {
      const double x = log(ls[li]), y = log(err[f][li]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double slope = (NL * sxy - sx * sy) / (NL * sxx - sx * sx);
    printf("svag vs sme1, %-5s: errors %.3g %.3g %.3g %.3g %.3g, slope in l %.3f\n", fnames[f], err[f][0], err[f][1],
           err[f][2], err[f][3], err[f][4], slope);
    CHECK(fabs(slope + 1) <= 0.2, "%s: weak error of svag against sme1 has slope %.3f in l (expected -1)", fnames[f], slope);
  }
}

static void test_mc(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_affine *a, const double *x0) {
  enum { K = 10, L = 3, NO = 4 };
  const double lr = 0.2;
  for (int without = 0; without <= 1; without++) {
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = lr;
    par.batch = 2;
    par.without_replacement = without;
    par.svag_l = L;
    sgdl_stepper *st = NULL;
    CHECK(sgdl_stepper_create(ctx, "svag", p, &par, 2024, 3, P, &st) == 0, "create svag: %s", ctx->msg);
    if (!st) return;
    const char *names[NO] = {"x0@0", "x1^2@0", "loss@1", "dot[0,1]"};
    sgdl_observable obs[NO];
    for (int i = 0; i < NO; i++) CHECK(sgdl_observable_parse(ctx, names[i], D, P, &obs[i]) == 0, "obs %s", names[i]);
    sgdl_ensemble_plan plan = {st, P, x0, 40000, K, NO, obs, 0, 1};
    sgdl_ensemble_result er;
    CHECK(sgdl_ensemble_run(ctx, &plan, &er) == 0, "run: %s", ctx->msg);
    static double m[(K + 1) * N], M[(K + 1) * N * N];
    CHECK(moments(ctx, p, a, "svag", L, lr, 2, without, x0, K, m, M) == 0, "exact svag: %s", ctx->msg);
    double worst = 0;
    for (int o = 0; o < NO; o++)
      for (uint64_t t = 1; t <= K; t++) {
        const double ex = sgdl_affine_observable(a, &obs[o], P, m + t * N, M + t * N * N);
        worst = fmax(worst, fabs(er.mean[o * (K + 1) + t] - ex) / er.se[o * (K + 1) + t]);
      }
    printf("svag l %d MC (%s replacement) vs exact: worst |z| %.2f\n", L, without ? "without" : "with", worst);
    CHECK(worst < 4.5, "svag MC vs exact (%s replacement): worst |z| = %.2f", without ? "without" : "with", worst);
    sgdl_ensemble_result_free(&er);
    sgdl_stepper_destroy(st);
  }
}

static void test_refusals(sgdl_ctx *ctx, const sgdl_problem *p) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.svag_l = 0;
  sgdl_stepper *st = NULL;
  CHECK(sgdl_stepper_create(ctx, "svag", p, &par, 1, 0, 1, &st) == SGDL_EINVAL && strstr(ctx->msg, "--svag-l"),
        "l = 0 refused: %s", ctx->msg);
  sgdl_stepper_destroy(st);
  sgdl_sme_model sm;
  CHECK(sgdl_sme_model_init_name(ctx, &sm, p, "svag", 0.1, 1.0, 0.0) != 0, "svag has no SDE coefficients");
  sgdl_algo_params_init(&par);
  CHECK(!sgdl_coupling_possible(p, "svag", 1, &par), "no coupling for svag");
  const sgdl_stepper_type *t = sgdl_stepper_find("svag");
  CHECK(t && !t->is_discrete && t->desc.weak_order == 1 && sgdl_opt_rule_from_name("svag") == SGDL_OPT_NONE,
        "svag is a model of order 1");
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_problem *p = make_linreg(&ctx);
  if (!p) return check_done();
  sgdl_affine a;
  CHECK(sgdl_affine_extract(&ctx, p, &a) == 0, "affine: %s", ctx.msg);
  const double x0[N] = {0.5, -0.3, -1.0, 0.8};
  test_l1_is_sgd(&ctx, p, &a, x0);
  test_rate_in_l(&ctx, p, &a, x0);
  test_mc(&ctx, p, &a, x0);
  test_refusals(&ctx, p);
  sgdl_affine_free(&a);
  sgdl_problem_destroy(p);
  return check_done();
}
