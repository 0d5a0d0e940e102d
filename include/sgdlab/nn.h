/* sgdlab nn: multilayer perceptrons on IDX image data, trained by the library's optimiser
 * rules, and the geometry (Hessian and gradient-noise covariance spectra) where they land.
 *
 * Precision: the parameter slab and every activation are double. The shared optimiser rules
 * (sgdl_optim_update), the exact Hessian-vector products, the finite-difference checks and
 * the Lanczos iteration all want double; the batch-1 path stays fast because it skips the
 * zero pixels of the input (a rank-one update touches only the rows of nonzero inputs).
 * The trainer's steps (and the mlp problem's loss/gradient paths) can run in float32 instead
 * (sgdl_trainer_set_dtype, SGDL_DTYPE_F32; src/nn/mlp_f32.c): float weights and activations,
 * sgemm, the slab handed back in double.
 *
 * Parameter slab layout (llm.c style: one contiguous array, layers in order):
 *   for layer l = 0 .. L-1:  W_l [size[l]][size[l+1]]  (row j = weights out of input j)
 *                            b_l [size[l+1]]
 * so a layer computes z = a W_l + b_l for a row vector a, and a batch is Z[B][out] = A[B][in] W_l.
 * Hidden layers use one activation (relu, tanh, sigmoid or softplus); the last layer is either a
 * softmax with cross-entropy loss l_i = -log p_{y_i} (SGDL_LOSS_CE, the default and the only loss
 * `sgdlab train` uses) or linear with squared error to the one-hot label,
 * l_i = 1/2 |z_i - e_{y_i}|^2 (SGDL_LOSS_MSE; with no hidden layer that is linear least squares).
 *
 * Ownership: functions that allocate say so; *_free releases what *_alloc/_load made.
 */
#ifndef SGDLAB_NN_H
#define SGDLAB_NN_H

#include <stddef.h>
#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- IDX data sets */

typedef struct sgdl_imageset {
  size_t n;          /* examples */
  int rows, cols;    /* image shape */
  int dim;           /* rows * cols */
  int n_classes;     /* 10 for (Fashion-)MNIST: 1 + largest label, at least 2 */
  uint8_t *images;   /* [n][dim] pixels 0..255, owned */
  uint8_t *labels;   /* [n], owned */
} sgdl_imageset;

/* Read one IDX file (gzip-compressed or raw; detected from the content). Checks the magic
 * number (unsigned byte data, want_ndim dimensions: 1 for labels, 3 for images), that no
 * dimension is zero, and that the file holds exactly the bytes the header announces.
 * Allocates *data (free with sgdl_free); dims[0..want_ndim-1] receive the dimensions.
 * Errors name the file. */
int sgdl_idx_read(sgdl_ctx *ctx, const char *path, int want_ndim, uint8_t **data, uint32_t dims[3]);

/* An image file and its label file; the counts must match and labels must be < 256. */
int sgdl_imageset_load(sgdl_ctx *ctx, const char *images_path, const char *labels_path,
                      sgdl_imageset *out);
/* Copy examples [first, first + n) of src into out (allocates). */
int sgdl_imageset_slice(sgdl_ctx *ctx, const sgdl_imageset *src, size_t first, size_t n,
                       sgdl_imageset *out);
void sgdl_imageset_free(sgdl_imageset *d);

/* Open a folder holding the standard names train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or with .gz).
 *   All four present: train = first n_train training examples (all if n_train < 0),
 *                     test  = first n_test test examples (all if n_test < 0).
 *   Only the t10k pair: train = the first n_train of it (default 8000), test = the last n_test
 *                     (default 2000); they must not overlap.
 * `what` names the flag in errors ("--data"). desc (size 256) receives a one-line summary. */
int sgdl_data_open(sgdl_ctx *ctx, const char *dir, long n_train, long n_test,
                   sgdl_imageset *train, sgdl_imageset *test, char *desc);

/* ---------------------------------------------------------------- the network */

