/* The mlp problem (sgdlab/mlp_problem.h) on a tiny IDX set this test writes itself (2x2 pixel
 * images, 3 classes): finite-difference checks of gradient, per-sample gradients and Hessian-vector
 * products for every activation and both losses; the batched lane kernel against grad_sample
 * (bitwise without weights); the named observables; --init files (matching and of another
 * architecture); the fused grad_and_sum_lanes against its two separate calls, and SME1 / SMF2
 * ensembles with and without it (bitwise, float64 and float32); hvp_lanes against hvp lane by lane
 * (bitwise), float32 Hessian products against float64 ones (dense and sparse inputs, several chunks),
 * SMF2 ensembles with and without hvp_lanes (bitwise, both dtypes); and, with no hidden layer and squared error (linear least squares), the Monte Carlo
 * law of SGD and SME1 against the linreg problem on the same features and one class's targets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/nn_internal.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/moments.h"
#include "sgdlab/rng.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/stepper.h"
#include "tiny_idx.h"

enum { NTR = 12, NTE = 6, PIX = 4, CLS = 3 };
static unsigned char px_train[NTR][PIX], px_test[NTE][PIX];
static char dir[128];

static void write_data(void) {
  snprintf(dir, sizeof dir, "/tmp/sgdl_test_mlp_%d", (int)getpid());
  char cmd[160];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  unsigned s = 12345;
  for (int i = 0; i < NTR; i++)
    for (int j = 0; j < PIX; j++) px_train[i][j] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16) % 7 == 0 ? 0 : (s >> 20) & 255;
  for (int i = 0; i < NTE; i++)
    for (int j = 0; j < PIX; j++) px_test[i][j] = (unsigned char)((s = s * 1103515245u + 12345u) >> 20);
  tiny_idx_write_pair(dir, "train", NTR, &px_train[0][0], CLS);
  tiny_idx_write_pair(dir, "t10k", NTE, &px_test[0][0], CLS);
}

static sgdl_problem *make_full(sgdl_ctx *ctx, const int *hidden, int nh, int act, int loss, const char *init, int dtype) {
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = dir;
  sp.n_train = NTR;
  sp.n_test = NTE;
  sp.hidden = hidden;
  sp.n_hidden = nh;
  sp.act = act;
  sp.loss = loss;
  sp.seed = 3;
  sp.init = init;
  sp.dtype = dtype;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx->msg);
  return p;
}

static sgdl_problem *make(sgdl_ctx *ctx, const int *hidden, int nh, int act, int loss, const char *init) {
  return make_full(ctx, hidden, nh, act, loss, init, SGDL_DTYPE_F64);
}

static sgdl_problem *make_dtype(sgdl_ctx *ctx, const int *hidden, int nh, int act, int loss, int dtype) {
  return make_full(ctx, hidden, nh, act, loss, NULL, dtype);
}

/* FD checks at the initialisation moved a little (biases away from 0). */
static void check_derivatives(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int h1[1] = {3}, h2[2] = {3, 2};
  for (int act = 0; act < 4; act++)
    for (int loss = 0; loss < 2; loss++)
      for (int depth = 0; depth < 3; depth++) {
        sgdl_problem *p = make(&ctx, depth == 2 ? h2 : h1, depth, act, loss, NULL);
        CHECK(p != NULL, "create act %d loss %d depth %d", act, loss, depth);
        if (!p) continue;
        double *x = malloc(sizeof(double) * p->dim), err[4];
        sgdl_problem_default_x0(p, 3, x);
        for (int i = 0; i < p->dim; i++) x[i] += 0.1 * sin(1.7 * i + act);
        int rc = sgdl_problem_check(&ctx, p, x, 1e-6, err);
        CHECK(rc == 0, "%s %s depth %d: %s (grad %.2g hvp %.2g sample %.2g mean %.2g)", sgdl_act_name(act),
              sgdl_loss_name(loss), depth, ctx.msg, err[0], err[1], err[2], err[3]);
        free(x);
        sgdl_problem_destroy(p);
      }
}

/* grad_sum_lanes: without weights bitwise the sum of grad_sample; with idx and weights, the weighted sum.
 * W lanes: fewer than one group of lanes (mlp_problem.c's LANE_GROUP), or a group and a part. */
