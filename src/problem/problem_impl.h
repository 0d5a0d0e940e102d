/* Private to the problem layer: the constructor of each built-in problem type and helpers
 * shared by the finite-data problems. Not installed; other layers use sgdlab/problem.h. */
#ifndef SGDL_PROBLEM_IMPL_H
#define SGDL_PROBLEM_IMPL_H

#include "sgdlab/problem.h"

/* A built-in constructor fills *p (already zeroed, dim/type unset) from the spec. On failure it
 * records the reason in ctx, may leave p->impl allocated (sgdl_problem_destroy frees it through
 * p->type->destroy, so set p->type first) and returns non-zero. */
typedef int (*sgdl_problem_init_fn)(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);

int sgdl_quadratic_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_linreg_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_logreg_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
/* logreg's naive lane kernel (libm's exp per sample and lane): the grad_sum_lanes contract of
 * problem.h, the reference its vectorised kernel is tested against (p must be a logreg problem). */
void sgdl_logreg_grad_sum_lanes_libm(const sgdl_problem *p, int W, const double *X, int nb, const uint32_t *idx,
                                     const double *w, double *out, double *work);
/* logreg's naive Hessian-vector product over lanes (logreg_hvp lane by lane, strided): the
 * hvp_lanes contract of problem.h, the reference of its lane-block kernel (p must be logreg). */
void sgdl_logreg_hvp_lanes_naive(const sgdl_problem *p, int W, const double *X, const double *V, double *out);
/* logreg's lane chunk (sgdl_problem_lane_chunk): SGDL_DATASET_CW above the chunk kernel's d, else 0. */
int sgdl_logreg_lane_chunk(const sgdl_problem *p);
/* logreg's exact kernels beside the GEMM-ordered ones it runs at d > 4: the fused kernel's
 * contract (problem.h; G = grad L, S = the weighted sum; either may be NULL) and hvp_lanes', every
 * term and sum rounded as the one-sample kernels round it (bitwise the one-sample path, as logreg
 * ran before the GEMM-ordered kernels). The references of the GEMM-ordered kernels' tests; at
 * d <= 4 the same kernels as the type's. work: sgdl_problem_lanes_work() doubles. */
void sgdl_logreg_grad_and_sum_lanes_exact(const sgdl_problem *p, int W, const double *X, const double *w, double *G,
                                          double *S, double *work);
void sgdl_logreg_hvp_lanes_exact(const sgdl_problem *p, int W, const double *X, const double *V, double *out);
int sgdl_double_well_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_double_well_2d_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_degenerate_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_meanfield_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_callback_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
int sgdl_plugin_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p);
void sgdl_meanfield_default_x0(const sgdl_problem *p, uint32_t seed, double *x);

/* Data set of linreg/logreg (row-major X, N x d; y, N), owned by the problem's impl. */
typedef struct sgdl_dataset {
  size_t N;
  int d;
  double *X;
  double *y;
  char source[96]; /* "data.csv" or "generated seed 1" for the description */
} sgdl_dataset;

/* Load spec->data_path, or generate from gen_n, gen_d, gen_seed, gen_noise.
 * logistic = 0: y = u^T x + gen_noise * eps; logistic = 1: y = [u^T x + gen_noise * eps > 0].
 * See README.md, "Generated data", for the exact random streams. */
int sgdl_problem_dataset_load(sgdl_ctx *ctx, const sgdl_problem_spec *spec, int logistic, sgdl_dataset *ds);
void sgdl_problem_dataset_free(sgdl_dataset *ds);

/* Lane kernels shared by linreg and logreg (a block of W lanes, X[j*W + l]); sample n(b, l) is
 * idx[b*W + l], or b for every lane when idx is NULL.
 * sgdl_dataset_dot_lanes: z[l] = (minus_y ? -y_n : 0) + sum_j X_nj x_jl, summed j = 0, 1, ...
 * (the order of the scalar residual and margin, so the value is bitwise theirs).
 * sgdl_dataset_add_lanes: out[j*W + l] += wb[l] (c[l] X_nj + l2 x_jl), without the factor when wb
 * is NULL and without the ridge term when ridge is 0 (each term rounded as grad_sample rounds it). */
void sgdl_dataset_dot_lanes(const sgdl_dataset *ds, int W, const double *X, int b, const uint32_t *idx, int minus_y,
                            double *z);
void sgdl_dataset_add_lanes(const sgdl_dataset *ds, int W, const double *X, int b, const uint32_t *idx,
                            const double *c, const double *wb, int ridge, double l2, double *out);

/* Register-blocked variants over all N samples (idx NULL) for a block of SGDL_DATASET_SB samples
 * n0 .. n0 + SB - 1 (n0 + SB <= N), lanes in register chunks, so each x_jl and out_jl is loaded
 * once for SB samples instead of once per sample (the O(N d) passes at d in the tens); every value
 * is summed and rounded as the one-sample kernels above sum and round it (bitwise theirs):
 * sgdl_dataset_dot_block: z[k*W + l] = sum_j X_{n0+k, j} x_jl (minus_y 0).
 * sgdl_dataset_add_block: for k = 0 .. SB - 1 in order, sgdl_dataset_add_lanes of sample n0 + k
 * with coefficients c[k*W + l] and weights wb[k*W + l] (wb NULL: none; ridge as there).
 * sgdl_dataset_add_block2: both updates of the fused kernel, G with c (no weights, no ridge) and
 * S with c, weights wb (NULL: none) and the ridge, reading c, x and the data once for both. */
enum { SGDL_DATASET_SB = 16, SGDL_DATASET_KB = 32, SGDL_DATASET_CW = 16 };
void sgdl_dataset_dot_block(const sgdl_dataset *ds, int W, const double *X, int n0, double *z);
void sgdl_dataset_add_block(const sgdl_dataset *ds, int W, const double *X, int n0, const double *c, const double *wb,
                            int ridge, double l2, double *out);
void sgdl_dataset_add_block2(const sgdl_dataset *ds, int W, const double *X, int n0, const double *c, const double *wb,
                             double l2, double *G, double *S);

/* GEMM-ordered kernels over all N samples (idx NULL), each with fused multiply-adds and its own
 * order of the sums, so within rounding of the kernels above, not bitwise them: one chunk of
 * lanes l0 .. l0 + nl - 1 (nl <= SGDL_DATASET_CW) and a block of samples n0 .. n0 + K - 1
 * (K <= SGDL_DATASET_KB), coefficient buffers laid out c[k*SGDL_DATASET_CW + t], lane l0 + t.
 * sgdl_dataset_gemm_margins: z[k*CW + t] = the chain s = fma(X_{n0+k, j}, x_{j, l0+t}, s) over
 * j = 0, 1, ... from s = 0 (t >= nl: 0).
 * sgdl_dataset_gemm_update: G[j*W + l0 + t] = fma(X_{n0+k, j}, c[k*CW + t], G[..]) for k = 0,
 * 1, ... in order, and S likewise with wc (G or S NULL: skipped). A lane's values are the same
 * chains whichever tile computes them (independent of W, the lane's place and the thread). */
void sgdl_dataset_gemm_margins(const sgdl_dataset *ds, int W, const double *X, int l0, int nl, int n0, int K,
                               double *z);
void sgdl_dataset_gemm_update(const sgdl_dataset *ds, int W, int l0, int nl, int n0, int K, const double *c,
                              double *G, const double *wc, double *S);

/* The finite-data types; their impl structs start with an sgdl_dataset (sgdl_problem_data). */
extern const sgdl_problem_type sgdl_linreg_type;
extern const sgdl_problem_type sgdl_logreg_type;

#endif
