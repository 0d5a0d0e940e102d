/* Drift and noise of the continuous models on a block of lanes.
 *   drift: b = -grad L_alpha, L_alpha = L (gf, sme1, smf1) or L + alpha/4 |grad L|^2
 *          (sme2, smf2), whose gradient is grad L + alpha/2 Hess L grad L (SPEC 3.1);
 *   noise: sme: sqrt(alpha cB h) Sigma_1(x)^{1/2} z, z ~ N(0, I_d) per particle;
 *          smf: sqrt(alpha cB h w) sum_k G_k(x) z_k, z shared by all particles of a replica
 *          (w = noise_weight: the exact N^{-1/2} sum_i G(x, theta_i) dbeta_i form for P_N).
 * Constant noise (additive problems) uses factors precomputed at plan time; state-dependent
 * noise is formed per lane. For finite data sets the flow noise sum_i G_i z_i and the SME's
 * N-column form sqrt(1/N) sum_i zeta_i G_i (stepper.h) are one weighted pass of the problem's lane
 * kernel over the samples; the SME's sqrt-sigma form accumulates Sigma_1 sample by sample per
 * lane (O(d^2) memory) and takes its square root. sgdl_model_noise_grad (usme) and
 * sgdl_model_noise_drift (the other models) give the steppers noise and grad L of a substep at once:
 * with a type's fused grad_and_sum_lanes (logreg, mlp) one pass over the samples yields grad L and
 * the noise's weighted sum (the same numbers as the two calls), and the flow noise reuses the
 * drift's grad L wherever grad_lanes rounds as grad; a type with the curvature pair (logreg) keeps
 * that pass's Hessian weights for the modified drift's Hessian product at the same point. Where the
 * type names a lane chunk (sgdl_problem_lane_chunk: logreg at d > 4) a block's noise and drift run
 * chunk by chunk, so those per-sample weights are [N][chunk] arrays that stay in cache, with the
 * same numbers per lane. The substep increments z are normals, or two-
 * or three-point variables with par.increments (sgdl_increments_choose, also here). No BLAS or
 * LAPACK call here is threaded: the driver holds BLAS at one thread while lanes run. */
#include <math.h>
#include <string.h>

#include "dynamics/internal.h"
#include "dynamics/models.h"
#include "sgdlab/linalg.h"

int sgdl_model_work(const sgdl_problem *p) { return (int)sgdl_model_work_for(p, 1, 1); }

static long terms_work(const sgdl_problem *p, int per_lane_noise) {
  long d = p->dim, K = p->n_data ? 0 : p->n_noise;
  /* drift: x, g, hv (3d) after the generic grad_lanes work (2d); noise: x, gL, gi, acc (4d), S, R
   * (2d^2), the square-root work (2d^2 + d), noise columns (d K) and one lane's normals (K).
   * Finite data, lane kernels instead: weights (N), sum and grad L (2d), z sums (1) per lane and
   * the problem's kernel scratch. */
  long per_point = 8 * d + 4 * d * d + d * K + p->n_noise + 16;
  /* a lane Hessian product: the generic grad_lanes work (2d), then hv [d][W] */
  if (p->type->hvp_lanes && per_point < 2 * d + d * SGDL_LANES) per_point = 2 * d + d * SGDL_LANES;
  if (!p->n_data) return per_point;
  if (!per_lane_noise) /* the drift alone: grad_lanes work, x, g, hv (a block of hv with hvp_lanes) */
    per_point = p->type->hvp_lanes ? 2 * d + d * SGDL_LANES + 16 : 5 * d + 16;
  const long lanes = ((long)p->n_data + 2 * d + 1) * SGDL_LANES + sgdl_problem_lanes_work(p);
  return lanes > per_point ? lanes : per_point;
}

/* A finite data set whose type gives the Hessian product from the grad L pass's numbers
 * (grad_sum_curv_lanes, hvp_curv_lanes): the modified drift keeps the curvature weights [N][W]
 * in the work past everything else (terms_work), else NULL. Only a modified model reserves them
 * (sgdl_model_work_for), so only a modified model may be given a cache. */
/* Curvature weights are kept per (sample, lane): above CURV_MAX samples they would cost more memory
 * (N x 256 doubles per thread, 2 GB at N = 1e6) and cache than the Hessian pass they save, so the
 * plain hvp_lanes runs instead (the same numbers bitwise, problem.h). */
