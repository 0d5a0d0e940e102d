/* Expected exit steps of the discrete 1-D SGD chain by Nystrom quadrature (SPEC section 4 and
 * implementation notes): with x' = x - alpha (L'(x) + xi), xi ~ N(0, c_B Sigma_1(x)),
 *     tau_d(x) = 1 + int_D k(x, y) tau_d(y) dy,   k(x, y) = phi((y - m(x)) / s(x)) / s(x),
 *     m(x) = x - alpha L'(x),  s(x) = alpha sqrt(c_B Sigma_1(x))   (alpha sigma, NOT sqrt(alpha) sigma).
 * Nodes: composite 10-point Gauss-Legendre panels (nodes and weights from the Jacobi matrix by
 * LAPACK's symmetric eigensolver, Golub-Welsch), panel width <= min s / 2 so the Gaussian kernel
 * is resolved; (I - K) tau = 1 by dense LU; tau(x0) by the Nystrom interpolant. The answer is
 * recomputed with panels twice as wide and the difference reported as the error estimate.
 * Does not: treat finite-data problems (their step law is discrete, not Gaussian) or reflecting
 * finite ends (not defined for the chain). Natural ends are extended by 10 step sds and left open. */
#include <math.h>
#include <string.h>

#include "sgdlab/exit.h"
#include "sgdlab/linalg.h"

#define GL_N 10

/* Gauss-Legendre nodes/weights on [-1, 1] by Golub-Welsch. */
static int gauss_legendre(sgdl_ctx *ctx, double *x, double *w) {
  double J[GL_N * GL_N] = {0}, V[GL_N * GL_N];
  for (int k = 1; k < GL_N; k++) {
    const double b = k / sqrt(4.0 * k * k - 1.0);
    J[(k - 1) * GL_N + k] = J[k * GL_N + k - 1] = b;
  }
  int rc = sgdl_symeig(ctx, GL_N, J, x, V);
  if (rc) return rc;
  for (int j = 0; j < GL_N; j++) w[j] = 2.0 * V[j] * V[j]; /* first component of eigenvector j */
  return SGDL_OK;
}

typedef struct {
  const sgdl_problem *p;
  double lr, cB;
  double *work;
} chain_model;

static void step_law(const chain_model *c, double x, double *mean, double *sd) {
  double g, S;
  c->p->type->grad(c->p, &x, &g);
  sgdl_problem_sigma1(c->p, &x, &S, c->work);
  *mean = x - c->lr * g;
  *sd = c->lr * sqrt(c->cB * S > 0 ? c->cB * S : 0);
}

static double kernel(double y, double mean, double sd) {
  const double z = (y - mean) / sd;
  return 0.3989422804014327 * exp(-0.5 * z * z) / sd;
}

/* One Nystrom solve with npanel panels on [a, b]; returns tau(x0) in *tau. */
static int nystrom(sgdl_ctx *ctx, const chain_model *c, double a, double b, int npanel,
                   const double *glx, const double *glw, double x0, double *tau) {
  const int n = npanel * GL_N;
  double *y = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *w = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *mu = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *sd = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *A = sgdl_alloc(ctx, (size_t)n * (size_t)n, sizeof(double));
  double *rhs = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  int rc = (y && w && mu && sd && A && rhs) ? SGDL_OK : SGDL_ENOMEM;
  if (!rc) {
    const double hp = (b - a) / npanel;
    for (int q = 0; q < npanel; q++)
      for (int j = 0; j < GL_N; j++) {
        y[q * GL_N + j] = a + hp * (q + 0.5 * (glx[j] + 1.0));
        w[q * GL_N + j] = 0.5 * hp * glw[j];
      }
    for (int i = 0; i < n; i++) step_law(c, y[i], &mu[i], &sd[i]);
    for (int i = 0; i < n; i++) {
      double *row = A + (size_t)i * (size_t)n;
      for (int j = 0; j < n; j++) row[j] = -w[j] * kernel(y[j], mu[i], sd[i]);
      row[i] += 1.0;
      rhs[i] = 1.0;
    }
    rc = sgdl_solve(ctx, n, 1, A, rhs);
    if (rc) rc = sgdl_fail(ctx, SGDL_ELINALG, "chain: the Nystrom system (I - K) tau = 1 is singular "
                           "(the chain does not leave the interval)");
  }
  if (!rc) {
    double m0, s0;
    step_law(c, x0, &m0, &s0);
    double t = 1.0;
    for (int j = 0; j < n; j++) t += w[j] * kernel(y[j], m0, s0) * rhs[j];
    *tau = t;
    if (!(t >= 1.0) || !isfinite(t))
      rc = sgdl_fail(ctx, SGDL_ELINALG, "chain: Nystrom answer %g is not a valid step count", t);
  }
  sgdl_free(y);
  sgdl_free(w);
  sgdl_free(mu);
  sgdl_free(sd);
  sgdl_free(A);
  sgdl_free(rhs);
  return rc;
}

