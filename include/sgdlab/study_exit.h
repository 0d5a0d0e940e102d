/* sgdlab study (exit): the orchestration behind `sgdlab exit`. How long does SGD, and each model,
 * take to leave a basin? Every requested method at each learning rate, side by side, in time
 * units and SGD steps:
 *   quadrature  1-D nested integrals, exact for the SME (exit.h: sgdl_met_quadrature);
 *   pde         backward Kolmogorov on a 1-D interval or a 2-D box clipped at the exit line
 *               (pde.h: sgdl_fp_exit_time), checked against the noise length scale;
 *   chain       the discrete SGD chain's expected exit steps by Nystrom quadrature (1-D);
 *   kramers     Kramers / Eyring-Kramers asymptotics (also feeds the saddle warning);
 *   mc-sgd, mc-sme1, mc-sme2   Monte Carlo first-exit times with 95% intervals.
 * One learning rate is a plain run; several are the Arrhenius scan (the CLI's --lr-scan), every
 * method repeated at each rate with the inverse noise temperature 1 / (alpha c_B sigma^2).
 *
 * Methods that do not apply ("n/a": no saddle, a chain with reflecting ends) leave a note in
 * their row and do not fail the run; bad input (empty domain, start outside it, unresolved
 * grid) fails through sgdl_fail naming the flag. Monte Carlo progress goes to ctx->progress as
 * one bar over all Monte Carlo runs.
 * On a network (or any problem) a neighbourhood replaces the basin: the first time the distance from
 * the start weights or the training loss reaches a level (spec.watch); only the Monte Carlo methods
 * apply there, and the horizon defaults to 1e4 steps.
 * Does not: parse flags, print, or write files (the CLI does, from the result struct).
 */
#ifndef SGDLAB_STUDY_EXIT_H
#define SGDLAB_STUDY_EXIT_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/exit.h"
#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  SGDL_EXIT_QUADRATURE = 0,
  SGDL_EXIT_PDE,
  SGDL_EXIT_CHAIN,
  SGDL_EXIT_KRAMERS,
  SGDL_EXIT_MC_SGD,
  SGDL_EXIT_MC_SME1,
  SGDL_EXIT_MC_SME2,
  SGDL_EXIT_N_METHODS
};

/* "quadrature", "pde", "chain", "kramers", "mc-sgd", "mc-sme1", "mc-sme2"; NULL outside range. */
const char *sgdl_exit_method_name(int method);
/* The method with that name, or -1. */
int sgdl_exit_method_find(const char *name);

typedef struct sgdl_exit_spec {
  const sgdl_problem *prob;  /* borrowed; dimension 1 or 2 */
  const char *model;         /* model of quadrature, pde and kramers (NULL = "sme1"): sme1, sme2, smf1, smf2
                              * (smf's one-particle law is sme's), or gf with noisy > 0 (gf alone never exits) */
  int n_lr;                  /* >= 1: one rate is a plain run, more the Arrhenius scan */
  const double *lrs;         /* [n_lr], borrowed */
  int batch;                 /* minibatch size B (>= 1; at most the data set's size) */
  int without_replacement;   /* minibatch sampling; with batch, gives the noise factor c_B
                                (sgdl_minibatch_factor) of the models and SGD's own batches */
  double noisy;              /* beta^-1 added to D */
  double x0[2];              /* start (x0[1] unused in 1-D) */
  double to;                 /* exit when x[coord] reaches this (ignored when two_sided) */
  int coord;                 /* 0-based exit axis */
  int two_sided;             /* 1-D: exit from (interval_lo, interval_hi) through either end */
  double interval_lo, interval_hi;
  int grid[2];               /* PDE cells per axis */
  int have_box;              /* 2-D PDE: box_lo/hi given; else where the stationary weight < e^-30 */
  double box_lo[2], box_hi[2];
  int want[SGDL_EXIT_N_METHODS];
  long paths;                /* Monte Carlo paths (>= 2) */
  int substeps;              /* mc-sme*: Euler-Maruyama substeps per learning-rate step */
  int bridge;                /* mc-sme*: Brownian-bridge crossing correction */
  long long max_steps;       /* Monte Carlo horizon; <= 0: 100 x the first deterministic estimate */
  uint32_t seed;             /* Monte Carlo method k uses stream 10 + k */
  /* A neighbourhood instead of a basin (any dimension, e.g. a network's trained weights; Monte Carlo
   * methods only): watch = SGDL_EXIT_WATCH_DIST2 exits when |x - start| >= radius, _LOSS when the
   * training loss L(x) >= loss_level; SGDL_EXIT_WATCH_COORD (0) is the 1-D/2-D exit above. */
  int watch;
  double radius, loss_level;
  const double *start;       /* [d] start and centre of the neighbourhood, borrowed (NULL: x0, d <= 2) */
  const char *checkpoint;    /* Monte Carlo chunks appended to this file and resumed from it (NULL: none) */
  const char *version;       /* checkpoint header: the program version */
  const char *args;          /* checkpoint header: canonical JSON of the arguments, one line */
} sgdl_exit_spec;

/* The Monte Carlo horizon of a neighbourhood exit without --max-steps (the study and its estimate). */
#define SGDL_EXIT_HOOD_MAX_STEPS 10000

typedef struct sgdl_exit_row {
  int available;             /* 0: only note is meaningful ("n/a: ...") */
  int is_mc;
  double time, steps;        /* mean exit time (time units) and in SGD steps (time / lr) */
  double err_time;           /* deterministic error estimate in time units, NAN if none */
  double ratio_to_pde;       /* time / the PDE's time (NAN without a PDE row) */
  double ci_time[2], ci_steps[2], se_time; /* Monte Carlo only */
  long censored;             /* Monte Carlo paths still inside at the horizon */
  char note[240];
} sgdl_exit_row;

typedef struct sgdl_exit_point {
  double lr;
  double inv_temperature;    /* 1 / (lr c_B sigma2_eff) */
  sgdl_interval domain;      /* 1-D: the exit interval and its boundary kinds */
  sgdl_exit_row rows[SGDL_EXIT_N_METHODS]; /* rows of methods not wanted are all zero */
  int kramers_found;         /* a saddle was found (also when kramers was not requested) */
  double kramers_offset;     /* boundary - saddle in noise widths */
} sgdl_exit_point;

typedef struct sgdl_exit_warning {
  int always;                /* 1: worth showing even without a summary (the saddle warning) */
  char text[320];
} sgdl_exit_warning;

typedef struct sgdl_exit_result {
  int n_points;
  sgdl_exit_point *points;   /* [n_points], one per learning rate, in the spec's order */
  double sigma2_eff;         /* noise temperature tr Sigma_1 / d at the start */
  /* 1-D PDE of the last learning rate: the mean exit time from every cell centre (n = 0: none) */
  struct {
    int n;
    double *x, *time, *steps; /* [n] each: start, MET in time units, MET in SGD steps */
  } profile;
  int n_warnings;
  sgdl_exit_warning *warnings; /* censored Monte Carlo runs in run order, then the saddle warning */
  int resumed;               /* Monte Carlo chunks taken from the checkpoint */
} sgdl_exit_result;

/* Run every wanted method at every learning rate. On error *res is freed and zeroed. */
int sgdl_exit_study_run(sgdl_ctx *ctx, const sgdl_exit_spec *spec, sgdl_exit_result *res);
void sgdl_exit_result_free(sgdl_exit_result *res);

#ifdef __cplusplus
}
#endif
#endif
