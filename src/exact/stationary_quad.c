/* Exact stationary covariance of SGD, heavy ball, Nesterov, damped Newton, natural gradient and
 * Adam (preconditioner frozen at diag(C), or at the self-consistent second moment, SPEC 5.4a) on the
 * quadratic model g = H x + xi, Cov xi = C (SPEC 5.1, 5.2, 5.4), with the SME1/SME2 predictions, the
 * stability limit and the exact finite-time moments.
 *
 * Method: with a constant SPD preconditioner L = S^2 the variable y = S^-1 x follows plain SGD /
 * heavy ball / NAG on H' = S H S with noise C' = S C S. In the eigenbasis V of H' each pair (i, j)
 * of eigen-directions is an independent 1x1 or 2x2 discrete Lyapunov equation
 *   K_ij = A_i K_ij A_j^T + b b^T,   Cov = Ct_ij K_ij,   Ct = V^T C' V,
 * solved with a 4x4 LAPACK solve (SPEC 7). H and C need not commute.
 * Which iterate: x itself, or for nag optionally the look-ahead point y = x + mu v (PyTorch's
 * parameter under SGD(nesterov=True)); either is c^T z for the state z = (x, v) of a 2x2 block,
 * c = (1, 0) or (1, mu), so its covariance is c^T K c and its lag-1 covariance c^T A K c.
 * Adam's self-consistent model: the fixed point v = diag(H Sigma(v) H + C) of the second moment, by
 * (damped) iteration of this solve with P = (v^1/2 + eps)^-1; a clear error when it does not converge.
 * Not here: general Lyapunov solvers (src/linalg/lyapunov.c), linear regression (stationary_linreg.c),
 * the fluctuation of Adam's second moment around its mean (an O(1 - beta2) effect, SPEC 5.4a). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sgdlab/linalg.h"
#include "sgdlab/stationary.h"

/* Reduced iteration kinds. */
enum { KIND_SGD = 0, KIND_HB = 1, KIND_NAG = 2 };

static int kind_of(int algo) {
  if (algo == SGDL_OPT_HB || algo == SGDL_OPT_ADAM) return KIND_HB;
  if (algo == SGDL_OPT_NAG) return KIND_NAG;
  return KIND_SGD;
}

/* 2x2 (or 1x1 in slot [0]) iteration block of direction with curvature g.
 * hb (PyTorch state y, m):  m' = mu m + g y + xi,  y' = y - a m'
 * nag (Sutskever y, v):     v' = mu v - a (g (y + mu v) + xi),  y' = y + v' */
static void block(int kind, double a, double mu, double g, double A[4], double b[2]) {
  if (kind == KIND_SGD) {
    A[0] = 1 - a * g;
    A[1] = A[2] = A[3] = 0;
    b[0] = -a;
    b[1] = 0;
  } else if (kind == KIND_HB) {
    A[0] = 1 - a * g;
    A[1] = -a * mu;
    A[2] = g;
    A[3] = mu;
    b[0] = -a;
    b[1] = 1;
  } else {
    A[0] = 1 - a * g;
    A[1] = mu * (1 - a * g);
    A[2] = -a * g;
    A[3] = mu * (1 - a * g);
    b[0] = -a;
    b[1] = -a;
  }
}

/* Spectral radius of a 2x2 block (or |A[0]| for 1x1). */
static double block_rho(int kind, const double A[4]) {
  if (kind == KIND_SGD) return fabs(A[0]);
  double tr = A[0] + A[3], det = A[0] * A[3] - A[1] * A[2], disc = tr * tr / 4 - det;
  if (disc >= 0) return fmax(fabs(tr / 2 + sqrt(disc)), fabs(tr / 2 - sqrt(disc)));
  return sqrt(fabs(det));
}

/* K = Ai K Aj^T + b b^T for unit noise. 1x1: closed form; 2x2: 4x4 LAPACK solve. */
static int pair_solve(int kind, const double Ai[4], const double Aj[4], const double b[2], double K[4]) {
  if (kind == KIND_SGD) {
    K[0] = b[0] * b[0] / (1 - Ai[0] * Aj[0]);
    K[1] = K[2] = K[3] = 0;
    return 0;
  }
  double M[16];
  lapack_int piv[4];
  for (int a = 0; a < 2; a++)
    for (int bb = 0; bb < 2; bb++)
      for (int c = 0; c < 2; c++)
        for (int e = 0; e < 2; e++)
          M[(a * 2 + bb) * 4 + c * 2 + e] = (a == c && bb == e ? 1.0 : 0.0) - Ai[a * 2 + c] * Aj[bb * 2 + e];
  for (int a = 0; a < 2; a++)
    for (int bb = 0; bb < 2; bb++) K[a * 2 + bb] = b[a] * b[bb];
  return (int)LAPACKE_dgesv(LAPACK_ROW_MAJOR, 4, 1, M, 4, piv, K, 1);
}

