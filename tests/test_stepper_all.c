/* Conformance battery for every stepper (in the manner of GSL's ode-initval2/test.c): one loop over
 * every name in sgdl_stepper_names x every built-in problem in sgdl_problem_names, plus a quadratic
 * whose type lacks the Hessian-vector product (as a plugin may). For each pair:
 *   create/destroy: either it plans, or it refuses with SGDL_ENOTSUP exactly when the stepper
 *       needs a Hessian product (newton, sme2, smf2, msme2) and the problem has none (printed);
 *   lane width: replicas 0..SGDL_LANES+4 driven straight through type->step in blocks of W = 1, 7
 *       and SGDL_LANES lanes (EM and Heun) end bitwise equal: a lane's path is a pure function of
 *       (seed, replica);
 *   ensemble: sgdl_ensemble_run over the same replicas gives the mean of those direct runs, and
 *       bitwise the same statistics with 1 and 2 threads;
 *   divergence: a NaN in the start is reported by sgdl_ensemble_run as SGDL_EDIVERGED.
 * Noise-free runs: on the quadratic with C = 0 every stepper must follow its deterministic
 * recursion, written out below (SGD, heavy ball, Nesterov, Adam, Newton, natural gradient, and the
 * EM/Heun discretisations of gf, sme1/2, smf1/2, msme1/2 and usme, and svag's l gradient steps of
 * lr/l, which both schemes leave alone); gf on every problem must follow
 * a hand-written Heun/EM recursion on the problem's own gradient.
 * Weak orders: the fitted order of every model against its type's weak_order: gf, sme1/2, smf1/2
 * with exact moments (linreg and a noisy quadratic, E x and E x^2), msme1/2 on the noise-free
 * quadratic against heavy ball, usme under the critical scaling (order in sqrt(alpha)).
 * It does not test the statistics of the noise (test_ensemble_mc, test_study_* do that).
 * About 13 s of CPU in a release build, most of it the lane-width runs; under the sanitizers far
 * longer, hence ctest-label: slow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/rng.h"
#include "sgdlab/study.h"

enum { NREP = SGDL_LANES + 5, NPART = 2, NSTEP = 3 };

static const double H2[4] = {1.0, 0.3, 0.3, 0.5};
static const double C2[4] = {0.5, 0.1, 0.1, 0.4};
static const double ZERO2[4] = {0, 0, 0, 0};

/* The type of the "quadratic-nohvp" problem: the quadratic's, without hvp. */
static sgdl_problem_type nohvp_type;

/* A problem of the battery by name: built-ins with small sizes, "quadratic" 2-D with noise C
 * (C2, or ZERO2 for the noise-free runs), "quadratic-nohvp" the same without Hessian product. */
static sgdl_problem *make_problem(sgdl_ctx *ctx, const char *name, const double *C) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  const int nohvp = !strcmp(name, "quadratic-nohvp");
  sp.name = nohvp ? "quadratic" : name;
  if (!strcmp(sp.name, "quadratic")) {
    sp.dim = 2;
    sp.H = H2;
    sp.C = C;
  }
  sp.neurons = 2; /* meanfield: d = 2 x 3 keeps the per-lane noise square roots cheap */
  sp.gen_n = 16;
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(ctx, &sp, &p);
  CHECK(rc == 0, "create problem %s: %s", name, ctx->msg);
  if (rc) return NULL;
  if (nohvp) {
    nohvp_type = *p->type;
    nohvp_type.hvp = NULL;
    p->type = &nohvp_type;
  }
  return p;
}

static void battery_params(sgdl_algo_params *par, int scheme) {
  sgdl_algo_params_init(par);
  par->lr = 0.01;
  par->batch = 2;
  par->momentum = 0.5;
  par->damping = 0.1;
  par->substeps = 3; /* odd: the cached second half of a normal pair crosses learning-rate steps */
  par->scheme = scheme;
  par->svag_l = 3; /* svag: two minibatches per small step, weights (1 +- sqrt 5)/2 */
}

static int needs_hvp(const char *name) {
  return !strcmp(name, "newton") || !strcmp(name, "sme2") || !strcmp(name, "smf2") || !strcmp(name, "msme2");
}

