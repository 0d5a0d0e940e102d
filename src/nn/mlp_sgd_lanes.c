/* The mlp problem's fused plain-SGD step (nn_internal.h; the vtable's sgd_step_lanes, contract in
 * sgdlab/problem.h): over a [d][W] block of lanes, in place,
 *   X_l <- X_l - lr ((sum_b grad l_{idx[b][l]}(X_l)) / nb),
 * bitwise what the three passes make (mlp_problem.c's unweighted grad_sum_lanes into a gradient
 * block, the division by nb, optim.c's x -= lr g), while touching only the part of the block a
 * lane's step can change. A first-layer weight W_0[j][k] has a nonzero gradient only when pixel j
 * is nonzero in some example of the lane's minibatch: the grad_sum_lanes passes never write the
 * other rows of their accumulator (the batch-1 and sparse-batch loops skip zero pixels), so those
 * hold +0, and x - lr * (+0 / nb) == x bitwise for lr > 0 finite (-0 and NaN included). The
 * float32 chunks that go through sgemm instead (more than a third of their inputs nonzero) write
 * every row, zeros and NaN alike: a lane with such a chunk takes every row.
 * Lanes move in groups of SGD_GROUP (8 doubles: one cache line of a block row): per group, the rows
 * some lane needs (the union of the lanes' pixel sets; every other parameter always) are copied
 * into per-lane points and zeroed accumulators, each lane's sum runs exactly as grad_sum_lanes runs
 * it (float64: example by example at batch 1; float32: x rounded to float, chunks of the same
 * capacity through the batched float passes, the sum widened), and the same rows are updated. A
 * lane's kernels read and write only its own pixel rows, so the other rows of the group's union
 * are exact zeros for it. Lanes of a group share the block's cache lines: at batch 1 on MNIST a
 * lane-step reads and writes ~1/3 of the block instead of it all, three times.
 * Does not: allocate (work is the caller's), weight the samples, or form the gradient block. */
#include <string.h>

#include "nn_internal.h"

enum { SGD_GROUP = 8 }; /* lanes per group: one 64-byte line of doubles per block row */

/* A group's row plan: which pixels each lane touches, and the block rows (parameters) to move. */
typedef struct {
  uint8_t *touch;   /* [SGD_GROUP][in]: pixel j nonzero in some example of lane g's minibatch */
  uint8_t *all;     /* [SGD_GROUP]: lane g has a float32 sgemm chunk (needs every row) */
  uint32_t *rows;   /* [n_params]: the parameters to move, ascending */
  size_t n_rows;
} group_plan;

/* Doubles of the row plan at the start of work: the row list, the touch marks. */
static size_t plan_doubles(const sgdl_mlp *m) {
  return (m->n_params + 1) / 2 + ((size_t)SGD_GROUP * ((size_t)m->size[0] + 1) + 7) / 8 + 1;
}

size_t sgdl_mlp_sgd_work_doubles(const sgdl_mlp *m, int dtype, int cap32) {
  const size_t np = m->n_params;
  if (dtype == SGDL_DTYPE_F32) /* x and the sum as floats, then the float work */
    return plan_doubles(m) + ((size_t)2 * SGD_GROUP * np + 1) / 2 + (sgdl_mlp32_work_floats(m, cap32) + 1) / 2 + 1;
  return plan_doubles(m) + (size_t)2 * SGD_GROUP * np + sgdl_mlp_work_doubles(m, 1);
}

/* Marks lane g's pixels (every pixel of every example of its minibatch that is nonzero) and, in
 * float32, whether some chunk of cap32 examples would go through sgemm (sgdl_mlp32_load's rule:
 * more than one example and over a third of the inputs nonzero). */
static void lane_pixels(const sgdl_mlp_sgd_call *c, int W, int l, int nb, const uint32_t *idx, uint8_t *touch,
                        uint8_t *all) {
  const int in = c->m->size[0], cap = c->dtype == SGDL_DTYPE_F32 ? c->cap32 : 1;
  const sgdl_imageset *ds = c->train;
  memset(touch, 0, (size_t)in);
  *all = 0;
  for (int b0 = 0; b0 < nb; b0 += cap) {
    const int B = nb - b0 < cap ? nb - b0 : cap;
    size_t nonzeros = 0;
    for (int b = 0; b < B; b++) {
      const uint8_t *px = ds->images + (size_t)idx[(size_t)(b0 + b) * W + l] * (size_t)ds->dim;
      int count = 0;
      for (int j = 0; j < in; j++) {
        const uint8_t on = px[j] != 0;
        touch[j] |= on;
        count += on;
      }
      nonzeros += (size_t)count;
    }
    if (B > 1 && 3 * nonzeros > (size_t)B * in) *all = 1;
  }
}

