/* Fast uniforms, Box-Muller normals and i.i.d. indices in the lane layout of
 * include/sgdlab/rng.h, and the block driver they share (sgdl_rng_drive).
 *
 * Work is cut into blocks of 64 Philox evaluations (philox_block.c). When a call has
 * 64 lanes or more (the ensemble hot loop), a block is 64 consecutive lanes at one
 * counter p, and its outputs are contiguous in rows 2p and 2p+1; a trailing partial
 * chunk is handled by starting the last chunk at lanes-64 (the overlap recomputes
 * identical values: every value is a pure function of its lane and counter). With
 * fewer than 64 lanes the (counter, lane) pairs are flattened into blocks and scattered.
 * Either way a lane's values never depend on the blocking.
 * Uniforms and indices are bit-identical to the reference in philox.c; normals use
 * bm_math.h instead of libm (within ~1e-14 of the reference, tested).
 * Floyd sampling without replacement is in indices.c.
 */
#include "rng/bm_math.h"
#include "rng/rng_internal.h"
#include "sgdlab/rng.h"

/* Vectorise the 64-item loops with 512-bit registers where the target has them
 * (gcc's znver tuning prefers 256 bits; 512 measured faster for this code). */
#if defined(__AVX512F__) /* without AVX-512 this pragma would stop vectorisation */
#pragma GCC target("prefer-vector-width=512")
#endif

enum { BLK = SGDL_RNG_BLK };

void sgdl_rng_drive(uint32_t seed, uint32_t replica0, size_t lanes, uint64_t step, uint32_t purpose,
                    size_t ncounters, const sgdl_rng_sink *sink) {
  if (lanes == 0 || ncounters == 0) return;
  const uint32_t c1 = (uint32_t)step, c2 = (uint32_t)(step >> 32), c3 = purpose;
  uint64_t wa[BLK], wb[BLK];
  if (lanes >= BLK) {
    for (size_t start = 0; start < lanes; start += BLK) {
      size_t s = start + BLK <= lanes ? start : lanes - BLK; /* overlapping last chunk */
      for (size_t p = 0; p < ncounters; p++) {
        sgdl_rng_philox_lanes(seed, replica0 + (uint32_t)s, (uint32_t)p, c1, c2, c3, wa, wb,
                              SGDL_PHILOX_BEST);
        sink->lanes(sink->ctx, wa, wb, p, s);
      }
    }
    return;
  }
  uint32_t k1[BLK], c0[BLK];
  const size_t total = ncounters * lanes;
  size_t p = 0, lane = 0; /* (counter, lane) of the block's first item */
  for (size_t t0 = 0; t0 < total; t0 += BLK) {
    size_t cnt = total - t0 < BLK ? total - t0 : BLK;
    size_t pp = p, ll = lane;
    for (size_t i = 0; i < BLK; i++) {
      k1[i] = replica0 + (uint32_t)ll;
      c0[i] = (uint32_t)pp;
      if (i + 1 < cnt && ++ll == lanes) { /* padding items repeat the last valid one */
        ll = 0;
        pp++;
      }
    }
    sgdl_rng_philox_block(seed, k1, c0, c1, c2, c3, wa, wb, SGDL_PHILOX_BEST);
    sink->items(sink->ctx, wa, wb, p, lane, cnt);
    lane += cnt; /* cnt <= 64 may span several counters */
    p += lane / lanes;
    lane %= lanes;
  }
}

/* ---- conversions of one block (vectorised loops over 64 items) ---- */

static void normals_from_words(const uint64_t *restrict wa, const uint64_t *restrict wb,
                               double *restrict z0, double *restrict z1) {
  for (int i = 0; i < BLK; i++) bm_pair(wa[i], wb[i], &z0[i], &z1[i]);
}

static void uniforms_from_words(const uint64_t *restrict wa, const uint64_t *restrict wb,
                                double *restrict u0, double *restrict u1) {
  for (int i = 0; i < BLK; i++) {
    u0[i] = bm_u53(wa[i] >> 11);
    u1[i] = bm_u53(wb[i] >> 11);
  }
}

/* floor(u N) as the reference computes it: (uint32_t)(u * N) with u < 1, so < N. */
static void indices_from_words(const uint64_t *restrict wa, const uint64_t *restrict wb, double N,
                               uint32_t *restrict i0, uint32_t *restrict i1) {
  for (int i = 0; i < BLK; i++) {
    i0[i] = (uint32_t)(bm_u53(wa[i] >> 11) * N);
    i1[i] = (uint32_t)(bm_u53(wb[i] >> 11) * N);
  }
}

