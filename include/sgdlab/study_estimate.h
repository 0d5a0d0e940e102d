/* sgdlab study: work and memory estimates, made before a run starts.
 *
 * Every study can say, from its spec alone, how much memory its largest arrays need at once and
 * how many path-steps (one replica advanced by one step; every SDE substep counts) or grid
 * cell-steps it will take. sgdl_estimate_check refuses a run that cannot fit in the memory the
 * machine has available now (MemAvailable; the physical memory where that is unknown), or that
 * would take longer than ctx->max_seconds (default SGDL_ESTIMATE_MAX_SECONDS, one day; the CLI's
 * --max-hours raises or lowers it) at the conservative rates below, with an error naming the flag that sets the figure and the figure itself; the
 * studies call it themselves (so C callers are protected too), and the CLI prints a long run's
 * estimate before it starts and records every estimate in results.json ("estimate").
 *
 * What it does not do: measure anything, or promise a run time. The rates are deliberately low
 * (a floor for small problems on one core of an ordinary machine), so a run usually takes less
 * than its estimate; memory counts the arrays that grow with the flags, not fixed overheads.
 *
 * Ownership: sgdl_estimate is a plain value (no pointers to free); the specs are borrowed.
 */
#ifndef SGDLAB_STUDY_ESTIMATE_H
#define SGDLAB_STUDY_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/mlp_cost.h"
#include "sgdlab/study.h"
#include "sgdlab/study_exit.h"
#include "sgdlab/study_fpe.h"
#include "sgdlab/study_stationary.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Path-steps per second per thread for a problem of dimension <= 4 (measured: 1.3e8 to 1.6e8 on
 * the weak and stationary examples on one core; the constant is 6 to 8 times lower so that an
 * estimate errs long). Larger dimensions scale the cost per step by d / 4. */
#define SGDL_ESTIMATE_RATE 2e7
/* Grid cell-steps per second of the Fokker-Planck time loop (one sparse solve per step). */
#define SGDL_ESTIMATE_CELL_RATE 1e7
/* Multiply-adds per second of the exact moments (sgdl_affine_moments_work; they run on one thread).
 * Measured 1.55e9 to 1.6e9 (linreg sme1 --exact at d = 24 and 40, AMD EPYC, shared machine); the
 * constant is 1.5x lower so that an estimate errs long. */
#define SGDL_ESTIMATE_MADD_RATE 1e9
/* Runs estimated beyond a day are refused unless ctx->max_seconds (--max-hours) allows more: a
 * mistyped --paths or --T should not start a run that never ends. */
#define SGDL_ESTIMATE_MAX_SECONDS 86400.0
/* Runs estimated beyond a minute get their estimate printed before they start (CLI). */
#define SGDL_ESTIMATE_ANNOUNCE_SECONDS 60.0

/* A network problem's counted work (mlp, sgdlab/mlp_cost.h) over every run of a weak or npoint
 * study, from what each member does per step (src/study/estimate_net.c): SGD's and SVAG's batch-1
 * minibatch gradients ("sample" examples, and a lane-vector of d weights in and out per call and
 * per update), an SME's or SMF's fused pass over the N examples per substep (and N normals), the
 * modified drifts' Hessian product, Heun's second drift, both Talay-Tubaro ensembles, a coupled
 * pair's SGD half, and the observables over the held-out or training set at every output time.
 * Its CPU seconds at the calibrated rates replace the path-step rate for such a problem; they
 * spread over at most `parallel` threads (a run's blocks of SGDL_LANES replicas). All 0 for other
 * problems. */
typedef struct sgdl_estimate_net {
  int dtype;                           /* the problem's kernel precision (SGDL_DTYPE_*) */
  double examples[SGDL_MLP_N_PASSES];  /* lane-examples of each pass (sgdl_mlp_pass_name) */
  double madds;                        /* the multiply-adds of those passes */
  double vectors;                      /* lane-vector operations of d weights (batch-1 calls, discrete updates) */
  double run_weights[2];               /* lane-runs x d: [0] discrete steppers (sgd, svag), [1] continuous models */
  double normals;                      /* normal draws (and a coupled SGD half's N-entry selections) */
  double parallel;                     /* blocks of lanes of one run, the most threads that share it */
  double cpu_seconds;                  /* all of it at the calibrated rates, on one core */
} sgdl_estimate_net;

