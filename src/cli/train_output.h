/* The output side of `sgdlab train`: results.json, the curves / confusion / geometry tables
 * and plots, and the geometry summary on stdout, all from the study result
 * (include/sgdlab/study_train.h). No numerics: every figure comes from the result. */
#ifndef SGDLAB_TRAIN_OUTPUT_H
#define SGDLAB_TRAIN_OUTPUT_H

#include "cli/cli.h"
#include "sgdlab/study_train.h"

/* results.json of a run (without "weights" and "geometry"); params (owned) from the option table. */
cJSON *sgdl_train_results_json(const sgdl_train_study_result *r, cJSON *params);
/* The "geometry" section (r->has_geometry). */
cJSON *sgdl_train_geometry_json(const sgdl_train_study_result *r);
/* curves.csv/.gp/.png (with epochs) and confusion.csv into dir. */
int sgdl_train_write_tables(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r);
/* spectra.csv, fluctuation.csv and geometry.gp/.png into dir (r->has_geometry). */
int sgdl_train_write_geometry(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r);
/* The geometry summary (k eigenpairs asked for) on stdout. */
void sgdl_train_print_geometry(const sgdl_train_study_result *r, int k);

#endif
