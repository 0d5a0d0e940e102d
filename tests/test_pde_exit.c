/* Exit times from the backward Kolmogorov equation A^T tau = -1:
 *  - 1-D double well (SPEC T18 setting, D = 0.1, exit at 0.5): converges to the nested-integral
 *    quadrature under grid refinement with observed order 2;
 *  - OU two-sided exit (T18 sanity value 1.44524561339);
 *  - 2-D double well with couple = 0: the x-motion is the 1-D double well, so tau(x, y) must equal
 *    the 1-D quadrature (2-D solver against an exact answer);
 *  - 2-D coupled double well: the ratio PDE / Eyring-Kramers tends to 1 as the noise decreases
 *    (three noise levels, linear extrapolation in eps to 0);
 *  - error paths: no absorbing wall, start outside the box. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/pde.h"

static sgdl_problem *make(sgdl_ctx *ctx, const char *name, double sigma2, double h, double couple) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = name;
  spec.sigma2 = sigma2;
  spec.couple = couple;
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

/* PDE tau at x0 on a grid of width h over [lo, hi] (hi absorbing, lo reflecting). */
static double tau_1d(sgdl_ctx *ctx, const sgdl_sme_model *m, double lo, double hi, int bclo, int bchi, int n,
                     double x0) {
  const int bc[2][2] = {{bclo, bchi}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  sgdl_grid g;
  CHECK(sgdl_grid_init(ctx, &g, 1, &n, &lo, &hi, bc) == 0, "grid: %s", ctx->msg);
  sgdl_fp_op *op = NULL;
  CHECK(sgdl_fp_assemble(ctx, m, &g, &op) == 0, "assemble: %s", ctx->msg);
  double *tau = malloc((size_t)n * sizeof(double));
  CHECK(sgdl_fp_exit_time(ctx, op, tau) == 0, "exit time: %s", ctx->msg);
  const double t = sgdl_grid_interp(&g, tau, &x0);
  free(tau);
  sgdl_fp_op_free(op);
  return t;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);

  /* ---- 1-D double well, D = 0.1, -1 -> 0.5: refinement against quadrature ---- */
  {
    sgdl_problem *dw = make(&ctx, "double-well", 2.0, 0, 0);
    sgdl_sme_model m;
    sgdl_sme_model_init(&ctx, &m, dw, 1, 0.1, 1.0, 0.0);
    sgdl_interval iv;
    sgdl_exit_interval_1d(&ctx, &m, -1.0, 0.5, &iv);
    sgdl_met q;
    CHECK(sgdl_met_quadrature(&ctx, &m, &iv, -1.0, 0, &q) == 0, "quadrature: %s", ctx.msg);
    /* Grids with x0 = -1 on a face for every level (h = 1.5 / k), so the interpolation error
     * scales cleanly. */
    double err[4];
    for (int lev = 0; lev < 4; lev++) {
      const int k = 30 << lev;
      const double h = 1.5 / k;
      const int left = (int)ceil((-1.0 - iv.lo) / h);
      const double lo = -1.0 - left * h;
      err[lev] = tau_1d(&ctx, &m, lo, 0.5, SGDL_BC_REFLECT, SGDL_BC_ABSORB, left + k, -1.0) - q.tau;
    }
    const double o1 = log2(fabs(err[1] / err[2])), o2 = log2(fabs(err[2] / err[3]));
    CHECK(o1 > 1.85 && o1 < 2.15 && o2 > 1.9 && o2 < 2.1, "observed order of the PDE exit time: %g, %g (errors %g %g %g %g)",
          o1, o2, err[0], err[1], err[2], err[3]);
    CHECK(fabs(err[3]) < 2e-4 * q.tau, "finest PDE exit time within 2e-4 of quadrature: %g vs %g", err[3] + q.tau, q.tau);
    /* SME2 on the same problem: same agreement (different drift, same code path for D). */
    sgdl_sme_model m2;
    sgdl_sme_model_init(&ctx, &m2, dw, 2, 0.1, 1.0, 0.0);
    sgdl_interval iv2;
    sgdl_exit_interval_1d(&ctx, &m2, -1.0, 0.5, &iv2);
    sgdl_met q2;
    sgdl_met_quadrature(&ctx, &m2, &iv2, -1.0, 0, &q2);
    const double h = 1.5 / 480;
    const int left = (int)ceil((-1.0 - iv2.lo) / h);
    const double t2 = tau_1d(&ctx, &m2, -1.0 - left * h, 0.5, SGDL_BC_REFLECT, SGDL_BC_ABSORB, left + 480, -1.0);
    CHECK_REL(t2, q2.tau, 2e-4, "SME2 PDE exit time vs quadrature");
    /* SME2 keeps the barrier (grad L = 0 at the critical points) but stiffens the minimum
     * (2 -> 2 + alpha/2 * 4) and softens the saddle (-1 -> -1 + alpha/2): its Kramers prefactor is
     * smaller by sqrt(2.2 * 0.95 / 2) ... the ratio of prefactors 2pi/|l_s| sqrt(|l_s|/l_a). */
    const double pref1 = 1.0 / sqrt(2.0 * 1.0), pref2 = 1.0 / sqrt(2.2 * 0.95);
    CHECK_REL(q2.tau / q.tau, pref2 / pref1, 0.01, "SME2/SME1 exit-time ratio vs Kramers prefactors");

    /* Errors: no absorbing wall. */
    const int refl[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
    sgdl_grid g;
    const int n = 100;
    const double lo = -2, hi = 0.5;
    sgdl_grid_init(&ctx, &g, 1, &n, &lo, &hi, refl);
    sgdl_fp_op *op = NULL;
    sgdl_fp_assemble(&ctx, &m, &g, &op);
    double tau[100];
    CHECK(sgdl_fp_exit_time(&ctx, op, tau) == SGDL_EINVAL && strstr(ctx.msg, "absorbing"), "reflecting only: %s", ctx.msg);
    const double out = 3.0;
    CHECK(sgdl_grid_locate(&g, &out) == -1, "start outside the box is located as -1");
    sgdl_fp_op_free(op);
    sgdl_problem_destroy(dw);
  }

  /* ---- OU exit from (-1, 1), D = 0.5 (T18 sanity) ---- */
  {
    sgdl_problem *ou = make(&ctx, "quadratic", 1.0, 1.0, 0);
    sgdl_sme_model m;
    sgdl_sme_model_init(&ctx, &m, ou, 1, 1.0, 1.0, 0.0);
    const double t = tau_1d(&ctx, &m, -1, 1, SGDL_BC_ABSORB, SGDL_BC_ABSORB, 2000, 0.0);
    CHECK_REL(t, 1.44524561339, 2e-6, "OU two-sided exit time, PDE");
    sgdl_problem_destroy(ou);
  }

  /* ---- 2-D double well, couple = 0: tau(x, y) = 1-D tau(x) ---- */
  {
    sgdl_problem *p2 = make(&ctx, "double-well-2d", 2.0, 0, 0.0);
    sgdl_problem *p1 = make(&ctx, "double-well", 2.0, 0, 0);
    sgdl_sme_model m2, m1;
    sgdl_sme_model_init(&ctx, &m2, p2, 1, 0.1, 1.0, 0.0);
    sgdl_sme_model_init(&ctx, &m1, p1, 1, 0.1, 1.0, 0.0);
    sgdl_interval iv;
    sgdl_exit_interval_1d(&ctx, &m1, -1.0, 0.5, &iv);
    sgdl_met q;
    sgdl_met_quadrature(&ctx, &m1, &iv, -1.0, 0, &q);
    const double h = 1.5 / 120;
    const int left = (int)ceil((-1.0 - iv.lo) / h);
    const int n[2] = {left + 120, 96};
    const double lo[2] = {-1.0 - left * h, -1.5}, hi[2] = {0.5, 1.5};
    const int bc[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_ABSORB}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
    sgdl_grid g;
    sgdl_grid_init(&ctx, &g, 2, n, lo, hi, bc);
    sgdl_fp_op *op = NULL;
    CHECK(sgdl_fp_assemble(&ctx, &m2, &g, &op) == 0, "2-D assemble: %s", ctx.msg);
    double *tau = malloc(sgdl_grid_cells(&g) * sizeof(double));
    CHECK(sgdl_fp_exit_time(&ctx, op, tau) == 0, "2-D exit: %s", ctx.msg);
    const double xa[2] = {-1.0, 0.3}, xb[2] = {-1.0, -0.9};
    const double ta = sgdl_grid_interp(&g, tau, xa), tb = sgdl_grid_interp(&g, tau, xb);
    const double t1 = tau_1d(&ctx, &m1, lo[0], 0.5, SGDL_BC_REFLECT, SGDL_BC_ABSORB, n[0], -1.0);
    CHECK_REL(ta, t1, 1e-9, "2-D separable exit time equals the 1-D PDE on the same x-grid");
    CHECK_REL(tb, t1, 1e-9, "2-D separable exit time does not depend on y");
    CHECK_REL(ta, q.tau, 2e-3, "2-D separable exit time vs 1-D quadrature");
    free(tau);
    sgdl_fp_op_free(op);
    sgdl_problem_destroy(p2);
    sgdl_problem_destroy(p1);
  }

  /* ---- 2-D coupled double well: PDE / Eyring-Kramers -> 1 as eps -> 0 ---- */
  {
    const double sig2[3] = {1.0, 0.7, 0.5}; /* eps = alpha sigma^2 / 2 = 0.05, 0.035, 0.025 */
    double ratio[3], eps[3];
    for (int k = 0; k < 3; k++) {
      sgdl_problem *p2 = make(&ctx, "double-well-2d", sig2[k], 0, 0.5);
      sgdl_sme_model m;
      sgdl_sme_model_init(&ctx, &m, p2, 1, 0.1, 1.0, 0.0);
      const double x0[2] = {-1.0, 0.0};
      sgdl_kramers kr;
      CHECK(sgdl_kramers_solve(&ctx, &m, x0, 0, 0.5, &kr) == 0, "kramers: %s", ctx.msg);
      const int n[2] = {150, 120};
      const double lo[2] = {-2.0, -1.2}, hi[2] = {0.5, 1.2};
      const int bc[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_ABSORB}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
      sgdl_grid g;
      sgdl_grid_init(&ctx, &g, 2, n, lo, hi, bc);
      CHECK(sgdl_fp_check_resolution(&ctx, &m, &g, kr.xmin, "--grid") == 0, "resolution: %s", ctx.msg);
      sgdl_fp_op *op = NULL;
      sgdl_fp_assemble(&ctx, &m, &g, &op);
      double *tau = malloc(sgdl_grid_cells(&g) * sizeof(double));
      CHECK(sgdl_fp_exit_time(&ctx, op, tau) == 0, "2-D exit: %s", ctx.msg);
      ratio[k] = sgdl_grid_interp(&g, tau, x0) / kr.t_boundary;
      eps[k] = kr.eps;
      free(tau);
      sgdl_fp_op_free(op);
      sgdl_problem_destroy(p2);
    }
    CHECK(fabs(ratio[2] - 1) < fabs(ratio[1] - 1) && fabs(ratio[1] - 1) < fabs(ratio[0] - 1),
          "PDE/EK ratio approaches 1: %g %g %g (eps %g %g %g)", ratio[0], ratio[1], ratio[2], eps[0], eps[1], eps[2]);
    /* Corrections are O(eps): the line through the last two points extrapolates to 1 at eps = 0. */
    const double slope = (ratio[1] - ratio[2]) / (eps[1] - eps[2]);
    const double r0 = ratio[2] - slope * eps[2];
    printf("PDE/EK ratios %.4f %.4f %.4f at eps %.4f %.4f %.4f -> %.4f\n", ratio[0], ratio[1], ratio[2], eps[0], eps[1],
           eps[2], r0);
    CHECK(fabs(r0 - 1) < 0.05, "PDE/EK ratio extrapolated to eps = 0: %g (ratios %g %g %g)", r0, ratio[0], ratio[1],
          ratio[2]);
  }
  return check_done();
}
