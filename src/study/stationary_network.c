/* The stationary study on a network (family SGDL_STATIONARY_NETWORK): an mlp problem at given weights
 * x_w (--init, a file from `sgdlab train --save`). The prediction is train --geometry's: the top-k
 * Hessian eigenpairs (h_i, u_i) and the minibatch noise c_B Sigma_1 by Lanczos over exact operator
 * products, and the SME1, SME2 and discrete stationary excess loss 1/2 tr(H Sigma) in those k
 * directions (sgdl_spectra_compute); beside it the noise-to-signal ratio at x_w. --simulate runs
 * R replicas of SGD (the dynamics layer's stepper on the problem) from x_w and averages the k
 * projections u_i . (x - x_w) after burn-in (sgdl_stat_simulate_proj), so the measured excess
 * 1/2 sum_i h_i Var(u_i . x) has a replica-spread standard error and is bitwise the same for any
 * thread count. The same run keeps FELT_SNAPSHOTS whole states per replica, evenly spaced over the
 * averaging window, and at each the noise u_i^T Sigma_B(x) u_i in the k directions (one pass over the
 * examples: the variance of the per-sample slopes u_i . grad l_j(x)); their mean cbar_i is the noise
 * the chains felt, and the predictions with cbar_i in place of the noise at x_w (felt_pred) separate
 * the two ways a prediction from x_w alone can miss: SGD's noise grows as x fluctuates about a
 * minimum (for least squares Var(u_i . x) = alpha cbar_i / (h_i (2 - alpha h_i)) exactly, with u_i
 * an eigenvector of the constant Hessian; tests/test_stationary_network.c), and weights that are no
 * minimum drift. --checkpoint stores the run's chunks (the projections' sums and the snapshots).
 * Limits: the quadratic model in the k directions; the Hessian and directions are those at x_w.
 * Does not: parse flags, print or write files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/mlp_problem.h"
#include "study/rounds_internal.h"
#include "study/stationary_internal.h"

enum { FELT_SNAPSHOTS = 8 };

/* Spectra, NSR and loss at the weights x (the problem's training set). */
static int network_geometry(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const double *x, sgdl_stationary_study_result *res) {
  const sgdl_mlp *m = NULL;
  const sgdl_imageset *tr = NULL, *te = NULL;
  int rc = sgdl_mlp_problem_parts(sp->prob, &m, &tr, &te);
  if (rc) return sgdl_fail(ctx, rc, "stationary: --problem %s is not a network", sp->prob->type->name);
  const long n = (long)m->n_params;
  const double cB = sgdl_minibatch_factor(tr->n, sp->par.batch, sp->par.without_replacement);
  sgdl_mlp_work w;
  rc = sgdl_mlp_work_alloc(ctx, m, 256, &w);
  if (rc) return rc;
  double *gbar = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  if (!gbar) rc = SGDL_ENOMEM;
  double trace = 0;
  if (!rc) {
    res->net_loss = sgdl_mlp_evaluate(m, x, tr, &w, gbar, NULL, NULL);
    rc = sgdl_mlp_noise_trace(ctx, m, x, tr, gbar, &trace);
  }
  if (!rc) {
    double g2 = 0;
    for (long i = 0; i < n; i++) g2 += gbar[i] * gbar[i];
    sgdl_noise_scale_fill(trace, g2, tr->n, sp->par.batch, sp->par.without_replacement, sp->par.lr, &res->net_noise);
    sgdl_mlp_op hop = {m, x, tr, &w, gbar, 1.0}, cop = {m, x, tr, &w, gbar, cB};
    sgdl_spectra_opts so = {sp->geometry_k > 0 ? sp->geometry_k : 8, 0, 1e-6, sp->seed};
    rc = sgdl_spectra_compute(ctx, n, sgdl_mlp_hess_mv, &hop, sgdl_mlp_cov_mv, &cop, sp->par.lr, &so, &res->net);
  }
  res->has_net = !rc;
  res->cB = cB;
  sgdl_free(gbar);
  sgdl_mlp_work_free(&w);
  return rc;
}

/* At x: u^T Sigma_1(x) u for the k rows u of U, (1/N) sum_j s_j^2 - ((1/N) sum_j s_j)^2 with s_j = u . grad l_j(x),
 * into out[k]; returns the training loss. One forward and backward pass over the training set. */
static double noise_in_directions(const sgdl_mlp *m, const sgdl_imageset *tr, const double *x, int k, const double *U,
                                  sgdl_mlp_work *w, double *sum, double *out) {
  const size_t n = m->n_params;
  double loss = 0;
  memset(sum, 0, sizeof(double) * 2 * (size_t)k);
  for (size_t first = 0; first < tr->n; first += (size_t)w->cap) {
    const int B = (int)(tr->n - first < (size_t)w->cap ? tr->n - first : (size_t)w->cap);
    sgdl_mlp_load_range(m, tr, first, B, w);
    loss += sgdl_mlp_forward(m, x, B, w, SGDL_KERNEL_FAST);
    sgdl_mlp_backward(m, x, B, w, SGDL_KERNEL_FAST);
    for (int i = 0; i < k; i++) {
      sgdl_mlp_grad_dots(m, B, w, U + (size_t)i * n, w->s, SGDL_KERNEL_FAST);
      for (int j = 0; j < B; j++) sum[i] += w->s[j], sum[k + i] += w->s[j] * w->s[j];
    }
  }
  const double N = (double)tr->n;
  for (int i = 0; i < k; i++) out[i] = sum[k + i] / N - (sum[i] / N) * (sum[i] / N);
  return loss / N;
}