/* out = L M R (row-major d x d; L or R NULL means identity); tmp d x d. */
static void sandwich(int d, const double *L, const double *M, const double *R, double *out, double *tmp) {
  size_t nn = (size_t)d * d;
  const double *mid = M;
  if (L) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, L, d, M, d, 0.0, tmp, d);
    mid = tmp;
  }
  if (R) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, mid, d, R, d, 0.0, out, d);
  else if (mid != out) memcpy(out, mid, nn * sizeof *out);
}

/* out = V M V^T; tmp d x d. */
static void from_eigen(int d, const double *V, const double *M, double *out, double *tmp) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, V, d, M, d, 0.0, tmp, d);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, d, 1.0, tmp, d, V, d, 0.0, out, d);
}

static double half_trace_prod(int d, const double *H, const double *S) {
  double t = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) t += H[(size_t)i * d + j] * S[(size_t)j * d + i];
  return 0.5 * t;
}

/* Validated inputs and the reduced symmetric problem: S, H' eigen (g, V), Ct. */
typedef struct {
  double lr_eff, mu;
  int kind, exact;
} reduced;

/* adam_v: Adam's second moment per coordinate for P = (v^1/2 + eps)^-1; NULL = diag(C) (frozen). */
static int validate_and_reduce(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                               const sgdl_algo_params *par, const double *adam_v, sgdl_stat_quad *q, reduced *rd) {
  if (algo < SGDL_OPT_SGD || algo > SGDL_OPT_NGD) return sgdl_fail(ctx, SGDL_EINVAL, "--algo: unknown algorithm (sgd, hb, nag, adam, newton, ngd)");
  if (d < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--H: empty matrix");
  if (!(par->lr > 0) || !isfinite(par->lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive number", par->lr);
  int rc = sgdl_check_symmetric(ctx, d, H, 1e-12, "--H");
  if (!rc) rc = sgdl_check_symmetric(ctx, d, C, 1e-12, "--C");
  if (rc) return rc;
  size_t nn = (size_t)d * d;
  q->d = d;
  q->algo = algo;
  q->lr = par->lr;
  q->h = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  q->U = sgdl_alloc(ctx, nn, sizeof(double));
  q->g = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  q->V = sgdl_alloc(ctx, nn, sizeof(double));
  q->Ct = sgdl_alloc(ctx, nn, sizeof(double));
  double *tmp = sgdl_alloc(ctx, 3 * nn + (size_t)d, sizeof(double));
  if (!q->h || !q->U || !q->g || !q->V || !q->Ct || !tmp) {
    sgdl_free(tmp);
    return SGDL_ENOMEM;
  }
  double *Hp = tmp, *Cp = Hp + nn, *T2 = Cp + nn, *w = T2 + nn;
  rc = sgdl_symeig(ctx, d, H, q->h, q->U);
  if (!rc && !(q->h[0] > 0))
    rc = sgdl_fail(ctx, SGDL_ENOTPD, "--H is not positive definite (smallest eigenvalue %g): no stationary covariance", q->h[0]);
  if (!rc) rc = sgdl_symeig(ctx, d, C, w, T2);
  if (!rc && w[0] < -1e-12 * fmax(fabs(w[d - 1]), 1e-300))
    rc = sgdl_fail(ctx, SGDL_ENOTPD, "--C is not positive semidefinite (smallest eigenvalue %g)", w[0]);
  rd->lr_eff = par->lr;
  rd->mu = 0;
  rd->kind = kind_of(algo);
  rd->exact = 1;
  if (!rc && (algo == SGDL_OPT_HB || algo == SGDL_OPT_NAG)) {
    if (!(par->momentum >= 0 && par->momentum < 1))
      rc = sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is outside [0, 1)", par->momentum);
    rd->mu = par->momentum;
  }
  if (!rc && algo == SGDL_OPT_ADAM) {
    if (!(par->beta1 >= 0 && par->beta1 < 1)) rc = sgdl_fail(ctx, SGDL_EINVAL, "--beta1: %g is outside [0, 1)", par->beta1);
    else if (!(par->eps >= 0)) rc = sgdl_fail(ctx, SGDL_EINVAL, "--eps: %g is negative", par->eps);
    rd->mu = par->beta1;
    rd->lr_eff = par->lr * (1 - par->beta1);
    rd->exact = 0;
  }
  if (!rc && (algo == SGDL_OPT_NEWTON || algo == SGDL_OPT_NGD) && !(par->damping >= 0))
    rc = sgdl_fail(ctx, SGDL_EINVAL, "--damping: %g is negative", par->damping);
  /* Preconditioner L and S = L^{1/2}. */
  if (!rc && algo >= SGDL_OPT_ADAM) {
    q->precond = sgdl_alloc(ctx, nn, sizeof(double));
    q->S = sgdl_alloc(ctx, nn, sizeof(double));
    if (!q->precond || !q->S) rc = SGDL_ENOMEM;
  }
  if (!rc && algo == SGDL_OPT_ADAM) {
    for (int i = 0; i < d && !rc; i++) {
      double v = adam_v ? adam_v[i] : C[(size_t)i * d + i];
      double p = 1.0 / (sqrt(fmax(v, 0.0)) + par->eps);
      if (!isfinite(p))
        rc = sgdl_fail(ctx, SGDL_EINVAL, "adam: C_%d%d = 0 and --eps 0: the frozen preconditioner 1/(sqrt(C_ii) + eps) is infinite", i + 1, i + 1);
      q->precond[(size_t)i * d + i] = p;
      q->S[(size_t)i * d + i] = sqrt(p);
    }
  } else if (!rc && (algo == SGDL_OPT_NEWTON || algo == SGDL_OPT_NGD)) {
    const double *M = H;
    const char *what = "--H + --damping";
    if (algo == SGDL_OPT_NGD) {
      M = par->fisher ? par->fisher : C;
      what = par->fisher ? "--fisher + --damping" : "the Fisher at the minimum (= --C) + --damping";
      if (par->fisher) rc = sgdl_check_symmetric(ctx, d, par->fisher, 1e-12, "--fisher");
      else rd->exact = 0; /* the stepper's own Fisher depends on x; frozen at the minimum here */
    }
    if (!rc) rc = sgdl_symeig(ctx, d, M, w, T2);
    if (!rc && !(w[0] + par->damping > 0))
      rc = sgdl_fail(ctx, SGDL_ENOTPD, "%s is not positive definite (smallest eigenvalue %g): set --damping > 0", what,
                     w[0] + par->damping);
    if (!rc) {
      memset(q->precond, 0, nn * sizeof(double));
      memset(q->S, 0, nn * sizeof(double));
      for (int k = 0; k < d; k++) {
        double lam = 1.0 / (w[k] + par->damping);
        for (int i = 0; i < d; i++)
          for (int j = 0; j < d; j++) {
            double vv = T2[(size_t)i * d + k] * T2[(size_t)j * d + k];
            q->precond[(size_t)i * d + j] += lam * vv;
            q->S[(size_t)i * d + j] += sqrt(lam) * vv;
          }
      }
    }
  }
  if (!rc) {
    if (q->S) {
      sandwich(d, q->S, H, q->S, Hp, T2);
      sandwich(d, q->S, C, q->S, Cp, T2);
      /* symmetrise against rounding so dsyevd sees an exactly symmetric matrix */
      for (int i = 0; i < d; i++)
        for (int j = 0; j < i; j++) {
          double a = 0.5 * (Hp[(size_t)i * d + j] + Hp[(size_t)j * d + i]);
          double c = 0.5 * (Cp[(size_t)i * d + j] + Cp[(size_t)j * d + i]);
          Hp[(size_t)i * d + j] = Hp[(size_t)j * d + i] = a;
          Cp[(size_t)i * d + j] = Cp[(size_t)j * d + i] = c;
        }
    } else {
      memcpy(Hp, H, nn * sizeof(double));
      memcpy(Cp, C, nn * sizeof(double));
    }
    rc = sgdl_symeig(ctx, d, Hp, q->g, q->V);
  }
  if (!rc) {
    /* Ct = V^T C' V */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, d, 1.0, q->V, d, Cp, d, 0.0, T2, d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, T2, d, q->V, d, 0.0, q->Ct, d);
    double gmax = q->g[d - 1];
    double a = rd->lr_eff, mu = rd->mu;
    /* Linear stability (SPEC 2) in terms of alpha' g_max, converted back to the user's alpha. */
    double lim = rd->kind == KIND_SGD ? 2.0 : rd->kind == KIND_HB ? 2.0 * (1 + mu) : 2.0 * (1 + mu) / (1 + 2 * mu);
    q->lr_max = lim / gmax * (par->lr / a);
    q->lr_eff = a;
    q->mu = mu;
    q->exact = rd->exact;
  }
  sgdl_free(tmp);
  return rc;
}

int sgdl_stat_quad_lr_max(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                          const sgdl_algo_params *par, double *lr_max) {
  sgdl_stat_quad q;
  memset(&q, 0, sizeof q);
  reduced rd;
  int rc = validate_and_reduce(ctx, algo, d, H, C, par, NULL, &q, &rd);
  if (!rc) *lr_max = q.lr_max;
  sgdl_stat_quad_free(&q);
  return rc;
}

void sgdl_stat_quad_free(sgdl_stat_quad *q) {
  if (!q) return;
  double **arr[] = {&q->h, &q->U, &q->precond, &q->sigma, &q->sigma_sme1, &q->sigma_sme2, &q->lag1, &q->state_cov,
                    &q->var_eig[0], &q->var_eig[1], &q->var_eig[2], &q->S, &q->g, &q->V, &q->Ct, &q->adam_v};
  for (size_t k = 0; k < sizeof arr / sizeof *arr; k++) {
    sgdl_free(*arr[k]);
    *arr[k] = NULL;
  }
}

/* SME2 drift coefficient kappa: drift H' + kappa alpha' H'^2 (SPEC 3.1, 3.2b). */
static double sme2_kappa(int kind, double mu) {
  if (kind == KIND_SGD) return 0.5;
  double om = (1 - mu) * (1 - mu);
  return kind == KIND_HB ? (1 + mu) / (2 * om) : (1 - mu + 2 * mu * mu) / (2 * om);
}

/* The projection c of the block state onto the reported iterate: (1, 0), or (1, mu) for nag's look-ahead. */
static void iterate_projection(const sgdl_stat_quad *q, double c[2]) {
  c[0] = 1;
  c[1] = q->iterate == SGDL_STAT_ITERATE_LOOKAHEAD ? q->mu : 0;
}

/* c^T M c and c^T A M c for 2x2 row-major M (A NULL: the first). */
static double project2(const double c[2], const double *A, const double M[4]) {
  double AM[4];
  if (A) {
    AM[0] = A[0] * M[0] + A[1] * M[2];
    AM[1] = A[0] * M[1] + A[1] * M[3];
    AM[2] = A[2] * M[0] + A[3] * M[2];
    AM[3] = A[2] * M[1] + A[3] * M[3];
    M = AM;
  }
  return c[0] * (c[0] * M[0] + c[1] * M[1]) + c[1] * (c[0] * M[2] + c[1] * M[3]);
}

int sgdl_stat_quad_solve(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                         const sgdl_algo_params *par, sgdl_stat_quad *q) {
  return sgdl_stat_quad_solve_iterate(ctx, algo, d, H, C, par, SGDL_STAT_ITERATE_X, q);
}

/* The solve for one preconditioner (adam_v: Adam's second moment, NULL = diag(C)). */
static int solve_with(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C, const sgdl_algo_params *par,
                      int iterate, const double *adam_v, sgdl_stat_quad *q) {
  memset(q, 0, sizeof *q);
  if (iterate != SGDL_STAT_ITERATE_X && !(iterate == SGDL_STAT_ITERATE_LOOKAHEAD && algo == SGDL_OPT_NAG))
    return sgdl_fail(ctx, SGDL_EINVAL, "--nag-iterate: the look-ahead (torch) iterate exists only for --algo nag, not %s",
                     sgdl_opt_rule_name(algo));
  reduced rd;
  int rc = validate_and_reduce(ctx, algo, d, H, C, par, adam_v, q, &rd);
  if (rc) return rc;
  q->iterate = iterate;
  if (!(par->lr < q->lr_max))
    return sgdl_fail(ctx, SGDL_EUNSTABLE,
                     "--lr %g is beyond the stability limit lr_max = %.10g of %s on this H (SPEC 2: linear stability); "
                     "use --lr below %.6g",
                     par->lr, q->lr_max, sgdl_opt_rule_name(algo), q->lr_max);
  const int kind = rd.kind, m = kind == KIND_SGD ? 1 : 2;
  const double a = rd.lr_eff, mu = rd.mu, kap = sme2_kappa(kind, mu);
  size_t nn = (size_t)d * d;
  q->sigma = sgdl_alloc(ctx, nn, sizeof(double));
  q->sigma_sme1 = sgdl_alloc(ctx, nn, sizeof(double));
  q->sigma_sme2 = sgdl_alloc(ctx, nn, sizeof(double));
  q->lag1 = sgdl_alloc(ctx, nn, sizeof(double));
  for (int k = 0; k < 3; k++) q->var_eig[k] = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  if (m == 2) q->state_cov = sgdl_alloc(ctx, 4 * nn, sizeof(double));
  /* eigen-coordinate blocks: xx, xs, sx, ss, lag, sme1, sme2; then tmp, tmp2 */
  double *E = sgdl_alloc(ctx, 10 * nn + 4 * (size_t)d, sizeof(double));
  if (!q->sigma || !q->sigma_sme1 || !q->sigma_sme2 || !q->lag1 || !q->var_eig[0] || !q->var_eig[1] || !q->var_eig[2] ||
      (m == 2 && !q->state_cov) || !E) {
    sgdl_free(E);
    return SGDL_ENOMEM;
  }
  double *Exx = E, *Exs = Exx + nn, *Esx = Exs + nn, *Ess = Esx + nn, *Elag = Ess + nn, *E1 = Elag + nn, *E2 = E1 + nn,
         *T1 = E2 + nn, *T2 = T1 + nn, *Ex0 = T2 + nn, *Ab = Ex0 + nn; /* Ex0: x itself, for state_cov */
  /* Per-direction blocks A_i (4 doubles each, in Ab). */
  double b[2], cp[2];
  iterate_projection(q, cp);
  q->rho = 0;
  for (int i = 0; i < d; i++) {
    block(kind, a, mu, q->g[i], Ab + 4 * i, b);
    q->rho = fmax(q->rho, block_rho(kind, Ab + 4 * i));
  }
  for (int i = 0; i < d && !rc; i++)
    for (int j = i; j < d; j++) {
      double K[4];
      if (pair_solve(kind, Ab + 4 * i, Ab + 4 * j, b, K)) {
        rc = sgdl_fail(ctx, SGDL_ELINALG, "singular 4x4 Lyapunov block for eigenvalues %g, %g", q->g[i], q->g[j]);
        break;
      }
      double c = q->Ct[(size_t)i * d + j];
      size_t ij = (size_t)i * d + j, ji = (size_t)j * d + i;
      Exx[ij] = Exx[ji] = c * (kind == KIND_SGD ? K[0] : project2(cp, NULL, K));
      Ex0[ij] = Ex0[ji] = c * K[0];
      Exs[ij] = Esx[ji] = c * K[1];
      Esx[ij] = Exs[ji] = c * K[2];
      Ess[ij] = Ess[ji] = c * K[3];
      /* E[z'_i z_j^T] = A_i K_ij; its projection c^T A_i K_ij c is the lag-1 autocovariance. */
      const double *Ai = Ab + 4 * i, *Aj = Ab + 4 * j;
      if (kind == KIND_SGD) {
        Elag[ij] = c * Ai[0] * K[0];
        Elag[ji] = c * Aj[0] * K[0];
      } else {
        const double Kt[4] = {K[0], K[2], K[1], K[3]}; /* K_ji = K_ij^T */
        Elag[ij] = c * project2(cp, Ai, K);
        Elag[ji] = c * project2(cp, Aj, Kt);
      }
      double gi = q->g[i], gj = q->g[j];
      E1[ij] = E1[ji] = a * c / ((1 - mu) * (gi + gj));
      double gi2 = gi + kap * a * gi * gi, gj2 = gj + kap * a * gj * gj;
      E2[ij] = E2[ji] = a * c / ((1 - mu) * (gi2 + gj2));
    }
  if (!rc) {
    /* back to x = S y: Sigma = S V E V^T S. */
    double *outs[4] = {q->sigma, q->sigma_sme1, q->sigma_sme2, q->lag1};
    double *ins[4] = {Exx, E1, E2, Elag};
    for (int k = 0; k < 4; k++) {
      from_eigen(d, q->V, ins[k], T1, T2);
      sandwich(d, q->S, T1, q->S, outs[k], T2);
    }
    if (m == 2) {
      /* state s: hb/adam m = S^-1 m_y (adam: times 1 - beta1), nag v = v_y (S = I). */
      double *Sinv = NULL;
      double sc = algo == SGDL_OPT_ADAM ? 1 - par->beta1 : 1.0;
      if (q->S) {
        Sinv = sgdl_alloc(ctx, nn, sizeof(double));
        if (!Sinv) rc = SGDL_ENOMEM;
        for (int i = 0; i < d && !rc; i++) Sinv[(size_t)i * d + i] = 1.0 / q->S[(size_t)i * d + i]; /* adam: S diagonal */
      }
      double *blk[3] = {Exs, Esx, Ess};
      for (int k = 0; k < 3 && !rc; k++) {
        from_eigen(d, q->V, blk[k], T1, T2);
        const double *L = k == 0 ? q->S : Sinv, *R = k == 1 ? q->S : Sinv;
        double f = k == 2 ? sc * sc : sc;
        sandwich(d, L, T1, R, Exx, T2); /* Exx reused as output scratch */
        int r0 = k == 0 ? 0 : d, c0 = k == 1 ? 0 : d;
        for (int i = 0; i < d; i++)
          for (int j = 0; j < d; j++) q->state_cov[(size_t)(r0 + i) * 2 * d + c0 + j] = f * Exx[(size_t)i * d + j];
      }
      const double *Cx = q->sigma; /* the (x, x) block: sigma, unless sigma is the look-ahead's */
      if (q->iterate == SGDL_STAT_ITERATE_LOOKAHEAD) {
        from_eigen(d, q->V, Ex0, T1, T2);
        sandwich(d, q->S, T1, q->S, Exx, T2);
        Cx = Exx;
      }
      for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) q->state_cov[(size_t)i * 2 * d + j] = Cx[(size_t)i * d + j];
      sgdl_free(Sinv);
    }
  }
  if (!rc) {
    const double *mats[3] = {q->sigma, q->sigma_sme1, q->sigma_sme2};
    for (int k = 0; k < 3; k++) {
      q->excess[k] = half_trace_prod(d, H, mats[k]);
      /* u_i^T Sigma u_i */
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, mats[k], d, q->U, d, 0.0, T1, d);
      for (int i = 0; i < d; i++) {
        double s = 0;
        for (int r = 0; r < d; r++) s += q->U[(size_t)r * d + i] * T1[(size_t)r * d + i];
        q->var_eig[k][i] = s;
      }
    }
  }
  sgdl_free(E);
  return rc;
}

