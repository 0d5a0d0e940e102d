/* Stationary covariance on the quadratic model (SPEC 5.1, 5.2, 5.4; tests T3, T5, T6):
 *  - T3 (1-D SGD, SME1, SME2), T5 (2-D SGD), T6 (heavy ball incl. lag-1 and PyTorch state)
 *    to 1e-9 relative or the SPEC's printed digits;
 *  - the eigen-pair reduction against an independent general solve of the augmented Lyapunov
 *    equation, built from the update rules in x coordinates, for every algorithm on random
 *    non-commuting H, C (d = 5);
 *  - closed forms: NAG 1-D (mu -> mu(1 - a h)), damped Newton, commuting NGD and Adam;
 *  - stability limits: spectral radius of the augmented matrix crosses 1 at lr_max;
 *  - finite-time moments against the direct recursion;
 *  - error paths (non-symmetric H, indefinite C, momentum >= 1, lr beyond the limit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/lyapunov.h"
#include "sgdlab/rng.h"
#include "sgdlab/stationary.h"

static sgdl_algo_params params(double lr, double mu) {
  sgdl_algo_params p;
  sgdl_algo_params_init(&p);
  p.lr = lr;
  p.momentum = mu;
  p.damping = 0;
  p.fisher = NULL;
  return p;
}

static void t3(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double H = 1, C = 1, al[3] = {0.1, 1.0, 1.9};
  const double ex[3] = {0.0526315789474, 1.0, 19.0}, s1[3] = {0.05, 0.5, 0.95}, s2[3] = {0.0476190476, 1.0 / 3, 0.4871794872};
  for (int k = 0; k < 3; k++) {
    sgdl_algo_params p = params(al[k], 0);
    sgdl_stat_quad q;
    CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 1, &H, &C, &p, &q) == 0, "%s", ctx.msg);
    CHECK_REL(q.sigma[0], al[k] / (2 - al[k]), 1e-12, "T3 exact alpha/(2-alpha)");
    CHECK_ABS(q.sigma[0], ex[k], 1e-12 * fmax(1, ex[k]), "T3 exact (SPEC digits)");
    CHECK_REL(q.sigma_sme1[0], s1[k], 1e-12, "T3 SME1");
    CHECK_REL(q.sigma_sme2[0], al[k] / (2 * (1 + al[k] / 2)), 1e-12, "T3 SME2");
    CHECK_ABS(q.sigma_sme2[0], s2[k], 1e-10, "T3 SME2 (SPEC digits)");
    CHECK_REL(q.lr_max, 2.0, 1e-15, "T3 lr_max = 2/h");
    CHECK_REL(q.excess[0], 0.5 * ex[k], 1e-11, "T3 excess loss");
    CHECK_REL(q.var_eig[0][0] / q.var_eig[1][0], 2 / (2 - al[k]), 1e-12, "T3 ratio 2/(2 - a h)");
    sgdl_stat_quad_free(&q);
  }
}

static void t5(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double H[4] = {2, .5, .5, 1}, C[4] = {1, .3, .3, .5};
  const double ex[4] = {0.061876273749, 0.007810137401, 0.007810137401, 0.053803168759};
  const double sme1[4] = {0.049047619048, 0.003809523810, 0.003809523810, 0.048095238095};
  sgdl_algo_params p = params(0.2, 0);
  sgdl_stat_quad q;
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 2, H, C, &p, &q) == 0, "%s", ctx.msg);
  for (int k = 0; k < 4; k++) {
    CHECK_REL(q.sigma[k], ex[k], 1e-10, "T5 exact");
    CHECK_ABS(q.sigma_sme1[k], sme1[k], 1e-12, "T5 SME1");
  }
  CHECK_REL(q.h[0], 0.7928932188, 1e-10, "T5 eigenvalue 1");
  CHECK_REL(q.h[1], 2.2071067812, 1e-10, "T5 eigenvalue 2");
  CHECK_REL(q.lr_max, 2 / 2.2071067811865475, 1e-14, "T5 lr_max");
  sgdl_stat_quad_free(&q);
}

static void t6(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double one = 1;
  const double cases[4][3] = {{0.1, 0.9, 0.513513513514}, {0.1, 0.5, 0.103448275862}, {0.5, 0.9, 2.878787878788},
                              {1.0, 0.9, 6.785714285714}};
  for (int k = 0; k < 4; k++) {
    double a = cases[k][0], mu = cases[k][1];
    sgdl_algo_params p = params(a, mu);
    sgdl_stat_quad q;
    CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_HB, 1, &one, &one, &p, &q) == 0, "%s", ctx.msg);
    CHECK_REL(q.sigma[0], a / ((1 - mu) * (2 - a / (1 + mu))), 1e-12, "T6 closed form");
    CHECK_ABS(q.sigma[0], cases[k][2], 1e-12, "T6 SPEC digits");
    CHECK_REL(q.lr_max, 2 * (1 + mu), 1e-14, "T6 lr_max 2(1+mu)/h");
    CHECK_REL(q.sigma_sme1[0], a / (2 * (1 - mu)), 1e-12, "T6 SME1 (SPEC 3.2a)");
    if (k == 0) {
      CHECK_ABS(q.lag1[0], 0.486486486486, 1e-12, "T6 lag-1 autocovariance");
      CHECK_ABS(q.state_cov[3], 5.405405405405, 1e-11, "T6 Var m (PyTorch state)");
      CHECK_ABS(q.state_cov[1], -0.270270270270, 1e-12, "T6 Cov(x, m)");
      CHECK(q.state_cov[1] == q.state_cov[2], "state covariance symmetric");
    }
    sgdl_stat_quad_free(&q);
  }
}

/* NAG 1-D closed form: HB with mu' = mu (1 - a h) (SPEC 5.2). */
static void nag_1d(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double hs[3] = {0.5, 1.0, 3.0}, c = 0.7;
  for (int k = 0; k < 3; k++) {
    double h = hs[k], a = 0.15, mu = 0.8, mp = mu * (1 - a * h);
    sgdl_algo_params p = params(a, mu);
    sgdl_stat_quad q;
    CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_NAG, 1, &h, &c, &p, &q) == 0, "%s", ctx.msg);
    CHECK_REL(q.sigma[0], a * c / ((1 - mp) * h * (2 - a * h / (1 + mp))), 1e-12, "NAG 1-D closed form");
    CHECK_REL(q.lr_max, 2 * (1 + mu) / ((1 + 2 * mu) * h), 1e-14, "NAG lr_max");
    sgdl_stat_quad_free(&q);
  }
}

