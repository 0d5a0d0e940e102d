/* The example plugin examples/plugin/myloss.so (path from the build, SGDL_PLUGIN_PATH) loaded
 * through sgdl_problem_create: finite-difference checks as for the built-ins, its closed forms
 * (minimum at (1,1), Sigma_1 = sigma2 I), parameters, and every loader error: a missing file, a
 * shared object without the entry symbol, a plugin that reports failure, plugins built against
 * another plugin ABI or none (tests/plugin_abi.c). */
#define _GNU_SOURCE /* dladdr, to find a real shared object that lacks the symbol */
#include <cblas.h>
#include <dlfcn.h>

#include "test_problem_checks.h"

#ifndef SGDL_PLUGIN_PATH
#error "SGDL_PLUGIN_PATH is set by examples/CMakeLists.txt (target myloss)"
#endif

/* A deliberately wrong problem for sgdl_problem_check: L = x^2/2 but grad returns 1.01 x. */
static double bad_loss(const sgdl_problem *p, const double *x) { return 0.5 * x[0] * x[0]; }
static void bad_grad(const sgdl_problem *p, const double *x, double *g) { g[0] = 1.01 * x[0]; }
static void bad_hvp(const sgdl_problem *p, const double *x, const double *v, double *o) { o[0] = 1.01 * v[0]; }
static void bad_cols(const sgdl_problem *p, const double *x, double *G) { G[0] = 1; }
static const sgdl_problem_type bad_type = {.name = "bad", .loss = bad_loss, .grad = bad_grad, .hvp = bad_hvp,
                                           .noise_cols = bad_cols};

static sgdl_problem *load(const char *path, const char *params, sgdl_ctx *ctx) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = path;
  s.plugin_params = params;
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(ctx, &s, &p);
  return rc ? NULL : p;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const char *path = SGDL_PLUGIN_PATH;
  CHECK(sgdl_problem_is_plugin_name(path), "%s is not recognised as a plugin path", path);
  sgdl_problem *p = load(path, "b=4, sigma2=0.25", &ctx);
  CHECK(p != NULL, "loading %s: %s", path, ctx.msg);
  if (p) {
    pc_check_struct(p, "myloss");
    double pts[3][2] = {{0.3, -0.7}, {-1.2, 0.4}, {1.5, 2.1}};
    for (int k = 0; k < 3; k++) pc_check_point(p, pts[k], "myloss");
    double xm[2] = {1, 1}, g[2], S[4], G[4];
    p->type->grad(p, xm, g);
    CHECK(g[0] == 0 && g[1] == 0 && p->type->loss(p, xm) == 0, "myloss minimum at (1,1)");
    sgdl_problem_sigma1(p, xm, S, G);
    CHECK(fabs(S[0] - 0.25) < 1e-15 && S[1] == 0 && fabs(S[3] - 0.25) < 1e-15, "myloss Sigma_1 = sigma2 I");
    double x0[2] = {0, 0};
    CHECK_REL(p->type->loss(p, x0), 0.5, 1e-15, "myloss L(0,0) = 1/2");
    double x1[2] = {2, 1}; /* (1-2)^2/2 + 4 (1-4)^2/2 = 0.5 + 18 */
    CHECK_REL(p->type->loss(p, x1), 18.5, 1e-15, "myloss L(2,1) with b=4");
    CHECK(strstr(p->desc, "banana") != NULL, "myloss desc: %s", p->desc);
    double err[4];
    double xc[2] = {-0.4, 0.9};
    CHECK(sgdl_problem_check(&ctx, p, xc, 1e-7, err) == 0, "sgdl_problem_check on myloss: %s", ctx.msg);
    CHECK(err[0] < 1e-9 && err[1] < 1e-9, "myloss FD errors %g %g", err[0], err[1]);
    sgdl_problem_destroy(p);
  }
  /* default parameters */
  p = load(path, NULL, &ctx);
  CHECK(p != NULL, "myloss with defaults: %s", ctx.msg);
  if (p) {
    double x1[2] = {2, 1};
    CHECK_REL(p->type->loss(p, x1), 0.5 + 45, 1e-15, "myloss default b = 10");
    sgdl_problem_destroy(p);
  }

  /* the self-check catches a wrong gradient and names it */
  {
    sgdl_problem bad = {.type = &bad_type, .dim = 1, .n_noise = 1, .noise_weight = 1};
    double x = 0.7, err[4];
    int rc = sgdl_problem_check(&ctx, &bad, &x, 1e-6, err);
    CHECK(rc == SGDL_EINVAL && strstr(ctx.msg, "problem bad: grad differs") && fabs(err[0] - 0.007) < 1e-6,
          "check of a wrong gradient: rc %d err %g: %s", rc, err[0], ctx.msg);
  }
  /* a type without hvp (optional) is checked on the rest */
  {
    sgdl_problem_type nohvp = bad_type;
    nohvp.hvp = NULL;
    nohvp.name = "nohvp";
    sgdl_problem q = {.type = &nohvp, .dim = 1, .n_noise = 1, .noise_weight = 1};
    double x = 0.7, err[4];
    int rc = sgdl_problem_check(&ctx, &q, &x, 1e-6, err);
    CHECK(rc == SGDL_EINVAL && err[1] == 0 && strstr(ctx.msg, "grad differs"), "check without hvp: %s", ctx.msg);
  }
  /* and passes every built-in at a generic point */
  for (int k = 0; sgdl_problem_names[k]; k++) {
    sgdl_problem_spec s;
    sgdl_problem_spec_init(&s);
    s.name = sgdl_problem_names[k];
    s.gen_n = 40;
    s.gen_d = 3;
    s.l2 = 0.05;
    s.tilt = 0.2;
    s.couple = 0.7;
    sgdl_problem *q = NULL;
    double x[4096], err[4];
    if (sgdl_problem_create(&ctx, &s, &q) == 0) {
      /* a generic point of the problem's own dimension (0.45, -0.8, 1.2 for the small ones) */
      static const double base[3] = {0.45, -0.8, 1.2};
      for (int i = 0; i < q->dim && i < 4096; i++) x[i] = i < 3 ? base[i] : 0.5 * sin(1.7 * i);
      int rc = sgdl_problem_check(&ctx, q, x, 1e-7, err);
      CHECK(rc == 0, "sgdl_problem_check(%s): %s", s.name, ctx.msg);
      sgdl_problem_destroy(q);
    } else {
      CHECK(0, "create %s: %s", s.name, ctx.msg);
    }
  }

  /* the plugin reports failure: its reason reaches the message */
  p = load(path, "bogus=1", &ctx);
  CHECK(p == NULL && strstr(ctx.msg, "failed") && strstr(ctx.msg, "unknown parameter 'bogus'") && strstr(ctx.msg, path),
        "plugin failure message: %s", ctx.msg);
  p = load(path, "b=-1", &ctx);
  CHECK(p == NULL && strstr(ctx.msg, "b > 0"), "plugin validation message: %s", ctx.msg);

  /* missing file */
  p = load("./no-such-plugin.so", NULL, &ctx);
  CHECK(p == NULL && strstr(ctx.msg, "cannot load plugin") && strstr(ctx.msg, "./no-such-plugin.so"),
        "missing plugin message: %s", ctx.msg);

  /* plugins built against another plugin ABI (tests/plugin_abi.c): refused before they run,
   * naming the file, the version found and the one expected */
