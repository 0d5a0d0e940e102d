/* The mlp problem type (sgdlab/mlp_problem.h): the problem vtable written on the network passes.
 *   loss, grad, hvp:        whole-training-set passes in chunks (sgdl_mlp_evaluate, sgdl_mlp_hess_mv);
 *   hvp_lanes:              hvp over a block of lanes with one work for the call (float64: bitwise hvp
 *                           lane by lane; float32: the float R-op, each chunk loaded once per group);
 *   loss_sample, grad_sample: one example at batch 1 (FAST kernel: the sparse-input path);
 *   grad_sum_lanes:         per lane, weighted minibatches in chunks through dgemm, or (no weights)
 *                           example by example accumulated exactly as grad_sample forms each term,
 *                           so the unweighted sum is bitwise the sum of grad_sample's outputs; the
 *                           lanes move in groups of LANE_GROUP (one cache line of the [d][W] block
 *                           per parameter, not one line per parameter and lane: at batch 1 the
 *                           strided copies in and out were ~65% of an SGD step, bench/RESULTS.md s17);
 *   sgd_step_lanes:         plain SGD's x -= lr (sum / B) in place, bitwise grad_sum_lanes then the
 *                           division and the rule, touching only the first-layer rows of the pixels
 *                           a lane's minibatch lights (mlp_sgd_lanes.c);
 *   grad_lanes:             grad lane by lane (bitwise grad: grad_lanes_exact);
 *   grad_and_sum_lanes:     grad L and the weighted sum over all N examples in one pass: per chunk
 *                           one forward and backward, two weight-gradient products on the shared
 *                           activations and deltas (bitwise grad_lanes and grad_sum_lanes; the
 *                           SME/SMF substeps of the dynamics layer take it, bench/RESULTS.md s20);
 *   noise_cols:             the d x N matrix (only the generic paths ask for it);
 *   observe:                held-out loss and 0-1 error, training error, distance from the start.
 * Float32 (spec dtype SGDL_DTYPE_F32): loss, grad, hvp, hvp_lanes, loss_sample, grad_sample,
 * grad_sum_lanes and grad_and_sum_lanes round x (and v) to float and run the passes of mlp_f32.c
 * (sgemm and the sparse first layer), widening the results; grad_sum_lanes then takes
 * chunks through the batched kernels with or without weights (its unweighted sum equals the sum of
 * grad_sample's outputs up to float rounding, not bitwise). The observables stay float64: they
 * measure, they are not the dynamics' hot path. (hvp was float64 until bench/RESULTS.md s22, when
 * SMF2's Hessian products were ~40% of a float32 run.)
 * No noise_apply: the dynamics layer's finite-data lane path (one weighted grad_sum_lanes pass)
 * is the streamed form of the flow noise already.
 * Scratch: the vtable entries that get no work buffer allocate one per call (a chunk of examples,
 * O(chunk x widest layer)); on allocation failure they return NaN, which the drivers report as
 * divergence. Nothing is written to the problem after creation: calls are thread-safe.
 * Does not: train (train.c), read files (idx.c, weights.c), or know any model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "sgdlab/mlp_problem.h"

enum { CHUNK = 64 }; /* examples per pass of the whole-data-set entries */
enum { LANE_GROUP = 16 }; /* lanes copied in and out of a [d][W] block together: two cache lines of doubles */

typedef struct {
  sgdl_mlp m;
  sgdl_imageset train, test;
  double *x_init; /* [n_params]: the starting weights (--init file or the --seed initialisation) */
  int from_file;  /* x_init came from --init (default_x0 then ignores its seed) */
  int dtype;      /* SGDL_DTYPE_F64 or SGDL_DTYPE_F32: the precision of the kernel paths (file comment) */
} mlp_impl;

static void fill_nan(int d, double *g) {
  for (int i = 0; i < d; i++) g[i] = NAN;
}

/* ---------------------------------------------------------------- float32 kernel paths */

/* One call's float32 scratch in one malloc: the rounded weights x, a gradient g, a work of
 * capacity cap (<= the set's size). Returns the block to free, NULL on failure. */
typedef struct {
  float *x, *g;
  sgdl_mlp_work32 w;
} call32;

static float *open32(const sgdl_mlp *m, size_t n_set, int cap, const double *x, call32 *c) {
  if ((size_t)cap > n_set) cap = (int)n_set;
  if (cap < 1) cap = 1;
  const size_t np = m->n_params;
  float *blk = malloc(sizeof(float) * (2 * np + sgdl_mlp32_work_floats(m, cap)));
  if (!blk) return NULL;
  c->x = blk;
  c->g = blk + np;
  sgdl_mlp32_round(np, x, c->x);
  sgdl_mlp32_work_view(m, cap, blk + 2 * np, &c->w);
  return blk;
}

