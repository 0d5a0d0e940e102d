/* The study in rounds (--precision, study_rounds.h) with antithetic pairs (SGDL_VR_ANTITHETIC) on a
 * generated linear regression (N = 16, d = 2), against the exact weak errors (--exact):
 *  - coverage under sequential stopping: over 60 seeds each, GF coupled to SGD (the pair
 *    differences antithetic) and SME1 against SGD's own antithetic ensemble (statistics x0, x0^2),
 *    the fraction of reported intervals containing the exact error is at least 95% minus three
 *    binomial standard deviations; every run stopped precise, below the floor or at --max-paths;
 *  - the rounds run pairs: a round of --paths M is M/2 replicas, each its pair's mean, so every
 *    (model, lr) reports a whole number of rounds of M paths and the pair means' standard errors;
 *  - a function of the seed: 1 and 2 threads give the same bits after several rounds;
 *  - one round without a target equals the plain antithetic study bit for bit;
 *  - an odd --paths is still refused (pairs), naming the flag.
 * Rounds of 400 paths (200 pairs) up to 6400 (GF) and 8000 (SME1); the models with 16 Heun substeps
 * (bias ~1e-4 relative, far below the intervals). About 10 s of CPU.
 * ctest-label: slow
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study_rounds.h"

static sgdl_problem *make_linreg(sgdl_ctx *ctx) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "linreg";
  sp.gen_n = 16;
  sp.gen_d = 2;
  sp.gen_noise = 0.5;
  sp.gen_seed = 7;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(ctx, &sp, &p) == 0, "linreg: %s", ctx->msg);
  return p;
}

typedef struct {
  sgdl_problem *prob;
  const char *model;
  sgdl_observable obs[2];
  double lr, T, x0[2];
  uint64_t round;      /* paths per round (round / 2 antithetic pairs) */
  sgdl_rounds_spec rs; /* precision, floor, max_paths */
} setup;

static void spec_of(const setup *s, int exact, uint32_t seed, sgdl_study_spec *sp) {
  memset(sp, 0, sizeof *sp);
  sp->prob = s->prob;
  sp->n_models = 1;
  sp->models = &s->model;
  sp->n_lr = 1;
  sp->lrs = &s->lr;
  sp->T = s->T;
  sp->P = 1;
  sp->x0 = s->x0;
  sp->n_obs = 2;
  sp->obs = s->obs;
  sp->paths = s->round;
  sp->exact = exact;
  sgdl_algo_params_init(&sp->par);
  sp->par.substeps = 16;
  sp->par.scheme = SGDL_SCHEME_HEUN;
  sp->coupling = !exact;
  sp->variance_reduction = exact ? SGDL_VR_NONE : SGDL_VR_ANTITHETIC;
  sp->seed = seed;
}

static void coverage(sgdl_ctx *ctx, const setup *s, int seeds, const char *what) {
  sgdl_study_spec sp;
  sgdl_study_result ex;
  spec_of(s, 1, 0, &sp);
  CHECK(sgdl_study_run(ctx, &sp, &ex) == 0, "%s exact: %s", what, ctx->msg);
  int covered = 0, total = 0, stopped_ok = 0, whole_rounds = 0, rounds_sum = 0, coupled = -1;
  for (int seed = 1; seed <= seeds; seed++) {
    sgdl_study_result r;
    sgdl_rounds_result rr;
    spec_of(s, 0, (uint32_t)(3000 + seed), &sp);
    if (sgdl_study_run_rounds(ctx, &sp, &s->rs, &r, &rr) != 0) {
      CHECK(0, "%s seed %d: %s", what, seed, ctx->msg);
      continue;
    }
    coupled = r.coupled[0];
    int ok = 1;
    for (int k = 0; k < 2; k++) {
      const double e = ex.errors[k].value;
      covered += r.errors[k].lo <= e && e <= r.errors[k].hi;
      total++;
      ok &= rr.status[k] != SGDL_ROUNDS_OPEN || SGDL_ROUNDS_PATHS(&rr, 1, 0) + s->round > s->rs.max_paths;
    }
    stopped_ok += ok;
    whole_rounds += SGDL_ROUNDS_PATHS(&rr, 1, 0) % s->round == 0 && SGDL_ROUNDS_PATHS(&rr, 1, 0) > 0;
    rounds_sum += rr.rounds;
    sgdl_study_result_free(&r);
    sgdl_rounds_result_free(&rr);
  }
  const double frac = (double)covered / total, tol = 3 * sqrt(0.95 * 0.05 / total);
  printf("%s (%s): exact errors %.4e %.4e; %d of %d intervals cover (%.3f, need >= %.3f), %.1f rounds on average\n", what,
         coupled ? "coupled" : "own ensembles", ex.errors[0].value, ex.errors[1].value, covered, total, frac, 0.95 - tol,
         (double)rounds_sum / seeds);
  CHECK(frac >= 0.95 - tol, "%s: coverage %.3f below 0.95 - %.3f", what, frac, tol);
  CHECK(stopped_ok == seeds, "%s: %d of %d runs stopped precise, below the floor or at --max-paths", what, stopped_ok, seeds);
  CHECK(whole_rounds == seeds, "%s: %d of %d runs report whole rounds of %llu paths", what, whole_rounds, seeds,
        (unsigned long long)s->round);
  CHECK(rounds_sum > seeds, "%s: some runs took more than one round (%d rounds over %d seeds)", what, rounds_sum, seeds);
  sgdl_study_result_free(&ex);
}

