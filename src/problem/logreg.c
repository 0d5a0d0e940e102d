/* logreg: logistic regression with a ridge penalty on a finite data set, labels y_i in {0, 1}:
 *   l_i(w) = log(1 + exp(-s_i x_i^T w)) + l2/2 |w|^2,  s_i = 2 y_i - 1,  L = (1/N) sum_i l_i.
 * Computed stably for any margin: log(1 + e^t) = max(t, 0) + log1p(e^{-|t|}) and the logistic
 * function from whichever exponential is <= 1, so no overflow for |x^T w| up to DBL_MAX.
 * Noise: G_i = grad L - grad l_i (the ridge term cancels), noise_weight 1/N; not affine.
 * The logistic function uses the branch-free exponential sgdl_exp_poly (sgdlab/vmath.h, <= 1 ulp
 * from libm) everywhere (gradients, Hessian products, noise columns), so the lane kernels (full
 * gradient, weighted per-sample sums, Hessian products) vectorise margins, logistic and updates over lanes and
 * (d <= 4, and the one-sample paths at any d) return bitwise what the scalar calls return. The naive kernel with libm's exp per (sample, lane),
 * sgdl_logreg_grad_sum_lanes_libm, stays beside it as the reference of the tests; so does the
 * per-lane Hessian product sgdl_logreg_hvp_lanes_naive beside the lane-block hvp_lanes. The loss
 * (softplus) keeps libm's exp and log1p: it is not in the hot loops. Over all N samples (full
 * gradient, the SME / SMF noise sums, and the fused grad_and_sum_lanes that yields both in one
 * pass) the lanes run in chunks held in registers (d <= 4, bitwise the one-sample kernels) or,
 * for larger d, GEMM-ordered (fma chains in register tiles, sgdl_dataset_gemm_*: within rounding
 * of the one-sample kernels, not bitwise; the scalar grad follows the same order there, so
 * grad_lanes stays bitwise grad). The exact blocked kernels stay beside them
 * (sgdl_logreg_grad_and_sum_lanes_exact, sgdl_logreg_hvp_lanes_exact), the tests' reference, and
 * still serve the unit-weight sum over all samples (bitwise the sum of grad_sample). The
 * curvature pair (grad_sum_curv_lanes, hvp_curv_lanes) keeps each sample's Hessian weight from the
 * pass that forms grad L, so the modified drift's Hessian product at that point needs no second
 * set of margins or exponentials (bitwise hvp_lanes).
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
/* logistic(t) and, into *curv, the curvature weight sigma(t) sigma(-t) = e q q (e = exp(-|t|),
 * q = 1 / (1 + e)) from the one exponential: each as logistic and the Hessian products form it
 * (|t| = |m| for the signed and unsigned margin alike), so bitwise theirs. */
