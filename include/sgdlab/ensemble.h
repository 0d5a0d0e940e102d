/* sgdlab ensemble: plan/execute Monte Carlo over M replicas x P particles.
 *
 * The driver owns the time loop (SUNDIALS style): it advances blocks of up to SGDL_LANES
 * replicas with a stepper and evaluates observables at every learning-rate step t_k = k alpha,
 * k = 0..K, or (plan.every = E > 1) at k = 0, E, 2E, ... and K; a step that is not an output
 * costs no observable evaluation (and is not watched for NaN: the next output sees it). Statistics are streamed: memory is O(block x P x d) per thread for states plus
 * O(chunks x observables x (K+1)) for statistics, never O(M x K).
 *
 * Reproducibility: replicas are split into a fixed number of chunks that depends only on M
 * (not on threads); each chunk accumulates its blocks in order, and chunks are merged in a
 * fixed order (Chan's parallel update), so results are bitwise identical for any thread count.
 * The per-chunk sums are kept so that derived statistics (covariances) get jackknife errors.
 */
#ifndef SGDLAB_ENSEMBLE_H
#define SGDLAB_ENSEMBLE_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  SGDL_OBS_X = 0,   /* x_i of particle p */
  SGDL_OBS_X2,      /* x_i^2 of particle p */
  SGDL_OBS_XX,      /* x_i x_j of particle p */
  SGDL_OBS_NORM2,   /* |x|^2 of particle p */
  SGDL_OBS_LOSS,    /* L(x) of particle p */
  SGDL_OBS_DIST2,   /* |x_p - x_q|^2 */
  SGDL_OBS_DOT,     /* x_p . x_q */
  SGDL_OBS_PXY,     /* x_{p,i} x_{q,i}: building block of Cov(X, Y) */
  SGDL_OBS_GRAD_NORM2, /* |grad L(x)|^2 of particle p */
  SGDL_OBS_NAMED    /* the problem's own observable i (sgdl_problem_type.observable_names) at particle p */
};

typedef struct sgdl_observable {
  int kind;
  int i, j;  /* coordinates */
  int p, q;  /* particles */
  int shift; /* > 0: the value is f(particles p, q) - f(particles p+shift, q+shift), the per-path
              * difference of a coupled pair (SGD in [0, shift), model in [shift, 2 shift)) */
  int cv;    /* > 0: a control variate; the value above minus the same value at particles + cv,
              * evaluated on cv_prob (a twin stepper's affine surrogate half, sgdl_stepper_create_twin) */
  const sgdl_problem *cv_prob; /* borrowed; used only when cv > 0 */
  int anti;  /* > 0: antithetic pairs; the mean of the value above and the same value at particles + anti
              * (the mirror half of sgdl_stepper_create_antithetic) */
  char name[48];
} sgdl_observable;

/* Parse one observable name for dimension d and P particles: "x0", "x1^2", "x0*x1", "norm2",
 * "loss", "grad_norm2" (particle 0, or "@p" suffix for particle p), "dist2[p,q]", "dot[p,q]". */
int sgdl_observable_parse(sgdl_ctx *ctx, const char *text, int d, int P, sgdl_observable *out);
/* The same, knowing the problem: first the problem type's own names (observable_names, e.g.
 * "test_loss" or "test_error@1" for a network), then everything sgdl_observable_parse knows,
 * including "grad_norm2" (|grad L|^2). */
int sgdl_observable_parse_for(sgdl_ctx *ctx, const char *text, const sgdl_problem *prob, int P,
                              sgdl_observable *out);
/* Values for W lanes straight from the structure-of-arrays state x[(p*d + i)*W + l] -> vals[W]
 * (vectorised for every kind but the loss, grad_norm2 and the problem's named ones, which gather
 * each lane into xs: (P + 1) d doubles). */
void sgdl_observable_eval_lanes(const sgdl_observable *o, const sgdl_problem *prob, int d, int P, int W,
                                const double *x, double *vals, double *xs);

typedef struct sgdl_ensemble_plan {
  const sgdl_stepper *stepper; /* borrowed */
  int P;                       /* particles per replica */
  const double *x0;            /* [P][d] starting points */
  uint64_t paths;              /* replicas M >= 2 */
  uint64_t steps;              /* K: learning-rate steps; outputs at k = 0..K */
  int n_obs;
  const sgdl_observable *obs;  /* borrowed */
  uint64_t replica0;           /* first replica id (0 by default): a later round of the same ensemble
                                * starts where the previous ended (driver.h) */
  uint64_t every;              /* output every this many steps (0 or 1: every step): the output steps are
                                * sgdl_ensemble_output_step(j, steps, every), j < sgdl_ensemble_n_outputs */
} sgdl_ensemble_plan;

