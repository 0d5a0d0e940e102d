/* double-well: the 1-D tilted quartic L(x) = x^4/4 - x^2/2 + tilt x with additive Gaussian
 * gradient noise of variance sigma2: grad l_theta(x) = L'(x) - sqrt(sigma2) theta.
 * Minima near x = -1 and +1 (exactly +-1 when tilt = 0), barrier at 0: the exit-time and
 * Kramers test bed of SPEC section 4. G = sqrt(sigma2) is constant (noise_constant = 1).
 * grad_lanes is a branch-free loop over lanes that gcc vectorises at -O3.
 * Does not: model multiplicative noise (use a plugin for that). */
#include <math.h>
#include <stdio.h>

#include "problem/problem_impl.h"

typedef struct {
  double tilt;
  double sigma;
} dw_impl;

static double dw_loss(const sgdl_problem *p, const double *x) {
  const dw_impl *q = p->impl;
  double x2 = x[0] * x[0];
  return 0.25 * x2 * x2 - 0.5 * x2 + q->tilt * x[0];
}

static void dw_grad(const sgdl_problem *p, const double *x, double *g) {
  const dw_impl *q = p->impl;
  g[0] = x[0] * x[0] * x[0] - x[0] + q->tilt;
}

static void dw_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  out[0] = (3.0 * x[0] * x[0] - 1.0) * v[0];
}

static void dw_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const dw_impl *q = p->impl;
  G[0] = q->sigma;
}

static void dw_grad_lanes(const sgdl_problem *p, int W, const double *restrict X, double *restrict Gout) {
  const double tilt = ((const dw_impl *)p->impl)->tilt;
  for (int l = 0; l < W; l++) {
    const double x = X[l];
    Gout[l] = x * x * x - x + tilt;
  }
}

static void dw_destroy(sgdl_problem *p) {
  sgdl_free(p->impl);
  p->impl = NULL;
}

static const sgdl_problem_type double_well_type = {
    .name = "double-well",
    .loss = dw_loss,
    .grad = dw_grad,
    .hvp = dw_hvp,
    .noise_cols = dw_noise_cols,
    .grad_sample = NULL,
    .loss_sample = NULL,
    .grad_lanes = dw_grad_lanes,
    .destroy = dw_destroy,
};

int sgdl_double_well_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  if (!(spec->sigma2 >= 0) || !isfinite(spec->sigma2))
    return sgdl_fail(ctx, SGDL_EINVAL, "--sigma2: %g is not a non-negative number", spec->sigma2);
  if (!isfinite(spec->tilt)) return sgdl_fail(ctx, SGDL_EINVAL, "--tilt: %g is not finite", spec->tilt);
  p->type = &double_well_type;
  dw_impl *q = sgdl_alloc(ctx, 1, sizeof *q);
  if (!q) return SGDL_ENOMEM;
  p->impl = q;
  q->tilt = spec->tilt;
  q->sigma = sqrt(spec->sigma2);
  p->dim = 1;
  p->n_data = 0;
  p->n_noise = 1;
  p->noise_weight = 1.0;
  p->noise_constant = 1;
  p->affine = 0;
  snprintf(p->desc, sizeof p->desc, "double-well L = x^4/4 - x^2/2 + %g x, noise variance %g", spec->tilt,
           spec->sigma2);
  return SGDL_OK;
}
