/* Weak studies with simplified increments (--increments) on the 1-D quadratic L = x^2/2, C = 1,
 * an exact-moment problem, started at x0 = 3 so the weak errors stand out of the Monte Carlo noise
 * of independent ensembles (non-Gaussian increments are never coupled to SGD):
 *  - SME1 by Euler-Maruyama (4 substeps) with two-point increments, lr 0.1 .. 0.0125: the fitted
 *    order intervals of E x and E x^2 contain 1;
 *  - SME2 by Heun (4 substeps) with three-point increments, lr 0.25 .. 0.0625: the order intervals
 *    contain 2 and the Monte Carlo intervals contain the exact weak errors (all but one);
 *  - SGD stays exactly SGD: asking for coupling with two-point increments gives no coupled model
 *    and SGD series bitwise equal to those of an uncoupled Gaussian run.
 * About 7 s of CPU. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_quadratic.h"
#include "sgdlab/study.h"

static void run(sgdl_ctx *ctx, sgdl_problem *p, const char *model, const double *lrs, int nlr, int exact, int scheme,
                int increments, int coupling, uint64_t paths, sgdl_study_result *r) {
  const char *models[] = {model};
  static const double x0 = 3;
  sgdl_observable obs[2];
  sgdl_observable_parse(ctx, "x0", 1, 1, &obs[0]);
  sgdl_observable_parse(ctx, "x0^2", 1, 1, &obs[1]);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.n_models = 1;
  sp.models = models;
  sp.n_lr = nlr;
  sp.lrs = lrs;
  sp.T = 1;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 2;
  sp.obs = obs;
  sp.paths = paths;
  sp.exact = exact;
  sgdl_algo_params_init(&sp.par);
  sp.par.substeps = 4;
  sp.par.scheme = scheme;
  sp.par.increments = increments;
  sp.coupling = coupling;
  sp.seed = 77;
  CHECK(sgdl_study_run(ctx, &sp, r) == 0, "study: %s", ctx->msg);
}

/* The order intervals of both statistics contain `order`; with Heun (bias O(h^2), negligible here) the
 * MC intervals also contain the exact weak errors of the SDE. */
static void check_order(sgdl_ctx *ctx, sgdl_problem *p, const char *model, const double *lrs, int nlr, int scheme,
                        int increments, double order, uint64_t paths) {
  sgdl_study_result ex, mc;
  run(ctx, p, model, lrs, nlr, 1, scheme, SGDL_INCREMENTS_GAUSS, 0, 1, &ex);
  run(ctx, p, model, lrs, nlr, 0, scheme, increments, 1, paths, &mc);
  CHECK(!mc.coupled[0], "%s with %s increments runs uncoupled", model, sgdl_increments_name(increments));
  int inside = 0;
  for (int i = 0; i < nlr * 2; i++) inside += mc.errors[i].lo <= ex.errors[i].value && ex.errors[i].value <= mc.errors[i].hi;
  if (scheme == SGDL_SCHEME_HEUN) /* EM's own O(h) bias moves its errors off the SDE's exact ones */
    CHECK(inside >= nlr * 2 - 1, "%s: MC intervals contain the exact errors in %d of %d cases", model, inside, nlr * 2);
  for (int s = 0; s < 2; s++) {
    const sgdl_order_fit *f = &mc.orders[s];
    printf("%s %s increments, %s: order %.3f [%.3f, %.3f] (exact-moment order %.3f)\n", model,
           sgdl_increments_name(increments), mc.stat_names[s], f->order, f->lo, f->hi, ex.orders[s].order);
    CHECK(f->n >= 3 && f->lo < order && order < f->hi, "%s %s order interval [%g, %g] contains %g", model,
          mc.stat_names[s], f->lo, f->hi, order);
  }
  sgdl_study_result_free(&ex);
  sgdl_study_result_free(&mc);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = quad(&ctx);
  const double lr1[] = {0.1, 0.05, 0.025, 0.0125}, lr2[] = {0.25, 0.125, 0.0625};
  check_order(&ctx, p, "sme1", lr1, 4, SGDL_SCHEME_EM, SGDL_INCREMENTS_TWO_POINT, 1.0, 200000);

  check_order(&ctx, p, "sme2", lr2, 3, SGDL_SCHEME_HEUN, SGDL_INCREMENTS_THREE_POINT, 2.0, 2000000);

  /* SGD stays SGD: same series as a Gaussian run without coupling, bit for bit. */
  sgdl_study_result a, b;
  run(&ctx, p, "sme1", lr1, 2, 0, SGDL_SCHEME_EM, SGDL_INCREMENTS_TWO_POINT, 1, 20000, &a);
  run(&ctx, p, "sme1", lr1, 2, 0, SGDL_SCHEME_EM, SGDL_INCREMENTS_GAUSS, 0, 20000, &b);
  CHECK(!a.coupled[0], "two-point increments: coupling refused");
  int same = 1;
  for (int li = 0; li < 2; li++)
    for (int s = 0; s < 2; s++) {
      const sgdl_study_series *x = SGDL_STUDY_SERIES(&a, 0, li, s), *y = SGDL_STUDY_SERIES(&b, 0, li, s);
      same &= x->n_times == y->n_times && !memcmp(x->mean, y->mean, sizeof(double) * x->n_times) &&
              !memcmp(x->se, y->se, sizeof(double) * x->n_times);
    }
  CHECK(same, "SGD series with two-point model increments equal the Gaussian run's bitwise");
  /* and the model's own numbers did change (the increments are in use) */
  CHECK(memcmp(SGDL_STUDY_SERIES(&a, 1, 0, 0)->mean, SGDL_STUDY_SERIES(&b, 1, 0, 0)->mean,
               sizeof(double) * SGDL_STUDY_SERIES(&a, 1, 0, 0)->n_times) != 0,
        "SME1 series differ between two-point and Gaussian increments");
  sgdl_study_result_free(&a);
  sgdl_study_result_free(&b);

  /* the coupled pair itself refuses non-Gaussian increments, naming --increments */
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.increments = SGDL_INCREMENTS_THREE_POINT;
  CHECK(!sgdl_coupling_possible(p, "sme1", 1, &par), "coupling not possible with three-point increments");
  par.increments = SGDL_INCREMENTS_GAUSS;
  CHECK(sgdl_coupling_possible(p, "sme1", 1, &par), "coupling possible with Gaussian increments");
  sgdl_problem_destroy(p);
  return check_done();
}
