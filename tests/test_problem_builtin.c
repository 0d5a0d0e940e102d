/* Every built-in problem: finite-difference checks of grad, hvp and per-sample gradients,
 * per-sample means, Sigma_1 against the direct covariance, grad_lanes against grad (see
 * test_problem_checks.h), plus each problem's own closed forms: quadratic Sigma_1 = C,
 * double-well Sigma_1 = sigma2, degenerate Sigma_1 = s^2 x^2, logreg stability at huge margins,
 * and the documented data generator (unit-norm u, noise sd). */
#include "test_problem_checks.h"

#include "sgdlab/linalg.h"

static sgdl_problem *make(sgdl_problem_spec *spec) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(&ctx, spec, &p);
  CHECK(rc == 0 && p, "create %s failed: %s", spec->name, ctx.msg);
  return rc ? NULL : p;
}

static void check_all_points(sgdl_problem *p, const char *name) {
  pc_check_struct(p, name);
  double pts[3][4] = {{0.3, -0.7, 1.1, 0.2}, {-1.2, 0.4, -0.3, 0.9}, {0.9, 1.3, 0.5, -1.4}};
  for (int k = 0; k < 3; k++) pc_check_point(p, pts[k], name);
}

static void test_quadratic(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "quadratic";
  double H[9] = {2, 0.5, 0, 0.5, 1, -0.3, 0, -0.3, 0.7};
  double C[9] = {1, 0.2, 0.1, 0.2, 0.5, 0, 0.1, 0, 0.3};
  s.dim = 3;
  s.H = H;
  s.C = C;
  sgdl_problem *p = make(&s);
  if (!p) return;
  check_all_points(p, "quadratic");
  double x[3] = {0.4, -1, 2}, S[9], G[9];
  sgdl_problem_sigma1(p, x, S, G);
  CHECK(pc_relerr(9, S, C) < 1e-13, "quadratic: Sigma_1 != C (rel err %g)", pc_relerr(9, S, C));
  /* G is the symmetric square root */
  CHECK(fabs(G[1] - G[3]) < 1e-14 && fabs(G[2] - G[6]) < 1e-14, "quadratic: C^{1/2} not symmetric");
  double hx = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) hx += x[i] * H[i * 3 + j] * x[j];
  CHECK_REL(p->type->loss(p, x), 0.5 * hx, 1e-14, "quadratic loss = x^T H x / 2");
  CHECK(p->noise_constant == 1 && p->affine == 1 && p->n_noise == 3 && p->n_data == 0, "quadratic flags");
  sgdl_problem_destroy(p);

  /* defaults: H = I, C = I */
  sgdl_problem_spec_init(&s);
  s.name = "quadratic";
  s.dim = 2;
  p = make(&s);
  if (!p) return;
  double x2[2] = {3, -4};
  CHECK_REL(p->type->loss(p, x2), 12.5, 1e-15, "quadratic default H = I");
  sgdl_problem_sigma1(p, x2, S, G);
  CHECK(S[0] == 1 && S[1] == 0 && S[3] == 1, "quadratic default C = I");
  sgdl_problem_destroy(p);
}

static void test_linreg_generated(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "linreg";
  s.gen_n = 20;
  s.gen_d = 3;
  s.gen_seed = 7;
  sgdl_problem *p = make(&s);
  if (!p) return;
  check_all_points(p, "linreg(gen)");
  CHECK(p->affine == 1 && p->n_data == 20 && p->dim == 3, "linreg flags");
  /* Same seed, more rows: the first 20 rows are unchanged (documented). */
  s.gen_n = 30;
  sgdl_problem *q = make(&s);
  size_t N1, N2;
  int d1, d2;
  const double *X1, *y1, *X2, *y2;
  if (q && !sgdl_problem_data(p, &N1, &d1, &X1, &y1) && !sgdl_problem_data(q, &N2, &d2, &X2, &y2))
    CHECK(N1 == 20 && N2 == 30 && memcmp(X1, X2, 60 * sizeof(double)) == 0 && memcmp(y1, y2, 20 * sizeof(double)) == 0,
          "generated data not a prefix for a larger gen_n");
  else
    CHECK(0, "sgdl_problem_data failed on linreg");
  sgdl_problem_destroy(q);
  sgdl_problem_destroy(p);

  /* The generator's model: y = u^T x + nu eps with |u| = 1. Large N: least-squares fit
   * w* = H^{-1} b has |w*| ~ 1 and the residual mean square ~ nu^2 (4 standard errors). */
  sgdl_problem_spec_init(&s);
  s.name = "linreg";
  s.gen_n = 20000;
  s.gen_d = 3;
  s.gen_seed = 11;
  s.gen_noise = 0.5;
  p = make(&s);
  if (!p) return;
  double Hm[9], b[3], w0[3] = {0, 0, 0}, e[3];
  for (int j = 0; j < 3; j++) {
    e[0] = e[1] = e[2] = 0;
    e[j] = 1;
    p->type->hvp(p, w0, e, Hm + 3 * j); /* H symmetric: columns = rows */
  }
  p->type->grad(p, w0, b); /* -b */
  for (int j = 0; j < 3; j++) b[j] = -b[j];
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  CHECK(sgdl_solve(&ctx, 3, 1, Hm, b) == 0, "solve: %s", ctx.msg);
  double nw = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  /* sd of each fitted coefficient ~ nu / sqrt(N) */
  CHECK(fabs(nw - 1.0) < 4 * 0.5 / sqrt(20000.0) * 1.8, "generated u not unit norm: |w*| = %g", nw);
  double mse = 2 * p->type->loss(p, b);
  /* residual mean square of Gaussian noise: sd = nu^2 sqrt(2/N) */
  CHECK(fabs(mse - 0.25) < 4 * 0.25 * sqrt(2.0 / 20000), "generated noise variance %g, expected 0.25", mse);
  sgdl_problem_destroy(p);
}

