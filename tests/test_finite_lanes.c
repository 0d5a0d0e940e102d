/* Finite data sets at lane speed:
 * ctest-label: slow (Monte Carlo; skipped by the sanitizer pass)
 *   - the batched kernels (grad_sum_lanes, grad_lanes) of linreg, logreg and meanfield against
 *     the scalar per-sample calls: bitwise with unit weights and for the full gradient, to
 *     rounding with weights; the generic per-lane fallback is the reference;
 *   - logreg's vectorised kernel (branch-free exp of sgdlab/vmath.h) against its naive twin with
 *     libm's exp per (sample, lane), sgdl_logreg_grad_sum_lanes_libm: minibatch, full and weighted
 *     sums within 1e-13 relative, at moderate points and at points far out (|margin| up to ~1e3,
 *     where the logistic saturates and exp underflows);
 *   - the lane-block Hessian products (hvp_lanes) of linreg and logreg against hvp lane by lane,
 *     and logreg's against its naive per-lane twin sgdl_logreg_hvp_lanes_naive (1e-13 relative)
 *     and, register-blocked, against its former one-sample loop (bitwise);
 *     meanfield's kernels (5 and 40 neurons: the second runs in chunks of lanes) bitwise;
 *   - the fused kernel (grad_and_sum_lanes: grad L and the weighted sample sum in one pass) against
 *     the two calls apart, and logreg's exact register-blocked full pass against its one-sample
 *     path, bitwise;
 *   - logreg's GEMM-ordered kernels at d > 4 (fma; d = 5, 8, 50, 64; N = 40 .. 1001, not multiples
 *     of the blocks; W = 1, 13, 256) against the exact ones beside them within 1e-12 relative,
 *     grad_lanes bitwise grad, each lane independent of W and of its place in the block; the SME / SMF steppers through it against the same problem without it, and 1 against
 *     2 threads, bitwise ensemble means (sme1, sme2, smf1, smf2; EM and Heun; d = 5, 50, 64);
 *   - the SME noise form chosen at plan time (sgdl_noise_form, stepper->noise_form);
 *   - the law of the N-column SME noise and of the lane flow noise: SME1, SME2 and SMF2 on linreg
 *     with N = 256, d = 3 against exact moments (within 4.5 standard errors at every time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "problem/problem_impl.h" /* sgdl_logreg_grad_sum_lanes_libm, sgdl_logreg_hvp_lanes_naive */
#include "sgdlab/moments.h"
#include "sgdlab/rng.h"
#include "sgdlab/study.h"
#include "sgdlab/vmath.h" /* sgdl_exp_poly, for the one-sample hvp reference */

static sgdl_problem *make(sgdl_ctx *ctx, const char *name, size_t N, int d, int neurons) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = name;
  sp.gen_n = N;
  sp.gen_d = d;
  sp.neurons = neurons;
  sp.l2 = 0.01;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

/* The kernels of p on W lanes at random points against per-lane scalar calls. */
static void check_kernels(sgdl_problem *p, int W) {
  const int d = p->dim, N = (int)p->n_data, B = 3;
  double *X = malloc(sizeof(double) * d * W), *out = malloc(sizeof(double) * d * W),
         *w = malloc(sizeof(double) * N * W), *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p)),
         *x = malloc(sizeof(double) * d), *g = malloc(sizeof(double) * d), *acc = malloc(sizeof(double) * d);
  uint32_t *idx = malloc(sizeof(uint32_t) * B * W);
  sgdl_rng_normals(7, 0, W, 0, 0, (size_t)d, X);
  for (int i = 0; i < d * W; i++) X[i] *= 0.7;
  sgdl_rng_normals(7, 0, W, 1, 0, (size_t)N, w);
  for (int b = 0; b < B; b++)
    for (int l = 0; l < W; l++) idx[b * W + l] = (uint32_t)((b * 7 + l * 13) % N);
  int bitwise_mb = 1, bitwise_grad = 1;
  double werr = 0;
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 0) sgdl_problem_grad_sum_lanes(p, W, X, B, idx, NULL, out, work);
    if (pass == 1) sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, w, out, work);
    if (pass == 2) sgdl_problem_grad_lanes_exact(p, W, X, out, work);
    for (int l = 0; l < W; l++) {
      for (int i = 0; i < d; i++) x[i] = X[i * W + l];
      memset(acc, 0, sizeof(double) * d);
      if (pass == 2) p->type->grad(p, x, acc);
      for (int b = 0; pass < 2 && b < (pass == 0 ? B : N); b++) {
        p->type->grad_sample(p, x, pass == 0 ? idx[b * W + l] : (size_t)b, g);
        for (int i = 0; i < d; i++) acc[i] += pass == 0 ? g[i] : w[b * W + l] * g[i];
      }
      for (int i = 0; i < d; i++) {
        const double got = out[i * W + l];
        if (pass == 0 && got != acc[i]) bitwise_mb = 0;
        if (pass == 2 && got != acc[i]) bitwise_grad = 0;
        if (pass == 1) werr = fmax(werr, fabs(got - acc[i]) / (1 + fabs(acc[i])));
      }
    }
  }
  CHECK(bitwise_mb, "%s: minibatch sum of the lane kernel is not bitwise the sum of grad_sample", p->type->name);
  CHECK(bitwise_grad, "%s: grad_lanes_exact is not bitwise grad", p->type->name);
  CHECK(werr < 1e-12, "%s: weighted lane sum off by %g", p->type->name, werr);
  printf("%-9s W %3d: minibatch and grad bitwise, weighted rel err %.2g\n", p->type->name, W, werr);
  free(X), free(out), free(w), free(work), free(x), free(g), free(acc), free(idx);
}

