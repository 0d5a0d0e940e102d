/* The mlp problem's fused plain-SGD step (sgd_step_lanes, src/nn/mlp_sgd_lanes.c) against the
 * path it replaces, bitwise: the unweighted grad_sum_lanes into a gradient block, the division by B
 * and x -= lr g (as sgrad.c and optim.c do them), in float64 and float32, tanh and softplus, hidden
 * widths 16 (the float32 vector loops) and 5 (their scalar fallback), B = 1, 3, 32, 70 (float32:
 * two chunks), with and without replacement, W = 1, 19, 256 lanes, on a dense image set (float32
 * chunks through sgemm) and a sparse one (the zero-skipping first layer), with lanes holding -0,
 * NaN and overflowing weights. Then whole ensembles (sgd with 1 and 2 particles, antithetic sgd,
 * sgd coupled to smf2, svag at l = 1) through the member against the same problem without it, and
 * at 1 against 2 threads: bitwise means and variances. Writes its own 8x8-pixel IDX sets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/rng.h"
#include "sgdlab/stepper.h"

enum { SIDE = 8, PIX = SIDE * SIDE, NTR = 150, NTE = 8, CLS = 4 };
static char dense_dir[128], sparse_dir[160];

static void put_be32(FILE *f, uint32_t v) {
  const unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                              (unsigned char)v};
  fwrite(b, 1, 4, f);
}

/* DIR/STEM-images-idx3-ubyte (n SIDE x SIDE images) and DIR/STEM-labels-idx1-ubyte (i mod CLS). */
static void write_pair(const char *dir, const char *stem, int n, const unsigned char *px) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, stem);
  FILE *f = fopen(path, "wb");
  put_be32(f, 0x803), put_be32(f, (uint32_t)n), put_be32(f, SIDE), put_be32(f, SIDE);
  fwrite(px, 1, (size_t)n * PIX, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, stem);
  f = fopen(path, "wb");
  put_be32(f, 0x801), put_be32(f, (uint32_t)n);
  for (int i = 0; i < n; i++) fputc(i % CLS, f);
  fclose(f);
}

/* Dense: ~85% of pixels nonzero (float32 batches go through sgemm). Sparse: ~12%, in a blob that
 * moves with the example (the zero-skipping loops; lanes light different rows). */
static void write_sets(void) {
  static unsigned char dense[NTR][PIX], sparse[NTR][PIX];
  unsigned s = 2024;
  for (int i = 0; i < NTR; i++)
    for (int j = 0; j < PIX; j++) {
      s = s * 1103515245u + 12345u;
      dense[i][j] = (s >> 16) % 7 == 0 ? 0 : (unsigned char)(1 + (s >> 20) % 255);
      const int r = j / SIDE, c = j % SIDE, r0 = i % 5, c0 = (i / 5) % 5;
      sparse[i][j] = (r >= r0 && r < r0 + 3 && c >= c0 && c < c0 + 3 && (s >> 18) % 3) ? (unsigned char)(20 + (s >> 22) % 230) : 0;
    }
  snprintf(dense_dir, sizeof dense_dir, "/tmp/sgdl_test_sgdlanes_%d", (int)getpid());
  snprintf(sparse_dir, sizeof sparse_dir, "%s/sparse", dense_dir);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", sparse_dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  write_pair(dense_dir, "train", NTR, &dense[0][0]);
  write_pair(dense_dir, "t10k", NTE, &dense[0][0]);
  write_pair(sparse_dir, "train", NTR, &sparse[0][0]);
  write_pair(sparse_dir, "t10k", NTE, &sparse[0][0]);
}

static sgdl_problem *make(const char *data, int hidden, int act, int dtype) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  static int h[1];
  h[0] = hidden;
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = data;
  sp.n_train = NTR;
  sp.n_test = NTE;
  sp.hidden = h;
  sp.n_hidden = 1;
  sp.act = act;
  sp.seed = 7;
  sp.dtype = dtype;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(&ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx.msg);
  return p;
}

/* The lanes: the default start moved per lane; lane 3 with -0 in its first-layer weights, lane 5
 * with weights of 1e30 (the forward pass overflows: NaN and Inf everywhere), lane 7 with a NaN. */