static void test_logreg(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "logreg";
  s.gen_n = 30;
  s.gen_d = 3;
  s.gen_seed = 3;
  s.l2 = 0.1;
  sgdl_problem *p = make(&s);
  if (!p) return;
  check_all_points(p, "logreg(gen)");
  CHECK(p->affine == 0, "logreg is not affine");
  /* L(0) = log 2 (every margin 0, no ridge) */
  double w0[3] = {0, 0, 0};
  CHECK_REL(p->type->loss(p, w0), log(2.0), 1e-15, "logreg L(0) = log 2");
  /* labels are 0/1 and both classes occur */
  size_t N;
  int d;
  const double *X, *y;
  int ones = 0, bad = 0;
  if (!sgdl_problem_data(p, &N, &d, &X, &y))
    for (size_t i = 0; i < N; i++) {
      ones += y[i] == 1.0;
      bad += y[i] != 0.0 && y[i] != 1.0;
    }
  CHECK(bad == 0 && ones > 0 && ones < 30, "logreg generated labels: %d ones, %d bad", ones, bad);
  /* Huge margins: everything stays finite and the loss is ~ linear in the scale, not Inf/NaN */
  double wb[3] = {1e150, -3e149, 5e149}, g[3], hv[3], v[3] = {1, 1, 1};
  double L = p->type->loss(p, wb);
  p->type->grad(p, wb, g);
  p->type->hvp(p, wb, v, hv);
  CHECK(isfinite(L) && isfinite(g[0]) && isfinite(hv[0]), "logreg not finite at huge w: L=%g g0=%g hv0=%g", L, g[0],
        hv[0]);
  double wm[3] = {800, -300, 500}; /* margins of several hundred: exp would overflow naively */
  double Lm = 0;
  for (size_t i = 0; i < N; i++) Lm += p->type->loss_sample(p, wm, i);
  CHECK(isfinite(Lm) && isfinite(p->type->loss(p, wm)), "logreg loss not finite at margin ~1e3");
  /* One sample, margin m: l = log(1 + e^{-m}); at m = -800 exactly 800 (to rounding). */
  double x1[3];
  memcpy(x1, X, sizeof x1);
  double z = 0, wl[3];
  for (int j = 0; j < 3; j++) z += x1[j] * x1[j];
  double sgn = y[0] > 0.5 ? 1 : -1;
  for (int j = 0; j < 3; j++) wl[j] = -sgn * 800 * x1[j] / z; /* s_0 x_0^T w = -800 */
  double ridge = 0;
  for (int j = 0; j < 3; j++) ridge += 0.05 * wl[j] * wl[j];
  CHECK_REL(p->type->loss_sample(p, wl, 0) - ridge, 800.0, 1e-13, "logreg l_0 at margin -800");
  sgdl_problem_destroy(p);
}

