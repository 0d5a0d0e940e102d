/* Philox4x32-10 over blocks of 64 items (structure of arrays), the generator core of
 * the fast streams. Two implementations with identical output bits:
 *  - portable C: the state words live in 64-bit lanes whose upper halves are ignored,
 *    so gcc vectorises the 32x32->64 multiplies (the rounds are fully unrolled);
 *  - AVX-512: the same data layout with vpmuludq (a 32x32->64 multiply that ignores the
 *    upper halves by itself; gcc's auto-vectoriser emits a masked vpmullq instead, which
 *    costs about 25% of the generator's speed).
 * It does not turn words into uniforms or normals (streams.c, bm_math.h) and does not
 * check its Random123 agreement (tests/test_rng_philox_kat.c does).
 */
#include "rng/rng_internal.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/* Random123's constants: multipliers and Weyl key increments. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* One item, words in the low halves of 64-bit variables. A round is
 *   (x0,x1,x2,x3) <- (hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0)),
 * then the key is bumped by (W0, W1). High halves of x1, x3 carry garbage that the
 * next multiply masks off and the final packing drops. */
static inline void philox_item_c(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t k0,
                                 uint64_t k1, uint64_t *wa, uint64_t *wb) {
#pragma GCC unroll 10
  for (int r = 0; r < 10; r++) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * (x0 & 0xffffffffu);
    uint64_t p1 = (uint64_t)PHILOX_M1 * (x2 & 0xffffffffu);
    x0 = (p1 >> 32) ^ x1 ^ k0;
    x1 = p1;
    x2 = (p0 >> 32) ^ x3 ^ k1;
    x3 = p0;
    k0 += PHILOX_W0; /* only the low 32 bits of the keys are ever used */
    k1 += PHILOX_W1;
  }
  *wa = (x0 << 32) | (x1 & 0xffffffffu);
  *wb = (x2 << 32) | (x3 & 0xffffffffu);
}

static void philox_block_c(uint32_t seed, const uint32_t *restrict k1, const uint32_t *restrict c0,
                           uint32_t c1, uint32_t c2, uint32_t c3, uint64_t *restrict wa,
                           uint64_t *restrict wb) {
  for (int i = 0; i < SGDL_RNG_BLK; i++)
    philox_item_c(c0[i], c1, c2, c3, seed, k1[i], &wa[i], &wb[i]);
}

#if defined(__AVX512F__)
/* 8 items per vector; x* hold 32-bit words in 64-bit lanes as in philox_item_c. */
#define PHILOX_ROUND_V(x0, x1, x2, x3, k0v, k1v)                                      \
  do {                                                                               \
    __m512i p0_ = _mm512_mul_epu32(x0, m0), p1_ = _mm512_mul_epu32(x2, m1);          \
    x0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1_, 32), x1, k0v, 0x96);       \
    x2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0_, 32), x3, k1v, 0x96);       \
    x1 = p1_;                                                                        \
    x3 = p0_;                                                                        \
  } while (0)

/* wa = x0 << 32 | (x1 & 0xffffffff): ternary-logic A | (B & C) is 0xF8 */
static inline __m512i philox_pack_v(__m512i hi, __m512i lo) {
  return _mm512_ternarylogic_epi64(_mm512_slli_epi64(hi, 32), lo, _mm512_set1_epi64(0xffffffff),
                                   0xF8);
}

static void philox_block_avx512(uint32_t seed, const uint32_t *restrict k1, const uint32_t *restrict c0,
                                uint32_t c1, uint32_t c2, uint32_t c3, uint64_t *restrict wa,
                                uint64_t *restrict wb) {
  const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
  for (int v = 0; v < SGDL_RNG_BLK; v += 8) {
    __m512i x0 = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(c0 + v)));
    __m512i x1 = _mm512_set1_epi64(c1), x2 = _mm512_set1_epi64(c2), x3 = _mm512_set1_epi64(c3);
    __m512i kk1 = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(k1 + v)));
    uint32_t kk0 = seed;
    for (int r = 0; r < 10; r++) {
      PHILOX_ROUND_V(x0, x1, x2, x3, _mm512_set1_epi64(kk0), kk1);
      kk0 += PHILOX_W0;
      kk1 = _mm512_add_epi64(kk1, _mm512_set1_epi64(PHILOX_W1));
    }
    _mm512_storeu_si512((void *)(wa + v), philox_pack_v(x0, x1));
    _mm512_storeu_si512((void *)(wb + v), philox_pack_v(x2, x3));
  }
}

