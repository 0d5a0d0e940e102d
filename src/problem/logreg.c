/* logreg: logistic regression with a ridge penalty on a finite data set, labels y_i in {0, 1}:
 *   l_i(w) = log(1 + exp(-s_i x_i^T w)) + l2/2 |w|^2,  s_i = 2 y_i - 1,  L = (1/N) sum_i l_i.
 * Computed stably for any margin: log(1 + e^t) = max(t, 0) + log1p(e^{-|t|}) and the logistic
 * function from whichever exponential is <= 1, so no overflow for |x^T w| up to DBL_MAX.
 * Noise: G_i = grad L - grad l_i (the ridge term cancels), noise_weight 1/N; not affine.
 * The logistic function uses the branch-free exponential sgdl_exp_poly (sgdlab/vmath.h, <= 1 ulp
 * from libm) everywhere (gradients, Hessian products, noise columns), so the lane kernels (full
 * gradient, weighted per-sample sums, Hessian products) vectorise margins, logistic and updates over lanes and still
 * return bitwise what the scalar calls return. The naive kernel with libm's exp per (sample, lane),
 * sgdl_logreg_grad_sum_lanes_libm, stays beside it as the reference of the tests; so does the
 * per-lane Hessian product sgdl_logreg_hvp_lanes_naive beside the lane-block hvp_lanes. The loss
 * (softplus) keeps libm's exp and log1p: it is not in the hot loops. Over all N samples (full
 * gradient, the SME / SMF noise sums, and the fused grad_and_sum_lanes that yields both in one
 * pass) the lanes run in chunks held in registers (d <= 4) or in register blocks of samples (larger
 * d), bitwise the one-sample kernels.
 * Does not: fit an intercept (add a column of ones) or accept labels other than 0/1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"
#include "sgdlab/rng.h" /* SGDL_LANES */
#include "sgdlab/vmath.h"

typedef struct {
  sgdl_dataset ds; /* first member: see sgdl_problem_data */
  double l2;
} logreg_impl;

/* log(1 + e^t) without overflow or loss of precision for large |t|. */
static double softplus(double t) { return fmax(t, 0.0) + log1p(exp(-fabs(t))); }
/* 1 / (1 + e^{-t}) from the exponential that is <= 1, branch-free (vectorises in lane loops). */
static inline double logistic(double t) {
  const double e = sgdl_exp_poly(-fabs(t));
  return (t >= 0 ? 1.0 : e) / (1.0 + e);
}
/* The same with libm's exp: the naive reference kernel's logistic (the one before vmath). */
static double logistic_libm(double t) {
  if (t >= 0) return 1.0 / (1.0 + exp(-t));
  double e = exp(t);
  return e / (1.0 + e);
}

/* Signed margin m_i = s_i x_i^T w. */
static double margin(const logreg_impl *m, const double *w, size_t i) {
  const int d = m->ds.d;
  const double *xi = m->ds.X + i * (size_t)d;
  double z = 0;
  for (int j = 0; j < d; j++) z += xi[j] * w[j];
  return m->ds.y[i] > 0.5 ? z : -z;
}

static double ridge(const logreg_impl *m, const double *w) {
  double s = 0;
  for (int j = 0; j < m->ds.d; j++) s += w[j] * w[j];
  return 0.5 * m->l2 * s;
}

static double logreg_loss_sample(const sgdl_problem *p, const double *w, size_t i) {
  const logreg_impl *m = p->impl;
  return softplus(-margin(m, w, i)) + ridge(m, w);
}

static double logreg_loss(const sgdl_problem *p, const double *w) {
  const logreg_impl *m = p->impl;
  double s = 0;
  for (size_t i = 0; i < m->ds.N; i++) s += softplus(-margin(m, w, i));
  return s / (double)m->ds.N + ridge(m, w);
}

/* Coefficient a_i of the data part of grad l_i = a_i x_i + l2 w: a_i = -s_i sigma(-m_i). */
static double coef(const logreg_impl *m, const double *w, size_t i) {
  double a = logistic(-margin(m, w, i));
  return m->ds.y[i] > 0.5 ? -a : a;
}

static void logreg_grad_sample(const sgdl_problem *p, const double *w, size_t i, double *g) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  const double *xi = m->ds.X + i * (size_t)d;
  double a = coef(m, w, i);
  for (int j = 0; j < d; j++) g[j] = a * xi[j] + m->l2 * w[j];
}

