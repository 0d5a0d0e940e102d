/* Weak-error and multi-point studies: runs SGD and each model over the learning rates
 * (ensembles or exact moments), then weak errors and orders (include/sgdlab/study.h). With
 * control variates every ensemble is a twin run beside the problem's affine surrogate and the
 * surrogate's exact expectations are added back (make_stepper, add_surrogate_exact). */
#include "sgdlab/study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/linalg.h"
#include "sgdlab/moments.h"
#include "sgdlab/problem.h"
#include "sgdlab/study_rounds.h"
#include "sgdlab/study_estimate.h"

double sgdl_study_dt(const sgdl_study_spec *sp, double lr) { return sp->critical_lambda > 0 || sp->sbc ? sqrt(lr) : lr; }

const char *sgdl_study_model_label(const sgdl_study_spec *sp, int m) {
  return sp->model_labels && sp->model_labels[m] ? sp->model_labels[m] : sp->models[m];
}

/* The algorithm parameters of run m (0 = the discrete algorithm, m >= 1 = model m - 1) at lr:
 * the spec's, with the model's own svag l where the spec lists one. */
static sgdl_algo_params run_params(const sgdl_study_spec *sp, int m, double lr) {
  sgdl_algo_params par = sp->par;
  par.lr = lr;
  if (m > 0 && sp->model_svag_l && sp->model_svag_l[m - 1] > 0) par.svag_l = sp->model_svag_l[m - 1];
  return par;
}

uint64_t sgdl_study_steps(double T, double lr) {
  double k = floor(T / lr + 0.5);
  return k < 1 ? 1 : (uint64_t)k;
}

double sgdl_study_output_time(const sgdl_study_spec *sp, double lr, uint64_t j) {
  const double dt = sgdl_study_dt(sp, lr);
  return (double)sgdl_ensemble_output_step(j, sgdl_study_steps(sp->T, dt), sp->every) * dt;
}

void sgdl_study_result_free(sgdl_study_result *r) {
  if (r->series) {
    size_t n = (size_t)(r->n_models + 1) * r->n_lr * r->n_stat;
    for (size_t i = 0; i < n; i++) {
      free(r->series[i].mean);
      free(r->series[i].se);
    }
  }
  free(r->series);
  free(r->errors);
  free(r->orders);
  free(r->stat_names);
  free(r->coupled);
  memset(r, 0, sizeof *r);
}

/* Raw observables: the user's, then x_i of particles p and q for each covariance pair, and dot[p,q]. */
typedef struct {
  int n_raw;
  sgdl_observable *raw;
  int *cov_idx; /* [n_cov][2d + 1]: indices of x_i@p (d), x_i@q (d), dot[p,q] */
} raw_list;

/* Control variates (SGDL_VR_CONTROL_VARIATE): the problem's affine surrogate around
 * surrogate_point (the first start, or the gradient flow from it at T/2) and its exact-moment data. Every Monte Carlo run is then a twin (the run on the
 * problem in the first half of the particles, the same run on the surrogate in the second). */
typedef struct {
  sgdl_problem *sur;
  sgdl_affine aff;
} cv_data;

/* Plain runs (pair = 0): [user obs | cov raws]. Coupled pairs (pair = 1, particles shifted by
 * P for the model half): [user obs on the model | differences SGD - model | cov raws of SGD |
 * cov raws of the model]. With a surrogate (cv_prob) the user observables (not a problem's named
 * ones) subtract their surrogate value: twin runs, the surrogate half shifted by P (plain) or 2 P
 * (pairs); the cov raws stay plain. */
static int build_raw(sgdl_ctx *ctx, const sgdl_study_spec *sp, int pair, const sgdl_problem *cv_prob, raw_list *rl) {
  const int d = sp->prob->dim, P = sp->P, halves = pair ? 2 : 1;
  rl->n_raw = sp->n_obs * halves + halves * sp->n_cov * (2 * d + 1);
  rl->raw = calloc((size_t)rl->n_raw + 1, sizeof *rl->raw);
  rl->cov_idx = calloc((size_t)halves * sp->n_cov * (2 * d + 1) + 1, sizeof(int));
  if (!rl->raw || !rl->cov_idx) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  memcpy(rl->raw, sp->obs, sizeof *rl->raw * (size_t)sp->n_obs);
  int k = sp->n_obs;
  if (pair) {
    for (int o = 0; o < sp->n_obs; o++) {
      rl->raw[o].p += P; /* the model half */
      rl->raw[o].q += P;
      rl->raw[k] = sp->obs[o];
      rl->raw[k++].shift = P;
    }
  }
  for (int o = 0; o < k && cv_prob; o++)
    if (rl->raw[o].kind != SGDL_OBS_NAMED) {
      rl->raw[o].cv = halves * P;
      rl->raw[o].cv_prob = cv_prob;
    }
  for (int cc = 0; cc < halves * sp->n_cov; cc++) {
    const int c = cc % sp->n_cov, off = cc >= sp->n_cov ? P : 0;
    int p = sp->cov_pairs[2 * c] + off, q = sp->cov_pairs[2 * c + 1] + off;
    for (int side = 0; side < 2; side++)
      for (int i = 0; i < d; i++) {
        sgdl_observable *o = &rl->raw[k];
        o->kind = SGDL_OBS_X;
        o->i = i;
        o->p = side ? q : p;
        snprintf(o->name, sizeof o->name, "x%d@%d", i, o->p);
        rl->cov_idx[cc * (2 * d + 1) + side * d + i] = k++;
      }
    sgdl_observable *o = &rl->raw[k];
    o->kind = SGDL_OBS_DOT;
    o->p = p;
    o->q = q;
    snprintf(o->name, sizeof o->name, "dot[%d,%d]", p, q);
    rl->cov_idx[cc * (2 * d + 1) + 2 * d] = k++;
  }
  return SGDL_OK;
}