static int same_result(const sgdl_study_result *a, const sgdl_study_result *b) {
  const int series = (a->n_models + 1) * a->n_lr * a->n_stat;
  int same = a->n_stat == b->n_stat && a->n_models == b->n_models && a->n_lr == b->n_lr;
  for (int s = 0; same && s < series; s++) {
    const sgdl_study_series *x = &a->series[s], *y = &b->series[s];
    same = x->n_times == y->n_times && !memcmp(x->mean, y->mean, sizeof(double) * x->n_times) &&
           !memcmp(x->se, y->se, sizeof(double) * x->n_times);
  }
  for (int k = 0; same && k < a->n_models * a->n_lr * a->n_stat; k++) same = !memcmp(&a->errors[k], &b->errors[k], sizeof a->errors[k]);
  return same;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *lin = make_linreg(&ctx);
  if (!lin) return check_done();
  setup g = {lin, "gf", {{0}}, 0.25, 1, {1, -0.5}, 400, {0.35, 0.1, 400 * 16, NULL, NULL, NULL}};
  setup m = {lin, "sme1", {{0}}, 0.25, 1, {1, -0.5}, 400, {0.35, 0.4, 400 * 20, NULL, NULL, NULL}};
  for (int i = 0; i < 2; i++) {
    setup *s = i ? &m : &g;
    sgdl_observable_parse(&ctx, "x0", 2, 1, &s->obs[0]);
    sgdl_observable_parse(&ctx, "x0^2", 2, 1, &s->obs[1]);
  }
  coverage(&ctx, &g, 60, "linreg antithetic rounds, gf against SGD");
  coverage(&ctx, &m, 60, "linreg antithetic rounds, sme1");

  /* threads: 1 and 2 give the same bits, after more than one round */
  sgdl_study_spec sp;
  spec_of(&m, 0, 5, &sp);
  const sgdl_rounds_spec rs = {0.1, 1e-3, 400 * 6, NULL, NULL, NULL};
  sgdl_study_result r1, r2, plain, one, odd;
  sgdl_rounds_result rr1, rr2, rro, rrodd;
  ctx.threads = 1;
  CHECK(sgdl_study_run_rounds(&ctx, &sp, &rs, &r1, &rr1) == 0, "antithetic rounds, 1 thread: %s", ctx.msg);
  ctx.threads = 2;
  CHECK(sgdl_study_run_rounds(&ctx, &sp, &rs, &r2, &rr2) == 0, "antithetic rounds, 2 threads: %s", ctx.msg);
  CHECK(rr1.rounds > 1 && rr1.rounds == rr2.rounds && same_result(&r1, &r2), "1 and 2 threads: %d and %d rounds, same bits",
        rr1.rounds, rr2.rounds);
  /* one round without a target is the plain antithetic study */
  const sgdl_rounds_spec once = {0, 0, 400, NULL, NULL, NULL};
  CHECK(sgdl_study_run(&ctx, &sp, &plain) == 0, "plain antithetic: %s", ctx.msg);
  CHECK(sgdl_study_run_rounds(&ctx, &sp, &once, &one, &rro) == 0, "one antithetic round: %s", ctx.msg);
  CHECK(rro.rounds == 1 && SGDL_ROUNDS_PATHS(&rro, 1, 0) == 400 && same_result(&plain, &one),
        "one round equals the plain antithetic study bit for bit");
  sp.paths = 201;
  CHECK(sgdl_study_run_rounds(&ctx, &sp, &rs, &odd, &rrodd) == SGDL_EINVAL && strstr(ctx.msg, "--paths"),
        "antithetic rounds of an odd --paths refused, naming the flag: %s", ctx.msg);
  sgdl_study_result_free(&r1);
  sgdl_study_result_free(&r2);
  sgdl_study_result_free(&plain);
  sgdl_study_result_free(&one);
  sgdl_rounds_result_free(&rr1);
  sgdl_rounds_result_free(&rr2);
  sgdl_rounds_result_free(&rro);
  sgdl_problem_destroy(lin);
  return check_done();
}
