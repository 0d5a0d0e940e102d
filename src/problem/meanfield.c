/* meanfield: a two-layer network in mean-field scaling as a finite-data problem (SPEC 3.4).
 * n neurons x_k = (c_k, w_k) in R^{1+p}, output f(z; X) = (1/n) sum_k c_k tanh(w_k . z), square
 * loss on N data (z_j, y_j). The parameter vector is X = (x_1, ..., x_n) in R^{n(1+p)} and the
 * problem's risk is the mean-field-scaled n R_n(X) = n (1/N) sum_j (f(z_j) - y_j)^2 / 2, so that
 *   SGD on it with learning rate alpha is mean-field particle SGD,
 *     x_k <- x_k - alpha n grad_{x_k} l(f_n(theta_m), theta_m)  (one shared sample per step),
 *   its noise columns are G(x_k, mu, theta_j) = grad_x V(x_k, mu) - grad_x V(x_k, mu, theta_j),
 *   and SMF2 on it is the distribution-dependent SMF of GKK for the empirical measure
 *     (the drift identity of SPEC 3.4, test T23).
 * The loss observable is therefore n R_n; divide by n for the risk. Hessian-vector products are
 * exact (R-operator). The activation is the branch-free sgdl_tanh_poly (sgdlab/vmath.h, <= 4 ulp
 * from libm's tanh) everywhere, scalar calls included, so the lane kernels (full gradient,
 * weighted per-sample sums, Hessian products) vectorise tanh with the neuron sums over a block of
 * lanes and return bitwise what the scalar calls return, for any number of neurons (lanes are
 * taken in chunks whose activations fit the kernel's buffer). The flow's noise sum_j z_j G_j is
 * one weighted pass (noise_apply; the lane driver forms it with grad_sum_lanes, model_terms.c).
 * Does not: other activations or losses, biases, or a hidden width of its own. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"
#include "sgdlab/rng.h"
#include "sgdlab/vmath.h"

typedef struct {
  sgdl_dataset ds; /* first: sgdl_problem_data reads it; X = z_j (N x p), y */
  int n, p;        /* neurons, input dimension */
} mf_impl;

/* The forward pass for sample j: t[k] = tanh(w_k . z_j) and u[k] = v_k,w . z_j when a direction v
 * is given; returns f_j = (1/n) sum_k c_k t[k]. Each tanh is evaluated once per (k, j): every
 * quantity below is built from these (dim <= 4096, so n <= 4096 and the buffers fit on the stack). */
static double mf_forward(const mf_impl *m, const double *X, size_t j, double *t, const double *V, double *u) {
  const int n = m->n, p = m->p;
  const double *z = m->ds.X + j * (size_t)p;
  double f = 0;
  for (int k = 0; k < n; k++) {
    const double *xk = X + (size_t)k * (1 + p);
    double a = 0, b = 0;
    for (int i = 0; i < p; i++) {
      a += xk[1 + i] * z[i];
      if (V) b += V[(size_t)k * (1 + p) + 1 + i] * z[i];
    }
    t[k] = sgdl_tanh_poly(a);
    if (u) u[k] = b;
    f += xk[0] * t[k];
  }
  return f / n;
}

/* g += coef * d f_j / d x_k * n: block k gets coef * (t_k, c_k (1 - t_k^2) z_j). */
static void mf_add_grad(const mf_impl *m, const double *X, size_t j, const double *t, double coef, double *g) {
  const int n = m->n, p = m->p;
  const double *z = m->ds.X + j * (size_t)p;
  for (int k = 0; k < n; k++) {
    double *gk = g + (size_t)k * (1 + p);
    const double cs = coef * X[(size_t)k * (1 + p)] * (1 - t[k] * t[k]);
    gk[0] += coef * t[k];
    for (int i = 0; i < p; i++) gk[1 + i] += cs * z[i];
  }
}

static double mf_loss(const sgdl_problem *pr, const double *X) {
  const mf_impl *m = pr->impl;
  double t[4096], s = 0;
  for (size_t j = 0; j < m->ds.N; j++) {
    const double r = mf_forward(m, X, j, t, NULL, NULL) - m->ds.y[j];
    s += 0.5 * r * r;
  }
  return m->n * s / (double)m->ds.N;
}