/* mean and standard error of v[0..R-1] */
static void mean_se(const double *v, long R, double *mean, double *se) {
  double m = 0, s = 0;
  for (long r = 0; r < R; r++) m += v[r] / (double)R;
  for (long r = 0; r < R; r++) s += (v[r] - m) * (v[r] - m);
  *mean = m;
  *se = sqrt(s / ((double)R - 1) / (double)R);
}

/* The snapshots' summaries from c[R][n][k] (c_B u_i^T Sigma_1 u_i), y[R][n][k] (u_i . (x - x_w)) and
 * loss[R][n]: the noise felt per direction (replica means, their spread) and the predictions with it;
 * the mean loss at the first and last snapshot; and the split of 1/2 sum h_i Var(u_i . x) into the
 * variance across replicas at equal times (mean over snapshots) and the common drift (the variance over
 * the snapshots of the replica-mean projections, less its sampling part, mean equal-time variance / R). */
static void snapshot_summaries(const sgdl_stationary_spec *sp, long R, int n, const double *c, const double *y,
                               const double *loss, double *scratch, sgdl_stationary_study_result *res) {
  const int k = res->net.k;
  const double *h = res->net.h;
  double *cr = scratch, *pr = cr + (size_t)R * k, *col = pr + R, *ybar = col + R, *et = ybar + (size_t)n * k; /* et: [n] */
  for (long r = 0; r < R; r++) {
    for (int i = 0; i < k; i++) {
      cr[(size_t)r * k + i] = 0;
      for (int j = 0; j < n; j++) cr[(size_t)r * k + i] += c[((size_t)r * n + j) * k + i] / n;
    }
    sgdl_excess_loss_predict(k, h, cr + (size_t)r * k, sp->par.lr, &pr[r], NULL, NULL, NULL);
  }
  for (int i = 0; i < k; i++) {
    for (long r = 0; r < R; r++) col[r] = cr[(size_t)r * k + i];
    mean_se(col, R, &res->net_felt[i], &res->net_felt_se[i]);
  }
  double pm;
  mean_se(pr, R, &pm, &res->felt_pred_se);
  sgdl_excess_loss_predict(k, h, res->net_felt, sp->par.lr, &res->felt_pred[0], &res->felt_pred[1], &res->felt_pred[2], NULL);
  for (int e = 0; e < 2; e++) {
    res->snap_loss[e] = 0;
    for (long r = 0; r < R; r++) res->snap_loss[e] += loss[(size_t)r * n + (e ? n - 1 : 0)] / (double)R;
  }
  double drift = 0, within = 0;
  for (int j = 0; j < n; j++) et[j] = 0;
  for (int i = 0; i < k; i++) {
    double ym = 0, v = 0;
    for (int j = 0; j < n; j++) {
      double yb = 0, s2 = 0;
      for (long r = 0; r < R; r++) yb += y[((size_t)r * n + j) * k + i] / (double)R;
      for (long r = 0; r < R; r++) s2 += (y[((size_t)r * n + j) * k + i] - yb) * (y[((size_t)r * n + j) * k + i] - yb);
      s2 /= (double)R - 1;
      et[j] += 0.5 * h[i] * s2;
      within += 0.5 * h[i] * s2 / n;
      ybar[(size_t)j * k + i] = yb;
      ym += yb / n;
    }
    for (int j = 0; j < n; j++) v += (ybar[(size_t)j * k + i] - ym) * (ybar[(size_t)j * k + i] - ym) / n;
    drift += 0.5 * h[i] * v;
  }
  double em;
  mean_se(et, n, &em, &res->split_equal_time_se);
  res->split_equal_time = within;
  res->split_drift = drift - within * (n - 1.0) / n / (double)R;
}

