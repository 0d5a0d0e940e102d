/* Adam's stationary covariance on a noisy 2-D quadratic: the self-consistent model (SPEC 5.4a) and the
 * frozen one (SPEC 5.4) against the engine's own Adam chains (sgdl_stat_simulate), fixed seeds:
 *  - deterministic: the self-consistent v is a fixed point, v = diag(H Sigma H + C), and Sigma is the
 *    frozen-form solve at that v; the frozen model through sgdl_stat_quad_solve_model is bitwise
 *    sgdl_stat_quad_solve; a 1-D case against the scalar fixed point solved by bisection;
 *  - Monte Carlo at lr 0.05 and 0.1 (beta1 0.9, beta2 0.999, eps 1e-8): every self-consistent entry
 *    within 4 standard errors of real Adam; the frozen model more than 6 standard errors off in some entry
 *    and both its variances more than 3 standard errors above.
 * The torch.optim.Adam comparison is tests/test_adam_torch.py. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sgdlab/stationary.h"

static const double H2[4] = {1, .3, .3, .5}, C2[4] = {1, .2, .2, .7};

static void adam_params(sgdl_algo_params *par, double lr) {
  sgdl_algo_params_init(par);
  par->lr = lr;
  par->beta1 = 0.9;
  par->beta2 = 0.999;
  par->eps = 1e-8;
}

static void fixed_point(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_algo_params par;
  adam_params(&par, 0.3);
  sgdl_stat_quad sc, fr, ref;
  CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 2, H2, C2, &par, SGDL_STAT_ITERATE_X, SGDL_STAT_ADAM_SELF_CONSISTENT, &sc) == 0,
        "%s", ctx.msg);
  CHECK(sc.adam_model == SGDL_STAT_ADAM_SELF_CONSISTENT && sc.adam_iterations > 1 && sc.adam_change <= 1e-12, "converged (%d, %g)",
        sc.adam_iterations, sc.adam_change);
  for (int i = 0; i < 2; i++) {
    double s = C2[i * 3];
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++) s += H2[i * 2 + a] * sc.sigma[a * 2 + b] * H2[b * 2 + i];
    CHECK_REL(sc.adam_v[i], s, 1e-11, "v_i = (H Sigma H + C)_ii");
    CHECK_REL(sc.precond[i * 3], 1 / (sqrt(sc.adam_v[i]) + par.eps), 1e-11, "P_ii from v_i");
    CHECK(sc.adam_v[i] > C2[i * 3], "v_%d above the noise alone", i);
  }
  CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 2, H2, C2, &par, SGDL_STAT_ITERATE_X, SGDL_STAT_ADAM_FROZEN, &fr) == 0, "%s",
        ctx.msg);
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_ADAM, 2, H2, C2, &par, &ref) == 0, "%s", ctx.msg);
  CHECK(!memcmp(fr.sigma, ref.sigma, 4 * sizeof(double)), "frozen model is the old solve, bitwise");
  CHECK(fr.adam_v[0] == C2[0] && fr.adam_v[1] == C2[3], "frozen v = diag(C)");
  CHECK(sc.sigma[0] < fr.sigma[0] && sc.sigma[3] < fr.sigma[3], "a larger v gives a smaller P and a smaller covariance");
  sgdl_stat_quad_free(&sc);
  sgdl_stat_quad_free(&fr);
  sgdl_stat_quad_free(&ref);

  /* 1-D, eps = 0: Sigma(v) = a p c / (h (2 - k p h)), p = v^-1/2, k = a (1-b1)/(1+b1); v = c + h^2 Sigma(v). */
  const double h = 2, c = 0.5, a = 0.2, k = a * 0.1 / 1.9;
  double lo = c, hi = 10 * c;
  for (int it = 0; it < 200; it++) {
    double v = 0.5 * (lo + hi), p = 1 / sqrt(v), S = a * p * c / (h * (2 - k * p * h));
    if (c + h * h * S > v) lo = v;
    else hi = v;
  }
  double v1 = 0.5 * (lo + hi), p1 = 1 / sqrt(v1);
  par.lr = a;
  par.eps = 0;
  sgdl_stat_quad q1;
  CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 1, &h, &c, &par, SGDL_STAT_ITERATE_X, SGDL_STAT_ADAM_SELF_CONSISTENT, &q1) == 0,
        "%s", ctx.msg);
  CHECK_REL(q1.adam_v[0], v1, 1e-11, "1-D fixed point");
  CHECK_REL(q1.sigma[0], a * p1 * c / (h * (2 - k * p1 * h)), 1e-11, "1-D self-consistent variance");
  sgdl_stat_quad_free(&q1);
  CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 1, &h, &c, &par, SGDL_STAT_ITERATE_X, 7, &q1) == SGDL_EINVAL &&
            strstr(ctx.msg, "--adam-model"),
        "unknown model named: %s", ctx.msg);
  sgdl_stat_quad_free(&q1);
}

