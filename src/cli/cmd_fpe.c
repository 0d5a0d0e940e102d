/* sgdlab fpe: how does the density of SME1/SME2 evolve, and what is its stationary law?
 * Evolves the Fokker-Planck equation of a 1-D or 2-D problem from a narrow Gaussian at --x0
 * (implicit Euler, Scharfetter-Gummel finite volumes) and reports, over time: mass (conserved to
 * round-off), the smallest density value (positivity), the TV distance and relative entropy to the
 * stationary density (one direct solve), the Bakry-Emery bound e^{-2 kappa t} H(0) and the
 * drift-regime bound on E|X_t - x*|^2 (SPEC section 4 items 1 and 3) beside the measured values; and
 * the TV distance between the density at T and the histogram of an SGD ensemble, with the TV that
 * sampling alone would give. --stationary computes only the stationary density. Writes snapshots,
 * the timeline and plots (density over time; heat map in 2-D).
 * Does not: compute anything itself (pde.h, exit.h do). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/exit.h"
#include "sgdlab/pde.h"

#define CMD "fpe"

static int parse_box(sgdl_ctx *ctx, const char *text, int d, double *lo, double *hi) {
  const char *s = text;
  for (int a = 0; a < d; a++) {
    char *end;
    lo[a] = strtod(s, &end);
    if (end == s || *end != ':') return sgdl_fail(ctx, SGDL_EUSAGE, "--box: '%s' is not lo:hi%s", text, d == 2 ? ",lo:hi" : "");
    s = end + 1;
    hi[a] = strtod(s, &end);
    if (end == s || (a + 1 < d && *end != ',') || (a + 1 == d && *end))
      return sgdl_fail(ctx, SGDL_EUSAGE, "--box: '%s' is not lo:hi%s", text, d == 2 ? ",lo:hi" : "");
    if (!(lo[a] < hi[a])) return sgdl_fail(ctx, SGDL_EUSAGE, "--box: axis %d range %g:%g is empty", a + 1, lo[a], hi[a]);
    s = end + 1;
  }
  return SGDL_OK;
}

/* 2-D field as gnuplot pm3d blocks "x y value" with a blank line after each row of x. */
static int write_field_2d(sgdl_ctx *ctx, const sgdl_grid *g, const double *f, const char *out, const char *name) {
  sgdl_csv c;
  sgdl_csv_init(&c);
  double x[2];
  for (int j = 0; j < g->n[1]; j++) {
    for (int i = 0; i < g->n[0]; i++) {
      sgdl_grid_center(g, (size_t)j * g->n[0] + i, x);
      sgdl_csv_printf(&c, "%.10g %.10g %.10g\n", x[0], x[1], f[(size_t)j * g->n[0] + i]);
    }
    sgdl_csv_printf(&c, "\n");
  }
  char path[4096];
  int rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, out, name));
  sgdl_csv_free(&c);
  return rc;
}

typedef struct {
  sgdl_ctx *ctx;
  sgdl_opt *o;
  const sgdl_problem *p;
  sgdl_sme_model m;
  sgdl_grid g;
  sgdl_fp_op *op;
  double *rinf;
  const char *out;
  int verbose;
  uint32_t seed;
  double x0[2], xstar[2];
  int have_xstar;
  cJSON *res;
} fpe_run;