/* logreg's fast lane kernel against the naive libm one, points scaled by `scale`. */
static void check_logreg_naive(sgdl_problem *p, int W, double scale) {
  const int d = p->dim, N = (int)p->n_data, B = 3;
  double *X = malloc(sizeof(double) * d * W), *fast = malloc(sizeof(double) * d * W),
         *naive = malloc(sizeof(double) * d * W), *w = malloc(sizeof(double) * N * W),
         *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p));
  uint32_t *idx = malloc(sizeof(uint32_t) * B * W);
  sgdl_rng_normals(8, 0, W, 0, 0, (size_t)d, X);
  for (int i = 0; i < d * W; i++) X[i] *= scale;
  sgdl_rng_normals(8, 0, W, 1, 0, (size_t)N, w);
  for (int b = 0; b < B; b++)
    for (int l = 0; l < W; l++) idx[b * W + l] = (uint32_t)((b * 5 + l * 11) % N);
  double worst = 0;
  for (int pass = 0; pass < 3; pass++) {
    const int nb = pass == 0 ? B : N;
    const uint32_t *ix = pass == 0 ? idx : NULL;
    const double *wt = pass == 2 ? w : NULL;
    sgdl_problem_grad_sum_lanes(p, W, X, nb, ix, wt, fast, work);
    sgdl_logreg_grad_sum_lanes_libm(p, W, X, nb, ix, wt, naive, work);
    double scale_ref = 0;
    for (int i = 0; i < d * W; i++) scale_ref = fmax(scale_ref, fabs(naive[i]));
    for (int i = 0; i < d * W; i++) worst = fmax(worst, fabs(fast[i] - naive[i]) / (1e-300 + scale_ref));
  }
  CHECK(worst < 1e-13, "logreg fast vs naive (libm) kernel, scale %g: rel err %g", scale, worst);
  printf("logreg    W %3d scale %6g: fast vs naive (libm exp) kernel rel err %.2g\n", W, scale, worst);
  free(X), free(fast), free(naive), free(w), free(work), free(idx);
}

/* hvp_lanes of p against hvp lane by lane (bitwise for linreg, whose lane kernel sums as hvp
 * does) and, for logreg, the lane-block kernel against its naive per-lane twin
 * sgdl_logreg_hvp_lanes_naive within 1e-13 relative; points scaled by `scale`. */