enum { CURV_MAX = 16384 };
static int has_curv(const sgdl_problem *p) {
  return p->n_data && p->n_data <= CURV_MAX && p->type->grad_sum_curv_lanes && p->type->hvp_curv_lanes;
}
static long curv_at(const sgdl_problem *p) {
  const long a = terms_work(p, 0), b = terms_work(p, 1);
  return a > b ? a : b;
}
static double *curv_cache(const sgdl_problem *p, int modified, double *work) {
  return modified && has_curv(p) ? work + curv_at(p) : NULL;
}

/* Lane chunks (sgdl_problem_lane_chunk): a block's noise and drift run chunk by chunk, each chunk's
 * x, noise and drift gathered into three [d][c] blocks past the curvature weights (chunk_at), so
 * the per-sample arrays of the pass (noise weights, curvature weights) are [N][c], not [N][W]. */
static long chunk_at(const sgdl_problem *p, int modified) {
  return curv_at(p) + (modified && has_curv(p) ? (long)p->n_data * SGDL_LANES : 0);
}

long sgdl_model_work_for(const sgdl_problem *p, int per_lane_noise, int modified) {
  const long c = sgdl_problem_lane_chunk(p);
  if (c) return chunk_at(p, modified) + 3L * p->dim * c;
  return modified && has_curv(p) ? curv_at(p) + (long)p->n_data * SGDL_LANES : terms_work(p, per_lane_noise);
}

/* Lanes l0 .. l0 + nl - 1 of rows x [rows][W] <-> the block c [rows][nl] (a 16-lane row as two
 * vector moves, not a memcpy call). */
static void chunk_copy(int rows, int nl, const double *restrict from, size_t from_stride, double *restrict to,
                       size_t to_stride) {
  enum { C16 = 16 };
  if (nl == C16)
    for (int r = 0; r < rows; r++)
      for (int t = 0; t < C16; t++) to[(size_t)r * to_stride + t] = from[(size_t)r * from_stride + t];
  else
    for (int r = 0; r < rows; r++) memcpy(to + (size_t)r * to_stride, from + (size_t)r * from_stride, sizeof(double) * nl);
}
static void chunk_get(int rows, int W, const double *x, int l0, int nl, double *c) {
  chunk_copy(rows, nl, x + l0, (size_t)W, c, (size_t)nl);
}
static void chunk_put(int rows, int W, double *x, int l0, int nl, const double *c) {
  chunk_copy(rows, nl, c, (size_t)nl, x + l0, (size_t)W);
}

/* Bout holds grad L on entry; on return grad L_alpha with the time scale c0:
 * c0 (grad L + modc alpha Hess L grad L) (modified) or c0 grad L. C: the curvature weights at X
 * from the pass that formed grad L (curv_cache), or NULL. */
static void grad_finish(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work,
                        const double *C) {
  const sgdl_problem *p = s->prob;
  const sgdl_model_impl *m = s->impl;
  const int d = p->dim;
  if (m->c0 != 1)
    for (size_t i = 0; i < (size_t)d * W; i++) Bout[i] *= m->c0;
  if (modified && p->type->hvp_lanes) { /* one call for the block: as below, lane by lane */
    double *hv = work + 2 * d;
    const double c = m->modc * s->par.lr;
    if (C) p->type->hvp_curv_lanes(p, W, X, C, Bout, hv); /* bitwise hvp_lanes */
    else p->type->hvp_lanes(p, W, X, Bout, hv);
    for (size_t i = 0; i < (size_t)d * W; i++) Bout[i] += c * hv[i];
  } else if (modified) {
    double *x = work + 2 * d, *g = x + d, *hv = g + d;
    const double c = m->modc * s->par.lr; /* g already carries c0: c0 (grad L + modc alpha H grad L) */
    for (int l = 0; l < W; l++) {
      lane_get(d, W, X, l, x);
      lane_get(d, W, Bout, l, g);
      sgdl_modified_grad_point(p, c, x, g, hv);
      lane_put(d, W, Bout, l, g);
    }
  }
}