typedef struct sgdl_estimate {
  double bytes;            /* memory of the arrays that grow with the flags, at the peak */
  double path_steps;       /* replica steps in all (NAN: set during the run, e.g. exit's horizon) */
  double cell_steps;       /* grid cells x time steps of a PDE (0: none) */
  double madds;            /* multiply-adds of exact moments (--exact, control variates' surrogate; 0: none) */
  int dim;                 /* the problem's dimension (cost per path-step) */
  sgdl_estimate_net net;   /* a network problem's counted passes; then seconds come from them */
  char bytes_flag[160];     /* the flag(s) and value(s) that set the memory, e.g. "--T 1e+09 at --lr 0.1" */
  char bytes_what[48];     /* what the memory holds, e.g. "chunk statistics" */
  char work_flag[160];     /* the flag(s) and value(s) that set the work, e.g. "--paths 4.3e+09" */
  char madds_flag[160];    /* the same for the exact moments' work, e.g. "--exact at dimension 40" */
} sgdl_estimate;

/* The machine's physical memory in bytes (sysconf _SC_PHYS_PAGES x _SC_PAGESIZE); 0 if unknown. */
double sgdl_physical_memory(void);
/* Memory available to a new run now: /proc/meminfo's MemAvailable, else the physical memory; 0 if unknown. */
double sgdl_available_memory(void);
/* Seconds at the conservative rates on ctx's threads; a network problem's (e->net.cpu_seconds > 0)
 * at its calibrated rates on min(threads, e->net.parallel). */
double sgdl_estimate_seconds(const sgdl_ctx *ctx, const sgdl_estimate *e);
/* SGDL_OK, or an error naming the flag and the figure: SGDL_ENOMEM when e->bytes exceeds the
 * available memory, SGDL_EINVAL when the run would take longer than ctx->max_seconds (0: the
 * default SGDL_ESTIMATE_MAX_SECONDS). */
int sgdl_estimate_check(sgdl_ctx *ctx, const sgdl_estimate *e);
/* One line: "about 3.2e+11 path-steps, 1.5 GB, ~10 min on this machine (2 threads)". */
void sgdl_estimate_describe(const sgdl_ctx *ctx, const sgdl_estimate *e, char *buf, size_t len);
/* Bytes as text: "812 B", "3.1 MB", "8 TB". */
void sgdl_estimate_bytes_text(double bytes, char *buf, size_t len);

/* Generated data: n rows of d features and a target. */
void sgdl_estimate_data(size_t n, int d, sgdl_estimate *e);
/* Weak-error / npoint studies (sgdl_study_run): chunk statistics and series over all runs; for an
 * mlp problem also e->net (sgdl_estimate_study_net). */
void sgdl_estimate_study(const sgdl_study_spec *sp, sgdl_estimate *e);
/* The counted network work of a study on an mlp problem into *net (zeroed, and 0 returned, for any
 * other problem or with --exact); returns 1 when it counted. */
int sgdl_estimate_study_net(const sgdl_study_spec *sp, sgdl_estimate_net *net);
/* The stationary Monte Carlo check: replicas x (burn + steps) path-steps. burn < 0 stands for
 * the default when the spectral radius is not yet known (10000 steps). */
void sgdl_estimate_stationary(const sgdl_stationary_spec *sp, int dim, long long burn, sgdl_estimate *e);
/* The Fokker-Planck study: grid cell-steps and the SGD histogram ensemble. */
void sgdl_estimate_fpe(const sgdl_fpe_spec *sp, sgdl_estimate *e);
/* The exit study: Monte Carlo path-steps when max_steps bounds them (NAN otherwise: the
 * horizon is 100 x the first deterministic estimate, known only during the run) and the PDE. */
void sgdl_estimate_exit(const sgdl_exit_spec *sp, sgdl_estimate *e);
/* Training: n_params weights (with optimiser state of aux copies), examples x epochs as
 * path-steps weighted by the cost of one example (n_params / 1e3 per example-step). */
void sgdl_estimate_train(size_t n_params, int aux, size_t n_train, int epochs, uint64_t geometry_steps, int batch,
                         sgdl_estimate *e);

#ifdef __cplusplus
}
#endif
#endif
