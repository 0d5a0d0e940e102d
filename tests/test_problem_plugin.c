/* The example plugin examples/plugin/myloss.so (path from the build, SGDL_PLUGIN_PATH) loaded
 * through sgdl_problem_create: finite-difference checks as for the built-ins, its closed forms
 * (minimum at (1,1), Sigma_1 = sigma2 I), parameters, and every loader error: a missing file, a
 * shared object without the entry symbol, a plugin that reports failure. */
#define _GNU_SOURCE /* dladdr, to find a real shared object that lacks the symbol */
#include <cblas.h>
#include <dlfcn.h>

#include "test_problem_checks.h"

#ifndef SGDL_PLUGIN_PATH
#error "SGDL_PLUGIN_PATH is set by examples/CMakeLists.txt (target myloss)"
#endif

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
