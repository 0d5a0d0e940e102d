/* The uniform stream is uniform on (0,1) and its sub-streams are independent:
 *  - 2e6 uniforms: inside (0,1), mean 1/2 and variance 1/12 within 4.5 SE,
 *    Kolmogorov-Smirnov below the 0.1% critical value, chi-square on 1000 cells below
 *    its mean + 4.5 sd;
 *  - correlation tests, |r| < 4.5/sqrt(N) on N = 1e6 pairs (in u and in (u-1/2)^2), between
 *    streams that differ in only one coordinate: replica (adjacent lanes), purpose, step
 *    (low word, and high word: step vs step + 2^32), seed, and within a stream the two
 *    uniforms of one Philox call (rows 2j, 2j+1) and adjacent counters (rows 2j, 2j+2). */
#include <stdlib.h>

#include "check.h"
#include "sgdlab/rng.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* correlation of x and y, and of their centred squares */
static void corr_check(const double *x, const double *y, size_t N, const char *what) {
  double r[2];
  for (int k = 0; k < 2; k++) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < N; i++) {
      double a = x[i], b = y[i];
      if (k) {
        a = (a - 0.5) * (a - 0.5);
        b = (b - 0.5) * (b - 0.5);
      }
      sx += a;
      sy += b;
      sxx += a * a;
      syy += b * b;
      sxy += a * b;
    }
    double cx = sxx - sx * sx / N, cy = syy - sy * sy / N, cxy = sxy - sx * sy / N;
    r[k] = cxy / sqrt(cx * cy);
    CHECK(fabs(r[k]) < 4.5 / sqrt((double)N), "%s: correlation%s %.3g (4.5 SE = %.3g)", what,
          k ? " of squares" : "", r[k], 4.5 / sqrt((double)N));
  }
  printf("%-40s r = %+.2e, r(squares) = %+.2e\n", what, r[0], r[1]);
}

int main(void) {
  const uint32_t seed = 777u, P = SGDL_PURPOSE(SGDL_RNG_MISC, 1, 1);
  /* ---- marginal: 2e6 uniforms from 64 lanes ---- */
  const int L = 64;
  const size_t n = 31250, M = n * L;
  double *u = malloc(M * sizeof *u);
  sgdl_rng_uniforms(seed, 0u, L, 5u, P, n, u);
  double s1 = 0, s2 = 0, lo = 1, hi = 0;
  size_t cells[1000] = {0};
  for (size_t i = 0; i < M; i++) {
    s1 += u[i];
    s2 += (u[i] - 0.5) * (u[i] - 0.5);
    lo = fmin(lo, u[i]);
    hi = fmax(hi, u[i]);
    cells[(size_t)(u[i] * 1000)]++;
  }
  CHECK(lo > 0 && hi < 1, "uniforms outside (0,1): min %.17g max %.17g", lo, hi);
  CHECK_ABS(s1 / M, 0.5, 4.5 * sqrt(1.0 / 12 / M), "uniform mean");
  CHECK_ABS(s2 / M, 1.0 / 12, 4.5 * sqrt(1.0 / 180 / M), "uniform variance"); /* Var((u-1/2)^2) = 1/80 - 1/144 */
  double chi2 = 0, e = M / 1000.0;
  for (int c = 0; c < 1000; c++) chi2 += (cells[c] - e) * (cells[c] - e) / e;
  CHECK(chi2 < 999 + 4.5 * sqrt(2 * 999.0), "chi-square on 1000 cells %.1f", chi2);
  qsort(u, M, sizeof *u, cmp_double);
  double D = 0;
  for (size_t i = 0; i < M; i++) D = fmax(D, fmax(u[i] - (double)i / M, (double)(i + 1) / M - u[i]));
  printf("uniforms: chi2(999) = %.1f, sqrt(N) KS = %.3f\n", chi2, sqrt((double)M) * D);
  CHECK(sqrt((double)M) * D < 1.949, "uniform KS statistic %.3f", sqrt((double)M) * D);
  free(u);

  /* ---- independence: streams that differ in one coordinate ---- */
  const size_t N = 1000000;
  double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(2 * N * sizeof *c);
  /* adjacent replicas: lanes l and l+1 of one call */
  sgdl_rng_uniforms(seed, 0u, 2, 9u, P, N, c);
  for (size_t i = 0; i < N; i++) {
    a[i] = c[2 * i];
    b[i] = c[2 * i + 1];
  }
  corr_check(a, b, N, "replica r vs r+1");
  sgdl_rng_uniforms(seed, 4u, 1, 9u, P, N, a);
  sgdl_rng_uniforms(seed, 4u, 1, 9u, P + 1, N, b);
  corr_check(a, b, N, "purpose p vs p+1");
  sgdl_rng_uniforms(seed, 4u, 1, 9u, SGDL_PURPOSE(SGDL_RNG_NORMAL, 1, 1), N, b);
  corr_check(a, b, N, "purpose kind MISC vs NORMAL");
  sgdl_rng_uniforms(seed, 4u, 1, 10u, P, N, b);
  corr_check(a, b, N, "step s vs s+1");
  sgdl_rng_uniforms(seed, 4u, 1, 9u + (1ull << 32), P, N, b);
  corr_check(a, b, N, "step s vs s+2^32 (high word)");
  sgdl_rng_uniforms(seed + 1, 4u, 1, 9u, P, N, b);
  corr_check(a, b, N, "seed vs seed+1");
  sgdl_rng_uniforms(seed, 4u, 1, 9u, P, 2 * N, c);
  for (size_t i = 0; i < N; i++) {
    a[i] = c[2 * i];
    b[i] = c[2 * i + 1];
  }
  corr_check(a, b, N, "the two uniforms of one Philox call");
  for (size_t i = 0; i + 1 < N; i++) b[i] = a[i + 1];
  corr_check(a, b, N - 1, "adjacent counters");
  free(a);
  free(b);
  free(c);
  return check_done();
}