static void model_grad_block(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work) {
  double *C = curv_cache(s->prob, modified, work);
  if (C) s->prob->type->grad_sum_curv_lanes(s->prob, W, X, NULL, Bout, NULL, C, work); /* bitwise grad_lanes */
  else sgdl_problem_grad_lanes(s->prob, W, X, Bout, work);
  grad_finish(s, modified, W, X, Bout, work, C);
}

/* With curvature weights and a lane chunk smaller than the block: chunk by chunk (chunk_at), so
 * the weights are [N][c] between the grad L pass and the Hessian product (same numbers per lane). */
void sgdl_model_grad(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work) {
  const sgdl_problem *p = s->prob;
  const int c = sgdl_problem_lane_chunk(p), d = p->dim;
  if (!curv_cache(p, modified, work) || !c || W <= c) {
    model_grad_block(s, modified, W, X, Bout, work);
    return;
  }
  double *xc = work + chunk_at(p, modified), *bc = xc + (size_t)d * c;
  for (int l0 = 0; l0 < W; l0 += c) {
    const int nl = W - l0 < c ? W - l0 : c;
    chunk_get(d, W, X, l0, nl, xc);
    model_grad_block(s, modified, nl, xc, bc, work);
    chunk_put(d, W, Bout, l0, nl, bc);
  }
}

void sgdl_modified_grad_point(const sgdl_problem *p, double c, const double *x, double *g, double *hv) {
  p->type->hvp(p, x, g, hv);
  for (int i = 0; i < p->dim; i++) g[i] += c * hv[i];
}

void sgdl_model_drift(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work) {
  sgdl_model_grad(s, modified, W, X, Bout, work);
  for (size_t i = 0; i < (size_t)s->prob->dim * W; i++) Bout[i] = -Bout[i];
}

/* Sigma_1(x) for a finite data set, streamed: (1/N) sum_i G_i G_i^T, G_i = grad L - grad l_i. */
static void sigma1_finite(const sgdl_problem *p, const double *x, double *S, double *gL, double *gi) {
  const int d = p->dim;
  const size_t N = p->n_data;
  p->type->grad(p, x, gL);
  memset(S, 0, sizeof(double) * (size_t)d * d);
  for (size_t n = 0; n < N; n++) {
    p->type->grad_sample(p, x, n, gi);
    for (int i = 0; i < d; i++) gi[i] = gL[i] - gi[i];
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) S[(size_t)i * d + j] += gi[i] * gi[j];
  }
  for (size_t i = 0; i < (size_t)d * d; i++) S[i] /= (double)N;
}

/* zs[l] = z_0l + z_1l + ... + z_(N-1)l in that order, rows zW apart. A chunk of 16 lanes or less
 * (sgdl_model_noise_drift's lane chunks) keeps its sums in registers: through memory, its one or
 * two vectors per row would wait on the previous row's store. */
enum { SUM_CHUNK = 16 };
static void lane_sums(int N, int W, const double *restrict z, int zW, double *restrict zs) {
  if (W != SUM_CHUNK) {
    for (int l = 0; l < W; l++) zs[l] = 0;
    for (int n = 0; n < N; n++)
      for (int l = 0; l < W; l++) zs[l] += z[(size_t)n * zW + l];
    return;
  }
  double s[SUM_CHUNK];
  for (int t = 0; t < SUM_CHUNK; t++) s[t] = 0;
  for (int n = 0; n < N; n++)
    for (int t = 0; t < SUM_CHUNK; t++) s[t] += z[(size_t)n * zW + t];
  for (int t = 0; t < SUM_CHUNK; t++) zs[t] = s[t];
}

/* Finite data, lane kernels: Xout += amp sqrt(1/N) sum_i z_i G_i(x) over a block, z [N][W] with
 * rows zW apart (zW >= W: a block of lanes of a wider array of normals).
 * N-column SME (exact_flow 0): one weighted pass, weights zbar - z_i (zbar = mean z), since
 * grad L = mean_i grad l_i gives sum_i z_i G_i = sum_i (zbar - z_i) grad l_i.
 * Flow (exact_flow 1): (sum_i z_i) grad L - sum_i z_i grad l_i with grad L as grad computes it,
 * rounded exactly as the per-lane loop that preceded it (bitwise the same numbers); a type with
 * noise_apply (meanfield) forms its flow noise as that one weighted pass (exact_flow 0).
 * G NULL: the noise alone. G non-NULL: also grad L of the block into G as sgdl_problem_grad_lanes
 * gives it, from the same call (sgdl_problem_grad_and_sum_lanes: one pass over the samples with a
 * type's fused member, else the two calls); the flow then uses G as its grad L, so callers pass G
 * only when the type's grad_lanes is grad's rounding (lanes_grad_is_grad). */
