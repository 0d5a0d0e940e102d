/* The output side of `sgdlab exit` (exit_out.h): the method table on stdout, results.json
 * members, methods.csv, exit_time_profile.csv/.png and, for --lr-scan, arrhenius.csv/.png.
 * Does not: compute; every number comes from the sgdl_exit_result. */
#include "cli/exit_out.h"

#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static cJSON *rows_json(const sgdl_exit_spec *sp, const sgdl_exit_point *pt) {
  cJSON *ms = cJSON_CreateObject();
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) {
    if (!sp->want[k]) continue;
    const sgdl_exit_row *w = &pt->rows[k];
    cJSON *o = cJSON_AddObjectToObject(ms, sgdl_exit_method_name(k));
    cJSON_AddBoolToObject(o, "available", w->available);
    if (w->available) {
      sgdl_json_add_number(o, "mean_exit_time", w->time);
      sgdl_json_add_number(o, "mean_exit_steps", w->steps);
      if (w->is_mc) {
        sgdl_json_put(o, "ci95", sgdl_json_doubles(w->ci_time, 2));
        sgdl_json_put(o, "ci95_steps", sgdl_json_doubles(w->ci_steps, 2));
        sgdl_json_add_number(o, "se_time", w->se_time);
        cJSON_AddNumberToObject(o, "censored", (double)w->censored);
      } else {
        sgdl_json_add_number(o, "error_estimate", w->err_time);
      }
      sgdl_json_add_number(o, "ratio_to_pde", w->ratio_to_pde);
    }
    cJSON_AddStringToObject(o, "note", w->note);
  }
  return ms;
}

static void print_rows(const sgdl_exit_spec *sp, const sgdl_exit_point *pt) {
  const sgdl_exit_row *pde = &pt->rows[SGDL_EXIT_PDE];
  const int have_pde = pde->available && isfinite(pde->time);
  printf("  %-11s %14s %14s  %-31s %9s\n", "method", "MET (time)", "MET (steps)", "95% interval (steps)", "/ PDE");
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) {
    if (!sp->want[k]) continue;
    const sgdl_exit_row *w = &pt->rows[k];
    if (!w->available) {
      printf("  %-11s %s\n", sgdl_exit_method_name(k), w->note);
      continue;
    }
    char ci[64] = "";
    if (w->is_mc) snprintf(ci, sizeof ci, "[%.6g, %.6g]", w->ci_steps[0], w->ci_steps[1]);
    else if (isfinite(w->err_time)) snprintf(ci, sizeof ci, "(numerical error %.1e)", w->err_time / pt->lr);
    char ratio[32] = "";
    if (have_pde) snprintf(ratio, sizeof ratio, "%.4f", w->ratio_to_pde);
    printf("  %-11s %14.6g %14.6g  %-31s %9s\n", sgdl_exit_method_name(k), w->time, w->steps, ci, ratio);
  }
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
    if (sp->want[k] && pt->rows[k].available && pt->rows[k].note[0] && k != SGDL_EXIT_MC_SGD)
      printf("    %s: %s\n", sgdl_exit_method_name(k), pt->rows[k].note);
}

static void print_header(const sgdl_exit_spec *sp, const sgdl_exit_point *pt, const char *model) {
  const sgdl_problem *p = sp->prob;
  const sgdl_interval *iv = &pt->domain;
  printf("sgdlab exit: %s, %s, lr %g (c_B %g), from ", p->desc, model, pt->lr,
         sgdl_minibatch_factor(p->n_data, sp->batch, sp->without_replacement));
  if (sp->watch != SGDL_EXIT_WATCH_COORD) {
    if (p->dim > 2) printf("the start weights");
    else printf(p->dim == 1 ? "%g" : "(%g, %g)", sp->x0[0], sp->x0[1]);
    if (sp->watch == SGDL_EXIT_WATCH_DIST2) printf(", exit when |x - x_start| >= %g\n", sp->radius);
    else printf(", exit when the training loss reaches %g\n", sp->loss_level);
    return;
  }
  if (p->dim == 1) printf("%g", sp->x0[0]);
  else printf("(%g, %g)", sp->x0[0], sp->x0[1]);
  if (p->dim == 1)
    printf(", domain (%g, %g): %s / %s\n", iv->lo, iv->hi, iv->bc_lo == SGDL_BC_ABSORB ? "absorbing" : "reflecting far end",
           iv->bc_hi == SGDL_BC_ABSORB ? "absorbing" : "reflecting far end");
  else
    printf(", exit at x%d = %g\n", sp->coord + 1, sp->to);
}

