/* sgdlab exit: how long does SGD (and each model) take to leave a basin? Every requested method
 * side by side, in time units and in SGD steps: the 1-D nested-integral quadrature (exact for the
 * SME), the backward Kolmogorov PDE (1-D/2-D), the discrete chain's own exit steps (Nystrom, 1-D),
 * Kramers / Eyring-Kramers, and Monte Carlo first-exit times of SGD, SME1 and SME2 with intervals;
 * ratios to the PDE. --lr-scan repeats the methods over learning rates and draws the Arrhenius
 * plot (log MET against 1/(alpha c_B sigma^2)).
 * This file: the option table and the flags -> sgdl_exit_spec mapping; exit_out.c prints and
 * writes. Does not: compute anything (the study layer does, include/sgdlab/study_exit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/study_estimate.h"
#include "cli/exit_out.h"
#include "cli/noise_out.h"
#include "cli/study_rounds_cli.h"
#include "sgdlab/study_exit.h"

#define CMD "exit"

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

/* --grid: cell counts (integers in [3, 1e7], 1 or 2 of them: the table declares it), one per axis. */
static int parse_grid(sgdl_ctx *ctx, sgdl_opt *opts, int d, int *grid) {
  grid[0] = d == 1 ? 2000 : 200;
  grid[1] = d == 1 ? 1 : 160;
  if (!sgdl_opt_str(opts, "grid")) return SGDL_OK;
  double *v = NULL;
  int n = 0;
  int rc = sgdl_opt_list(ctx, opts, "grid", &v, &n);
  if (!rc && n != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--grid: %d numbers given for a %d-D problem", n, d);
  for (int a = 0; !rc && a < d; a++) grid[a] = (int)v[a];
  free(v);
  return rc;
}

static int parse_methods(sgdl_ctx *ctx, const char *ml, int d, int hood, int *want) {
  if (!ml && hood) {
    want[SGDL_EXIT_MC_SGD] = 1;
    return SGDL_OK;
  }
  if (!ml) {
    want[SGDL_EXIT_PDE] = want[SGDL_EXIT_KRAMERS] = 1;
    if (d == 1) want[SGDL_EXIT_QUADRATURE] = want[SGDL_EXIT_CHAIN] = 1;
    return SGDL_OK;
  }
  char buf[512];
  snprintf(buf, sizeof buf, "%s", ml);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    const int k = sgdl_exit_method_find(t);
    if (k < 0)
      return sgdl_fail(ctx, SGDL_EUSAGE, "--methods: unknown method '%s' (known: quadrature, pde, chain, kramers, mc-sgd, mc-sme1, mc-sme2)", t);
    if ((k == SGDL_EXIT_QUADRATURE || k == SGDL_EXIT_CHAIN) && d != 1)
      return sgdl_fail(ctx, SGDL_EUSAGE, "--methods %s: 1-D only (the problem has d = %d)", t, d);
    want[k] = 1;
  }
  return SGDL_OK;
}

/* --interval and --box. */
static int parse_domain(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_exit_spec *sp) {
  const int d = sp->prob->dim;
  int rc = SGDL_OK;
  if (sgdl_opt_str(opts, "interval")) {
    if (d != 1) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--interval is for 1-D problems; in 2-D use --to and --box");
    double lo[1] = {0}, hi[1] = {0};
    if (!rc) rc = parse_box(ctx, "--interval", sgdl_opt_str(opts, "interval"), 1, lo, hi);
    if (!rc && sgdl_opt_given(opts, "to")) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--interval and --to exclude each other");
    sp->two_sided = 1;
    sp->interval_lo = lo[0];
    sp->interval_hi = hi[0];
  }
  if (!rc && sgdl_opt_str(opts, "box")) {
    rc = parse_box(ctx, "--box", sgdl_opt_str(opts, "box"), d, sp->box_lo, sp->box_hi);
    sp->have_box = 1;
  }
  return rc;
}

/* --radius / --loss-level: a neighbourhood of the start instead of a basin (any dimension). A
 * problem of d > 2 starts from its default point (mlp: the --init weights, else --seed's); *start is
 * allocated (free()). */
