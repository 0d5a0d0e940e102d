/* sgdl_ensemble_run: moments of observables at every learning-rate step (or every plan.every steps
 * and the last), as an observer of the
 * lane-block driver (driver.h), which owns the loop, the threads, divergence and the MPI split.
 * Per fixed chunk the observer keeps shifted sums, turns them into mean and M2 when the chunk is
 * done, and merges the chunks in chunk order with Chan's update (bitwise identical for any thread
 * or rank count). Also here: the jackknife over chunks and the MPI start-up helpers.
 * Does not: evaluate observables (observable.c) or step (the stepper). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/driver.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/rng.h"

#ifdef SGDL_HAVE_MPI
#include <mpi.h>
#endif

#define MAX_CHUNKS SGDL_DRIVE_MAX_CHUNKS

/* Chan et al.: merge (nb, mb, M2b) into (na, ma, M2a). */
static inline void merge(double *na, double *ma, double *m2a, double nb, double mb, double m2b) {
  double n = *na + nb;
  if (nb == 0) return;
  double delta = mb - *ma;
  *ma += delta * nb / n;
  *m2a += m2b + delta * delta * (*na) * nb / n;
  *na = n;
}

void sgdl_ensemble_result_free(sgdl_ensemble_result *r) {
  sgdl_free(r->mean);
  sgdl_free(r->var);
  sgdl_free(r->se);
  sgdl_free(r->chunk_sum);
  sgdl_free(r->chunk_n);
  memset(r, 0, sizeof *r);
}

int sgdl_ensemble_result_copy(sgdl_ctx *ctx, const sgdl_ensemble_result *src, sgdl_ensemble_result *dst) {
  *dst = *src;
  const size_t stat = (size_t)src->n_obs * src->n_times, G = (size_t)src->n_chunks;
  dst->mean = sgdl_alloc(ctx, stat, sizeof(double));
  dst->var = sgdl_alloc(ctx, stat, sizeof(double));
  dst->se = sgdl_alloc(ctx, stat, sizeof(double));
  dst->chunk_sum = sgdl_alloc(ctx, stat * G + 1, sizeof(double));
  dst->chunk_n = sgdl_alloc(ctx, G + 1, sizeof(double));
  if (!dst->mean || !dst->var || !dst->se || !dst->chunk_sum || !dst->chunk_n) {
    sgdl_ensemble_result_free(dst);
    return SGDL_ENOMEM;
  }
  memcpy(dst->mean, src->mean, sizeof(double) * stat);
  memcpy(dst->var, src->var, sizeof(double) * stat);
  memcpy(dst->se, src->se, sizeof(double) * stat);
  memcpy(dst->chunk_sum, src->chunk_sum, sizeof(double) * stat * G);
  memcpy(dst->chunk_n, src->chunk_n, sizeof(double) * G);
  return SGDL_OK;
}

/* Grow acc's chunk arrays to G groups (new groups empty). */
static int grow_chunks(sgdl_ctx *ctx, sgdl_ensemble_result *acc, int G) {
  const size_t stat = (size_t)acc->n_obs * acc->n_times, Ga = (size_t)acc->n_chunks;
  double *sum = sgdl_alloc(ctx, stat * (size_t)G + 1, sizeof(double)), *n = sgdl_alloc(ctx, (size_t)G + 1, sizeof(double));
  if (!sum || !n) {
    sgdl_free(sum);
    sgdl_free(n);
    return SGDL_ENOMEM;
  }
  memcpy(sum, acc->chunk_sum, sizeof(double) * stat * Ga);
  memcpy(n, acc->chunk_n, sizeof(double) * Ga);
  sgdl_free(acc->chunk_sum);
  sgdl_free(acc->chunk_n);
  acc->chunk_sum = sum;
  acc->chunk_n = n;
  acc->n_chunks = G;
  return SGDL_OK;
}