static void logreg_grad(const sgdl_problem *p, const double *w, double *g) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  for (int j = 0; j < d; j++) g[j] = 0;
  for (size_t i = 0; i < m->ds.N; i++) {
    const double *xi = m->ds.X + i * (size_t)d;
    double a = coef(m, w, i);
    for (int j = 0; j < d; j++) g[j] += a * xi[j];
  }
  for (int j = 0; j < d; j++) g[j] = g[j] / (double)m->ds.N + m->l2 * w[j];
}

/* Hess L = (1/N) sum_i sigma(m_i) sigma(-m_i) x_i x_i^T + l2 I. */
static void logreg_hvp(const sgdl_problem *p, const double *w, const double *v, double *out) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  for (int j = 0; j < d; j++) out[j] = 0;
  for (size_t i = 0; i < m->ds.N; i++) {
    const double *xi = m->ds.X + i * (size_t)d;
    const double e = sgdl_exp_poly(-fabs(margin(m, w, i))), q = 1.0 / (1.0 + e);
    const double c = e * q * q; /* sigma(m) sigma(-m) = e / (1 + e)^2, e = exp(-|m|): one exp */
    double xv = 0;
    for (int j = 0; j < d; j++) xv += xi[j] * v[j];
    for (int j = 0; j < d; j++) out[j] += c * xv * xi[j];
  }
  for (int j = 0; j < d; j++) out[j] = out[j] / (double)m->ds.N + m->l2 * v[j];
}

/* G[j*N + k] = (grad L - grad l_k)_j = mean_i(a_i x_ij) - a_k x_kj: write -a_k x_kj, then
 * subtract each row's mean (which is -mean_i a_i x_ij). */
static void logreg_noise_cols(const sgdl_problem *p, const double *w, double *G) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  const size_t N = m->ds.N;
  for (size_t k = 0; k < N; k++) {
    const double *xk = m->ds.X + k * (size_t)d;
    double a = coef(m, w, k);
    for (int j = 0; j < d; j++) G[(size_t)j * N + k] = -a * xk[j];
  }
  for (int j = 0; j < d; j++) {
    double *row = G + (size_t)j * N, mean = 0;
    for (size_t k = 0; k < N; k++) mean += row[k];
    mean /= (double)N;
    for (size_t k = 0; k < N; k++) row[k] -= mean;
  }
}

/* Per-lane coefficient a = -s sigma(-m) from the unsigned margins z (as coef() forms it): one
 * branch-free loop over lanes that gcc vectorises (logistic inlines sgdl_exp_poly). */
static void coef_lanes(const logreg_impl *m, int W, int b, const uint32_t *idx, double *z, double *sgn) {
  const double *restrict y = m->ds.y;
  double *restrict zl = z, *restrict sl = sgn;
  if (!idx) {
    const double sg = y[b] > 0.5 ? 1.0 : -1.0; /* s_n; m = s z, a = -s sigma(-m) */
    for (int l = 0; l < W; l++) zl[l] = -sg * logistic(-(sg * zl[l]));
    return;
  }
  const uint32_t *restrict ib = idx + (size_t)b * W;
  for (int l = 0; l < W; l++) sl[l] = y[ib[l]] > 0.5 ? 1.0 : -1.0; /* the gather, apart */
  for (int l = 0; l < W; l++) zl[l] = -sl[l] * logistic(-(sl[l] * zl[l]));
}

/* The naive twin of coef_lanes: libm's exp, one scalar call per lane. */
static void coef_lanes_libm(const logreg_impl *m, int W, int b, const uint32_t *idx, double *z) {
  for (int l = 0; l < W; l++) {
    const size_t n = idx ? idx[(size_t)b * W + l] : (size_t)b;
    const int pos = m->ds.y[n] > 0.5;
    const double a = logistic_libm(-(pos ? z[l] : -z[l]));
    z[l] = pos ? -a : a;
  }
}

/* One pass over all N samples for a block of lanes (G and S zero on entry): G = sum_n a_n x_n
 * (when G is given) and S = sum_n w_n (a_n x_n + l2 x) (when S is given; w NULL: unit weights),
 * each margin and coefficient formed once for both. d <= SMALL_D: chunk_pass, registers only.
 * Larger d: samples in register blocks of SGDL_DATASET_SB (the margins X x and the updates read each
 * x_jl and out_jl once per block: the d = 50 passes), the rest one at a time. Every term and sum
 * as the one-sample kernels round it, so bitwise theirs. work: SGDL_DATASET_SB * W doubles. */
enum { SMALL_D = 4, LC = 64 }; /* chunk_pass: d up to SMALL_D, lanes in chunks of LC */

