/* Command-line plumbing shared by every subcommand: option tables, --config merging,
 * typed getters with errors that name the flag, matrix/list/range parsing, the problem
 * options every command shares, and the output conventions (--out, --json, summary).
 * The CLI has no numerics of its own: commands call the library and the report layer. */
#ifndef SGDLAB_CLI_H
#define SGDLAB_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/report.h"
#include "sgdlab/stepper.h"

enum { OPT_STR = 0, OPT_NUM, OPT_INT, OPT_FLAG, OPT_LIST };

/* Which ends of [min, max] an option declares (sgdl_opt.bounds); OPT_WHOLE asks the items of an
 * OPT_LIST to be integers (OPT_INT values always are). */
enum { OPT_GE = 1, OPT_GT = 2, OPT_LE = 4, OPT_LT = 8, OPT_WHOLE = 16 };

/* The longest number or list item accepted, in characters; longer text is an error naming the
 * flag, never silently cut. */
#define SGDL_CLI_NUM_MAX 127

/* One row of a command's option table. The first six fields are the option; the rest declare what
 * a valid value is, and sgdl_cli_parse checks every value once, right after parsing (command line,
 * --config and defaults alike), with exit status 2 and an error naming the flag, the value and
 * the allowed range or choices. Rows that constrain nothing stop after `given`: the trailing fields
 * are then zero, meaning "no constraint" (CMakeLists.txt turns off -Wmissing-field-initializers for
 * the CLI target, the only one that includes this header). Commands read values with the getters below and do not
 * repeat these checks; what depends on several flags or on the problem stays in the command or the
 * library (whose *_create functions validate for C callers too). */
typedef struct sgdl_opt {
  const char *name;  /* flag without dashes, also the --config JSON key */
  int kind;          /* OPT_* (documentation and validation of the text form) */
  const char *def;   /* default, as text; NULL = unset */
  const char *help;
  const char *value; /* after parsing: the text value (default if not given), NULL if unset */
  int given;         /* 1 if on the command line or in --config */
  double min, max;   /* bounds of an OPT_NUM / OPT_INT value, or of every OPT_LIST item */
  int bounds;        /* OPT_GE / OPT_GT: min applies (closed / open); OPT_LE / OPT_LT: max; OPT_WHOLE */
  const char *choices;      /* OPT_STR: the allowed values, "a|b|c"; NULL = any text */
  int items_min, items_max; /* OPT_LIST: number of items (0 = no bound) */
} sgdl_opt;

/* The declaration tails, written after `NULL, 0` in a row:
 *   {"momentum", OPT_NUM, "0.9", "help", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)}   [0, 1)
 *   {"sampling", OPT_STR, "with", "help", NULL, 0, OPT_CHOICES("with|without")}
 *   {"grid", OPT_LIST, NULL, "help", NULL, 0, OPT_ITEMS(2, 0, OPT_GE | OPT_WHOLE, 1, 2)} */
#define OPT_RANGE(lo, hi, bounds) (lo), (hi), (bounds), NULL, 0, 0
#define OPT_POSITIVE OPT_RANGE(0, 0, OPT_GT)
#define OPT_NONNEGATIVE OPT_RANGE(0, 0, OPT_GE)
#define OPT_CHOICES(list) 0, 0, 0, (list), 0, 0
#define OPT_ITEMS(lo, hi, bounds, n_min, n_max) (lo), (hi), (bounds), NULL, (n_min), (n_max)

#define OPT_END {NULL, 0, NULL, NULL, NULL, 0, OPT_RANGE(0, 0, 0)}

/* Options every command has. */
#define SGDL_COMMON_OPTS                                                                      \
  {"config", OPT_STR, NULL, "read options from a JSON file (same keys as the flags; flags win)", NULL, 0}, \
  {"out", OPT_STR, NULL, "write results.json, CSV tables and plots into this folder", NULL, 0},         \
  {"json", OPT_FLAG, NULL, "print results.json to stdout instead of the summary", NULL, 0},             \
  {"seed", OPT_INT, "1", "random seed", NULL, 0, OPT_RANGE(0, 4294967295.0, OPT_GE | OPT_LE)},         \
  {"threads", OPT_INT, "0", "OpenMP threads (0 = OMP_NUM_THREADS or all cores)", NULL, 0,             \
   OPT_RANGE(0, 4096, OPT_GE | OPT_LE)},                                                               \
  {"quiet", OPT_FLAG, NULL, "no progress bar and no summary", NULL, 0},                                 \
  {"max-hours", OPT_NUM, NULL, "refuse a run estimated to take longer than this (default 24 h)", NULL, 0, OPT_POSITIVE}

