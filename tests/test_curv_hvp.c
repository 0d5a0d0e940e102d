/* The modified drift's Hessian product from the grad L pass's numbers (logreg's curvature pair,
 * grad_sum_curv_lanes and hvp_curv_lanes of problem.h; src/dynamics/model_terms.c takes it for
 * sme2, smf2 and msme2):
 *   - kernels: grad_sum_curv_lanes against grad_and_sum_lanes (weighted) and grad_lanes (w, S
 *     NULL), and hvp_curv_lanes from its C against hvp_lanes, bitwise, at d = 1 .. 5, 8, 50 (the
 *     chunk kernel d <= 4 and the GEMM-ordered ones d > 4), N = 40, 77, W = 1, 13, 256, at moderate
 *     points and far out (|margin| ~ 1e3, where the exponential underflows);
 *   - steppers: sme2, smf2 and msme2 (heavy ball), EM and Heun, d = 2, 3, 5, 50, 600 and 13 paths,
 *     through the type as built against the same type without the pair (grad_and_sum_lanes /
 *     grad_lanes, then hvp_lanes: the code before the pair), and 1 against 2 threads, bitwise
 *     ensemble means; a copy whose hvp_curv_lanes perturbs its product (relative 1e-12) must change
 *     every mean set (the steppers do take the pair), one without modification (sme1) must not.
 * Does not: check the law of any model (test_finite_lanes), or types other than logreg (none has
 * the pair). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logreg_fixture.h"
#include "sgdlab/ensemble.h"
#include "sgdlab/problem.h"
#include "sgdlab/rng.h"
#include "sgdlab/stepper.h"

enum { K_STEPS = 3, N_OBS = 4 };

static int same(const double *a, const double *b, size_t n) { return !memcmp(a, b, sizeof(double) * n); }

/* The pair against the members it stands in for, on W lanes at points of scale `scale`. */
static void check_kernels(const sgdl_problem *p, int W, double scale) {
  const int d = p->dim, N = (int)p->n_data;
  const size_t dw = (size_t)d * W;
  double *X = malloc(sizeof(double) * dw), *V = malloc(sizeof(double) * dw), *w = malloc(sizeof(double) * N * W),
         *G0 = malloc(sizeof(double) * dw), *S0 = malloc(sizeof(double) * dw), *G1 = malloc(sizeof(double) * dw),
         *S1 = malloc(sizeof(double) * dw), *H0 = malloc(sizeof(double) * dw), *H1 = malloc(sizeof(double) * dw),
         *C = malloc(sizeof(double) * N * W), *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p));
  sgdl_rng_normals(11, 0, W, 0, 0, (size_t)d, X);
  sgdl_rng_normals(11, 0, W, 1, 0, (size_t)d, V);
  sgdl_rng_normals(11, 0, W, 2, 0, (size_t)N, w);
  for (size_t i = 0; i < dw; i++) X[i] *= scale;
  p->type->grad_and_sum_lanes(p, W, X, w, G0, S0, work);
  p->type->grad_sum_curv_lanes(p, W, X, w, G1, S1, C, work);
  CHECK(same(G0, G1, dw) && same(S0, S1, dw), "d %d N %d W %d scale %g: weighted pass differs", d, N, W, scale);
  p->type->hvp_lanes(p, W, X, V, H0);
  p->type->hvp_curv_lanes(p, W, X, C, V, H1);
  CHECK(same(H0, H1, dw), "d %d N %d W %d scale %g: hvp from C differs (weighted pass)", d, N, W, scale);
  p->type->grad_lanes(p, W, X, G0);
  for (size_t i = 0; i < (size_t)N * W; i++) C[i] = NAN; /* every weight written again */
  p->type->grad_sum_curv_lanes(p, W, X, NULL, G1, NULL, C, work);
  CHECK(same(G0, G1, dw), "d %d N %d W %d scale %g: grad alone differs from grad_lanes", d, N, W, scale);
  p->type->hvp_curv_lanes(p, W, X, C, V, H1);
  CHECK(same(H0, H1, dw), "d %d N %d W %d scale %g: hvp from C differs (grad pass)", d, N, W, scale);
  free(X), free(V), free(w), free(G0), free(S0), free(G1), free(S1), free(H0), free(H1), free(C), free(work);
}

/* The negative control: hvp_curv_lanes with its product scaled by 1 + 1e-12. */
static void (*curv_member)(const sgdl_problem *, int, const double *, const double *, const double *, double *);
static void perturbed_hvp_curv(const sgdl_problem *p, int W, const double *X, const double *C, const double *V,
                               double *out) {
  curv_member(p, W, X, C, V, out);
  for (size_t i = 0; i < (size_t)p->dim * W; i++) out[i] *= 1 + 1e-12;
}