/* Starting points [NPART][d]: the problem's default and a shifted copy. */
static double *battery_x0(const sgdl_problem *p) {
  const int d = p->dim;
  double *x0 = malloc(sizeof(double) * NPART * d);
  sgdl_problem_default_x0(p, 7, x0);
  for (int q = 1; q < NPART; q++)
    for (int i = 0; i < d; i++) x0[q * d + i] = x0[i] + 0.25 * q * (i % 2 ? -1 : 1);
  return x0;
}

/* Replicas 0..n-1 from x0 [P][d] for `steps` learning-rate steps, driven straight through the
 * stepper's step function in blocks of W lanes. Final positions -> out[n][P][d]. */
static void run_blocked(const sgdl_stepper *s, const double *x0, int n, int W, uint64_t steps, double *out) {
  const int d = s->prob->dim, P = s->particles;
  double *x = calloc((size_t)P * d * SGDL_LANES, sizeof *x);
  double *aux = calloc((size_t)P * (s->naux + 1) * SGDL_LANES, sizeof *aux);
  double *work = calloc((size_t)s->work_per_lane * SGDL_LANES + 1, sizeof *work);
  for (int r0 = 0; r0 < n; r0 += W) {
    const int w = n - r0 < W ? n - r0 : W;
    sgdl_lanes L = {w, (uint32_t)r0, P, d, x, aux, 0, work, NULL};
    for (int j = 0; j < P * d; j++)
      for (int l = 0; l < w; l++) x[(size_t)j * w + l] = x0[j];
    memset(aux, 0, sizeof(double) * (size_t)P * (s->naux + 1) * SGDL_LANES);
    for (uint64_t k = 0; k < steps; k++) {
      L.k = k;
      s->type->step(s, &L);
    }
    for (int l = 0; l < w; l++)
      for (int j = 0; j < P * d; j++) out[((size_t)r0 + l) * P * d + j] = x[(size_t)j * w + l];
  }
  free(x);
  free(aux);
  free(work);
}

/* Blocks of 1, 7 and SGDL_LANES lanes give bitwise the same paths; returns the W = SGDL_LANES run
 * (caller frees) for the ensemble comparison. */
static double *check_lane_widths(const sgdl_stepper *s, const double *x0, const char *what) {
  const size_t n = (size_t)NREP * s->particles * s->prob->dim;
  double *ref = malloc(sizeof(double) * n), *other = malloc(sizeof(double) * n);
  run_blocked(s, x0, NREP, SGDL_LANES, NSTEP, ref);
  const int widths[] = {1, 7};
  for (int wi = 0; wi < 2; wi++) {
    run_blocked(s, x0, NREP, widths[wi], NSTEP, other);
    CHECK(memcmp(ref, other, sizeof(double) * n) == 0, "%s: blocks of %d lanes differ from blocks of %d", what,
          widths[wi], SGDL_LANES);
  }
  int finite = 1;
  for (size_t i = 0; i < n; i++) finite &= isfinite(ref[i]) != 0;
  CHECK(finite, "%s: non-finite state after %d steps", what, NSTEP);
  free(other);
  return ref;
}

/* sgdl_ensemble_run over the same replicas: its mean of x_0 (particle 0) at the last step equals
 * the mean of the direct runs, and 1 and 2 threads give bitwise the same statistics. */