typedef struct {
  int d;
} cov_user;

/* tr Cov = E dot - sum_i E x_pi E x_qi; means = [x_p (d), x_q (d), dot] */
static double cov_fn(const double *mm, void *user) {
  int d = ((cov_user *)user)->d;
  double s = mm[2 * d];
  for (int i = 0; i < d; i++) s -= mm[i] * mm[d + i];
  return s;
}

/* cov(SGD half) - cov(model half): means = [SGD raws (2d+1), model raws (2d+1)] */
static double cov_diff_fn(const double *mm, void *user) {
  int d = ((cov_user *)user)->d;
  return cov_fn(mm, user) - cov_fn(mm + 2 * d + 1, user);
}

static int alloc_series(sgdl_ctx *ctx, sgdl_study_series *s, uint64_t T) {
  s->n_times = T;
  s->mean = calloc(T, sizeof(double));
  s->se = calloc(T, sizeof(double));
  if (!s->mean || !s->se) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  return SGDL_OK;
}

static void free_series(sgdl_study_series *s, int n);
static int run_exact(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_affine *a, int mi, const char *name, double lr,
                     sgdl_study_series *out);

/* The stepper of one Monte Carlo run: `name` alone, or SGD beside it (pair); with control variates
 * the twin of that stepper and the same one on the surrogate (same seed and stream). */
static int make_stepper(sgdl_ctx *ctx, const sgdl_study_spec *sp, const cv_data *cv, const char *name,
                        const sgdl_algo_params *par, uint32_t stream, int pair, sgdl_stepper **st) {
  const char *algo = sp->algo ? sp->algo : "sgd";
  int rc = pair ? sgdl_stepper_create_pair(ctx, algo, name, sp->prob, par, sp->seed, stream, sp->P, st)
                : sgdl_stepper_create(ctx, name, sp->prob, par, sp->seed, stream, sp->P, st);
  if (rc || !cv) return rc;
  /* An SME's noise on the surrogate in the problem's form (cost rule), so the same normals drive both. */
  sgdl_algo_params ps = *par;
  const char *nf = sgdl_noise_form(sp->prob, name, par);
  if (nf) ps.noise_form = !strcmp(nf, "n-column") ? SGDL_NOISE_FORM_N_COLUMN : SGDL_NOISE_FORM_SQRT_SIGMA;
  sgdl_stepper *main = *st, *shadow = NULL;
  *st = NULL;
  rc = pair ? sgdl_stepper_create_pair(ctx, algo, name, cv->sur, &ps, sp->seed, stream, sp->P, &shadow)
            : sgdl_stepper_create(ctx, name, cv->sur, &ps, sp->seed, stream, sp->P, &shadow);
  if (rc) {
    sgdl_stepper_destroy(main);
    return rc;
  }
  return sgdl_stepper_create_twin(ctx, main, shadow, st);
}

/* Control variates: add the surrogate's exact expectations to the twin run's residual means
 * (user observables with a surrogate value only): E f~ of `name` to raw o (the run, or a pair's
 * model half), and E f~(SGD) - E f~(model) to a pair's differences n_obs + o. */
static int add_surrogate_exact(sgdl_ctx *ctx, const sgdl_study_spec *sp, const cv_data *cv, int m, const char *name, double lr,
                               int pair, sgdl_ensemble_result *er) {
  const int ns = sp->n_obs + sp->n_cov;
  sgdl_study_series *em = calloc((size_t)ns, sizeof *em), *es = calloc((size_t)ns, sizeof *es);
  int rc = em && es ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (!rc) rc = run_exact(ctx, sp, &cv->aff, m, name, lr, em);
  if (!rc && pair) rc = run_exact(ctx, sp, &cv->aff, 0, sp->algo ? sp->algo : "sgd", lr, es);
  const uint64_t T = er->n_times;
  for (int o = 0; o < sp->n_obs && !rc; o++) {
    if (sp->obs[o].kind == SGDL_OBS_NAMED) continue;
    for (uint64_t t = 0; t < T && t < em[o].n_times; t++) {
      er->mean[(size_t)o * T + t] += em[o].mean[t];
      if (pair) er->mean[(size_t)(sp->n_obs + o) * T + t] += es[o].mean[t] - em[o].mean[t];
    }
  }
  free_series(em, em ? ns : 0);
  free_series(es, es ? ns : 0);
  return rc;
}

/* Monte Carlo run of one stepper name; fills series[stat] for every statistic. */
/* With diff != NULL the run is a coupled pair (SGD beside the model) and diff receives the
 * per-path differences E f(SGD) - E f(model). */
/* With antithetic pairs (sp->variance_reduction & SGDL_VR_ANTITHETIC) the stepper is wrapped beside its
 * mirror (sample mirror `mirror`, NULL without a data set) and paths/2 replicas run. */
