/* Lyapunov solvers: SPEC T5 (2-D discrete Lyapunov, 1e-10), and the property test of the
 * issue: the general solvers (complex-Schur Bartels-Stewart, Smith doubling, dtrsyl) agree with
 * the eigenbasis formula of SPEC 5.1 on random non-commuting H, C up to d = 50, with small
 * residuals; non-symmetric A; and the spectral-radius guard. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/linalg.h"
#include "sgdlab/lyapunov.h"
#include "sgdlab/rng.h"

static double maxabs(size_t n, const double *a) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}
static double maxdiff(size_t n, const double *a, const double *b) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

/* Random SPD-ish matrices from Philox normals: M = G G^T / d + shift I. */
static void random_spd(int d, uint32_t seed, double shift, double *M) {
  double *G = malloc(sizeof(double) * (size_t)d * d);
  sgdl_rng_normals(seed, 0, 1, 0, 7, (size_t)d * d, G);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
      M[i * d + j] = s / d + (i == j ? shift : 0);
    }
  free(G);
}

static void t5(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  const double H[4] = {2, .5, .5, 1}, C[4] = {1, .3, .3, .5}, a = 0.2;
  const double ex[4] = {0.061876273749, 0.007810137401, 0.007810137401, 0.053803168759};
  const double sme1[4] = {0.049047619048, 0.003809523810, 0.003809523810, 0.048095238095};
  double S[4], S2[4], S3[4], A[4], Q[4], X[4];
  for (int k = 0; k < 4; k++) {
    A[k] = (k == 0 || k == 3 ? 1.0 : 0.0) - a * H[k];
    Q[k] = a * a * C[k];
  }
  CHECK(sgdl_lyap_sgd_eigen(&ctx, 2, H, C, a, S) == 0, "%s", ctx.msg);
  double rho = 0;
  CHECK(sgdl_lyap_discrete(&ctx, 2, A, Q, S2, &rho) == 0, "%s", ctx.msg);
  int it = 0;
  CHECK(sgdl_lyap_discrete_smith(&ctx, 2, A, Q, S3, &it) == 0, "%s", ctx.msg);
  for (int k = 0; k < 4; k++) {
    CHECK_REL(S[k], ex[k], 1e-10, "T5 eigenbasis");
    CHECK_REL(S2[k], ex[k], 1e-10, "T5 Schur");
    CHECK_REL(S3[k], ex[k], 1e-10, "T5 Smith");
  }
  CHECK_REL(rho, 1 - a * 0.7928932188134524, 1e-12, "T5 spectral radius 1 - alpha h_min");
  /* Residual of H S + S H - alpha H S H - alpha C below 1e-16 (SPEC T5). */
  double r = 0;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      double v = -a * C[i * 2 + j];
      for (int k = 0; k < 2; k++) v += H[i * 2 + k] * S[k * 2 + j] + S[i * 2 + k] * H[k * 2 + j];
      for (int k = 0; k < 2; k++)
        for (int l = 0; l < 2; l++) v -= a * H[i * 2 + k] * S[k * 2 + l] * H[l * 2 + j];
      r = fmax(r, fabs(v));
    }
  CHECK(r < 1e-16, "T5 residual %g", r);
  double Q1[4];
  for (int k = 0; k < 4; k++) Q1[k] = a * C[k];
  CHECK(sgdl_lyap_continuous(&ctx, 2, H, Q1, X) == 0, "%s", ctx.msg);
  for (int k = 0; k < 4; k++) CHECK_ABS(X[k], sme1[k], 1e-12, "T5 SME1 (dtrsyl), SPEC gives 12 decimals");
  CHECK(sgdl_lyap_cont_eigen(&ctx, 2, H, Q1, X) == 0, "%s", ctx.msg);
  for (int k = 0; k < 4; k++) CHECK_ABS(X[k], sme1[k], 1e-12, "T5 SME1 (eigenbasis)");
}