static void random_spd(int d, uint32_t seed, double shift, double *M) {
  double G[64];
  sgdl_rng_normals(seed, 0, 1, 0, 5, (size_t)d * d, G);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
      M[i * d + j] = s / d + (i == j ? shift : 0);
    }
}

/* Augmented iteration z' = A z + B xi in x coordinates, straight from the update rules of SPEC 2.
 * Returns the state size n (d or 2d). A is n x n, B is n x d. */
static int augmented(int algo, int d, const double *H, const double *Lam, const sgdl_algo_params *p, double *A, double *B) {
  int n = (algo == SGDL_OPT_HB || algo == SGDL_OPT_NAG || algo == SGDL_OPT_ADAM) ? 2 * d : d;
  memset(A, 0, sizeof(double) * n * n);
  memset(B, 0, sizeof(double) * n * d);
  double a = p->lr, mu = p->momentum, b1 = p->beta1;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double I = i == j ? 1.0 : 0.0, h = H[i * d + j];
      double LH = 0;
      if (Lam)
        for (int k = 0; k < d; k++) LH += Lam[i * d + k] * H[k * d + j];
      switch (algo) {
        case SGDL_OPT_SGD: A[i * n + j] = I - a * h; B[i * d + j] = -a * I; break;
        case SGDL_OPT_NEWTON:
        case SGDL_OPT_NGD: A[i * n + j] = I - a * LH; B[i * d + j] = -a * Lam[i * d + j]; break;
        case SGDL_OPT_HB: /* (x, m): m' = mu m + H x + xi, x' = x - a m' */
          A[i * n + j] = I - a * h;
          A[i * n + d + j] = -a * mu * I;
          A[(d + i) * n + j] = h;
          A[(d + i) * n + d + j] = mu * I;
          B[i * d + j] = -a * I;
          B[(d + i) * d + j] = I;
          break;
        case SGDL_OPT_NAG: /* (x, v): v' = mu v - a (H (x + mu v) + xi), x' = x + v' */
          A[i * n + j] = I - a * h;
          A[i * n + d + j] = mu * (I - a * h);
          A[(d + i) * n + j] = -a * h;
          A[(d + i) * n + d + j] = mu * (I - a * h);
          B[i * d + j] = -a * I;
          B[(d + i) * d + j] = -a * I;
          break;
        case SGDL_OPT_ADAM: /* (x, m): m' = b1 m + (1-b1)(H x + xi), x' = x - a P m' */
          A[i * n + j] = I - a * (1 - b1) * LH;
          A[i * n + d + j] = -a * b1 * Lam[i * d + j];
          A[(d + i) * n + j] = (1 - b1) * h;
          A[(d + i) * n + d + j] = b1 * I;
          B[i * d + j] = -a * (1 - b1) * Lam[i * d + j];
          B[(d + i) * d + j] = (1 - b1) * I;
          break;
      }
    }
  return n;
}