static inline double logistic_curv(double t, double *curv) {
  const double e = sgdl_exp_poly(-fabs(t)), q = 1.0 / (1.0 + e);
  *curv = e * q * q;
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

/* grad L. d <= SMALL_D: the margin and the sum over samples rounded term by term (as the lane
 * kernels' chunk pass). Larger d: the margin and the sum over samples as fma chains, the order of
 * the GEMM-ordered lane kernel (sgdl_dataset_gemm_margins / _update), so grad_lanes stays
 * bitwise grad (grad_lanes_exact). */
enum { SMALL_D = 4 };
static void logreg_grad(const sgdl_problem *p, const double *w, double *g) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  for (int j = 0; j < d; j++) g[j] = 0;
  for (size_t i = 0; i < m->ds.N; i++) {
    const double *xi = m->ds.X + i * (size_t)d;
    if (d > SMALL_D) {
      double z = 0.0;
      for (int j = 0; j < d; j++) z = fma(xi[j], w[j], z);
      const double sg = m->ds.y[i] > 0.5 ? 1.0 : -1.0, a = -sg * logistic(-(sg * z));
      for (int j = 0; j < d; j++) g[j] = fma(xi[j], a, g[j]);
      continue;
    }
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
 * Larger d, two kernels side by side:
 *   exact_pass: samples in register blocks of SGDL_DATASET_SB (sgdl_dataset_dot_block, add_block,
 *     add_block2), the rest one at a time; every term and sum as the one-sample kernels round it
 *     (mul, add, mul, add, no fma), so bitwise theirs. work: SGDL_DATASET_SB * W doubles.
 *   gemm_pass: GEMM order with fma (sgdl_dataset_gemm_margins / _update): lane chunks of
 *     SGDL_DATASET_CW outermost (x, G and S of a chunk stay in L1), samples in blocks of
 *     SGDL_DATASET_KB, S = sum_n (w_n a_n) x_n + l2 x sum_n w_n: 2 fma per (sample, feature, lane)
 *     for both updates instead of 5 rounded operations. Within rounding of exact_pass (1e-12
 *     relative, tests/test_finite_lanes.c). work: 2 * KB * CW doubles. */
enum { LC = 64 }; /* chunk_pass: d up to SMALL_D, lanes in chunks of LC */

/* Small d: lanes l0 .. l0 + CW - 1 through all N samples with x, G and S of the chunk held in
 * registers (D and CW constants, so the loops over j and t unroll): per sample the margin, the
 * logistic coefficient and both updates, nothing written to memory. Each term and sum as
 * sgdl_dataset_dot_lanes, coef_lanes and sgdl_dataset_add_lanes form them (bitwise theirs). */
static inline __attribute__((always_inline)) void chunk_pass(const logreg_impl *m, int W, const double *X,
                                                             const double *w, double *G, double *S, double *C,
                                                             int l0, const int D, const int CW) {
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
      if (C) c[t] = -sg * logistic_curv(-(sg * z), &C[(size_t)n * W + l0 + t]);
      else c[t] = -sg * logistic(-(sg * z));
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

/* chunk_pass over all lanes for D = d (chunks of LC, then the tail lanes one at a time); with
 * C also the curvature weights (a copy of the loops of its own, so the pass without keeps its code). */
#define SMALL_D_PASS(D)                                                                         \
  static void small_d_pass_##D(const logreg_impl *m, int W, const double *X, const double *w, double *G, \
                               double *S, double *C) {                                          \
    int l0 = 0;                                                                                 \
    if (C) {                                                                                    \
      for (; l0 + LC <= W; l0 += LC) chunk_pass(m, W, X, w, G, S, C, l0, D, LC);                \
      for (; l0 < W; l0++) chunk_pass(m, W, X, w, G, S, C, l0, D, 1);                           \
      return;                                                                                   \
    }                                                                                           \
    for (; l0 + LC <= W; l0 += LC) chunk_pass(m, W, X, w, G, S, NULL, l0, D, LC);               \
    for (; l0 < W; l0++) chunk_pass(m, W, X, w, G, S, NULL, l0, D, 1);                          \
  }
SMALL_D_PASS(1)
SMALL_D_PASS(2)
SMALL_D_PASS(3)
SMALL_D_PASS(4)

/* d <= SMALL_D: the chunk kernel; returns 0 for larger d. */
static int small_pass(const logreg_impl *m, int W, const double *X, const double *w, double *G, double *S,
                      double *C) {
  switch (m->ds.d) { /* G and S are written, not added to: callers zero them first anyway */
  case 1: small_d_pass_1(m, W, X, w, G, S, C); return 1;
  case 2: small_d_pass_2(m, W, X, w, G, S, C); return 1;
  case 3: small_d_pass_3(m, W, X, w, G, S, C); return 1;
  case 4: small_d_pass_4(m, W, X, w, G, S, C); return 1;
  default: return 0;
  }
}

static void exact_pass(const logreg_impl *m, int W, const double *X, const double *w, double *G, double *S,
                       double *work) {
  const int N = (int)m->ds.N, SB = SGDL_DATASET_SB;
  double *c = work;
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

/* The logistic coefficients of K samples from n0 in place of their margins z[k*CW + t] (all CW
 * lanes of the chunk; lanes past the data hold margin 0), as coef_lanes forms them: the signs
 * spread over the lanes first, so that one flat loop of K * CW values vectorises (independent
 * exponentials in flight, not two per sample). */
static void coef_block(const logreg_impl *m, int n0, int K, double *restrict z) {
  enum { CW = SGDL_DATASET_CW };
  double sgn[SGDL_DATASET_KB * SGDL_DATASET_CW];
  for (int k = 0; k < K; k++)
    for (int t = 0; t < CW; t++) sgn[k * CW + t] = m->ds.y[n0 + k] > 0.5 ? 1.0 : -1.0;
  for (int i = 0; i < K * CW; i++) z[i] = -sgn[i] * logistic(-(sgn[i] * z[i]));
}

/* coef_block that also keeps the curvature weights of the chunk's nl lanes: C[n*W + l0 + t]. */
static void coef_block_curv(const logreg_impl *m, int W, int l0, int nl, int n0, int K, double *restrict z,
                            double *restrict C) {
  enum { CW = SGDL_DATASET_CW };
  double sgn[SGDL_DATASET_KB * SGDL_DATASET_CW], cv[SGDL_DATASET_KB * SGDL_DATASET_CW];
  for (int k = 0; k < K; k++)
    for (int t = 0; t < CW; t++) sgn[k * CW + t] = m->ds.y[n0 + k] > 0.5 ? 1.0 : -1.0;
  for (int i = 0; i < K * CW; i++) z[i] = -sgn[i] * logistic_curv(-(sgn[i] * z[i]), &cv[i]);
  for (int k = 0; k < K; k++)
    for (int t = 0; t < nl; t++) C[(size_t)(n0 + k) * W + l0 + t] = cv[k * CW + t];
}

/* wc = w a (the weighted coefficients, lanes past nl 0) and sw += w per lane, for K samples
 * from n0 (w NULL: unit weights). The weight rows of a full chunk are strided by W (one 128-byte
 * piece of each of the [N][W] array's rows), so the next block's rows are prefetched while this
 * one is weighed, and the per-lane sums run in a local vector (the sums' order is the samples'). */
static void weigh_block(int W, int N, const double *w, int l0, int nl, int n0, int K, const double *restrict c,
                        double *restrict wc, double *restrict sw) {
  enum { CW = SGDL_DATASET_CW, KB = SGDL_DATASET_KB };
  double s[CW];
  for (int t = 0; t < CW; t++) s[t] = sw[t];
  if (w && nl == CW) {
    for (int k = n0 + K; k < n0 + K + KB && k < N; k++) {
      __builtin_prefetch(w + (size_t)k * W + l0);
      __builtin_prefetch(w + (size_t)k * W + l0 + CW - 1);
    }
    for (int k = 0; k < K; k++) {
      const double *restrict wn = w + (size_t)(n0 + k) * W + l0, *restrict ck = c + (size_t)k * CW;
      double *restrict wk = wc + (size_t)k * CW;
      for (int t = 0; t < CW; t++) wk[t] = wn[t] * ck[t];
      for (int t = 0; t < CW; t++) s[t] += wn[t];
    }
  } else
    for (int k = 0; k < K; k++) {
      const double *restrict wn = w ? w + (size_t)(n0 + k) * W + l0 : NULL;
      for (int t = 0; t < CW; t++) {
        const double wt = t >= nl ? 0.0 : wn ? wn[t] : 1.0;
        wc[(size_t)k * CW + t] = wt * c[(size_t)k * CW + t];
        s[t] += wt;
      }
    }
  for (int t = 0; t < CW; t++) sw[t] = s[t];
}

static void gemm_pass(const logreg_impl *m, int W, const double *X, const double *w, double *G, double *S,
                      double *C, double *work) {
  enum { CW = SGDL_DATASET_CW, KB = SGDL_DATASET_KB };
  const int N = (int)m->ds.N, d = m->ds.d;
  double *c = work, *wc = work + KB * CW, sw[SGDL_DATASET_CW];
  for (int l0 = 0; l0 < W; l0 += CW) {
    const int nl = W - l0 < CW ? W - l0 : CW;
    for (int t = 0; t < CW; t++) sw[t] = 0.0;
    for (int n0 = 0; n0 < N; n0 += KB) {
      const int K = N - n0 < KB ? N - n0 : KB;
      sgdl_dataset_gemm_margins(&m->ds, W, X, l0, nl, n0, K, c);
      if (C) coef_block_curv(m, W, l0, nl, n0, K, c, C);
      else coef_block(m, n0, K, c);
      if (S) weigh_block(W, N, w, l0, nl, n0, K, c, wc, sw);
      sgdl_dataset_gemm_update(&m->ds, W, l0, nl, n0, K, c, G, wc, S);
    }
    for (int j = 0; S && j < d; j++) /* + l2 x sum_n w_n */
      for (int t = 0; t < nl; t++) {
        const size_t at = (size_t)j * W + l0 + t;
        S[at] = fma(m->l2 * X[at], sw[t], S[at]);
      }
  }
}

/* The full pass: the chunk kernel for d <= SMALL_D, else exact_pass (exact) or gemm_pass. C
 * non-NULL (not with exact): also the curvature weights C[n*W + l] of the Hessian products. */
static void full_pass_curv(const logreg_impl *m, int exact, int W, const double *X, const double *w, double *G,
                           double *S, double *C, double *work) {
  if (small_pass(m, W, X, w, G, S, C)) return;
  if (exact) exact_pass(m, W, X, w, G, S, work);
  else gemm_pass(m, W, X, w, G, S, C, work);
}

static void full_pass(const logreg_impl *m, int exact, int W, const double *X, const double *w, double *G,
                      double *S, double *work) {
  full_pass_curv(m, exact, W, X, w, G, S, NULL, work);
}

/* d > SMALL_D: every pass over the samples is gemm_pass or hvp_gemm, whose lanes run in chunks
 * of SGDL_DATASET_CW with numbers independent of W; below, the chunk kernel wants 64 lanes. */
int sgdl_logreg_lane_chunk(const sgdl_problem *p) {
  const logreg_impl *m = p->impl;
  return m->ds.d > SMALL_D ? SGDL_DATASET_CW : 0;
}

/* Weighted per-sample gradient sum over a block of lanes: g_n = a_n x_n + l2 w (coefficients by
 * the vectorised logistic, or by libm's when naive, one sample at a time); all N samples in order
 * (idx NULL) go through full_pass unless naive: with weights the GEMM-ordered one (the SME noise
 * sums; problem.h lets weighted sums round differently), without them the exact one (bitwise the
 * sum of grad_sample, as problem.h promises for w NULL). */
static void grad_sum_lanes_with(const sgdl_problem *p, int naive, int W, const double *X, int nb, const uint32_t *idx,
                                const double *w, double *out, double *work) {
  const logreg_impl *m = p->impl;
  double *c = work, *sgn = work + SGDL_LANES;
  memset(out, 0, sizeof(double) * (size_t)p->dim * (size_t)W);
  if (!naive && !idx && nb == (int)m->ds.N) {
    full_pass(m, !w, W, X, w, NULL, out, work);
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

/* grad L over a block of lanes, bitwise logreg_grad per lane: (sum_i a_i x_i)/N + l2 w (d > 4:
 * the GEMM-ordered pass, whose fma chains logreg_grad follows). */
static void logreg_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const logreg_impl *m = p->impl;
  double c[SGDL_DATASET_SB * SGDL_LANES];
  memset(Gout, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  full_pass(m, 0, W, X, NULL, Gout, NULL, c);
  finish_grad(m, W, X, Gout);
}

/* The fused kernel of problem.h: grad L and the weighted sum of all per-sample gradients from one
 * full_pass (the drift and the noise of an SME / SMF substep share the logistic coefficients). */
static void logreg_grad_and_sum_lanes(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                      double *S, double *work) {
  const logreg_impl *m = p->impl;
  memset(G, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  memset(S, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  if (w) full_pass(m, 0, W, X, w, G, S, work);
  else { /* unit weights: S as grad_sum_lanes forms it (exact), so two passes (no caller does this) */
    full_pass(m, 0, W, X, NULL, G, NULL, work);
    full_pass(m, 1, W, X, NULL, NULL, S, work);
  }
  finish_grad(m, W, X, G);
}

/* grad_sum_curv_lanes of problem.h: logreg_grad_and_sum_lanes (w, S NULL: logreg_grad_lanes) with
 * the curvature weights c_n(x_l) = sigma(m) sigma(-m) of the same pass kept in C [N][W]. */
static void logreg_grad_sum_curv_lanes(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                       double *S, double *C, double *work) {
  const logreg_impl *m = p->impl;
  memset(G, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  if (w && S) {
    memset(S, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
    full_pass_curv(m, 0, W, X, w, G, S, C, work);
  } else full_pass_curv(m, 0, W, X, NULL, G, NULL, C, work);
  finish_grad(m, W, X, G);
}

void sgdl_logreg_grad_and_sum_lanes_exact(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                          double *S, double *work) {
  const logreg_impl *m = p->impl;
  if (G) memset(G, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  if (S) memset(S, 0, sizeof(double) * (size_t)m->ds.d * (size_t)W);
  full_pass(m, 1, W, X, w, G, S, work);
  if (G) finish_grad(m, W, X, G);
}

/* Hess L v over a block of lanes (the modified drift of sme2, smf2): per sample, the margins,
 * the curvature c = e / (1 + e)^2 (e = exp(-|m|), the branch-free sgdl_exp_poly) and x_i . v over
 * lanes, then out += (c x_i . v) x_i. d <= SMALL_D, or exact: each term rounded as logreg_hvp
 * rounds it (for d > SMALL_D samples in register blocks of SGDL_DATASET_SB, dot_block and
 * add_block, the rest one at a time: the same sums in the same order per lane). Otherwise the
 * GEMM-ordered kernels of gemm_pass (fma chains, within rounding of the exact ones). */
/* Per lane the Hessian weight times x . v: z <- c(z) xv, c = e / (1 + e)^2, e = exp(-|z|). */
static void hvp_coef_lanes(int W, double *restrict z, const double *restrict xv) {
  for (int l = 0; l < W; l++) {
    const double e = sgdl_exp_poly(-fabs(z[l])), q = 1.0 / (1.0 + e);
    z[l] = e * q * q * xv[l];
  }
}

/* out = sum_i c_i (x_i . v) x_i over lanes by the GEMM-ordered kernels (out zero on entry). */
static void hvp_gemm(const logreg_impl *m, int W, const double *X, const double *V, double *out) {
  enum { CW = SGDL_DATASET_CW, KB = SGDL_DATASET_KB };
  const int N = (int)m->ds.N;
  double z[KB * CW], xv[KB * CW];
  for (int l0 = 0; l0 < W; l0 += CW) {
    const int nl = W - l0 < CW ? W - l0 : CW;
    for (int n0 = 0; n0 < N; n0 += KB) {
      const int K = N - n0 < KB ? N - n0 : KB;
      sgdl_dataset_gemm_margins(&m->ds, W, X, l0, nl, n0, K, z);
      sgdl_dataset_gemm_margins(&m->ds, W, V, l0, nl, n0, K, xv);
      hvp_coef_lanes(K * CW, z, xv);
      sgdl_dataset_gemm_update(&m->ds, W, l0, nl, n0, K, z, out, NULL, NULL);
    }
  }
}

static void hvp_lanes_with(const sgdl_problem *p, int exact, int W, const double *X, const double *V, double *out) {
  const logreg_impl *m = p->impl;
  const int d = m->ds.d;
  const int N = (int)m->ds.N, SB = SGDL_DATASET_SB;
  double z[SGDL_DATASET_SB * SGDL_LANES], xv[SGDL_DATASET_SB * SGDL_LANES];
  memset(out, 0, sizeof(double) * (size_t)d * (size_t)W);
  int i = 0;
  if (d > SMALL_D && !exact) {
    hvp_gemm(m, W, X, V, out);
    i = N;
  }
  if (d > SMALL_D) /* register blocks of SB samples, as exact_pass: the same sums, bitwise */
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

/* d <= SMALL_D: Hess L v of lanes l0 .. l0 + CW - 1 from the curvature weights C, with v and the
 * sums of the chunk in registers (as chunk_pass): per sample xv = x_n . v, z = C xv and out +=
 * z x_n, each term and sum as sgdl_dataset_dot_lanes and add_lanes form them (bitwise theirs). */
static inline __attribute__((always_inline)) void hvp_chunk(const logreg_impl *m, int W, const double *C,
                                                            const double *V, double *out, int l0, const int D,
                                                            const int CW) {
  const int N = (int)m->ds.N;
  const double *restrict Xd = m->ds.X;
  double v[SMALL_D][LC], o[SMALL_D][LC];
  for (int j = 0; j < D; j++)
    for (int t = 0; t < CW; t++) {
      v[j][t] = V[(size_t)j * W + l0 + t];
      o[j][t] = 0.0;
    }
  for (int n = 0; n < N; n++) {
    const double *xn = Xd + (size_t)n * D, *restrict Cn = C + (size_t)n * W + l0;
    double z[LC];
    for (int t = 0; t < CW; t++) {
      double xv = 0.0;
      for (int j = 0; j < D; j++) xv += xn[j] * v[j][t];
      z[t] = Cn[t] * xv;
    }
    for (int j = 0; j < D; j++)
      for (int t = 0; t < CW; t++) o[j][t] += z[t] * xn[j];
  }
  for (int j = 0; j < D; j++)
    for (int t = 0; t < CW; t++) out[(size_t)j * W + l0 + t] = o[j][t];
}

#define SMALL_D_HVP(D)                                                                                   \
  static void small_d_hvp_##D(const logreg_impl *m, int W, const double *C, const double *V, double *out) { \
    int l0 = 0;                                                                                          \
    for (; l0 + LC <= W; l0 += LC) hvp_chunk(m, W, C, V, out, l0, D, LC);                                \
    for (; l0 < W; l0++) hvp_chunk(m, W, C, V, out, l0, D, 1);                                           \
  }
SMALL_D_HVP(1)
SMALL_D_HVP(2)
SMALL_D_HVP(3)
SMALL_D_HVP(4)

/* out = Hess L v over a block from the curvature weights C [N][W] of a grad_sum_curv_lanes call
 * at the same X: per sample z = C x_n . v, as hvp_coef_lanes forms c(z) xv (C = e q q there too),
 * summed in logreg_hvp_lanes' order (d > SMALL_D: hvp_gemm's tiles; else sample by sample, in the
 * register chunks of hvp_chunk). */
static void logreg_hvp_curv_lanes(const sgdl_problem *p, int W, const double *X, const double *C, const double *V,
                                  double *out) {
  enum { CW = SGDL_DATASET_CW, KB = SGDL_DATASET_KB, ZN = KB * CW > SGDL_LANES ? KB * CW : SGDL_LANES };
  const logreg_impl *m = p->impl;
  const int d = m->ds.d, N = (int)m->ds.N;
  double z[ZN], xv[ZN]; /* a tile of KB samples x CW lanes, or one sample's W lanes */
  memset(out, 0, sizeof(double) * (size_t)d * (size_t)W);
  if (d > SMALL_D)
    for (int l0 = 0; l0 < W; l0 += CW) {
      const int nl = W - l0 < CW ? W - l0 : CW;
      for (int n0 = 0; n0 < N; n0 += KB) {
        const int K = N - n0 < KB ? N - n0 : KB;
        sgdl_dataset_gemm_margins(&m->ds, W, V, l0, nl, n0, K, xv);
        for (int k = 0; k < K; k++)
          for (int t = 0; t < CW; t++) /* lanes past nl: c(0) 0 = 0 in hvp_gemm */
            z[k * CW + t] = t < nl ? C[(size_t)(n0 + k) * W + l0 + t] * xv[k * CW + t] : 0.0;
        sgdl_dataset_gemm_update(&m->ds, W, l0, nl, n0, K, z, out, NULL, NULL);
      }
    }
  else if (d == 1) small_d_hvp_1(m, W, C, V, out);
  else if (d == 2) small_d_hvp_2(m, W, C, V, out);
  else if (d == 3) small_d_hvp_3(m, W, C, V, out);
  else small_d_hvp_4(m, W, C, V, out);
  for (int j = 0; j < d; j++)
    for (int l = 0; l < W; l++)
      out[(size_t)j * W + l] = out[(size_t)j * W + l] / (double)m->ds.N + m->l2 * V[(size_t)j * W + l];
}

static void logreg_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  hvp_lanes_with(p, 0, W, X, V, out);
}

void sgdl_logreg_hvp_lanes_exact(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  hvp_lanes_with(p, 1, W, X, V, out);
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
    .grad_sum_curv_lanes = logreg_grad_sum_curv_lanes,
    .hvp_curv_lanes = logreg_hvp_curv_lanes,
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
