/* myloss: an example user problem for sgdlab, built as a shared object and loaded with
 *   sgdlab weak --problem ./myloss.so --plugin-params "b=10,sigma2=0.1" ...
 *
 * The problem is a 2-D "banana" (a scaled Rosenbrock valley) with additive Gaussian gradient
 * noise of covariance sigma2 * I:
 *   L(x, y) = (1 - x)^2 / 2 + b (y - x^2)^2 / 2,      minimum at (1, 1),
 *   grad l_theta = grad L - sqrt(sigma2) theta,       theta ~ N(0, I_2).
 * Parameters (plugin_params, "key=value" separated by commas, all optional): b (default 10),
 * sigma2 (default 0.1).
 *
 * What a plugin must do (see include/sgdlab/problem.h and README.md beside this file):
 *   - state the plugin ABI it was compiled against with the line `SGDL_PLUGIN_ABI;` (sgdlab
 *     refuses a plugin without it, or built against another version of sgdlab/problem.h);
 *   - export `int sgdl_problem_plugin(sgdl_problem *p, const char *params)`;
 *   - fill p->type (a const sgdl_problem_type with loss, grad, hvp, noise_cols, and destroy when
 *     it allocates), dim, n_data, n_noise, noise_weight, noise_constant, affine, impl, desc;
 *   - return 0, or non-zero with the reason written into p->desc.
 * It is compiled without linking to sgdlab, so it allocates with malloc/free, not sgdl_alloc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/problem.h"

typedef struct {
  double b;     /* valley stiffness */
  double sigma; /* sqrt(sigma2) */
} banana;

static double banana_loss(const sgdl_problem *p, const double *x) {
  const banana *q = p->impl;
  double u = 1.0 - x[0], v = x[1] - x[0] * x[0];
  return 0.5 * u * u + 0.5 * q->b * v * v;
}

static void banana_grad(const sgdl_problem *p, const double *x, double *g) {
  const banana *q = p->impl;
  double v = x[1] - x[0] * x[0];
  g[0] = -(1.0 - x[0]) - 2.0 * q->b * x[0] * v;
  g[1] = q->b * v;
}

/* Hessian: [[1 + b (6 x^2 - 2 y), -2 b x], [-2 b x, b]]. */
static void banana_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) {
  const banana *q = p->impl;
  double hxx = 1.0 + q->b * (6.0 * x[0] * x[0] - 2.0 * x[1]), hxy = -2.0 * q->b * x[0], hyy = q->b;
  out[0] = hxx * v[0] + hxy * v[1];
  out[1] = hxy * v[0] + hyy * v[1];
}

/* Noise columns G (2 x 2, row-major): Sigma_1 = noise_weight * G G^T = sigma2 I. */
static void banana_noise_cols(const sgdl_problem *p, const double *x, double *G) {
  const banana *q = p->impl;
  (void)x; /* additive noise: G does not depend on x */
  G[0] = q->sigma;
  G[1] = 0.0;
  G[2] = 0.0;
  G[3] = q->sigma;
}

static void banana_destroy(sgdl_problem *p) {
  free(p->impl);
  p->impl = NULL;
}

static const sgdl_problem_type banana_type = {
    .name = "banana",
    .loss = banana_loss,
    .grad = banana_grad,
    .hvp = banana_hvp,
    .noise_cols = banana_noise_cols,
    .grad_sample = NULL, /* additive noise: no finite data set */
    .loss_sample = NULL,
    .grad_lanes = NULL, /* sgdlab falls back to calling grad once per lane */
    .destroy = banana_destroy,
};

/* Parse "b=10,sigma2=0.1"; on error write the reason into desc and return 1. */
static int parse_params(const char *params, double *b, double *sigma2, char *desc, size_t n) {
  const char *s = params ? params : "";
  while (*s) {
    char key[32];
    double val;
    int used = 0;
    if (sscanf(s, " %31[a-z0-9] = %lf%n", key, &val, &used) != 2) {
      snprintf(desc, n, "myloss: cannot parse '%s' (expected key=value,...)", s);
      return 1;
    }
    if (strcmp(key, "b") == 0) *b = val;
    else if (strcmp(key, "sigma2") == 0) *sigma2 = val;
    else {
      snprintf(desc, n, "myloss: unknown parameter '%s' (known: b, sigma2)", key);
      return 1;
    }
    s += used;
    while (*s == ' ' || *s == ',') s++;
  }
  return 0;
}

/* The layout of sgdl_problem / sgdl_problem_type this file was compiled against. */
SGDL_PLUGIN_ABI;

int sgdl_problem_plugin(sgdl_problem *p, const char *params);

int sgdl_problem_plugin(sgdl_problem *p, const char *params) {
  double b = 10.0, sigma2 = 0.1;
  if (parse_params(params, &b, &sigma2, p->desc, sizeof p->desc)) return 1;
  if (!(b > 0) || !(sigma2 >= 0) || !isfinite(b) || !isfinite(sigma2)) {
    snprintf(p->desc, sizeof p->desc, "myloss: need b > 0 and sigma2 >= 0 (got b=%g, sigma2=%g)", b, sigma2);
    return 1;
  }
  banana *q = malloc(sizeof *q);
  if (!q) {
    snprintf(p->desc, sizeof p->desc, "myloss: out of memory");
    return 1;
  }
  q->b = b;
  q->sigma = sqrt(sigma2);
  p->type = &banana_type;
  p->impl = q;
  p->dim = 2;
  p->n_data = 0;        /* additive Gaussian noise, not a finite data set */
  p->n_noise = 2;       /* K: columns of G */
  p->noise_weight = 1.0;
  p->noise_constant = 1; /* G does not depend on x */
  p->affine = 0;         /* the gradient is not affine in x */
  snprintf(p->desc, sizeof p->desc, "myloss banana L = (1-x)^2/2 + %g (y-x^2)^2/2, noise variance %g", b, sigma2);
  return 0;
}
