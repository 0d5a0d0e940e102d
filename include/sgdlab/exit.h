/* sgdlab exit: the SME's coefficients and the exit-time answers that do not need a grid.
 *
 * SPEC section 4. The SME of order 1 or 2 for SGD at learning rate alpha is
 *     dX = b(X) dt + sqrt(2 D(X)) dW,   b = -grad L_alpha,   D = (alpha/2) c_B Sigma_1 + beta^{-1} I,
 * with L_alpha = L (SME1) or L + (alpha/4) |grad L|^2 (SME2, grad = grad L + (alpha/2) Hess L grad L).
 * beta^{-1} ("extra diffusion") is the "Noisy SGD" regularisation of paper (C); 0 by default.
 *
 * What lives here (exact layer, no grids), on top of sgdl_sme_model (b, D and L_alpha at a point,
 * sgdlab/sde_model.h, included here):
 *   - 1-D mean exit time by the nested-integral formula (exact for the SDE), log-scaled so a
 *     barrier far beyond exp(700) reports log(tau) instead of overflowing, Romberg-extrapolated;
 *   - 1-D expected exit steps of the discrete SGD chain x' = x - alpha g(x) by Nystrom
 *     quadrature of tau(x) = 1 + E[tau(x'); x' inside] (step sd alpha sigma, NOT sqrt(alpha) sigma);
 *   - Kramers / Eyring-Kramers: minima and index-1 saddle found numerically (Newton with the
 *     Hessian assembled from hvp, string method between the basins);
 *   - Monte Carlo first-exit times of any stepper (SGD, SME1, SME2) with per-step monitoring
 *     (ensemble layer, src/ensemble/first_exit.c).
 * The grid methods (Fokker-Planck, backward Kolmogorov) are in pde.h.
 * Time units: SME time t = k alpha; "steps" = time / alpha for the continuous methods.
 */
#ifndef SGDLAB_EXIT_H
#define SGDLAB_EXIT_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/sde_model.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the SME's coefficients: sgdl_sme_model, in sgdlab/sde_model.h (dynamics layer) -------- */

/* ---- 1-D exit problems ------------------------------------------------------------------ */

enum {
  SGDL_BC_ABSORB = 0,  /* the process is killed (exit) when it reaches this end */
  SGDL_BC_REFLECT = 1, /* zero flux / Neumann at a finite end */
  SGDL_BC_NATURAL = 2  /* "reflecting at infinity": the end is far out where the density is
                        * below exp(-46) of its peak; continuous methods treat it as reflecting,
                        * the discrete chain as open (the mass beyond it is negligible) */
};

typedef struct sgdl_interval {
  double lo, hi;       /* the domain (lo, hi), lo < hi */
  int bc_lo, bc_hi;    /* SGDL_BC_* */
} sgdl_interval;

/* The exit problem "start at x0, exit when X reaches target": absorbing at target, natural at
 * the far end on x0's side, placed where Phi = int L_alpha'/D has risen by 46 above its
 * minimum (1-D problems only). Errors: x0 == target ("empty interval"), no noise anywhere
 * ("--to: unreachable"), the potential not confining on the far side. */
int sgdl_exit_interval_1d(sgdl_ctx *ctx, const sgdl_sme_model *m, double x0, double target,
                          sgdl_interval *iv);

typedef struct sgdl_met {
  double tau;      /* mean exit time in time units (inf when log_tau > 709) */
  double log_tau;  /* natural log of tau, finite even when tau overflows */
  double err;      /* estimated absolute error (Romberg: finest minus next) */
  int nodes;       /* nodes of the finest grid */
} sgdl_met;

/* 1-D MET of the SME by the nested integrals of SPEC section 4 (both absorbing: the K formula;
 * one absorbing, the other reflecting/natural: the one-sided formula). Cumulative trapezoid on
 * nodes that include x0, three levels n, 2n, 4n, Romberg to O(h^6); log-domain recursions guard
 * every exponential. n <= 0 picks a default (4000). */
int sgdl_met_quadrature(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_interval *iv,
                        double x0, int n, sgdl_met *out);

/* Expected exit steps of the discrete 1-D SGD chain x' = x - alpha (L'(x) + xi), xi Gaussian with
 * variance c_B Sigma_1(x) (additive-noise problems only: n_data == 0). Nystrom with composite
 * Gauss-Legendre panels (10 nodes, panel width <= min step sd / 2) on the interval; tau at x0 by
 * the Nystrom interpolant. Natural ends are open (the chain's mass beyond is negligible);
 * reflecting finite ends are not defined for the chain (ENOTSUP). err = |tau(n) - tau(n/2 panels)|.
 * Dense LU: refuses more than max_nodes (<= 0: 6000) nodes with a message naming the cause. */
typedef struct sgdl_chain_met {
  double steps;    /* expected exit steps */
  double err;      /* |difference to the half-resolution answer| */
  int nodes;
  double step_sd_min, step_sd_max; /* alpha sqrt(c_B Sigma_1) over the interval */
} sgdl_chain_met;
int sgdl_met_chain(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB,
                   const sgdl_interval *iv, double x0, int max_nodes, sgdl_chain_met *out);

/* ---- Kramers / Eyring-Kramers ------------------------------------------------------------ */

#define SGDL_KRAMERS_MAXD 16

