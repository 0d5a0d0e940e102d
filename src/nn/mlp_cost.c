/* The counted work of the mlp problem's passes and their calibrated rates (sgdlab/mlp_cost.h):
 * multiply-adds per lane and example from the layer sizes and the training set's nonzero inputs,
 * in the kernel form each pass takes. Does not: time anything, or allocate. */
#include "sgdlab/mlp_cost.h"

#include <string.h>

#include "sgdlab/mlp_problem.h"

/* The cost of one lane through one example of a pass is pass_ns + madds / pass_rate: a fixed part
 * (the example's load, softmax, activations, the sparse loops' per-nonzero work, a call's scratch)
 * and the multiply-adds. Both fitted [dtype][pass] from bench/bench_mlp_cost.c's medians (CPU time)
 * at hidden 8 and 32 (784-H-10 tanh, N = 512, 256 held-out digits, 16 lanes; AMD EPYC, 2 cores
 * shared with other jobs at load ~11; bench/RESULTS.md §34): two widths, two unknowns. The
 * float64 batched passes run dgemm over all 784 inputs; the float32 ones skip the zero inputs, whose
 * per-nonzero work the fixed part carries (at these widths most of a float32 pass). sample is the
 * per-example part of a batch-1 gradient (its per-call part is SGDL_MLP_VECTOR_NS per weight). */
static const double pass_rate[2][SGDL_MLP_N_PASSES] = {
    /* fused, grad, hvp, sample, observe, loss */
    {1.64e10, 1.41e10, 1.34e10, 2.35e9, 1.41e10, 1.37e10}, /* float64 */
    {6.0e10, 3.4e10, 3.1e10, 4.0e10, 1.58e10, 4.3e10},    /* float32 */
};
static const double pass_ns[2][SGDL_MLP_N_PASSES] = {
    {890, 650, 710, 1480, 430, 380},  /* float64 */
    {800, 1240, 800, 1100, 450, 840}, /* float32 */
};

static const char *const pass_names[SGDL_MLP_N_PASSES] = {"fused", "grad", "hvp", "sample", "observe", "loss"};

const char *sgdl_mlp_pass_name(int pass) { return pass >= 0 && pass < SGDL_MLP_N_PASSES ? pass_names[pass] : "?"; }

double sgdl_mlp_pass_rate(int dtype, int pass) {
  if (pass < 0 || pass >= SGDL_MLP_N_PASSES) return 1.0;
  return pass_rate[dtype == SGDL_DTYPE_F32 ? 1 : 0][pass];
}

double sgdl_mlp_pass_fixed_ns(int dtype, int pass) {
  if (pass < 0 || pass >= SGDL_MLP_N_PASSES) return 0.0;
  return pass_ns[dtype == SGDL_DTYPE_F32 ? 1 : 0][pass];
}

double sgdl_mlp_pass_seconds(const sgdl_mlp_cost *c, int pass, double examples) {
  if (pass < 0 || pass >= SGDL_MLP_N_PASSES) return 0.0;
  return examples * (c->madds[pass] / sgdl_mlp_pass_rate(c->dtype, pass) + 1e-9 * sgdl_mlp_pass_fixed_ns(c->dtype, pass));
}

/* Mean nonzero pixels per example of a set. */
static double mean_nonzero(const sgdl_imageset *ds) {
  size_t nz = 0;
  const size_t total = ds->n * (size_t)ds->dim;
  for (size_t i = 0; i < total; i++) nz += ds->images[i] != 0;
  return ds->n ? (double)nz / (double)ds->n : 0.0;
}

int sgdl_mlp_problem_cost(const sgdl_problem *p, sgdl_mlp_cost *c) {
  memset(c, 0, sizeof *c);
  const sgdl_mlp *m;
  const sgdl_imageset *train, *test;
  if (sgdl_mlp_problem_parts(p, &m, &train, &test) != SGDL_OK) return SGDL_ENOTSUP;
  c->dtype = sgdl_mlp_problem_dtype(p);
  c->n_train = (double)train->n;
  c->n_test = (double)test->n;
  c->nonzero = mean_nonzero(train);
  double H = 0;
  for (int l = 1; l < m->L; l++) H += (double)m->size[l] * m->size[l + 1];
  const double F = (double)m->size[0] * m->size[1], Fz = c->nonzero * m->size[1];
  /* float32 batches skip zero inputs when at most a third are nonzero (mlp_f32.c) */
  const double F1 = c->dtype == SGDL_DTYPE_F32 && 3 * c->nonzero <= m->size[0] ? Fz : F;
  c->madds[SGDL_MLP_PASS_FUSED] = 3 * F1 + 4 * H;
  c->madds[SGDL_MLP_PASS_GRAD] = 2 * F1 + 3 * H;
  c->madds[SGDL_MLP_PASS_HVP] = 3 * F1 + 9 * H;
  c->madds[SGDL_MLP_PASS_SAMPLE] = 2 * Fz + 3 * H;
  c->madds[SGDL_MLP_PASS_OBSERVE] = F + H;
  c->madds[SGDL_MLP_PASS_LOSS] = F1 + H;
  return SGDL_OK;
}
