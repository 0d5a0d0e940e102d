/* sgdlab exit: how long does SGD (and each model) take to leave a basin? Every requested method
 * side by side, in time units and in SGD steps: the 1-D nested-integral quadrature (exact for the
 * SME), the backward Kolmogorov PDE (1-D/2-D), the discrete chain's own exit steps (Nystrom, 1-D),
 * Kramers / Eyring-Kramers, and Monte Carlo first-exit times of SGD, SME1 and SME2 with intervals;
 * ratios to the PDE. --lr-scan repeats the deterministic methods over learning rates and draws the
 * Arrhenius plot (log MET against 1/(alpha c_B sigma^2)).
 * Does not: compute anything itself (exit.h, pde.h do); it validates, orders and reports. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/exit.h"
#include "sgdlab/pde.h"

#define CMD "exit"

enum { M_QUAD, M_PDE, M_CHAIN, M_KRAMERS, M_MC_SGD, M_MC_SME1, M_MC_SME2, M_COUNT };
static const char *const method_names[M_COUNT] = {"quadrature", "pde", "chain", "kramers", "mc-sgd", "mc-sme1", "mc-sme2"};

typedef struct {
  int have;
  double time, steps, err_time; /* err: deterministic error estimate (time units), NAN if none */
  int is_mc;
  double ci_time[2], ci_steps[2], se_time;
  long censored;
  char note[240];
} row;

typedef struct {
  sgdl_ctx *ctx;
  sgdl_opt *o;
  const sgdl_problem *p;
  int d, order, want[M_COUNT];
  double lr, cB, noisy, x0[2], to;
  int coord, two_sided;
  double ilo, ihi;           /* --interval */
  int grid[2], have_box;
  double box_lo[2], box_hi[2];
  long paths;
  int substeps, bridge;
  long long max_steps;
  uint32_t seed;
  int verbose;
  cJSON *warnings;
  /* outputs of one run */
  row rows[M_COUNT];
  sgdl_interval iv;
  double *tau_profile, tau_lo, tau_hi;
  int tau_n;
  double kr_offset, sigma2_eff;
  int kr_found;
} exit_run;