int sgdl_ensemble_result_merge(sgdl_ctx *ctx, sgdl_ensemble_result *acc, const sgdl_ensemble_result *add) {
  if (acc->paths == 0) {
    sgdl_ensemble_result_free(acc);
    return sgdl_ensemble_result_copy(ctx, add, acc);
  }
  if (acc->n_obs != add->n_obs || acc->n_times != add->n_times)
    return sgdl_fail(ctx, SGDL_EINVAL, "ensemble merge: the two ensembles have different shapes");
  const size_t stat = (size_t)acc->n_obs * acc->n_times;
  const int Ga = acc->n_chunks, Gb = add->n_chunks;
  /* add's chunks become groups of their own while there is room (a round of 200 replicas is one
   * chunk: merged rounds must not stay one jackknife group), then fold in turn into the groups */
  const uint64_t base = Ga < MAX_CHUNKS ? (uint64_t)Ga : (acc->paths / (add->paths ? add->paths : 1)) * (uint64_t)Gb;
  const int G = Ga + Gb < MAX_CHUNKS ? Ga + Gb : MAX_CHUNKS;
  if (G > Ga && grow_chunks(ctx, acc, G)) return SGDL_ENOMEM;
  const double na = (double)acc->paths, nb = (double)add->paths;
  for (size_t k = 0; k < stat; k++) {
    double n = na, mu = acc->mean[k], m2 = acc->var[k] * (na - 1);
    merge(&n, &mu, &m2, nb, add->mean[k], add->var[k] * (nb - 1));
    acc->mean[k] = mu;
    acc->var[k] = n > 1 ? m2 / (n - 1) : 0;
    acc->se[k] = sqrt(acc->var[k] / n);
  }
  for (int c = 0; c < Gb; c++) {
    const size_t g = (size_t)((base + (uint64_t)c) % MAX_CHUNKS);
    for (size_t i = 0; i < stat; i++) acc->chunk_sum[g * stat + i] += add->chunk_sum[(size_t)c * stat + i];
    acc->chunk_n[g] += add->chunk_n[c];
  }
  acc->paths += add->paths;
  return SGDL_OK;
}

/* The moments observer. Per chunk c and (observable, time) k = o*T + t: shifted sums
 * S1 = sum (v - s), S2 = sum (v - s)^2 with the shift s = the chunk's first block mean (one
 * vectorisable pass per block, numerically stable); turned into mean and M2 when the chunk is done. */
typedef struct {
  const sgdl_ensemble_plan *plan;
  size_t stat;       /* n_obs * T */
  double *mean, *m2; /* [chunks][stat]: shift and S1 while running; mean and M2 after chunk_end */
  double *s2;        /* [chunks][stat] */
  double *n;         /* [chunks] replicas accumulated */
  sgdl_ensemble_result *res;
  double lookahead_mu; /* 0: observables of x; else of nag's look-ahead x + lookahead_mu v (v = aux) */
} moments_obs;

static size_t moments_scratch(const sgdl_observer *o) {
  const moments_obs *m = o->state;
  const sgdl_ensemble_plan *pl = m->plan;
  /* vals[SGDL_LANES], then one replica's particles xs[P][d] and a gradient [d] for the loss,
   * grad_norm2 and the problem's named observables, then the look-ahead block y[P][d][W] */
  return sizeof(double) * (SGDL_LANES + ((size_t)pl->P + 1) * pl->stepper->prob->dim +
                           (size_t)pl->P * pl->stepper->prob->dim * SGDL_LANES);
}

uint64_t sgdl_ensemble_n_outputs(uint64_t steps, uint64_t every) {
  const uint64_t e = every > 1 ? every : 1;
  return steps / e + 1 + (steps % e != 0);
}

uint64_t sgdl_ensemble_output_step(uint64_t j, uint64_t steps, uint64_t every) {
  const uint64_t e = every > 1 ? every : 1;
  return j * e < steps ? j * e : steps;
}