static void check_lanes(int W) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int h[1] = {5};
  sgdl_problem *p = make(&ctx, h, 1, SGDL_ACT_SOFTPLUS, SGDL_LOSS_CE, NULL);
  const int d = p->dim, nb = 7;
  double *X = malloc(sizeof(double) * d * W), *out = malloc(sizeof(double) * d * W), *x = malloc(sizeof(double) * d);
  double *g = malloc(sizeof(double) * d), *ref = calloc((size_t)d, sizeof(double));
  double *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p)), wt[7 * 19];
  uint32_t idx[7 * 19];
  for (int l = 0; l < W; l++) {
    sgdl_problem_default_x0(p, 10 + l, x);
    for (int i = 0; i < d; i++) X[i * W + l] = x[i];
  }
  for (int b = 0; b < nb * W; b++) idx[b] = (uint32_t)((b * 5 + 1) % NTR), wt[b] = 0.3 + 0.1 * b;
  p->type->grad_sum_lanes(p, W, X, NTR, NULL, NULL, out, work);
  int bitwise = 1;
  double werr = 0;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l], ref[i] = 0;
    for (int n = 0; n < NTR; n++) {
      p->type->grad_sample(p, x, (size_t)n, g);
      for (int i = 0; i < d; i++) ref[i] += g[i];
    }
    for (int i = 0; i < d; i++) bitwise &= out[i * W + l] == ref[i];
  }
  CHECK(bitwise, "unweighted grad_sum_lanes is not bitwise the sum of grad_sample");
  p->type->grad_sum_lanes(p, W, X, nb, idx, wt, out, work);
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l], ref[i] = 0;
    for (int b = 0; b < nb; b++) {
      p->type->grad_sample(p, x, idx[b * W + l], g);
      for (int i = 0; i < d; i++) ref[i] += wt[b * W + l] * g[i];
    }
    for (int i = 0; i < d; i++) werr = fmax(werr, fabs(out[i * W + l] - ref[i]));
  }
  CHECK(werr < 1e-12, "weighted grad_sum_lanes off by %.3g", werr);
  free(X), free(out), free(x), free(g), free(ref), free(work);
  sgdl_problem_destroy(p);
}

static void check_observables_and_init(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int h3[1] = {3}, h4[1] = {4};
  sgdl_problem *p = make(&ctx, h3, 1, SGDL_ACT_RELU, SGDL_LOSS_CE, NULL);
  CHECK(p->hvp_caveat != NULL, "relu network without hvp caveat");
  sgdl_observable o[4];
  CHECK(sgdl_observable_parse_for(&ctx, "test_error@0", p, 1, &o[0]) == 0, "parse test_error@0: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "test_loss", p, 1, &o[1]) == 0, "parse test_loss: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "dist2_init", p, 1, &o[2]) == 0, "parse dist2_init: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "grad_norm2", p, 1, &o[3]) == 0, "parse grad_norm2: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "bogus", p, 1, &o[0]) != 0 && strstr(ctx.msg, "test_loss"),
        "unknown name should list the problem's: %s", ctx.msg);
  CHECK(sgdl_observable_parse_for(&ctx, "test_loss@1", p, 1, &o[0]) != 0, "particle 1 of 1 accepted");
  double *x = malloc(sizeof(double) * p->dim), *g = malloc(sizeof(double) * p->dim), vals[1], xs[512];
  sgdl_problem_default_x0(p, 3, x);
  const double e = p->type->observe(p, 1, x);
  CHECK(e >= 0 && e <= 1 && fabs(e * NTE - round(e * NTE)) < 1e-12, "test_error %g is not k/%d", e, NTE);
  CHECK(p->type->observe(p, 3, x) == 0, "dist2_init at the start");
  sgdl_observable_eval_lanes(&o[3], p, p->dim, 1, 1, x, vals, xs);
  p->type->grad(p, x, g);
  double n2 = 0;
  for (int i = 0; i < p->dim; i++) n2 += g[i] * g[i];
  CHECK_REL(vals[0], n2, 1e-14, "grad_norm2");
  /* a weights file of the same architecture is the starting point; another one is an error */
  sgdl_mlp m;
  sgdl_mlp_init(&ctx, &m, PIX, h4, 1, CLS, SGDL_ACT_RELU);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.1;
  par.batch = 1;
  sgdl_trainer t;
  CHECK(sgdl_trainer_create(&ctx, &t, &m, SGDL_OPT_SGD, &par, 9, 0) == 0, "trainer: %s", ctx.msg);
  char wpath[200];
  snprintf(wpath, sizeof wpath, "%s/w.bin", dir);
  CHECK(sgdl_weights_save(&ctx, wpath, &t) == 0, "save: %s", ctx.msg);
  sgdl_problem *q = make(&ctx, h3, 1, SGDL_ACT_RELU, SGDL_LOSS_CE, wpath);
  CHECK(q == NULL && strstr(ctx.msg, wpath) && strstr(ctx.msg, "4-4-3 relu") && strstr(ctx.msg, "4-3-3 relu"),
        "architecture mismatch message: %s", ctx.msg);
  q = make(&ctx, h4, 1, SGDL_ACT_RELU, SGDL_LOSS_CE, wpath);
  CHECK(q != NULL, "matching --init: %s", ctx.msg);
  if (q) {
    double *y = malloc(sizeof(double) * q->dim);
    sgdl_problem_default_x0(q, 77, y);
    CHECK(!memcmp(y, t.params, sizeof(double) * q->dim), "--init weights are not the default start");
    free(y);
    sgdl_problem_destroy(q);
  }
  sgdl_trainer_free(&t);
  free(x), free(g);
  sgdl_problem_destroy(p);
}