static int run_mc(sgdl_ctx *ctx, const sgdl_study_spec *sp, const raw_list *rl, int m, const cv_data *cv, const uint32_t *mirror,
                  const char *name, double lr, uint32_t stream, int substeps, sgdl_study_series *out, sgdl_study_series *diff) {
  sgdl_algo_params par = run_params(sp, m, lr);
  par.substeps = substeps;
  if (sp->critical_lambda > 0) par.momentum = 1 - sp->critical_lambda * sqrt(lr);
  if (sp->sbc) {
    par.sbc = 1;
    par.momentum = 0; /* unused: the schedule sets it */
  }
  sgdl_stepper *st = NULL;
  const int anti = (sp->variance_reduction & SGDL_VR_ANTITHETIC) != 0;
  const int P = (anti ? 2 : 1) * (diff ? 2 : 1) * (cv ? 2 : 1) * sp->P;
  int rc = make_stepper(ctx, sp, cv, name, &par, stream, diff != NULL, &st);
  if (!rc && anti) rc = sgdl_stepper_create_antithetic(ctx, st, mirror, &st);
  if (rc) return rc;
  const uint64_t K = sgdl_study_steps(sp->T, sgdl_study_dt(sp, lr));
  double *x0 = malloc(sizeof(double) * (size_t)P * sp->prob->dim);
  if (!x0) {
    sgdl_stepper_destroy(st);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  }
  for (int h = 0; h < P / sp->P; h++) memcpy(x0 + (size_t)h * sp->P * sp->prob->dim, sp->x0, sizeof(double) * sp->P * sp->prob->dim);
  sgdl_ensemble_plan plan = {st, P, x0, anti ? sp->paths / 2 : sp->paths, K, rl->n_raw, rl->raw, 0, sp->every};
  sgdl_ensemble_result er;
  if (sp->torch_iterate && !diff && st->type->is_discrete) /* the reference reported where PyTorch does */
    rc = sgdl_ensemble_run_lookahead(ctx, &plan, par.momentum, &er);
  else
    rc = sp->rounds ? sgdl_study_rounds_ensemble(ctx, sp->rounds, lr, stream, &plan, &er) : sgdl_ensemble_run(ctx, &plan, &er);
  const char *wrapper = st->type->name;
  if (rc == SGDL_EDIVERGED && strcmp(wrapper, name) && !strncmp(ctx->msg, wrapper, strlen(wrapper))) {
    /* the ensemble named the wrapper stepper ("pair", "twin", "antithetic"): name the model */
    char rest[sizeof ctx->msg];
    snprintf(rest, sizeof rest, "%s", ctx->msg + strlen(wrapper));
    rc = sgdl_fail(ctx, rc, "%s%s%s", name, diff ? " (or SGD, run beside it on common random numbers)" : "", rest);
  }
  sgdl_stepper_destroy(st);
  free(x0);
  if (rc) return rc;
  if (cv && (rc = add_surrogate_exact(ctx, sp, cv, m, name, lr, diff != NULL, &er))) {
    sgdl_ensemble_result_free(&er);
    return rc;
  }
  const int d = sp->prob->dim, w = 2 * d + 1;
  const uint64_t nt = er.n_times; /* the output times (sp->every) */
  for (int o = 0; o < sp->n_obs && !rc; o++) {
    rc = alloc_series(ctx, &out[o], nt);
    if (!rc && diff) rc = alloc_series(ctx, &diff[o], nt);
    if (!rc) {
      memcpy(out[o].mean, er.mean + (size_t)o * nt, sizeof(double) * nt);
      memcpy(out[o].se, er.se + (size_t)o * nt, sizeof(double) * nt);
      out[o].dof = (double)er.paths - 1; /* replicas: paths, or antithetic pairs (each one mean) */
      if (diff) {
        diff[o].dof = (double)er.paths - 1;
        memcpy(diff[o].mean, er.mean + (size_t)(sp->n_obs + o) * nt, sizeof(double) * nt);
        memcpy(diff[o].se, er.se + (size_t)(sp->n_obs + o) * nt, sizeof(double) * nt);
      }
    }
  }
  cov_user cu = {d};
  /* The jackknife variance has G - 1 degrees of freedom (G chunk groups): with few groups (a few
   * chunks of 256 replicas) normal quantiles make the intervals too narrow (3 groups: an exact cov
   * of 5.6e-4 outside [2.1e-3, 1.24e-2]). The covariances' series carry dof = G - 1, and the weak
   * errors take Student's quantile at that dof and the Bonferroni level (sgdl_sup_error_eval_dof). */
  const double cov_dof = er.n_chunks >= 2 ? er.n_chunks - 1 : 0;
  for (int c = 0; c < sp->n_cov && !rc; c++) {
    sgdl_study_series *s = &out[sp->n_obs + c];
    rc = alloc_series(ctx, s, nt);
    const int *sgd_idx = rl->cov_idx + c * w, *mod_idx = rl->cov_idx + (diff ? sp->n_cov + c : c) * w;
    for (uint64_t t = 0; t < nt && !rc; t++) rc = sgdl_ensemble_jackknife(ctx, &er, t, w, mod_idx, cov_fn, &cu, &s->mean[t], &s->se[t]);
    s->dof = cov_dof;
    if (!rc && diff) {
      sgdl_study_series *dd = &diff[sp->n_obs + c];
      int both[64];
      for (int i = 0; i < w && 2 * w <= 64; i++) {
        both[i] = sgd_idx[i];
        both[w + i] = mod_idx[i];
      }
      rc = 2 * w <= 16 ? alloc_series(ctx, dd, nt)
                       : sgdl_fail(ctx, SGDL_ENOTSUP, "--coupling: covariance statistics need dimension <= 3");
      for (uint64_t t = 0; t < nt && !rc; t++)
        rc = sgdl_ensemble_jackknife(ctx, &er, t, 2 * w, both, cov_diff_fn, &cu, &dd->mean[t], &dd->se[t]);
      dd->dof = cov_dof;
    }
  }
  sgdl_ensemble_result_free(&er);
  return rc;
}