static void test_double_wells(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "double-well";
  s.tilt = 0.3;
  s.sigma2 = 0.7;
  sgdl_problem *p = make(&s);
  if (!p) return;
  check_all_points(p, "double-well");
  double x = 1.3, S, G;
  CHECK_REL(p->type->loss(p, &x), pow(1.3, 4) / 4 - 1.69 / 2 + 0.39, 1e-14, "double-well loss");
  sgdl_problem_sigma1(p, &x, &S, &G);
  CHECK_REL(S, 0.7, 1e-15, "double-well Sigma_1 = sigma2");
  CHECK(p->type->grad_lanes != NULL && p->noise_constant == 1, "double-well has a lanes fast path and constant noise");
  sgdl_problem_destroy(p);

  sgdl_problem_spec_init(&s);
  s.name = "double-well-2d";
  s.ky = 2.0;
  s.couple = 0.5;
  s.sigma2 = 0.3;
  p = make(&s);
  if (!p) return;
  check_all_points(p, "double-well-2d");
  double xy[2] = {0.8, -0.6}, S2[4], G2[4];
  sgdl_problem_sigma1(p, xy, S2, G2);
  CHECK(fabs(S2[0] - 0.3) < 1e-15 && S2[1] == 0 && S2[2] == 0 && fabs(S2[3] - 0.3) < 1e-15, "dw2d Sigma_1 = sigma2 I");
  double gm[2], xm[2] = {1, 0}, xs[2] = {0, 0};
  p->type->grad(p, xm, gm);
  CHECK(gm[0] == 0 && gm[1] == 0, "dw2d (1,0) is stationary");
  p->type->grad(p, xs, gm);
  CHECK(gm[0] == 0 && gm[1] == 0, "dw2d origin is stationary");
  CHECK(p->type->grad_lanes != NULL, "dw2d lanes fast path");
  sgdl_problem_destroy(p);
}

static void test_degenerate(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "degenerate";
  s.s = 0.6;
  sgdl_problem *p = make(&s);
  if (!p) return;
  check_all_points(p, "degenerate");
  double x = -1.7, S, G[2];
  sgdl_problem_sigma1(p, &x, &S, G);
  CHECK_REL(S, 0.36 * x * x, 1e-15, "degenerate Sigma_1 = s^2 x^2");
  p->type->noise_cols(p, &x, G);
  CHECK_REL(G[0], -0.6 * x, 1e-15, "degenerate G(x; +s) = -s x");
  CHECK_REL(G[1], 0.6 * x, 1e-15, "degenerate G(x; -s) = +s x");
  CHECK_REL(p->type->loss(p, &x), 0.5 * x * x, 1e-15, "degenerate L = x^2/2");
  CHECK(p->n_data == 2 && p->affine == 1, "degenerate: N = 2, affine");
  sgdl_problem_destroy(p);
}

static void test_meanfield_fd(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "meanfield";
  s.neurons = 3;
  s.gen_n = 7;
  s.gen_d = 2;
  s.gen_seed = 5;
  sgdl_problem *p = make(&s);
  if (!p) return;
  CHECK(p->dim == 9 && p->n_data == 7 && !p->affine, "meanfield: dim 9, N 7, not affine");
  double pts[3][9];
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 9; i++) pts[k][i] = sin(1.3 * i + 0.7 * k + 0.2) * (1 + 0.3 * k);
  for (int k = 0; k < 3; k++) pc_check_point(p, pts[k], "meanfield");
  pc_check_struct(p, "meanfield");
  sgdl_problem_destroy(p);
}

static void test_names_and_defaults(void) {
  int n = 0;
  for (; sgdl_problem_names[n]; n++) {
    sgdl_problem_spec s;
    sgdl_problem_spec_init(&s);
    s.name = sgdl_problem_names[n];
    s.gen_n = 16;
    sgdl_problem *p = make(&s);
    if (p) {
      CHECK(strcmp(p->type->name, sgdl_problem_names[n]) == 0, "type name %s != %s", p->type->name,
            sgdl_problem_names[n]);
      pc_check_struct(p, s.name);
    }
    sgdl_problem_destroy(p);
  }
  CHECK(n == 7, "seven built-in problems, got %d", n);
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  CHECK(s.sigma2 == 1 && s.s == 0.5 && s.ky == 1 && s.gen_n == 64 && s.gen_d == 2 && s.gen_noise == 0.5,
        "spec defaults");
  CHECK(sgdl_problem_is_plugin_name("./x.so") && sgdl_problem_is_plugin_name("a/b") &&
            sgdl_problem_is_plugin_name("x.so") && !sgdl_problem_is_plugin_name("linreg"),
        "plugin name rule");
}

int main(void) {
  test_quadratic();
  test_linreg_generated();
  test_logreg();
  test_double_wells();
  test_degenerate();
  test_names_and_defaults();
  test_meanfield_fd();
  return check_done();
}