static int stationary_report(fpe_run *r) {
  sgdl_ctx *ctx = r->ctx;
  const sgdl_grid *g = &r->g;
  double mean[2], x[2];
  sgdl_fp_mean(g, r->rinf, mean);
  double cov[4] = {0, 0, 0, 0};
  const size_t n = sgdl_grid_cells(g);
  const double vol = sgdl_grid_volume(g);
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    for (int a = 0; a < g->dim; a++)
      for (int b = 0; b < g->dim; b++) cov[a * g->dim + b] += r->rinf[c] * vol * (x[a] - mean[a]) * (x[b] - mean[b]);
  }
  cJSON *st = cJSON_AddObjectToObject(r->res, "stationary");
  cJSON_AddItemToObject(st, "mean", sgdl_json_doubles(mean, (size_t)g->dim));
  cJSON_AddItemToObject(st, "covariance", sgdl_json_matrix(g->dim, g->dim, cov));
  sgdl_json_add_number(st, "mass", sgdl_fp_mass(g, r->rinf));
  sgdl_json_add_number(st, "min_density", sgdl_fp_min(g, r->rinf));
  /* Gibbs density exp(-L_alpha / eps) when D = eps I is constant: a check of the solve. */
  int applies = 0;
  sgdl_bakry_emery_kappa(&r->m, g, &applies);
  double D[4], *work = sgdl_alloc(ctx, sgdl_sme_work_size(&r->m), sizeof(double));
  if (!work) return SGDL_ENOMEM;
  sgdl_sme_diffusion(&r->m, r->x0, D, work);
  const int iso = r->p->noise_constant && (g->dim == 1 || (fabs(D[1]) < 1e-12 * D[0] && fabs(D[0] - D[3]) < 1e-12 * D[0]));
  double tvg = NAN;
  if (iso && D[0] > 0) {
    double *gb = sgdl_alloc(ctx, n, sizeof(double)), s = 0, L0 = INFINITY;
    if (!gb) {
      sgdl_free(work);
      return SGDL_ENOMEM;
    }
    for (size_t c = 0; c < n; c++) {
      sgdl_grid_center(g, c, x);
      gb[c] = sgdl_sme_potential(&r->m, x, work);
      L0 = fmin(L0, gb[c]);
    }
    for (size_t c = 0; c < n; c++) s += (gb[c] = exp(-(gb[c] - L0) / D[0]));
    for (size_t c = 0; c < n; c++) gb[c] /= s * vol;
    tvg = sgdl_fp_tv(g, r->rinf, gb);
    sgdl_free(gb);
  }
  sgdl_free(work);
  sgdl_json_add_number(st, "tv_to_gibbs", tvg);
  if (r->verbose) {
    printf("  stationary density (direct solve): mean (%.6g%s", mean[0], g->dim == 2 ? ", " : ")");
    if (g->dim == 2) printf("%.6g)", mean[1]);
    printf(", variance %.6g", cov[0]);
    if (g->dim == 2) printf(" / %.6g (cov %.3g)", cov[3], cov[1]);
    printf(", min %.3g\n", sgdl_fp_min(g, r->rinf));
    if (isfinite(tvg)) printf("  TV to the Gibbs density exp(-L_alpha / eps): %.3g (discretisation)\n", tvg);
  }
  return SGDL_OK;
}

static int plot_stationary(fpe_run *r) {
  sgdl_ctx *ctx = r->ctx;
  char path[4096], gp[1024];
  int rc;
  if (r->g.dim == 1) {
    sgdl_csv c;
    sgdl_csv_init(&c);
    sgdl_csv_printf(&c, "x,rho_stationary\n");
    double x;
    for (int i = 0; i < r->g.n[0]; i++) {
      sgdl_grid_center(&r->g, (size_t)i, &x);
      sgdl_csv_num(&c, x, 0);
      sgdl_csv_num(&c, r->rinf[i], 1);
    }
    rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, r->out, "stationary.csv"));
    sgdl_csv_free(&c);
    snprintf(gp, sizeof gp,
             "set terminal pngcairo size 900,560 enhanced\nset output 'stationary.png'\nset datafile separator ','\n"
             "set title 'stationary density of the SME'\nset xlabel 'x'\nset ylabel 'density'\nset key off\n"
             "plot 'stationary.csv' skip 1 using 1:2 with lines lw 2\n");
  } else {
    rc = write_field_2d(ctx, &r->g, r->rinf, r->out, "stationary.dat");
    snprintf(gp, sizeof gp,
             "set terminal pngcairo size 900,700 enhanced\nset output 'stationary.png'\nset title 'stationary density of the SME'\n"
             "set xlabel 'x_1'\nset ylabel 'x_2'\nset view map\nset pm3d map\nset size ratio -1\n"
             "splot 'stationary.dat' using 1:2:3 with pm3d notitle\n");
  }
  fflush(stdout);
  if (!rc) rc = sgdl_plot(ctx, r->out, "stationary", gp, NULL);
  return rc;
}

