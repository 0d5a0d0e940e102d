/* sgdlab report: results.json, CSV tables, gnuplot plots, the progress bar, and output sets.
 *
 * Nothing already written is corrupted: every file is written to a temporary name in
 * the same folder and renamed into place (sgdl_write_atomic, core.h). An output folder is one
 * unit (sgdl_outset): a run writes all its files into a staging folder and publishes them
 * together at the end, with results.json naming each file and its checksum; a failed or killed
 * run leaves the earlier set as it was. The output folder is created, locked and probed for
 * writability before any computation, so a bad or busy --out fails fast. The CLI has no
 * numerics of its own; it builds a cJSON tree with these helpers and hands it here.
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
/* Output set: every file of one run into a folder, as one unit (outset.c).
 *   open    creates the folder, locks it (DIR/.sgdlab-lock holding the owner's pid: a second run
 *           fails here with an error naming `flag`, the folder and that pid), removes what killed
 *           runs left (staging folders, *.tmp-PID files of dead processes) and makes the staging
 *           folder; the run writes every file into sgdl_outset_staging (or sgdl_outset_member).
 *   commit  adds "output_files" {name: {"bytes", "crc32"}} (every staged file but results.json)
 *           to results, writes results.json last, and publishes: the folder then holds exactly
 *           this set (files of the earlier set that this run did not produce are gone; entries
 *           no earlier manifest names are kept). Beside the folder the publication is one atomic
 *           exchange of folders; where that is impossible (the folder is the working directory,
 *           its parent is read-only or another filesystem, it holds foreign subfolders) files are
 *           renamed one by one, results.json last. results is returned without the manifest.
 *   close   discards an uncommitted set (the folder is left as it was), releases the lock, frees.
 * MPI ranks other than 0 get an inactive set: staging is the folder itself and nothing is written.
 * Owned by the caller; one per --out folder. */
typedef struct sgdl_outset sgdl_outset;
int sgdl_outset_open(sgdl_ctx *ctx, const char *dir, const char *flag, sgdl_outset **out);
/* The folder this run writes into (valid until commit or close). */
const char *sgdl_outset_staging(const sgdl_outset *s);
/* path, or its staging name when path names a file directly in the set's folder; into buf (size n). */
char *sgdl_outset_member(const sgdl_outset *s, const char *path, char *buf, size_t n);
int sgdl_outset_commit(sgdl_ctx *ctx, sgdl_outset *s, cJSON *results);
void sgdl_outset_close(sgdl_outset *s);

/* Join dir and name into buf (size n). Returns buf. */
char *sgdl_path_join(char *buf, size_t n, const char *dir, const char *name);

/* New results object: {"command", "version", "schema", "seed", "params": params (owned)}. */
cJSON *sgdl_results_new(const char *command, uint64_t seed, cJSON *params);
/* Arrays and matrices of doubles; non-finite values become null. */
cJSON *sgdl_json_doubles(const double *v, size_t n);
cJSON *sgdl_json_matrix(int rows, int cols, const double *A);
/* Add a number, or null if not finite. */
void sgdl_json_add_number(cJSON *obj, const char *key, double v);
/* cJSON_AddItemToObject / cJSON_AddItemToArray that take ownership whatever happens: when the item
 * cannot be added (the key's copy ran out of memory, the container is NULL) it is deleted instead
 * of leaking. Return 1 when added. */
int sgdl_json_put(cJSON *obj, const char *key, cJSON *item);
int sgdl_json_push(cJSON *array, cJSON *item);
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
 * preceded by the house style (one colour and one marker per line type 1..8; pt 11 = upper bound)
 * and, when gnuplot is installed, runs it inside DIR to render the PNG the script names (with an
 * output set, DIR is its staging folder). If gnuplot fails, the files it made in DIR are removed.
 * Returns SGDL_OK if the script was written; *rendered (may be NULL) says whether a PNG was made. */
int sgdl_plot(sgdl_ctx *ctx, const char *dir, const char *name, const char *script, int *rendered);

/* Progress bar on stderr, drawn only when stderr is a terminal. Use as ctx->progress.
 * A host that draws its own bar (Python through sgdl_run_json_progress) gives the bar a sink after
 * sgdl_progress_bar_start: with sink set, the bar's updates (label, fraction in [0, 1], at most one
 * per permille) go to sink(sink_user, ...) instead of stderr, whether or not the bar would draw (a
 * terminal, --quiet). The sink belongs to this bar only; sink_user is borrowed. */
typedef void (*sgdl_progress_sink)(void *user, const char *label, double fraction);
typedef struct sgdl_progress_bar {
  const char *label;
  int active;
  int last_permille;
  double t_start;
  sgdl_progress_sink sink; /* NULL: draw on stderr (when active) */
  void *sink_user;
} sgdl_progress_bar;
void sgdl_progress_bar_start(sgdl_progress_bar *b, const char *label); /* no sink */
void sgdl_progress_bar_set_sink(sgdl_progress_bar *b, sgdl_progress_sink fn, void *user);
void sgdl_progress_bar_update(void *bar, double fraction); /* matches sgdl_progress_fn */
void sgdl_progress_bar_finish(sgdl_progress_bar *b);

#ifdef __cplusplus
}
#endif
#endif
