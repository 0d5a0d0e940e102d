/* Calibration of the mlp cost estimate (sgdlab/mlp_cost.h): times each pass of the mlp problem
 * over a block of lanes on one thread (CPU time) and prints its multiply-adds per second (the counted
 * multiply-adds of sgdl_mlp_problem_cost over the measured seconds) and the estimate's time per
 * lane-example beside it, and ns per normal draw. Also the per-call part of the batch-1 gradient (the
 * lane's d weights in and out) and, from sme1 and sgd ensembles of 2 and 10 steps, the cost per
 * lane-step (sme1: about its fused pass) and per lane and run (first touch of the lane buffers). The
 * rates and fixed costs in src/nn/mlp_cost.c are fitted from this program's output at hidden 8 and
 * 32 (bench/RESULTS.md §34); rerun it after a change to the passes and update them.
 * usage: bench_mlp_cost [data=data/mnist] [hidden=32] [train=512] [test=256] [lanes=16] [repeats=5] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgdlab/ensemble.h"
#include "sgdlab/mlp_cost.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/rng.h"

/* CPU seconds of the process (one thread runs): robust to other jobs on a shared machine, as wall
 * time is not; page faults and clearing count too (system time). */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The median of n timings (sorted in place): a typical figure, where the best of a few would
 * set rates that a loaded run does not reach. */
static double median(double *t, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
      const double u = t[j];
      t[j] = t[j - 1];
      t[j - 1] = u;
    }
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

enum { MAX_REP = 15 };

typedef struct {
  const sgdl_problem *p;
  int W;
  double *X, *V, *G, *S, *wt, *work;
  uint32_t *idx;
} bench_block;

/* One call of the pass over the block (the observables: one lane's point). */
static void run_pass(const bench_block *b, int pass) {
  const sgdl_problem *p = b->p;
  switch (pass) {
    case SGDL_MLP_PASS_FUSED: sgdl_problem_grad_and_sum_lanes(p, b->W, b->X, b->wt, b->G, b->S, b->work); break;
    case SGDL_MLP_PASS_GRAD: sgdl_problem_grad_lanes(p, b->W, b->X, b->G, b->work); break;
    case SGDL_MLP_PASS_HVP: p->type->hvp_lanes(p, b->W, b->X, b->V, b->G); break;
    case SGDL_MLP_PASS_SAMPLE: sgdl_problem_grad_sum_lanes(p, b->W, b->X, 1, b->idx, NULL, b->G, b->work); break;
    case SGDL_MLP_PASS_OBSERVE: b->G[0] = p->type->observe(p, 0, b->V); break;
    default: b->G[0] = p->type->loss(p, b->V);
  }
}

/* Lane-examples of one call. */
static double pass_examples(const sgdl_mlp_cost *c, int pass, int W) {
  if (pass == SGDL_MLP_PASS_SAMPLE) return W;
  if (pass == SGDL_MLP_PASS_OBSERVE) return c->n_test;
  if (pass == SGDL_MLP_PASS_LOSS) return c->n_train;
  return c->n_train * W;
}

/* CPU seconds per lane of an ensemble of `name` (EM, one substep; sgd at batch 1) of K steps on a block of
 * W replicas, the median of `rep`. */
static double run_seconds(sgdl_ctx *ctx, const char *name, const sgdl_problem *p, const double *x0, int W, int K, int rep) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.substeps = 1;
  par.scheme = SGDL_SCHEME_EM;
  sgdl_stepper *st;
  sgdl_observable o;
  if (sgdl_stepper_create(ctx, name, p, &par, 1, 1, 1, &st) || sgdl_observable_parse_for(ctx, "dist2_init", p, 1, &o))
    return NAN;
  double t[MAX_REP];
  for (int r = 0; r < rep; r++) {
    sgdl_ensemble_plan plan = {st, 1, x0, (uint64_t)W, K, 1, &o};
    sgdl_ensemble_result res;
    const double t0 = cpu_now();
    if (sgdl_ensemble_run(ctx, &plan, &res)) return NAN;
    t[r] = (cpu_now() - t0) / W;
    sgdl_ensemble_result_free(&res);
  }
  sgdl_stepper_destroy(st);
  return median(t, rep);
}