/* linreg on [pixels, 1] with target 1{y == k}: the law of class k's coordinates under squared error. */
static sgdl_problem *linreg_class(sgdl_ctx *ctx, int k) {
  char path[200];
  snprintf(path, sizeof path, "%s/class.csv", dir);
  FILE *f = fopen(path, "w");
  for (int i = 0; i < NTR; i++) {
    for (int j = 0; j < PIX; j++) fprintf(f, "%.17g,", px_train[i][j] * (1.0 / 255.0));
    fprintf(f, "1,%d\n", i % CLS == k);
  }
  fclose(f);
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "linreg";
  sp.data_path = path;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

static void run(sgdl_problem *p, const char *model, const double *x0, const sgdl_observable *obs, int nobs,
                uint64_t K, uint64_t paths, sgdl_ensemble_result *er) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.3;
  par.batch = 1;
  par.substeps = 4;
  par.scheme = SGDL_SCHEME_EM;
  sgdl_stepper *st = NULL;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 4242, 1, 1, &st) == 0, "stepper %s: %s", model, ctx.msg);
  sgdl_ensemble_plan plan = {st, 1, x0, paths, K, nobs, obs, 0, 1};
  CHECK(sgdl_ensemble_run(&ctx, &plan, er) == 0, "run %s: %s", model, ctx.msg);
  sgdl_stepper_destroy(st);
}

/* The fused grad_and_sum_lanes (one forward and backward per chunk, two weight-gradient products)
 * against grad_lanes and the weighted grad_sum_lanes over all N examples: bitwise in float64 and
 * float32 (both chunk the set alike and round alike); grad_lanes bitwise grad lane by lane. */
static void check_fused_lanes(int W, int dtype) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int h[1] = {5};
  sgdl_problem *p = make_dtype(&ctx, h, 1, SGDL_ACT_TANH, SGDL_LOSS_CE, dtype);
  const int d = p->dim;
  double *X = malloc(sizeof(double) * d * W), *G = malloc(sizeof(double) * d * W), *S = malloc(sizeof(double) * d * W);
  double *G2 = malloc(sizeof(double) * d * W), *S2 = malloc(sizeof(double) * d * W), *x = malloc(sizeof(double) * d);
  double *g = malloc(sizeof(double) * d), *wt = malloc(sizeof(double) * NTR * W);
  double *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p));
  for (int l = 0; l < W; l++) {
    sgdl_problem_default_x0(p, 40 + l, x);
    for (int i = 0; i < d; i++) X[i * W + l] = x[i] + 0.01 * ((i * 7 + l) % 5);
  }
  for (int b = 0; b < NTR * W; b++) wt[b] = sin(0.37 * b + 0.1);
  CHECK(p->type->grad_and_sum_lanes && p->type->grad_lanes_exact, "mlp has no fused exact lane kernels");
  p->type->grad_and_sum_lanes(p, W, X, wt, G, S, work);
  p->type->grad_lanes(p, W, X, G2);
  p->type->grad_sum_lanes(p, W, X, NTR, NULL, wt, S2, work);
  CHECK(!memcmp(G, G2, sizeof(double) * d * W), "W %d dtype %d: fused grad L is not bitwise grad_lanes", W, dtype);
  CHECK(!memcmp(S, S2, sizeof(double) * d * W), "W %d dtype %d: fused sum is not bitwise grad_sum_lanes", W, dtype);
  int exact = 1;
  for (int l = 0; l < W; l += 1 + W / 4) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l];
    p->type->grad(p, x, g);
    for (int i = 0; i < d; i++) exact &= g[i] == G2[i * W + l];
  }
  CHECK(exact, "W %d dtype %d: grad_lanes is not bitwise grad", W, dtype);
  free(X), free(G), free(S), free(G2), free(S2), free(x), free(g), free(wt), free(work);
  sgdl_problem_destroy(p);
}

