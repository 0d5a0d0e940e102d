/* The float32 network passes (src/nn/mlp_f32.c) and `--dtype float32` training against the
 * float64 reference, on the MNIST t10k digits of data/mnist (first 8000 train, last 2000 held out).
 * Tolerances (stated here, float32's unit roundoff is 6e-8):
 *   loss of a batch:            relative 1e-6      (sums of ~800 products, then log-sum-exp)
 *   gradient (batch 32, 1, weighted): max |g32 - g64| <= 1e-5 max |g64|
 *   whole-set loss and gradient: relative 1e-6 / 1e-5 as above
 *   20 SGD steps at batch 32:   weights max diff <= 1e-5 max |w|, training loss relative 1e-5
 *   one epoch of SGD batch 32, heavy ball batch 32 and SGD batch 1: held-out accuracy within
 *   1.5 points of float64's and >= 0.85 (trajectories separate slowly).
 * Measured on this machine: losses 1e-8 relative, gradients and weights 1e-7 to 3e-7, accuracies
 * equal to the digit.
 *   the mlp problem with dtype float32: loss, grad, loss_sample, grad_sample and the lane sums
 *   (weighted and not) within the same gradient tolerance of the float64 problem.
 * Bitwise: float32 training with 1 and 2 OpenBLAS threads; one run of 2 epochs equals two runs
 * of one (weights rounded to float at a run's start and widened at its end, exactly). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn_internal.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/nn.h"

void openblas_set_num_threads(int num_threads);

static sgdl_imageset tr, te;

static double max_abs_diff(size_t n, const double *a, const double *b, double *max_b) {
  double d = 0, mb = 0;
  for (size_t i = 0; i < n; i++) {
    d = fmax(d, fabs(a[i] - b[i]));
    mb = fmax(mb, fabs(b[i]));
  }
  *max_b = mb;
  return d;
}

/* Batch loss and gradient of one batch in both precisions (the float weights are the double
 * ones rounded, so only the passes' rounding differs). */
static void check_batch(const sgdl_mlp *m, const double *p64, int B, int weighted, const char *what) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const size_t n = m->n_params;
  float *p32 = malloc(n * sizeof *p32), *g32 = calloc(n, sizeof *g32);
  double *g64 = calloc(n, sizeof *g64), *g32w = malloc(n * sizeof *g32w);
  float *buf = malloc(sgdl_mlp32_work_floats(m, B) * sizeof(float));
  sgdl_mlp32_round(n, p64, p32);
  sgdl_mlp_work w;
  sgdl_mlp_work32 w32;
  sgdl_mlp_work_alloc(&ctx, m, B, &w);
  sgdl_mlp32_work_view(m, B, buf, &w32);
  uint32_t idx[64];
  double coef[64];
  float coef32[64];
  for (int i = 0; i < B; i++) {
    idx[i] = (uint32_t)(37 * i + 11) % (uint32_t)tr.n;
    coef[i] = 0.5 + 0.25 * (i % 3);
    coef32[i] = (float)coef[i];
  }
  sgdl_mlp_load(m, &tr, idx, B, &w);
  sgdl_mlp32_load(m, &tr, idx, B, &w32);
  const double l64 = sgdl_mlp_forward(m, p64, B, &w, SGDL_KERNEL_FAST);
  const double l32 = sgdl_mlp32_forward(m, p32, B, &w32);
  char label[160];
  snprintf(label, sizeof label, "%s: batch loss", what);
  CHECK_REL(l32, l64, 1e-6, label);
  sgdl_mlp_backward(m, p64, B, &w, SGDL_KERNEL_FAST);
  sgdl_mlp32_backward(m, p32, B, &w32);
  sgdl_mlp_grad_accum(m, B, &w, weighted ? coef : NULL, 1.0 / B, g64, SGDL_KERNEL_FAST);
  sgdl_mlp32_grad_accum(m, B, &w32, weighted ? coef32 : NULL, 1.0f / (float)B, g32);
  sgdl_mlp32_widen(n, g32, g32w);
  double mg;
  const double d = max_abs_diff(n, g32w, g64, &mg);
  CHECK(d <= 1e-5 * mg && mg > 0, "%s: gradient max diff %.3g vs max |g| %.3g", what, d, mg);
  printf("%-34s loss rel diff %.2g, gradient max diff / max |g| %.2g\n", what, fabs(l32 - l64) / l64, d / mg);
  sgdl_mlp_work_free(&w);
  free(p32), free(g32), free(g64), free(g32w), free(buf);
}

