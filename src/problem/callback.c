/* callback: a problem whose loss, gradient, Hessian-vector product, noise columns and per-sample
 * terms are the caller's functions over blocks of lanes (sgdl_callback_problem in
 * sgdlab/problem.h; Python's sgdlab.Problem wraps NumPy functions as these callbacks).
 * The lane kernels hand a whole block to one call: grad_lanes and hvp_lanes transpose the block's
 * structure-of-arrays X[i*W + l] into the callbacks' W x d rows and back; grad_sum_lanes asks
 * for the per-sample gradients of all minibatch samples of all lanes at once (in chunks of at
 * most CHUNK_POINTS point-sample pairs) and sums them b = 0, 1, ... from 0, as the generic loop
 * does. The per-point members call the callbacks with W = 1.
 * Finite data: the noise columns G_k = grad L - grad l_k come from grad and grad_sample.
 * Failure: the first callback that returns non-zero (or a scratch buffer that cannot be
 * allocated) is recorded in the struct's failed / failure; from then on no callback runs and every
 * output is NaN, so the run ends quickly and its caller reports the failure.
 * Does not: call the callbacks under a lock (a Python front end serialises on its own lock, the
 * GIL), own the callbacks' struct or user data, or check derivatives (sgdl_problem_check does). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem/problem_impl.h"

/* At most this many point-sample pairs per grad_sample call (bounds the scratch: CHUNK_POINTS * d
 * doubles). */
#define CHUNK_POINTS 65536

static int has_failed(const sgdl_callback_problem *cb) { return __atomic_load_n(&cb->failed, __ATOMIC_ACQUIRE); }

/* Record the first failure; later ones are consequences and are dropped. */
static void record_failure(sgdl_callback_problem *cb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record_failure(sgdl_callback_problem *cb, const char *fmt, ...) {
  int expected = 0;
  if (!__atomic_compare_exchange_n(&cb->failed, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cb->failure, sizeof cb->failure, fmt, ap);
  va_end(ap);
}

/* 1 if the callback's return code says it succeeded; records the failure otherwise. */
static int returned_ok(sgdl_callback_problem *cb, int rc, const char *which) {
  if (rc) record_failure(cb, "the %s callback failed (returned %d)", which, rc);
  return rc == 0;
}

static void fill_nan(double *out, size_t n) {
  for (size_t k = 0; k < n; k++) out[k] = NAN;
}

/* Scratch for one call, or NULL after recording the failure. */
static double *scratch(sgdl_callback_problem *cb, size_t doubles) {
  double *s = calloc(doubles ? doubles : 1, sizeof(double));
  if (!s) record_failure(cb, "out of memory for a block of %zu doubles", doubles);
  return s;
}

static double cb_loss(const sgdl_problem *p, const double *x) {
  sgdl_callback_problem *cb = p->impl;
  double v = NAN;
  if (has_failed(cb) || !returned_ok(cb, cb->loss(cb->user, 1, x, &v), "loss")) return NAN;
  return v;
}

static void cb_grad(const sgdl_problem *p, const double *x, double *g) {
  sgdl_callback_problem *cb = p->impl;
  if (has_failed(cb) || !returned_ok(cb, cb->grad(cb->user, 1, x, g), "grad")) fill_nan(g, (size_t)p->dim);
}

static void cb_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  sgdl_callback_problem *cb = p->impl;
  if (has_failed(cb) || !returned_ok(cb, cb->hvp(cb->user, 1, x, v, out), "hvp")) fill_nan(out, (size_t)p->dim);
}

static void cb_grad_sample(const sgdl_problem *p, const double *x, size_t i, double *g) {
  sgdl_callback_problem *cb = p->impl;
  const uint32_t n = (uint32_t)i;
  if (has_failed(cb) || !returned_ok(cb, cb->grad_sample(cb->user, 1, 1, x, &n, g), "grad_sample"))
    fill_nan(g, (size_t)p->dim);
}

static double cb_loss_sample(const sgdl_problem *p, const double *x, size_t i) {
  sgdl_callback_problem *cb = p->impl;
  const uint32_t n = (uint32_t)i;
  double v = NAN;
  if (has_failed(cb) || !returned_ok(cb, cb->loss_sample(cb->user, 1, 1, x, &n, &v), "loss_sample")) return NAN;
  return v;
}

/* Finite data: G[j*N + k] = (grad L)_j - (grad l_k)_j, the per-sample gradients in chunks. */
static int finite_noise_cols(sgdl_callback_problem *cb, int d, size_t N, const double *x, double *G) {
  size_t chunk = N < CHUNK_POINTS ? N : CHUNK_POINTS;
  double *buf = scratch(cb, chunk * (size_t)d + (size_t)d + (chunk + 1) / 2);
  if (!buf) return 0;
  double *gL = buf, *gs = buf + d;
  uint32_t *idx = (uint32_t *)(gs + chunk * (size_t)d);
  int ok = returned_ok(cb, cb->grad(cb->user, 1, x, gL), "grad");
  for (size_t k0 = 0; k0 < N && ok; k0 += chunk) {
    const int nb = (int)(N - k0 < chunk ? N - k0 : chunk);
    for (int b = 0; b < nb; b++) idx[b] = (uint32_t)(k0 + (size_t)b);
    ok = returned_ok(cb, cb->grad_sample(cb->user, 1, nb, x, idx, gs), "grad_sample");
    for (int b = 0; b < nb && ok; b++)
      for (int j = 0; j < d; j++) G[(size_t)j * N + k0 + (size_t)b] = gL[j] - gs[(size_t)b * (size_t)d + (size_t)j];
  }
  free(buf);
  return ok;
}

static void cb_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  sgdl_callback_problem *cb = p->impl;
  const size_t size = (size_t)p->dim * (size_t)p->n_noise;
  int ok = !has_failed(cb);
  if (ok && p->n_data) ok = finite_noise_cols(cb, p->dim, p->n_data, x, G);
  else if (ok) ok = returned_ok(cb, cb->noise_cols(cb->user, 1, x, G), "noise_cols");
  if (!ok) fill_nan(G, size);
}

