/* The callback problem (sgdl_callback_problem, src/problem/callback.c): linreg written as lane-block
 * callbacks in C on the data of a generated built-in linreg gives the built-in's loss, gradients,
 * Hessian products, noise columns and batched minibatch sums; its lane kernels equal its per-point
 * members lane by lane (grad_lanes, hvp_lanes; grad_sum_lanes bitwise the generic loop over grad_sample); the shared
 * problem checks and sgdl_problem_check pass, and refuse a wrong gradient; a failing callback
 * is recorded once, makes every later output NaN and is not called again; missing callbacks are
 * refused at creation with a message naming them. */
#include "test_problem_checks.h"

typedef struct {
  size_t N;
  int d;
  const double *X, *y;
  double grad_scale; /* 1: right; anything else: a wrong gradient for the self-check */
  int fail_after;    /* > 0: the grad callback fails on that call (counted in calls) */
  int calls;
} lin_data;

static double residual(const lin_data *u, const double *x, uint32_t n) {
  double r = -u->y[n];
  for (int j = 0; j < u->d; j++) r += u->X[(size_t)n * (size_t)u->d + (size_t)j] * x[j];
  return r;
}

static int lin_loss(void *user, int W, const double *X, double *out) {
  const lin_data *u = user;
  for (int l = 0; l < W; l++) {
    double s = 0;
    for (uint32_t n = 0; n < u->N; n++) {
      const double r = residual(u, X + (size_t)l * (size_t)u->d, n);
      s += r * r;
    }
    out[l] = 0.5 * s / (double)u->N;
  }
  return 0;
}

static int lin_grad(void *user, int W, const double *X, double *out) {
  lin_data *u = user;
  if (u->fail_after > 0 && ++u->calls >= u->fail_after) return 3;
  for (int l = 0; l < W; l++) {
    double *o = out + (size_t)l * (size_t)u->d;
    for (int j = 0; j < u->d; j++) o[j] = 0;
    for (uint32_t n = 0; n < u->N; n++) {
      double r = residual(u, X + (size_t)l * (size_t)u->d, n);
      for (int j = 0; j < u->d; j++) o[j] += r * u->X[(size_t)n * (size_t)u->d + (size_t)j];
    }
    for (int j = 0; j < u->d; j++) o[j] *= u->grad_scale / (double)u->N;
  }
  return 0;
}

static int lin_hvp(void *user, int W, const double *X, const double *V, double *out) {
  const lin_data *u = user;
  (void)X;
  for (int l = 0; l < W; l++) {
    const double *v = V + (size_t)l * (size_t)u->d;
    double *o = out + (size_t)l * (size_t)u->d;
    for (int j = 0; j < u->d; j++) o[j] = 0;
    for (size_t n = 0; n < u->N; n++) {
      double a = 0;
      for (int k = 0; k < u->d; k++) a += u->X[n * (size_t)u->d + (size_t)k] * v[k];
      for (int j = 0; j < u->d; j++) o[j] += a * u->X[n * (size_t)u->d + (size_t)j] / (double)u->N;
    }
  }
  return 0;
}

static int lin_grad_sample(void *user, int W, int nb, const double *X, const uint32_t *idx, double *out) {
  const lin_data *u = user;
  for (int l = 0; l < W; l++)
    for (int b = 0; b < nb; b++) {
      const uint32_t n = idx[(size_t)l * (size_t)nb + (size_t)b];
      const double r = residual(u, X + (size_t)l * (size_t)u->d, n);
      for (int j = 0; j < u->d; j++)
        out[((size_t)l * (size_t)nb + (size_t)b) * (size_t)u->d + (size_t)j] =
            r * u->X[(size_t)n * (size_t)u->d + (size_t)j];
    }
  return 0;
}

static int lin_loss_sample(void *user, int W, int nb, const double *X, const uint32_t *idx, double *out) {
  const lin_data *u = user;
  for (int l = 0; l < W; l++)
    for (int b = 0; b < nb; b++) {
      const double r = residual(u, X + (size_t)l * (size_t)u->d, idx[(size_t)l * (size_t)nb + (size_t)b]);
      out[(size_t)l * (size_t)nb + (size_t)b] = 0.5 * r * r;
    }
  return 0;
}