/* Options that describe the problem (see sgdl_problem_spec). */
#define SGDL_PROBLEM_OPTS                                                                                   \
  {"problem", OPT_STR, "double-well", "quadratic | linreg | logreg | double-well | double-well-2d | degenerate | meanfield | mlp | ./plugin.so", NULL, 0}, \
  {"H", OPT_STR, NULL, "quadratic: Hessian, \"a,b;c,d\" or @file.csv", NULL, 0},                         \
  {"C", OPT_STR, NULL, "quadratic: gradient-noise covariance (default identity)", NULL, 0},              \
  {"sigma2", OPT_NUM, "1", "double-well: additive gradient-noise variance", NULL, 0, OPT_NONNEGATIVE},  \
  {"tilt", OPT_NUM, "0", "double-well: linear tilt, L = x^4/4 - x^2/2 + tilt x", NULL, 0},              \
  {"ky", OPT_NUM, "1", "double-well-2d: curvature in y", NULL, 0},                                      \
  {"couple", OPT_NUM, "0", "double-well-2d: coupling couple x^2 y^2 / 2", NULL, 0},                    \
  {"s", OPT_NUM, "0.5", "degenerate: noise scale, l(x;theta) = (1+theta) x^2/2, theta = +-s", NULL, 0}, \
  {"l2", OPT_NUM, "0.01", "logreg: ridge penalty", NULL, 0},                                            \
  {"data", OPT_STR, NULL, "linreg/logreg/meanfield: CSV file, features then target, header optional; mlp: IDX folder", NULL, 0},  \
  {"gen-n", OPT_INT, "64", "linreg/logreg/meanfield without --data: generated samples", NULL, 0,        \
   OPT_RANGE(1, 1e9, OPT_GE | OPT_LE)},                                                                \
  {"gen-d", OPT_INT, "2", "linreg/logreg/meanfield without --data: generated dimension", NULL, 0,      \
   OPT_RANGE(1, 1e6, OPT_GE | OPT_LE)},                                                                \
  {"gen-noise", OPT_NUM, "0.5", "linreg/logreg/meanfield without --data: label-noise sd", NULL, 0, OPT_NONNEGATIVE}, \
  {"plugin-params", OPT_STR, NULL, "plugin: string passed to a ./file.so problem", NULL, 0},            \
  {"neurons", OPT_INT, "20", "meanfield: number of neurons n", NULL, 0, OPT_RANGE(1, 4096, OPT_GE | OPT_LE)}, \
  SGDL_MLP_PROBLEM_OPTS

/* Precision of the network passes (train, and the mlp problem); default: float64 for train, not
 * given (= float64, nothing recorded) for the problem. */
#define SGDL_DTYPE_OPT(dflt)                                                                               \
  {"dtype", OPT_STR, dflt, "network passes in float64 (the reference) or float32 (sgemm)", NULL, 0,      \
   OPT_CHOICES("float64|float32")}

/* The mlp problem's flags (sgdlab/mlp_problem.h); `sgdlab train` has its own --train/--test/--hidden/--act. */
#define SGDL_MLP_PROBLEM_OPTS                                                                              \
  {"train", OPT_INT, "256", "mlp: training examples N (-1: all)", NULL, 0, OPT_RANGE(-1, 16777216, OPT_GE | OPT_LE)}, \
  {"test", OPT_INT, "256", "mlp: held-out examples for test_loss/test_error (-1: all)", NULL, 0,         \
   OPT_RANGE(-1, 16777216, OPT_GE | OPT_LE)},                                                           \
  {"hidden", OPT_STR, "32", "mlp: hidden layer widths, comma-separated (0: none)", NULL, 0},             \
  {"act", OPT_STR, "tanh", "mlp: hidden activation", NULL, 0, OPT_CHOICES("tanh|softplus|relu|sigmoid")}, \
  {"loss", OPT_STR, "ce", "mlp: softmax cross-entropy or squared error to the one-hot label", NULL, 0,   \
   OPT_CHOICES("ce|mse")},                                                                              \
  {"init", OPT_STR, NULL, "mlp: starting weights from a file written by sgdlab train (default: --seed)", NULL, 0}, \
  SGDL_DTYPE_OPT(NULL)

