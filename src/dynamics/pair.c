/* The coupled pair stepper: SGD and a continuous model advanced side by side in one replica
 * with common random numbers, so that E f(SGD) - E f(model) is estimated from per-path
 * differences whose variance is far below that of two independent ensembles. Each half keeps
 * its own law: SGD's Gaussian draw at step k is the normalised sum of the model's substep
 * normals over the same step (sgrad.c), which is again N(0, I). With two- or three-point model
 * increments that sum is not Gaussian, so such a model is never coupled (SGD would stop being SGD):
 * sgdl_coupling_possible says no, and the studies run the pair uncoupled.
 * On a finite data set the flow is stepped first and keeps the per-lane sums S of its substep
 * normals in the pair's scratch (sgdl_pair_sums), from which the SGD half takes its minibatch, so
 * the N m normals are drawn once. The regenerating order (SGD first, drawing the normals again) is
 * the reference, chosen per pair by sgdl_stepper_create_pair_sums(..., SGDL_PAIR_SUMS_REGENERATED,
 * ...) for the tests; it is a property of the pair and of its SGD half's coupling, fixed at
 * creation: no process-wide switch, so pairs of both forms may step concurrently.
 * Does not: choose whether to couple (sgdl_coupling_possible, the studies), or draw any number
 * itself (sgrad.c and sde.c do). */
#include <stdlib.h>

#include "dynamics/internal.h"

typedef struct {
  sgdl_stepper *sgd, *model;
  int sums; /* the coupled SGD half ranks the flow's sums S (finite data, shared form): flow first */
} pair_impl;

static int pair_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  (void)ctx;
  (void)s;
  return SGDL_OK;
}

static void pair_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const pair_impl *pi = s->impl;
  const int P = L->P / 2;
  sgdl_lanes a = *L, b = *L;
  a.P = b.P = P;
  b.x = L->x + (size_t)P * L->d * L->W;
  b.aux = L->aux + (size_t)P * pi->sgd->naux * L->W;
  if (pi->sums) { /* scratch: [SGD's | S: N per lane | the flow's] */
    double *S = sgdl_pair_sums(pi->sgd, &a);
    b.work = S + (size_t)s->prob->n_data * SGDL_LANES;
    sgdl_model_step_sums(pi->model, &b, S);
    pi->sgd->type->step(pi->sgd, &a);
    return;
  }
  pi->sgd->type->step(pi->sgd, &a);
  pi->model->type->step(pi->model, &b);
}

static void pair_destroy(sgdl_stepper *s) {
  pair_impl *pi = s->impl;
  if (pi) {
    sgdl_stepper_destroy(pi->sgd);
    sgdl_stepper_destroy(pi->model);
  }
  free(pi);
  s->impl = NULL;
}

/* Not in the registry: made only by sgdl_stepper_create_pair(_sums). */
static const sgdl_stepper_type pair_type = {"pair", 0, {SGDL_OPT_NONE, SGDL_DRIFT_NONE, 0, SGDL_NOISE_NONE, SGDL_MOMENTUM_NONE, 0},
                                            "SGD and a model with common random numbers", pair_plan, pair_step, pair_destroy};

int sgdl_pair_shares_sums(const sgdl_stepper *pair) {
  const pair_impl *pi = pair && pair->type == &pair_type ? pair->impl : NULL;
  return pi && pi->sums;
}

/* The model's noise kind from its descriptor; an unknown name counts as an SME (creation then
 * reports it). */
static int noise_of(const char *model) {
  const sgdl_stepper_type *t = sgdl_stepper_find(model);
  return t ? t->desc.noise : SGDL_NOISE_SME;
}