/* The rows a group of G lanes moves: the first layer's rows of the pixels some lane touches (all
 * of them when a lane needs every row), and every parameter outside the first layer's weights. */
static void plan_rows(const sgdl_mlp *m, int G, group_plan *gp) {
  const int in = m->size[0], out = m->size[1];
  const uint32_t w0 = (uint32_t)m->w_off[0], w1 = w0 + (uint32_t)in * (uint32_t)out;
  int every = 0;
  for (int g = 0; g < G; g++) every |= gp->all[g];
  size_t n = 0;
  for (uint32_t i = 0; i < w0; i++) gp->rows[n++] = i;
  for (int j = 0; j < in; j++) {
    int on = every;
    for (int g = 0; g < G && !on; g++) on = gp->touch[(size_t)g * in + j];
    if (!on) continue;
    for (uint32_t i = w0 + (uint32_t)j * (uint32_t)out, e = i + (uint32_t)out; i < e; i++) gp->rows[n++] = i;
  }
  for (uint32_t i = w1; i < (uint32_t)m->n_params; i++) gp->rows[n++] = i;
  gp->n_rows = n;
}

/* Block rows are W doubles apart (pages apart for wide blocks), too far for the hardware
 * prefetchers: each pass asks for the line PREFETCH rows ahead in its list. */
enum { PREFETCH = 24 };
static inline const double *ahead(const group_plan *gp, size_t t, int W, const double *X, int l0) {
  const size_t u = t + PREFETCH < gp->n_rows ? t + PREFETCH : gp->n_rows - 1;
  return X + (size_t)gp->rows[u] * (size_t)W + (size_t)l0;
}

/* Points and zeroed sums of the group's lanes over its rows (point g at pts + g np). */
static void gather64(const group_plan *gp, size_t np, int W, const double *X, int l0, int G, double *pts,
                     double *sums) {
  for (size_t t = 0; t < gp->n_rows; t++) {
    const size_t i = gp->rows[t];
    const double *row = X + i * (size_t)W + (size_t)l0;
    __builtin_prefetch(ahead(gp, t, W, X, l0), 0);
    for (int g = 0; g < G; g++) pts[(size_t)g * np + i] = row[g], sums[(size_t)g * np + i] = 0.0;
  }
}

static void gather32(const group_plan *gp, size_t np, int W, const double *X, int l0, int G, float *pts,
                     float *sums) {
  for (size_t t = 0; t < gp->n_rows; t++) {
    const size_t i = gp->rows[t];
    const double *row = X + i * (size_t)W + (size_t)l0;
    __builtin_prefetch(ahead(gp, t, W, X, l0), 0);
    for (int g = 0; g < G; g++) pts[(size_t)g * np + i] = (float)row[g], sums[(size_t)g * np + i] = 0.0f;
  }
}

/* x -= lr * (S / nb) over the group's rows: S the sum (float64), the quotient, the product, the
 * difference, each rounded in double as the gradient block's passes round them. */
static void update64(const group_plan *gp, size_t np, int W, double *X, int l0, int G, const double *sums,
                     int nb, double lr) {
  const double B = (double)nb;
  for (size_t t = 0; t < gp->n_rows; t++) {
    const size_t i = gp->rows[t];
    double *row = X + i * (size_t)W + (size_t)l0;
    __builtin_prefetch(ahead(gp, t, W, X, l0), 1);
    for (int g = 0; g < G; g++) row[g] -= lr * (sums[(size_t)g * np + i] / B);
  }
}

/* The same with the float32 sum widened first (as grad_sum_lanes32 widens it into the block). */
static void update32(const group_plan *gp, size_t np, int W, double *X, int l0, int G, const float *sums,
                     int nb, double lr) {
  const double B = (double)nb;
  for (size_t t = 0; t < gp->n_rows; t++) {
    const size_t i = gp->rows[t];
    double *row = X + i * (size_t)W + (size_t)l0;
    __builtin_prefetch(ahead(gp, t, W, X, l0), 1);
    for (int g = 0; g < G; g++) row[g] -= lr * ((double)sums[(size_t)g * np + i] / B);
  }
}

