/* Momentum SGD and its modified equations (SPEC 3.2, tests T8 and T9), through the steppers and
 * the study on the noise-free quadratic (C = 0: every path is the deterministic recursion, so the
 * "Monte Carlo" means are exact):
 *   T9: heavy ball mu = 0.5, h = 1, x0 = 1, alpha = 0.0025, k = 400 gives x_k = 0.133974528506;
 *       the order-1 flow e^{-2T} is off by -1.361e-3, the order-2 flow from x0 by +6.541e-4 and
 *       the order-2 flow from the shifted start by -1.248e-5 (SGD - model);
 *   orders: msme1 ~ 1, msme2 with the initial layer ~ 2, for heavy ball and for Nesterov (T8's
 *       kappa_1), and without the initial layer the order-2 drift alone stays at order 1;
 *   T10: the critical scaling mu = 1 - sqrt(alpha) (lambda = 1): heavy ball after T/eps steps,
 *       eps = sqrt(alpha), against the underdamped ODE X'' + X' + X = 0, X(5) = -0.0745905666;
 *       errors +1.614e-2, +8.159e-3, +4.100e-3 (order 1 in eps);
 *   Su-Boyd-Candes: Nesterov with mu_k = (k-1)/(k+2) against X'' + (3/t) X' + X = 0, whose solution
 *       is X(t) = 2 x0 J_1(t)/t: the model matches it and the error of Nesterov is order 1 in eps. */
#define _XOPEN_SOURCE 700 /* j1(), the Bessel function of the Su-Boyd-Candes solution */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study.h"

