/* Monte Carlo first-exit times of any stepper (SGD, SME1, SME2, ...), monitored after every
 * learning-rate step (exit.h): an observer of the lane-block driver (driver.h), which owns the
 * loop, threads, divergence bookkeeping and the MPI split. A block runs until the last of its
 * lanes has left (exited lanes keep stepping, unobserved). Why not finish the slow lanes alone:
 * stepping one lane costs about as much as stepping the whole block (call and generator overhead,
 * measured 2 vs 135 M lane-steps/s), so the block is never slower. Per-path step counts land in
 * per-replica slots and are summed in replica order: bitwise identical results for any thread or
 * rank count.
 * Regions: one coordinate against walls (with the optional Brownian bridge), or a neighbourhood
 * where no basin can be drawn (a network): the squared distance from a centre or the training loss
 * reaching a level (exit.h, SGDL_EXIT_WATCH_*).
 * Does not: interpolate the crossing inside a step (discrete monitoring is the point: it is what
 * SGD does; for an SDE it biases the exit time up by O(sqrt(step)) when the boundary sits where the
 * drift does not carry the path across - the CLI warns at the saddle). */
#include <math.h>
#include <string.h>

#include "sgdlab/driver.h"
#include "sgdlab/exit.h"
#include "sgdlab/rng.h"
#include "sgdlab/student.h"

/* Purpose word of the bridge uniforms (distinct from every stepper's normals and indices). */
#define BRIDGE_PURPOSE(stream) SGDL_PURPOSE(SGDL_RNG_MISC, (stream), 0xB1D)

/* The first-exit observer: per-replica slots steps[r], exited[r], final_x[r][d]. */
typedef struct {
  const sgdl_stepper *s;
  const sgdl_exit_region *reg;
  const double *x0;
  int bridge;             /* Brownian-bridge correction on (SDE models only: not discrete, not svag) */
  uint64_t *steps;        /* [paths] */
  unsigned char *exited;  /* [paths] */
  double *final_x;        /* [paths][d] or NULL */
  sgdl_first_exit *res;
} exit_obs;

/* Per-thread scratch: the block's lane flags, then the bridge's buffers. */
typedef struct {
  int nact;                         /* lanes still inside */
  uint64_t t;                       /* steps taken */
  double v;                         /* constant variance rate (noise_constant problems) */
  unsigned char active[SGDL_LANES];
  double *xprev, *u, *S, *G, *xl;   /* previous positions [d][W], uniforms, Sigma_1, noise
                                     * scratch, one lane's previous position */
} exit_scratch;

/* Sigma_1 and the noise scratch (d x d + d x K) only with the bridge: a network has d ~ 1e4. */
static size_t exit_scratch_bytes(const sgdl_observer *o) {
  const exit_obs *e = o->state;
  const size_t d = (size_t)e->s->prob->dim, nn = (size_t)(e->s->prob->n_noise > 0 ? e->s->prob->n_noise : 1);
  return sizeof(exit_scratch) + sizeof(double) * (d * SGDL_LANES + SGDL_LANES + d + (e->bridge ? d * d + d * nn : 0));
}

/* The watched value of lane l (DIST2, LOSS); xl receives the lane's position. */
static double watched(const exit_obs *e, const sgdl_block *b, int l, double *xl) {
  const int d = b->L.d, W = b->L.W;
  const sgdl_exit_region *reg = e->reg;
  if (reg->watch == SGDL_EXIT_WATCH_DIST2) {
    double s = 0;
    for (int i = 0; i < d; i++) {
      const double dx = b->L.x[(size_t)i * W + l] - reg->centre[i];
      s += dx * dx;
    }
    return s;
  }
  for (int i = 0; i < d; i++) xl[i] = b->L.x[(size_t)i * W + l];
  return e->s->prob->type->loss(e->s->prob, xl);
}

