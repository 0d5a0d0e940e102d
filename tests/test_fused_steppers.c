/* The continuous-model steppers on finite data sets take a substep's noise and grad L from one
 * call of sgdl_problem_grad_and_sum_lanes (sgdl_model_noise_grad, src/dynamics/model_terms.c): the
 * type's fused grad_and_sum_lanes when it has one, and the flow noise's grad L is the drift's where
 * grad_lanes rounds as grad. This test runs every such stepper (sme1, sme2, smf1, smf2, the momentum
 * SMEs msme1/msme2 with heavy ball and Nesterov, the underdamped usme with constant damping and with
 * the Su-Boyd-Candes damping 3/t; EM and Heun) on logreg with d = 2, 5, 50 through four copies of
 * the problem type, and requires bitwise equal ensemble means:
 *   fused      the type as built (grad_and_sum_lanes: one pass over the samples);
 *   two calls  grad_and_sum_lanes NULL: grad_lanes and grad_sum_lanes apart;
 *   separate   also grad_lanes_exact 0: the flow noise computes its own grad L (grad, lane by lane)
 *              and the drift grad_lanes, as before the sharing (logreg's grad_lanes is grad's rounding);
 *   generic    grad_lanes NULL too: the per-lane loop over grad for the drift and the noise;
 * and the fused run with 1 against 2 threads. A fifth copy whose fused member perturbs the weighted sum
 * (by a relative 1e-12) must change every model's means: the steppers do take the fused member. Does not: check the law of any model (test_finite_lanes,
 * test_momentum do), or the kernels alone (test_finite_lanes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logreg_fixture.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/problem.h"
#include "sgdlab/stepper.h"

enum { K_STEPS = 3, N_OBS = 4, VARIANTS = 4 };

/* The negative control: the type's fused member, its weighted sum scaled by 1 + 1e-12. */
static void (*fused_member)(const sgdl_problem *, int, const double *, const double *, double *, double *, double *);
static void perturbed_fused(const sgdl_problem *p, int W, const double *X, const double *w, double *G, double *S,
                            double *work) {
  fused_member(p, W, X, w, G, S, work);
  for (size_t i = 0; i < (size_t)p->dim * W; i++) S[i] *= 1 + 1e-12;
}

typedef struct model_case {
  const char *model;
  double momentum; /* msme: mu; usme: mu = 1 - lambda sqrt(lr) with lambda = 1 */
  int nesterov, sbc;
} model_case;

/* Ensemble means of observables x0, x1, norm2, loss at steps 0..K_STEPS (x0 = 0.3 in every
 * coordinate, 600 paths: two blocks of lanes, the second partial). Caller frees. */
static double *model_means(sgdl_problem *p, const model_case *mc, int scheme, int threads) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.substeps = 2;
  par.scheme = scheme;
  par.momentum = mc->momentum;
  par.nesterov = mc->nesterov;
  par.sbc = mc->sbc;
  double x0[64];
  for (int i = 0; i < p->dim && i < 64; i++) x0[i] = 0.3;
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create(&ctx, mc->model, p, &par, 99, 5, 1, &st) == 0, "create %s: %s", mc->model, ctx.msg);
  const char *names[N_OBS] = {"x0", "x1", "norm2", "loss"};
  sgdl_observable obs[N_OBS];
  for (int i = 0; i < N_OBS; i++) CHECK(sgdl_observable_parse(&ctx, names[i], p->dim, 1, &obs[i]) == 0, "obs");
  sgdl_ensemble_plan plan = {st, 1, x0, 600, K_STEPS, N_OBS, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  double *m = malloc(sizeof(double) * N_OBS * (K_STEPS + 1));
  memcpy(m, er.mean, sizeof(double) * N_OBS * (K_STEPS + 1));
  int finite = 1;
  for (int i = 0; i < N_OBS * (K_STEPS + 1); i++) finite &= isfinite(m[i]) != 0;
  CHECK(finite, "%s: non-finite mean", mc->model);
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
  return m;
}

