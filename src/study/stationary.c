/* The stationary study (include/sgdlab/study_stationary.h): the entry point that dispatches on the
 * problem family, the quadratic family (exact covariance, ratios, finite-time moments, Bayes
 * learning rate, Monte Carlo check) and the Monte Carlo plan shared by every family.
 * Does not parse flags, print or write files; the other families are in stationary_families.c,
 * the learning-rate scans in stationary_scan.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/study_estimate.h"
#include "study/rounds_internal.h"
#include "study/stationary_internal.h"

void sgdl_stationary_spec_init(sgdl_stationary_spec *sp) {
  memset(sp, 0, sizeof *sp);
  sp->algo = "sgd";
  sgdl_algo_params_init(&sp->par);
  sp->adam_model = SGDL_STAT_ADAM_SELF_CONSISTENT;
  sp->replicas = 256;
  sp->burn = -1;
}

void sgdl_stationary_study_result_free(sgdl_stationary_study_result *r) {
  if (!r) return;
  double *arr[] = {r->scan_lr, r->scan_excess, r->scan_var, r->ratio, r->x0, r->mean_k, r->cov_k, r->mean_k_sme1, r->cov_k_sme1,
                   r->gauss_sigma};
  for (size_t k = 0; k < sizeof arr / sizeof *arr; k++) sgdl_free(arr[k]);
  sgdl_free(r->scan_stable);
  sgdl_stat_quad_free(&r->quad);
  sgdl_stat_linreg_free(&r->linreg);
  sgdl_fp1d_free(&r->fp[0]);
  sgdl_fp1d_free(&r->fp[1]);
  sgdl_stat_mc_free(&r->mc);
  sgdl_spectra_free(&r->net);
  sgdl_free(r->net_felt); /* net_felt_se lies in the same block */
  memset(r, 0, sizeof *r);
}

const char *sgdl_stationary_algo(const sgdl_stationary_spec *sp) { return sp->algo ? sp->algo : "sgd"; }

double sgdl_stationary_half_trace(int d, const double *A, const double *S) {
  double t = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) t += A[(size_t)i * d + j] * S[(size_t)j * d + i];
  return 0.5 * t;
}

/* --simulate N -> replicas, burn, steps. burn from the spectral radius when known. */
static int mc_plan(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, double rho, long *R, uint64_t *burn, uint64_t *steps) {
  if (sp->replicas < 2) return sgdl_fail(ctx, SGDL_EUSAGE, "--replicas: %lld must be at least 2", sp->replicas);
  if (sp->samples < 2 * sp->replicas)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--simulate: %lld samples is fewer than 2 per replica (--replicas %lld)", sp->samples, sp->replicas);
  *R = (long)sp->replicas;
  *steps = (uint64_t)(sp->samples / sp->replicas);
  if (sp->burn >= 0) *burn = (uint64_t)sp->burn;
  else if (rho > 0 && rho < 1) *burn = (uint64_t)ceil(log(1e-10) / log(rho)) + 100; /* bias from the start below 1e-10 */
  else *burn = 10000;
  return SGDL_OK;
}

int sgdl_stationary_simulate(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const sgdl_problem *p, const char *algo,
                             double rho, const double *x0, const double *hess, sgdl_stationary_study_result *res) {
  long R = 0;
  uint64_t burn = 0, steps = 0;
  int rc = mc_plan(ctx, sp, rho, &R, &burn, &steps);
  sgdl_estimate est; /* with the burn-in now known: refuse what cannot finish (study_estimate.h) */
  sgdl_estimate_stationary(sp, p->dim, (long long)burn, &est);
  if (!rc) rc = sgdl_estimate_check(ctx, &est);
  if (rc) return rc;
  sgdl_progress_fn saved = ctx->progress;
  void *saved_user = ctx->progress_user;
  if (sp->progress) {
    ctx->progress = sp->progress;
    ctx->progress_user = sp->progress_user;
  }
  ckpt_store cs;
  ckpt_chunk_store chunks;
  memset(&cs, 0, sizeof cs);
  if (sp->checkpoint) {
    rc = ckpt_open(ctx, &cs, sp->checkpoint, sp->version ? sp->version : "", sp->args ? sp->args : "",
                   !ctx || ctx->ranks <= 1 || ctx->rank == 0);
    ckpt_chunk_store_init(&chunks, &cs, 0);
  }
  if (!rc)
    rc = sgdl_stat_simulate_stored(ctx, p, algo, &sp->par, sp->nag_iterate, sp->seed, R, burn, steps, x0, hess, &res->mc,
                                   sp->checkpoint ? &chunks.store : NULL);
  if (sp->checkpoint) res->mc_resumed = chunks.store.loaded;
  ckpt_close(&cs);
  ctx->progress = saved;
  ctx->progress_user = saved_user;
  res->has_mc = !rc;
  return rc;
}

