/* SPEC test 11: minibatch noise factors on the 4-point linear regression, at w = 0.3.
 * Per-sample gradients, their mean and population variance from the linreg problem; the
 * minibatch variances c_B Sigma_1 with and without replacement against the SPEC values, and
 * c_B itself against a brute-force enumeration of every batch (ordered B-tuples with
 * replacement, B-subsets without). */
#include <stdlib.h>
#include <unistd.h>

#include "test_problem_checks.h"

static double g_i[4];

/* Variance of the batch-mean gradient over all N^B equally likely ordered tuples. */
static double enum_with(int N, int B) {
  long total = 1;
  for (int k = 0; k < B; k++) total *= N;
  double s = 0, s2 = 0;
  for (long c = 0; c < total; c++) {
    long r = c;
    double m = 0;
    for (int k = 0; k < B; k++) {
      m += g_i[r % N];
      r /= N;
    }
    m /= B;
    s += m;
    s2 += m * m;
  }
  s /= (double)total;
  return s2 / (double)total - s * s;
}

/* Variance over all C(N, B) equally likely subsets (bit masks with B bits set). */
static double enum_without(int N, int B) {
  double s = 0, s2 = 0;
  long count = 0;
  for (int mask = 0; mask < (1 << N); mask++) {
    if (__builtin_popcount((unsigned)mask) != B) continue;
    double m = 0;
    for (int i = 0; i < N; i++)
      if (mask & (1 << i)) m += g_i[i];
    m /= B;
    s += m;
    s2 += m * m;
    count++;
  }
  s /= (double)count;
  return s2 / (double)count - s * s;
}

int main(void) {
  char dir[] = "/tmp/sgdl_t11_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp failed");
    return check_done();
  }
  char path[256];
  snprintf(path, sizeof path, "%s/t11.csv", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n");
  fclose(f);

  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "linreg";
  spec.data_path = path;
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(&ctx, &spec, &p);
  CHECK(rc == 0, "create linreg from %s: %s", path, ctx.msg);
  if (rc) return check_done();
  CHECK(p->n_data == 4 && p->dim == 1 && p->n_noise == 4, "T11 data shape N=%zu d=%d", p->n_data, p->dim);
  CHECK(strstr(p->desc, "t11.csv") && strstr(p->desc, "N=4, d=1"), "desc: %s", p->desc);

  const double w = 0.3, expect_g[4] = {-0.7, -1.8, -0.2, -0.425};
  for (size_t i = 0; i < 4; i++) {
    p->type->grad_sample(p, &w, i, &g_i[i]);
    CHECK_ABS(g_i[i], expect_g[i], 1e-15, "T11 per-sample gradient");
  }
  double g;
  p->type->grad(p, &w, &g);
  CHECK_ABS(g, -0.78125, 1e-15, "T11 mean gradient");
  /* L(w) = 1/(2N) sum (w x_i - y_i)^2 */
  double xs[4] = {1, 2, -1, 0.5}, ys[4] = {1, 1.5, -0.5, 1}, L = 0;
  for (int i = 0; i < 4; i++) L += (w * xs[i] - ys[i]) * (w * xs[i] - ys[i]) / 8;
  CHECK_ABS(p->type->loss(p, &w), L, 1e-15, "T11 loss");
  double S, G[4];
  sgdl_problem_sigma1(p, &w, &S, G);
  CHECK_ABS(S, 0.3773046875, 1e-15, "T11 population variance Sigma_1");
  pc_check_point(p, &w, "T11 linreg");

  /* SPEC values */
  struct { int B, wo; double v; } ref[] = {{2, 0, 0.18865234375},  {2, 1, 0.125768229167}, {3, 0, 0.125768229167},
                                           {3, 1, 0.041922743056}, {4, 1, 0.0}};
  for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
    double v = sgdl_minibatch_factor(4, ref[k].B, ref[k].wo) * S;
    char what[80];
    snprintf(what, sizeof what, "T11 B=%d %s replacement", ref[k].B, ref[k].wo ? "without" : "with");
    CHECK_ABS(v, ref[k].v, 1e-12, what);
  }
  /* c_B against enumeration of every batch, B = 1..4 */
  for (int B = 1; B <= 4; B++) {
    double ew = enum_with(4, B), eo = enum_without(4, B);
    char what[80];
    snprintf(what, sizeof what, "c_B with replacement, B=%d, vs enumeration", B);
    CHECK_ABS(sgdl_minibatch_factor(4, B, 0) * S, ew, 1e-14, what);
    snprintf(what, sizeof what, "c_B without replacement, B=%d, vs enumeration", B);
    CHECK_ABS(sgdl_minibatch_factor(4, B, 1) * S, eo, 1e-14, what);
  }
  /* Edge cases of the factor */
  CHECK(isnan(sgdl_minibatch_factor(4, 5, 1)), "B > N without replacement is NaN");
  CHECK(isnan(sgdl_minibatch_factor(4, 0, 0)), "B = 0 is NaN");
  CHECK(sgdl_minibatch_factor(4, 5, 0) == 0.2, "B > N with replacement is 1/B");
  CHECK(sgdl_minibatch_factor(0, 3, 1) == 1.0 / 3, "additive noise (N = 0): 1/B");
  CHECK(sgdl_minibatch_factor(1, 1, 1) == 0.0, "N = B = 1 without replacement: 0");
  CHECK(sgdl_minibatch_factor(10, 1, 1) == 1.0, "B = 1 without replacement: 1");

  sgdl_problem_destroy(p);
  unlink(path);
  rmdir(dir);
  return check_done();
}
