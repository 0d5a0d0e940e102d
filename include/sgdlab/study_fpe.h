/* sgdlab study (fpe): the orchestration behind `sgdlab fpe`. How does the density of a one-particle
 * model (SME1/SME2, the flows' one-particle law, gf with extra diffusion) evolve, and what is its stationary law?
 *
 * On a 1-D or 2-D grid with reflecting walls (given box, or where the stationary weight falls
 * below e^-30 around the minimum reached from x0, widened to contain x0):
 *   - the stationary density by one direct solve, its mean and covariance, and its TV distance
 *     to the Gibbs density exp(-L_alpha / eps) when D = eps I is constant (a check of the solve);
 *   - unless stationary_only: the Fokker-Planck evolution from a narrow Gaussian at x0 by
 *     implicit Euler (pde.h), with a timeline of at most 201 records of mass, smallest density,
 *     TV and relative entropy to the stationary density, the Bakry-Emery bound e^{-2 kappa t} H(0)
 *     and the drift-regime bound on E|X_t - x*|^2 (SPEC section 4 items 1 and 3) beside the
 *     measured values, and snapshots of the density;
 *   - with paths > 0: the TV distance between the density at T and the histogram of an SGD
 *     ensemble (Philox stream 1), with the TV that sampling alone would give.
 * Progress of the time loop (then of the ensemble) goes to ctx->progress as one bar.
 * Does not: parse flags, print, or write files (the CLI does, from the result struct).
 */
#ifndef SGDLAB_STUDY_FPE_H
#define SGDLAB_STUDY_FPE_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/pde.h"
#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_fpe_spec {
  const sgdl_problem *prob; /* borrowed; dimension 1 or 2 */
  const char *model;        /* NULL = "sme1"; sme1, sme2, smf1, smf2 (smf's one-particle law is sme's), or
                             * gf with noisy > 0 (without diffusion the density never spreads) */
  double lr, noisy;         /* learning rate, beta^-1 added to D */
  int batch;                /* minibatch size B (>= 1; at most the data set's size) */
  int without_replacement;  /* minibatch sampling; with batch, gives the noise factor c_B
                               (sgdl_minibatch_factor) of the SME and of the SGD ensemble's batches */
  double x0[2];             /* centre of the initial Gaussian (x0[1] unused in 1-D) */
  int cells[2];             /* grid cells per axis (cells[1] = 1 in 1-D) */
  int have_box;             /* box_lo/hi given; else the automatic box */
  double box_lo[2], box_hi[2];
  double init_sd;           /* NAN: max(0.05, 2 cells) */
  double T;                 /* final time (SME time) */
  double dt;                /* NAN: T / 1000 in 1-D, T / 200 in 2-D; rounded down to T / steps */
  int stationary_only;
  int snapshots;            /* density snapshots after t = 0 (1 .. 50) */
  long paths;               /* SGD ensemble for the histogram comparison (0: none) */
  double region_radius;     /* drift-regime ball; <= 0: half the convexity radius */
  uint32_t seed;
} sgdl_fpe_spec;

/* Columns of a timeline record. */
enum {
  SGDL_FPE_T = 0,
  SGDL_FPE_MASS,
  SGDL_FPE_MIN_DENSITY,
  SGDL_FPE_TV,              /* TV distance to the stationary density */
  SGDL_FPE_ENTROPY,         /* relative entropy to the stationary density */
  SGDL_FPE_BE_BOUND,        /* Bakry-Emery bound (NAN when it does not apply) */
  SGDL_FPE_M2,              /* E|X_t - x*|^2 (NAN without a minimum) */
  SGDL_FPE_DRIFT_BOUND,     /* drift-regime bound (NAN when it does not apply) */
  SGDL_FPE_MASS_IN_REGION,  /* mass within the drift-regime ball */
  SGDL_FPE_M2_IN_REGION,    /* E[|X_t - x*|^2; inside the ball] */
  SGDL_FPE_COLUMNS
};

#define SGDL_FPE_MAX_BASINS 32

typedef struct sgdl_fpe_result {
  sgdl_grid grid;
  const char *solver;          /* static: "lapack-tridiagonal", "umfpack" or "lapack-banded" */
  /* stationary law */
  double *stationary;          /* [cells] density */
  double st_mean[2], st_cov[4];/* covariance d x d, row-major */
  double st_mass, st_min;
  double tv_to_gibbs;          /* NAN unless the noise is constant and isotropic */
  /* evolution (evolved = 0 with stationary_only) */
  int evolved;
  double T, dt, init_sd;
  long steps;
  double mass_max_error;       /* max |mass(t) - mass(0)| over all steps */
  double mass_roundoff_scale;  /* eps T max |A_cc|: the solves' backward error */
  double min_density_all;      /* smallest density over all steps */
  int n_records;
  double *timeline;            /* [n_records][SGDL_FPE_COLUMNS]; the last record is t = T */
  int n_snapshots;             /* t = 0 and then evenly spaced up to T */
  double *snapshot_times;      /* [n_snapshots] */
  double *snapshots;           /* [n_snapshots][cells] */
  double *density_T;           /* [cells] density at T */
  double be_kappa, be_H0;      /* Bakry-Emery: convexity of L_alpha on the grid, H(0) */
  int be_applies;
  int have_xstar;              /* a minimum was found from x0 */
  double xstar[2];
  double region_radius, dr_kappa, dr_S; /* drift regime: ball radius, kappa, sup tr Sigma_B */
  int dr_applies;
  /* basins of the stationary law: every cell joins the grid minimum its steepest-descent path on L
   * (cell to lowest of itself and its 2 / 8 neighbours) reaches; the minimum is refined by Newton
   * when that converges inside the box; sinks whose minima coincide (within a cell) merge. */
  int n_basins;                /* at most SGDL_FPE_MAX_BASINS, in order of the sinks' cell index */
  double basin_min[SGDL_FPE_MAX_BASINS][2];
  double basin_mass[SGDL_FPE_MAX_BASINS];
  int basins_truncated;        /* 1 when more sinks than SGDL_FPE_MAX_BASINS (the rest are not listed) */
  /* SGD histogram at T (have_histogram = 0 when paths = 0 or stationary_only) */
  int have_histogram;
  long hist_paths;
  uint64_t hist_steps;         /* round(T / lr) */
  double hist_time;            /* hist_steps x lr: T rounded to whole SGD steps */
  int bins[2];
  double hist_tv, hist_floor, hist_floor_sd;
  int resolved;                /* tv > floor + 4 sd */
} sgdl_fpe_result;

/* Grid, stationary law, and (unless stationary_only) the evolution and histogram. On error
 * *res is freed and zeroed. */
int sgdl_fpe_study_run(sgdl_ctx *ctx, const sgdl_fpe_spec *spec, sgdl_fpe_result *res);
void sgdl_fpe_result_free(sgdl_fpe_result *res);

#ifdef __cplusplus
}
#endif
#endif
