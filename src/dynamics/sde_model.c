/* The SDE model's coefficients at a point (SPEC sections 3.1 and 4): drift b = -grad L_alpha,
 * diffusion D = (alpha/2) c_B Sigma_1 + beta^{-1} I, the potential L_alpha, and Hessians from
 * hvp. Every exit-time and Fokker-Planck method evaluates the model only through these, and the
 * model is chosen by its stepper descriptor, so plain/modified drift and the noise normalisation
 * are decided in one place; the modified drift is the lane steppers' (sgdl_modified_grad_point).
 * Does not: evaluate on lanes (the steppers do that), model momentum or svag (no SDE), or
 * check stability of the learning rate. See include/sgdlab/sde_model.h. */
#include <math.h>
#include <string.h>

#include "dynamics/internal.h"
#include "sgdlab/sde_model.h"

/* The registry name of a descriptor (for error messages), or "model". */
static const char *name_of(const sgdl_stepper_desc *desc) {
  for (int i = 0; sgdl_stepper_names[i]; i++)
    if (&sgdl_stepper_find(sgdl_stepper_names[i])->desc == desc) return sgdl_stepper_names[i];
  return "model";
}

int sgdl_sme_model_init_desc(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, const sgdl_stepper_desc *desc,
                             double lr, double cB, double extra_diffusion) {
  if (!p) return sgdl_fail(ctx, SGDL_EINVAL, "sme model: no problem");
  if (!desc || desc->rule != SGDL_OPT_NONE || desc->momentum != SGDL_MOMENTUM_NONE || desc->noise == SGDL_NOISE_SAMPLED)
    return sgdl_fail(ctx, SGDL_EINVAL, "--model: %s is not a one-particle SDE model (gf, sme1, sme2, smf1, smf2)",
                     desc ? name_of(desc) : "(none)");
  if (!(lr > 0) || !isfinite(lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", lr);
  if (!(cB >= 0) || !isfinite(cB)) return sgdl_fail(ctx, SGDL_EINVAL, "--batch: minibatch factor %g is invalid", cB);
  if (!(extra_diffusion >= 0) || !isfinite(extra_diffusion))
    return sgdl_fail(ctx, SGDL_EINVAL, "--noisy: extra diffusion %g is negative", extra_diffusion);
  const int modified = desc->drift == SGDL_DRIFT_MODIFIED;
  if (modified && !p->type->hvp)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--model %s: problem %s has no Hessian-vector product", name_of(desc),
                     p->type->name);
  m->prob = p;
  m->order = modified ? 2 : 1;
  m->lr = lr;
  m->cB = cB;
  m->extra_diffusion = extra_diffusion;
  m->modc = modified ? desc->modc : 0;
  m->noisy = desc->noise != SGDL_NOISE_NONE;
  return SGDL_OK;
}

int sgdl_sme_model_init_name(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, const char *name,
                             double lr, double cB, double extra_diffusion) {
  const sgdl_stepper_type *t = name ? sgdl_stepper_find(name) : NULL;
  if (!t || t->desc.rule != SGDL_OPT_NONE || t->desc.momentum != SGDL_MOMENTUM_NONE ||
      t->desc.noise == SGDL_NOISE_SAMPLED) /* a usage error of the flag */
    return sgdl_fail(ctx, SGDL_EUSAGE, "--model: '%s' is not a one-particle SDE model (gf, sme1, sme2, smf1, smf2)",
                     name ? name : "(none)");
  return sgdl_sme_model_init_desc(ctx, m, p, &t->desc, lr, cB, extra_diffusion);
}

int sgdl_sme_model_diffuses(const sgdl_sme_model *m) { return m->noisy || m->extra_diffusion > 0; }

int sgdl_sme_model_init(sgdl_ctx *ctx, sgdl_sme_model *m, const sgdl_problem *p, int order,
                        double lr, double cB, double extra_diffusion) {
  if (!p) return sgdl_fail(ctx, SGDL_EINVAL, "sme model: no problem");
  if (order != 1 && order != 2)
    return sgdl_fail(ctx, SGDL_EINVAL, "--model: order %d is not 1 (sme1) or 2 (sme2)", order);
  const sgdl_stepper_type *t = order == 2 ? &sgdl_stepper_sme2 : &sgdl_stepper_sme1;
  return sgdl_sme_model_init_desc(ctx, m, p, &t->desc, lr, cB, extra_diffusion);
}

size_t sgdl_sme_work_size(const sgdl_sme_model *m) {
  const size_t d = (size_t)m->prob->dim, K = (size_t)(m->prob->n_noise > 0 ? m->prob->n_noise : 1);
  return d * K + 4 * d + d * d;
}

double sgdl_sme_potential(const sgdl_sme_model *m, const double *x, double *work) {
  const sgdl_problem *p = m->prob;
  double L = p->type->loss(p, x);
  if (m->modc != 0) { /* L + modc alpha/2 |grad L|^2 */
    double *g = work;
    p->type->grad(p, x, g);
    double s = 0;
    for (int i = 0; i < p->dim; i++) s += g[i] * g[i];
    L += 0.5 * m->modc * m->lr * s;
  }
  return L;
}

void sgdl_sme_drift(const sgdl_sme_model *m, const double *x, double *b, double *work) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  double *g = work, *hg = work + d;
  p->type->grad(p, x, g);
  /* grad (modc alpha/2)|grad L|^2 = modc alpha Hess L grad L */
  if (m->modc != 0) sgdl_modified_grad_point(p, m->modc * m->lr, x, g, hg);
  for (int i = 0; i < d; i++) b[i] = -g[i];
}

void sgdl_sme_diffusion(const sgdl_sme_model *m, const double *x, double *D, double *work) {
  const sgdl_problem *p = m->prob;
  const int d = p->dim;
  if (m->noisy) {
    sgdl_problem_sigma1(p, x, D, work);
    const double f = 0.5 * m->lr * m->cB;
    for (int i = 0; i < d * d; i++) D[i] *= f;
  } else {
    memset(D, 0, sizeof(double) * (size_t)d * (size_t)d);
  }
  for (int i = 0; i < d; i++) D[i * d + i] += m->extra_diffusion;
}

void sgdl_sme_hessian_at_critical(const sgdl_sme_model *m, const double *x, double *Hout, double *work) {
  const int d = m->prob->dim;
  sgdl_problem_hessian(m->prob, x, Hout, work);
  if (m->modc == 0) return;
  /* At grad L = 0 the third-derivative term of Hess (modc alpha/2)|grad L|^2 vanishes: modc alpha H^2. */
  double *H = work + 2 * (size_t)d;
  memcpy(H, Hout, sizeof(double) * (size_t)d * (size_t)d);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += H[i * d + k] * H[k * d + j];
      Hout[i * d + j] = H[i * d + j] + m->modc * m->lr * s;
    }
}