/* CPU seconds of one batch-nb gradient call per lane (the sample pass), the median of `rep`. */
static double sample_call_seconds(const bench_block *b, int nb, const uint32_t *idx, int rep) {
  double t[MAX_REP];
  for (int r = 0; r < rep; r++) {
    const double t0 = cpu_now();
    for (int k = 0; k < 50; k++) sgdl_problem_grad_sum_lanes(b->p, b->W, b->X, nb, idx, NULL, b->G, b->work);
    t[r] = (cpu_now() - t0) / (50.0 * b->W);
  }
  return median(t, rep);
}

/* The passes, the normals, the batch-1 call and the two ensembles in one dtype. */
static void bench_passes(sgdl_ctx *ctx, const bench_block *b, const sgdl_mlp_cost *c, const double *x0, int rep) {
  const sgdl_problem *p = b->p;
  const int d = p->dim, N = (int)p->n_data, W = b->W;
  double t[MAX_REP], per_example[SGDL_MLP_N_PASSES] = {0};
  for (int pass = 0; pass < SGDL_MLP_N_PASSES; pass++) {
    if (pass == SGDL_MLP_PASS_SAMPLE) continue; /* below, per example and per call */
    const int calls = pass >= SGDL_MLP_PASS_OBSERVE ? 8 : 1;
    for (int r = 0; r < rep; r++) {
      const double t0 = cpu_now();
      for (int k = 0; k < calls; k++) run_pass(b, pass);
      t[r] = (cpu_now() - t0) / calls;
    }
    const double per = per_example[pass] = median(t, rep) / pass_examples(c, pass, W);
    printf("  %-8s %8.0f madds/example  %7.3f us/lane-example  %.3g madds/s (estimate: %.3f us)\n", sgdl_mlp_pass_name(pass),
           c->madds[pass], per * 1e6, c->madds[pass] / per, sgdl_mlp_pass_seconds(c, pass, 1) * 1e6);
  }
  /* a minibatch of 8 against one: the per-example and the per-call parts (the lane's d weights in and out) */
  uint32_t idx8[8 * SGDL_LANES];
  for (int k = 0; k < 8 * W; k++) idx8[k] = (uint32_t)((k * 37) % N);
  const double t1 = sample_call_seconds(b, 1, b->idx, rep), t8 = sample_call_seconds(b, 8, idx8, rep);
  const double ex = (t8 - t1) / 7, call = t1 - ex;
  printf("  %-8s %8.0f madds/example  %7.3f us/lane-example  %.3g madds/s (estimate: %.3f us); per call %.2f us, "
         "%.2f ns per weight (estimate uses %.2f)\n", "sample", c->madds[SGDL_MLP_PASS_SAMPLE], ex * 1e6,
         c->madds[SGDL_MLP_PASS_SAMPLE] / ex, sgdl_mlp_pass_seconds(c, SGDL_MLP_PASS_SAMPLE, 1) * 1e6, call * 1e6, call / d * 1e9,
         SGDL_MLP_VECTOR_NS);
  for (int r = 0; r < rep; r++) {
    const double t0 = cpu_now();
    for (int k = 0; k < 64; k++) sgdl_rng_normals(7, 0, W, (uint64_t)k, 1, (size_t)N, b->wt);
    t[r] = (cpu_now() - t0) / (64.0 * N * W);
  }
  const double normal = median(t, rep);
  printf("  normals  %.2f ns per draw (estimate uses %.2f)\n", normal * 1e9, SGDL_MLP_NORMAL_NS);
  const double fused = c->n_train * per_example[SGDL_MLP_PASS_FUSED]; /* as measured above */
  for (int k = 0; k < 2; k++) { /* per lane-step and per lane and run, from runs of 2 and 10 steps */
    const char *name = k ? "sgd" : "sme1";
    const double run2 = run_seconds(ctx, name, p, x0, W, 2, rep), run10 = run_seconds(ctx, name, p, x0, W, 10, rep);
    const double step = (run10 - run2) / 8, beside = k ? step - t1 : step - fused - N * normal;
    printf("  %-4s ensemble: %.1f us per lane-step (%.2f lane-vectors beside its %s), %.1f us per lane and run "
           "(%.0f ns per weight; estimate uses %.0f)\n", name, step * 1e6, beside / d * 1e9 / SGDL_MLP_VECTOR_NS,
           k ? "batch-1 call" : "fused pass and normals", (run2 - 2 * step) * 1e6, (run2 - 2 * step) / d * 1e9,
           k ? SGDL_MLP_RUN_NS_DISCRETE : SGDL_MLP_RUN_NS_MODEL);
  }
}

