/* Linear regression stationary moments (SPEC 5.3; tests T11, T13):
 *  - T11 minibatch noise factors at w = 0.3 (population variance times c_B), and the same
 *    numbers by enumerating every batch;
 *  - T13 (SPEC data, alpha = 0.1, B = 1): the fixed point equals the T12 moment recursion of
 *    SPEC iterated to convergence, and the SME1 value equals T14's 0.00222787521757;
 *  - d = 3, N = 5: the fixed point equals a brute-force moment recursion that enumerates every
 *    batch (with and without replacement), so c_B and the operator are checked independently;
 *  - online Gaussian inputs: Ziyin et al.'s closed form == the general fixed point (d = 4),
 *    the 1-D formula and stability limit a(1 + 2/S) alpha < 2, and the 1-D SME1 value. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/rng.h"
#include "sgdlab/stationary.h"

static const double X4[4] = {1, 2, -1, 0.5}, Y4[4] = {1, 1.5, -0.5, 1};

static sgdl_problem *make_linreg(const char *name, int N, int d, const double *X, const double *y) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/sgdl_test_%ld_%s", (long)getpid(), name);
  FILE *f = fopen(path, "w");
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < d; j++) fprintf(f, "%.17g,", X[i * d + j]);
    fprintf(f, "%.17g\n", y[i]);
  }
  fclose(f);
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "linreg";
  spec.data_path = path;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(&ctx, &spec, &p)) fprintf(stderr, "problem: %s\n", ctx.msg);
  remove(path);
  return p;
}

/* Every batch of size B (ordered tuples with replacement, subsets without), weight each. */
typedef void (*batch_fn)(void *u, const int *idx, int B, double weight);
static void enumerate(int N, int B, int without, batch_fn fn, void *u) {
  int idx[8];
  if (!without) {
    long total = 1;
    for (int k = 0; k < B; k++) total *= N;
    for (long t = 0; t < total; t++) {
      long r = t;
      for (int k = 0; k < B; k++, r /= N) idx[k] = (int)(r % N);
      fn(u, idx, B, 1.0 / (double)total);
    }
  } else {
    long count = 0;
    for (unsigned m = 0; m < (1u << N); m++)
      if (__builtin_popcount(m) == B) count++;
    for (unsigned m = 0; m < (1u << N); m++) {
      if (__builtin_popcount(m) != B) continue;
      int k = 0;
      for (int i = 0; i < N; i++)
        if (m >> i & 1) idx[k++] = i;
      fn(u, idx, B, 1.0 / (double)count);
    }
  }
}

typedef struct {
  double w, m1, m2;
} t11_acc;
static void t11_fn(void *u, const int *idx, int B, double wt) {
  t11_acc *a = u;
  double g = 0;
  for (int k = 0; k < B; k++) g += X4[idx[k]] * (a->w * X4[idx[k]] - Y4[idx[k]]) / B;
  a->m1 += wt * g;
  a->m2 += wt * g * g;
}

static void t11(sgdl_problem *p) {
  double w = 0.3, S[1], G[8];
  sgdl_problem_sigma1(p, &w, S, G);
  CHECK_REL(S[0], 0.3773046875, 1e-12, "T11 population variance");
  const int Bs[5] = {2, 2, 3, 3, 4}, wo[5] = {0, 1, 0, 1, 1};
  const double ex[5] = {0.18865234375, 0.125768229167, 0.125768229167, 0.041922743056, 0};
  for (int k = 0; k < 5; k++) {
    double v = sgdl_minibatch_factor(4, Bs[k], wo[k]) * S[0];
    CHECK_ABS(v, ex[k], 1e-12, "T11 c_B Sigma_1");
    t11_acc a = {w, 0, 0};
    enumerate(4, Bs[k], wo[k], t11_fn, &a);
    CHECK_REL(a.m1, -0.78125, 1e-13, "T11 mean gradient by enumeration");
    CHECK_ABS(a.m2 - a.m1 * a.m1, v, 1e-14, "T11 minibatch variance by enumeration");
  }
}

