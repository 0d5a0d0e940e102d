/* The study in rounds (--precision, study_rounds.h) for npoint and meanfield against exact weak errors:
 *  - npoint: two starts on a generated 1-D linear regression; SGD's runs share their samples, SMF1's
 *    share their flow noise (coupled to SGD), GF is deterministic; statistics dist2[0,1], dot[0,1]
 *    and the jackknifed cov[0,1]. Exact errors from the exact moments (--exact). The models run as
 *    the command runs them by default (EM with Talay-Tubaro, 8 substeps; its bias ~1e-4 is far
 *    below the intervals).
 *  - meanfield: 2 neurons on 4 generated data (d = 4), GF against particle SGD with one shared
 *    sample per step, statistics loss (n R_n) and norm2. GF is deterministic, and E f(SGD_k) is exact
 *    by enumerating all N^k sample paths, so sup_k |E f(SGD_k) - f(GF_k)| is the exact error of
 *    the program's GF.
 *  Coverage: over S seeds, the fraction of reported intervals that contain the exact error must be
 *  at least 95% minus three binomial standard deviations, sqrt(0.95 0.05 / n): the alpha-spent
 *  intervals hold simultaneously with probability >= 95%, so a true coverage of 95% fails this
 *  with probability about 1e-3 (the intervals of one seed are correlated, so the bound is rough).
 *  Also: every run stopped for a reason (precise, below the floor, or at --max-paths), and rounds
 *  give the same bits with 1 and 2 threads for both.
 * 40 seeds each, rounds of 200 replicas up to 1600 (precision 0.5, floor 0.05): about 20 s of CPU.
 * ctest-label: slow
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study_rounds.h"

typedef struct {
  sgdl_problem *prob;
  int n_models;
  const char *models[2];
  int n_lr;
  double lrs[2];
  double T;
  int P;
  double x0[8];
  int n_obs, n_cov;
  sgdl_observable obs[3];
  int cov_pairs[2];
  uint64_t round;
  sgdl_rounds_spec rs;
} setup;

static void spec_of(const setup *s, int exact, uint32_t seed, sgdl_study_spec *sp) {
  memset(sp, 0, sizeof *sp);
  sp->prob = s->prob;
  sp->n_models = s->n_models;
  sp->models = s->models;
  sp->n_lr = s->n_lr;
  sp->lrs = s->lrs;
  sp->T = s->T;
  sp->P = s->P;
  sp->x0 = s->x0;
  sp->n_obs = s->n_obs;
  sp->obs = s->obs;
  sp->n_cov = s->n_cov;
  sp->cov_pairs = s->cov_pairs;
  sp->paths = s->round;
  sp->exact = exact;
  sgdl_algo_params_init(&sp->par);
  sp->par.substeps = 8;
  sp->par.scheme = SGDL_SCHEME_EM;
  sp->talay_tubaro = 1;
  sp->coupling = !exact;
  sp->seed = seed;
}

/* E f(SGD_k), k = 0..K, for meanfield by enumerating the N^k sample paths (batch 1, with
 * replacement): ef[o*(K+1) + k] += w f_o(x) at every node of the tree. */
static void enumerate(const sgdl_problem *p, const setup *s, double lr, int k, int K, const double *x, double w, double *ef) {
  const int d = p->dim;
  double v, xs[32];
  for (int o = 0; o < s->n_obs; o++) {
    sgdl_observable_eval_lanes(&s->obs[o], p, d, 1, 1, x, &v, xs);
    ef[o * (K + 1) + k] += w * v;
  }
  if (k == K) return;
  double g[16], y[16];
  for (size_t j = 0; j < p->n_data; j++) {
    p->type->grad_sample(p, x, j, g);
    for (int i = 0; i < d; i++) y[i] = x[i] - lr * g[i];
    enumerate(p, s, lr, k + 1, K, y, w / (double)p->n_data, ef);
  }
}

/* The exact errors: from the exact study (npoint), or by enumeration against the deterministic GF
 * of a Monte Carlo run (meanfield; errors[m][lr][stat] as the study orders them). */
static int exact_errors(sgdl_ctx *ctx, const setup *s, int enumerated, double *ex) {
  sgdl_study_spec sp;
  sgdl_study_result r;
  spec_of(s, !enumerated, 1, &sp);
  if (enumerated) sp.paths = 2;
  if (sgdl_study_run(ctx, &sp, &r)) return -1;
  const int S = s->n_obs + s->n_cov;
  for (int m = 0; m < s->n_models; m++)
    for (int li = 0; li < s->n_lr; li++)
      for (int st = 0; st < S; st++) {
        const size_t k = ((size_t)m * s->n_lr + li) * S + st;
        if (!enumerated) {
          ex[k] = r.errors[k].value;
          continue;
        }
        const int K = (int)sgdl_study_steps(s->T, s->lrs[li]);
        double ef[3 * 64] = {0}, sup = 0;
        enumerate(s->prob, s, s->lrs[li], 0, K, s->x0, 1.0, ef);
        const sgdl_study_series *gf = SGDL_STUDY_SERIES(&r, m + 1, li, st);
        for (int t = 0; t <= K; t++) {
          CHECK(gf->se[t] == 0, "GF is deterministic (se %g)", gf->se[t]);
          sup = fmax(sup, fabs(ef[st * (K + 1) + t] - gf->mean[t]));
        }
        ex[k] = sup;
      }
  sgdl_study_result_free(&r);
  return 0;
}

