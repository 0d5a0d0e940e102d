/* Noise geometry at a point: the top eigenpairs of the Hessian H and of the minibatch
 * gradient-noise covariance Sigma_B = c_B Sigma_1 (Lanczos over operator products, never a
 * d x d matrix), their alignment, and the SPEC 5.1 eigenbasis predictions of SGD's stationary
 * excess loss 1/2 tr(H Sigma) restricted to the top Hessian directions (sgdl_spectra_compute,
 * generic: any two sgdl_matvec_fn, so it is tested on problems with exact H and Sigma).
 *
 * For a network (sgdl_geometry_network) it then continues plain SGD from the trained weights
 * at the same learning rate and batch, and measures
 *   restricted: 1/2 sum_i h_i Var(u_i . x_k)      over the same directions as the prediction,
 *   total:      mean_k L(x_k) - L(xbar)           (xbar the mean iterate; all directions),
 * each with a batch-means standard error (10 batches of the recorded series after burn-in), and
 * tr Sigma_1 at the weights for the noise-to-signal ratio (sgdl_mlp_noise_trace; problem.h).
 * Limits: the quadratic model assumes the weights sit at a minimum; a network after a few
 * epochs is not exactly there (slow directions still drift, which the total figure includes).
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn_internal.h"
#include "sgdlab/problem.h"

void sgdl_spectra_free(sgdl_spectra *sp) {
  sgdl_free(sp->h); /* one block: h, hres, svals, sres, ct, var_pred, overlap */
  sgdl_free(sp->U);
  sgdl_free(sp->W);
  memset(sp, 0, sizeof *sp);
}

/* Counts operator calls and reports progress over [base, base + span). */
typedef struct {
  sgdl_matvec_fn mv;
  void *user;
  const sgdl_ctx *ctx;
  double base, span;
  int calls, expect;
} counted_op;

static int counted_mv(void *u, const double *v, double *out) {
  counted_op *c = u;
  c->calls++;
  double f = c->calls < c->expect ? (double)c->calls / c->expect : 1.0;
  sgdl_progress(c->ctx, c->base + c->span * f);
  return c->mv(c->user, v, out);
}

int sgdl_spectra_compute(sgdl_ctx *ctx, long n, sgdl_matvec_fn hess_mv, void *hess_user,
                         sgdl_matvec_fn cov_mv, void *cov_user, double alpha,
                         const sgdl_spectra_opts *o, sgdl_spectra *sp) {
  memset(sp, 0, sizeof *sp);
  const int k = o->k;
  if (k < 1 || k > n)
    return sgdl_fail(ctx, SGDL_EINVAL, "--geometry: %d eigenpairs asked, the model has %ld parameters", k, n);
  int max_iter = o->max_iter > 0 ? o->max_iter : 3 * k + 30;
  sp->k = k;
  sp->n = n;
  sp->alpha = alpha;
  sp->h = sgdl_alloc(ctx, 6 * (size_t)k + (size_t)k * k, sizeof(double));
  sp->U = sgdl_alloc(ctx, (size_t)k * n, sizeof(double));
  sp->W = sgdl_alloc(ctx, (size_t)k * n, sizeof(double));
  double *tmp = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  if (!sp->h || !sp->U || !sp->W || !tmp) {
    sgdl_free(tmp);
    sgdl_spectra_free(sp);
    return SGDL_ENOMEM;
  }
  sp->hres = sp->h + k;
  double *s = sp->svals = sp->h + 2 * k;
  sp->sres = sp->h + 3 * k;
  sp->ct = sp->h + 4 * k;
  sp->var_pred = sp->h + 5 * k;
  sp->overlap = sp->h + 6 * k;
  counted_op hop = {hess_mv, hess_user, ctx, 0.0, 0.45, 0, max_iter};
  counted_op cop = {cov_mv, cov_user, ctx, 0.45, 0.45, 0, max_iter};
  int rc = sgdl_lanczos_top(ctx, n, counted_mv, &hop, k, max_iter, o->tol, o->seed, sp->h, sp->U, sp->hres,
                            &sp->hinfo);
  if (!rc)
    rc = sgdl_lanczos_top(ctx, n, counted_mv, &cop, k, max_iter, o->tol, o->seed + 1, s, sp->W, sp->sres,
                          &sp->sinfo);
  /* noise in the Hessian directions: ct_i = u_i^T Sigma_B u_i */
  for (int i = 0; !rc && i < k; i++) {
    rc = cov_mv(cov_user, sp->U + (size_t)i * n, tmp);
    sp->ct[i] = sgdl_nn_dot(n, sp->U + (size_t)i * n, tmp);
  }
  sgdl_free(tmp);
  if (rc) {
    sgdl_spectra_free(sp);
    return rc;
  }
  double fro = 0.0;
  for (int i = 0; i < k; i++)
    for (int j = 0; j < k; j++) {
      double c = sgdl_nn_dot(n, sp->U + (size_t)i * n, sp->W + (size_t)j * n);
      sp->overlap[(size_t)i * k + j] = c * c;
      fro += c * c;
    }
  sp->alignment = fro / k;
  for (int i = 0; i < k; i++) {
    const double ah = alpha * sp->h[i];
    sp->var_pred[i] = ah > 0.0 && ah < 2.0 ? alpha * sp->ct[i] / (sp->h[i] * (2.0 - ah)) : NAN;
  }
  sgdl_excess_loss_predict(k, sp->h, sp->ct, alpha, &sp->pred_discrete, &sp->pred_sme1, &sp->pred_sme2,
                           &sp->n_skipped);
  return SGDL_OK;
}

