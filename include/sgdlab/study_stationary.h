/* sgdlab study: the stationary-fluctuation study behind `sgdlab stationary`.
 *
 * One spec in (everything the command's flags say, already parsed into numbers, matrices and a
 * problem), one result struct out. Per problem family:
 *   quadratic      exact discrete stationary covariance of any SGD-type algorithm (sgdl_stat_quad_solve)
 *                  beside SME1/SME2, per-eigendirection ratios, the SME expansion parameter, optional
 *                  exact finite-time moments and the Bayes-optimal learning rate (SPEC 5.1, 5.2, 5.4);
 *   linreg         the exact second-moment fixed point of minibatch SGD on finite data (SPEC 5.3), with
 *                  the SME Fokker-Planck densities when d = 1;
 *   gauss-linreg   the closed form for online Gaussian inputs, checked against the general fixed point;
 *   network        an mlp at given weights: the top-k Hessian / noise spectra and the SME1, SME2 and
 *                  discrete predictions of the excess loss in those directions (as train --geometry);
 *                  --simulate runs replicas of SGD from the weights and measures it (no d x d array);
 *   1-D            SME1/SME2 Fokker-Planck stationary densities (SPEC 4) and the escape-rate heuristic
 *                  (SPEC 5.5) for every minimum next to a maximum.
 * Optionally a Monte Carlo check of the discrete algorithm (burn-in from the spectral radius), or,
 * instead of one learning rate, a scan of the excess loss and per-direction variances over many.
 *
 * What this module does not do: parse flags, print, or write results.json, CSV tables or plots
 * (that is the CLI's, from the result struct). Errors name the flag the spec field came from.
 *
 * Ownership: the spec's pointers are borrowed for the duration of the call. The result owns every
 * array in it; release them with sgdl_stationary_study_result_free (safe on a zeroed or partly
 * filled result, and after a failed run).
 */
#ifndef SGDLAB_STUDY_STATIONARY_H
#define SGDLAB_STUDY_STATIONARY_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/nn.h"
#include "sgdlab/problem.h"
#include "sgdlab/stationary.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sgdl_stationary_family {
  SGDL_STATIONARY_QUADRATIC = 0, /* g_hat = H x + xi, Cov xi = C */
  SGDL_STATIONARY_LINREG,        /* linear regression on a finite data set (spec.prob) */
  SGDL_STATIONARY_GAUSS_LINREG,  /* online Gaussian inputs x ~ N(0, A) */
  SGDL_STATIONARY_1D,            /* any problem with d = 1 (spec.prob) */
  SGDL_STATIONARY_NETWORK        /* the mlp problem at given weights (spec.prob): train --geometry's
                                  * prediction of 1/2 tr(H Sigma) in the top-k Hessian directions,
                                  * and --simulate measures it over replicas of SGD from the weights */
} sgdl_stationary_family;

/* At most this many variances per learning rate in a scan (the first eigen/coordinate directions). */
#define SGDL_STATIONARY_SCAN_VARS 6
/* Critical points searched on [-20, 20] for the 1-D escape heuristic. */
#define SGDL_STATIONARY_MAX_CRIT 32

typedef struct sgdl_stationary_spec {
  sgdl_stationary_family family;
  const char *algo;          /* --algo: sgd | hb | nag | adam | newton | ngd (NULL = sgd); linreg and
                              * gauss-linreg need sgd; 1-D problems use it only for the simulation */
  sgdl_algo_params par;      /* --lr, --momentum, --beta1, --beta2, --eps, --damping, --fisher (d x d),
                              * --batch, --sampling */
  int nag_iterate;           /* --nag-iterate: sgdl_stat_iterate; SGDL_STAT_ITERATE_LOOKAHEAD (torch) reports
                              * nag's look-ahead point x + mu v, PyTorch's parameter (exact covariance,
                              * finite-time moments, scan and --simulate alike); needs algo nag */
  int adam_model;            /* --adam-model: sgdl_stat_adam_model for algo adam on the quadratic (exact
                              * covariance, finite-time moments and scan); default SELF_CONSISTENT */
  /* quadratic */
  int dim;
  const double *H;           /* d x d, symmetric positive definite */
  const double *C;           /* d x d, symmetric PSD; NULL = identity */
  int finite_time;           /* --steps given: exact moments after finite_steps steps from x0 */
  long long finite_steps;
  const double *x0;          /* d values; NULL = (1, ..., 1) */
  int bayes;                 /* --bayes-n given: Bayes-optimal learning rate for data-set size bayes_n */
  double bayes_n;
  /* gauss-linreg */
  const double *A;           /* d x d input covariance (dim is its size) */
  double noise_sd;           /* --noise: label-noise standard deviation */
  /* linreg and 1-D */
  const sgdl_problem *prob;
  /* learning-rate scan instead of one learning rate (n_scan > 0) */
  int n_scan;
  const double *scan_lrs;
  /* Monte Carlo check of the discrete algorithm */
  int simulate;              /* --simulate given */
  long long samples;         /* --simulate: samples in all (replicas x steps after burn-in) */
  long long replicas;        /* --replicas, >= 2 */
  long long burn;            /* --burn; < 0: from the spectral radius (bias below 1e-10), else 10000 */
  uint32_t seed;
  int geometry_k;            /* network: Hessian directions of the prediction (default 8) */
  sgdl_progress_fn progress; /* installed on ctx for the Monte Carlo check only (may be NULL) */
  void *progress_user;
  const char *checkpoint;    /* --simulate's chunks appended to this file and resumed from it (NULL: none) */
  const char *version;       /* checkpoint header: the program version */
  const char *args;          /* checkpoint header: canonical JSON of the arguments, one line */
} sgdl_stationary_spec;

