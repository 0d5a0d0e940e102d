/* Exact stationary second moments of minibatch SGD for linear regression (SPEC 5.3):
 *   finite data set, batch B with or without replacement: the fixed point
 *     Sigma = E[(I - a A_hat) Sigma (I - a A_hat)] + a^2 c_B Sigma_1(w*)
 *   with E[A_hat M A_hat] = Abar M Abar + c_B (1/N) sum (A_i - Abar) M (A_i - Abar);
 *   online Gaussian inputs (Ziyin et al.): the closed form and the same kind of fixed point.
 * Both are linear equations in the d(d+1)/2 entries of a symmetric matrix. In the orthonormal
 * basis E_aa, (e_a e_b^T + e_b e_a^T)/sqrt2 of symmetric matrices every operator here is a
 * symmetric matrix, and the equation (L1 - a L2) Sigma = rhs has L1 - a L2 positive definite
 * exactly when the second moments are stable. So: Cholesky solve (dposv), and the stability
 * limit is 1 / lambda_max of the symmetric-definite pencil (L2, L1) (dsygv).
 * SME1/SME2: the same operators without (SME1) the a Abar Sigma Abar term, SME2 with the drift
 * Abar + a Abar^2 / 2.  Not here: the quadratic model (stationary_quad.c). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "sgdlab/linalg.h"
#include "sgdlab/stationary.h"

/* Index map of the symmetric basis: p <-> (a, b), a <= b, weight w = 1/2 (a == b) or 1/sqrt2. */
typedef struct {
  int d, ns;
  int *ia, *ib;
  double *w;
} svec_basis;

static int basis_init(sgdl_ctx *ctx, int d, svec_basis *B) {
  B->d = d;
  B->ns = d * (d + 1) / 2;
  B->ia = sgdl_alloc(ctx, (size_t)B->ns, sizeof(int));
  B->ib = sgdl_alloc(ctx, (size_t)B->ns, sizeof(int));
  B->w = sgdl_alloc(ctx, (size_t)B->ns, sizeof(double));
  if (!B->ia || !B->ib || !B->w) return SGDL_ENOMEM;
  int p = 0;
  for (int a = 0; a < d; a++)
    for (int b = a; b < d; b++, p++) {
      B->ia[p] = a;
      B->ib[p] = b;
      B->w[p] = a == b ? 0.5 : sqrt(0.5);
    }
  return SGDL_OK;
}
static void basis_free(svec_basis *B) {
  sgdl_free(B->ia);
  sgdl_free(B->ib);
  sgdl_free(B->w);
}

/* Matrix of M -> A M A (A symmetric) in the basis: += f * 2 w_p w_q (A_ac A_bd + A_ad A_bc). */
static void add_sandwich(const svec_basis *B, const double *A, double f, double *K) {
  const int d = B->d, ns = B->ns;
  for (int p = 0; p < ns; p++) {
    int a = B->ia[p], b = B->ib[p];
    const double *Aa = A + (size_t)a * d, *Ab = A + (size_t)b * d;
    double fp = 2 * f * B->w[p];
    for (int q = p; q < ns; q++) {
      int c = B->ia[q], e = B->ib[q];
      double v = fp * B->w[q] * (Aa[c] * Ab[e] + Aa[e] * Ab[c]);
      K[(size_t)p * ns + q] += v;
      if (q != p) K[(size_t)q * ns + p] += v;
    }
  }
}

/* Matrix of M -> A M + M A: 2 w_p w_q (A_bc d_ae + A_be d_ac + A_ac d_be + A_ae d_bc). */
static void add_lyap(const svec_basis *B, const double *A, double f, double *K) {
  const int d = B->d, ns = B->ns;
  for (int p = 0; p < ns; p++) {
    int a = B->ia[p], b = B->ib[p];
    for (int q = 0; q < ns; q++) {
      int c = B->ia[q], e = B->ib[q];
      double s = (a == e ? A[(size_t)b * d + c] : 0) + (a == c ? A[(size_t)b * d + e] : 0) + (b == e ? A[(size_t)a * d + c] : 0) +
                 (b == c ? A[(size_t)a * d + e] : 0);
      K[(size_t)p * ns + q] += f * 2 * B->w[p] * B->w[q] * s;
    }
  }
}

