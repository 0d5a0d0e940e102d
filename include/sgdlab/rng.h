/* sgdlab rng: counter-based random streams (Random123 Philox4x32-10).
 *
 * A random number is a pure function of (seed, replica, step, purpose, index):
 *   key     = { seed, replica }
 *   counter = { index/2, step & 0xffffffff, step >> 32, purpose }
 * Each Philox call yields 128 bits = two 64-bit words -> two uniforms with 53-bit
 * resolution in the open interval (0,1): u = ((w >> 11) + 0.5) * 2^-53, and one
 * Box-Muller pair of normals: z0 = r cos(2 pi u1), z1 = r sin(2 pi u1), r = sqrt(-2 ln u0).
 *
 * "Lanes" are consecutive replicas replica0 .. replica0+lanes-1 processed together
 * (structure of arrays: out[j*lanes + lane]). The value in a lane never depends on
 * how many lanes are generated together, so results do not depend on blocking or
 * threading. `purpose` separates independent uses inside one replica (model id,
 * particle id, what the numbers are for); see SGDL_PURPOSE().
 */
#ifndef SGDLAB_RNG_H
#define SGDLAB_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Widest lane block the library uses (a multiple of the SIMD width). */
#define SGDL_LANES 256

/* Compose a purpose word: kind (what for, 8 bits), stream (model/run, 12 bits), particle (12 bits). */
#define SGDL_PURPOSE(kind, stream, particle) \
  ((uint32_t)(((uint32_t)(kind) & 0xffu) << 24 | ((uint32_t)(stream) & 0xfffu) << 12 | ((uint32_t)(particle) & 0xfffu)))
enum { SGDL_RNG_NORMAL = 1, SGDL_RNG_INDEX = 2, SGDL_RNG_INIT = 3, SGDL_RNG_MISC = 4 };

/* Raw Philox4x32-10 block (thin wrapper of Random123, for known-answer tests). */
void sgdl_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* n standard normals per lane: out[j*lanes + lane], j < n. */
void sgdl_rng_normals(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, size_t n, double *out);
/* n uniforms in (0,1) per lane, same layout and counter scheme (2 per Philox call). */
void sgdl_rng_uniforms(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                       uint32_t purpose, size_t n, double *out);
/* Simplified weak increments, n per lane in the same layout (src/rng/increments.c): four per
 * Philox call, one from each 32-bit word, no transcendental functions.
 * two-point:   +-1 with probability 1/2 each (moments 0, 1, 0, 1, 0: weak order 1 schemes);
 * three-point: -sqrt(3), 0, +sqrt(3) with probabilities 1/6, 2/3, 1/6 (each tail short of 1/6 by
 *              less than 2^-32; moments 0, 1, 0, 3, 0 as N(0,1)'s: weak order 2 schemes). */
void sgdl_rng_two_point(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                        uint32_t purpose, size_t n, double *out);
void sgdl_rng_three_point(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                          uint32_t purpose, size_t n, double *out);
/* Minibatch indices in [0, N): B per lane, out[j*lanes + lane].
 * without_replacement = 0: i.i.d. uniform indices.
 * without_replacement = 1: a uniformly random B-subset (Floyd's algorithm), requires B <= N.
 * An index is floor(u * N) from a 53-bit uniform (bias below N * 2^-53). */
void sgdl_rng_indices(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, uint32_t N, uint32_t B, int without_replacement,
                      uint32_t *out);

/* Scalar references with the same arguments and streams: one Random123 call per pair,
 * libm's log/cos/sin. The fast functions above return bit-identical uniforms and
 * indices, and normals within a few ulp (|difference| < 5e-14; they use their own
 * vectorised polynomial log/sin/cos). Slow: for tests and debugging. */
void sgdl_rng_normals_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                          uint32_t purpose, size_t n, double *out);
void sgdl_rng_uniforms_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                           uint32_t purpose, size_t n, double *out);
void sgdl_rng_indices_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                          uint32_t purpose, uint32_t N, uint32_t B, int without_replacement,
                          uint32_t *out);

#ifdef __cplusplus
}
#endif
#endif
