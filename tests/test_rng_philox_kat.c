/* Known answers: Philox4x32-10 against Random123's published known-answer vectors
 * (kat_vectors, philox4x32 R=10), through the Random123 wrapper and through both fast
 * block kernels; and the stream layout of include/sgdlab/rng.h against Random123
 * called by hand: key {seed, replica}, counter {index/2, step_lo, step_hi, purpose},
 * u0 from words (0,1), u1 from words (2,3), u = ((w >> 11) + 0.5) 2^-53. */
#include <string.h>

#include "check.h"
#include "rng/rng_internal.h"
#include "sgdlab/rng.h"

static const struct {
  uint32_t ctr[4], key[2], out[4];
} kat[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

static double u53(uint32_t hi, uint32_t lo) {
  return ((double)((((uint64_t)hi << 32) | lo) >> 11) + 0.5) * 0x1p-53;
}

int main(void) {
  for (int v = 0; v < 3; v++) {
    uint32_t o[4];
    sgdl_philox4x32(kat[v].ctr, kat[v].key, o);
    CHECK(!memcmp(o, kat[v].out, sizeof o), "Random123 wrapper, vector %d: %08x %08x %08x %08x", v,
          o[0], o[1], o[2], o[3]);
    for (int impl = 0; impl < 2; impl++) {
      uint32_t k1[SGDL_RNG_BLK], c0[SGDL_RNG_BLK];
      uint64_t wa[SGDL_RNG_BLK], wb[SGDL_RNG_BLK];
      for (int i = 0; i < SGDL_RNG_BLK; i++) {
        k1[i] = kat[v].key[1];
        c0[i] = kat[v].ctr[0];
      }
      sgdl_rng_philox_block(kat[v].key[0], k1, c0, kat[v].ctr[1], kat[v].ctr[2], kat[v].ctr[3], wa, wb, impl);
      uint64_t ea = (uint64_t)kat[v].out[0] << 32 | kat[v].out[1];
      uint64_t eb = (uint64_t)kat[v].out[2] << 32 | kat[v].out[3];
      int bad = 0;
      for (int i = 0; i < SGDL_RNG_BLK; i++) bad += wa[i] != ea || wb[i] != eb;
      CHECK(bad == 0, "block kernel impl %d, vector %d: %d items wrong", impl, v, bad);
      /* the consecutive-lanes kernel: item i has key word k1base + i */
      for (int i0 = 0; i0 < SGDL_RNG_BLK; i0 += 21) {
        sgdl_rng_philox_lanes(kat[v].key[0], kat[v].key[1] - (uint32_t)i0, kat[v].ctr[0], kat[v].ctr[1],
                              kat[v].ctr[2], kat[v].ctr[3], wa, wb, impl);
        CHECK(wa[i0] == ea && wb[i0] == eb, "lanes kernel impl %d, vector %d, item %d", impl, v, i0);
      }
    }
  }

  /* Stream layout: replica0 + lane, step with a high word, odd n. */
  const uint32_t seed = 0xa4093822u, replica0 = 0x299f31d0u, purpose = SGDL_PURPOSE(SGDL_RNG_MISC, 5, 9);
  const uint64_t step = 0x0000000713198a2eull;
  enum { L = 3, N = 5 };
  double u[N * L];
  sgdl_rng_uniforms(seed, replica0, L, step, purpose, N, u);
  int bad = 0;
  for (int lane = 0; lane < L; lane++)
    for (int idx = 0; idx < N; idx++) {
      uint32_t ctr[4] = {(uint32_t)idx / 2, (uint32_t)step, (uint32_t)(step >> 32), purpose};
      uint32_t key[2] = {seed, replica0 + (uint32_t)lane}, o[4];
      sgdl_philox4x32(ctr, key, o);
      double e = idx % 2 ? u53(o[2], o[3]) : u53(o[0], o[1]);
      bad += u[idx * L + lane] != e;
    }
  CHECK(bad == 0, "uniform stream layout: %d values differ from Random123 by hand", bad);
  CHECK(SGDL_PURPOSE(0xab, 0x123, 0x456) == 0xab123456u, "SGDL_PURPOSE packing");
  return check_done();
}
