/* The training loop: draws each step's minibatch from the Philox stream, runs forward and
 * backward, and applies the library's shared optimiser rule (sgdl_optim_update; no copy of
 * any rule lives here). Step k's batch is a pure function of (seed, stream, k), so a run is
 * reproducible and a resumed run continues exactly where the saved one stopped.
 *
 * Plain SGD at batch 1 takes a sparse path: the gradient of W_l is the rank-one a_l d_{l+1}^T
 * and the SGD rule leaves a parameter alone when its gradient is zero, so the rule is applied
 * row by row to the rows of nonzero a_j only. Momentum and Adam move parameters with zero
 * gradient too, so they always take the dense path.
 *
 * Float32 (sgdl_trainer_set_dtype): the step runs the passes of mlp_f32.c on float weights; plain
 * SGD hands the weights to the gradient sum with scale -lr/B (x -= lr g inside the sgemm, no
 * gradient vector, no separate update pass), the other rules go through sgdl_optim_update on the
 * double slab as above. */
#include <math.h>
#include <string.h>

#include "nn_internal.h"
#include "sgdlab/linalg.h"
#include "sgdlab/rng.h"

/* Training runs its dgemm calls in a single-thread BLAS region (sgdl_blas_single_enter, linalg.h),
 * because OpenBLAS splits work differently for different thread counts and the rounding then
 * differs; one thread keeps a run bitwise identical whatever --threads says. */

/* The trainer's rules are those of sgdl_optim_update (SGDL_OPT_SGD .. SGDL_OPT_ADAM), named through
 * the one shared enumeration of discrete rules (sgdl_opt_rule_from_name, sgdlab/stepper.h). */
static int trainer_has_rule(int rule) { return rule >= SGDL_OPT_SGD && rule <= SGDL_OPT_ADAM; }

int sgdl_optim_rule_parse(const char *name) {
  const int rule = sgdl_opt_rule_from_name(name);
  return trainer_has_rule(rule) ? rule : -1;
}

const char *sgdl_optim_rule_name(int rule) { return trainer_has_rule(rule) ? sgdl_opt_rule_name(rule) : "?"; }