/* Lane l's sum in float64: example by example at batch 1, each term added as grad_sample forms
 * it (mlp_problem.c's lane_sum without weights). */
static void lane_sum64(const sgdl_mlp_sgd_call *c, const double *x, int W, int l, int nb, const uint32_t *idx,
                       double *acc, sgdl_mlp_work *w) {
  for (int b = 0; b < nb; b++) {
    const uint32_t id = idx[(size_t)b * W + l];
    sgdl_mlp_load(c->m, c->train, &id, 1, w);
    sgdl_mlp_forward(c->m, x, 1, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(c->m, x, 1, w, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_accum(c->m, 1, w, NULL, 1.0, acc, SGDL_KERNEL_FAST);
  }
}

/* Lane l's sum in float32: chunks of w->cap examples through the batched float passes
 * (mlp_problem.c's grad_sum_lanes32 without weights). */
static void lane_sum32(const sgdl_mlp_sgd_call *c, const float *x, int W, int l, int nb, const uint32_t *idx,
                       float *acc, sgdl_mlp_work32 *w) {
  uint32_t ids[64];
  const int cap = w->cap < 64 ? w->cap : 64;
  for (int b0 = 0; b0 < nb; b0 += cap) {
    const int B = nb - b0 < cap ? nb - b0 : cap;
    for (int b = 0; b < B; b++) ids[b] = idx[(size_t)(b0 + b) * W + l];
    sgdl_mlp32_load(c->m, c->train, ids, B, w);
    sgdl_mlp32_forward(c->m, x, B, w);
    sgdl_mlp32_backward(c->m, x, B, w);
    sgdl_mlp32_grad_accum(c->m, B, w, NULL, 1.0f, acc);
  }
}

void sgdl_mlp_sgd_step_lanes(const sgdl_mlp_sgd_call *c, int W, double *X, int nb, const uint32_t *idx, double lr,
                             double *work) {
  const sgdl_mlp *m = c->m;
  const size_t np = m->n_params, in = (size_t)m->size[0];
  group_plan gp;
  gp.rows = (uint32_t *)work;
  gp.touch = (uint8_t *)(work + (np + 1) / 2);
  gp.all = gp.touch + (size_t)SGD_GROUP * in;
  double *rest = work + plan_doubles(m);
  const int f32 = c->dtype == SGDL_DTYPE_F32;
  sgdl_mlp_work w64;
  sgdl_mlp_work32 w32;
  float *xs32 = (float *)rest, *acc32 = xs32 + (size_t)SGD_GROUP * np;
  double *xs64 = rest, *acc64 = rest + (size_t)SGD_GROUP * np;
  if (f32)
    sgdl_mlp32_work_view(m, c->cap32, (float *)(rest + ((size_t)2 * SGD_GROUP * np + 1) / 2), &w32);
  else
    sgdl_mlp_work_view(m, 1, rest + (size_t)2 * SGD_GROUP * np, &w64);
  for (int l0 = 0; l0 < W; l0 += SGD_GROUP) {
    const int G = W - l0 < SGD_GROUP ? W - l0 : SGD_GROUP;
    for (int g = 0; g < G; g++) lane_pixels(c, W, l0 + g, nb, idx, gp.touch + (size_t)g * in, gp.all + g);
    plan_rows(m, G, &gp);
    if (f32) {
      gather32(&gp, np, W, X, l0, G, xs32, acc32);
      for (int g = 0; g < G; g++)
        lane_sum32(c, xs32 + (size_t)g * np, W, l0 + g, nb, idx, acc32 + (size_t)g * np, &w32);
      update32(&gp, np, W, X, l0, G, acc32, nb, lr);
    } else {
      gather64(&gp, np, W, X, l0, G, xs64, acc64);
      for (int g = 0; g < G; g++)
        lane_sum64(c, xs64 + (size_t)g * np, W, l0 + g, nb, idx, acc64 + (size_t)g * np, &w64);
      update64(&gp, np, W, X, l0, G, acc64, nb, lr);
    }
  }
}