#define SGDL_MLP_MAX_LAYERS 16
enum { SGDL_ACT_RELU = 0, SGDL_ACT_TANH = 1, SGDL_ACT_SIGMOID = 2, SGDL_ACT_SOFTPLUS = 3 };
enum { SGDL_LOSS_CE = 0, SGDL_LOSS_MSE = 1 };
/* Matrix kernels: NAIVE are plain triple loops kept as the reference; FAST uses CBLAS dgemm
 * for batches and a sparse-input loop for batch 1. Both give the same numbers up to rounding. */
enum { SGDL_KERNEL_NAIVE = 0, SGDL_KERNEL_FAST = 1 };
/* Precision of the network passes: float64 is the reference (every pass, the R-op, the
 * geometry); float32 runs the training steps (and the mlp problem's loss/gradient paths) on
 * float weights and activations with sgemm, the parameter slab handed back in double. */
enum { SGDL_DTYPE_F64 = 0, SGDL_DTYPE_F32 = 1 };
/* "float64" | "float32" -> SGDL_DTYPE_*, or -1; and back. */
int sgdl_dtype_parse(const char *name);
const char *sgdl_dtype_name(int dtype);

typedef struct sgdl_mlp {
  int L;                                 /* weight layers = hidden layers + 1 */
  int size[SGDL_MLP_MAX_LAYERS + 1];     /* size[0] inputs, size[1..L-1] hidden, size[L] classes */
  int act;                               /* SGDL_ACT_* for the hidden layers */
  int loss;                              /* SGDL_LOSS_*: CE after sgdl_mlp_init; set MSE afterwards */
  size_t w_off[SGDL_MLP_MAX_LAYERS];     /* offset of W_l in the slab */
  size_t b_off[SGDL_MLP_MAX_LAYERS];     /* offset of b_l in the slab */
  size_t n_params;                       /* slab length */
} sgdl_mlp;

const char *sgdl_act_name(int act);
/* "relu" | "tanh" | "sigmoid" | "softplus" -> SGDL_ACT_*, or -1. */
int sgdl_act_parse(const char *name);
const char *sgdl_loss_name(int loss);
/* "ce" | "mse" -> SGDL_LOSS_*, or -1. */
int sgdl_loss_parse(const char *name);

/* Lay out a network n_in -> hidden[0] -> ... -> hidden[n_hidden-1] -> n_out. */
int sgdl_mlp_init(sgdl_ctx *ctx, sgdl_mlp *m, int n_in, const int *hidden, int n_hidden, int n_out,
                  int act);
/* Initial weights: W_l ~ N(0, gain / size[l]) (He gain 2 for relu, 1 otherwise), b_l = 0.
 * Drawn from the Philox stream (seed, replica 0, purpose SGDL_RNG_INIT): reproducible. */
void sgdl_mlp_init_params(const sgdl_mlp *m, uint32_t seed, double *params);

/* Buffers for batches of up to `cap` examples. Shapes (B = batch in use):
 *   x    [cap][size[0]]   input pixels scaled to [0,1]
 *   y    [cap]            labels
 *   a[l] [cap][size[l]]   l = 1..L: post-activation of layer l (a[L] = softmax probabilities)
 *   d[l] [cap][size[l]]   l = 1..L: dl_i/dz_l per example (not divided by B)
 *   ra, rd                the same shapes: R-op (directional derivatives) for Hessian products
 *   loss [cap]            per-example loss
 *   s    [cap]            per-example scalars (gradient dot products)
 *   nz   [size[0]]        batch 1: indices of nonzero inputs */
typedef struct sgdl_mlp_work {
  int cap;
  double *x;
  int *y;
  double *a[SGDL_MLP_MAX_LAYERS + 1], *d[SGDL_MLP_MAX_LAYERS + 1];
  double *ra[SGDL_MLP_MAX_LAYERS + 1], *rd[SGDL_MLP_MAX_LAYERS + 1];
  double *loss, *s, *tmp; /* tmp [cap][max size] */
  int *nz;
  int n_nz;
} sgdl_mlp_work;