static void free_series(sgdl_study_series *s, int n) {
  for (int i = 0; s && i < n; i++) {
    free(s[i].mean);
    free(s[i].se);
  }
  free(s);
}

static int run_exact(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_affine *a, int mi, const char *name, double lr,
                     sgdl_study_series *out) {
  const int d = a->d, n = sp->P * d;
  const uint64_t K = sgdl_study_steps(sp->T, lr);
  const double cB = sgdl_minibatch_factor(sp->prob->n_data, sp->par.batch, sp->par.without_replacement);
  double *m = malloc(sizeof(double) * (size_t)n * (K + 1)), *M = malloc(sizeof(double) * (size_t)n * n * (K + 1));
  if (!m || !M) {
    free(m);
    free(M);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory for exact moments");
  }
  sgdl_algo_params par = run_params(sp, mi, lr);
  int rc = sgdl_affine_moments_par(ctx, a, name, &par, cB, sp->P, sp->x0, K, m, M);
  const uint64_t nt = sgdl_ensemble_n_outputs(K, sp->every); /* moments at every step, kept at the outputs */
  for (int s = 0; s < sp->n_obs + sp->n_cov && !rc; s++) {
    rc = alloc_series(ctx, &out[s], nt);
    for (uint64_t j = 0; j < nt && !rc; j++) {
      const uint64_t t = sgdl_ensemble_output_step(j, K, sp->every);
      const double *mt = m + t * n, *Mt = M + t * (size_t)n * n;
      if (s < sp->n_obs) {
        out[s].mean[j] = sgdl_affine_observable(a, &sp->obs[s], sp->P, mt, Mt);
      } else {
        int c = s - sp->n_obs, p = sp->cov_pairs[2 * c], q = sp->cov_pairs[2 * c + 1];
        double v = 0;
        for (int i = 0; i < d; i++) v += Mt[(size_t)(p * d + i) * n + q * d + i] - mt[p * d + i] * mt[q * d + i];
        out[s].mean[j] = v;
      }
    }
  }
  free(m);
  free(M);
  return rc;
}

/* The study's progress: an inner run's fraction f maps to (run + f) / runs of the caller's bar. */
typedef struct {
  sgdl_progress_fn outer;
  void *outer_user;
  double base, span;
} nested_progress;

static void nested_report(void *user, double f) {
  const nested_progress *np = user;
  np->outer(np->outer_user, np->base + np->span * f);
}

/* No learning rate, model (with its svag l) or observable listed twice: a repeated lr reran the same
 * seeds, and the order fit counted one estimate as two points (an interval of zero width); repeated
 * models and observables gave rows that results.json could not tell apart. */
static int check_distinct(sgdl_ctx *ctx, const sgdl_study_spec *sp) {
  for (int i = 0; i < sp->n_lr; i++)
    for (int k = 0; k < i; k++)
      if (sp->lrs[k] == sp->lrs[i])
        return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is listed twice (the same runs twice would count as two points of the order fit)",
                         sp->lrs[i]);
  for (int m = 0; m < sp->n_models; m++)
    for (int k = 0; k < m; k++) {
      const int lm = sp->model_svag_l ? sp->model_svag_l[m] : 0, lk = sp->model_svag_l ? sp->model_svag_l[k] : 0;
      if (!strcmp(sp->models[k], sp->models[m]) && lk == lm)
        return sgdl_fail(ctx, SGDL_EINVAL, "--models: '%s' is listed twice", sgdl_study_model_label(sp, m));
    }
  for (int s = 0; s < sp->n_obs; s++)
    for (int k = 0; k < s; k++)
      if (!strcmp(sp->obs[k].name, sp->obs[s].name))
        return sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' is listed twice", sp->obs[s].name);
  return SGDL_OK;
}