int sgdl_coupling_possible(const sgdl_problem *prob, const char *model, int P, const sgdl_algo_params *par) {
  const int noise = noise_of(model), smf = noise == SGDL_NOISE_SMF;
  if (noise == SGDL_NOISE_NONE) return 1;
  if (noise == SGDL_NOISE_SAMPLED) return 0; /* svag draws its own minibatches: nothing to share */
  /* SGD's coupled draw is the normalised sum of the model's increments: Gaussian only when they are. */
  if (par->increments != SGDL_INCREMENTS_GAUSS) return 0;
  if (prob->n_data)
    return smf && prob->n_data <= 1024 && (par->batch == 1 || par->without_replacement);
  return prob->noise_constant && (P == 1 || smf);
}

int sgdl_stepper_create_pair(sgdl_ctx *ctx, const char *algo, const char *model, const sgdl_problem *prob,
                             const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P,
                             sgdl_stepper **out) {
  return sgdl_stepper_create_pair_sums(ctx, algo, model, prob, par, seed, stream, P, SGDL_PAIR_SUMS_SHARED, out);
}

int sgdl_stepper_create_pair_sums(sgdl_ctx *ctx, const char *algo, const char *model, const sgdl_problem *prob,
                                  const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P, int sums,
                                  sgdl_stepper **out) {
  *out = NULL;
  if (sums != SGDL_PAIR_SUMS_SHARED && sums != SGDL_PAIR_SUMS_REGENERATED)
    return sgdl_fail(ctx, SGDL_EINVAL, "coupled pair: sums form %d is neither shared (%d) nor regenerated (%d)", sums,
                     SGDL_PAIR_SUMS_SHARED, SGDL_PAIR_SUMS_REGENERATED);
  const int noise = noise_of(model);
  if (!sgdl_coupling_possible(prob, model, P, par))
    return sgdl_fail(ctx, SGDL_ENOTSUP,
                     "--coupling: no common random numbers for %s on problem %s (needs Gaussian --increments, and "
                     "additive noise, or a flow on a data set of at most 1024 samples with B = 1 or sampling without "
                     "replacement; P = 1 for the SME)",
                     model, prob->type->name);
  pair_impl *pi = calloc(1, sizeof *pi);
  sgdl_stepper *s = calloc(1, sizeof *s);
  if (!pi || !s) {
    free(pi);
    free(s);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  }
  int rc = sgdl_stepper_create(ctx, algo, prob, par, seed, stream, P, &pi->sgd);
  /* a coupled SGD on a data set: its minibatch comes from the flow's sums (sgdl_coupling), which
   * it finds in the pair's scratch in the shared form, or draws again in the regenerated one */
  const int with_sums = prob->n_data && noise == SGDL_NOISE_SMF && pi->sgd && pi->sgd->type->is_discrete;
  const int shared = with_sums && sums == SGDL_PAIR_SUMS_SHARED;
  /* gf has no noise to share; a continuous `algo` runs uncoupled beside the model. */
  if (!rc && noise != SGDL_NOISE_NONE && pi->sgd->type->is_discrete)
    rc = sgdl_discrete_couple(ctx, pi->sgd, par->substeps, stream, noise == SGDL_NOISE_SMF, shared);
  if (!rc) rc = sgdl_stepper_create(ctx, model, prob, par, seed, stream, P, &pi->model);
  s->type = &pair_type;
  s->prob = prob;
  s->par = *par;
  s->seed = seed;
  s->stream = stream;
  s->particles = 2 * P;
  s->impl = pi;
  if (rc) {
    sgdl_stepper_destroy(s);
    return rc;
  }
  s->cB = pi->model->cB;
  int na = pi->sgd->naux + pi->model->naux;
  s->naux = (na + 1) / 2;
  s->work_per_lane = pi->sgd->work_per_lane > pi->model->work_per_lane ? pi->sgd->work_per_lane : pi->model->work_per_lane;
  pi->sums = shared;
  if (with_sums) s->work_per_lane = pi->sgd->work_per_lane + (int)prob->n_data + pi->model->work_per_lane;
  s->noise_form = pi->model->noise_form;
  *out = s;
  return SGDL_OK;
}
