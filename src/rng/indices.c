/* Minibatch indices: sgdl_rng_indices (include/sgdlab/rng.h).
 *
 * With replacement it is the uniform stream mapped to floor(u N) (streams.c).
 * Without replacement it is Floyd's algorithm, as in the reference (philox.c): draw j
 * (j < B) uses the first uniform u of Philox counter j, t = N - B + j, candidate
 * v = min(floor(u (t+1)), t); the draw takes v unless v was already taken, then t.
 * The candidates are generated in vectorised 64-lane blocks. The sequential
 * "already taken?" pass is, for B <= 64, a comparison with all earlier draws done
 * row by row across 64 lanes at once (vectorised, O(B^2/16) operations per draw and
 * lane block); for larger B an open-addressing hash set per lane (O(B)).
 * Results are bit-identical to sgdl_rng_indices_ref.
 */
#include <stdlib.h>
#include <string.h>

#include "rng/bm_math.h"
#include "rng/rng_internal.h"
#include "sgdlab/rng.h"

#if defined(__AVX512F__) /* without AVX-512 this pragma would stop vectorisation */
#pragma GCC target("prefer-vector-width=512")
#endif

enum { BLK = SGDL_RNG_BLK, ROWWISE_MAX_B = 64, STACK_SET = 4096 };

typedef struct {
  uint32_t *out;
  size_t lanes;
  uint32_t N, B;
} floyd_sink;

static inline uint32_t floyd_candidate(uint64_t w, uint32_t t) {
  uint32_t v = (uint32_t)(bm_u53(w >> 11) * ((double)t + 1.0));
  return v > t ? t : v;
}

static void floyd_lanes(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t j, size_t s) {
  floyd_sink *k = ctx;
  (void)wb; /* one uniform per counter, as in the reference */
  uint32_t t = k->N - k->B + (uint32_t)j;
  uint32_t *restrict row = k->out + j * k->lanes + s;
  for (int i = 0; i < BLK; i++) row[i] = floyd_candidate(wa[i], t);
}

static void floyd_items(void *ctx, const uint64_t *wa, const uint64_t *wb, size_t j, size_t lane,
                        size_t cnt) {
  floyd_sink *k = ctx;
  (void)wb;
  for (size_t i = 0; i < cnt; i++) {
    k->out[j * k->lanes + lane] = floyd_candidate(wa[i], k->N - k->B + (uint32_t)j);
    if (++lane == k->lanes) {
      lane = 0;
      j++;
    }
  }
}

/* Hash set of indices, stored as index+1 (0 = empty; an index is < N <= 2^32-1). */
static inline int set_insert(uint32_t *tab, uint32_t mask, int shift, uint32_t v) {
  uint32_t key = v + 1u;
  for (uint32_t h = (key * 0x9E3779B1u) >> shift;; h = (h + 1) & mask) {
    if (tab[h] == key) return 0;
    if (tab[h] == 0) {
      tab[h] = key;
      return 1;
    }
  }
}

void sgdl_rng_indices(uint32_t seed, uint32_t replica0, int lanes, uint64_t step,
                      uint32_t purpose, uint32_t N, uint32_t B, int without_replacement,
                      uint32_t *out) {
  if (lanes <= 0 || B == 0) return;
  if (!without_replacement) {
    sgdl_rng_indices_iid(seed, replica0, lanes, step, purpose, N, B, out);
    return;
  }
  const size_t L = (size_t)lanes;
  floyd_sink k = {out, L, N, B};
  sgdl_rng_sink sink = {floyd_lanes, floyd_items, &k};
  sgdl_rng_drive(seed, replica0, L, step, purpose, B, &sink);

  if (B <= ROWWISE_MAX_B) {
    /* draw j of a lane is replaced by t if it equals any earlier draw of that lane */
    for (size_t s = 0; s < L; s += BLK) {
      size_t w = L - s < BLK ? L - s : BLK;
      for (uint32_t j = 1; j < B; j++) {
        uint32_t *restrict rj = out + (size_t)j * L + s;
        uint32_t hit[BLK] = {0};
        for (uint32_t q = 0; q < j; q++) {
          const uint32_t *restrict rq = out + (size_t)q * L + s;
          for (size_t i = 0; i < w; i++) hit[i] |= rq[i] == rj[i];
        }
        uint32_t t = N - B + j;
        for (size_t i = 0; i < w; i++) rj[i] = hit[i] ? t : rj[i];
      }
    }
    return;
  }
  /* Hash sets: >= 2B slots (load <= 1/2), a power of two. */
  uint32_t stack_tab[STACK_SET], *tab = NULL, mask = 0;
  int shift = 32;
  size_t cap = 1;
  while (cap < 2 * (size_t)B) cap *= 2;
  tab = cap <= STACK_SET ? stack_tab : malloc(cap * sizeof *tab);
  if (tab) { /* without memory: fall back to the (slow, equal) linear scan */
    mask = (uint32_t)(cap - 1);
    for (size_t c = cap; c > 1; c /= 2) shift--;
  }
  for (size_t l = 0; l < L; l++) {
    uint32_t *col = out + l;
    if (tab) memset(tab, 0, ((size_t)mask + 1) * sizeof *tab);
    for (uint32_t j = 0; j < B; j++) {
      uint32_t t = N - B + j, v = col[(size_t)j * L];
      if (tab) {
        if (!set_insert(tab, mask, shift, v)) { /* taken: t is new, since all so far are < t */
          v = t;
          set_insert(tab, mask, shift, v);
        }
      } else {
        for (uint32_t q = 0; q < j; q++)
          if (col[(size_t)q * L] == v) {
            v = t;
            break;
          }
      }
      col[(size_t)j * L] = v;
    }
  }
  if (tab && tab != stack_tab) free(tab);
}
