/* Exact moments against SPEC T1, T2 (quadratic SGD vs SME1/SME2, weak orders) and T12
 * (linear regression, B = 1 with replacement), and the multi-point orders of npoint:
 * SMF2 has order 2 for E|X-Y|^2 of two runs with shared samples, the SME with independent
 * noise only order 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/analysis.h"
#include "sgdlab/moments.h"

static sgdl_problem *quad1(sgdl_ctx *ctx) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  double H = 1, C = 1;
  sp.name = "quadratic";
  sp.dim = 1;
  sp.H = &H;
  sp.C = &C;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

static sgdl_problem *linreg_file(sgdl_ctx *ctx, const char *rows) {
  char path[] = "/tmp/sgdl_test_lrXXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fputs(rows, f);
  fclose(f);
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "linreg";
  sp.data_path = path;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  remove(path);
  return p;
}

/* E x_K and E x_K^2 of `model` at T = K lr for one particle started at x0. */
static void moments_at(sgdl_ctx *ctx, const sgdl_affine *a, const char *model, double lr, double cB, uint64_t K,
                       const double *x0, int P, double *mK, double *MK) {
  int n = P * a->d;
  double *m = malloc(sizeof(double) * n * (K + 1)), *M = malloc(sizeof(double) * n * n * (K + 1));
  int rc = sgdl_affine_moments(ctx, a, model, lr, cB, P, x0, K, m, M);
  CHECK(rc == 0, "moments %s: %s", model, ctx->msg);
  memcpy(mK, m + (size_t)K * n, sizeof(double) * n);
  memcpy(MK, M + (size_t)K * n * n, sizeof(double) * n * n);
  free(m);
  free(M);
}

