/* sgdlab problem: the stochastic objective.
 *
 * A problem is a risk L(x) = E_theta l(x; theta) on R^d together with its gradient noise.
 * Two kinds of data distribution are covered by one interface:
 *
 *   finite data set (n_data = N > 0, uniform weights 1/N):
 *       per-sample gradient grad l_i(x), noise columns G_i(x) = grad L(x) - grad l_i(x),
 *       Sigma_1(x) = (1/N) sum_i G_i G_i^T  (population normalisation, SPEC section 1);
 *   additive Gaussian noise (n_data = 0):
 *       grad l_theta(x) = grad L(x) - G(x) theta, theta ~ N(0, I_K), Sigma_1(x) = G G^T.
 *
 * In both cases Sigma_1(x) = noise_weight * G G^T with G the d x K matrix of noise
 * columns. The SME uses Sigma_B^{1/2}; the stochastic modified flow uses G directly
 * (sqrt(alpha c_B noise_weight) G dbeta with beta shared by all particles), which is the
 * exact finite-dimensional form of the cylindrical noise (SPEC 3.3).
 *
 * A problem type is a const vtable (GSL style). Built-ins: quadratic, linreg, logreg,
 * double-well, double-well-2d, degenerate, meanfield; user problems are shared objects (see
 * sgdl_problem_plugin_fn) or callbacks over blocks of lanes (sgdl_callback_problem, for Python).
 * Networks on image data (mlp) are built one layer up, by the nn layer
 * (sgdlab/nn.h, sgdl_mlp_problem_create), on this same vtable. Ownership: sgdl_problem_create allocates, sgdl_problem_destroy frees.
 */
#ifndef SGDLAB_PROBLEM_H
#define SGDLAB_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

#include "sgdlab/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_problem sgdl_problem;