/* Consecutive lanes, one counter: round 0 multiplies lane-independent words (scalar),
 * round 1 has one lane-independent multiply; rounds 2..9 are fully vector. */
static void philox_lanes_avx512(uint32_t seed, uint32_t k1base, uint32_t j, uint32_t c1, uint32_t c2,
                                uint32_t c3, uint64_t *restrict wa, uint64_t *restrict wb) {
  const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
  const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  /* round 0 (key seed, k1): */
  uint64_t p0 = (uint64_t)PHILOX_M0 * j, p1 = (uint64_t)PHILOX_M1 * c2;
  uint32_t y0 = (uint32_t)(p1 >> 32) ^ c1 ^ seed, y1 = (uint32_t)p1, y3 = (uint32_t)p0;
  uint32_t h0 = (uint32_t)(p0 >> 32) ^ c3; /* y2 = h0 ^ k1 (lane-dependent) */
  /* round 1 (key seed + W0, k1 + W1): M0 * y0 is lane-independent */
  uint64_t q0 = (uint64_t)PHILOX_M0 * y0;
  uint32_t k0r1 = seed + PHILOX_W0;
  uint32_t z2c = (uint32_t)(q0 >> 32) ^ y3; /* x2 after round 1 = z2c ^ (k1 + W1) */
  uint32_t z3 = (uint32_t)q0;
  for (int v = 0; v < SGDL_RNG_BLK; v += 8) {
    __m512i kk1 = _mm512_add_epi64(_mm512_set1_epi64(k1base + (uint32_t)v), iota);
    __m512i y2 = _mm512_xor_si512(_mm512_set1_epi64(h0), kk1);
    kk1 = _mm512_add_epi64(kk1, _mm512_set1_epi64(PHILOX_W1));
    __m512i pq1 = _mm512_mul_epu32(y2, m1);
    __m512i x0 = _mm512_xor_si512(_mm512_srli_epi64(pq1, 32), _mm512_set1_epi64(y1 ^ k0r1));
    __m512i x1 = pq1;
    __m512i x2 = _mm512_xor_si512(_mm512_set1_epi64(z2c), kk1);
    __m512i x3 = _mm512_set1_epi64(z3);
    uint32_t kk0 = k0r1;
    for (int r = 2; r < 10; r++) {
      kk0 += PHILOX_W0;
      kk1 = _mm512_add_epi64(kk1, _mm512_set1_epi64(PHILOX_W1));
      PHILOX_ROUND_V(x0, x1, x2, x3, _mm512_set1_epi64(kk0), kk1);
    }
    _mm512_storeu_si512((void *)(wa + v), philox_pack_v(x0, x1));
    _mm512_storeu_si512((void *)(wb + v), philox_pack_v(x2, x3));
  }
}
#endif

void sgdl_rng_philox_block(uint32_t seed, const uint32_t *k1, const uint32_t *c0, uint32_t c1,
                           uint32_t c2, uint32_t c3, uint64_t *wa, uint64_t *wb, int impl) {
#if defined(__AVX512F__)
  if (impl == SGDL_PHILOX_BEST) {
    philox_block_avx512(seed, k1, c0, c1, c2, c3, wa, wb);
    return;
  }
#endif
  (void)impl;
  philox_block_c(seed, k1, c0, c1, c2, c3, wa, wb);
}

void sgdl_rng_philox_lanes(uint32_t seed, uint32_t k1base, uint32_t j, uint32_t c1, uint32_t c2,
                           uint32_t c3, uint64_t *wa, uint64_t *wb, int impl) {
#if defined(__AVX512F__)
  if (impl == SGDL_PHILOX_BEST) {
    philox_lanes_avx512(seed, k1base, j, c1, c2, c3, wa, wb);
    return;
  }
#endif
  (void)impl;
  uint32_t k1[SGDL_RNG_BLK], c0[SGDL_RNG_BLK];
  for (int i = 0; i < SGDL_RNG_BLK; i++) {
    k1[i] = k1base + (uint32_t)i;
    c0[i] = j;
  }
  philox_block_c(seed, k1, c0, c1, c2, c3, wa, wb);
}