/* ---- sinks: two values per Philox call, to rows 2p and 2p+1 (the last row may be cut) ---- */

typedef struct {
  void *out;    /* double* or uint32_t* */
  size_t lanes; /* row length */
  size_t n;     /* rows */
  double N;     /* indices: population size */
} pair_sink;

static void normals_lanes(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t s) {
  pair_sink *k = ctx;
  double spare[BLK];
  double *row0 = (double *)k->out + 2 * p * k->lanes + s;
  normals_from_words(wa, wb, row0, 2 * p + 1 < k->n ? row0 + k->lanes : spare);
}
static void uniforms_lanes(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t s) {
  pair_sink *k = ctx;
  double spare[BLK];
  double *row0 = (double *)k->out + 2 * p * k->lanes + s;
  uniforms_from_words(wa, wb, row0, 2 * p + 1 < k->n ? row0 + k->lanes : spare);
}
static void indices_lanes(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t s) {
  pair_sink *k = ctx;
  uint32_t spare[BLK];
  uint32_t *row0 = (uint32_t *)k->out + 2 * p * k->lanes + s;
  indices_from_words(wa, wb, k->N, row0, 2 * p + 1 < k->n ? row0 + k->lanes : spare);
}

/* Scatter flattened items (p, lane), p advancing when lane wraps. */
#define SCATTER_PAIRS(T, k, v0, v1, p, lane, cnt)                \
  do {                                                           \
    T *out_ = (T *)(k)->out;                                     \
    for (size_t i_ = 0; i_ < (cnt); i_++) {                      \
      size_t o_ = 2 * (p) * (k)->lanes + (lane);                 \
      out_[o_] = (v0)[i_];                                       \
      if (2 * (p) + 1 < (k)->n) out_[o_ + (k)->lanes] = (v1)[i_]; \
      if (++(lane) == (k)->lanes) {                              \
        (lane) = 0;                                              \
        (p)++;                                                   \
      }                                                          \
    }                                                            \
  } while (0)

static void normals_items(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t lane,
                          size_t cnt) {
  pair_sink *k = ctx;
  double v0[BLK], v1[BLK];
  normals_from_words(wa, wb, v0, v1);
  SCATTER_PAIRS(double, k, v0, v1, p, lane, cnt);
}
static void uniforms_items(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t lane,
                           size_t cnt) {
  pair_sink *k = ctx;
  double v0[BLK], v1[BLK];
  uniforms_from_words(wa, wb, v0, v1);
  SCATTER_PAIRS(double, k, v0, v1, p, lane, cnt);
}
static void indices_items(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t lane,
                          size_t cnt) {
  pair_sink *k = ctx;
  uint32_t v0[BLK], v1[BLK];
  indices_from_words(wa, wb, k->N, v0, v1);
  SCATTER_PAIRS(uint32_t, k, v0, v1, p, lane, cnt);
}

void sgdl_rng_normals(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, size_t n, double *out) {
  if (lanes <= 0) return;
  pair_sink k = {out, (size_t)lanes, n, 0};
  sgdl_rng_sink sink = {normals_lanes, normals_items, &k};
  sgdl_rng_drive(seed, replica0, (size_t)lanes, step, purpose, (n + 1) / 2, &sink);
}

void sgdl_rng_uniforms(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                       uint32_t purpose, size_t n, double *out) {
  if (lanes <= 0) return;
  pair_sink k = {out, (size_t)lanes, n, 0};
  sgdl_rng_sink sink = {uniforms_lanes, uniforms_items, &k};
  sgdl_rng_drive(seed, replica0, (size_t)lanes, step, purpose, (n + 1) / 2, &sink);
}

/* With replacement: the uniform stream turned into floor(u N) (used by indices.c). */
void sgdl_rng_indices_iid(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                          uint32_t purpose, uint32_t N, uint32_t B, uint32_t *out) {
  if (lanes <= 0) return;
  pair_sink k = {out, (size_t)lanes, B, (double)N};
  sgdl_rng_sink sink = {indices_lanes, indices_items, &k};
  sgdl_rng_drive(seed, replica0, (size_t)lanes, step, purpose, ((size_t)B + 1) / 2, &sink);
}
