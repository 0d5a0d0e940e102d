/* What every subcommand does the same way: the command preamble (parse, --seed, --threads,
 * --out), the problem from its flags, the algorithm parameters from theirs (one mapping for all
 * commands), the recorded parameters, and results.json (--out / --json). Value ranges are not
 * checked here: the option tables declare them and sgdl_cli_parse checks them once.
 * --out is one output set (report.h): opened (locked, staged) at the start, its files written into
 * the staging folder (sgdl_cli_out_dir / _path / _member), published by sgdl_cli_emit, and
 * discarded at exit when the run failed. A process runs one command, so the set is held here. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/blas.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/study_estimate.h"

/* --data must name a regular file: a folder or a device such as /dev/zero would otherwise read
 * as "empty" or without end. */
static int data_file_check(sgdl_ctx *ctx, const char *path) {
  if (!path) return SGDL_OK;
  FILE *f = fopen(path, "rb");
  if (!f) return sgdl_fail(ctx, SGDL_EUSAGE, "--data %s: cannot open (%s)", path, strerror(errno));
  int rc = sgdl_cli_regular_file(ctx, "--data", path, f);
  fclose(f);
  return rc;
}

/* Generated data (--gen-n x --gen-d without --data) is refused before it is generated when it
 * cannot fit in the machine's memory (sgdl_estimate_data). */
static int generated_data_check(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_opt *opts) {
  const char *p = spec->name;
  const int generates = !spec->data_path && p && (!strcmp(p, "linreg") || !strcmp(p, "logreg") || !strcmp(p, "meanfield"));
  if (!generates || !sgdl_opt_find(opts, "gen-n")) return SGDL_OK;
  /* meanfield's parameter vector has neurons x (1 + gen-d) entries, at most 4096 (src/problem/meanfield.c) */
  const double mf_dim = (double)spec->neurons * (1.0 + spec->gen_d);
  if (!strcmp(p, "meanfield") && mf_dim > 4096)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--gen-d %d with --neurons %d: %.0f network parameters exceed 4096 (refused before generating the data)",
                     spec->gen_d, spec->neurons, mf_dim);
  sgdl_estimate e;
  sgdl_estimate_data(spec->gen_n, spec->gen_d, &e);
  return sgdl_estimate_check(ctx, &e);
}

#include "sgdlab/mlp_problem.h"

int sgdl_cli_parse_hidden(sgdl_ctx *ctx, const char *text, int *hidden, int *n) {
  *n = 0;
  if (!text || !strcmp(text, "0") || !strcmp(text, "") || !strcmp(text, "none")) return SGDL_OK;
  const char *p = text;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65536 || (*end && *end != ','))
      return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden: \"%s\" is not a comma-separated list of widths 1..65536", text);
    if (*n >= SGDL_MLP_MAX_LAYERS - 1)
      return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden: at most %d hidden layers", SGDL_MLP_MAX_LAYERS - 1);
    hidden[(*n)++] = (int)v;
    p = *end ? end + 1 : end;
  }
  return SGDL_OK;
}

/* --problem mlp: the network on an IDX folder; with --init, unstated layers come from the file. */
static int cli_mlp_problem(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_problem **out) {
  sgdl_mlp_problem_spec spec;
  sgdl_mlp_problem_spec_init(&spec);
  int hidden[SGDL_MLP_MAX_LAYERS];
  long long ntrain = 0, ntest = 0, seed = 0;
  int rc = sgdl_opt_int(ctx, opts, "train", &ntrain);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "test", &ntest);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "seed", &seed);
  if (!rc) rc = sgdl_cli_parse_hidden(ctx, sgdl_opt_str(opts, "hidden"), hidden, &spec.n_hidden);
  if (rc) return rc;
  spec.data = sgdl_opt_str(opts, "data");
  spec.n_train = (long)ntrain;
  spec.n_test = (long)ntest;
  spec.hidden = hidden;
  spec.act = sgdl_act_parse(sgdl_opt_str(opts, "act"));
  spec.loss = sgdl_loss_parse(sgdl_opt_str(opts, "loss"));
  spec.seed = (uint32_t)seed;
  spec.init = sgdl_opt_str(opts, "init");
  spec.dtype = sgdl_opt_str(opts, "dtype") ? sgdl_dtype_parse(sgdl_opt_str(opts, "dtype")) : SGDL_DTYPE_F64;
  if (spec.init && !sgdl_opt_given(opts, "hidden")) spec.n_hidden = -1;
  if (spec.init && !sgdl_opt_given(opts, "act")) spec.act = -1;
  return sgdl_mlp_problem_create(ctx, &spec, out);
}

