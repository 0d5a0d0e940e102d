/* sgdlab stationary: exact stationary fluctuations of SGD-type algorithms at a finite learning rate,
 * next to the SME1/SME2 predictions, with an optional Monte Carlo check and a learning-rate scan.
 * Problems: quadratic (H, C), linreg (finite data, batch B), gauss-linreg (online Gaussian inputs),
 * and any 1-D problem (SME Fokker-Planck stationary density, escape-rate heuristic).
 * This file only maps flags to a study spec (sgdlab/study_stationary.h), runs the study and hands
 * the result to cli/stationary_out.c for the summary, results.json, CSV tables and plots.
 * No numerics here: burn-in, spectral radii, traces, scans and escapes are in src/study/. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/study_rounds_cli.h"
#include "cli/stationary_out.h"
#include "sgdlab/study_estimate.h"
#include "sgdlab/study_stationary.h"

#define CMD "stationary"

/* What the flags allocated; the spec borrows from it. */
typedef struct {
  double *H, *C, *fisher, *A, *x0, *scan;
  sgdl_problem *prob;
} stationary_inputs;

static void inputs_free(stationary_inputs *in) {
  free(in->H);
  free(in->C);
  free(in->fisher);
  free(in->A);
  free(in->x0);
  free(in->scan);
  sgdl_problem_destroy(in->prob);
  memset(in, 0, sizeof *in);
}

static int parse_square(sgdl_ctx *ctx, const char *flag, const char *text, int *d, double **M) {
  int r, c;
  int rc = sgdl_parse_matrix(ctx, flag, text, &r, &c, M);
  if (!rc && r != c) rc = sgdl_fail(ctx, SGDL_EUSAGE, "%s must be square, got %dx%d", flag, r, c);
  if (!rc) *d = r;
  return rc;
}

/* --name v1,...,vn -> the n x n matrix diag(v). */
static int parse_diagonal(sgdl_ctx *ctx, sgdl_opt *o, const char *name, int *n, double **M) {
  double *v = NULL;
  int rc = sgdl_opt_list(ctx, o, name, &v, n);
  if (!rc) {
    *M = calloc((size_t)*n * *n, sizeof **M);
    if (!*M) rc = sgdl_fail(ctx, SGDL_ENOMEM, "--%s: out of memory", name);
    for (int i = 0; rc == SGDL_OK && i < *n; i++) (*M)[(size_t)i * *n + i] = v[i];
  }
  free(v);
  return rc;
}