static void t13(sgdl_problem *p) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double al = 0.1;
  sgdl_stat_linreg r;
  CHECK(sgdl_stat_linreg_solve(&ctx, p, al, 1, 0, &r) == 0, "%s", ctx.msg);
  CHECK_REL(r.wstar[0], 0.8, 1e-14, "T12 w*");
  /* SPEC T12 recursion: m' = (1 - a abar) m + a bbar, s' = E(1-a a)^2 s + 2a E[(1-a a) b] m + a^2 E b^2 */
  double Ea = 0, Eb = 0, E1a2 = 0, E1ab = 0, Eb2 = 0;
  for (int i = 0; i < 4; i++) {
    double a = X4[i] * X4[i], b = X4[i] * Y4[i];
    Ea += a / 4;
    Eb += b / 4;
    E1a2 += (1 - al * a) * (1 - al * a) / 4;
    E1ab += (1 - al * a) * b / 4;
    Eb2 += b * b / 4;
  }
  double m = 0, s = 0;
  for (int k = 0; k < 200000; k++) {
    double s2 = E1a2 * s + 2 * al * E1ab * m + al * al * Eb2;
    m = (1 - al * Ea) * m + al * Eb;
    s = s2;
  }
  CHECK_REL(r.sigma[0], s - m * m, 1e-9, "T13 discrete stationary variance == T12 recursion at k -> inf");
  CHECK_REL(r.sigma[0], 0.0024313267095265934, 1e-10, "T13 discrete variance a S1/(2 abar - a E a^2)");
  CHECK_REL(r.sigma_sme1[0], 0.00222787521757, 1e-11, "T13/T14 SME1 stationary variance");
  CHECK_REL(r.sigma_sme2[0], 0.002055843834939462, 1e-10, "T13 SME2 stationary variance");
  CHECK_REL(r.sigma1[0], 0.065, 1e-13, "Sigma_1(w*)");
  CHECK_REL(r.lr_max, 2 * 1.5625 / (1.5625 * 1.5625 + 2.07421875), 1e-12, "1-D second-moment limit 2 abar / E a^2");
  CHECK_REL(r.lr_max_sme1, 2 * 1.5625 / 2.07421875, 1e-12, "SME1 second-moment limit 2 abar / var a");
  sgdl_stat_linreg_free(&r);
  int rc = sgdl_stat_linreg_solve(&ctx, p, 1.0, 1, 0, &r);
  CHECK(rc == SGDL_EUNSTABLE && strstr(ctx.msg, "--lr 1 is beyond the second-moment stability limit"), "msg: %s", ctx.msg);
  sgdl_stat_linreg_free(&r);
}

/* brute-force moment recursion for d = 3, N = 5 */
typedef struct {
  int d;
  const double *X, *y;
  double al;
  const double *M, *m; /* current E w w^T, E w */
  double *Mn, *mn;
} brute;
static void brute_fn(void *u, const int *idx, int B, double wt) {
  brute *b = u;
  const int d = b->d;
  double A[9] = {0}, bb[3] = {0}, T[9], P[9];
  for (int k = 0; k < B; k++) {
    const double *x = b->X + idx[k] * d;
    for (int i = 0; i < d; i++) {
      bb[i] += x[i] * b->y[idx[k]] / B;
      for (int j = 0; j < d; j++) A[i * d + j] += x[i] * x[j] / B;
    }
  }
  for (int i = 0; i < d * d; i++) P[i] = (i % (d + 1) == 0 ? 1.0 : 0.0) - b->al * A[i];
  /* w' = P w + a bb: E w'w'^T = P M P^T + a (P m bb^T + bb m^T P^T) + a^2 bb bb^T */
  double Pm[3];
  for (int i = 0; i < d; i++) {
    Pm[i] = 0;
    for (int k = 0; k < d; k++) Pm[i] += P[i * d + k] * b->m[k];
    b->mn[i] += wt * (Pm[i] + b->al * bb[i]);
  }
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      T[i * d + j] = 0;
      for (int k = 0; k < d; k++) T[i * d + j] += P[i * d + k] * b->M[k * d + j];
    }
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double v = 0;
      for (int k = 0; k < d; k++) v += T[i * d + k] * P[j * d + k];
      v += b->al * (Pm[i] * bb[j] + bb[i] * Pm[j]) + b->al * b->al * bb[i] * bb[j];
      b->Mn[i * d + j] += wt * v;
    }
}

static void brute_force(void) {
  const int N = 5, d = 3;
  double X[15], y[5];
  sgdl_rng_normals(11, 0, 1, 0, 1, 15, X);
  sgdl_rng_normals(12, 0, 1, 0, 1, 5, y);
  sgdl_problem *p = make_linreg("linreg3.csv", N, d, X, y);
  CHECK(p != NULL, "problem");
  if (!p) return;
  for (int wo = 0; wo <= 1; wo++) {
    sgdl_ctx ctx;
    sgdl_ctx_init(&ctx);
    const int B = 2;
    sgdl_stat_linreg r;
    CHECK(sgdl_stat_linreg_solve(&ctx, p, 0.05, B, wo, &r) == 0, "%s", ctx.msg);
    double al = 0.5 * r.lr_max; /* a finite learning rate, half the limit */
    sgdl_stat_linreg_free(&r);
    CHECK(sgdl_stat_linreg_solve(&ctx, p, al, B, wo, &r) == 0, "%s", ctx.msg);
    double M[9] = {0}, m[3] = {0}, Mn[9], mn[3];
    brute b = {d, X, y, al, M, m, Mn, mn};
    for (int it = 0; it < 4000; it++) {
      memset(Mn, 0, sizeof Mn);
      memset(mn, 0, sizeof mn);
      enumerate(N, B, wo, brute_fn, &b);
      memcpy(M, Mn, sizeof M);
      memcpy(m, mn, sizeof m);
    }
    double err = 0, sc = 0;
    for (int i = 0; i < d; i++) {
      CHECK_REL(m[i], r.wstar[i], 1e-9, "mean converges to w*");
      for (int j = 0; j < d; j++) {
        double cov = M[i * d + j] - m[i] * m[j];
        err = fmax(err, fabs(cov - r.sigma[i * d + j]));
        sc = fmax(sc, fabs(cov));
      }
    }
    CHECK(err < 1e-9 * sc, "fixed point vs enumerated recursion (%s replacement): %g (scale %g)", wo ? "without" : "with", err, sc);
    /* just beyond the limit the solve refuses and reports the limit */
    sgdl_stat_linreg r2;
    CHECK(sgdl_stat_linreg_solve(&ctx, p, r.lr_max * 1.0001, B, wo, &r2) == SGDL_EUNSTABLE, "beyond lr_max");
    sgdl_stat_linreg_free(&r2);
    sgdl_stat_linreg_free(&r);
  }
  sgdl_problem_destroy(p);
}

