/* The stationary study on a network (family SGDL_STATIONARY_NETWORK): an mlp problem at given weights
 * x_w (--init, a file from `sgdlab train --save`). The prediction is train --geometry's: the top-k
 * Hessian eigenpairs (h_i, u_i) and the minibatch noise c_B Sigma_1 by Lanczos over exact operator
 * products, and the SME1, SME2 and discrete stationary excess loss 1/2 tr(H Sigma) in those k
 * directions (sgdl_spectra_compute); beside it the noise-to-signal ratio at x_w. --simulate runs
 * R replicas of SGD (the dynamics layer's stepper on the problem) from x_w and averages the k
 * projections u_i . (x - x_w) after burn-in (sgdl_stat_simulate_proj), so the measured excess
 * 1/2 sum_i h_i Var(u_i . x) has a replica-spread standard error and is bitwise the same for any
 * thread count.
 * Limits: the quadratic model assumes x_w is a minimum; weights after a few epochs still drift
 * along slow directions, which the time average over a finite run sees as extra variance.
 * Does not: parse flags, print or write files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/mlp_problem.h"
#include "study/stationary_internal.h"

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

int sgdl_stationary_run_network(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const char *algo = sgdl_stationary_algo(sp);
  if (strcmp(algo, "sgd"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the network's prediction is for sgd (the SME of plain SGD)", algo);
  if (sp->n_scan > 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--scan-lr: not available for a network (one --lr at a time)");
  if (sp->checkpoint) /* the projected ensemble has no chunk store yet: refused, never silently ignored */
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--checkpoint: not available for a network's --simulate (--problem %s) yet", sp->prob ? sp->prob->type->name : "mlp");
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
    if (!rc)
      rc = sgdl_stat_simulate_proj(ctx, sp->prob, "sgd", &sp->par, sp->seed, R, burn, steps, x, k, res->net.U, hess, &res->mc);
    res->has_mc = !rc;
    sgdl_free(hess);
  }
  sgdl_free(x);
  return rc;
}
