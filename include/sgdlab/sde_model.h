/* sgdlab dynamics: the coefficients of a one-particle SDE model at a point, for the grid and
 * quadrature methods (Fokker-Planck, backward Kolmogorov, exit-time integrals, Kramers).
 *
 * SPEC sections 3.1 and 4. For SGD at learning rate alpha the model is
 *     dX = b(X) dt + sqrt(2 D(X)) dW,   b = -grad L_alpha,   D = (alpha/2) c_B Sigma_1 + beta^{-1} I,
 * with L_alpha = L (plain drift: gf, sme1, smf1) or L + modc alpha/2 |grad L|^2 (modified drift,
 * modc = 1/2: sme2, smf2; grad = grad L + modc alpha Hess L grad L). The one-particle law of a
 * flow (smf) is that of the SME, so its D is the SME's; gf has D = beta^{-1} I only.
 * beta^{-1} ("extra diffusion") is the "Noisy SGD" regularisation of paper (C); 0 by default.
 * The drift is the lane steppers' own (sgdl_modified_grad_point in src/dynamics/model_terms.c).
 * Does not: evaluate on lanes (the steppers do that), model momentum (msme, usme are refused), or
 * check stability of the learning rate. Ownership: the model borrows the problem.
 */
#ifndef SGDLAB_SDE_MODEL_H
#define SGDLAB_SDE_MODEL_H

#include <stddef.h>

#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_sme_model {
  const sgdl_problem *prob; /* borrowed */
  int order;                /* 1: plain drift -grad L; 2: modified drift */
  double lr;                /* alpha */
  double cB;                /* minibatch factor c_B (SPEC section 1) */
  double extra_diffusion;   /* beta^{-1} >= 0, added to D on the diagonal */
  double modc;              /* modified drift coefficient (the descriptor's; 0 for a plain drift) */
  int noisy;                /* 0 (gf): D = beta^{-1} I only */
} sgdl_sme_model;

/* Validate and fill from a model's descriptor (sgdl_stepper_find(name)->desc): any continuous
 * model without momentum (gf, sme1, sme2, smf1, smf2); lr > 0, cB >= 0, extra >= 0, and an hvp
 * for a modified drift. Errors name --model, --lr, --batch, --noisy. */
int sgdl_sme_model_init_desc(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, const sgdl_stepper_desc *desc,
                             double lr, double cB, double extra_diffusion);
/* The same by model name (the --model of exit and fpe): any registered name whose descriptor has a
 * drift and a diffusion, i.e. gf, sme1, sme2, smf1, smf2. Any other name fails with SGDL_EUSAGE naming
 * --model and what is accepted. */
int sgdl_sme_model_init_name(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, const char *name,
                             double lr, double cB, double extra_diffusion);
/* 1 if D is not identically zero: a noisy model (sme, smf) or extra diffusion beta^{-1} > 0;
 * 0 for gf without --noisy, a deterministic flow. */
int sgdl_sme_model_diffuses(const sgdl_sme_model *m);
/* The same for sme1 (order 1) or sme2 (order 2). */
int sgdl_sme_model_init(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, int order,
                        double lr, double cB, double extra_diffusion);
/* Scratch doubles the point evaluations below need. */
size_t sgdl_sme_work_size(const sgdl_sme_model *m);
/* L_alpha(x). */
double sgdl_sme_potential(const sgdl_sme_model *m, const double *x, double *work);
/* b(x) = -grad L_alpha(x) -> b[d]. */
void sgdl_sme_drift(const sgdl_sme_model *m, const double *x, double *b, double *work);
/* D(x) = (alpha/2) c_B Sigma_1(x) + beta^{-1} I -> D[d*d]. */
void sgdl_sme_diffusion(const sgdl_sme_model *m, const double *x, double *D, double *work);
/* Hessian of L_alpha at a critical point of L (grad L = 0): H + modc alpha H^2 for a modified
 * drift, H otherwise -> Hout[d*d] (symmetrised). Uses d hvp calls. */
void sgdl_sme_hessian_at_critical(const sgdl_sme_model *m, const double *x, double *Hout, double *work);

#ifdef __cplusplus
}
#endif
#endif
