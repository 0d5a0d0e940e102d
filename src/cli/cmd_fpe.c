/* sgdlab fpe: how does the density of SME1/SME2 evolve, and what is its stationary law?
 * Evolves the Fokker-Planck equation of a 1-D or 2-D problem from a narrow Gaussian at --x0
 * (implicit Euler, Scharfetter-Gummel finite volumes) and reports, over time: mass (conserved to
 * round-off), the smallest density value (positivity), the TV distance and relative entropy to the
 * stationary density (one direct solve), the Bakry-Emery bound e^{-2 kappa t} H(0) and the
 * drift-regime bound on E|X_t - x*|^2 (SPEC section 4 items 1 and 3) beside the measured values; and
 * the TV distance between the density at T and the histogram of an SGD ensemble, with the TV that
 * sampling alone would give. --stationary computes only the stationary density. Writes snapshots,
 * the timeline and plots (density over time; heat map in 2-D).
 * This file: the option table and the flags -> sgdl_fpe_spec mapping; fpe_out.c prints and writes.
 * Does not: compute anything (the study layer does, include/sgdlab/study_fpe.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/study_estimate.h"
#include "cli/fpe_out.h"
#include "sgdlab/study_fpe.h"

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

/* --x0, --grid and --box: the coordinates, cells per axis (integers in [3, 1e7]: the table declares
 * it) and the box when given. */
static int parse_geometry(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_fpe_spec *sp) {
  const int d = sp->prob->dim;
  int rc = SGDL_OK;
  sp->x0[0] = -1;
  sp->x0[1] = 0;
  if (sgdl_opt_str(opts, "x0")) {
    double *v = NULL;
    int nv = 0;
    rc = sgdl_opt_list(ctx, opts, "x0", &v, &nv);
    if (!rc && nv != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--x0: %d coordinates given, the problem has d = %d", nv, d);
    for (int a = 0; !rc && a < d; a++) sp->x0[a] = v[a];
    free(v);
  }
  sp->cells[0] = d == 1 ? 1000 : 160;
  sp->cells[1] = d == 1 ? 1 : 128;
  if (!rc && sgdl_opt_str(opts, "grid")) {
    double *v = NULL;
    int nv = 0;
    rc = sgdl_opt_list(ctx, opts, "grid", &v, &nv);
    if (!rc && nv != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--grid: %d numbers given for a %d-D problem", nv, d);
    for (int a = 0; !rc && a < d; a++) sp->cells[a] = (int)v[a];
    free(v);
  }
  if (!rc && sgdl_opt_str(opts, "box")) {
    sp->have_box = 1;
    rc = parse_box(ctx, sgdl_opt_str(opts, "box"), d, sp->box_lo, sp->box_hi);
  }
  return rc;
}

/* Flags -> spec. Ranges and choices were checked by sgdl_cli_parse (the table); what depends on the
 * problem (batch against the data set) or on several values (--paths 1, --dt beyond --T) is checked
 * by the study. */
static int fpe_spec_from_flags(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_problem *p, uint32_t seed, sgdl_fpe_spec *sp) {
  memset(sp, 0, sizeof *sp);
  sp->prob = p;
  sp->seed = seed;
  sp->init_sd = sp->dt = NAN;
  const int d = p->dim;
  long long paths = 0, nsnap = 5;
  sgdl_algo_params par;
  int rc = SGDL_OK;
  if (d > 2) rc = sgdl_fail(ctx, SGDL_ENOTSUP, "--problem %s has d = %d: the Fokker-Planck solver needs d = 1 or 2", p->type->name, d);
  if (!rc) rc = sgdl_cli_algo_params(ctx, opts, p, &par, NULL); /* --lr, --batch */
  if (!rc) rc = sgdl_opt_num(ctx, opts, "T", &sp->T);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "paths", &paths);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "noisy", &sp->noisy);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "snapshots", &nsnap);
  if (!rc && sgdl_opt_str(opts, "region-radius")) rc = sgdl_opt_num(ctx, opts, "region-radius", &sp->region_radius);
  if (rc) return rc;
  sp->model = sgdl_opt_str(opts, "model"); /* any one-particle model; the study validates it */
  sp->lr = par.lr;
  sp->batch = par.batch;
  sp->without_replacement = par.without_replacement;
  sp->paths = (long)paths;
  sp->snapshots = (int)nsnap;
  sp->stationary_only = sgdl_opt_flag(opts, "stationary");
  rc = parse_geometry(ctx, opts, sp);
  if (!rc && sgdl_opt_str(opts, "init-sd")) rc = sgdl_opt_num(ctx, opts, "init-sd", &sp->init_sd);
  if (!rc && sgdl_opt_str(opts, "dt")) rc = sgdl_opt_num(ctx, opts, "dt", &sp->dt);
  return rc;
}