static void check_hvp_lanes(sgdl_problem *p, int W, double scale) {
  const int d = p->dim;
  const int is_logreg = !strcmp(p->type->name, "logreg");
  double *X = malloc(sizeof(double) * d * W), *V = malloc(sizeof(double) * d * W),
         *fast = malloc(sizeof(double) * d * W), *naive = malloc(sizeof(double) * d * W),
         *x = malloc(sizeof(double) * d), *v = malloc(sizeof(double) * d), *hv = malloc(sizeof(double) * d);
  sgdl_rng_normals(9, 0, W, 0, 0, (size_t)d, X);
  sgdl_rng_normals(9, 0, W, 1, 0, (size_t)d, V);
  for (int i = 0; i < d * W; i++) X[i] *= scale;
  CHECK(p->type->hvp_lanes != NULL, "%s has no hvp_lanes", p->type->name);
  if (!p->type->hvp_lanes) goto done;
  p->type->hvp_lanes(p, W, X, V, fast);
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l], v[i] = V[i * W + l];
    p->type->hvp(p, x, v, hv);
    for (int i = 0; i < d; i++) naive[i * W + l] = hv[i];
  }
  int bitwise = !memcmp(fast, naive, sizeof(double) * d * W);
  if (!is_logreg) CHECK(bitwise, "%s: hvp_lanes is not bitwise hvp lane by lane", p->type->name);
  double worst = 0;
  if (is_logreg) {
    sgdl_logreg_hvp_lanes_naive(p, W, X, V, naive);
    double scale_ref = 0;
    for (int i = 0; i < d * W; i++) scale_ref = fmax(scale_ref, fabs(naive[i]));
    for (int i = 0; i < d * W; i++) worst = fmax(worst, fabs(fast[i] - naive[i]) / (1e-300 + scale_ref));
    CHECK(worst < 1e-13, "logreg hvp_lanes vs naive per-lane kernel, scale %g: rel err %g", scale, worst);
  }
  printf("%-9s W %3d scale %6g: hvp_lanes %s hvp per lane; vs naive twin rel err %.2g\n", p->type->name, W, scale,
         bitwise ? "bitwise" : "not bitwise", worst);
done:
  free(X), free(V), free(fast), free(naive), free(x), free(v), free(hv);
}

/* logreg's exact hvp_lanes (sgdl_logreg_hvp_lanes_exact: register blocks of SGDL_DATASET_SB
 * samples for d > 4, then one at a time) against the one-sample loop it had before the blocks
 * (sgdl_dataset_dot_lanes, the curvature, sgdl_dataset_add_lanes per sample): bitwise, the blocks
 * keep every sum's order per lane. (The GEMM-ordered hvp_lanes: check_gemm.) */
static void check_hvp_blocked(sgdl_problem *p, int W) {
  const sgdl_dataset *ds = p->impl; /* the impl struct starts with its data set */
  const int d = p->dim, N = (int)p->n_data;
  const double l2 = 0.01; /* make()'s */
  double *X = malloc(sizeof(double) * d * W), *V = malloc(sizeof(double) * d * W),
         *fast = malloc(sizeof(double) * d * W), *ref = calloc((size_t)d * W, sizeof(double)),
         *z = malloc(sizeof(double) * W), *xv = malloc(sizeof(double) * W);
  sgdl_rng_normals(11, 0, W, 0, 0, (size_t)d, X);
  sgdl_rng_normals(11, 0, W, 1, 0, (size_t)d, V);
  for (int i = 0; i < d * W; i++) X[i] *= 0.3;
  sgdl_logreg_hvp_lanes_exact(p, W, X, V, fast);
  for (int n = 0; n < N; n++) {
    sgdl_dataset_dot_lanes(ds, W, X, n, NULL, 0, z);
    sgdl_dataset_dot_lanes(ds, W, V, n, NULL, 0, xv);
    for (int l = 0; l < W; l++) {
      const double e = sgdl_exp_poly(-fabs(z[l])), q = 1.0 / (1.0 + e);
      z[l] = e * q * q * xv[l];
    }
    sgdl_dataset_add_lanes(ds, W, X, n, NULL, z, NULL, 0, 0.0, ref);
  }
  for (int i = 0; i < d * W; i++) ref[i] = ref[i] / (double)N + l2 * V[i];
  CHECK(!memcmp(fast, ref, sizeof(double) * d * W), "logreg N=%d d=%d W=%d: blocked exact hvp_lanes is not bitwise "
        "the one-sample loop", N, d, W);
  free(X), free(V), free(fast), free(ref), free(z), free(xv);
}

/* The fused kernel (grad_and_sum_lanes through sgdl_problem_grad_and_sum_lanes; the two calls for
 * types without one) against grad_lanes and grad_sum_lanes apart: bitwise. For logreg also the
 * exact full pass (idx NULL; sgdl_logreg_grad_and_sum_lanes_exact, at d <= 4 also the type's
 * own) against the one-sample path (idx = 0, 1, .. N-1 per lane): bitwise, for the weighted and
 * the unit-weight sums. */
