/* sgdlab stationary: exact stationary fluctuations of discrete SGD-type algorithms at a finite
 * learning rate, next to what the continuous models (SME1, SME2) predict (SPEC section 5).
 *
 * Quadratic model problem (SPEC 2): g_hat = H x + xi, Cov xi = C, minimum at 0.
 *   sgd                exact:  S = (I - aH) S (I - aH) + a^2 C                         (5.1)
 *   hb, nag            exact:  augmented state (x, x_prev) / Sutskever (x, v)            (5.2)
 *   newton, ngd        exact for a constant preconditioner L = (H + dI)^-1, (F + dI)^-1  (5.4)
 *   adam               approximation: heavy ball with mu = beta1, lr a(1 - beta1) and a constant
 *                      preconditioner P = (v^1/2 + eps)^-1: frozen v = diag(C) (5.4), or the
 *                      self-consistent v = diag(H Sigma(v) H + C) = E g^2 (5.4a; exact as beta2 -> 1)
 * Every case is reduced to symmetric form: with S = L^{1/2} (or P^{1/2}) and y = S^-1 x the
 * iteration is plain SGD / heavy ball / NAG on H' = S H S with noise C' = S C S, and the
 * eigenbasis of H' decouples it into 1x1 (SGD) or 2x2 (momentum) blocks per eigen-pair
 * (SPEC 7: "a 4x4 system per eigen-pair"). O(d^3) with one dsyevd; no d^2 x d^2 systems.
 * The general solvers of sgdlab/lyapunov.h are the independent check (tests).
 *
 * Linear regression on a finite data set with minibatch B (SPEC 5.3): the exact second-moment
 * fixed point, a linear system in the d(d+1)/2 symmetric unknowns. Online Gaussian inputs
 * (Ziyin et al.): closed form and the same fixed point for verification.
 *
 * 1-D problems: the SME1 (or SME2) Fokker-Planck stationary density by quadrature (SPEC 4, T14).
 *
 * Ownership: the *_solve/compute functions fill caller-visible structs whose arrays they
 * allocate with sgdl_alloc; release them with the matching *_free.
 */
#ifndef SGDLAB_STATIONARY_H
#define SGDLAB_STATIONARY_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithms are the discrete rules SGDL_OPT_SGD .. SGDL_OPT_NGD of sgdlab/stepper.h (names through
 * sgdl_opt_rule_from_name / sgdl_opt_rule_name). SGDL_OPT_ADAM is solved in an approximation (exact = 0
 * below): frozen preconditioner by sgdl_stat_quad_solve(_iterate), either model by sgdl_stat_quad_solve_model. */

/* Which iterate a nag result describes (sgdl_stat_quad_solve_iterate). sgdlab's nag steps the
 * Sutskever state (x, v): y = x + mu v, v <- mu v - alpha g(y), x <- x + v, and reports x.
 * PyTorch's SGD(nesterov=True) keeps buf <- mu buf + g(p), p <- p - alpha (g(p) + mu buf); with
 * buf = -v / alpha its parameter p is exactly the look-ahead point y = x + mu v (same start: v = 0,
 * p_0 = x_0). LOOKAHEAD reports that point; it is defined for nag only. */
typedef enum { SGDL_STAT_ITERATE_X = 0, SGDL_STAT_ITERATE_LOOKAHEAD = 1 } sgdl_stat_iterate;

/* Adam's model (sgdl_stat_quad_solve_model): the second moment v behind P = (v^1/2 + eps)^-1 is
 * FROZEN at diag(C) (the noise alone), or SELF_CONSISTENT: the fixed point v = diag(H Sigma(v) H + C),
 * Adam's E g^2 at stationarity (SPEC 5.4a). Both neglect v's fluctuation around its mean (O(1 - beta2)). */
typedef enum { SGDL_STAT_ADAM_FROZEN = 0, SGDL_STAT_ADAM_SELF_CONSISTENT = 1 } sgdl_stat_adam_model;