static double mf_loss_sample(const sgdl_problem *pr, const double *X, size_t j) {
  const mf_impl *m = pr->impl;
  double t[4096];
  const double r = mf_forward(m, X, j, t, NULL, NULL) - m->ds.y[j];
  return m->n * 0.5 * r * r;
}

/* grad of n l_j: the n cancels the 1/n of f, block k = r_j (t_kj, c_k (1 - t_kj^2) z_j). */
static void mf_grad_sample(const sgdl_problem *pr, const double *X, size_t j, double *g) {
  const mf_impl *m = pr->impl;
  double t[4096];
  memset(g, 0, sizeof(double) * (size_t)pr->dim);
  const double r = mf_forward(m, X, j, t, NULL, NULL) - m->ds.y[j];
  mf_add_grad(m, X, j, t, r, g);
}

/* sum_j coef_j(r_j) grad-part of sample j, with coef_j = w_j r_j: the full gradient (w_j = 1/N)
 * and the flow's noise product (w_j = (sum z)/N - z_j) are both of this form. */
static void mf_weighted(const sgdl_problem *pr, const double *X, const double *w, double wconst, double *out) {
  const mf_impl *m = pr->impl;
  double t[4096];
  memset(out, 0, sizeof(double) * (size_t)pr->dim);
  for (size_t j = 0; j < m->ds.N; j++) {
    const double r = mf_forward(m, X, j, t, NULL, NULL) - m->ds.y[j];
    mf_add_grad(m, X, j, t, (w ? w[j] : wconst) * r, out);
  }
}

static void mf_grad(const sgdl_problem *pr, const double *X, double *g) {
  const mf_impl *m = pr->impl;
  mf_weighted(pr, X, NULL, 1.0 / (double)m->ds.N, g);
}

static void mf_noise_cols(const sgdl_problem *pr, const double *X, double *G) {
  const mf_impl *m = pr->impl;
  const int d = pr->dim;
  const size_t N = m->ds.N;
  double gL[4096], gj[4096];
  mf_grad(pr, X, gL);
  for (size_t j = 0; j < N; j++) {
    mf_grad_sample(pr, X, j, gj);
    for (int i = 0; i < d; i++) G[(size_t)i * N + j] = gL[i] - gj[i];
  }
}

/* sum_j z_j G_j = sum_j z_j (grad L - grad l_j) = sum_j ((sum_i z_i)/N - z_j) r_j dPhi_j: one pass. */
static void mf_noise_apply(const sgdl_problem *pr, const double *X, const double *z, double *out) {
  const mf_impl *m = pr->impl;
  const size_t N = m->ds.N;
  double w[4096], zs = 0;
  if (N > 4096) { /* long data sets: the generic formula through the columns is not affordable either */
    double gL[4096], gj[4096];
    mf_grad(pr, X, gL);
    memset(out, 0, sizeof(double) * (size_t)pr->dim);
    for (size_t j = 0; j < N; j++) {
      mf_grad_sample(pr, X, j, gj);
      for (int i = 0; i < pr->dim; i++) out[i] += z[j] * (gL[i] - gj[i]);
    }
    return;
  }
  for (size_t j = 0; j < N; j++) zs += z[j];
  for (size_t j = 0; j < N; j++) w[j] = zs / (double)N - z[j];
  mf_weighted(pr, X, w, 0, out);
}

/* The lane form of the sums above over nl lanes of a block of stride W (X[i*W + l], l < nl): for
 * samples n(b, l) (idx[b*W + l], or b when idx is NULL) out = sum_b coef_b,l dPhi_b with coef = r
 * (weighted 0: bitwise the sum of mf_grad_sample), or coef = w_b,l r (w given) or wconst r (w
 * NULL), as mf_weighted forms it. work: t[n][nl], f, a, coef [nl]. */