static void check_fused(sgdl_problem *p, int W) {
  const int d = p->dim, N = (int)p->n_data;
  double *X = malloc(sizeof(double) * d * W), *G = malloc(sizeof(double) * d * W), *S = malloc(sizeof(double) * d * W),
         *G2 = malloc(sizeof(double) * d * W), *S2 = malloc(sizeof(double) * d * W),
         *w = malloc(sizeof(double) * N * W), *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p));
  uint32_t *idx = malloc(sizeof(uint32_t) * N * W);
  sgdl_rng_normals(11, 0, W, 0, 0, (size_t)d, X);
  for (int i = 0; i < d * W; i++) X[i] *= 0.7;
  sgdl_rng_normals(11, 0, W, 1, 0, (size_t)N, w);
  for (int b = 0; b < N; b++)
    for (int l = 0; l < W; l++) idx[b * W + l] = (uint32_t)b;
  const size_t bytes = sizeof(double) * d * W;
  sgdl_problem_grad_and_sum_lanes(p, W, X, w, G, S, work);
  sgdl_problem_grad_lanes(p, W, X, G2, work);
  sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, w, S2, work);
  CHECK(!memcmp(G, G2, bytes), "%s W %d: fused grad L is not bitwise grad_lanes", p->type->name, W);
  CHECK(!memcmp(S, S2, bytes), "%s W %d: fused weighted sum is not bitwise grad_sum_lanes", p->type->name, W);
  int blocked = 1;
  const int is_logreg = !strcmp(p->type->name, "logreg");
  for (int unit = 0; unit < 2; unit++) {
    if (is_logreg) /* the exact kernel (at d <= 4 the type's own); the GEMM-ordered one: check_gemm */
      sgdl_logreg_grad_and_sum_lanes_exact(p, W, X, unit ? NULL : w, NULL, S, work);
    else sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, unit ? NULL : w, S, work);
    sgdl_problem_grad_sum_lanes(p, W, X, N, idx, unit ? NULL : w, S2, work);
    if (memcmp(S, S2, bytes)) blocked = 0;
  }
  if (is_logreg && d <= 4) { /* d <= 4: the type's full pass itself is the exact chunk kernel */
    sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, w, S, work);
    sgdl_problem_grad_sum_lanes(p, W, X, N, idx, w, S2, work);
    if (memcmp(S, S2, bytes)) blocked = 0;
  }
  CHECK(blocked, "%s W %d: the full pass is not bitwise the one-sample path", p->type->name, W);
  printf("%-9s W %3d d %2d N %3d: fused grad + weighted sum bitwise the two calls; full pass bitwise per sample\n",
         p->type->name, W, d, N);
  free(X), free(G), free(S), free(G2), free(S2), free(w), free(work), free(idx);
}

