/* Coupled pairs on a finite data set share the flow's summed substep normals (pair.c,
 * sgdl_pair_sums): the flow stepper keeps S while it draws its normals and the SGD half ranks that
 * S instead of drawing the N m normals again. The regenerating form stays as the reference, a pair
 * made with sgdl_stepper_create_pair_sums(..., SGDL_PAIR_SUMS_REGENERATED, ...); both must give bitwise the same ensemble means and variances, for
 * smf1/smf2, EM and Heun, substeps 1 and 4, B = 1 (with and without replacement) and B = 3
 * without replacement, d = 2 and 50, 1 and 2 threads, and the antithetic mirror of a pair. sme1
 * is never coupled on a data set (its SME noise is not the flow's): its pair is refused both ways.
 * Does not: check the laws (test_ensemble_mc does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dynamics/internal.h"
#include "sgdlab/ensemble.h"

enum { NOBS = 6 };

/* Means and variances of x0, x1^2 and the loss at each particle (up to 4) of one run. */
static int run(sgdl_ctx *ctx, const sgdl_problem *p, const char *model, const sgdl_algo_params *par, int anti,
               int threads, int share, sgdl_ensemble_result *er) {
  sgdl_stepper *st = NULL, *pair = NULL;
  const int form = share ? SGDL_PAIR_SUMS_SHARED : SGDL_PAIR_SUMS_REGENERATED;
  int rc = sgdl_stepper_create_pair_sums(ctx, "sgd", model, p, par, 91, 3, 1, form, &pair);
  if (rc) return rc;
  CHECK(sgdl_pair_shares_sums(pair) == share, "%s: the pair made with form %d reports sharing %d", model, form,
        sgdl_pair_shares_sums(pair));
  st = pair;
  if (anti && (rc = sgdl_stepper_create_antithetic(ctx, pair, NULL, &st))) return rc;
  const int P = anti ? 4 : 2, d = p->dim;
  sgdl_observable obs[NOBS];
  const char *names[NOBS] = {"x0@0", "x1^2@0", "loss@0", "x0@1", "x1^2@1", "loss@1"};
  for (int i = 0; i < NOBS; i++) {
    char txt[32];
    snprintf(txt, sizeof txt, "%s", names[i]);
    if (anti && i >= 3) txt[strlen(txt) - 1] = '2'; /* the mirror's SGD half */
    sgdl_observable_parse(ctx, txt, d, P, &obs[i]);
  }
  double *x0 = calloc((size_t)P * d, sizeof *x0);
  for (int i = 0; i < P * d; i++) x0[i] = 0.1 * (i % 3);
  ctx->threads = threads;
  sgdl_ensemble_plan plan = {st, P, x0, 37, 6, NOBS, obs, 0, 1};
  rc = sgdl_ensemble_run(ctx, &plan, er);
  free(x0);
  sgdl_stepper_destroy(st);
  return rc;
}

static int same(const sgdl_ensemble_result *a, const sgdl_ensemble_result *b) {
  const size_t n = (size_t)a->n_obs * a->n_times;
  return a->n_obs == b->n_obs && a->n_times == b->n_times && !memcmp(a->mean, b->mean, n * sizeof *a->mean) &&
         !memcmp(a->var, b->var, n * sizeof *a->var);
}

static void compare(sgdl_ctx *ctx, const sgdl_problem *p, const char *model, int scheme, int sub, int B, int without,
                    int anti, int threads) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.batch = B;
  par.without_replacement = without;
  par.substeps = sub;
  par.scheme = scheme;
  sgdl_ensemble_result ref, shared;
  const int r0 = run(ctx, p, model, &par, anti, threads, 0, &ref);
  const int r1 = run(ctx, p, model, &par, anti, threads, 1, &shared);
  const char *sn = scheme == SGDL_SCHEME_HEUN ? "heun" : "em";
  if (!strcmp(model, "sme1")) { /* not coupleable on a data set: refused the same way by both */
    CHECK(r0 && r1, "sme1 pair on a data set was accepted");
    return;
  }
  CHECK(!r0 && !r1, "%s: %s", model, ctx->msg);
  if (r0 || r1) return;
  CHECK(same(&ref, &shared), "%s %s sub %d B %d without %d d %d anti %d threads %d: shared sums differ from regenerated",
        model, sn, sub, B, without, p->dim, anti, threads);
  CHECK(!ref.diverged, "%s diverged", model);
  sgdl_ensemble_result_free(&ref);
  sgdl_ensemble_result_free(&shared);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int dims[2] = {2, 50};
  for (int di = 0; di < 2; di++) {
    sgdl_problem_spec sp;
    sgdl_problem_spec_init(&sp);
    sp.name = "logreg";
    sp.gen_n = 64;
    sp.gen_d = dims[di];
    sgdl_problem *p = NULL;
    CHECK(sgdl_problem_create(&ctx, &sp, &p) == 0, "logreg d %d: %s", dims[di], ctx.msg);
    if (!p) continue;
    const char *models[3] = {"sme1", "smf1", "smf2"};
    const int schemes[2] = {SGDL_SCHEME_EM, SGDL_SCHEME_HEUN}, subs[2] = {1, 4};
    const int draws[3][2] = {{1, 0}, {1, 1}, {3, 1}}; /* B, without replacement */
    for (int mi = 0; mi < 3; mi++)
      for (int si = 0; si < 2; si++)
        for (int ui = 0; ui < 2; ui++)
          for (int bi = 0; bi < 3; bi++)
            for (int th = 1; th <= 2; th++)
              compare(&ctx, p, models[mi], schemes[si], subs[ui], draws[bi][0], draws[bi][1], 0, th);
    compare(&ctx, p, "smf1", SGDL_SCHEME_EM, 4, 3, 1, 1, 2); /* the antithetic mirror of a coupled pair */
    compare(&ctx, p, "smf2", SGDL_SCHEME_HEUN, 1, 1, 0, 1, 1);
    sgdl_problem_destroy(p);
  }
  printf("shared flow sums: bitwise the regenerating reference\n");
  return check_done();
}