/* Validation of the spec before anything is allocated; errors name the flag. */
static int check_spec(sgdl_ctx *ctx, const sgdl_study_spec *sp) {
  for (int i = 0; i < sp->n_lr; i++)
    if (!(sp->lrs[i] > 0) || !isfinite(sp->lrs[i]))
      return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive learning rate", sp->lrs[i]);
  if (!(sp->T > 0) || !isfinite(sp->T)) return sgdl_fail(ctx, SGDL_EINVAL, "--T: %g is not a positive horizon", sp->T);
  if (check_distinct(ctx, sp)) return ctx->status;
  for (int i = 0; i < sp->n_lr && sp->critical_lambda > 0; i++)
    if (!(sp->critical_lambda * sqrt(sp->lrs[i]) < 1))
      return sgdl_fail(ctx, SGDL_EINVAL, "--lambda %g: mu = 1 - lambda sqrt(%g) is not in [0, 1)", sp->critical_lambda, sp->lrs[i]);
  for (int i = 0; i < sp->n_lr; i++) {
    double K = sp->T / sgdl_study_dt(sp, sp->lrs[i]);
    if (fabs(K - floor(K + 0.5)) > 1e-6 * K)
      return sgdl_fail(ctx, SGDL_EINVAL, "--T %g is not a whole number of steps at --lr %g (%s = %g)", sp->T, sp->lrs[i],
                       sp->critical_lambda > 0 ? "T/sqrt(lr)" : "T/lr", K);
    if (K > 1e8) return sgdl_fail(ctx, SGDL_EINVAL, "--T/--lr: %g steps is too many", K);
    if (sp->every > 1 && (double)sp->every > floor(K + 0.5))
      return sgdl_fail(ctx, SGDL_EINVAL, "--every %llu: larger than the %g steps to --T %g at --lr %g (at most %g)",
                       (unsigned long long)sp->every, floor(K + 0.5), sp->T, sp->lrs[i], floor(K + 0.5));
  }
  if (sp->prob->n_data && (size_t)sp->par.batch > sp->prob->n_data)
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is larger than the data set (N = %zu)", sp->par.batch, sp->prob->n_data);
  const char *algo = sp->algo ? sp->algo : "sgd";
  const sgdl_stepper_type *at = sgdl_stepper_find(algo);
  const int rule = at ? at->desc.rule : SGDL_OPT_NONE;
  if (rule != SGDL_OPT_SGD && rule != SGDL_OPT_HB && rule != SGDL_OPT_NAG)
    return sgdl_fail(ctx, SGDL_EINVAL, "--algo: '%s' must be sgd, hb or nag", algo);
  if (sp->sbc && (rule != SGDL_OPT_NAG || sp->critical_lambda > 0))
    return sgdl_fail(ctx, SGDL_EINVAL, "--schedule sbc: needs --algo nag and no --lambda");
  if (sp->critical_lambda > 0 && rule != SGDL_OPT_HB && rule != SGDL_OPT_NAG)
    return sgdl_fail(ctx, SGDL_EINVAL, "--lambda: the critical scaling is for --algo hb or nag");
  if (sp->torch_iterate && (rule != SGDL_OPT_NAG || sp->sbc || sp->coupling || sp->rounds || sp->exact))
    return sgdl_fail(ctx, SGDL_EINVAL, "--nag-iterate torch: needs --algo nag with constant momentum, and no --coupling, "
                     "--precision or --exact");
  if (sp->exact && rule != SGDL_OPT_SGD)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--exact: exact moments are for --algo sgd (use Monte Carlo for %s)", algo);
  for (int m = 0; m < sp->n_models; m++) {
    const sgdl_stepper_type *t = sgdl_stepper_find(sp->models[m]);
    if (!t || t->is_discrete)
      return sgdl_fail(ctx, SGDL_EINVAL, "--models: '%s' is not a model (gf, sme1, sme2, smf1, smf2, msme1, msme2, usme, svag)",
                       sp->models[m]);
    if (sp->exact && t->desc.momentum == SGDL_MOMENTUM_MSME)
      return sgdl_fail(ctx, SGDL_ENOTSUP, "--exact: no exact moments for %s", sp->models[m]);
  }
  if (sp->variance_reduction & SGDL_VR_ANTITHETIC) {
    if (sp->exact || sp->torch_iterate)
      return sgdl_fail(ctx, SGDL_EINVAL, "--variance-reduction antithetic: needs Monte Carlo (no --exact or --nag-iterate torch)");
    if (sp->paths < 4 || sp->paths % 2)
      return sgdl_fail(ctx, SGDL_EINVAL, "--paths %llu: --variance-reduction antithetic runs pairs, an even number >= 4",
                       (unsigned long long)sp->paths);
  }
  if (sp->variance_reduction & SGDL_VR_CONTROL_VARIATE) {
    if (sp->exact || !sp->prob->n_data || rule != SGDL_OPT_SGD)
      return sgdl_fail(ctx, SGDL_EINVAL, "--variance-reduction control-variate: needs Monte Carlo (no --exact), a finite "
                       "data set (linreg, logreg) and --algo sgd");
    static const char *const exact_models[] = {"gf", "sme1", "sme2", "smf1", "smf2", "svag", NULL};
    for (int m = 0; m < sp->n_models; m++) {
      int known = 0;
      for (int k = 0; exact_models[k]; k++) known |= !strcmp(sp->models[m], exact_models[k]);
      if (!known)
        return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction control-variate: no exact surrogate moments for model %s "
                         "(gf, sme1, sme2, smf1, smf2, svag)", sp->models[m]);
    }
  }
  sgdl_estimate est; /* refuse what cannot fit in memory or finish (study_estimate.h) */
  sgdl_estimate_study(sp, &est);
  if (sgdl_estimate_check(ctx, &est)) return ctx->status;
  return SGDL_OK;
}

/* One study's working state: the raw observable lists (plain and coupled), the coupled
 * differences per (model, statistic), the affine extraction for exact runs, and the progress nesting. */
typedef struct {
  sgdl_ctx *ctx;
  const sgdl_study_spec *sp;
  sgdl_study_result *r;
  raw_list rl, rlp;          /* plain runs; coupled pairs */
  sgdl_study_series *diff;   /* [n_models][n_stat]: SGD - model differences of the coupled runs */
  sgdl_affine aff;           /* exact runs only */
  cv_data cv;                /* control variates: the surrogate and its affine data */
  const cv_data *cvp;        /* &cv with control variates, else NULL */
  uint32_t *mirror;          /* antithetic pairs on a finite data set: the sample mirror (N), else NULL */
  nested_progress np;
} weak_run;

/* Antithetic pairs: every raw observable averages its value with the mirror half's (particles shifted
 * by the width of the run it belongs to), and a finite data set's sample mirror at the first start. */