/* max |a - b| / max |b| over n values (0 when both are zero). */
static double rel_err(const double *a, const double *b, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs(a[i] - b[i]));
    scale = fmax(scale, fabs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

/* logreg's GEMM-ordered kernels (d > 4: fused, grad_lanes, weighted grad_sum_lanes, hvp_lanes)
 * against the exact ones beside them (sgdl_logreg_grad_and_sum_lanes_exact,
 * sgdl_logreg_hvp_lanes_exact): within 1e-12 relative (max over the block / max of the exact
 * output); grad_lanes bitwise grad lane by lane (grad_lanes_exact, logreg_grad follows the GEMM
 * order); and each lane's numbers independent of W and of its place in the block (the first W
 * lanes of a 256-lane block, bitwise), which keeps ensembles bitwise across thread counts. */
static void check_gemm(sgdl_problem *p, int W) {
  const int d = p->dim, N = (int)p->n_data, L = SGDL_LANES;
  const size_t n = (size_t)d * W;
  double *XL = malloc(sizeof(double) * d * L), *wL = malloc(sizeof(double) * N * L),
         *GL = malloc(sizeof(double) * d * L), *SL = malloc(sizeof(double) * d * L),
         *HL = malloc(sizeof(double) * d * L), *X = malloc(sizeof(double) * n), *w = malloc(sizeof(double) * N * W),
         *G = malloc(sizeof(double) * n), *S = malloc(sizeof(double) * n), *G2 = malloc(sizeof(double) * n),
         *S2 = malloc(sizeof(double) * n), *H = malloc(sizeof(double) * n), *H2 = malloc(sizeof(double) * n),
         *work = malloc(sizeof(double) * sgdl_problem_lanes_work(p)), *x = malloc(sizeof(double) * d),
         *g = malloc(sizeof(double) * d);
  sgdl_rng_normals(13, 0, L, 0, 0, (size_t)d, XL);
  for (int i = 0; i < d * L; i++) XL[i] *= 0.5;
  sgdl_rng_normals(13, 0, L, 1, 0, (size_t)N, wL);
  for (int j = 0; j < d; j++) memcpy(X + (size_t)j * W, XL + (size_t)j * L, sizeof(double) * W);
  for (int k = 0; k < N; k++) memcpy(w + (size_t)k * W, wL + (size_t)k * L, sizeof(double) * W);
  p->type->grad_and_sum_lanes(p, W, X, w, G, S, work);
  sgdl_logreg_grad_and_sum_lanes_exact(p, W, X, w, G2, S2, work);
  double worst = fmax(rel_err(G, G2, n), rel_err(S, S2, n));
  sgdl_problem_grad_lanes(p, W, X, G2, work);
  int bitwise = !memcmp(G, G2, sizeof(double) * n);
  sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, w, S2, work);
  bitwise &= !memcmp(S, S2, sizeof(double) * n);
  for (int l = 0; l < W; l++) { /* grad_lanes_exact: bitwise grad */
    for (int j = 0; j < d; j++) x[j] = X[(size_t)j * W + l];
    p->type->grad(p, x, g);
    for (int j = 0; j < d; j++) bitwise &= g[j] == G[(size_t)j * W + l];
  }
  CHECK(bitwise, "logreg d %d W %d: GEMM-ordered fused / grad_lanes / grad_sum_lanes / grad not bitwise alike", d, W);
  p->type->hvp_lanes(p, W, X, X, H);
  sgdl_logreg_hvp_lanes_exact(p, W, X, X, H2);
  worst = fmax(worst, rel_err(H, H2, n));
  CHECK(worst < 1e-12, "logreg N %d d %d W %d: GEMM-ordered kernels vs exact: rel err %g", N, d, W, worst);
  p->type->grad_and_sum_lanes(p, L, XL, wL, GL, SL, work); /* the same lanes in a full block */
  p->type->hvp_lanes(p, L, XL, XL, HL);
  int placed = 1;
  for (int j = 0; j < d; j++) {
    const size_t a = (size_t)j * W, b = (size_t)j * L;
    placed &= !memcmp(G + a, GL + b, sizeof(double) * W) && !memcmp(S + a, SL + b, sizeof(double) * W) &&
              !memcmp(H + a, HL + b, sizeof(double) * W);
  }
  CHECK(placed, "logreg d %d W %d: a lane's numbers depend on the block width", d, W);
  printf("logreg    W %3d d %2d N %4d: GEMM-ordered vs exact kernels rel err %.2g; lanes independent of W\n", W, d,
         N, worst);
  free(XL), free(wL), free(GL), free(SL), free(HL), free(X), free(w), free(G), free(S), free(G2), free(S2), free(H),
      free(H2), free(work), free(x), free(g);
}

/* A model's ensemble means on p, with `threads` threads (x0 = 0.3 in every coordinate). */
static double *model_means(sgdl_problem *p, const char *model, int scheme, int threads, uint64_t paths) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.05;
  par.substeps = 2;
  par.scheme = scheme;
  const uint64_t K = 3;
  double x0[64];
  for (int i = 0; i < p->dim && i < 64; i++) x0[i] = 0.3;
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 99, 5, 1, &st) == 0, "create %s: %s", model, ctx.msg);
  const char *names[] = {"x0", "x1", "norm2", "loss"};
  sgdl_observable obs[4];
  for (int i = 0; i < 4; i++) CHECK(sgdl_observable_parse(&ctx, names[i], p->dim, 1, &obs[i]) == 0, "obs");
  sgdl_ensemble_plan plan = {st, 1, x0, paths, K, 4, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  double *m = malloc(sizeof(double) * 4 * (K + 1));
  memcpy(m, er.mean, sizeof(double) * 4 * (K + 1));
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
  return m;
}

