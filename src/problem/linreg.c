/* linreg: least squares on a finite data set, l_i(w) = 1/2 (x_i^T w - y_i)^2 and
 * L(w) = (1/N) sum_i l_i(w) (SPEC T11). Every per-sample gradient is affine in w, so the
 * exact layer can compute moments in closed form (affine = 1).
 * Noise: G_i(w) = grad L(w) - grad l_i(w), Sigma_1 = (1/N) sum_i G_i G_i^T (noise_weight 1/N).
 * The full gradient and Hessian use the precomputed moments H = X^T X / N and b = X^T y / N
 * (O(d^2) per call instead of O(N d)); the loss is summed from the residuals for accuracy.
 * Weighted per-sample sums over a block of lanes (minibatches, noise) and Hessian products (H v)
 * are dense lane loops.
 * Does not: fit an intercept (add a column of ones to the data) or regularise. */
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"

typedef struct {
  sgdl_dataset ds; /* first member: see sgdl_problem_data */
  double *H;       /* d x d, X^T X / N */
  double *b;       /* d, X^T y / N */
} linreg_impl;

static double residual(const sgdl_dataset *ds, const double *w, size_t i) {
  const double *xi = ds->X + i * (size_t)ds->d;
  double r = -ds->y[i];
  for (int j = 0; j < ds->d; j++) r += xi[j] * w[j];
  return r;
}

static double linreg_loss_sample(const sgdl_problem *p, const double *w, size_t i) {
  const linreg_impl *m = p->impl;
  double r = residual(&m->ds, w, i);
  return 0.5 * r * r;
}

static double linreg_loss(const sgdl_problem *p, const double *w) {
  const linreg_impl *m = p->impl;
  double s = 0;
  for (size_t i = 0; i < m->ds.N; i++) {
    double r = residual(&m->ds, w, i);
    s += r * r;
  }
  return 0.5 * s / (double)m->ds.N;
}

static void linreg_grad_sample(const sgdl_problem *p, const double *w, size_t i, double *g) {
  const linreg_impl *m = p->impl;
  const int d = m->ds.d;
  const double *xi = m->ds.X + i * (size_t)d;
  double r = residual(&m->ds, w, i);
  for (int j = 0; j < d; j++) g[j] = r * xi[j];
}

static void linreg_hvp(const sgdl_problem *p, const double *w, const double *v, double *out) {
  const linreg_impl *m = p->impl;
  const int d = p->dim;
  for (int i = 0; i < d; i++) {
    double s = 0;
    for (int j = 0; j < d; j++) s += m->H[i * d + j] * v[j];
    out[i] = s;
  }
}

static void linreg_grad(const sgdl_problem *p, const double *w, double *g) {
  const linreg_impl *m = p->impl;
  linreg_hvp(p, w, w, g);
  for (int i = 0; i < p->dim; i++) g[i] -= m->b[i];
}

static void linreg_noise_cols(const sgdl_problem *p, const double *w, double *G) {
  const linreg_impl *m = p->impl;
  const int d = p->dim;
  const size_t N = m->ds.N;
  /* G[j*N + k] = (grad L)_j - r_k x_kj: first the per-sample part, then add grad L per row. */
  for (size_t k = 0; k < N; k++) {
    double r = residual(&m->ds, w, k);
    const double *xk = m->ds.X + k * (size_t)d;
    for (int j = 0; j < d; j++) G[(size_t)j * N + k] = -r * xk[j];
  }
  for (int j = 0; j < d; j++) {
    double gl = -m->b[j];
    for (int l = 0; l < d; l++) gl += m->H[j * d + l] * w[l];
    double *row = G + (size_t)j * N;
    for (size_t k = 0; k < N; k++) row[k] += gl;
  }
}

static void linreg_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const linreg_impl *m = p->impl;
  const int d = p->dim;
  for (int i = 0; i < d; i++) {
    double *go = Gout + (size_t)i * (size_t)W;
    const double bi = m->b[i];
    for (int l = 0; l < W; l++) go[l] = -bi;
    for (int j = 0; j < d; j++) {
      const double h = m->H[i * d + j];
      const double *xj = X + (size_t)j * (size_t)W;
      for (int l = 0; l < W; l++) go[l] += h * xj[l];
    }
  }
}

