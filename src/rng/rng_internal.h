/* Private to src/rng (and the rng tests/bench): the Philox block kernels behind the
 * public streams of include/sgdlab/rng.h.
 *
 * A block is SGDL_RNG_BLK = 64 independent Philox4x32-10 evaluations, one per item i:
 *   key = { seed, k1[i] },  counter = { c0[i], c1, c2, c3 },
 * returned as two 64-bit words per item: wa[i] = x0 << 32 | x1, wb[i] = x2 << 32 | x3
 * (the word order of the reference: the uniform u0 comes from wa, u1 from wb).
 */
#ifndef SGDL_RNG_INTERNAL_H
#define SGDL_RNG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SGDL_RNG_BLK 64

enum { SGDL_PHILOX_BEST = 0, SGDL_PHILOX_PORTABLE = 1 };

/* General block: per-item key word k1[i] and counter word c0[i].
 * impl: SGDL_PHILOX_BEST (AVX-512 intrinsics where the build has them) or
 * SGDL_PHILOX_PORTABLE (plain C that gcc vectorises); both give the same bits. */
void sgdl_rng_philox_block(uint32_t seed, const uint32_t *k1, const uint32_t *c0, uint32_t c1,
                           uint32_t c2, uint32_t c3, uint64_t *wa, uint64_t *wb, int impl);

/* Consecutive lanes: k1[i] = k1base + i, c0[i] = j for all items (the ensemble case).
 * Faster than the general block: rounds 0 and 1 are partly lane-independent. */
void sgdl_rng_philox_lanes(uint32_t seed, uint32_t k1base, uint32_t j, uint32_t c1, uint32_t c2,
                           uint32_t c3, uint64_t *wa, uint64_t *wb, int impl);

/* Where a driver sends its blocks (see sgdl_rng_drive). */
typedef struct sgdl_rng_sink {
  /* 64 consecutive lanes lane0 .. lane0+63 at counter p */
  void (*lanes)(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p, size_t lane0);
  /* cnt <= 64 items of the flattened order t = p*lanes + lane, starting at (p0, lane0) */
  void (*items)(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t p0, size_t lane0,
                size_t cnt);
  void *ctx;
} sgdl_rng_sink;

/* Evaluate Philox at counters {p, step_lo, step_hi, purpose}, p < ncounters, for keys
 * {seed, replica0 + lane}, lane < lanes, and hand the words to the sink in blocks:
 * lanes >= 64: chunks of 64 consecutive lanes per counter (the last chunk starts at
 * lanes-64 and may overlap the one before: the sink must tolerate rewriting identical
 * values); lanes < 64: flattened (p, lane) items. */
void sgdl_rng_drive(uint32_t seed, uint32_t replica0, size_t lanes, uint64_t step, uint32_t purpose,
                    size_t ncounters, const sgdl_rng_sink *sink);

/* i.i.d. indices floor(u N) from the uniform stream (streams.c; sgdl_rng_indices uses it). */
void sgdl_rng_indices_iid(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                          uint32_t purpose, uint32_t N, uint32_t B, uint32_t *out);

#endif