/* Means of loss and x0 under `model` over a short ensemble (EM, 4 substeps, the SME's n-column
 * noise: the form the fused pass serves); 2 threads. */
static double *fused_means(sgdl_problem *p, const char *model, const double *x0) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_observable obs[2];
  CHECK(sgdl_observable_parse(&ctx, "loss", p->dim, 1, &obs[0]) == 0, "obs");
  CHECK(sgdl_observable_parse(&ctx, "x0", p->dim, 1, &obs[1]) == 0, "obs");
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.3;
  par.substeps = 4;
  par.scheme = SGDL_SCHEME_EM;
  par.noise_form = SGDL_NOISE_FORM_N_COLUMN;
  sgdl_stepper *st = NULL;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 4242, 1, 1, &st) == 0, "stepper %s: %s", model, ctx.msg);
  CHECK(strcmp(model, "sme1") || (st->noise_form && !strcmp(st->noise_form, "n-column")), "sme1: not n-column");
  sgdl_ensemble_plan plan = {st, 1, x0, 40, 3, 2, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run %s: %s", model, ctx.msg);
  sgdl_stepper_destroy(st);
  double *m = malloc(sizeof(double) * 2 * 4);
  memcpy(m, er.mean, sizeof(double) * 2 * 4);
  sgdl_ensemble_result_free(&er);
  return m;
}

/* SME1 / SMF2 ensembles through the fused member against the same problem without it (a copy of
 * the type with grad_and_sum_lanes NULL: noise and drift apart): bitwise means. */
static void check_fused_models(int dtype) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int h[1] = {4};
  sgdl_problem *p = make_dtype(&ctx, h, 1, SGDL_ACT_TANH, SGDL_LOSS_CE, dtype);
  sgdl_problem_type apart_type = *p->type;
  apart_type.grad_and_sum_lanes = NULL;
  sgdl_problem apart = *p; /* shares impl; never destroyed */
  apart.type = &apart_type;
  double *x0 = malloc(sizeof(double) * p->dim);
  sgdl_problem_default_x0(p, 5, x0);
  const char *models[] = {"sme1", "smf2"};
  for (int k = 0; k < 2; k++) {
    double *fused = fused_means(p, models[k], x0), *ref = fused_means(&apart, models[k], x0);
    CHECK(!memcmp(fused, ref, sizeof(double) * 8), "%s dtype %d: fused stepper differs from noise and drift apart",
          models[k], dtype);
    CHECK(isfinite(fused[3]) && fused[3] != fused[0], "%s dtype %d: the loss did not move", models[k], dtype);
    printf("mlp %s dtype %d: fused = apart (bitwise), loss %.6f -> %.6f\n", models[k], dtype, fused[0], fused[3]);
    free(fused), free(ref);
  }
  free(x0);
  sgdl_problem_destroy(p);
}

/* A second data set with sparse inputs (one nonzero pixel in four: the float32 passes then take
 * the zero-skipping first layer) and more examples than one chunk of 64 (three chunks, the last
 * partial). */
enum { NSP = 150 };
static char sparse_dir[160];

