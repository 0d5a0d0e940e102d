/* Monte Carlo weak-error studies on non-quadratic problems (issue acceptance):
 *  - double well (additive noise, common random numbers): SME2 and SMF2 errors are below the
 *    SME1 error at the smaller learning rates, beyond their intervals, and the fitted orders'
 *    intervals contain 1 (SME1) and 2 (SME2);
 *  - degenerate noise Sigma = s^2 x^2 (finite data, independent ensembles, Talay-Tubaro): the
 *    Monte Carlo intervals contain the exact weak errors (the problem is affine), and SME2's
 *    error is below SME1's at alpha = 0.1.
 * ctest-label: slow */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study.h"

static sgdl_problem *make(sgdl_ctx *ctx, const char *name) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = name;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

static void study(sgdl_ctx *ctx, sgdl_problem *p, const double *lrs, int nlr, double T, double x0, uint64_t paths,
                  int exact, int tt, sgdl_study_result *r) {
  static const char *const models[] = {"sme1", "sme2", "smf2"};
  sgdl_observable obs[2];
  sgdl_observable_parse(ctx, "x0", 1, 1, &obs[0]);
  sgdl_observable_parse(ctx, "x0^2", 1, 1, &obs[1]);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.n_models = 3;
  sp.models = models;
  sp.n_lr = nlr;
  sp.lrs = lrs;
  sp.T = T;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 2;
  sp.obs = obs;
  sp.paths = paths;
  sp.exact = exact;
  sgdl_algo_params_init(&sp.par);
  sp.par.substeps = tt ? 8 : 4;
  sp.par.scheme = tt ? SGDL_SCHEME_EM : SGDL_SCHEME_HEUN;
  sp.talay_tubaro = tt;
  sp.coupling = !exact && p->noise_constant && !p->n_data;
  sp.seed = 99;
  CHECK(sgdl_study_run(ctx, &sp, r) == 0, "study: %s", ctx->msg);
}

#define ERR(r, m, li, s) (&(r).errors[((size_t)(m) * (r).n_lr + (li)) * (r).n_stat + (s)])

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *dw = make(&ctx, "double-well");
  const double lr_dw[] = {0.2, 0.1, 0.05, 0.025};
  sgdl_study_result r;
  study(&ctx, dw, lr_dw, 4, 2.0, 0.5, 60000, 0, 0, &r);
  for (int li = 2; li < 4; li++)
    for (int m = 1; m <= 2; m++) {
      const sgdl_sup_error *e1 = ERR(r, 0, li, 0), *e2 = ERR(r, m, li, 0);
      CHECK(e1->resolved && e2->hi < e1->lo, "double well lr %g: model %d error [%g, %g] not below SME1 [%g, %g]", lr_dw[li],
            m, e2->lo, e2->hi, e1->lo, e1->hi);
    }
  CHECK(r.orders[0].lo < 1 && 1 < r.orders[0].hi, "SME1 order interval [%g, %g] contains 1", r.orders[0].lo, r.orders[0].hi);
  CHECK(r.orders[2].lo < 2 && 2 < r.orders[2].hi, "SME2 order interval [%g, %g] contains 2", r.orders[2].lo, r.orders[2].hi);
  CHECK(r.orders[4].lo < 2 && 2 < r.orders[4].hi, "SMF2 order interval [%g, %g] contains 2", r.orders[4].lo, r.orders[4].hi);
  printf("double well orders: sme1 %.3f [%.3f, %.3f], sme2 %.3f [%.3f, %.3f], smf2 %.3f [%.3f, %.3f]\n", r.orders[0].order,
         r.orders[0].lo, r.orders[0].hi, r.orders[2].order, r.orders[2].lo, r.orders[2].hi, r.orders[4].order,
         r.orders[4].lo, r.orders[4].hi);
  sgdl_study_result_free(&r);
  sgdl_problem_destroy(dw);

  sgdl_problem *dg = make(&ctx, "degenerate");
  const double lr_dg[] = {0.2, 0.1};
  sgdl_study_result ex, mc;
  study(&ctx, dg, lr_dg, 2, 1.0, 1.0, 1, 1, 0, &ex);
  study(&ctx, dg, lr_dg, 2, 1.0, 1.0, 300000, 0, 1, &mc);
  int inside = 0, total = 0;
  for (size_t i = 0; i < (size_t)3 * 2 * 2; i++) {
    total++;
    inside += mc.errors[i].lo <= ex.errors[i].value && ex.errors[i].value <= mc.errors[i].hi;
  }
  CHECK(inside >= total - 1, "degenerate: MC intervals contain the exact errors in %d of %d cases", inside, total);
  const sgdl_sup_error *s1 = ERR(mc, 0, 1, 0), *s2 = ERR(mc, 1, 1, 0);
  CHECK(s1->resolved && s2->hi < s1->lo, "degenerate lr 0.1: SME2 [%g, %g] below SME1 [%g, %g]", s2->lo, s2->hi, s1->lo, s1->hi);
  CHECK(ERR(ex, 1, 1, 0)->value < 0.25 * ERR(ex, 0, 1, 0)->value, "degenerate exact: SME2 error well below SME1");
  sgdl_study_result_free(&ex);
  sgdl_study_result_free(&mc);
  sgdl_problem_destroy(dg);
  return check_done();
}
