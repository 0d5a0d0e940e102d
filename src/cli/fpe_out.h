/* The output side of `sgdlab fpe`: results.json members, the summary, and the files (stationary,
 * timeline and density tables, 2-D heat-map data, their plots), all from a sgdl_fpe_result.
 * Does not: compute (the study layer did); every number comes from the result struct. */
#ifndef SGDLAB_CLI_FPE_OUT_H
#define SGDLAB_CLI_FPE_OUT_H

#include "sgdlab/report.h"
#include "sgdlab/study_fpe.h"

/* grid, stationary, and (when evolved) evolution, bakry_emery, drift_regime, sgd_histogram. */
void sgdl_fpe_out_json(const sgdl_fpe_spec *sp, const sgdl_fpe_result *res, cJSON *results);
/* The summary on stdout. */
void sgdl_fpe_out_print(const sgdl_fpe_spec *sp, const sgdl_fpe_result *res, const char *model);
/* stationary.csv/.dat, timeline.csv, density.csv (1-D) or density_T.dat (2-D), and their plots. */
int sgdl_fpe_out_files(sgdl_ctx *ctx, const sgdl_fpe_result *res, const char *out);

#endif