/* svec(M)_p = <E_p, M> = 2 w_p M_ab ; and back: M_ab = 2 w_p x_p ... (M_aa = x_p, M_ab = x_p / sqrt2). */
static void to_svec(const svec_basis *B, const double *M, double *x) {
  for (int p = 0; p < B->ns; p++) x[p] = 2 * B->w[p] * M[(size_t)B->ia[p] * B->d + B->ib[p]];
}
static void from_svec(const svec_basis *B, const double *x, double *M) {
  for (int p = 0; p < B->ns; p++) {
    double v = 2 * B->w[p] * x[p] * (B->ia[p] == B->ib[p] ? 1.0 : 0.5);
    M[(size_t)B->ia[p] * B->d + B->ib[p]] = M[(size_t)B->ib[p] * B->d + B->ia[p]] = v;
  }
}

/* Largest eigenvalue of the pencil L2 v = lam L1 v (L1 SPD). Copies both. */
static int pencil_max(sgdl_ctx *ctx, int ns, const double *L1, const double *L2, double *lam) {
  size_t nn = (size_t)ns * ns;
  double *buf = sgdl_alloc(ctx, 2 * nn + (size_t)ns, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  double *A = buf, *Bm = A + nn, *w = Bm + nn;
  memcpy(A, L2, nn * sizeof(double));
  memcpy(Bm, L1, nn * sizeof(double));
  lapack_int info = LAPACKE_dsygv(LAPACK_ROW_MAJOR, 1, 'N', 'U', ns, A, ns, Bm, ns, w);
  if (!info) *lam = w[ns - 1];
  sgdl_free(buf);
  if (sgdl_lapack_oom(info)) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory inside LAPACK (dsygv)");
  if (info) return sgdl_fail(ctx, SGDL_ELINALG, "generalised eigenvalue problem for the stability limit failed (dsygv info %d)", (int)info);
  return SGDL_OK;
}

/* Solve (L1 - a L2) x = rhs by Cholesky; SGDL_EUNSTABLE if not positive definite. */
static int spd_solve(sgdl_ctx *ctx, int ns, const double *L1, const double *L2, double a, const double *rhs, double *x) {
  size_t nn = (size_t)ns * ns;
  double *K = sgdl_alloc(ctx, nn, sizeof(double));
  if (!K) return SGDL_ENOMEM;
  for (size_t k = 0; k < nn; k++) K[k] = L1[k] - a * L2[k];
  memcpy(x, rhs, sizeof(double) * ns);
  lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', ns, 1, K, ns, x, 1);
  sgdl_free(K);
  if (info > 0) return SGDL_EUNSTABLE;
  if (sgdl_lapack_oom(info)) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory inside LAPACK (dposv)");
  if (info < 0) return sgdl_fail(ctx, SGDL_ELINALG, "dposv argument %d invalid", (int)-info);
  return SGDL_OK;
}

static double half_trace_prod(int d, const double *A, const double *S) {
  double t = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) t += A[(size_t)i * d + j] * S[(size_t)j * d + i];
  return 0.5 * t;
}

void sgdl_stat_linreg_free(sgdl_stat_linreg *r) {
  if (!r) return;
  double **arr[] = {&r->wstar, &r->Abar, &r->sigma1, &r->sigma, &r->sigma_sme1, &r->sigma_sme2};
  for (size_t k = 0; k < sizeof arr / sizeof *arr; k++) {
    sgdl_free(*arr[k]);
    *arr[k] = NULL;
  }
}

/* Per-sample affine gradient grad l_i(w) = A_i w - b_i, read through grad_sample. */
static void sample_affine(const sgdl_problem *p, size_t i, double *Ai, double *bi, double *e, double *g) {
  const int d = p->dim;
  memset(e, 0, sizeof(double) * d);
  p->type->grad_sample(p, e, i, g);
  for (int k = 0; k < d; k++) bi[k] = -g[k];
  for (int j = 0; j < d; j++) {
    e[j] = 1;
    p->type->grad_sample(p, e, i, g);
    e[j] = 0;
    for (int k = 0; k < d; k++) Ai[(size_t)k * d + j] = g[k] + bi[k];
  }
  /* Hessians are symmetric: remove rounding asymmetry. */
  for (int a = 0; a < d; a++)
    for (int b = 0; b < a; b++) Ai[(size_t)a * d + b] = Ai[(size_t)b * d + a] = 0.5 * (Ai[(size_t)a * d + b] + Ai[(size_t)b * d + a]);
}

