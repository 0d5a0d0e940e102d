/* Shared checks for the problem-layer tests (included by tests/test_problem_*.c):
 * finite differences of grad against loss, hvp against grad, per-sample gradients against
 * per-sample losses; mean of per-sample gradients/losses against the full ones; Sigma_1 from
 * the noise columns against the direct covariance of the per-sample gradients; the noise
 * columns themselves; grad_lanes against grad. Each check reports through check.h. */
#ifndef SGDL_TEST_PROBLEM_CHECKS_H
#define SGDL_TEST_PROBLEM_CHECKS_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/problem.h"

/* max_i |a_i - b_i| / max(1, max_i |b_i|) */
static inline double pc_relerr(int n, const double *a, const double *b) {
  double e = 0, s = 1;
  for (int i = 0; i < n; i++) {
    e = fmax(e, fabs(a[i] - b[i]));
    s = fmax(s, fabs(b[i]));
  }
  return e / s;
}

/* Central-difference gradient of f at x: 4th-order (Richardson) stencil for accuracy ~1e-10. */
static inline double pc_loss_i(const sgdl_problem *p, const double *x, size_t i) {
  return i == (size_t)-1 ? p->type->loss(p, x) : p->type->loss_sample(p, x, i);
}
static inline void pc_fd_grad(const sgdl_problem *p, const double *x, size_t i, double *g) {
  int d = p->dim;
  double *y = calloc((size_t)d, sizeof *y);
  for (int j = 0; j < d; j++) {
    double h = 1e-3 * fmax(1.0, fabs(x[j]));
    double v[4], off[4] = {-2, -1, 1, 2};
    for (int k = 0; k < 4; k++) {
      memcpy(y, x, sizeof(double) * (size_t)d);
      y[j] += off[k] * h;
      v[k] = pc_loss_i(p, y, i);
    }
    g[j] = (v[0] - 8 * v[1] + 8 * v[2] - v[3]) / (12 * h);
  }
  free(y);
}