/* Mean training loss, and the mean gradient into g when g is not NULL (float32 passes). */
static double whole_set32(const mlp_impl *q, const double *x, double *g) {
  call32 c;
  float *blk = open32(&q->m, q->train.n, 64, x, &c);
  if (!blk) return NAN;
  const double L = sgdl_mlp32_evaluate(&q->m, c.x, &q->train, &c.w, c.g, g, NULL);
  free(blk);
  return L;
}

/* Loss of example i, and its gradient into g when g is not NULL (float32, batch 1). */
static double sample32(const mlp_impl *q, const double *x, size_t i, double *g) {
  call32 c;
  float *blk = open32(&q->m, 1, 1, x, &c);
  if (!blk) return NAN;
  sgdl_mlp32_load_range(&q->m, &q->train, i, 1, &c.w);
  const double l = sgdl_mlp32_forward(&q->m, c.x, 1, &c.w);
  if (g) {
    sgdl_mlp32_backward(&q->m, c.x, 1, &c.w);
    memset(c.g, 0, sizeof(float) * q->m.n_params);
    sgdl_mlp32_grad_accum(&q->m, 1, &c.w, NULL, 1.0f, c.g);
    sgdl_mlp32_widen(q->m.n_params, c.g, g);
  }
  free(blk);
  return l;
}

/* A work of capacity cap (<= the set's size) in one calloc; NULL on failure. */
static double *work_open(const sgdl_mlp *m, size_t n, int cap, sgdl_mlp_work *w) {
  if ((size_t)cap > n) cap = (int)n;
  if (cap < 1) cap = 1;
  double *buf = calloc(sgdl_mlp_work_doubles(m, cap), sizeof *buf);
  if (buf) sgdl_mlp_work_view(m, cap, buf, w);
  return buf;
}

static double mlp_loss(const sgdl_problem *p, const double *x) {
  const mlp_impl *q = p->impl;
  if (q->dtype == SGDL_DTYPE_F32) return whole_set32(q, x, NULL);
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, q->train.n, CHUNK, &w);
  if (!buf) return NAN;
  double L = sgdl_mlp_evaluate(&q->m, x, &q->train, &w, NULL, NULL, NULL);
  free(buf);
  return L;
}

static void mlp_grad(const sgdl_problem *p, const double *x, double *g) {
  const mlp_impl *q = p->impl;
  if (q->dtype == SGDL_DTYPE_F32) {
    if (isnan(whole_set32(q, x, g))) fill_nan(p->dim, g);
    return;
  }
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, q->train.n, CHUNK, &w);
  if (!buf) return fill_nan(p->dim, g);
  sgdl_mlp_evaluate(&q->m, x, &q->train, &w, g, NULL, NULL);
  free(buf);
}

static void mlp_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out);

static void mlp_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  const mlp_impl *q = p->impl;
  if (q->dtype == SGDL_DTYPE_F32) return mlp_hvp_lanes(p, 1, x, v, out); /* one lane: [d][1] is x itself */
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, q->train.n, CHUNK, &w);
  if (!buf) return fill_nan(p->dim, out);
  sgdl_mlp_op op = {&q->m, x, &q->train, &w, NULL, 1.0};
  sgdl_mlp_hess_mv(&op, v, out);
  free(buf);
}

/* Forward and backward for example i at batch 1 (w has capacity >= 1). */
static void one_example(const mlp_impl *q, const double *x, size_t i, sgdl_mlp_work *w, int backward) {
  sgdl_mlp_load_range(&q->m, &q->train, i, 1, w);
  sgdl_mlp_forward(&q->m, x, 1, w, SGDL_KERNEL_FAST);
  if (backward) sgdl_mlp_backward(&q->m, x, 1, w, SGDL_KERNEL_FAST);
}

static double mlp_loss_sample(const sgdl_problem *p, const double *x, size_t i) {
  const mlp_impl *q = p->impl;
  if (q->dtype == SGDL_DTYPE_F32) return sample32(q, x, i, NULL);
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, 1, 1, &w);
  if (!buf) return NAN;
  one_example(q, x, i, &w, 0);
  double l = w.loss[0];
  free(buf);
  return l;
}

static void mlp_grad_sample(const sgdl_problem *p, const double *x, size_t i, double *g) {
  const mlp_impl *q = p->impl;
  if (q->dtype == SGDL_DTYPE_F32) {
    if (isnan(sample32(q, x, i, g))) fill_nan(p->dim, g);
    return;
  }
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, 1, 1, &w);
  if (!buf) return fill_nan(p->dim, g);
  one_example(q, x, i, &w, 1);
  memset(g, 0, sizeof(double) * (size_t)p->dim);
  sgdl_mlp_grad_accum(&q->m, 1, &w, NULL, 1.0, g, SGDL_KERNEL_FAST);
  free(buf);
}