static void check_ensemble(const sgdl_stepper *s, const double *x0, const double *direct, const char *what) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int d = s->prob->dim, P = s->particles;
  sgdl_observable obs[2];
  sgdl_observable_parse(&ctx, "x0", d, P, &obs[0]);
  sgdl_observable_parse(&ctx, "loss@1", d, P, &obs[1]);
  sgdl_ensemble_plan plan = {s, P, x0, NREP, NSTEP, 2, obs, 0, 1};
  sgdl_ensemble_result r1, r2;
  ctx.threads = 1;
  int rc1 = sgdl_ensemble_run(&ctx, &plan, &r1);
  CHECK(rc1 == 0, "%s: ensemble with 1 thread: %s", what, ctx.msg);
  ctx.threads = 2;
  int rc2 = sgdl_ensemble_run(&ctx, &plan, &r2);
  CHECK(rc2 == 0, "%s: ensemble with 2 threads: %s", what, ctx.msg);
  if (!rc1 && !rc2) {
    const size_t stat = (size_t)2 * r1.n_times;
    CHECK(r1.n_chunks == r2.n_chunks && r1.n_chunks >= 2, "%s: %d chunks", what, r1.n_chunks);
    CHECK(!memcmp(r1.mean, r2.mean, sizeof(double) * stat) && !memcmp(r1.var, r2.var, sizeof(double) * stat) &&
              !memcmp(r1.chunk_sum, r2.chunk_sum, sizeof(double) * stat * r1.n_chunks),
          "%s: 1 and 2 threads differ", what);
    double sum = 0, scale = 1;
    for (int r = 0; r < NREP; r++) {
      sum += direct[(size_t)r * P * d];
      scale = fmax(scale, fabs(direct[(size_t)r * P * d]));
    }
    char w[160];
    snprintf(w, sizeof w, "%s: ensemble mean of x0 = mean of the direct lane runs", what);
    CHECK_ABS(r1.mean[NSTEP], sum / NREP, 1e-12 * scale, w);
  }
  if (!rc1) sgdl_ensemble_result_free(&r1);
  if (!rc2) sgdl_ensemble_result_free(&r2);
}

/* A NaN in the start is a divergence. */
static void check_nan_start(const sgdl_stepper *s, const double *x0, const char *what) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const int d = s->prob->dim, P = s->particles;
  double *bad = malloc(sizeof(double) * P * d);
  memcpy(bad, x0, sizeof(double) * P * d);
  bad[0] = NAN;
  sgdl_observable o;
  sgdl_observable_parse(&ctx, "x0", d, P, &o);
  sgdl_ensemble_plan plan = {s, P, bad, 4, 2, 1, &o, 0, 1};
  sgdl_ensemble_result r;
  int rc = sgdl_ensemble_run(&ctx, &plan, &r);
  /* The contract is the code and the message; a failed run's result is already freed (zeroed). */
  CHECK(rc == SGDL_EDIVERGED && strstr(ctx.msg, "diverged") && strstr(ctx.msg, "step 0"),
        "%s: NaN start gave rc %d (%s)", what, rc, ctx.msg);
  if (!rc) sgdl_ensemble_result_free(&r);
  free(bad);
}

/* The whole battery for one (stepper, problem) pair. Returns 1 if the stepper refused. */
static int battery_pair(const char *name, const char *pname, const sgdl_problem *p) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const sgdl_stepper_type *t = sgdl_stepper_find(name);
  const int schemes = t->is_discrete ? 1 : 2, expect_refusal = needs_hvp(name) && !p->type->hvp;
  double *x0 = battery_x0(p);
  int refused = 0;
  for (int sc = 0; sc < schemes && !refused; sc++) {
    sgdl_algo_params par;
    battery_params(&par, sc ? SGDL_SCHEME_HEUN : SGDL_SCHEME_EM);
    sgdl_stepper *s = NULL;
    int rc = sgdl_stepper_create(&ctx, name, p, &par, 11, 3, NPART, &s);
    if (rc) {
      refused = 1;
      printf("skip %-6s on %-16s: %s\n", name, pname, ctx.msg);
      CHECK(expect_refusal && rc == SGDL_ENOTSUP && strstr(ctx.msg, "Hessian"), "%s on %s refused unexpectedly: %s",
            name, pname, ctx.msg);
      break;
    }
    CHECK(!expect_refusal, "%s on %s: planned without a Hessian-vector product", name, pname);
    CHECK(s->type == t && s->particles == NPART && s->naux >= 0 && s->work_per_lane > 0, "%s on %s: stepper fields",
          name, pname);
    char what[96];
    snprintf(what, sizeof what, "%s on %s (%s)", name, pname, sc ? "Heun" : "EM");
    double *direct = check_lane_widths(s, x0, what);
    if (sc == 0) {
      check_ensemble(s, x0, direct, what);
      check_nan_start(s, x0, what);
    }
    free(direct);
    sgdl_stepper_destroy(s);
  }
  free(x0);
  return refused;
}

