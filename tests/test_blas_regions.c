/* OpenBLAS's thread count is one count for the whole process; linalg owns it (linalg.h,
 * src/linalg/blas_threads.c). Checked here:
 *   (a) the regions' rules on one thread: a single-thread region holds the count at 1, regions
 *       nest, only the last leave restores, and sgdl_blas_threads inside a region waits for it;
 *   (b) two ensembles (one with two OpenMP threads, one with one) and a trainer (the dgemm path,
 *       batch 8), each on its own thread and context, run rounds at the same time: whenever any
 *       of them is inside its region (the progress callback of a lane team, or of a training
 *       step), openblas_get_num_threads() is 1; afterwards the count set before is back; and every
 *       result equals, bitwise, the same run alone.
 * Before linalg owned the count, each run saved and restored it around its own region, and one
 * run's restore put BLAS threads inside the other's OpenMP region (the check of (b) fails then).
 * Does not: check the numbers' laws (test_ensemble_mc, test_nn_train). */
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/linalg.h"
#include "sgdlab/nn.h"

int openblas_get_num_threads(void);

enum { ROUNDS = 6, NOBS = 2, WORKERS = 3, TRAIN_STEPS = 400 };

/* Workers running a run now, over all threads: a check made while another runs is an overlap. */
static atomic_int running;

/* What one run's progress callback saw. Written only by the run's reporting thread. */
typedef struct watch {
  int lanes_only; /* an ensemble: check only inside its lane team (its final 1.0 comes after) */
  long checks, bad, overlapped;
  int worst;      /* a count other than 1 seen inside the region */
} watch;

static void on_progress(void *user, double fraction) {
  (void)fraction;
  watch *w = user;
  if (w->lanes_only && omp_get_level() == 0) return;
  const int n = openblas_get_num_threads();
  w->checks++;
  if (atomic_load(&running) > 1) w->overlapped++;
  if (n != 1) {
    w->bad++;
    w->worst = n;
  }
}

/* ---- the ensembles: sgd and smf1 on a small logistic regression */

typedef struct ens_case {
  const char *stepper;
  uint32_t seed;
  int threads;
} ens_case;

static const ens_case ens_cases[2] = {{"sgd", 7, 2}, {"smf1", 19, 1}};

static int run_ensemble(sgdl_ctx *ctx, const sgdl_problem *p, const ens_case *c, sgdl_ensemble_result *er) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.batch = 4;
  sgdl_stepper *s = NULL;
  int rc = sgdl_stepper_create(ctx, c->stepper, p, &par, c->seed, 1, 1, &s);
  if (rc) return rc;
  const char *names[NOBS] = {"x0", "loss"};
  sgdl_observable obs[NOBS];
  for (int i = 0; i < NOBS && !rc; i++) rc = sgdl_observable_parse(ctx, names[i], p->dim, 1, &obs[i]);
  double x0[16];
  for (int i = 0; i < p->dim; i++) x0[i] = 0.1 * (i % 3);
  sgdl_ensemble_plan plan = {s, 1, x0, 2048, 40, NOBS, obs, 0, 1};
  if (!rc) rc = sgdl_ensemble_run(ctx, &plan, er);
  sgdl_stepper_destroy(s);
  return rc;
}

static int same_ensemble(const sgdl_ensemble_result *a, const sgdl_ensemble_result *b) {
  const size_t n = (size_t)a->n_obs * a->n_times;
  return a->n_obs == b->n_obs && a->n_times == b->n_times && !memcmp(a->mean, b->mean, n * sizeof *a->mean) &&
         !memcmp(a->var, b->var, n * sizeof *a->var);
}

/* ---- the trainer: heavy ball at batch 8 on a synthetic 4x4-pixel, 4-class image set */

static int synthetic_images(sgdl_ctx *ctx, sgdl_imageset *ds) {
  memset(ds, 0, sizeof *ds);
  ds->n = 256;
  ds->rows = ds->cols = 4;
  ds->dim = 16;
  ds->n_classes = 4;
  ds->images = sgdl_alloc(ctx, ds->n, (size_t)ds->dim); /* sgdl_imageset_free frees them */
  ds->labels = sgdl_alloc(ctx, ds->n, 1);
  if (!ds->images || !ds->labels) return -1;
  uint32_t h = 12345;
  for (size_t i = 0; i < ds->n; i++) {
    ds->labels[i] = (uint8_t)(i % 4);
    for (int j = 0; j < ds->dim; j++) {
      h = h * 1664525u + 1013904223u;
      ds->images[i * (size_t)ds->dim + (size_t)j] = (uint8_t)((h >> 24) / 2 + (j / 4 == (int)(i % 4) ? 120 : 0));
    }
  }
  return 0;
}