static void mf_sum_lanes(const mf_impl *m, int W, int nl, const double *X, int nb, const uint32_t *idx, int weighted,
                         const double *w, double wconst, double *out, double *work) {
  const int n = m->n, p = m->p, per = 1 + p;
  const double *restrict Z = m->ds.X;
  double *restrict t = work, *restrict f = t + (size_t)n * nl, *restrict a = f + nl, *restrict cf = a + nl;
  for (int i = 0; i < n * per; i++) memset(out + (size_t)i * W, 0, sizeof(double) * (size_t)nl);
  for (int b = 0; b < nb; b++) {
    const uint32_t *ib = idx ? idx + (size_t)b * W : NULL;
#define MF_SAMPLE(l) (ib ? (size_t)ib[l] : (size_t)b)
    for (int l = 0; l < nl; l++) f[l] = 0;
    for (int k = 0; k < n; k++) {
      const double *restrict ck = X + (size_t)k * per * W;
      double *restrict tk = t + (size_t)k * nl;
      for (int l = 0; l < nl; l++) a[l] = 0;
      for (int i = 0; i < p; i++) {
        const double *restrict wi = X + ((size_t)k * per + 1 + i) * W;
        for (int l = 0; l < nl; l++) a[l] += wi[l] * Z[MF_SAMPLE(l) * p + i];
      }
      for (int l = 0; l < nl; l++) {
        tk[l] = sgdl_tanh_poly(a[l]);
        f[l] += ck[l] * tk[l];
      }
    }
    for (int l = 0; l < nl; l++) {
      const double r = f[l] / n - m->ds.y[MF_SAMPLE(l)];
      cf[l] = !weighted ? r : (w ? w[(size_t)b * W + l] : wconst) * r;
    }
    for (int k = 0; k < n; k++) {
      const double *restrict ck = X + (size_t)k * per * W, *restrict tk = t + (size_t)k * nl;
      double *restrict ok = out + (size_t)k * per * W;
      for (int l = 0; l < nl; l++) {
        ok[l] += cf[l] * tk[l];
        a[l] = cf[l] * ck[l] * (1 - tk[l] * tk[l]);
      }
      for (int i = 0; i < p; i++) {
        double *restrict oi = ok + (size_t)(1 + i) * W;
        for (int l = 0; l < nl; l++) oi[l] += a[l] * Z[MF_SAMPLE(l) * p + i];
      }
    }
#undef MF_SAMPLE
  }
}

/* work holds sgdl_problem_lanes_work() >= (4 + dim) SGDL_LANES doubles: a whole block (n <= dim). */
static void mf_grad_sum_lanes(const sgdl_problem *pr, int W, const double *X, int nb, const uint32_t *idx,
                              const double *w, double *out, double *work) {
  mf_sum_lanes(pr->impl, W, W, X, nb, idx, w != NULL, w, 0, out, work);
}

/* Lanes per chunk of a kernel whose buffer of `cap` doubles holds `per_lane` doubles a lane. */
static int mf_chunk(int W, long cap, long per_lane) {
  const long c = cap / per_lane;
  return c >= W ? W : c < 1 ? 1 : (int)c;
}

/* grad of n R_n over a block of lanes, bitwise mf_grad per lane, in chunks of lanes whose
 * activations (n + 3 doubles a lane) fit the buffer. */
static void mf_grad_lanes(const sgdl_problem *pr, int W, const double *X, double *G) {
  const mf_impl *m = pr->impl;
  double work[(16 + 3) * 256];
  const int c = mf_chunk(W, (long)(sizeof work / sizeof work[0]), m->n + 3L);
  for (int l0 = 0; l0 < W; l0 += c)
    mf_sum_lanes(m, W, l0 + c <= W ? c : W - l0, X + l0, (int)m->ds.N, NULL, 1, NULL, 1.0 / (double)m->ds.N, G + l0, work);
}