typedef struct sgdl_problem_type {
  const char *name;
  /* Risk L(x). */
  double (*loss)(const sgdl_problem *p, const double *x);
  /* Full gradient grad L(x) -> g[d]. */
  void (*grad)(const sgdl_problem *p, const double *x, double *g);
  /* Hessian-vector product (Hess L)(x) v -> out[d]. May be NULL (plugins); sme2, smf2, newton
   * and the Kramers/exit diagnostics then refuse with a clear error. */
  void (*hvp)(const sgdl_problem *p, const double *x, const double *v, double *out);
  /* Noise columns G(x) -> G[i*K + k] (d x K row-major), see above. */
  void (*noise_cols)(const sgdl_problem *p, const double *x, double *G);
  /* Finite data only (NULL otherwise): per-sample gradient grad l_i(x) -> g[d]. */
  void (*grad_sample)(const sgdl_problem *p, const double *x, size_t i, double *g);
  /* Finite data only (NULL otherwise): per-sample loss l_i(x). */
  double (*loss_sample)(const sgdl_problem *p, const double *x, size_t i);
  /* Optional fast path: gradient over W lanes in structure-of-arrays layout,
   * X[i*W + l] -> Gout[i*W + l]. NULL means the generic per-lane loop. */
  void (*grad_lanes)(const sgdl_problem *p, int W, const double *X, double *Gout);
  /* Frees impl (may be NULL). */
  void (*destroy)(sgdl_problem *p);
  /* Optional fast path: out[d] = sum_k G_k(x) z_k over the K noise columns (z[K]); the flow's
   * noise needs exactly this product. NULL means the generic path (noise columns, or per-sample
   * gradients streamed for finite data). */
  void (*noise_apply)(const sgdl_problem *p, const double *x, const double *z, double *out);
  /* Optional batched finite-data kernel (NULL: sgdl_problem_grad_sum_lanes loops over grad_sample
   * lane by lane). Over a block of W lanes (X[i*W + l]) it writes
   *   out[i*W + l] = sum_{b < nb} w_b,l (grad l_{n(b,l)}(x_l))_i,
   * samples n(b,l) = idx[b*W + l] (a minibatch per lane) or n(b,l) = b when idx is NULL (all N
   * samples in order, nb = N); weights w[b*W + l], or 1 when w is NULL. With w NULL each term is
   * formed as grad_sample forms it and the sum runs b = 0, 1, ... from 0, so the result is bitwise
   * the sum of grad_sample's outputs; with weights the type may fold w into its per-sample
   * coefficient (rounding differs, the value does not). work: sgdl_problem_lanes_work() doubles. */
  void (*grad_sum_lanes)(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                         const double *w, double *out, double *work);
  /* 1 if grad_lanes returns, lane by lane, bitwise what grad returns (callers that must
   * reproduce grad's rounding use sgdl_problem_grad_lanes_exact). */
  int grad_lanes_exact;
  /* Optional (NULL: the generic rule of sgdl_problem_default_x0): the type's own starting point
   * drawn from seed (a network's initial weights). */
  void (*default_x0)(const sgdl_problem *p, uint32_t seed, double *x);
  /* Optional named observables the ensemble layer does not know itself (a network's test_loss,
   * test_error): observable_names is NULL-terminated, observe(p, k, x) evaluates name k at x.
   * Called from several threads at once: observe must not write to p. */
  const char *const *observable_names;
  double (*observe)(const sgdl_problem *p, int which, const double *x);
  /* Optional fast path (NULL: hvp lane by lane): Hessian-vector products over W lanes in
   * structure-of-arrays layout, X[i*W + l], V[i*W + l] -> out[i*W + l]; the modified drift of sme2
   * and smf2 uses it (callback problems: one call per block instead of one per lane). */
  void (*hvp_lanes)(const sgdl_problem *p, int W, const double *X, const double *V, double *out);
  /* Optional fused finite-data kernel (NULL: sgdl_problem_grad_and_sum_lanes makes the two calls
   * grad_lanes and grad_sum_lanes, two passes over the samples). Over a block of W lanes, in one
   * pass over the N samples (each margin and coefficient formed once for both outputs):
   *   G[i*W + l] = (grad L(x_l))_i, bitwise what grad_lanes returns,
   *   S[i*W + l] = sum_{n < N} w[n*W + l] (grad l_n(x_l))_i, bitwise grad_sum_lanes(p, W, X, N,
   *                NULL, w, S, work).
   * Only for types whose grad_lanes is exact (grad_lanes_exact = 1): the drift and the flow noise of
   * the continuous models then share G. work: sgdl_problem_lanes_work() doubles. */
  void (*grad_and_sum_lanes)(const sgdl_problem *p, int W, const double *X, const double *w, double *G, double *S,
                             double *work);
  /* Optional pair (both or neither; NULL: hvp_lanes alone), the Hessian product of the modified
   * drift (sme2, smf2) from the numbers of the pass that forms grad L at the same block, for finite
   * data sets whose Hessian is sum_n c_n(x) x_n x_n^T / N + const (logreg):
   *   grad_sum_curv_lanes(p, W, X, w, G, S, C, work) is grad_and_sum_lanes (bitwise the same G,
   *     S; w and S NULL: G alone, bitwise grad_lanes) and also writes C[n*W + l] = c_n(x_l), sample
   *     n's curvature weight at lane l (C: n_data * W doubles; work: sgdl_problem_lanes_work());
   *   hvp_curv_lanes(p, W, X, C, V, out) is then bitwise hvp_lanes(p, W, X, V, out) at that X: the
   *     margins at X and their exponentials are not formed again, only x_n . v. */
  void (*grad_sum_curv_lanes)(const sgdl_problem *p, int W, const double *X, const double *w, double *G, double *S,
                              double *C, double *work);
  void (*hvp_curv_lanes)(const sgdl_problem *p, int W, const double *X, const double *C, const double *V,
                         double *out);
  /* Optional fused plain-SGD step on finite data (NULL: the dynamics layer forms the sum with
   * grad_sum_lanes, divides it and applies x -= lr g, three passes over the block). Over a block of
   * W lanes, in place, samples n(b,l) = idx[b*W + l] (nb >= 1 of them per lane):
   *   X[i*W + l] <- X[i*W + l] - lr * (S[i*W + l] / nb),
   * S = bitwise what grad_sum_lanes(p, W, X, nb, idx, NULL, S, work) writes at the block on entry
   * (each term as grad_sample forms it, summed b = 0, 1, ... from +0), then each operation rounded
   * in double in this order: the quotient by (double)nb, the product by lr, the difference. The
   * result is bitwise that of the three passes. Callers pass lr > 0 and finite: a coordinate whose
   * S is +0 then keeps its bits (x - lr * (+0 / nb) == x for every x, -0 and NaN included), so a
   * type may skip the coordinates no sample of a lane touches. work: sgdl_problem_lanes_work()
   * doubles. */
  void (*sgd_step_lanes)(const sgdl_problem *p, int W, double *X, int nb, const uint32_t *idx, double lr,
                         double *work);
} sgdl_problem_type;