static void mlp_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const int d = p->dim, K = p->n_noise;
  double *gL = malloc(sizeof(double) * 2 * (size_t)d), *gi = gL ? gL + d : NULL;
  if (!gL) {
    for (size_t i = 0; i < (size_t)d * K; i++) G[i] = NAN;
    return;
  }
  mlp_grad(p, x, gL);
  for (int k = 0; k < K; k++) {
    mlp_grad_sample(p, x, (size_t)k, gi);
    for (int i = 0; i < d; i++) G[(size_t)i * K + k] = gL[i] - gi[i];
  }
  free(gL);
}

/* Largest chunk (<= CHUNK) whose work fits in `avail` doubles. */
static int lanes_chunk(const sgdl_mlp *m, size_t avail) {
  int cap = CHUNK;
  while (cap > 1 && sgdl_mlp_work_doubles(m, cap) > avail) cap /= 2;
  return cap;
}

/* One lane: acc[d] = sum_b w_b grad l_{n(b)}(x). Unweighted: example by example at batch 1, each
 * term added as grad_sample forms it (0 + a_j d_k == a_j d_k, so the sum is bitwise that of
 * grad_sample's outputs). Weighted: chunks through the batched kernels with the weights folded in. */
static void lane_sum(const mlp_impl *q, const double *x, int W, int l, int nb, const uint32_t *idx,
                     const double *wt, double *acc, sgdl_mlp_work *w) {
  const sgdl_mlp *m = &q->m;
  uint32_t ids[CHUNK];
  double coef[CHUNK];
  memset(acc, 0, sizeof(double) * m->n_params);
  const int cap = wt ? w->cap : 1;
  for (int b0 = 0; b0 < nb; b0 += cap) {
    const int B = nb - b0 < cap ? nb - b0 : cap;
    for (int b = 0; b < B; b++) {
      const size_t bl = (size_t)(b0 + b) * (size_t)W + (size_t)l;
      ids[b] = idx ? idx[bl] : (uint32_t)(b0 + b);
      if (wt) coef[b] = wt[bl];
    }
    sgdl_mlp_load(m, &q->train, ids, B, w);
    sgdl_mlp_forward(m, x, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, x, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_accum(m, B, w, wt ? coef : NULL, 1.0, acc, SGDL_KERNEL_FAST);
  }
}

/* Lanes l0 .. l0+G-1 of a [d][W] block, to and from G contiguous points (point g at pts + g d):
 * G consecutive doubles of the block per parameter, so each cache line of it is touched once. */
static void group_get(int d, int W, const double *X, int l0, int G, double *pts) {
  for (int i = 0; i < d; i++) {
    const double *row = X + (size_t)i * W + l0;
    for (int g = 0; g < G; g++) pts[(size_t)g * d + i] = row[g];
  }
}

static void group_put(int d, int W, const double *pts, int l0, int G, double *out) {
  for (int i = 0; i < d; i++) {
    double *row = out + (size_t)i * W + l0;
    for (int g = 0; g < G; g++) row[g] = pts[(size_t)g * d + i];
  }
}

/* Largest float32 chunk (<= CHUNK) whose work fits in `avail` doubles. */
static int chunk32(const sgdl_mlp *m, size_t avail) {
  int cap = CHUNK;
  while (cap > 1 && sgdl_mlp32_work_floats(m, cap) > 2 * avail) cap /= 2;
  return cap;
}

/* The float32 lane sums: per group of lanes, x and acc as floats (G d each) at the start of work,
 * the float work after them; chunks through the batched kernels, weighted or not. */
static void grad_sum_lanes32(const mlp_impl *q, int d, int W, const double *X, int nb, const uint32_t *idx,
                             const double *wt, double *out, double *work, size_t avail) {
  const sgdl_mlp *m = &q->m;
  float *xs = (float *)work, *accs = xs + (size_t)LANE_GROUP * d;
  const int cap = chunk32(m, avail);
  sgdl_mlp_work32 w;
  sgdl_mlp32_work_view(m, cap, (float *)(work + (size_t)LANE_GROUP * d), &w);
  uint32_t ids[CHUNK];
  float coef[CHUNK];
  for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
    const int G = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
    for (int i = 0; i < d; i++)
      for (int g = 0; g < G; g++) xs[(size_t)g * d + i] = (float)X[(size_t)i * W + l0 + g];
    memset(accs, 0, sizeof(float) * (size_t)G * d);
    for (int g = 0; g < G; g++) {
      const int l = l0 + g;
      const float *x = xs + (size_t)g * d;
      float *acc = accs + (size_t)g * d;
      for (int b0 = 0; b0 < nb; b0 += cap) {
        const int B = nb - b0 < cap ? nb - b0 : cap;
        for (int b = 0; b < B; b++) {
          const size_t bl = (size_t)(b0 + b) * (size_t)W + (size_t)l;
          ids[b] = idx ? idx[bl] : (uint32_t)(b0 + b);
          if (wt) coef[b] = (float)wt[bl];
        }
        sgdl_mlp32_load(m, &q->train, ids, B, &w);
        sgdl_mlp32_forward(m, x, B, &w);
        sgdl_mlp32_backward(m, x, B, &w);
        sgdl_mlp32_grad_accum(m, B, &w, wt ? coef : NULL, 1.0f, acc);
      }
    }
    for (int i = 0; i < d; i++)
      for (int g = 0; g < G; g++) out[(size_t)i * W + l0 + g] = (double)accs[(size_t)g * d + i];
  }
}

