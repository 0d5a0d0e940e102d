/* Training on real digits (the MNIST t10k files in data/mnist of the repository, first 8000 train,
 * last 2000 held out), small fast configurations with lower bars than the 93% demo:
 *   plain SGD batch 1 (sparse path), heavy ball and Nesterov at batch 32, Adam at batch 32;
 * the sparse batch-1 SGD path against the dense naive path (same iterates up to rounding);
 * reproducibility (same seed: bitwise; OpenBLAS set to 1 or 2 threads: bitwise); weight files:
 * saving after 2 epochs and resuming for 1 gives bitwise the weights of 3 straight epochs
 * (optimiser state and step counter restored), and damaged files are refused; divergence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/nn.h"

void openblas_set_num_threads(int num_threads);

static sgdl_imageset tr, te;
static sgdl_mlp net;

static double train_acc(int rule, double lr, int batch, int epochs, uint32_t seed, double *params_out) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = batch;
  sgdl_trainer t;
  CHECK(sgdl_trainer_create(&ctx, &t, &net, rule, &par, seed, 0) == 0, "create: %s", ctx.msg);
  int rc = sgdl_trainer_run(&ctx, &t, &tr, (uint64_t)epochs * sgdl_trainer_epoch_steps(&t, tr.n), NULL);
  CHECK(rc == 0, "run: %s", ctx.msg);
  sgdl_mlp_work w;
  sgdl_mlp_work_alloc(&ctx, &net, 500, &w);
  size_t ok;
  sgdl_mlp_evaluate(&net, t.params, &te, &w, NULL, &ok, NULL);
  if (params_out) memcpy(params_out, t.params, net.n_params * sizeof(double));
  sgdl_mlp_work_free(&w);
  sgdl_trainer_free(&t);
  return (double)ok / te.n;
}

int main(void) {
  const char *src = getenv("SGDL_SRC");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/data/mnist", src ? src : ".");
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  char desc[256];
  if (sgdl_data_open(&ctx, dir, -1, -1, &tr, &te, desc) != 0) {
    fprintf(stderr, "MNIST not found: %s\n", ctx.msg);
    CHECK(0, "data");
    return check_done();
  }
  CHECK(tr.n == 8000 && te.n == 2000 && tr.dim == 784 && tr.n_classes == 10, "default split");
  const int hidden[2] = {64, 32};
  sgdl_mlp_init(&ctx, &net, 784, hidden, 2, 10, SGDL_ACT_RELU);
  double *p1 = malloc(net.n_params * sizeof(double)), *p2 = malloc(net.n_params * sizeof(double));

  double a = train_acc(SGDL_OPT_SGD, 0.02, 1, 2, 1, p1);
  printf("sgd batch 1, 2 epochs: %.4f\n", a);
  CHECK(a >= 0.90, "plain SGD batch 1: held-out accuracy %.4f < 0.90", a);
  train_acc(SGDL_OPT_SGD, 0.02, 1, 2, 1, p2);
  CHECK(memcmp(p1, p2, net.n_params * sizeof(double)) == 0, "same seed, same weights (bitwise)");
  a = train_acc(SGDL_OPT_HB, 0.01, 32, 3, 2, NULL);
  printf("hb batch 32, 3 epochs: %.4f\n", a);
  CHECK(a >= 0.88, "heavy ball batch 32: %.4f < 0.88", a);
  a = train_acc(SGDL_OPT_NAG, 0.01, 32, 3, 2, NULL);
  printf("nag batch 32, 3 epochs: %.4f\n", a);
  CHECK(a >= 0.88, "Nesterov batch 32: %.4f < 0.88", a);
  a = train_acc(SGDL_OPT_ADAM, 0.001, 32, 3, 2, NULL);
  printf("adam batch 32, 3 epochs: %.4f\n", a);
  CHECK(a >= 0.88, "Adam batch 32: %.4f < 0.88", a);

  /* thread count: the dgemm path with 1 and 2 OpenBLAS threads */
  openblas_set_num_threads(1);
  train_acc(SGDL_OPT_HB, 0.01, 32, 1, 3, p1);
  openblas_set_num_threads(2);
  train_acc(SGDL_OPT_HB, 0.01, 32, 1, 3, p2);
  CHECK(memcmp(p1, p2, net.n_params * sizeof(double)) == 0, "1 vs 2 BLAS threads: same weights (bitwise)");

  /* sparse batch-1 SGD (rule applied row by row) vs the dense naive path */
  {
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = 0.02;
    sgdl_trainer f, n;
    sgdl_trainer_create(&ctx, &f, &net, SGDL_OPT_SGD, &par, 4, 0);
    sgdl_trainer_create(&ctx, &n, &net, SGDL_OPT_SGD, &par, 4, 0);
    n.kernel = SGDL_KERNEL_NAIVE;
    sgdl_trainer_run(&ctx, &f, &tr, 300, NULL);
    sgdl_trainer_run(&ctx, &n, &tr, 300, NULL);
    double num = 0, den = 0;
    for (size_t i = 0; i < net.n_params; i++) {
      double d = f.params[i] - n.params[i];
      num = d * d > num ? d * d : num;
      den = n.params[i] * n.params[i] > den ? n.params[i] * n.params[i] : den;
    }
    CHECK(num <= 1e-24 * den, "sparse vs naive SGD after 300 steps: max diff^2 %.3g", num);
    sgdl_trainer_free(&f);
    sgdl_trainer_free(&n);
  }

  /* resume: 2 epochs + save + load + 1 epoch == 3 epochs, bitwise (heavy ball: momentum state) */
  {
    char path[256];
    snprintf(path, sizeof path, "/tmp/sgdl_test_weights_%d.bin", (int)getpid());
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = 0.01;
    par.batch = 16;
    sgdl_trainer s, r;
    sgdl_trainer_create(&ctx, &s, &net, SGDL_OPT_HB, &par, 5, 0);
    uint64_t spe = sgdl_trainer_epoch_steps(&s, tr.n);
    sgdl_trainer_run(&ctx, &s, &tr, 2 * spe, NULL);
    s.epoch = 2;
    CHECK(sgdl_weights_save(&ctx, path, &s) == 0, "save: %s", ctx.msg);
    sgdl_trainer_run(&ctx, &s, &tr, spe, NULL);
    sgdl_weights wt;
    CHECK(sgdl_weights_load(&ctx, path, &wt) == 0, "load: %s", ctx.msg);
    CHECK(wt.epoch == 2 && wt.step == 2 * spe && wt.rule == SGDL_OPT_HB && wt.seed == 5 && wt.naux == 1, "header");
    CHECK(wt.m.L == 3 && wt.m.size[1] == 64 && wt.m.size[2] == 32 && wt.m.n_params == net.n_params, "layout");
    sgdl_trainer_create(&ctx, &r, &wt.m, wt.rule, &par, wt.seed, 0);
    memcpy(r.params, wt.params, net.n_params * sizeof(double));
    memcpy(r.aux, wt.aux, net.n_params * sizeof(double));
    r.step = wt.step;
    sgdl_trainer_run(&ctx, &r, &tr, spe, NULL);
    CHECK(memcmp(r.params, s.params, net.n_params * sizeof(double)) == 0, "resumed run = straight run (bitwise)");
    sgdl_weights_free(&wt);
    sgdl_trainer_free(&r);
    /* damaged files */
    FILE *f = fopen(path, "r+b");
    fseek(f, 200, SEEK_SET);
    fputc(0x42, f);
    fclose(f);
    CHECK(sgdl_weights_load(&ctx, path, &wt) == SGDL_EDATA && strstr(ctx.msg, "checksum") && strstr(ctx.msg, path),
          "corrupt weights: %s", ctx.msg);
    CHECK(truncate(path, 1000) == 0, "truncate");
    CHECK(sgdl_weights_load(&ctx, path, &wt) == SGDL_EDATA && strstr(ctx.msg, "truncated"), "truncated weights: %s",
          ctx.msg);
    f = fopen(path, "wb");
    fputs("not a weight file at all", f);
    fclose(f);
    CHECK(sgdl_weights_load(&ctx, path, &wt) == SGDL_EDATA && strstr(ctx.msg, "magic"), "bad magic: %s", ctx.msg);
    unlink(path);
    sgdl_trainer_free(&s);
  }

  /* a diverging learning rate is reported, naming --lr */
  {
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = 1e200;
    sgdl_trainer s;
    sgdl_trainer_create(&ctx, &s, &net, SGDL_OPT_SGD, &par, 1, 0);
    int rc = sgdl_trainer_run(&ctx, &s, &tr, 2000, NULL);
    CHECK(rc == SGDL_EDIVERGED && strstr(ctx.msg, "--lr"), "divergence: rc %d %s", rc, ctx.msg);
    sgdl_trainer_free(&s);
  }
  free(p1);
  free(p2);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  return check_done();
}