static sgdl_problem *make(sgdl_ctx *ctx, sgdl_callback_problem *cb) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "callback";
  s.callbacks = cb;
  sgdl_problem *p = NULL;
  return sgdl_problem_create(ctx, &s, &p) ? NULL : p;
}

/* Lane kernels against the built-in and against the per-point members, on a block of W lanes. */
static void check_lanes(const sgdl_problem *p, const sgdl_problem *ref, int W) {
  const int d = p->dim, N = (int)p->n_data, B = 5;
  double *X = calloc((size_t)d * W, sizeof *X), *G = calloc((size_t)d * W, sizeof *G);
  double *R = calloc((size_t)d * W, sizeof *R), *w = calloc((size_t)B * W, sizeof *w);
  double *work = calloc((size_t)sgdl_problem_lanes_work(ref), sizeof *work), x[8], g[8];
  uint32_t *idx = calloc((size_t)B * W, sizeof *idx);
  for (int i = 0; i < d * W; i++) X[i] = sin(0.37 * i + 0.1);
  for (int i = 0; i < B * W; i++) {
    idx[i] = (uint32_t)((7 * i + 3) % N);
    w[i] = 0.5 + 0.1 * (i % 7);
  }
  sgdl_problem_grad_lanes(p, W, X, G, work);
  int same = 1;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l];
    p->type->grad(p, x, g);
    for (int i = 0; i < d; i++) same &= g[i] == G[i * W + l];
  }
  CHECK(same, "W = %d: grad_lanes is grad lane by lane", W);
  p->type->hvp_lanes(p, W, X, G, R); /* V = the gradients */
  same = 1;
  for (int l = 0; l < W; l++) {
    double v[8];
    for (int i = 0; i < d; i++) x[i] = X[i * W + l], v[i] = G[i * W + l];
    p->type->hvp(p, x, v, g);
    for (int i = 0; i < d; i++) same &= g[i] == R[i * W + l];
  }
  CHECK(same, "W = %d: hvp_lanes is hvp lane by lane", W);
  for (int weighted = 0; weighted < 2; weighted++) {
    sgdl_problem_grad_sum_lanes(p, W, X, B, idx, weighted ? w : NULL, G, work);
    sgdl_problem_grad_sum_lanes(ref, W, X, B, idx, weighted ? w : NULL, R, work);
    CHECK(pc_relerr(d * W, G, R) < 1e-13, "W = %d weighted %d: minibatch sums as the built-in (%g)", W, weighted,
          pc_relerr(d * W, G, R));
  }
  /* all N samples, unweighted: bitwise the sum of grad_sample's outputs from 0 */
  sgdl_problem_grad_sum_lanes(p, W, X, N, NULL, NULL, G, work);
  same = 1;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[i * W + l];
    double s[8] = {0};
    for (int n = 0; n < N; n++) {
      p->type->grad_sample(p, x, (size_t)n, g);
      for (int i = 0; i < d; i++) s[i] += g[i];
    }
    for (int i = 0; i < d; i++) same &= s[i] == G[i * W + l];
  }
  CHECK(same, "W = %d: the full sum is bitwise the sum of grad_sample", W);
  free(X), free(G), free(R), free(w), free(work), free(idx);
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "linreg";
  s.gen_n = 23;
  s.gen_d = 3;
  s.gen_seed = 4;
  sgdl_problem *ref = NULL;
  CHECK(sgdl_problem_create(&ctx, &s, &ref) == 0, "built-in linreg: %s", ctx.msg);
  lin_data u = {.grad_scale = 1};
  sgdl_problem_data(ref, &u.N, &u.d, &u.X, &u.y);
  sgdl_callback_problem cb = {.dim = u.d, .n_data = u.N, .affine = 1, .user = &u, .desc = "linreg in C callbacks",
                              .loss = lin_loss, .grad = lin_grad, .hvp = lin_hvp, .grad_sample = lin_grad_sample,
                              .loss_sample = lin_loss_sample};
  sgdl_problem *p = make(&ctx, &cb);
  CHECK(p != NULL, "creating the callback problem: %s", ctx.msg);
  if (!p || !ref) return check_done();
  CHECK(p->n_noise == 23 && p->noise_weight == 1.0 / 23 && p->affine && !p->noise_constant &&
            !strcmp(p->desc, "linreg in C callbacks"),
        "fields of a finite-data callback problem");
  pc_check_struct(p, "callback linreg");
  double pts[2][3] = {{0.3, -0.7, 1.1}, {-1.2, 0.4, 0.05}};
  for (int k = 0; k < 2; k++) {
    pc_check_point(p, pts[k], "callback linreg");
    double a[3], b[3], Ga[3 * 23], Gb[3 * 23];
    CHECK_REL(p->type->loss(p, pts[k]), ref->type->loss(ref, pts[k]), 1e-13, "loss as the built-in");
    p->type->grad(p, pts[k], a);
    ref->type->grad(ref, pts[k], b);
    CHECK(pc_relerr(3, a, b) < 1e-13, "grad as the built-in (%g)", pc_relerr(3, a, b));
    p->type->hvp(p, pts[k], pts[1 - k], a);
    ref->type->hvp(ref, pts[k], pts[1 - k], b);
    CHECK(pc_relerr(3, a, b) < 1e-13, "hvp as the built-in (%g)", pc_relerr(3, a, b));
    p->type->noise_cols(p, pts[k], Ga);
    ref->type->noise_cols(ref, pts[k], Gb);
    CHECK(pc_relerr(3 * 23, Ga, Gb) < 1e-13, "noise columns as the built-in (%g)", pc_relerr(3 * 23, Ga, Gb));
  }
  for (int W = 1; W <= 256; W *= 16) check_lanes(p, ref, W);
  double err[4];
  CHECK(sgdl_problem_check(&ctx, p, pts[0], 1e-6, err) == 0, "self-check of a right problem: %s", ctx.msg);

  u.grad_scale = 1.2;
  CHECK(sgdl_problem_check(&ctx, p, pts[0], 1e-6, err) == SGDL_EINVAL &&
            strstr(ctx.msg, "grad differs from finite differences of loss"),
        "self-check refuses a wrong gradient: %s", ctx.msg);
  u.grad_scale = 1;

  u.fail_after = 2; /* the second grad call fails */
  double g[3], X[3 * 4] = {0}, G[3 * 4];
  p->type->grad(p, pts[0], g);
  CHECK(!cb.failed && isfinite(g[0]), "first grad call succeeds");
  sgdl_problem_grad_lanes(p, 4, X, G, NULL);
  CHECK(cb.failed && isnan(G[0]) && isnan(G[11]) && !strcmp(cb.failure, "the grad callback failed (returned 3)"),
        "a failing callback is recorded: '%s'", cb.failure);
  p->type->grad(p, pts[0], g);
  CHECK(u.calls == 2 && isnan(g[0]) && isnan(p->type->loss(p, pts[0])), "no callback runs after a failure");
  sgdl_problem_destroy(p);

  sgdl_callback_problem none = {.dim = 2, .loss = lin_loss, .grad = lin_grad, .user = &u};
  CHECK(make(&ctx, &none) == NULL && strstr(ctx.msg, "needs noise_cols"), "additive noise without noise_cols: %s",
        ctx.msg);
  none.n_data = 5;
  CHECK(make(&ctx, &none) == NULL && strstr(ctx.msg, "needs grad_sample and loss_sample"), "%s", ctx.msg);
  sgdl_problem_spec_init(&s);
  s.name = "callback";
  CHECK(sgdl_problem_create(&ctx, &s, &p) != 0 && strstr(ctx.msg, "no callbacks were given"), "%s", ctx.msg);
  sgdl_problem_destroy(ref);
  return check_done();
}