/* The steppers through the fused kernel against the same problem without it (a copy of its type
 * with grad_and_sum_lanes NULL: noise and drift apart), and 1 against 2 threads: bitwise means. */
static void check_fused_models(sgdl_problem *p) {
  sgdl_problem_type apart_type = *p->type;
  apart_type.grad_and_sum_lanes = NULL;
  sgdl_problem apart = *p; /* shares impl; never destroyed */
  apart.type = &apart_type;
  const char *models[] = {"sme1", "sme2", "smf1", "smf2"};
  const size_t bytes = sizeof(double) * 4 * 4;
  for (int k = 0; k < 4; k++)
    for (int scheme = SGDL_SCHEME_EM; scheme <= SGDL_SCHEME_HEUN; scheme++) {
      double *fused = model_means(p, models[k], scheme, 1, 600), *two = model_means(p, models[k], scheme, 2, 600),
             *ref = model_means(&apart, models[k], scheme, 1, 600);
      CHECK(!memcmp(fused, ref, bytes), "%s %s: fused stepper differs from noise and drift apart", p->type->name, models[k]);
      CHECK(!memcmp(fused, two, bytes), "%s %s: 1 vs 2 threads differ", p->type->name, models[k]);
      printf("%-9s %-4s %s d %2d: fused = apart, 1 thread = 2 threads (bitwise)\n", p->type->name, models[k],
             scheme == SGDL_SCHEME_EM ? "em  " : "heun", p->dim);
      free(fused), free(two), free(ref);
    }
}