/* Ensemble means of x0, x1, norm2, loss at steps 0..K_STEPS from x0 = 0.3 (caller frees). */
static double *model_means(sgdl_problem *p, const char *model, double momentum, int scheme, int paths, int threads) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.substeps = 2;
  par.scheme = scheme;
  par.momentum = momentum;
  double x0[64];
  for (int i = 0; i < p->dim && i < 64; i++) x0[i] = 0.3;
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 99, 5, 1, &st) == 0, "create %s: %s", model, ctx.msg);
  const char *names[N_OBS] = {"x0", "x1", "norm2", "loss"};
  sgdl_observable obs[N_OBS];
  for (int i = 0; i < N_OBS; i++) CHECK(sgdl_observable_parse(&ctx, names[i], p->dim, 1, &obs[i]) == 0, "obs");
  sgdl_ensemble_plan plan = {st, 1, x0, (uint64_t)paths, K_STEPS, N_OBS, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  double *m = malloc(sizeof(double) * N_OBS * (K_STEPS + 1));
  memcpy(m, er.mean, sizeof(double) * N_OBS * (K_STEPS + 1));
  int finite = 1;
  for (int i = 0; i < N_OBS * (K_STEPS + 1); i++) finite &= isfinite(m[i]) != 0;
  CHECK(finite, "%s: non-finite mean", model);
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
  return m;
}

static void check_steppers(sgdl_problem *p) {
  /* the copies share p's impl and data; they are never destroyed */
  sgdl_problem_type before_type = *p->type, bad_type = *p->type;
  sgdl_problem before = *p, bad = *p;
  before_type.grad_sum_curv_lanes = NULL;
  before_type.hvp_curv_lanes = NULL;
  before.type = &before_type;
  curv_member = p->type->hvp_curv_lanes;
  bad_type.hvp_curv_lanes = perturbed_hvp_curv;
  bad.type = &bad_type;
  const struct {
    const char *model;
    double momentum;
  } cases[] = {{"sme2", 0}, {"smf2", 0}, {"msme2", 0.5}, {"sme1", 0}};
  const size_t n = N_OBS * (K_STEPS + 1);
  const int paths[2] = {600, 13};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    for (int scheme = SGDL_SCHEME_EM; scheme <= SGDL_SCHEME_HEUN; scheme++)
      for (int k = 0; k < 2; k++) {
        const char *sn = scheme == SGDL_SCHEME_EM ? "em" : "heun";
        double *ref = model_means(p, cases[c].model, cases[c].momentum, scheme, paths[k], 1);
        double *two = model_means(p, cases[c].model, cases[c].momentum, scheme, paths[k], 2);
        double *old = model_means(&before, cases[c].model, cases[c].momentum, scheme, paths[k], 1);
        double *pert = model_means(&bad, cases[c].model, cases[c].momentum, scheme, paths[k], 1);
        const int modified = strcmp(cases[c].model, "sme1") != 0;
        CHECK(same(ref, two, n), "%s %s d %d paths %d: 1 vs 2 threads differ", cases[c].model, sn, p->dim, paths[k]);
        CHECK(same(ref, old, n), "%s %s d %d paths %d: the pair differs from hvp_lanes", cases[c].model, sn, p->dim,
              paths[k]);
        CHECK(modified ? !same(ref, pert, n) : same(ref, pert, n), "%s %s d %d paths %d: perturbed pair %s",
              cases[c].model, sn, p->dim, paths[k], modified ? "leaves the means unchanged (not used?)" : "is used");
        printf("%-5s %-4s d %2d paths %3d: pair = hvp_lanes, 1 = 2 threads (bitwise); perturbed %s\n", cases[c].model,
               sn, p->dim, paths[k], modified ? "differs" : "unused");
        free(ref), free(two), free(old), free(pert);
      }
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int kdims[7] = {1, 2, 3, 4, 5, 8, 50}, Ns[2] = {40, 77}, Ws[3] = {1, 13, 256};
  for (int i = 0; i < 7; i++)
    for (int j = 0; j < 2; j++) {
      sgdl_problem *p = make_logreg(&ctx, (size_t)Ns[j], kdims[i]);
      CHECK(p && p->type->grad_sum_curv_lanes && p->type->hvp_curv_lanes, "logreg d %d: no curvature pair",
            kdims[i]);
      if (!p || !p->type->hvp_curv_lanes) continue;
      for (int k = 0; k < 3; k++) {
        check_kernels(p, Ws[k], 0.7);
        check_kernels(p, Ws[k], 300.0);
      }
      sgdl_problem_destroy(p);
    }
  printf("kernels: pair = grad_and_sum_lanes / grad_lanes + hvp_lanes bitwise (d 1..5, 8, 50; N 40, 77; W 1, 13, 256)\n");
  const int sdims[4] = {2, 3, 5, 50};
  for (int i = 0; i < 4; i++) {
    sgdl_problem *p = make_logreg(&ctx, 42, sdims[i]);
    CHECK(p != NULL, "logreg d %d", sdims[i]);
    if (!p) continue;
    check_steppers(p);
    sgdl_problem_destroy(p);
  }
  return check_done();
}
