/* The study in rounds (include/sgdlab/study_rounds.h): the round loop around sgdl_study_run, the
 * per-ensemble hook that runs or replays one round and merges it, the stopping rule with alpha
 * spending, and the projections. Does not: compute weak errors (weak.c does, from the merged
 * statistics this file hands it) or read and write the checkpoint bytes (rounds_checkpoint.c). */
#include "sgdlab/study_rounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/study_estimate.h"
#include "study/rounds_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct sgdl_study_rounds {
  int n_models, n_lr, n_streams; /* streams per lr: 0 (SGD), 2m and 2m + 1 (model m; the second for Talay-Tubaro) */
  const double *lrs;
  uint64_t round_paths;
  int round;                 /* 0-based index of the round being run */
  unsigned char *active;     /* [(n_models + 1)][n_lr]: runs this round */
  sgdl_ensemble_result *acc; /* [n_lr][n_streams]: merged statistics */
  ckpt_store ck;
  int resumed;
};

double sgdl_rounds_alpha(int round) { return 0.05 * 6 / (M_PI * M_PI * (double)round * (double)round); }

void sgdl_rounds_result_free(sgdl_rounds_result *rr) {
  free(rr->paths);
  free(rr->status);
  free(rr->projected);
  memset(rr, 0, sizeof *rr);
}

int sgdl_study_rounds_ensemble(sgdl_ctx *ctx, sgdl_study_rounds *rs, double lr, uint32_t stream, const sgdl_ensemble_plan *plan,
                               sgdl_ensemble_result *er) {
  memset(er, 0, sizeof *er);
  int li = 0;
  while (li < rs->n_lr && rs->lrs[li] != lr) li++;
  const int m = (int)(stream / 2);
  if (li == rs->n_lr || m > rs->n_models || (int)stream >= rs->n_streams)
    return sgdl_fail(ctx, SGDL_EINVAL, "study rounds: no run for lr %g, stream %u", lr, (unsigned)stream);
  sgdl_ensemble_result *acc = &rs->acc[(size_t)li * rs->n_streams + stream];
  int rc = SGDL_OK;
  if (rs->active[(size_t)m * rs->n_lr + li]) {
    const sgdl_ensemble_result *stored = ckpt_find(&rs->ck, rs->round, li, stream);
    sgdl_ensemble_result fresh;
    memset(&fresh, 0, sizeof fresh);
    if (stored) {
      rs->resumed++;
    } else {
      sgdl_ensemble_plan p = *plan;
      /* a round is the plan's replicas: --paths, or --paths / 2 antithetic pairs (each replica
       * then records its pair's mean, so chunks, merges and the stopping rule work on pair means).
       * The run's own next replicas, not round * paths: a (model, lr) that stopped may reopen a
       * round later (the next round's alpha widens its interval), and its replica ids must stay
       * 0 .. M - 1 < --max-paths (within the 2^32 ids), as in one run of M paths */
      p.replica0 = acc->paths;
      rc = sgdl_ensemble_run(ctx, &p, &fresh);
      if (!rc) rc = ckpt_append(ctx, &rs->ck, rs->round, li, stream, &fresh);
      stored = &fresh;
    }
    if (!rc) rc = sgdl_ensemble_result_merge(ctx, acc, stored);
    sgdl_ensemble_result_free(&fresh);
    if (rc) return rc;
  }
  if (acc->paths == 0) return sgdl_fail(ctx, SGDL_EINVAL, "study rounds: lr %g, stream %u has no round yet", lr, (unsigned)stream);
  return sgdl_ensemble_result_copy(ctx, acc, er);
}