static void property(int d, uint32_t seed) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  size_t nn = (size_t)d * d;
  double *H = malloc(sizeof(double) * nn * 9), *C = H + nn, *A = C + nn, *Q = A + nn, *S1 = Q + nn, *S2 = S1 + nn,
         *S3 = S2 + nn, *X1 = S3 + nn, *X2 = X1 + nn;
  random_spd(d, seed, 0.05, H);
  random_spd(d, seed + 1000, 0.01, C);
  /* Non-commuting check: |HC - CH| is not small. */
  double comm = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += H[i * d + k] * C[k * d + j] - C[i * d + k] * H[k * d + j];
      comm = fmax(comm, fabs(s));
    }
  if (d > 1) CHECK(comm > 1e-2 * maxabs(nn, H) * maxabs(nn, C), "d=%d: H and C commute (%g)", d, comm);
  double w[64], V[64 * 64];
  sgdl_symeig(&ctx, d, H, w, V);
  double alpha = 1.9 / w[d - 1]; /* close to the stability limit: rho = 0.9 at the top */
  for (size_t k = 0; k < nn; k++) {
    A[k] = -alpha * H[k];
    Q[k] = alpha * alpha * C[k];
  }
  for (int i = 0; i < d; i++) A[i * d + i] += 1;
  CHECK(sgdl_lyap_sgd_eigen(&ctx, d, H, C, alpha, S1) == 0, "%s", ctx.msg);
  CHECK(sgdl_lyap_discrete(&ctx, d, A, Q, S2, NULL) == 0, "%s", ctx.msg);
  CHECK(sgdl_lyap_discrete_smith(&ctx, d, A, Q, S3, NULL) == 0, "%s", ctx.msg);
  double sc = maxabs(nn, S1);
  CHECK(maxdiff(nn, S1, S2) < 1e-11 * sc, "d=%d Schur vs eigenbasis: %g (scale %g)", d, maxdiff(nn, S1, S2), sc);
  CHECK(maxdiff(nn, S1, S3) < 1e-11 * sc, "d=%d Smith vs eigenbasis: %g", d, maxdiff(nn, S1, S3));
  double qs = maxabs(nn, Q);
  CHECK(sgdl_lyap_discrete_residual(d, A, Q, S1) < 1e-13 * sc + 1e-14 * qs, "d=%d residual eigen %g", d,
        sgdl_lyap_discrete_residual(d, A, Q, S1));
  CHECK(sgdl_lyap_discrete_residual(d, A, Q, S2) < 1e-13 * sc + 1e-14 * qs, "d=%d residual Schur %g", d,
        sgdl_lyap_discrete_residual(d, A, Q, S2));
  /* Continuous: H X + X H = C. */
  CHECK(sgdl_lyap_continuous(&ctx, d, H, C, X1) == 0, "%s", ctx.msg);
  CHECK(sgdl_lyap_cont_eigen(&ctx, d, H, C, X2) == 0, "%s", ctx.msg);
  double xs = maxabs(nn, X2);
  CHECK(maxdiff(nn, X1, X2) < 1e-11 * xs, "d=%d dtrsyl vs eigenbasis: %g (scale %g)", d, maxdiff(nn, X1, X2), xs);
  CHECK(sgdl_lyap_continuous_residual(d, H, C, X1) < 1e-12 * maxabs(nn, C), "d=%d continuous residual %g", d,
        sgdl_lyap_continuous_residual(d, H, C, X1));
  /* Non-symmetric A (rotation-like, complex eigenvalues): Schur and Smith agree, residual small. */
  double *G = malloc(sizeof(double) * nn);
  sgdl_rng_normals(seed + 7, 0, 1, 0, 9, nn, G);
  for (size_t k = 0; k < nn; k++) A[k] = G[k] / sqrt((double)d) * 0.45;
  double rho;
  CHECK(sgdl_spectral_radius(&ctx, d, A, &rho) == 0, "%s", ctx.msg);
  for (size_t k = 0; k < nn; k++) A[k] *= 0.95 / rho;
  CHECK(sgdl_lyap_discrete(&ctx, d, A, C, S2, &rho) == 0, "%s", ctx.msg);
  CHECK_REL(rho, 0.95, 1e-10, "Schur spectral radius of the scaled matrix");
  CHECK(sgdl_lyap_discrete_smith(&ctx, d, A, C, S3, NULL) == 0, "%s", ctx.msg);
  sc = maxabs(nn, S3);
  CHECK(maxdiff(nn, S2, S3) < 1e-10 * sc, "d=%d nonsymmetric Schur vs Smith %g (scale %g)", d, maxdiff(nn, S2, S3), sc);
  CHECK(sgdl_lyap_discrete_residual(d, A, C, S2) < 1e-12 * sc, "d=%d nonsymmetric residual %g", d,
        sgdl_lyap_discrete_residual(d, A, C, S2));
  /* Non-symmetric continuous: A + 2I has eigenvalues with positive real part. */
  for (int i = 0; i < d; i++) A[i * d + i] += 2;
  CHECK(sgdl_lyap_continuous(&ctx, d, A, C, X1) == 0, "%s", ctx.msg);
  CHECK(sgdl_lyap_continuous_residual(d, A, C, X1) < 1e-12 * maxabs(nn, X1) * 4, "d=%d nonsymmetric continuous residual %g",
        d, sgdl_lyap_continuous_residual(d, A, C, X1));
  /* Beyond the limit: rho > 1 is an error naming the spectral radius. */
  for (int i = 0; i < d; i++) A[i * d + i] += 0;
  for (size_t k = 0; k < nn; k++) A[k] = -alpha * 1.06 * H[k];
  for (int i = 0; i < d; i++) A[i * d + i] += 1;
  CHECK(sgdl_lyap_discrete(&ctx, d, A, Q, S2, &rho) == SGDL_EUNSTABLE, "rho %g should be unstable", rho);
  CHECK(strstr(ctx.msg, "spectral radius") != NULL, "message: %s", ctx.msg);
  CHECK(sgdl_lyap_discrete_smith(&ctx, d, A, Q, S2, NULL) == SGDL_EUNSTABLE, "Smith must refuse rho %g", rho);
  CHECK(sgdl_lyap_sgd_eigen(&ctx, d, H, C, alpha * 1.06, S1) == SGDL_EUNSTABLE, "eigen formula must refuse");
  free(G);
  free(H);
}

int main(void) {
  t5();
  int dims[] = {1, 2, 3, 7, 20, 50};
  for (int k = 0; k < 6; k++) property(dims[k], 100u + (uint32_t)k);
  return check_done();
}