/* Everything checkable about problem p at point x. `name` labels failures. */
static inline void pc_check_point(const sgdl_problem *p, const double *x, const char *name) {
  const int d = p->dim, K = p->n_noise;
  const size_t N = p->n_data;
  double *g = calloc((size_t)d, sizeof *g), *gfd = calloc((size_t)d, sizeof *gfd);
  double *v = calloc((size_t)d, sizeof *v), *hv = calloc((size_t)d, sizeof *hv);
  double *hfd = calloc((size_t)d, sizeof *hfd), *y = calloc((size_t)d, sizeof *y);
  double *g1 = calloc((size_t)d, sizeof *g1), *g2 = calloc((size_t)d, sizeof *g2);
  char what[200];

  /* grad vs finite differences of loss */
  p->type->grad(p, x, g);
  pc_fd_grad(p, x, (size_t)-1, gfd);
  snprintf(what, sizeof what, "%s: grad vs FD(loss)", name);
  CHECK(pc_relerr(d, g, gfd) < 1e-8, "%s rel err %g", what, pc_relerr(d, g, gfd));

  /* hvp vs finite differences of grad along a fixed direction, and symmetry of the Hessian */
  for (int j = 0; j < d; j++) v[j] = cos(1.0 + 2.3 * j);
  p->type->hvp(p, x, v, hv);
  double h = 1e-4 * fmax(1.0, fabs(x[0]));
  double off[4] = {-2, -1, 1, 2}, wgt[4] = {1, -8, 8, -1};
  for (int j = 0; j < d; j++) hfd[j] = 0;
  for (int k = 0; k < 4; k++) {
    for (int j = 0; j < d; j++) y[j] = x[j] + off[k] * h * v[j];
    p->type->grad(p, y, g1);
    for (int j = 0; j < d; j++) hfd[j] += wgt[k] * g1[j] / (12 * h);
  }
  snprintf(what, sizeof what, "%s: hvp vs FD(grad)", name);
  CHECK(pc_relerr(d, hv, hfd) < 1e-8, "%s rel err %g", what, pc_relerr(d, hv, hfd));
  for (int j = 0; j < d; j++) y[j] = sin(0.7 + 1.3 * j);
  p->type->hvp(p, x, y, g1);
  double uhv = 0, vhu = 0;
  for (int j = 0; j < d; j++) {
    uhv += y[j] * hv[j];
    vhu += v[j] * g1[j];
  }
  CHECK(fabs(uhv - vhu) <= 1e-12 * fmax(1, fabs(uhv)), "%s: Hessian not symmetric (%g vs %g)", name, uhv, vhu);

  /* Noise columns and Sigma_1 */
  double *G = calloc((size_t)d * (size_t)K, sizeof *G), *S = calloc((size_t)d * (size_t)d, sizeof *S);
  double *Sd = calloc((size_t)d * (size_t)d, sizeof *Sd);
  sgdl_problem_sigma1(p, x, S, G);
  p->type->noise_cols(p, x, G);
  for (int a = 0; a < d; a++)
    for (int b = 0; b < d; b++) {
      double s = 0;
      for (int k = 0; k < K; k++) s += G[a * K + k] * G[b * K + k];
      Sd[a * d + b] = p->noise_weight * s;
    }
  snprintf(what, sizeof what, "%s: sigma1 = w G G^T", name);
  CHECK(pc_relerr(d * d, S, Sd) < 1e-13, "%s rel err %g", what, pc_relerr(d * d, S, Sd));

  if (N > 0) {
    /* per-sample: FD, mean of gradients and losses, direct covariance, noise columns */
    double *mean = calloc((size_t)d, sizeof *mean), *C = calloc((size_t)d * (size_t)d, sizeof *C);
    double lmean = 0, colerr = 0, fderr = 0;
    for (size_t i = 0; i < N; i++) {
      p->type->grad_sample(p, x, i, g1);
      if (i < 8) { /* FD on a few samples keeps the test fast for large N */
        pc_fd_grad(p, x, i, g2);
        fderr = fmax(fderr, pc_relerr(d, g1, g2));
      }
      lmean += p->type->loss_sample(p, x, i) / (double)N;
      for (int a = 0; a < d; a++) {
        mean[a] += g1[a] / (double)N;
        colerr = fmax(colerr, fabs(G[a * K + (int)i] - (g[a] - g1[a])) / fmax(1, fabs(g[a])));
        for (int b = 0; b < d; b++) C[a * d + b] += (g[a] - g1[a]) * (g[b] - g1[b]) / (double)N;
      }
    }
    CHECK(fderr < 1e-8, "%s: grad_sample vs FD(loss_sample) rel err %g", name, fderr);
    CHECK(pc_relerr(d, mean, g) < 1e-12, "%s: mean of per-sample gradients != grad (rel err %g)", name,
          pc_relerr(d, mean, g));
    CHECK(fabs(lmean - p->type->loss(p, x)) <= 1e-12 * fmax(1, fabs(lmean)), "%s: mean loss_sample %.17g != loss %.17g",
          name, lmean, p->type->loss(p, x));
    CHECK(colerr < 1e-12, "%s: noise column != grad L - grad l_i (err %g)", name, colerr);
    CHECK(pc_relerr(d * d, S, C) < 1e-12, "%s: sigma1 != direct covariance of per-sample gradients (rel err %g)", name,
          pc_relerr(d * d, S, C));
    CHECK(p->noise_weight == 1.0 / (double)N, "%s: noise_weight %g != 1/N", name, p->noise_weight);
    free(mean);
    free(C);
  }

  /* grad_lanes (fast path or fallback) against grad, lane by lane, for an odd and a full width */
  int widths[2] = {5, 64};
  for (int wi = 0; wi < 2; wi++) {
    int W = widths[wi];
    double *X = calloc((size_t)d * (size_t)W, sizeof *X), *GO = calloc((size_t)d * (size_t)W, sizeof *GO);
    double *work = calloc(2 * (size_t)d, sizeof *work);
    for (int l = 0; l < W; l++)
      for (int j = 0; j < d; j++) X[j * W + l] = x[j] + 0.3 * sin(1.0 + l + 3.1 * j);
    sgdl_problem_grad_lanes(p, W, X, GO, work);
    double err = 0;
    for (int l = 0; l < W; l++) {
      for (int j = 0; j < d; j++) y[j] = X[j * W + l];
      p->type->grad(p, y, g1);
      for (int j = 0; j < d; j++) err = fmax(err, fabs(GO[j * W + l] - g1[j]) / fmax(1, fabs(g1[j])));
    }
    CHECK(err < 1e-13, "%s: grad_lanes (W=%d) differs from grad by %g", name, W, err);
    free(X);
    free(GO);
    free(work);
  }
  free(g), free(gfd), free(v), free(hv), free(hfd), free(y), free(g1), free(g2), free(G), free(S), free(Sd);
}

/* Structural invariants and the description. */
static inline void pc_check_struct(const sgdl_problem *p, const char *name) {
  CHECK(p->dim >= 1 && p->n_noise >= 1, "%s: dim %d n_noise %d", name, p->dim, p->n_noise);
  CHECK(p->desc[0] != '\0' && strlen(p->desc) < sizeof p->desc, "%s: empty description", name);
  CHECK(p->n_data == 0 || (size_t)p->n_noise == p->n_data, "%s: n_noise %d != n_data %zu", name, p->n_noise,
        p->n_data);
  CHECK(p->n_data > 0 ? (p->type->grad_sample && p->type->loss_sample) : (!p->type->grad_sample),
        "%s: per-sample functions inconsistent with n_data", name);
}
#endif
