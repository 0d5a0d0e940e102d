/* Whole-data-set passes at fixed parameters: mean loss, accuracy, confusion matrix, mean
 * gradient, and the two operators the geometry needs (Hessian of the mean loss, and the
 * single-sample gradient-noise covariance Sigma_1), each applied to a vector without ever
 * forming a d x d matrix. Chunks of w->cap examples, FAST kernels, fixed chunk order (so the
 * sums are reproducible). */
#include <string.h>

#include "nn_internal.h"

double sgdl_mlp_evaluate(const sgdl_mlp *m, const double *params, const sgdl_imageset *ds,
                         sgdl_mlp_work *w, double *grad, size_t *correct, long *conf) {
  const int C = m->size[m->L];
  double total = 0.0;
  size_t ok = 0;
  if (grad) memset(grad, 0, m->n_params * sizeof *grad);
  if (conf) memset(conf, 0, (size_t)C * C * sizeof *conf);
  for (size_t first = 0; first < ds->n; first += (size_t)w->cap) {
    int B = (int)(ds->n - first < (size_t)w->cap ? ds->n - first : (size_t)w->cap);
    sgdl_mlp_load_range(m, ds, first, B, w);
    total += sgdl_mlp_forward(m, params, B, w, SGDL_KERNEL_FAST);
    for (int i = 0; i < B; i++) {
      const double *p = w->a[m->L] + (size_t)i * C;
      int arg = 0;
      for (int k = 1; k < C; k++)
        if (p[k] > p[arg]) arg = k;
      ok += arg == w->y[i];
      if (conf && w->y[i] < C) conf[(size_t)w->y[i] * C + arg]++;
    }
    if (grad) {
      sgdl_mlp_backward(m, params, B, w, SGDL_KERNEL_FAST);
      sgdl_mlp_grad_accum(m, B, w, NULL, 1.0 / (double)ds->n, grad, SGDL_KERNEL_FAST);
    }
  }
  if (correct) *correct = ok;
  return total / (double)ds->n;
}

int sgdl_mlp_hess_mv(void *opv, const double *v, double *out) {
  const sgdl_mlp_op *op = opv;
  const sgdl_mlp *m = op->m;
  sgdl_mlp_work *w = op->w;
  memset(out, 0, m->n_params * sizeof *out);
  const double scale = op->scale / (double)op->ds->n;
  for (size_t first = 0; first < op->ds->n; first += (size_t)w->cap) {
    int B = (int)(op->ds->n - first < (size_t)w->cap ? op->ds->n - first : (size_t)w->cap);
    sgdl_mlp_load_range(m, op->ds, first, B, w);
    sgdl_mlp_forward(m, op->params, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, op->params, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_hvp_accum(m, op->params, B, w, v, scale, out, SGDL_KERNEL_FAST);
  }
  return SGDL_OK;
}

int sgdl_mlp_cov_mv(void *opv, const double *v, double *out) {
  const sgdl_mlp_op *op = opv;
  const sgdl_mlp *m = op->m;
  sgdl_mlp_work *w = op->w;
  memset(out, 0, m->n_params * sizeof *out);
  const double scale = op->scale / (double)op->ds->n;
  /* (1/N) sum_i g_i (g_i . v): the dot products s_i first, then the s-weighted gradient sum */
  for (size_t first = 0; first < op->ds->n; first += (size_t)w->cap) {
    int B = (int)(op->ds->n - first < (size_t)w->cap ? op->ds->n - first : (size_t)w->cap);
    sgdl_mlp_load_range(m, op->ds, first, B, w);
    sgdl_mlp_forward(m, op->params, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, op->params, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_dots(m, B, w, v, w->s, SGDL_KERNEL_FAST);
    sgdl_mlp_grad_accum(m, B, w, w->s, scale, out, SGDL_KERNEL_FAST);
  }
  /* - gbar (gbar . v) */
  double gv = 0.0;
  for (size_t i = 0; i < m->n_params; i++) gv += op->gbar[i] * v[i];
  for (size_t i = 0; i < m->n_params; i++) out[i] -= op->scale * gv * op->gbar[i];
  return SGDL_OK;
}

void sgdl_excess_loss_predict(int k, const double *h, const double *ct, double alpha,
                              double *discrete, double *sme1, double *sme2, int *n_skipped) {
  double dsum = 0.0, s1 = 0.0, s2 = 0.0;
  int skipped = 0;
  for (int i = 0; i < k; i++) {
    const double ah = alpha * h[i];
    if (!(ah > 0.0 && ah < 2.0)) {
      skipped++;
      continue;
    }
    dsum += 0.5 * alpha * ct[i] / (2.0 - ah);
    s1 += 0.25 * alpha * ct[i];
    s2 += 0.5 * alpha * ct[i] / (2.0 + ah);
  }
  if (discrete) *discrete = dsum;
  if (sme1) *sme1 = s1;
  if (sme2) *sme2 = s2;
  if (n_skipped) *n_skipped = skipped;
}