typedef struct sgdl_kramers {
  int d;
  double xmin[SGDL_KRAMERS_MAXD];   /* minimum of the start basin */
  double xother[SGDL_KRAMERS_MAXD]; /* minimum on the far side of the boundary */
  double xsad[SGDL_KRAMERS_MAXD];   /* index-1 saddle between them */
  double unstable_dir[SGDL_KRAMERS_MAXD];
  double Lmin, Lsad, barrier;       /* L_alpha values (equal to L's at critical points) */
  double lambda_unstable;           /* negative eigenvalue of Hess L_alpha at the saddle */
  double det_min, det_sad;          /* determinants of Hess L_alpha */
  double eps;                       /* temperature: D = eps I (constant isotropic noise) */
  double prefactor;                 /* 2 pi / |lambda| sqrt(|det Hs| / det Ha) */
  double t_transition;              /* prefactor exp(barrier / eps) (inf if it overflows) */
  double log_t_transition;
  double t_hit_saddle;              /* half of the transition time */
  double boundary_offset;           /* (boundary - saddle) along the exit coordinate, in noise
                                     * widths sqrt(eps / |lambda|); <= ~1 means "at the saddle" */
  double t_boundary;                /* transition * Phi_N(offset): the 1-D Laplace asymptotics of
                                     * the time to reach the boundary */
} sgdl_kramers;

/* Exit through the hyperplane x[coord] = boundary from the basin of the minimum reached by
 * descending from x0. Finds the minimum, a minimum on the other side, the saddle between them
 * (string method, then Newton on grad L = 0 with an index-1 check). Needs constant isotropic
 * noise (Sigma_1 = sigma^2 I): otherwise ENOTSUP with the reason. No saddle (nothing beyond the
 * boundary): SGDL_ENOTSUP "kramers: no saddle ...". */
int sgdl_kramers_solve(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *x0, int coord,
                       double boundary, sgdl_kramers *out);
/* Local minimum reached from x0 by damped Newton (Hessian from hvp) with a line search on L. */
int sgdl_find_minimum(sgdl_ctx *ctx, const sgdl_problem *p, const double *x0, double *xmin);

/* ---- Monte Carlo first exit (ensemble layer) ----------------------------------------------- */

/* What an exit region watches: one coordinate (the default, 0), the squared distance from a centre,
 * or the full training loss. The last two define a neighbourhood where a basin cannot be drawn
 * (a network's weights): exit when |x - centre|^2 >= level, or when L(x) >= level. */
enum { SGDL_EXIT_WATCH_COORD = 0, SGDL_EXIT_WATCH_DIST2 = 1, SGDL_EXIT_WATCH_LOSS = 2 };

typedef struct sgdl_exit_region {
  int coord;        /* coordinate monitored */
  double lo, hi;    /* exit as soon as x[coord] <= lo or x[coord] >= hi (+-INFINITY: no wall) */
  int bridge;       /* continuous models only: between two monitoring times, also exit with the
                     * Brownian-bridge crossing probability exp(-2 (c - x_k)(c - x_{k+1}) / (v alpha)),
                     * v = alpha c_B Sigma_1,cc(x_k) the model's variance rate (Gobet's correction:
                     * the discrete-monitoring bias drops from O(sqrt(alpha)) to O(alpha)). 0 for SGD. */
  int watch;        /* SGDL_EXIT_WATCH_*: DIST2 and LOSS ignore coord, lo, hi and bridge and exit when
                     * the watched value reaches level (LOSS: a full-data loss per path per step) */
  double level;
  const double *centre; /* DIST2: [d], borrowed */
} sgdl_exit_region;

typedef struct sgdl_first_exit {
  long paths;
  long exited;          /* paths that left within max_steps */
  long censored;        /* paths still inside at max_steps (their steps count as max_steps) */
  double mean_steps;    /* mean first-exit step count (k with x_k outside, monitored every step) */
  double se_steps;      /* standard error of the mean */
  double ci95_steps[2]; /* mean +- t_{paths-1}(0.975) se (Student) */
  double mean_time;     /* mean_steps * alpha */
  double se_time;
  double ci95_time[2];
} sgdl_first_exit;

/* Run `paths` replicas of stepper `name` (any stepper: "sgd", "sme1", "sme2", ...) from x0,
 * monitoring x[coord] after every learning-rate step, until exit or max_steps. Replica r uses
 * Philox (seed, r) and stream `stream`: results are bitwise identical for any thread count
 * (per-path step counts are summed in replica order). steps_out (paths) and final_x
 * (paths x d, the position at exit or at max_steps) are optional (NULL). With a region that has
 * no walls this is a plain ensemble run to max_steps (final_x = the endpoint law). */
int sgdl_first_exit_mc(sgdl_ctx *ctx, const char *name, const sgdl_problem *p,
                       const sgdl_algo_params *par, uint32_t seed, uint32_t stream,
                       const double *x0, const sgdl_exit_region *reg, long paths,
                       uint64_t max_steps, sgdl_first_exit *res, uint64_t *steps_out,
                       double *final_x);
/* The same with a store of completed chunks (driver.h's sgdl_chunk_store: a checkpoint; NULL =
 * none): stored chunks are not run again, completed ones are saved; the numbers are bitwise those
 * of a run without one. */
struct sgdl_chunk_store;
int sgdl_first_exit_mc_stored(sgdl_ctx *ctx, const char *name, const sgdl_problem *p, const sgdl_algo_params *par,
                              uint32_t seed, uint32_t stream, const double *x0, const sgdl_exit_region *reg, long paths,
                              uint64_t max_steps, sgdl_first_exit *res, uint64_t *steps_out, double *final_x,
                              struct sgdl_chunk_store *store);

#ifdef __cplusplus
}
#endif
#endif