struct sgdl_problem {
  const sgdl_problem_type *type;
  int dim;              /* d */
  size_t n_data;        /* N > 0: finite data set; 0: additive Gaussian noise */
  int n_noise;          /* K: number of noise columns (N for finite data) */
  double noise_weight;  /* Sigma_1 = noise_weight * G G^T: 1/N (finite data) or 1 (additive) */
  int noise_constant;   /* 1 if G does not depend on x (noise factors can be precomputed) */
  int affine;           /* 1 if every per-sample gradient is affine in x (exact moments exist) */
  void *impl;           /* type-specific data, owned by the problem */
  void *dl_handle;      /* dlopen handle of a plugin, closed on destroy */
  char desc[160];       /* one-line human description, e.g. "linreg on data.csv (N=4, d=1)" */
  const char *hvp_caveat; /* NULL, or why hvp is only almost-everywhere right (ReLU networks): front
                           * ends warn when a model needing Hessian products runs (borrowed, static) */
};

/* A problem defined by callbacks over blocks of lanes (in-process front ends: Python's
 * sgdlab.Problem, include/sgdlab/run.h). Every callback gets a block of W points X, W x d
 * row-major (point l is X[l*d .. l*d + d - 1]), writes its outputs for all W points and returns 0,
 * or non-zero when it failed (a Python exception). The first failure is recorded in `failed` and
 * `failure` (written by the library, from any thread); from then on no callback is called again,
 * every output of the problem is NaN, and the run that used it is reported failed by
 * sgdl_run_json_with_problem. Callbacks may be called from several threads at once (one run's
 * OpenMP threads); each call's buffers are its own. Ownership: the caller owns the struct and
 * whatever `user` points to; they must outlive every problem created from them. */
typedef struct sgdl_callback_problem {
  int dim;               /* d */
  size_t n_data;         /* N > 0: finite data set (grad_sample, loss_sample); 0: additive noise */
  int n_noise;           /* K, additive noise only (finite data: K = N, from grad and grad_sample) */
  int noise_constant;    /* 1 if noise_cols does not depend on x */
  int affine;            /* 1 if every per-sample gradient is affine in x (exact moments) */
  void *user;            /* passed to every callback */
  const char *desc;      /* one-line description for results.json (copied); NULL: "callback problem" */
  /* out[l] = L(x_l). */
  int (*loss)(void *user, int W, const double *X, double *out);
  /* out[l*d + i] = (grad L(x_l))_i. */
  int (*grad)(void *user, int W, const double *X, double *out);
  /* Optional: out[l*d + i] = (Hess L(x_l) v_l)_i, V as X. */
  int (*hvp)(void *user, int W, const double *X, const double *V, double *out);
  /* Additive noise: out[(l*d + i)*K + k] = G_ik(x_l), the d x K noise columns of each point. */
  int (*noise_cols)(void *user, int W, const double *X, double *out);
  /* Finite data: nb samples per point, n = idx[l*nb + b] (0 <= n < N):
   * out[(l*nb + b)*d + i] = (grad l_n(x_l))_i and out[l*nb + b] = l_n(x_l). */
  int (*grad_sample)(void *user, int W, int nb, const double *X, const uint32_t *idx, double *out);
  int (*loss_sample)(void *user, int W, int nb, const double *X, const uint32_t *idx, double *out);
  int failed;            /* written by the library: 1 after the first failure */
  char failure[256];     /* written by the library: which callback failed, and how */
} sgdl_callback_problem;

