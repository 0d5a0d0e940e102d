/* degenerate: the 1-D finite data set where the SME's noise coefficient is not smooth but the
 * stochastic modified flow's is. N = 2 samples theta = +s, -s with
 *   l(x; theta) = (1 + theta) x^2/2,  L = x^2/2,  grad l = (1 + theta) x,
 *   G(x; theta) = grad L - grad l = -theta x,  Sigma_1 = s^2 x^2.
 * The SME diffusion sqrt(Sigma_1) = s |x| has a kink at the minimum x = 0, while the SMF uses
 * the columns -theta x, which are linear (GKK's motivating example, SPEC 3.3). affine = 1.
 * Does not: allow unequal weights or more than two samples. */
#include <math.h>
#include <stdio.h>

#include "problem/problem_impl.h"

typedef struct {
  double theta[2];
} deg_impl;

static double deg_loss(const sgdl_problem *p, const double *x) { return 0.5 * x[0] * x[0]; }

static void deg_grad(const sgdl_problem *p, const double *x, double *g) { g[0] = x[0]; }

static void deg_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) { out[0] = v[0]; }

static double deg_loss_sample(const sgdl_problem *p, const double *x, size_t i) {
  const deg_impl *q = p->impl;
  return 0.5 * (1.0 + q->theta[i]) * x[0] * x[0];
}

static void deg_grad_sample(const sgdl_problem *p, const double *x, size_t i, double *g) {
  const deg_impl *q = p->impl;
  g[0] = (1.0 + q->theta[i]) * x[0];
}

static void deg_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const deg_impl *q = p->impl;
  G[0] = -q->theta[0] * x[0];
  G[1] = -q->theta[1] * x[0];
}

static void deg_grad_lanes(const sgdl_problem *p, int W, const double *restrict X, double *restrict Gout) {
  for (int l = 0; l < W; l++) Gout[l] = X[l];
}

static void deg_destroy(sgdl_problem *p) {
  sgdl_free(p->impl);
  p->impl = NULL;
}

static const sgdl_problem_type degenerate_type = {
    .name = "degenerate",
    .loss = deg_loss,
    .grad = deg_grad,
    .hvp = deg_hvp,
    .noise_cols = deg_noise_cols,
    .grad_sample = deg_grad_sample,
    .loss_sample = deg_loss_sample,
    .grad_lanes = deg_grad_lanes,
    .destroy = deg_destroy,
};

int sgdl_degenerate_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  if (!isfinite(spec->s)) return sgdl_fail(ctx, SGDL_EINVAL, "--s: %g is not finite", spec->s);
  p->type = &degenerate_type;
  deg_impl *q = sgdl_alloc(ctx, 1, sizeof *q);
  if (!q) return SGDL_ENOMEM;
  p->impl = q;
  q->theta[0] = spec->s;
  q->theta[1] = -spec->s;
  p->dim = 1;
  p->n_data = 2;
  p->n_noise = 2;
  p->noise_weight = 0.5;
  p->noise_constant = 0;
  p->affine = 1;
  snprintf(p->desc, sizeof p->desc, "degenerate l = (1 + theta) x^2/2, theta = +-%g (L = x^2/2, Sigma_1 = %g x^2)",
           spec->s, spec->s * spec->s);
  return SGDL_OK;
}
