/* The chunk jackknife of derived statistics (sgdl_ensemble_jackknife) with many inputs: the
 * two-point covariance tr Cov(X_p, X_q) at d = 50 needs 2d + 1 = 101 observable means (the
 * function used to keep only the first 16, so npoint covariances were wrong from d = 8).
 * A synthetic ensemble result with known chunk sums is checked against the estimate and the
 * jackknife error computed here directly. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/ensemble.h"

typedef struct {
  int d;
} cov_user;

static double cov_fn(const double *mm, void *user) {
  const int d = ((cov_user *)user)->d;
  double s = mm[2 * d];
  for (int i = 0; i < d; i++) s -= mm[i] * mm[d + i];
  return s;
}

static void check_dim(int d) {
  const int n = 2 * d + 1, G = 8, T = 3;
  sgdl_ensemble_result r;
  memset(&r, 0, sizeof r);
  r.n_obs = n + 2; /* two unused observables first, so the indices matter */
  r.n_times = T;
  r.n_chunks = G;
  r.chunk_n = calloc(G, sizeof(double));
  r.chunk_sum = calloc((size_t)G * r.n_obs * T, sizeof(double));
  int *idx = calloc(n, sizeof(int));
  for (int a = 0; a < n; a++) idx[a] = a + 2;
  for (int c = 0; c < G; c++) {
    r.chunk_n[c] = 100 + 7 * c;
    for (int o = 0; o < r.n_obs; o++)
      for (int t = 0; t < T; t++)
        r.chunk_sum[((size_t)c * r.n_obs + o) * T + t] = r.chunk_n[c] * (0.3 + 0.01 * o + 0.05 * t + 0.002 * ((c * 7 + o * 3) % 11));
  }
  cov_user cu = {d};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int t = 2;
  double value, se;
  CHECK(sgdl_ensemble_jackknife(&ctx, &r, t, n, idx, cov_fn, &cu, &value, &se) == 0, "jackknife: %s", ctx.msg);
  /* direct: full-sample means, then leave-one-chunk-out estimates */
  double N = 0, *m = calloc(n, sizeof(double)), th[8], bar = 0;
  for (int c = 0; c < G; c++) N += r.chunk_n[c];
  for (int a = 0; a < n; a++)
    for (int c = 0; c < G; c++) m[a] += r.chunk_sum[((size_t)c * r.n_obs + idx[a]) * T + t] / N;
  const double full = cov_fn(m, &cu);
  for (int c = 0; c < G; c++) {
    for (int a = 0; a < n; a++) {
      double s = 0;
      for (int k = 0; k < G; k++)
        if (k != c) s += r.chunk_sum[((size_t)k * r.n_obs + idx[a]) * T + t];
      m[a] = s / (N - r.chunk_n[c]);
    }
    th[c] = cov_fn(m, &cu);
    bar += th[c] / G;
  }
  double v = 0;
  for (int c = 0; c < G; c++) v += (th[c] - bar) * (th[c] - bar);
  char what[64];
  snprintf(what, sizeof what, "d=%d estimate", d);
  CHECK_REL(value, full, 1e-12, what);
  snprintf(what, sizeof what, "d=%d jackknife error", d);
  CHECK_REL(se, sqrt(v * (G - 1) / G), 1e-6, what);
  free(m);
  free(idx);
  free(r.chunk_n);
  free(r.chunk_sum);
}

int main(void) {
  check_dim(1);
  check_dim(8);
  check_dim(50);
  return check_done();
}