static int evolve(fpe_run *r, double T, double dt, double init_sd, long paths, int nsnap, double radius) {
  sgdl_ctx *ctx = r->ctx;
  const sgdl_grid *g = &r->g;
  const size_t n = sgdl_grid_cells(g);
  const long nsteps = (long)ceil(T / dt - 1e-9);
  dt = T / nsteps;
  double *rho = sgdl_alloc(ctx, n, sizeof(double));
  double *snaps = sgdl_alloc(ctx, n * (size_t)(nsnap + 1), sizeof(double));
  if (!rho || !snaps) {
    sgdl_free(rho);
    sgdl_free(snaps);
    return SGDL_ENOMEM;
  }
  int rc = sgdl_fp_gaussian(ctx, g, r->x0, init_sd, rho);
  sgdl_fp_evolver *ev = NULL;
  if (!rc) rc = sgdl_fp_evolver_create(ctx, r->op, dt, &ev);
  /* Constants of the bounds. */
  int be_applies = 0;
  const double kbe = sgdl_bakry_emery_kappa(&r->m, g, &be_applies);
  double kdr = NAN, S = NAN, rad = radius;
  if (r->have_xstar) {
    if (!(rad > 0)) rad = 0.5 * sgdl_drift_radius(&r->m, g, r->xstar);
    if (rad > 0) sgdl_drift_constants(&r->m, g, r->xstar, rad, &kdr, &S);
  }
  const int dr_applies = r->have_xstar && kdr > 0;
  const double H0 = rc ? NAN : sgdl_fp_relative_entropy(g, rho, r->rinf);
  const double m0 = r->have_xstar && !rc ? sgdl_fp_second_moment(g, rho, r->xstar) : NAN;
  const int nout = nsteps < 200 ? (int)nsteps : 200;
  sgdl_csv tl;
  sgdl_csv_init(&tl);
  sgdl_csv_printf(&tl, "t,mass,min_density,tv_to_stationary,relative_entropy,bakry_emery_bound,m2_about_min,drift_bound,mass_in_region,"
                       "m2_in_region\n");
  cJSON *timeline = cJSON_CreateObject();
  cJSON *jt = cJSON_AddArrayToObject(timeline, "t"), *jtv = cJSON_AddArrayToObject(timeline, "tv_to_stationary");
  cJSON *jH = cJSON_AddArrayToObject(timeline, "relative_entropy"), *jm2 = cJSON_AddArrayToObject(timeline, "m2_about_min");
  double mass_err = 0, min_all = INFINITY;
  const double mass0 = rc ? NAN : sgdl_fp_mass(g, rho);
  int snap = 0;
  if (!rc) memcpy(snaps, rho, n * sizeof(double));
  snap = 1;
  double last[10];
  for (long k = 0; k <= nsteps && !rc; k++) {
    if (k > 0) {
      rc = sgdl_fp_evolver_step(ctx, ev, rho);
      if (rc) break;
      mass_err = fmax(mass_err, fabs(sgdl_fp_mass(g, rho) - mass0));
      min_all = fmin(min_all, sgdl_fp_min(g, rho));
    }
    const int record = k == 0 || k == nsteps || (k * nout) / nsteps != ((k - 1) * nout) / nsteps;
    if (snap <= nsnap && k > 0 && k >= (long)((double)snap * nsteps / nsnap)) {
      memcpy(snaps + n * (size_t)snap, rho, n * sizeof(double));
      snap++;
    }
    if (!record) continue;
    const double t = k * dt;
    last[0] = t;
    last[1] = sgdl_fp_mass(g, rho);
    last[2] = sgdl_fp_min(g, rho);
    last[3] = sgdl_fp_tv(g, rho, r->rinf);
    last[4] = sgdl_fp_relative_entropy(g, rho, r->rinf);
    last[5] = be_applies ? exp(-2 * kbe * t) * H0 : NAN;
    last[6] = r->have_xstar ? sgdl_fp_second_moment(g, rho, r->xstar) : NAN;
    last[7] = dr_applies ? sgdl_drift_bound(kdr, r->m.lr, S, m0, t) : NAN;
    last[8] = r->have_xstar && rad > 0 ? sgdl_fp_mass_within(g, rho, r->xstar, rad) : NAN;
    last[9] = r->have_xstar && rad > 0 ? sgdl_fp_second_moment_within(g, rho, r->xstar, rad) : NAN;
    for (int q = 0; q < 10; q++) sgdl_csv_num(&tl, last[q], q == 9);
    cJSON_AddItemToArray(jt, cJSON_CreateNumber(t));
    cJSON_AddItemToArray(jtv, isfinite(last[3]) ? cJSON_CreateNumber(last[3]) : cJSON_CreateNull());
    cJSON_AddItemToArray(jH, isfinite(last[4]) ? cJSON_CreateNumber(last[4]) : cJSON_CreateNull());
    cJSON_AddItemToArray(jm2, isfinite(last[6]) ? cJSON_CreateNumber(last[6]) : cJSON_CreateNull());
    sgdl_progress(ctx, (double)k / nsteps);
  }
  sgdl_fp_evolver_free(ev);
  double amax = 0;
  if (!rc) {
    cJSON *ev_j = cJSON_AddObjectToObject(r->res, "evolution");
    sgdl_json_add_number(ev_j, "T", T);
    sgdl_json_add_number(ev_j, "dt", dt);
    cJSON_AddNumberToObject(ev_j, "steps", (double)nsteps);
    sgdl_json_add_number(ev_j, "init_sd", init_sd);
    sgdl_json_add_number(ev_j, "mass_max_error", mass_err);
    /* Round-off scale of the conservation: eps x T x max |A_cc| (the solves' backward error). */
    for (size_t c = 0; c < n; c++)
      for (int q = r->op->rowptr[c]; q < r->op->rowptr[c + 1]; q++)
        if ((size_t)r->op->col[q] == c) amax = fmax(amax, fabs(r->op->val[q]));
    sgdl_json_add_number(ev_j, "mass_roundoff_scale", 2.2e-16 * T * amax);
    sgdl_json_add_number(ev_j, "min_density_all_steps", min_all);
    cJSON_AddBoolToObject(ev_j, "positive_every_step", min_all >= 0);
    sgdl_json_add_number(ev_j, "tv_to_stationary_at_T", last[3]);
    sgdl_json_add_number(ev_j, "relative_entropy_at_T", last[4]);
    cJSON_AddItemToObject(ev_j, "timeline", timeline);
    timeline = NULL;
    cJSON *be = cJSON_AddObjectToObject(r->res, "bakry_emery");
    sgdl_json_add_number(be, "kappa", kbe);
    cJSON_AddBoolToObject(be, "applies", be_applies);
    sgdl_json_add_number(be, "H0", H0);
    sgdl_json_add_number(be, "bound_at_T", last[5]);
    sgdl_json_add_number(be, "measured_at_T", last[4]);
    cJSON *dr = cJSON_AddObjectToObject(r->res, "drift_regime");
    if (r->have_xstar) cJSON_AddItemToObject(dr, "xstar", sgdl_json_doubles(r->xstar, (size_t)g->dim));
    sgdl_json_add_number(dr, "region_radius", rad);
    sgdl_json_add_number(dr, "kappa", kdr);
    sgdl_json_add_number(dr, "sup_tr_sigma_B", S);
    cJSON_AddBoolToObject(dr, "applies", dr_applies);
    sgdl_json_add_number(dr, "bound_at_T", last[7]);
    sgdl_json_add_number(dr, "measured_at_T", last[6]);
    sgdl_json_add_number(dr, "mass_in_region_at_T", last[8]);
    sgdl_json_add_number(dr, "measured_in_region_at_T", last[9]);
    if (r->verbose) {
      printf("  evolved to T = %g with %ld implicit Euler steps (dt = %.3g) from a Gaussian of sd %g\n", T, nsteps, dt, init_sd);
      printf("  mass: max |mass - 1| over all steps %.2e (round-off scale eps T max|A| = %.1e); smallest density over all\n"
             "    steps %.3g (%s)\n", mass_err, 2.2e-16 * T * amax, min_all, min_all >= 0 ? "positive every step" : "NEGATIVE");
      printf("  at T: TV to stationary %.4g, relative entropy %.4g", last[3], last[4]);
      if (be_applies) printf(" <= Bakry-Emery bound %.4g (kappa %.4g)\n", last[5], kbe);
      else printf(" (Bakry-Emery: n/a, kappa = %.3g%s)\n", kbe, kbe > 0 ? ", noise not constant isotropic" : " <= 0, L_alpha not convex");
      if (dr_applies)
        printf("  drift regime around x* (ball r = %.3g, kappa %.3g): bound %.4g on E|X_T - x*|^2 while in the ball; measured\n"
               "    %.4g inside the ball (mass %.4f there), %.4g including the mass that left\n", rad, kdr, last[7], last[9], last[8],
               last[6]);
    }
  }
  cJSON_Delete(timeline);
  /* SGD ensemble at T: histogram vs the density. */
  if (!rc && paths > 0) {
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = r->m.lr;
    par.batch = (int)lround(r->m.cB > 0 ? 1.0 / r->m.cB : 1);
    const uint64_t K = (uint64_t)llround(T / r->m.lr);
    double *X = sgdl_alloc(ctx, (size_t)paths * (size_t)g->dim, sizeof(double));
    sgdl_first_exit fe;
    const sgdl_exit_region none = {0, -INFINITY, INFINITY, 0};
    rc = X ? sgdl_first_exit_mc(ctx, "sgd", r->p, &par, r->seed, 1, r->x0, &none, paths, K, &fe, NULL, X) : SGDL_ENOMEM;
    if (!rc) {
      int nb[2] = {1, 1};
      const double per = g->dim == 1 ? 2 * cbrt((double)paths) : pow((double)paths, 0.25);
      for (int a = 0; a < g->dim; a++) nb[a] = (int)fmax(g->dim == 1 ? 10 : 5, fmin(per, g->n[a]));
      double tv, fl, fsd;
      rc = sgdl_fp_tv_samples(ctx, g, rho, X, paths, nb, &tv, &fl, &fsd);
      if (!rc) {
        cJSON *h = cJSON_AddObjectToObject(r->res, "sgd_histogram");
        cJSON_AddNumberToObject(h, "paths", (double)paths);
        cJSON_AddNumberToObject(h, "steps", (double)K);
        cJSON_AddItemToObject(h, "bins", cJSON_CreateIntArray(nb, g->dim));
        sgdl_json_add_number(h, "tv", tv);
        sgdl_json_add_number(h, "sampling_floor", fl);
        sgdl_json_add_number(h, "sampling_floor_sd", fsd);
        cJSON_AddBoolToObject(h, "resolved", tv > fl + 4 * fsd);
        if (fabs(K * r->m.lr - T) > 1e-9 * T) sgdl_json_add_number(h, "note_T_rounded_to", K * r->m.lr);
        if (r->verbose)
          printf("  SGD ensemble (%ld paths, %llu steps) vs density at T: TV %.4f; sampling alone gives %.4f +- %.4f -> %s\n", paths,
                 (unsigned long long)K, tv, fl, fsd,
                 tv > fl + 4 * fsd ? "SGD and the SME differ (resolved)" : "no difference resolved");
      }
    }
    sgdl_free(X);
  }
  /* Files */
  if (!rc && r->out) {
    char path[4096], gp[2048];
    rc = sgdl_csv_write(ctx, &tl, sgdl_path_join(path, sizeof path, r->out, "timeline.csv"));
    if (!rc) {
      snprintf(gp, sizeof gp,
               "set terminal pngcairo size 900,560 enhanced\nset output 'timeline.png'\nset datafile separator ','\n"
               "set title 'convergence to the stationary density'\nset xlabel 't'\nset logscale y\nset key top right\n"
               "plot 'timeline.csv' skip 1 using 1:4 with lines lw 2 title 'TV to stationary', "
               "'' skip 1 using 1:5 with lines lw 2 title 'relative entropy H(t)', "
               "'' skip 1 using 1:6 with lines dt 2 lw 2 title 'Bakry-Emery bound'\n");
      fflush(stdout);
      rc = sgdl_plot(ctx, r->out, "timeline", gp, NULL);
    }
    if (!rc && g->dim == 1) {
      sgdl_csv c;
      sgdl_csv_init(&c);
      sgdl_csv_printf(&c, "x");
      for (int s = 0; s < snap; s++) sgdl_csv_printf(&c, ",t=%.4g", s == 0 ? 0.0 : (double)(long)((double)s * nsteps / nsnap) * dt);
      sgdl_csv_printf(&c, ",stationary\n");
      double x;
      for (int i = 0; i < g->n[0]; i++) {
        sgdl_grid_center(g, (size_t)i, &x);
        sgdl_csv_num(&c, x, 0);
        for (int s = 0; s < snap; s++) sgdl_csv_num(&c, snaps[n * (size_t)s + i], 0);
        sgdl_csv_num(&c, r->rinf[i], 1);
      }
      rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, r->out, "density.csv"));
      sgdl_csv_free(&c);
      if (!rc) {
        snprintf(gp, sizeof gp,
                 "set terminal pngcairo size 900,560 enhanced\nset output 'density.png'\nset datafile separator ','\n"
                 "set title 'density of the SME over time'\nset xlabel 'x'\nset ylabel 'density'\nset key autotitle columnhead\n"
                 "plot for [k=2:%d] 'density.csv' using 1:k with lines lw 2, 'density.csv' using 1:%d with lines dt 2 lw 2 lc rgb 'black'\n",
                 snap + 1, snap + 2);
        fflush(stdout);
        rc = sgdl_plot(ctx, r->out, "density", gp, NULL);
      }
    } else if (!rc) {
      rc = write_field_2d(ctx, g, rho, r->out, "density_T.dat");
      if (!rc) {
        snprintf(gp, sizeof gp,
                 "set terminal pngcairo size 900,700 enhanced\nset output 'density_T.png'\nset title 'density at T = %g'\n"
                 "set xlabel 'x_1'\nset ylabel 'x_2'\nset view map\nset pm3d map\nset size ratio -1\n"
                 "splot 'density_T.dat' using 1:2:3 with pm3d notitle\n", T);
        fflush(stdout);
        rc = sgdl_plot(ctx, r->out, "density_T", gp, NULL);
      }
    }
  }
  sgdl_csv_free(&tl);
  sgdl_free(rho);
  sgdl_free(snaps);
  return rc;
}