/* Everything the command line can say about a problem. Unused fields are ignored. */
typedef struct sgdl_problem_spec {
  const char *name;        /* built-in name, a path to a plugin .so (contains '/' or ends in .so),
                            * or "callback" (the problem of `callbacks` below) */
  int dim;                 /* quadratic: d (taken from H when given) */
  const double *H;         /* quadratic: d x d symmetric */
  const double *C;         /* quadratic: d x d symmetric PSD noise covariance (default identity) */
  double sigma2;           /* double-well(-2d): additive gradient-noise variance (default 1) */
  double tilt;             /* double-well: L = x^4/4 - x^2/2 + tilt * x */
  double ky, couple;       /* double-well-2d: L = x^4/4 - x^2/2 + ky y^2/2 + couple x^2 y^2 / 2 */
  double s;                /* degenerate: l(x; theta) = (1 + theta) x^2 / 2, theta = +-s */
  double l2;               /* logreg: ridge penalty l2/2 |w|^2 added to every sample */
  const char *data_path;   /* linreg/logreg: CSV, features then target, header optional */
  size_t gen_n;            /* linreg/logreg without data_path: generate N samples ... */
  int gen_d;               /* ... in gen_d dimensions ... */
  uint32_t gen_seed;       /* ... from this seed ... */
  double gen_noise;        /* ... with this label-noise standard deviation */
  const char *plugin_params; /* passed verbatim to a plugin */
  int neurons;             /* meanfield: number of neurons n (default 20) */
  int C_dim;               /* quadratic: rows of C when the caller knows them; 0 = same as dim.
                            * A mismatch is the error "--C is 3x3 but --H is 2x2". */
  sgdl_callback_problem *callbacks; /* name "callback": the problem these callbacks define (borrowed;
                                     * the library writes its failed / failure fields) */
} sgdl_problem_spec;

/* Fills a spec with defaults (sigma2 = 1, s = 0.5, ky = 1, gen_n = 64, gen_d = 2, gen_noise = 0.5). */
void sgdl_problem_spec_init(sgdl_problem_spec *spec);
/* Build a problem. Errors name the offending parameter (e.g. "--H is not symmetric"). */
int sgdl_problem_create(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem **out);
void sgdl_problem_destroy(sgdl_problem *p);
/* Names of the built-in problems, NULL-terminated. */
extern const char *const sgdl_problem_names[];
/* 1 if sgdl_problem_create would treat `name` as a plugin path (contains '/' or ends in .so). */
int sgdl_problem_is_plugin_name(const char *name);
/* The data set of a linreg/logreg problem (borrowed pointers, valid until destroy):
 * X (N x d row-major), y (N). SGDL_ENOTSUP (no message recorded) for any other problem. */
int sgdl_problem_data(const sgdl_problem *p, size_t *N, int *d, const double **X, const double **y);

/* The affine surrogate of a finite-data problem around x_at[d] (src/problem/surrogate.c): each
 * l_i replaced by its second-order Taylor polynomial there (per-sample Hessians from central
 * differences of grad_sample), so the result is affine (exact moments exist) with the same N,
 * noise weight and sample order. The weak study's control variates simulate it beside p on the
 * same random numbers. Allocates *out (free with sgdl_problem_destroy); keeps no pointer to p.
 * SGDL_ENOTSUP (naming --variance-reduction) without a data set or for d > 64. */
int sgdl_problem_affine_surrogate(sgdl_ctx *ctx, const sgdl_problem *p, const double *x_at, sgdl_problem **out);

/* A plugin shared object exports this symbol (see examples/plugin/), beside its ABI version
 * (SGDL_PLUGIN_ABI below, checked first). It fills p->type, dim,
 * n_data, n_noise, noise_weight, noise_constant, affine, impl and desc and returns 0; on failure
 * it returns non-zero and writes the reason into p->desc. */
