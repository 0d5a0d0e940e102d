/* sgdlab study: the weak-error and multi-point studies behind `sgdlab weak` and `sgdlab npoint`.
 *
 * For every learning rate, run SGD (the reference, stream 0) and every model (own streams) from
 * the same P starting points, by Monte Carlo ensembles or, with `exact`, by the exact moments of
 * linear-quadratic problems; evaluate the observables at t_k = k alpha <= T (or at every `every`-th
 * step and at T); form the weak error
 * of each model against SGD with its interval and fit its order over the learning rates.
 * Derived two-point covariances tr Cov(X_p, X_q) get jackknife errors over ensemble chunks.
 *
 * Variance reduction: with `coupling`, each model runs beside its own copy of SGD with common
 * random numbers (sgdl_stepper_create_pair), and the weak error and its interval come from the
 * per-path differences, whose variance is orders of magnitude below that of two independent
 * ensembles when the noise is additive.
 *
 * Control variates (`variance_reduction` = SGDL_VR_CONTROL_VARIATE, finite data sets, --algo sgd): every
 * Monte Carlo run (SGD, each model, each coupled pair) runs beside the same stepper on the
 * problem's affine surrogate (sgdl_problem_affine_surrogate, sgdl_stepper_create_twin), on the same
 * random numbers. It is expanded around the first starting point for an affine problem, else around
 * the gradient flow of L from that start at T/2 (closer to where the paths go; any point keeps the
 * estimate unbiased, the surrogate's exact moments being taken from the true start). Each observable's estimate is
 *   mean[f(X) - f~(X~)] + E f~(X~)   (E f~(X~) from the exact moments of the surrogate),
 * and a coupled difference is [f(S) - f(M)] - [f~(S~) - f~(M~)] + exact(E f~(S~) - E f~(M~)), with
 * f~ the observable on the surrogate (its loss is the quadratic Taylor loss). SGD's side is unbiased
 * as it stands; a model's side estimates the continuous model's expectation, the time-discretisation
 * error of its scheme corrected by the surrogate's (on an affine problem, removed: the surrogate is
 * the problem and every estimate is exact to rounding). Not for the --cov statistics or a problem's
 * named observables, which keep plain estimates.
 *
 * Antithetic pairs (`variance_reduction` & SGDL_VR_ANTITHETIC, Monte Carlo, even `paths`; also in rounds,
 * study_rounds.h, where a round of `paths` is paths/2 pair replicas):
 * every run's `paths` are paths/2 replicas, each a path beside its mirror on the same Philox words
 * (sgdl_stepper_create_antithetic: normals negated; a finite data set's sample indices through the
 * sample mirror at the first starting point, sgdl_sample_mirror). Each path keeps its law; every
 * observable and difference is the pair's mean, so standard errors come from the paths/2 independent
 * pair means. Combines with control variates (each half a twin) and with the coupling.
 *
 * SDE discretisation: EM or Heun with `substeps` steps per learning-rate step, optionally with
 * Talay-Tubaro extrapolation 2 E_{2m} - E_m (two independent ensembles), recorded in the output.
 */
#ifndef SGDLAB_STUDY_H
#define SGDLAB_STUDY_H

#include "sgdlab/analysis.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_study_rounds sgdl_study_rounds; /* study_rounds.h */

/* Variance reduction of the Monte Carlo weak errors beyond the coupling (see above). */
enum { SGDL_VR_NONE = 0, SGDL_VR_CONTROL_VARIATE = 1, SGDL_VR_ANTITHETIC = 2 }; /* flags: both may be set */

