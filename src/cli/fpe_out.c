/* The output side of `sgdlab fpe` (fpe_out.h): results.json members, the summary on stdout, and
 * stationary.csv/.dat, timeline.csv, density.csv or density_T.dat with their gnuplot plots.
 * Does not: compute; every number comes from the sgdl_fpe_result. */
#include "cli/fpe_out.h"

#include "cli/cli.h"

#include <math.h>
#include <stdio.h>

static const double *last_record(const sgdl_fpe_result *res) {
  return res->timeline + (size_t)(res->n_records - 1) * SGDL_FPE_COLUMNS;
}

static cJSON *number_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void evolution_json(const sgdl_fpe_result *res, cJSON *results) {
  const double *last = last_record(res);
  cJSON *ev = cJSON_AddObjectToObject(results, "evolution");
  sgdl_json_add_number(ev, "T", res->T);
  sgdl_json_add_number(ev, "dt", res->dt);
  cJSON_AddNumberToObject(ev, "steps", (double)res->steps);
  sgdl_json_add_number(ev, "init_sd", res->init_sd);
  sgdl_json_add_number(ev, "mass_max_error", res->mass_max_error);
  sgdl_json_add_number(ev, "mass_roundoff_scale", res->mass_roundoff_scale);
  sgdl_json_add_number(ev, "min_density_all_steps", res->min_density_all);
  cJSON_AddBoolToObject(ev, "positive_every_step", res->min_density_all >= 0);
  sgdl_json_add_number(ev, "tv_to_stationary_at_T", last[SGDL_FPE_TV]);
  sgdl_json_add_number(ev, "relative_entropy_at_T", last[SGDL_FPE_ENTROPY]);
  cJSON *tl = cJSON_AddObjectToObject(ev, "timeline");
  cJSON *jt = cJSON_AddArrayToObject(tl, "t"), *jtv = cJSON_AddArrayToObject(tl, "tv_to_stationary");
  cJSON *jH = cJSON_AddArrayToObject(tl, "relative_entropy"), *jm2 = cJSON_AddArrayToObject(tl, "m2_about_min");
  for (int i = 0; i < res->n_records; i++) {
    const double *row = res->timeline + (size_t)i * SGDL_FPE_COLUMNS;
    sgdl_json_push(jt, cJSON_CreateNumber(row[SGDL_FPE_T]));
    sgdl_json_push(jtv, number_or_null(row[SGDL_FPE_TV]));
    sgdl_json_push(jH, number_or_null(row[SGDL_FPE_ENTROPY]));
    sgdl_json_push(jm2, number_or_null(row[SGDL_FPE_M2]));
  }
}

static void bounds_json(const sgdl_fpe_result *res, cJSON *results) {
  const double *last = last_record(res);
  cJSON *be = cJSON_AddObjectToObject(results, "bakry_emery");
  sgdl_json_add_number(be, "kappa", res->be_kappa);
  cJSON_AddBoolToObject(be, "applies", res->be_applies);
  sgdl_json_add_number(be, "H0", res->be_H0);
  sgdl_json_add_number(be, "bound_at_T", last[SGDL_FPE_BE_BOUND]);
  sgdl_json_add_number(be, "measured_at_T", last[SGDL_FPE_ENTROPY]);
  cJSON *dr = cJSON_AddObjectToObject(results, "drift_regime");
  if (res->have_xstar) sgdl_json_put(dr, "xstar", sgdl_json_doubles(res->xstar, (size_t)res->grid.dim));
  sgdl_json_add_number(dr, "region_radius", res->region_radius);
  sgdl_json_add_number(dr, "kappa", res->dr_kappa);
  sgdl_json_add_number(dr, "sup_tr_sigma_B", res->dr_S);
  cJSON_AddBoolToObject(dr, "applies", res->dr_applies);
  sgdl_json_add_number(dr, "bound_at_T", last[SGDL_FPE_DRIFT_BOUND]);
  sgdl_json_add_number(dr, "measured_at_T", last[SGDL_FPE_M2]);
  sgdl_json_add_number(dr, "mass_in_region_at_T", last[SGDL_FPE_MASS_IN_REGION]);
  sgdl_json_add_number(dr, "measured_in_region_at_T", last[SGDL_FPE_M2_IN_REGION]);
}