/* Doubles of the lane work the float32 lane sums give their batch work (after x and the sums). */
static size_t avail32(const sgdl_problem *p) {
  return (size_t)sgdl_problem_lanes_work(p) - (size_t)LANE_GROUP * (size_t)p->dim;
}

static void mlp_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                               const double *wt, double *out, double *work) {
  const mlp_impl *q = p->impl;
  const int d = p->dim;
  if (q->dtype == SGDL_DTYPE_F32) return grad_sum_lanes32(q, d, W, X, nb, idx, wt, out, work, avail32(p));
  double *xs = work, *accs = work + (size_t)LANE_GROUP * d;
  sgdl_mlp_work w;
  const size_t avail = (size_t)sgdl_problem_lanes_work(p) - 2 * (size_t)LANE_GROUP * d;
  sgdl_mlp_work_view(&q->m, lanes_chunk(&q->m, avail), work + 2 * (size_t)LANE_GROUP * d, &w);
  for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
    const int G = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
    group_get(d, W, X, l0, G, xs);
    for (int g = 0; g < G; g++) lane_sum(q, xs + (size_t)g * d, W, l0 + g, nb, idx, wt, accs + (size_t)g * d, &w);
    group_put(d, W, accs, l0, G, out);
  }
}

/* The fused plain-SGD step (the vtable's sgd_step_lanes, mlp_sgd_lanes.c): float32 with the chunk
 * mlp_grad_sum_lanes takes, so the sums are its sums. The lane work always holds the step's work
 * (a few G d doubles against (4 + d) SGDL_LANES); a smaller one would take a scratch of its own. */
static void mlp_sgd_step_lanes(const sgdl_problem *p, int W, double *X, int nb, const uint32_t *idx, double lr,
                               double *work) {
  const mlp_impl *q = p->impl;
  const sgdl_mlp_sgd_call c = {&q->m, &q->train, q->dtype, q->dtype == SGDL_DTYPE_F32 ? chunk32(&q->m, avail32(p)) : 1};
  const size_t need = sgdl_mlp_sgd_work_doubles(&q->m, c.dtype, c.cap32);
  double *own = need > (size_t)sgdl_problem_lanes_work(p) ? malloc(sizeof(double) * need) : NULL;
  if (need > (size_t)sgdl_problem_lanes_work(p) && !own) return fill_nan(p->dim * W, X);
  sgdl_mlp_sgd_step_lanes(&c, W, X, nb, idx, lr, own ? own : work);
  free(own);
}

/* grad L over W lanes: mlp_grad lane by lane (bitwise its numbers, grad_lanes_exact), one
 * scratch for the call. */
static void mlp_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  const int d = p->dim;
  double *pt = malloc(sizeof(double) * 2 * (size_t)d), *g = pt ? pt + d : NULL;
  if (!pt) {
    fill_nan(d * W, Gout);
    return;
  }
  for (int l = 0; l < W; l++) {
    group_get(d, W, X, l, 1, pt);
    mlp_grad(p, pt, g);
    group_put(d, W, g, l, 1, Gout);
  }
  free(pt);
}

/* The fused pass, float64, one lane: per chunk of the training set one forward and one backward,
 * then the two weight-gradient products on the same activations and output deltas: 1/N for grad L
 * (gacc, as sgdl_mlp_evaluate forms it) and the lane's weights for the sum (sacc, as lane_sum
 * forms it). Chunks of w->cap (>= min(CHUNK, N)) examples from 0: the chunking of both. */