/* Variance rate of the exit coordinate for the model: alpha c_B Sigma_1,cc(x). */
static double coord_variance_rate(const sgdl_stepper *s, const double *x, int c, exit_scratch *b) {
  const int d = s->prob->dim;
  sgdl_problem_sigma1(s->prob, x, b->S, b->G);
  return s->par.lr * s->cB * b->S[c * d + c];
}

/* Probability that a Brownian bridge from a to b (both inside) over time dt with variance rate v
 * touched a wall. */
static double bridge_prob(const sgdl_exit_region *reg, double a, double bnd, double v, double dt) {
  if (!(v > 0)) return 0;
  double q = 1;
  if (isfinite(reg->hi)) q *= 1 - exp(-2 * (reg->hi - a) * (reg->hi - bnd) / (v * dt));
  if (isfinite(reg->lo)) q *= 1 - exp(-2 * (a - reg->lo) * (bnd - reg->lo) / (v * dt));
  return 1 - q;
}

static int outside(const sgdl_exit_region *reg, double v) { return v <= reg->lo || v >= reg->hi; }

/* Lane l of the block stops being watched after t steps (exited: it left; keep_x: its position is
 * kept when final_x was asked for). */
static void retire(const exit_obs *e, exit_scratch *sc, const sgdl_block *b, int l, uint64_t t, int exited,
                   int keep_x) {
  const uint64_t r = b->L.replica0 + (uint64_t)l;
  const int d = b->L.d, W = b->L.W;
  sc->active[l] = 0;
  sc->nact--;
  e->steps[r] = t;
  e->exited[r] = (unsigned char)exited;
  if (e->final_x && keep_x)
    for (int i = 0; i < d; i++) e->final_x[r * (size_t)d + i] = b->L.x[(size_t)i * W + l];
}

static void exit_block_begin(const sgdl_observer *o, sgdl_block *b) {
  const exit_obs *e = o->state;
  exit_scratch *sc = b->scratch;
  const size_t d = (size_t)b->L.d;
  sc->xprev = (double *)(sc + 1);
  sc->u = sc->xprev + d * SGDL_LANES;
  sc->xl = sc->u + SGDL_LANES;
  sc->S = e->bridge ? sc->xl + d : NULL;
  sc->G = e->bridge ? sc->S + d * d : NULL;
  sc->nact = b->L.W;
  sc->t = 0;
  for (int l = 0; l < b->L.W; l++) sc->active[l] = 1;
  sc->v = 0;
  if (e->bridge && e->s->prob->noise_constant) sc->v = coord_variance_rate(e->s, e->x0, e->reg->coord, sc);
}

static void exit_before_step(const sgdl_observer *o, sgdl_block *b) {
  const exit_obs *e = o->state;
  exit_scratch *sc = b->scratch;
  if (e->bridge) memcpy(sc->xprev, b->L.x, sizeof(double) * (size_t)b->L.d * b->L.W);
}

/* After step t: bridge crossings, then lanes outside (exit) or non-finite (divergence). */
static int exit_observe(const sgdl_observer *o, sgdl_block *b, uint64_t t) {
  const exit_obs *e = o->state;
  const sgdl_stepper *s = e->s;
  const sgdl_exit_region *reg = e->reg;
  exit_scratch *sc = b->scratch;
  const int W = b->L.W, d = b->L.d, c = reg->coord;
  sc->t = t;
  const double *xc = b->L.x + (size_t)c * W, *xpc = sc->xprev + (size_t)c * W;
  if (e->bridge) {
    sgdl_rng_uniforms(s->seed, b->L.replica0, W, t - 1, BRIDGE_PURPOSE(s->stream), 1, sc->u);
    for (int l = 0; l < W; l++) {
      if (!sc->active[l] || !isfinite(xc[l]) || outside(reg, xc[l])) continue;
      double vl = sc->v;
      if (!s->prob->noise_constant) { /* variance rate at the start of the step (Euler bridge) */
        for (int i = 0; i < d; i++) sc->xl[i] = sc->xprev[(size_t)i * W + l];
        vl = coord_variance_rate(s, sc->xl, c, sc);
      }
      if (sc->u[l] < bridge_prob(reg, xpc[l], xc[l], vl, s->par.lr)) retire(e, sc, b, l, t, 1, 1);
    }
  }
  for (int l = 0; l < W; l++) {
    if (!sc->active[l]) continue;
    if (reg->watch != SGDL_EXIT_WATCH_COORD) {
      const double v = watched(e, b, l, sc->xl);
      if (!isfinite(v)) {
        b->diverged = 1;
        b->div_step = t;
        retire(e, sc, b, l, t, 0, 0);
      } else if (v >= reg->level) {
        retire(e, sc, b, l, t, 1, 1);
      }
      continue;
    }
    if (!isfinite(xc[l])) {
      b->diverged = 1;
      b->div_step = t;
      retire(e, sc, b, l, t, 0, 0);
      continue;
    }
    if (outside(reg, xc[l])) retire(e, sc, b, l, t, 1, 1);
  }
  return sc->nact > 0 ? SGDL_OBSERVE_GO : SGDL_OBSERVE_STOP;
}