static void fill_block(const sgdl_problem *p, int W, double *X, double *x) {
  const int d = p->dim;
  for (int l = 0; l < W; l++) {
    sgdl_problem_default_x0(p, 11 + (uint32_t)l, x);
    for (int i = 0; i < d; i++) {
      double v = x[i] + 0.05 * sin(0.9 * i + 1.7 * l);
      if (l == 3 && i % 3 == 0 && i < PIX * 5) v = -0.0;
      if (l == 5) v = 1e30 * (i % 2 ? 1 : -1);
      if (l == 7 && i == 9) v = NAN;
      X[(size_t)i * W + l] = v;
    }
  }
}

/* One step through sgd_step_lanes against grad_sum_lanes, / B, x -= lr g: 1 if bitwise equal. */
static int step_matches(const sgdl_problem *p, int W, int B, int without, uint64_t step) {
  const int d = p->dim;
  const double lr = 0.37;
  double *X = malloc(sizeof(double) * d * W), *Xr = malloc(sizeof(double) * d * W);
  double *G = malloc(sizeof(double) * d * W), *x = malloc(sizeof(double) * d);
  double *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p));
  uint32_t *idx = malloc(sizeof(uint32_t) * B * W);
  fill_block(p, W, X, x);
  memcpy(Xr, X, sizeof(double) * d * W);
  sgdl_rng_indices(99, 0, W, step, 5, NTR, (uint32_t)B, without, idx);
  p->type->grad_sum_lanes(p, W, Xr, B, idx, NULL, G, work);
  for (size_t i = 0; i < (size_t)d * W; i++) G[i] /= B;
  for (size_t i = 0; i < (size_t)d * W; i++) Xr[i] -= lr * G[i];
  p->type->sgd_step_lanes(p, W, X, B, idx, lr, work);
  const int same = !memcmp(X, Xr, sizeof(double) * d * W);
  fill_block(p, W, G, x); /* the start again: the step moved an ordinary lane */
  int moved = 0;
  for (int i = 0; i < d && W > 1; i++) moved |= X[(size_t)i * W + 1] != G[(size_t)i * W + 1];
  free(X), free(Xr), free(G), free(x), free(work), free(idx);
  return same && (W == 1 || moved);
}

static void check_steps(void) {
  const int Ws[3] = {1, 19, 256}, Bs[4] = {1, 3, 32, 70};
  int runs = 0;
  for (int dtype = SGDL_DTYPE_F64; dtype <= SGDL_DTYPE_F32; dtype++)
    for (int act = SGDL_ACT_TANH; act <= SGDL_ACT_SOFTPLUS; act += SGDL_ACT_SOFTPLUS - SGDL_ACT_TANH)
      for (int set = 0; set < 2; set++) {
        sgdl_problem *p = make(set ? sparse_dir : dense_dir, set ? 16 : 5, act, dtype);
        CHECK(p && p->type->sgd_step_lanes, "mlp problem with sgd_step_lanes");
        if (!p) continue;
        for (int wi = 0; wi < 3; wi++)
          for (int bi = 0; bi < 4; bi++)
            for (int without = 0; without < 2; without++) {
              CHECK(step_matches(p, Ws[wi], Bs[bi], without, (uint64_t)(wi * 8 + bi)),
                    "%s %s %s W %d B %d %s: fused step differs from grad_sum_lanes, / B, x -= lr g",
                    dtype ? "float32" : "float64", sgdl_act_name(act), set ? "sparse" : "dense", Ws[wi], Bs[bi],
                    without ? "without" : "with");
              runs++;
            }
        sgdl_problem_destroy(p);
      }
  printf("fused sgd step: %d configurations bitwise the three passes\n", runs);
}

/* Means and variances of x0, a first-layer weight, norm2 and the loss after K steps of the named
 * stepper kind at `threads` threads; malloc'ed [2][n_obs][K + 1]. */