static int parse_point(sgdl_ctx *ctx, sgdl_opt *o, const char *name, int d, double *x) {
  x[0] = -1;
  x[1] = 0;
  if (!sgdl_opt_str(o, name)) return SGDL_OK;
  double *v = NULL;
  int n = 0;
  int rc = sgdl_opt_list(ctx, o, name, &v, &n);
  if (!rc && n != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--%s: %d coordinates given, the problem has d = %d", name, n, d);
  for (int i = 0; !rc && i < d; i++) x[i] = v[i];
  free(v);
  return rc;
}

/* "a:b" or "a:b,c:d" */
static int parse_box(sgdl_ctx *ctx, const char *flag, const char *text, int d, double *lo, double *hi) {
  const char *s = text;
  for (int a = 0; a < d; a++) {
    char *end;
    lo[a] = strtod(s, &end);
    if (end == s || *end != ':') return sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%s' is not lo:hi%s", flag, text, d == 2 ? ",lo:hi" : "");
    s = end + 1;
    hi[a] = strtod(s, &end);
    if (end == s || (a + 1 < d && *end != ',') || (a + 1 == d && *end))
      return sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%s' is not lo:hi%s", flag, text, d == 2 ? ",lo:hi" : "");
    if (!(lo[a] < hi[a])) return sgdl_fail(ctx, SGDL_EUSAGE, "%s %g:%g: empty interval (axis %d)", flag, lo[a], hi[a], a + 1);
    s = end + 1;
  }
  return SGDL_OK;
}

static double best_steps_estimate(const exit_run *r) {
  for (int m = 0; m < M_COUNT; m++)
    if (r->rows[m].have && !r->rows[m].is_mc) return r->rows[m].steps;
  return NAN;
}

/* The grid methods' domain: 1-D the interval, 2-D a box clipped at --to on the exit axis. */
static int pde_grid(exit_run *r, const sgdl_sme_model *m, sgdl_grid *g) {
  sgdl_ctx *ctx = r->ctx;
  int bc[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  double lo[2], hi[2];
  int rc;
  if (r->d == 1) {
    lo[0] = r->iv.lo;
    hi[0] = r->iv.hi;
    bc[0][0] = r->iv.bc_lo;
    bc[0][1] = r->iv.bc_hi;
  } else {
    double xmin[2];
    if (r->have_box) {
      memcpy(lo, r->box_lo, sizeof lo);
      memcpy(hi, r->box_hi, sizeof hi);
    } else {
      rc = sgdl_find_minimum(ctx, r->p, r->x0, xmin);
      if (!rc) rc = sgdl_pde_auto_box(ctx, m, xmin, 30.0, lo, hi);
      if (rc) return rc;
    }
    const int c = r->coord;
    if (!(r->to > lo[c] && r->to < hi[c]) && r->have_box)
      return sgdl_fail(ctx, SGDL_EINVAL, "--to %g: unreachable, outside the box [%g, %g] on axis %d", r->to, lo[c], hi[c], c + 1);
    if (r->x0[c] < r->to) {
      hi[c] = r->to;
      bc[c][1] = SGDL_BC_ABSORB;
    } else {
      lo[c] = r->to;
      bc[c][0] = SGDL_BC_ABSORB;
    }
    for (int a = 0; a < 2; a++)
      if (!(r->x0[a] > lo[a] && r->x0[a] < hi[a]))
        return sgdl_fail(ctx, SGDL_EINVAL, "--from: start point (%g, %g) is outside the domain [%g, %g] x [%g, %g]", r->x0[0],
                         r->x0[1], lo[0], hi[0], lo[1], hi[1]);
  }
  rc = sgdl_grid_init(ctx, g, r->d, r->grid, lo, hi, (const int(*)[2])bc);
  if (rc) return rc;
  double xmin[2];
  if (!sgdl_find_minimum(ctx, r->p, r->x0, xmin) && sgdl_grid_locate(g, xmin) >= 0)
    rc = sgdl_fp_check_resolution(ctx, m, g, xmin, "--grid");
  return rc;
}

static void set_det(row *w, double time, double err, double lr) {
  w->have = 1;
  w->time = time;
  w->steps = time / lr;
  w->err_time = err;
}

/* All requested methods at one learning rate. Method failures that are "not applicable" become
 * notes; bad input stops the run. */
static int run_methods(exit_run *r) {
  sgdl_ctx *ctx = r->ctx;
  memset(r->rows, 0, sizeof r->rows);
  sgdl_sme_model m;
  int rc = sgdl_sme_model_init(ctx, &m, r->p, r->order, r->lr, r->cB, r->noisy);
  if (rc) return rc;

  /* Domain (1-D) */
  if (r->d == 1) {
    if (r->two_sided) {
      r->iv.lo = r->ilo;
      r->iv.hi = r->ihi;
      r->iv.bc_lo = r->iv.bc_hi = SGDL_BC_ABSORB;
      if (!(r->ilo < r->ihi)) return sgdl_fail(ctx, SGDL_EUSAGE, "--interval %g:%g: empty interval", r->ilo, r->ihi);
      if (!(r->x0[0] > r->ilo && r->x0[0] < r->ihi))
        return sgdl_fail(ctx, SGDL_EINVAL, "--from %g: start point outside the domain (%g, %g)", r->x0[0], r->ilo, r->ihi);
    } else {
      rc = sgdl_exit_interval_1d(ctx, &m, r->x0[0], r->to, &r->iv);
      if (rc) return rc;
    }
  } else if (r->x0[r->coord] == r->to) {
    return sgdl_fail(ctx, SGDL_EINVAL, "--from / --to: empty domain, the start is on the exit boundary x%d = %g", r->coord + 1, r->to);
  }

  /* Kramers first (also feeds the saddle warning). */
  sgdl_kramers kr;
  r->kr_found = 0;
  if (!r->two_sided) {
    sgdl_ctx kctx;
    sgdl_ctx_init(&kctx);
    if (!sgdl_kramers_solve(&kctx, &m, r->x0, r->coord, r->to, &kr)) {
      r->kr_found = 1;
      r->kr_offset = kr.boundary_offset;
      if (r->want[M_KRAMERS]) {
        set_det(&r->rows[M_KRAMERS], kr.t_boundary, NAN, r->lr);
        snprintf(r->rows[M_KRAMERS].note, sizeof r->rows[M_KRAMERS].note,
                 "asymptotic (eps -> 0): transition %.6g x Phi(offset %.2f noise widths); barrier %.4g, eps %.4g", kr.t_transition,
                 kr.boundary_offset, kr.barrier, kr.eps);
      }
    } else if (r->want[M_KRAMERS]) {
      snprintf(r->rows[M_KRAMERS].note, sizeof r->rows[M_KRAMERS].note, "n/a: %.200s", kctx.msg);
    }
  } else if (r->want[M_KRAMERS]) {
    snprintf(r->rows[M_KRAMERS].note, sizeof r->rows[M_KRAMERS].note, "n/a: two-sided --interval has no single saddle");
  }

  if (r->want[M_QUAD]) {
    sgdl_met q;
    rc = sgdl_met_quadrature(ctx, &m, &r->iv, r->x0[0], 0, &q);
    if (rc) return rc;
    set_det(&r->rows[M_QUAD], q.tau, q.err, r->lr);
    if (!isfinite(q.tau)) snprintf(r->rows[M_QUAD].note, sizeof r->rows[M_QUAD].note, "log(tau) = %.6g (beyond double range)", q.log_tau);
  }
  if (r->want[M_PDE]) {
    sgdl_grid g;
    rc = pde_grid(r, &m, &g);
    sgdl_fp_op *op = NULL;
    if (!rc) rc = sgdl_fp_assemble(ctx, &m, &g, &op);
    double *tau = NULL;
    if (!rc) {
      tau = sgdl_alloc(ctx, sgdl_grid_cells(&g), sizeof(double));
      rc = tau ? sgdl_fp_exit_time(ctx, op, tau) : SGDL_ENOMEM;
    }
    if (!rc) {
      set_det(&r->rows[M_PDE], sgdl_grid_interp(&g, tau, r->x0), NAN, r->lr);
      if (r->d == 2)
        snprintf(r->rows[M_PDE].note, sizeof r->rows[M_PDE].note, "grid %dx%d cells, h = %.3g x %.3g, SG flux, %s", g.n[0],
                 g.n[1], g.h[0], g.h[1], sgdl_pde_sparse_backend());
      else
        snprintf(r->rows[M_PDE].note, sizeof r->rows[M_PDE].note, "grid %d cells, h = %.3g, SG flux, tridiagonal", g.n[0], g.h[0]);
      if (r->d == 1) {
        free(r->tau_profile);
        r->tau_profile = malloc(sizeof(double) * (size_t)g.n[0]);
        if (r->tau_profile) memcpy(r->tau_profile, tau, sizeof(double) * (size_t)g.n[0]);
        r->tau_n = g.n[0];
        r->tau_lo = g.lo[0];
        r->tau_hi = g.hi[0];
      }
    }
    sgdl_free(tau);
    sgdl_fp_op_free(op);
    if (rc) return rc;
  }
  if (r->want[M_CHAIN]) {
    sgdl_chain_met ch;
    sgdl_ctx cctx;
    sgdl_ctx_init(&cctx);
    int crc = sgdl_met_chain(&cctx, r->p, r->lr, r->cB, &r->iv, r->x0[0], 0, &ch);
    if (!crc) {
      row *w = &r->rows[M_CHAIN];
      w->have = 1;
      w->steps = ch.steps;
      w->time = ch.steps * r->lr;
      w->err_time = ch.err * r->lr;
      snprintf(w->note, sizeof w->note, "Nystrom, %d nodes, step sd alpha sigma = %.3g", ch.nodes, ch.step_sd_min);
    } else if (crc == SGDL_ENOTSUP) {
      snprintf(r->rows[M_CHAIN].note, sizeof r->rows[M_CHAIN].note, "n/a: %.200s", cctx.msg);
    } else {
      return sgdl_fail(ctx, crc, "%s", cctx.msg);
    }
  }
  /* Monte Carlo */
  const double est = best_steps_estimate(r);
  for (int k = M_MC_SGD; k <= M_MC_SME2; k++) {
    if (!r->want[k]) continue;
    const char *stepper = k == M_MC_SGD ? "sgd" : k == M_MC_SME1 ? "sme1" : "sme2";
    sgdl_algo_params par;
    sgdl_algo_params_init(&par);
    par.lr = r->lr;
    par.batch = (int)(r->cB > 0 ? lround(1.0 / r->cB) : 1);
    par.substeps = k == M_MC_SGD ? 1 : r->substeps;
    sgdl_exit_region reg = {r->coord, -INFINITY, INFINITY, k != M_MC_SGD && r->bridge};
    if (r->d == 1) {
      if (r->iv.bc_lo == SGDL_BC_ABSORB) reg.lo = r->iv.lo;
      if (r->iv.bc_hi == SGDL_BC_ABSORB) reg.hi = r->iv.hi;
    } else if (r->x0[r->coord] < r->to) {
      reg.hi = r->to;
    } else {
      reg.lo = r->to;
    }
    uint64_t maxs = r->max_steps > 0 ? (uint64_t)r->max_steps
                                      : (uint64_t)(isfinite(est) ? fmax(1e5, fmin(1e9, 100 * est)) : 1e8);
    sgdl_first_exit fe;
    sgdl_progress_bar bar;
    if (r->verbose) {
      sgdl_progress_bar_start(&bar, method_names[k]);
      ctx->progress = sgdl_progress_bar_update;
      ctx->progress_user = &bar;
    }
    rc = sgdl_first_exit_mc(ctx, stepper, r->p, &par, r->seed, (uint32_t)(10 + k), r->x0, &reg, r->paths, maxs, &fe, NULL, NULL);
    if (r->verbose) {
      sgdl_progress_bar_finish(&bar);
      ctx->progress = NULL;
    }
    if (rc) return rc;
    row *w = &r->rows[k];
    w->have = 1;
    w->is_mc = 1;
    w->time = fe.mean_time;
    w->steps = fe.mean_steps;
    w->se_time = fe.se_time;
    w->err_time = NAN;
    memcpy(w->ci_time, fe.ci95_time, sizeof w->ci_time);
    memcpy(w->ci_steps, fe.ci95_steps, sizeof w->ci_steps);
    w->censored = fe.censored;
    snprintf(w->note, sizeof w->note, "%ld paths%s%s", r->paths,
             k == M_MC_SGD ? "" : (r->bridge ? ", per-step monitoring + Brownian bridge" : ", per-step monitoring"),
             fe.censored ? ", CENSORED paths: mean is a lower bound" : "");
    if (fe.censored) {
      char wmsg[200];
      snprintf(wmsg, sizeof wmsg, "%s: %ld of %ld paths had not exited after %llu steps (raise --max-steps)", method_names[k],
               fe.censored, r->paths, (unsigned long long)maxs);
      cJSON_AddItemToArray(r->warnings, cJSON_CreateString(wmsg));
      if (r->verbose) fprintf(stderr, "sgdlab exit: warning: %s\n", wmsg);
    }
  }
  return SGDL_OK;
}

static cJSON *rows_json(const exit_run *r) {
  cJSON *ms = cJSON_CreateObject();
  const double pde = r->rows[M_PDE].have ? r->rows[M_PDE].time : NAN;
  for (int k = 0; k < M_COUNT; k++) {
    if (!r->want[k]) continue;
    const row *w = &r->rows[k];
    cJSON *o = cJSON_AddObjectToObject(ms, method_names[k]);
    cJSON_AddBoolToObject(o, "available", w->have);
    if (w->have) {
      sgdl_json_add_number(o, "mean_exit_time", w->time);
      sgdl_json_add_number(o, "mean_exit_steps", w->steps);
      if (w->is_mc) {
        cJSON_AddItemToObject(o, "ci95", sgdl_json_doubles(w->ci_time, 2));
        cJSON_AddItemToObject(o, "ci95_steps", sgdl_json_doubles(w->ci_steps, 2));
        sgdl_json_add_number(o, "se_time", w->se_time);
        cJSON_AddNumberToObject(o, "censored", (double)w->censored);
      } else {
        sgdl_json_add_number(o, "error_estimate", w->err_time);
      }
      sgdl_json_add_number(o, "ratio_to_pde", w->time / pde);
    }
    cJSON_AddStringToObject(o, "note", w->note);
  }
  return ms;
}

static void print_rows(const exit_run *r) {
  const double pde = r->rows[M_PDE].have ? r->rows[M_PDE].time : NAN;
  printf("  %-11s %14s %14s  %-31s %9s\n", "method", "MET (time)", "MET (steps)", "95% interval (steps)", "/ PDE");
  for (int k = 0; k < M_COUNT; k++) {
    if (!r->want[k]) continue;
    const row *w = &r->rows[k];
    if (!w->have) {
      printf("  %-11s %s\n", method_names[k], w->note);
      continue;
    }
    char ci[64] = "";
    if (w->is_mc) snprintf(ci, sizeof ci, "[%.6g, %.6g]", w->ci_steps[0], w->ci_steps[1]);
    else if (isfinite(w->err_time)) snprintf(ci, sizeof ci, "(numerical error %.1e)", w->err_time / r->lr);
    char ratio[32] = "";
    if (isfinite(pde)) snprintf(ratio, sizeof ratio, "%.4f", w->time / pde);
    printf("  %-11s %14.6g %14.6g  %-31s %9s\n", method_names[k], w->time, w->steps, ci, ratio);
  }
  for (int k = 0; k < M_COUNT; k++)
    if (r->want[k] && r->rows[k].have && r->rows[k].note[0] && k != M_MC_SGD)
      printf("    %s: %s\n", method_names[k], r->rows[k].note);
}

static int write_outputs(exit_run *r, const char *out) {
  sgdl_ctx *ctx = r->ctx;
  char path[4096];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "method,mean_exit_time,mean_exit_steps,ci95_lo_steps,ci95_hi_steps,ratio_to_pde\n");
  const double pde = r->rows[M_PDE].have ? r->rows[M_PDE].time : NAN;
  for (int k = 0; k < M_COUNT; k++) {
    if (!r->want[k] || !r->rows[k].have) continue;
    const row *w = &r->rows[k];
    sgdl_csv_printf(&c, "%s,", method_names[k]);
    sgdl_csv_num(&c, w->time, 0);
    sgdl_csv_num(&c, w->steps, 0);
    sgdl_csv_num(&c, w->is_mc ? w->ci_steps[0] : NAN, 0);
    sgdl_csv_num(&c, w->is_mc ? w->ci_steps[1] : NAN, 0);
    sgdl_csv_num(&c, w->time / pde, 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, out, "methods.csv"));
  sgdl_csv_free(&c);
  if (!rc && r->tau_profile) {
    sgdl_csv_init(&c);
    sgdl_csv_printf(&c, "x,tau_time,tau_steps\n");
    const double h = (r->tau_hi - r->tau_lo) / r->tau_n;
    for (int i = 0; i < r->tau_n; i++) {
      sgdl_csv_num(&c, r->tau_lo + (i + 0.5) * h, 0);
      sgdl_csv_num(&c, r->tau_profile[i], 0);
      sgdl_csv_num(&c, r->tau_profile[i] / r->lr, 1);
    }
    rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, out, "exit_time_profile.csv"));
    sgdl_csv_free(&c);
    if (!rc) {
      char gp[1024];
      snprintf(gp, sizeof gp,
               "set terminal pngcairo size 900,560 enhanced\nset output 'exit_time_profile.png'\nset datafile separator ','\n"
               "set title 'mean exit time from x (backward Kolmogorov PDE), exit at %g'\nset xlabel 'start x'\n"
               "set ylabel 'mean exit time (SGD steps)'\nset key off\n"
               "plot 'exit_time_profile.csv' skip 1 using 1:3 with lines lw 2\n", r->to);
      fflush(stdout);
      rc = sgdl_plot(ctx, out, "exit_time_profile", gp, NULL);
    }
  }
  return rc;
}

