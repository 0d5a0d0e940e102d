/* sgdlab report: results.json, CSV tables, gnuplot plots, the progress bar.
 *
 * Nothing already written is corrupted: every file is written to a temporary name in
 * the same folder and renamed into place (sgdl_write_atomic, core.h). The output folder is
 * created and probed for writability before any computation (sgdl_outdir_prepare),
 * so a bad --out fails fast. The CLI has no numerics of its own; it builds a cJSON
 * tree with these helpers and hands it here.
 */
#ifndef SGDLAB_REPORT_H
#define SGDLAB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "sgdlab/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* results.json schema version (README: "results.json"). Bump on incompatible change. */
#define SGDL_RESULTS_SCHEMA 1

/* Create dir (mkdir -p) and check it is writable; errors name `flag` (e.g. "--out"). */
int sgdl_outdir_prepare(sgdl_ctx *ctx, const char *dir, const char *flag);
/* Join dir and name into buf (size n). Returns buf. */
char *sgdl_path_join(char *buf, size_t n, const char *dir, const char *name);

/* New results object: {"command", "version", "schema", "seed", "params": params (owned)}. */
cJSON *sgdl_results_new(const char *command, uint64_t seed, cJSON *params);
/* Arrays and matrices of doubles; non-finite values become null. */
cJSON *sgdl_json_doubles(const double *v, size_t n);
cJSON *sgdl_json_matrix(int rows, int cols, const double *A);
/* Add a number, or null if not finite. */
void sgdl_json_add_number(cJSON *obj, const char *key, double v);
/* Serialise (formatted) and write atomically to path. */
int sgdl_json_write(sgdl_ctx *ctx, const char *path, const cJSON *root);
/* Print to a stream (formatted), followed by a newline. */
void sgdl_json_print(FILE *f, const cJSON *root);

/* CSV built in memory and written atomically. */
typedef struct sgdl_csv {
  char *buf;
  size_t len, cap;
  int failed;
} sgdl_csv;
void sgdl_csv_init(sgdl_csv *c);
/* Append formatted text (no newline added). */
void sgdl_csv_printf(sgdl_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a double with full precision (%.17g), "nan" for non-finite. */
void sgdl_csv_num(sgdl_csv *c, double v, int last_in_row);
int sgdl_csv_write(sgdl_ctx *ctx, sgdl_csv *c, const char *path);
void sgdl_csv_free(sgdl_csv *c);

/* Plot: writes DIR/NAME.gp (the script, using data files already in DIR, paths relative to DIR)
 * and, when gnuplot is installed, runs it inside DIR to render the PNG the script names.
 * Returns SGDL_OK if the script was written; *rendered (may be NULL) says whether a PNG was made. */
int sgdl_plot(sgdl_ctx *ctx, const char *dir, const char *name, const char *script, int *rendered);

/* Progress bar on stderr, drawn only when stderr is a terminal. Use as ctx->progress. */
typedef struct sgdl_progress_bar {
  const char *label;
  int active;
  int last_permille;
  double t_start;
} sgdl_progress_bar;
void sgdl_progress_bar_start(sgdl_progress_bar *b, const char *label);
void sgdl_progress_bar_update(void *bar, double fraction); /* matches sgdl_progress_fn */
void sgdl_progress_bar_finish(sgdl_progress_bar *b);

#ifdef __cplusplus
}
#endif
#endif