static double maxabs(size_t n, const double *a) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

static void against_general(int algo, int d, uint32_t seed) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  double H[25], C[25], F[25];
  random_spd(d, seed, 0.1, H);
  random_spd(d, seed + 1, 0.05, C);
  random_spd(d, seed + 2, 0.2, F);
  sgdl_algo_params p = params(0.1, 0.7);
  p.beta1 = 0.8;
  p.eps = 1e-3;
  p.damping = algo == SGDL_OPT_NEWTON ? 0.3 : 0.05;
  if (algo == SGDL_OPT_NGD) p.fisher = F;
  double lrmax;
  CHECK(sgdl_stat_quad_lr_max(&ctx, algo, d, H, C, &p, &lrmax) == 0, "%s", ctx.msg);
  p.lr = 0.8 * lrmax; /* a finite learning rate well away from the SDE regime */
  sgdl_stat_quad q;
  CHECK(sgdl_stat_quad_solve(&ctx, algo, d, H, C, &p, &q) == 0, "%s: %s", sgdl_opt_rule_name(algo), ctx.msg);
  CHECK(q.exact == (algo != SGDL_OPT_ADAM), "%s exact flag", sgdl_opt_rule_name(algo));
  static double A[100 * 100], B[100 * 5], Q[100 * 100], X[100 * 100], T[100 * 5];
  int n = augmented(algo, d, H, q.precond, &p, A, B);
  /* Q = B C B^T */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += B[i * d + k] * C[k * d + j];
      T[i * d + j] = s;
    }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += T[i * d + k] * B[j * d + k];
      Q[i * n + j] = s;
    }
  double rho;
  CHECK(sgdl_lyap_discrete(&ctx, n, A, Q, X, &rho) == 0, "%s", ctx.msg);
  CHECK_REL(rho, q.rho, 1e-9, "spectral radius of the augmented iteration");
  double sc = maxabs((size_t)n * n, X), err = 0, errlag = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      err = fmax(err, fabs(X[i * n + j] - q.sigma[i * d + j]));
      double lag = 0; /* (A X)[x, x] */
      for (int k = 0; k < n; k++) lag += A[i * n + k] * X[k * n + j];
      errlag = fmax(errlag, fabs(lag - q.lag1[i * d + j]));
    }
  CHECK(err < 1e-11 * sc, "%s: eigen-pair vs general solve, max diff %g (scale %g)", sgdl_opt_rule_name(algo), err, sc);
  CHECK(errlag < 1e-11 * sc, "%s: lag-1 autocovariance diff %g", sgdl_opt_rule_name(algo), errlag);
  if (n == 2 * d) {
    double e2 = 0;
    for (int k = 0; k < n * n; k++) e2 = fmax(e2, fabs(X[k] - q.state_cov[k]));
    CHECK(e2 < 1e-11 * sc, "%s: full state covariance diff %g", sgdl_opt_rule_name(algo), e2);
  }
  /* stability: the general spectral radius crosses 1 at lr_max */
  sgdl_algo_params p2 = p;
  p2.lr = 0.999 * q.lr_max;
  augmented(algo, d, H, q.precond, &p2, A, B);
  CHECK(sgdl_spectral_radius(&ctx, n, A, &rho) == 0 && rho < 1, "%s: rho %g at 0.999 lr_max", sgdl_opt_rule_name(algo), rho);
  p2.lr = 1.001 * q.lr_max;
  augmented(algo, d, H, q.precond, &p2, A, B);
  CHECK(sgdl_spectral_radius(&ctx, n, A, &rho) == 0 && rho > 1, "%s: rho %g at 1.001 lr_max", sgdl_opt_rule_name(algo), rho);
  /* finite time: direct recursion from z0 = (x0, 0) */
  double x0[5] = {1, -0.5, 0.25, 2, -1}, z[10] = {0}, zn[10], mk[5], ck[25];
  static double S[100 * 100], S2[100 * 100];
  memset(S, 0, sizeof S);
  memcpy(z, x0, sizeof(double) * d);
  const int K = 23;
  augmented(algo, d, H, q.precond, &p, A, B);
  memset(z, 0, sizeof z);
  memcpy(z, x0, sizeof(double) * d);
  for (int s = 0; s < K; s++) {
    for (int i = 0; i < n; i++) {
      zn[i] = 0;
      for (int k = 0; k < n; k++) zn[i] += A[i * n + k] * z[k];
    }
    memcpy(z, zn, sizeof(double) * n);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        double v = 0;
        for (int k = 0; k < n; k++)
          for (int l = 0; l < n; l++) v += A[i * n + k] * S[k * n + l] * A[j * n + l];
        S2[i * n + j] = v + Q[i * n + j];
      }
    memcpy(S, S2, sizeof(double) * n * n);
  }
  CHECK(sgdl_stat_quad_finite(&ctx, &q, x0, K, mk, ck, NULL, NULL) == 0, "%s", ctx.msg);
  double em = 0, ec = 0;
  for (int i = 0; i < d; i++) {
    em = fmax(em, fabs(mk[i] - z[i]));
    for (int j = 0; j < d; j++) ec = fmax(ec, fabs(ck[i * d + j] - S[i * n + j]));
  }
  CHECK(em < 1e-12 && ec < 1e-12 * sc, "%s: finite-time mean diff %g, cov diff %g", sgdl_opt_rule_name(algo), em, ec);
  sgdl_stat_quad_free(&q);
}