static void test_T1_T2(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = quad1(&ctx);
  CHECK(p != NULL, "quadratic");
  if (!p) return;
  sgdl_affine a;
  CHECK(sgdl_affine_extract(&ctx, p, &a) == 0, "extract");
  const double lrs[] = {0.1, 0.05, 0.025};
  const double Ex[] = {0.3486784401, 0.3584859224, 0.3632324399};
  const double Ex2[] = {0.1678094622, 0.1508579987, 0.1429259344};
  const double s2m[] = {0.3499377491, 0.3587964654, 0.3633095694};
  const double s2s[] = {0.1642442174, 0.1499852718, 0.1427099686};
  const double x0 = 1;
  for (int i = 0; i < 3; i++) {
    uint64_t K = (uint64_t)(1.0 / lrs[i] + 0.5);
    double m, M;
    moments_at(&ctx, &a, "sgd", lrs[i], 1.0, K, &x0, 1, &m, &M);
    CHECK_REL(m, Ex[i], 1e-9, "T1 SGD E x_k");
    CHECK_REL(M, Ex2[i], 1e-9, "T1 SGD E x_k^2");
    moments_at(&ctx, &a, "sme2", lrs[i], 1.0, K, &x0, 1, &m, &M);
    CHECK_REL(m, s2m[i], 1e-9, "T1 SME2 E X");
    CHECK_REL(M, s2s[i], 1e-9, "T1 SME2 E X^2");
    moments_at(&ctx, &a, "sme1", lrs[i], 1.0, K, &x0, 1, &m, &M);
    CHECK_REL(m, exp(-1.0), 1e-9, "T1 SME1 E X_1");
    CHECK_REL(M, exp(-2.0) + lrs[i] / 2 * (1 - exp(-2.0)), 1e-9, "T1 SME1 E X_1^2");
  }
  /* T2: observed orders from successive ratios over alpha = 0.2 .. 0.0125 (sup over t_k <= 1). */
  const double l5[] = {0.2, 0.1, 0.05, 0.025, 0.0125};
  double e1m[5], e2m[5], e1s[5], e2s[5];
  for (int i = 0; i < 5; i++) {
    uint64_t K = (uint64_t)(1.0 / l5[i] + 0.5);
    double *ms = malloc(sizeof(double) * (K + 1) * 6), *Ms = ms + (K + 1), *m1 = Ms + (K + 1), *M1 = m1 + (K + 1),
           *m2 = M1 + (K + 1), *M2 = m2 + (K + 1);
    sgdl_affine_moments(&ctx, &a, "sgd", l5[i], 1, 1, &x0, K, ms, Ms);
    sgdl_affine_moments(&ctx, &a, "sme1", l5[i], 1, 1, &x0, K, m1, M1);
    sgdl_affine_moments(&ctx, &a, "sme2", l5[i], 1, 1, &x0, K, m2, M2);
    sgdl_sup_error e;
    sgdl_sup_error_eval(ms, NULL, m1, NULL, K + 1, &e);
    e1m[i] = e.value;
    sgdl_sup_error_eval(ms, NULL, m2, NULL, K + 1, &e);
    e2m[i] = e.value;
    sgdl_sup_error_eval(Ms, NULL, M1, NULL, K + 1, &e);
    e1s[i] = e.value;
    sgdl_sup_error_eval(Ms, NULL, M2, NULL, K + 1, &e);
    e2s[i] = e.value;
    free(ms);
  }
  /* finite-T error at T=1 also given in T1: SME1 mean error +1.920e-2 at alpha 0.1 */
  double last_ratio1 = log2(e1m[3] / e1m[4]), last_ratio2 = log2(e2m[3] / e2m[4]);
  CHECK_ABS(last_ratio1, 1.0, 0.1, "T2 SME1 mean order");
  CHECK_ABS(last_ratio2, 2.0, 0.1, "T2 SME2 mean order");
  CHECK_ABS(log2(e2s[3] / e2s[4]), 2.0, 0.1, "T2 SME2 second-moment order");
  CHECK_ABS(log2(e1s[3] / e1s[4]), 1.0, 0.1, "T2 SME1 second-moment order");
  sgdl_order_fit f1, f2;
  sgdl_fit_order(l5, e1m, NULL, 5, &f1);
  sgdl_fit_order(l5, e2m, NULL, 5, &f2);
  CHECK_ABS(f1.order, 1.0, 0.1, "fitted SME1 order");
  CHECK_ABS(f2.order, 2.0, 0.1, "fitted SME2 order");
  CHECK(f2.lo <= f2.order && f2.order <= f2.hi, "order CI brackets estimate");
  sgdl_affine_free(&a);
  sgdl_problem_destroy(p);
}

static const char *T11_DATA = "x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n";

static void test_T12(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = linreg_file(&ctx, T11_DATA);
  CHECK(p != NULL, "linreg");
  if (!p) return;
  sgdl_affine a;
  CHECK(sgdl_affine_extract(&ctx, p, &a) == 0, "extract");
  CHECK_REL(a.Abar[0], 1.5625, 1e-12, "abar");
  CHECK_REL(a.bbar[0], 1.25, 1e-12, "bbar");
  const double lrs[] = {0.1, 0.05, 0.025};
  const double Ew[] = {0.653705551733, 0.642771692241, 0.637484174328};
  const double Ew2[] = {0.432665808719, 0.415538254743, 0.407518819348};
  const double e1m[] = {-2.139e-2, -1.046e-2, -5.173e-3}, e1s[] = {-2.805e-2, -1.344e-2, -6.593e-3};
  const double s2m[] = {0.651580694214, 0.642239734874, 0.637351057771};
  const double s2s[] = {0.428405235205, 0.414508404649, 0.407264990500};
  const double w0 = 0;
  for (int i = 0; i < 3; i++) {
    uint64_t K = (uint64_t)(1.0 / lrs[i] + 0.5);
    double m, M;
    moments_at(&ctx, &a, "sgd", lrs[i], 1.0, K, &w0, 1, &m, &M);
    CHECK_REL(m, Ew[i], 1e-9, "T12 SGD E w_k");
    CHECK_REL(M, Ew2[i], 1e-9, "T12 SGD E w_k^2");
    moments_at(&ctx, &a, "sme2", lrs[i], 1.0, K, &w0, 1, &m, &M);
    CHECK_REL(m, s2m[i], 1e-9, "T12 SME2 m");
    CHECK_REL(M, s2s[i], 1e-9, "T12 SME2 s");
    moments_at(&ctx, &a, "sme1", lrs[i], 1.0, K, &w0, 1, &m, &M);
    /* SPEC lists the SME1 errors (SME1 - SGD) to 4 digits */
    CHECK_REL(m - Ew[i], e1m[i], 5e-4, "T12 SME1 mean error");
    CHECK_REL(M - Ew2[i], e1s[i], 5e-4, "T12 SME1 second-moment error");
    /* SMF with one particle has the one-point law of the SME */
    double mf, Mf;
    moments_at(&ctx, &a, "smf2", lrs[i], 1.0, K, &w0, 1, &mf, &Mf);
    CHECK_REL(mf, s2m[i], 1e-9, "T12 SMF2 one-point mean = SME2");
    CHECK_REL(Mf, s2s[i], 1e-9, "T12 SMF2 one-point second moment = SME2");
  }
  sgdl_affine_free(&a);
  sgdl_problem_destroy(p);
}