static int lr_scan(exit_run *r, cJSON *res, const char *out) {
  sgdl_ctx *ctx = r->ctx;
  double *lrs = NULL;
  int n = 0;
  int rc = sgdl_parse_range(ctx, "--lr-scan", sgdl_opt_str(r->o, "lr-scan"), 0, &lrs, &n);
  if (rc) return rc;
  cJSON *arr = cJSON_AddArrayToObject(res, "lr_scan");
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "lr,inv_temperature");
  for (int k = 0; k < M_COUNT; k++)
    if (r->want[k]) sgdl_csv_printf(&c, ",%s_steps", method_names[k]);
  sgdl_csv_printf(&c, "\n");
  if (r->verbose) printf("  lr-scan: %d learning rates, MET in SGD steps\n  %10s %12s", n, "lr", "1/(a c s2)");
  for (int k = 0; k < M_COUNT && r->verbose; k++)
    if (r->want[k]) printf(" %12s", method_names[k]);
  if (r->verbose) printf("\n");
  for (int i = 0; i < n && !rc; i++) {
    r->lr = lrs[i];
    rc = run_methods(r);
    if (rc) break;
    const double it = 1.0 / (r->lr * r->cB * r->sigma2_eff);
    cJSON *e = cJSON_CreateObject();
    sgdl_json_add_number(e, "lr", r->lr);
    sgdl_json_add_number(e, "inv_temperature", it);
    cJSON_AddItemToObject(e, "methods", rows_json(r));
    cJSON_AddItemToArray(arr, e);
    sgdl_csv_num(&c, r->lr, 0);
    sgdl_csv_num(&c, it, 0);
    int last = 0;
    for (int k = 0; k < M_COUNT; k++)
      if (r->want[k]) last = k;
    for (int k = 0; k < M_COUNT; k++)
      if (r->want[k]) sgdl_csv_num(&c, r->rows[k].have ? r->rows[k].steps : NAN, k == last);
    if (r->verbose) {
      printf("  %10.4g %12.5g", r->lr, it);
      for (int k = 0; k < M_COUNT; k++)
        if (r->want[k]) printf(" %12.6g", r->rows[k].have ? r->rows[k].steps : NAN);
      printf("\n");
    }
  }
  if (!rc && out) {
    char path[4096];
    rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, out, "arrhenius.csv"));
    if (!rc) {
      char gp[2048], plot[1200] = "";
      int col = 3;
      for (int k = 0; k < M_COUNT; k++) {
        if (!r->want[k]) continue;
        char one[160];
        snprintf(one, sizeof one, "%s'arrhenius.csv' skip 1 using 2:%d with linespoints lw 2 title '%s'", plot[0] ? ", " : "", col++,
                 method_names[k]);
        strncat(plot, one, sizeof plot - strlen(plot) - 1);
      }
      snprintf(gp, sizeof gp,
               "set terminal pngcairo size 900,560 enhanced\nset output 'arrhenius.png'\nset datafile separator ','\n"
               "set title 'Arrhenius plot: mean exit time vs inverse noise temperature'\n"
               "set xlabel '1 / ({/Symbol a} c_B {/Symbol s}^2)'\nset ylabel 'mean exit time (SGD steps)'\nset logscale y\n"
               "set key top left\nplot %s\n", plot);
      fflush(stdout);
      rc = sgdl_plot(ctx, out, "arrhenius", gp, NULL);
    }
    if (!rc && r->verbose) printf("  wrote %s/arrhenius.csv and arrhenius.png\n", out);
  }
  sgdl_csv_free(&c);
  free(lrs);
  return rc;
}

