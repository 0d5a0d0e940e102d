/* The geometry estimators on operators with known answers:
 *  - Lanczos on a diagonal operator, a random dense symmetric matrix (against LAPACK's full
 *    eigen-decomposition) and a rank-3 PSD operator (breakdown and restart);
 *  - the quadratic problem (additive noise C, H and C not commuting): with k = d the discrete
 *    prediction equals 1/2 tr(H Sigma) for the Sigma solving Sigma = (I-aH)Sigma(I-aH) + a^2 C,
 *    found here by fixed-point iteration (independent of the eigenbasis formula), and SME1's
 *    equals a/4 tr C; with k < d, the restricted sum over the top-k directions of that Sigma;
 *  - linreg on generated data (finite-sum noise at a point off the minimum): spectra of H and
 *    Sigma_1 against dense eigen-decompositions of the matrices the problem layer builds, the
 *    alignment against the explicit overlap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/linalg.h"
#include "sgdlab/nn.h"
#include "sgdlab/problem.h"
#include "sgdlab/rng.h"

typedef struct {
  int n;
  const double *A;
} dense_op;
static int dense_mv(void *u, const double *v, double *out) {
  const dense_op *o = u;
  for (int i = 0; i < o->n; i++) {
    double s = 0;
    for (int j = 0; j < o->n; j++) s += o->A[(size_t)i * o->n + j] * v[j];
    out[i] = s;
  }
  return 0;
}

typedef struct {
  const sgdl_problem *p;
  const double *x;
  double *S;   /* dense Sigma_1 when used for noise */
} prob_op;
static int prob_hess(void *u, const double *v, double *out) {
  const prob_op *o = u;
  o->p->type->hvp(o->p, o->x, v, out);
  return 0;
}

static void test_lanczos(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* diagonal: eigenvalues 1..200 with a gap at the top */
  const int n = 200, k = 5;
  double *A = calloc((size_t)n * n, sizeof *A), ev[8], vec[8 * 200], res[8];
  for (int i = 0; i < n; i++) A[(size_t)i * n + i] = 1.0 + i * 0.5;
  A[7 * n + 7] = 500;
  A[9 * n + 9] = 400;
  dense_op op = {n, A};
  sgdl_eig_info info;
  CHECK(sgdl_lanczos_top(&ctx, n, dense_mv, &op, k, 120, 1e-10, 1, ev, vec, res, &info) == 0, "lanczos");
  CHECK_REL(ev[0], 500, 1e-10, "diag top");
  CHECK_REL(ev[1], 400, 1e-10, "diag second");
  CHECK_REL(ev[2], 100.5, 1e-8, "diag third");
  CHECK_REL(ev[4], 99.5, 1e-8, "diag fifth");
  CHECK(fabs(fabs(vec[7]) - 1) < 1e-8, "top eigenvector is e_7 (%g)", vec[7]);
  CHECK(info.converged == k, "converged %d of %d", info.converged, k);

  /* random dense symmetric 60 x 60 against dsyevd */
  const int m = 60;
  double *B = malloc((size_t)m * m * sizeof *B), *Z = malloc((size_t)m * m * sizeof *B);
  double w[60], *V = malloc((size_t)m * m * sizeof *B);
  sgdl_rng_normals(5, 0, 1, 0, 0, (size_t)m * m, Z);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++) B[i * m + j] = Z[i * m + j] + Z[j * m + i];
  CHECK(sgdl_symeig(&ctx, m, B, w, V) == 0, "symeig");
  dense_op opb = {m, B};
  CHECK(sgdl_lanczos_top(&ctx, m, dense_mv, &opb, 6, 60, 1e-12, 2, ev, vec, res, &info) == 0, "lanczos dense");
  for (int i = 0; i < 6; i++) {
    CHECK_REL(ev[i], w[m - 1 - i], 1e-9, "dense eigenvalue");
    double d = 0;
    for (int j = 0; j < m; j++) d += vec[i * m + j] * V[j * m + (m - 1 - i)];
    CHECK(fabs(fabs(d) - 1) < 1e-7, "dense eigenvector %d: |cos| = %.12f", i, fabs(d));
  }

  /* rank-3 PSD operator: three nonzero eigenvalues, the rest zero (breakdown path) */
  const int r = 50;
  double *P = calloc((size_t)r * r, sizeof *P), g[3 * 50];
  sgdl_rng_normals(9, 0, 1, 0, 0, 3 * r, g);
  for (int a = 0; a < 3; a++)
    for (int i = 0; i < r; i++)
      for (int j = 0; j < r; j++) P[i * r + j] += (a + 1) * g[a * r + i] * g[a * r + j];
  double wp[50], *Vp = malloc((size_t)r * r * sizeof *Vp);
  sgdl_symeig(&ctx, r, P, wp, Vp);
  dense_op opp = {r, P};
  CHECK(sgdl_lanczos_top(&ctx, r, dense_mv, &opp, 5, 30, 1e-10, 3, ev, vec, res, &info) == 0, "lanczos rank 3");
  for (int i = 0; i < 3; i++) CHECK_REL(ev[i], wp[r - 1 - i], 1e-9, "rank-3 eigenvalue");
  CHECK(fabs(ev[3]) < 1e-9 * ev[0] && fabs(ev[4]) < 1e-9 * ev[0], "zero eigenvalues %g %g", ev[3], ev[4]);
  free(A), free(B), free(Z), free(V), free(P), free(Vp);
}

