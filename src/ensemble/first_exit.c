/* Monte Carlo first-exit times of any stepper (SGD, SME1, SME2, ...), monitored after every
 * learning-rate step (exit.h). Replicas run in blocks of SGDL_LANES lanes until the last lane of
 * the block has left (exited lanes keep stepping, unobserved). Why not finish the slow lanes alone:
 * a one-lane step costs about as much as a whole 64-lane step (call and generator overhead,
 * measured 2 vs 135 M lane-steps/s), so the block is never slower. Per-path step counts are stored
 * and summed in replica order: bitwise identical results for any thread count.
 * Does not: interpolate the crossing inside a step (discrete monitoring is the point: it is what
 * SGD does; for an SDE it biases the exit time up by O(sqrt(step)) when the boundary sits where the
 * drift does not carry the path across - the CLI warns at the saddle). */
#include <math.h>
#include <omp.h>
#ifdef SGDL_HAVE_MPI
#include <mpi.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "sgdlab/exit.h"
#include "sgdlab/rng.h"

typedef struct {
  double *x, *aux, *work;    /* block buffers (SGDL_LANES lanes) */
  double *xprev, *u, *S, *G, *xl; /* bridge: previous positions [d][W], uniforms, Sigma_1, noise
                                   * scratch, one lane's previous position */
} lane_bufs;

/* Purpose word of the bridge uniforms (distinct from every stepper's normals and indices). */
#define BRIDGE_PURPOSE(stream) SGDL_PURPOSE(SGDL_RNG_MISC, (stream), 0xB1D)