static int prepare_antithetic(weak_run *w) {
  const sgdl_study_spec *sp = w->sp;
  const int inner = (w->cvp ? 2 : 1) * sp->P;
  for (int o = 0; o < w->rl.n_raw; o++) w->rl.raw[o].anti = inner;
  for (int o = 0; o < w->rlp.n_raw; o++) w->rlp.raw[o].anti = 2 * inner;
  if (!sp->prob->n_data) return SGDL_OK;
  w->mirror = malloc(sizeof *w->mirror * sp->prob->n_data);
  if (!w->mirror) return sgdl_fail(w->ctx, SGDL_ENOMEM, "out of memory");
  /* the noise at the first start; adding points along the gradient flow (t = T/2, T) to the cost
   * measured 1.1x more on E x0 (bench/RESULTS.md section 16), not worth its code */
  return sgdl_sample_mirror(w->ctx, sp->prob, 1, sp->x0, w->mirror);
}

/* The control variates' expansion point (at: 5 d doubles, the first d receive it): the first
 * start for an affine problem (its surrogate is the problem wherever it is expanded, and the
 * numbers stay those of the start), else the gradient flow of L from the first start at T/2 (RK4,
 * 64 steps). Any point keeps the estimate unbiased (the exact moments are the surrogate's own,
 * from the true start); the middle of the path keeps the surrogate closer to where the paths go
 * than the start does: on logreg (N = 256, d = 3, T = 1) 1.6-1.9x narrower intervals than
 * expanding at x0 = 0 (at 3T/4 about the same, at T wider). */
static void surrogate_point(const sgdl_study_spec *sp, double *at) {
  const sgdl_problem *p = sp->prob;
  const int d = p->dim, n = 64;
  memcpy(at, sp->x0, sizeof(double) * (size_t)d);
  if (p->affine) return;
  double *k = at + d, *y = at + 4 * d; /* k[0..2] hold the first three stages, then the sum */
  const double h = 0.5 * sp->T / n;
  for (int s = 0; s < n; s++) {
    p->type->grad(p, at, k);                                            /* k1 */
    for (int i = 0; i < d; i++) y[i] = at[i] - 0.5 * h * k[i];
    p->type->grad(p, y, k + d);                                         /* k2 */
    for (int i = 0; i < d; i++) y[i] = at[i] - 0.5 * h * k[d + i];
    p->type->grad(p, y, k + 2 * d);                                     /* k3 */
    for (int i = 0; i < d; i++) y[i] = at[i] - h * k[2 * d + i];
    for (int i = 0; i < d; i++) k[i] += 2 * k[d + i] + 2 * k[2 * d + i]; /* k1 + 2 k2 + 2 k3 */
    p->type->grad(p, y, k + d);                                         /* k4 */
    for (int i = 0; i < d; i++) at[i] -= h / 6 * (k[i] + k[d + i]);
  }
}

/* Control variates need a surrogate whose paths stay near the problem's over the horizon. Where the
 * surrogate's mean Hessian has a negative eigenvalue lambda_min at the expansion point (a non-convex
 * problem such as meanfield), its moments grow like exp(2 |lambda_min| T): the control variate stays
 * unbiased but adds that growth to the variance (on meanfield's defaults, growth 27, the gf error at
 * lr 0.4 came out 24 against 0.3 without). Refused once the growth exceeds CV_MAX_GROWTH (growth 4.5,
 * meanfield with 4 neurons, 8 samples and T = 0.8, still gave intervals like plain Monte Carlo's);
 * a convex surrogate (linreg, logreg) always passes. */
#define CV_MAX_GROWTH 10.0
static int check_surrogate_stable(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_affine *a) {
  const int d = a->d;
  double *w = malloc(sizeof(double) * ((size_t)d + (size_t)d * d));
  if (!w) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  int rc = sgdl_symeig(ctx, d, a->Abar, w, w + d);
  const double lambda_min = w[0], growth = exp(2 * fmax(-lambda_min, 0) * sp->T);
  free(w);
  if (rc) return rc;
  if (growth > CV_MAX_GROWTH)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction control-variate: the affine surrogate of problem %s (expanded "
                     "on the gradient flow at T/2) has a mean Hessian with a negative eigenvalue lambda_min = %.4g, so its "
                     "moments grow like exp(2 |lambda_min| T) = %.3g over --T %g (at most %g allowed): the control variate "
                     "would swamp the estimate with variance; run without it (or with a shorter --T)",
                     sp->prob->type->name, lambda_min, growth, sp->T, CV_MAX_GROWTH);
  return SGDL_OK;
}