static void coverage(sgdl_ctx *ctx, const setup *s, int enumerated, int seeds, const char *what) {
  const int S = s->n_obs + s->n_cov, E = s->n_models * s->n_lr * S;
  double ex[16];
  CHECK(exact_errors(ctx, s, enumerated, ex) == 0, "%s exact: %s", what, ctx->msg);
  int covered = 0, total = 0, stopped_ok = 0, precise = 0, rounds_sum = 0;
  for (int seed = 1; seed <= seeds; seed++) {
    sgdl_study_spec sp;
    sgdl_study_result r;
    sgdl_rounds_result rr;
    spec_of(s, 0, (uint32_t)(2000 + seed), &sp);
    if (sgdl_study_run_rounds(ctx, &sp, &s->rs, &r, &rr) != 0) {
      CHECK(0, "%s seed %d: %s", what, seed, ctx->msg);
      continue;
    }
    int ok = 1;
    for (int k = 0; k < E; k++) {
      const int m = k / (s->n_lr * S), li = (k / S) % s->n_lr;
      covered += r.errors[k].lo <= ex[k] && ex[k] <= r.errors[k].hi;
      precise += rr.status[k] == SGDL_ROUNDS_PRECISE;
      total++;
      ok &= rr.status[k] != SGDL_ROUNDS_OPEN || SGDL_ROUNDS_PATHS(&rr, m + 1, li) + s->round > s->rs.max_paths;
    }
    stopped_ok += ok;
    rounds_sum += rr.rounds;
    sgdl_study_result_free(&r);
    sgdl_rounds_result_free(&rr);
  }
  const double frac = (double)covered / total, tol = 3 * sqrt(0.95 * 0.05 / total);
  printf("%s: %d of %d intervals cover the exact errors (%.3f, need >= %.3f), %d precise, %.1f rounds on average\n", what,
         covered, total, frac, 0.95 - tol, precise, (double)rounds_sum / seeds);
  printf("  exact errors:");
  for (int k = 0; k < E; k++) printf(" %.4g", ex[k]);
  printf("\n");
  CHECK(frac >= 0.95 - tol, "%s: coverage %.3f below 0.95 - %.3f", what, frac, tol);
  CHECK(stopped_ok == seeds, "%s: %d of %d runs stopped precise, below the floor or at --max-paths", what, stopped_ok, seeds);
}

static int same_result(const sgdl_study_result *a, const sgdl_study_result *b) {
  int same = a->n_stat == b->n_stat;
  for (int s = 0; same && s < (a->n_models + 1) * a->n_lr * a->n_stat; s++) {
    const sgdl_study_series *x = &a->series[s], *y = &b->series[s];
    same = x->n_times == y->n_times && !memcmp(x->mean, y->mean, sizeof(double) * x->n_times) &&
           !memcmp(x->se, y->se, sizeof(double) * x->n_times);
  }
  for (int k = 0; same && k < a->n_models * a->n_lr * a->n_stat; k++) same = !memcmp(&a->errors[k], &b->errors[k], sizeof a->errors[k]);
  return same;
}

/* No (model, lr) runs more than --max-paths replicas, even one that stopped and ran again a round
 * later (the meanfield case: lr 0.5 stops after 3 rounds and reopens at round 5 under the smaller
 * alpha); and a run's replicas are its own 0 .. M - 1: where every model ran M replicas, the errors
 * equal those of one plain run of M paths up to rounding (other replicas would differ by ~1e-2). */
