/* Simplified weak increments (Kloeden-Platen 14.2/14.3) in the lane layout of
 * include/sgdlab/rng.h, straight from the raw Philox words: no logarithm, no sine, no
 * uniform in (0,1). One Philox call (counter p) gives four 32-bit words x0, x1, x2, x3
 * (wa = x0 << 32 | x1, wb = x2 << 32 | x3), which become rows 4p .. 4p+3:
 *   two-point:   +1 if the word's top bit is 0, -1 if it is 1 (exact probabilities 1/2);
 *   three-point: -sqrt(3) if word < T, +sqrt(3) if word >= 2^32 - T, else 0, with
 *                T = floor(2^32 / 6): each tail has probability T/2^32 (below
 *                1/6 by less than 2^-32), symmetric, so odd moments are exactly 0 and
 *                E Z^2 = 1 - 2^-30, E Z^4 = 3 (1 - 2^-30).
 * Blocks and lanes come from sgdl_rng_drive (streams.c), so a lane's values never depend on how
 * many lanes are generated together. Does not produce normals or uniforms (streams.c).
 */
#include "rng/rng_internal.h"
#include "sgdlab/rng.h"

#if defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif

enum { BLK = SGDL_RNG_BLK };

#define THREE_POINT_TAIL 715827882u /* floor(2^32 / 6) */
#define SQRT3 1.7320508075688772

static inline double two_point_of(uint32_t w) { return (w >> 31) ? -1.0 : 1.0; }
static inline double three_point_of(uint32_t w) {
  return w < THREE_POINT_TAIL ? -SQRT3 : w >= 0u - THREE_POINT_TAIL ? SQRT3 : 0.0;
}

/* The four words of each item, as rows r0 .. r3 of 64 values (vectorised loops). */
#define WORDS_TO_ROWS(f, wa, wb, r0, r1, r2, r3)  \
  for (int i = 0; i < BLK; i++) {                 \
    r0[i] = f((uint32_t)(wa[i] >> 32));           \
    r1[i] = f((uint32_t)wa[i]);                   \
    r2[i] = f((uint32_t)(wb[i] >> 32));           \
    r3[i] = f((uint32_t)wb[i]);                   \
  }

static void convert(int three, const uint64_t *restrict wa, const uint64_t *restrict wb, double *restrict r0,
                    double *restrict r1, double *restrict r2, double *restrict r3) {
  if (three) WORDS_TO_ROWS(three_point_of, wa, wb, r0, r1, r2, r3)
  else WORDS_TO_ROWS(two_point_of, wa, wb, r0, r1, r2, r3)
}

typedef struct {
  double *out;  /* [n][lanes] */
  size_t lanes; /* row length */
  size_t n;     /* rows */
  int three;    /* 1: three-point, 0: two-point */
} quad_sink;

/* 64 consecutive lanes at counter p: rows 4p .. 4p+3, those past n go to a spare row. */
static void quad_lanes(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t s) {
  const quad_sink *k = ctx;
  double spare[BLK], *row[4];
  for (size_t r = 0; r < 4; r++) row[r] = 4 * p + r < k->n ? k->out + (4 * p + r) * k->lanes + s : spare;
  convert(k->three, wa, wb, row[0], row[1], row[2], row[3]);
}

/* cnt flattened items (p, lane), p advancing when lane wraps. */
static void quad_items(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t lane, size_t cnt) {
  const quad_sink *k = ctx;
  double v[4][BLK];
  convert(k->three, wa, wb, v[0], v[1], v[2], v[3]);
  for (size_t i = 0; i < cnt; i++) {
    for (size_t r = 0; r < 4; r++)
      if (4 * p + r < k->n) k->out[(4 * p + r) * k->lanes + lane] = v[r][i];
    if (++lane == k->lanes) {
      lane = 0;
      p++;
    }
  }
}

static void increments(int three, uint32_t seed, uint32_t replica0, int lanes, uint64_t step, uint32_t purpose,
                       size_t n, double *out) {
  if (lanes <= 0) return;
  quad_sink k = {out, (size_t)lanes, n, three};
  sgdl_rng_sink sink = {quad_lanes, quad_items, &k};
  sgdl_rng_drive(seed, replica0, (size_t)lanes, step, purpose, (n + 3) / 4, &sink);
}

void sgdl_rng_two_point(uint32_t seed, uint32_t replica0, int lanes, uint64_t step, uint32_t purpose, size_t n,
                        double *out) {
  increments(0, seed, replica0, lanes, step, purpose, n, out);
}

void sgdl_rng_three_point(uint32_t seed, uint32_t replica0, int lanes, uint64_t step, uint32_t purpose, size_t n,
                          double *out) {
  increments(1, seed, replica0, lanes, step, purpose, n, out);
}