void sgdl_fpe_out_json(const sgdl_fpe_spec *sp, const sgdl_fpe_result *res, cJSON *results) {
  const sgdl_grid *g = &res->grid;
  cJSON *gj = cJSON_AddObjectToObject(results, "grid");
  sgdl_json_put(gj, "cells", cJSON_CreateIntArray(g->n, g->dim));
  sgdl_json_put(gj, "lo", sgdl_json_doubles(g->lo, (size_t)g->dim));
  sgdl_json_put(gj, "hi", sgdl_json_doubles(g->hi, (size_t)g->dim));
  cJSON_AddStringToObject(gj, "solver", res->solver);
  cJSON *st = cJSON_AddObjectToObject(results, "stationary");
  sgdl_json_put(st, "mean", sgdl_json_doubles(res->st_mean, (size_t)g->dim));
  sgdl_json_put(st, "covariance", sgdl_json_matrix(g->dim, g->dim, res->st_cov));
  sgdl_json_add_number(st, "mass", res->st_mass);
  sgdl_json_add_number(st, "min_density", res->st_min);
  sgdl_json_add_number(st, "tv_to_gibbs", res->tv_to_gibbs);
  cJSON *bas = cJSON_AddArrayToObject(results, "basins");
  for (int k = 0; k < res->n_basins; k++) {
    cJSON *o = cJSON_CreateObject();
    if (g->dim == 1) sgdl_json_add_number(o, "minimum", res->basin_min[k][0]);
    else sgdl_json_put(o, "minimum", sgdl_json_doubles(res->basin_min[k], 2));
    sgdl_json_add_number(o, "mass", res->basin_mass[k]);
    sgdl_json_push(bas, o);
  }
  if (res->basins_truncated) cJSON_AddBoolToObject(results, "basins_truncated", 1);
  if (!res->evolved) return;
  evolution_json(res, results);
  bounds_json(res, results);
  if (!res->have_histogram) return;
  cJSON *h = cJSON_AddObjectToObject(results, "sgd_histogram");
  cJSON_AddNumberToObject(h, "paths", (double)res->hist_paths);
  cJSON_AddNumberToObject(h, "steps", (double)res->hist_steps);
  sgdl_json_put(h, "bins", cJSON_CreateIntArray(res->bins, g->dim));
  sgdl_json_add_number(h, "tv", res->hist_tv);
  sgdl_json_add_number(h, "sampling_floor", res->hist_floor);
  sgdl_json_add_number(h, "sampling_floor_sd", res->hist_floor_sd);
  cJSON_AddBoolToObject(h, "resolved", res->resolved);
  if (fabs(res->hist_time - sp->T) > 1e-9 * sp->T) sgdl_json_add_number(h, "note_T_rounded_to", res->hist_time);
}

static void print_evolution(const sgdl_fpe_result *res) {
  const double *last = last_record(res);
  const double kbe = res->be_kappa, mass_err = res->mass_max_error, min_all = res->min_density_all;
  printf("  evolved to T = %g with %ld implicit Euler steps (dt = %.3g) from a Gaussian of sd %g\n", res->T, res->steps, res->dt,
         res->init_sd);
  printf("  mass: max |mass - 1| over all steps %.2e (round-off scale eps T max|A| = %.1e); smallest density over all\n"
         "    steps %.3g (%s)\n",
         mass_err, res->mass_roundoff_scale, min_all, min_all >= 0 ? "positive every step" : "NEGATIVE");
  printf("  at T: TV to stationary %.4g, relative entropy %.4g", last[SGDL_FPE_TV], last[SGDL_FPE_ENTROPY]);
  if (res->be_applies) printf(" <= Bakry-Emery bound %.4g (kappa %.4g)\n", last[SGDL_FPE_BE_BOUND], kbe);
  else printf(" (Bakry-Emery: n/a, kappa = %.3g%s)\n", kbe, kbe > 0 ? ", noise not constant isotropic" : " <= 0, L_alpha not convex");
  if (res->dr_applies)
    printf("  drift regime around x* (ball r = %.3g, kappa %.3g): bound %.4g on E|X_T - x*|^2 while in the ball; measured\n"
           "    %.4g inside the ball (mass %.4f there), %.4g including the mass that left\n",
           res->region_radius, res->dr_kappa, last[SGDL_FPE_DRIFT_BOUND], last[SGDL_FPE_M2_IN_REGION], last[SGDL_FPE_MASS_IN_REGION],
           last[SGDL_FPE_M2]);
}