static void test_battery(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  int np = 0;
  const char *pnames[16];
  sgdl_problem *probs[16];
  for (int i = 0; sgdl_problem_names[i] && np < 15; i++) pnames[np++] = sgdl_problem_names[i];
  pnames[np++] = "quadratic-nohvp";
  for (int j = 0; j < np; j++) probs[j] = make_problem(&ctx, pnames[j], C2);
  for (int i = 0; sgdl_stepper_names[i]; i++) {
    int ran = 0, refused = 0;
    for (int j = 0; j < np; j++) {
      if (!probs[j]) continue;
      if (battery_pair(sgdl_stepper_names[i], pnames[j], probs[j])) refused++;
      else ran++;
    }
    printf("%-6s: battery on %d problems, %d refused\n", sgdl_stepper_names[i], ran, refused);
  }
  for (int j = 0; j < np; j++) sgdl_problem_destroy(probs[j]);
}

/* ---- noise-free recursions on L = x^T H2 x / 2 (C = 0), written out by hand ---- */

static void hx(const double *x, double *g) {
  g[0] = H2[0] * x[0] + H2[1] * x[1];
  g[1] = H2[2] * x[0] + H2[3] * x[1];
}

/* u = (M + delta I)^{-1} g for a 2 x 2 matrix M. */
static void solve2(const double *M, double delta, const double *g, double *u) {
  const double a = M[0] + delta, b = M[1], c = M[2], e = M[3] + delta, det = a * e - b * c;
  u[0] = (e * g[0] - b * g[1]) / det;
  u[1] = (a * g[1] - c * g[0]) / det;
}

/* The drift map of the first- and second-order models: c0 (g + modc alpha H g), g = H x. */
static void model_grad(double c0, double modc, double lr, const double *x, double *b) {
  double g[2], hg[2];
  hx(x, g);
  hx(g, hg);
  for (int i = 0; i < 2; i++) b[i] = c0 * (g[i] + modc * lr * hg[i]);
}

/* One learning-rate step of `name` on the noise-free quadratic. v[4] is the state beside x
 * (momentum, Adam moments, usme velocity), zero at k = 0. */
static void reference_step(const char *name, const sgdl_algo_params *par, uint64_t k, double *x, double *v) {
  const double lr = par->lr, mu = par->momentum;
  double g[2], u[2];
  if (!strcmp(name, "sgd") || !strcmp(name, "hb") || !strcmp(name, "adam") || !strcmp(name, "newton") ||
      !strcmp(name, "ngd")) {
    hx(x, g);
    if (!strcmp(name, "sgd")) {
      for (int i = 0; i < 2; i++) x[i] -= lr * g[i];
    } else if (!strcmp(name, "hb")) {
      for (int i = 0; i < 2; i++) {
        v[i] = mu * v[i] + g[i];
        x[i] -= lr * v[i];
      }
    } else if (!strcmp(name, "adam")) {
      const double c1 = 1 - pow(par->beta1, (double)k + 1), c2 = 1 - pow(par->beta2, (double)k + 1);
      for (int i = 0; i < 2; i++) {
        v[i] = par->beta1 * v[i] + (1 - par->beta1) * g[i];
        v[2 + i] = par->beta2 * v[2 + i] + (1 - par->beta2) * g[i] * g[i];
        x[i] -= lr * (v[i] / c1) / (sqrt(v[2 + i] / c2) + par->eps);
      }
    } else {
      /* newton: M = H; ngd: the Fisher g g^T + Sigma_1 with Sigma_1 = 0 */
      const double F[4] = {g[0] * g[0], g[0] * g[1], g[1] * g[0], g[1] * g[1]};
      solve2(!strcmp(name, "newton") ? H2 : F, par->damping, g, u);
      for (int i = 0; i < 2; i++) x[i] -= lr * u[i];
    }
    return;
  }
  if (!strcmp(name, "svag")) { /* no noise: both minibatch gradients are grad L, so l GD steps of lr/l */
    for (int j = 0; j < par->svag_l; j++) {
      hx(x, g);
      for (int i = 0; i < 2; i++) x[i] -= lr / par->svag_l * g[i];
    }
    return;
  }
  if (!strcmp(name, "nag")) { /* Sutskever: y = x + mu v, v <- mu v - lr grad L(y), x <- x + v */
    const double y[2] = {x[0] + mu * v[0], x[1] + mu * v[1]};
    hx(y, g);
    for (int i = 0; i < 2; i++) {
      v[i] = mu * v[i] - lr * g[i];
      x[i] += v[i];
    }
    return;
  }
  const int heun = par->scheme == SGDL_SCHEME_HEUN, sub = par->substeps;
  if (!strcmp(name, "usme")) { /* dX = V dt, dV = -(lambda V + grad L) dt, time sqrt(lr) per step */
    const double eps = sqrt(lr), lam = (1 - mu) / eps, h = eps / sub;
    for (int j = 0; j < sub; j++) {
      double gp[2], xp[2], vp[2];
      hx(x, g);
      for (int i = 0; i < 2; i++) {
        xp[i] = x[i] + h * v[i];
        vp[i] = v[i] - h * (lam * v[i] + g[i]);
      }
      hx(xp, gp);
      for (int i = 0; i < 2; i++) {
        x[i] = heun ? x[i] + 0.5 * h * (v[i] + vp[i]) : xp[i];
        v[i] = heun ? v[i] - 0.5 * h * (lam * v[i] + g[i] + lam * vp[i] + gp[i]) : vp[i];
      }
    }
    return;
  }
  /* gf, sme1, smf1: grad L; sme2, smf2: grad L + lr/2 H grad L; msme1/msme2: the same scaled by
   * 1/(1 - mu), msme2 with 2 kappa = (1 + mu)/(2 (1 - mu)^2) and the initial layer at k = 0. */
  const int momentum = !strncmp(name, "msme", 4), second = name[strlen(name) - 1] == '2';
  const double c0 = momentum ? 1 / (1 - mu) : 1;
  const double modc = !second ? 0 : momentum ? (1 + mu) / (2 * (1 - mu) * (1 - mu)) : 0.5;
  if (momentum && second && k == 0) {
    hx(x, g);
    for (int i = 0; i < 2; i++) x[i] += lr * mu / ((1 - mu) * (1 - mu)) * g[i];
  }
  const double h = lr / sub;
  for (int j = 0; j < sub; j++) {
    double b0[2], b1[2], xp[2];
    model_grad(c0, modc, lr, x, b0);
    for (int i = 0; i < 2; i++) xp[i] = x[i] - h * b0[i];
    if (!heun) {
      x[0] = xp[0];
      x[1] = xp[1];
      continue;
    }
    model_grad(c0, modc, lr, xp, b1);
    for (int i = 0; i < 2; i++) x[i] -= 0.5 * h * (b0[i] + b1[i]);
  }
}

