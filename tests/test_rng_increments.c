/* The simplified weak increments sgdl_rng_two_point / sgdl_rng_three_point:
 *  - known answers: every value equals the rule applied to the raw Philox word it comes from
 *    (row j of lane l is word j % 4 of sgdl_philox4x32 at counter {j / 4, step, purpose}, key
 *    {seed, replica}), for wide (lanes >= 64, overlapping last chunk) and narrow calls;
 *  - lane invariance: lanes = 1, 7, 64, 65, 130 give the same values per replica;
 *  - moments over 4e6 values: mean 0, variance 1, fourth moment 1 (two-point) or 3 (three-point),
 *    fifth moment 0, each within 5 Monte Carlo standard errors (two-point: Z^2 = Z^4 = 1 exactly),
 *    and the three-point frequencies 1/6, 2/3, 1/6. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/rng.h"

typedef void (*gen_fn)(uint32_t, uint32_t, int, uint64_t, uint32_t, size_t, double *);

static double rule(int three, uint32_t w) {
  if (!three) return (w >> 31) ? -1.0 : 1.0;
  const uint32_t t = 715827882u; /* floor(2^32 / 6) */
  return w < t ? -sqrt(3.0) : w >= 0u - t ? sqrt(3.0) : 0.0;
}

static void known_answers(int three, gen_fn gen) {
  const uint64_t step = 0x100000005ull; /* both counter words of the step in use */
  const uint32_t seed = 7u, purpose = 0x01002003u, replica0 = 1000u;
  const int lane_counts[] = {1, 3, 64, 100};
  const size_t ns[] = {1, 3, 4, 9};
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      const int lanes = lane_counts[a];
      const size_t n = ns[b];
      double *out = malloc(n * (size_t)lanes * sizeof *out);
      gen(seed, replica0, lanes, step, purpose, n, out);
      int bad = 0;
      for (int l = 0; l < lanes; l++)
        for (size_t j = 0; j < n; j++) {
          const uint32_t ctr[4] = {(uint32_t)(j / 4), (uint32_t)step, (uint32_t)(step >> 32), purpose};
          const uint32_t key[2] = {seed, replica0 + (uint32_t)l};
          uint32_t w[4];
          sgdl_philox4x32(ctr, key, w);
          bad += out[j * (size_t)lanes + l] != rule(three, w[j % 4]);
        }
      CHECK(bad == 0, "%s lanes %d n %zu: %d values differ from the rule on raw Philox words",
            three ? "three-point" : "two-point", lanes, n, bad);
      free(out);
    }
}

static void lane_invariance(int three, gen_fn gen) {
  enum { R = 200, N = 11 };
  const int lane_counts[] = {1, 7, 64, 65, 130};
  double *ref = malloc(R * N * sizeof *ref), *got = malloc(R * N * sizeof *got), *buf = malloc(R * N * sizeof *buf);
  for (int a = 0; a < 5; a++) {
    const int lanes = lane_counts[a];
    double *dst = a ? got : ref;
    for (int r0 = 0; r0 < R; r0 += lanes) {
      const int L = r0 + lanes <= R ? lanes : R - r0;
      gen(42u, (uint32_t)r0, L, 3u, 17u, N, buf);
      for (int l = 0; l < L; l++)
        for (int j = 0; j < N; j++) dst[(r0 + l) * N + j] = buf[j * L + l];
    }
    if (a) CHECK(!memcmp(ref, got, R * N * sizeof *ref), "%s: lanes=%d differs from lanes=1", three ? "three" : "two", lanes);
  }
  free(ref);
  free(got);
  free(buf);
}

static void moments(int three, gen_fn gen) {
  enum { LANES = 256, PER = 250, STEPS = 64 }; /* 256 * 250 * 64 = 4.1e6 values */
  double *buf = malloc((size_t)LANES * PER * sizeof *buf);
  double s[6] = {0};
  long zeros = 0;
  for (int k = 0; k < STEPS; k++) {
    gen(2024u, 0u, LANES, (uint64_t)k, 5u, PER, buf);
    for (size_t i = 0; i < (size_t)LANES * PER; i++) {
      const double z = buf[i], z2 = z * z;
      s[1] += z;
      s[2] += z2;
      s[4] += z2 * z2;
      s[5] += z2 * z2 * z;
      zeros += z == 0;
    }
  }
  const double n = (double)LANES * PER * STEPS;
  for (int p = 1; p < 6; p++) s[p] /= n;
  const char *name = three ? "three-point" : "two-point";
  /* standard errors sqrt(Var Z^p / n): two-point Z^2, Z^4 are constant; three-point
   * Var Z^2 = 2, Var Z^4 = 18, E Z^2 = 1, E Z^10 = 81 */
  const double se1 = 1 / sqrt(n), se5 = sqrt(three ? 81.0 : 1.0) / sqrt(n);
  CHECK_ABS(s[1], 0.0, 5 * se1, name);
  CHECK_ABS(s[2], 1.0, three ? 5 * sqrt(2.0 / n) : 1e-15, name);
  CHECK_ABS(s[4], three ? 3.0 : 1.0, three ? 5 * sqrt(18.0 / n) : 1e-15, name);
  CHECK_ABS(s[5], 0.0, 5 * se5, name);
  if (three) CHECK_ABS(zeros / n, 2.0 / 3.0, 5 * sqrt(2.0 / 9.0 / n), "three-point P(0)");
  else CHECK(zeros == 0, "two-point: %ld zeros", zeros);
  printf("%-11s mean %+.2e  E z^2 %.6f  E z^4 %.6f  E z^5 %+.2e  (n = %.0f)\n", name, s[1], s[2], s[4], s[5], n);
  free(buf);
}

int main(void) {
  for (int three = 0; three < 2; three++) {
    gen_fn gen = three ? sgdl_rng_three_point : sgdl_rng_two_point;
    known_answers(three, gen);
    lane_invariance(three, gen);
    moments(three, gen);
  }
  return check_done();
}
