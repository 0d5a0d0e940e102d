/* Monte Carlo of the stationary covariance of a discrete algorithm (sgdlab stationary --simulate).
 * R independent replicas run the library's own lane stepper (sgd, hb, nag, adam, newton, ngd) from x0
 * with zero optimiser state; after `burn` steps each replica keeps time sums of x and x x^T over
 * `steps` steps. The pooled covariance is the estimate, and the spread of the R per-replica
 * estimates gives its standard error (independent replicas, so no autocorrelation correction is
 * needed; each replica's time average only has to be unbiased, which burn-in provides).
 * The time sums are an observer of the lane-block driver (driver.h), which owns the loop, threads,
 * divergence bookkeeping and the MPI split; per-replica sums land in fixed slots and are reduced in
 * replica order afterwards, so the result is bitwise identical for any thread or rank count.
 * With SGDL_STAT_ITERATE_LOOKAHEAD (nag only) the averaged iterate is x + mu v, v the stepper's
 * Sutskever velocity (its aux state): PyTorch's parameter under SGD(nesterov=True).
 * With a projection U (k x d, sgdl_stat_simulate_proj) the averaged values are y = U (x - x0): the
 * covariance of k directions of a network's weights without any d x d array; optionally the same run
 * keeps a few whole states per replica, evenly spaced over the averaging window (sgdl_stat_snapshots),
 * for the caller to evaluate state-dependent quantities on the law the averages see.
 * Not here: the exact values (src/exact/stationary_*.c), time-resolved ensembles (ensemble.c). */
#include <math.h>
#include <string.h>

#include "sgdlab/driver.h"
#include "sgdlab/rng.h"
#include "sgdlab/stationary.h"

void sgdl_stat_mc_free(sgdl_stat_mc *m) {
  if (!m) return;
  sgdl_free(m->mean);
  sgdl_free(m->mean_se);
  sgdl_free(m->cov);
  sgdl_free(m->cov_se);
  m->mean = m->mean_se = m->cov = m->cov_se = NULL;
}

/* The time-average observer: per-replica slots S1[r][d] (sums of y = x - x0) and S2[r][nsym]
 * (sums of y_i y_j, i <= j); per-thread scratch s1[d][W], s2[nsym][W] for the block's lanes. */
typedef struct {
  int d, nsym;            /* d: averaged values (the state's dimension, or k projections) */
  int dx;                 /* the state's dimension */
  const double *U;        /* NULL, or [d][dx]: average y = U (x - x0) instead (x0 then zero in y) */
  const double *x0s;      /* the state's x0 when U is set */
  double lookahead_mu; /* 0: average x; else x + lookahead_mu v (nag's aux is v, [naux = d][W]) */
  uint64_t burn, total;
  sgdl_stat_snapshots *snap; /* NULL, or states after steps burn + j every (j = 1..n) into snap->x */
  uint64_t snap_every;
  const double *x0, *hess;
  double *S1, *S2;
  sgdl_stat_mc *out;
} timeavg_obs;

static size_t timeavg_scratch(const sgdl_observer *o) {
  const timeavg_obs *a = o->state;
  return sizeof(double) * (size_t)(2 * a->d + a->nsym + (a->U ? a->dx : 0)) * SGDL_LANES;
}

/* y = U (x - x0) per lane into y[d][W] (the projected values; their x0 is zero). */
static void project(const timeavg_obs *a, const double *x, int W, double *y) {
  memset(y, 0, sizeof(double) * (size_t)a->d * W);
  for (int j = 0; j < a->dx; j++) {
    const double *xj = x + (size_t)j * W;
    for (int i = 0; i < a->d; i++) {
      const double u = a->U[(size_t)i * a->dx + j];
      double *yi = y + (size_t)i * W;
      for (int l = 0; l < W; l++) yi[l] += u * (xj[l] - a->x0s[j]);
    }
  }
}

static void timeavg_block_begin(const sgdl_observer *o, sgdl_block *b) {
  const timeavg_obs *a = o->state;
  memset(b->scratch, 0, sizeof(double) * (size_t)(a->d + a->nsym) * b->L.W);
}