/* Train `steps` steps (or whole epochs when steps is 0) in one precision; weights into p. */
static void train(const sgdl_mlp *m, int dtype, int rule, double lr, int B, uint64_t steps, int runs, double *p) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = B;
  sgdl_trainer t;
  CHECK(sgdl_trainer_create(&ctx, &t, m, rule, &par, 7, 0) == 0, "create: %s", ctx.msg);
  CHECK(sgdl_trainer_set_dtype(&ctx, &t, dtype) == 0, "dtype: %s", ctx.msg);
  for (int r = 0; r < runs; r++) CHECK(sgdl_trainer_run(&ctx, &t, &tr, steps, NULL) == 0, "run: %s", ctx.msg);
  memcpy(p, t.params, m->n_params * sizeof *p);
  sgdl_trainer_free(&t);
}

static double accuracy(const sgdl_mlp *m, const double *p) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_mlp_work w;
  sgdl_mlp_work_alloc(&ctx, m, 500, &w);
  size_t ok = 0;
  sgdl_mlp_evaluate(m, p, &te, &w, NULL, &ok, NULL);
  sgdl_mlp_work_free(&w);
  return (double)ok / (double)te.n;
}

/* The mlp problem's float32 kernel paths against its float64 ones (784-16-10 tanh, N = 128). */
static void check_problem(const char *dir) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p[2] = {NULL, NULL};
  const int h[1] = {16};
  for (int k = 0; k < 2; k++) {
    sgdl_mlp_problem_spec spec;
    sgdl_mlp_problem_spec_init(&spec);
    spec.data = dir;
    spec.n_train = 128;
    spec.n_test = 64;
    spec.hidden = h;
    spec.dtype = k ? SGDL_DTYPE_F32 : SGDL_DTYPE_F64;
    CHECK(sgdl_mlp_problem_create(&ctx, &spec, &p[k]) == 0, "problem: %s", ctx.msg);
  }
  if (!p[0] || !p[1]) return;
  CHECK(strstr(p[1]->desc, "float32") && !strstr(p[0]->desc, "float32"), "desc: %s", p[1]->desc);
  const int d = p[0]->dim, W = 3, nb = 40;
  double *x = malloc(sizeof(double) * d), *g[2], *X = malloc(sizeof(double) * d * W), *out[2], *work[2];
  for (int k = 0; k < 2; k++) {
    g[k] = malloc(sizeof(double) * d);
    out[k] = malloc(sizeof(double) * d * W);
    work[k] = malloc(sizeof(double) * sgdl_problem_lanes_work(p[k]));
  }
  sgdl_problem_default_x0(p[0], 4, x);
  for (int i = 0; i < d; i++)
    for (int l = 0; l < W; l++) X[i * W + l] = x[i] * (1.0 + 0.1 * l);
  CHECK_REL(p[1]->type->loss(p[1], x), p[0]->type->loss(p[0], x), 1e-6, "problem loss");
  CHECK_REL(p[1]->type->loss_sample(p[1], x, 17), p[0]->type->loss_sample(p[0], x, 17), 1e-6, "problem loss_sample");
  double mg, dg;
  for (int k = 0; k < 2; k++) p[k]->type->grad(p[k], x, g[k]);
  dg = max_abs_diff((size_t)d, g[1], g[0], &mg);
  CHECK(dg <= 1e-5 * mg, "problem grad: max diff %.3g vs %.3g", dg, mg);
  for (int k = 0; k < 2; k++) p[k]->type->grad_sample(p[k], x, 17, g[k]);
  dg = max_abs_diff((size_t)d, g[1], g[0], &mg);
  CHECK(dg <= 1e-5 * mg, "problem grad_sample: max diff %.3g vs %.3g", dg, mg);
  uint32_t idx[40 * 3];
  double wt[40 * 3];
  for (int b = 0; b < nb * W; b++) idx[b] = (uint32_t)((b * 7 + 3) % 128), wt[b] = 0.2 + 0.05 * (b % 5);
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < 2; k++)
      p[k]->type->grad_sum_lanes(p[k], W, X, pass ? nb : 128, pass ? idx : NULL, pass ? wt : NULL, out[k], work[k]);
    dg = max_abs_diff((size_t)d * W, out[1], out[0], &mg);
    CHECK(dg <= 1e-5 * mg, "problem grad_sum_lanes (%s): max diff %.3g vs %.3g", pass ? "weighted" : "all", dg, mg);
    printf("mlp problem lane sums (%s): max diff / max %.2g\n", pass ? "weighted" : "all", dg / mg);
  }
  for (int k = 0; k < 2; k++) {
    free(g[k]), free(out[k]), free(work[k]);
    sgdl_problem_destroy(p[k]);
  }
  free(x), free(X);
}