/* The trainer's weights after TRAIN_STEPS steps into params (n_params doubles). */
static int run_trainer(sgdl_ctx *ctx, const sgdl_mlp *m, const sgdl_imageset *ds, double *params) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.01;
  par.batch = 8;
  sgdl_trainer t;
  int rc = sgdl_trainer_create(ctx, &t, m, SGDL_OPT_HB, &par, 3, 0);
  if (rc) return rc;
  rc = sgdl_trainer_run(ctx, &t, ds, TRAIN_STEPS, NULL);
  if (!rc) memcpy(params, t.params, m->n_params * sizeof *params);
  sgdl_trainer_free(&t);
  return rc;
}

/* ---- the workers: each runs ROUNDS runs of its kind into its own results, checking nothing
 * itself (the CHECK counters are not thread-safe) */

typedef struct worker {
  int kind; /* 0, 1: ens_cases[kind]; 2: the trainer */
  const sgdl_problem *p;
  const sgdl_mlp *m;
  const sgdl_imageset *ds;
  watch w;
  int rc[ROUNDS];
  sgdl_ensemble_result er[ROUNDS];
  double *params[ROUNDS];
  char msg[256];
} worker;

static void *work_rounds(void *arg) {
  worker *k = arg;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = k->kind < 2 ? ens_cases[k->kind].threads : 1;
  ctx.progress = on_progress;
  ctx.progress_user = &k->w;
  k->w.lanes_only = k->kind < 2;
  for (int r = 0; r < ROUNDS; r++) {
    atomic_fetch_add(&running, 1);
    if (k->kind < 2) k->rc[r] = run_ensemble(&ctx, k->p, &ens_cases[k->kind], &k->er[r]);
    else k->rc[r] = k->params[r] ? run_trainer(&ctx, k->m, k->ds, k->params[r]) : SGDL_ENOMEM;
    atomic_fetch_sub(&running, 1);
    if (k->rc[r]) snprintf(k->msg, sizeof k->msg, "%.200s", ctx.msg);
  }
  return NULL;
}

/* (a) */
static void check_rules(int base) {
  sgdl_blas_single_enter();
  CHECK(openblas_get_num_threads() == 1, "inside a region: %d BLAS threads", openblas_get_num_threads());
  sgdl_blas_single_enter();
  sgdl_blas_single_leave();
  CHECK(openblas_get_num_threads() == 1, "after the inner leave of two nested regions: %d BLAS threads",
        openblas_get_num_threads());
  const int before = sgdl_blas_threads(base + 1);
  CHECK(before == base, "sgdl_blas_threads inside a region returned %d, not the count outside (%d)", before, base);
  CHECK(openblas_get_num_threads() == 1, "sgdl_blas_threads inside a region changed the count to %d",
        openblas_get_num_threads());
  sgdl_blas_single_leave();
  CHECK(openblas_get_num_threads() == base + 1, "the last leave restored %d, not the %d set meanwhile",
        openblas_get_num_threads(), base + 1);
  CHECK(sgdl_blas_threads(base) == base + 1, "sgdl_blas_threads outside regions: wrong previous count");
  CHECK(openblas_get_num_threads() == base, "sgdl_blas_threads outside regions: %d, not %d", openblas_get_num_threads(),
        base);
}

