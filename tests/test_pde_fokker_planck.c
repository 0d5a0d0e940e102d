/* Fokker-Planck solver: stationary laws (OU under SME1 and SME2 against SPEC T3, the double well
 * and the 2-D double well against their Gibbs densities), mass conservation to 1e-12 and positivity
 * in every implicit Euler step (1-D and 2-D), SPEC T20 (drift-regime equality case, OU second moment
 * at t = 1) and T21 (Bakry-Emery entropy decay table), Richardson-extrapolated in dt. */
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

static const int REFL[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};

static double variance(const sgdl_grid *g, const double *rho) {
  double mean, zero = 0;
  sgdl_fp_mean(g, rho, &mean);
  (void)zero;
  return sgdl_fp_second_moment(g, rho, &mean);
}

/* Evolve a Gaussian start to time T with nsteps implicit Euler steps; returns rho(T) in rho.
 * Tracks the worst mass error and the smallest value over all steps. */
static void evolve(sgdl_ctx *ctx, const sgdl_fp_op *op, const double *x0, double sd, double T, int nsteps,
                   double *rho, double *mass_err, double *minval) {
  sgdl_fp_evolver *ev = NULL;
  CHECK(sgdl_fp_gaussian(ctx, &op->grid, x0, sd, rho) == 0, "gaussian: %s", ctx->msg);
  CHECK(sgdl_fp_evolver_create(ctx, op, T / nsteps, &ev) == 0, "evolver: %s", ctx->msg);
  const double m0 = sgdl_fp_mass(&op->grid, rho);
  *mass_err = 0;
  *minval = INFINITY;
  for (int s = 0; s < nsteps; s++) {
    sgdl_fp_evolver_step(ctx, ev, rho);
    *mass_err = fmax(*mass_err, fabs(sgdl_fp_mass(&op->grid, rho) - m0));
    *minval = fmin(*minval, sgdl_fp_min(&op->grid, rho));
  }
  sgdl_fp_evolver_free(ev);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);

  /* ---- OU: h = 1, sigma^2 = 1, alpha = 0.1 (D = 0.05) on [-3, 3], 1200 cells ---- */
  sgdl_problem *ou = make(&ctx, "quadratic", 1.0, 1.0, 0);
  sgdl_grid g;
  const int n1[1] = {1200};
  const double lo1[1] = {-3}, hi1[1] = {3};
  CHECK(sgdl_grid_init(&ctx, &g, 1, n1, lo1, hi1, REFL) == 0, "grid: %s", ctx.msg);
  const size_t n = sgdl_grid_cells(&g);
  double *rinf = malloc(n * sizeof(double)), *rho = malloc(n * sizeof(double)), *rho2 = malloc(n * sizeof(double));
  for (int order = 1; order <= 2; order++) {
    sgdl_sme_model m;
    sgdl_sme_model_init(&ctx, &m, ou, order, 0.1, 1.0, 0.0);
    sgdl_fp_op *op = NULL;
    CHECK(sgdl_fp_assemble(&ctx, &m, &g, &op) == 0, "assemble: %s", ctx.msg);
    CHECK(sgdl_fp_stationary(&ctx, op, rinf) == 0, "stationary: %s", ctx.msg);
    CHECK_ABS(sgdl_fp_mass(&g, rinf), 1.0, 1e-13, "stationary mass");
    CHECK(sgdl_fp_min(&g, rinf) > 0, "stationary density positive");
    /* SPEC T3 at alpha = 0.1: SME1 alpha/2, SME2 alpha / (2 (1 + alpha/2)); O(h^2) discretisation. */
    const double want = order == 1 ? 0.05 : 0.0476190476190476;
    CHECK_REL(variance(&g, rinf), want, 2e-5, order == 1 ? "T3 SME1 stationary variance" : "T3 SME2 stationary variance");
    if (order == 1) {
      /* T20: x0 = 1, start sd s0, E X_t^2 = e^{-2t} (1 + s0^2) + 0.05 (1 - e^{-2t}) at t = 1.
       * dt-Richardson on two grids, then the observed spatial order and h-Richardson: the SG flux's
       * leading error is the numerical diffusion v^2 h^2 / (12 D), second order. */
      const double x0 = 1.0, s0 = 0.02, zero = 0;
      const double e2 = exp(-2.0), want20 = e2 * (1 + s0 * s0) + 0.05 * (1 - e2);
      double mh[2];
      for (int lev = 0; lev < 2; lev++) {
        sgdl_grid gl;
        const int nl[1] = {1200 << lev};
        sgdl_grid_init(&ctx, &gl, 1, nl, lo1, hi1, REFL);
        sgdl_fp_op *opl = NULL;
        sgdl_fp_assemble(&ctx, &m, &gl, &opl);
        double *ra = malloc(gl.n[0] * sizeof(double)), *rb = malloc(gl.n[0] * sizeof(double));
        double merr, mn, merr2, mn2;
        evolve(&ctx, opl, &x0, s0, 1.0, 500, ra, &merr, &mn);
        evolve(&ctx, opl, &x0, s0, 1.0, 1000, rb, &merr2, &mn2);
        CHECK(merr < 1e-12 && merr2 < 1e-12, "mass conserved to 1e-12 in every step: %g %g", merr, merr2);
        CHECK(mn >= 0 && mn2 >= 0, "density non-negative in every step: %g %g", mn, mn2);
        mh[lev] = 2 * sgdl_fp_second_moment(&gl, rb, &zero) - sgdl_fp_second_moment(&gl, ra, &zero);
        free(ra);
        free(rb);
        sgdl_fp_op_free(opl);
      }
      const double ord = log2(fabs(mh[0] - want20) / fabs(mh[1] - want20));
      CHECK(ord > 1.8 && ord < 2.2, "T20: observed spatial order %g (errors %g, %g)", ord, mh[0] - want20, mh[1] - want20);
      CHECK_REL((4 * mh[1] - mh[0]) / 3, want20, 2e-6, "T20 PDE E X_1^2 (dt- and h-Richardson)");
      double merr, mn, merr2, mn2;
      /* The bound itself (kappa = 1, alpha S = 0.1, point start) is T20's number. */
      CHECK_REL(sgdl_drift_bound(1.0, 0.1, 1.0, 1.0, 1.0), 0.178568519075, 1e-11, "T20 drift-regime bound");
      double kap, S;
      sgdl_drift_constants(&m, &g, &zero, 1.5, &kap, &S);
      CHECK_REL(kap, 1.0, 1e-12, "drift kappa of OU");
      CHECK_REL(S, 1.0, 1e-12, "sup tr Sigma_B of OU");
      int applies;
      CHECK_REL(sgdl_bakry_emery_kappa(&m, &g, &applies), 1.0, 1e-8, "Bakry-Emery kappa of OU");
      CHECK(applies, "Bakry-Emery applies to OU");

      /* T21: Gaussian starts (m0, v0), H(rho_t | rho_inf) at t = 0 and 1. */
      const double tab[3][4] = {{1, 0.05, 10, 1.3533528324},
                                {0, 0.2, 0.8068528194, 0.0326264479},
                                {0.5, 0.01, 2.9047189562, 0.3414990418}};
      for (int r = 0; r < 3; r++) {
        const double m0 = tab[r][0], sd = sqrt(tab[r][1]);
        sgdl_fp_gaussian(&ctx, &g, &m0, sd, rho);
        const double H0 = sgdl_fp_relative_entropy(&g, rho, rinf);
        CHECK_REL(H0, tab[r][2], 2e-4, "T21 H(0)");
        evolve(&ctx, op, &m0, sd, 1.0, 500, rho, &merr, &mn);
        evolve(&ctx, op, &m0, sd, 1.0, 1000, rho2, &merr2, &mn2);
        const double H1 = 2 * sgdl_fp_relative_entropy(&g, rho2, rinf) - sgdl_fp_relative_entropy(&g, rho, rinf);
        CHECK_REL(H1, tab[r][3], 5e-4, "T21 H(1) (dt-Richardson)");
        CHECK(H1 <= exp(-2.0) * H0 * (1 + 5e-4), "T21 Bakry-Emery bound H(1) <= e^{-2} H(0): %g vs %g", H1,
              exp(-2.0) * H0);
      }
    }
    sgdl_fp_op_free(op);
  }
  free(rinf);
  free(rho);
  free(rho2);
  sgdl_problem_destroy(ou);

  /* ---- double well, D = 0.1: stationary density vs Gibbs exp(-L/D) ---- */
  {
    sgdl_problem *dw = make(&ctx, "double-well", 2.0, 0, 0);
    sgdl_sme_model m;
    sgdl_sme_model_init(&ctx, &m, dw, 1, 0.1, 1.0, 0.0);
    const int nn[1] = {1000};
    const double lo[1] = {-2.5}, hi[1] = {2.5};
    sgdl_grid_init(&ctx, &g, 1, nn, lo, hi, REFL);
    sgdl_fp_op *op = NULL;
    sgdl_fp_assemble(&ctx, &m, &g, &op);
    double *r = malloc(1000 * sizeof(double)), *gb = malloc(1000 * sizeof(double)), x, s = 0;
    CHECK(sgdl_fp_stationary(&ctx, op, r) == 0, "dw stationary: %s", ctx.msg);
    for (int c = 0; c < 1000; c++) {
      sgdl_grid_center(&g, (size_t)c, &x);
      gb[c] = exp(-(x * x * x * x / 4 - x * x / 2) / 0.1);
      s += gb[c] * g.h[0];
    }
    for (int c = 0; c < 1000; c++) gb[c] /= s;
    CHECK(sgdl_fp_tv(&g, r, gb) < 1e-4, "double-well stationary vs Gibbs: TV %g", sgdl_fp_tv(&g, r, gb));
    /* Grid too coarse for the noise: 20 cells on [-2.5, 2.5] at D = 0.1 (width 0.22). */
    const int nc[1] = {20};
    sgdl_grid gc;
    sgdl_grid_init(&ctx, &gc, 1, nc, lo, hi, REFL);
    const double xm = -1;
    CHECK(sgdl_fp_check_resolution(&ctx, &m, &gc, &xm, "--grid") == SGDL_EINVAL && strstr(ctx.msg, "--grid") &&
              strstr(ctx.msg, "noise width"),
          "coarse grid message: %s", ctx.msg);
    CHECK(sgdl_fp_check_resolution(&ctx, &m, &g, &xm, "--grid") == 0, "fine grid accepted");
    /* An absorbing wall has no stationary density. */
    const int ab[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_ABSORB}, {0, 0}};
    const int na[1] = {600};
    const double hia[1] = {0.5};
    sgdl_grid ga;
    sgdl_grid_init(&ctx, &ga, 1, na, lo, hia, ab);
    sgdl_fp_op *opa = NULL;
    sgdl_fp_assemble(&ctx, &m, &ga, &opa);
    CHECK(sgdl_fp_stationary(&ctx, opa, r) == SGDL_EINVAL && strstr(ctx.msg, "absorbing"), "absorbing: %s", ctx.msg);
    /* With an absorbing wall the mass decreases monotonically and stays positive. */
    const double x0 = -1;
    sgdl_fp_gaussian(&ctx, &ga, &x0, 0.05, r);
    sgdl_fp_evolver *ev = NULL;
    sgdl_fp_evolver_create(&ctx, opa, 0.05, &ev);
    double prev = sgdl_fp_mass(&ga, r);
    int mono = 1, pos = 1;
    for (int k = 0; k < 400; k++) {
      sgdl_fp_evolver_step(&ctx, ev, r);
      const double ms = sgdl_fp_mass(&ga, r);
      if (ms > prev + 1e-15) mono = 0;
      if (sgdl_fp_min(&ga, r) < 0) pos = 0;
      prev = ms;
    }
    CHECK(mono && pos && prev < 0.95, "absorbing wall: mass decreasing (%g) and density positive", prev);
    sgdl_fp_evolver_free(ev);
    sgdl_fp_op_free(opa);
    sgdl_fp_op_free(op);
    free(r);
    free(gb);
    sgdl_problem_destroy(dw);
  }

  /* ---- 2-D double well (couple 0.5), D = 0.1: Gibbs, mass and positivity ---- */
  {
    sgdl_problem *p2 = make(&ctx, "double-well-2d", 2.0, 0, 0.5);
    sgdl_sme_model m;
    sgdl_sme_model_init(&ctx, &m, p2, 1, 0.1, 1.0, 0.0);
    const int nn[2] = {176, 128};
    const double lo[2] = {-2.2, -1.6}, hi[2] = {2.2, 1.6};
    sgdl_grid_init(&ctx, &g, 2, nn, lo, hi, REFL);
    const size_t N = sgdl_grid_cells(&g);
    sgdl_fp_op *op = NULL;
    CHECK(sgdl_fp_assemble(&ctx, &m, &g, &op) == 0, "2-D assemble: %s", ctx.msg);
    double *r = malloc(N * sizeof(double)), *gb = malloc(N * sizeof(double)), x[2], s = 0;
    CHECK(sgdl_fp_stationary(&ctx, op, r) == 0, "2-D stationary: %s", ctx.msg);
    CHECK(sgdl_fp_min(&g, r) >= 0, "2-D stationary density non-negative: min %g", sgdl_fp_min(&g, r));
    CHECK_ABS(sgdl_fp_mass(&g, r), 1.0, 1e-12, "2-D stationary mass");
    for (size_t c = 0; c < N; c++) {
      sgdl_grid_center(&g, c, x);
      const double L = x[0] * x[0] * x[0] * x[0] / 4 - x[0] * x[0] / 2 + x[1] * x[1] / 2 + 0.25 * x[0] * x[0] * x[1] * x[1];
      gb[c] = exp(-L / 0.1);
      s += gb[c];
    }
    for (size_t c = 0; c < N; c++) gb[c] /= s * sgdl_grid_volume(&g);
    CHECK(sgdl_fp_tv(&g, r, gb) < 1e-3, "2-D stationary vs Gibbs: TV %g (%s)", sgdl_fp_tv(&g, r, gb),
          sgdl_pde_sparse_backend());
    double merr, mn;
    const double x0[2] = {-1, 0.3};
    evolve(&ctx, op, x0, 0.1, 2.0, 100, r, &merr, &mn);
    CHECK(merr < 1e-12, "2-D mass conserved to 1e-12: %g", merr);
    CHECK(mn >= 0, "2-D density non-negative in every step: %g", mn);
    /* After t = 2 the mass is still (mostly) in the left well and approaching its local equilibrium. */
    double mean[2];
    sgdl_fp_mean(&g, r, mean);
    CHECK(mean[0] < -0.8 && fabs(mean[1]) < 0.05, "2-D mean after t = 2: (%g, %g)", mean[0], mean[1]);
    sgdl_fp_op_free(op);
    free(r);
    free(gb);
    sgdl_problem_destroy(p2);
  }
  return check_done();
}