/* Every stepper on the noise-free quadratic follows its recursion (both particles, 3 lanes). */
static void test_noise_free_quadratic(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = make_problem(&ctx, "quadratic", ZERO2);
  if (!p) return;
  const double x0[2 * NPART] = {1.0, -0.5, -0.3, 0.8};
  enum { K = 12, NL = 3 };
  for (int i = 0; sgdl_stepper_names[i]; i++) {
    const char *name = sgdl_stepper_names[i];
    const int schemes = sgdl_stepper_find(name)->is_discrete ? 1 : 2;
    for (int sc = 0; sc < schemes; sc++) {
      sgdl_algo_params par;
      battery_params(&par, sc ? SGDL_SCHEME_HEUN : SGDL_SCHEME_EM);
      par.lr = 0.05;
      sgdl_stepper *s = NULL;
      if (sgdl_stepper_create(&ctx, name, p, &par, 5, 1, NPART, &s)) {
        CHECK(0, "noise-free %s: %s", name, ctx.msg);
        continue;
      }
      double got[NL * NPART * 2];
      run_blocked(s, x0, NL, NL, K, got);
      double maxerr = 0;
      for (int q = 0; q < NPART; q++) {
        double x[2] = {x0[2 * q], x0[2 * q + 1]}, v[4] = {0, 0, 0, 0};
        for (uint64_t k = 0; k < K; k++) reference_step(name, &par, k, x, v);
        for (int l = 0; l < NL; l++)
          for (int c = 0; c < 2; c++)
            maxerr = fmax(maxerr, fabs(got[(l * NPART + q) * 2 + c] - x[c]) / fmax(1.0, fabs(x[c])));
      }
      CHECK(maxerr <= 1e-13, "noise-free %s (%s): %d steps off the hand-written recursion by %.3g", name,
            sc ? "Heun" : "EM", K, maxerr);
      sgdl_stepper_destroy(s);
    }
  }
  sgdl_problem_destroy(p);
}

