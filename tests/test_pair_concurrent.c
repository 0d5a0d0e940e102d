/* Coupled pairs of the two shared-sums forms (sgdl_stepper_create_pair_sums: SGDL_PAIR_SUMS_SHARED
 * and _REGENERATED, a property of each pair, no process-wide switch) planned and run at the same
 * time in one process, each giving its own numbers bitwise:
 *   (a) two threads, each with its own context and its own plan (different models, schemes,
 *       minibatches and seeds), run ensembles concurrently, the two forms swapping threads between
 *       rounds: every result equals, bitwise, the same plan run alone in either form;
 *   (b) interleaved steps on one thread: a shared and a regenerating pair of one plan step the same
 *       replicas alternately through one common scratch buffer (the shared S lives only inside a
 *       step); after every step their positions agree bitwise, and at the end they equal the pair
 *       stepped alone;
 *   (c) a form that is neither is refused (SGDL_EINVAL, no stepper).
 * Does not: check the laws (test_ensemble_mc) or the full grid of forms (test_pair_share). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics/internal.h"
#include "sgdlab/ensemble.h"

enum { NOBS = 4, ROUNDS = 3, NPLAN = 2 };

/* One coupled plan: the pair's model and draws; the rest is shared by all plans. */
typedef struct plan_case {
  const char *model;
  int scheme, substeps, batch, without;
  uint32_t seed;
} plan_case;

static const plan_case cases[NPLAN] = {
    {"smf2", SGDL_SCHEME_HEUN, 4, 3, 1, 91},
    {"smf1", SGDL_SCHEME_EM, 1, 1, 0, 17},
};

static void params_of(const plan_case *c, sgdl_algo_params *par) {
  sgdl_algo_params_init(par);
  par->lr = 0.05;
  par->batch = c->batch;
  par->without_replacement = c->without;
  par->substeps = c->substeps;
  par->scheme = c->scheme;
}

/* The ensemble of plan c in the given form: means and variances of x0 and the loss at the SGD
 * half (particle 0) and the model half (particle 1). */
static int run_plan(sgdl_ctx *ctx, const sgdl_problem *p, const plan_case *c, int form, sgdl_ensemble_result *er) {
  sgdl_algo_params par;
  params_of(c, &par);
  sgdl_stepper *pair = NULL;
  int rc = sgdl_stepper_create_pair_sums(ctx, "sgd", c->model, p, &par, c->seed, 3, 1, form, &pair);
  if (rc) return rc;
  const int P = 2, d = p->dim;
  const char *names[NOBS] = {"x0@0", "loss@0", "x0@1", "loss@1"};
  sgdl_observable obs[NOBS];
  for (int i = 0; i < NOBS && !rc; i++) rc = sgdl_observable_parse(ctx, names[i], d, P, &obs[i]);
  double x0[2 * 50];
  for (int i = 0; i < P * d; i++) x0[i] = 0.1 * (i % 3);
  sgdl_ensemble_plan plan = {pair, P, x0, 300, 20, NOBS, obs, 0, 1};
  if (!rc) rc = sgdl_ensemble_run(ctx, &plan, er);
  sgdl_stepper_destroy(pair);
  return rc;
}

static int same(const sgdl_ensemble_result *a, const sgdl_ensemble_result *b) {
  const size_t n = (size_t)a->n_obs * a->n_times;
  return a->n_obs == b->n_obs && a->n_times == b->n_times && !memcmp(a->mean, b->mean, n * sizeof *a->mean) &&
         !memcmp(a->var, b->var, n * sizeof *a->var);
}

/* One worker thread: ROUNDS ensembles of its plan, the form alternating (starting with `form0`),
 * each into its own result. The worker checks nothing (the CHECK counters are not thread-safe). */
typedef struct worker {
  const sgdl_problem *p;
  const plan_case *c;
  int form0, threads;
  int rc[ROUNDS];
  sgdl_ensemble_result res[ROUNDS];
  char msg[256];
} worker;

