/* 1-D SME Fokker-Planck stationary density (SPEC 4):
 *  - T14: linear regression on the SPEC data, alpha = 0.1: mean 0.8, variance 0.00222787521757,
 *    tail exponent 2 + 2 abar/(alpha v_a) = 17.0659133710, all to 1e-9 relative;
 *  - quadratic (OU): SME1 and SME2 variances alpha c/(2h) and alpha c/(2h(1 + alpha h/2));
 *  - tilted double well with additive noise: moments of exp(-2L/(alpha sigma^2)) by an independent
 *    fine trapezoid sum; normalisation of the plot grid;
 *  - degenerate noise (Sigma_1 = 0 at the minimum): a clear error. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/stationary.h"

static sgdl_problem *make(sgdl_problem_spec *spec) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(&ctx, spec, &p)) fprintf(stderr, "problem: %s\n", ctx.msg);
  return p;
}

static void t14(void) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/sgdl_test_%ld_t14.csv", (long)getpid());
  FILE *f = fopen(path, "w");
  fprintf(f, "x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n");
  fclose(f);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "linreg";
  spec.data_path = path;
  sgdl_problem *p = make(&spec);
  remove(path);
  CHECK(p != NULL, "T14 problem");
  if (!p) return;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_fp1d fp;
  CHECK(sgdl_fp1d_stationary(&ctx, p, 0.1, 1.0, 1, &fp) == 0, "%s", ctx.msg);
  CHECK_REL(fp.mean, 0.8, 1e-9, "T14 mean");
  CHECK_REL(fp.var, 0.00222787521757, 1e-9, "T14 variance");
  CHECK_REL(fp.tail_right, 17.0659133710, 1e-9, "T14 right tail exponent");
  CHECK_REL(fp.tail_left, 17.0659133710, 1e-9, "T14 left tail exponent");
  CHECK(fp.norm_err < 1e-10, "quadrature error estimate %g", fp.norm_err);
  /* the plot grid integrates to ~1 (it covers +- 8 sd) */
  double Z = 0;
  for (int j = 1; j < fp.n; j++) Z += 0.5 * (fp.rho[j] + fp.rho[j - 1]) * (fp.x[j] - fp.x[j - 1]);
  CHECK_ABS(Z, 1.0, 1e-4, "plot grid normalisation (mass beyond 8 sd is left out)");
  sgdl_fp1d_free(&fp);
  sgdl_problem_destroy(p);
}

static void ou(void) {
  const double h = 2.5, c = 0.7;
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "quadratic";
  spec.dim = 1;
  spec.H = &h;
  spec.C = &c;
  sgdl_problem *p = make(&spec);
  CHECK(p != NULL, "quadratic problem");
  if (!p) return;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_fp1d fp;
  const double al = 0.2, cB = 0.5;
  CHECK(sgdl_fp1d_stationary(&ctx, p, al, cB, 1, &fp) == 0, "%s", ctx.msg);
  CHECK_ABS(fp.mean, 0.0, 1e-12, "OU mean");
  CHECK_REL(fp.var, al * cB * c / (2 * h), 1e-11, "OU SME1 variance");
  CHECK(isinf(fp.tail_right), "Gaussian tail reported as faster than any power (%g)", fp.tail_right);
  sgdl_fp1d_free(&fp);
  CHECK(sgdl_fp1d_stationary(&ctx, p, al, cB, 2, &fp) == 0, "%s", ctx.msg);
  CHECK_REL(fp.var, al * cB * c / (2 * h * (1 + al * h / 2)), 1e-11, "OU SME2 variance");
  sgdl_fp1d_free(&fp);
  sgdl_problem_destroy(p);
}

static void double_well(void) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "double-well";
  spec.sigma2 = 1.0;
  spec.tilt = 0.1;
  sgdl_problem *p = make(&spec);
  CHECK(p != NULL, "double-well problem");
  if (!p) return;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double al = 0.3;
  sgdl_fp1d fp;
  CHECK(sgdl_fp1d_stationary(&ctx, p, al, 1.0, 1, &fp) == 0, "%s", ctx.msg);
  /* independent: rho ~ exp(-2 L / (alpha sigma^2)) on [-4, 4], fine trapezoid */
  double Z = 0, M1 = 0, M2 = 0, hx = 1e-5;
  for (long j = 0; j <= 800000; j++) {
    double x = -4 + j * hx, L = x * x * x * x / 4 - x * x / 2 + 0.1 * x;
    double w = exp(-2 * L / al) * (j == 0 || j == 800000 ? 0.5 : 1);
    Z += w;
    M1 += w * x;
    M2 += w * x * x;
  }
  double mean = M1 / Z, var = M2 / Z - mean * mean;
  CHECK_REL(fp.mean, mean, 1e-9, "double-well mean vs direct quadrature");
  CHECK_REL(fp.var, var, 1e-9, "double-well variance vs direct quadrature");
  sgdl_fp1d_free(&fp);
  sgdl_problem_destroy(p);
}

static void degenerate(void) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "degenerate";
  sgdl_problem *p = make(&spec);
  CHECK(p != NULL, "degenerate problem");
  if (!p) return;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_fp1d fp;
  int rc = sgdl_fp1d_stationary(&ctx, p, 0.1, 1.0, 1, &fp);
  CHECK(rc != 0 && strstr(ctx.msg, "vanishes"), "degenerate noise must be refused: rc %d msg %s", rc, ctx.msg);
  sgdl_fp1d_free(&fp);
  sgdl_problem_destroy(p);
}

int main(void) {
  t14();
  ou();
  double_well();
  degenerate();
  return check_done();
}