/* Parse argv (argv[0] is the subcommand name) into opts; merges --config first, then checks
 * every value against its row's declared range / choices / list length.
 * Returns SGDL_OK, SGDL_EUSAGE on error (message in ctx), or -1 if --help was printed. */
int sgdl_cli_parse(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts,
                   int argc, char **argv);
/* The option record (programming error if unknown: aborts). */
sgdl_opt *sgdl_opt_get(sgdl_opt *opts, const char *name);
/* The option record, or NULL if this command's table has no such option. */
sgdl_opt *sgdl_opt_find(sgdl_opt *opts, const char *name);
const char *sgdl_opt_str(sgdl_opt *opts, const char *name);
int sgdl_opt_given(sgdl_opt *opts, const char *name);
int sgdl_opt_flag(sgdl_opt *opts, const char *name);
/* Typed getters: error (naming --name and the bad text) if unset or malformed. */
int sgdl_opt_num(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double *out);
int sgdl_opt_int(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, long long *out);
/* Comma-separated numbers; *v allocated (free with free()). */
int sgdl_opt_list(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double **v, int *n);

/* SGDL_OK if the open file f (named path, given to flag `what`) is a regular file; otherwise an
 * error naming the flag and the path: a folder, or a device, pipe or socket with no end to read to. */
int sgdl_cli_regular_file(sgdl_ctx *ctx, const char *what, const char *path, FILE *f);
/* Parse a number with full validation; `what` names it in the error. */
int sgdl_parse_num(sgdl_ctx *ctx, const char *what, const char *text, double *out);
/* "a,b;c,d" (rows separated by ';') or "@file.csv" (rows on lines). *A allocated (free()). */
int sgdl_parse_matrix(sgdl_ctx *ctx, const char *what, const char *text, int *rows, int *cols, double **A);
/* "lo:hi:n" -> n values (n at most SGDL_CLI_RANGE_MAX); geometric if geometric != 0, else linear.
 * *v allocated. */
#define SGDL_CLI_RANGE_MAX 1000000
int sgdl_parse_range(sgdl_ctx *ctx, const char *what, const char *text, int geometric, double **v, int *n);

/* The start every subcommand shares: parse (-1 after --help), apply --seed/--threads/--quiet,
 * and open --out as an output set (sgdl_cli_out_open) before any work. */
int sgdl_cli_begin(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts, int argc,
                   char **argv, uint32_t *seed);
/* --out DIR as one output set (report.h: sgdl_outset): create, lock (a second run into DIR fails
 * here naming --out and the owner's pid), clean what killed runs left, stage. Nothing without --out.
 * sgdl_cli_emit publishes the set; a run that ends without it leaves DIR as it was. */
int sgdl_cli_out_open(sgdl_ctx *ctx, sgdl_opt *opts);
/* Close this command's output set: an uncommitted one is discarded, the folder's lock released.
 * The binary does it at exit; an in-process run (run_json.c) after each command, so that the next
 * run in the same process opens its own set. */
void sgdl_cli_out_close(void);
/* The folder the files of --out `out` are written into: the staging folder of the open set
 * (`out` itself when none is open). Messages should name `out`, not this. */
const char *sgdl_cli_out_dir(const char *out);
/* sgdl_path_join of sgdl_cli_out_dir(out) and name into buf (size n). */
char *sgdl_cli_out_path(char *buf, size_t n, const char *out, const char *name);
/* Where to write the file `path` (e.g. train --save): its staging name when it lies directly in
 * the --out folder (it is then part of the set), else path itself. Into buf (size n). */
const char *sgdl_cli_out_member(char *buf, size_t n, const char *path);
/* A command's progress bar: sgdl_progress_bar_start, and the host's sink when an in-process run
 * has one (run_json.c: sgdl_run_json_progress, passed by sgdl_cli_set_progress_sink before the
 * command and cleared after). The binary has none: the bar draws on a terminal. */
