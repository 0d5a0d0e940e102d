/* `--precision`, `--floor`, `--max-paths` and `--checkpoint` of `sgdlab weak`, `npoint` and
 * `meanfield`: flags -> sgdl_rounds_spec (with the canonical argument text of the checkpoint
 * header, and a refusal that names the arguments that differ), and the rounds' lines in the
 * summary and results.json. Without those flags none of this runs and the outputs are unchanged. */
#ifndef SGDLAB_STUDY_ROUNDS_CLI_H
#define SGDLAB_STUDY_ROUNDS_CLI_H

#include "cli/cli.h"
#include "sgdlab/study_rounds.h"

/* The option rows (part of SGDL_STUDY_OPTS). No defaults, so results.json "params" of runs without
 * them stay as they were. A command may give --precision (and --floor, --max-paths,
 * --variance-reduction) defaults of its own (`sgdlab meanfield`): its default run is then a run in
 * rounds. Those defaults apply only when neither --precision nor --paths is given: with --paths
 * alone the run is one plain round of --paths (or rounds without a target with
 * --checkpoint), with --precision alone --floor, --max-paths and --variance-reduction are the plain
 * ones (none, 64 x --paths, none), and with --exact or --nag-iterate torch (no rounds) none stand;
 * sgdl_study_rounds_wanted drops the defaults that do not apply,
 * so "params" records only what ran. Call it before the study spec reads --variance-reduction. */
#define SGDL_ROUNDS_OPTS                                                                                         \
  {"precision", OPT_NUM, NULL, "run in rounds of --paths replicas until every weak error's 95% interval has half-width <= this fraction of the error", \
   NULL, 0, OPT_RANGE(0, 1, OPT_GT | OPT_LE)},                                                                    \
  {"floor", OPT_NUM, NULL, "with --precision: an error whose interval lies entirely below this is done too", NULL, 0, \
   OPT_POSITIVE},                                                                                                 \
  {"max-paths", OPT_INT, NULL, "with --precision: at most this many replicas per (model, lr) (default 64 x --paths)", NULL, 0, \
   OPT_RANGE(2, 4294967296.0, OPT_GE | OPT_LE)},                                                                  \
  {"checkpoint", OPT_STR, NULL, "append completed ensembles to this file and resume from it on a rerun with the same arguments", \
   NULL, 0}

/* 1 if any of the four flags is set, given or by the command's default (the run goes through rounds,
 * or is refused by sgdl_study_rounds_spec). Drops the command's round defaults that do not apply (see above). */
int sgdl_study_rounds_wanted(sgdl_opt *opts);
/* Flags -> *rs; *args_text (allocated, free()) is the canonical argument JSON kept in the checkpoint
 * header. An existing checkpoint from another version or other arguments is refused here, with the
 * arguments that differ in the message. */
int sgdl_study_rounds_spec(sgdl_ctx *ctx, sgdl_opt *opts, const char *command, uint64_t paths, sgdl_rounds_spec *rs,
                           char **args_text);
/* --checkpoint FILE of any command (weak and its kin through sgdl_study_rounds_spec; exit and
 * stationary --simulate directly): *args_text (allocated, free()) is the canonical argument JSON
 * for the header; an existing FILE from another version or with other arguments is refused
 * (SGDL_EUSAGE naming the file and each argument that differs). *args_text NULL without --checkpoint. */
int sgdl_cli_checkpoint_args(sgdl_ctx *ctx, sgdl_opt *opts, const char *command, char **args_text);
/* The option row of --checkpoint for exit and stationary. */
#define SGDL_CHUNK_CHECKPOINT_OPT                                                                                \
  {"checkpoint", OPT_STR, NULL, "Monte Carlo: append completed chunks of paths to this file and resume from it on a rerun with the same arguments", \
   NULL, 0}

/* Summary lines after the weak-error table: paths per (model, lr) and projections for open errors. */
void sgdl_study_rounds_print(const sgdl_study_spec *sp, const sgdl_study_result *r, const sgdl_rounds_result *rr,
                             const sgdl_rounds_spec *rs);
/* results.json: a "rounds" object and, with --precision, in each "errors" entry (in their order),
 * paths, status and projected_paths. */
void sgdl_study_rounds_json(cJSON *root, const sgdl_study_spec *sp, const sgdl_rounds_result *rr, const sgdl_rounds_spec *rs);

#endif
