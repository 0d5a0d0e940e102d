/* sgdlab mlp problem: a multilayer perceptron on an IDX image data set as an sgdl_problem, so
 * that SGD and its SDE models (weak, npoint, exit, ...) run on a real network.
 *
 * The risk is the mean training loss L(x) = (1/N) sum_i l_i(x) over N training examples with x
 * the network's parameter slab (sgdlab/nn.h layout, d = n_params): finite data, noise columns
 * G_i = grad L - grad l_i, noise_weight 1/N, never affine (even a linear least-squares network is
 * reported as not affine, so no d^2 x d^2 exact-moment machinery is started on d ~ 10^4).
 * Gradients, per-sample gradients and Hessian-vector products (Pearlmutter R-op) come from the nn
 * layer's passes; every call streams over the examples in chunks, so memory is O(chunk x width)
 * per call and a block of lanes costs O(lanes x d), never O(lanes x N x d).
 *
 * Named observables (sgdl_observable_parse_for): test_loss and test_error (0-1 error) on the
 * held-out set, train_error, and dist2_init = |x - x_init|^2 from the initial weights.
 * ReLU hidden layers set p->hvp_caveat: their Hessian products omit the kinks.
 *
 * Ownership: sgdl_mlp_problem_create allocates the problem and copies everything it needs (the
 * spec's strings and arrays are borrowed only during the call); free with sgdl_problem_destroy.
 */
#ifndef SGDLAB_MLP_PROBLEM_H
#define SGDLAB_MLP_PROBLEM_H

#include <stdint.h>

#include "sgdlab/nn.h"
#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_mlp_problem_spec {
  const char *data;    /* folder of IDX files (sgdl_data_open; errors name --data) */
  long n_train;        /* N training examples (-1: all; see sgdl_data_open) */
  long n_test;         /* held-out examples for test_loss / test_error (-1: all) */
  const int *hidden;   /* hidden widths; n_hidden 0: no hidden layer */
  int n_hidden;        /* -1 with init: take the layers from the weights file */
  int act;             /* SGDL_ACT_*; -1 with init: take it from the file */
  int loss;            /* SGDL_LOSS_CE or SGDL_LOSS_MSE */
  uint32_t seed;       /* initial weights (sgdl_mlp_init_params) when init is NULL */
  const char *init;    /* weights file written by `sgdlab train`, or NULL */
  int dtype;           /* SGDL_DTYPE_F64 (0, default) or SGDL_DTYPE_F32: precision of loss, grad, loss_sample,
                        * grad_sample, the lane kernels and hvp (the float32 R-operator); the
                        * observables (test_loss, test_error, ...) stay float64 */
} sgdl_mlp_problem_spec;

/* Defaults: n_train 256, n_test 256, one hidden layer of 32, tanh, CE, seed 1, no init file. */
void sgdl_mlp_problem_spec_init(sgdl_mlp_problem_spec *spec);
/* Build the problem. Errors name the flag or file (--data, --hidden, --act, --loss, --init); a
 * weights file of another architecture is an error naming the file and both shapes. */
int sgdl_mlp_problem_create(sgdl_ctx *ctx, const sgdl_mlp_problem_spec *spec, sgdl_problem **out);
/* The type (its name is "mlp"). */
extern const sgdl_problem_type sgdl_mlp_problem_type;
/* Network and data sets of an mlp problem (borrowed, valid until destroy); SGDL_ENOTSUP otherwise. */
int sgdl_mlp_problem_parts(const sgdl_problem *p, const sgdl_mlp **m, const sgdl_imageset **train,
                           const sgdl_imageset **test);

/* The precision an mlp problem runs its passes in (SGDL_DTYPE_F64 or SGDL_DTYPE_F32); -1 if p is
 * not an mlp problem. */
int sgdl_mlp_problem_dtype(const sgdl_problem *p);

#ifdef __cplusplus
}
#endif
#endif