/* Small d: lanes l0 .. l0 + CW - 1 through all N samples with x, G and S of the chunk held in
 * registers (D and CW constants, so the loops over j and t unroll): per sample the margin, the
 * logistic coefficient and both updates, nothing written to memory. Each term and sum as
 * sgdl_dataset_dot_lanes, coef_lanes and sgdl_dataset_add_lanes form them (bitwise theirs). */
static inline __attribute__((always_inline)) void chunk_pass(const logreg_impl *m, int W, const double *X,
                                                             const double *w, double *G, double *S, int l0,
                                                             const int D, const int CW) {
  const int N = (int)m->ds.N;
  const double *restrict Xd = m->ds.X, *restrict y = m->ds.y, l2 = m->l2;
  double x[SMALL_D][LC], g[SMALL_D][LC], s[SMALL_D][LC];
  for (int j = 0; j < D; j++)
    for (int t = 0; t < CW; t++) {
      x[j][t] = X[(size_t)j * W + l0 + t];
      g[j][t] = s[j][t] = 0.0;
    }
  for (int n = 0; n < N; n++) {
    const double *xn = Xd + (size_t)n * D;
    const double sg = y[n] > 0.5 ? 1.0 : -1.0;
    double c[LC];
    for (int t = 0; t < CW; t++) {
      double z = 0.0;
      for (int j = 0; j < D; j++) z += xn[j] * x[j][t];
      c[t] = -sg * logistic(-(sg * z));
    }
    if (G)
      for (int j = 0; j < D; j++)
        for (int t = 0; t < CW; t++) {
          const double gt = c[t] * xn[j];
          g[j][t] += gt;
        }
    if (S) {
      const double *wn = w ? w + (size_t)n * W + l0 : NULL;
      for (int j = 0; j < D; j++)
        for (int t = 0; t < CW; t++) {
          const double gt = c[t] * xn[j] + l2 * x[j][t];
          s[j][t] += wn ? wn[t] * gt : gt;
        }
    }
  }
  for (int j = 0; j < D; j++)
    for (int t = 0; t < CW; t++) {
      if (G) G[(size_t)j * W + l0 + t] = g[j][t];
      if (S) S[(size_t)j * W + l0 + t] = s[j][t];
    }
}

/* chunk_pass over all lanes for D = d (chunks of LC, then the tail lanes one at a time). */
#define SMALL_D_PASS(D)                                                                         \
  static void small_d_pass_##D(const logreg_impl *m, int W, const double *X, const double *w, double *G, \
                               double *S) {                                                     \
    int l0 = 0;                                                                                 \
    for (; l0 + LC <= W; l0 += LC) chunk_pass(m, W, X, w, G, S, l0, D, LC);                     \
    for (; l0 < W; l0++) chunk_pass(m, W, X, w, G, S, l0, D, 1);                                \
  }
SMALL_D_PASS(1)
SMALL_D_PASS(2)
SMALL_D_PASS(3)
SMALL_D_PASS(4)

static void full_pass(const logreg_impl *m, int W, const double *X, const double *w, double *G, double *S,
                      double *work) {
  const int N = (int)m->ds.N, SB = SGDL_DATASET_SB;
  double *c = work;
  switch (m->ds.d) { /* G and S are written, not added to: callers zero them first anyway */
  case 1: small_d_pass_1(m, W, X, w, G, S); return;
  case 2: small_d_pass_2(m, W, X, w, G, S); return;
  case 3: small_d_pass_3(m, W, X, w, G, S); return;
  case 4: small_d_pass_4(m, W, X, w, G, S); return;
  default: break;
  }
  int n = 0;
  for (; n + SB <= N; n += SB) {
    sgdl_dataset_dot_block(&m->ds, W, X, n, c);
    for (int k = 0; k < SB; k++) coef_lanes(m, W, n + k, NULL, c + (size_t)k * W, NULL);
    if (G && S) sgdl_dataset_add_block2(&m->ds, W, X, n, c, w ? w + (size_t)n * W : NULL, m->l2, G, S);
    else if (G) sgdl_dataset_add_block(&m->ds, W, X, n, c, NULL, 0, 0.0, G);
    else if (S) sgdl_dataset_add_block(&m->ds, W, X, n, c, w ? w + (size_t)n * W : NULL, 1, m->l2, S);
  }
  for (; n < N; n++) {
    sgdl_dataset_dot_lanes(&m->ds, W, X, n, NULL, 0, c);
    coef_lanes(m, W, n, NULL, c, NULL);
    if (G) sgdl_dataset_add_lanes(&m->ds, W, X, n, NULL, c, NULL, 0, 0.0, G);
    if (S) sgdl_dataset_add_lanes(&m->ds, W, X, n, NULL, c, w ? w + (size_t)n * W : NULL, 1, m->l2, S);
  }
}

