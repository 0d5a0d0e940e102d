/* Philox4x32-10 through Random123 itself, and the scalar reference streams.
 *
 * The *_ref functions are the definition of the streams (include/sgdlab/rng.h): one
 * Random123 call per value pair, libm's log/cos/sin for the normals. They are slow
 * (about 5e7 normals/s) and kept for tests and debugging; the library's fast versions
 * (streams.c, indices.c) must agree with them: uniforms and indices bit for bit,
 * normals to a few ulp (tests/test_rng_fast_vs_ref.c).
 */
#include "sgdlab/rng.h"

#include <Random123/philox.h>
#include <math.h>

void sgdl_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  philox4x32_key_t k = {{key[0], key[1]}};
  philox4x32_ctr_t r = philox4x32_R(10, c, k);
  for (int i = 0; i < 4; i++) out[i] = r.v[i];
}

static inline double u53(uint32_t hi, uint32_t lo) {
  uint64_t w = ((uint64_t)hi << 32) | lo;
  return ((double)(w >> 11) + 0.5) * 0x1p-53;
}

static inline void pair_uniform(uint32_t seed, uint32_t replica, uint64_t step, uint32_t purpose,
                                uint32_t j, double *u0, double *u1) {
  philox4x32_ctr_t c = {{j, (uint32_t)step, (uint32_t)(step >> 32), purpose}};
  philox4x32_key_t k = {{seed, replica}};
  philox4x32_ctr_t r = philox4x32_R(10, c, k);
  *u0 = u53(r.v[0], r.v[1]);
  *u1 = u53(r.v[2], r.v[3]);
}

void sgdl_rng_uniforms_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                       uint32_t purpose, size_t n, double *out) {
  for (size_t j = 0; j < n; j += 2) {
    for (int l = 0; l < lanes; l++) {
      double u0, u1;
      pair_uniform(seed, replica0 + (uint32_t)l, step, purpose, (uint32_t)(j / 2), &u0, &u1);
      out[j * lanes + l] = u0;
      if (j + 1 < n) out[(j + 1) * lanes + l] = u1;
    }
  }
}

void sgdl_rng_normals_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, size_t n, double *out) {
  const double two_pi = 6.283185307179586476925286766559;
  for (size_t j = 0; j < n; j += 2) {
    for (int l = 0; l < lanes; l++) {
      double u0, u1;
      pair_uniform(seed, replica0 + (uint32_t)l, step, purpose, (uint32_t)(j / 2), &u0, &u1);
      double r = sqrt(-2.0 * log(u0));
      out[j * lanes + l] = r * cos(two_pi * u1);
      if (j + 1 < n) out[(j + 1) * lanes + l] = r * sin(two_pi * u1);
    }
  }
}

void sgdl_rng_indices_ref(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, uint32_t N, uint32_t B, int without_replacement,
                      uint32_t *out) {
  for (int l = 0; l < lanes; l++) {
    uint32_t rep = replica0 + (uint32_t)l;
    if (!without_replacement) {
      for (uint32_t j = 0; j < B; j += 2) {
        double u0, u1;
        pair_uniform(seed, rep, step, purpose, j / 2, &u0, &u1);
        out[(size_t)j * lanes + l] = (uint32_t)(u0 * N);
        if (j + 1 < B) out[(size_t)(j + 1) * lanes + l] = (uint32_t)(u1 * N);
      }
    } else {
      /* Floyd: for t = N-B .. N-1 draw v in [0, t]; take v unless already chosen, then t. */
      for (uint32_t j = 0; j < B; j++) {
        uint32_t t = N - B + j;
        double u0, u1;
        pair_uniform(seed, rep, step, purpose, j, &u0, &u1);
        (void)u1;
        uint32_t v = (uint32_t)(u0 * ((double)t + 1.0));
        if (v > t) v = t;
        for (uint32_t q = 0; q < j; q++)
          if (out[(size_t)q * lanes + l] == v) { v = t; break; }
        out[(size_t)j * lanes + l] = v;
      }
    }
  }
}