/* The noise felt at the snapshots (replicas R, n each) and their summaries (snapshot_summaries). */
static int felt_noise(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const sgdl_stat_snapshots *snap, long R,
                      const double *xw, sgdl_stationary_study_result *res) {
  const sgdl_mlp *m = NULL;
  const sgdl_imageset *tr = NULL, *te = NULL;
  int rc = sgdl_mlp_problem_parts(sp->prob, &m, &tr, &te);
  if (rc) return sgdl_fail(ctx, rc, "stationary: --problem %s is not a network", sp->prob->type->name);
  const int k = res->net.k, n = snap->n;
  const size_t d = m->n_params, Rn = (size_t)R * (size_t)n;
  sgdl_mlp_work w;
  rc = sgdl_mlp_work_alloc(ctx, m, 256, &w);
  if (rc) return rc;
  double *buf = sgdl_alloc(ctx, 2 * Rn * k + Rn + 2 * (size_t)k + (size_t)R * (k + 2) + (size_t)n * (k + 1) + d, sizeof(double));
  res->net_felt = sgdl_alloc(ctx, 2 * (size_t)k, sizeof(double));
  if (!buf || !res->net_felt) {
    sgdl_free(buf);
    sgdl_mlp_work_free(&w);
    return SGDL_ENOMEM;
  }
  res->net_felt_se = res->net_felt + k;
  double *c = buf, *y = c + Rn * k, *loss = y + Rn * k, *sum = loss + Rn, *dx = sum + 2 * (size_t)k, *scratch = dx + d;
  for (size_t q = 0; q < Rn; q++) {
    const double *x = snap->x + q * d;
    loss[q] = noise_in_directions(m, tr, x, k, res->net.U, &w, sum, c + q * k);
    for (int i = 0; i < k; i++) c[q * k + i] *= res->cB;
    for (size_t a = 0; a < d; a++) dx[a] = x[a] - xw[a];
    for (int i = 0; i < k; i++) {
      const double *u = res->net.U + (size_t)i * d;
      double p = 0;
      for (size_t a = 0; a < d; a++) p += u[a] * dx[a];
      y[q * k + i] = p;
    }
  }
  snapshot_summaries(sp, R, n, c, y, loss, scratch, res);
  res->net_felt_n = n;
  res->has_felt = 1;
  sgdl_free(buf);
  sgdl_mlp_work_free(&w);
  return SGDL_OK;
}

/* The projected simulation, with --checkpoint's chunk store when given (the snapshots are stored with
 * their chunks, so a resumed run reports the same noise felt). */
static int simulate_checkpointed(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, long R, uint64_t burn, uint64_t steps,
                                 const double *x, const double *hess, sgdl_stat_snapshots *snap,
                                 sgdl_stationary_study_result *res) {
  ckpt_store cs;
  ckpt_chunk_store chunks;
  memset(&cs, 0, sizeof cs);
  int rc = SGDL_OK;
  if (sp->checkpoint) {
    rc = ckpt_open(ctx, &cs, sp->checkpoint, sp->version ? sp->version : "", sp->args ? sp->args : "",
                   !ctx || ctx->ranks <= 1 || ctx->rank == 0);
    ckpt_chunk_store_init(&chunks, &cs, 0);
  }
  if (!rc)
    rc = sgdl_stat_simulate_proj(ctx, sp->prob, "sgd", &sp->par, sp->seed, R, burn, steps, x, res->net.k, res->net.U, hess,
                                 snap, &res->mc, sp->checkpoint ? &chunks.store : NULL);
  if (sp->checkpoint) res->mc_resumed = chunks.store.loaded;
  ckpt_close(&cs);
  return rc;
}

int sgdl_stationary_run_network(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const char *algo = sgdl_stationary_algo(sp);
  if (strcmp(algo, "sgd"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the network's prediction is for sgd (the SME of plain SGD)", algo);
  if (sp->n_scan > 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--scan-lr: not available for a network (one --lr at a time)");
  if (sp->par.batch < 1 || (size_t)sp->par.batch > sp->prob->n_data)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is not in 1..%zu (the training examples)", sp->par.batch, sp->prob->n_data);
  const int d = sp->prob->dim;
  double *x = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  if (!x) return SGDL_ENOMEM;
  sgdl_problem_default_x0(sp->prob, sp->seed, x); /* the --init weights (else --seed's initialisation) */
  int rc = network_geometry(ctx, sp, x, res);
  if (!rc && sp->simulate) {
    const int k = res->net.k;
    double *hess = sgdl_alloc(ctx, (size_t)k * k, sizeof(double)); /* diag(h) in the projected coordinates */
    rc = hess ? SGDL_OK : SGDL_ENOMEM;
    for (int i = 0; !rc && i < k; i++) hess[(size_t)i * k + i] = res->net.h[i];
    long R = (long)sp->replicas;
    const uint64_t steps = R >= 2 ? (uint64_t)(sp->samples / R) : 0;
    const uint64_t burn = sp->burn >= 0 ? (uint64_t)sp->burn : 10000;
    if (!rc && (R < 2 || steps < 2))
      rc = sgdl_fail(ctx, SGDL_EUSAGE, "--simulate: %lld samples is fewer than 2 per replica (--replicas %lld)", sp->samples,
                     sp->replicas);
    sgdl_stat_snapshots snap = {steps < FELT_SNAPSHOTS ? (int)steps : FELT_SNAPSHOTS, NULL};
    if (!rc) snap.x = sgdl_alloc(ctx, (size_t)R * (size_t)snap.n * (size_t)d, sizeof(double));
    if (!rc && !snap.x) rc = SGDL_ENOMEM;
    if (!rc) rc = simulate_checkpointed(ctx, sp, R, burn, steps, x, hess, &snap, res);
    res->has_mc = !rc;
    if (!rc) rc = felt_noise(ctx, sp, &snap, R, x, res);
    sgdl_free(snap.x);
    sgdl_free(hess);
  }
  sgdl_free(x);
  return rc;
}