/* Result for the quadratic model. All matrices d x d row-major unless stated. */
typedef struct sgdl_stat_quad {
  int d, algo;           /* algo: SGDL_OPT_SGD .. SGDL_OPT_NGD */
  double lr;             /* the alpha the user gave */
  double lr_eff;         /* alpha' of the reduced iteration (adam: alpha (1 - beta1)) */
  double mu;             /* momentum of the reduced iteration (0, mu, beta1) */
  int iterate;           /* sgdl_stat_iterate: what sigma, lag1, var_eig[0], excess[0] and the finite-time
                            moments describe (x, or nag's look-ahead x + mu v); state_cov is always (x, s) */
  double lr_max;         /* linear stability limit of alpha for this algorithm (SPEC 2) */
  int exact;             /* 1 if the discrete covariance is exact, 0 for an approximation (adam; ngd with the problem's Fisher) */
  double *h, *U;         /* eigenvalues (ascending) and eigenvectors of H: U[i*d+j] = component i of vector j */
  double *precond;       /* preconditioner L (newton/ngd) or P (adam), d x d; NULL otherwise */
  double *sigma;         /* exact discrete stationary covariance of x */
  double *sigma_sme1;    /* SME1 prediction (SPEC 3.1 / 3.2a) */
  double *sigma_sme2;    /* SME2 prediction: drift H + kappa a H^2 (SPEC 3.1, 3.2b), order-1 noise */
  double *lag1;          /* E[x_{k+1} x_k^T] at stationarity */
  double *state_cov;     /* momentum methods: 2d x 2d covariance of (x, s), s the algorithm's own
                            state: hb PyTorch buffer m, nag Sutskever velocity v, adam first moment m.
                            NULL for sgd/newton/ngd */
  double *var_eig[3];    /* variance along eigenvector u_i of H: discrete, sme1, sme2 (d each) */
  double excess[3];      /* 1/2 tr(H Sigma): discrete, sme1, sme2 */
  double rho;            /* spectral radius of the iteration (x-state) */
  /* adam only (else 0 / NULL): */
  int adam_model;        /* sgdl_stat_adam_model */
  double *adam_v;        /* d: the second moment behind P (frozen: diag(C); self-consistent: the fixed point) */
  int adam_iterations;   /* self-consistent: solves until the relative change of v was <= 1e-12 (frozen: 0) */
  double adam_change;    /* self-consistent: that last max_i |f(v)_i - v_i| / f(v)_i */
  /* internal: reduced eigen-problem for finite-time moments */
  double *S, *g, *V, *Ct; /* S = precond^{1/2} (or NULL), eigen of H' = S H S, Ct = V^T C' V */
} sgdl_stat_quad;

/* Solve the quadratic case. H symmetric positive definite, C symmetric PSD (errors name --H, --C,
 * --fisher). par: lr, momentum (hb/nag), beta1 and eps (adam), damping (newton/ngd), fisher (ngd;
 * NULL = the problem's Fisher at the minimum, E[grad l grad l^T] = C). A learning rate at or beyond
 * lr_max fails with SGDL_EUNSTABLE and a message naming --lr and the limit; q->lr_max is still set. */
int sgdl_stat_quad_solve(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                         const sgdl_algo_params *par, sgdl_stat_quad *q);
/* The same for a chosen iterate (sgdl_stat_iterate); LOOKAHEAD with an algorithm other than nag
 * fails naming --nag-iterate. sgdl_stat_quad_solve is this with SGDL_STAT_ITERATE_X. The SME1/SME2
 * predictions are the models' own (x and x + mu v differ by O(alpha) there). */
int sgdl_stat_quad_solve_iterate(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                                 const sgdl_algo_params *par, int iterate, sgdl_stat_quad *q);
/* The same with Adam's model chosen (sgdl_stat_adam_model; ignored for the other algorithms).
 * sgdl_stat_quad_solve_iterate is this with SGDL_STAT_ADAM_FROZEN. Self-consistent: q is the solve at
 * the fixed point (lr_max, rho and P there); a fixed point that does not converge in 500 iterations
 * fails with SGDL_ELINALG naming --adam-model and --lr. */
int sgdl_stat_quad_solve_model(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                               const sgdl_algo_params *par, int iterate, int adam_model, sgdl_stat_quad *q);
void sgdl_stat_quad_free(sgdl_stat_quad *q);
/* Only the stability limit (used by --scan-lr): no solve. */
int sgdl_stat_quad_lr_max(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                          const sgdl_algo_params *par, double *lr_max);

/* Exact finite-time moments after k steps from x_0 (momentum state zero, x_{-1} = x_0), of q->iterate:
 *   mean[d] = E x_k, cov[d*d] = Cov x_k of the discrete iteration, and the SME1 values at t = k alpha
 *   (mean_sme1, cov_sme1; may be NULL). Needs a solved q (stable). */
