/* SVAG as a stepper: the stochastic variance amplified gradient of Li, Malladi and Arora ("On the
 * validity of modeling SGD with SDEs", NeurIPS 2021), a discrete model of SGD that converges weakly
 * to SME1 as l grows (error O(1/l) at a fixed learning rate) and is SGD in law at l = 1.
 * One learning-rate step is l small steps of size alpha/l, each on the amplified gradient
 *   g = a grad l_{gamma1} + b grad l_{gamma2},  a = (1 + sqrt(2l - 1))/2,  b = (1 - sqrt(2l - 1))/2,
 * of two independent minibatches drawn as SGD draws its own (B indices, i.i.d. or a uniform
 * B-subset; on additive-noise problems grad L - G theta/sqrt(B)). a + b = 1 keeps the mean, and
 * a^2 + b^2 = l multiplies the noise covariance by l, which the step alpha/l turns into the
 * covariance alpha^2/l per small step, alpha^2 per learning-rate step: SGD's, spread over l steps.
 * Random numbers: small step c = k l + j draws its minibatches with the purposes
 * SGDL_PURPOSE(INDEX or NORMAL, stream, 1) and (..., 2) at Philox step c (SGD's own draw is
 * particle field 0 at step k), shared by the particles of a replica as SGD's draw is. At l = 1 the
 * second minibatch has weight b = 0 and is not drawn, and the step is plain SGD's, which takes the
 * problem's fused sgd_step_lanes when it has one (sgdl_sgd_step_draw; bitwise the same).
 * Does not: use --substeps or --scheme (its small steps are fixed by l), share random numbers with
 * SGD (no coupling), or have SDE coefficients (its descriptor's noise is SGDL_NOISE_SAMPLED). */
#include <math.h>
#include <stdlib.h>

#include "dynamics/internal.h"

/* Largest l: 2 l minibatch gradients per learning-rate step, so beyond this a run never ends. */
enum { SVAG_L_MAX = 1 << 20 };

typedef struct {
  double a, b; /* weights of the two minibatch gradients */
} svag_impl;

static int svag_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  const int l = s->par.svag_l;
  if (l < 1 || l > SVAG_L_MAX)
    return sgdl_fail(ctx, SGDL_EINVAL, "--svag-l: %d is outside 1 .. %d", l, (int)SVAG_L_MAX);
  svag_impl *v = calloc(1, sizeof *v);
  if (!v) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  const double r = sqrt(2.0 * l - 1.0);
  v->a = 0.5 * (1 + r);
  v->b = 0.5 * (1 - r);
  s->impl = v;
  s->naux = 0;
  const long total = 2L * s->particles * s->prob->dim * SGDL_LANES /* the two gradients */
                     + sgdl_sgrad_work(s->prob, s->par.batch);
  s->work_per_lane = (int)((total + SGDL_LANES - 1) / SGDL_LANES);
  return SGDL_OK;
}

static void svag_destroy(sgdl_stepper *s) {
  free(s->impl);
  s->impl = NULL;
}

static void svag_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const svag_impl *v = s->impl;
  const int l = s->par.svag_l;
  const size_t n = (size_t)L->P * L->d * L->W; /* x and the gradients: [P][d][W] */
  double *G1 = L->work, *G2 = G1 + (size_t)L->P * L->d * SGDL_LANES, *w = G2 + (size_t)L->P * L->d * SGDL_LANES;
  const double h = s->par.lr / l;
  for (int j = 0; j < l; j++) {
    const uint64_t c = L->k * (uint64_t)l + (uint64_t)j;
    if (l == 1 && sgdl_sgd_step_fusable(s, h)) { /* SGD itself: the problem's fused step, bitwise the same */
      sgdl_sgd_step_draw(s, NULL, L, c, 1, h, w);
      continue;
    }
    sgdl_stochastic_grad_draw(s, NULL, L, L->x, c, 1, G1, w);
    if (l == 1) {
      for (size_t i = 0; i < n; i++) L->x[i] -= h * G1[i];
      continue;
    }
    sgdl_stochastic_grad_draw(s, NULL, L, L->x, c, 2, G2, w);
    for (size_t i = 0; i < n; i++) L->x[i] -= h * (v->a * G1[i] + v->b * G2[i]);
  }
}

/* A model of SGD (no discrete rule, so studies compare it against SGD) with the plain drift, the
 * weak order of SME1 that it approximates, and noise made of minibatch draws. */
const sgdl_stepper_type sgdl_stepper_svag = {
    "svag", 0, {SGDL_OPT_NONE, SGDL_DRIFT_PLAIN, 0, SGDL_NOISE_SAMPLED, SGDL_MOMENTUM_NONE, 1},
    "SVAG (Li-Malladi-Arora): l steps of alpha/l on a grad_1 + b grad_2 of two minibatches, a,b = (1 +- sqrt(2l-1))/2; "
    "-> SME1 as l grows",
    svag_plan, svag_step, svag_destroy};