enum { K = 3, PATHS = 300, NOBS = 4 };
static double *ensemble(const sgdl_problem *p, const char *kind, int B, int without, int threads) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.2;
  par.batch = B;
  par.without_replacement = without;
  par.svag_l = 1;
  par.substeps = 2;
  sgdl_stepper *st = NULL;
  int P = 1, rc;
  if (!strcmp(kind, "pair")) {
    rc = sgdl_stepper_create_pair(&ctx, "sgd", "smf2", p, &par, 4242, 1, 1, &st);
    P = 2;
  } else if (!strcmp(kind, "anti")) {
    sgdl_stepper *inner = NULL;
    rc = sgdl_stepper_create(&ctx, "sgd", p, &par, 4242, 1, 1, &inner);
    if (!rc) rc = sgdl_stepper_create_antithetic(&ctx, inner, NULL, &st);
    P = 2;
  } else if (!strcmp(kind, "sgd2")) {
    rc = sgdl_stepper_create(&ctx, "sgd", p, &par, 4242, 1, 2, &st);
    P = 2;
  } else
    rc = sgdl_stepper_create(&ctx, kind, p, &par, 4242, 1, 1, &st);
  CHECK(rc == 0, "stepper %s: %s", kind, ctx.msg);
  if (rc) return NULL;
  const char *names[NOBS] = {"x0", "x40", "norm2", "loss"};
  sgdl_observable obs[NOBS];
  for (int k = 0; k < NOBS; k++) CHECK(sgdl_observable_parse(&ctx, names[k], p->dim, P, &obs[k]) == 0, "obs");
  if (P == 2) obs[2].p = 1; /* norm2 of the second particle (the model, the mirror or particle 1) */
  double *x0 = malloc(sizeof(double) * P * p->dim);
  for (int q = 0; q < P; q++) sgdl_problem_default_x0(p, 5, x0 + (size_t)q * p->dim);
  sgdl_ensemble_plan plan = {st, P, x0, PATHS, K, NOBS, obs, 0, 1};
  sgdl_ensemble_result er;
  rc = sgdl_ensemble_run(&ctx, &plan, &er);
  CHECK(rc == 0, "run %s: %s", kind, ctx.msg);
  sgdl_stepper_destroy(st);
  free(x0);
  if (rc) return NULL;
  const size_t n = (size_t)NOBS * (K + 1);
  double *out = malloc(sizeof(double) * 2 * n);
  memcpy(out, er.mean, sizeof(double) * n);
  memcpy(out + n, er.var, sizeof(double) * n);
  sgdl_ensemble_result_free(&er);
  return out;
}

static void check_ensembles(int dtype) {
  sgdl_problem *p = make(sparse_dir, 16, SGDL_ACT_TANH, dtype);
  if (!p) return;
  sgdl_problem_type plain_type = *p->type;
  plain_type.sgd_step_lanes = NULL;
  sgdl_problem plain = *p; /* shares impl; never destroyed */
  plain.type = &plain_type;
  const char *kinds[] = {"sgd", "sgd2", "anti", "pair", "svag"};
  const int Bs[3] = {1, 3, 32};
  const size_t n = 2 * (size_t)NOBS * (K + 1);
  for (int k = 0; k < 5; k++)
    for (int bi = 0; bi < 3; bi++)
      for (int without = 0; without < 2; without++) {
        if (!strcmp(kinds[k], "pair") && Bs[bi] > 1 && !without) continue; /* no coupling: i.i.d. batches */
        double *fused = ensemble(p, kinds[k], Bs[bi], without, 2), *ref = ensemble(&plain, kinds[k], Bs[bi], without, 2);
        double *one = ensemble(p, kinds[k], Bs[bi], without, 1);
        if (!fused || !ref || !one) {
          free(fused), free(ref), free(one);
          continue;
        }
        CHECK(!memcmp(fused, ref, sizeof(double) * n), "%s dtype %d B %d %s: ensemble through sgd_step_lanes differs",
              kinds[k], dtype, Bs[bi], without ? "without" : "with");
        CHECK(!memcmp(fused, one, sizeof(double) * n), "%s dtype %d B %d %s: 1 and 2 threads differ", kinds[k], dtype,
              Bs[bi], without ? "without" : "with");
        CHECK(isfinite(fused[K]) && fused[2 * (K + 1) + K] != fused[2 * (K + 1)], "%s: norm2 did not move", kinds[k]);
        if (bi == 0 && !without)
          printf("%s dtype %d: fused = three passes, 1 = 2 threads (bitwise); norm2 %.6f -> %.6f\n", kinds[k], dtype,
                 fused[2 * (K + 1)], fused[2 * (K + 1) + K]);
        free(fused), free(ref), free(one);
      }
  sgdl_problem_destroy(p);
}

int main(void) {
  write_sets();
  check_steps();
  check_ensembles(SGDL_DTYPE_F64);
  check_ensembles(SGDL_DTYPE_F32);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dense_dir);
  if (system(cmd)) fprintf(stderr, "cleanup failed\n");
  return check_done();
}
