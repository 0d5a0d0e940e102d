/* double-well-2d: L(x, y) = x^4/4 - x^2/2 + ky y^2/2 + couple x^2 y^2/2 with isotropic additive
 * gradient noise sigma2 I (G = sqrt(sigma2) I, two noise columns, constant).
 * Minima at (+-1, 0) for ky > 0, saddle at the origin; `couple` bends the valley so the 2-D
 * Fokker-Planck and exit problems are not separable. grad_lanes is a branch-free lane loop.
 * Does not: tilt (shift a minimum by a plugin if needed). */
#include <math.h>
#include <stdio.h>

#include "problem/problem_impl.h"

typedef struct {
  double ky, couple, sigma;
} dw2_impl;

static double dw2_loss(const sgdl_problem *p, const double *x) {
  const dw2_impl *q = p->impl;
  double x2 = x[0] * x[0], y2 = x[1] * x[1];
  return 0.25 * x2 * x2 - 0.5 * x2 + 0.5 * q->ky * y2 + 0.5 * q->couple * x2 * y2;
}

static void dw2_grad(const sgdl_problem *p, const double *x, double *g) {
  const dw2_impl *q = p->impl;
  double x2 = x[0] * x[0], y2 = x[1] * x[1];
  g[0] = x[0] * (x2 - 1.0 + q->couple * y2);
  g[1] = x[1] * (q->ky + q->couple * x2);
}

static void dw2_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  const dw2_impl *q = p->impl;
  double x2 = x[0] * x[0], y2 = x[1] * x[1];
  double hxx = 3.0 * x2 - 1.0 + q->couple * y2, hxy = 2.0 * q->couple * x[0] * x[1], hyy = q->ky + q->couple * x2;
  out[0] = hxx * v[0] + hxy * v[1];
  out[1] = hxy * v[0] + hyy * v[1];
}

static void dw2_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const dw2_impl *q = p->impl;
  G[0] = q->sigma;
  G[1] = 0;
  G[2] = 0;
  G[3] = q->sigma;
}

static void dw2_grad_lanes(const sgdl_problem *p, int W, const double *restrict X, double *restrict Gout) {
  const dw2_impl *q = p->impl;
  const double ky = q->ky, c = q->couple;
  const double *xs = X, *ys = X + W;
  double *gx = Gout, *gy = Gout + W;
  for (int l = 0; l < W; l++) {
    const double x = xs[l], y = ys[l], x2 = x * x, y2 = y * y;
    gx[l] = x * (x2 - 1.0 + c * y2);
    gy[l] = y * (ky + c * x2);
  }
}

static void dw2_destroy(sgdl_problem *p) {
  sgdl_free(p->impl);
  p->impl = NULL;
}

static const sgdl_problem_type double_well_2d_type = {
    .name = "double-well-2d",
    .loss = dw2_loss,
    .grad = dw2_grad,
    .hvp = dw2_hvp,
    .noise_cols = dw2_noise_cols,
    .grad_sample = NULL,
    .loss_sample = NULL,
    .grad_lanes = dw2_grad_lanes,
    .destroy = dw2_destroy,
};

int sgdl_double_well_2d_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  if (!(spec->sigma2 >= 0) || !isfinite(spec->sigma2))
    return sgdl_fail(ctx, SGDL_EINVAL, "--sigma2: %g is not a non-negative number", spec->sigma2);
  if (!isfinite(spec->ky)) return sgdl_fail(ctx, SGDL_EINVAL, "--ky: %g is not finite", spec->ky);
  if (!isfinite(spec->couple)) return sgdl_fail(ctx, SGDL_EINVAL, "--couple: %g is not finite", spec->couple);
  p->type = &double_well_2d_type;
  dw2_impl *q = sgdl_alloc(ctx, 1, sizeof *q);
  if (!q) return SGDL_ENOMEM;
  p->impl = q;
  q->ky = spec->ky;
  q->couple = spec->couple;
  q->sigma = sqrt(spec->sigma2);
  p->dim = 2;
  p->n_data = 0;
  p->n_noise = 2;
  p->noise_weight = 1.0;
  p->noise_constant = 1;
  p->affine = 0;
  snprintf(p->desc, sizeof p->desc,
           "double-well-2d L = x^4/4 - x^2/2 + %g y^2/2 + %g x^2 y^2/2, noise variance %g", spec->ky, spec->couple,
           spec->sigma2);
  return SGDL_OK;
}