/* The callbacks that --problem callback names, while run_json.c runs a command with them. */
static sgdl_callback_problem *callback_problem;

void sgdl_cli_set_callback_problem(sgdl_callback_problem *cb) { callback_problem = cb; }

/* The sink of the host that runs the command in-process (run_json.c), NULL for the binary. */
static sgdl_progress_sink progress_sink;
static void *progress_sink_user;

void sgdl_cli_set_progress_sink(sgdl_progress_sink fn, void *user) {
  progress_sink = fn;
  progress_sink_user = user;
}

void sgdl_cli_progress_bar_start(sgdl_progress_bar *b, const char *label) {
  sgdl_progress_bar_start(b, label);
  sgdl_progress_bar_set_sink(b, progress_sink, progress_sink_user);
}

int sgdl_cli_dtype_float64_only(sgdl_ctx *ctx, sgdl_opt *opts, const char *problem) {
  const sgdl_opt *dtype = sgdl_opt_find(opts, "dtype");
  if (dtype && dtype->value && strcmp(dtype->value, "float64")) /* not silently float64 after asking for float32 */
    return sgdl_fail(ctx, SGDL_EUSAGE, "--dtype %s: only --problem mlp has float32 passes; --problem %s runs in float64",
                     dtype->value, problem);
  return SGDL_OK;
}

int sgdl_cli_problem(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_problem **out) {
  if (!strcmp(sgdl_opt_str(opts, "problem"), "mlp")) return cli_mlp_problem(ctx, opts, out);
  int rc = sgdl_cli_dtype_float64_only(ctx, opts, sgdl_opt_str(opts, "problem"));
  if (rc) return rc;
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = sgdl_opt_str(opts, "problem");
  spec.callbacks = callback_problem;
  double *H = NULL, *C = NULL;
  if (sgdl_opt_str(opts, "H")) {
    int r, c;
    rc = sgdl_parse_matrix(ctx, "--H", sgdl_opt_str(opts, "H"), &r, &c, &H);
    if (!rc && r != c) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--H must be square, got %dx%d", r, c);
    if (!rc) spec.dim = r;
  }
  if (!rc && sgdl_opt_str(opts, "C")) {
    int r, c;
    rc = sgdl_parse_matrix(ctx, "--C", sgdl_opt_str(opts, "C"), &r, &c, &C);
    if (!rc && r != c) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C must be square, got %dx%d", r, c);
    if (!rc && H && r != spec.dim) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C is %dx%d but --H is %dx%d", r, r, spec.dim, spec.dim);
    if (!rc && !H) spec.dim = r;
  }
  spec.H = H;
  spec.C = C;
  long long gn = 0, gd = 0, seed = 0, neurons = 0;
  if (!rc) rc = sgdl_opt_num(ctx, opts, "sigma2", &spec.sigma2);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "tilt", &spec.tilt);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "ky", &spec.ky);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "couple", &spec.couple);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "s", &spec.s);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "l2", &spec.l2);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "gen-noise", &spec.gen_noise);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "gen-n", &gn);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "gen-d", &gd);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "seed", &seed);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "neurons", &neurons);
  if (!rc) {
    spec.gen_n = (size_t)gn;
    spec.gen_d = (int)gd;
    spec.gen_seed = (uint32_t)seed;
    spec.neurons = (int)neurons;
    spec.data_path = sgdl_opt_str(opts, "data");
    spec.plugin_params = sgdl_opt_str(opts, "plugin-params");
    rc = data_file_check(ctx, spec.data_path);
    if (!rc) rc = generated_data_check(ctx, &spec, opts);
    if (!rc) rc = sgdl_problem_create(ctx, &spec, out);
  }
  free(H);
  free(C);
  return rc;
}

