/* sgdlab mlp cost: the counted work of the mlp problem's passes (sgdlab/mlp_problem.h), for the
 * cost estimate made before a run (sgdlab/study_estimate.h) and the bench that calibrates it
 * (bench/bench_mlp_cost.c).
 *
 * Each pass is counted in multiply-adds per lane and example, from the network's layer sizes
 * s_0 .. s_L and the training set's mean count of nonzero inputs nz, in the kernel form the pass
 * takes (src/nn/mlp_problem.c): with F = s_0 s_1 (first layer, dense), Fz = nz s_1 (first layer,
 * zero inputs skipped) and H = sum_{l >= 1} s_l s_{l+1} (the layers above it),
 *   fused   grad L and a weighted sum in one pass: forward, backward, two weight-gradient
 *           products                                                    3 F1 + 4 H
 *   grad    grad L alone: forward, backward, one product                2 F1 + 3 H
 *   hvp     Hessian product: forward, backward, the R-operator (R-forward F1 + 2H, R-backward
 *           3H, R-gradient F1 + 2H)                                     3 F1 + 9 H
 *   sample  one example's gradient at batch 1 (minibatches of SGD and SVAG; zeros skipped in
 *           both dtypes)                                                2 Fz + 3 H
 *   observe a float64 forward of the held-out observables (dense dgemm) F + H
 *   loss    a forward of the loss observable, in the problem's dtype    F1 + H
 * where F1 is F in float64 (the batched passes go through dgemm over every input) and Fz in
 * float32 when the set's inputs are at most a third nonzero (the sparse first layer), else F.
 * Activations, softmax, the loads and the sparse loops' per-nonzero work are not counted: a fixed
 * cost per lane-example carries them.
 *
 * Rates (multiply-adds per second on one core, per pass and dtype) and the fixed cost per
 * lane-example are fitted once from bench/bench_mlp_cost.c at two widths (bench/RESULTS.md section
 * 32); a pass's seconds are its lane-examples times (multiply-adds over rate + fixed). The
 * dynamics layer's own work per weight is in the constants below (the study counts how often).
 * What it does not do: time anything at run time (an estimate never depends on load).
 *
 * Ownership: sgdl_mlp_cost is a plain value; the problem is borrowed during the call. */
#ifndef SGDLAB_MLP_COST_H
#define SGDLAB_MLP_COST_H

#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SGDL_MLP_PASS_FUSED, SGDL_MLP_PASS_GRAD, SGDL_MLP_PASS_HVP, SGDL_MLP_PASS_SAMPLE, SGDL_MLP_PASS_OBSERVE,
       SGDL_MLP_PASS_LOSS, SGDL_MLP_N_PASSES };

typedef struct sgdl_mlp_cost {
  int dtype;                         /* SGDL_DTYPE_F64 or SGDL_DTYPE_F32: the precision of the kernel passes */
  double n_train, n_test;            /* examples in the training and held-out sets */
  double nonzero;                    /* mean nonzero inputs per training example */
  double madds[SGDL_MLP_N_PASSES];   /* multiply-adds of one lane through one example, per pass */
} sgdl_mlp_cost;

/* What the dynamics layer adds beside the passes, per weight (d), in nanoseconds on one core, from the
 * same bench (CPU time; float64 and float32 alike within the spread): a lane-vector operation (a
 * batch-1 gradient call moves the lane's d weights in and out; a discrete update), the first touch
 * of a run's lane buffers per lane (discrete steppers; continuous models, whose buffers are larger),
 * and one normal draw (not per weight). */
#define SGDL_MLP_VECTOR_NS 0.9
#define SGDL_MLP_RUN_NS_DISCRETE 120.0
#define SGDL_MLP_RUN_NS_MODEL 220.0
#define SGDL_MLP_NORMAL_NS 2.3
/* Beside them, as lane-vectors: a discrete update (SGD's, SVAG's small step: the division by B,
 * the step) and an SDE model's substep (the noise increment, the drift's sign, the update); and the
 * problem's creation (the IDX files read and unpacked), once per command, in seconds. */
#define SGDL_MLP_UPDATE_VECTORS 2.0
#define SGDL_MLP_SUBSTEP_VECTORS 2.0
#define SGDL_MLP_START_SECONDS 0.1

/* The counts of an mlp problem; SGDL_ENOTSUP (and *c zeroed) for any other problem. */
int sgdl_mlp_problem_cost(const sgdl_problem *p, sgdl_mlp_cost *c);
/* Name of a pass ("fused", "grad", "hvp", "sample", "observe", "loss"). */
const char *sgdl_mlp_pass_name(int pass);
/* Calibrated multiply-adds per second of one core for a pass in a dtype (bench/bench_mlp_cost.c), and
 * the fixed nanoseconds per lane-example beside them (load, softmax, per-nonzero work). */
double sgdl_mlp_pass_rate(int dtype, int pass);
double sgdl_mlp_pass_fixed_ns(int dtype, int pass);
/* CPU seconds of `examples` lane-examples of a pass: examples (madds / rate + fixed ns). */
double sgdl_mlp_pass_seconds(const sgdl_mlp_cost *c, int pass, double examples);

#ifdef __cplusplus
}
#endif
#endif
