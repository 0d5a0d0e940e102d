/* quadratic: L(x) = 1/2 x^T H x with additive Gaussian gradient noise of covariance C,
 * i.e. grad l_theta(x) = H x - C^{1/2} theta, theta ~ N(0, I_d) (SPEC section 2, model problem).
 * The noise columns are the symmetric PSD square root G = C^{1/2} (constant in x), so
 * Sigma_1 = G G^T = C exactly. H may be indefinite (saddles are allowed); C must be PSD.
 * Does not: add a linear term (shift x instead) or support non-Gaussian noise. */
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"
#include "sgdlab/linalg.h"

typedef struct {
  double *H;     /* d x d symmetric */
  double *sqrtC; /* d x d, C^{1/2} */
} quad_impl;

static double quad_loss(const sgdl_problem *p, const double *x) {
  const quad_impl *q = p->impl;
  const int d = p->dim;
  double s = 0;
  for (int i = 0; i < d; i++) {
    double hx = 0;
    for (int j = 0; j < d; j++) hx += q->H[i * d + j] * x[j];
    s += x[i] * hx;
  }
  return 0.5 * s;
}

static void quad_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  const quad_impl *q = p->impl;
  const int d = p->dim;
  for (int i = 0; i < d; i++) {
    double s = 0;
    for (int j = 0; j < d; j++) s += q->H[i * d + j] * v[j];
    out[i] = s;
  }
}

static void quad_grad(const sgdl_problem *p, const double *x, double *g) { quad_hvp(p, x, x, g); }

static void quad_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const quad_impl *q = p->impl;
  memcpy(G, q->sqrtC, sizeof(double) * (size_t)p->dim * (size_t)p->dim);
}

/* Lanes: Gout[i][l] = sum_j H_ij X[j][l], the inner loop over lanes vectorises. */
static void quad_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const quad_impl *q = p->impl;
  const int d = p->dim;
  for (int i = 0; i < d; i++) {
    double *go = Gout + (size_t)i * (size_t)W;
    for (int l = 0; l < W; l++) go[l] = 0;
    for (int j = 0; j < d; j++) {
      const double h = q->H[i * d + j];
      const double *xj = X + (size_t)j * (size_t)W;
      for (int l = 0; l < W; l++) go[l] += h * xj[l];
    }
  }
}

static void quad_destroy(sgdl_problem *p) {
  quad_impl *q = p->impl;
  if (!q) return;
  sgdl_free(q->H);
  sgdl_free(q->sqrtC);
  sgdl_free(q);
  p->impl = NULL;
}

static const sgdl_problem_type quadratic_type = {
    .name = "quadratic",
    .loss = quad_loss,
    .grad = quad_grad,
    .hvp = quad_hvp,
    .noise_cols = quad_noise_cols,
    .grad_sample = NULL,
    .loss_sample = NULL,
    .grad_lanes = quad_grad_lanes,
    .destroy = quad_destroy,
};

int sgdl_quadratic_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  int d = spec->dim > 0 ? spec->dim : 1;
  if (spec->C && spec->C_dim > 0 && spec->C_dim != d)
    return sgdl_fail(ctx, SGDL_EINVAL, "--C is %dx%d but --H is %dx%d", spec->C_dim, spec->C_dim, d, d);
  p->type = &quadratic_type;
  quad_impl *q = sgdl_alloc(ctx, 1, sizeof *q);
  if (!q) return SGDL_ENOMEM;
  p->impl = q;
  size_t dd = (size_t)d * (size_t)d;
  q->H = sgdl_alloc(ctx, dd, sizeof(double));
  q->sqrtC = sgdl_alloc(ctx, dd, sizeof(double));
  if (!q->H || !q->sqrtC) return SGDL_ENOMEM;
  /* Defaults: H = I and C = I of the given dimension. */
  if (spec->H) {
    memcpy(q->H, spec->H, sizeof(double) * dd);
    int rc = sgdl_check_symmetric(ctx, d, q->H, 1e-12, "--H");
    if (rc) return rc;
  } else {
    for (int i = 0; i < d; i++) q->H[i * d + i] = 1.0;
  }
  if (spec->C) {
    int rc = sgdl_sym_sqrt_psd(ctx, d, spec->C, q->sqrtC, 1e-12, "--C");
    if (rc) return rc;
  } else {
    for (int i = 0; i < d; i++) q->sqrtC[i * d + i] = 1.0;
  }
  p->dim = d;
  p->n_data = 0;
  p->n_noise = d;
  p->noise_weight = 1.0;
  p->noise_constant = 1;
  p->affine = 1;
  if (d == 1)
    snprintf(p->desc, sizeof p->desc, "quadratic L = h x^2/2, h = %g, noise variance %g", q->H[0],
             spec->C ? spec->C[0] : 1.0);
  else
    snprintf(p->desc, sizeof p->desc, "quadratic L = x^T H x/2 (d=%d), noise covariance %s", d,
             spec->C ? "C" : "identity");
  return SGDL_OK;
}