/* The numeric fields of sgdl_algo_params and their flags. */
static const struct {
  const char *flag;
  size_t offset;
} algo_numbers[] = {
    {"lr", offsetof(sgdl_algo_params, lr)},       {"momentum", offsetof(sgdl_algo_params, momentum)},
    {"beta1", offsetof(sgdl_algo_params, beta1)}, {"beta2", offsetof(sgdl_algo_params, beta2)},
    {"eps", offsetof(sgdl_algo_params, eps)},     {"damping", offsetof(sgdl_algo_params, damping)},
};

/* The option if this table has it with a value, else NULL. */
static sgdl_opt *valued(sgdl_opt *opts, const char *name) {
  sgdl_opt *o = sgdl_opt_find(opts, name);
  return o && o->value ? o : NULL;
}

static int int_field(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, int *field) {
  long long v;
  int rc = sgdl_opt_int(ctx, opts, name, &v);
  if (!rc) *field = (int)v; /* in int range: the table bounds it */
  return rc;
}

/* --scheme -> par->scheme and the resolved name; auto asks the problem whether its noise is constant. */
static int scheme_field(sgdl_ctx *ctx, const char *text, const sgdl_problem *prob, sgdl_algo_params *par,
                        const char **name) {
  if (!strcmp(text, "auto")) {
    if (!prob) return sgdl_fail(ctx, SGDL_EINVAL, "--scheme auto: needs the problem (internal error)");
    text = prob->noise_constant ? "heun" : "tt";
  }
  if (!strcmp(text, "heun")) par->scheme = SGDL_SCHEME_HEUN;
  else if (!strcmp(text, "em") || !strcmp(text, "tt")) par->scheme = SGDL_SCHEME_EM;
  else return sgdl_fail(ctx, SGDL_EUSAGE, "--scheme: '%s' is not one of auto|em|heun|tt", text);
  *name = !strcmp(text, "heun") ? "heun" : !strcmp(text, "em") ? "em" : "tt";
  return SGDL_OK;
}

/* Two-point increments match the Gaussian moments only up to the third (E xi^4 = 1, not 3), so
 * Heun's one-step error keeps an O(h^2) term and its weak order falls from 2 to 1. Allowed
 * (bench/run_increments.sh times every pair) but said, since the fitted orders change without
 * another sign. (tt extrapolates EM's own error expansion and is left alone.) */
static void warn_two_point_order(const sgdl_ctx *ctx, const char *resolved, const sgdl_algo_params *par) {
  const int heun = resolved ? !strcmp(resolved, "heun") : par->scheme == SGDL_SCHEME_HEUN;
  if (!heun || ctx->verbosity == 0 || ctx->rank != 0) return;
  fprintf(stderr, "warning: --increments two-point: weak order 1, so --scheme heun loses its weak order 2 "
          "(three-point or auto keep it)\n");
}

int sgdl_cli_algo_params(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_problem *prob, sgdl_algo_params *par,
                         const char **scheme) {
  sgdl_algo_params_init(par);
  const char *resolved = NULL;
  int rc = SGDL_OK;
  for (size_t i = 0; i < sizeof algo_numbers / sizeof algo_numbers[0] && !rc; i++) {
    sgdl_opt *o = valued(opts, algo_numbers[i].flag);
    if (o && o->kind == OPT_NUM) rc = sgdl_opt_num(ctx, opts, o->name, (double *)((char *)par + algo_numbers[i].offset));
  }
  if (!rc && valued(opts, "batch")) rc = int_field(ctx, opts, "batch", &par->batch);
  if (!rc && valued(opts, "svag-l") && valued(opts, "svag-l")->kind == OPT_INT) /* a list: the study's (study_cli.c) */
    rc = int_field(ctx, opts, "svag-l", &par->svag_l);
  if (!rc && valued(opts, "sampling")) par->without_replacement = !strcmp(sgdl_opt_str(opts, "sampling"), "without");
  if (!rc && sgdl_opt_find(opts, "without-replacement")) par->without_replacement = sgdl_opt_flag(opts, "without-replacement");
  if (!rc && valued(opts, "initial-layer")) par->no_initial_layer = !strcmp(sgdl_opt_str(opts, "initial-layer"), "off");
  if (!rc && valued(opts, "scheme")) rc = scheme_field(ctx, sgdl_opt_str(opts, "scheme"), prob, par, &resolved);
  if (!rc && valued(opts, "substeps")) rc = int_field(ctx, opts, "substeps", &par->substeps);
  else if (!rc && resolved) par->substeps = !strcmp(resolved, "tt") ? 8 : 4;
  if (!rc && valued(opts, "increments")) rc = sgdl_increments_choose(ctx, sgdl_opt_str(opts, "increments"), resolved, par);
  if (!rc && par->increments == SGDL_INCREMENTS_TWO_POINT) warn_two_point_order(ctx, resolved, par);
  if (!rc && scheme) *scheme = resolved;
  return rc;
}