typedef int (*sgdl_problem_plugin_fn)(sgdl_problem *p, const char *params);
#define SGDL_PLUGIN_SYMBOL "sgdl_problem_plugin"

/* Plugin ABI version: the layout of sgdl_problem and sgdl_problem_type a plugin was compiled
 * against. A plugin states it by writing, once at file scope,
 *     SGDL_PLUGIN_ABI;
 * which exports `const int sgdl_plugin_abi = SGDL_PLUGIN_ABI_VERSION`. The loader refuses a plugin
 * whose number differs from its own, or that exports none (built before versions existed): an
 * older struct read through this header's layout would give garbage function pointers. The
 * number grows whenever either struct changes layout. Version 1: the first versioned layout
 * (sgdl_problem_type ending with hvp_lanes); version 2: grad_and_sum_lanes appended; version 3:
 * grad_sum_curv_lanes and hvp_curv_lanes appended; version 4: sgd_step_lanes appended. */
#define SGDL_PLUGIN_ABI_VERSION 4
#define SGDL_PLUGIN_ABI_SYMBOL "sgdl_plugin_abi"
#if defined(__GNUC__)
#define SGDL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SGDL_PLUGIN_EXPORT
#endif
#define SGDL_PLUGIN_ABI                                \
  SGDL_PLUGIN_EXPORT extern const int sgdl_plugin_abi; \
  SGDL_PLUGIN_EXPORT const int sgdl_plugin_abi = SGDL_PLUGIN_ABI_VERSION

/* Finite-difference self-check of a problem at x (meant for plugins, before a run):
 * err[0] grad vs FD of loss, err[1] hvp vs FD of grad (0 when the type has no hvp), err[2] grad_sample vs FD of loss_sample
 * (first 16 samples), err[3] mean of grad_sample vs grad; each relative to max(1, |reference|).
 * Returns SGDL_EINVAL naming the first check above tol (1e-6 is a sensible tol: the differences
 * are 4th order, so correct code gives ~1e-9 at moderate x). */
int sgdl_problem_check(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, double tol, double err[4]);

/* A sensible default starting point: the type's default_x0 when it has one (a network's
 * initialisation); else 0.5 for the double wells (between saddle and minimum), 1 for
 * quadratic and degenerate, the origin for data problems and plugins, and i.i.d. N(0, 1)
 * neurons drawn from `seed` for meanfield. */
void sgdl_problem_default_x0(const sgdl_problem *p, uint32_t seed, double *x);
/* Gradient over W lanes (SoA), using the fast path when the type has one.
 * work must hold 2*d doubles (used only by the generic per-lane fallback; may be NULL when
 * p->type->grad_lanes is set). */
void sgdl_problem_grad_lanes(const sgdl_problem *p, int W, const double *X, double *Gout, double *work);
/* The same, bitwise equal lane by lane to p->type->grad: the fast path only when the type declares
 * grad_lanes_exact, otherwise grad once per lane (work: 2*d doubles). */
void sgdl_problem_grad_lanes_exact(const sgdl_problem *p, int W, const double *X, double *Gout, double *work);
/* Finite data: the weighted per-sample gradient sum of the type's grad_sum_lanes (see there), with
 * the generic per-lane loop over grad_sample when the type has none. work holds
 * sgdl_problem_lanes_work(p) doubles (enough for W <= SGDL_LANES). */
void sgdl_problem_grad_sum_lanes(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                 const double *w, double *out, double *work);
long sgdl_problem_lanes_work(const sgdl_problem *p);
/* Finite data: the lane chunk c at which the type's lane kernels (grad_and_sum_lanes,
 * grad_sum_curv_lanes, hvp_curv_lanes, grad_lanes) pass over the samples, and which gives every
 * lane the same numbers when a block of W lanes is given to them c lanes at a time (each chunk as
 * a block of its own, W = c); 0 when there is none or a smaller block would run slower (only
 * logreg at d > 4, GEMM-ordered: 16). A caller may then keep per-sample arrays [N][c] instead
 * of [N][W] (the model noise weights and curvature weights: 128 KB instead of 2 MB at N = 1024). */