/* Status and projected replicas of one error after M replicas (see study_rounds.h). */
static int judge(const sgdl_sup_error *e, double precision, double floor_, double M, double *projected) {
  *projected = 0;
  /* an interval below its own error has no standard error behind it (a covariance's jackknife over
   * a single chunk of replicas): open, until merged rounds give it groups */
  if (!(e->hi >= e->value)) {
    *projected = 2 * M;
    return SGDL_ROUNDS_OPEN;
  }
  if (precision > 0 && e->resolved && e->hi - e->lo <= 2 * precision * e->value) return SGDL_ROUNDS_PRECISE;
  if (floor_ > 0 && e->hi < floor_) return SGDL_ROUNDS_BELOW_FLOOR;
  /* deterministic and zero to rounding (e.g. --x0 0 without noise): more replicas only repeat it */
  if (!e->resolved && e->no_spread) return SGDL_ROUNDS_NO_SPREAD;
  /* half-width now: (hi - lo)/2 when resolved, else the upper reach hi - value (~ z s) */
  const double h = e->resolved ? (e->hi - e->lo) / 2 : e->hi - e->value;
  double need = INFINITY;
  if (precision > 0 && e->value > 0 && h > 0) need = M * pow(h / (precision * e->value), 2);
  if (floor_ > e->value && e->hi - e->value > 0) need = fmin(need, M * pow((e->hi - e->value) / (floor_ - e->value), 2));
  *projected = ceil(need);
  return SGDL_ROUNDS_OPEN;
}

/* After a round: every error's status and projection; which (model, lr) run the next round.
 * Returns 1 if any does. */
static int decide(sgdl_study_rounds *rs, const sgdl_rounds_spec *rsp, const sgdl_study_result *res, sgdl_rounds_result *rr) {
  const int L = rs->n_lr, S = res->n_stat;
  int any = 0;
  memset(rs->active, 0, (size_t)(rs->n_models + 1) * L);
  for (int m = 1; m <= rs->n_models; m++)
    for (int li = 0; li < L; li++) {
      const uint64_t M = SGDL_ROUNDS_PATHS(rr, m, li);
      int open = 0;
      for (int s = 0; s < S; s++) {
        const size_t k = ((size_t)(m - 1) * L + li) * S + s;
        rr->status[k] = judge(&res->errors[k], rsp->precision, rsp->floor, (double)M, &rr->projected[k]);
        open |= rr->status[k] == SGDL_ROUNDS_OPEN;
      }
      const int go = open && rsp->precision > 0 && M + rs->round_paths <= rsp->max_paths;
      rs->active[(size_t)m * L + li] = (unsigned char)go;
      if (go && !res->coupled[m - 1]) rs->active[li] = 1; /* SGD runs beside an uncoupled model */
      any |= go;
    }
  return any;
}

/* --max-hours bounds the whole run: the rounds may go on to --max-paths replicas per (model, lr),
 * so that is the work checked (one round's was, and --precision 0.01 --max-paths 1e7 ran on past a
 * --max-hours of seconds). Decided from the flags alone, so the numbers never depend on the clock. */
static int check_worst_case(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_rounds_spec *rsp) {
  sgdl_estimate one;
  sgdl_estimate_study(sp, &one);
  const double rounds = ceil((double)rsp->max_paths / (double)sp->paths);
  sgdl_estimate all = one;
  all.path_steps = one.path_steps * rounds;
  all.madds = one.madds * rounds; /* the control variates' surrogate moments are recomputed per round */
  const double s = sgdl_estimate_seconds(ctx, &all), limit = ctx && ctx->max_seconds > 0 ? ctx->max_seconds : SGDL_ESTIMATE_MAX_SECONDS;
  if (!(s > limit) || rounds <= 1) return SGDL_OK;
  char t[160];
  sgdl_estimate_describe(ctx, &all, t, sizeof t);
  return sgdl_fail(ctx, SGDL_EINVAL, "--max-paths %llu: with --precision the rounds may run %.0f rounds of --paths %llu, %s, beyond the "
                   "limit of %g hours; lower --max-paths, or raise --max-hours",
                   (unsigned long long)rsp->max_paths, rounds, (unsigned long long)sp->paths, t, limit / 3600);
}