int sgdl_cli_common(sgdl_ctx *ctx, sgdl_opt *opts, uint32_t *seed) {
  long long s, t;
  int rc = sgdl_opt_int(ctx, opts, "seed", &s); /* ranges: SGDL_COMMON_OPTS */
  if (!rc) rc = sgdl_opt_int(ctx, opts, "threads", &t);
  if (rc) return rc;
  *seed = (uint32_t)s;
  ctx->threads = (int)t;
  if (sgdl_opt_given(opts, "max-hours")) {
    double hours = 0;
    rc = sgdl_opt_num(ctx, opts, "max-hours", &hours);
    if (rc) return rc;
    ctx->max_seconds = hours * 3600;
  }
  sgdl_mpi_identify(ctx); /* rank and ranks when running under mpirun */
  if (sgdl_opt_flag(opts, "quiet")) ctx->verbosity = 0;
  return SGDL_OK;
}

/* The --out set of this process's command, or NULL (no --out, or not opened yet). */
static sgdl_outset *cli_set;

static int cli_set_at_exit; /* cli_set_release registered with atexit (once per process) */

/* At exit: an uncommitted set is discarded, the lock released. */
static void cli_set_release(void) {
  sgdl_outset_close(cli_set);
  cli_set = NULL;
}

void sgdl_cli_out_close(void) { cli_set_release(); }

int sgdl_cli_out_open(sgdl_ctx *ctx, sgdl_opt *opts) {
  const char *out = sgdl_opt_str(opts, "out");
  if (!out || cli_set) return SGDL_OK;
  int rc = sgdl_outset_open(ctx, out, "--out", &cli_set);
  if (!rc && !cli_set_at_exit) cli_set_at_exit = atexit(cli_set_release) == 0;
  return rc;
}

const char *sgdl_cli_out_dir(const char *out) { return cli_set ? sgdl_outset_staging(cli_set) : out; }

char *sgdl_cli_out_path(char *buf, size_t n, const char *out, const char *name) {
  return sgdl_path_join(buf, n, sgdl_cli_out_dir(out), name);
}

const char *sgdl_cli_out_member(char *buf, size_t n, const char *path) {
  return sgdl_outset_member(cli_set, path, buf, n);
}

/* cJSON reports a failed allocation only by returning NULL, which its Add* functions swallow: a
 * results tree could silently lose entries. Its allocations go through this hook, which
 * remembers a failure so that sgdl_cli_emit refuses to write an incomplete results.json. */
static int json_alloc_failed;

static void *json_malloc(size_t size) {
  void *p = malloc(size);
  if (!p) json_alloc_failed = 1;
  return p;
}

void sgdl_cli_json_guard(void) {
  cJSON_Hooks hooks = {json_malloc, free};
  cJSON_InitHooks(&hooks);
  json_alloc_failed = 0; /* per run: an in-process caller (run_json.c) runs many */
}

int sgdl_cli_json_alloc_failed(void) { return json_alloc_failed; }

int sgdl_cli_begin(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts, int argc,
                   char **argv, uint32_t *seed) {
  int rc = sgdl_cli_parse(ctx, command, summary, opts, argc, argv);
  if (!rc) rc = sgdl_cli_common(ctx, opts, seed);
  if (!rc) rc = sgdl_cli_out_open(ctx, opts);
  return rc;
}