void sgdl_fluct_free(sgdl_fluct *fl) {
  sgdl_free(fl->loss);
  sgdl_free(fl->proj);
  sgdl_free(fl->var_meas);
  memset(fl, 0, sizeof *fl);
}

/* batch-means standard error of the mean of x[0..M-1] (nb batches; NaN if M < 2 nb) */
static double batch_means_se(const double *x, int M, int nb) {
  if (M < 2 * nb) return NAN;
  int len = M / nb;
  double mean = 0.0, bm[64];
  for (int b = 0; b < nb; b++) {
    double s = 0.0;
    for (int r = b * len; r < (b + 1) * len; r++) s += x[r];
    bm[b] = s / len;
    mean += bm[b] / nb;
  }
  double v = 0.0;
  for (int b = 0; b < nb; b++) v += (bm[b] - mean) * (bm[b] - mean);
  return sqrt(v / (nb - 1) / nb);
}

int sgdl_mlp_noise_trace(sgdl_ctx *ctx, const sgdl_mlp *m, const double *params, const sgdl_imageset *ds,
                         const double *gbar, double *trace) {
  const size_t n = m->n_params;
  sgdl_mlp_work w;
  int rc = sgdl_mlp_work_alloc(ctx, m, 1, &w);
  if (rc) return rc;
  double *gi = sgdl_alloc(ctx, n, sizeof(double));
  if (!gi) {
    sgdl_mlp_work_free(&w);
    return SGDL_ENOMEM;
  }
  double G = 0.0;
  for (size_t i = 0; i < ds->n; i++) {
    sgdl_mlp_load_range(m, ds, i, 1, &w);
    sgdl_mlp_forward(m, params, 1, &w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, params, 1, &w, SGDL_KERNEL_FAST);
    memset(gi, 0, n * sizeof *gi);
    sgdl_mlp_grad_accum(m, 1, &w, NULL, 1.0, gi, SGDL_KERNEL_FAST);
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += (gi[k] - gbar[k]) * (gi[k] - gbar[k]);
    G += s / (double)ds->n;
  }
  *trace = G;
  sgdl_free(gi);
  sgdl_mlp_work_free(&w);
  return SGDL_OK;
}