/* Adam's second moment implied by a solved q: v_i = (H Sigma H)_ii + C_ii = E g_i^2 at stationarity
 * (g = H x + xi, x independent of the fresh xi, E x = 0). */
static void adam_second_moment(int d, const double *H, const double *C, const double *Sigma, double *v) {
  for (int i = 0; i < d; i++) {
    double s = 0;
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++) s += H[(size_t)i * d + a] * Sigma[(size_t)a * d + b] * H[(size_t)b * d + i];
    v[i] = s + C[(size_t)i * d + i];
  }
}

/* Self-consistent Adam (SPEC 5.4a): iterate v <- v + w (f(v) - v), f(v) = diag(H Sigma(v) H + C), from
 * v = diag(C) (the frozen model), halving the step w whenever the relative change grows. f is
 * decreasing in v with slope O(alpha h p), so the plain iteration (w = 1) contracts fast. */
static int adam_self_consistent(sgdl_ctx *ctx, int d, const double *H, const double *C, const sgdl_algo_params *par,
                                sgdl_stat_quad *q) {
  const int max_iter = 500;
  const double tol = 1e-12;
  double *v = sgdl_alloc(ctx, 2 * (size_t)d, sizeof(double));
  if (!v) return SGDL_ENOMEM;
  double *f = v + d, w = 1, change = INFINITY, prev = INFINITY;
  for (int i = 0; i < d; i++) v[i] = C[(size_t)i * d + i];
  int rc = SGDL_OK, it = 0;
  for (it = 1; it <= max_iter; it++) {
    sgdl_stat_quad_free(q);
    rc = solve_with(ctx, SGDL_OPT_ADAM, d, H, C, par, SGDL_STAT_ITERATE_X, v, q);
    if (rc) {
      if (it > 1) {
        char why[sizeof ctx->msg];
        snprintf(why, sizeof why, "%s", ctx->msg);
        rc = sgdl_fail(ctx, rc, "--adam-model self-consistent: iteration %d of the second-moment fixed point failed: %s", it, why);
      }
      break;
    }
    adam_second_moment(d, H, C, q->sigma, f);
    prev = change;
    change = 0;
    for (int i = 0; i < d; i++) change = fmax(change, fabs(f[i] - v[i]) / fmax(f[i], 1e-300));
    if (!isfinite(change)) break;
    if (change <= tol) break;
    if (change > prev) w *= 0.5;
    for (int i = 0; i < d; i++) v[i] += w * (f[i] - v[i]);
  }
  if (!rc && !(change <= tol))
    rc = sgdl_fail(ctx, SGDL_ELINALG,
                   "--adam-model self-consistent: the second-moment fixed point v = diag(H Sigma(v) H + C) did not converge "
                   "in %d iterations at --lr %g (last relative change %.3g); use a smaller --lr or --adam-model frozen",
                   max_iter, par->lr, change);
  if (!rc) {
    q->adam_model = SGDL_STAT_ADAM_SELF_CONSISTENT;
    q->adam_iterations = it;
    q->adam_change = change;
    memcpy(v, f, sizeof(double) * d); /* the v that Sigma implies (equal to the one used within tol) */
    q->adam_v = v;
    v = NULL;
  }
  sgdl_free(v);
  return rc;
}

