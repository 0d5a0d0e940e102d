/* The problem layer's generic part: defaults, creation by name (built-in table, plugin path or
 * "callback"),
 * destruction, the per-lane gradient fallback, Sigma_1 from the noise columns, and the minibatch
 * factor c_B. The problem types themselves live one per file beside this one.
 * Does not: sample minibatches (rng layer) or step anything (dynamics layer). */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"
#include "sgdlab/linalg.h"
#include "sgdlab/rng.h" /* SGDL_LANES */

const char *const sgdl_problem_names[] = {"quadratic", "linreg", "logreg", "double-well", "double-well-2d",
                                          "degenerate", "meanfield", NULL};

static const sgdl_problem_init_fn builtin_init[] = {sgdl_quadratic_init,    sgdl_linreg_init,
                                                    sgdl_logreg_init,       sgdl_double_well_init,
                                                    sgdl_double_well_2d_init, sgdl_degenerate_init,
                                                    sgdl_meanfield_init};

void sgdl_problem_spec_init(sgdl_problem_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->name = "double-well";
  spec->sigma2 = 1.0;
  spec->s = 0.5;
  spec->ky = 1.0;
  spec->gen_n = 64;
  spec->gen_d = 2;
  spec->gen_noise = 0.5;
}

int sgdl_problem_is_plugin_name(const char *name) {
  size_t n = strlen(name);
  return strchr(name, '/') != NULL || (n >= 3 && strcmp(name + n - 3, ".so") == 0);
}

/* Invariants every problem must satisfy before anyone steps it (also guards plugins). */
static int validate(sgdl_ctx *ctx, const char *name, const sgdl_problem *p) {
  const sgdl_problem_type *t = p->type;
  if (!t) return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: no problem type was set", name);
  /* hvp is optional (plugins may omit it): SME2, Newton and Kramers check for it themselves. */
  if (!t->loss || !t->grad || !t->noise_cols)
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: the type must provide loss, grad and noise_cols", name);
  if (p->dim < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: dimension %d is not positive", name, p->dim);
  if (p->n_noise < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: %d noise columns, need at least 1", name, p->n_noise);
  if (!(p->noise_weight > 0) || !isfinite(p->noise_weight))
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: noise_weight %g is not positive", name, p->noise_weight);
  if (p->n_data > 0 && (!t->grad_sample || !t->loss_sample))
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: finite data (n_data = %zu) needs grad_sample and loss_sample",
                     name, p->n_data);
  if (p->n_data > 0 && (size_t)p->n_noise != p->n_data)
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem %s: finite data needs n_noise = n_data (%d != %zu)", name,
                     p->n_noise, p->n_data);
  return SGDL_OK;
}

int sgdl_problem_create(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem **out) {
  *out = NULL;
  const char *name = spec->name ? spec->name : "double-well";
  sgdl_problem_init_fn init = NULL;
  if (sgdl_problem_is_plugin_name(name)) {
    init = sgdl_plugin_init;
  } else if (!strcmp(name, "callback")) {
    init = sgdl_callback_init;
  } else {
    for (int i = 0; sgdl_problem_names[i]; i++)
      if (strcmp(name, sgdl_problem_names[i]) == 0) init = builtin_init[i];
  }
  if (!init) {
    char known[256] = "";
    for (int i = 0; sgdl_problem_names[i]; i++) {
      strncat(known, sgdl_problem_names[i], sizeof known - strlen(known) - 1);
      strncat(known, ", ", sizeof known - strlen(known) - 1);
    }
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--problem: unknown problem '%s' (known: %sor a plugin path such as ./myloss.so)", name, known);
  }
  sgdl_problem *p = sgdl_alloc(ctx, 1, sizeof *p);
  if (!p) return SGDL_ENOMEM;
  int rc = init(ctx, spec, p);
  if (!rc) rc = validate(ctx, name, p);
  if (rc) {
    sgdl_problem_destroy(p);
    return rc;
  }
  if (p->desc[0] == '\0') snprintf(p->desc, sizeof p->desc, "%s (d=%d)", name, p->dim);
  *out = p;
  return SGDL_OK;
}

void sgdl_problem_destroy(sgdl_problem *p) {
  if (!p) return;
  /* A plugin's type lives in the shared object: call its destroy before closing it. */
  if (p->type && p->type->destroy) p->type->destroy(p);
  if (p->dl_handle) dlclose(p->dl_handle);
  sgdl_free(p);
}

