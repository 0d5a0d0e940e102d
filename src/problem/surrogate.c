/* The affine surrogate of a finite-data problem (include/sgdlab/problem.h,
 * sgdl_problem_affine_surrogate): every per-sample loss is replaced by its second-order Taylor
 * polynomial around a point a,
 *   l~_i(x) = l_i(a) + g_i . (x - a) + 1/2 (x - a)^T A_i (x - a),   g_i = grad l_i(a),
 * with A_i the per-sample Hessian from central differences of grad_sample (symmetrised). Every
 * per-sample gradient g_i + A_i (x - a) is affine, so the exact layer computes the surrogate's
 * moments in closed form (affine = 1); the weak study simulates it on the same random numbers as
 * the problem itself to build control variates. Any A_i gives an unbiased control variate (the
 * exact moments are those of this very surrogate); good A_i only make it a better one.
 * For an affine problem (linreg) the differences are taken at unit steps, where they are exact up
 * to rounding, so the surrogate is the problem itself to ~1e-15.
 * Does not: own or keep a pointer to the original problem; handle additive-noise problems. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"

typedef struct {
  size_t N;
  int d;
  double *a;    /* d: expansion point */
  double *A;    /* N x d x d: per-sample Hessians (row-major per sample) */
  double *g;    /* N x d: per-sample gradients at a */
  double *l;    /* N: per-sample losses at a */
  double *Abar; /* d x d: mean Hessian */
  double *gbar; /* d: grad L(a) */
  double lbar;  /* L(a) */
} surrogate_impl;

/* u = x - a */
static void offset(const surrogate_impl *s, const double *x, double *u) {
  for (int j = 0; j < s->d; j++) u[j] = x[j] - s->a[j];
}

/* out = g + A u (d x d row-major A) */
static void affine_apply(int d, const double *A, const double *g, const double *u, double *out) {
  for (int i = 0; i < d; i++) {
    double v = g[i];
    for (int j = 0; j < d; j++) v += A[(size_t)i * d + j] * u[j];
    out[i] = v;
  }
}

static double quad_value(int d, double l, const double *A, const double *g, const double *u) {
  double v = l;
  for (int i = 0; i < d; i++) {
    double Au = 0;
    for (int j = 0; j < d; j++) Au += A[(size_t)i * d + j] * u[j];
    v += u[i] * (g[i] + 0.5 * Au);
  }
  return v;
}

static double sur_loss_sample(const sgdl_problem *p, const double *x, size_t i) {
  const surrogate_impl *s = p->impl;
  double u[64];
  offset(s, x, u);
  return quad_value(s->d, s->l[i], s->A + i * (size_t)s->d * s->d, s->g + i * (size_t)s->d, u);
}

static double sur_loss(const sgdl_problem *p, const double *x) {
  const surrogate_impl *s = p->impl;
  double u[64];
  offset(s, x, u);
  return quad_value(s->d, s->lbar, s->Abar, s->gbar, u);
}

static void sur_grad_sample(const sgdl_problem *p, const double *x, size_t i, double *g) {
  const surrogate_impl *s = p->impl;
  double u[64];
  offset(s, x, u);
  affine_apply(s->d, s->A + i * (size_t)s->d * s->d, s->g + i * (size_t)s->d, u, g);
}

static void sur_grad(const sgdl_problem *p, const double *x, double *g) {
  const surrogate_impl *s = p->impl;
  double u[64];
  offset(s, x, u);
  affine_apply(s->d, s->Abar, s->gbar, u, g);
}

static void sur_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  const surrogate_impl *s = p->impl;
  static const double zero[64];
  (void)x;
  affine_apply(s->d, s->Abar, zero, v, out);
}

/* G[j*N + k] = (grad L)_j - (grad l_k)_j */
static void sur_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const surrogate_impl *s = p->impl;
  const int d = s->d;
  double gl[64], gk[64];
  sur_grad(p, x, gl);
  for (size_t k = 0; k < s->N; k++) {
    sur_grad_sample(p, x, k, gk);
    for (int j = 0; j < d; j++) G[(size_t)j * s->N + k] = gl[j] - gk[j];
  }
}

/* grad over W lanes, rounded as sur_grad rounds it (grad_lanes_exact). */
static void sur_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const surrogate_impl *s = p->impl;
  const int d = s->d;
  for (int i = 0; i < d; i++) {
    double *go = Gout + (size_t)i * W;
    for (int l = 0; l < W; l++) go[l] = s->gbar[i];
    for (int j = 0; j < d; j++) {
      const double aij = s->Abar[(size_t)i * d + j], aj = s->a[j];
      const double *xj = X + (size_t)j * W;
      for (int l = 0; l < W; l++) go[l] += aij * (xj[l] - aj);
    }
  }
}

/* Weighted per-sample sums over a block of lanes (problem.h, grad_sum_lanes): each term
 * g_n + A_n (x - a) formed as sur_grad_sample forms it; lane loops innermost when the samples are
 * the same for every lane (idx NULL, the flow's noise). work: u [d][W] and one term [W]. */