/* Frozen Adam: record v = diag(C), the second moment its preconditioner assumes. */
static int adam_frozen_record(sgdl_ctx *ctx, int d, const double *C, sgdl_stat_quad *q) {
  q->adam_v = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  if (!q->adam_v) return SGDL_ENOMEM;
  for (int i = 0; i < d; i++) q->adam_v[i] = C[(size_t)i * d + i];
  q->adam_model = SGDL_STAT_ADAM_FROZEN;
  q->adam_iterations = 0;
  q->adam_change = 0;
  return SGDL_OK;
}

int sgdl_stat_quad_solve_iterate(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                                 const sgdl_algo_params *par, int iterate, sgdl_stat_quad *q) {
  return sgdl_stat_quad_solve_model(ctx, algo, d, H, C, par, iterate, SGDL_STAT_ADAM_FROZEN, q);
}

int sgdl_stat_quad_solve_model(sgdl_ctx *ctx, int algo, int d, const double *H, const double *C,
                               const sgdl_algo_params *par, int iterate, int adam_model, sgdl_stat_quad *q) {
  memset(q, 0, sizeof *q);
  if (adam_model != SGDL_STAT_ADAM_FROZEN && adam_model != SGDL_STAT_ADAM_SELF_CONSISTENT)
    return sgdl_fail(ctx, SGDL_EINVAL, "--adam-model: unknown model %d (frozen, self-consistent)", adam_model);
  if (algo == SGDL_OPT_ADAM && adam_model == SGDL_STAT_ADAM_SELF_CONSISTENT) {
    if (iterate != SGDL_STAT_ITERATE_X) return solve_with(ctx, algo, d, H, C, par, iterate, NULL, q); /* its own error */
    return adam_self_consistent(ctx, d, H, C, par, q);
  }
  int rc = solve_with(ctx, algo, d, H, C, par, iterate, NULL, q);
  if (!rc && algo == SGDL_OPT_ADAM) rc = adam_frozen_record(ctx, d, C, q);
  return rc;
}