int sgdl_mlp_work_alloc(sgdl_ctx *ctx, const sgdl_mlp *m, int cap, sgdl_mlp_work *w);
void sgdl_mlp_work_free(sgdl_mlp_work *w);
/* The same buffers carved from caller memory (no allocation; never pass a view to _free):
 * sgdl_mlp_work_doubles(m, cap) doubles at buf (8-byte aligned) hold a work of capacity cap. */
size_t sgdl_mlp_work_doubles(const sgdl_mlp *m, int cap);
void sgdl_mlp_work_view(const sgdl_mlp *m, int cap, double *buf, sgdl_mlp_work *w);

/* Copy examples idx[0..B-1] of ds into w->x, w->y (and w->nz when B == 1: the FAST kernel at
 * batch 1 reads the nonzero-input list, so batches must be loaded through these two calls). */
void sgdl_mlp_load(const sgdl_mlp *m, const sgdl_imageset *ds, const uint32_t *idx, int B,
                   sgdl_mlp_work *w);
/* Copy the contiguous examples first .. first+B-1. */
void sgdl_mlp_load_range(const sgdl_mlp *m, const sgdl_imageset *ds, size_t first, int B,
                         sgdl_mlp_work *w);

/* Forward pass over the loaded batch: fills a[] (a[L]: softmax probabilities for CE, the linear
 * outputs for MSE), loss[]; returns the SUM of the losses. */
double sgdl_mlp_forward(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w, int kernel);
/* Backward pass (after forward): fills d[] with per-example dl_i/dz_l. */
void sgdl_mlp_backward(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w, int kernel);
/* grad += scale * sum_i c_i grad l_i, with c_i = coef[i] (or 1 when coef is NULL).
 * Needs forward and backward. */
void sgdl_mlp_grad_accum(const sgdl_mlp *m, int B, sgdl_mlp_work *w, const double *coef,
                         double scale, double *grad, int kernel);
/* s[i] = grad l_i . v for each example of the batch (needs forward and backward). */
void sgdl_mlp_grad_dots(const sgdl_mlp *m, int B, sgdl_mlp_work *w, const double *v, double *s,
                        int kernel);
/* out += scale * sum_i (Hess l_i) v: exact Hessian-vector product by Pearlmutter's R-operator
 * (forward and backward passes differentiated in direction v). Needs forward and backward. */
void sgdl_mlp_hvp_accum(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w,
                        const double *v, double scale, double *out, int kernel);

/* Whole-data-set passes in chunks of w->cap (FAST kernels). Mean loss; optionally the mean
 * gradient (grad, overwritten), the number classified correctly, and the confusion matrix
 * conf[true][pred] (n_classes^2 counts, overwritten). Any of the outputs may be NULL. */
double sgdl_mlp_evaluate(const sgdl_mlp *m, const double *params, const sgdl_imageset *ds,
                         sgdl_mlp_work *w, double *grad, size_t *correct, long *conf);

/* ---------------------------------------------------------------- training */

typedef struct sgdl_trainer {
  const sgdl_mlp *m;         /* borrowed */
  int rule;                  /* SGDL_OPT_SGD, _HB, _NAG, _ADAM */
  sgdl_algo_params par;      /* lr, batch, without_replacement, momentum, beta1, beta2, eps */
  uint32_t seed, stream;     /* data order: step k draws its batch from (seed, 0, k, purpose(stream)) */
  int kernel;
  int dtype;                 /* SGDL_DTYPE_F64 (sgdl_trainer_create), or F32 (sgdl_trainer_set_dtype) */
  struct sgdl_trainer_f32 *f32; /* float32 state (src/nn), owned; NULL for float64 */
  double *params;            /* [n_params], owned; with float32, the float weights widened after each run */
  double *aux;               /* [sgdl_optim_aux(rule) * n_params], owned: momentum / Adam moments */
  double *grad;              /* [n_params] scratch */
  double *grow;              /* [max layer width] scratch: one gradient row (sparse SGD path) */
  uint32_t *idx;             /* [batch] */
  sgdl_mlp_work w;           /* batch buffers */
  uint64_t step;             /* steps taken so far (continues across --resume) */
  int epoch;                 /* epochs completed */
  /* divergence watch (sgdl_trainer_run): the first batch loss this trainer saw (0 until then),
   * and the running window of batch losses */
  double loss_start, window_sum;
  int window_n;
} sgdl_trainer;