/* After step k + 1 = t: accumulate once past burn-in; every 1024 steps and at the end, NaN/Inf. */
static int timeavg_observe(const sgdl_observer *o, sgdl_block *b, uint64_t t) {
  const timeavg_obs *a = o->state;
  const int d = a->d, W = b->L.W;
  const uint64_t k = t - 1;
  const double *x = b->L.x, *x0 = a->x0;
  double *s1 = b->scratch, *s2 = s1 + (size_t)d * W;
  if (k >= a->burn && a->lookahead_mu != 0) { /* the look-ahead point into the last scratch block */
    double *y = s2 + (size_t)a->nsym * W;
    for (int l = 0; l < W * d; l++) y[l] = x[l] + a->lookahead_mu * b->L.aux[l];
    x = y;
  }
  if (k >= a->burn && a->U) { /* projections into the scratch after s2 (and the look-ahead block) */
    double *y = s2 + (size_t)(a->nsym + d) * W;
    project(a, x, W, y);
    x = y;
  }
  if (k >= a->burn) {
    int q = 0;
    /* sums of y = x - x0 (x0 is near the stationary mean: little cancellation) */
    for (int i = 0; i < d; i++) {
      const double *xi = x + (size_t)i * W;
      double *a1 = s1 + (size_t)i * W;
      for (int l = 0; l < W; l++) a1[l] += xi[l] - x0[i];
      for (int j = i; j < d; j++, q++) {
        const double *xj = x + (size_t)j * W;
        double *a2 = s2 + (size_t)q * W;
        for (int l = 0; l < W; l++) a2[l] += (xi[l] - x0[i]) * (xj[l] - x0[j]);
      }
    }
  }
  if (a->snap && k >= a->burn && (k + 1 - a->burn) % a->snap_every == 0) {
    const uint64_t j = (k + 1 - a->burn) / a->snap_every - 1;
    const int n = a->snap->n, dx = a->dx;
    for (int l = 0; j < (uint64_t)n && l < W; l++) {
      double *s = a->snap->x + ((size_t)(b->L.replica0 + l) * n + j) * dx;
      for (int i = 0; i < dx; i++) s[i] = b->L.x[(size_t)i * W + l];
    }
  }
  if ((k & 1023) == 1023 || k + 1 == a->total) {
    int bad = 0;
    x = b->L.x;
    for (int l = 0; l < W * a->dx; l++)
      if (!isfinite(x[l])) bad = 1;
    if (bad) {
      b->diverged = 1;
      b->div_step = k;
      return SGDL_OBSERVE_STOP;
    }
  }
  return SGDL_OBSERVE_GO;
}

static void timeavg_block_end(const sgdl_observer *o, sgdl_block *b) {
  const timeavg_obs *a = o->state;
  const int d = a->d, nsym = a->nsym, W = b->L.W;
  const uint64_t r0 = b->L.replica0;
  const double *s1 = b->scratch, *s2 = s1 + (size_t)d * W;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) a->S1[(size_t)(r0 + l) * d + i] = s1[(size_t)i * W + l];
    for (int q = 0; q < nsym; q++) a->S2[(size_t)(r0 + l) * nsym + q] = s2[(size_t)q * W + l];
  }
}

static int timeavg_shared(const sgdl_observer *o, sgdl_drive_buffer *bufs) {
  const timeavg_obs *a = o->state;
  const size_t R = o->layout->paths;
  bufs[0] = (sgdl_drive_buffer){a->S1, R * (size_t)a->d, SGDL_BUF_DOUBLE};
  bufs[1] = (sgdl_drive_buffer){a->S2, R * (size_t)a->nsym, SGDL_BUF_DOUBLE};
  if (!a->snap) return 2;
  bufs[2] = (sgdl_drive_buffer){a->snap->x, R * (size_t)a->snap->n * (size_t)a->dx, SGDL_BUF_DOUBLE};
  return 3;
}

