/* Antithetic pairs of the weak study (SGDL_VR_ANTITHETIC, src/study/weak.c, src/dynamics/antithetic.c)
 * on linreg (N = 256, d = 3), against its exact moments (--exact):
 *   mirror:    the sample mirror is a permutation, and the mirrored samples' gradient noise at the
 *              start point is strongly anticorrelated with the original's;
 *   law + SE:  over six seeds, the z-scores (antithetic SGD mean - exact mean) / standard error at
 *              the middle and last time of every (lr, observable) have mean square near 1 and ~95%
 *              inside +-1.96: each half keeps SGD's law and the standard error (from the pair
 *              means) is honest; the models' antithetic means agree with a plain ensemble's;
 *   coverage:  the antithetic weak-error intervals cover the exact weak errors (up to the models'
 *              EM discretisation: a few misses allowed);
 *   combined:  antithetic pairs with control variates give the exact weak errors (the surrogate
 *              is the problem);
 *   threads:   1 and 2 threads give bitwise the same errors and series; odd --paths are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study_vr_fixture.h"

#define N_SEEDS 6

static int run(sgdl_ctx *ctx, const sgdl_problem *p, int exact, int vr, int threads, uint64_t paths, uint32_t seed,
               sgdl_study_result *r) {
  static const char *const names[N_OBS] = {"x0", "x0^2", "loss"};
  return study_vr_run(ctx, p, names, exact, vr, threads, paths, seed, r);
}

static void check_mirror(sgdl_ctx *ctx, const sgdl_problem *p) {
  const size_t N = p->n_data;
  uint32_t *map = malloc(sizeof *map * N);
  char *seen = calloc(N, 1);
  double *g = malloc(sizeof *g * N * 3), mean[3] = {0, 0, 0};
  CHECK(sgdl_sample_mirror(ctx, p, 1, study_vr_x0, map) == 0, "sample mirror: %s", ctx->msg);
  int perm = 1;
  for (size_t n = 0; n < N; n++) {
    perm &= map[n] < N && !seen[map[n]];
    if (map[n] < N) seen[map[n]] = 1;
    p->type->grad_sample(p, study_vr_x0, n, g + 3 * n);
    for (int i = 0; i < 3; i++) mean[i] += g[3 * n + i] / (double)N;
  }
  CHECK(perm, "the sample mirror is a permutation of 0..N-1");
  double same = 0, cross = 0;
  for (size_t n = 0; n < N && perm; n++)
    for (int i = 0; i < 3; i++) {
      same += (g[3 * n + i] - mean[i]) * (g[3 * n + i] - mean[i]);
      cross += (g[3 * n + i] - mean[i]) * (g[3 * map[n] + i] - mean[i]);
    }
  printf("sample mirror: correlation of a sample's noise with its mirror's %.3f\n", cross / same);
  CHECK(cross < -0.5 * same, "mirrored noise anticorrelated: %g vs %g", cross, same);
  free(map);
  free(seen);
  free(g);
}

/* sum_i xi_i . xi_sigma(i) at x0 (the cost the mirror minimises, up to a constant) */
static double mirror_cost(const double *g, const int *sigma, int N) {
  double c = 0;
  for (int n = 0; n < N; n++)
    for (int i = 0; i < 3; i++) c += g[3 * n + i] * g[3 * sigma[n] + i];
  return c;
}