int sgdl_met_chain(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB,
                   const sgdl_interval *iv, double x0, int max_nodes, sgdl_chain_met *out) {
  if (p->dim != 1) return sgdl_fail(ctx, SGDL_EINVAL, "chain: needs a 1-D problem (d = %d)", p->dim);
  if (p->n_data > 0)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "chain: problem %s samples from a finite data set, so the SGD step is "
                     "not Gaussian; the Nystrom chain needs additive Gaussian noise", p->type->name);
  if (!(lr > 0)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not positive", lr);
  if (!(iv->lo < iv->hi)) return sgdl_fail(ctx, SGDL_EINVAL, "--interval %g:%g: empty interval", iv->lo, iv->hi);
  if (!(x0 > iv->lo && x0 < iv->hi))
    return sgdl_fail(ctx, SGDL_EINVAL, "--from %g: start point outside the domain (%g, %g)", x0, iv->lo, iv->hi);
  if (iv->bc_lo == SGDL_BC_REFLECT || iv->bc_hi == SGDL_BC_REFLECT)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "chain: a reflecting finite end is not defined for the discrete chain "
                     "(use an absorbing end or the automatic far end)");
  if (max_nodes <= 0) max_nodes = 6000;

  double *work = sgdl_alloc(ctx, (size_t)(p->n_noise > 0 ? p->n_noise : 1) + 4, sizeof(double));
  if (!work) return SGDL_ENOMEM;
  chain_model c = {p, lr, cB, work};

  /* Step sd over the interval (scan), then extend natural ends by 10 sds. */
  double smin = INFINITY, smax = 0;
  for (int i = 0; i <= 2000; i++) {
    double mm, s;
    step_law(&c, iv->lo + (iv->hi - iv->lo) * i / 2000.0, &mm, &s);
    if (s < smin) smin = s;
    if (s > smax) smax = s;
  }
  int rc = SGDL_OK;
  if (!(smin > 0)) {
    rc = sgdl_fail(ctx, SGDL_ENOTSUP, "chain: the SGD step has zero noise somewhere on the interval "
                   "(degenerate noise); the Nystrom kernel is singular there");
  }
  double a = iv->lo, b = iv->hi;
  if (!rc) {
    if (iv->bc_lo == SGDL_BC_NATURAL) a -= 10 * smax;
    if (iv->bc_hi == SGDL_BC_NATURAL) b += 10 * smax;
  }
  int npanel = 0;
  if (!rc) {
    npanel = (int)ceil((b - a) / (0.5 * smin));
    if (npanel < 40) npanel = 40;
    npanel += npanel & 1; /* even, so the coarse check uses half */
    if ((long)npanel * GL_N > max_nodes)
      rc = sgdl_fail(ctx, SGDL_ENOTSUP,
                     "chain: the SGD step sd alpha sigma = %.3g is too small for a dense Nystrom solve on "
                     "(%g, %g): it needs %d nodes > %d; use the SME methods at this learning rate "
                     "(they are accurate to O(alpha) there) or a shorter interval",
                     smin, a, b, npanel * GL_N, max_nodes);
  }
  double glx[GL_N], glw[GL_N];
  if (!rc) rc = gauss_legendre(ctx, glx, glw);
  double t_fine = 0, t_coarse = 0;
  if (!rc) rc = nystrom(ctx, &c, a, b, npanel, glx, glw, x0, &t_fine);
  if (!rc) rc = nystrom(ctx, &c, a, b, npanel / 2, glx, glw, x0, &t_coarse);
  if (!rc) {
    out->steps = t_fine;
    out->err = fabs(t_fine - t_coarse);
    out->nodes = npanel * GL_N;
    out->step_sd_min = smin;
    out->step_sd_max = smax;
  }
  sgdl_free(work);
  return rc;
}
