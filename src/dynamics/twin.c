/* The twin stepper of the weak study's control variates: one stepper on a problem beside the
 * same stepper on that problem's affine surrogate (sgdl_problem_affine_surrogate), advanced side
 * by side in one replica. Both halves were created with the same seed and stream, so they read
 * the same random numbers: SGD draws the same sample indices (the same N, counter and purpose),
 * a model the same substep normals, and a coupled pair the same top-B choice. The surrogate's path
 * therefore tracks the problem's path, and f(path) - f(surrogate path) has a small variance while
 * E f(surrogate path) is known exactly. Each half keeps its own law.
 * Does not: create the halves (the caller does, see sgdl_stepper_create_twin), or check that the
 * halves share seed and stream. */
#include <stdlib.h>

#include "dynamics/internal.h"

typedef struct {
  sgdl_stepper *main, *shadow;
} twin_impl;

static int twin_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  (void)ctx;
  (void)s;
  return SGDL_OK;
}

static void twin_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const twin_impl *ti = s->impl;
  const int P = L->P / 2;
  sgdl_lanes a = *L, b = *L;
  a.P = b.P = P;
  b.x = L->x + (size_t)P * L->d * L->W;
  b.aux = L->aux + (size_t)P * ti->main->naux * L->W;
  ti->main->type->step(ti->main, &a);
  ti->shadow->type->step(ti->shadow, &b);
}

static void twin_destroy(sgdl_stepper *s) {
  twin_impl *ti = s->impl;
  if (ti) {
    sgdl_stepper_destroy(ti->main);
    sgdl_stepper_destroy(ti->shadow);
  }
  free(ti);
  s->impl = NULL;
}

/* Not in the registry: made only by sgdl_stepper_create_twin. */
static const sgdl_stepper_type twin_type = {"twin", 0, {SGDL_OPT_NONE, SGDL_DRIFT_NONE, 0, SGDL_NOISE_NONE, SGDL_MOMENTUM_NONE, 0},
                                            "a stepper beside itself on an affine surrogate, common random numbers",
                                            twin_plan, twin_step, twin_destroy};

int sgdl_stepper_create_twin(sgdl_ctx *ctx, sgdl_stepper *main, sgdl_stepper *shadow, sgdl_stepper **out) {
  *out = NULL;
  int rc = SGDL_OK;
  if (!main || !shadow || main->particles != shadow->particles || main->prob->dim != shadow->prob->dim ||
      main->type != shadow->type || main->seed != shadow->seed || main->stream != shadow->stream)
    rc = sgdl_fail(ctx, SGDL_EINVAL, "--variance-reduction: the twin halves must be the same stepper, seed, stream, "
                   "particles and dimension");
  twin_impl *ti = rc ? NULL : calloc(1, sizeof *ti);
  sgdl_stepper *s = rc ? NULL : calloc(1, sizeof *s);
  if (!rc && (!ti || !s)) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (rc) {
    free(ti);
    free(s);
    sgdl_stepper_destroy(main);
    sgdl_stepper_destroy(shadow);
    return rc;
  }
  ti->main = main;
  ti->shadow = shadow;
  s->type = &twin_type;
  s->prob = main->prob;
  s->par = main->par;
  s->seed = main->seed;
  s->stream = main->stream;
  s->particles = 2 * main->particles;
  s->impl = ti;
  s->cB = main->cB;
  s->naux = main->naux > shadow->naux ? main->naux : shadow->naux;
  s->work_per_lane = main->work_per_lane > shadow->work_per_lane ? main->work_per_lane : shadow->work_per_lane;
  s->noise_form = main->noise_form;
  *out = s;
  return SGDL_OK;
}