/* N = 7: the mirror's cost is the least over all 5040 permutations (Heap's algorithm). */
static void check_assignment(sgdl_ctx *ctx, const sgdl_problem *p) {
  enum { N = 7 };
  uint32_t map[N];
  double g[3 * N];
  int sigma[N], c[N] = {0}, mine[N];
  CHECK(sgdl_sample_mirror(ctx, p, 1, study_vr_x0, map) == 0, "sample mirror N = 7: %s", ctx->msg);
  for (int n = 0; n < N; n++) {
    p->type->grad_sample(p, study_vr_x0, (size_t)n, g + 3 * n);
    sigma[n] = n;
    mine[n] = (int)map[n] % N;
  }
  double best = mirror_cost(g, sigma, N);
  for (int i = 1; i < N;) {
    if (c[i] < i) {
      const int a = i % 2 ? c[i] : 0, t = sigma[a];
      sigma[a] = sigma[i];
      sigma[i] = t;
      best = fmin(best, mirror_cost(g, sigma, N));
      c[i]++;
      i = 1;
    } else c[i++] = 0;
  }
  CHECK_ABS(mirror_cost(g, mine, N), best, 1e-12 * fabs(best) + 1e-15, "sample mirror N = 7: the least-cost permutation");
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *lin = study_vr_problem(&ctx, "linreg", 256), *tiny = study_vr_problem(&ctx, "linreg", 7);
  check_mirror(&ctx, lin);
  check_assignment(&ctx, tiny);
  sgdl_problem_destroy(tiny);
  const int n = N_MOD * N_LR * N_OBS;

  sgdl_study_result ex, plain, anti[N_SEEDS];
  CHECK(run(&ctx, lin, 1, SGDL_VR_NONE, 2, 0, 7, &ex) == 0, "exact: %s", ctx.msg);
  CHECK(run(&ctx, lin, 0, SGDL_VR_NONE, 2, 4000, 99, &plain) == 0, "plain: %s", ctx.msg);
  double z2 = 0, zm2 = 0;
  int nz = 0, inside = 0, nzm = 0, inside_m = 0, cover = 0;
  for (int k = 0; k < N_SEEDS; k++) {
    CHECK(run(&ctx, lin, 0, SGDL_VR_ANTITHETIC, 2, 400, (uint32_t)(11 + k), &anti[k]) == 0, "antithetic: %s", ctx.msg);
    for (int m = 0; m <= N_MOD; m++)
      for (int li = 0; li < N_LR; li++)
        for (int s = 0; s < N_OBS; s++) {
          const sgdl_study_series *a = SGDL_STUDY_SERIES(&anti[k], m, li, s), *e = SGDL_STUDY_SERIES(&ex, m, li, s),
                                  *pl = SGDL_STUDY_SERIES(&plain, m, li, s);
          const uint64_t T = a->n_times;
          for (uint64_t t = T / 2; t < T; t += T - 1 - T / 2) {
            if (m == 0) { /* SGD: no discretisation, the exact moments are its law */
              const double z = (a->mean[t] - e->mean[t]) / a->se[t];
              z2 += z * z;
              inside += fabs(z) < 1.96;
              nz++;
            } else { /* a model: against a plain ensemble of the same scheme */
              const double z = (a->mean[t] - pl->mean[t]) / sqrt(a->se[t] * a->se[t] + pl->se[t] * pl->se[t]);
              zm2 += z * z;
              inside_m += fabs(z) < 1.96;
              nzm++;
            }
            if (t == T - 1) break;
          }
        }
    for (int i = 0; i < n; i++) cover += anti[k].errors[i].lo <= ex.errors[i].value && ex.errors[i].value <= anti[k].errors[i].hi;
  }
  printf("antithetic SGD vs exact: mean z^2 %.3f over %d, %d inside +-1.96\n", z2 / nz, nz, inside);
  printf("antithetic models vs plain: mean z^2 %.3f over %d, %d inside +-1.96\n", zm2 / nzm, nzm, inside_m);
  printf("antithetic weak-error intervals covering the exact error: %d of %d\n", cover, n * N_SEEDS);
  CHECK(z2 / nz > 0.45 && z2 / nz < 1.8, "SGD: the pair standard error is calibrated (mean z^2 %g)", z2 / nz);
  CHECK(inside >= 0.85 * nz, "SGD: %d of %d z-scores inside +-1.96", inside, nz);
  CHECK(zm2 / nzm > 0.45 && zm2 / nzm < 1.8, "models: antithetic and plain means agree (mean z^2 %g)", zm2 / nzm);
  CHECK(inside_m >= 0.85 * nzm, "models: %d of %d z-scores inside +-1.96", inside_m, nzm);
  CHECK(cover >= 0.85 * n * N_SEEDS, "weak-error intervals cover the exact errors: %d of %d", cover, n * N_SEEDS);

  sgdl_study_result a1, both;
  CHECK(run(&ctx, lin, 0, SGDL_VR_ANTITHETIC, 1, 400, 11, &a1) == 0, "antithetic, 1 thread: %s", ctx.msg);
  CHECK(!memcmp(a1.errors, anti[0].errors, sizeof *a1.errors * (size_t)n), "antithetic: 1 and 2 threads bitwise");
  for (int s = 0; s < (N_MOD + 1) * N_LR * N_OBS; s++)
    CHECK(!memcmp(a1.series[s].mean, anti[0].series[s].mean, sizeof(double) * a1.series[s].n_times) &&
              !memcmp(a1.series[s].se, anti[0].series[s].se, sizeof(double) * a1.series[s].n_times),
          "antithetic: series bitwise for 1 and 2 threads");
  CHECK(run(&ctx, lin, 0, SGDL_VR_ANTITHETIC | SGDL_VR_CONTROL_VARIATE, 2, 100, 11, &both) == 0, "both: %s", ctx.msg);
  for (int i = 0; i < n; i++) {
    const double e = ex.errors[i].value, tol = 1e-9 * fmax(1e-3, fabs(e));
    CHECK_ABS(both.errors[i].value, e, tol, "linreg antithetic + control-variate weak error = exact");
  }
  sgdl_study_result odd;
  CHECK(run(&ctx, lin, 0, SGDL_VR_ANTITHETIC, 2, 401, 11, &odd) == SGDL_EINVAL && strstr(ctx.msg, "--paths"),
        "odd --paths refused, naming the flag: %s", ctx.msg);
  sgdl_study_result_free(&a1);
  sgdl_study_result_free(&both);
  for (int k = 0; k < N_SEEDS; k++) sgdl_study_result_free(&anti[k]);
  sgdl_study_result_free(&ex);
  sgdl_study_result_free(&plain);
  sgdl_problem_destroy(lin);
  return check_done();
}