static void noise_lanes(const sgdl_problem *p, int exact_flow, int W, const double *X, const double *z, int zW,
                        double amp, double *Xout, double *G, double *C, double *work) {
  const int d = p->dim, N = (int)p->n_data;
  double *u = work, *acc = u + (size_t)N * W, *gL = G ? G : acc + (size_t)d * W, *zs = acc + (size_t)2 * d * W,
         *sw = zs + W;
  lane_sums(N, W, z, zW, zs);
  if (!exact_flow) {
    double zbar[SGDL_LANES]; /* the same quotient as formed per sample before */
    for (int l = 0; l < W; l++) zbar[l] = zs[l] / N;
    for (int n = 0; n < N; n++)
      for (int l = 0; l < W; l++) u[(size_t)n * W + l] = zbar[l] - z[(size_t)n * zW + l];
  } else if (zW != W) /* the flow's weights are the normals: packed to the kernel's [N][W] */
    for (int n = 0; n < N; n++) memcpy(u + (size_t)n * W, z + (size_t)n * zW, sizeof(double) * (size_t)W);
  const double *weights = exact_flow && zW == W ? z : u;
  if (G && C) p->type->grad_sum_curv_lanes(p, W, X, weights, G, acc, C, sw); /* + curvature weights */
  else if (G) sgdl_problem_grad_and_sum_lanes(p, W, X, weights, G, acc, sw);
  else {
    sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, weights, acc, sw);
    if (exact_flow) sgdl_problem_grad_lanes_exact(p, W, X, gL, sw);
  }
  const double rw = sqrt(p->noise_weight);
  if (!exact_flow) {
    for (size_t i = 0; i < (size_t)d * W; i++) Xout[i] += amp * (acc[i] * rw);
    return;
  }
  for (int i = 0; i < d; i++)
    for (int l = 0; l < W; l++) {
      const size_t il = (size_t)i * W + l;
      Xout[il] += amp * ((zs[l] * gL[il] - acc[il]) * rw);
    }
}

/* 1 when the noise (smf: flow, else SME) of the model takes the lane kernels (noise_lanes): a
 * finite data set with state-dependent noise, the flow or the SME's N-column form. */
static int lane_noise(const sgdl_problem *p, const sgdl_model_impl *m, int smf) {
  return p->n_data && !m->factor && (smf || m->ncol);
}
/* 1 when sgdl_problem_grad_lanes rounds as grad does: an exact grad_lanes, or none (the lane loop
 * over grad). The flow noise's grad L is grad's, so only then may the drift's stand for it. */
static int lanes_grad_is_grad(const sgdl_problem *p) { return !p->type->grad_lanes || p->type->grad_lanes_exact; }

/* 1 when the noise and grad L of a substep come from one noise_lanes call (noise_grad_curv). */
static int noise_grad_lanes(const sgdl_problem *p, const sgdl_model_impl *m, int smf) {
  const int exact_flow = smf && !p->type->noise_apply;
  return m->noisy && lane_noise(p, m, smf) && (!exact_flow || lanes_grad_is_grad(p));
}

/* sgdl_model_noise_grad, with C non-NULL (curv_cache) also the curvature weights at X into C. */
static void noise_grad_curv(const sgdl_stepper *s, int smf, int W, const double *X, const double *z, double h,
                            double *Xout, double *G, double *C, double *work) {
  const sgdl_problem *p = s->prob;
  const sgdl_model_impl *m = s->impl;
  if (noise_grad_lanes(p, m, smf)) {
    noise_lanes(p, smf && !p->type->noise_apply, W, X, z, W, m->c0 * sqrt(s->par.lr * s->cB * h), Xout, G, C, work);
    return;
  }
  if (m->noisy) sgdl_model_noise(s, smf, W, X, z, h, Xout, work); /* the two terms apart */
  if (C) p->type->grad_sum_curv_lanes(p, W, X, NULL, G, NULL, C, work); /* bitwise grad_lanes */
  else sgdl_problem_grad_lanes(p, W, X, G, work);
}