/* --H | --H-eig, --C | --C-eig, --fisher, --steps/--x0, --bayes-n. */
static int quadratic_flags(sgdl_ctx *ctx, sgdl_opt *o, sgdl_stationary_spec *sp, stationary_inputs *in) {
  int d = 0, dc = 0, rc;
  if (sgdl_opt_str(o, "H") && sgdl_opt_str(o, "H-eig")) return sgdl_fail(ctx, SGDL_EUSAGE, "give either --H or --H-eig, not both");
  if (sgdl_opt_str(o, "C") && sgdl_opt_str(o, "C-eig")) return sgdl_fail(ctx, SGDL_EUSAGE, "give either --C or --C-eig, not both");
  if (sgdl_opt_str(o, "H")) rc = parse_square(ctx, "--H", sgdl_opt_str(o, "H"), &d, &in->H);
  else if (sgdl_opt_str(o, "H-eig")) rc = parse_diagonal(ctx, o, "H-eig", &d, &in->H);
  else return sgdl_fail(ctx, SGDL_EUSAGE, "--problem quadratic needs --H (matrix) or --H-eig (eigenvalues)");
  if (!rc && sgdl_opt_str(o, "C")) {
    rc = parse_square(ctx, "--C", sgdl_opt_str(o, "C"), &dc, &in->C);
    if (!rc && dc != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C is %dx%d but --H is %dx%d", dc, dc, d, d);
  } else if (!rc && sgdl_opt_str(o, "C-eig")) {
    rc = parse_diagonal(ctx, o, "C-eig", &dc, &in->C);
    if (!rc && dc != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C-eig has %d values but H is %dx%d", dc, d, d);
  }
  if (!rc && sgdl_opt_str(o, "fisher")) {
    rc = parse_square(ctx, "--fisher", sgdl_opt_str(o, "fisher"), &dc, &in->fisher);
    if (!rc && dc != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--fisher is %dx%d but --H is %dx%d", dc, dc, d, d);
    sp->par.fisher = in->fisher;
  }
  sp->dim = d;
  sp->H = in->H;
  sp->C = in->C; /* NULL: the identity */
  if (!rc && sgdl_opt_given(o, "steps")) {
    sp->finite_time = 1;
    rc = sgdl_opt_int(ctx, o, "steps", &sp->finite_steps);
    if (!rc && sgdl_opt_str(o, "x0")) {
      int n = 0;
      rc = sgdl_opt_list(ctx, o, "x0", &in->x0, &n);
      if (!rc && n != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--x0 has %d values but the problem has d = %d", n, d);
      sp->x0 = in->x0;
    }
  }
  if (!rc && sgdl_opt_given(o, "bayes-n")) {
    sp->bayes = 1;
    rc = sgdl_opt_num(ctx, o, "bayes-n", &sp->bayes_n);
  }
  return rc;
}

static int gauss_flags(sgdl_ctx *ctx, sgdl_opt *o, sgdl_stationary_spec *sp, stationary_inputs *in) {
  if (!sgdl_opt_str(o, "A")) return sgdl_fail(ctx, SGDL_EUSAGE, "--problem gauss-linreg needs --A (input covariance matrix)");
  int rc = parse_square(ctx, "--A", sgdl_opt_str(o, "A"), &sp->dim, &in->A);
  sp->A = in->A;
  if (!rc) rc = sgdl_opt_num(ctx, o, "noise", &sp->noise_sd);
  return rc;
}

/* Flags -> spec. The problem family from --problem, or from --H/--H-eig or --A when it is not given.
 * Ranges and choices were checked by sgdl_cli_parse (the table); the algorithm parameters come
 * from the shared mapper; what depends on the problem or the algorithm is the study's to check. */
static int spec_from_flags(sgdl_ctx *ctx, sgdl_opt *o, uint32_t seed, sgdl_stationary_spec *sp, stationary_inputs *in) {
  sgdl_stationary_spec_init(sp);
  sp->seed = seed;
  sp->algo = sgdl_opt_str(o, "algo");
  sp->nag_iterate = !strcmp(sgdl_opt_str(o, "nag-iterate"), "torch") ? SGDL_STAT_ITERATE_LOOKAHEAD : SGDL_STAT_ITERATE_X;
  /* no table default, so results.json's params name it only when given: self-consistent unless "frozen" */
  const char *am = sgdl_opt_str(o, "adam-model");
  sp->adam_model = am && !strcmp(am, "frozen") ? SGDL_STAT_ADAM_FROZEN : SGDL_STAT_ADAM_SELF_CONSISTENT;
  if (am && strcmp(sp->algo, "adam"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--adam-model: only --algo adam has a model choice (got --algo %s)", sp->algo);
  const char *pname = sgdl_opt_str(o, "problem");
  if (!sgdl_opt_given(o, "problem")) {
    if (sgdl_opt_str(o, "H") || sgdl_opt_str(o, "H-eig")) pname = "quadratic";
    else if (sgdl_opt_str(o, "A")) pname = "gauss-linreg";
  }
  sp->family = !strcmp(pname, "quadratic")      ? SGDL_STATIONARY_QUADRATIC
               : !strcmp(pname, "gauss-linreg") ? SGDL_STATIONARY_GAUSS_LINREG
               : !strcmp(pname, "linreg")       ? SGDL_STATIONARY_LINREG
               : !strcmp(pname, "mlp")          ? SGDL_STATIONARY_NETWORK
                                                : SGDL_STATIONARY_1D;
  int rc = sgdl_cli_algo_params(ctx, o, NULL, &sp->par, NULL);
  if (rc) return rc;
  if (sp->family == SGDL_STATIONARY_QUADRATIC || sp->family == SGDL_STATIONARY_GAUSS_LINREG)
    rc = sgdl_cli_dtype_float64_only(ctx, o, pname);
  if (rc) return rc;
  if (sp->family == SGDL_STATIONARY_QUADRATIC) rc = quadratic_flags(ctx, o, sp, in);
  else if (sp->family == SGDL_STATIONARY_GAUSS_LINREG) rc = gauss_flags(ctx, o, sp, in);
  else rc = sgdl_cli_problem(ctx, o, &in->prob);
  sp->prob = in->prob;
  if (!rc && sp->family == SGDL_STATIONARY_NETWORK) {
    long long k = 8;
    rc = sgdl_opt_int(ctx, o, "geometry", &k);
    sp->geometry_k = (int)k;
    if (!rc && !sgdl_opt_given(o, "replicas")) sp->replicas = 16; /* a network step costs B d: fewer, longer replicas */
  } else if (!rc && sgdl_opt_given(o, "geometry")) { /* refused, never silently ignored */
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--geometry: only --problem mlp has Hessian directions to choose (got --problem %s)", pname);
  }
  if (!rc && sgdl_opt_str(o, "scan-lr") && sp->family != SGDL_STATIONARY_1D) /* 1-D problems have no scan */
    rc = sgdl_parse_range(ctx, "--scan-lr", sgdl_opt_str(o, "scan-lr"), 0, &in->scan, &sp->n_scan);
  sp->scan_lrs = in->scan;
  if (!rc && sgdl_opt_given(o, "simulate")) {
    sp->simulate = 1;
    rc = sgdl_opt_int(ctx, o, "simulate", &sp->samples);
    if (!rc) rc = sgdl_opt_int(ctx, o, "replicas", &sp->replicas);
    if (!rc && sgdl_opt_given(o, "burn")) rc = sgdl_opt_int(ctx, o, "burn", &sp->burn);
    if (!rc && sgdl_opt_given(o, "burn") && sp->burn < 0) /* the spec's -1 means "default": not a user's value */
      rc = sgdl_fail(ctx, SGDL_EUSAGE, "--burn: %lld is negative; give burn-in steps >= 0, or leave --burn out for the "
                     "default from the spectral radius", sp->burn);
  }
  return rc;
}

int sgdl_cmd_stationary(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"algo", OPT_STR, "sgd", "the discrete algorithm", NULL, 0, OPT_CHOICES("sgd|hb|nag|adam|newton|ngd")},
      {"nag-iterate", OPT_STR, "sgdlab", "nag: report x (sgdlab) or the look-ahead x + mu v, PyTorch's SGD(nesterov=True) parameter (torch)",
       NULL, 0, OPT_CHOICES("sgdlab|torch")},
      {"adam-model", OPT_STR, NULL,
       "adam: preconditioner from the self-consistent second moment v = diag(H Sigma H + C) (self-consistent, the default) "
       "or from v = diag(C) (frozen)", NULL, 0, OPT_CHOICES("self-consistent|frozen")},
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0, OPT_POSITIVE},
      {"momentum", OPT_NUM, "0.9", "hb, nag: momentum mu", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"beta1", OPT_NUM, "0.9", "adam: first-moment decay", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"beta2", OPT_NUM, "0.999", "adam: second-moment decay (only --simulate uses it)", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"eps", OPT_NUM, "1e-8", "adam: epsilon", NULL, 0, OPT_NONNEGATIVE},
      {"damping", OPT_NUM, "0", "newton, ngd: delta in (M + delta I)^-1", NULL, 0, OPT_NONNEGATIVE},
      {"fisher", OPT_STR, NULL, "ngd: Fisher matrix F (default: the problem's own, F = C at the minimum)", NULL, 0},
      {"H-eig", OPT_LIST, NULL, "quadratic: H = diag(values), instead of --H", NULL, 0},
      {"C-eig", OPT_LIST, NULL, "quadratic: C = diag(values) in the same basis, instead of --C", NULL, 0},
      {"A", OPT_STR, NULL, "gauss-linreg: input covariance A (x ~ N(0, A))", NULL, 0},
      {"noise", OPT_NUM, "1", "gauss-linreg: label-noise standard deviation sigma", NULL, 0, OPT_NONNEGATIVE},
      {"batch", OPT_INT, "1", "minibatch size B (linreg, gauss-linreg, 1-D problems)", NULL, 0, OPT_RANGE(1, 1e9, OPT_GE | OPT_LE)},
      {"sampling", OPT_STR, "with", "minibatch sampling (replacement)", NULL, 0, OPT_CHOICES("with|without")},
      {"simulate", OPT_INT, NULL, "Monte Carlo check with N samples in all (replicas x steps after burn-in), e.g. 1e6", NULL, 0,
       OPT_RANGE(2, 0, OPT_GE)},
      {"replicas", OPT_INT, "256", "--simulate: independent replicas (standard errors from their spread)", NULL, 0,
       OPT_RANGE(2, 0, OPT_GE)},
      {"burn", OPT_INT, NULL, "--simulate: burn-in steps (default: from the spectral radius)", NULL, 0, OPT_NONNEGATIVE},
      {"geometry", OPT_INT, "8", "mlp: top-K Hessian directions of the prediction 1/2 tr(H Sigma) and of --simulate", NULL, 0,
       OPT_RANGE(1, 1000, OPT_GE | OPT_LE)},
      {"scan-lr", OPT_STR, NULL, "lo:hi:n: curves (exact discrete, SME1, SME2) against alpha, CSV + plot in --out", NULL, 0},
      {"steps", OPT_INT, NULL, "quadratic: also the exact mean and covariance after k steps from --x0", NULL, 0, OPT_NONNEGATIVE},
      {"x0", OPT_LIST, NULL, "quadratic: starting point for --steps (default 1,...,1)", NULL, 0},
      {"bayes-n", OPT_NUM, NULL, "quadratic: data-set size N for the Bayes-optimal learning rate 2S/(N+S)", NULL, 0,
       OPT_RANGE(1, 0, OPT_GE)},
      SGDL_CHUNK_CHECKPOINT_OPT,
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed = 1;
  int rc = sgdl_cli_begin(&ctx, CMD,
                          "What is the exact stationary covariance of the discrete algorithm at a finite learning rate, and how far\n"
                          "off are SME1 and SME2? Problems: quadratic (--H, --C), linreg (--data, --batch), gauss-linreg (--A,\n"
                          "--noise), any 1-D problem (Fokker-Planck density). --simulate N checks by Monte Carlo.",
                          opts, argc, argv, &seed);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  const int quiet = sgdl_opt_flag(opts, "quiet") || sgdl_opt_flag(opts, "json");
  sgdl_stationary_spec spec;
  stationary_inputs in = {0};
  sgdl_stationary_study_result res;
  memset(&res, 0, sizeof res);
  rc = spec_from_flags(&ctx, opts, seed, &spec, &in);
  char *ck_args = NULL;
  if (!rc && sgdl_opt_given(opts, "checkpoint") && !spec.simulate)
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--checkpoint: only with --simulate (the rest of stationary is not Monte Carlo)");
  if (!rc && sgdl_opt_given(opts, "checkpoint") && spec.n_scan > 0) /* refused, never silently ignored */
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--checkpoint: not with --scan-lr (a scan runs no Monte Carlo)");
  if (!rc) rc = sgdl_cli_checkpoint_args(&ctx, opts, CMD, &ck_args);
  spec.checkpoint = sgdl_opt_str(opts, "checkpoint");
  spec.version = SGDL_VERSION;
  spec.args = ck_args;
  /* progress bar for the quadratic Monte Carlo check (on a terminal only) */
  sgdl_progress_bar bar;
  const int bar_on = !rc && !quiet && spec.family == SGDL_STATIONARY_QUADRATIC && spec.simulate && spec.n_scan == 0;
  if (bar_on) {
    sgdl_cli_progress_bar_start(&bar, "simulate");
    spec.progress = sgdl_progress_bar_update;
    spec.progress_user = &bar;
  }
  sgdl_estimate est; /* before the run the burn-in is the given one or a default (estimate.h) */
  const int est_dim = spec.family == SGDL_STATIONARY_QUADRATIC || spec.family == SGDL_STATIONARY_GAUSS_LINREG ? spec.dim
                      : spec.family == SGDL_STATIONARY_NETWORK                                           ? spec.geometry_k
                      : in.prob                                                                          ? in.prob->dim
                                                                                                         : 1;
  if (!rc) sgdl_estimate_stationary(&spec, est_dim, -1, &est);
  if (!rc) rc = sgdl_cli_estimate_begin(&ctx, opts, &est);
  if (!rc) rc = sgdl_stationary_study_run(&ctx, &spec, &res);
  if (!rc && spec.simulate && res.mc.replicas > 0) sgdl_estimate_stationary(&spec, est_dim, (long long)res.mc.burn, &est);
  if (bar_on) sgdl_progress_bar_finish(&bar);
  cJSON *json = NULL;
  if (!rc) {
    json = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
    const char *problem = in.prob                                          ? in.prob->desc
                          : spec.family == SGDL_STATIONARY_GAUSS_LINREG ? "gauss-linreg"
                                                                        : "quadratic";
    sgdl_stationary_view view = {sgdl_opt_str(opts, "out"), !quiet, problem};
    rc = sgdl_stationary_output(&ctx, &view, &spec, &res, json);
    if (!rc) sgdl_cli_estimate_record(&ctx, opts, &est, json, spec.simulate);
    if (!rc && spec.checkpoint && res.has_mc) {
      if (!quiet) printf("checkpoint %s: %d chunk%s of replicas resumed from it\n", spec.checkpoint, res.mc_resumed, res.mc_resumed == 1 ? "" : "s");
      cJSON_AddNumberToObject(json, "checkpoint_resumed_chunks", res.mc_resumed);
    }
  }
  sgdl_stationary_study_result_free(&res);
  inputs_free(&in);
  free(ck_args);
  if (rc) {
    cJSON_Delete(json);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, json);
}
