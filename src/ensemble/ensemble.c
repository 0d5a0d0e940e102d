/* The ensemble driver: blocks of SGDL_LANES replicas, advanced by a stepper, observables at
 * every learning-rate step, streaming mean/variance per fixed chunk (shifted sums) merged in a
 * fixed order with Chan's update
 * (bitwise identical for any thread count). Parallel over chunks with OpenMP. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/ensemble.h"
#include "sgdlab/rng.h"

#ifdef SGDL_HAVE_MPI
#include <mpi.h>
#endif

#define MAX_CHUNKS 64

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

/* Per chunk and (observable, time): shifted sums S1 = sum (v - c), S2 = sum (v - c)^2 with the
 * shift c = the chunk's first block mean (one vectorisable pass per block, numerically stable);
 * turned into mean and M2 when the chunk is done. */
typedef struct {
  double *mean, *m2; /* [n_obs][T]: shift c and S1 while running; mean and M2 after finish_chunk */
  double *s2;
  double n;
  int diverged;
  uint64_t div_t;
} chunk_acc;

static void run_block(const sgdl_ensemble_plan *pl, uint64_t r0, int W, double *x, double *aux, double *work,
                      double *vals, double *xs, chunk_acc *acc) {
  const sgdl_stepper *s = pl->stepper;
  const sgdl_problem *prob = s->prob;
  const int d = prob->dim, P = pl->P, nobs = pl->n_obs;
  const uint64_t T = pl->steps + 1;
  const int first = acc->n == 0;
  for (int q = 0; q < P; q++)
    for (int i = 0; i < d; i++)
      for (int l = 0; l < W; l++) x[((size_t)q * d + i) * W + l] = pl->x0[(size_t)q * d + i];
  memset(aux, 0, sizeof(double) * (size_t)P * (s->naux ? s->naux : 1) * W);
  sgdl_lanes L = {W, (uint32_t)r0, P, d, x, aux, 0, work};
  for (uint64_t t = 0; t < T; t++) {
    if (t > 0) {
      L.k = t - 1;
      s->type->step(s, &L);
    }
    for (int o = 0; o < nobs; o++) {
      const sgdl_observable *ob = &pl->obs[o];
      const double *v = vals;
      if (ob->kind == SGDL_OBS_X && !ob->shift) v = x + ((size_t)ob->p * d + ob->i) * W; /* no copy */
      else sgdl_observable_eval_lanes(ob, prob, d, P, W, x, vals, xs);
      const size_t k = (size_t)o * T + t;
      double c = acc->mean[k];
      if (first) {
        c = 0;
        for (int l = 0; l < W; l++) c += v[l];
        c /= W;
        acc->mean[k] = c;
        acc->m2[k] = 0;
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
        if (!acc->diverged || t < acc->div_t) acc->div_t = t;
        acc->diverged = 1;
        return;
      }
      acc->m2[k] += s1;
      acc->s2[k] += s2;
    }
  }
  acc->n += W;
}

/* Shifted sums -> mean and M2. */
static void finish_chunk(chunk_acc *a, size_t stat) {
  for (size_t k = 0; k < stat; k++) {
    const double c = a->mean[k], s1 = a->m2[k], s2 = a->s2[k];
    if (a->n > 0) {
      a->mean[k] = c + s1 / a->n;
      a->m2[k] = fmax(s2 - s1 * s1 / a->n, 0.0);
    }
  }
}

