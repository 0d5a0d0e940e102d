/* The SME's coefficients at a point (SPEC sections 3.1 and 4): drift b = -grad L_alpha,
 * diffusion D = (alpha/2) c_B Sigma_1 + beta^{-1} I, the potential L_alpha, and Hessians from
 * hvp. Every exit-time and Fokker-Planck method evaluates the model only through these, so
 * SME1/SME2 and the noise normalisation are decided in one place.
 * Does not: evaluate on lanes (the steppers do that) or check stability of the learning rate. */
#include <math.h>
#include <string.h>

#include "sgdlab/exit.h"

int sgdl_sme_model_init(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, int order,
                        double lr, double cB, double extra_diffusion) {
  if (!p) return sgdl_fail(ctx, SGDL_EINVAL, "sme model: no problem");
  if (order != 1 && order != 2)
    return sgdl_fail(ctx, SGDL_EINVAL, "--model: order %d is not 1 (sme1) or 2 (sme2)", order);
  if (!(lr > 0) || !isfinite(lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", lr);
  if (!(cB >= 0) || !isfinite(cB)) return sgdl_fail(ctx, SGDL_EINVAL, "--batch: minibatch factor %g is invalid", cB);
  if (!(extra_diffusion >= 0) || !isfinite(extra_diffusion))
    return sgdl_fail(ctx, SGDL_EINVAL, "--noisy: extra diffusion %g is negative", extra_diffusion);
  if (order == 2 && !p->type->hvp)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--model sme2: problem %s has no Hessian-vector product", p->type->name);
  m->prob = p;
  m->order = order;
  m->lr = lr;
  m->cB = cB;
  m->extra_diffusion = extra_diffusion;
  return SGDL_OK;
}

size_t sgdl_sme_work_size(const sgdl_sme_model *m) {
  const size_t d = (size_t)m->prob->dim, K = (size_t)(m->prob->n_noise > 0 ? m->prob->n_noise : 1);
  return d * K + 4 * d + d * d;
}

double sgdl_sme_potential(const sgdl_sme_model *m, const double *x, double *work) {
  const sgdl_problem *p = m->prob;
  double L = p->type->loss(p, x);
  if (m->order == 2) {
    double *g = work;
    p->type->grad(p, x, g);
    double s = 0;
    for (int i = 0; i < p->dim; i++) s += g[i] * g[i];
    L += 0.25 * m->lr * s;
  }
  return L;
}

void sgdl_sme_drift(const sgdl_sme_model *m, const double *x, double *b, double *work) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  double *g = work, *hg = work + d;
  p->type->grad(p, x, g);
  if (m->order == 2) {
    /* grad (alpha/4)|grad L|^2 = (alpha/2) Hess L grad L */
    p->type->hvp(p, x, g, hg);
    for (int i = 0; i < d; i++) b[i] = -(g[i] + 0.5 * m->lr * hg[i]);
  } else {
    for (int i = 0; i < d; i++) b[i] = -g[i];
  }
}

void sgdl_sme_diffusion(const sgdl_sme_model *m, const double *x, double *D, double *work) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  sgdl_problem_sigma1(p, x, D, work);
  const double f = 0.5 * m->lr * m->cB;
  for (int i = 0; i < d * d; i++) D[i] *= f;
  for (int i = 0; i < d; i++) D[i * d + i] += m->extra_diffusion;
}

void sgdl_problem_hessian(const sgdl_problem *p, const double *x, double *H, double *work) {
  const int d = p->dim;
  double *e = work, *col = work + d;
  for (int j = 0; j < d; j++) {
    memset(e, 0, sizeof(double) * (size_t)d);
    e[j] = 1;
    p->type->hvp(p, x, e, col);
    for (int i = 0; i < d; i++) H[i * d + j] = col[i];
  }
  for (int i = 0; i < d; i++)
    for (int j = i + 1; j < d; j++) {
      const double s = 0.5 * (H[i * d + j] + H[j * d + i]);
      H[i * d + j] = H[j * d + i] = s;
    }
}

void sgdl_sme_hessian_at_critical(const sgdl_sme_model *m, const double *x, double *Hout, double *work) {
  const int d = m->prob->dim;
  sgdl_problem_hessian(m->prob, x, Hout, work);
  if (m->order != 2) return;
  /* At grad L = 0 the third-derivative term of Hess (alpha/4)|grad L|^2 vanishes: (alpha/2) H^2. */
  double *H = work + 2 * (size_t)d;
  memcpy(H, Hout, sizeof(double) * (size_t)d * (size_t)d);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += H[i * d + k] * H[k * d + j];
      Hout[i * d + j] = H[i * d + j] + 0.5 * m->lr * s;
    }
}