static int timeavg_finish(sgdl_ctx *ctx, const sgdl_observer *o) {
  const timeavg_obs *a = o->state;
  sgdl_stat_mc *out = a->out;
  const int d = a->d, nsym = a->nsym;
  const long R = (long)o->layout->paths;
  const double *S1 = a->S1, *S2 = a->S2, *x0 = a->x0, *hess = a->hess;
  const uint64_t steps = a->total - a->burn;
  int rc = SGDL_OK;
  /* Reduction in replica order (deterministic). In y = x - x0 coordinates: my = pooled mean of y.
   * Per-replica estimate about the POOLED mean, c_r = E_r[(y - my)(y - my)^T]
   *   = S2_r/T - my yr^T - yr my^T + my my^T   (yr = S1_r / T),
   * whose average is the pooled covariance and whose spread is the delta-method standard error
   * (centring at the replica's own mean would bias by Var(yr); plain S2_r/T - my my^T would carry
   * the 2 my (yr - my) fluctuation). */
  const double T = (double)steps;
  double *my = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  double *cr = sgdl_alloc(ctx, (size_t)R, sizeof(double));
  if (!my || !cr) rc = SGDL_ENOMEM;
  for (long r = 0; r < R && !rc; r++)
    for (int i = 0; i < d; i++) my[i] += S1[(size_t)r * d + i] / T;
  for (int i = 0; i < d && !rc; i++) {
    my[i] /= (double)R;
    out->mean[i] = x0[i] + my[i];
  }
  for (long r = 0; r < R && !rc; r++)
    for (int i = 0; i < d; i++) {
      double e = S1[(size_t)r * d + i] / T - my[i];
      out->mean_se[i] += e * e;
    }
  for (int i = 0; i < d && !rc; i++) out->mean_se[i] = sqrt(out->mean_se[i] / ((double)R - 1) / (double)R);
  int q = 0;
  double ex_m = 0, ex_v = 0;
  for (int i = 0; i < d && !rc; i++)
    for (int j = i; j < d; j++, q++) {
      double m = 0, v = 0;
      for (long r = 0; r < R; r++) {
        double yi = S1[(size_t)r * d + i] / T, yj = S1[(size_t)r * d + j] / T;
        double c = S2[(size_t)r * nsym + q] / T - my[i] * yj - yi * my[j] + my[i] * my[j];
        m += c;
        if (hess) cr[r] += (i == j ? 0.5 : 1.0) * hess[(size_t)i * d + j] * c;
      }
      m /= (double)R;
      for (long r = 0; r < R; r++) {
        double yi = S1[(size_t)r * d + i] / T, yj = S1[(size_t)r * d + j] / T;
        double e = S2[(size_t)r * nsym + q] / T - my[i] * yj - yi * my[j] + my[i] * my[j] - m;
        v += e * e;
      }
      out->cov[(size_t)i * d + j] = out->cov[(size_t)j * d + i] = m;
      out->cov_se[(size_t)i * d + j] = out->cov_se[(size_t)j * d + i] = sqrt(v / ((double)R - 1) / (double)R);
    }
  out->excess = out->excess_se = NAN;
  if (hess && !rc) {
    /* 1/2 tr(H c_r) per replica */
    for (long r = 0; r < R; r++) ex_m += cr[r] / (double)R;
    for (long r = 0; r < R; r++) ex_v += (cr[r] - ex_m) * (cr[r] - ex_m);
    out->excess = ex_m;
    out->excess_se = sqrt(ex_v / ((double)R - 1) / (double)R);
  }
  sgdl_free(my);
  sgdl_free(cr);
  return rc;
}

static const sgdl_observer_type timeavg_type = {
  "time-average", 0, timeavg_scratch, NULL, timeavg_block_begin, NULL, timeavg_observe, timeavg_block_end, NULL,
  timeavg_shared, timeavg_finish,
};

int sgdl_stat_simulate(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                       uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0,
                       const double *hess, sgdl_stat_mc *out) {
  return sgdl_stat_simulate_iterate(ctx, p, algo, par, SGDL_STAT_ITERATE_X, seed, replicas, burn, steps, x0, hess, out);
}

static int simulate_run(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par, int iterate,
                        uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0, int k, const double *U,
                        const double *hess, sgdl_stat_snapshots *snap, sgdl_stat_mc *out, sgdl_chunk_store *store);

int sgdl_stat_simulate_iterate(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                               int iterate, uint32_t seed, long replicas, uint64_t burn, uint64_t steps,
                               const double *x0, const double *hess, sgdl_stat_mc *out) {
  return simulate_run(ctx, p, algo, par, iterate, seed, replicas, burn, steps, x0, p->dim, NULL, hess, NULL, out, NULL);
}

int sgdl_stat_simulate_stored(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                              int iterate, uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0,
                              const double *hess, sgdl_stat_mc *out, sgdl_chunk_store *store) {
  return simulate_run(ctx, p, algo, par, iterate, seed, replicas, burn, steps, x0, p->dim, NULL, hess, NULL, out, store);
}