#if defined(SGDL_ABI_WRONG_PATH) && defined(SGDL_ABI_NONE_PATH)
  {
    char want[160];
    snprintf(want, sizeof want, "was built for plugin ABI version %d, this sgdlab expects version %d",
             SGDL_PLUGIN_ABI_VERSION + 1, SGDL_PLUGIN_ABI_VERSION);
    p = load(SGDL_ABI_WRONG_PATH, NULL, &ctx);
    CHECK(p == NULL && ctx.status == SGDL_EINVAL && strstr(ctx.msg, SGDL_ABI_WRONG_PATH) && strstr(ctx.msg, want),
          "wrong plugin ABI message: %s", ctx.msg);
    p = load(SGDL_ABI_NONE_PATH, NULL, &ctx);
    CHECK(p == NULL && strstr(ctx.msg, SGDL_ABI_NONE_PATH) && strstr(ctx.msg, "exports no " SGDL_PLUGIN_ABI_SYMBOL) &&
              strstr(ctx.msg, "SGDL_PLUGIN_ABI;"),
          "missing plugin ABI message: %s", ctx.msg);
  }
#else
#error "SGDL_ABI_WRONG_PATH / SGDL_ABI_NONE_PATH are set by tests/CMakeLists.txt"
#endif
  /* a real shared object (OpenBLAS, found through one of its functions) without the symbol */
  Dl_info info;
  void *fp;
  double (*ddot)(const int, const double *, const int, const double *, const int) = cblas_ddot;
  memcpy(&fp, &ddot, sizeof fp);
  if (dladdr(fp, &info) && info.dli_fname && strchr(info.dli_fname, '/')) {
    p = load(info.dli_fname, NULL, &ctx);
    CHECK(p == NULL && strstr(ctx.msg, "does not export") && strstr(ctx.msg, SGDL_PLUGIN_SYMBOL) &&
              strstr(ctx.msg, info.dli_fname),
          "missing symbol message: %s", ctx.msg);
  } else {
    CHECK(0, "dladdr could not locate the OpenBLAS shared object");
  }
  return check_done();
}
