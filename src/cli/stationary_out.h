/* `sgdlab stationary` output: the summary on stdout, results.json entries, CSV tables (scan_lr.csv,
 * density.csv) and their plots, all from the study's result struct (sgdlab/study_stationary.h).
 * No numerics here beyond formatting. */
#ifndef SGDL_CLI_STATIONARY_OUT_H
#define SGDL_CLI_STATIONARY_OUT_H

#include "cli/cli.h"
#include "sgdlab/study_stationary.h"

typedef struct sgdl_stationary_view {
  const char *out;     /* --out folder, or NULL: no CSV tables or plots */
  int say;             /* print the summary (not --quiet, not --json) */
  const char *problem; /* "quadratic", "gauss-linreg" or the problem's description */
} sgdl_stationary_view;

/* The network family (stationary_net_out.c): spectra, predictions, NSR and the simulated excess. */
int sgdl_stationary_network_output(const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                                   const sgdl_stationary_study_result *res, cJSON *json);
/* Add the study's entries to `json` (results.json) in the documented order, print the summary
 * and write the tables and plots. Returns a status (file writing can fail). */
int sgdl_stationary_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                           const sgdl_stationary_study_result *res, cJSON *json);

#endif