static void *work_rounds(void *arg) {
  worker *w = arg;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = w->threads;
  for (int r = 0; r < ROUNDS; r++) {
    const int form = (w->form0 + r) % 2 ? SGDL_PAIR_SUMS_REGENERATED : SGDL_PAIR_SUMS_SHARED;
    w->rc[r] = run_plan(&ctx, w->p, w->c, form, &w->res[r]);
    if (w->rc[r]) snprintf(w->msg, sizeof w->msg, "%.200s", ctx.msg);
  }
  return NULL;
}

/* (a) Each plan alone in both forms (the references, equal bitwise), then both plans at once on
 * two threads in opposite forms. */
static void check_threads(sgdl_ctx *ctx, const sgdl_problem *p) {
  sgdl_ensemble_result ref[NPLAN], other;
  int ok[NPLAN];
  for (int i = 0; i < NPLAN; i++) {
    const int r0 = run_plan(ctx, p, &cases[i], SGDL_PAIR_SUMS_SHARED, &ref[i]);
    const int r1 = r0 ? r0 : run_plan(ctx, p, &cases[i], SGDL_PAIR_SUMS_REGENERATED, &other);
    ok[i] = !r0 && !r1;
    CHECK(ok[i], "%s alone: %s", cases[i].model, ctx->msg);
    if (!ok[i]) continue;
    CHECK(same(&ref[i], &other), "%s d %d alone: the regenerated form differs from the shared", cases[i].model,
          p->dim);
    sgdl_ensemble_result_free(&other);
  }
  if (!ok[0] || !ok[1]) return;
  CHECK(!same(&ref[0], &ref[1]), "the two plans gave the same numbers: the test could not tell them apart");
  worker w[NPLAN];
  pthread_t tid[NPLAN];
  for (int i = 0; i < NPLAN; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].p = p;
    w[i].c = &cases[i];
    w[i].form0 = i;    /* thread 0 starts shared, thread 1 regenerated: the forms always differ */
    w[i].threads = 1 + i; /* and the second thread's ensembles use two OpenMP threads of their own */
  }
  int started[NPLAN];
  for (int i = 0; i < NPLAN; i++) started[i] = pthread_create(&tid[i], NULL, work_rounds, &w[i]) == 0;
  for (int i = 0; i < NPLAN; i++)
    if (started[i]) pthread_join(tid[i], NULL);
    else work_rounds(&w[i]); /* no thread: still check the numbers */
  CHECK(started[0] && started[1], "pthread_create failed: the plans ran one after the other");
  for (int i = 0; i < NPLAN; i++)
    for (int r = 0; r < ROUNDS; r++) {
      CHECK(!w[i].rc[r], "%s round %d on its thread: %s", cases[i].model, r, w[i].msg);
      if (w[i].rc[r]) continue;
      CHECK(same(&w[i].res[r], &ref[i]), "%s d %d round %d (%s form, beside the other plan): differs from the plan alone",
            cases[i].model, p->dim, r, (w[i].form0 + r) % 2 ? "regenerated" : "shared");
      sgdl_ensemble_result_free(&w[i].res[r]);
    }
  for (int i = 0; i < NPLAN; i++) sgdl_ensemble_result_free(&ref[i]);
}

/* Lanes of one pair for (b): positions and lane state of W replicas; the scratch is the caller's. */
typedef struct lane_set {
  double *x, *aux;
  sgdl_lanes L;
} lane_set;

static int lanes_open(const sgdl_stepper *s, int W, double *work, lane_set *ls) {
  const int d = s->prob->dim, P = s->particles;
  ls->x = calloc((size_t)P * d * W, sizeof *ls->x);
  ls->aux = calloc((size_t)P * (s->naux + 1) * W, sizeof *ls->aux);
  if (!ls->x || !ls->aux) return -1;
  for (int j = 0; j < P * d; j++)
    for (int l = 0; l < W; l++) ls->x[(size_t)j * W + l] = 0.1 * (j % 3);
  sgdl_lanes L = {W, 5, P, d, ls->x, ls->aux, 0, work, NULL};
  ls->L = L;
  return 0;
}