/* MC of `model` with the given noise form against the exact moments (cf. test_ensemble_mc). */
static void law(sgdl_problem *p, const char *model, int form, const char *want_form, uint64_t paths, uint32_t stream) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 0.1;
  par.substeps = 16;
  par.scheme = SGDL_SCHEME_HEUN;
  par.noise_form = form;
  const int d = p->dim, P = 1;
  const uint64_t K = 5;
  const double x0[3] = {0.5, -0.5, 0};
  sgdl_stepper *st;
  CHECK(sgdl_stepper_create(&ctx, model, p, &par, 4242, stream, P, &st) == 0, "create %s: %s", model, ctx.msg);
  const char *form_got = st->noise_form ? st->noise_form : "(none)";
  CHECK(!strcmp(form_got, want_form), "%s: noise form %s, expected %s", model, form_got, want_form);
  const char *names[] = {"x0", "x1", "x2", "x0^2", "x1^2", "norm2", "loss"};
  const int nobs = 7;
  sgdl_observable obs[8];
  for (int i = 0; i < nobs; i++) CHECK(sgdl_observable_parse(&ctx, names[i], d, P, &obs[i]) == 0, "obs");
  sgdl_ensemble_plan plan = {st, P, x0, paths, K, nobs, obs, 0, 1};
  sgdl_ensemble_result er;
  CHECK(sgdl_ensemble_run(&ctx, &plan, &er) == 0, "run: %s", ctx.msg);
  sgdl_affine a;
  sgdl_affine_extract(&ctx, p, &a);
  double *m = malloc(sizeof(double) * d * (K + 1)), *M = malloc(sizeof(double) * d * d * (K + 1));
  CHECK(sgdl_affine_moments(&ctx, &a, model, par.lr, 1.0, P, x0, K, m, M) == 0, "exact");
  double worst = 0;
  for (int o = 0; o < nobs; o++)
    for (uint64_t t = 1; t <= K; t++) {
      const double ex = sgdl_affine_observable(&a, &obs[o], P, m + t * d, M + t * d * d);
      const double z = (er.mean[o * (K + 1) + t] - ex) / er.se[o * (K + 1) + t];
      if (fabs(z) > worst) worst = fabs(z);
    }
  CHECK(worst < 4.5, "%s (%s): MC vs exact worst |z| = %.2f", model, want_form, worst);
  printf("%-5s %-10s paths %-6llu worst |z| %.2f\n", model, want_form, (unsigned long long)paths, worst);
  free(m);
  free(M);
  sgdl_affine_free(&a);
  sgdl_ensemble_result_free(&er);
  sgdl_stepper_destroy(st);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *lin = make(&ctx, "linreg", 256, 3, 0), *log = make(&ctx, "logreg", 40, 5, 0),
               *mf = make(&ctx, "meanfield", 12, 2, 5), *mf40 = make(&ctx, "meanfield", 6, 2, 40);
  sgdl_problem *log50 = make(&ctx, "logreg", 42, 50, 0), *log2 = make(&ctx, "logreg", 42, 2, 0),
               *log3 = make(&ctx, "logreg", 9, 3, 0);
  /* the GEMM-ordered kernels: d = 5, 8, 50, 64; N not a multiple of the sample blocks (16, 32) */
  sgdl_problem *log8 = make(&ctx, "logreg", 45, 8, 0), *log64 = make(&ctx, "logreg", 77, 64, 0),
               *log50k = make(&ctx, "logreg", 1001, 50, 0);
  CHECK(lin && log && mf && mf40 && log50 && log2 && log3 && log8 && log64 && log50k, "problems");
  if (!lin || !log || !mf || !mf40 || !log50 || !log2 || !log3 || !log8 || !log64 || !log50k) return check_done();
  for (int W = 1; W <= SGDL_LANES; W = W == 1 ? 13 : W == 13 ? SGDL_LANES : SGDL_LANES + 1) {
    check_gemm(log, W);
    check_gemm(log8, W);
    check_gemm(log50, W);
    check_gemm(log64, W);
    check_gemm(log50k, W);
  }
  for (int W = 1; W <= SGDL_LANES; W = W == 1 ? 13 : W == 13 ? 77 : W == 77 ? SGDL_LANES : SGDL_LANES + 1) {
    check_fused(log2, W); /* logreg d <= 4: the register chunk kernel */
    check_fused(log3, W);
    check_kernels(log2, W);
    check_logreg_naive(log2, W, 0.7);
    check_logreg_naive(log2, W, 300.0);
    check_fused(log, W);
    check_fused(log50, W);
    check_fused(lin, W);
    check_fused(mf, W);
  }
  check_fused_models(log2);
  check_fused_models(log);
  check_fused_models(log50);
  check_fused_models(log64);
  for (int W = 1; W <= SGDL_LANES; W += SGDL_LANES - 1) {
    check_kernels(lin, W);
    check_kernels(log, W);
    check_kernels(mf, W);
    check_logreg_naive(log, W, 0.7);
    check_logreg_naive(log, W, 300.0);
    check_hvp_lanes(lin, W, 0.7);
    check_hvp_lanes(log, W, 0.7);
    check_hvp_lanes(log, W, 300.0);
    check_hvp_blocked(log, W);
    check_hvp_blocked(log50, W);
    check_kernels(mf40, W);
    check_hvp_lanes(mf, W, 0.7);
    check_hvp_lanes(mf40, W, 0.7);
  }
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  CHECK(sgdl_noise_form(lin, "smf2", &par) == NULL, "flows have no SME noise form");
  CHECK(sgdl_noise_form(lin, "gf", &par) == NULL, "gf has no noise form");
  CHECK(!strcmp(sgdl_noise_form(lin, "sme1", &par), "n-column"), "N = 256, d = 3 takes the N-column form");
  CHECK(!strcmp(sgdl_noise_form(log, "sme2", &par), "n-column"), "logreg N = 40, d = 5 takes the N-column form");
  par.noise_form = SGDL_NOISE_FORM_SQRT_SIGMA;
  CHECK(!strcmp(sgdl_noise_form(lin, "sme1", &par), "sqrt-sigma"), "forced sqrt-sigma");
  law(lin, "sme1", SGDL_NOISE_FORM_AUTO, "n-column", 20000, 1);
  law(lin, "sme2", SGDL_NOISE_FORM_N_COLUMN, "n-column", 20000, 2);
  law(lin, "smf2", SGDL_NOISE_FORM_AUTO, "(none)", 20000, 3);
  law(lin, "sme1", SGDL_NOISE_FORM_SQRT_SIGMA, "sqrt-sigma", 6000, 4);
  sgdl_problem_destroy(lin);
  sgdl_problem_destroy(log);
  sgdl_problem_destroy(mf);
  sgdl_problem_destroy(mf40);
  sgdl_problem_destroy(log50);
  sgdl_problem_destroy(log2);
  sgdl_problem_destroy(log3);
  sgdl_problem_destroy(log8);
  sgdl_problem_destroy(log64);
  sgdl_problem_destroy(log50k);
  return check_done();
}