int sgdl_stat_quad_finite(sgdl_ctx *ctx, const sgdl_stat_quad *q, const double *x0, uint64_t k, double *mean,
                          double *cov, double *mean_sme1, double *cov_sme1);

/* Linear regression (SPEC 5.3). Per-sample gradients grad l_i(w) = A_i w - b_i are read off the
 * problem through grad_sample at 0 and the basis vectors (needs p->affine and finite data).
 * Results for the centred iterate u = w - w*. */
typedef struct sgdl_stat_linreg {
  int d;
  double lr, cB, lr_max, lr_max_sme1;
  double *wstar;           /* minimiser of L (d) */
  double *Abar;            /* Hessian of L (d x d) */
  double *sigma1;          /* Sigma_1(w*) (d x d) */
  double *sigma;           /* exact discrete stationary covariance of w */
  double *sigma_sme1, *sigma_sme2; /* SME1 / SME2 stationary covariances (closed moment equations) */
  double excess[3];        /* 1/2 tr(Abar Sigma): discrete, sme1, sme2 */
} sgdl_stat_linreg;

/* batch B >= 1, without_replacement 0/1. lr beyond the second-moment stability limit fails with
 * SGDL_EUNSTABLE naming --lr and the limit (lr_max is still set). */
int sgdl_stat_linreg_solve(sgdl_ctx *ctx, const sgdl_problem *p, double lr, int batch, int without_replacement,
                           sgdl_stat_linreg *r);
void sgdl_stat_linreg_free(sgdl_stat_linreg *r);

/* Online Gaussian inputs x ~ N(0, A), y = u^T x + eps, Var eps = sigma2, fresh batch S (Ziyin et al.).
 *   closed form (SPEC 5.3):   Sigma = (a s2/S)/(1 - a kappa/S) [2I - a(1+1/S)A]^-1
 *   general fixed point:      Sigma = (I-aA) Sigma (I-aA) + (a^2/S)(A Sigma A + tr(A Sigma) A) + a^2 s2 A/S
 * Both fill sigma (d x d); lr_max (may be NULL) receives the second-moment stability limit. */
int sgdl_stat_gauss_linreg(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr, double *sigma,
                           double *lr_max);
int sgdl_stat_gauss_linreg_fixed_point(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr,
                                       double *sigma);
/* SME1 / SME2 stationary covariances for the same model (noise C(w) of SPEC 5.3 is quadratic in w,
 * so the moment equations close): order 1 or 2. */
int sgdl_stat_gauss_linreg_sme(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr, int order,
                               double *sigma);

/* 1-D Fokker-Planck stationary density of SME1 (order 1) or SME2 (order 2), SPEC 4:
 *   rho(x) ~ s(x)^-1 exp(-(2/alpha) int^x L_alpha'(u)/s(u) du),  s = c_B Sigma_1(x).
 * Integrated on the whole line by a double-exponential map x = c + w sinh(pi/2 sinh t) around the
 * minimiser c found from the problem, trapezoid in t (exponentially convergent), with the potential
 * accumulated by 8-point Gauss-Legendre between nodes. Fails with a clear message when s vanishes
 * or the density is not normalisable. */
typedef struct sgdl_fp1d {
  double mean, var, norm_err;   /* norm_err: |moments(h) - moments(h/2)|, a quadrature error estimate */
  double tail_left, tail_right; /* fitted power-law exponents p of rho ~ |x|^-p far out (inf if faster) */
  int n;                        /* grid for plotting */
  double *x, *rho;              /* n points, density normalised to 1 */
  /* what sgdl_fp1d_mass_below needs: centre c of the map, its width, log of the normaliser, and
   * the model (lr, c_B, order) */
  double centre, width, log_norm, lr, cB;
  int order;
} sgdl_fp1d;
int sgdl_fp1d_stationary(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB, int order, sgdl_fp1d *out);
void sgdl_fp1d_free(sgdl_fp1d *f);
/* P(x < cut) under the computed density fp of problem p (the same p): the tail beyond the cut away
 * from the centre by an exp-sinh trapezoid (exponentially convergent), about 1e-12 absolute. */