/* Hess L v = H v over a block of lanes (the modified drift of sme2, smf2), summed in linreg_hvp's
 * order, so bitwise linreg_hvp lane by lane. */
static void linreg_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  const linreg_impl *m = p->impl;
  const int d = p->dim;
  (void)X;
  for (int i = 0; i < d; i++) {
    double *restrict oi = out + (size_t)i * (size_t)W;
    for (int l = 0; l < W; l++) oi[l] = 0;
    for (int j = 0; j < d; j++) {
      const double h = m->H[i * d + j];
      const double *restrict vj = V + (size_t)j * (size_t)W;
      for (int l = 0; l < W; l++) oi[l] += h * vj[l];
    }
  }
}

/* Weighted per-sample gradient sum over a block of lanes: g_n = r_n x_n, r_n = x_n . w - y_n. */
static void linreg_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                  const double *w, double *out, double *work) {
  const linreg_impl *m = p->impl;
  double *r = work;
  memset(out, 0, sizeof(double) * (size_t)p->dim * (size_t)W);
  for (int b = 0; b < nb; b++) {
    sgdl_dataset_dot_lanes(&m->ds, W, X, b, idx, 1, r);
    sgdl_dataset_add_lanes(&m->ds, W, X, b, idx, r, w ? w + (size_t)b * W : NULL, 0, 0.0, out);
  }
}

static void linreg_destroy(sgdl_problem *p) {
  linreg_impl *m = p->impl;
  if (!m) return;
  sgdl_problem_dataset_free(&m->ds);
  sgdl_free(m->H);
  sgdl_free(m->b);
  sgdl_free(m);
  p->impl = NULL;
}

const sgdl_problem_type sgdl_linreg_type = {
    .name = "linreg",
    .loss = linreg_loss,
    .grad = linreg_grad,
    .hvp = linreg_hvp,
    .noise_cols = linreg_noise_cols,
    .grad_sample = linreg_grad_sample,
    .loss_sample = linreg_loss_sample,
    .grad_lanes = linreg_grad_lanes,
    .destroy = linreg_destroy,
    .grad_sum_lanes = linreg_grad_sum_lanes,
    .grad_lanes_exact = 0, /* grad_lanes sums H w - b in another order than grad */
    .hvp_lanes = linreg_hvp_lanes,
};

int sgdl_linreg_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  p->type = &sgdl_linreg_type;
  linreg_impl *m = sgdl_alloc(ctx, 1, sizeof *m);
  if (!m) return SGDL_ENOMEM;
  p->impl = m;
  int rc = sgdl_problem_dataset_load(ctx, spec, 0, &m->ds);
  if (rc) return rc;
  const int d = m->ds.d;
  const size_t N = m->ds.N;
  if (N > 0x7fffffff) return sgdl_fail(ctx, SGDL_EINVAL, "--data: %zu rows is too many", N);
  m->H = sgdl_alloc(ctx, (size_t)d * (size_t)d, sizeof(double));
  m->b = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  if (!m->H || !m->b) return SGDL_ENOMEM;
  for (size_t k = 0; k < N; k++) {
    const double *xk = m->ds.X + k * (size_t)d;
    for (int i = 0; i < d; i++) {
      m->b[i] += xk[i] * m->ds.y[k];
      for (int j = 0; j < d; j++) m->H[i * d + j] += xk[i] * xk[j];
    }
  }
  for (int i = 0; i < d; i++) {
    m->b[i] /= (double)N;
    for (int j = 0; j < d; j++) m->H[i * d + j] /= (double)N;
  }
  p->dim = d;
  p->n_data = N;
  p->n_noise = (int)N;
  p->noise_weight = 1.0 / (double)N;
  p->noise_constant = 0;
  p->affine = 1;
  snprintf(p->desc, sizeof p->desc, "linreg on %s (N=%zu, d=%d)", m->ds.source, N, d);
  return SGDL_OK;
}

/* Shared by linreg and logreg: both impls start with the data set. */
int sgdl_problem_data(const sgdl_problem *p, size_t *N, int *d, const double **X, const double **y) {
  if (!p || (p->type != &sgdl_linreg_type && p->type != &sgdl_logreg_type)) return SGDL_ENOTSUP;
  const sgdl_dataset *ds = p->impl;
  *N = ds->N;
  *d = ds->d;
  *X = ds->X;
  *y = ds->y;
  return SGDL_OK;
}