static void lane_fused(const mlp_impl *q, const double *x, int W, int l, const double *wt, double *gacc,
                       double *sacc, sgdl_mlp_work *w) {
  const sgdl_mlp *m = &q->m;
  const int N = (int)q->train.n;
  double coef[CHUNK];
  memset(gacc, 0, sizeof(double) * m->n_params);
  memset(sacc, 0, sizeof(double) * m->n_params);
  for (int b0 = 0; b0 < N; b0 += w->cap) {
    const int B = N - b0 < w->cap ? N - b0 : w->cap;
    for (int b = 0; b < B; b++) coef[b] = wt[(size_t)(b0 + b) * (size_t)W + (size_t)l];
    sgdl_mlp_load_range(m, &q->train, (size_t)b0, B, w);
    sgdl_mlp_forward(m, x, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, x, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_accum(m, B, w, NULL, 1.0 / (double)N, gacc, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_accum(m, B, w, coef, 1.0, sacc, SGDL_KERNEL_FAST);
  }
}

/* The float32 fused pass over a block: x, grad L and the sum as floats (3 G d at the start of
 * work), the float work after them; per chunk one forward and backward, two products (grad L
 * unscaled, divided by N when widened, as sgdl_mlp32_evaluate does; the sum with the weights
 * rounded to float, as grad_sum_lanes32 does). 0 when the work holds no chunk of min(CHUNK, N). */
static int fused_lanes32(const mlp_impl *q, int d, int W, const double *X, const double *wt, double *G, double *S,
                         double *work, size_t avail) {
  const sgdl_mlp *m = &q->m;
  const int N = (int)q->train.n;
  float *xs = (float *)work, *gs = xs + (size_t)LANE_GROUP * d, *ss = gs + (size_t)LANE_GROUP * d;
  int cap = CHUNK;
  while (cap > 1 && sgdl_mlp32_work_floats(m, cap) > 2 * avail) cap /= 2;
  if (cap < CHUNK && cap < N) return 0;
  sgdl_mlp_work32 w;
  sgdl_mlp32_work_view(m, cap, ss + (size_t)LANE_GROUP * d, &w);
  float coef[CHUNK];
  for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
    const int Gn = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
    for (int i = 0; i < d; i++)
      for (int g = 0; g < Gn; g++) xs[(size_t)g * d + i] = (float)X[(size_t)i * W + l0 + g];
    memset(gs, 0, sizeof(float) * (size_t)Gn * d);
    memset(ss, 0, sizeof(float) * (size_t)Gn * d);
    for (int b0 = 0; b0 < N; b0 += cap) { /* each chunk loaded once for the group's lanes */
      const int B = N - b0 < cap ? N - b0 : cap;
      sgdl_mlp32_load_range(m, &q->train, (size_t)b0, B, &w);
      for (int g = 0; g < Gn; g++) {
        const float *x = xs + (size_t)g * d;
        for (int b = 0; b < B; b++) coef[b] = (float)wt[(size_t)(b0 + b) * (size_t)W + (size_t)(l0 + g)];
        sgdl_mlp32_forward(m, x, B, &w);
        sgdl_mlp32_backward(m, x, B, &w);
        sgdl_mlp32_grad_accum(m, B, &w, NULL, 1.0f, gs + (size_t)g * d);
        sgdl_mlp32_grad_accum(m, B, &w, coef, 1.0f, ss + (size_t)g * d);
      }
    }
    for (int i = 0; i < d; i++)
      for (int g = 0; g < Gn; g++) {
        const size_t il = (size_t)i * W + l0 + g, gi = (size_t)g * d + i;
        G[il] = (double)gs[gi] / (double)N;
        S[il] = (double)ss[gi];
      }
  }
  return 1;
}

/* grad L -> G and sum_n w_n grad l_n -> S over a block in one pass over the training set (the
 * vtable's grad_and_sum_lanes): bitwise mlp_grad_lanes and mlp_grad_sum_lanes(N, NULL, w), since
 * both chunk the set alike and the products run on the same activations. Falls back to the two
 * calls without weights or when work cannot hold a whole chunk (never with sgdl_problem_lanes_work's
 * size). */
static void mlp_grad_and_sum_lanes(const sgdl_problem *p, int W, const double *X, const double *wt, double *G,
                                   double *S, double *work) {
  const mlp_impl *q = p->impl;
  const int d = p->dim, N = (int)q->train.n;
  const size_t group = 3 * (size_t)LANE_GROUP * d, total = (size_t)sgdl_problem_lanes_work(p);
  if (!wt) { /* the unweighted sum runs example by example (lane_sum): no shared chunks */
  } else if (q->dtype == SGDL_DTYPE_F32) {
    if (total > group && fused_lanes32(q, d, W, X, wt, G, S, work, total - group / 2)) return;
  } else if (total > group && (lanes_chunk(&q->m, total - group) >= CHUNK || lanes_chunk(&q->m, total - group) >= N)) {
    double *xs = work, *gs = xs + (size_t)LANE_GROUP * d, *ss = gs + (size_t)LANE_GROUP * d;
    sgdl_mlp_work w;
    sgdl_mlp_work_view(&q->m, lanes_chunk(&q->m, total - group), work + group, &w);
    for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
      const int Gn = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
      group_get(d, W, X, l0, Gn, xs);
      for (int g = 0; g < Gn; g++)
        lane_fused(q, xs + (size_t)g * d, W, l0 + g, wt, gs + (size_t)g * d, ss + (size_t)g * d, &w);
      group_put(d, W, gs, l0, Gn, G);
      group_put(d, W, ss, l0, Gn, S);
    }
    return;
  }
  mlp_grad_lanes(p, W, X, G);
  mlp_grad_sum_lanes(p, W, X, N, NULL, wt, S, work);
}