/* Allocate the result arrays and prepare the raw lists, coupling flags, affine data and statistic names. */
static int prepare(weak_run *w) {
  sgdl_ctx *ctx = w->ctx;
  const sgdl_study_spec *sp = w->sp;
  sgdl_study_result *r = w->r;
  const size_t nser = (size_t)(sp->n_models + 1) * sp->n_lr * r->n_stat;
  r->series = calloc(nser, sizeof *r->series);
  r->errors = calloc((size_t)sp->n_models * sp->n_lr * r->n_stat + 1, sizeof *r->errors);
  r->orders = calloc((size_t)sp->n_models * r->n_stat + 1, sizeof *r->orders);
  r->stat_names = calloc((size_t)r->n_stat + 1, sizeof *r->stat_names);
  w->diff = calloc((size_t)sp->n_models * r->n_stat + 1, sizeof *w->diff);
  int rc = (r->series && r->errors && r->orders && r->stat_names) ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (!rc && !w->diff) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (!rc && (sp->variance_reduction & SGDL_VR_CONTROL_VARIATE) && !sp->exact) {
    double *at = calloc(5 * (size_t)sp->prob->dim, sizeof(double));
    rc = at ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
    if (!rc) surrogate_point(sp, at);
    if (!rc) rc = sgdl_problem_affine_surrogate(ctx, sp->prob, at, &w->cv.sur);
    free(at);
    if (!rc) rc = sgdl_affine_extract(ctx, w->cv.sur, &w->cv.aff);
    if (!rc) rc = check_surrogate_stable(ctx, sp, &w->cv.aff);
    if (!rc) w->cvp = &w->cv;
  }
  if (!rc) rc = build_raw(ctx, sp, 0, w->cvp ? w->cv.sur : NULL, &w->rl);
  r->coupled = calloc((size_t)sp->n_models + 1, sizeof(int));
  if (!rc && !r->coupled) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  int any_coupled = 0;
  for (int m = 0; !rc && m < sp->n_models; m++) {
    r->coupled[m] = sp->coupling && !sp->exact && sgdl_coupling_possible(sp->prob, sp->models[m], sp->P, &sp->par);
    any_coupled |= r->coupled[m];
  }
  if (!rc && any_coupled) rc = build_raw(ctx, sp, 1, w->cvp ? w->cv.sur : NULL, &w->rlp);
  if (!rc && sp->exact) rc = sgdl_affine_extract(ctx, sp->prob, &w->aff);
  if (!rc && (sp->variance_reduction & SGDL_VR_ANTITHETIC)) rc = prepare_antithetic(w);
  for (int s = 0; s < r->n_stat && !rc; s++) {
    if (s < sp->n_obs) snprintf(r->stat_names[s], 48, "%s", sp->obs[s].name);
    else snprintf(r->stat_names[s], 48, "cov[%d,%d]", sp->cov_pairs[2 * (s - sp->n_obs)], sp->cov_pairs[2 * (s - sp->n_obs) + 1]);
  }
  return rc;
}

/* Talay-Tubaro extrapolation of model m (1-based): 2 E_{2m} - E_m with independent streams at m and
 * 2m substeps; standard errors combine in quadrature. Coupled: the differences combine the same
 * way, 2 D_{2m} - D_m. */
static int run_talay_tubaro(weak_run *w, const char *name, double lr, int m, sgdl_study_series *out) {
  sgdl_ctx *ctx = w->ctx;
  const sgdl_study_spec *sp = w->sp;
  const int ns = w->r->n_stat;
  sgdl_study_series *coarse = calloc((size_t)ns, sizeof *coarse);
  const int cpl = w->r->coupled[m - 1];
  sgdl_study_series *dc = cpl ? calloc((size_t)ns, sizeof *dc) : NULL;
  sgdl_study_series *df = cpl ? w->diff + (size_t)(m - 1) * ns : NULL;
  const raw_list *use = cpl ? &w->rlp : &w->rl;
  int rc = (coarse && (!cpl || dc)) ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  w->np.span /= 3; /* the coarse run costs a third of the pair, the fine run two thirds */
  if (!rc) rc = run_mc(ctx, sp, use, m, w->cvp, w->mirror, name, lr, (uint32_t)(2 * m), sp->par.substeps, coarse, dc);
  w->np.base += w->np.span;
  w->np.span *= 2;
  if (!rc) rc = run_mc(ctx, sp, use, m, w->cvp, w->mirror, name, lr, (uint32_t)(2 * m + 1), 2 * sp->par.substeps, out, df);
  for (int s = 0; s < ns && !rc; s++)
    for (uint64_t t = 0; t < out[s].n_times; t++) {
      out[s].mean[t] = 2 * out[s].mean[t] - coarse[s].mean[t];
      out[s].se[t] = sqrt(4 * out[s].se[t] * out[s].se[t] + coarse[s].se[t] * coarse[s].se[t]);
      if (df) {
        df[s].mean[t] = 2 * df[s].mean[t] - dc[s].mean[t];
        df[s].se[t] = sqrt(4 * df[s].se[t] * df[s].se[t] + dc[s].se[t] * dc[s].se[t]);
      }
    }
  free_series(coarse, ns);
  free_series(dc, cpl ? ns : 0);
  return rc;
}

/* Run m (0 = the discrete algorithm, m >= 1 = model m - 1) at learning rate li: exact moments,
 * Talay-Tubaro, a coupled pair, or a plain Monte Carlo ensemble. Its progress is a slice of the study's. */