/* Exact Hessian-vector product of n R_n (R-operator on the forward pass). */
static void mf_hvp(const sgdl_problem *pr, const double *X, const double *V, double *out) {
  const mf_impl *m = pr->impl;
  const int n = m->n, p = m->p;
  const double invN = 1.0 / (double)m->ds.N;
  double t[4096], u[4096];
  memset(out, 0, sizeof(double) * (size_t)pr->dim);
  for (size_t j = 0; j < m->ds.N; j++) {
    const double *z = m->ds.X + j * (size_t)p;
    const double r = mf_forward(m, X, j, t, V, u) - m->ds.y[j];
    double df = 0;
    for (int k = 0; k < n; k++) df += V[(size_t)k * (1 + p)] * t[k] + X[(size_t)k * (1 + p)] * (1 - t[k] * t[k]) * u[k];
    const double dr = df / n;
    for (int k = 0; k < n; k++) {
      const double c = X[(size_t)k * (1 + p)], dc = V[(size_t)k * (1 + p)];
      const double s = 1 - t[k] * t[k], ds = -2 * t[k] * s * u[k];
      double *ok = out + (size_t)k * (1 + p);
      ok[0] += invN * (dr * t[k] + r * s * u[k]);
      const double cw = invN * (dr * c * s + r * dc * s + r * c * ds);
      for (int i = 0; i < p; i++) ok[1 + i] += cw * z[i];
    }
  }
}

/* mf_hvp over nl lanes of a block of stride W, each term rounded as mf_hvp rounds it (bitwise its
 * output per lane). work: t, u [n][nl], then f, df, a, b, cf, cd [nl]. */
static void mf_hvp_chunk(const mf_impl *m, int W, int nl, const double *X, const double *V, double *out, double *work) {
  const int n = m->n, p = m->p, per = 1 + p;
  const double invN = 1.0 / (double)m->ds.N;
  const double *restrict Z = m->ds.X;
  double *restrict t = work, *restrict u = t + (size_t)n * nl, *restrict f = u + (size_t)n * nl, *restrict df = f + nl,
                   *restrict a = df + nl, *restrict b = a + nl, *restrict cr = b + nl, *restrict cdr = cr + nl;
  for (int i = 0; i < n * per; i++) memset(out + (size_t)i * W, 0, sizeof(double) * (size_t)nl);
  for (size_t j = 0; j < m->ds.N; j++) {
    const double *z = Z + j * (size_t)p;
    for (int l = 0; l < nl; l++) f[l] = 0, df[l] = 0;
    for (int k = 0; k < n; k++) { /* forward: t = tanh(w_k . z), u = v_k,w . z, f = sum c t */
      const double *restrict ck = X + (size_t)k * per * W;
      double *restrict tk = t + (size_t)k * nl, *restrict uk = u + (size_t)k * nl;
      for (int l = 0; l < nl; l++) a[l] = 0, b[l] = 0;
      for (int i = 0; i < p; i++) {
        const double *restrict wi = X + ((size_t)k * per + 1 + i) * W, *restrict vi = V + ((size_t)k * per + 1 + i) * W;
        for (int l = 0; l < nl; l++) {
          a[l] += wi[l] * z[i];
          b[l] += vi[l] * z[i];
        }
      }
      for (int l = 0; l < nl; l++) {
        tk[l] = sgdl_tanh_poly(a[l]);
        uk[l] = b[l];
        f[l] += ck[l] * tk[l];
      }
    }
    for (int k = 0; k < n; k++) { /* df = sum_k dc_k t_k + c_k (1 - t_k^2) u_k */
      const double *restrict ck = X + (size_t)k * per * W, *restrict dck = V + (size_t)k * per * W;
      const double *restrict tk = t + (size_t)k * nl, *restrict uk = u + (size_t)k * nl;
      for (int l = 0; l < nl; l++) df[l] += dck[l] * tk[l] + ck[l] * (1 - tk[l] * tk[l]) * uk[l];
    }
    for (int l = 0; l < nl; l++) {
      cr[l] = f[l] / n - m->ds.y[j]; /* r */
      cdr[l] = df[l] / n;           /* dr */
    }
    for (int k = 0; k < n; k++) {
      const double *restrict ck = X + (size_t)k * per * W, *restrict dck = V + (size_t)k * per * W;
      const double *restrict tk = t + (size_t)k * nl, *restrict uk = u + (size_t)k * nl;
      double *restrict ok = out + (size_t)k * per * W;
      for (int l = 0; l < nl; l++) {
        const double c = ck[l], dc = dck[l], r = cr[l], dr = cdr[l];
        const double s = 1 - tk[l] * tk[l], ds = -2 * tk[l] * s * uk[l];
        ok[l] += invN * (dr * tk[l] + r * s * uk[l]);
        a[l] = invN * (dr * c * s + r * dc * s + r * c * ds); /* cw */
      }
      for (int i = 0; i < p; i++) {
        double *restrict oi = ok + (size_t)(1 + i) * W;
        for (int l = 0; l < nl; l++) oi[l] += a[l] * z[i];
      }
    }
  }
}