/* Variance rate of the exit coordinate for the model: alpha c_B Sigma_1,cc(x). */
static double coord_variance_rate(const sgdl_stepper *s, const double *x, int c, lane_bufs *b) {
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

/* Run one block of W replicas from r0. Writes steps/exited/final for each. Returns 1 on NaN/Inf. */
static int run_block(const sgdl_stepper *s, const double *x0, const sgdl_exit_region *reg, uint64_t r0, int W,
                     uint64_t max_steps, lane_bufs *b, uint64_t *steps, unsigned char *exited, double *final_x,
                     uint64_t *bad_step) {
  const int d = s->prob->dim, naux = s->naux > 0 ? s->naux : 1, c = reg->coord;
  for (int i = 0; i < d; i++)
    for (int l = 0; l < W; l++) b->x[(size_t)i * W + l] = x0[i];
  memset(b->aux, 0, sizeof(double) * (size_t)naux * W);
  unsigned char active[SGDL_LANES];
  int nact = W;
  for (int l = 0; l < W; l++) active[l] = 1;
  sgdl_lanes L = {W, (uint32_t)r0, 1, d, b->x, b->aux, 0, b->work};
  uint64_t k = 0;
  int diverged = 0;
  const int bridge = reg->bridge && !s->type->is_discrete;
  const int vconst = s->prob->noise_constant;
  double v = 0;
  if (bridge && vconst) v = coord_variance_rate(s, x0, c, b);
  const double *xpc = b->xprev + (size_t)c * W;
  while (k < max_steps && nact > 0) {
    if (bridge) memcpy(b->xprev, b->x, sizeof(double) * (size_t)d * W);
    L.k = k;
    s->type->step(s, &L);
    if (bridge) sgdl_rng_uniforms(s->seed, (uint32_t)r0, W, k, BRIDGE_PURPOSE(s->stream), 1, b->u);
    k++;
    const double *xc = b->x + (size_t)c * W;
    if (bridge)
      for (int l = 0; l < W; l++) {
        if (!active[l] || !isfinite(xc[l]) || outside(reg, xc[l])) continue;
        double vl = v;
        if (!vconst) { /* variance rate at the start of the step (Euler bridge) */
          for (int i = 0; i < d; i++) b->xl[i] = b->xprev[(size_t)i * W + l];
          vl = coord_variance_rate(s, b->xl, c, b);
        }
        if (b->u[l] < bridge_prob(reg, xpc[l], xc[l], vl, s->par.lr)) {
          active[l] = 0;
          nact--;
          steps[l] = k;
          exited[l] = 1;
          if (final_x)
            for (int i = 0; i < d; i++) final_x[(size_t)l * d + i] = b->x[(size_t)i * W + l];
        }
      }
    for (int l = 0; l < W; l++) {
      if (!active[l]) continue;
      if (!isfinite(xc[l])) {
        diverged = 1;
        *bad_step = k;
        active[l] = 0;
        nact--;
        steps[l] = k;
        exited[l] = 0;
        continue;
      }
      if (outside(reg, xc[l])) {
        active[l] = 0;
        nact--;
        steps[l] = k;
        exited[l] = 1;
        if (final_x)
          for (int i = 0; i < d; i++) final_x[(size_t)l * d + i] = b->x[(size_t)i * W + l];
      }
    }
  }
  /* Censored lanes (still inside at max_steps). */
  for (int l = 0; l < W; l++) {
    if (!active[l]) continue;
    steps[l] = k;
    exited[l] = 0;
    if (final_x)
      for (int i = 0; i < d; i++) final_x[(size_t)l * d + i] = b->x[(size_t)i * W + l];
  }
  return diverged;
}

int sgdl_first_exit_mc(sgdl_ctx *ctx, const char *name, const sgdl_problem *p,
                       const sgdl_algo_params *par, uint32_t seed, uint32_t stream,
                       const double *x0, const sgdl_exit_region *reg, long paths,
                       uint64_t max_steps, sgdl_first_exit *res, uint64_t *steps_out,
                       double *final_x) {
  memset(res, 0, sizeof *res);
  if (paths < 2) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: %ld, need at least 2 for an interval", paths);
  if (max_steps < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--max-steps: must be at least 1");
  if (reg->coord < 0 || reg->coord >= p->dim)
    return sgdl_fail(ctx, SGDL_EINVAL, "exit coordinate %d outside 0 .. %d", reg->coord, p->dim - 1);
  if (!(reg->lo < reg->hi)) return sgdl_fail(ctx, SGDL_EINVAL, "--to: empty exit region (%g, %g)", reg->lo, reg->hi);
  if (outside(reg, x0[reg->coord]))
    return sgdl_fail(ctx, SGDL_EINVAL, "--from: start point %g is outside the domain (%g, %g)", x0[reg->coord], reg->lo,
                     reg->hi);
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
  const long nblocks = (paths + SGDL_LANES - 1) / SGDL_LANES;
  const int threads = sgdl_ctx_threads(ctx);
  /* MPI: rank r runs the blocks with blk % ranks == r; per-path results are summed over ranks
   * (each path is nonzero on one rank only), so the replica-order reduction below is identical. */
  const int rank = ctx && ctx->ranks > 1 ? ctx->rank : 0, ranks = ctx && ctx->ranks > 1 ? ctx->ranks : 1;
#ifndef SGDL_HAVE_MPI
  if (ranks > 1) {
    if (!steps_out) sgdl_free(steps);
    sgdl_free(exited);
    sgdl_stepper_destroy(s);
    return sgdl_fail(ctx, SGDL_ENOTSUP, "first exit: %d ranks requested but sgdlab was built without MPI", ranks);
  }
#endif
  memset(steps, 0, sizeof(uint64_t) * (size_t)paths);
  if (final_x) memset(final_x, 0, sizeof(double) * (size_t)paths * (size_t)d);
  int diverged = 0, oom = 0;
  uint64_t bad_step = 0;
  long done = 0;
#pragma omp parallel num_threads(threads)
  {
    const size_t naux = (size_t)(s->naux > 0 ? s->naux : 1);
    lane_bufs b;
    b.x = malloc(sizeof(double) * (size_t)d * SGDL_LANES);
    b.aux = malloc(sizeof(double) * naux * SGDL_LANES);
    b.work = malloc(sizeof(double) * ((size_t)s->work_per_lane + 1) * SGDL_LANES);
    b.xprev = malloc(sizeof(double) * (size_t)d * SGDL_LANES);
    b.xl = malloc(sizeof(double) * (size_t)d);
    b.u = malloc(sizeof(double) * SGDL_LANES);
    b.S = malloc(sizeof(double) * (size_t)d * d);
    b.G = malloc(sizeof(double) * (size_t)d * (size_t)(p->n_noise > 0 ? p->n_noise : 1));
    const int ok = b.x && b.aux && b.work && b.xprev && b.xl && b.u && b.S && b.G;
    if (!ok) {
#pragma omp atomic write
      oom = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (long blk = 0; blk < nblocks; blk++) {
      if (!ok || blk % ranks != rank) continue;
      const uint64_t r0 = (uint64_t)blk * SGDL_LANES;
      const int W = (int)((uint64_t)paths - r0 < SGDL_LANES ? (uint64_t)paths - r0 : SGDL_LANES);
      uint64_t bs = 0;
      const int dv = run_block(s, x0, reg, r0, W, max_steps, &b, steps + r0, exited + r0,
                               final_x ? final_x + r0 * (size_t)d : NULL, &bs);
      if (dv) {
#pragma omp critical(sgdl_first_exit_div)
        {
          if (!diverged || bs < bad_step) bad_step = bs;
          diverged = 1;
        }
      }
      long now;
#pragma omp atomic capture
      now = ++done;
      if (omp_get_thread_num() == 0 && rank == 0) sgdl_progress(ctx, (double)now * ranks / (double)nblocks);
    }
    free(b.x);
    free(b.aux);
    free(b.work);
    free(b.xprev);
    free(b.xl);
    free(b.u);
    free(b.S);
    free(b.G);
  }
#ifdef SGDL_HAVE_MPI
  if (ranks > 1) {
    int flags[2] = {oom, diverged};
    unsigned long long bad = diverged ? (unsigned long long)bad_step : ~0ULL;
    MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, steps, (int)paths, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, exited, (int)paths, MPI_UNSIGNED_CHAR, MPI_SUM, MPI_COMM_WORLD);
    if (final_x) MPI_Allreduce(MPI_IN_PLACE, final_x, (int)(paths * d), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    oom = flags[0];
    diverged = flags[1];
    if (diverged) bad_step = (uint64_t)bad;
  }
#endif
  if (oom) rc = sgdl_fail(ctx, SGDL_ENOMEM, "first exit: out of memory for lane buffers");
  else if (diverged)
    rc = sgdl_fail(ctx, SGDL_EDIVERGED, "%s diverged (NaN/Inf) at step %llu: the learning rate is beyond the "
                   "stability limit on this problem", name, (unsigned long long)bad_step);
  if (!rc) {
    /* Replica-order reduction: two-pass mean and variance. */
    double sum = 0;
    long ex = 0;
    for (long r = 0; r < paths; r++) {
      sum += (double)steps[r];
      ex += exited[r];
    }
    const double mean = sum / (double)paths;
    double ss = 0;
    for (long r = 0; r < paths; r++) ss += ((double)steps[r] - mean) * ((double)steps[r] - mean);
    const double var = ss / (double)(paths - 1);
    res->paths = paths;
    res->exited = ex;
    res->censored = paths - ex;
    res->mean_steps = mean;
    res->se_steps = sqrt(var / (double)paths);
    res->ci95_steps[0] = mean - 1.96 * res->se_steps;
    res->ci95_steps[1] = mean + 1.96 * res->se_steps;
    const double a = par->lr;
    res->mean_time = mean * a;
    res->se_time = res->se_steps * a;
    res->ci95_time[0] = res->ci95_steps[0] * a;
    res->ci95_time[1] = res->ci95_steps[1] * a;
  }
  if (!steps_out) sgdl_free(steps);
  sgdl_free(exited);
  sgdl_stepper_destroy(s);
  return rc;
}
