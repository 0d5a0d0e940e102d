/* Monte Carlo ensembles against exact moments (within 4 standard errors, fixed seeds):
 * ctest-label: slow (Monte Carlo; skipped by the sanitizer pass)
 * SGD on the quadratic and on linear regression (B = 2 without replacement, shared samples for
 * two particles), SME1/SME2/SMF2 with Heun substeps; bitwise reproducibility across thread
 * counts; divergence reported, not silent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/moments.h"
#include "sgdlab/study.h"

static sgdl_problem *make(sgdl_ctx *ctx, const char *name, const char *csv, const double *H, const double *C, int d) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = name;
  sp.H = H;
  sp.C = C;
  sp.dim = d;
  char path[] = "/tmp/sgdl_test_mcXXXXXX";
  if (csv) {
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(csv, f);
    fclose(f);
    sp.data_path = path;
  }
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  if (csv) remove(path);
  return p;
}

/* Compare MC of one stepper with exact moments at every output time. */
static void compare(sgdl_problem *p, const char *model, double lr, int batch, int without, int P, const double *x0,
                    uint64_t K, const char *obs_list[], int nobs, int substeps, int scheme, uint64_t paths) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = batch;
  par.without_replacement = without;
  par.substeps = substeps;
  par.scheme = scheme;
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 12345, 3, P, &st) == 0, "create %s: %s", model, ctx.msg);
  sgdl_observable obs[8];
  for (int i = 0; i < nobs; i++) CHECK(sgdl_observable_parse(&ctx, obs_list[i], p->dim, P, &obs[i]) == 0, "obs");
  sgdl_ensemble_plan plan = {st, P, x0, paths, K, nobs, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  sgdl_affine a;
  sgdl_affine_extract(&ctx, p, &a);
  int n = P * p->dim;
  double *m = malloc(sizeof(double) * n * (K + 1)), *M = malloc(sizeof(double) * n * n * (K + 1));
  double cB = sgdl_minibatch_factor(p->n_data, batch, without);
  CHECK(sgdl_affine_moments(&ctx, &a, model, lr, cB, P, x0, K, m, M) == 0, "exact");
  double worst = 0;
  for (int o = 0; o < nobs; o++)
    for (uint64_t t = 1; t <= K; t++) {
      double ex = sgdl_affine_observable(&a, &obs[o], P, m + t * n, M + t * n * n);
      double z = (er.mean[o * (K + 1) + t] - ex) / er.se[o * (K + 1) + t];
      if (fabs(z) > worst) worst = fabs(z);
    }
  /* max over all times and observables of |z|: times are correlated; 4.5 keeps the family-wise
   * false-alarm rate small while a bias of a few standard errors still fails. */
  CHECK(worst < 4.5, "%s lr %g: MC vs exact worst |z| = %.2f", model, lr, worst);
  printf("%-6s lr %-6g paths %-8llu worst |z| %.2f\n", model, lr, (unsigned long long)paths, worst);
  free(m);
  free(M);
  sgdl_affine_free(&a);
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
}

/* A coupled pair (SGD beside smf1 with common random numbers) keeps each half's law: the SGD half
 * matches the exact SGD moments and the flow half the exact flow moments (finite data: the
 * minibatch is the top-B of the flow's summed normals). */
static void test_pair_laws(sgdl_problem *p, int batch, int without) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.1;
  par.batch = batch;
  par.without_replacement = without;
  par.substeps = 32;
  par.scheme = SGDL_SCHEME_HEUN; /* drift error O(h^2): the flow half's bias stays far below its SE */
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create_pair(&ctx, "sgd", "smf1", p, &par, 77, 5, 1, &st) == 0, "pair: %s", ctx.msg);
  sgdl_observable obs[4];
  const char *names[4] = {"x0@0", "x0^2@0", "x0@1", "x0^2@1"};
  for (int i = 0; i < 4; i++) sgdl_observable_parse(&ctx, names[i], 1, 2, &obs[i]);
  const double x0[2] = {0, 0};
  const uint64_t K = 10;
  sgdl_ensemble_plan plan = {st, 2, x0, 100000, K, 4, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  sgdl_affine a;
  sgdl_affine_extract(&ctx, p, &a);
  const double cB = sgdl_minibatch_factor(p->n_data, batch, without);
  double ms[11], Ms[11], mf[11], Mf[11];
  sgdl_affine_moments(&ctx, &a, "sgd", 0.1, cB, 1, x0, K, ms, Ms);
  sgdl_affine_moments(&ctx, &a, "smf1", 0.1, cB, 1, x0, K, mf, Mf);
  double worst = 0;
  for (uint64_t t = 1; t <= K; t++) {
    const double ex[4] = {ms[t], Ms[t], mf[t], Mf[t]};
    for (int o = 0; o < 4; o++) {
      double z = (er.mean[o * (K + 1) + t] - ex[o]) / er.se[o * (K + 1) + t];
      if (fabs(z) > worst) worst = fabs(z);
      if (fabs(z) > 3) printf("  obs %s t %llu: mc %.6g exact %.6g z %.2f\n", names[o], (unsigned long long)t,
                              er.mean[o * (K + 1) + t], ex[o], z);
    }
  }
  CHECK(worst < 4.5, "coupled pair B=%d without=%d: worst |z| = %.2f against exact SGD and SMF moments", batch, without,
        worst);
  printf("pair   B=%d without=%d worst |z| %.2f\n", batch, without, worst);
  sgdl_affine_free(&a);
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
}