/* gf on every problem follows EM and Heun (RK2) on the problem's own gradient. */
static void test_gf_every_problem(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  enum { K = 6, NL = 2 };
  for (int pi = 0; sgdl_problem_names[pi]; pi++) {
    sgdl_problem *p = make_problem(&ctx, sgdl_problem_names[pi], C2);
    if (!p) continue;
    const int d = p->dim;
    double *x0 = malloc(sizeof(double) * d), *got = malloc(sizeof(double) * NL * d);
    double *x = malloc(sizeof(double) * d * 4), *g = x + d, *xp = g + d, *gp = xp + d;
    sgdl_problem_default_x0(p, 7, x0);
    for (int sc = 0; sc < 2; sc++) {
      sgdl_algo_params par;
      battery_params(&par, sc ? SGDL_SCHEME_HEUN : SGDL_SCHEME_EM);
      sgdl_stepper *s = NULL;
      if (sgdl_stepper_create(&ctx, "gf", p, &par, 5, 1, 1, &s)) {
        CHECK(0, "gf on %s: %s", sgdl_problem_names[pi], ctx.msg);
        continue;
      }
      run_blocked(s, x0, NL, NL, K, got);
      memcpy(x, x0, sizeof(double) * d);
      const double h = par.lr / par.substeps;
      for (int k = 0; k < K * par.substeps; k++) {
        p->type->grad(p, x, g);
        for (int i = 0; i < d; i++) xp[i] = x[i] - h * g[i];
        if (sc) p->type->grad(p, xp, gp);
        for (int i = 0; i < d; i++) x[i] = sc ? x[i] - 0.5 * h * (g[i] + gp[i]) : xp[i];
      }
      double maxerr = 0;
      for (int l = 0; l < NL; l++)
        for (int i = 0; i < d; i++) maxerr = fmax(maxerr, fabs(got[l * d + i] - x[i]) / fmax(1.0, fabs(x[i])));
      CHECK(maxerr <= 1e-12, "gf (%s) on %s: off the hand-written recursion by %.3g", sc ? "Heun" : "EM",
            sgdl_problem_names[pi], maxerr);
      sgdl_stepper_destroy(s);
    }
    free(x0);
    free(got);
    free(x);
    sgdl_problem_destroy(p);
  }
}

/* ---- weak orders against the types' claims ---- */

static const double LRS[] = {0.04, 0.02, 0.01, 0.005};

/* Fitted order of every model for every observable of a study; `scale` converts the order in alpha
 * to the order the type claims (2 for usme: order in sqrt(alpha)). With `final_time` the errors are
 * |E f(x_K) - E f(X(T))| at T alone (the study's own fit uses the sup over t_k <= T, where the
 * momentum SMEs keep the O(alpha) initial transient of heavy ball started at rest). */
static void check_orders(sgdl_ctx *ctx, sgdl_study_spec *sp, double scale, int final_time, const char *what) {
  sgdl_study_result r;
  int rc = sgdl_study_run(ctx, sp, &r);
  CHECK(rc == 0, "%s: study: %s", what, ctx->msg);
  if (rc) return;
  for (int m = 0; m < sp->n_models; m++)
    for (int s = 0; s < r.n_stat; s++) {
      sgdl_order_fit fit = r.orders[m * r.n_stat + s];
      if (final_time) {
        double err[8];
        for (int li = 0; li < sp->n_lr && li < 8; li++) {
          const sgdl_study_series *a = SGDL_STUDY_SERIES(&r, 0, li, s), *b = SGDL_STUDY_SERIES(&r, m + 1, li, s);
          err[li] = fabs(a->mean[a->n_times - 1] - b->mean[b->n_times - 1]);
        }
        sgdl_fit_order(sp->lrs, err, NULL, sp->n_lr < 8 ? sp->n_lr : 8, &fit);
      }
      const int claimed = sgdl_stepper_find(sp->models[m])->desc.weak_order;
      printf("%s: %-5s order for %-5s %.3f (claimed %d)\n", what, sp->models[m], r.stat_names[s], fit.order * scale,
             claimed);
      CHECK(fit.n >= 3 && fabs(fit.order * scale - claimed) <= 0.3, "%s: %s order for %s %.3f over %d points, claimed %d",
            what, sp->models[m], r.stat_names[s], fit.order * scale, fit.n, claimed);
    }
  sgdl_study_result_free(&r);
}