static void write_sparse_data(void) {
  snprintf(sparse_dir, sizeof sparse_dir, "%s/sparse", dir);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", sparse_dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  static unsigned char px[NSP][PIX];
  for (int i = 0; i < NSP; i++) px[i][(i * 7 + i / 5) % PIX] = (unsigned char)(40 + (i * 37) % 216);
  tiny_idx_write_pair(sparse_dir, "train", NSP, &px[0][0], CLS);
  tiny_idx_write_pair(sparse_dir, "t10k", NTE, &px[0][0], CLS);
}

/* One hidden layer of 5 (dense set) or 16 units (sparse set: the float32 first layer's vector loops
 * take widths that are multiples of 8). */
static sgdl_problem *make_on(sgdl_ctx *ctx, const char *data, size_t n_train, int act, int dtype) {
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  static const int h5[1] = {5}, h16[1] = {16};
  const int *h = data == sparse_dir ? h16 : h5;
  sp.data = data;
  sp.n_train = n_train;
  sp.n_test = NTE;
  sp.hidden = h;
  sp.n_hidden = 1;
  sp.act = act;
  sp.seed = 3;
  sp.dtype = dtype;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx->msg);
  return p;
}

/* hvp_lanes over W lanes: bitwise hvp lane by lane in both dtypes; float32 against float64 within
 * float32 rounding (relative to the product's largest entry), on the dense and the sparse set. */
static void check_hvp_lanes(int W, int sparse) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  for (int act = SGDL_ACT_TANH; act <= SGDL_ACT_SOFTPLUS; act += SGDL_ACT_SOFTPLUS - SGDL_ACT_TANH) {
    sgdl_problem *p64 = make_on(&ctx, sparse ? sparse_dir : dir, sparse ? NSP : NTR, act, SGDL_DTYPE_F64);
    sgdl_problem *p32 = make_on(&ctx, sparse ? sparse_dir : dir, sparse ? NSP : NTR, act, SGDL_DTYPE_F32);
    CHECK(p64 && p32 && p64->type->hvp_lanes, "mlp problems with hvp_lanes");
    if (!p64 || !p32) return;
    const int d = p64->dim;
    double *X = malloc(sizeof(double) * d * W), *V = malloc(sizeof(double) * d * W);
    double *H64 = malloc(sizeof(double) * d * W), *H32 = malloc(sizeof(double) * d * W);
    double *x = malloc(sizeof(double) * d), *v = malloc(sizeof(double) * d), *hv = malloc(sizeof(double) * d);
    for (int l = 0; l < W; l++) {
      sgdl_problem_default_x0(p64, 60 + l, x);
      for (int i = 0; i < d; i++) X[i * W + l] = x[i] + 0.1 * sin(1.3 * i + l), V[i * W + l] = cos(0.7 * i + 0.3 * l);
    }
    p64->type->hvp_lanes(p64, W, X, V, H64);
    p32->type->hvp_lanes(p32, W, X, V, H32);
    int bitwise = 1;
    double err = 0, big = 0;
    for (int l = 0; l < W; l++) {
      for (int i = 0; i < d; i++) x[i] = X[i * W + l], v[i] = V[i * W + l];
      p64->type->hvp(p64, x, v, hv);
      for (int i = 0; i < d; i++) bitwise &= hv[i] == H64[i * W + l];
      p32->type->hvp(p32, x, v, hv);
      for (int i = 0; i < d; i++) {
        bitwise &= hv[i] == H32[i * W + l];
        err = fmax(err, fabs(H32[i * W + l] - H64[i * W + l]));
        big = fmax(big, fabs(H64[i * W + l]));
      }
    }
    CHECK(bitwise, "W %d %s %s: hvp_lanes is not bitwise hvp lane by lane", W, sparse ? "sparse" : "dense",
          sgdl_act_name(act));
    CHECK(big > 0 && err < 2e-5 * big, "W %d %s %s: float32 hvp off float64 by %.3g of %.3g", W,
          sparse ? "sparse" : "dense", sgdl_act_name(act), err, big);
    double gerr = 0, gbig = 0; /* the float32 gradient (its sparse first layer) against float64 */
    p64->type->grad(p64, x, H64);
    p32->type->grad(p32, x, H32);
    for (int i = 0; i < d; i++) gerr = fmax(gerr, fabs(H32[i] - H64[i])), gbig = fmax(gbig, fabs(H64[i]));
    CHECK(gbig > 0 && gerr < 2e-5 * gbig, "%s %s: float32 grad off float64 by %.3g of %.3g", sparse ? "sparse" : "dense",
          sgdl_act_name(act), gerr, gbig);
    if (W == 19)
      printf("hvp_lanes %s %s: bitwise hvp; float32 vs float64 %.2g of %.2g\n", sparse ? "sparse" : "dense",
             sgdl_act_name(act), err, big);
    free(X), free(V), free(H64), free(H32), free(x), free(v), free(hv);
    sgdl_problem_destroy(p64);
    sgdl_problem_destroy(p32);
  }
}