void sgdl_cli_progress_bar_start(sgdl_progress_bar *b, const char *label);
/* Build a problem from SGDL_PROBLEM_OPTS (--problem mlp: sgdl_mlp_problem_create). */
int sgdl_cli_problem(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_problem **out);
/* Refuses --dtype other than float64 for a problem without float32 passes (all but mlp), naming it. */
int sgdl_cli_dtype_float64_only(sgdl_ctx *ctx, sgdl_opt *opts, const char *problem);
/* --hidden "32,16" (or "0", "none", ""): widths 1..65536 -> hidden[*n] (at most SGDL_MLP_MAX_LAYERS - 1). */
int sgdl_cli_parse_hidden(sgdl_ctx *ctx, const char *text, int *hidden, int *n);
/* The one mapping from flags to sgdl_algo_params (initialised first with sgdl_algo_params_init).
 * Each field is set from its flag when this command's table has that flag and it has a value:
 * --lr (OPT_NUM only; a list of rates is the command's to loop over), --batch, --sampling
 * with|without or --without-replacement, --momentum, --beta1, --beta2, --eps, --damping,
 * --substeps, --initial-layer on|off, and --scheme auto|em|heun|tt (auto: heun for constant
 * noise, tt otherwise, so it needs `prob`; tt is EM with Talay-Tubaro extrapolation, which the
 * caller applies). Without a --substeps value, --scheme sets 8 substeps for tt and 4 otherwise.
 * *scheme (may be NULL) receives the resolved scheme name, or NULL without --scheme. Ranges were
 * checked by sgdl_cli_parse; algorithm-specific choices (e.g. no momentum for plain sgd) stay
 * with the caller. */
int sgdl_cli_algo_params(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_problem *prob, sgdl_algo_params *par,
                         const char **scheme);
/* Seed and thread options into ctx / *seed. */
int sgdl_cli_common(sgdl_ctx *ctx, sgdl_opt *opts, uint32_t *seed);
/* All options as a JSON object {name: value-text} for results.json "params". */
cJSON *sgdl_cli_params_json(sgdl_opt *opts);

/* Route cJSON's allocations through a hook that remembers a failure, so that sgdl_cli_emit fails
 * with "out of memory" instead of writing a results tree with entries missing. Called before each
 * run (main once; sgdl_run_json before every in-process run, under its lock): it clears the flag. */
void sgdl_cli_json_guard(void);
/* 1 if a cJSON allocation failed since the last sgdl_cli_json_guard. */
int sgdl_cli_json_alloc_failed(void);
/* Finish a run: if --out, write results.json (with the "output_files" manifest) and publish the
 * set; if --json print results (without the manifest); returns exit code 0/1. */
int sgdl_cli_emit(sgdl_ctx *ctx, sgdl_opt *opts, cJSON *results);
/* Print "sgdlab <command>: error: <msg>" to stderr and return the exit status (2 usage, 1 other). */
int sgdl_cli_error(const sgdl_ctx *ctx, const char *command, int rc);

/* Work and memory estimates (sgdlab/study_estimate.h) on the command line: _begin refuses a run that
 * cannot fit or finish (error naming the flag) and prints a long run's estimate to stderr before it
 * starts; _record adds results.json "estimate" {bytes, path_steps, cell_steps, seconds} and, with
 * summary != 0 and a summary shown, prints it as one line. */
struct sgdl_estimate;
int sgdl_cli_estimate_begin(sgdl_ctx *ctx, sgdl_opt *opts, const struct sgdl_estimate *e);
void sgdl_cli_estimate_record(const sgdl_ctx *ctx, sgdl_opt *opts, const struct sgdl_estimate *e, cJSON *results, int summary);

/* Subcommands. */
int sgdl_cmd_weak(int argc, char **argv);
int sgdl_cmd_npoint(int argc, char **argv);
int sgdl_cmd_stationary(int argc, char **argv);
int sgdl_cmd_fpe(int argc, char **argv);
int sgdl_cmd_exit(int argc, char **argv);
int sgdl_cmd_train(int argc, char **argv);
int sgdl_cmd_meanfield(int argc, char **argv);

#endif
