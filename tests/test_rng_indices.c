/* Minibatch indices are distributed as promised (fixed seeds, 4.5 standard errors):
 *  - with replacement: in range, chi-square over N = 97 cells, and consecutive draws of a
 *    batch independent (chi-square over the 13 x 13 pair table for N = 13); the full
 *    32-bit range N = 2^32 - 1 has mean index (N-1)/2;
 *  - without replacement (Floyd): B distinct indices in range; each index is included with
 *    probability B/N; each pair {i, k} with probability B(B-1)/(N(N-1)) (hypergeometric);
 *    checked for the linear-scan path (B <= 32) and the hash-set path (B > 32), and at the
 *    edges B = N (a permutation) and B = 1. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/rng.h"

static const double K = 4.5;

static void with_replacement(void) {
  const uint32_t N = 97, B = 50;
  const int L = 64;
  uint32_t *idx = malloc((size_t)64 * L * sizeof *idx); /* B <= 64 below */
  double cnt[97] = {0}, total = 0;
  int bad = 0;
  for (uint64_t st = 0; st < 320; st++) { /* 1.0e6 draws */
    sgdl_rng_indices(5u, 0u, L, st, SGDL_PURPOSE(SGDL_RNG_INDEX, 0, 0), N, B, 0, idx);
    for (size_t i = 0; i < (size_t)B * L; i++) {
      bad += idx[i] >= N;
      if (idx[i] < N) cnt[idx[i]]++;
      total++;
    }
  }
  CHECK(bad == 0, "with replacement: %d indices out of range", bad);
  double chi2 = 0, e = total / N;
  for (uint32_t i = 0; i < N; i++) chi2 += (cnt[i] - e) * (cnt[i] - e) / e;
  CHECK(chi2 < (N - 1) + K * sqrt(2.0 * (N - 1)), "with replacement: chi2(%u) = %.1f", N - 1, chi2);
  printf("with replacement: chi2(96) = %.1f\n", chi2);

  /* pairs (draw 2j, draw 2j+1) and (2j+1, 2j+2) of a batch: independent uniform pairs */
  const uint32_t N2 = 13, B2 = 64;
  double pair[2][13][13];
  memset(pair, 0, sizeof pair);
  double np = 0;
  for (uint64_t st = 0; st < 250; st++) {
    sgdl_rng_indices(6u, 0u, L, st, SGDL_PURPOSE(SGDL_RNG_INDEX, 1, 0), N2, B2, 0, idx);
    for (uint32_t j = 0; j + 2 < B2; j += 2)
      for (int l = 0; l < L; l++) {
        pair[0][idx[j * L + l]][idx[(j + 1) * L + l]]++;
        pair[1][idx[(j + 1) * L + l]][idx[(j + 2) * L + l]]++;
      }
    np += (B2 / 2 - 1) * L;
  }
  for (int w = 0; w < 2; w++) {
    double c2 = 0, ep = np / (N2 * N2);
    for (uint32_t a = 0; a < N2; a++)
      for (uint32_t b = 0; b < N2; b++) c2 += (pair[w][a][b] - ep) * (pair[w][a][b] - ep) / ep;
    const double dof = N2 * N2 - 1;
    CHECK(c2 < dof + K * sqrt(2 * dof), "pairs of draws (%s): chi2(%g) = %.1f",
          w ? "across Philox calls" : "one Philox call", dof, c2);
    printf("pair table %d: chi2(168) = %.1f\n", w, c2);
  }
  free(idx);

  /* full range */
  const uint32_t NB = 4294967295u;
  uint32_t big[64 * 64];
  double s = 0, m = 0;
  for (uint64_t st = 0; st < 100; st++) {
    sgdl_rng_indices(7u, 0u, 64, st, 1u, NB, 64, 0, big);
    for (int i = 0; i < 64 * 64; i++) s += big[i] / (double)NB;
    m += 64 * 64;
  }
  CHECK_ABS(s / m, 0.5, K * sqrt(1.0 / 12 / m), "mean of index/N for N = 2^32-1");
}

/* Floyd: inclusion and pair-inclusion frequencies over T subsets (independent lanes x steps). */
static void without_replacement(uint32_t N, uint32_t B, int L, int steps) {
  uint32_t *idx = malloc((size_t)B * L * sizeof *idx);
  double *inc = calloc(N, sizeof *inc), *pairs = calloc((size_t)N * N, sizeof *pairs);
  unsigned char *seen = malloc(N);
  int bad_range = 0, bad_dup = 0;
  double T = 0;
  for (int st = 0; st < steps; st++) {
    sgdl_rng_indices(11u, 1000u, L, (uint64_t)st, SGDL_PURPOSE(SGDL_RNG_INDEX, 2, 0), N, B, 1, idx);
    for (int l = 0; l < L; l++) {
      memset(seen, 0, N);
      for (uint32_t j = 0; j < B; j++) {
        uint32_t v = idx[(size_t)j * L + l];
        if (v >= N) {
          bad_range++;
          continue;
        }
        bad_dup += seen[v];
        seen[v] = 1;
        inc[v]++;
      }
      if (N <= 64)
        for (uint32_t a = 0; a < N; a++)
          if (seen[a])
            for (uint32_t b = a + 1; b < N; b++) pairs[(size_t)a * N + b] += seen[b];
      T++;
    }
  }
  CHECK(bad_range == 0 && bad_dup == 0, "N %u B %u: %d out of range, %d duplicates", N, B, bad_range, bad_dup);
  const double p1 = (double)B / N, p2 = (double)B * (B - 1) / ((double)N * (N - 1));
  double worst1 = 0, worst2 = 0;
  for (uint32_t a = 0; a < N; a++) {
    double se = sqrt(p1 * (1 - p1) / T);
    if (se > 0) worst1 = fmax(worst1, fabs(inc[a] / T - p1) / se);
    else worst1 = fmax(worst1, fabs(inc[a] / T - p1) * 1e300);
    if (N <= 64)
      for (uint32_t b = a + 1; b < N; b++) {
        double se2 = sqrt(p2 * (1 - p2) / T);
        double d = fabs(pairs[(size_t)a * N + b] / T - p2);
        worst2 = fmax(worst2, se2 > 0 ? d / se2 : d * 1e300);
      }
  }
  printf("without replacement N %u B %u, %.0f subsets: worst inclusion %.2f SE, worst pair %.2f SE\n", N, B,
         T, worst1, worst2);
  CHECK(worst1 < K, "N %u B %u: inclusion frequency off by %.2f SE", N, B, worst1);
  CHECK(worst2 < K, "N %u B %u: pair inclusion off by %.2f SE", N, B, worst2);
  free(idx);
  free(inc);
  free(pairs);
  free(seen);
}

int main(void) {
  with_replacement();
  without_replacement(20, 7, 64, 3000);   /* linear scan */
  without_replacement(50, 40, 64, 1000);  /* hash set, dense */
  without_replacement(1000, 100, 64, 300); /* hash set, inclusion only */
  without_replacement(16, 16, 64, 100);   /* B = N: a permutation */
  without_replacement(30, 1, 64, 2000);   /* B = 1 */
  return check_done();
}