static void gauss(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* 1-D */
  const double a = 1.3, s2 = 0.25;
  const int S = 4;
  double sig, lrmax, al = 0.6;
  CHECK(sgdl_stat_gauss_linreg(&ctx, 1, &a, s2, S, al, &sig, &lrmax) == 0, "%s", ctx.msg);
  CHECK_REL(sig, al * s2 / S / (2 - al * a * (1 + 2.0 / S)), 1e-13, "Gaussian 1-D Var (SPEC 5.3)");
  CHECK_REL(lrmax, 2 / (a * (1 + 2.0 / S)), 1e-12, "Gaussian 1-D limit a(1+2/S) alpha < 2");
  double fp;
  CHECK(sgdl_stat_gauss_linreg_fixed_point(&ctx, 1, &a, s2, S, al, &fp) == 0, "%s", ctx.msg);
  CHECK_REL(fp, sig, 1e-13, "1-D fixed point");
  CHECK(sgdl_stat_gauss_linreg_sme(&ctx, 1, &a, s2, S, al, 1, &fp) == 0, "%s", ctx.msg);
  CHECK_REL(fp, al * s2 / (2 * S - 2 * al * a), 1e-13, "Gaussian 1-D SME1");
  CHECK(sgdl_stat_gauss_linreg(&ctx, 1, &a, s2, S, lrmax * 1.001, &sig, NULL) == SGDL_EUNSTABLE && strstr(ctx.msg, "--lr"), "msg %s",
        ctx.msg);
  /* d = 4, non-isotropic A: closed form == general fixed point */
  const int d = 4;
  double G[16], A[16], S1[16], S2[16];
  sgdl_rng_normals(5, 0, 1, 0, 2, 16, G);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
      A[i * d + j] = s / d + (i == j ? 0.2 : 0);
    }
  for (int Sb = 1; Sb <= 8; Sb *= 2) {
    CHECK(sgdl_stat_gauss_linreg(&ctx, d, A, 0.5, Sb, 0.01, S1, &lrmax) == 0, "%s", ctx.msg);
    double als[2] = {0.3 * lrmax, 0.95 * lrmax};
    for (int k = 0; k < 2; k++) {
      CHECK(sgdl_stat_gauss_linreg(&ctx, d, A, 0.5, Sb, als[k], S1, NULL) == 0, "%s", ctx.msg);
      CHECK(sgdl_stat_gauss_linreg_fixed_point(&ctx, d, A, 0.5, Sb, als[k], S2) == 0, "%s", ctx.msg);
      double err = 0, sc = 0;
      for (int i = 0; i < d * d; i++) {
        err = fmax(err, fabs(S1[i] - S2[i]));
        sc = fmax(sc, fabs(S1[i]));
      }
      CHECK(err < 1e-10 * sc, "Ziyin closed form vs general fixed point, S=%d alpha=%g: %g (scale %g)", Sb, als[k], err, sc);
    }
    /* the general fixed point refuses just past the closed-form limit */
    CHECK(sgdl_stat_gauss_linreg_fixed_point(&ctx, d, A, 0.5, Sb, 1.001 * lrmax, S2) == SGDL_EUNSTABLE, "fixed point past the limit");
    CHECK(sgdl_stat_gauss_linreg_fixed_point(&ctx, d, A, 0.5, Sb, 0.999 * lrmax, S2) == 0, "fixed point below the limit: %s", ctx.msg);
  }
}

int main(void) {
  sgdl_problem *p = make_linreg("linreg1.csv", 4, 1, X4, Y4);
  CHECK(p != NULL, "T11 problem");
  if (p) {
    t11(p);
    t13(p);
    sgdl_problem_destroy(p);
  }
  brute_force();
  gauss();
  return check_done();
}
