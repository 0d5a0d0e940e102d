/* The normal stream is standard normal: over 10^7 draws (fixed seed) the raw moments
 * E z = 0, E z^2 = 1, E z^3 = 0, E z^4 = 3 lie within 4.5 standard errors (the SEs are
 * exact: Var z^k = E z^2k - (E z^k)^2 = 1, 2, 15, 96); tail frequencies P(|z| > 2, 3, 4)
 * match 2 Phi(-x) within 4.5 binomial SEs; a Kolmogorov-Smirnov distance on 2e5 draws
 * stays below the 0.1% critical value; and the two members of a Box-Muller pair (rows
 * 2j, 2j+1) are uncorrelated, also in their squares. */
#include <stdlib.h>

#include "check.h"
#include "sgdlab/rng.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(void) {
  const int L = 64;
  const size_t n = 1000, steps = 157; /* 64 * 1000 * 157 = 1.0e7 */
  double *z = malloc(n * L * sizeof *z);
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0, t2 = 0, t3 = 0, t4 = 0;
  double pc = 0, pc2 = 0; /* pair products z0 z1 and (z0^2-1)(z1^2-1) */
  for (size_t st = 0; st < steps; st++) {
    sgdl_rng_normals(20240501u, 1000u, L, st, SGDL_PURPOSE(SGDL_RNG_NORMAL, 3, 0), n, z);
    for (size_t i = 0; i < n * L; i++) {
      double x = z[i], x2 = x * x;
      s1 += x;
      s2 += x2;
      s3 += x2 * x;
      s4 += x2 * x2;
      t2 += fabs(x) > 2;
      t3 += fabs(x) > 3;
      t4 += fabs(x) > 4;
    }
    for (size_t j = 0; j < n; j += 2)
      for (int l = 0; l < L; l++) {
        double a = z[j * L + l], b = z[(j + 1) * L + l];
        pc += a * b;
        pc2 += (a * a - 1) * (b * b - 1);
      }
  }
  const double N = (double)(n * L * steps), K = 4.5;
  CHECK_ABS(s1 / N, 0.0, K * sqrt(1.0 / N), "E z");
  CHECK_ABS(s2 / N, 1.0, K * sqrt(2.0 / N), "E z^2");
  CHECK_ABS(s3 / N, 0.0, K * sqrt(15.0 / N), "E z^3");
  CHECK_ABS(s4 / N, 3.0, K * sqrt(96.0 / N), "E z^4");
  printf("moments over %.3g draws: %.2e %.6f %.2e %.5f\n", N, s1 / N, s2 / N, s3 / N, s4 / N);
  const double tail[3] = {erfc(2 / sqrt(2.0)), erfc(3 / sqrt(2.0)), erfc(4 / sqrt(2.0))};
  const double got[3] = {t2 / N, t3 / N, t4 / N};
  for (int k = 0; k < 3; k++)
    CHECK_ABS(got[k], tail[k], K * sqrt(tail[k] * (1 - tail[k]) / N), "P(|z| > 2,3,4)");
  const double Np = N / 2; /* pairs; Var(z0 z1) = 1, Var((z0^2-1)(z1^2-1)) = 4 */
  CHECK_ABS(pc / Np, 0.0, K * sqrt(1.0 / Np), "E z0 z1 within a Box-Muller pair");
  CHECK_ABS(pc2 / Np, 0.0, K * sqrt(4.0 / Np), "E (z0^2-1)(z1^2-1) within a pair");

  /* Kolmogorov-Smirnov on 2e5 draws from another stream */
  const size_t m = 200000;
  double *w = malloc(m * sizeof *w);
  sgdl_rng_normals(99u, 5u, 1, 0, SGDL_PURPOSE(SGDL_RNG_NORMAL, 0, 1), m, w);
  qsort(w, m, sizeof *w, cmp_double);
  double D = 0;
  for (size_t i = 0; i < m; i++) {
    double F = 0.5 * erfc(-w[i] / sqrt(2.0));
    D = fmax(D, fmax(F - (double)i / m, (double)(i + 1) / m - F));
  }
  printf("KS: sqrt(m) D = %.3f (0.1%% critical value 1.949)\n", sqrt((double)m) * D);
  CHECK(sqrt((double)m) * D < 1.949, "normal KS statistic %.3f", sqrt((double)m) * D);
  free(w);
  free(z);
  return check_done();
}