/* Hessian products over a block of lanes (the modified drift of smf2, sme2), in chunks of lanes
 * whose activations and directions (2n + 6 doubles a lane) fit the buffer. */
static void mf_hvp_lanes(const sgdl_problem *pr, int W, const double *X, const double *V, double *out) {
  const mf_impl *m = pr->impl;
  double work[8192];
  const int c = mf_chunk(W, (long)(sizeof work / sizeof work[0]), 2L * m->n + 6);
  for (int l0 = 0; l0 < W; l0 += c) mf_hvp_chunk(m, W, l0 + c <= W ? c : W - l0, X + l0, V + l0, out + l0, work);
}

static void mf_destroy(sgdl_problem *pr) {
  mf_impl *m = pr->impl;
  if (m) sgdl_problem_dataset_free(&m->ds);
  sgdl_free(m);
  pr->impl = NULL;
}

static const sgdl_problem_type meanfield_type = {
    .name = "meanfield",
    .loss = mf_loss,
    .grad = mf_grad,
    .hvp = mf_hvp,
    .noise_cols = mf_noise_cols,
    .grad_sample = mf_grad_sample,
    .loss_sample = mf_loss_sample,
    .grad_lanes = mf_grad_lanes,
    .destroy = mf_destroy,
    .noise_apply = mf_noise_apply,
    .grad_sum_lanes = mf_grad_sum_lanes,
    .grad_lanes_exact = 1,
    .hvp_lanes = mf_hvp_lanes,
};

int sgdl_meanfield_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *pr) {
  pr->type = &meanfield_type;
  mf_impl *m = sgdl_alloc(ctx, 1, sizeof *m);
  if (!m) return SGDL_ENOMEM;
  pr->impl = m;
  int rc = sgdl_problem_dataset_load(ctx, spec, 0, &m->ds);
  if (rc) return rc;
  m->n = spec->neurons > 0 ? spec->neurons : 20;
  m->p = m->ds.d;
  const long dim = (long)m->n * (1 + m->p);
  if (dim > 4096)
    return sgdl_fail(ctx, SGDL_EINVAL, "--neurons: %d neurons x %d parameters = %ld exceeds 4096", m->n, 1 + m->p, dim);
  pr->dim = (int)dim;
  pr->n_data = m->ds.N;
  pr->n_noise = (int)m->ds.N;
  pr->noise_weight = 1.0 / (double)m->ds.N;
  pr->noise_constant = 0;
  pr->affine = 0;
  snprintf(pr->desc, sizeof pr->desc, "meanfield tanh network, %d neurons, on %.60s (N=%zu, p=%d)", m->n,
           m->ds.source, m->ds.N, m->p);
  return SGDL_OK;
}

/* Initial particles: i.i.d. c_k ~ N(0, 1), w_k ~ N(0, I_p) from the data seed (purpose MISC 3). */
void sgdl_meanfield_default_x0(const sgdl_problem *pr, uint32_t seed, double *X) {
  const mf_impl *m = pr->impl;
  const int per = 1 + m->p;
  double z[2 * 64];
  for (int k = 0; k < m->n; k++) {
    sgdl_rng_normals(seed, (uint32_t)k, 1, 0, SGDL_PURPOSE(SGDL_RNG_MISC, 3, 0), (size_t)per, z);
    for (int i = 0; i < per && i < 2 * 64; i++) X[(size_t)k * per + i] = z[i];
  }
}
