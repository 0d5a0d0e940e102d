/* Internal: precomputed data of a continuous-model stepper (plan time). */
#ifndef SGDL_DYNAMICS_MODELS_H
#define SGDL_DYNAMICS_MODELS_H

typedef struct sgdl_model_impl {
  int modified;      /* 1: drift of L + alpha/4 |grad L|^2 (sme2, smf2) */
  int smf;           /* 1: flow noise G dbeta shared by particles; 0: independent Sigma^{1/2} dW */
  int noisy;         /* 0 for gf */
  double *factor;    /* constant noise only: d x factor_cols, NULL otherwise */
  int factor_cols;
  int ncol;          /* 1: SME noise in the N-column form sqrt(1/N) sum_i zeta_i G_i (finite data) */
  int nz;            /* normals per lane per substep (d for sme, K for smf and the N-column form) */
  double c0;         /* time scale of drift and noise: 1, or 1/(1-mu) for the momentum SMEs */
  double modc;       /* drift c0 (grad L + modc alpha Hess L grad L): 0, 1/2 (sme2) or 2 kappa (msme2) */
  double shift;      /* initial layer: x0 -> x0 + shift grad L(x0) before the first step (msme2) */
  int under;         /* usme: the underdamped SDE of the critical scaling, state (X, V) */
  double eps, lambda;/* usme: model time per step sqrt(alpha), damping (1 - mu)/sqrt(alpha) */
} sgdl_model_impl;

#endif