static void sur_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                               const double *w, double *out, double *work) {
  const surrogate_impl *s = p->impl;
  const int d = s->d;
  double *u = work, *t = u + (size_t)d * W;
  for (int j = 0; j < d; j++)
    for (int l = 0; l < W; l++) u[(size_t)j * W + l] = X[(size_t)j * W + l] - s->a[j];
  memset(out, 0, sizeof(double) * (size_t)d * W);
  for (int b = 0; b < nb; b++) {
    const double *wb = w ? w + (size_t)b * W : NULL;
    if (!idx) {
      const double *A = s->A + (size_t)b * d * d, *g = s->g + (size_t)b * d;
      for (int i = 0; i < d; i++) {
        for (int l = 0; l < W; l++) t[l] = g[i];
        for (int j = 0; j < d; j++)
          for (int l = 0; l < W; l++) t[l] += A[(size_t)i * d + j] * u[(size_t)j * W + l];
        double *o = out + (size_t)i * W;
        if (wb)
          for (int l = 0; l < W; l++) o[l] += wb[l] * t[l];
        else
          for (int l = 0; l < W; l++) o[l] += t[l];
      }
      continue;
    }
    for (int l = 0; l < W; l++) {
      const size_t n = idx[(size_t)b * W + l];
      const double *A = s->A + n * d * d, *g = s->g + n * d;
      for (int i = 0; i < d; i++) {
        double v = g[i];
        for (int j = 0; j < d; j++) v += A[(size_t)i * d + j] * u[(size_t)j * W + l];
        out[(size_t)i * W + l] += wb ? wb[l] * v : v;
      }
    }
  }
}

static void sur_destroy(sgdl_problem *p) {
  surrogate_impl *s = p->impl;
  if (!s) return;
  sgdl_free(s->a);
  sgdl_free(s->A);
  sgdl_free(s->g);
  sgdl_free(s->l);
  sgdl_free(s->Abar);
  sgdl_free(s->gbar);
  sgdl_free(s);
  p->impl = NULL;
}

static const sgdl_problem_type surrogate_type = {
    .name = "affine-surrogate",
    .loss = sur_loss,
    .grad = sur_grad,
    .hvp = sur_hvp,
    .noise_cols = sur_noise_cols,
    .grad_sample = sur_grad_sample,
    .loss_sample = sur_loss_sample,
    .grad_lanes = sur_grad_lanes,
    .destroy = sur_destroy,
    .grad_sum_lanes = sur_grad_sum_lanes,
    .grad_lanes_exact = 1,
};

/* Per-sample Taylor data of p around s->a: losses, gradients, symmetrised Hessians; then means.
 * xp, xm, gp, gm: d doubles each of scratch. */
static void expand(const sgdl_problem *p, surrogate_impl *s, double *xp, double *xm, double *gp, double *gm) {
  const int d = s->d;
  double scale = 1;
  for (int j = 0; j < d; j++) scale = fmax(scale, fabs(s->a[j]));
  const double h = p->affine ? 1.0 : 1e-4 * scale;
  for (size_t n = 0; n < s->N; n++) {
    double *An = s->A + n * (size_t)d * d;
    s->l[n] = p->type->loss_sample(p, s->a, n);
    p->type->grad_sample(p, s->a, n, s->g + n * (size_t)d);
    for (int j = 0; j < d; j++) {
      memcpy(xp, s->a, sizeof(double) * (size_t)d);
      memcpy(xm, s->a, sizeof(double) * (size_t)d);
      xp[j] += h;
      xm[j] -= h;
      p->type->grad_sample(p, xp, n, gp);
      p->type->grad_sample(p, xm, n, gm);
      for (int i = 0; i < d; i++) An[(size_t)i * d + j] = (gp[i] - gm[i]) / (2 * h);
    }
    for (int i = 0; i < d; i++)
      for (int j = 0; j < i; j++) An[(size_t)i * d + j] = An[(size_t)j * d + i] = 0.5 * (An[(size_t)i * d + j] + An[(size_t)j * d + i]);
  }
  for (size_t n = 0; n < s->N; n++) {
    s->lbar += s->l[n] / (double)s->N;
    for (int i = 0; i < d; i++) s->gbar[i] += s->g[n * (size_t)d + i] / (double)s->N;
    for (size_t q = 0; q < (size_t)d * d; q++) s->Abar[q] += s->A[n * (size_t)d * d + q] / (double)s->N;
  }
}

int sgdl_problem_affine_surrogate(sgdl_ctx *ctx, const sgdl_problem *p, const double *x_at, sgdl_problem **out) {
  *out = NULL;
  if (!p->n_data || !p->type->grad_sample || !p->type->loss_sample)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction control-variate: problem %s has no finite data set with "
                     "per-sample gradients and losses", p->type->name);
  if (p->dim > 64)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction control-variate: dimension %d is above 64", p->dim);
  const int d = p->dim;
  const size_t N = p->n_data;
  sgdl_problem *q = sgdl_alloc(ctx, 1, sizeof *q);
  surrogate_impl *s = q ? sgdl_alloc(ctx, 1, sizeof *s) : NULL;
  if (!s) {
    sgdl_free(q);
    return SGDL_ENOMEM;
  }
  q->type = &surrogate_type; /* from here sgdl_problem_destroy frees everything */
  q->impl = s;
  s->N = N;
  s->d = d;
  s->a = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  s->A = sgdl_alloc(ctx, N * d * d, sizeof(double));
  s->g = sgdl_alloc(ctx, N * d, sizeof(double));
  s->l = sgdl_alloc(ctx, N, sizeof(double));
  s->Abar = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  s->gbar = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  double *scratch = sgdl_alloc(ctx, 4 * (size_t)d, sizeof(double));
  if (!scratch || !s->a || !s->A || !s->g || !s->l || !s->Abar || !s->gbar) {
    sgdl_free(scratch);
    sgdl_problem_destroy(q);
    return SGDL_ENOMEM;
  }
  memcpy(s->a, x_at, sizeof(double) * (size_t)d);
  expand(p, s, scratch, scratch + d, scratch + 2 * d, scratch + 3 * d);
  sgdl_free(scratch);
  q->dim = d;
  q->n_data = N;
  q->n_noise = (int)N;
  q->noise_weight = 1.0 / (double)N;
  q->noise_constant = 0;
  q->affine = 1;
  snprintf(q->desc, sizeof q->desc, "affine surrogate of %s", p->type->name);
  *out = q;
  return SGDL_OK;
}
