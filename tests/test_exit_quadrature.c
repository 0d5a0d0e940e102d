/* 1-D mean exit time by nested quadrature: SPEC T18 (double well, hit the saddle and transition),
 * the OU sanity values of T18, pure diffusion (r^2 - x^2)/(2D), the mirrored problem (exit
 * downwards), the log-domain guard for a barrier beyond exp(709), and the automatic far end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/exit.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static sgdl_problem *make(sgdl_ctx *ctx, const char *name, double sigma2, double h) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = name;
  spec.sigma2 = sigma2;
  double H = h, C = sigma2;
  if (!strcmp(name, "quadratic")) {
    spec.dim = 1;
    spec.H = &H;
    spec.C = &C;
  }
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &spec, &p)) {
    fprintf(stderr, "problem: %s\n", ctx->msg);
    exit(1);
  }
  return p;
}

static double met(sgdl_ctx *ctx, sgdl_problem *p, int order, double lr, double x0, sgdl_interval iv, sgdl_met *r) {
  sgdl_sme_model m;
  CHECK(sgdl_sme_model_init(ctx, &m, p, order, lr, 1.0, 0.0) == 0, "model: %s", ctx->msg);
  int rc = sgdl_met_quadrature(ctx, &m, &iv, x0, 0, r);
  CHECK(rc == 0, "quadrature: %s", ctx->msg);
  return r->tau;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_met r;

  /* T18: D = alpha sigma^2 / 2 = 0.1 (alpha = 0.1, sigma^2 = 2), reflecting at -infinity. */
  sgdl_problem *dw = make(&ctx, "double-well", 2.0, 0);
  sgdl_sme_model m;
  sgdl_sme_model_init(&ctx, &m, dw, 1, 0.1, 1.0, 0.0);
  sgdl_interval iv;
  CHECK(sgdl_exit_interval_1d(&ctx, &m, -1.0, 0.0, &iv) == 0, "interval: %s", ctx.msg);
  CHECK(iv.bc_lo == SGDL_BC_NATURAL && iv.bc_hi == SGDL_BC_ABSORB && iv.hi == 0.0 && iv.lo < -2.0,
        "auto interval (%g, %g)", iv.lo, iv.hi);
  CHECK_REL(met(&ctx, dw, 1, 0.1, -1.0, iv, &r), 30.8213024727, 1e-10, "T18 tau(-1 -> 0), D = 0.1");
  CHECK(r.err < 1e-8, "T18 error estimate %g", r.err);
  CHECK(sgdl_exit_interval_1d(&ctx, &m, -1.0, 1.0, &iv) == 0, "interval: %s", ctx.msg);
  CHECK_REL(met(&ctx, dw, 1, 0.1, -1.0, iv, &r), 66.2686263649, 1e-10, "T18 tau(-1 -> +1), D = 0.1");
  /* Kramers' ratio column of T18 (the formula itself, as a check on the table we test against). */
  CHECK_REL(M_PI / sqrt(2.0) * exp(1 / (4 * 0.1)), 27.0626972811, 1e-10, "T18 Kramers (hit)");
  /* Mirror: from +1 down to 0 is the same by symmetry. */
  CHECK(sgdl_exit_interval_1d(&ctx, &m, 1.0, 0.0, &iv) == 0, "interval: %s", ctx.msg);
  CHECK(iv.bc_lo == SGDL_BC_ABSORB && iv.bc_hi == SGDL_BC_NATURAL, "mirrored interval");
  CHECK_REL(met(&ctx, dw, 1, 0.1, 1.0, iv, &r), 30.8213024727, 1e-10, "T18 mirrored tau(+1 -> 0)");
  /* Bad input: empty interval, start outside. */
  CHECK(sgdl_exit_interval_1d(&ctx, &m, 0.5, 0.5, &iv) == SGDL_EINVAL && strstr(ctx.msg, "empty interval"),
        "empty interval message: %s", ctx.msg);
  sgdl_interval bad = {-1, 1, SGDL_BC_ABSORB, SGDL_BC_ABSORB};
  CHECK(sgdl_met_quadrature(&ctx, &m, &bad, 2.0, 0, &r) == SGDL_EINVAL && strstr(ctx.msg, "outside"),
        "outside message: %s", ctx.msg);
  sgdl_problem_destroy(dw);

  /* OU sanity (T18): h = 1, exit (-r, r) from 0. D = 0.5 (alpha = 1, sigma^2 = 1), r = 1. */
  sgdl_problem *ou = make(&ctx, "quadratic", 1.0, 1.0);
  sgdl_interval two = {-1, 1, SGDL_BC_ABSORB, SGDL_BC_ABSORB};
  CHECK_REL(met(&ctx, ou, 1, 1.0, 0.0, two, &r), 1.44524561339, 1e-10, "OU D = 0.5, r = 1");
  sgdl_interval half = {-0.5, 0.5, SGDL_BC_ABSORB, SGDL_BC_ABSORB};
  CHECK_REL(met(&ctx, ou, 1, 0.1, 0.0, half, &r), 7.22965253327, 1e-10, "OU D = 0.05, r = 0.5");
  /* Log-domain guard: OU with D = 5e-4 exiting at 1: barrier/D = 1000, tau ~ e^1000 overflows. */
  sgdl_interval far = {-3, 1, SGDL_BC_REFLECT, SGDL_BC_ABSORB};
  met(&ctx, ou, 1, 0.001, 0.0, far, &r);
  CHECK(isinf(r.tau) && r.log_tau > 990 && r.log_tau < 1010, "overflow guard: tau %g log_tau %g", r.tau, r.log_tau);
  /* Large-barrier asymptotics of the OU exit to level c = 1 (h = 1): the inner integral is
   * sqrt(2 pi / D) up to exp(-1000), the outer one the Dawson-type series
   * int_0^1 e^{y^2/2D} dy = D e^{1/2D} (1 + D + 3 D^2 + O(D^3)), so
   * log tau = log sqrt(2 pi D) + 1/(2D) + log(1 + D + 3 D^2) + O(D^3). (mpmath: 997.11898792998.) */
  const double Dlg = 5e-4;
  CHECK_ABS(r.log_tau, 0.5 * log(2 * M_PI * Dlg) + 0.5 / Dlg + log1p(Dlg + 3 * Dlg * Dlg), 5e-9,
            "overflowed log tau vs asymptotics");
  sgdl_problem_destroy(ou);

  /* Pure diffusion (H = 0): tau = (r^2 - x^2) / (2D), D = alpha sigma^2 / 2 = 0.25. */
  sgdl_problem *bm = make(&ctx, "quadratic", 1.0, 0.0);
  sgdl_interval pd = {-1, 1, SGDL_BC_ABSORB, SGDL_BC_ABSORB};
  CHECK_REL(met(&ctx, bm, 1, 0.5, 0.3, pd, &r), (1 - 0.09) / 0.5, 1e-11, "pure diffusion");
  /* Reflecting at -1, absorbing at 1: tau(x) = ((1+1)^2 - (x+1)^2) / (2D) ... = (c-x)(c+x-2a)/(2D). */
  sgdl_interval rf = {-1, 1, SGDL_BC_REFLECT, SGDL_BC_ABSORB};
  CHECK_REL(met(&ctx, bm, 1, 0.5, 0.3, rf, &r), (1 - 0.3) * (1 + 0.3 + 2) / 0.5, 1e-11, "pure diffusion, reflecting");
  sgdl_interval lf = {-1, 1, SGDL_BC_ABSORB, SGDL_BC_REFLECT};
  CHECK_REL(met(&ctx, bm, 1, 0.5, -0.3, lf, &r), (1 - 0.3) * (1 + 0.3 + 2) / 0.5, 1e-11, "pure diffusion, mirrored");
  sgdl_problem_destroy(bm);
  return check_done();
}