static void max_paths_kept(sgdl_ctx *ctx, const setup *s, const sgdl_study_spec *rounds_sp, const sgdl_study_result *r,
                           const sgdl_rounds_result *rr, uint64_t max_paths, const char *what) {
  int within = 1, same_M = 1;
  const uint64_t M = SGDL_ROUNDS_PATHS(rr, 1, 0);
  for (int m = 0; m <= rr->n_models; m++)
    for (int li = 0; li < rr->n_lr; li++) {
      const uint64_t n = SGDL_ROUNDS_PATHS(rr, m, li);
      within &= n <= max_paths && n % s->round == 0;
      same_M &= m == 0 || n == M;
    }
  CHECK(within, "%s: every (model, lr) ran at most --max-paths %llu replicas", what, (unsigned long long)max_paths);
  if (!same_M) return;
  sgdl_study_spec sp = *rounds_sp;
  sp.paths = M;
  sgdl_study_result plain;
  CHECK(sgdl_study_run(ctx, &sp, &plain) == 0, "%s: plain run of %llu paths: %s", what, (unsigned long long)M, ctx->msg);
  double worst = 0;
  for (int k = 0; k < r->n_models * r->n_lr * r->n_stat; k++)
    worst = fmax(worst, fabs(r->errors[k].value - plain.errors[k].value) / (fabs(plain.errors[k].value) + 1e-12));
  CHECK(worst < 1e-9, "%s: rounds use replicas 0..%llu like one run of that many (relative difference %.3g)", what,
        (unsigned long long)M - 1, worst);
  printf("%s: every (model, lr) within --max-paths; %llu replicas each, as one plain run to %.1e\n", what, (unsigned long long)M, worst);
  sgdl_study_result_free(&plain);
}

/* Rounds with 1 and 2 threads: the same rounds and the same bits. */
static void threads(sgdl_ctx *ctx, const setup *s, const char *what) {
  sgdl_study_spec sp;
  const sgdl_rounds_spec rs = {s->rs.precision, s->rs.floor, 4 * s->round, NULL, NULL, NULL};
  spec_of(s, 0, 9, &sp);
  sgdl_study_result r1, r2;
  sgdl_rounds_result rr1, rr2;
  ctx->threads = 1;
  CHECK(sgdl_study_run_rounds(ctx, &sp, &rs, &r1, &rr1) == 0, "%s, 1 thread: %s", what, ctx->msg);
  ctx->threads = 2;
  CHECK(sgdl_study_run_rounds(ctx, &sp, &rs, &r2, &rr2) == 0, "%s, 2 threads: %s", what, ctx->msg);
  CHECK(rr1.rounds > 1 && rr1.rounds == rr2.rounds && same_result(&r1, &r2), "%s: 1 and 2 threads: %d and %d rounds, same bits",
        what, rr1.rounds, rr2.rounds);
  printf("%s: 1 and 2 threads, %d rounds, same bits\n", what, rr1.rounds);
  max_paths_kept(ctx, s, &sp, &r1, &rr1, rs.max_paths, what);
  ctx->threads = 0;
  sgdl_study_result_free(&r1);
  sgdl_study_result_free(&r2);
  sgdl_rounds_result_free(&rr1);
  sgdl_rounds_result_free(&rr2);
}

static sgdl_problem *make_problem(sgdl_ctx *ctx, const char *name, size_t n, int neurons) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = name;
  sp.gen_n = n;
  sp.gen_d = 1;
  sp.gen_noise = 0.5;
  sp.gen_seed = 7;
  sp.neurons = neurons;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s: %s\n", name, ctx->msg);
  return p;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* npoint: starts 1 and -1, lr 0.25 over T = 1 (4 steps), rounds of 200 up to 1600 */
  setup np = {make_problem(&ctx, "linreg", 16, 0), 2, {"gf", "smf1"}, 1, {0.25, 0}, 1.0, 2, {1, -1}, 2, 1, {{0}}, {0, 1},
              200, {0.5, 0.05, 200 * 8, NULL, NULL, NULL}};
  /* meanfield: neurons (c, w) = (0.8, -0.5), (-0.6, 1.2); lr 0.5 and 0.25 over T = 1 (2 and 4 steps) */
  setup mf = {make_problem(&ctx, "meanfield", 4, 2), 1, {"gf", NULL}, 2, {0.5, 0.25}, 1.0, 1, {0.8, -0.5, -0.6, 1.2}, 2, 0,
              {{0}}, {0, 0}, 200, {0.5, 0.05, 200 * 8, NULL, NULL, NULL}};
  CHECK(np.prob && mf.prob, "problems");
  if (!np.prob || !mf.prob) return check_done();
  CHECK(sgdl_observable_parse(&ctx, "dist2[0,1]", 1, 2, &np.obs[0]) == 0 && sgdl_observable_parse(&ctx, "dot[0,1]", 1, 2, &np.obs[1]) == 0,
        "npoint observables: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "loss", mf.prob, 1, &mf.obs[0]) == 0 && sgdl_observable_parse(&ctx, "norm2", 4, 1, &mf.obs[1]) == 0,
        "meanfield observables: %s", ctx.msg);
  coverage(&ctx, &np, 0, 40, "npoint linreg, gf and smf1 (shared samples, shared flow noise)");
  coverage(&ctx, &mf, 1, 40, "meanfield, gf against particle SGD (enumerated)");
  threads(&ctx, &np, "npoint rounds");
  threads(&ctx, &mf, "meanfield rounds");
  sgdl_problem_destroy(np.prob);
  sgdl_problem_destroy(mf.prob);
  return check_done();
}
