/* Weak errors by Monte Carlo against the exact weak errors of the 1-D quadratic (SPEC T1):
 * with common random numbers (SGD-model pairs) and with independent ensembles, the exact sup
 * error lies inside the reported 95% interval, and the coupled fit recovers orders 1 (SME1)
 * and 2 (SME2). Also checks that Talay-Tubaro and Heun runs agree with the exact model.
 * ctest-label: slow */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_quadratic.h"
#include "sgdlab/study.h"

static void run(sgdl_ctx *ctx, sgdl_problem *p, int exact, int coupling, int tt, sgdl_study_result *r) {
  static const char *const models[] = {"sme1", "sme2"};
  static const double lrs[] = {0.2, 0.1, 0.05, 0.025};
  static const double x0 = 1;
  sgdl_observable obs[2];
  sgdl_observable_parse(ctx, "x0", 1, 1, &obs[0]);
  sgdl_observable_parse(ctx, "x0^2", 1, 1, &obs[1]);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.n_models = 2;
  sp.models = models;
  sp.n_lr = 4;
  sp.lrs = lrs;
  sp.T = 1;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 2;
  sp.obs = obs;
  sp.paths = 40000;
  sp.exact = exact;
  sgdl_algo_params_init(&sp.par);
  sp.par.substeps = tt ? 8 : 4;
  sp.par.scheme = tt ? SGDL_SCHEME_EM : SGDL_SCHEME_HEUN;
  sp.talay_tubaro = tt;
  sp.coupling = coupling;
  sp.seed = 2024;
  CHECK(sgdl_study_run(ctx, &sp, r) == 0, "study: %s", ctx->msg);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = quad(&ctx);
  sgdl_study_result ex, cp, ind, ttc;
  run(&ctx, p, 1, 0, 0, &ex);
  run(&ctx, p, 0, 1, 0, &cp);
  run(&ctx, p, 0, 0, 0, &ind);
  run(&ctx, p, 0, 1, 1, &ttc);
  const size_t n = (size_t)2 * 4 * 2;
  int inside_cp = 0, inside_ind = 0, inside_tt = 0, narrower = 0;
  for (size_t i = 0; i < n; i++) {
    const double e = ex.errors[i].value;
    inside_cp += cp.errors[i].lo <= e && e <= cp.errors[i].hi;
    inside_ind += ind.errors[i].lo <= e && e <= ind.errors[i].hi;
    inside_tt += ttc.errors[i].lo <= e && e <= ttc.errors[i].hi;
    narrower += (cp.errors[i].hi - cp.errors[i].lo) * 5 < (ind.errors[i].hi - ind.errors[i].lo);
    printf("exact %.4e  coupled [%.4e, %.4e]  tt [%.4e, %.4e]  independent [%.4e, %.4e]\n", e, cp.errors[i].lo,
           cp.errors[i].hi, ttc.errors[i].lo, ttc.errors[i].hi, ind.errors[i].lo, ind.errors[i].hi);
  }
  /* Each interval is conservative (95% or more); allow one miss in 16 for sampling luck. */
  CHECK(inside_cp >= (int)n - 1, "coupled intervals contain the exact error: %d of %zu", inside_cp, n);
  CHECK(inside_ind >= (int)n - 1, "independent intervals contain the exact error: %d of %zu", inside_ind, n);
  CHECK(inside_tt >= (int)n - 1, "Talay-Tubaro coupled intervals contain the exact error: %d of %zu", inside_tt, n);
  CHECK(narrower >= (int)n - 2, "coupling narrows the intervals at least five-fold: %d of %zu", narrower, n);
  /* orders: [model][stat] with stats x0, x0^2 */
  CHECK_ABS(cp.orders[0].order, 1.0, 0.15, "coupled SME1 order (mean)");
  CHECK_ABS(cp.orders[2].order, 2.0, 0.15, "coupled SME2 order (mean)");
  CHECK_ABS(cp.orders[3].order, 2.0, 0.15, "coupled SME2 order (second moment)");
  sgdl_study_result_free(&ex);
  sgdl_study_result_free(&cp);
  sgdl_study_result_free(&ind);
  sgdl_study_result_free(&ttc);
  sgdl_problem_destroy(p);
  return check_done();
}
