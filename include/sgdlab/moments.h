/* sgdlab exact: first and second moments of SGD and of its continuous models for
 * linear-quadratic problems (every per-sample gradient affine: grad l_theta(x) = A_theta x - b_theta).
 *
 * P particles started at different points are treated as one lifted state z in R^{Pd}:
 *   sgd  : the discrete recursion with the minibatch shared by all particles (SPEC 5.3, any
 *          batch size and sampling through the factor c_B);
 *   gf   : no noise;
 *   sme1, sme2: moment ODEs of the SME, each particle with independent noise;
 *   smf1, smf2: moment ODEs of the stochastic modified flow, noise shared (cross-covariance
 *          (1/N) sum_i G(x; theta_i) G(y; theta_i)^T between particles, SPEC 3.3).
 *   svag : SGD's recursion over l small steps of lr/l with noise factor l cB (the amplified
 *          gradient of two independent shared minibatches; l = par->svag_l);
 * sme2/smf2 use the modified loss L + alpha/4 |grad L|^2. The ODEs are integrated with RK4
 * on a step fine enough for ~1e-12 relative accuracy; time is t = k alpha.
 * These are the oracles the Monte Carlo ensembles are tested against (SPEC T1, T2, T12).
 */
#ifndef SGDLAB_MOMENTS_H
#define SGDLAB_MOMENTS_H

#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/problem.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_affine {
  int d;
  double *Abar;  /* d x d: mean Hessian */
  double *bbar;  /* d: grad L(x) = Abar x - bbar */
  double L0;     /* L(0) */
  double *KAA;   /* d^2 x d^2: (1/N) sum_i dA_i (x) dA_i  (Kronecker), zero for additive noise */
  double *TAb;   /* d x d x d: TAb[(j*d + k)*d + l] = (1/N) sum_i dA_i[j,l] db_i[k] */
  double *Sbb;   /* d x d: (1/N) sum_i db_i db_i^T, or G G^T for additive noise */
  double smax;   /* a bound on the noise operator's size (for the ODE step) */
} sgdl_affine;

/* Extract the affine structure of a problem (SGDL_ENOTSUP unless prob->affine). */
int sgdl_affine_extract(sgdl_ctx *ctx, const sgdl_problem *prob, sgdl_affine *out);
void sgdl_affine_free(sgdl_affine *a);

/* Moments at t_k = k lr, k = 0..K, of `model` ("sgd", "gf", "sme1", "sme2", "smf1", "smf2", "svag")
 * for P particles started at x0 [P][d]. cB is the minibatch factor. Outputs (caller-allocated):
 * m [(K+1)][P d], M [(K+1)][P d][P d] (second moments E z z^T, not covariances). */
int sgdl_affine_moments(sgdl_ctx *ctx, const sgdl_affine *a, const char *model, double lr, double cB, int P,
                        const double *x0, uint64_t K, double *m, double *M);

/* The same with the algorithm's parameters: lr = par->lr, and svag's l = par->svag_l (>= 1);
 * sgdl_affine_moments is this with sgdl_algo_params_init's defaults (svag_l = 1). */
int sgdl_affine_moments_par(sgdl_ctx *ctx, const sgdl_affine *a, const char *model, const sgdl_algo_params *par,
                            double cB, int P, const double *x0, uint64_t K, double *m, double *M);

/* The work of sgdl_affine_moments_par for `model` on problem p over K learning-rate steps, as
 * multiply-adds (*madds; 0 where the run would be refused: not affine, unknown model): per RK4
 * substep four derivatives of O(n^2 d) drift and O(P^(1 or 2) d^4) noise (n = P d), with the
 * substeps the run takes (they grow with lr cB smax); per SGD/SVAG step the recursion. Extracts
 * only Abar, bbar and smax (no d^4 tensor). For the run's estimate (study_estimate.h). */
int sgdl_affine_moments_work(sgdl_ctx *ctx, const sgdl_problem *p, const char *model, const sgdl_algo_params *par, double cB,
                             int P, uint64_t K, double *madds);

/* Exact expectation of an observable from the moments at one time (m [Pd], M [Pd x Pd]). */
double sgdl_affine_observable(const sgdl_affine *a, const sgdl_observable *o, int P, const double *m,
                              const double *M);

#ifdef __cplusplus
}
#endif
#endif