/* Hessian products over a block in float32 (the vtable's hvp_lanes and hvp): per group of lanes,
 * x, v and the product as floats, one work and R-op work for the call; each chunk of the training
 * set loaded once for the group, then per lane forward, backward and the R-op, accumulated in
 * float and divided by N when widened (as sgdl_mlp32_evaluate forms the gradient). */
static void hvp_lanes32(const mlp_impl *q, int d, int W, const double *X, const double *V, double *out) {
  const sgdl_mlp *m = &q->m;
  const int N = (int)q->train.n, cap = N < CHUNK ? N : CHUNK;
  const size_t group = (size_t)LANE_GROUP * d;
  float *xs = malloc(sizeof(float) * (3 * group + sgdl_mlp32_work_floats(m, cap) + sgdl_mlp32_rwork_floats(m, cap)));
  if (!xs) return fill_nan(d * W, out);
  float *vs = xs + group, *os = vs + group;
  sgdl_mlp_work32 w;
  sgdl_mlp_rwork32 r;
  sgdl_mlp32_work_view(m, cap, os + group, &w);
  sgdl_mlp32_rwork_view(m, cap, os + group + sgdl_mlp32_work_floats(m, cap), &r);
  for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
    const int Gn = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
    for (int i = 0; i < d; i++)
      for (int g = 0; g < Gn; g++) {
        xs[(size_t)g * d + i] = (float)X[(size_t)i * W + l0 + g];
        vs[(size_t)g * d + i] = (float)V[(size_t)i * W + l0 + g];
      }
    memset(os, 0, sizeof(float) * (size_t)Gn * d);
    for (int b0 = 0; b0 < N; b0 += cap) {
      const int B = N - b0 < cap ? N - b0 : cap;
      sgdl_mlp32_load_range(m, &q->train, (size_t)b0, B, &w);
      for (int g = 0; g < Gn; g++) {
        const float *x = xs + (size_t)g * d;
        sgdl_mlp32_forward(m, x, B, &w);
        sgdl_mlp32_backward(m, x, B, &w);
        sgdl_mlp32_hvp_accum(m, x, B, &w, &r, vs + (size_t)g * d, 1.0f, os + (size_t)g * d);
      }
    }
    for (int i = 0; i < d; i++)
      for (int g = 0; g < Gn; g++) out[(size_t)i * W + l0 + g] = (double)os[(size_t)g * d + i] / (double)N;
  }
  free(xs);
}

/* Hessian products over a block (the vtable's hvp_lanes): float64, mlp_hvp lane by lane (bitwise
 * its numbers) with one work for the call and the lanes moved in groups; float32, hvp_lanes32. */
static void mlp_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  const mlp_impl *q = p->impl;
  const int d = p->dim;
  if (q->dtype == SGDL_DTYPE_F32) return hvp_lanes32(q, d, W, X, V, out);
  const size_t group = (size_t)LANE_GROUP * d;
  double *xs = malloc(sizeof(double) * 3 * group), *vs = xs ? xs + group : NULL, *os = vs ? vs + group : NULL;
  sgdl_mlp_work w;
  double *buf = xs ? work_open(&q->m, q->train.n, CHUNK, &w) : NULL;
  if (!buf) {
    free(xs);
    return fill_nan(d * W, out);
  }
  for (int l0 = 0; l0 < W; l0 += LANE_GROUP) {
    const int Gn = W - l0 < LANE_GROUP ? W - l0 : LANE_GROUP;
    group_get(d, W, X, l0, Gn, xs);
    group_get(d, W, V, l0, Gn, vs);
    for (int g = 0; g < Gn; g++) {
      sgdl_mlp_op op = {&q->m, xs + (size_t)g * d, &q->train, &w, NULL, 1.0};
      sgdl_mlp_hess_mv(&op, vs + (size_t)g * d, os + (size_t)g * d);
    }
    group_put(d, W, os, l0, Gn, out);
  }
  free(buf);
  free(xs);
}

static const char *const observable_names[] = {"test_loss", "test_error", "train_error", "dist2_init", NULL};

static double mlp_observe(const sgdl_problem *p, int which, const double *x) {
  const mlp_impl *q = p->impl;
  if (which == 3) {
    double s = 0;
    for (int i = 0; i < p->dim; i++) s += (x[i] - q->x_init[i]) * (x[i] - q->x_init[i]);
    return s;
  }
  const sgdl_imageset *ds = which == 2 ? &q->train : &q->test;
  sgdl_mlp_work w;
  double *buf = work_open(&q->m, ds->n, CHUNK, &w);
  if (!buf) return NAN;
  size_t correct = 0;
  double L = sgdl_mlp_evaluate(&q->m, x, ds, &w, NULL, &correct, NULL);
  free(buf);
  return which == 0 ? L : 1.0 - (double)correct / (double)ds->n;
}

