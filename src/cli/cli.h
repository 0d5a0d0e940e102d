/* Command-line plumbing shared by every subcommand: option tables, --config merging,
 * typed getters with errors that name the flag, matrix/list/range parsing, the problem
 * options every command shares, and the output conventions (--out, --json, summary).
 * The CLI has no numerics of its own: commands call the library and the report layer. */
#ifndef SGDLAB_CLI_H
#define SGDLAB_CLI_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/report.h"

enum { OPT_STR = 0, OPT_NUM, OPT_INT, OPT_FLAG, OPT_LIST };

typedef struct sgdl_opt {
  const char *name;  /* flag without dashes, also the --config JSON key */
  int kind;          /* OPT_* (documentation and validation of the text form) */
  const char *def;   /* default, as text; NULL = unset */
  const char *help;
  const char *value; /* after parsing: the text value (default if not given), NULL if unset */
  int given;         /* 1 if on the command line or in --config */
} sgdl_opt;

#define OPT_END {NULL, 0, NULL, NULL, NULL, 0}

/* Options every command has. */
#define SGDL_COMMON_OPTS                                                                      \
  {"config", OPT_STR, NULL, "read options from a JSON file (same keys as the flags; flags win)", NULL, 0}, \
  {"out", OPT_STR, NULL, "write results.json, CSV tables and plots into this folder", NULL, 0},         \
  {"json", OPT_FLAG, NULL, "print results.json to stdout instead of the summary", NULL, 0},             \
  {"seed", OPT_INT, "1", "random seed (0 .. 4294967295)", NULL, 0},                                     \
  {"threads", OPT_INT, "0", "OpenMP threads (0 = OMP_NUM_THREADS or all cores)", NULL, 0},             \
  {"quiet", OPT_FLAG, NULL, "no progress bar and no summary", NULL, 0}

/* Options that describe the problem (see sgdl_problem_spec). */
#define SGDL_PROBLEM_OPTS                                                                                   \
  {"problem", OPT_STR, "double-well", "quadratic | linreg | logreg | double-well | double-well-2d | degenerate | meanfield | ./plugin.so", NULL, 0}, \
  {"H", OPT_STR, NULL, "quadratic: Hessian, \"a,b;c,d\" or @file.csv", NULL, 0},                         \
  {"C", OPT_STR, NULL, "quadratic: gradient-noise covariance (default identity)", NULL, 0},              \
  {"sigma2", OPT_NUM, "1", "double-well: additive gradient-noise variance", NULL, 0},                   \
  {"tilt", OPT_NUM, "0", "double-well: linear tilt, L = x^4/4 - x^2/2 + tilt x", NULL, 0},              \
  {"ky", OPT_NUM, "1", "double-well-2d: curvature in y", NULL, 0},                                      \
  {"couple", OPT_NUM, "0", "double-well-2d: coupling couple x^2 y^2 / 2", NULL, 0},                    \
  {"s", OPT_NUM, "0.5", "degenerate: noise scale, l(x;theta) = (1+theta) x^2/2, theta = +-s", NULL, 0}, \
  {"l2", OPT_NUM, "0.01", "logreg: ridge penalty", NULL, 0},                                            \
  {"data", OPT_STR, NULL, "linreg/logreg/meanfield: CSV file, features then target, header optional", NULL, 0},  \
  {"gen-n", OPT_INT, "64", "linreg/logreg/meanfield without --data: generated samples", NULL, 0},                \
  {"gen-d", OPT_INT, "2", "linreg/logreg/meanfield without --data: generated dimension", NULL, 0},               \
  {"gen-noise", OPT_NUM, "0.5", "linreg/logreg/meanfield without --data: label-noise sd", NULL, 0},              \
  {"plugin-params", OPT_STR, NULL, "string passed to a plugin problem", NULL, 0},                     \
  {"neurons", OPT_INT, "20", "meanfield: number of neurons n", NULL, 0}

/* Parse argv (argv[0] is the subcommand name) into opts; merges --config first.
 * Returns SGDL_OK, SGDL_EUSAGE on error (message in ctx), or -1 if --help was printed. */
int sgdl_cli_parse(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts,
                   int argc, char **argv);
/* The option record, or NULL (programming error if unknown: aborts). */
sgdl_opt *sgdl_opt_get(sgdl_opt *opts, const char *name);
const char *sgdl_opt_str(sgdl_opt *opts, const char *name);
int sgdl_opt_given(sgdl_opt *opts, const char *name);
int sgdl_opt_flag(sgdl_opt *opts, const char *name);
/* Typed getters: error (naming --name and the bad text) if unset or malformed. */
int sgdl_opt_num(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double *out);
int sgdl_opt_int(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, long long *out);
/* Comma-separated numbers; *v allocated (free with free()). */
int sgdl_opt_list(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double **v, int *n);

/* Parse a number with full validation; `what` names it in the error. */
int sgdl_parse_num(sgdl_ctx *ctx, const char *what, const char *text, double *out);
/* "a,b;c,d" (rows separated by ';') or "@file.csv" (rows on lines). *A allocated (free()). */
int sgdl_parse_matrix(sgdl_ctx *ctx, const char *what, const char *text, int *rows, int *cols, double **A);
/* "lo:hi:n" -> n values; geometric if geometric != 0, else linear. *v allocated. */
int sgdl_parse_range(sgdl_ctx *ctx, const char *what, const char *text, int geometric, double **v, int *n);

/* The start every subcommand shares: parse (-1 after --help), apply --seed/--threads/--quiet,
 * and create and probe --out before any work. */
int sgdl_cli_begin(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts, int argc,
                   char **argv, uint32_t *seed);
/* Build a problem from SGDL_PROBLEM_OPTS. */
int sgdl_cli_problem(sgdl_ctx *ctx, sgdl_opt *opts, sgdl_problem **out);
/* Seed and thread options into ctx / *seed. */
int sgdl_cli_common(sgdl_ctx *ctx, sgdl_opt *opts, uint32_t *seed);
/* All options as a JSON object {name: value-text} for results.json "params". */
cJSON *sgdl_cli_params_json(sgdl_opt *opts);

/* Finish a run: if --out, write results.json there; if --json print it; returns exit code 0/1. */
int sgdl_cli_emit(sgdl_ctx *ctx, sgdl_opt *opts, cJSON *results);
/* Print "sgdlab <command>: error: <msg>" to stderr and return the exit status (2 usage, 1 other). */
int sgdl_cli_error(const sgdl_ctx *ctx, const char *command, int rc);

/* Subcommands. */
int sgdl_cmd_weak(int argc, char **argv);
int sgdl_cmd_npoint(int argc, char **argv);
int sgdl_cmd_stationary(int argc, char **argv);
int sgdl_cmd_fpe(int argc, char **argv);
int sgdl_cmd_exit(int argc, char **argv);
int sgdl_cmd_train(int argc, char **argv);
int sgdl_cmd_meanfield(int argc, char **argv);

#endif