/* Weighted per-sample gradient sum over a block of lanes: g_n = a_n x_n + l2 w (coefficients by
 * the vectorised logistic, or by libm's when naive, one sample at a time); all N samples in order
 * (idx NULL) go through the blocked full_pass unless naive. */
static void grad_sum_lanes_with(const sgdl_problem *p, int naive, int W, const double *X, int nb, const uint32_t *idx,
                                const double *w, double *out, double *work) {
  const logreg_impl *m = p->impl;
  double *c = work, *sgn = work + SGDL_LANES;
  memset(out, 0, sizeof(double) * (size_t)p->dim * (size_t)W);
  if (!naive && !idx && nb == (int)m->ds.N) {
    full_pass(m, W, X, w, NULL, out, work);
    return;
  }
  for (int b = 0; b < nb; b++) {
    sgdl_dataset_dot_lanes(&m->ds, W, X, b, idx, 0, c);
    if (naive) coef_lanes_libm(m, W, b, idx, c);
    else coef_lanes(m, W, b, idx, c, sgn);
    sgdl_dataset_add_lanes(&m->ds, W, X, b, idx, c, w ? w + (size_t)b * W : NULL, 1, m->l2, out);
  }
}

static void logreg_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                  const double *w, double *out, double *work) {
  grad_sum_lanes_with(p, 0, W, X, nb, idx, w, out, work);
}

void sgdl_logreg_grad_sum_lanes_libm(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                     const double *w, double *out, double *work) {
  grad_sum_lanes_with(p, 1, W, X, nb, idx, w, out, work);
}

/* G = sum_i a_i x_i over lanes -> grad L: G / N + l2 x, as logreg_grad rounds it. */
static void finish_grad(const logreg_impl *m, int W, const double *X, double *G) {
  for (int j = 0; j < m->ds.d; j++)
    for (int l = 0; l < W; l++)
      G[(size_t)j * W + l] = G[(size_t)j * W + l] / (double)m->ds.N + m->l2 * X[(size_t)j * W + l];
}

/* grad L over a block of lanes, bitwise logreg_grad per lane: (sum_i a_i x_i)/N + l2 w. */
static void logreg_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const logreg_impl *m = p->impl;
  double c[SGDL_DATASET_SB * SGDL_LANES];
  memset(Gout, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  full_pass(m, W, X, NULL, Gout, NULL, c);
  finish_grad(m, W, X, Gout);
}

/* The fused kernel of problem.h: grad L and the weighted sum of all per-sample gradients from one
 * full_pass (the drift and the noise of an SME / SMF substep share the logistic coefficients). */