static void check_problem(sgdl_problem *p) {
  CHECK(p->type->grad_and_sum_lanes && p->type->grad_lanes && p->type->grad_lanes_exact,
        "logreg should have the fused member and an exact grad_lanes");
  /* the variants share p's impl and data; they are never destroyed */
  sgdl_problem_type types[VARIANTS];
  sgdl_problem variants[VARIANTS];
  const char *vname[VARIANTS] = {"fused", "two calls", "separate", "generic"};
  for (int v = 0; v < VARIANTS; v++) {
    types[v] = *p->type;
    if (v >= 1) types[v].grad_and_sum_lanes = NULL;
    if (v >= 2) types[v].grad_lanes_exact = 0;
    if (v >= 3) types[v].grad_lanes = NULL;
    variants[v] = *p;
    variants[v].type = &types[v];
  }
  sgdl_problem_type bad_type = *p->type;
  sgdl_problem bad = *p;
  fused_member = p->type->grad_and_sum_lanes;
  bad_type.grad_and_sum_lanes = perturbed_fused;
  /* without the curvature pair, which sme2 / smf2 / msme2 take in place of grad_and_sum_lanes
   * (tests/test_curv_hvp.c perturbs that pair) */
  bad_type.grad_sum_curv_lanes = NULL;
  bad_type.hvp_curv_lanes = NULL;
  bad.type = &bad_type;
  const double mu_usme = 1 - sqrt(0.05); /* lambda = 1 at lr 0.05 */
  const model_case cases[] = {
      {"sme1", 0, 0, 0},  {"sme2", 0, 0, 0},         {"smf1", 0, 0, 0},         {"smf2", 0, 0, 0},
      {"msme1", 0.5, 0, 0}, {"msme2", 0.5, 0, 0},    {"msme2", 0.5, 1, 0},      {"usme", mu_usme, 0, 0},
      {"usme", 0.9, 1, 1},
  };
  const size_t bytes = sizeof(double) * N_OBS * (K_STEPS + 1);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    for (int scheme = SGDL_SCHEME_EM; scheme <= SGDL_SCHEME_HEUN; scheme++) {
      double *ref = model_means(&variants[0], &cases[c], scheme, 1);
      double *two = model_means(&variants[0], &cases[c], scheme, 2);
      CHECK(!memcmp(ref, two, bytes), "%s d %d %s: 1 vs 2 threads differ", cases[c].model, p->dim,
            scheme == SGDL_SCHEME_EM ? "em" : "heun");
      for (int v = 1; v < VARIANTS; v++) {
        double *m = model_means(&variants[v], &cases[c], scheme, 1);
        CHECK(!memcmp(ref, m, bytes), "%s%s%s d %d %s: fused differs from %s", cases[c].model,
              cases[c].nesterov ? " (nag)" : "", cases[c].sbc ? " (sbc)" : "", p->dim,
              scheme == SGDL_SCHEME_EM ? "em" : "heun", vname[v]);
        free(m);
      }
      double *m = model_means(&bad, &cases[c], scheme, 1);
      CHECK(memcmp(ref, m, bytes), "%s d %d: a perturbed fused member leaves the means unchanged (not used?)",
            cases[c].model, p->dim);
      free(m);
      printf("%-5s %-5s %-3s %-4s d %2d: fused = two calls = separate = generic, 1 = 2 threads (bitwise); perturbed differs\n",
             cases[c].model, cases[c].nesterov ? "nag" : "", cases[c].sbc ? "sbc" : "",
             scheme == SGDL_SCHEME_EM ? "em" : "heun", p->dim);
      free(ref), free(two);
    }
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int dims[3] = {2, 5, 50};
  const size_t Ns[3] = {42, 40, 42};
  for (int i = 0; i < 3; i++) {
    sgdl_problem *p = make_logreg(&ctx, Ns[i], dims[i]);
    CHECK(p != NULL, "logreg d %d", dims[i]);
    if (!p) continue;
    check_problem(p);
    sgdl_problem_destroy(p);
  }
  return check_done();
}