/* Sigma solving Sigma = (I - aH) Sigma (I - aH) + a^2 C by fixed-point iteration */
static void lyap_fixed_point(int d, const double *H, const double *C, double a, double *S) {
  double *M = malloc((size_t)d * d * sizeof *M), *T = malloc((size_t)d * d * sizeof *T);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) M[i * d + j] = (i == j) - a * H[i * d + j];
  memset(S, 0, (size_t)d * d * sizeof *S);
  for (int it = 0; it < 20000; it++) {
    sgdl_gemm(0, 0, d, d, d, 1.0, M, S, 0.0, T);
    sgdl_gemm(0, 1, d, d, d, 1.0, T, M, 0.0, S);
    for (int i = 0; i < d * d; i++) S[i] += a * a * C[i];
  }
  free(M), free(T);
}

static void test_quadratic(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  enum { d = 6 };
  double H[d * d], C[d * d], Z[d * d];
  /* H = Q diag(h) Q^T with a random orthogonal-ish basis: build from a random SPD matrix */
  sgdl_rng_normals(21, 0, 1, 0, 0, d * d, Z);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int t = 0; t < d; t++) s += Z[i * d + t] * Z[j * d + t];
      H[i * d + j] = s / d + (i == j) * 0.3;
    }
  sgdl_rng_normals(22, 0, 1, 0, 0, d * d, Z);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int t = 0; t < d; t++) s += Z[i * d + t] * Z[j * d + t];
      C[i * d + j] = s / d + (i == j) * 0.1;
    }
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "quadratic";
  spec.dim = d;
  spec.H = H;
  spec.C = C;
  sgdl_problem *p;
  CHECK(sgdl_problem_create(&ctx, &spec, &p) == 0, "quadratic: %s", ctx.msg);
  double hw[d], hV[d * d];
  sgdl_symeig(&ctx, d, H, hw, hV);
  const double alpha = 1.2 / hw[d - 1]; /* alpha h_max = 1.2: far from the SME regime */
  double x[d] = {0};
  prob_op ho = {p, x, NULL};
  double Sig1[d * d], Gw[d * d];
  sgdl_problem_sigma1(p, x, Sig1, Gw);
  for (int i = 0; i < d * d; i++) CHECK_ABS(Sig1[i], C[i], 1e-12, "quadratic Sigma_1 = C");
  dense_op co = {d, Sig1};
  sgdl_spectra_opts so = {d, 0, 1e-12, 4};
  sgdl_spectra sp;
  CHECK(sgdl_spectra_compute(&ctx, d, prob_hess, &ho, dense_mv, &co, alpha, &so, &sp) == 0, "spectra: %s", ctx.msg);
  double S[d * d];
  lyap_fixed_point(d, H, C, alpha, S);
  double tr = 0, trC = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) tr += H[i * d + j] * S[j * d + i];
  for (int i = 0; i < d; i++) trC += C[i * d + i];
  CHECK_REL(sp.pred_discrete, 0.5 * tr, 1e-9, "discrete prediction = 1/2 tr(H Sigma) (k = d)");
  CHECK_REL(sp.pred_sme1, alpha / 4 * trC, 1e-10, "SME1 prediction = alpha/4 tr C (k = d)");
  CHECK(sp.n_skipped == 0, "skipped %d", sp.n_skipped);
  for (int i = 0; i < d; i++) CHECK_REL(sp.h[i], hw[d - 1 - i], 1e-10, "quadratic Hessian eigenvalue");
  sgdl_spectra_free(&sp);
  /* restricted to k = 2: 1/2 sum_{i<2} h_i u_i^T Sigma u_i */
  so.k = 2;
  CHECK(sgdl_spectra_compute(&ctx, d, prob_hess, &ho, dense_mv, &co, alpha, &so, &sp) == 0, "spectra k=2");
  double restricted = 0;
  for (int i = 0; i < 2; i++) {
    const double *u = sp.U + (size_t)i * d;
    double q = 0;
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++) q += u[a] * S[a * d + b] * u[b];
    restricted += 0.5 * sp.h[i] * q;
    CHECK_REL(sp.var_pred[i], q, 1e-9, "per-direction stationary variance");
  }
  CHECK_REL(sp.pred_discrete, restricted, 1e-9, "restricted discrete prediction (k = 2)");
  CHECK(sp.pred_discrete > sp.pred_sme2 && sp.pred_sme2 < sp.pred_sme1 && sp.pred_sme1 < sp.pred_discrete,
        "ordering sme2 < sme1 < discrete at positive curvature");
  sgdl_spectra_free(&sp);
  sgdl_problem_destroy(p);
}