static void closed_forms(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* Damped Newton (SPEC 5.4): Sigma = a/(2-a) H^-1 C H^-1 for any C. */
  const double H[4] = {2, .5, .5, 1}, C[4] = {1, .3, .3, .5};
  const double Hinv[4] = {1 / 1.75, -.5 / 1.75, -.5 / 1.75, 2 / 1.75};
  sgdl_algo_params p = params(0.7, 0);
  sgdl_stat_quad q;
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_NEWTON, 2, H, C, &p, &q) == 0, "%s", ctx.msg);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      double s = 0;
      for (int k = 0; k < 2; k++)
        for (int l = 0; l < 2; l++) s += Hinv[i * 2 + k] * C[k * 2 + l] * Hinv[l * 2 + j];
      CHECK_REL(q.sigma[i * 2 + j], 0.7 / (2 - 0.7) * s, 1e-12, "damped Newton a/(2-a) H^-1 C H^-1");
    }
  CHECK_REL(q.lr_max, 2.0, 1e-14, "Newton lr_max = 2");
  sgdl_stat_quad_free(&q);
  /* Commuting diagonal H, C, F: NGD a C H^-1 (2F - a H)^-1 and Adam (eps = 0). */
  const double Hd[9] = {1, 0, 0, 0, 3, 0, 0, 0, 0.5}, Cd[9] = {0.4, 0, 0, 0, 2, 0, 0, 0, 1.5}, Fd[9] = {2, 0, 0, 0, 1, 0, 0, 0, 0.7};
  p = params(0.3, 0);
  p.fisher = Fd;
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_NGD, 3, Hd, Cd, &p, &q) == 0, "%s", ctx.msg);
  for (int i = 0; i < 3; i++) {
    double h = Hd[i * 4], c = Cd[i * 4], f = Fd[i * 4];
    CHECK_REL(q.sigma[i * 4], 0.3 * c / (h * (2 * f - 0.3 * h)), 1e-12, "NGD commuting closed form");
  }
  sgdl_stat_quad_free(&q);
  p = params(0.05, 0);
  p.beta1 = 0.9;
  p.eps = 0;
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_ADAM, 3, Hd, Cd, &p, &q) == 0, "%s", ctx.msg);
  for (int i = 0; i < 3; i++) {
    double h = Hd[i * 4], c = Cd[i * 4], b = (1 - 0.9) / (1 + 0.9);
    CHECK_REL(q.sigma[i * 4], 0.05 * sqrt(c) / (h * (2 - 0.05 * b * h / sqrt(c))), 1e-12, "Adam frozen closed form (SPEC 5.4)");
  }
  sgdl_stat_quad_free(&q);
}