/* Divergence of a discrete algorithm: a NaN or Inf loss, or a loss that grows past
 * SGDL_DIVERGENCE_FACTOR x max(start, SGDL_DIVERGENCE_FLOOR), where the start is the loss before
 * the first step. The trainer compares the mean of each window of SGDL_DIVERGENCE_WINDOW batch
 * losses; the train study compares each epoch's training loss. For cross-entropy the start of a
 * fresh network is about log(classes), chance level, and the floor is about half of it for 10
 * classes: a mean loss three times that no longer learns (a network driven to confident wrong
 * answers, e.g. --lr 10 with 9 against a start of 2.3). A run that only collapses to one class
 * (loss near chance, accuracy near 1 / classes) is not caught by this rule. */
#define SGDL_DIVERGENCE_FACTOR 3.0
#define SGDL_DIVERGENCE_WINDOW 64
#define SGDL_DIVERGENCE_FLOOR 1.0
/* The loss above which a trainer counts as diverged (+inf while its start is unknown). */
double sgdl_trainer_divergence_threshold(const sgdl_trainer *t);

/* Validates lr > 0, batch >= 1, 0 <= momentum < 1, Adam betas in [0,1) (errors name the flag),
 * allocates, and initialises the weights from `seed`. */
int sgdl_trainer_create(sgdl_ctx *ctx, sgdl_trainer *t, const sgdl_mlp *m, int rule,
                        const sgdl_algo_params *par, uint32_t seed, uint32_t stream);
void sgdl_trainer_free(sgdl_trainer *t);
/* Switch the trainer's passes to SGDL_DTYPE_F32 (allocates its float state) or back to F64.
 * Float32 runs: the weights are rounded to float at the start of each sgdl_trainer_run and
 * widened back into params at its end (exact, so runs continue bitwise); plain SGD folds the
 * update into the gradient sgemm on the float weights; hb, nag and adam apply the shared rule to
 * the double params and aux (their state stays double) and round the weights for the next step. */
int sgdl_trainer_set_dtype(sgdl_ctx *ctx, sgdl_trainer *t, int dtype);
/* Take `steps` optimiser steps on ds. Returns SGDL_EDIVERGED (naming --lr, the step and the
 * learning rate) if the batch loss becomes NaN/Inf or a window's mean passes the threshold above. *loss_sum (may be NULL) receives the sum of the batch-mean losses seen. */
int sgdl_trainer_run(sgdl_ctx *ctx, sgdl_trainer *t, const sgdl_imageset *ds, uint64_t steps,
                     double *loss_sum);
/* Steps in one epoch: ceil(n / batch). */
uint64_t sgdl_trainer_epoch_steps(const sgdl_trainer *t, size_t n);
/* The rules the trainer runs (those of sgdl_optim_update), in the shared enumeration of sgdlab/stepper.h:
 * "sgd" | "hb" | "nag" | "adam" -> SGDL_OPT_*, or -1 for any other name (newton, ngd, models, unknown). */
int sgdl_optim_rule_parse(const char *name);
const char *sgdl_optim_rule_name(int rule);

/* ---------------------------------------------------------------- weight files
 * Little-endian binary, version 1:
 *   char[8]  magic "SGDLMLP1"      u32 version (1)     u32 act          u32 L
 *   u32      size[0..L]            u32 rule            u32 naux (vectors of n_params)
 *   u64      n_params              u64 step            u32 epoch        u32 seed (data order)
 *   f64      params[n_params]      f64 aux[naux * n_params]
 *   u64      checksum (FNV-1a over every preceding byte)
 * Written atomically (temporary file + rename). */
#define SGDL_WEIGHTS_MAGIC "SGDLMLP1"
#define SGDL_WEIGHTS_VERSION 1u
int sgdl_weights_save(sgdl_ctx *ctx, const char *path, const sgdl_trainer *t);
/* Read a weight file: lays out *m from the file, and fills rule, step, epoch, params and aux
 * (allocated with sgdl_alloc). Errors name the file (bad magic, version, truncated, checksum). */