static int parse_hood(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_problem *p, sgdl_exit_spec *sp, double **start) {
  const int d = p->dim, radius = sgdl_opt_str(opts, "radius") != NULL, level = sgdl_opt_str(opts, "loss-level") != NULL;
  int rc = SGDL_OK;
  if (radius && level) return sgdl_fail(ctx, SGDL_EUSAGE, "--radius and --loss-level exclude each other");
  if (!radius && !level) {
    if (d > 2)
      return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem %s has d = %d: give --radius R (exit when |x - x_start| >= R) or "
                       "--loss-level L (exit when the training loss reaches L); basins and --to are for 1-D or 2-D problems",
                       p->type->name, d);
    return SGDL_OK;
  }
  if (sgdl_opt_str(opts, "interval") || sgdl_opt_given(opts, "to") || sgdl_opt_str(opts, "box"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: excludes --to, --interval and --box (the neighbourhood is the region)",
                     radius ? "radius" : "loss-level");
  static const char *const basin_only[] = {"coord", "grid", "model", "noisy", "no-bridge", NULL}; /* never silently ignored */
  for (int k = 0; basin_only[k]; k++)
    if (sgdl_opt_given(opts, basin_only[k]))
      return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: does not apply with --%s (only the Monte Carlo methods run, on SGD's own noise)",
                       basin_only[k], radius ? "radius" : "loss-level");
  if (d > 2 && sgdl_opt_str(opts, "from"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--from: a %d-D problem starts from its own point (mlp: --init weights or --seed)", d);
  sp->watch = radius ? SGDL_EXIT_WATCH_DIST2 : SGDL_EXIT_WATCH_LOSS;
  rc = sgdl_opt_num(ctx, opts, radius ? "radius" : "loss-level", radius ? &sp->radius : &sp->loss_level);
  *start = rc ? NULL : malloc(sizeof(double) * (size_t)d);
  if (!rc && !*start) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (!rc && d > 2) sgdl_problem_default_x0(p, sp->seed, *start);
  else if (!rc) memcpy(*start, sp->x0, sizeof(double) * (size_t)d);
  sp->start = *start;
  return rc;
}

/* Flags -> spec. *lrs is allocated (free()): --lr, or the --lr-scan range. Ranges and choices were
 * checked by sgdl_cli_parse (the table); what depends on the problem (batch against the data set,
 * --coord against its dimension) is checked by the study. */
static int exit_spec_from_flags(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_problem *p, uint32_t seed, sgdl_exit_spec *sp, double **lrs,
                                double **start) {
  memset(sp, 0, sizeof *sp);
  sp->prob = p;
  sp->seed = seed;
  const int d = p->dim;
  long long coord = 1, paths = 0;
  double maxs = 0;
  sgdl_algo_params par;
  int rc = sgdl_cli_algo_params(ctx, opts, p, &par, NULL); /* --lr, --batch, --substeps */
  if (!rc) rc = sgdl_opt_num(ctx, opts, "to", &sp->to);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "coord", &coord);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "paths", &paths);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "noisy", &sp->noisy);
  if (!rc && sgdl_opt_str(opts, "max-steps")) rc = sgdl_opt_num(ctx, opts, "max-steps", &maxs);
  if (!rc && d <= 2) rc = parse_point(ctx, opts, "from", d, sp->x0);
  if (!rc) rc = parse_hood(ctx, opts, p, sp, start);
  sp->model = sgdl_opt_str(opts, "model"); /* any one-particle model; the study validates it */
  sp->batch = par.batch;
  sp->without_replacement = par.without_replacement;
  sp->coord = (int)coord - 1;
  sp->paths = (long)paths;
  sp->substeps = par.substeps;
  sp->bridge = !sgdl_opt_flag(opts, "no-bridge");
  sp->max_steps = (long long)maxs;
  if (!rc) rc = parse_domain(ctx, opts, sp);
  if (!rc) rc = parse_grid(ctx, opts, d, sp->grid);
  if (!rc) rc = parse_methods(ctx, sgdl_opt_str(opts, "methods"), d, sp->watch != SGDL_EXIT_WATCH_COORD, sp->want);
  if (!rc && sgdl_opt_str(opts, "lr-scan")) {
    rc = sgdl_parse_range(ctx, "--lr-scan", sgdl_opt_str(opts, "lr-scan"), 0, lrs, &sp->n_lr);
  } else if (!rc) {
    *lrs = malloc(sizeof **lrs);
    if (!*lrs) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
    (*lrs)[0] = par.lr;
    sp->n_lr = 1;
  }
  sp->lrs = *lrs;
  return rc;
}