static void errors(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_stat_quad q;
  const double Hn[4] = {2, .5, .4, 1}, H[4] = {2, .5, .5, 1}, Cbad[4] = {1, 2, 2, 1}, C[4] = {1, 0, 0, 1};
  sgdl_algo_params p = params(0.2, 0);
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 2, Hn, C, &p, &q) != 0 && strstr(ctx.msg, "--H is not symmetric"), "msg: %s", ctx.msg);
  sgdl_stat_quad_free(&q);
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 2, H, Cbad, &p, &q) == SGDL_ENOTPD && strstr(ctx.msg, "--C is not positive semidefinite"),
        "msg: %s", ctx.msg);
  sgdl_stat_quad_free(&q);
  p.momentum = 1.0;
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_HB, 2, H, C, &p, &q) == SGDL_EINVAL && strstr(ctx.msg, "--momentum"), "msg: %s", ctx.msg);
  sgdl_stat_quad_free(&q);
  p = params(1.0, 0);
  int rc = sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 2, H, C, &p, &q);
  CHECK(rc == SGDL_EUNSTABLE && strstr(ctx.msg, "--lr 1 is beyond the stability limit") && strstr(ctx.msg, "0.906"), "msg: %s",
        ctx.msg);
  CHECK_REL(q.lr_max, 2 / 2.2071067811865475, 1e-14, "lr_max still reported on failure");
  sgdl_stat_quad_free(&q);
  const double Hneg[4] = {1, 0, 0, -0.5};
  p = params(0.1, 0);
  CHECK(sgdl_stat_quad_solve(&ctx, SGDL_OPT_SGD, 2, Hneg, C, &p, &q) == SGDL_ENOTPD && strstr(ctx.msg, "--H is not positive definite"),
        "msg: %s", ctx.msg);
  sgdl_stat_quad_free(&q);
}

int main(void) {
  t3();
  t5();
  t6();
  nag_1d();
  closed_forms();
  for (int algo = 0; algo < 6; algo++) against_general(algo, 5, 40u + 3u * (uint32_t)algo);
  errors();
  return check_done();
}