int sgdl_ensemble_run(sgdl_ctx *ctx, const sgdl_ensemble_plan *pl, sgdl_ensemble_result *res) {
  memset(res, 0, sizeof *res);
  const sgdl_stepper *s = pl->stepper;
  const int d = s->prob->dim, P = pl->P, nobs = pl->n_obs;
  if (pl->paths < 2) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: need at least 2 paths, got %llu", (unsigned long long)pl->paths);
  if (pl->paths > 0xffffffffULL) return sgdl_fail(ctx, SGDL_EINVAL, "--paths: at most 4294967295 paths");
  if (P != s->particles) return sgdl_fail(ctx, SGDL_EINVAL, "ensemble: stepper planned for %d particles, run with %d", s->particles, P);
  const uint64_t T = pl->steps + 1, M = pl->paths;
  const uint64_t nblocks = (M + SGDL_LANES - 1) / SGDL_LANES;
  const int G = (int)(nblocks < MAX_CHUNKS ? nblocks : MAX_CHUNKS);
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
  double *cm = sgdl_alloc(ctx, stat * G, sizeof(double)), *cm2 = sgdl_alloc(ctx, stat * G, sizeof(double)),
         *cs2 = sgdl_alloc(ctx, stat * G, sizeof(double));
  chunk_acc *acc = sgdl_alloc(ctx, (size_t)G, sizeof *acc);
  if (!res->mean || !res->var || !res->se || !res->chunk_sum || !res->chunk_n || !cm || !cm2 || !cs2 || !acc) {
    sgdl_free(cm);
    sgdl_free(cm2);
    sgdl_free(cs2);
    sgdl_free(acc);
    sgdl_ensemble_result_free(res);
    return SGDL_ENOMEM;
  }
  for (int c = 0; c < G; c++) {
    acc[c].mean = cm + (size_t)c * stat;
    acc[c].m2 = cm2 + (size_t)c * stat;
    acc[c].s2 = cs2 + (size_t)c * stat;
  }
  int done = 0, failed_alloc = 0, stop = 0;
  const int threads = sgdl_ctx_threads(ctx);
  const int rank = ctx && ctx->ranks > 1 ? ctx->rank : 0, ranks = ctx && ctx->ranks > 1 ? ctx->ranks : 1;
#ifndef SGDL_HAVE_MPI
  if (ranks > 1) {
    sgdl_free(cm);
    sgdl_free(cm2);
    sgdl_free(cs2);
    sgdl_free(acc);
    sgdl_ensemble_result_free(res);
    return sgdl_fail(ctx, SGDL_ENOTSUP, "ensemble: %d ranks requested but sgdlab was built without MPI", ranks);
  }
#endif
#pragma omp parallel num_threads(threads)
  {
    const size_t lanes = SGDL_LANES;
    double *x = malloc(sizeof(double) * (size_t)P * d * lanes);
    double *aux = malloc(sizeof(double) * (size_t)P * (s->naux ? s->naux : 1) * lanes);
    double *work = malloc(sizeof(double) * ((size_t)s->work_per_lane + 1) * lanes);
    double *vals = malloc(sizeof(double) * (size_t)(nobs ? nobs : 1) * lanes);
    double *xs = malloc(sizeof(double) * (size_t)P * d);
    if (!x || !aux || !work || !vals || !xs) {
#pragma omp atomic write
      failed_alloc = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < G; c++) {
      if (c % ranks != rank) continue; /* another MPI rank's chunk */
      int halt;
#pragma omp atomic read
      halt = stop;
      if (failed_alloc || halt) continue;
      const uint64_t b0 = nblocks * (uint64_t)c / G, b1 = nblocks * (uint64_t)(c + 1) / G;
      for (uint64_t b = b0; b < b1 && !acc[c].diverged; b++) {
        const uint64_t r0 = b * SGDL_LANES;
        const int W = (int)(M - r0 < SGDL_LANES ? M - r0 : SGDL_LANES);
        run_block(pl, r0, W, x, aux, work, vals, xs, &acc[c]);
      }
      finish_chunk(&acc[c], stat);
      if (acc[c].diverged) {
#pragma omp atomic write
        stop = 1;
      }
      int now;
#pragma omp atomic capture
      now = ++done;
      if (omp_get_thread_num() == 0 && rank == 0) sgdl_progress(ctx, (double)now * ranks / G);
    }
    free(x);
    free(aux);
    free(work);
    free(vals);
    free(xs);
  }
  if (rank == 0) sgdl_progress(ctx, 1.0);
  int rc = SGDL_OK;
#ifdef SGDL_HAVE_MPI
  if (ranks > 1) {
    /* Each chunk was computed by exactly one rank and is zero elsewhere: summing over ranks
     * reproduces every chunk's statistics exactly, then the fixed-order merge below runs
     * identically on every rank. */
    double *cn = sgdl_alloc(ctx, (size_t)G * 3, sizeof(double));
    if (!cn) failed_alloc = 1;
    else {
      for (int c = 0; c < G; c++) {
        cn[c] = acc[c].n;
        cn[G + c] = acc[c].diverged;
        cn[2 * G + c] = acc[c].diverged ? (double)acc[c].div_t : 0;
      }
      MPI_Allreduce(MPI_IN_PLACE, cn, 3 * G, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      MPI_Allreduce(MPI_IN_PLACE, cm, (int)(stat * G), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      MPI_Allreduce(MPI_IN_PLACE, cm2, (int)(stat * G), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      int fa = failed_alloc;
      MPI_Allreduce(MPI_IN_PLACE, &fa, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
      failed_alloc = fa;
      for (int c = 0; c < G; c++) {
        acc[c].n = cn[c];
        acc[c].diverged = cn[G + c] > 0;
        acc[c].div_t = (uint64_t)cn[2 * G + c];
      }
      sgdl_free(cn);
    }
  }
#endif
  if (failed_alloc) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory for ensemble buffers");
  for (int c = 0; c < G && !rc; c++)
    if (acc[c].diverged) {
      res->diverged = 1;
      res->diverged_step = acc[c].div_t;
      rc = sgdl_fail(ctx, SGDL_EDIVERGED,
                     "%s at lr %g diverged (NaN or Inf) by step %llu (t = %g); lower the learning rate or the horizon",
                     s->type->name, s->par.lr, (unsigned long long)acc[c].div_t, (double)acc[c].div_t * s->par.lr);
    }
  if (!rc) {
    for (size_t k = 0; k < stat; k++) {
      double n = 0, m = 0, m2 = 0;
      for (int c = 0; c < G; c++) merge(&n, &m, &m2, acc[c].n, acc[c].mean[k], acc[c].m2[k]);
      res->mean[k] = m;
      res->var[k] = n > 1 ? m2 / (n - 1) : 0;
      res->se[k] = sqrt(res->var[k] / n);
    }
    for (int c = 0; c < G; c++) {
      res->chunk_n[c] = acc[c].n;
      for (size_t k = 0; k < stat; k++) res->chunk_sum[(size_t)c * stat + k] = acc[c].mean[k] * acc[c].n;
    }
  }
  sgdl_free(cm);
  sgdl_free(cm2);
  sgdl_free(cs2);
  sgdl_free(acc);
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