static int moments_observe(const sgdl_observer *o, sgdl_block *b, uint64_t step) {
  const moments_obs *m = o->state;
  const sgdl_ensemble_plan *pl = m->plan;
  const uint64_t every = pl->every > 1 ? pl->every : 1;
  if (step % every && step != pl->steps) return SGDL_OBSERVE_GO; /* not an output step */
  const uint64_t t = (step + every - 1) / every; /* its output index (the horizon rounds up) */
  const sgdl_problem *prob = pl->stepper->prob;
  const int d = prob->dim, P = pl->P, W = b->L.W, nobs = pl->n_obs;
  const uint64_t T = sgdl_ensemble_n_outputs(pl->steps, every);
  const size_t off = (size_t)b->chunk * m->stat;
  double *mean = m->mean + off, *m2 = m->m2 + off, *s2a = m->s2 + off;
  const int first = m->n[b->chunk] == 0;
  const double *x = b->L.x;
  double *vals = b->scratch, *xs = vals + SGDL_LANES;
  if (m->lookahead_mu != 0) { /* nag: aux is the velocity v, laid out like x ([P][d][W]) */
    double *y = xs + (size_t)(P + 1) * d;
    for (size_t i = 0; i < (size_t)P * d * W; i++) y[i] = x[i] + m->lookahead_mu * b->L.aux[i];
    x = y;
  }
  for (int o_ = 0; o_ < nobs; o_++) {
    const sgdl_observable *ob = &pl->obs[o_];
    const double *v = vals;
    if (ob->kind == SGDL_OBS_X && !ob->shift && !ob->cv && !ob->anti) v = x + ((size_t)ob->p * d + ob->i) * W; /* no copy */
    else sgdl_observable_eval_lanes(ob, prob, d, P, W, x, vals, xs);
    const size_t k = (size_t)o_ * T + t;
    double c = mean[k];
    if (first) {
      c = 0;
      for (int l = 0; l < W; l++) c += v[l];
      c /= W;
      mean[k] = c;
      m2[k] = 0;
    }
    /* A SIMD reduction: its summation order is fixed by the compiled vector width (the same
     * for every run and thread count); a plain running sum would serialise on add latency. */
    double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
    for (int l = 0; l < W; l++) {
      const double e = v[l] - c;
      s1 += e;
      s2 += e * e;
    }
    if (!isfinite(s1) || !isfinite(s2) || !isfinite(c)) {
      b->diverged = 1;
      b->div_step = step;
      return SGDL_OBSERVE_STOP;
    }
    m2[k] += s1;
    s2a[k] += s2;
  }
  return SGDL_OBSERVE_GO;
}

static void moments_block_end(const sgdl_observer *o, sgdl_block *b) {
  const moments_obs *m = o->state;
  if (!b->diverged) m->n[b->chunk] += b->L.W;
}

/* Shifted sums -> mean and M2. */
static void moments_chunk_end(const sgdl_observer *o, int c) {
  const moments_obs *m = o->state;
  const double n = m->n[c];
  const size_t off = (size_t)c * m->stat;
  for (size_t k = 0; k < m->stat; k++) {
    const double s = m->mean[off + k], s1 = m->m2[off + k], s2 = m->s2[off + k];
    if (n > 0) {
      m->mean[off + k] = s + s1 / n;
      m->m2[off + k] = fmax(s2 - s1 * s1 / n, 0.0);
    }
  }
}

static int moments_shared(const sgdl_observer *o, sgdl_drive_buffer *bufs) {
  const moments_obs *m = o->state;
  const size_t G = (size_t)o->layout->chunks;
  bufs[0] = (sgdl_drive_buffer){m->n, G, SGDL_BUF_DOUBLE};
  bufs[1] = (sgdl_drive_buffer){m->mean, m->stat * G, SGDL_BUF_DOUBLE};
  bufs[2] = (sgdl_drive_buffer){m->m2, m->stat * G, SGDL_BUF_DOUBLE};
  return 3;
}