static int rounds_setup(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_rounds_spec *rsp, sgdl_study_rounds *rs,
                        sgdl_rounds_result *rr) {
  if (sp->exact) return sgdl_fail(ctx, SGDL_EINVAL, "--precision/--checkpoint: for Monte Carlo runs, not --exact");
  if (!(rsp->precision >= 0) || !(rsp->floor >= 0))
    return sgdl_fail(ctx, SGDL_EINVAL, "--precision/--floor: must be positive");
  for (int i = 0; i < sp->n_lr; i++)
    for (int j = 0; j < i; j++)
      if (sp->lrs[i] == sp->lrs[j]) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is listed twice (each rate runs its own rounds)", sp->lrs[i]);
  if (rsp->max_paths < sp->paths)
    return sgdl_fail(ctx, SGDL_EINVAL, "--max-paths %llu: smaller than one round of --paths %llu", (unsigned long long)rsp->max_paths,
                     (unsigned long long)sp->paths);
  if (rsp->max_paths > 0x100000000ULL)
    return sgdl_fail(ctx, SGDL_EINVAL, "--max-paths %llu: at most 2^32 replicas", (unsigned long long)rsp->max_paths);
  if (rsp->precision > 0 && check_worst_case(ctx, sp, rsp)) return ctx->status;
  rs->n_models = sp->n_models;
  rs->n_lr = sp->n_lr;
  rs->n_streams = 2 * sp->n_models + 2;
  rs->lrs = sp->lrs;
  rs->round_paths = sp->paths;
  const size_t units = (size_t)(sp->n_models + 1) * sp->n_lr, errs = (size_t)sp->n_models * sp->n_lr * (sp->n_obs + sp->n_cov);
  rs->active = malloc(units);
  rs->acc = calloc((size_t)sp->n_lr * rs->n_streams, sizeof *rs->acc);
  rr->n_models = sp->n_models;
  rr->n_lr = sp->n_lr;
  rr->n_stat = sp->n_obs + sp->n_cov;
  rr->round_paths = sp->paths;
  rr->paths = calloc(units, sizeof *rr->paths);
  rr->status = calloc(errs + 1, sizeof *rr->status);
  rr->projected = calloc(errs + 1, sizeof *rr->projected);
  if (!rs->active || !rs->acc || !rr->paths || !rr->status || !rr->projected) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  memset(rs->active, 1, units);
  if (!rsp->checkpoint) return SGDL_OK;
  return ckpt_open(ctx, &rs->ck, rsp->checkpoint, rsp->version ? rsp->version : "", rsp->args ? rsp->args : "",
                   !ctx || ctx->ranks <= 1 || ctx->rank == 0);
}

static void rounds_free(sgdl_study_rounds *rs) {
  for (int i = 0; rs->acc && i < rs->n_lr * rs->n_streams; i++) sgdl_ensemble_result_free(&rs->acc[i]);
  free(rs->acc);
  free(rs->active);
  ckpt_close(&rs->ck);
}

int sgdl_study_run_rounds(sgdl_ctx *ctx, const sgdl_study_spec *sp, const sgdl_rounds_spec *rsp, sgdl_study_result *res,
                          sgdl_rounds_result *rr) {
  memset(res, 0, sizeof *res);
  memset(rr, 0, sizeof *rr);
  sgdl_study_rounds rs;
  memset(&rs, 0, sizeof rs);
  const double t0 = sgdl_now();
  int rc = rounds_setup(ctx, sp, rsp, &rs, rr);
  sgdl_study_spec round_spec = *sp;
  round_spec.rounds = &rs;
  for (int more = 1; !rc && more; rs.round++) {
    round_spec.alpha = rsp->precision > 0 ? sgdl_rounds_alpha(rs.round + 1) : 0;
    if (rs.round > 0) sgdl_study_result_free(res);
    rc = sgdl_study_run(ctx, &round_spec, res);
    if (rc) break;
    for (int u = 0; u < (sp->n_models + 1) * sp->n_lr; u++)
      if (rs.active[u]) rr->paths[u] += rs.round_paths;
    rr->rounds = rs.round + 1;
    rr->alpha = round_spec.alpha > 0 ? round_spec.alpha : 0.05;
    more = decide(&rs, rsp, res, rr);
  }
  rr->resumed = rs.resumed;
  rounds_free(&rs);
  if (rc) {
    sgdl_study_result_free(res);
    sgdl_rounds_result_free(rr);
    return rc;
  }
  res->seconds = sgdl_now() - t0;
  return SGDL_OK;
}
