/* Internal to the nn layer: the matrix kernel both passes are written on, and the
 * activation derivatives expressed through the activation's output a = f(z) (so only
 * post-activations need storing). */
#ifndef SGDL_NN_INTERNAL_H
#define SGDL_NN_INTERNAL_H

#include <math.h>

#include "sgdlab/nn.h"

/* C[M][N] = alpha * op(A) op(B) + beta * C, row-major with leading dimensions; op = transpose
 * when trans* is nonzero. kernel NAIVE: plain loops (the reference); FAST: cblas_dgemm. */
/* Reductions over parameter vectors in one fixed order (four interleaved partial sums, added
 * in order), whatever the thread count: threaded BLAS (ddot, dnrm2, dgemv) splits a vector over
 * its threads and sums the parts in a thread-dependent order, which made the geometry figures
 * differ between --threads 1 and 2 in the last bits. dot = x.y; nrm2 = sqrt(x.x) (no scaling:
 * the vectors here are weights, gradients and unit Lanczos vectors); gemv_n: c[i] = A_i . w for
 * rows i < m of A (m x n, row-major); gemv_t: w = beta w + alpha sum_i c[i] A_i, rows in order. */
double sgdl_nn_dot(long n, const double *x, const double *y);
double sgdl_nn_nrm2(long n, const double *x);
void sgdl_nn_gemv_n(int m, long n, const double *A, const double *w, double *c);
void sgdl_nn_gemv_t(int m, long n, double alpha, const double *A, const double *c, double beta, double *w);
void sgdl_nn_mm(int kernel, int transA, int transB, int M, int N, int K, double alpha,
                const double *A, int lda, const double *B, int ldb, double beta, double *C, int ldc);

/* f'(z) and f''(z) from a = f(z). ReLU: f'' = 0 (almost everywhere). Softplus a = log(1 + e^z):
 * f' = sigmoid(z) = 1 - e^{-a}, f'' = f' (1 - f'). */
static inline double sgdl_act_d1(int act, double a) {
  switch (act) {
    case SGDL_ACT_TANH: return 1.0 - a * a;
    case SGDL_ACT_SIGMOID: return a * (1.0 - a);
    case SGDL_ACT_SOFTPLUS: return -expm1(-a);
    default: return a > 0.0 ? 1.0 : 0.0;
  }
}
static inline double sgdl_act_d2(int act, double a) {
  switch (act) {
    case SGDL_ACT_TANH: return -2.0 * a * (1.0 - a * a);
    case SGDL_ACT_SIGMOID: return a * (1.0 - a) * (1.0 - 2.0 * a);
    case SGDL_ACT_SOFTPLUS: {
      const double s = -expm1(-a);
      return s * (1.0 - s);
    }
    default: return 0.0;
  }
}

/* Widest layer of m. */
int sgdl_mlp_max_width(const sgdl_mlp *m);

/* ---------------------------------------------------------------- float32 passes (mlp_f32.c)
 * The same network in single precision: the slab layout of nn.h with float entries, the same
 * shapes as sgdl_mlp_work (x, y, a[l], d[l]; nz at batch 1; the nonzeros by column with sparse inputs), FAST kernels only (sgemm for
 * batches, the sparse-input loops at batch 1); the float64 passes stay the reference. Bias and
 * activation are one pass after the sgemm (beta 0), the activation derivative one pass after
 * the backward sgemm. Nothing allocates after the work is set up. */
typedef struct sgdl_mlp_work32 {
  int cap;
  float *x;
  int *y;
  float *a[SGDL_MLP_MAX_LAYERS + 1], *d[SGDL_MLP_MAX_LAYERS + 1];
  float *tmp; /* [cap][max size]: coefficient-weighted deltas */
  int *nz;    /* [cap][size[0]]: row i's nonzero inputs in nz[i * size[0] ..], n_nzr[i] of them */
  int *n_nzr; /* [cap] */
  int *col_start; /* [size[0] + 1]: with sparse, the nonzeros by column: column j's examples (ascending) */
  int *col_row;   /* col_row[col_start[j] ..] and their inputs col_val[..], [cap][size[0]] each */
  float *col_val;
  int n_nz;   /* row 0's count (batch 1), and */
  int sparse; /* the loaded batch has at most a third of its inputs nonzero: the first layer's product
               * and gradient skip the zeros (per example) instead of calling sgemm */
} sgdl_mlp_work32;

/* Floats a work of capacity cap takes (ints count as floats: both 4 bytes); the view carves them
 * from buf (4-byte aligned) and allocates nothing. */