void sgdl_fpe_out_print(const sgdl_fpe_spec *sp, const sgdl_fpe_result *res, const char *model) {
  const sgdl_grid *g = &res->grid;
  printf("sgdlab fpe: %s, %s, lr %g, grid %d", sp->prob->desc, model, sp->lr, g->n[0]);
  if (g->dim == 2) printf("x%d", g->n[1]);
  printf(" cells on [%g, %g]", g->lo[0], g->hi[0]);
  if (g->dim == 2) printf(" x [%g, %g]", g->lo[1], g->hi[1]);
  printf(" (reflecting)\n");
  printf("  stationary density (direct solve): mean (%.6g%s", res->st_mean[0], g->dim == 2 ? ", " : ")");
  if (g->dim == 2) printf("%.6g)", res->st_mean[1]);
  printf(", variance %.6g", res->st_cov[0]);
  if (g->dim == 2) printf(" / %.6g (cov %.3g)", res->st_cov[3], res->st_cov[1]);
  printf(", min %.3g\n", res->st_min);
  if (isfinite(res->tv_to_gibbs)) printf("  TV to the Gibbs density exp(-L_alpha / eps): %.3g (discretisation)\n", res->tv_to_gibbs);
  for (int k = 0; k < res->n_basins; k++) {
    printf("  basin of the minimum (%.6g", res->basin_min[k][0]);
    if (g->dim == 2) printf(", %.6g", res->basin_min[k][1]);
    printf("): stationary mass %.8f\n", res->basin_mass[k]);
  }
  if (res->basins_truncated) printf("  (more than %d basins: the rest are not listed)\n", SGDL_FPE_MAX_BASINS);
  if (!res->evolved) return;
  print_evolution(res);
  if (res->have_histogram)
    printf("  SGD ensemble (%ld paths, %llu steps) vs density at T: TV %.4f; sampling alone gives %.4f +- %.4f -> %s\n", res->hist_paths,
           (unsigned long long)res->hist_steps, res->hist_tv, res->hist_floor, res->hist_floor_sd,
           res->resolved ? "SGD and the SME differ (resolved)" : "no difference resolved");
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
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, name));
  sgdl_csv_free(&c);
  return rc;
}

static int write_stationary(sgdl_ctx *ctx, const sgdl_fpe_result *res, const char *out) {
  const sgdl_grid *g = &res->grid;
  char path[4096], gp[1024];
  int rc;
  if (g->dim == 1) {
    sgdl_csv c;
    sgdl_csv_init(&c);
    sgdl_csv_printf(&c, "x,rho_stationary\n");
    double x;
    for (int i = 0; i < g->n[0]; i++) {
      sgdl_grid_center(g, (size_t)i, &x);
      sgdl_csv_num(&c, x, 0);
      sgdl_csv_num(&c, res->stationary[i], 1);
    }
    rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, "stationary.csv"));
    sgdl_csv_free(&c);
    snprintf(gp, sizeof gp,
             "set terminal pngcairo size 900,560 enhanced\nset output 'stationary.png'\nset datafile separator ','\n"
             "set title 'stationary density of the SME'\nset xlabel 'x'\nset ylabel 'density'\nset key off\n"
             "plot 'stationary.csv' skip 1 using 1:2 with linespoints lt 1 pi %d\n",
             g->n[0] > 24 ? g->n[0] / 12 : 1);
  } else {
    rc = write_field_2d(ctx, g, res->stationary, out, "stationary.dat");
    snprintf(gp, sizeof gp,
             "set terminal pngcairo size 900,700 enhanced\nset output 'stationary.png'\nset title 'stationary density of the SME'\n"
             "set xlabel 'x_1'\nset ylabel 'x_2'\nset cblabel 'density'\nset view map\nset pm3d map\nset size ratio -1\n"
             "splot 'stationary.dat' using 1:2:3 with pm3d notitle\n");
  }
  fflush(stdout);
  if (!rc) rc = sgdl_plot(ctx, sgdl_cli_out_dir(out), "stationary", gp, NULL);
  return rc;
}