cJSON *sgdl_cli_params_json(sgdl_opt *opts) {
  cJSON *p = cJSON_CreateObject();
  for (sgdl_opt *o = opts; o->name; o++) {
    if (!strcmp(o->name, "config") || !strcmp(o->name, "json") || !strcmp(o->name, "quiet") || !strcmp(o->name, "out"))
      continue;
    if (o->kind == OPT_FLAG) cJSON_AddBoolToObject(p, o->name, sgdl_opt_flag(opts, o->name));
    else if (o->value) cJSON_AddStringToObject(p, o->name, o->value);
  }
  return p;
}

int sgdl_cli_emit(sgdl_ctx *ctx, sgdl_opt *opts, cJSON *results) {
  int rc = SGDL_OK;
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(results, "command");
  char command[64];
  snprintf(command, sizeof command, "%s", cJSON_IsString(name) ? name->valuestring : "");
  if (!cJSON_GetObjectItemCaseSensitive(results, "mpi_ranks")) cJSON_AddNumberToObject(results, "mpi_ranks", ctx->ranks);
  if (!cJSON_GetObjectItemCaseSensitive(results, "blas")) sgdl_json_put(results, "blas", sgdl_cli_blas_json());
  const char *out = sgdl_opt_str(opts, "out");
  if (json_alloc_failed) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building results.json");
  if (!rc && out) {
    char path[4096];
    sgdl_path_join(path, sizeof path, out, "results.json");
    rc = cli_set ? sgdl_outset_commit(ctx, cli_set, results) : sgdl_json_write(ctx, path, results);
    if (!rc && ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json")) printf("wrote %s\n", path);
  }
  if (!rc && sgdl_opt_flag(opts, "json")) sgdl_json_print(stdout, results);
  if (!rc) sgdl_cli_capture_results(results); /* an in-process run (run_json.c) takes the results */
  cJSON_Delete(results);
  if (rc) { /* the command's name is in results.json (sgdl_results_new) */
    if (!sgdl_cli_capture_error(ctx->msg)) fprintf(stderr, "sgdlab %s: error: %s\n", command, ctx->msg);
    return 1;
  }
  return 0;
}

int sgdl_cli_error(const sgdl_ctx *ctx, const char *command, int rc) {
  if (rc == -1) return 0; /* --help */
  const char *msg = ctx->msg[0] ? ctx->msg : sgdl_strerror(rc);
  if (!sgdl_cli_capture_error(msg)) fprintf(stderr, "sgdlab %s: error: %s\n", command, msg);
  return rc == SGDL_EUSAGE ? 2 : 1;
}

int sgdl_cli_estimate_begin(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_estimate *e) {
  int rc = sgdl_estimate_check(ctx, e);
  if (!rc && ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json") && sgdl_estimate_seconds(ctx, e) > SGDL_ESTIMATE_ANNOUNCE_SECONDS) {
    char line[256];
    sgdl_estimate_describe(ctx, e, line, sizeof line);
    fprintf(stderr, "sgdlab: this run needs %s\n", line);
  }
  return rc;
}

void sgdl_cli_estimate_record(const sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_estimate *e, cJSON *results, int summary) {
  cJSON *o = cJSON_AddObjectToObject(results, "estimate");
  cJSON_AddNumberToObject(o, "bytes", e->bytes);
  sgdl_json_add_number(o, "path_steps", e->path_steps);
  cJSON_AddNumberToObject(o, "cell_steps", e->cell_steps);
  cJSON_AddNumberToObject(o, "seconds", sgdl_estimate_seconds(ctx, e));
  if (e->net.cpu_seconds > 0) { /* a network problem: its counted passes (sgdlab/mlp_cost.h) */
    cJSON_AddNumberToObject(o, "network_madds", e->net.madds);
    cJSON_AddNumberToObject(o, "cpu_seconds", e->net.cpu_seconds); /* of all threads and ranks together */
  }
  if (summary && ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json")) {
    char line[256];
    sgdl_estimate_describe(ctx, e, line, sizeof line);
    printf("estimate: %s\n", line);
  }
}