static sgdl_problem *quad_noiseless(sgdl_ctx *ctx) {
  static const double H = 1, C = 0;
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "quadratic";
  sp.dim = 1;
  sp.H = &H;
  sp.C = &C;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

/* Errors E x_K(algo) - X(T) for each model at each lr (final time T = 1), and the final value of algo. */
static void run(sgdl_ctx *ctx, sgdl_problem *p, const char *algo, double mu, int no_layer, const double *lrs, int nlr,
                const char *const *models, int nm, double *err, double *final_algo) {
  static const double x0 = 1;
  sgdl_observable o;
  sgdl_observable_parse(ctx, "x0", 1, 1, &o);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.algo = algo;
  sp.n_models = nm;
  sp.models = models;
  sp.n_lr = nlr;
  sp.lrs = lrs;
  sp.T = 1;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 1;
  sp.obs = &o;
  sp.paths = 2;
  sgdl_algo_params_init(&sp.par);
  sp.par.momentum = mu;
  sp.par.nesterov = !strcmp(algo, "nag");
  sp.par.no_initial_layer = no_layer;
  sp.par.substeps = 16;
  sp.par.scheme = SGDL_SCHEME_HEUN;
  sp.seed = 3;
  sgdl_study_result r;
  CHECK(sgdl_study_run(ctx, &sp, &r) == 0, "study: %s", ctx->msg);
  for (int li = 0; li < nlr; li++) {
    const sgdl_study_series *a = SGDL_STUDY_SERIES(&r, 0, li, 0);
    if (final_algo) final_algo[li] = a->mean[a->n_times - 1];
    for (int m = 0; m < nm; m++) {
      const sgdl_study_series *b = SGDL_STUDY_SERIES(&r, m + 1, li, 0);
      err[m * nlr + li] = a->mean[a->n_times - 1] - b->mean[b->n_times - 1];
    }
  }
  sgdl_study_result_free(&r);
}

/* The sqrt(alpha) time axis (critical scaling lambda > 0, or the SBC schedule): `algo` against
 * usme from x0 = 1 to T = 5 at the three learning rates lrs, noise-free, Heun with 16 substeps. */
static void run_sqrt_axis(sgdl_ctx *ctx, sgdl_problem *p, const char *algo, double lambda, int sbc, const double *lrs,
                          sgdl_study_result *r) {
  static const double x0 = 1;
  static const char *const um[] = {"usme"};
  sgdl_observable o;
  sgdl_observable_parse(ctx, "x0", 1, 1, &o);
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.prob = p;
  sp.algo = algo;
  sp.critical_lambda = lambda;
  sp.sbc = sbc;
  sp.n_models = 1;
  sp.models = um;
  sp.n_lr = 3;
  sp.lrs = lrs;
  sp.T = 5;
  sp.P = 1;
  sp.x0 = &x0;
  sp.n_obs = 1;
  sp.obs = &o;
  sp.paths = 2;
  sgdl_algo_params_init(&sp.par);
  sp.par.substeps = 16;
  sp.par.scheme = SGDL_SCHEME_HEUN;
  CHECK(sgdl_study_run(ctx, &sp, r) == 0, "%s study on the sqrt(alpha) axis: %s", algo, ctx->msg);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = quad_noiseless(&ctx);
  if (!p) return check_done();
  /* T9 */
  static const char *const t9models[] = {"msme1", "msme2"};
  const double lr9 = 0.0025;
  double e_shift[2], e_plain[2], xk;
  run(&ctx, p, "hb", 0.5, 0, &lr9, 1, t9models, 2, e_shift, &xk);
  run(&ctx, p, "hb", 0.5, 1, &lr9, 1, t9models, 2, e_plain, NULL);
  CHECK_REL(xk, 0.133974528506, 1e-10, "T9 heavy-ball x_k");
  CHECK_REL(e_shift[0], -1.361e-3, 5e-4, "T9 order-1 flow error");
  CHECK_REL(e_plain[1], 6.541e-4, 5e-4, "T9 order-2 flow from x0");
  CHECK_REL(e_shift[1], -1.248e-5, 3e-3, "T9 order-2 flow from the shifted start");
  /* Orders over alpha for heavy ball and Nesterov (mu = 0.5: expansion parameter alpha/(1-mu)^2 small). */
  const double lrs[] = {0.02, 0.01, 0.005, 0.0025};
  static const char *const models[] = {"msme1", "msme2"};
  const char *algos[] = {"hb", "nag"};
  for (int a = 0; a < 2; a++) {
    double err[8], plain[8];
    run(&ctx, p, algos[a], 0.5, 0, lrs, 4, models, 2, err, NULL);
    run(&ctx, p, algos[a], 0.5, 1, lrs, 4, models, 2, plain, NULL);
    for (int i = 0; i < 8; i++) {
      err[i] = fabs(err[i]);
      plain[i] = fabs(plain[i]);
    }
    sgdl_order_fit f1, f2, f2p;
    sgdl_fit_order(lrs, err, NULL, 4, &f1);
    sgdl_fit_order(lrs, err + 4, NULL, 4, &f2);
    sgdl_fit_order(lrs, plain + 4, NULL, 4, &f2p);
    char w[64];
    snprintf(w, sizeof w, "%s: msme1 order", algos[a]);
    CHECK_ABS(f1.order, 1.0, 0.1, w);
    snprintf(w, sizeof w, "%s: msme2 order with the initial layer", algos[a]);
    CHECK_ABS(f2.order, 2.0, 0.15, w);
    snprintf(w, sizeof w, "%s: msme2 order without the initial layer", algos[a]);
    CHECK_ABS(f2p.order, 1.0, 0.15, w);
    printf("%s: orders msme1 %.3f, msme2 %.3f (without initial layer %.3f)\n", algos[a], f1.order, f2.order, f2p.order);
  }
  /* T10 through the study with the critical scaling (final time T = 5). */
  const double lr_eps[] = {0.01, 0.0025, 0.000625}; /* eps = 0.1, 0.05, 0.025 */
  {
    const double xk10[] = {-0.0584530272, -0.0664315478, -0.0704906615};
    const double err10[] = {1.614e-2, 8.159e-3, 4.100e-3};
    sgdl_study_result r;
    run_sqrt_axis(&ctx, p, "hb", 1, 0, lr_eps, &r);
    for (int li = 0; li < 3 && r.series; li++) {
      const sgdl_study_series *a = SGDL_STUDY_SERIES(&r, 0, li, 0), *b = SGDL_STUDY_SERIES(&r, 1, li, 0);
      CHECK(a->n_times == (uint64_t)(5 / sqrt(lr_eps[li]) + 1.5), "T10 steps T/eps");
      CHECK_REL(a->mean[a->n_times - 1], xk10[li], 1e-8, "T10 heavy ball x_k");
      /* Heun (RK2) with h = eps/16: error O(h^2), 3e-5 relative at eps = 0.1, four times less per halving */
      CHECK_REL(b->mean[b->n_times - 1], -0.0745905666, 5e-5, "T10 underdamped ODE X(5)");
      CHECK_REL(a->mean[a->n_times - 1] - b->mean[b->n_times - 1], err10[li], 2e-3, "T10 error");
    }
    sgdl_study_result_free(&r);
  }
  /* Su-Boyd-Candes */
  {
    sgdl_study_result r;
    run_sqrt_axis(&ctx, p, "nag", 0, 1, lr_eps, &r);
    double err[3];
    const double exact = 2 * j1(5.0) / 5.0;
    for (int li = 0; li < 3 && r.series; li++) {
      const sgdl_study_series *a = SGDL_STUDY_SERIES(&r, 0, li, 0), *b = SGDL_STUDY_SERIES(&r, 1, li, 0);
      CHECK_ABS(b->mean[b->n_times - 1], exact, 2e-3 * sqrt(lr_eps[li]), "SBC ODE: 2 J1(5)/5");
      err[li] = fabs(a->mean[a->n_times - 1] - exact);
    }
    sgdl_order_fit f;
    sgdl_fit_order(lr_eps, err, NULL, 3, &f);
    CHECK_ABS(f.order, 0.5, 0.1, "Nesterov with the SBC schedule: order 1 in eps (0.5 in alpha)");
    printf("SBC: X(5) exact %.10f, Nesterov errors %.3e %.3e %.3e, order in alpha %.3f\n", exact, err[0], err[1], err[2],
           f.order);
    sgdl_study_result_free(&r);
  }
  sgdl_problem_destroy(p);
  return check_done();
}