static void study_defaults(sgdl_study_spec *sp, const sgdl_problem *p, const double *x0, const sgdl_observable *obs,
                           int n_obs) {
  memset(sp, 0, sizeof *sp);
  sp->prob = p;
  sp->n_lr = 4;
  sp->lrs = LRS;
  sp->T = 1;
  sp->P = 1;
  sp->x0 = x0;
  sp->n_obs = n_obs;
  sp->obs = obs;
  sp->paths = 2;
  sgdl_algo_params_init(&sp->par);
  sp->seed = 9;
}

static void test_weak_orders(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* gf, sme1/2, smf1/2 by exact moments on linreg (state-dependent noise) and the noisy quadratic */
  static const char *const exact_models[] = {"gf", "sme1", "sme2", "smf1", "smf2"};
  const char *exact_problems[] = {"linreg", "quadratic"};
  for (int pi = 0; pi < 2; pi++) {
    sgdl_problem *p = make_problem(&ctx, exact_problems[pi], C2);
    if (!p) continue;
    const double x0[2] = {1.0, -0.5};
    sgdl_observable obs[2];
    sgdl_observable_parse(&ctx, "x0", p->dim, 1, &obs[0]);
    sgdl_observable_parse(&ctx, "x0^2", p->dim, 1, &obs[1]);
    sgdl_study_spec sp;
    study_defaults(&sp, p, x0, obs, 2);
    sp.exact = 1;
    sp.n_models = 5;
    sp.models = exact_models;
    char what[64];
    snprintf(what, sizeof what, "exact %s", exact_problems[pi]);
    check_orders(&ctx, &sp, 1, 0, what);
    sgdl_problem_destroy(p);
  }
  /* msme1/2 against heavy ball on the noise-free quadratic (every path deterministic: 2 paths are
   * exact means); Heun with 16 substeps keeps the discretisation below the model error */
  sgdl_problem *q = make_problem(&ctx, "quadratic", ZERO2);
  if (!q) return;
  const double x0[2] = {1.0, -0.5};
  sgdl_observable o;
  sgdl_observable_parse(&ctx, "x0", 2, 1, &o);
  static const char *const msme[] = {"msme1", "msme2"};
  sgdl_study_spec sp;
  study_defaults(&sp, q, x0, &o, 1);
  sp.algo = "hb";
  sp.n_models = 2;
  sp.models = msme;
  sp.par.momentum = 0.5;
  sp.par.substeps = 16;
  sp.par.scheme = SGDL_SCHEME_HEUN;
  check_orders(&ctx, &sp, 1, 1, "noise-free hb (error at T)");
  /* usme: heavy ball with mu = 1 - sqrt(alpha) against the underdamped ODE, T = 5, order in sqrt(alpha) */
  static const char *const usme[] = {"usme"};
  static const double lr_eps[] = {0.01, 0.0025, 0.000625};
  study_defaults(&sp, q, x0, &o, 1);
  sp.algo = "hb";
  sp.critical_lambda = 1;
  sp.n_models = 1;
  sp.models = usme;
  sp.n_lr = 3;
  sp.lrs = lr_eps;
  sp.T = 5;
  sp.par.substeps = 16;
  sp.par.scheme = SGDL_SCHEME_HEUN;
  check_orders(&ctx, &sp, 2, 0, "critical hb");
  for (int i = 0; sgdl_stepper_names[i]; i++) {
    const sgdl_stepper_type *t = sgdl_stepper_find(sgdl_stepper_names[i]);
    CHECK(t->is_discrete ? t->desc.weak_order == 0 : t->desc.weak_order >= 1, "%s: weak_order %d", t->name, t->desc.weak_order);
  }
  sgdl_problem_destroy(q);
}

int main(void) {
  double t0 = sgdl_now();
  test_battery();
  double t1 = sgdl_now();
  test_noise_free_quadratic();
  test_gf_every_problem();
  double t2 = sgdl_now();
  test_weak_orders();
  printf("seconds: battery %.2f, noise-free %.2f, orders %.2f\n", t1 - t0, t2 - t1, sgdl_now() - t2);
  return check_done();
}