static void lanes_close(lane_set *ls) {
  free(ls->x);
  free(ls->aux);
}

/* (b) The plan of cases[0] as a shared and a regenerating pair, stepped alternately through one
 * scratch buffer, against the shared pair stepped alone. */
static void check_interleaved(sgdl_ctx *ctx, const sgdl_problem *p) {
  enum { W = 8, STEPS = 6 };
  sgdl_algo_params par;
  params_of(&cases[0], &par);
  sgdl_stepper *pair[2] = {NULL, NULL};
  const int forms[2] = {SGDL_PAIR_SUMS_SHARED, SGDL_PAIR_SUMS_REGENERATED};
  for (int f = 0; f < 2; f++) {
    const int rc = sgdl_stepper_create_pair_sums(ctx, "sgd", cases[0].model, p, &par, cases[0].seed, 3, 1, forms[f],
                                                 &pair[f]);
    CHECK(!rc, "interleaved pair %d: %s", f, ctx->msg);
  }
  if (pair[0] && pair[1]) {
    CHECK(sgdl_pair_shares_sums(pair[0]) && !sgdl_pair_shares_sums(pair[1]), "the two pairs report forms %d, %d",
          sgdl_pair_shares_sums(pair[0]), sgdl_pair_shares_sums(pair[1]));
    const int wpl = pair[0]->work_per_lane > pair[1]->work_per_lane ? pair[0]->work_per_lane : pair[1]->work_per_lane;
    double *work = calloc((size_t)wpl * SGDL_LANES + 1, sizeof *work);
    lane_set a, b, alone;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&alone, 0, sizeof alone);
    const int open = work && !lanes_open(pair[0], W, work, &a) && !lanes_open(pair[1], W, work, &b) &&
                     !lanes_open(pair[0], W, work, &alone);
    CHECK(open, "out of memory");
    const size_t n = (size_t)pair[0]->particles * p->dim * W;
    for (uint64_t k = 0; open && k < STEPS; k++) {
      a.L.k = b.L.k = k;
      pair[0]->type->step(pair[0], &a.L);
      pair[1]->type->step(pair[1], &b.L);
      CHECK(!memcmp(a.x, b.x, n * sizeof *a.x), "d %d step %d: the interleaved shared and regenerating pairs differ",
            p->dim, (int)k);
    }
    for (uint64_t k = 0; open && k < STEPS; k++) {
      alone.L.k = k;
      pair[0]->type->step(pair[0], &alone.L);
    }
    CHECK(!open || !memcmp(a.x, alone.x, n * sizeof *a.x), "d %d: the interleaved shared pair differs from it alone",
          p->dim);
    lanes_close(&a);
    lanes_close(&b);
    lanes_close(&alone);
    free(work);
  }
  sgdl_stepper_destroy(pair[0]);
  sgdl_stepper_destroy(pair[1]);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 1;
  const int dims[2] = {2, 50};
  for (int di = 0; di < 2; di++) {
    sgdl_problem_spec sp;
    sgdl_problem_spec_init(&sp);
    sp.name = "logreg";
    sp.gen_n = 64;
    sp.gen_d = dims[di];
    sgdl_problem *p = NULL;
    CHECK(sgdl_problem_create(&ctx, &sp, &p) == 0, "logreg d %d: %s", dims[di], ctx.msg);
    if (!p) continue;
    sgdl_algo_params par;
    params_of(&cases[0], &par);
    sgdl_stepper *bad = NULL;
    CHECK(sgdl_stepper_create_pair_sums(&ctx, "sgd", "smf1", p, &par, 1, 3, 1, 7, &bad) == SGDL_EINVAL && !bad,
          "sums form 7 was accepted");
    check_threads(&ctx, p);
    check_interleaved(&ctx, p);
    sgdl_problem_destroy(p);
  }
  printf("pairs of both shared-sums forms, concurrent and interleaved: each bitwise its own numbers\n");
  return check_done();
}