static int write_timeline(sgdl_ctx *ctx, const sgdl_fpe_result *res, const char *out) {
  sgdl_csv tl;
  sgdl_csv_init(&tl);
  sgdl_csv_printf(&tl, "t,mass,min_density,tv_to_stationary,relative_entropy,bakry_emery_bound,m2_about_min,drift_bound,mass_in_region,"
                       "m2_in_region\n");
  for (int i = 0; i < res->n_records; i++)
    for (int q = 0; q < SGDL_FPE_COLUMNS; q++) sgdl_csv_num(&tl, res->timeline[(size_t)i * SGDL_FPE_COLUMNS + q], q == SGDL_FPE_COLUMNS - 1);
  char path[4096], gp[2048];
  int rc = sgdl_csv_write(ctx, &tl, sgdl_cli_out_path(path, sizeof path, out, "timeline.csv"));
  sgdl_csv_free(&tl);
  if (rc) return rc;
  /* markers every ~1/12 of the records; the Bakry-Emery curve only where the bound applies */
  const int every = res->n_records > 24 ? res->n_records / 12 : 1;
  char bound[160] = "";
  for (int i = 0; i < res->n_records && !bound[0]; i++)
    if (isfinite(res->timeline[(size_t)i * SGDL_FPE_COLUMNS + SGDL_FPE_BE_BOUND]))
      snprintf(bound, sizeof bound, ", '' skip 1 using 1:6 with linespoints lt 3 dt 2 pi %d title 'Bakry-Emery bound'", every);
  snprintf(gp, sizeof gp,
           "set terminal pngcairo size 900,560 enhanced\nset output 'timeline.png'\nset datafile separator ','\n"
           "set title 'convergence to the stationary density'\nset xlabel 't'\n"
           "set ylabel 'distance to the stationary density'\nset logscale y\nset key top right\n"
           "plot 'timeline.csv' skip 1 using 1:4 with linespoints lt 1 pi %d title 'TV to stationary', "
           "'' skip 1 using 1:5 with linespoints lt 2 pi %d title 'relative entropy H(t)'%s\n",
           every, every + every / 2, bound);
  fflush(stdout);
  return sgdl_plot(ctx, sgdl_cli_out_dir(out), "timeline", gp, NULL);
}

/* 1-D: the snapshots and the stationary density side by side; 2-D: the density at T. */
static int write_density(sgdl_ctx *ctx, const sgdl_fpe_result *res, const char *out) {
  const sgdl_grid *g = &res->grid;
  const size_t n = sgdl_grid_cells(g);
  char path[4096], gp[2048];
  int rc;
  if (g->dim == 1) {
    const int every = g->n[0] > 24 ? g->n[0] / 12 : 1; /* a marker every ~1/12 of the grid */
    sgdl_csv c;
    sgdl_csv_init(&c);
    sgdl_csv_printf(&c, "x");
    for (int s = 0; s < res->n_snapshots; s++) sgdl_csv_printf(&c, ",t=%.4g", res->snapshot_times[s]);
    sgdl_csv_printf(&c, ",stationary\n");
    double x;
    for (int i = 0; i < g->n[0]; i++) {
      sgdl_grid_center(g, (size_t)i, &x);
      sgdl_csv_num(&c, x, 0);
      for (int s = 0; s < res->n_snapshots; s++) sgdl_csv_num(&c, res->snapshots[n * (size_t)s + i], 0);
      sgdl_csv_num(&c, res->stationary[i], 1);
    }
    rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, "density.csv"));
    sgdl_csv_free(&c);
    if (rc) return rc;
    snprintf(gp, sizeof gp,
             "set terminal pngcairo size 900,560 enhanced\nset output 'density.png'\nset datafile separator ','\n"
             "set title 'density of the SME over time'\nset xlabel 'x'\nset ylabel 'density'\nset key autotitle columnhead\n"
             "plot for [k=2:%d] 'density.csv' using 1:k with linespoints lt k-1 pi %d+%d*k, " /* staggered markers */
             "'density.csv' using 1:%d with linespoints lt 7 dt 2 pi %d\n",
             res->n_snapshots + 1, every, every / 7 + 1, res->n_snapshots + 2, every);
    fflush(stdout);
    return sgdl_plot(ctx, sgdl_cli_out_dir(out), "density", gp, NULL);
  }
  rc = write_field_2d(ctx, g, res->density_T, out, "density_T.dat");
  if (rc) return rc;
  snprintf(gp, sizeof gp,
           "set terminal pngcairo size 900,700 enhanced\nset output 'density_T.png'\nset title 'density at T = %g'\n"
           "set xlabel 'x_1'\nset ylabel 'x_2'\nset cblabel 'density'\nset view map\nset pm3d map\nset size ratio -1\n"
           "splot 'density_T.dat' using 1:2:3 with pm3d notitle\n",
           res->T);
  fflush(stdout);
  return sgdl_plot(ctx, sgdl_cli_out_dir(out), "density_T", gp, NULL);
}

int sgdl_fpe_out_files(sgdl_ctx *ctx, const sgdl_fpe_result *res, const char *out) {
  int rc = write_stationary(ctx, res, out);
  if (!rc && res->evolved) rc = write_timeline(ctx, res, out);
  if (!rc && res->evolved) rc = write_density(ctx, res, out);
  return rc;
}
