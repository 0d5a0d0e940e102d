/* Self-check of a problem's derivatives by finite differences, for user plugins before a run
 * (a wrong gradient makes every model disagree with SGD in ways that look like real effects).
 * Fourth-order central differences with step 1e-3 max(1, |x_j|) (grad) and 1e-4 (hvp); for
 * finite data, the first 16 per-sample gradients and the mean of all per-sample gradients.
 * Does not: check noise_cols beyond finite data (an additive G is whatever the user says). */
#include <math.h>
#include <string.h>

#include "sgdlab/problem.h"

static double relerr(int n, const double *a, const double *b) {
  double e = 0, s = 1;
  for (int i = 0; i < n; i++) {
    e = fmax(e, fabs(a[i] - b[i]));
    s = fmax(s, fabs(b[i]));
  }
  return e / s;
}

static double eval(const sgdl_problem *p, const double *x, long i) {
  return i < 0 ? p->type->loss(p, x) : p->type->loss_sample(p, x, (size_t)i);
}

/* work: 2 d doubles; g: d. */
static void fd_grad(const sgdl_problem *p, const double *x, long i, double *g, double *y) {
  const int d = p->dim;
  const double off[4] = {-2, -1, 1, 2}, wgt[4] = {1, -8, 8, -1};
  for (int j = 0; j < d; j++) {
    double h = 1e-3 * fmax(1.0, fabs(x[j]));
    g[j] = 0;
    for (int k = 0; k < 4; k++) {
      memcpy(y, x, sizeof(double) * (size_t)d);
      y[j] += off[k] * h;
      g[j] += wgt[k] * eval(p, y, i);
    }
    g[j] /= 12 * h;
  }
}

int sgdl_problem_check(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, double tol, double err[4]) {
  const int d = p->dim;
  double *buf = sgdl_alloc(ctx, 6 * (size_t)d, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  double *g = buf, *gfd = buf + d, *v = buf + 2 * d, *a = buf + 3 * d, *b = buf + 4 * d, *y = buf + 5 * d;
  for (int k = 0; k < 4; k++) err[k] = 0;

  p->type->grad(p, x, g);
  fd_grad(p, x, -1, gfd, y);
  err[0] = relerr(d, g, gfd);

  if (p->type->hvp) { /* optional member: nothing to check without it */
    for (int j = 0; j < d; j++) v[j] = cos(1.0 + 2.3 * j); /* a fixed, generic direction */
    p->type->hvp(p, x, v, a);
    const double off[4] = {-2, -1, 1, 2}, wgt[4] = {1, -8, 8, -1};
    double h = 1e-4;
    for (int j = 0; j < d; j++) b[j] = 0;
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j < d; j++) y[j] = x[j] + off[k] * h * v[j];
      p->type->grad(p, y, gfd);
      for (int j = 0; j < d; j++) b[j] += wgt[k] * gfd[j] / (12 * h);
    }
    err[1] = relerr(d, a, b);
  }

  if (p->n_data > 0) {
    for (int j = 0; j < d; j++) b[j] = 0;
    for (size_t i = 0; i < p->n_data; i++) {
      p->type->grad_sample(p, x, i, a);
      for (int j = 0; j < d; j++) b[j] += a[j] / (double)p->n_data;
      if (i < 16) {
        fd_grad(p, x, (long)i, gfd, y);
        err[2] = fmax(err[2], relerr(d, a, gfd));
      }
    }
    err[3] = relerr(d, b, g);
  }
  sgdl_free(buf);
  static const char *what[4] = {"grad differs from finite differences of loss",
                                "hvp differs from finite differences of grad",
                                "grad_sample differs from finite differences of loss_sample",
                                "the mean of grad_sample differs from grad"};
  for (int k = 0; k < 4; k++)
    if (!(err[k] <= tol))
      return sgdl_fail(ctx, SGDL_EINVAL, "problem %s: %s (relative error %.3g > %.3g)", p->type->name, what[k], err[k],
                       tol);
  return SGDL_OK;
}