/* Largest |MC - model| / se over the three entries, and the smallest signed z of the diagonal. */
static double worst_z(const sgdl_stat_mc *m, const double *model, double *diag_min) {
  double w = 0;
  *diag_min = INFINITY;
  for (int i = 0; i < 2; i++)
    for (int j = i; j < 2; j++) {
      double z = (model[i * 2 + j] - m->cov[i * 2 + j]) / m->cov_se[i * 2 + j];
      w = fmax(w, fabs(z));
      if (i == j) *diag_min = fmin(*diag_min, z);
    }
  return w;
}

static void against_simulation(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "quadratic";
  spec.dim = 2;
  spec.H = H2;
  spec.C = C2;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(&ctx, &spec, &p) == 0, "%s", ctx.msg);
  if (!p) return;
  const double lrs[2] = {0.05, 0.1};
  const uint64_t steps[2] = {240000, 40000};
  for (int k = 0; k < 2; k++) {
    sgdl_algo_params par;
    adam_params(&par, lrs[k]);
    sgdl_stat_quad sc, fr;
    CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 2, H2, C2, &par, SGDL_STAT_ITERATE_X, SGDL_STAT_ADAM_SELF_CONSISTENT, &sc) == 0,
          "%s", ctx.msg);
    CHECK(sgdl_stat_quad_solve_model(&ctx, SGDL_OPT_ADAM, 2, H2, C2, &par, SGDL_STAT_ITERATE_X, SGDL_STAT_ADAM_FROZEN, &fr) == 0, "%s",
          ctx.msg);
    double x0[2] = {0, 0};
    sgdl_stat_mc m;
    /* burn-in 5000 steps: five times Adam's second-moment memory 1/(1 - beta2) */
    CHECK(sgdl_stat_simulate(&ctx, p, "adam", &par, 2024u + (uint32_t)k, 250, 5000, steps[k], x0, H2, &m) == 0, "%s", ctx.msg);
    double dsc, dfr, zsc = worst_z(&m, sc.sigma, &dsc), zfr = worst_z(&m, fr.sigma, &dfr);
    printf("adam lr %.2f: Var x0, x1 real %.6g %.6g (se %.1g %.1g); self-consistent %.6g %.6g (worst %.2f se); "
           "frozen %.6g %.6g (worst %.2f se, diagonal >= %+.2f se)\n",
           lrs[k], m.cov[0], m.cov[3], m.cov_se[0], m.cov_se[3], sc.sigma[0], sc.sigma[3], zsc, fr.sigma[0], fr.sigma[3], zfr, dfr);
    printf("  (model - real)/se for S00, S01, S11: self-consistent %+.2f %+.2f %+.2f, frozen %+.2f %+.2f %+.2f\n",
           (sc.sigma[0] - m.cov[0]) / m.cov_se[0], (sc.sigma[1] - m.cov[1]) / m.cov_se[1], (sc.sigma[3] - m.cov[3]) / m.cov_se[3],
           (fr.sigma[0] - m.cov[0]) / m.cov_se[0], (fr.sigma[1] - m.cov[1]) / m.cov_se[1], (fr.sigma[3] - m.cov[3]) / m.cov_se[3]);
    CHECK(zsc < 4, "lr %g: self-consistent Adam within 4 se of the simulation (worst %.2f)", lrs[k], zsc);
    CHECK(zfr > 6 && dfr > 3, "lr %g: the frozen model should be resolved above the simulation (worst %.2f se, diagonal >= %.2f se)",
          lrs[k], zfr, dfr);
    sgdl_stat_mc_free(&m);
    sgdl_stat_quad_free(&sc);
    sgdl_stat_quad_free(&fr);
  }
  sgdl_problem_destroy(p);
}

int main(void) {
  fixed_point();
  against_simulation();
  return check_done();
}