/* SMF2 ensembles (its modified drift takes the Hessian product) through hvp_lanes against the same
 * problem without it (hvp lane by lane): bitwise means in both dtypes. */
static void check_hvp_models(int dtype) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = make_on(&ctx, sparse_dir, NSP, SGDL_ACT_TANH, dtype);
  sgdl_problem_type apart_type = *p->type;
  apart_type.hvp_lanes = NULL;
  sgdl_problem apart = *p; /* shares impl; never destroyed */
  apart.type = &apart_type;
  double *x0 = malloc(sizeof(double) * p->dim);
  sgdl_problem_default_x0(p, 5, x0);
  double *lanes = fused_means(p, "smf2", x0), *ref = fused_means(&apart, "smf2", x0);
  CHECK(!memcmp(lanes, ref, sizeof(double) * 8), "smf2 dtype %d: hvp_lanes stepper differs from hvp per lane", dtype);
  CHECK(isfinite(lanes[3]) && lanes[3] != lanes[0], "smf2 dtype %d: the loss did not move", dtype);
  printf("mlp smf2 dtype %d: hvp_lanes = hvp per lane (bitwise), loss %.6f -> %.6f\n", dtype, lanes[0], lanes[3]);
  free(lanes), free(ref), free(x0);
  sgdl_problem_destroy(p);
}

/* ulp distance of two floats of the same sign */
static int ulps(float a, float b) {
  int32_t ia, ib;
  memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
  return ia > ib ? ia - ib : ib - ia;
}

/* The float32 passes' tanh (sgdl_tanh32) against tanh in double rounded to float (the reference)
 * and against glibc's tanhf, which it replaced: within 1 ulp of the reference over [-12, 12]
 * (tanhf: within 2), exact at 0, odd, 1 far out. */
static void check_tanh32(void) {
  int worst = 0, worst_tanhf = 0, off = 0;
  for (int k = -1200000; k <= 1200000; k++) {
    const float z = (float)k * 1e-5f, ref = (float)tanh((double)z), a = sgdl_tanh32(z);
    const int u = ulps(a, ref), v = ulps(tanhf(z), ref);
    worst = u > worst ? u : worst;
    worst_tanhf = v > worst_tanhf ? v : worst_tanhf;
    off += u != 0;
  }
  CHECK(worst <= 1, "tanh32 vs tanh rounded to float: %d ulp", worst);
  CHECK(sgdl_tanh32(0.0f) == 0.0f && sgdl_tanh32(-0.5f) == -sgdl_tanh32(0.5f) && sgdl_tanh32(30.0f) == 1.0f,
        "tanh32 at 0, oddness, saturation");
  printf("tanh32 vs tanh rounded to float: at most %d ulp (%d of 2400001 differ); tanhf: %d ulp\n", worst, off,
         worst_tanhf);
}