static void test_linreg(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "linreg";
  spec.gen_n = 40;
  spec.gen_d = 8;
  spec.gen_seed = 3;
  sgdl_problem *p;
  CHECK(sgdl_problem_create(&ctx, &spec, &p) == 0, "linreg: %s", ctx.msg);
  const int d = p->dim;
  double x[8];
  for (int i = 0; i < d; i++) x[i] = 0.3 * (i % 3) - 0.2;
  double *Hd = malloc((size_t)d * d * sizeof *Hd), *Sd = malloc((size_t)d * d * sizeof *Sd);
  double *Gw = malloc((size_t)d * p->n_noise * sizeof *Gw), e[8];
  for (int j = 0; j < d; j++) {
    for (int i = 0; i < d; i++) e[i] = i == j;
    p->type->hvp(p, x, e, Hd + (size_t)j * d); /* column j (H symmetric) */
  }
  sgdl_problem_sigma1(p, x, Sd, Gw);
  double hw[8], hV[64], sw[8], sV[64];
  sgdl_symeig(&ctx, d, Hd, hw, hV);
  sgdl_symeig(&ctx, d, Sd, sw, sV);
  prob_op ho = {p, x, NULL};
  dense_op co = {d, Sd};
  sgdl_spectra_opts so = {3, 0, 1e-12, 8};
  sgdl_spectra sp;
  CHECK(sgdl_spectra_compute(&ctx, d, prob_hess, &ho, dense_mv, &co, 0.1, &so, &sp) == 0, "spectra");
  double fro = 0;
  for (int i = 0; i < 3; i++) {
    CHECK_REL(sp.h[i], hw[d - 1 - i], 1e-10, "linreg H eigenvalue");
    CHECK_REL(sp.svals[i], sw[d - 1 - i], 1e-10, "linreg Sigma_1 eigenvalue");
    for (int j = 0; j < 3; j++) {
      double c = 0;
      for (int a = 0; a < d; a++) c += hV[a * d + d - 1 - i] * sV[a * d + d - 1 - j];
      CHECK_ABS(sp.overlap[i * 3 + j], c * c, 1e-9, "overlap (u_i . w_j)^2");
      fro += c * c;
    }
    double q = 0;
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++) q += hV[a * d + d - 1 - i] * Sd[a * d + b] * hV[b * d + d - 1 - i];
    CHECK_REL(sp.ct[i], q, 1e-9, "u_i^T Sigma u_i");
  }
  CHECK_REL(sp.alignment, fro / 3, 1e-9, "alignment");
  sgdl_spectra_free(&sp);
  free(Hd), free(Sd), free(Gw);
  sgdl_problem_destroy(p);
}

int main(void) {
  test_lanczos();
  test_quadratic();
  test_linreg();
  return check_done();
}