/* P = A^k for a 2x2 block by repeated squaring. */
static void block_pow(const double A[4], uint64_t k, double P[4]) {
  double R[4] = {1, 0, 0, 1}, B[4] = {A[0], A[1], A[2], A[3]}, T[4];
  while (k) {
    if (k & 1) {
      T[0] = R[0] * B[0] + R[1] * B[2];
      T[1] = R[0] * B[1] + R[1] * B[3];
      T[2] = R[2] * B[0] + R[3] * B[2];
      T[3] = R[2] * B[1] + R[3] * B[3];
      memcpy(R, T, sizeof T);
    }
    k >>= 1;
    if (k) {
      T[0] = B[0] * B[0] + B[1] * B[2];
      T[1] = B[0] * B[1] + B[1] * B[3];
      T[2] = B[2] * B[0] + B[3] * B[2];
      T[3] = B[2] * B[1] + B[3] * B[3];
      memcpy(B, T, sizeof T);
    }
  }
  memcpy(P, R, sizeof R);
}

int sgdl_stat_quad_finite(sgdl_ctx *ctx, const sgdl_stat_quad *q, const double *x0, uint64_t k, double *mean,
                          double *cov, double *mean_sme1, double *cov_sme1) {
  const int d = q->d, kind = kind_of(q->algo);
  if (!q->sigma) return sgdl_fail(ctx, SGDL_EINVAL, "finite-time moments need a solved stationary problem");
  size_t nn = (size_t)d * d;
  double *buf = sgdl_alloc(ctx, 4 * nn + 12 * (size_t)d, sizeof(double));
  if (!buf) return SGDL_ENOMEM;
  double *Ek = buf, *E1 = Ek + nn, *T1 = E1 + nn, *T2 = T1 + nn, *Ab = T2 + nn, *Pk = Ab + 4 * d, *y0 = Pk + 4 * d,
         *my = y0 + d, *m1 = my + d, *yt = m1 + d;
  double b[2], cp[2];
  iterate_projection(q, cp);
  const double a = q->lr_eff, mu = q->mu, t = (double)k * a;
  for (int i = 0; i < d; i++) {
    block(kind, a, mu, q->g[i], Ab + 4 * i, b);
    block_pow(Ab + 4 * i, k, Pk + 4 * i);
  }
  /* y0 = S^-1 x0 (S is diagonal for adam, general SPD for newton/ngd: solve), then V^T y0. */
  int rc = SGDL_OK;
  memcpy(yt, x0, sizeof(double) * d);
  if (q->S) rc = sgdl_solve(ctx, d, 1, q->S, yt);
  if (rc) {
    sgdl_free(buf);
    return rc;
  }
  cblas_dgemv(CblasRowMajor, CblasTrans, d, d, 1.0, q->V, d, yt, 1, 0.0, y0, 1);
  for (int i = 0; i < d; i++) {
    my[i] = (cp[0] * Pk[4 * i] + cp[1] * Pk[4 * i + 2]) * y0[i]; /* initial state (y0, 0): momentum buffer / velocity zero */
    m1[i] = exp(-q->g[i] * t / (1 - mu)) * y0[i];
  }
  for (int i = 0; i < d; i++)
    for (int j = i; j < d; j++) {
      double K[4];
      pair_solve(kind, Ab + 4 * i, Ab + 4 * j, b, K);
      /* K(k) = K - P_i K P_j^T, projected: c^T K(k) c (the (0,0) entry for x) */
      const double *Pi = Pk + 4 * i, *Pj = Pk + 4 * j;
      double s = 0, kc = kind == KIND_SGD ? K[0] : project2(cp, NULL, K);
      for (int c = 0; c < 2; c++)
        for (int e = 0; e < 2; e++) {
          double ui = cp[0] * Pi[c] + cp[1] * Pi[2 + c], uj = cp[0] * Pj[e] + cp[1] * Pj[2 + e]; /* (c^T P)_c */
          s += ui * K[c * 2 + e] * uj;
        }
      double c0 = q->Ct[(size_t)i * d + j];
      Ek[(size_t)i * d + j] = Ek[(size_t)j * d + i] = c0 * (kc - s);
      double e1 = a * c0 / ((1 - mu) * (q->g[i] + q->g[j]));
      E1[(size_t)i * d + j] = E1[(size_t)j * d + i] = e1 * (1 - exp(-(q->g[i] + q->g[j]) * t / (1 - mu)));
    }
  double *mats[2] = {Ek, E1}, *outs[2] = {cov, cov_sme1};
  for (int r = 0; r < 2; r++) {
    if (!outs[r]) continue;
    from_eigen(d, q->V, mats[r], T1, T2);
    sandwich(d, q->S, T1, q->S, outs[r], T2);
  }
  double *vecs[2] = {my, m1}, *vouts[2] = {mean, mean_sme1};
  for (int r = 0; r < 2; r++) {
    if (!vouts[r]) continue;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, 1.0, q->V, d, vecs[r], 1, 0.0, yt, 1);
    if (q->S) cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, 1.0, q->S, d, yt, 1, 0.0, vouts[r], 1);
    else memcpy(vouts[r], yt, sizeof(double) * d);
  }
  sgdl_free(buf);
  return SGDL_OK;
}

double sgdl_stat_bayes_lr(double N, double S) { return 2.0 * S / (N + S); }

void sgdl_stat_escape_heuristic(double lr, double sigma2, double ha, double hs, double dL, double *rate_sme1,
                                double *rate_discrete) {
  const double pi = 3.14159265358979323846;
  double pre = lr * sqrt(ha * fabs(hs)) / (2 * pi), ex = 2 * dL / (lr * sigma2);
  if (rate_sme1) *rate_sme1 = pre * exp(-ex);
  if (rate_discrete) *rate_discrete = pre * exp(-ex * (1 - lr * ha / 2));
}