/* rows[l*d + i] = X[i*W + l] and back. */
static void lanes_to_rows(int W, int d, const double *X, double *rows) {
  for (int i = 0; i < d; i++)
    for (int l = 0; l < W; l++) rows[(size_t)l * (size_t)d + (size_t)i] = X[(size_t)i * (size_t)W + (size_t)l];
}

static void rows_to_lanes(int W, int d, const double *rows, double *X) {
  for (int i = 0; i < d; i++)
    for (int l = 0; l < W; l++) X[(size_t)i * (size_t)W + (size_t)l] = rows[(size_t)l * (size_t)d + (size_t)i];
}

static void cb_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout) {
  sgdl_callback_problem *cb = p->impl;
  const int d = p->dim;
  const size_t n = (size_t)W * (size_t)d;
  double *rows = has_failed(cb) ? NULL : scratch(cb, 2 * n);
  int ok = rows != NULL;
  if (ok) {
    lanes_to_rows(W, d, X, rows);
    ok = returned_ok(cb, cb->grad(cb->user, W, rows, rows + n), "grad");
  }
  if (ok) rows_to_lanes(W, d, rows + n, Gout);
  else fill_nan(Gout, n);
  free(rows);
}

static void cb_hvp_lanes(const sgdl_problem *p, int W, const double *X, const double *V, double *out) {
  sgdl_callback_problem *cb = p->impl;
  const int d = p->dim;
  const size_t n = (size_t)W * (size_t)d;
  double *rows = has_failed(cb) ? NULL : scratch(cb, 3 * n);
  int ok = rows != NULL;
  if (ok) {
    lanes_to_rows(W, d, X, rows);
    lanes_to_rows(W, d, V, rows + n);
    ok = returned_ok(cb, cb->hvp(cb->user, W, rows, rows + n, rows + 2 * n), "hvp");
  }
  if (ok) rows_to_lanes(W, d, rows + 2 * n, out);
  else fill_nan(out, n);
  free(rows);
}

/* out[i*W + l] += sum over the chunk's samples b0 <= b < b0 + nb of w_b,l g[(l*nb + b - b0)*d + i],
 * b in increasing order (w NULL: weight 1, no product). */
static void add_chunk(int W, int d, int b0, int nb, const double *w, const double *g, double *out) {
  for (int l = 0; l < W; l++)
    for (int b = 0; b < nb; b++) {
      const double *gb = g + ((size_t)l * (size_t)nb + (size_t)b) * (size_t)d;
      const double wb = w ? w[(size_t)(b0 + b) * (size_t)W + (size_t)l] : 1;
      for (int i = 0; i < d; i++) out[(size_t)i * (size_t)W + (size_t)l] += w ? wb * gb[i] : gb[i];
    }
}