int sgdl_problem_lane_chunk(const sgdl_problem *p);
/* Finite data: grad L over the block -> G (sgdl_problem_grad_lanes) and the weighted sum of all N
 * per-sample gradients -> S (weights w [N][W], sgdl_problem_grad_sum_lanes), through the type's fused
 * grad_and_sum_lanes when it has one (bitwise the same numbers), else the two calls. work:
 * sgdl_problem_lanes_work(p) doubles. */
void sgdl_problem_grad_and_sum_lanes(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                     double *S, double *work);
/* Sigma_1(x) = noise_weight * G G^T -> S[d*d]; Gwork holds d*K doubles. */
void sgdl_problem_sigma1(const sgdl_problem *p, const double *x, double *S, double *Gwork);
/* Full Hessian of L at x from d hvp calls (p must have hvp), symmetrised -> H[d*d] (row-major);
 * work holds 2 d doubles. */
void sgdl_problem_hessian(const sgdl_problem *p, const double *x, double *H, double *work);
/* Minibatch factor c_B (SPEC section 1): 1/B with replacement (or additive noise, N = 0),
 * (N-B)/(B(N-1)) without replacement. */
double sgdl_minibatch_factor(size_t N, int B, int without_replacement);

/* The noise-to-signal ratio of Li, Malladi and Arora ("On the validity of modeling SGD with SDEs",
 * NeurIPS 2021, section 5): with G = E_i |grad l_i - grad L|^2 = tr Sigma_1 (the per-sample gradient
 * variance) and the full gradient grad L, the minibatch gradient's NSR at batch B is
 *   nsr = c_B G / |grad L|^2        (= G / (B |grad L|^2) with replacement, c_B: sgdl_minibatch_factor).
 * Their testable necessary condition for the SDE approximation and the linear scaling rule: the NSR
 * must stay >~ 1, so scaling (lr, B) -> (k lr, k B) can keep SGD near its SDE only while B <= b_star,
 * the batch where nsr = 1 (G / |grad L|^2 with replacement, N G / (G + (N-1) |grad L|^2) without),
 * i.e. at this lr/B ratio while lr <= lr_star = lr b_star / B. A snapshot at one point: the NSR moves
 * along training (it grows as |grad L| shrinks near a minimum). */
typedef struct sgdl_noise_scale {
  double trace_sigma1;  /* G = tr Sigma_1 */
  double grad_norm2;    /* |grad L|^2 */
  int batch;            /* B */
  double cB;            /* minibatch factor of B and the sampling */
  double nsr;           /* c_B G / |grad L|^2 (inf at a stationary point) */
  double b_star;        /* batch with nsr = 1 (inf when |grad L| = 0) */
  double lr, lr_star;   /* the run's learning rate; lr b_star / B */
  int holds;            /* nsr >= 1: the SDE approximation and the scaling rule can hold at (lr, B) */
} sgdl_noise_scale;
/* Fill the ratios from G and |grad L|^2 (N = 0: additive noise, always with replacement). */
void sgdl_noise_scale_fill(double trace_sigma1, double grad_norm2, size_t N, int B, int without_replacement,
                           double lr, sgdl_noise_scale *ns);
/* G and |grad L|^2 at x: finite data from the N per-sample gradients (grad_sample; O(N) gradient
 * calls, no d x d matrix), additive noise from the noise columns (noise_weight |G|_F^2). Errors:
 * SGDL_ENOMEM; a non-finite gradient is SGDL_EDIVERGED naming x. */
int sgdl_problem_noise_scale(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, int B, int without_replacement,
                             double lr, sgdl_noise_scale *ns);

/* Read a numeric CSV data set: each row is features then target; a non-numeric first row is a
 * header. Allocates *X (N x d, row-major) and *y (N). Errors name the file, line and column. */
int sgdl_data_read_csv(sgdl_ctx *ctx, const char *path, double **X, double **y, size_t *N, int *d);

#ifdef __cplusplus
}
#endif
#endif