typedef struct sgdl_weights {
  sgdl_mlp m;
  int rule, naux;
  uint64_t step;
  int epoch;
  uint32_t seed;
  double *params, *aux;
} sgdl_weights;
int sgdl_weights_load(sgdl_ctx *ctx, const char *path, sgdl_weights *out);
void sgdl_weights_free(sgdl_weights *wt);

/* ---------------------------------------------------------------- eigen-solver
 * Top-k (largest algebraic) eigenpairs of a symmetric linear operator given only by its
 * action out = A v, by Lanczos with full reorthogonalisation; the tridiagonal eigenproblems
 * are solved by LAPACK (dstev). The iteration stops when the Ritz residual bound
 * beta_j |s_{j,i}| <= tol * max(|theta_1|, tiny) for the k wanted pairs, or at max_iter. */
typedef int (*sgdl_matvec_fn)(void *user, const double *v, double *out);
typedef struct sgdl_eig_info {
  int iters;           /* Lanczos steps (= operator applications) */
  int converged;       /* wanted pairs that met tol */
  double max_resid;    /* largest residual bound among the k pairs */
} sgdl_eig_info;
/* evals[k] descending, evecs [k][n] (row i = unit eigenvector i), resid[k] residual bounds
 * (may be NULL). The start vector is a Philox normal vector from `seed`. */
int sgdl_lanczos_top(sgdl_ctx *ctx, long n, sgdl_matvec_fn mv, void *user, int k, int max_iter,
                     double tol, uint32_t seed, double *evals, double *evecs, double *resid,
                     sgdl_eig_info *info);

/* ---------------------------------------------------------------- noise geometry
 * Stationary excess loss of SGD restricted to k eigen-directions of H (SPEC 5.1, eigenbasis):
 * with h_i the Hessian eigenvalues, ct_i = u_i^T Sigma_B u_i the minibatch noise covariance
 * in those directions, and learning rate alpha,
 *   discrete: 1/2 sum_i h_i * alpha ct_i / (2 h_i - alpha h_i^2)  = alpha/2 sum ct_i / (2 - alpha h_i)
 *   sme1:     1/2 sum_i h_i * alpha ct_i / (2 h_i)               = alpha/4 sum ct_i
 *   sme2:     h -> h + alpha h^2 / 2 in the denominator         = alpha/2 sum ct_i / (2 + alpha h_i)
 * Only directions with 0 < alpha h_i < 2 have a stationary law; the others are skipped and
 * counted in *n_skipped. These are exact for the quadratic model (the off-diagonal entries
 * of the covariance do not enter tr(H Sigma) in the eigenbasis of H). */
void sgdl_excess_loss_predict(int k, const double *h, const double *ct, double alpha,
                              double *discrete, double *sme1, double *sme2, int *n_skipped);

/* Operators on a finite data set for a network at fixed parameters (chunks of w->cap):
 *   Hessian of the mean loss times v (exact R-op), and
 *   Sigma_1 v = (1/N) sum_i G_i G_i^T v with G_i = grad L - grad l_i
 *            = (1/N) sum_i g_i (g_i . v) - gbar (gbar . v).
 * Usable as sgdl_matvec_fn with a pointer to this struct. gbar must hold the mean gradient. */
typedef struct sgdl_mlp_op {
  const sgdl_mlp *m;
  const double *params;
  const sgdl_imageset *ds;
  sgdl_mlp_work *w;
  const double *gbar;
  double scale;   /* multiplies the result (c_B for the minibatch covariance, 1 for H) */
} sgdl_mlp_op;
int sgdl_mlp_hess_mv(void *op, const double *v, double *out);
int sgdl_mlp_cov_mv(void *op, const double *v, double *out);

/* The geometry at a point, from any Hessian and noise-covariance operators (tested on the
 * quadratic and linreg problems, where H and Sigma are exact). Sigma here is the noise of the
 * step actually taken (Sigma_B = c_B Sigma_1 for minibatches). */
