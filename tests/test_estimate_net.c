/* The mlp cost estimate's counted work (sgdlab/mlp_cost.h, sgdl_estimate_study_net): the
 * multiply-adds per pass of a tiny network in both dtypes, and the lane-examples, lane-vectors,
 * lane-runs and normals of three studies, each against figures worked out by hand from what the
 * members run (README example (a)'s shape: sme1 and smf2 under Talay-Tubaro, smf2 coupled, svag at
 * l = 4, two held-out observables; gf coupled under Heun with the loss observable and B = 2 over
 * two blocks of lanes; antithetic sme2). Pins the counts, not any timing: a change to them is
 * deliberate. Also: another problem counts nothing, the seconds spread over min(threads, blocks),
 * and sgdl_estimate_check refuses past ctx->max_seconds naming --max-hours. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/study_estimate.h"
#include "tiny_idx.h"

enum { NTR = 12, NTE = 6, PIX = 4, CLS = 3 };
static char dir[128];

/* 12 training images with one nonzero pixel each (nz = 1: the float32 passes skip zeros), 6 test. */
static void write_data(void) {
  unsigned char tr[NTR][PIX], te[NTE][PIX];
  snprintf(dir, sizeof dir, "/tmp/sgdl_test_estimate_net_%d", (int)getpid());
  char cmd[160];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  memset(tr, 0, sizeof tr);
  for (int i = 0; i < NTR; i++) tr[i][i % PIX] = (unsigned char)(40 + 10 * i);
  for (int i = 0; i < NTE; i++)
    for (int j = 0; j < PIX; j++) te[i][j] = (unsigned char)(17 * i + 5 * j);
  tiny_idx_write_pair(dir, "train", NTR, &tr[0][0], CLS);
  tiny_idx_write_pair(dir, "t10k", NTE, &te[0][0], CLS);
}

/* 4-3-3 tanh: d = 4*3 + 3 + 3*3 + 3 = 27. */
static sgdl_problem *make(sgdl_ctx *ctx, int dtype) {
  static const int hidden[1] = {3};
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = dir;
  sp.n_train = NTR;
  sp.n_test = NTE;
  sp.hidden = hidden;
  sp.n_hidden = 1;
  sp.dtype = dtype;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx->msg);
  return p;
}

/* F = 4*3 = 12, Fz = 1*3 = 3, H = 3*3 = 9; float32's batched passes take Fz (1 nonzero input of 4: 3 x 1 <= 4). */
static void check_pass_counts(const sgdl_problem *p64, const sgdl_problem *p32) {
  sgdl_mlp_cost c;
  CHECK(sgdl_mlp_problem_cost(p64, &c) == SGDL_OK && c.dtype == SGDL_DTYPE_F64, "float64 mlp counted");
  CHECK(c.n_train == NTR && c.n_test == NTE && c.nonzero == 1, "sizes %g %g, nonzero %g", c.n_train, c.n_test, c.nonzero);
  const double f64[SGDL_MLP_N_PASSES] = {72, 51, 117, 33, 21, 21}; /* 3F+4H, 2F+3H, 3F+9H, 2Fz+3H, F+H, F+H */
  for (int q = 0; q < SGDL_MLP_N_PASSES; q++)
    CHECK(c.madds[q] == f64[q], "float64 %s: %g madds, expected %g", sgdl_mlp_pass_name(q), c.madds[q], f64[q]);
  CHECK(sgdl_mlp_problem_cost(p32, &c) == SGDL_OK && c.dtype == SGDL_DTYPE_F32, "float32 mlp counted");
  const double f32[SGDL_MLP_N_PASSES] = {45, 33, 90, 33, 21, 12}; /* F1 = Fz in the batched passes */
  for (int q = 0; q < SGDL_MLP_N_PASSES; q++)
    CHECK(c.madds[q] == f32[q], "float32 %s: %g madds, expected %g", sgdl_mlp_pass_name(q), c.madds[q], f32[q]);
  for (int q = 0; q < SGDL_MLP_N_PASSES; q++)
    CHECK(sgdl_mlp_pass_rate(SGDL_DTYPE_F32, q) > 0 && sgdl_mlp_pass_fixed_ns(SGDL_DTYPE_F64, q) >= 0, "rates of %s",
          sgdl_mlp_pass_name(q));
}