static int run_study(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, int verbose, sgdl_fpe_result *res) {
  sgdl_progress_bar bar;
  if (verbose) {
    sgdl_cli_progress_bar_start(&bar, CMD);
    ctx->progress = sgdl_progress_bar_update;
    ctx->progress_user = &bar;
  }
  int rc = sgdl_fpe_study_run(ctx, sp, res);
  if (verbose) sgdl_progress_bar_finish(&bar);
  ctx->progress = NULL;
  return rc;
}

int sgdl_cmd_fpe(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0, OPT_POSITIVE},
      {"batch", OPT_INT, "1", "minibatch size B (noise factor c_B)", NULL, 0, OPT_RANGE(1, 1e9, OPT_GE | OPT_LE)},
      {"model", OPT_STR, "sme1", "the continuous model (smf1/smf2: one-particle law = sme's; gf needs --noisy > 0)", NULL, 0, OPT_CHOICES("sme1|sme2|smf1|smf2|gf")},
      {"x0", OPT_LIST, NULL, "centre of the initial Gaussian (default -1, or -1,0 in 2-D)", NULL, 0, OPT_ITEMS(0, 0, 0, 1, 2)},
      {"init-sd", OPT_NUM, NULL, "standard deviation of the initial Gaussian (default max(0.05, 2 cells))", NULL, 0, OPT_POSITIVE},
      {"T", OPT_NUM, "10", "final time (SME time; SGD runs T / alpha steps)", NULL, 0, OPT_POSITIVE},
      {"dt", OPT_NUM, NULL, "implicit Euler time step (default T / 1000 in 1-D, T / 200 in 2-D)", NULL, 0, OPT_POSITIVE},
      {"grid", OPT_LIST, NULL, "cells: N (1-D, default 1000) or Nx,Ny (2-D, default 160,128)", NULL, 0,
       OPT_ITEMS(3, 1e7, OPT_GE | OPT_LE | OPT_WHOLE, 1, 2)},
      {"box", OPT_STR, NULL, "lo:hi (1-D) or lo:hi,lo:hi (2-D); default: where the stationary weight falls below e^-30", NULL, 0},
      {"stationary", OPT_FLAG, NULL, "only the stationary density (direct solve)", NULL, 0},
      {"snapshots", OPT_INT, "5", "1-D: density snapshots written to density.csv", NULL, 0, OPT_RANGE(1, 50, OPT_GE | OPT_LE)},
      {"paths", OPT_INT, "10000", "SGD ensemble size for the histogram comparison (0: skip; else at least 2)", NULL, 0,
       OPT_RANGE(0, 1e9, OPT_GE | OPT_LE)},
      {"noisy", OPT_NUM, "0", "Noisy SGD regularisation beta^-1: D -> D + beta^-1 I", NULL, 0, OPT_NONNEGATIVE},
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
  const char *out = sgdl_opt_str(opts, "out"), *model = sgdl_opt_str(opts, "model");
  const int verbose = !sgdl_opt_flag(opts, "quiet") && !sgdl_opt_flag(opts, "json");
  sgdl_problem *p = NULL;
  rc = sgdl_cli_problem(&ctx, opts, &p);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  sgdl_fpe_spec sp;
  sgdl_fpe_result res;
  memset(&res, 0, sizeof res);
  rc = fpe_spec_from_flags(&ctx, opts, p, seed, &sp);
  sgdl_estimate est;
  if (!rc) sgdl_estimate_fpe(&sp, &est);
  if (!rc) rc = sgdl_cli_estimate_begin(&ctx, opts, &est);
  if (!rc) rc = run_study(&ctx, &sp, verbose, &res);
  cJSON *results = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
  if (!rc) {
    cJSON_AddStringToObject(results, "problem", p->desc);
    cJSON_AddStringToObject(results, "model", model);
    sgdl_fpe_out_json(&sp, &res, results);
    if (verbose) sgdl_fpe_out_print(&sp, &res, model);
    sgdl_cli_estimate_record(&ctx, opts, &est, results, 1);
    if (out) rc = sgdl_fpe_out_files(&ctx, &res, out);
  }
  sgdl_fpe_result_free(&res);
  sgdl_problem_destroy(p);
  if (rc) {
    cJSON_Delete(results);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, results);
}
