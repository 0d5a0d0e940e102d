/* study_vr_fixture.h: the weak study both variance-reduction tests run (test_study_antithetic,
 * test_study_control_variate): a generated finite data set (d = 3) and one study spec over it,
 * models sme1 and smf2, learning rates 0.2 and 0.1, T = 1, EM with 4 substeps, start x0 below,
 * coupled unless --exact. Test-only; it does not check results (each test does), and the caller
 * owns the problem (sgdl_problem_destroy) and the study result (sgdl_study_result_free). */
#ifndef SGDL_TESTS_STUDY_VR_FIXTURE_H
#define SGDL_TESTS_STUDY_VR_FIXTURE_H
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study.h"

#define N_OBS 3
#define N_MOD 2
#define N_LR 2

static const double study_vr_x0[3] = {0.5, -0.5, 0.25};

/* The generated problem NAME (linreg, logreg) with N samples in d = 3, data seed 1. */
static sgdl_problem *study_vr_problem(sgdl_ctx *ctx, const char *name, int N) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = name;
  spec.gen_n = N;
  spec.gen_d = 3;
  spec.gen_seed = 1;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(ctx, &spec, &p) == 0, "%s: %s", name, ctx->msg);
  return p;
}

/* The study on p with observables obs_names (N_OBS of them), exact moments instead of paths when
 * exact, variance reduction vr (SGDL_VR_*), on `threads` threads; sgdl_study_run's status. */
static int study_vr_run(sgdl_ctx *ctx, const sgdl_problem *p, const char *const obs_names[N_OBS], int exact, int vr,
                        int threads, uint64_t paths, uint32_t seed, sgdl_study_result *r) {
  static const char *const models[N_MOD] = {"sme1", "smf2"};
  static const double lrs[N_LR] = {0.2, 0.1};
  sgdl_observable obs[N_OBS];
  for (int o = 0; o < N_OBS; o++) sgdl_observable_parse(ctx, obs_names[o], 3, 1, &obs[o]);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.n_models = N_MOD;
  sp.models = models;
  sp.n_lr = N_LR;
  sp.lrs = lrs;
  sp.T = 1;
  sp.P = 1;
  sp.x0 = study_vr_x0;
  sp.n_obs = N_OBS;
  sp.obs = obs;
  sp.paths = paths;
  sp.exact = exact;
  sgdl_algo_params_init(&sp.par);
  sp.par.substeps = 4;
  sp.coupling = !exact;
  sp.variance_reduction = vr;
  sp.seed = seed;
  ctx->threads = threads;
  return sgdl_study_run(ctx, &sp, r);
}
#endif