/* (b) */
static void check_concurrent(const sgdl_problem *p, const sgdl_mlp *m, const sgdl_imageset *ds, int base) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_ensemble_result ref[2];
  int ok = 1;
  for (int i = 0; i < 2; i++) {
    ctx.threads = ens_cases[i].threads;
    const int rc = run_ensemble(&ctx, p, &ens_cases[i], &ref[i]);
    CHECK(!rc, "%s alone: %s", ens_cases[i].stepper, ctx.msg);
    ok = ok && !rc;
  }
  double *ref_params = malloc(m->n_params * sizeof *ref_params);
  ctx.threads = 1;
  const int trc = ref_params ? run_trainer(&ctx, m, ds, ref_params) : SGDL_ENOMEM;
  CHECK(!trc, "trainer alone: %s", ctx.msg);
  CHECK(openblas_get_num_threads() == base, "after the runs alone: %d BLAS threads, not %d", openblas_get_num_threads(),
        base);
  if (!ok || trc) {
    free(ref_params);
    return;
  }
  worker *w = calloc(WORKERS, sizeof *w);
  pthread_t tid[WORKERS];
  int started[WORKERS];
  CHECK(w != NULL, "out of memory");
  if (!w) return;
  for (int i = 0; i < WORKERS; i++) {
    w[i].kind = i;
    w[i].p = p;
    w[i].m = m;
    w[i].ds = ds;
    for (int r = 0; i == 2 && r < ROUNDS; r++) w[i].params[r] = malloc(m->n_params * sizeof(double));
  }
  for (int i = 0; i < WORKERS; i++) started[i] = pthread_create(&tid[i], NULL, work_rounds, &w[i]) == 0;
  for (int i = 0; i < WORKERS; i++)
    if (started[i]) pthread_join(tid[i], NULL);
    else work_rounds(&w[i]);
  CHECK(started[0] && started[1] && started[2], "pthread_create failed: the runs went one after the other");
  CHECK(openblas_get_num_threads() == base, "after the concurrent runs: %d BLAS threads, not the %d set before",
        openblas_get_num_threads(), base);
  long overlapped = 0;
  for (int i = 0; i < WORKERS; i++) {
    const char *name = i < 2 ? ens_cases[i].stepper : "trainer";
    printf("%-8s %ld checks inside its region, %ld while another run ran, %ld with BLAS threads\n", name, w[i].w.checks,
           w[i].w.overlapped, w[i].w.bad);
    CHECK(w[i].w.checks > 0, "%s: its progress callback never ran inside its region", name);
    CHECK(w[i].w.bad == 0, "%s: %ld progress calls inside its region saw %d BLAS threads, not 1", name, w[i].w.bad,
          w[i].w.worst);
    overlapped += w[i].w.overlapped;
    for (int r = 0; r < ROUNDS; r++) {
      CHECK(!w[i].rc[r], "%s round %d beside the others: %s", name, r, w[i].msg);
      if (w[i].rc[r]) continue;
      if (i < 2) {
        CHECK(same_ensemble(&w[i].er[r], &ref[i]), "%s round %d beside the others: differs from it alone", name, r);
        sgdl_ensemble_result_free(&w[i].er[r]);
      } else {
        CHECK(!memcmp(w[i].params[r], ref_params, m->n_params * sizeof *ref_params),
              "trainer round %d beside the ensembles: weights differ from it alone", r);
      }
    }
    for (int r = 0; r < ROUNDS; r++) free(w[i].params[r]);
  }
  CHECK(overlapped > 0, "no check happened while another run ran: the test did not overlap the runs");
  free(w);
  free(ref_params);
  for (int i = 0; i < 2; i++) sgdl_ensemble_result_free(&ref[i]);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* a count other than 1 outside regions, so that a wrong restore shows */
  sgdl_blas_threads(2);
  const int base = openblas_get_num_threads();
  CHECK(base > 1, "OpenBLAS keeps %d thread(s) when asked for 2: the checks cannot tell 1 from it", base);
  check_rules(base);

  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "logreg";
  sp.gen_n = 64;
  sp.gen_d = 5;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(&ctx, &sp, &p) == 0, "logreg: %s", ctx.msg);
  sgdl_imageset ds;
  const int data = synthetic_images(&ctx, &ds) == 0;
  CHECK(data, "out of memory");
  sgdl_mlp m;
  const int hidden[1] = {8};
  const int net = sgdl_mlp_init(&ctx, &m, 16, hidden, 1, 4, SGDL_ACT_RELU) == 0;
  CHECK(net, "mlp: %s", ctx.msg);
  if (p && data && net) check_concurrent(p, &m, &ds, base);
  sgdl_imageset_free(&ds);
  sgdl_problem_destroy(p);
  printf("BLAS single-thread regions of concurrent runs: 1 thread inside every region, the count restored after\n");
  return check_done();
}