static void expect_net(const sgdl_estimate_net *n, const double ex[SGDL_MLP_N_PASSES], double vectors, double run0,
                       double run1, double normals, double parallel, const char *what) {
  for (int q = 0; q < SGDL_MLP_N_PASSES; q++)
    CHECK(n->examples[q] == ex[q], "%s: %s lane-examples %g, expected %g", what, sgdl_mlp_pass_name(q), n->examples[q], ex[q]);
  CHECK(n->vectors == vectors, "%s: lane-vectors %g, expected %g", what, n->vectors, vectors);
  CHECK(n->run_weights[0] == run0 && n->run_weights[1] == run1, "%s: lane-run weights %g, %g, expected %g, %g", what,
        n->run_weights[0], n->run_weights[1], run0, run1);
  CHECK(n->normals == normals, "%s: normals %g, expected %g", what, n->normals, normals);
  CHECK(n->parallel == parallel, "%s: parallel %g, expected %g", what, n->parallel, parallel);
  CHECK(n->cpu_seconds > 0, "%s: seconds counted", what);
}

/* A study spec over problem p: the fields every case sets (par at its defaults). */
static sgdl_study_spec spec_of(const sgdl_problem *p, const char *const *models, int n_models, const double *lrs, int n_lr, double T,
                               int P, double *x0, sgdl_observable *obs, int n_obs, uint64_t paths) {
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.n_models = n_models;
  sp.models = models;
  sp.n_lr = n_lr;
  sp.lrs = lrs;
  sp.T = T;
  sp.P = P;
  sp.x0 = x0;
  sp.n_obs = n_obs;
  sp.obs = obs;
  sp.paths = paths;
  sgdl_algo_params_init(&sp.par);
  return sp;
}

/* README example (a)'s study at 16 paths: lr 0.2 .. 0.025 over T = 0.2 (K = 1, 2, 4, 8: 15 steps,
 * 19 outputs), tt with 8 substeps (runs at 8 and 16), sme1 plain, smf2 coupled, svag l = 4. */