void sgdl_model_noise_grad(const sgdl_stepper *s, int smf, int W, const double *X, const double *z, double h,
                           double *Xout, double *G, double *work) {
  noise_grad_curv(s, smf, W, X, z, h, Xout, G, NULL, work);
}

/* Bout = -grad L_alpha after noise_grad_curv / noise_lanes left grad L in it (C: its curvature weights). */
static void drift_finish(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work,
                         const double *C) {
  grad_finish(s, modified, W, X, Bout, work, C);
  for (size_t i = 0; i < (size_t)s->prob->dim * W; i++) Bout[i] = -Bout[i];
}

/* A type with a lane chunk c smaller than the block and noise through its lane kernels: chunk by
 * chunk, x, noise and drift of the chunk gathered into [d][c] blocks (chunk_at) and the normals
 * read in place (noise_lanes' row stride), so the noise weights and curvature weights are [N][c]
 * and stay in cache from the pass to the product, instead of [N][W] arrays written and read back
 * (2 MB each at N = 1024). Every operation is per lane, and the type's numbers do not depend on W. */
void sgdl_model_noise_drift(const sgdl_stepper *s, int smf, int modified, int W, const double *X, const double *z,
                            double h, double *Xout, double *Bout, double *work) {
  const sgdl_problem *p = s->prob;
  const sgdl_model_impl *m = s->impl;
  const int c = sgdl_problem_lane_chunk(p), d = p->dim;
  double *C = curv_cache(p, modified, work);
  if (!c || W <= c || !noise_grad_lanes(p, m, smf)) {
    noise_grad_curv(s, smf, W, X, z, h, Xout, Bout, C, work);
    drift_finish(s, modified, W, X, Bout, work, C);
    return;
  }
  const int exact_flow = smf && !p->type->noise_apply;
  const double amp = m->c0 * sqrt(s->par.lr * s->cB * h);
  double *xc = work + chunk_at(p, modified), *oc = xc + (size_t)d * c, *bc = oc + (size_t)d * c;
  for (int l0 = 0; l0 < W; l0 += c) {
    const int nl = W - l0 < c ? W - l0 : c;
    chunk_get(d, W, X, l0, nl, xc);
    chunk_get(d, W, Xout, l0, nl, oc);
    noise_lanes(p, exact_flow, nl, xc, z + l0, W, amp, oc, bc, C, work);
    drift_finish(s, modified, nl, xc, bc, work, C);
    chunk_put(d, W, Xout, l0, nl, oc);
    chunk_put(d, W, Bout, l0, nl, bc);
  }
}

void sgdl_model_noise(const sgdl_stepper *s, int smf, int W, const double *X, const double *z, double h,
                      double *Xout, double *work) {
  const sgdl_problem *p = s->prob;
  const sgdl_model_impl *m = s->impl;
  const int d = p->dim, K = p->n_noise;
  const double amp = m->c0 * sqrt(s->par.lr * s->cB * h);
  if (lane_noise(p, m, smf)) {
    /* a finite-data type with its own noise_apply forms the flow's product as the N-column pass */
    noise_lanes(p, smf && !p->type->noise_apply, W, X, z, W, amp, Xout, NULL, NULL, work);
    return;
  }
  if (m->factor) { /* constant noise: Xout += amp * F z, F = Sigma_1^{1/2} (d x d) or sqrt(w) G (d x K) */
    const int cols = m->factor_cols;
    for (int i = 0; i < d; i++)
      for (int k = 0; k < cols; k++) {
        const double c = amp * m->factor[(size_t)i * cols + k];
        if (c == 0) continue;
        for (int l = 0; l < W; l++) Xout[(size_t)i * W + l] += c * z[(size_t)k * W + l];
      }
    return;
  }
  double *x = work, *gL = x + d, *gi = gL + d, *acc = gi + d, *S = acc + d, *R = S + (size_t)d * d,
         *sw = R + (size_t)d * d, *Gc = sw + (size_t)2 * d * d + d;
  for (int l = 0; l < W; l++) {
    lane_get(d, W, X, l, x);
    memset(acc, 0, sizeof(double) * d);
    if (smf && p->type->noise_apply) {
      double *zl = Gc + (size_t)d * (p->n_data ? 0 : K); /* this lane's K normals, contiguous */
      for (int k = 0; k < K; k++) zl[k] = z[(size_t)k * W + l];
      p->type->noise_apply(p, x, zl, acc);
      for (int i = 0; i < d; i++) acc[i] *= sqrt(p->noise_weight);
    } else if (smf) { /* (a finite data set's flow always takes noise_lanes above) */
      p->type->noise_cols(p, x, Gc);
      for (int i = 0; i < d; i++)
        for (int k = 0; k < K; k++) acc[i] += Gc[(size_t)i * K + k] * z[(size_t)k * W + l];
      for (int i = 0; i < d; i++) acc[i] *= sqrt(p->noise_weight);
    } else {
      if (p->n_data) sigma1_finite(p, x, S, gL, gi);
      else sgdl_problem_sigma1(p, x, S, Gc);
      if (d == 1) R[0] = sqrt(fmax(S[0], 0.0));
      else sgdl_sym_sqrt_clip(d, S, R, sw);
      for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) acc[i] += R[(size_t)i * d + j] * z[(size_t)j * W + l];
    }
    for (int i = 0; i < d; i++) Xout[(size_t)i * W + l] += amp * acc[i];
  }
}

