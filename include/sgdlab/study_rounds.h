/* sgdlab study rounds: the weak/npoint/meanfield study run to a target precision, in rounds, with
 * an optional checkpoint file to resume from.
 *
 * Rounds: every run of the study (SGD and each model at each learning rate) is a Monte Carlo
 * ensemble of spec->paths replicas per round; the k-th round a run takes part in (k from 0) covers
 * replica ids k*paths .. (k+1)*paths - 1 (the ensemble's replica offset: the run's replicas so far,
 * so a run never uses ids at or past max_paths), and its statistics are merged into those of its
 * earlier rounds in round order (sgdl_ensemble_result_merge). A run that stopped and runs again
 * (see below) skipped rounds, so the study may take more rounds than max_paths / paths. With
 * antithetic pairs (SGDL_VR_ANTITHETIC) a round of `paths` is paths/2 replicas, each recording its
 * pair's mean, so ids, chunks and merges count pairs and every statistic below is one of pair
 * means (paths, max_paths and the projections stay counted in paths). After each round every weak error (model, lr,
 * statistic) is judged from the merged statistics alone:
 *   precise      its interval [lo, hi] is resolved (lo > 0) with half-width (hi - lo)/2 <= precision * error;
 *   below floor  hi < floor (floor > 0): the error is shown to be smaller than the floor;
 *   open         otherwise.
 * A (model, lr) whose statistics are all precise or below the floor stops; the others run another
 * round unless that would take them past max_paths. SGD at a learning rate runs while a model that
 * is compared with its independent ensemble (not coupled) still runs there. The decisions depend on
 * the merged numbers only, which are bitwise the same for any thread or MPI rank count, so the
 * whole result is a function of the seed and the arguments.
 *
 * Intervals under sequential stopping (alpha spending): looking at the intervals after every round
 * and stopping when one is narrow enough would make the reported interval cover less often than
 * 95%. All intervals after round j (1-based) therefore use the level alpha_j = 0.05 * 6 / (pi^2 j^2)
 * (sum over j = 0.05, split over the output times by the study's Bonferroni rule): with probability
 * >= 95% every interval after every round covers, so the reported ones do too, wherever the rule
 * stopped. Round 1 uses alpha = 0.0304 (a little wider than the plain 95% interval), round 4 0.0019.
 * Every error is judged again after every round, so a (model, lr) that had stopped runs again if
 * its interval, now at a smaller alpha (or with more SGD replicas), is no longer narrow enough.
 *
 * Projection: for an open error, the replicas needed are projected from the 1/sqrt(M) scaling of
 * the current half-width (to the precision target, or to under the floor, whichever is nearer).
 *
 * Checkpoint: with a checkpoint file, each completed ensemble of a round (one run at one learning
 * rate) is appended to the file with its zlib crc32 as soon as it is done (rank 0 writes). The
 * file starts with a header holding the sgdlab version and the canonical JSON of the arguments
 * (and its crc32); a rerun with the same version and arguments takes the stored ensembles instead
 * of running them (a torn last record, from a killed run, is dropped and rewritten), so its numbers
 * are bitwise those of an uninterrupted run. A header that differs is refused (SGDL_EINVAL naming
 * the checkpoint; sgdl_study_checkpoint_header lets a caller say which arguments differ).
 * Records are native-endian doubles: a checkpoint is for the machine architecture that wrote it.
 *
 * Does not: run anything but Monte Carlo (exact moments need no rounds), or parse the arguments
 * (the caller hands the canonical JSON text in).
 */
#ifndef SGDLAB_STUDY_ROUNDS_H
#define SGDLAB_STUDY_ROUNDS_H

#include "sgdlab/study.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_rounds_spec {
  double precision;       /* target relative half-width (> 0); 0: no target, one round (a checkpoint alone) */
  double floor;           /* absolute floor (> 0), or 0 for none */
  uint64_t max_paths;     /* replicas per (model, lr) not to exceed; >= the round size (spec->paths) */
  const char *checkpoint; /* file to append to and resume from; NULL = none */
  const char *version;    /* checkpoint header: the program version */
  const char *args;       /* checkpoint header: canonical JSON of the arguments, one line */
} sgdl_rounds_spec;

/* NO_SPREAD: an unresolved error whose interval reaches no higher than the estimate, so no path
 * differs from another where it counts: zero to rounding, and no number of replicas resolves it. */
enum { SGDL_ROUNDS_OPEN = 0, SGDL_ROUNDS_PRECISE = 1, SGDL_ROUNDS_BELOW_FLOOR = 2, SGDL_ROUNDS_NO_SPREAD = 3 };

typedef struct sgdl_rounds_result {
  int n_models, n_lr, n_stat;
  uint64_t round_paths; /* replicas per round */
  int rounds;           /* rounds run (by the (model, lr) that ran longest) */
  uint64_t *paths;      /* [(n_models + 1)][n_lr]: replicas used; model 0 is SGD */
  int *status;          /* [n_models][n_lr][n_stat]: SGDL_ROUNDS_* */
  double *projected;    /* [n_models][n_lr][n_stat]: projected replicas for open errors (Inf if no
                         * projection is possible: a zero error and no floor), 0 for the others */
  double alpha;         /* the level of the intervals reported: alpha_j of the last round */
  int resumed;          /* ensembles taken from the checkpoint */
} sgdl_rounds_result;

#define SGDL_ROUNDS_PATHS(rr, model, lr) ((rr)->paths[(size_t)(model) * (rr)->n_lr + (lr)])

/* Run the study in rounds (see above). res as from sgdl_study_run after the last round (its
 * intervals at rr->alpha); rr says paths, status and projections.
 * Both are allocated; free with sgdl_study_result_free and sgdl_rounds_result_free. */
int sgdl_study_run_rounds(sgdl_ctx *ctx, const sgdl_study_spec *spec, const sgdl_rounds_spec *rs, sgdl_study_result *res,
                          sgdl_rounds_result *rr);
void sgdl_rounds_result_free(sgdl_rounds_result *rr);

/* The header of an existing checkpoint: *version and *args allocated (free()); both NULL if the file
 * does not exist. SGDL_EDATA (message naming the file) if it is not an sgdlab checkpoint. */
int sgdl_study_checkpoint_header(sgdl_ctx *ctx, const char *path, char **version, char **args);

/* Called by the study for every ensemble when spec->rounds is set: this round's ensemble for
 * (lr, stream) (run with the round's replica offset, or taken from the checkpoint), merged into
 * the earlier rounds; *er receives a copy of the merged statistics. A run that has stopped gets
 * its merged statistics without running. */
int sgdl_study_rounds_ensemble(sgdl_ctx *ctx, sgdl_study_rounds *rs, double lr, uint32_t stream, const sgdl_ensemble_plan *plan,
                               sgdl_ensemble_result *er);
/* Level of round j's intervals (j >= 1): 0.05 * 6 / (pi^2 j^2). */
double sgdl_rounds_alpha(int round);

#ifdef __cplusplus
}
#endif
#endif