static void check_example_a(sgdl_ctx *ctx, const sgdl_problem *p) {
  const char *models[3] = {"sme1", "smf2", "svag"};
  const double lrs[4] = {0.2, 0.1, 0.05, 0.025};
  sgdl_observable obs[2];
  CHECK(!sgdl_observable_parse_for(ctx, "test_loss", p, 1, &obs[0]) && !sgdl_observable_parse_for(ctx, "test_error", p, 1, &obs[1]),
        "observables");
  double *x0 = calloc((size_t)p->dim, sizeof *x0);
  sgdl_study_spec sp = spec_of(p, models, 3, lrs, 4, 0.2, 1, x0, obs, 2, 16);
  sp.par.substeps = 8;
  sp.par.svag_l = 4;
  sp.talay_tubaro = 1;
  sp.coupling = 1;
  sgdl_estimate_net n;
  CHECK(sgdl_estimate_study_net(&sp, &n) == 1, "example (a) counted");
  const double d = 27, subs = 16.0 * 15 * 24; /* lanes x steps x (8 + 16) substeps, per model */
  /* fused: sme1 and smf2, N = 12 per substep; hvp: smf2; sample: SGD, smf2's two coupled halves,
   * svag 4 x 2 draws; observe: 8 observed halves (SGD, sme1 x 2, smf2 x 2 x 2, svag) x 16 x 19
   * outputs x 2 observables x 6 test examples */
  const double ex[SGDL_MLP_N_PASSES] = {2 * subs * 12, 0, subs * 12, 16.0 * 15 * (1 + 2 + 8), 8.0 * 16 * 19 * 2 * 6, 0};
  /* SGD 3 per step, sme1 and smf2 2 per substep, the coupled halves 3 per step, svag 4 x (2 + 2) */
  const double vec = 3 * 240.0 + 2 * 2 * subs + 2 * 3 * 240.0 + 240.0 * 4 * 4;
  /* normals: sme1's and the flow's N per substep, the coupled halves' N-entry selections */
  expect_net(&n, ex, vec, 256 * d, 256 * d, 2 * subs * 12 + 2 * 240.0 * 12, 1, "example (a)");
  /* float32: the same counts, other multiply-adds */
  sgdl_mlp_cost c;
  sgdl_mlp_problem_cost(p, &c);
  CHECK(n.madds == ex[0] * c.madds[0] + ex[2] * c.madds[2] + ex[3] * c.madds[3] + ex[4] * c.madds[4], "madds %g", n.madds);
  /* the estimate: its seconds are the counted ones on one busy thread (16 paths: one block) */
  sgdl_estimate e;
  sgdl_estimate_study(&sp, &e);
  ctx->threads = 2;
  CHECK(e.net.cpu_seconds == n.cpu_seconds && fabs(sgdl_estimate_seconds(ctx, &e) - n.cpu_seconds) < 1e-12 * n.cpu_seconds,
        "seconds on one busy thread: %g vs %g", sgdl_estimate_seconds(ctx, &e), n.cpu_seconds);
  /* --max-hours: refused past the limit, the message naming the flag and the work */
  ctx->max_seconds = 0.5 * n.cpu_seconds;
  CHECK(sgdl_estimate_check(ctx, &e) == SGDL_EINVAL && strstr(ctx->msg, "--max-hours") && strstr(ctx->msg, "--paths 16") &&
            strstr(ctx->msg, "network multiply-adds"),
        "refusal: %s", ctx->msg);
  ctx->max_seconds = 2 * n.cpu_seconds;
  CHECK(sgdl_estimate_check(ctx, &e) == SGDL_OK, "within the limit: %s", ctx->msg);
  ctx->max_seconds = 0;
  free(x0);
}

/* gf (no noise: grad L per substep) under Heun (a second grad L), coupled (its SGD half draws its
 * own minibatches), B = 2, the loss observable, lr 0.1 over T = 0.3 (K = 3, 4 outputs), 300 paths:
 * two blocks of lanes. */
static void check_gf_heun(sgdl_ctx *ctx, const sgdl_problem *p) {
  const char *models[1] = {"gf"};
  const double lrs[1] = {0.1};
  sgdl_observable obs;
  CHECK(!sgdl_observable_parse_for(ctx, "loss", p, 1, &obs), "loss observable");
  double *x0 = calloc((size_t)p->dim, sizeof *x0);
  sgdl_study_spec sp = spec_of(p, models, 1, lrs, 1, 0.3, 1, x0, &obs, 1, 300);
  sp.par.batch = 2;
  sp.par.scheme = SGDL_SCHEME_HEUN;
  sp.coupling = 1;
  sgdl_estimate_net n;
  CHECK(sgdl_estimate_study_net(&sp, &n) == 1, "gf counted");
  const double d = 27;
  /* grad: 900 lane-substeps x 12 twice (Heun); sample: SGD and the coupled half, 900 x B; loss: 3
   * observed halves x 300 x 4 outputs x 12 */
  const double ex[SGDL_MLP_N_PASSES] = {0, 2 * 900.0 * 12, 0, 2 * 900.0 * 2, 0, 3 * 300.0 * 4 * 12};
  expect_net(&n, ex, 3 * 900.0 + 2 * 900.0 + 3 * 900.0, 600 * d, 300 * d, 0, 2, "gf heun");
  sgdl_estimate e;
  sgdl_estimate_study(&sp, &e);
  const int threads[3] = {1, 2, 4};
  const double busy[3] = {1, 2, 2}; /* two blocks: at most two threads share a run */
  for (int i = 0; i < 3; i++) {
    ctx->threads = threads[i];
    const double s = sgdl_estimate_seconds(ctx, &e);
    CHECK(fabs(s - n.cpu_seconds / busy[i]) < 1e-12 * s, "%d threads: %g s, expected %g", threads[i], s, n.cpu_seconds / busy[i]);
  }
  free(x0);
}