/* Censored lanes (still inside at max_steps). */
static void exit_block_end(const sgdl_observer *o, sgdl_block *b) {
  const exit_obs *e = o->state;
  exit_scratch *sc = b->scratch;
  for (int l = 0; l < b->L.W; l++)
    if (sc->active[l]) retire(e, sc, b, l, sc->t, 0, 1);
}

static int exit_shared(const sgdl_observer *o, sgdl_drive_buffer *bufs) {
  const exit_obs *e = o->state;
  const size_t paths = o->layout->paths;
  bufs[0] = (sgdl_drive_buffer){e->steps, paths, SGDL_BUF_UINT64};
  bufs[1] = (sgdl_drive_buffer){e->exited, paths, SGDL_BUF_UCHAR};
  bufs[2] = (sgdl_drive_buffer){e->final_x, e->final_x ? paths * (size_t)e->s->prob->dim : 0, SGDL_BUF_DOUBLE};
  return 3;
}

/* Replica-order reduction: two-pass mean and variance. */
static int exit_finish(sgdl_ctx *ctx, const sgdl_observer *o) {
  (void)ctx;
  const exit_obs *e = o->state;
  sgdl_first_exit *res = e->res;
  const long paths = (long)o->layout->paths;
  double sum = 0;
  long ex = 0;
  for (long r = 0; r < paths; r++) {
    sum += (double)e->steps[r];
    ex += e->exited[r];
  }
  const double mean = sum / (double)paths;
  double ss = 0;
  for (long r = 0; r < paths; r++) ss += ((double)e->steps[r] - mean) * ((double)e->steps[r] - mean);
  const double var = ss / (double)(paths - 1);
  res->paths = paths;
  res->exited = ex;
  res->censored = paths - ex;
  res->mean_steps = mean;
  res->se_steps = sqrt(var / (double)paths);
  const double tq = sgdl_t_quantile(0.975, (double)(paths - 1)); /* Student's t: paths >= 2 */
  res->ci95_steps[0] = mean - tq * res->se_steps;
  res->ci95_steps[1] = mean + tq * res->se_steps;
  const double a = e->s->par.lr;
  res->mean_time = mean * a;
  res->se_time = res->se_steps * a;
  res->ci95_time[0] = res->ci95_steps[0] * a;
  res->ci95_time[1] = res->ci95_steps[1] * a;
  return SGDL_OK;
}

static const sgdl_observer_type exit_type = {
  "first-exit", 0, exit_scratch_bytes, NULL, exit_block_begin, exit_before_step, exit_observe, exit_block_end, NULL,
  exit_shared, exit_finish,
};

int sgdl_first_exit_mc(sgdl_ctx *ctx, const char *name, const sgdl_problem *p,
                       const sgdl_algo_params *par, uint32_t seed, uint32_t stream,
                       const double *x0, const sgdl_exit_region *reg, long paths,
                       uint64_t max_steps, sgdl_first_exit *res, uint64_t *steps_out,
                       double *final_x) {
  return sgdl_first_exit_mc_stored(ctx, name, p, par, seed, stream, x0, reg, paths, max_steps, res, steps_out, final_x, NULL);
}