int sgdl_geometry_network(sgdl_ctx *ctx, const sgdl_trainer *t, const sgdl_imageset *ds,
                          const sgdl_spectra_opts *so, const sgdl_fluct_opts *fo, sgdl_spectra *sp,
                          sgdl_fluct *fl) {
  memset(sp, 0, sizeof *sp);
  memset(fl, 0, sizeof *fl);
  const sgdl_mlp *m = t->m;
  const long n = (long)m->n_params;
  const int every = fo->every > 0 ? fo->every : 1;
  const int nrec = (int)(fo->steps / (uint64_t)every);
  if (nrec < 20)
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--geometry-steps: %llu steps recorded every %d give %d points; need at least 20",
                     (unsigned long long)fo->steps, every, nrec);
  const double cB = sgdl_minibatch_factor(ds->n, t->par.batch, t->par.without_replacement);
  sgdl_mlp_work w;
  int rc = sgdl_mlp_work_alloc(ctx, m, fo->chunk > 0 ? fo->chunk : 256, &w);
  if (rc) return rc;
  double *gbar = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  if (!gbar) {
    sgdl_mlp_work_free(&w);
    return SGDL_ENOMEM;
  }
  fl->loss_start = sgdl_mlp_evaluate(m, t->params, ds, &w, gbar, NULL, NULL);
  double gn = sgdl_nn_nrm2(n, gbar);
  fl->grad_norm = gn;
  rc = sgdl_mlp_noise_trace(ctx, m, t->params, ds, gbar, &fl->trace_sigma1);
  if (rc) goto out;
  sgdl_mlp_op hop = {m, t->params, ds, &w, gbar, 1.0};
  sgdl_mlp_op cop = {m, t->params, ds, &w, gbar, cB};
  rc = sgdl_spectra_compute(ctx, n, sgdl_mlp_hess_mv, &hop, sgdl_mlp_cov_mv, &cop, t->par.lr, so, sp);
  if (rc) goto out;

  /* continue plain SGD from the trained weights on a fresh sample stream */
  sgdl_trainer c;
  sgdl_algo_params par = t->par;
  rc = sgdl_trainer_create(ctx, &c, m, SGDL_OPT_SGD, &par, t->seed, t->stream + 1);
  if (rc) goto out;
  memcpy(c.params, t->params, (size_t)n * sizeof(double));
  c.step = 0;
  const int k = sp->k, burn = (int)(fo->burn * nrec);
  const int M = nrec - burn;
  fl->nrec = nrec;
  fl->burn = burn;
  fl->every = every;
  fl->loss = sgdl_alloc(ctx, (size_t)nrec, sizeof(double));
  fl->proj = sgdl_alloc(ctx, (size_t)nrec * k, sizeof(double));
  fl->var_meas = sgdl_alloc(ctx, (size_t)k + 2 * (size_t)nrec, sizeof(double));
  double *xsum = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  double *dx = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  if (!fl->loss || !fl->proj || !fl->var_meas || !xsum || !dx) {
    rc = SGDL_ENOMEM;
    goto out2;
  }
  sgdl_ctx quiet = *ctx;
  quiet.progress = NULL; /* the trainer's own progress would jump back to 0 */
  for (int r = 0; r < nrec; r++) {
    rc = sgdl_trainer_run(&quiet, &c, ds, (uint64_t)every, NULL);
    if (rc) {
      sgdl_fail(ctx, quiet.status, "%s", quiet.msg);
      goto out2;
    }
    fl->loss[r] = sgdl_mlp_evaluate(m, c.params, ds, &w, NULL, NULL, NULL);
    for (long i = 0; i < n; i++) dx[i] = c.params[i] - t->params[i];
    for (int i = 0; i < k; i++) fl->proj[(size_t)r * k + i] = sgdl_nn_dot(n, sp->U + (size_t)i * n, dx);
    if (r >= burn) cblas_daxpy((int)n, 1.0, c.params, 1, xsum, 1);
    sgdl_progress(ctx, 0.9 + 0.1 * (r + 1) / nrec);
  }
  /* total: mean L(x_k) - L(xbar) */
  for (long i = 0; i < n; i++) xsum[i] /= M;
  fl->loss_at_mean = sgdl_mlp_evaluate(m, xsum, ds, &w, NULL, NULL, NULL);
  double lm = 0.0;
  for (int r = burn; r < nrec; r++) lm += fl->loss[r] / M;
  fl->loss_mean = lm;
  fl->excess_total = lm - fl->loss_at_mean;
  fl->excess_total_se = batch_means_se(fl->loss + burn, M, 10);
  /* restricted: q_r = 1/2 sum_i h_i (p_ir - pbar_i)^2 over the predicted directions */
  double *q = fl->var_meas + k;
  for (int r = 0; r < M; r++) q[r] = 0.0;
  for (int i = 0; i < k; i++) {
    double pb = 0.0, v = 0.0;
    for (int r = burn; r < nrec; r++) pb += fl->proj[(size_t)r * k + i] / M;
    for (int r = burn; r < nrec; r++) {
      double e = fl->proj[(size_t)r * k + i] - pb;
      v += e * e;
      const double ah = t->par.lr * sp->h[i];
      if (ah > 0.0 && ah < 2.0) q[r - burn] += 0.5 * sp->h[i] * e * e * M / (M - 1.0);
    }
    fl->var_meas[i] = v / (M - 1.0);
  }
  double qm = 0.0;
  for (int r = 0; r < M; r++) qm += q[r] / M;
  fl->excess_restricted = qm;
  fl->excess_restricted_se = batch_means_se(q, M, 10);
out2:
  sgdl_free(xsum);
  sgdl_free(dx);
  sgdl_trainer_free(&c);
out:
  if (rc) {
    sgdl_spectra_free(sp);
    sgdl_fluct_free(fl);
  }
  sgdl_free(gbar);
  sgdl_mlp_work_free(&w);
  return rc;
}
