/* Antithetic pairs for the weak study (include/sgdlab/stepper.h): a stepper run twice in one
 * replica, once on the lanes' own random numbers and once on their mirror (sgdl_mirror: the same
 * Philox words, normals negated, a finite data set's sample indices through a fixed permutation),
 * and the sample mirror of a finite data set: the permutation that sends each sample to the one
 * whose gradient noise is closest to its reflection (an optimal assignment, Hungarian method).
 * Negation carries N(0, I) to itself and a permutation carries a uniform index (or a uniform
 * B-subset) to itself, step by step and independently across steps, so the mirror half has the
 * inner stepper's law exactly; the pair's mean has a smaller variance wherever f(path) has an odd
 * part in the noise. Coupled pairs stay coupled: the mirror of a coupled SGD half takes the
 * permuted image of the index the unmirrored flow noise chose (sgrad.c), beside the flow's negated noise.
 * Does not: average the halves (the observables do, sgdl_observable.anti), or choose the point
 * the sample mirror is computed at (the caller passes it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics/internal.h"

typedef struct {
  sgdl_stepper *inner;
  sgdl_mirror mirror;
  uint32_t *index; /* owned copy of the index map, or NULL */
} anti_impl;

static int anti_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  (void)ctx;
  (void)s;
  return SGDL_OK;
}

static void anti_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const anti_impl *ai = s->impl;
  const int P = L->P / 2;
  sgdl_lanes a = *L, b = *L;
  a.P = b.P = P;
  b.x = L->x + (size_t)P * L->d * L->W;
  b.aux = L->aux + (size_t)P * ai->inner->naux * L->W;
  b.mirror = &ai->mirror;
  ai->inner->type->step(ai->inner, &a);
  ai->inner->type->step(ai->inner, &b);
}

static void anti_destroy(sgdl_stepper *s) {
  anti_impl *ai = s->impl;
  if (ai) {
    sgdl_stepper_destroy(ai->inner);
    free(ai->index);
  }
  free(ai);
  s->impl = NULL;
}

/* Not in the registry: made only by sgdl_stepper_create_antithetic. */
static const sgdl_stepper_type anti_type = {"antithetic", 0, {SGDL_OPT_NONE, SGDL_DRIFT_NONE, 0, SGDL_NOISE_NONE, SGDL_MOMENTUM_NONE, 0},
                                            "a stepper beside its mirror on negated normals and mirrored samples",
                                            anti_plan, anti_step, anti_destroy};

int sgdl_stepper_create_antithetic(sgdl_ctx *ctx, sgdl_stepper *inner, const uint32_t *index_map, sgdl_stepper **out) {
  *out = NULL;
  if (!inner) return sgdl_fail(ctx, SGDL_EINVAL, "--variance-reduction antithetic: no stepper to mirror");
  const size_t N = inner->prob->n_data;
  anti_impl *ai = calloc(1, sizeof *ai);
  sgdl_stepper *s = calloc(1, sizeof *s);
  uint32_t *index = index_map && N ? malloc(sizeof *index * N) : NULL;
  if (!ai || !s || (index_map && N && !index)) {
    free(ai);
    free(s);
    free(index);
    sgdl_stepper_destroy(inner);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  }
  if (index) memcpy(index, index_map, sizeof *index * N);
  ai->inner = inner;
  ai->index = index;
  ai->mirror.index = index;
  ai->mirror.n = (uint32_t)N;
  s->type = &anti_type;
  s->prob = inner->prob;
  s->par = inner->par;
  s->seed = inner->seed;
  s->stream = inner->stream;
  s->particles = 2 * inner->particles;
  s->impl = ai;
  s->cB = inner->cB;
  s->naux = inner->naux;
  s->work_per_lane = inner->work_per_lane;
  s->noise_form = inner->noise_form;
  *out = s;
  return SGDL_OK;
}

/* Minimum-cost assignment of an n x n cost matrix C (row-major): col_of[i] for every row i.
 * The O(n^3) Hungarian method with potentials (shortest augmenting paths, one row at a time). */
static int assign_min_cost(int n, const double *C, uint32_t *col_of) {
  double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)n + 1, sizeof *v), *minv = malloc(sizeof *minv * ((size_t)n + 1));
  int *p = calloc((size_t)n + 1, sizeof *p), *way = calloc((size_t)n + 1, sizeof *way);
  char *used = malloc((size_t)n + 1);
  const int ok = u && v && minv && p && way && used;
  for (int i = 1; ok && i <= n; i++) { /* p[j]: the row matched to column j (1-based, 0 = none) */
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= n; j++) minv[j] = INFINITY;
    memset(used, 0, (size_t)n + 1);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = INFINITY;
      int j1 = 0;
      for (int j = 1; j <= n; j++)
        if (!used[j]) {
          const double cur = C[(size_t)(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      for (int j = 0; j <= n; j++)
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      j0 = j1;
    } while (p[j0] != 0);
    do { /* augment along the path back to column 0 */
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; ok && j <= n; j++) col_of[p[j] - 1] = (uint32_t)(j - 1);
  free(u);
  free(v);
  free(minv);
  free(p);
  free(way);
  free(used);
  return ok;
}

int sgdl_sample_mirror(sgdl_ctx *ctx, const sgdl_problem *prob, int npts, const double *pts, uint32_t *map) {
  const size_t N = prob->n_data;
  const int d = prob->dim;
  if (!N || !prob->type->grad_sample)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction antithetic: problem %s has no per-sample gradients for "
                     "the sample mirror", prob->type->name);
  if (N > SGDL_SAMPLE_MIRROR_MAX_N)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--variance-reduction antithetic: the sample mirror is an O(N^3) assignment, "
                     "limited to N <= %d (N = %zu)", SGDL_SAMPLE_MIRROR_MAX_N, N);
  double *xi = malloc(sizeof *xi * N * (size_t)d), *mean = malloc(sizeof *mean * (size_t)d), *C = calloc(N * N, sizeof *C);
  int rc = xi && mean && C ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory for the sample mirror (N = %zu)", N);
  for (int k = 0; k < npts && !rc; k++) {
    memset(mean, 0, sizeof *mean * (size_t)d);
    for (size_t n = 0; n < N; n++) {
      prob->type->grad_sample(prob, pts + (size_t)k * d, n, xi + n * d);
      for (int i = 0; i < d; i++) mean[i] += xi[n * d + i] / (double)N;
    }
    for (size_t n = 0; n < N; n++) /* centred: a shift changes every assignment's cost by the same amount */
      for (int i = 0; i < d; i++) xi[n * d + i] -= mean[i];
    /* |xi_i + xi_j|^2 = |xi_i|^2 + |xi_j|^2 + 2 xi_i . xi_j: over permutations only the dot products differ */
    for (size_t a = 0; a < N; a++)
      for (size_t b = 0; b < N; b++) {
        double s = 0;
        for (int i = 0; i < d; i++) s += xi[a * d + i] * xi[b * d + i];
        C[a * N + b] += s;
      }
  }
  if (!rc && !assign_min_cost((int)N, C, map)) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory for the sample mirror");
  free(xi);
  free(mean);
  free(C);
  return rc;
}