static void logreg_grad_and_sum_lanes(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                      double *S, double *work) {
  const logreg_impl *m = p->impl;
  memset(G, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  memset(S, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  full_pass(m, W, X, w, G, S, work);
  finish_grad(m, W, X, G);
}

/* Hess L v over a block of lanes (the modified drift of sme2, smf2): per sample, the margins,
 * the curvature c = e / (1 + e)^2 (e = exp(-|m|), the branch-free sgdl_exp_poly) and x_i . v over
 * lanes, then out += (c x_i . v) x_i; each term rounded as logreg_hvp rounds it. For d > SMALL_D
 * the samples go in register blocks of SGDL_DATASET_SB (dot_block, add_block), the rest one at a
 * time: the same sums in the same order per lane. */
/* Per lane the Hessian weight times x . v: z <- c(z) xv, c = e / (1 + e)^2, e = exp(-|z|). */
static void hvp_coef_lanes(int W, double *restrict z, const double *restrict xv) {
  for (int l = 0; l < W; l++) {
    const double e = sgdl_exp_poly(-fabs(z[l])), q = 1.0 / (1.0 + e);
    z[l] = e * q * q * xv[l];
  }
}

static void logreg_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  const int N = (int)m->ds.N, SB = SGDL_DATASET_SB;
  double z[SGDL_DATASET_SB * SGDL_LANES], xv[SGDL_DATASET_SB * SGDL_LANES];
  memset(out, 0, sizeof(double) * (size_t)d * (size_t)W);
  int i = 0;
  if (d > SMALL_D) /* register blocks of SB samples, as full_pass: the same sums, bitwise */
    for (; i + SB <= N; i += SB) {
      sgdl_dataset_dot_block(&m->ds, W, X, i, z);
      sgdl_dataset_dot_block(&m->ds, W, V, i, xv);
      for (int k = 0; k < SB; k++) hvp_coef_lanes(W, z + (size_t)k * W, xv + (size_t)k * W);
      sgdl_dataset_add_block(&m->ds, W, X, i, z, NULL, 0, 0.0, out);
    }
  for (; i < N; i++) {
    sgdl_dataset_dot_lanes(&m->ds, W, X, i, NULL, 0, z);
    sgdl_dataset_dot_lanes(&m->ds, W, V, i, NULL, 0, xv);
    hvp_coef_lanes(W, z, xv);
    sgdl_dataset_add_lanes(&m->ds, W, X, i, NULL, z, NULL, 0, 0.0, out);
  }
  for (int j = 0; j < d; j++)
    for (int l = 0; l < W; l++)
      out[(size_t)j * W + l] = out[(size_t)j * W + l] / (double)m->ds.N + m->l2 * V[(size_t)j * W + l];
}

/* The naive twin of logreg_hvp_lanes: logreg_hvp's loop lane by lane (strided reads of X, V). */
void sgdl_logreg_hvp_lanes_naive(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  for (int l = 0; l < W; l++) {
    for (int j = 0; j < d; j++) out[(size_t)j * W + l] = 0;
    for (size_t i = 0; i < m->ds.N; i++) {
      const double *xi = m->ds.X + i * (size_t)d;
      double z = 0, xv = 0;
      for (int j = 0; j < d; j++) z += xi[j] * X[(size_t)j * W + l];
      for (int j = 0; j < d; j++) xv += xi[j] * V[(size_t)j * W + l];
      const double e = sgdl_exp_poly(-fabs(z)), q = 1.0 / (1.0 + e);
      for (int j = 0; j < d; j++) out[(size_t)j * W + l] += e * q * q * xv * xi[j];
    }
    for (int j = 0; j < d; j++)
      out[(size_t)j * W + l] = out[(size_t)j * W + l] / (double)m->ds.N + m->l2 * V[(size_t)j * W + l];
  }
}

static void logreg_destroy(sgdl_problem *p) {
  logreg_impl *m = p->impl;
  if (!m) return;
  sgdl_problem_dataset_free(&m->ds);
  sgdl_free(m);
  p->impl = NULL;
}

const sgdl_problem_type sgdl_logreg_type = {
    .name = "logreg",
    .loss = logreg_loss,
    .grad = logreg_grad,
    .hvp = logreg_hvp,
    .noise_cols = logreg_noise_cols,
    .grad_sample = logreg_grad_sample,
    .loss_sample = logreg_loss_sample,
    .grad_lanes = logreg_grad_lanes,
    .destroy = logreg_destroy,
    .grad_sum_lanes = logreg_grad_sum_lanes,
    .grad_lanes_exact = 1,
    .hvp_lanes = logreg_hvp_lanes,
    .grad_and_sum_lanes = logreg_grad_and_sum_lanes,
};

int sgdl_logreg_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  if (!(spec->l2 >= 0) || !isfinite(spec->l2))
    return sgdl_fail(ctx, SGDL_EINVAL, "--l2: %g is not a non-negative number", spec->l2);
  p->type = &sgdl_logreg_type;
  logreg_impl *m = sgdl_alloc(ctx, 1, sizeof *m);
  if (!m) return SGDL_ENOMEM;
  p->impl = m;
  m->l2 = spec->l2;
  int rc = sgdl_problem_dataset_load(ctx, spec, 1, &m->ds);
  if (rc) return rc;
  if (m->ds.N > 0x7fffffff) return sgdl_fail(ctx, SGDL_EINVAL, "--data: %zu rows is too many", m->ds.N);
  for (size_t i = 0; i < m->ds.N; i++)
    if (m->ds.y[i] != 0.0 && m->ds.y[i] != 1.0)
      return sgdl_fail(ctx, SGDL_EDATA,
                       "--data: %s: target of data row %zu (column %d) is %g; logreg needs labels 0 or 1",
                       m->ds.source, i + 1, m->ds.d + 1, m->ds.y[i]);
  p->dim = m->ds.d;
  p->n_data = m->ds.N;
  p->n_noise = (int)m->ds.N;
  p->noise_weight = 1.0 / (double)m->ds.N;
  p->noise_constant = 0;
  p->affine = 0;
  snprintf(p->desc, sizeof p->desc, "logreg on %s (N=%zu, d=%d, l2=%g)", m->ds.source, m->ds.N, m->ds.d, m->l2);
  return SGDL_OK;
}
