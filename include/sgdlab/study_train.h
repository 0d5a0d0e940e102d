/* sgdlab study: training a multilayer perceptron on IDX image data, the study behind
 * `sgdlab train`.
 *
 * Spec in, result out: open the data folder, lay out the network (or load it, with its
 * optimiser state, step counter and data-order seed, from a weight file to resume), train for
 * the given epochs and evaluate train and held-out loss, held-out accuracy and the confusion
 * matrix after each; then, with geometry_k > 0, measure the noise geometry at the final weights
 * (top-k Hessian and minibatch-noise spectra, SME and discrete predictions of the stationary
 * excess loss, and the fluctuation of continued SGD). The numerics live in the nn layer
 * (include/sgdlab/nn.h); this layer orchestrates them.
 *
 * What it does not do: print, draw progress bars or write files. Progress goes through
 * ctx->progress (the fraction of the current phase: training, then geometry) and the spec's
 * on_event callback (setup done, each epoch, geometry begins); writing the weights
 * (sgdl_weights_save on result->trainer), results.json and tables is the caller's.
 *
 * Reproducible: the same spec gives bitwise-identical weights and figures for any ctx->threads.
 */
#ifndef SGDLAB_STUDY_TRAIN_H
#define SGDLAB_STUDY_TRAIN_H

#include "sgdlab/nn.h"
#include "sgdlab/problem.h"
#include "sgdlab/study_estimate.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgdl_train_study_result;

/* Events the study reports while it runs (result as filled so far; the callback must not free it). */
enum {
  SGDL_TRAIN_EVENT_READY = 0,    /* data and network set up, before the first epoch */
  SGDL_TRAIN_EVENT_EPOCH = 1,    /* history entry n_done - 1 just filled */
  SGDL_TRAIN_EVENT_GEOMETRY = 2  /* training done, the geometry measurement begins */
};
typedef void (*sgdl_train_event_fn)(void *user, int event, const struct sgdl_train_study_result *r);

typedef struct sgdl_train_spec {
  const char *data;            /* folder with train-/t10k- IDX files (sgdl_data_open) */
  long n_train, n_test;        /* examples; -1: the folder's default */
  int n_hidden;                /* hidden layers; < 0: as stored in the resume file (required then) */
  int hidden[SGDL_MLP_MAX_LAYERS]; /* their widths */
  int act;                     /* SGDL_ACT_*; < 0: as stored in the resume file, relu for fresh runs */
  int rule;                    /* SGDL_OPT_SGD/HB/NAG/ADAM; < 0: as stored, sgd for fresh runs */
  sgdl_algo_params par;        /* lr, batch, without_replacement, momentum, beta1, beta2, eps */
  int dtype;                   /* SGDL_DTYPE_F64 (0, the reference) or SGDL_DTYPE_F32: the training steps' passes */
  int epochs;                  /* epochs to train (after resume: further epochs); 0: evaluate only */
  uint32_t seed;               /* initial weights and data order */
  int seed_from_resume;        /* with resume: take the data-order seed from the file instead */
  const char *resume;          /* weight file to continue from, or NULL */
  int geometry_k;              /* > 0: top-k eigenpairs and the fluctuation test at the final weights */
  uint64_t geometry_steps;     /* continuation steps; 0: two epochs */
  int geometry_every;          /* record every this many steps; 0: steps / 200 (at least 1) */
  int geometry_iters;          /* Lanczos steps per operator; 0: 3k + 30 */
  double geometry_tol;         /* Lanczos relative residual tolerance, in (0, 1) */
  sgdl_train_event_fn on_event; /* may be NULL */
  void *on_event_user;
} sgdl_train_spec;

/* Fills rule = -1, act = -1 and n_hidden = -1 (resume-friendly), the default algo params,
 * geometry_tol 1e-6 and everything else zero. */
void sgdl_train_spec_init(sgdl_train_spec *spec);

/* Per-epoch history as columns of n_epochs + 1 entries (entry 0 holds the evaluation of the
 * starting weights when n_epochs = 0). */
typedef struct sgdl_train_history {
  int *epoch;                        /* epochs completed (counting those before a resume) */
  double *train_loss, *test_loss;    /* mean cross-entropy on the training and held-out sets */
  double *test_accuracy;             /* fraction of held-out examples classified correctly */
  double *examples_per_second, *seconds; /* training speed and wall time of the epoch */
} sgdl_train_history;

typedef struct sgdl_train_study_result {
  char data_desc[256];         /* one-line summary of the data (sgdl_data_open) */
  size_t n_train, n_test;
  sgdl_mlp m;                  /* the network layout */
  int rule;                    /* optimiser rule used */
  uint32_t seed;               /* data-order seed used */
  int resumed;                 /* 1: continued from spec->resume */
  int start_epoch;             /* epochs / steps completed before this run (resume) */
  uint64_t start_step;
  uint64_t steps_per_epoch;
  int n_epochs, n_done;        /* epochs asked for, epochs completed */
  sgdl_train_history history;  /* owned */
  double train_seconds;        /* training time over the epochs */
  double examples_per_second;  /* over all epochs; NAN without epochs */
  double final_train_loss, final_test_loss, final_test_accuracy; /* last epoch, or the evaluation with 0 epochs */
  int n_classes;
  long *confusion;             /* [n_classes][n_classes] conf[true][predicted] at the final weights, owned */
  sgdl_trainer trainer;        /* final weights, optimiser state, step and epoch counters (owned;
                                * trainer.m points at m: do not copy the result struct) */
  int has_geometry;            /* the rest only with geometry_k > 0 */
  sgdl_spectra spectra;
  sgdl_fluct fluct;
  sgdl_noise_scale noise;      /* noise-to-signal ratio at the final weights (problem.h; Li-Malladi-Arora) */
  double *var_pred_sme1;       /* [k] SME1 stationary variance ct_i alpha / (2 h_i), NAN where h_i <= 0 */
  uint64_t geometry_steps;     /* continuation steps used */
  double geometry_seconds;
  sgdl_estimate estimate;      /* work and memory, checked before the first epoch (study_estimate.h) */
} sgdl_train_study_result;

/* Run the study. On failure (bad spec or data, resume mismatch naming the flag, divergence
 * naming --lr) returns the error; *res may then be partly filled and must still be freed. */
int sgdl_train_study_run(sgdl_ctx *ctx, const sgdl_train_spec *spec, sgdl_train_study_result *res);
void sgdl_train_study_result_free(sgdl_train_study_result *res);

#ifdef __cplusplus
}
#endif
#endif