/* Exact mean and covariance after --steps steps from --x0 (default 1, ..., 1), discrete and SME1. */
static int quad_finite_time(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const int d = sp->dim;
  if (sp->finite_steps < 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--steps: %lld is negative", sp->finite_steps);
  res->x0 = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  res->mean_k = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  res->cov_k = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  res->mean_k_sme1 = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  res->cov_k_sme1 = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  if (!res->x0 || !res->mean_k || !res->cov_k || !res->mean_k_sme1 || !res->cov_k_sme1) return SGDL_ENOMEM;
  for (int i = 0; i < d; i++) res->x0[i] = sp->x0 ? sp->x0[i] : 1;
  res->finite_steps = (uint64_t)sp->finite_steps;
  int rc = sgdl_stat_quad_finite(ctx, &res->quad, res->x0, res->finite_steps, res->mean_k, res->cov_k, res->mean_k_sme1,
                                 res->cov_k_sme1);
  res->has_finite = !rc;
  return rc;
}

/* Bayes-optimal learning rate 2S/(N+S) with S from the noise model C = H / S (trace ratio). */
static int quad_bayes(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const double *C, sgdl_stationary_study_result *res) {
  const int d = sp->dim;
  const double N = sp->bayes_n;
  if (!(N >= 1)) return sgdl_fail(ctx, SGDL_EUSAGE, "--bayes-n: %g is not a data-set size", N);
  double trH = 0, trC = 0;
  for (int i = 0; i < d; i++) {
    trH += sp->H[(size_t)i * d + i];
    trC += C[(size_t)i * d + i];
  }
  res->bayes_n = N;
  res->bayes_s = trH / trC;
  res->bayes_lr = sgdl_stat_bayes_lr(N, res->bayes_s);
  res->has_bayes = 1;
  return SGDL_OK;
}

/* Monte Carlo of the algorithm on the quadratic problem (H, C) from 0. */
static int quad_simulate(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const double *C, sgdl_stationary_study_result *res) {
  sgdl_problem_spec ps;
  sgdl_problem_spec_init(&ps);
  ps.name = "quadratic";
  ps.dim = sp->dim;
  ps.H = sp->H;
  ps.C = C;
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(ctx, &ps, &p);
  double *x0 = rc ? NULL : sgdl_alloc(ctx, (size_t)sp->dim, sizeof *x0);
  if (!rc && !x0) rc = SGDL_ENOMEM;
  if (!rc) rc = sgdl_stationary_simulate(ctx, sp, p, sgdl_stationary_algo(sp), res->quad.rho, x0, sp->H, res);
  sgdl_free(x0);
  sgdl_problem_destroy(p);
  return rc;
}

/* The stationary solve and what is derived from it: ratios per eigendirection, the SME expansion parameter. */
static int quad_solve(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, int algo, const double *C, sgdl_stationary_study_result *res) {
  const int d = sp->dim;
  int rc = sgdl_stat_quad_solve_model(ctx, algo, d, sp->H, C, &sp->par, sp->nag_iterate, sp->adam_model, &res->quad);
  if (rc) return rc;
  res->has_quad = 1;
  const sgdl_stat_quad *q = &res->quad;
  res->lr_max = q->lr_max;
  res->ratio = sgdl_alloc(ctx, (size_t)2 * d, sizeof(double));
  if (!res->ratio) return SGDL_ENOMEM;
  for (int i = 0; i < d; i++) {
    res->ratio[i] = q->var_eig[0][i] / q->var_eig[1][i];
    res->ratio[d + i] = q->var_eig[0][i] / q->var_eig[2][i];
  }
  /* The SME expansions are in alpha' h / (1 - mu)^2 (SPEC 3.2b "validity"). */
  res->sme_expansion_parameter = q->lr_eff * q->g[d - 1] / ((1 - q->mu) * (1 - q->mu));
  return SGDL_OK;
}

static int run_quadratic(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  const int d = sp->dim;
  const char *aname = sgdl_stationary_algo(sp);
  const int algo = sgdl_opt_rule_from_name(aname);
  if (d < 1 || !sp->H) return sgdl_fail(ctx, SGDL_EUSAGE, "--problem quadratic needs --H (matrix) or --H-eig (eigenvalues)");
  if (algo == SGDL_OPT_NONE) return sgdl_fail(ctx, SGDL_EUSAGE, "--algo: '%s' is not one of sgd, hb, nag, adam, newton, ngd", aname);
  /* On the quadratic the gradient noise is the given C (the minibatch is already in C). */
  if (sp->par.batch != 1)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: the quadratic model takes its noise from --C (put c_B into C); --batch is for linreg/gauss-linreg");
  res->algo = algo;
  double *identity = NULL;
  const double *C = sp->C;
  if (!C) {
    identity = sgdl_alloc(ctx, (size_t)d * d, sizeof *identity);
    if (!identity) return SGDL_ENOMEM;
    for (int i = 0; i < d; i++) identity[(size_t)i * d + i] = 1;
    C = identity;
  }
  int rc;
  if (sp->n_scan > 0) {
    rc = sgdl_stat_quad_lr_max(ctx, algo, d, sp->H, C, &sp->par, &res->lr_max);
    if (!rc) rc = sgdl_stationary_scan_quadratic(ctx, sp, algo, C, res);
  } else {
    rc = quad_solve(ctx, sp, algo, C, res);
    if (!rc && sp->finite_time) rc = quad_finite_time(ctx, sp, res);
    if (!rc && sp->bayes) rc = quad_bayes(ctx, sp, C, res);
    if (!rc && sp->simulate) rc = quad_simulate(ctx, sp, C, res);
  }
  sgdl_free(identity);
  return rc;
}

int sgdl_stationary_study_run(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res) {
  memset(res, 0, sizeof *res);
  res->family = sp->family;
  res->lr = sp->par.lr;
  res->lr_max = NAN;
  if (sp->nag_iterate != SGDL_STAT_ITERATE_X && strcmp(sgdl_stationary_algo(sp), "nag"))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--nag-iterate torch: only --algo nag has a look-ahead iterate (got --algo %s)",
                     sgdl_stationary_algo(sp));
  switch (sp->family) {
    case SGDL_STATIONARY_QUADRATIC:
      res->dim = sp->dim;
      return run_quadratic(ctx, sp, res);
    case SGDL_STATIONARY_GAUSS_LINREG:
      res->dim = sp->dim;
      return sgdl_stationary_run_gauss(ctx, sp, res);
    case SGDL_STATIONARY_NETWORK:
      if (!sp->prob) return sgdl_fail(ctx, SGDL_EINVAL, "stationary study: the network family needs --problem mlp");
      res->dim = sp->prob->dim;
      return sgdl_stationary_run_network(ctx, sp, res);
    case SGDL_STATIONARY_LINREG:
    case SGDL_STATIONARY_1D:
      if (!sp->prob) return sgdl_fail(ctx, SGDL_EINVAL, "stationary study: the %s family needs a problem", sp->family == SGDL_STATIONARY_LINREG ? "linreg" : "1-D");
      res->dim = sp->prob->dim;
      return sp->family == SGDL_STATIONARY_LINREG ? sgdl_stationary_run_linreg(ctx, sp, res) : sgdl_stationary_run_1d(ctx, sp, res);
  }
  return sgdl_fail(ctx, SGDL_EINVAL, "stationary study: unknown problem family %d", (int)sp->family);
}