static void cb_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                              const double *w, double *out, double *work) {
  (void)work; /* the scratch here depends on nb; sgdl_problem_lanes_work does not know it */
  sgdl_callback_problem *cb = p->impl;
  const int d = p->dim;
  const size_t n = (size_t)W * (size_t)d;
  int chunk = (int)(CHUNK_POINTS / W);
  if (chunk < 1) chunk = 1;
  if (chunk > nb) chunk = nb;
  const size_t pairs = (size_t)W * (size_t)chunk;
  double *buf = has_failed(cb) ? NULL : scratch(cb, n + pairs * (size_t)d + (pairs + 1) / 2);
  memset(out, 0, sizeof(double) * n);
  if (!buf) {
    fill_nan(out, n);
    return;
  }
  lanes_to_rows(W, d, X, buf);
  double *g = buf + n;
  uint32_t *pick = (uint32_t *)(g + pairs * (size_t)d);
  int ok = 1;
  for (int b0 = 0; b0 < nb && ok; b0 += chunk) {
    const int m = nb - b0 < chunk ? nb - b0 : chunk;
    for (int l = 0; l < W; l++)
      for (int b = 0; b < m; b++)
        pick[(size_t)l * (size_t)m + (size_t)b] =
            idx ? idx[(size_t)(b0 + b) * (size_t)W + (size_t)l] : (uint32_t)(b0 + b);
    ok = returned_ok(cb, cb->grad_sample(cb->user, W, m, buf, pick, g), "grad_sample");
    if (ok) add_chunk(W, d, b0, m, w, g, out);
  }
  if (!ok) fill_nan(out, n);
  free(buf);
}

/* Four const types: additive or finite data, with or without the caller's hvp. */
#define CALLBACK_MEMBERS \
  .name = "callback", .loss = cb_loss, .grad = cb_grad, .noise_cols = cb_noise_cols, .grad_lanes = cb_grad_lanes
#define CALLBACK_FINITE \
  .grad_sample = cb_grad_sample, .loss_sample = cb_loss_sample, .grad_sum_lanes = cb_grad_sum_lanes
#define CALLBACK_HVP .hvp = cb_hvp, .hvp_lanes = cb_hvp_lanes

static const sgdl_problem_type additive_type = {CALLBACK_MEMBERS};
static const sgdl_problem_type additive_hvp_type = {CALLBACK_MEMBERS, CALLBACK_HVP};
static const sgdl_problem_type finite_type = {CALLBACK_MEMBERS, CALLBACK_FINITE};
static const sgdl_problem_type finite_hvp_type = {CALLBACK_MEMBERS, CALLBACK_FINITE, CALLBACK_HVP};

int sgdl_callback_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  sgdl_callback_problem *cb = spec->callbacks;
  if (!cb)
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--problem callback: no callbacks were given (a problem of callbacks exists only in-process: "
                     "Python's sgdlab.Problem or sgdl_run_json_with_problem)");
  if (cb->dim < 1) return sgdl_fail(ctx, SGDL_EINVAL, "problem callback: dim %d is not positive", cb->dim);
  if (!cb->loss || !cb->grad) return sgdl_fail(ctx, SGDL_EINVAL, "problem callback: loss and grad are required");
  if (cb->n_data > INT32_MAX)
    return sgdl_fail(ctx, SGDL_EINVAL, "problem callback: n_data %zu exceeds the %d noise columns a problem can have",
                     cb->n_data, INT32_MAX);
  if (cb->n_data && (!cb->grad_sample || !cb->loss_sample))
    return sgdl_fail(ctx, SGDL_EINVAL, "problem callback: finite data (n_data = %zu) needs grad_sample and loss_sample",
                     cb->n_data);
  if (!cb->n_data && (!cb->noise_cols || cb->n_noise < 1))
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "problem callback: additive noise (n_data = 0) needs noise_cols and n_noise >= 1 (got %d)",
                     cb->n_noise);
  p->type = cb->n_data ? (cb->hvp ? &finite_hvp_type : &finite_type) : (cb->hvp ? &additive_hvp_type : &additive_type);
  p->impl = cb; /* borrowed: the types have no destroy */
  p->dim = cb->dim;
  p->n_data = cb->n_data;
  p->n_noise = cb->n_data ? (int)cb->n_data : cb->n_noise;
  p->noise_weight = cb->n_data ? 1.0 / (double)cb->n_data : 1.0;
  p->noise_constant = cb->noise_constant != 0;
  p->affine = cb->affine != 0;
  snprintf(p->desc, sizeof p->desc, "%s", cb->desc && cb->desc[0] ? cb->desc : "callback problem");
  return SGDL_OK;
}