int sgdl_first_exit_mc_stored(sgdl_ctx *ctx, const char *name, const sgdl_problem *p, const sgdl_algo_params *par,
                              uint32_t seed, uint32_t stream, const double *x0, const sgdl_exit_region *reg, long paths,
                              uint64_t max_steps, sgdl_first_exit *res, uint64_t *steps_out, double *final_x,
                              sgdl_chunk_store *store) {
  memset(res, 0, sizeof *res);
  if (paths < 2) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: %ld, need at least 2 for an interval", paths);
  if (max_steps < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--max-steps: must be at least 1");
  if (reg->watch == SGDL_EXIT_WATCH_DIST2) {
    double s = 0;
    for (int i = 0; reg->centre && i < p->dim; i++) s += (x0[i] - reg->centre[i]) * (x0[i] - reg->centre[i]);
    if (!reg->centre || !(s < reg->level))
      return sgdl_fail(ctx, SGDL_EINVAL, "--radius: the start is not inside the ball (|x0 - centre|^2 = %g, radius^2 = %g)", s,
                       reg->level);
  } else if (reg->watch == SGDL_EXIT_WATCH_LOSS) {
    const double l0 = p->type->loss(p, x0);
    if (!(l0 < reg->level))
      return sgdl_fail(ctx, SGDL_EINVAL, "--loss-level %g: the loss at the start is already %g (the level must lie above it)",
                       reg->level, l0);
  } else {
    if (reg->coord < 0 || reg->coord >= p->dim)
      return sgdl_fail(ctx, SGDL_EINVAL, "exit coordinate %d outside 0 .. %d", reg->coord, p->dim - 1);
    if (!(reg->lo < reg->hi)) return sgdl_fail(ctx, SGDL_EINVAL, "--to: empty exit region (%g, %g)", reg->lo, reg->hi);
    if (outside(reg, x0[reg->coord]))
      return sgdl_fail(ctx, SGDL_EINVAL, "--from: start point %g is outside the domain (%g, %g)", x0[reg->coord], reg->lo,
                       reg->hi);
  }
  sgdl_stepper *s = NULL;
  int rc = sgdl_stepper_create(ctx, name, p, par, seed, stream, 1, &s);
  if (rc) return rc;
  const int d = p->dim;
  uint64_t *steps = steps_out ? steps_out : sgdl_alloc(ctx, (size_t)paths, sizeof(uint64_t));
  unsigned char *exited = sgdl_alloc(ctx, (size_t)paths, 1);
  if (!steps || !exited) {
    if (!steps_out) sgdl_free(steps);
    sgdl_free(exited);
    sgdl_stepper_destroy(s);
    return SGDL_ENOMEM;
  }
  memset(steps, 0, sizeof(uint64_t) * (size_t)paths);
  if (final_x) memset(final_x, 0, sizeof(double) * (size_t)paths * (size_t)d);
  const int bridge =
      reg->watch == SGDL_EXIT_WATCH_COORD && reg->bridge && !s->type->is_discrete && s->type->desc.noise != SGDL_NOISE_SAMPLED;
  exit_obs e = {s, reg, x0, bridge, steps, exited, final_x, res};
  sgdl_observer o = {&exit_type, NULL, &e};
  sgdl_drive_plan dp = {s, 1, x0, (uint64_t)paths, max_steps, 0, "first exit", 0, store};
  sgdl_drive_report rep;
  rc = sgdl_drive(ctx, &dp, &o, &rep);
  if (rc == SGDL_EDIVERGED)
    rc = sgdl_fail(ctx, SGDL_EDIVERGED, "%s diverged (NaN/Inf) at step %llu: the learning rate is beyond the "
                   "stability limit on this problem", name, (unsigned long long)rep.div_step);
  if (!steps_out) sgdl_free(steps);
  sgdl_free(exited);
  sgdl_stepper_destroy(s);
  return rc;
}