/* Chunks merged in chunk order. */
static int moments_finish(sgdl_ctx *ctx, const sgdl_observer *o) {
  (void)ctx;
  const moments_obs *m = o->state;
  sgdl_ensemble_result *res = m->res;
  const int G = o->layout->chunks;
  const size_t stat = m->stat;
  for (size_t k = 0; k < stat; k++) {
    double n = 0, mu = 0, m2 = 0;
    for (int c = 0; c < G; c++) merge(&n, &mu, &m2, m->n[c], m->mean[(size_t)c * stat + k], m->m2[(size_t)c * stat + k]);
    res->mean[k] = mu;
    res->var[k] = n > 1 ? m2 / (n - 1) : 0;
    res->se[k] = sqrt(res->var[k] / n);
  }
  for (int c = 0; c < G; c++) {
    res->chunk_n[c] = m->n[c];
    for (size_t k = 0; k < stat; k++) res->chunk_sum[(size_t)c * stat + k] = m->mean[(size_t)c * stat + k] * m->n[c];
  }
  return SGDL_OK;
}

static const sgdl_observer_type moments_type = {
  "moments", 1, moments_scratch, NULL, NULL, NULL, moments_observe, moments_block_end, moments_chunk_end,
  moments_shared, moments_finish,
};

int sgdl_ensemble_run(sgdl_ctx *ctx, const sgdl_ensemble_plan *pl, sgdl_ensemble_result *res) {
  return sgdl_ensemble_run_lookahead(ctx, pl, 0.0, res);
}

int sgdl_ensemble_run_lookahead(sgdl_ctx *ctx, const sgdl_ensemble_plan *pl, double mu, sgdl_ensemble_result *res) {
  memset(res, 0, sizeof *res);
  const sgdl_stepper *s = pl->stepper;
  if (mu != 0 && (strcmp(s->type->name, "nag") || s->par.sbc || s->naux != s->prob->dim))
    return sgdl_fail(ctx, SGDL_EINVAL, "--nag-iterate torch: the look-ahead iterate needs the nag stepper with constant "
                     "momentum, not %s", s->type->name);
  const int P = pl->P, nobs = pl->n_obs;
  if (pl->paths < 2) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: need at least 2 paths, got %llu", (unsigned long long)pl->paths);
  if (pl->paths > 0xffffffffULL) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: at most 4294967295 paths");
  if (P != s->particles) return sgdl_fail(ctx, SGDL_EINVAL, "ensemble: stepper planned for %d particles, run with %d", s->particles, P);
  const uint64_t T = sgdl_ensemble_n_outputs(pl->steps, pl->every), M = pl->paths;
  sgdl_drive_layout lay;
  sgdl_drive_layout_init(&lay, M);
  const int G = lay.chunks;
  const size_t stat = (size_t)nobs * T;
  res->n_obs = nobs;
  res->n_times = T;
  res->paths = M;
  res->n_chunks = G;
  res->mean = sgdl_alloc(ctx, stat, sizeof(double));
  res->var = sgdl_alloc(ctx, stat, sizeof(double));
  res->se = sgdl_alloc(ctx, stat, sizeof(double));
  res->chunk_sum = sgdl_alloc(ctx, stat * G, sizeof(double));
  res->chunk_n = sgdl_alloc(ctx, (size_t)G, sizeof(double));
  moments_obs m = {pl, stat, sgdl_alloc(ctx, stat * G, sizeof(double)), sgdl_alloc(ctx, stat * G, sizeof(double)),
                   sgdl_alloc(ctx, stat * G, sizeof(double)), sgdl_alloc(ctx, (size_t)G, sizeof(double)), res, mu};
  int rc = SGDL_ENOMEM;
  if (res->mean && res->var && res->se && res->chunk_sum && res->chunk_n && m.mean && m.m2 && m.s2 && m.n) {
    sgdl_observer o = {&moments_type, NULL, &m};
    sgdl_drive_plan dp = {s, P, pl->x0, M, pl->steps, 1, "ensemble", pl->replica0, NULL};
    sgdl_drive_report rep;
    rc = sgdl_drive(ctx, &dp, &o, &rep);
    if (rc == SGDL_EDIVERGED) {
      res->diverged = 1;
      res->diverged_step = rep.div_step;
      rc = sgdl_fail(ctx, SGDL_EDIVERGED,
                     "%s at lr %g diverged (NaN or Inf) by step %llu (t = %g); lower the learning rate or the horizon",
                     s->type->name, s->par.lr, (unsigned long long)rep.div_step, (double)rep.div_step * s->par.lr);
    }
  }
  sgdl_free(m.mean);
  sgdl_free(m.m2);
  sgdl_free(m.s2);
  sgdl_free(m.n);
  if (rc) sgdl_ensemble_result_free(res);
  return rc;
}