/* Output times of an ensemble of `steps` learning-rate steps observed every `every` steps (0 is 1):
 * the steps 0, every, 2 every, ... <= steps, and `steps` itself when it is not a multiple of every
 * (the horizon is always an output). n_outputs counts them; output_step(j) is the j-th. */
uint64_t sgdl_ensemble_n_outputs(uint64_t steps, uint64_t every);
uint64_t sgdl_ensemble_output_step(uint64_t j, uint64_t steps, uint64_t every);

typedef struct sgdl_ensemble_result {
  int n_obs;
  uint64_t n_times;   /* output times: K + 1 with every step observed (sgdl_ensemble_n_outputs) */
  uint64_t paths;
  double *mean;       /* [n_obs][n_times] */
  double *var;        /* sample variance of the observable across replicas */
  double *se;         /* standard error of the mean: sqrt(var / paths) */
  int n_chunks;
  double *chunk_sum;  /* [n_chunks][n_obs][n_times]: sums per chunk (for jackknife) */
  double *chunk_n;    /* [n_chunks] replicas per chunk */
  int diverged;       /* 1 if any replica hit NaN/Inf */
  uint64_t diverged_step; /* first output index where that was seen */
} sgdl_ensemble_result;

/* MPI (Open MPI) when the build has it, no-ops otherwise. sgdl_mpi_init calls MPI_Init only when
 * the process was started by mpirun (OMPI_COMM_WORLD_SIZE set), so plain runs stay plain;
 * sgdl_mpi_identify fills ctx->rank and ctx->ranks. With ctx->ranks > 1, sgdl_ensemble_run gives
 * rank r the chunks c with c % ranks == r and sums the chunk statistics over ranks: every rank ends
 * with the result of a single process, bit for bit. */
int sgdl_mpi_init(int *argc, char ***argv);
void sgdl_mpi_identify(sgdl_ctx *ctx);
void sgdl_mpi_finalize(void);

/* Run the plan. Fills res (allocates; free with sgdl_ensemble_result_free). A diverged run
 * returns SGDL_EDIVERGED with a message naming the step and time. */
int sgdl_ensemble_run(sgdl_ctx *ctx, const sgdl_ensemble_plan *plan, sgdl_ensemble_result *res);
/* The same with the observables evaluated at nag's look-ahead point x + mu v (v the stepper's
 * Sutskever velocity): PyTorch's SGD(nesterov=True) parameter. mu = 0 is sgdl_ensemble_run; mu != 0
 * needs the nag stepper with constant momentum (pass its --momentum). */
int sgdl_ensemble_run_lookahead(sgdl_ctx *ctx, const sgdl_ensemble_plan *plan, double mu, sgdl_ensemble_result *res);
void sgdl_ensemble_result_free(sgdl_ensemble_result *res);
/* Deep copy of src into *dst (allocates; free with sgdl_ensemble_result_free). */
int sgdl_ensemble_result_copy(sgdl_ctx *ctx, const sgdl_ensemble_result *src, sgdl_ensemble_result *dst);
/* Merge the ensemble `add` (disjoint replicas of the same plan) into `acc`: means and variances
 * by Chan's update, standard errors from the merged variance; add's chunks become new jackknife
 * groups of acc while it has fewer than SGDL_DRIVE_MAX_CHUNKS, then each is added to one group in
 * turn (groups stay disjoint sets of replicas, so rounds of one chunk each still give a jackknife).
 * Deterministic: merging the same results in the same order gives the same bits. acc with
 * paths == 0 (zeroed) becomes a copy of add. Returns SGDL_EINVAL if the shapes (observables,
 * times) differ, SGDL_ENOMEM if growing the groups fails. */
int sgdl_ensemble_result_merge(sgdl_ctx *ctx, sgdl_ensemble_result *acc, const sgdl_ensemble_result *add);

/* Jackknife over chunks for a derived statistic f(means of several observables at one time):
 * idx[n] are observable indices (any number); f maps their chunk-deleted means to a value.
 * Writes the full estimate to *value and its standard error to *se (NaN with one chunk).
 * Returns SGDL_OK, or SGDL_ENOMEM / SGDL_EINVAL (then both are NaN). */
int sgdl_ensemble_jackknife(sgdl_ctx *ctx, const sgdl_ensemble_result *res, uint64_t t, int n, const int *idx,
                            double (*f)(const double *means, void *user), void *user, double *value, double *se);

#ifdef __cplusplus
}
#endif
#endif