int sgdl_stat_linreg_solve(sgdl_ctx *ctx, const sgdl_problem *p, double lr, int batch, int without_replacement,
                           sgdl_stat_linreg *r) {
  memset(r, 0, sizeof *r);
  if (!p->n_data || !p->type->grad_sample || !p->affine)
    return sgdl_fail(ctx, SGDL_ENOTSUP,
                     "--problem %s: the exact finite-data fixed point needs a finite data set with affine per-sample gradients (linreg)",
                     p->type->name);
  if (!(lr > 0) || !isfinite(lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", lr);
  const size_t N = p->n_data;
  if (batch < 1 || (without_replacement && (size_t)batch > N))
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is outside 1 .. %zu%s", batch, N, without_replacement ? " (sampling without replacement)" : "");
  const int d = p->dim;
  if (d > 48)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "linreg: the exact fixed point is a dense system in d(d+1)/2 unknowns; d = %d > 48 is too large", d);
  size_t nn = (size_t)d * d;
  r->d = d;
  r->lr = lr;
  r->cB = sgdl_minibatch_factor(N, batch, without_replacement);
  svec_basis B = {0};
  int rc = basis_init(ctx, d, &B);
  const int ns = B.ns;
  size_t nsq = (size_t)ns * ns;
  r->wstar = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  r->Abar = sgdl_alloc(ctx, nn, sizeof(double));
  r->sigma1 = sgdl_alloc(ctx, nn, sizeof(double));
  r->sigma = sgdl_alloc(ctx, nn, sizeof(double));
  r->sigma_sme1 = sgdl_alloc(ctx, nn, sizeof(double));
  r->sigma_sme2 = sgdl_alloc(ctx, nn, sizeof(double));
  double *buf = sgdl_alloc(ctx, 4 * nsq + 2 * nn + 6 * (size_t)d + 2 * (size_t)ns, sizeof(double));
  if (rc || !r->wstar || !r->Abar || !r->sigma1 || !r->sigma || !r->sigma_sme1 || !r->sigma_sme2 || !buf) {
    basis_free(&B);
    sgdl_free(buf);
    return SGDL_ENOMEM;
  }
  double *L1 = buf, *LA = L1 + nsq, *LV = LA + nsq, *Lt = LV + nsq, *Ai = Lt + nsq, *A2 = Ai + nn, *bi = A2 + nn,
         *bbar = bi + d, *e = bbar + d, *g = e + d, *gi = g + d, *rhs = gi + d, *x = rhs + ns;
  /* pass 1: means */
  for (size_t i = 0; i < N; i++) {
    sample_affine(p, i, Ai, bi, e, g);
    for (size_t k = 0; k < nn; k++) r->Abar[k] += Ai[k] / (double)N;
    for (int k = 0; k < d; k++) bbar[k] += bi[k] / (double)N;
  }
  memcpy(r->wstar, bbar, sizeof(double) * d);
  rc = sgdl_solve(ctx, d, 1, r->Abar, r->wstar);
  if (rc) rc = sgdl_fail(ctx, SGDL_ENOTPD, "linreg: the data covariance (Hessian of L) is singular: no unique minimiser");
  /* pass 2: centred operators and Sigma_1(w*) */
  for (size_t i = 0; i < N && !rc; i++) {
    sample_affine(p, i, Ai, bi, e, g);
    for (int a = 0; a < d; a++) {
      double s = -bi[a];
      for (int b = 0; b < d; b++) s += Ai[(size_t)a * d + b] * r->wstar[b];
      gi[a] = s;
    }
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++) r->sigma1[(size_t)a * d + b] += gi[a] * gi[b] / (double)N;
    for (size_t k = 0; k < nn; k++) Ai[k] -= r->Abar[k];
    add_sandwich(&B, Ai, 1.0 / (double)N, LV);
  }
  if (!rc) {
    add_lyap(&B, r->Abar, 1.0, L1);
    add_sandwich(&B, r->Abar, 1.0, LA);
    to_svec(&B, r->sigma1, rhs);
    for (int q = 0; q < ns; q++) rhs[q] *= lr * r->cB;
    /* discrete: L2 = Abar (.) Abar + c_B V */
    for (size_t k = 0; k < nsq; k++) Lt[k] = LA[k] + r->cB * LV[k];
    double lam;
    rc = pencil_max(ctx, ns, L1, Lt, &lam);
    if (!rc) r->lr_max = lam > 0 ? 1.0 / lam : INFINITY;
    if (!rc) {
      for (size_t k = 0; k < nsq; k++) Lt[k] = r->cB * LV[k];
      rc = pencil_max(ctx, ns, L1, Lt, &lam);
      if (!rc) r->lr_max_sme1 = lam > 0 ? 1.0 / lam : INFINITY;
    }
    if (!rc && !(lr < r->lr_max))
      rc = sgdl_fail(ctx, SGDL_EUNSTABLE,
                     "--lr %g is beyond the second-moment stability limit lr_max = %.10g of minibatch SGD on this data (batch %d, c_B = %g)",
                     lr, r->lr_max, batch, r->cB);
  }
  if (!rc) {
    for (size_t k = 0; k < nsq; k++) Lt[k] = LA[k] + r->cB * LV[k];
    rc = spd_solve(ctx, ns, L1, Lt, lr, rhs, x);
    if (rc == SGDL_EUNSTABLE) rc = sgdl_fail(ctx, rc, "--lr %g: second moments of SGD are unstable", lr);
    if (!rc) from_svec(&B, x, r->sigma);
  }
  /* SME1 (and SME2) stationary moments; they may blow up earlier (heavy tails): report NaN then. */
  for (int order = 1; order <= 2 && !rc; order++) {
    double *out = order == 1 ? r->sigma_sme1 : r->sigma_sme2;
    memset(Lt, 0, nsq * sizeof(double));
    memcpy(A2, r->Abar, nn * sizeof(double));
    if (order == 2) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 0.5 * lr, r->Abar, d, r->Abar, d, 1.0, A2, d);
    add_lyap(&B, A2, 1.0, Lt);
    int r2 = spd_solve(ctx, ns, Lt, LV, lr * r->cB, rhs, x);
    if (r2 == SGDL_EUNSTABLE) {
      for (size_t k = 0; k < nn; k++) out[k] = NAN;
    } else if (r2) {
      rc = r2;
    } else {
      from_svec(&B, x, out);
    }
  }
  if (!rc) {
    r->excess[0] = half_trace_prod(d, r->Abar, r->sigma);
    r->excess[1] = half_trace_prod(d, r->Abar, r->sigma_sme1);
    r->excess[2] = half_trace_prod(d, r->Abar, r->sigma_sme2);
  }
  sgdl_free(buf);
  basis_free(&B);
  return rc;
}

