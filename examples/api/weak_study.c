/* A weak-error study through the public C API (include/sgdlab/study.h), as `sgdlab weak` runs it:
 * SGD on the double well against the SME of order 1 and 2, at three learning rates, from x0 = 0.5;
 * prints the weak error on E x with its 95% interval and the fitted orders.
 * Build against an installed sgdlab:
 *     cc weak_study.c $(pkg-config --cflags --libs sgdlab) -o weak_study && ./weak_study [paths]
 * It shows the calls and who owns what; no output files (the CLI's report layer writes those). */
#include <stdio.h>
#include <stdlib.h>

#include "sgdlab/study.h"

int main(int argc, char **argv) {
  const unsigned long long paths = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.verbosity = 0; /* no progress bar */

  sgdl_problem_spec ps; /* the problem: L = x^4/4 - x^2/2, additive gradient noise of variance 1 */
  sgdl_problem_spec_init(&ps);
  ps.name = "double-well";
  ps.sigma2 = 1.0;
  sgdl_problem *prob = NULL; /* owned here: sgdl_problem_destroy */
  if (sgdl_problem_create(&ctx, &ps, &prob)) {
    fprintf(stderr, "weak_study: %s\n", ctx.msg);
    return 1;
  }

  static const char *const models[] = {"sme1", "sme2"};
  const double lrs[] = {0.2, 0.1, 0.05}, x0 = 0.5;
  sgdl_observable obs;
  int rc = sgdl_observable_parse(&ctx, "x0", prob->dim, 1, &obs);

  sgdl_study_spec sp = {0};
  sp.prob = prob;
  sp.n_models = 2;
  sp.models = models;
  sp.n_lr = 3;
  sp.lrs = lrs;
  sp.T = 1.0;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 1;
  sp.obs = &obs;
  sp.paths = paths;
  sgdl_algo_params_init(&sp.par);
  sp.par.scheme = SGDL_SCHEME_HEUN; /* the CLI's --scheme auto for constant noise */
  sp.par.substeps = 4;
  sp.coupling = 1; /* common random numbers between SGD and each model */
  sp.seed = 1;

  sgdl_study_result res = {0}; /* filled by sgdl_study_run, freed by sgdl_study_result_free */
  if (!rc) rc = sgdl_study_run(&ctx, &sp, &res);
  if (rc) {
    fprintf(stderr, "weak_study: %s\n", ctx.msg);
    sgdl_problem_destroy(prob);
    return 1;
  }
  printf("weak error sup_t |E x(SGD) - E x(model)| on the double well, T = 1, %llu paths\n", paths);
  for (int m = 0; m < res.n_models; m++)
    for (int l = 0; l < res.n_lr; l++) {
      const sgdl_sup_error *e = &res.errors[((size_t)m * res.n_lr + l) * res.n_stat];
      printf("  %-5s lr %-5g %.4e  [%.3e, %.3e]\n", models[m], lrs[l], e->value, e->lo, e->hi);
    }
  for (int m = 0; m < res.n_models; m++) {
    const sgdl_order_fit *f = &res.orders[(size_t)m * res.n_stat];
    printf("  %-5s fitted order %.2f  [%.2f, %.2f]  (%d points)\n", models[m], f->order, f->lo, f->hi, f->n);
  }
  sgdl_study_result_free(&res);
  sgdl_problem_destroy(prob);
  return 0;
}