typedef struct sgdl_study_spec {
  const sgdl_problem *prob;
  const char *algo;            /* the discrete reference: "sgd" (default when NULL), "hb" or "nag" */
  int n_models;
  const char *const *models;   /* gf, sme1, sme2, smf1, smf2; msme1, msme2 for hb/nag */
  const int *model_svag_l;     /* [n_models] or NULL: svag's l for model m (> 0), else par.svag_l; one
                                * study compares svag at several l by listing "svag" once per l */
  const char *const *model_labels; /* [n_models] or NULL: how rows name model m (default models[m]) */
  int n_lr;
  const double *lrs;
  double T;
  int P;
  const double *x0;            /* [P][d] */
  int n_obs;
  const sgdl_observable *obs;
  int n_cov;                   /* derived tr Cov(X_p, X_q) for these pairs */
  const int *cov_pairs;        /* [n_cov][2] */
  uint64_t paths;
  int exact;
  sgdl_algo_params par;        /* batch, sampling, substeps, scheme (lr is set per run) */
  int talay_tubaro;
  double critical_lambda;      /* > 0: LTE's critical momentum scaling (SPEC 3.2c): at learning rate alpha
                                * the algorithm uses mu = 1 - lambda sqrt(alpha), one step is model time
                                * sqrt(alpha) and T is reached after T/sqrt(alpha) steps (model usme) */
  int sbc;                     /* nag with the schedule mu_k = k/(k+3) on the sqrt(alpha) time axis, against
                                * usme with damping 3/t (the stochastic Su-Boyd-Candes ODE) */
  int coupling;                /* common random numbers between SGD and each model where possible
                                * (sgdl_coupling_possible): errors from per-path differences; SGD
                                * rows still from an independent reference run */
  int variance_reduction;      /* SGDL_VR_NONE (0), or SGDL_VR_CONTROL_VARIATE and/or SGDL_VR_ANTITHETIC (see above) */
  uint32_t seed;
  double alpha;                /* level of the weak-error intervals: 0 = the usual 0.05 (95%) */
  int torch_iterate;           /* --nag-iterate torch: the nag reference's observables at the look-ahead
                                * point x + mu v, PyTorch's SGD(nesterov=True) parameter (constant mu;
                                * not with coupling or rounds) */
  uint64_t every;              /* observables every this many learning-rate steps (0 or 1: every step)
                                * and at the horizon T; models at the same steps (sgdl_study_output_time).
                                * Sups and Bonferroni levels run over these output times only */
  sgdl_study_rounds *rounds;   /* NULL: one ensemble of `paths` replicas per run. Set only by
                                * sgdl_study_run_rounds (study_rounds.h): each run's ensemble is then
                                * this round's (or a checkpointed one) merged into the earlier rounds */
} sgdl_study_spec;

typedef struct sgdl_study_series {
  uint64_t n_times;
  double *mean, *se;           /* [n_times] */
  double dof;                  /* degrees of freedom of se: independent replicas (or antithetic pairs)
                                * minus 1; 0: known exactly (exact moments; normal quantiles) */
} sgdl_study_series;

typedef struct sgdl_study_result {
  int n_models, n_lr, n_stat;  /* n_stat = n_obs + n_cov */
  char (*stat_names)[48];      /* [n_stat] */
  sgdl_study_series *series;   /* [(n_models + 1)][n_lr][n_stat]; model index 0 is SGD */
  sgdl_sup_error *errors;      /* [n_models][n_lr][n_stat] */
  sgdl_order_fit *orders;      /* [n_models][n_stat] */
  int *coupled;                /* [n_models]: errors from coupled pairs */
  double seconds;
} sgdl_study_result;

#define SGDL_STUDY_SERIES(r, model, lr, stat) (&(r)->series[((size_t)(model) * (r)->n_lr + (lr)) * (r)->n_stat + (stat)])

int sgdl_study_run(sgdl_ctx *ctx, const sgdl_study_spec *spec, sgdl_study_result *res);
void sgdl_study_result_free(sgdl_study_result *res);
/* Number of learning-rate steps K for horizon T (T / lr rounded; error if not close to an integer
 * multiple is the caller's choice: this rounds to nearest). */
uint64_t sgdl_study_steps(double T, double lr);
/* The name reported for model m (0-based): model_labels[m] when set, else models[m]. */
const char *sgdl_study_model_label(const sgdl_study_spec *sp, int m);

/* Model time per learning-rate step: lr, or sqrt(lr) under the critical scaling. */
double sgdl_study_dt(const sgdl_study_spec *sp, double lr);
/* Time of output j at learning rate lr: step sgdl_ensemble_output_step(j, K, every) times the model
 * time per step (K = the steps to T). Every series of the study is indexed by these outputs. */
double sgdl_study_output_time(const sgdl_study_spec *sp, double lr, uint64_t j);

#ifdef __cplusplus
}
#endif
#endif