int sgdl_stat_simulate_proj(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par,
                            uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0, int k,
                            const double *U, const double *hess, sgdl_stat_snapshots *snap, sgdl_stat_mc *out,
                            sgdl_chunk_store *store) {
  if (k < 1 || !U) return sgdl_fail(ctx, SGDL_EINVAL, "--simulate: no directions to project on");
  if (k > p->dim) /* the projections' scratch lies in the state's (timeavg_scratch) */
    return sgdl_fail(ctx, SGDL_EINVAL, "--simulate: %d directions to project on, more than the %d weights", k, p->dim);
  if (snap && (snap->n < 1 || (uint64_t)snap->n > steps || !snap->x))
    return sgdl_fail(ctx, SGDL_EINVAL, "--simulate: %d snapshots asked of %llu steps per replica", snap->n, (unsigned long long)steps);
  return simulate_run(ctx, p, algo, par, SGDL_STAT_ITERATE_X, seed, replicas, burn, steps, x0, k, U, hess, snap, out, store);
}

static int simulate_run(sgdl_ctx *ctx, const sgdl_problem *p, const char *algo, const sgdl_algo_params *par, int iterate,
                        uint32_t seed, long replicas, uint64_t burn, uint64_t steps, const double *x0, int k, const double *U,
                        const double *hess, sgdl_stat_snapshots *snap, sgdl_stat_mc *out, sgdl_chunk_store *store) {
  memset(out, 0, sizeof *out);
  if (iterate != SGDL_STAT_ITERATE_X && !(iterate == SGDL_STAT_ITERATE_LOOKAHEAD && !strcmp(algo, "nag") && !par->sbc))
    return sgdl_fail(ctx, SGDL_EINVAL, "--nag-iterate: the look-ahead (torch) iterate exists only for --algo nag with constant momentum, not %s", algo);
  if (replicas < 2) return sgdl_fail(ctx, SGDL_EINVAL, "--replicas: %ld must be at least 2 (standard errors need replicas)", replicas);
  if (steps < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--simulate: no steps to average");
  sgdl_stepper *st = NULL;
  int rc = sgdl_stepper_create(ctx, algo, p, par, seed, 0, 1, &st);
  if (rc) return rc;
  const int d = k, nsym = d * (d + 1) / 2;
  double *zero = U ? sgdl_alloc(ctx, (size_t)d, sizeof(double)) : NULL; /* x0 in projected coordinates */
  if (U && !zero) {
    sgdl_stepper_destroy(st);
    return SGDL_ENOMEM;
  }
  const long R = replicas;
  /* per-replica sums: S1[r][d], S2[r][nsym] */
  double *S1 = sgdl_alloc(ctx, (size_t)R * d, sizeof(double));
  double *S2 = sgdl_alloc(ctx, (size_t)R * nsym, sizeof(double));
  out->d = d;
  out->replicas = R;
  out->burn = burn;
  out->steps = steps;
  out->mean = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  out->mean_se = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  out->cov = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  out->cov_se = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  if (!S1 || !S2 || !out->mean || !out->mean_se || !out->cov || !out->cov_se) {
    sgdl_free(S1);
    sgdl_free(S2);
    sgdl_free(zero);
    sgdl_stat_mc_free(out);
    sgdl_stepper_destroy(st);
    return SGDL_ENOMEM;
  }
  timeavg_obs a = {d, nsym, p->dim, U, x0, iterate == SGDL_STAT_ITERATE_LOOKAHEAD ? par->momentum : 0.0, burn, burn + steps,
                   snap, snap ? steps / (uint64_t)snap->n : 0, U ? zero : x0, hess, S1, S2, out};
  sgdl_observer o = {&timeavg_type, NULL, &a};
  sgdl_drive_plan dp = {st, 1, x0, (uint64_t)R, burn + steps, 1, "--simulate", 0, store};
  sgdl_drive_report rep;
  rc = sgdl_drive(ctx, &dp, &o, &rep);
  sgdl_stepper_destroy(st);
  if (rc == SGDL_EDIVERGED) {
    out->diverged = 1;
    rc = sgdl_fail(ctx, SGDL_EDIVERGED,
                   "--simulate: the %s iteration diverged (NaN/Inf) by step %llu: the learning rate %g is beyond what it tolerates",
                   algo, (unsigned long long)rep.div_step + 1, par->lr);
  }
  sgdl_free(S1);
  sgdl_free(S2);
  sgdl_free(zero);
  if (rc && !out->diverged) sgdl_stat_mc_free(out);
  return rc;
}
