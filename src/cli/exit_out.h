/* The output side of `sgdlab exit`: the summary table, results.json members, methods.csv, the
 * exit-time profile and the Arrhenius CSV and plots, all from a sgdl_exit_result.
 * Does not: compute (the study layer did); every number comes from the result struct. */
#ifndef SGDLAB_CLI_EXIT_OUT_H
#define SGDLAB_CLI_EXIT_OUT_H

#include "sgdlab/report.h"
#include "sgdlab/study_exit.h"

/* One learning rate: results.json (lr, domain, methods), the summary (verbose) and, with out,
 * methods.csv, exit_time_profile.csv and its plot. */
int sgdl_exit_out_point(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_result *res, const char *model, cJSON *results,
                        const char *out, int verbose);
/* The --lr-scan: results.json lr_scan, the table (verbose), arrhenius.csv and its plot (out). */
int sgdl_exit_out_scan(sgdl_ctx *ctx, const sgdl_exit_spec *sp, const sgdl_exit_result *res, cJSON *results, const char *out,
                       int verbose);
/* The warnings as a JSON array of strings (new object, caller owns). */
cJSON *sgdl_exit_out_warnings_json(const sgdl_exit_result *res);
/* Print to stderr the warnings whose `always` flag equals `always`. */
void sgdl_exit_out_print_warnings(const sgdl_exit_result *res, int always);

#endif