int sgdl_cmd_fpe(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0},
      {"batch", OPT_INT, "1", "minibatch size B (noise factor c_B)", NULL, 0},
      {"model", OPT_STR, "sme1", "sme1 | sme2", NULL, 0},
      {"x0", OPT_LIST, NULL, "centre of the initial Gaussian (default -1, or -1,0 in 2-D)", NULL, 0},
      {"init-sd", OPT_NUM, NULL, "standard deviation of the initial Gaussian (default max(0.05, 2 cells))", NULL, 0},
      {"T", OPT_NUM, "10", "final time (SME time; SGD runs T / alpha steps)", NULL, 0},
      {"dt", OPT_NUM, NULL, "implicit Euler time step (default T / 1000 in 1-D, T / 200 in 2-D)", NULL, 0},
      {"grid", OPT_LIST, NULL, "cells: N (1-D, default 1000) or Nx,Ny (2-D, default 160,128)", NULL, 0},
      {"box", OPT_STR, NULL, "lo:hi (1-D) or lo:hi,lo:hi (2-D); default: where the stationary weight falls below e^-30", NULL, 0},
      {"stationary", OPT_FLAG, NULL, "only the stationary density (direct solve)", NULL, 0},
      {"snapshots", OPT_INT, "5", "1-D: density snapshots written to density.csv", NULL, 0},
      {"paths", OPT_NUM, "10000", "SGD ensemble size for the histogram comparison (0: skip)", NULL, 0},
      {"noisy", OPT_NUM, "0", "Noisy SGD regularisation beta^-1: D -> D + beta^-1 I", NULL, 0},
      {"region-radius", OPT_NUM, NULL, "drift-regime bound: radius of the ball around the minimum (default: half the convexity radius)", NULL, 0},
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed = 1;
  int rc = sgdl_cli_begin(&ctx, CMD,
                          "How does the density of the SME evolve, and what is its stationary law? Fokker-Planck on a 1-D or 2-D\n"
                          "grid (finite volumes, positivity- and mass-preserving), with mass, positivity, distance to the stationary\n"
                          "density, the Bakry-Emery and drift-regime bounds, and an SGD-ensemble histogram comparison.",
                          opts, argc, argv, &seed);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  const char *out = sgdl_opt_str(opts, "out");
  fpe_run r;
  memset(&r, 0, sizeof r);
  r.ctx = &ctx;
  r.o = opts;
  r.out = out;
  r.seed = seed;
  r.verbose = !sgdl_opt_flag(opts, "quiet") && !sgdl_opt_flag(opts, "json");
  sgdl_problem *p = NULL;
  rc = sgdl_cli_problem(&ctx, opts, &p);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  r.p = p;
  const int d = p->dim;
  double lr = 0, T = 0, dt = 0, init_sd = 0, paths = 0, noisy = 0, radius = 0;
  long long batch = 1, nsnap = 5;
  const char *model = sgdl_opt_str(opts, "model");
  if (d > 2) rc = sgdl_fail(&ctx, SGDL_ENOTSUP, "--problem %s has d = %d: the Fokker-Planck solver needs d = 1 or 2", p->type->name, d);
  if (!rc && strcmp(model, "sme1") && strcmp(model, "sme2")) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--model: '%s' is not sme1 or sme2", model);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "lr", &lr);
  if (!rc) rc = sgdl_opt_int(&ctx, opts, "batch", &batch);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "T", &T);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "paths", &paths);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "noisy", &noisy);
  if (!rc) rc = sgdl_opt_int(&ctx, opts, "snapshots", &nsnap);
  if (!rc && sgdl_opt_str(opts, "region-radius")) rc = sgdl_opt_num(&ctx, opts, "region-radius", &radius);
  if (!rc && !(T > 0)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--T: %g is not a positive time", T);
  if (!rc && !(paths >= 0 && paths <= 1e9)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--paths: %g is not a path count", paths);
  if (!rc && paths > 0 && paths < 2) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--paths: need at least 2 (or 0 to skip)");
  if (!rc && (nsnap < 1 || nsnap > 50)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--snapshots: %lld is outside 1 .. 50", nsnap);
  if (!rc && (batch < 1 || (p->n_data && (size_t)batch > p->n_data))) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--batch: %lld is not a valid batch size", batch);
  if (!rc) rc = sgdl_sme_model_init(&ctx, &r.m, p, model[3] == '2' ? 2 : 1, lr, sgdl_minibatch_factor(p->n_data, (int)batch, 0), noisy);
  r.x0[0] = -1;
  r.x0[1] = 0;
  if (!rc && sgdl_opt_str(opts, "x0")) {
    double *v = NULL;
    int nv = 0;
    rc = sgdl_opt_list(&ctx, opts, "x0", &v, &nv);
    if (!rc && nv != d) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--x0: %d coordinates given, the problem has d = %d", nv, d);
    for (int a = 0; !rc && a < d; a++) r.x0[a] = v[a];
    free(v);
  }
  /* Grid and box */
  int ncell[2] = {d == 1 ? 1000 : 160, d == 1 ? 1 : 128};
  if (!rc && sgdl_opt_str(opts, "grid")) {
    double *v = NULL;
    int nv = 0;
    rc = sgdl_opt_list(&ctx, opts, "grid", &v, &nv);
    if (!rc && nv != d) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--grid: %d numbers given for a %d-D problem", nv, d);
    for (int a = 0; !rc && a < d; a++) {
      if (!(v[a] >= 3 && v[a] <= 1e7)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--grid: %g cells is not a grid size (>= 3)", v[a]);
      else ncell[a] = (int)v[a];
    }
    free(v);
  }
  double lo[2] = {0, 0}, hi[2] = {1, 1};
  if (!rc) r.have_xstar = sgdl_find_minimum(&ctx, p, r.x0, r.xstar) == SGDL_OK;
  if (!rc && sgdl_opt_str(opts, "box")) rc = parse_box(&ctx, sgdl_opt_str(opts, "box"), d, lo, hi);
  else if (!rc) {
    if (!r.have_xstar) rc = sgdl_fail(&ctx, SGDL_EINVAL, "--box: no minimum found from --x0 to centre an automatic box; give --box");
    else rc = sgdl_pde_auto_box(&ctx, &r.m, r.xstar, 30.0, lo, hi);
    /* the box must also contain the start */
    for (int a = 0; !rc && a < d; a++) {
      lo[a] = fmin(lo[a], r.x0[a] - 0.5);
      hi[a] = fmax(hi[a], r.x0[a] + 0.5);
    }
  }
  const int refl[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  if (!rc) rc = sgdl_grid_init(&ctx, &r.g, d, ncell, lo, hi, refl);
  if (!rc && r.have_xstar && sgdl_grid_locate(&r.g, r.xstar) >= 0) rc = sgdl_fp_check_resolution(&ctx, &r.m, &r.g, r.xstar, "--grid");
  if (!rc && sgdl_grid_locate(&r.g, r.x0) < 0)
    rc = sgdl_fail(&ctx, SGDL_EINVAL, "--x0: start point outside the domain [%g, %g]%s", lo[0], hi[0], d == 2 ? " x ..." : "");
  const double hmax = d == 2 ? fmax(r.g.h[0], r.g.h[1]) : r.g.h[0];
  init_sd = fmax(0.05, 2 * hmax);
  if (!rc && sgdl_opt_str(opts, "init-sd")) rc = sgdl_opt_num(&ctx, opts, "init-sd", &init_sd);
  dt = T / (d == 1 ? 1000 : 200);
  if (!rc && sgdl_opt_str(opts, "dt")) rc = sgdl_opt_num(&ctx, opts, "dt", &dt);
  if (!rc && !(dt > 0 && dt <= T)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--dt: %g is not in (0, T]", dt);
  if (!rc && paths > 0 && !sgdl_opt_flag(opts, "stationary") && llround(T / lr) < 1)
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--T: %g is shorter than one SGD step (lr %g)", T, lr);

  r.res = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
  if (!rc) {
    cJSON_AddStringToObject(r.res, "problem", p->desc);
    cJSON_AddStringToObject(r.res, "model", model);
    cJSON *gj = cJSON_AddObjectToObject(r.res, "grid");
    cJSON_AddItemToObject(gj, "cells", cJSON_CreateIntArray(r.g.n, d));
    cJSON_AddItemToObject(gj, "lo", sgdl_json_doubles(r.g.lo, (size_t)d));
    cJSON_AddItemToObject(gj, "hi", sgdl_json_doubles(r.g.hi, (size_t)d));
    cJSON_AddStringToObject(gj, "solver", d == 1 ? "lapack-tridiagonal" : sgdl_pde_sparse_backend());
    if (r.verbose) {
      printf("sgdlab fpe: %s, %s, lr %g, grid %d", p->desc, model, lr, r.g.n[0]);
      if (d == 2) printf("x%d", r.g.n[1]);
      printf(" cells on [%g, %g]", lo[0], hi[0]);
      if (d == 2) printf(" x [%g, %g]", lo[1], hi[1]);
      printf(" (reflecting)\n");
    }
    rc = sgdl_fp_assemble(&ctx, &r.m, &r.g, &r.op);
  }
  if (!rc) {
    r.rinf = sgdl_alloc(&ctx, sgdl_grid_cells(&r.g), sizeof(double));
    rc = r.rinf ? sgdl_fp_stationary(&ctx, r.op, r.rinf) : SGDL_ENOMEM;
  }
  if (!rc) rc = stationary_report(&r);
  if (!rc && out) rc = plot_stationary(&r);
  if (!rc && !sgdl_opt_flag(opts, "stationary")) {
    sgdl_progress_bar bar;
    if (r.verbose) {
      sgdl_progress_bar_start(&bar, "fpe");
      ctx.progress = sgdl_progress_bar_update;
      ctx.progress_user = &bar;
    }
    rc = evolve(&r, T, dt, init_sd, (long)paths, (int)nsnap, radius);
    if (r.verbose) sgdl_progress_bar_finish(&bar);
    ctx.progress = NULL;
  }
  sgdl_free(r.rinf);
  sgdl_fp_op_free(r.op);
  sgdl_problem_destroy(p);
  if (rc) {
    cJSON_Delete(r.res);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, r.res);
}