/* Antithetic sme2 (EM, 2 substeps, not coupled), P = 2 particles, 8 paths: 4 pair replicas, lanes
 * 8 x 2 = 16; modified drift: a Hessian product beside each fused pass; lr 0.5 over T = 1 (K = 2). */
static void check_sme2_antithetic(sgdl_ctx *ctx, const sgdl_problem *p) {
  const char *models[1] = {"sme2"};
  const double lrs[1] = {0.5};
  sgdl_observable obs;
  CHECK(!sgdl_observable_parse_for(ctx, "train_error", p, 2, &obs), "train_error observable");
  double *x0 = calloc(2 * (size_t)p->dim, sizeof *x0);
  sgdl_study_spec sp = spec_of(p, models, 1, lrs, 1, 1, 2, x0, &obs, 1, 8);
  sp.variance_reduction = SGDL_VR_ANTITHETIC;
  sp.par.substeps = 2;
  sp.coupling = 1;
  sgdl_estimate_net n;
  CHECK(sgdl_estimate_study_net(&sp, &n) == 1, "sme2 counted");
  const double d = 27, subs = 16.0 * 2 * 2; /* lanes x K x substeps */
  /* sample: SGD's 16 lanes x 2 steps; observe (train_error, the 12 training examples): 2 halves x
   * 8 paths x 3 outputs x 12 */
  const double ex[SGDL_MLP_N_PASSES] = {subs * 12, 0, subs * 12, 32, 2 * 8.0 * 3 * 12, 0};
  expect_net(&n, ex, 3 * 32.0 + 2 * subs, 16 * d, 16 * d, subs * 12, 1, "sme2 antithetic");
  /* not a network, or --exact: nothing counted */
  sp.exact = 1;
  CHECK(sgdl_estimate_study_net(&sp, &n) == 0 && n.cpu_seconds == 0 && n.examples[0] == 0, "--exact counts no passes");
  sgdl_problem_spec ps;
  sgdl_problem_spec_init(&ps);
  ps.name = "double-well";
  sgdl_problem *dw = NULL;
  CHECK(sgdl_problem_create(ctx, &ps, &dw) == SGDL_OK, "double-well");
  sp.exact = 0;
  sp.prob = dw;
  sp.P = 1;
  CHECK(sgdl_estimate_study_net(&sp, &n) == 0 && n.cpu_seconds == 0, "double-well counts no passes");
  sgdl_mlp_cost c;
  CHECK(sgdl_mlp_problem_cost(dw, &c) == SGDL_ENOTSUP, "not an mlp");
  sgdl_problem_destroy(dw);
  free(x0);
}

int main(void) {
  write_data();
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p64 = make(&ctx, SGDL_DTYPE_F64), *p32 = make(&ctx, SGDL_DTYPE_F32);
  CHECK(p64 && p32 && p64->dim == 27, "4-3-3 networks");
  if (p64 && p32) {
    check_pass_counts(p64, p32);
    check_example_a(&ctx, p32);
    check_gf_heun(&ctx, p64);
    check_sme2_antithetic(&ctx, p64);
  }
  sgdl_problem_destroy(p64);
  sgdl_problem_destroy(p32);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) fprintf(stderr, "cleanup failed\n");
  return check_done();
}