int main(void) {
  const char *src = getenv("SGDL_SRC");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/data/mnist", src ? src : ".");
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  char desc[256];
  if (sgdl_data_open(&ctx, dir, -1, -1, &tr, &te, desc) != 0) {
    CHECK(0, "MNIST not found: %s", ctx.msg);
    return check_done();
  }
  CHECK(sgdl_dtype_parse("float32") == SGDL_DTYPE_F32 && sgdl_dtype_parse("float64") == SGDL_DTYPE_F64 &&
            sgdl_dtype_parse("half") == -1 && !strcmp(sgdl_dtype_name(SGDL_DTYPE_F32), "float32"),
        "dtype names");

  check_problem(dir);

  /* passes: relu and tanh (CE), softplus with MSE; batch 32, batch 1 (sparse loops), weighted */
  const int hidden[2] = {32, 32};
  const int acts[3] = {SGDL_ACT_RELU, SGDL_ACT_TANH, SGDL_ACT_SOFTPLUS};
  for (int a = 0; a < 3; a++) {
    sgdl_mlp m;
    sgdl_mlp_init(&ctx, &m, 784, hidden, 2, 10, acts[a]);
    if (a == 2) m.loss = SGDL_LOSS_MSE;
    double *p = malloc(m.n_params * sizeof *p);
    sgdl_mlp_init_params(&m, 3, p);
    for (size_t i = 0; i < m.n_params; i++) p[i] += 0.01 * sin((double)i); /* nonzero biases */
    char what[96];
    snprintf(what, sizeof what, "%s %s batch 32", sgdl_act_name(acts[a]), sgdl_loss_name(m.loss));
    check_batch(&m, p, 32, 0, what);
    snprintf(what, sizeof what, "%s %s batch 1", sgdl_act_name(acts[a]), sgdl_loss_name(m.loss));
    check_batch(&m, p, 1, 0, what);
    snprintf(what, sizeof what, "%s %s batch 16 weighted", sgdl_act_name(acts[a]), sgdl_loss_name(m.loss));
    check_batch(&m, p, 16, 1, what);
    free(p);
  }

  /* whole-set evaluation, and training against the reference on 784-32-32-10 relu */
  sgdl_mlp m;
  sgdl_mlp_init(&ctx, &m, 784, hidden, 2, 10, SGDL_ACT_RELU);
  const size_t n = m.n_params;
  double *p64 = malloc(n * sizeof *p64), *p32 = malloc(n * sizeof *p32), *q = malloc(n * sizeof *q);
  double *g64 = malloc(n * sizeof *g64), *g32 = malloc(n * sizeof *g32);
  float *pf = malloc(n * sizeof *pf), *gf = malloc(n * sizeof *gf);
  {
    sgdl_mlp_init_params(&m, 5, p64);
    sgdl_mlp32_round(n, p64, pf);
    sgdl_mlp_work w;
    sgdl_mlp_work_alloc(&ctx, &m, 64, &w);
    float *buf = malloc(sgdl_mlp32_work_floats(&m, 64) * sizeof(float));
    sgdl_mlp_work32 w32;
    sgdl_mlp32_work_view(&m, 64, buf, &w32);
    size_t ok64 = 0, ok32 = 0;
    const double L64 = sgdl_mlp_evaluate(&m, p64, &tr, &w, g64, &ok64, NULL);
    const double L32 = sgdl_mlp32_evaluate(&m, pf, &tr, &w32, gf, g32, &ok32);
    CHECK_REL(L32, L64, 1e-6, "whole-set loss");
    double mg;
    const double d = max_abs_diff(n, g32, g64, &mg);
    CHECK(d <= 1e-5 * mg, "whole-set gradient: max diff %.3g vs max |g| %.3g", d, mg);
    CHECK(ok32 >= ok64 - 2 && ok32 <= ok64 + 2, "whole-set correct: %zu vs %zu", ok32, ok64);
    sgdl_mlp_work_free(&w);
    free(buf);
  }
  /* 20 steps of SGD batch 32 */
  train(&m, SGDL_DTYPE_F64, SGDL_OPT_SGD, 0.05, 32, 20, 1, p64);
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_SGD, 0.05, 32, 20, 1, p32);
  {
    double mw;
    const double d = max_abs_diff(n, p32, p64, &mw);
    CHECK(d <= 1e-5 * mw, "20 steps: weights max diff %.3g vs max |w| %.3g", d, mw);
    sgdl_mlp_work w;
    sgdl_mlp_work_alloc(&ctx, &m, 64, &w);
    const double L64 = sgdl_mlp_evaluate(&m, p64, &tr, &w, NULL, NULL, NULL);
    const double L32 = sgdl_mlp_evaluate(&m, p32, &tr, &w, NULL, NULL, NULL);
    CHECK_REL(L32, L64, 1e-5, "training loss after 20 SGD steps");
    printf("20 SGD steps: weights max diff / max |w| %.2g, loss %.6f vs %.6f\n", d / mw, L32, L64);
    sgdl_mlp_work_free(&w);
  }
  /* one epoch: plain SGD and heavy ball at batch 32 */
  const int rules[2] = {SGDL_OPT_SGD, SGDL_OPT_HB};
  for (int r = 0; r < 2; r++) {
    train(&m, SGDL_DTYPE_F64, rules[r], r ? 0.01 : 0.05, 32, 250, 1, p64);
    train(&m, SGDL_DTYPE_F32, rules[r], r ? 0.01 : 0.05, 32, 250, 1, p32);
    const double a64 = accuracy(&m, p64), a32 = accuracy(&m, p32);
    printf("%s batch 32, one epoch: held-out accuracy float32 %.4f, float64 %.4f\n", sgdl_optim_rule_name(rules[r]),
           a32, a64);
    CHECK(fabs(a32 - a64) <= 0.015 && a32 >= 0.85, "%s: accuracy float32 %.4f vs float64 %.4f",
          sgdl_optim_rule_name(rules[r]), a32, a64);
  }
  /* batch 1 (sparse float loops): one epoch of 8000 steps */
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_SGD, 0.02, 1, 8000, 1, p32);
  train(&m, SGDL_DTYPE_F64, SGDL_OPT_SGD, 0.02, 1, 8000, 1, p64);
  {
    const double a64 = accuracy(&m, p64), a32 = accuracy(&m, p32);
    printf("sgd batch 1, one epoch: held-out accuracy float32 %.4f, float64 %.4f\n", a32, a64);
    CHECK(fabs(a32 - a64) <= 0.015 && a32 >= 0.85, "batch 1: accuracy float32 %.4f vs float64 %.4f", a32, a64);
  }
  /* bitwise: 1 vs 2 OpenBLAS threads (float32), and 2 x 1 runs == 1 run of twice the steps */
  openblas_set_num_threads(1);
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_SGD, 0.05, 32, 100, 1, p32);
  openblas_set_num_threads(2);
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_SGD, 0.05, 32, 100, 1, q);
  CHECK(memcmp(p32, q, n * sizeof *q) == 0, "float32: 1 vs 2 BLAS threads, same weights (bitwise)");
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_SGD, 0.05, 32, 50, 2, q);
  CHECK(memcmp(p32, q, n * sizeof *q) == 0, "float32: two runs of 50 steps = one of 100 (bitwise)");
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_HB, 0.01, 32, 50, 2, q);
  train(&m, SGDL_DTYPE_F32, SGDL_OPT_HB, 0.01, 32, 100, 1, p32);
  CHECK(memcmp(p32, q, n * sizeof *q) == 0, "float32 heavy ball: two runs of 50 steps = one of 100 (bitwise)");
  {
    sgdl_trainer t;
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    sgdl_trainer_create(&ctx, &t, &m, SGDL_OPT_SGD, &par, 1, 0);
    CHECK(sgdl_trainer_set_dtype(&ctx, &t, 5) == SGDL_EINVAL && strstr(ctx.msg, "--dtype"), "bad dtype: %s", ctx.msg);
    sgdl_trainer_free(&t);
  }
  free(p64), free(p32), free(q), free(g64), free(g32), free(pf), free(gf);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  return check_done();
}