int sgdl_fp1d_mass_below(sgdl_ctx *ctx, const sgdl_problem *p, const sgdl_fp1d *fp, double cut, double *mass);

/* Critical points of a 1-D loss on [lo, hi]: sign changes of L' on an n-point grid, refined by
 * bisection; curvature from the Hessian-vector product. Returns how many were found (<= max). */
typedef struct sgdl_crit1d {
  double x, L, curv;
  int is_min;
} sgdl_crit1d;
int sgdl_stat_critical_points_1d(const sgdl_problem *p, double lo, double hi, int n, sgdl_crit1d *out, int max);

/* Bayes-optimal learning rate (SPEC 5.4): under C = H/S, damped Newton / NGD reach the Laplace
 * posterior (N H)^-1 at alpha* = 2S/(N+S). */
double sgdl_stat_bayes_lr(double N, double S);

/* Escape rate per iteration from a minimum of curvature ha over a saddle of curvature hs < 0 and
 * barrier dL, additive noise variance sigma2 (SPEC 5.5). HEURISTIC (Arrhenius/Kramers form):
 *   sme1: a sqrt(ha|hs|)/(2 pi) exp(-2 dL/(a s2));  discrete: same with the exponent times (1 - a ha/2). */
void sgdl_stat_escape_heuristic(double lr, double sigma2, double ha, double hs, double dL, double *rate_sme1,
                                double *rate_discrete);

/* Monte Carlo of the discrete algorithm's stationary covariance (src/ensemble/stationary_mc.c).
 * R = replicas (multiple of SGDL_LANES is best) independent chains start at x0 (aux zero), run `burn`
 * steps, then `steps` steps whose time averages of x and x x^T are kept per replica. The estimate is
 * the pooled covariance; its standard error comes from the spread of the R per-replica covariances.
 * Blocks of lanes run in parallel (OpenMP) and merge in block order: bitwise identical for any
 * thread count. */
typedef struct sgdl_stat_mc {
  int d;
  long replicas;
  uint64_t burn, steps;
  double *mean, *mean_se;  /* d */
  double *cov, *cov_se;    /* d x d */
  double excess, excess_se;/* 1/2 tr(H cov) with H = Hessian at x0 (if hess given) */
  int diverged;
} sgdl_stat_mc;
int sgdl_stat_simulate(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                       uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0,
                       const double *hess, sgdl_stat_mc *out);
/* The same for a chosen iterate (sgdl_stat_iterate): LOOKAHEAD averages nag's x + mu v, PyTorch's
 * parameter; it needs algo "nag" with constant momentum (fails naming --nag-iterate otherwise). */
int sgdl_stat_simulate_iterate(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                               int iterate, uint32_t seed, long replicas, uint64_t burn, uint64_t steps,
                               const double *x0, const double *hess, sgdl_stat_mc *out);
struct sgdl_chunk_store;
/* Whole states kept during a run: n per replica, after steps burn + j (steps / n), j = 1..n, into
 * x[replicas][n][dim] (caller-owned, zeroed; 1 <= n <= steps). */
typedef struct sgdl_stat_snapshots {
  int n;
  double *x;
} sgdl_stat_snapshots;
/* The same for k projections y = U (x - x0) of the weights (U: k x d rows, e.g. Hessian
 * eigenvectors): out->d = k, mean/cov are those of y (x0 maps to 0), and hess (k x k, e.g.
 * diag(h)) gives excess = 1/2 tr(hess cov). Memory O(R k^2 + k d), never d x d, plus the
 * snapshots' R n d when snap is not NULL. store: as for sgdl_stat_simulate_stored (NULL = none;
 * the snapshots are stored with their chunk). */
int sgdl_stat_simulate_proj(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                            uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0, int k,
                            const double *U, const double *hess, sgdl_stat_snapshots *snap, sgdl_stat_mc *out,
                            struct sgdl_chunk_store *store);
/* The same with a store of completed chunks (driver.h's sgdl_chunk_store: a checkpoint; NULL =
 * none): stored chunks are not run again, completed ones are saved; bitwise the same numbers. */
int sgdl_stat_simulate_stored(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                              int iterate, uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0,
                              const double *hess, sgdl_stat_mc *out, struct sgdl_chunk_store *store);
void sgdl_stat_mc_free(sgdl_stat_mc *m);

#ifdef __cplusplus
}
#endif
#endif