static int bench_dtype(sgdl_ctx *ctx, const char *data, int hidden, long n_train, long n_test, int W, int rep, int dtype) {
  sgdl_mlp_problem_spec ms;
  sgdl_mlp_problem_spec_init(&ms);
  ms.data = data;
  ms.n_train = n_train;
  ms.n_test = n_test;
  ms.hidden = &hidden;
  ms.dtype = dtype;
  sgdl_problem *p;
  const double t0 = cpu_now();
  if (sgdl_mlp_problem_create(ctx, &ms, &p)) return fprintf(stderr, "%s\n", ctx->msg), 1;
  const double created = cpu_now() - t0;
  sgdl_mlp_cost c;
  sgdl_mlp_problem_cost(p, &c);
  const int d = p->dim, N = (int)p->n_data;
  bench_block b = {p, W, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  double *x0 = malloc(sizeof(double) * (size_t)d);
  b.X = malloc(sizeof(double) * (size_t)d * W);
  b.V = malloc(sizeof(double) * (size_t)d * W);
  b.G = malloc(sizeof(double) * (size_t)d * W);
  b.S = malloc(sizeof(double) * (size_t)d * W);
  b.wt = malloc(sizeof(double) * (size_t)N * W);
  b.work = malloc(sizeof(double) * (size_t)sgdl_problem_lanes_work(p));
  b.idx = malloc(sizeof(uint32_t) * (size_t)W);
  int rc = !x0 || !b.X || !b.V || !b.G || !b.S || !b.wt || !b.work || !b.idx;
  if (rc) fprintf(stderr, "out of memory\n");
  if (!rc) {
    sgdl_problem_default_x0(p, 1, x0);
    for (int i = 0; i < d; i++)
      for (int l = 0; l < W; l++) {
        b.X[(size_t)i * W + l] = x0[i] * (1 + 0.01 * l);
        b.V[(size_t)i * W + l] = x0[i];
      }
    sgdl_rng_normals(7, 0, W, 0, 1, (size_t)N, b.wt);
    for (int l = 0; l < W; l++) b.idx[l] = (uint32_t)((l * 37) % N);
    printf("%s: %s, nonzero inputs %.1f per example, %d lanes, one thread, median of %d; problem created in %.2f s "
           "(estimate uses %.2f)\n", sgdl_dtype_name(dtype), p->desc, c.nonzero, W, rep, created, SGDL_MLP_START_SECONDS);
    bench_passes(ctx, &b, &c, x0, rep);
  }
  free(x0);
  free(b.X);
  free(b.V);
  free(b.G);
  free(b.S);
  free(b.wt);
  free(b.work);
  free(b.idx);
  sgdl_problem_destroy(p);
  return rc;
}

int main(int argc, char **argv) {
  const char *data = argc > 1 ? argv[1] : "data/mnist";
  const int hidden = argc > 2 ? atoi(argv[2]) : 32;
  const long n_train = argc > 3 ? atol(argv[3]) : 512, n_test = argc > 4 ? atol(argv[4]) : 256;
  const int W = argc > 5 ? atoi(argv[5]) : 16, rep = argc > 6 ? atoi(argv[6]) : 5;
  if (W < 1 || W > SGDL_LANES || rep < 1 || rep > MAX_REP || hidden < 1) return fprintf(stderr, "usage: see the file's comment\n"), 2;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 1;
  for (int dtype = SGDL_DTYPE_F64; dtype <= SGDL_DTYPE_F32; dtype++)
    if (bench_dtype(&ctx, data, hidden, n_train, n_test, W, rep, dtype)) return 1;
  return 0;
}