static int run_one(weak_run *w, int li, int m) {
  sgdl_ctx *ctx = w->ctx;
  const sgdl_study_spec *sp = w->sp;
  sgdl_study_result *r = w->r;
  const double lr = sp->lrs[li];
  const char *name = m == 0 ? (sp->algo ? sp->algo : "sgd") : sp->models[m - 1];
  sgdl_study_series *out = SGDL_STUDY_SERIES(r, m, li, 0);
  if (w->np.outer) { /* the inner ensemble's fraction becomes a slice of the whole study */
    const double runs = (double)sp->n_lr * (sp->n_models + 1);
    w->np.base = (li * (sp->n_models + 1) + m) / runs;
    w->np.span = 1.0 / runs;
    ctx->progress = nested_report;
    ctx->progress_user = &w->np;
  }
  int rc;
  if (sp->exact) rc = run_exact(ctx, sp, &w->aff, m, name, lr, out);
  else if (m > 0 && sp->talay_tubaro && sgdl_stepper_find(name)->desc.noise != SGDL_NOISE_SAMPLED) rc = run_talay_tubaro(w, name, lr, m, out);
  else if (m > 0 && r->coupled[m - 1])
    rc = run_mc(ctx, sp, &w->rlp, m, w->cvp, w->mirror, name, lr, (uint32_t)(2 * m), sp->par.substeps, out, w->diff + (size_t)(m - 1) * r->n_stat);
  else rc = run_mc(ctx, sp, &w->rl, m, w->cvp, w->mirror, name, lr, (uint32_t)(2 * m), sp->par.substeps, out, NULL);
  ctx->progress = w->np.outer;
  ctx->progress_user = w->np.outer_user;
  return rc;
}

/* Weak errors at learning rate li: sup over time of |E f(SGD) - E f(model)| per model and
 * statistic, from the coupled differences (freed here) or from the two separate series. */
static int weak_errors_at(weak_run *w, int li) {
  const sgdl_study_spec *sp = w->sp;
  sgdl_study_result *r = w->r;
  for (int m = 1; m <= sp->n_models; m++)
    for (int s = 0; s < r->n_stat; s++) {
      const sgdl_study_series *a = SGDL_STUDY_SERIES(r, 0, li, s), *b = SGDL_STUDY_SERIES(r, m, li, s);
      sgdl_sup_error *e = &r->errors[((size_t)(m - 1) * sp->n_lr + li) * r->n_stat + s];
      if (r->coupled[m - 1]) {
        sgdl_study_series *dd = &w->diff[(size_t)(m - 1) * r->n_stat + s];
        /* zero, then the rounding scale |E f(SGD)| + |E f(model)| of the per-path differences */
        double *zero = calloc(2 * dd->n_times, sizeof(double)), *scale = zero ? zero + dd->n_times : NULL;
        if (!zero) return sgdl_fail(w->ctx, SGDL_ENOMEM, "out of memory");
        for (uint64_t t = 0; t < dd->n_times && t < a->n_times && t < b->n_times; t++)
          scale[t] = fabs(a->mean[t]) + fabs(b->mean[t]);
        sgdl_sup_error_eval_dof(dd->mean, dd->se, dd->dof, zero, NULL, 0, scale, dd->n_times, sp->alpha > 0 ? sp->alpha : 0.05, e);
        free(zero);
        free(dd->mean);
        free(dd->se);
        dd->mean = dd->se = NULL;
      } else {
        sgdl_sup_error_eval_dof(a->mean, sp->exact ? NULL : a->se, a->dof, b->mean, sp->exact ? NULL : b->se, b->dof, NULL,
                                a->n_times, sp->alpha > 0 ? sp->alpha : 0.05, e);
      }
    }
  return SGDL_OK;
}

/* Order fits: log error against log lr per model and statistic, over the resolved errors (all when exact). */
static int fit_orders(sgdl_ctx *ctx, const sgdl_study_spec *sp, sgdl_study_result *r) {
  double *err = calloc((size_t)sp->n_lr, sizeof(double));
  int *use = calloc((size_t)sp->n_lr, sizeof(int));
  const int rc = err && use ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory for the order fits");
  for (int m = 0; m < sp->n_models && err && use; m++)
    for (int s = 0; s < r->n_stat; s++) {
      for (int li = 0; li < sp->n_lr; li++) {
        const sgdl_sup_error *e = &r->errors[((size_t)m * sp->n_lr + li) * r->n_stat + s];
        err[li] = e->value;
        use[li] = e->resolved || sp->exact;
      }
      sgdl_fit_order(sp->lrs, err, use, sp->n_lr, &r->orders[(size_t)m * r->n_stat + s]);
    }
  free(err);
  free(use);
  return rc;
}

int sgdl_study_run(sgdl_ctx *ctx, const sgdl_study_spec *sp, sgdl_study_result *r) {
  memset(r, 0, sizeof *r);
  const double t0 = sgdl_now();
  r->n_models = sp->n_models;
  r->n_lr = sp->n_lr;
  r->n_stat = sp->n_obs + sp->n_cov;
  int rc = check_spec(ctx, sp);
  if (rc) return rc;
  weak_run w;
  memset(&w, 0, sizeof w);
  w.ctx = ctx;
  w.sp = sp;
  w.r = r;
  w.np.outer = ctx->progress;
  w.np.outer_user = ctx->progress_user;
  rc = prepare(&w);
  for (int li = 0; li < sp->n_lr && !rc; li++) {
    for (int m = 0; m <= sp->n_models && !rc; m++) rc = run_one(&w, li, m);
    if (!rc) rc = weak_errors_at(&w, li);
  }
  if (!rc) rc = fit_orders(ctx, sp, r);
  sgdl_progress(ctx, 1.0);
  free(w.rl.raw);
  free(w.rl.cov_idx);
  free(w.rlp.raw);
  free(w.rlp.cov_idx);
  free_series(w.diff, rc && w.diff ? sp->n_models * r->n_stat : 0);
  sgdl_affine_free(&w.aff);
  sgdl_affine_free(&w.cv.aff);
  sgdl_problem_destroy(w.cv.sur);
  free(w.mirror);
  r->seconds = sgdl_now() - t0;
  if (rc) sgdl_study_result_free(r);
  return rc;
}