static int write_profile(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_result *res, const char *out) {
  char path[4096];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "x,tau_time,tau_steps\n");
  for (int i = 0; i < res->profile.n; i++) {
    sgdl_csv_num(&c, res->profile.x[i], 0);
    sgdl_csv_num(&c, res->profile.time[i], 0);
    sgdl_csv_num(&c, res->profile.steps[i], 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, "exit_time_profile.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  char gp[1024];
  snprintf(gp, sizeof gp,
           "set terminal pngcairo size 900,560 enhanced\nset output 'exit_time_profile.png'\nset datafile separator ','\n"
           "set title 'mean exit time from x (backward Kolmogorov PDE), exit at %g'\nset xlabel 'start x'\n"
           "set ylabel 'mean exit time (SGD steps)'\nset key off\n"
           "plot 'exit_time_profile.csv' skip 1 using 1:3 with linespoints lt 1 pi %d\n",
           sp->to, res->profile.n > 24 ? (int)(res->profile.n / 12) : 1);
  fflush(stdout);
  return sgdl_plot(ctx, sgdl_cli_out_dir(out), "exit_time_profile", gp, NULL);
}

static int write_methods(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_point *pt, const char *out) {
  char path[4096];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "method,mean_exit_time,mean_exit_steps,ci95_lo_steps,ci95_hi_steps,ratio_to_pde\n");
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) {
    if (!sp->want[k] || !pt->rows[k].available) continue;
    const sgdl_exit_row *w = &pt->rows[k];
    sgdl_csv_printf(&c, "%s,", sgdl_exit_method_name(k));
    sgdl_csv_num(&c, w->time, 0);
    sgdl_csv_num(&c, w->steps, 0);
    sgdl_csv_num(&c, w->is_mc ? w->ci_steps[0] : NAN, 0);
    sgdl_csv_num(&c, w->is_mc ? w->ci_steps[1] : NAN, 0);
    sgdl_csv_num(&c, w->ratio_to_pde, 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, "methods.csv"));
  sgdl_csv_free(&c);
  return rc;
}

int sgdl_exit_out_point(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_result *res, const char *model, cJSON *results,
                        const char *out, int verbose) {
  const sgdl_exit_point *pt = &res->points[0];
  sgdl_json_add_number(results, "lr", pt->lr);
  cJSON *dom = cJSON_AddObjectToObject(results, "domain");
  if (sp->watch == SGDL_EXIT_WATCH_DIST2) {
    cJSON_AddStringToObject(dom, "neighbourhood", "|x - x_start| < radius");
    sgdl_json_add_number(dom, "radius", sp->radius);
  } else if (sp->watch == SGDL_EXIT_WATCH_LOSS) {
    cJSON_AddStringToObject(dom, "neighbourhood", "training loss L(x) < loss_level");
    sgdl_json_add_number(dom, "loss_level", sp->loss_level);
  } else if (sp->prob->dim == 1) {
    sgdl_json_add_number(dom, "lo", pt->domain.lo);
    sgdl_json_add_number(dom, "hi", pt->domain.hi);
    cJSON_AddStringToObject(dom, "lo_boundary", pt->domain.bc_lo == SGDL_BC_ABSORB ? "absorbing" : "reflecting (far end)");
    cJSON_AddStringToObject(dom, "hi_boundary", pt->domain.bc_hi == SGDL_BC_ABSORB ? "absorbing" : "reflecting (far end)");
  } else {
    cJSON_AddNumberToObject(dom, "exit_coordinate", sp->coord + 1);
    sgdl_json_add_number(dom, "exit_at", sp->to);
  }
  sgdl_json_put(results, "methods", rows_json(sp, pt));
  if (verbose) {
    print_header(sp, pt, model);
    print_rows(sp, pt);
  }
  if (!out) return SGDL_OK;
  int rc = write_methods(ctx, sp, pt, out);
  if (!rc && res->profile.n) rc = write_profile(ctx, sp, res, out);
  return rc;
}