static void test_reproducible(sgdl_problem *p) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.1;
  par.substeps = 2;
  sgdl_observable obs[2];
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_observable_parse(&ctx, "x0", 1, 1, &obs[0]);
  sgdl_observable_parse(&ctx, "x0^2", 1, 1, &obs[1]);
  const double x0 = 0.5;
  const char *names[] = {"sgd", "sme1", "smf2"};
  for (int k = 0; k < 3; k++) {
    sgdl_ensemble_result r[2];
    for (int th = 1; th <= 2; th++) {
      ctx.threads = th;
      sgdl_stepper *st;
      sgdl_stepper_create(&ctx, names[k], p, &par, 7, 1, 1, &st);
      sgdl_ensemble_plan plan = {st, 1, &x0, 10001, 20, 2, obs, 0, 1}; /* 10001: a partial last block */
      CHECK(sgdl_ensemble_run(&ctx, &plan, &r[th - 1]) == 0, "run");
      sgdl_stepper_destroy(st);
    }
    CHECK(!memcmp(r[0].mean, r[1].mean, sizeof(double) * 2 * 21) && !memcmp(r[0].var, r[1].var, sizeof(double) * 2 * 21),
          "%s: 1 thread and 2 threads differ", names[k]);
    sgdl_ensemble_result_free(&r[0]);
    sgdl_ensemble_result_free(&r[1]);
  }
}

static void test_divergence(sgdl_problem *p) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 2.5; /* beyond 2/h for h = 1 */
  sgdl_stepper *st;
  sgdl_stepper_create(&ctx, "sgd", p, &par, 1, 0, 1, &st);
  sgdl_observable o;
  sgdl_observable_parse(&ctx, "x0^2", 1, 1, &o);
  const double x0 = 1;
  sgdl_ensemble_plan plan = {st, 1, &x0, 128, 2000, 1, &o, 0, 1};
  sgdl_ensemble_result er;
  int rc = sgdl_ensemble_run(&ctx, &plan, &er);
  CHECK(rc == SGDL_EDIVERGED, "diverging SGD must be reported (rc %d)", rc);
  CHECK(strstr(ctx.msg, "diverged") && strstr(ctx.msg, "lr 2.5"), "message names the run: %s", ctx.msg);
  sgdl_stepper_destroy(st);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double H = 1, C = 1;
  sgdl_problem *q = make(&ctx, "quadratic", NULL, &H, &C, 1);
  const double x1 = 1;
  const char *o1[] = {"x0", "x0^2", "loss"};
  compare(q, "sgd", 0.1, 1, 0, 1, &x1, 10, o1, 3, 1, SGDL_SCHEME_EM, 200000);
  compare(q, "sgd", 0.5, 4, 0, 1, &x1, 6, o1, 3, 1, SGDL_SCHEME_EM, 200000);
  /* Heun is weak order 2 for additive noise: with 16 substeps its bias is far below the MC error. */
  compare(q, "sme1", 0.1, 1, 0, 1, &x1, 10, o1, 2, 16, SGDL_SCHEME_HEUN, 200000);
  compare(q, "sme2", 0.2, 1, 0, 1, &x1, 5, o1, 2, 16, SGDL_SCHEME_HEUN, 200000);
  compare(q, "smf2", 0.2, 1, 0, 1, &x1, 5, o1, 2, 16, SGDL_SCHEME_HEUN, 200000);
  /* Linear regression, two particles sharing minibatches of 2 drawn without replacement. */
  sgdl_problem *lr = make(&ctx, "linreg", "x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n", NULL, NULL, 0);
  const double x2[] = {0, 2};
  const char *o2[] = {"x0@0", "x0^2@1", "dist2[0,1]", "dot[0,1]"};
  compare(lr, "sgd", 0.1, 2, 1, 2, x2, 10, o2, 4, 1, SGDL_SCHEME_EM, 200000);
  compare(lr, "sgd", 0.1, 1, 0, 2, x2, 10, o2, 4, 1, SGDL_SCHEME_EM, 200000);
  /* SMF with shared noise reproduces the exact two-point moments of the flow (EM, fine steps). */
  compare(lr, "smf1", 0.1, 1, 0, 2, x2, 10, o2, 4, 64, SGDL_SCHEME_EM, 100000);
  compare(lr, "sme1", 0.1, 1, 0, 2, x2, 10, o2, 4, 64, SGDL_SCHEME_EM, 100000);
  test_pair_laws(lr, 1, 0);
  test_pair_laws(lr, 2, 1);
  test_reproducible(q);
  test_divergence(q);
  sgdl_problem_destroy(q);
  sgdl_problem_destroy(lr);
  return check_done();
}