static void mlp_default_x0(const sgdl_problem *p, uint32_t seed, double *x) {
  const mlp_impl *q = p->impl;
  if (q->from_file) memcpy(x, q->x_init, sizeof(double) * (size_t)p->dim);
  else sgdl_mlp_init_params(&q->m, seed, x);
}

static void mlp_destroy(sgdl_problem *p) {
  mlp_impl *q = p->impl;
  if (!q) return;
  sgdl_imageset_free(&q->train);
  sgdl_imageset_free(&q->test);
  sgdl_free(q->x_init);
  sgdl_free(q);
  p->impl = NULL;
}

const sgdl_problem_type sgdl_mlp_problem_type = {
    .name = "mlp",
    .loss = mlp_loss,
    .grad = mlp_grad,
    .hvp = mlp_hvp,
    .hvp_lanes = mlp_hvp_lanes,
    .noise_cols = mlp_noise_cols,
    .grad_sample = mlp_grad_sample,
    .loss_sample = mlp_loss_sample,
    .destroy = mlp_destroy,
    .grad_sum_lanes = mlp_grad_sum_lanes,
    .grad_lanes = mlp_grad_lanes,
    .grad_lanes_exact = 1,
    .grad_and_sum_lanes = mlp_grad_and_sum_lanes,
    .sgd_step_lanes = mlp_sgd_step_lanes,
    .default_x0 = mlp_default_x0,
    .observable_names = observable_names,
    .observe = mlp_observe,
};

int sgdl_mlp_problem_parts(const sgdl_problem *p, const sgdl_mlp **m, const sgdl_imageset **train,
                           const sgdl_imageset **test) {
  if (!p || p->type != &sgdl_mlp_problem_type) return SGDL_ENOTSUP;
  const mlp_impl *q = p->impl;
  if (m) *m = &q->m;
  if (train) *train = &q->train;
  if (test) *test = &q->test;
  return SGDL_OK;
}

int sgdl_mlp_problem_dtype(const sgdl_problem *p) {
  if (!p || p->type != &sgdl_mlp_problem_type) return -1;
  return ((const mlp_impl *)p->impl)->dtype;
}

/* ---------------------------------------------------------------- construction */

void sgdl_mlp_problem_spec_init(sgdl_mlp_problem_spec *spec) {
  static const int one_hidden[1] = {32};
  memset(spec, 0, sizeof *spec);
  spec->n_train = 256;
  spec->n_test = 256;
  spec->hidden = one_hidden;
  spec->n_hidden = 1;
  spec->act = SGDL_ACT_TANH;
  spec->loss = SGDL_LOSS_CE;
  spec->seed = 1;
}

/* "784-32-10 tanh" */
static void shape_text(int L, const int *size, int act, char *buf, size_t n) {
  size_t k = 0;
  for (int l = 0; l <= L && k < n; l++) k += (size_t)snprintf(buf + k, n - k, "%s%d", l ? "-" : "", size[l]);
  if (k < n) snprintf(buf + k, n - k, " %s", L > 1 ? sgdl_act_name(act) : "(no hidden layer)");
}

/* The network the spec and data ask for, or the file's: the file must agree with every layer the
 * command line states (inputs from the data, hidden layers and activation when given) and have
 * an output for every label. *wt is loaded when spec->init is set. */
static int layout(sgdl_ctx *ctx, const sgdl_mlp_problem_spec *spec, const sgdl_imageset *tr,
                  const sgdl_imageset *te, sgdl_weights *wt, sgdl_mlp *m) {
  int classes = tr->n_classes > te->n_classes ? tr->n_classes : te->n_classes;
  if (!spec->init) {
    if (spec->n_hidden < 0 || spec->act < 0)
      return sgdl_fail(ctx, SGDL_EINVAL, "--hidden/--act: only --init can supply the layers");
    return sgdl_mlp_init(ctx, m, tr->dim, spec->hidden, spec->n_hidden, classes, spec->act);
  }
  int rc = sgdl_weights_load(ctx, spec->init, wt);
  if (rc && !strncmp(ctx->msg, "--resume: ", 10)) { /* the loader speaks for train's flag; this is --init */
    memmove(ctx->msg + 8, ctx->msg + 10, strlen(ctx->msg + 10) + 1);
    memcpy(ctx->msg, "--init: ", 8);
  }
  if (rc) return rc;
  const sgdl_mlp *f = &wt->m;
  int want[SGDL_MLP_MAX_LAYERS + 1], L = spec->n_hidden < 0 ? f->L : spec->n_hidden + 1;
  const int act = spec->act < 0 ? f->act : spec->act;
  want[0] = tr->dim;
  for (int l = 1; l < L; l++) want[l] = spec->n_hidden < 0 ? f->size[l] : spec->hidden[l - 1];
  want[L] = f->size[f->L] >= classes ? f->size[f->L] : classes;
  int same = L == f->L && (L == 1 || act == f->act);
  for (int l = 0; same && l <= L; l++) same = want[l] == f->size[l];
  if (!same) {
    char have[160], asked[160];
    shape_text(f->L, f->size, f->act, have, sizeof have);
    shape_text(L, want, act, asked, sizeof asked);
    return sgdl_fail(ctx, SGDL_EINVAL, "--init: %s holds a %s network but --data/--hidden/--act ask for %s",
                     spec->init, have, asked);
  }
  *m = *f;
  m->act = act;
  return SGDL_OK;
}