static void check_least_squares(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int k = 1, n = PIX + 1;
  const uint64_t K = 8, paths = 20000;
  sgdl_problem *net = make(&ctx, NULL, 0, SGDL_ACT_TANH, SGDL_LOSS_MSE, NULL), *lin = linreg_class(&ctx, k);
  CHECK(net && lin && net->dim == PIX * CLS + CLS && lin->dim == n, "problems");
  if (!net || !lin) return;
  /* class k's coordinates of the network: W[j][k] (j < PIX) then b[k] */
  int map[PIX + 1];
  for (int j = 0; j < PIX; j++) map[j] = j * CLS + k;
  map[PIX] = PIX * CLS + k;
  double xn[PIX * CLS + CLS], xl[PIX + 1];
  sgdl_problem_default_x0(net, 5, xn);
  for (int j = 0; j < n; j++) xn[map[j]] += 0.2 * j, xl[j] = xn[map[j]];
  sgdl_observable on[PIX + 1], ol[PIX + 1];
  char nm[16];
  for (int j = 0; j < n; j++) {
    snprintf(nm, sizeof nm, "x%d", map[j]);
    sgdl_observable_parse(&ctx, nm, net->dim, 1, &on[j]);
    snprintf(nm, sizeof nm, "x%d", j);
    sgdl_observable_parse(&ctx, nm, n, 1, &ol[j]);
  }
  /* SGD against linreg's exact moments */
  sgdl_ensemble_result er, el;
  run(net, "sgd", xn, on, n, K, paths, &er);
  sgdl_affine a;
  CHECK(sgdl_affine_extract(&ctx, lin, &a) == 0, "affine: %s", ctx.msg);
  double *m = malloc(sizeof(double) * n * (K + 1)), *M = malloc(sizeof(double) * n * n * (K + 1)), worst = 0;
  CHECK(sgdl_affine_moments(&ctx, &a, "sgd", 0.3, 1.0, 1, xl, K, m, M) == 0, "moments: %s", ctx.msg);
  for (int j = 0; j < n; j++)
    for (uint64_t t = 1; t <= K; t++)
      worst = fmax(worst, fabs(er.mean[j * (K + 1) + t] - m[t * n + j]) / er.se[j * (K + 1) + t]);
  CHECK(worst < 4.5, "sgd on the network vs exact linreg moments: worst |z| %.2f", worst);
  /* grad_norm2 from exact moments at t = 0 (a point mass at xl) is |grad L(xl)|^2 */
  sgdl_observable og;
  double gl[PIX + 1], gn2 = 0;
  CHECK(sgdl_observable_parse(&ctx, "grad_norm2", n, 1, &og) == 0, "parse grad_norm2");
  lin->type->grad(lin, xl, gl);
  for (int j = 0; j < n; j++) gn2 += gl[j] * gl[j];
  CHECK_REL(sgdl_affine_observable(&a, &og, 1, m, M), gn2, 1e-10, "affine grad_norm2 at t = 0");
  printf("least squares: sgd vs exact worst |z| %.2f\n", worst);
  sgdl_ensemble_result_free(&er);
  /* SME1 (N-column noise: the weighted lane kernel) against SME1 on linreg, same scheme. Same seed
   * and stream: both draw the same N normals per substep, so class k's coordinates agree path by
   * path up to rounding (|z| ~ 0); a wrong weight or sample order would show at once. */
  run(net, "sme1", xn, on, n, K, paths, &er);
  run(lin, "sme1", xl, ol, n, K, paths, &el);
  worst = 0;
  for (int j = 0; j < n; j++)
    for (uint64_t t = 1; t <= K; t++) {
      const size_t i = j * (K + 1) + t;
      worst = fmax(worst, fabs(er.mean[i] - el.mean[i]) / sqrt(er.se[i] * er.se[i] + el.se[i] * el.se[i]));
    }
  CHECK(worst < 4.5, "sme1 on the network vs on linreg: worst |z| %.2f", worst);
  printf("least squares: sme1 network vs linreg worst |z| %.2f\n", worst);
  sgdl_ensemble_result_free(&er);
  sgdl_ensemble_result_free(&el);
  free(m), free(M);
  sgdl_affine_free(&a);
  sgdl_problem_destroy(net);
  sgdl_problem_destroy(lin);
}

int main(void) {
  write_data();
  write_sparse_data();
  check_tanh32();
  check_derivatives();
  check_lanes(3);
  check_lanes(19);
  check_observables_and_init();
  check_least_squares();
  for (int dtype = SGDL_DTYPE_F64; dtype <= SGDL_DTYPE_F32; dtype++) {
    check_fused_lanes(1, dtype);
    check_fused_lanes(19, dtype);
    check_fused_lanes(SGDL_LANES, dtype);
    check_fused_models(dtype);
    check_hvp_models(dtype);
  }
  for (int sparse = 0; sparse < 2; sparse++) {
    check_hvp_lanes(1, sparse);
    check_hvp_lanes(19, sparse);
    check_hvp_lanes(SGDL_LANES, sparse);
  }
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) fprintf(stderr, "cleanup failed\n");
  return check_done();
}