int sgdl_trainer_create(sgdl_ctx *ctx, sgdl_trainer *t, const sgdl_mlp *m, int rule,
                        const sgdl_algo_params *par, uint32_t seed, uint32_t stream) {
  memset(t, 0, sizeof *t);
  if (rule < 0 || rule > SGDL_OPT_ADAM) return sgdl_fail(ctx, SGDL_EINVAL, "--algo: unknown rule %d", rule);
  if (!(par->lr > 0.0) || !isfinite(par->lr))
    return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", par->lr);
  if (par->batch < 1 || par->batch > (1 << 20))
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is not in 1..1048576", par->batch);
  if ((rule == SGDL_OPT_HB || rule == SGDL_OPT_NAG) && !(par->momentum >= 0.0 && par->momentum < 1.0))
    return sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is not in [0, 1)", par->momentum);
  if (rule == SGDL_OPT_ADAM) {
    if (!(par->beta1 >= 0.0 && par->beta1 < 1.0))
      return sgdl_fail(ctx, SGDL_EINVAL, "--beta1: %g is not in [0, 1)", par->beta1);
    if (!(par->beta2 >= 0.0 && par->beta2 < 1.0))
      return sgdl_fail(ctx, SGDL_EINVAL, "--beta2: %g is not in [0, 1)", par->beta2);
    if (!(par->eps > 0.0)) return sgdl_fail(ctx, SGDL_EINVAL, "--eps: %g is not positive", par->eps);
  }
  t->m = m;
  t->rule = rule;
  t->par = *par;
  t->seed = seed;
  t->stream = stream;
  t->kernel = SGDL_KERNEL_FAST;
  size_t n = m->n_params, naux = (size_t)sgdl_optim_aux(rule);
  int ok = 1;
  ok &= (t->params = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
  ok &= (t->aux = sgdl_alloc(ctx, naux ? naux * n : 1, sizeof(double))) != NULL;
  ok &= (t->grad = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
  ok &= (t->grow = sgdl_alloc(ctx, (size_t)sgdl_mlp_max_width(m), sizeof(double))) != NULL;
  ok &= (t->idx = sgdl_alloc(ctx, (size_t)par->batch, sizeof(uint32_t))) != NULL;
  if (!ok || sgdl_mlp_work_alloc(ctx, m, par->batch, &t->w) != SGDL_OK) {
    sgdl_trainer_free(t);
    return SGDL_ENOMEM;
  }
  sgdl_mlp_init_params(m, seed, t->params);
  return SGDL_OK;
}

int sgdl_trainer_set_dtype(sgdl_ctx *ctx, sgdl_trainer *t, int dtype) {
  if (dtype != SGDL_DTYPE_F64 && dtype != SGDL_DTYPE_F32)
    return sgdl_fail(ctx, SGDL_EINVAL, "--dtype: unknown precision %d", dtype);
  t->dtype = dtype;
  if (dtype == SGDL_DTYPE_F64 || t->f32) return SGDL_OK;
  const sgdl_mlp *m = t->m;
  struct sgdl_trainer_f32 *f = sgdl_alloc(ctx, 1, sizeof *f);
  if (!f) return SGDL_ENOMEM;
  t->f32 = f;
  f->params = sgdl_alloc(ctx, m->n_params, sizeof(float));
  f->grad = f->params ? sgdl_alloc(ctx, m->n_params, sizeof(float)) : NULL;
  f->buf = f->grad ? sgdl_alloc(ctx, sgdl_mlp32_work_floats(m, t->par.batch), sizeof(float)) : NULL;
  if (!f->buf) return SGDL_ENOMEM; /* the trainer owns what was allocated: sgdl_trainer_free */
  sgdl_mlp32_work_view(m, t->par.batch, f->buf, &f->w);
  return SGDL_OK;
}

void sgdl_trainer_free(sgdl_trainer *t) {
  if (t->f32) {
    sgdl_free(t->f32->params);
    sgdl_free(t->f32->grad);
    sgdl_free(t->f32->buf);
    sgdl_free(t->f32);
  }
  sgdl_free(t->params);
  sgdl_free(t->aux);
  sgdl_free(t->grad);
  sgdl_free(t->grow);
  sgdl_free(t->idx);
  sgdl_mlp_work_free(&t->w);
  memset(t, 0, sizeof *t);
}

uint64_t sgdl_trainer_epoch_steps(const sgdl_trainer *t, size_t n) {
  return (n + (size_t)t->par.batch - 1) / (size_t)t->par.batch;
}

/* Batch-1 plain SGD: the rule applied to the nonzero rows of each rank-one gradient. */
static void sgd_sparse_update(sgdl_trainer *t) {
  const sgdl_mlp *m = t->m;
  sgdl_mlp_work *w = &t->w;
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const double *a = w->a[l], *d = w->d[l + 1];
    double *W = t->params + m->w_off[l];
    for (int q = 0, nq = l == 0 ? w->n_nz : in; q < nq; q++) {
      const int j = l == 0 ? w->nz[q] : q;
      const double aj = a[j];
      if (aj == 0.0) continue;
      for (int k = 0; k < out; k++) t->grow[k] = aj * d[k];
      sgdl_optim_update(SGDL_OPT_SGD, &t->par, out, W + (size_t)j * out, NULL, t->grow, t->step);
    }
    sgdl_optim_update(SGDL_OPT_SGD, &t->par, out, t->params + m->b_off[l], NULL, d, t->step);
  }
}

double sgdl_trainer_divergence_threshold(const sgdl_trainer *t) {
  if (!(t->loss_start > 0)) return INFINITY;
  return SGDL_DIVERGENCE_FACTOR * fmax(t->loss_start, SGDL_DIVERGENCE_FLOOR);
}

/* One batch loss into the divergence watch: the first sets the start, the mean of every full
 * window is compared with the threshold (nn.h). */
static int watch_divergence(sgdl_ctx *ctx, sgdl_trainer *t, double loss) {
  if (!(t->loss_start > 0)) t->loss_start = loss > 0 ? loss : SGDL_DIVERGENCE_FLOOR;
  t->window_sum += loss;
  if (++t->window_n < SGDL_DIVERGENCE_WINDOW) return SGDL_OK;
  const double mean = t->window_sum / t->window_n;
  t->window_sum = 0;
  t->window_n = 0;
  if (!(mean > sgdl_trainer_divergence_threshold(t))) return SGDL_OK;
  return sgdl_fail(ctx, SGDL_EDIVERGED,
                   "--lr %g: training diverged by step %llu: the mean batch loss of the last %d steps, %.4g, is more than "
                   "%g x its start %.4g; try a smaller learning rate",
                   t->par.lr, (unsigned long long)t->step + 1, SGDL_DIVERGENCE_WINDOW, mean, SGDL_DIVERGENCE_FACTOR, t->loss_start);
}

/* A step in two halves, so that a diverged batch stops the run before it moves the weights:
 * load and forward (returns the batch-mean loss), then backward and the update. */
static double forward_f64(sgdl_trainer *t, const sgdl_imageset *ds) {
  sgdl_mlp_load(t->m, ds, t->idx, t->par.batch, &t->w);
  return sgdl_mlp_forward(t->m, t->params, t->par.batch, &t->w, t->kernel) / t->par.batch;
}

static void update_f64(sgdl_trainer *t) {
  const sgdl_mlp *m = t->m;
  const int B = t->par.batch;
  sgdl_mlp_backward(m, t->params, B, &t->w, t->kernel);
  if (t->rule == SGDL_OPT_SGD && B == 1 && t->kernel == SGDL_KERNEL_FAST) {
    sgd_sparse_update(t);
  } else {
    memset(t->grad, 0, m->n_params * sizeof *t->grad);
    sgdl_mlp_grad_accum(m, B, &t->w, NULL, 1.0 / B, t->grad, t->kernel);
    sgdl_optim_update(t->rule, &t->par, (long)m->n_params, t->params, t->aux, t->grad, t->step);
  }
}

/* The same halves in float32 (t->f32 holds the weights; see the file comment). */
static double forward_f32(sgdl_trainer *t, const sgdl_imageset *ds) {
  struct sgdl_trainer_f32 *f = t->f32;
  sgdl_mlp32_load(t->m, ds, t->idx, t->par.batch, &f->w);
  return sgdl_mlp32_forward(t->m, f->params, t->par.batch, &f->w) / t->par.batch;
}

static void update_f32(sgdl_trainer *t) {
  const sgdl_mlp *m = t->m;
  struct sgdl_trainer_f32 *f = t->f32;
  const int B = t->par.batch;
  sgdl_mlp32_backward(m, f->params, B, &f->w);
  if (t->rule == SGDL_OPT_SGD) { /* x -= lr g, inside the gradient sgemm */
    sgdl_mlp32_grad_accum(m, B, &f->w, NULL, (float)(-t->par.lr / B), f->params);
    return;
  }
  memset(f->grad, 0, m->n_params * sizeof *f->grad);
  sgdl_mlp32_grad_accum(m, B, &f->w, NULL, 1.0f / (float)B, f->grad);
  sgdl_mlp32_widen(m->n_params, f->grad, t->grad);
  sgdl_optim_update(t->rule, &t->par, (long)m->n_params, t->params, t->aux, t->grad, t->step);
  sgdl_mlp32_round(m->n_params, t->params, f->params);
}

int sgdl_trainer_run(sgdl_ctx *ctx, sgdl_trainer *t, const sgdl_imageset *ds, uint64_t steps,
                     double *loss_sum) {
  const sgdl_mlp *m = t->m;
  const int B = t->par.batch;
  if (ds->dim != m->size[0])
    return sgdl_fail(ctx, SGDL_EINVAL, "data has %d pixels per image but the network expects %d", ds->dim,
                     m->size[0]);
  if (ds->n == 0 || ds->n > UINT32_MAX) return sgdl_fail(ctx, SGDL_EINVAL, "training set of %zu examples", ds->n);
  if (t->par.without_replacement && (size_t)B > ds->n)
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d exceeds the %zu training examples (without replacement)",
                     B, ds->n);
  const uint32_t purpose = SGDL_PURPOSE(SGDL_RNG_INDEX, t->stream, 0);
  const uint64_t tick = steps / 200 + 1;
  double lsum = 0.0;
  sgdl_blas_single_enter();
  if (t->dtype == SGDL_DTYPE_F32) sgdl_mlp32_round(m->n_params, t->params, t->f32->params);
  int rc = SGDL_OK;
  for (uint64_t s = 0; s < steps; s++) {
    sgdl_rng_indices(t->seed, 0, 1, t->step, purpose, (uint32_t)ds->n, (uint32_t)B,
                     t->par.without_replacement, t->idx);
    const int f32 = t->dtype == SGDL_DTYPE_F32;
    const double loss = f32 ? forward_f32(t, ds) : forward_f64(t, ds);
    if (!isfinite(loss)) {
      rc = sgdl_fail(ctx, SGDL_EDIVERGED,
                     "--lr %g: training diverged at step %llu (batch loss %g); try a smaller learning rate",
                     t->par.lr, (unsigned long long)t->step, loss);
      break;
    }
    lsum += loss;
    rc = watch_divergence(ctx, t, loss);
    if (rc) break;
    if (f32) update_f32(t);
    else update_f64(t);
    t->step++;
    if (s % tick == 0) sgdl_progress(ctx, (double)s / (double)steps);
    if (sgdl_interrupt_requested()) {
      rc = sgdl_fail(ctx, SGDL_EINTERRUPTED, "train: interrupted at step %ld", (long)t->step);
      break;
    }
  }
  if (t->dtype == SGDL_DTYPE_F32 && t->rule == SGDL_OPT_SGD) sgdl_mlp32_widen(m->n_params, t->f32->params, t->params);
  sgdl_blas_single_leave();
  if (loss_sum) *loss_sum = lsum;
  return rc;
}