static int run_study(sgdl_ctx *ctx, const sgdl_exit_spec *sp, int verbose, sgdl_exit_result *res) {
  sgdl_progress_bar bar;
  if (verbose) {
    sgdl_cli_progress_bar_start(&bar, CMD);
    ctx->progress = sgdl_progress_bar_update;
    ctx->progress_user = &bar;
  }
  int rc = sgdl_exit_study_run(ctx, sp, res);
  if (verbose) sgdl_progress_bar_finish(&bar);
  ctx->progress = NULL;
  return rc;
}

int sgdl_cmd_exit(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0, OPT_POSITIVE},
      {"batch", OPT_INT, "1", "minibatch size B (noise factor c_B)", NULL, 0, OPT_RANGE(1, 1e9, OPT_GE | OPT_LE)},
      {"model", OPT_STR, "sme1", "continuous model for quadrature, pde and kramers (smf1/smf2: one-particle law = sme's; gf needs --noisy > 0)", NULL, 0, OPT_CHOICES("sme1|sme2|smf1|smf2|gf")},
      {"from", OPT_LIST, NULL, "start point x0 (default -1, or -1,0 in 2-D)", NULL, 0, OPT_ITEMS(0, 0, 0, 1, 2)},
      {"to", OPT_NUM, "0.5", "exit when coordinate --coord reaches this value", NULL, 0},
      {"coord", OPT_INT, "1", "2-D: which coordinate --to refers to", NULL, 0, OPT_RANGE(1, 2, OPT_GE | OPT_LE)},
      {"interval", OPT_STR, NULL, "1-D: a:b, exit from (a, b) through either end (instead of --to)", NULL, 0},
      {"methods", OPT_STR, NULL, "comma list of quadrature,pde,chain,kramers,mc-sgd,mc-sme1,mc-sme2 (default: the deterministic ones)", NULL, 0},
      {"grid", OPT_LIST, NULL, "PDE cells: N (1-D, default 2000) or Nx,Ny (2-D, default 200,160)", NULL, 0,
       OPT_ITEMS(3, 1e7, OPT_GE | OPT_LE | OPT_WHOLE, 1, 2)},
      {"box", OPT_STR, NULL, "2-D PDE box lo:hi,lo:hi (default: where the stationary weight falls below e^-30)", NULL, 0},
      {"paths", OPT_INT, "10000", "Monte Carlo paths (e.g. 1e5)", NULL, 0, OPT_RANGE(2, 1e10, OPT_GE | OPT_LE)},
      {"substeps", OPT_INT, "8", "mc-sme1/mc-sme2: Euler-Maruyama substeps per learning-rate step", NULL, 0,
       OPT_RANGE(1, 100000, OPT_GE | OPT_LE)},
      {"no-bridge", OPT_FLAG, NULL, "mc-sme1/mc-sme2: plain per-step monitoring (no Brownian-bridge correction)", NULL, 0},
      {"max-steps", OPT_NUM, NULL, "Monte Carlo horizon in steps (default 100 x the deterministic estimate)", NULL, 0,
       OPT_NONNEGATIVE},
      {"noisy", OPT_NUM, "0", "Noisy SGD regularisation beta^-1: D -> D + beta^-1 I", NULL, 0, OPT_NONNEGATIVE},
      {"radius", OPT_NUM, NULL, "any dimension (a network): exit when |x - x_start| reaches this (Monte Carlo methods; x_start: --from, or mlp's --init)", NULL, 0,
       OPT_POSITIVE},
      {"loss-level", OPT_NUM, NULL, "any dimension (a network): exit when the training loss reaches this (a full-data loss per path per step)", NULL, 0,
       OPT_POSITIVE},
      {"lr-scan", OPT_STR, NULL, "lo:hi:n: repeat over learning rates, Arrhenius plot of log MET vs 1/(alpha c_B sigma^2)", NULL, 0},
      SGDL_CHUNK_CHECKPOINT_OPT,
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
  const char *out = sgdl_opt_str(opts, "out"), *model = sgdl_opt_str(opts, "model");
  const int verbose = !sgdl_opt_flag(opts, "quiet") && !sgdl_opt_flag(opts, "json");
  const int scan = sgdl_opt_str(opts, "lr-scan") != NULL;
  sgdl_problem *p = NULL;
  rc = sgdl_cli_problem(&ctx, opts, &p);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  sgdl_exit_spec sp;
  double *lrs = NULL, *start = NULL;
  sgdl_exit_result res;
  memset(&res, 0, sizeof res);
  rc = exit_spec_from_flags(&ctx, opts, p, seed, &sp, &lrs, &start);
  /* mc-sme2 takes Hessian products, which a ReLU network's are only almost everywhere (as weak warns) */
  if (!rc && p->hvp_caveat && sp.want[SGDL_EXIT_MC_SME2] && !sgdl_opt_flag(opts, "quiet") && ctx.rank == 0)
    fprintf(stderr, "warning: --methods mc-sme2: %s\n", p->hvp_caveat);
  char *ck_args = NULL;
  if (!rc && sgdl_opt_given(opts, "checkpoint") && !sp.want[SGDL_EXIT_MC_SGD] && !sp.want[SGDL_EXIT_MC_SME1] && !sp.want[SGDL_EXIT_MC_SME2])
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--checkpoint: only with a Monte Carlo method in --methods (mc-sgd, mc-sme1, mc-sme2)");
  if (!rc) rc = sgdl_cli_checkpoint_args(&ctx, opts, CMD, &ck_args);
  sp.checkpoint = sgdl_opt_str(opts, "checkpoint");
  sp.version = SGDL_VERSION;
  sp.args = ck_args;
  sgdl_estimate est;
  cJSON *results = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
  if (!rc) {
    cJSON_AddStringToObject(results, "problem", p->desc);
    cJSON_AddStringToObject(results, "model", model);
    if (p->dim <= 2) sgdl_json_put(results, "from", sgdl_json_doubles(sp.x0, (size_t)p->dim));
    else cJSON_AddStringToObject(results, "from", "the problem's start weights (--init, else --seed)");
    if (sp.watch != SGDL_EXIT_WATCH_COORD) { /* the neighbourhood, and the NSR where it starts */
      sgdl_algo_params np;
      sgdl_algo_params_init(&np);
      np.lr = sp.lrs[0];
      np.batch = sp.batch;
      np.without_replacement = sp.without_replacement;
      rc = sgdl_noise_scale_record(&ctx, p, sp.start, &np, results, 0, "at the start");
    }
    if (scan && verbose && p->dim > 2)
      printf("sgdlab exit: %s, from the start weights, exit when %s\n", p->desc,
             sp.watch == SGDL_EXIT_WATCH_DIST2 ? "|x - x_start| >= --radius" : "L(x) >= --loss-level");
    else if (scan && verbose)
      printf("sgdlab exit: %s, %s, from %g%s, exit at x%d = %g\n", p->desc, model, sp.x0[0], p->dim == 2 ? ", ..." : "", sp.coord + 1, sp.to);
    sgdl_estimate_exit(&sp, &est);
    if (!rc) rc = sgdl_cli_estimate_begin(&ctx, opts, &est);
    if (!rc) rc = run_study(&ctx, &sp, verbose, &res);
    if (!rc && sp.checkpoint) {
      if (verbose) printf("checkpoint %s: %d chunk%s of paths resumed from it\n", sp.checkpoint, res.resumed, res.resumed == 1 ? "" : "s");
      cJSON_AddNumberToObject(results, "checkpoint_resumed_chunks", res.resumed);
    }
  }
  if (!rc) {
    if (verbose) sgdl_exit_out_print_warnings(&res, 0);
    if (scan) rc = sgdl_exit_out_scan(&ctx, &sp, &res, results, out, verbose);
    else rc = sgdl_exit_out_point(&ctx, &sp, &res, model, results, out, verbose);
  }
  if (!rc) {
    sgdl_json_put(results, "warnings", sgdl_exit_out_warnings_json(&res));
    sgdl_cli_estimate_record(&ctx, opts, &est, results, !scan);
    if (!sgdl_opt_flag(opts, "quiet")) sgdl_exit_out_print_warnings(&res, 1);
  }
  sgdl_exit_result_free(&res);
  free(ck_args);
  free(lrs);
  free(start);
  sgdl_problem_destroy(p);
  if (rc) {
    cJSON_Delete(results);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, results);
}