/* Two starts sharing samples: dist2 = E|X - Y|^2. Own example: 2-D linear regression, 6 rows. */
static void test_npoint_orders(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = linreg_file(&ctx, "1,0.5,1\n2,-1,1.5\n-1,0.3,-0.5\n0.5,1,1\n-0.7,-1.2,0.2\n1.5,0.4,-1\n");
  CHECK(p != NULL, "linreg 2d");
  if (!p) return;
  sgdl_affine a;
  sgdl_affine_extract(&ctx, p, &a);
  sgdl_observable o;
  CHECK(sgdl_observable_parse(&ctx, "dist2[0,1]", 2, 2, &o) == 0, "parse dist2");
  const double lrs[] = {0.02, 0.01, 0.005, 0.0025};
  const char *models[] = {"smf2", "smf1", "sme1", "sme2"};
  const double expect[] = {2, 1, 1, 1};
  const double x0[] = {0, 0, 2, -1};
  for (int mi = 0; mi < 4; mi++) {
    double err[4];
    for (int i = 0; i < 4; i++) {
      uint64_t K = (uint64_t)(1.0 / lrs[i] + 0.5);
      size_t n = 4, nn = 16;
      double *ms = malloc(sizeof(double) * (K + 1) * (n + nn) * 2), *Ms = ms + (K + 1) * n, *mm = Ms + (K + 1) * nn,
             *Mm = mm + (K + 1) * n;
      sgdl_affine_moments(&ctx, &a, "sgd", lrs[i], 1, 2, x0, K, ms, Ms);
      CHECK(sgdl_affine_moments(&ctx, &a, models[mi], lrs[i], 1, 2, x0, K, mm, Mm) == 0, "moments");
      double *fs = malloc(sizeof(double) * (K + 1) * 2), *fm = fs + K + 1;
      for (uint64_t k = 0; k <= K; k++) {
        fs[k] = sgdl_affine_observable(&a, &o, 2, ms + k * n, Ms + k * nn);
        fm[k] = sgdl_affine_observable(&a, &o, 2, mm + k * n, Mm + k * nn);
      }
      sgdl_sup_error e;
      sgdl_sup_error_eval(fs, NULL, fm, NULL, K + 1, &e);
      err[i] = e.value;
      free(fs);
      free(ms);
    }
    sgdl_order_fit f;
    sgdl_fit_order(lrs, err, NULL, 4, &f);
    char what[64];
    snprintf(what, sizeof what, "npoint order of %s for E|X-Y|^2", models[mi]);
    CHECK_ABS(f.order, expect[mi], 0.15, what);
  }
  sgdl_affine_free(&a);
  sgdl_problem_destroy(p);
}

int main(void) {
  test_T1_T2();
  test_T12();
  test_npoint_orders();
  return check_done();
}