void sgdl_model_normals(uint32_t seed, uint32_t stream, int particle, const sgdl_lanes *L, uint64_t c, int nz,
                        double *out, double *scratch) {
  const int W = L->W;
  sgdl_rng_normals(seed, L->replica0, W, c / 2, SGDL_PURPOSE(SGDL_RNG_NORMAL, stream, particle), (size_t)2 * nz, scratch);
  lanes_mirror_normals(L, scratch, (size_t)2 * nz * W);
  memcpy(out, scratch + (c % 2) * (size_t)nz * W, sizeof(double) * (size_t)nz * W);
}

const double *sgdl_model_normals_cached(const sgdl_stepper *s, const sgdl_lanes *L, uint64_t c, int particle, int nz,
                                        double *cache, double *scratch) {
  const int W = L->W;
  if (c % 2) return cache;
  const uint32_t purpose = SGDL_PURPOSE(SGDL_RNG_NORMAL, s->stream, particle);
  if (s->par.increments == SGDL_INCREMENTS_TWO_POINT)
    sgdl_rng_two_point(s->seed, L->replica0, W, c / 2, purpose, (size_t)2 * nz, scratch);
  else if (s->par.increments == SGDL_INCREMENTS_THREE_POINT)
    sgdl_rng_three_point(s->seed, L->replica0, W, c / 2, purpose, (size_t)2 * nz, scratch);
  else sgdl_rng_normals(s->seed, L->replica0, W, c / 2, purpose, (size_t)2 * nz, scratch);
  lanes_mirror_normals(L, scratch, (size_t)2 * nz * W);
  memcpy(cache, scratch + (size_t)nz * W, sizeof(double) * (size_t)nz * W);
  return scratch;
}

const char *sgdl_increments_name(int increments) {
  return increments == SGDL_INCREMENTS_TWO_POINT ? "two-point" : increments == SGDL_INCREMENTS_THREE_POINT ? "three-point" : "gauss";
}

int sgdl_increments_choose(sgdl_ctx *ctx, const char *text, const char *scheme, sgdl_algo_params *par) {
  if (!strcmp(text, "auto")) { /* the cheapest increments that keep the scheme's weak order */
    const int order2 = scheme ? strcmp(scheme, "em") != 0 : par->scheme == SGDL_SCHEME_HEUN;
    par->increments = order2 ? SGDL_INCREMENTS_THREE_POINT : SGDL_INCREMENTS_TWO_POINT;
    return SGDL_OK;
  }
  for (int k = SGDL_INCREMENTS_GAUSS; k <= SGDL_INCREMENTS_THREE_POINT; k++)
    if (!strcmp(text, sgdl_increments_name(k))) {
      par->increments = k;
      return SGDL_OK;
    }
  return sgdl_fail(ctx, SGDL_EUSAGE, "--increments: '%s' is not one of gauss|two-point|three-point|auto", text);
}
