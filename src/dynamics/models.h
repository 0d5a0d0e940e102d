/* Internal: precomputed data of a continuous-model stepper (plan time). */
#ifndef SGDL_DYNAMICS_MODELS_H
#define SGDL_DYNAMICS_MODELS_H

typedef struct sgdl_model_impl {
  int modified;      /* 1: drift of L + alpha/4 |grad L|^2 (sme2, smf2) */
  int smf;           /* 1: flow noise G dbeta shared by particles; 0: independent Sigma^{1/2} dW */
  int noisy;         /* 0 for gf */
  double *factor;    /* constant noise only: d x factor_cols, NULL otherwise */
  int factor_cols;
  int nz;            /* normals per lane per substep (d for sme, K for smf) */
} sgdl_model_impl;

#endif