typedef struct sgdl_spectra_opts {
  int k;          /* eigenpairs of each operator */
  int max_iter;   /* Lanczos steps per operator; <= 0: 3k + 30 */
  double tol;     /* relative residual bound for convergence (1e-6 is ample for the predictions) */
  uint32_t seed;  /* start vectors */
} sgdl_spectra_opts;
typedef struct sgdl_spectra {
  int k;
  long n;
  double alpha;
  double *h, *hres;       /* [k] Hessian eigenvalues (descending), residual bounds */
  double *U;              /* [k][n] Hessian eigenvectors u_i */
  double *svals, *sres;   /* [k] Sigma_B eigenvalues (descending), residual bounds */
  double *W;              /* [k][n] Sigma_B eigenvectors w_j */
  double *ct;             /* [k] u_i^T Sigma_B u_i */
  double *var_pred;       /* [k] predicted discrete stationary variance of u_i . x: alpha ct/(h (2 - alpha h)) */
  double *overlap;        /* [k][k] (u_i . w_j)^2 */
  double alignment;       /* ||U^T W||_F^2 / k in [0,1]: 1 = same top-k subspace */
  double pred_discrete, pred_sme1, pred_sme2; /* sgdl_excess_loss_predict over the k directions */
  int n_skipped;          /* directions without a stationary law (alpha h outside (0,2)) */
  sgdl_eig_info hinfo, sinfo;
} sgdl_spectra;
int sgdl_spectra_compute(sgdl_ctx *ctx, long n, sgdl_matvec_fn hess_mv, void *hess_user,
                         sgdl_matvec_fn cov_mv, void *cov_user, double alpha,
                         const sgdl_spectra_opts *o, sgdl_spectra *sp);
void sgdl_spectra_free(sgdl_spectra *sp);

/* Continue plain SGD (same lr, batch and sampling; a fresh sample stream) from the trained
 * weights and measure the fluctuation the predictions are about. */
typedef struct sgdl_fluct_opts {
  uint64_t steps;   /* continuation steps */
  int every;        /* record every this many steps (full training loss + projections) */
  double burn;      /* fraction of the records discarded as burn-in (e.g. 0.2) */
  int chunk;        /* examples per operator pass (<= 0: 256) */
} sgdl_fluct_opts;
typedef struct sgdl_fluct {
  int nrec, burn, every;
  double *loss;      /* [nrec] full training loss at each record */
  double *proj;      /* [nrec][k] u_i . (x_r - x_0) */
  double *var_meas;  /* [k] measured variance of u_i . x after burn-in (then scratch) */
  double loss_start, grad_norm;       /* at the trained weights: L and |grad L| */
  double trace_sigma1;                /* there: tr Sigma_1 = (1/N) sum_i |grad l_i - grad L|^2 (the
                                       * per-sample gradient variance of the noise-to-signal ratio) */
  double loss_mean, loss_at_mean;     /* mean L(x_r) after burn-in, L(mean x_r) */
  double excess_total, excess_total_se;           /* loss_mean - loss_at_mean, batch-means SE */
  double excess_restricted, excess_restricted_se; /* 1/2 sum_i h_i Var(u_i . x), same directions as the prediction */
} sgdl_fluct;
/* Spectra of the network's H and Sigma_B at t->params (training set ds, lr and batch of t),
 * then the continuation. t is not modified. */
int sgdl_geometry_network(sgdl_ctx *ctx, const sgdl_trainer *t, const sgdl_imageset *ds,
                          const sgdl_spectra_opts *so, const sgdl_fluct_opts *fo, sgdl_spectra *sp,
                          sgdl_fluct *fl);
void sgdl_fluct_free(sgdl_fluct *fl);
/* tr Sigma_1 = (1/N) sum_i |grad l_i - grad L|^2 at params over ds, gbar = grad L there: one
 * example at a time (batch-1 passes, O(N) gradient costs, O(d) memory). SGDL_ENOMEM on failure. */
int sgdl_mlp_noise_trace(sgdl_ctx *ctx, const sgdl_mlp *m, const double *params, const sgdl_imageset *ds,
                         const double *gbar, double *trace);

#ifdef __cplusplus
}
#endif
#endif