static int plot_arrhenius(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const char *out) {
  char gp[2048], plot[1200] = "";
  int col = 3;
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) {
    if (!sp->want[k]) continue;
    char one[160];
    snprintf(one, sizeof one, "%s'arrhenius.csv' skip 1 using 2:%d with linespoints lw 2 title '%s'", plot[0] ? ", " : "", col++,
             sgdl_exit_method_name(k));
    strncat(plot, one, sizeof plot - strlen(plot) - 1);
  }
  snprintf(gp, sizeof gp,
           "set terminal pngcairo size 900,560 enhanced\nset output 'arrhenius.png'\nset datafile separator ','\n"
           "set title 'Arrhenius plot: mean exit time vs inverse noise temperature'\n"
           "set xlabel '1 / ({/Symbol a} c_B {/Symbol s}^2)'\nset ylabel 'mean exit time (SGD steps)'\nset logscale y\n"
           "set key top left\nplot %s\n",
           plot);
  fflush(stdout);
  return sgdl_plot(ctx, sgdl_cli_out_dir(out), "arrhenius", gp, NULL);
}

static void print_scan(const sgdl_exit_spec *sp, const sgdl_exit_result *res) {
  printf("  lr-scan: %d learning rates, MET in SGD steps\n  %10s %12s", res->n_points, "lr", "1/(a c s2)");
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
    if (sp->want[k]) printf(" %12s", sgdl_exit_method_name(k));
  printf("\n");
  for (int i = 0; i < res->n_points; i++) {
    const sgdl_exit_point *pt = &res->points[i];
    printf("  %10.4g %12.5g", pt->lr, pt->inv_temperature);
    for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
      if (sp->want[k]) printf(" %12.6g", pt->rows[k].available ? pt->rows[k].steps : NAN);
    printf("\n");
  }
}

int sgdl_exit_out_scan(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_result *res, cJSON *results, const char *out,
                       int verbose) {
  cJSON *arr = cJSON_AddArrayToObject(results, "lr_scan");
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "lr,inv_temperature");
  int last = 0;
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
    if (sp->want[k]) {
      sgdl_csv_printf(&c, ",%s_steps", sgdl_exit_method_name(k));
      last = k;
    }
  sgdl_csv_printf(&c, "\n");
  for (int i = 0; i < res->n_points; i++) {
    const sgdl_exit_point *pt = &res->points[i];
    cJSON *e = cJSON_CreateObject();
    sgdl_json_add_number(e, "lr", pt->lr);
    sgdl_json_add_number(e, "inv_temperature", pt->inv_temperature);
    sgdl_json_put(e, "methods", rows_json(sp, pt));
    sgdl_json_push(arr, e);
    sgdl_csv_num(&c, pt->lr, 0);
    sgdl_csv_num(&c, pt->inv_temperature, 0);
    for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
      if (sp->want[k]) sgdl_csv_num(&c, pt->rows[k].available ? pt->rows[k].steps : NAN, k == last);
  }
  if (verbose) print_scan(sp, res);
  int rc = SGDL_OK;
  if (out) {
    char path[4096];
    rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, out, "arrhenius.csv"));
    if (!rc) rc = plot_arrhenius(ctx, sp, out);
    if (!rc && verbose) printf("  wrote %s/arrhenius.csv and arrhenius.png\n", out);
  }
  sgdl_csv_free(&c);
  return rc;
}

cJSON *sgdl_exit_out_warnings_json(const sgdl_exit_result *res) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < res->n_warnings; i++) sgdl_json_push(a, cJSON_CreateString(res->warnings[i].text));
  return a;
}

void sgdl_exit_out_print_warnings(const sgdl_exit_result *res, int always) {
  for (int i = 0; i < res->n_warnings; i++)
    if (res->warnings[i].always == always) fprintf(stderr, "sgdlab exit: warning: %s\n", res->warnings[i].text);
}