static int build(sgdl_ctx *ctx, const sgdl_mlp_problem_spec *spec, mlp_impl *q, sgdl_problem *p) {
  char dataset[256];
  if (!spec->data) return sgdl_fail(ctx, SGDL_EUSAGE, "--data: the mlp problem needs a folder of IDX image files");
  if (spec->loss != SGDL_LOSS_CE && spec->loss != SGDL_LOSS_MSE)
    return sgdl_fail(ctx, SGDL_EINVAL, "--loss: %d is neither ce nor mse", spec->loss);
  int rc = sgdl_data_open(ctx, spec->data, spec->n_train, spec->n_test, &q->train, &q->test, dataset);
  if (rc) return rc;
  if (q->train.n < 1 || q->test.n < 1)
    return sgdl_fail(ctx, SGDL_EINVAL, "--train/--test: the mlp problem needs at least one example in each set");
  sgdl_weights wt;
  memset(&wt, 0, sizeof wt);
  rc = layout(ctx, spec, &q->train, &q->test, &wt, &q->m);
  if (!rc && q->m.n_params > (1u << 24))
    rc = sgdl_fail(ctx, SGDL_EINVAL, "--hidden: %zu parameters, the mlp problem allows at most %u", q->m.n_params,
                   1u << 24);
  if (!rc && q->train.n > (1u << 24))
    rc = sgdl_fail(ctx, SGDL_EINVAL, "--train: %zu examples, the mlp problem allows at most %u", q->train.n, 1u << 24);
  if (!rc && !(q->x_init = sgdl_alloc(ctx, q->m.n_params, sizeof(double)))) rc = SGDL_ENOMEM;
  if (!rc) {
    q->m.loss = spec->loss;
    q->dtype = spec->dtype == SGDL_DTYPE_F32 ? SGDL_DTYPE_F32 : SGDL_DTYPE_F64;
    q->from_file = spec->init != NULL;
    if (q->from_file) memcpy(q->x_init, wt.params, sizeof(double) * q->m.n_params);
    else sgdl_mlp_init_params(&q->m, spec->seed, q->x_init);
  }
  sgdl_weights_free(&wt);
  if (rc) return rc;
  p->dim = (int)q->m.n_params;
  p->n_data = q->train.n;
  p->n_noise = (int)q->train.n;
  p->noise_weight = 1.0 / (double)q->train.n;
  p->noise_constant = 0;
  p->affine = 0;
  if (q->m.act == SGDL_ACT_RELU && q->m.L > 1)
    p->hvp_caveat = "ReLU hidden layers: Hessian-vector products drop the kinks (f'' = 0 almost everywhere), "
                    "so sme2/smf2 see only the piecewise-linear part; tanh, sigmoid or softplus are smooth";
  char shape[160];
  shape_text(q->m.L, q->m.size, q->m.act, shape, sizeof shape);
  snprintf(p->desc, sizeof p->desc, "mlp %.48s %s on %.40s (N=%zu, test %zu, d=%d%s)", shape, sgdl_loss_name(q->m.loss),
           spec->data, q->train.n, q->test.n, p->dim, q->dtype == SGDL_DTYPE_F32 ? ", float32" : "");
  return SGDL_OK;
}

int sgdl_mlp_problem_create(sgdl_ctx *ctx, const sgdl_mlp_problem_spec *spec, sgdl_problem **out) {
  *out = NULL;
  sgdl_problem *p = sgdl_alloc(ctx, 1, sizeof *p);
  mlp_impl *q = p ? sgdl_alloc(ctx, 1, sizeof *q) : NULL;
  if (!q) {
    sgdl_free(p);
    return SGDL_ENOMEM;
  }
  p->type = &sgdl_mlp_problem_type;
  p->impl = q;
  int rc = build(ctx, spec, q, p);
  if (rc) {
    sgdl_problem_destroy(p);
    return rc;
  }
  *out = p;
  return SGDL_OK;
}