size_t sgdl_mlp32_work_floats(const sgdl_mlp *m, int cap);
void sgdl_mlp32_work_view(const sgdl_mlp *m, int cap, float *buf, sgdl_mlp_work32 *w);
/* As sgdl_mlp_load / sgdl_mlp_load_range (pixels / 255 in float). */
void sgdl_mlp32_load(const sgdl_mlp *m, const sgdl_imageset *ds, const uint32_t *idx, int B, sgdl_mlp_work32 *w);
void sgdl_mlp32_load_range(const sgdl_mlp *m, const sgdl_imageset *ds, size_t first, int B, sgdl_mlp_work32 *w);
/* As sgdl_mlp_forward: returns the sum of the B losses (summed in double); a[L] holds the
 * probabilities (CE) or linear outputs (MSE). */
double sgdl_mlp32_forward(const sgdl_mlp *m, const float *params, int B, sgdl_mlp_work32 *w);
/* As sgdl_mlp_backward. */
void sgdl_mlp32_backward(const sgdl_mlp *m, const float *params, int B, sgdl_mlp_work32 *w);
/* grad += scale * sum_i c_i grad l_i (coef NULL: c_i = 1). grad may be the parameter slab
 * itself with scale = -lr / B: that is the plain SGD step x -= lr g folded into the gradient
 * sgemm (it reads only a[] and d[], which the step no longer needs). */
void sgdl_mlp32_grad_accum(const sgdl_mlp *m, int B, sgdl_mlp_work32 *w, const float *coef, float scale,
                           float *grad);
/* Whole-set mean loss (and the mean gradient into grad64, overwritten, when not NULL; the
 * gradient sums in float32 through grad32 [n_params] scratch) and the count classified
 * correctly, in chunks of w->cap. */
double sgdl_mlp32_evaluate(const sgdl_mlp *m, const float *params, const sgdl_imageset *ds, sgdl_mlp_work32 *w,
                           float *grad32, double *grad64, size_t *correct);
/* The R-operator's buffers beside a work of the same capacity: rz[l] (R of the pre-activations)
 * and rd[l] (R of the deltas), [cap][size[l]] each, and two [cap][max size] temporaries. */
typedef struct sgdl_mlp_rwork32 {
  float *rz[SGDL_MLP_MAX_LAYERS + 1], *rd[SGDL_MLP_MAX_LAYERS + 1];
  float *t1, *t2;
} sgdl_mlp_rwork32;
size_t sgdl_mlp32_rwork_floats(const sgdl_mlp *m, int cap);
void sgdl_mlp32_rwork_view(const sgdl_mlp *m, int cap, float *buf, sgdl_mlp_rwork32 *r);
/* As sgdl_mlp_hvp_accum (mlp_rop.c) in float: out += scale sum_i (Hess l_i) v over the loaded
 * batch, after sgdl_mlp32_forward and sgdl_mlp32_backward at params. */
void sgdl_mlp32_hvp_accum(const sgdl_mlp *m, const float *params, int B, const sgdl_mlp_work32 *w,
                          sgdl_mlp_rwork32 *r, const float *v, float scale, float *out);
/* The float32 passes' tanh: the vector polynomial sgdl_tanh_poly (sgdlab/vmath.h) in double,
 * rounded to float once (inline in mlp_f32.c's loops; exported for the test against tanhf). */
float sgdl_tanh32(float z);
void sgdl_mlp32_round(size_t n, const double *x, float *y);
void sgdl_mlp32_widen(size_t n, const float *x, double *y);

/* ---------------------------------------------------------------- the fused SGD step (mlp_sgd_lanes.c)
 * The mlp problem's sgd_step_lanes: X_l <- X_l - lr ((sum_b grad l_{idx[b][l]}(X_l)) / nb) over a
 * [d][W] block, bitwise mlp_problem.c's unweighted grad_sum_lanes, the division and the SGD rule,
 * reading and writing only the rows a lane's minibatch can change. dtype: SGDL_DTYPE_F64 (sums
 * example by example at batch 1) or SGDL_DTYPE_F32 (chunks of cap32 <= 64 examples, the chunk
 * grad_sum_lanes32 takes). work: sgdl_mlp_sgd_work_doubles(m, dtype, cap32) doubles. */
typedef struct sgdl_mlp_sgd_call {
  const sgdl_mlp *m;
  const sgdl_imageset *train;
  int dtype;
  int cap32;
} sgdl_mlp_sgd_call;
size_t sgdl_mlp_sgd_work_doubles(const sgdl_mlp *m, int dtype, int cap32);
void sgdl_mlp_sgd_step_lanes(const sgdl_mlp_sgd_call *c, int W, double *X, int nb, const uint32_t *idx, double lr,
                             double *work);

/* The trainer's float32 state (sgdl_trainer_set_dtype): the weights the passes read, the
 * gradient (rules other than plain SGD), the batch work. Owned by the trainer. */
struct sgdl_trainer_f32 {
  float *params, *grad, *buf;
  sgdl_mlp_work32 w;
};

#endif