int sgdl_cmd_exit(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0},
      {"batch", OPT_INT, "1", "minibatch size B (noise factor c_B)", NULL, 0},
      {"model", OPT_STR, "sme1", "continuous model for quadrature, pde and kramers: sme1 | sme2", NULL, 0},
      {"from", OPT_LIST, NULL, "start point x0 (default -1, or -1,0 in 2-D)", NULL, 0},
      {"to", OPT_NUM, "0.5", "exit when coordinate --coord reaches this value", NULL, 0},
      {"coord", OPT_INT, "1", "2-D: which coordinate --to refers to (1 or 2)", NULL, 0},
      {"interval", OPT_STR, NULL, "1-D: a:b, exit from (a, b) through either end (instead of --to)", NULL, 0},
      {"methods", OPT_STR, NULL, "comma list of quadrature,pde,chain,kramers,mc-sgd,mc-sme1,mc-sme2 (default: the deterministic ones)", NULL, 0},
      {"grid", OPT_LIST, NULL, "PDE cells: N (1-D, default 2000) or Nx,Ny (2-D, default 200,160)", NULL, 0},
      {"box", OPT_STR, NULL, "2-D PDE box lo:hi,lo:hi (default: where the stationary weight falls below e^-30)", NULL, 0},
      {"paths", OPT_NUM, "10000", "Monte Carlo paths (e.g. 1e5)", NULL, 0},
      {"substeps", OPT_INT, "8", "mc-sme1/mc-sme2: Euler-Maruyama substeps per learning-rate step", NULL, 0},
      {"no-bridge", OPT_FLAG, NULL, "mc-sme1/mc-sme2: plain per-step monitoring (no Brownian-bridge correction)", NULL, 0},
      {"max-steps", OPT_NUM, NULL, "Monte Carlo horizon in steps (default 100 x the deterministic estimate)", NULL, 0},
      {"noisy", OPT_NUM, "0", "Noisy SGD regularisation beta^-1: D -> D + beta^-1 I", NULL, 0},
      {"lr-scan", OPT_STR, NULL, "lo:hi:n: repeat over learning rates, Arrhenius plot of log MET vs 1/(alpha c_B sigma^2)", NULL, 0},
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed = 1;
  int rc = sgdl_cli_begin(&ctx, CMD,
                          "How long does SGD (and each model) take to leave a basin? Mean exit times by quadrature (1-D, exact for\n"
                          "the SME), the backward Kolmogorov PDE (1-D/2-D), the discrete chain (Nystrom, 1-D), Kramers, and Monte\n"
                          "Carlo of SGD/SME1/SME2, in time units and SGD steps, with intervals and ratios to the PDE.",
                          opts, argc, argv, &seed);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  const char *out = sgdl_opt_str(opts, "out");

  exit_run r;
  memset(&r, 0, sizeof r);
  r.ctx = &ctx;
  r.o = opts;
  r.seed = seed;
  r.verbose = !sgdl_opt_flag(opts, "quiet") && !sgdl_opt_flag(opts, "json");
  sgdl_problem *p = NULL;
  rc = sgdl_cli_problem(&ctx, opts, &p);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  r.p = p;
  r.d = p->dim;
  long long batch = 1, coord = 1;
  double paths = 0, maxs = 0;
  const char *model = sgdl_opt_str(opts, "model");
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "lr", &r.lr);
  if (!rc) rc = sgdl_opt_int(&ctx, opts, "batch", &batch);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "to", &r.to);
  if (!rc) rc = sgdl_opt_int(&ctx, opts, "coord", &coord);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "paths", &paths);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "noisy", &r.noisy);
  long long sub = 8;
  if (!rc) rc = sgdl_opt_int(&ctx, opts, "substeps", &sub);
  if (!rc && sgdl_opt_str(opts, "max-steps")) rc = sgdl_opt_num(&ctx, opts, "max-steps", &maxs);
  if (!rc && r.d > 2) rc = sgdl_fail(&ctx, SGDL_ENOTSUP, "--problem %s has d = %d: exit times need a 1-D or 2-D problem", p->type->name, r.d);
  if (!rc && strcmp(model, "sme1") && strcmp(model, "sme2"))
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--model: '%s' is not sme1 or sme2", model);
  if (!rc && (batch < 1 || (p->n_data && (size_t)batch > p->n_data))) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--batch: %lld is not a valid batch size", batch);
  if (!rc && (coord < 1 || coord > r.d)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--coord: %lld is not an axis of the %d-D problem", coord, r.d);
  if (!rc && !(paths >= 2 && paths <= 1e10)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--paths: %g, need at least 2", paths);
  if (!rc && sub < 1) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--substeps: %lld is not positive", sub);
  if (!rc && maxs < 0) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--max-steps: %g is negative", maxs);
  if (!rc) rc = parse_point(&ctx, opts, "from", r.d, r.x0);
  r.order = model[3] == '2' ? 2 : 1;
  r.cB = sgdl_minibatch_factor(p->n_data, (int)batch, 0);
  r.coord = (int)coord - 1;
  r.paths = (long)paths;
  r.substeps = (int)sub;
  r.bridge = !sgdl_opt_flag(opts, "no-bridge");
  r.max_steps = (long long)maxs;
  if (!rc && sgdl_opt_str(opts, "interval")) {
    if (r.d != 1) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--interval is for 1-D problems; in 2-D use --to and --box");
    double lo[1] = {0}, hi[1] = {0};
    if (!rc) rc = parse_box(&ctx, "--interval", sgdl_opt_str(opts, "interval"), 1, lo, hi);
    if (!rc && sgdl_opt_given(opts, "to")) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--interval and --to exclude each other");
    r.two_sided = 1;
    r.ilo = lo[0];
    r.ihi = hi[0];
  }
  if (!rc && sgdl_opt_str(opts, "box")) {
    rc = parse_box(&ctx, "--box", sgdl_opt_str(opts, "box"), r.d, r.box_lo, r.box_hi);
    r.have_box = 1;
  }
  r.grid[0] = r.d == 1 ? 2000 : 200;
  r.grid[1] = r.d == 1 ? 1 : 160;
  if (!rc && sgdl_opt_str(opts, "grid")) {
    double *v = NULL;
    int n = 0;
    rc = sgdl_opt_list(&ctx, opts, "grid", &v, &n);
    if (!rc && n != r.d) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--grid: %d numbers given for a %d-D problem", n, r.d);
    for (int a = 0; !rc && a < r.d; a++) {
      if (!(v[a] >= 3 && v[a] <= 1e7)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--grid: %g cells is not a grid size (>= 3)", v[a]);
      else r.grid[a] = (int)v[a];
    }
    free(v);
  }
  /* Methods */
  const char *ml = sgdl_opt_str(opts, "methods");
  if (!rc && !ml) {
    r.want[M_PDE] = r.want[M_KRAMERS] = 1;
    if (r.d == 1) r.want[M_QUAD] = r.want[M_CHAIN] = 1;
  } else if (!rc) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", ml);
    for (char *t = strtok(buf, ","); t && !rc; t = strtok(NULL, ",")) {
      int k = 0;
      while (k < M_COUNT && strcmp(t, method_names[k])) k++;
      if (k == M_COUNT)
        rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--methods: unknown method '%s' (known: quadrature, pde, chain, kramers, mc-sgd, mc-sme1, mc-sme2)", t);
      else if ((k == M_QUAD || k == M_CHAIN) && r.d != 1)
        rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--methods %s: 1-D only (the problem has d = %d)", t, r.d);
      else r.want[k] = 1;
    }
  }
  /* Noise temperature for the Arrhenius axis: sigma^2 = tr Sigma_1 / d at the start. */
  if (!rc) {
    double S[4], *G = calloc((size_t)r.d * (size_t)(p->n_noise > 0 ? p->n_noise : 1), sizeof *G);
    sgdl_problem_sigma1(p, r.x0, S, G);
    free(G);
    r.sigma2_eff = r.d == 1 ? S[0] : 0.5 * (S[0] + S[3]);
  }
  r.warnings = cJSON_CreateArray();
  cJSON *res = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
  if (!rc) {
    cJSON_AddStringToObject(res, "problem", p->desc);
    cJSON_AddStringToObject(res, "model", model);
    cJSON_AddItemToObject(res, "from", sgdl_json_doubles(r.x0, (size_t)r.d));
    if (sgdl_opt_str(opts, "lr-scan")) {
      if (r.verbose) printf("sgdlab exit: %s, %s, from %g%s, exit at x%d = %g\n", p->desc, model, r.x0[0], r.d == 2 ? ", ..." : "", r.coord + 1, r.to);
      rc = lr_scan(&r, res, out);
    } else {
      rc = run_methods(&r);
      if (!rc) {
        sgdl_json_add_number(res, "lr", r.lr);
        cJSON *dom = cJSON_AddObjectToObject(res, "domain");
        if (r.d == 1) {
          sgdl_json_add_number(dom, "lo", r.iv.lo);
          sgdl_json_add_number(dom, "hi", r.iv.hi);
          cJSON_AddStringToObject(dom, "lo_boundary", r.iv.bc_lo == SGDL_BC_ABSORB ? "absorbing" : "reflecting (far end)");
          cJSON_AddStringToObject(dom, "hi_boundary", r.iv.bc_hi == SGDL_BC_ABSORB ? "absorbing" : "reflecting (far end)");
        } else {
          cJSON_AddNumberToObject(dom, "exit_coordinate", r.coord + 1);
          sgdl_json_add_number(dom, "exit_at", r.to);
        }
        cJSON_AddItemToObject(res, "methods", rows_json(&r));
        if (r.verbose) {
          printf("sgdlab exit: %s, %s, lr %g (c_B %g), from ", p->desc, model, r.lr, r.cB);
          if (r.d == 1) printf("%g", r.x0[0]);
          else printf("(%g, %g)", r.x0[0], r.x0[1]);
          if (r.d == 1)
            printf(", domain (%g, %g): %s / %s\n", r.iv.lo, r.iv.hi, r.iv.bc_lo == SGDL_BC_ABSORB ? "absorbing" : "reflecting far end",
                   r.iv.bc_hi == SGDL_BC_ABSORB ? "absorbing" : "reflecting far end");
          else
            printf(", exit at x%d = %g\n", r.coord + 1, r.to);
          print_rows(&r);
        }
        if (out) rc = write_outputs(&r, out);
      }
    }
    /* Boundary at the saddle: discrete monitoring misses excursions there (SPEC section 4). */
    if (!rc && r.kr_found && fabs(r.kr_offset) < 1.0) {
      char w[320];
      snprintf(w, sizeof w, "the exit boundary %g is at the saddle (%.2f noise widths from it): per-step monitoring misses "
               "excursions across it (O(sqrt(alpha)) bias in mc-* and the chain vs the SME); put the boundary past the saddle",
               r.to, r.kr_offset);
      cJSON_AddItemToArray(r.warnings, cJSON_CreateString(w));
      if (!sgdl_opt_flag(opts, "quiet")) fprintf(stderr, "sgdlab exit: warning: %s\n", w);
    }
  }
  cJSON_AddItemToObject(res, "warnings", r.warnings);
  free(r.tau_profile);
  sgdl_problem_destroy(p);
  if (rc) {
    cJSON_Delete(res);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, res);
}