int sgdl_ensemble_jackknife(sgdl_ctx *ctx, const sgdl_ensemble_result *r, uint64_t t, int n, const int *idx,
                            double (*f)(const double *means, void *user), void *user, double *value, double *se) {
  const size_t stat = (size_t)r->n_obs * r->n_times;
  *value = *se = NAN;
  if (n < 1) return sgdl_fail(ctx, SGDL_EINVAL, "jackknife: need at least one observable, got %d", n);
  double *means = sgdl_alloc(ctx, 2 * (size_t)n, sizeof(double)), *tot = means ? means + n : NULL, N = 0;
  if (!means) return SGDL_ENOMEM;
  for (int c = 0; c < r->n_chunks; c++) N += r->chunk_n[c];
  for (int a = 0; a < n; a++) {
    tot[a] = 0;
    for (int c = 0; c < r->n_chunks; c++) tot[a] += r->chunk_sum[(size_t)c * stat + (size_t)idx[a] * r->n_times + t];
    means[a] = tot[a] / N;
  }
  *value = f(means, user);
  const int G = r->n_chunks;
  if (G >= 2) {
    double th[MAX_CHUNKS], bar = 0;
    for (int c = 0; c < G; c++) {
      for (int a = 0; a < n; a++)
        means[a] = (tot[a] - r->chunk_sum[(size_t)c * stat + (size_t)idx[a] * r->n_times + t]) / (N - r->chunk_n[c]);
      th[c] = f(means, user);
      bar += th[c] / G;
    }
    double v = 0;
    for (int c = 0; c < G; c++) v += (th[c] - bar) * (th[c] - bar);
    *se = sqrt(v * (G - 1) / G);
  }
  sgdl_free(means);
  return SGDL_OK;
}

int sgdl_mpi_init(int *argc, char ***argv) {
#ifdef SGDL_HAVE_MPI
  const char *launched = getenv("OMPI_COMM_WORLD_SIZE");
  if (launched && atoi(launched) > 1) return MPI_Init(argc, argv) == MPI_SUCCESS ? SGDL_OK : SGDL_EIO;
#else
  (void)argc;
  (void)argv;
#endif
  return SGDL_OK;
}

void sgdl_mpi_identify(sgdl_ctx *ctx) {
  ctx->rank = 0;
  ctx->ranks = 1;
#ifdef SGDL_HAVE_MPI
  int on = 0, off = 0;
  MPI_Initialized(&on);
  MPI_Finalized(&off);
  if (on && !off) {
    MPI_Comm_rank(MPI_COMM_WORLD, &ctx->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ctx->ranks);
  }
#endif
}

void sgdl_mpi_finalize(void) {
#ifdef SGDL_HAVE_MPI
  int on = 0, off = 0;
  MPI_Initialized(&on);
  MPI_Finalized(&off);
  if (on && !off) MPI_Finalize();
#endif
}