/* ---------------- online Gaussian inputs ---------------- */

static int gauss_check(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr, double *w, double *V) {
  if (!(lr > 0) || !isfinite(lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", lr);
  if (S < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d must be >= 1", S);
  if (!(sigma2 >= 0)) return sgdl_fail(ctx, SGDL_EINVAL, "--noise: the label-noise variance %g is negative", sigma2);
  int rc = sgdl_check_symmetric(ctx, d, A, 1e-12, "--A");
  if (!rc) rc = sgdl_symeig(ctx, d, A, w, V);
  if (!rc && !(w[0] > 0))
    rc = sgdl_fail(ctx, SGDL_ENOTPD, "--A (input covariance) is not positive definite (smallest eigenvalue %g)", w[0]);
  return rc;
}

/* f(a) = a kappa(a) / S with kappa = sum a_i / (2 - a (1 + 1/S) a_i); stable iff all denominators > 0 and f < 1. */
static double gauss_f(int d, const double *w, int S, double a) {
  double k = 0;
  for (int i = 0; i < d; i++) {
    double den = 2 - a * (1 + 1.0 / S) * w[i];
    if (!(den > 0)) return INFINITY;
    k += w[i] / den;
  }
  return a * k / S;
}

int sgdl_stat_gauss_linreg(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr, double *sigma,
                           double *lr_max) {
  size_t nn = (size_t)d * d;
  double *buf = sgdl_alloc(ctx, nn + (size_t)d, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  double *V = buf, *w = V + nn;
  int rc = gauss_check(ctx, d, A, sigma2, S, lr, w, V);
  if (!rc) {
    /* stability limit: f increasing from 0 to infinity on (0, 2 / ((1 + 1/S) a_max)); bisection */
    double lo = 0, hi = 2 / ((1 + 1.0 / S) * w[d - 1]);
    for (int it = 0; it < 200 && hi - lo > 1e-16 * hi; it++) {
      double mid = 0.5 * (lo + hi);
      if (gauss_f(d, w, S, mid) < 1) lo = mid;
      else hi = mid;
    }
    if (lr_max) *lr_max = lo;
    double f = gauss_f(d, w, S, lr);
    if (!(f < 1))
      rc = sgdl_fail(ctx, SGDL_EUNSTABLE, "--lr %g is beyond the second-moment stability limit lr_max = %.10g (Gaussian inputs, batch %d)", lr,
                     lo, S);
    else {
      double pre = lr * sigma2 / S / (1 - f);
      memset(sigma, 0, nn * sizeof(double));
      for (int k = 0; k < d; k++) {
        double c = pre / (2 - lr * (1 + 1.0 / S) * w[k]);
        for (int i = 0; i < d; i++)
          for (int j = 0; j < d; j++) sigma[(size_t)i * d + j] += c * V[(size_t)i * d + k] * V[(size_t)j * d + k];
      }
    }
  }
  sgdl_free(buf);
  return rc;
}

/* (L1(A1) - c1 (A (.) A) - c2 svec(A) svec(A)^T) Sigma = rhs_scale * A, solved in the symmetric basis. */
static int gauss_system(sgdl_ctx *ctx, int d, const double *A, const double *A1, double c1, double c2, double rhs_scale,
                        double *sigma) {
  svec_basis B = {0};
  int rc = basis_init(ctx, d, &B);
  const int ns = B.ns;
  size_t nsq = (size_t)ns * ns;
  double *buf = rc ? NULL : sgdl_alloc(ctx, 2 * nsq + 3 * (size_t)ns, sizeof(double));
  if (!buf) {
    basis_free(&B);
    return SGDL_ENOMEM;
  }
  double *L1 = buf, *L2 = L1 + nsq, *a = L2 + nsq, *rhs = a + ns, *x = rhs + ns;
  add_lyap(&B, A1, 1.0, L1);
  add_sandwich(&B, A, c1, L2);
  to_svec(&B, A, a);
  for (int p = 0; p < ns; p++)
    for (int q = 0; q < ns; q++) L2[(size_t)p * ns + q] += c2 * a[p] * a[q];
  for (int p = 0; p < ns; p++) rhs[p] = rhs_scale * a[p];
  rc = spd_solve(ctx, ns, L1, L2, 1.0, rhs, x);
  if (!rc) from_svec(&B, x, sigma);
  sgdl_free(buf);
  basis_free(&B);
  return rc;
}

int sgdl_stat_gauss_linreg_fixed_point(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr,
                                       double *sigma) {
  /* Sigma = (I-aA) Sigma (I-aA) + (a^2/S)(A Sigma A + tr(A Sigma) A) + a^2 s2 A / S, divided by a:
   * (A Sigma + Sigma A) - a (1 + 1/S) A Sigma A - (a/S) tr(A Sigma) A = a s2 A / S. */
  size_t nn = (size_t)d * d;
  double *buf = sgdl_alloc(ctx, nn + (size_t)d, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  int rc = gauss_check(ctx, d, A, sigma2, S, lr, buf + nn, buf);
  sgdl_free(buf);
  if (rc) return rc;
  rc = gauss_system(ctx, d, A, A, lr * (1 + 1.0 / S), lr / S, lr * sigma2 / S, sigma);
  if (rc == SGDL_EUNSTABLE) return sgdl_fail(ctx, rc, "--lr %g: second moments of SGD are unstable (Gaussian inputs, batch %d)", lr, S);
  return rc;
}

int sgdl_stat_gauss_linreg_sme(sgdl_ctx *ctx, int d, const double *A, double sigma2, int S, double lr, int order,
                               double *sigma) {
  /* SME: d/dt E uu^T = -(A' Sigma + Sigma A') + a C(Sigma), C = (A Sigma A + tr(A Sigma) A + s2 A)/S,
   * A' = A (SME1) or A + a A^2 / 2 (SME2). */
  size_t nn = (size_t)d * d;
  double *buf = sgdl_alloc(ctx, 2 * nn + (size_t)d, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  double *A1 = buf + nn + d;
  int rc = gauss_check(ctx, d, A, sigma2, S, lr, buf + nn, buf);
  if (!rc) {
    memcpy(A1, A, nn * sizeof(double));
    if (order == 2) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 0.5 * lr, A, d, A, d, 1.0, A1, d);
    rc = gauss_system(ctx, d, A, A1, lr / S, lr / S, lr * sigma2 / S, sigma);
    if (rc == SGDL_EUNSTABLE) {
      for (size_t k = 0; k < nn; k++) sigma[k] = NAN;
      rc = sgdl_fail(ctx, rc, "SME%d second moments are unstable at --lr %g (heavy-tailed stationary law)", order, lr);
    }
  }
  sgdl_free(buf);
  return rc;
}