void sgdl_problem_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout, double *work) {
  if (p->type->grad_lanes) {
    p->type->grad_lanes(p, W, X, Gout);
    return;
  }
  const int d = p->dim;
  double *x = work, *g = work + d;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[(size_t)i * (size_t)W + (size_t)l];
    p->type->grad(p, x, g);
    for (int i = 0; i < d; i++) Gout[(size_t)i * (size_t)W + (size_t)l] = g[i];
  }
}

void sgdl_problem_grad_lanes_exact(const sgdl_problem *p, int W, const double *X, double *Gout, double *work) {
  if (p->type->grad_lanes && p->type->grad_lanes_exact) {
    p->type->grad_lanes(p, W, X, Gout);
    return;
  }
  const int d = p->dim;
  double *x = work, *g = work + d;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[(size_t)i * (size_t)W + (size_t)l];
    p->type->grad(p, x, g);
    for (int i = 0; i < d; i++) Gout[(size_t)i * (size_t)W + (size_t)l] = g[i];
  }
}

/* Scratch of the batched kernels: margins and coefficients (linreg, logreg), the hidden
 * activations of every neuron (meanfield: at most dim of them) per lane; the generic loop needs
 * one point and one gradient. */
long sgdl_problem_lanes_work(const sgdl_problem *p) {
  /* logreg's register-blocked full pass keeps the margins of SGDL_DATASET_SB samples per lane */
  const long rows = p->dim > SGDL_DATASET_SB ? p->dim : SGDL_DATASET_SB;
  return 2L * p->dim + (p->n_data ? (4 + rows) * SGDL_LANES : 0); /* long: (4 + d) 256 passes INT_MAX from d ~ 8.4e6 */
}

int sgdl_problem_lane_chunk(const sgdl_problem *p) {
  return p->n_data && p->type == &sgdl_logreg_type ? sgdl_logreg_lane_chunk(p) : 0;
}

void sgdl_problem_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                 const double *w, double *out, double *work) {
  if (p->type->grad_sum_lanes) {
    p->type->grad_sum_lanes(p, W, X, nb, idx, w, out, work);
    return;
  }
  const int d = p->dim;
  double *x = work, *g = work + d;
  memset(out, 0, sizeof(double) * (size_t)d * (size_t)W);
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[(size_t)i * (size_t)W + (size_t)l];
    for (int b = 0; b < nb; b++) {
      const size_t bl = (size_t)b * (size_t)W + (size_t)l;
      p->type->grad_sample(p, x, idx ? idx[bl] : (size_t)b, g);
      double *o = out + l;
      if (w)
        for (int i = 0; i < d; i++) o[(size_t)i * W] += w[bl] * g[i];
      else
        for (int i = 0; i < d; i++) o[(size_t)i * W] += g[i];
    }
  }
}

void sgdl_problem_grad_and_sum_lanes(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                     double *S, double *work) {
  if (p->type->grad_and_sum_lanes) {
    p->type->grad_and_sum_lanes(p, W, X, w, G, S, work);
    return;
  }
  sgdl_problem_grad_lanes(p, W, X, G, work);
  sgdl_problem_grad_sum_lanes(p, W, X, (int)p->n_data, NULL, w, S, work);
}

void sgdl_problem_sigma1(const sgdl_problem *p, const double *x, double *S, double *Gwork) {
  const int d = p->dim, K = p->n_noise;
  p->type->noise_cols(p, x, Gwork);
  sgdl_gemm(0, 1, d, d, K, p->noise_weight, Gwork, Gwork, 0.0, S);
}

double sgdl_minibatch_factor(size_t N, int B, int without_replacement) {
  if (B < 1) return NAN;
  if (N == 0 || !without_replacement) return 1.0 / B;
  if ((size_t)B > N) return NAN; /* a B-subset of N < B items does not exist: caller's error */
  if (N == 1) return 0.0;        /* B = N = 1: the only batch is the whole data set */
  return (double)(N - (size_t)B) / ((double)B * (double)(N - 1));
}

void sgdl_problem_default_x0(const sgdl_problem *p, uint32_t seed, double *x) {
  if (p->type->default_x0) {
    p->type->default_x0(p, seed, x);
    return;
  }
  const char *n = p->type->name;
  if (!strcmp(n, "meanfield")) {
    sgdl_meanfield_default_x0(p, seed, x);
    return;
  }
  double v = 0; /* data problems and plugins start at the origin */
  if (!strcmp(n, "double-well") || !strcmp(n, "double-well-2d")) v = 0.5; /* between saddle and minimum */
  else if (!strcmp(n, "quadratic") || !strcmp(n, "degenerate")) v = 1;
  for (int i = 0; i < p->dim; i++) x[i] = v;
}