/* Zero, algo "sgd", sgdl_algo_params_init, adam_model SELF_CONSISTENT, replicas 256, burn -1. */
void sgdl_stationary_spec_init(sgdl_stationary_spec *spec);

typedef struct sgdl_stationary_escape {
  double minimum, saddle, barrier;     /* x of the minimum and of the neighbouring maximum, L difference */
  double curv_minimum, curv_saddle;
  double noise_variance;               /* c_B Sigma_1 at the minimum */
  double rate_sme1, rate_discrete;     /* HEURISTIC rates per step (SPEC 5.5) */
} sgdl_stationary_escape;

/* One basin of attraction of a 1-D problem: the minimum, the interval between the neighbouring
 * maxima (+-inf at the ends), and its stationary mass under the SME1 and SME2 densities. */
typedef struct sgdl_stationary_basin {
  double minimum, lo, hi;
  double mass[2];                      /* SME1, SME2 */
} sgdl_stationary_basin;

typedef struct sgdl_stationary_study_result {
  sgdl_stationary_family family;
  int dim;
  double lr, lr_max;
  /* scan (spec n_scan > 0): only lr_max and these are set */
  int n_scan, n_scan_var;            /* n_scan_var = min(dim, SGDL_STATIONARY_SCAN_VARS) */
  double *scan_lr;                   /* [n_scan] */
  int *scan_stable;                  /* [n_scan]: 0 beyond the stability limit (values NaN there) */
  double *scan_excess;               /* [n_scan][3]: discrete, sme1, sme2 */
  double *scan_var;                  /* [n_scan][n_scan_var][3] */
  /* quadratic */
  int has_quad;
  sgdl_stat_quad quad;
  int algo;                          /* SGDL_OPT_* (sgdlab/stepper.h) */
  double *ratio;                     /* [2][d]: var_discrete / var_sme1, var_discrete / var_sme2 per eigendirection */
  double sme_expansion_parameter;    /* alpha' h_max / (1 - mu)^2 (SPEC 3.2b) */
  int has_finite;
  uint64_t finite_steps;
  double *x0, *mean_k, *cov_k, *mean_k_sme1, *cov_k_sme1; /* d, d, d x d, d, d x d */
  int has_bayes;
  double bayes_n, bayes_s, bayes_lr; /* S = tr H / tr C; alpha* = 2S/(N+S) */
  /* linreg */
  int has_linreg;
  sgdl_stat_linreg linreg;
  /* gauss-linreg */
  double *gauss_sigma;               /* [3][d][d]: discrete (closed form), sme1, sme2 (NaN where an SME fails) */
  double gauss_excess[3];            /* 1/2 tr(A Sigma) */
  double closed_form_vs_fixed_point; /* max |closed form - general fixed point| */
  /* 1-D problems and linreg with d = 1 */
  int has_fp;
  sgdl_fp1d fp[2];                   /* SME1, SME2 densities */
  double cB;                         /* minibatch factor (1-D) */
  int n_escape;
  sgdl_stationary_escape escape[SGDL_STATIONARY_MAX_CRIT];
  int n_basin;                       /* minima found on [-20, 20]; basins split at the maxima between them */
  sgdl_stationary_basin basin[SGDL_STATIONARY_MAX_CRIT];
  /* network: spectra at the weights (sgdlab/nn.h), the NSR there, and the weights' loss */
  int has_net;
  sgdl_spectra net;
  sgdl_noise_scale net_noise;
  double net_loss;
  /* network --simulate: the noise felt, u_i^T Sigma_B(x) u_i averaged over snapshots of the simulated
   * chains (net_felt_n per replica), and the predictions with it in place of the noise at the weights */
  int has_felt, net_felt_n;
  double *net_felt, *net_felt_se;    /* [k] mean over replicas and snapshots; replica-spread standard error */
  double felt_pred[3], felt_pred_se; /* discrete, sme1, sme2 with net_felt; the discrete one's standard error */
  double snap_loss[2];               /* mean training loss at the first and the last snapshot */
  double split_equal_time, split_equal_time_se; /* 1/2 sum h_i Var(u_i . x) across replicas at equal times
                                      * (mean over the snapshots; standard error from their spread) */
  double split_drift;                /* the same of the replica-mean projections' variance over the snapshots:
                                      * the chains' common drift (less its sampling part) */
  /* Monte Carlo check (network: of the k projections u_i . (x - x_w); excess = 1/2 sum h_i Var) */
  int has_mc;
  sgdl_stat_mc mc;
  int mc_resumed;                    /* --simulate chunks taken from the checkpoint */
} sgdl_stationary_study_result;

/* Run the study the spec describes. On failure the result may be partly filled: free it anyway.
 * A learning rate beyond the stability limit fails with SGDL_EUNSTABLE (a scan marks such rates
 * unstable instead). */
int sgdl_stationary_study_run(sgdl_ctx *ctx, const sgdl_stationary_spec *spec, sgdl_stationary_study_result *res);
void sgdl_stationary_study_result_free(sgdl_stationary_study_result *res);

#ifdef __cplusplus
}
#endif
#endif
