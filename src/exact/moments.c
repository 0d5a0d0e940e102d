/* Exact moments of SGD and SVAG (recursions) and of GF/SME/SMF (moment ODEs) for affine-gradient
 * problems, for P particles in one lifted state. See include/sgdlab/moments.h.
 *
 * With G_i(x) = grad L - grad l_i = -(dA_i x - db_i), the noise operators are
 *   S_AA(M) = (1/N) sum dA_i M dA_i^T,  S_Ab(m) = (1/N) sum dA_i m db_i^T,  S_bb = (1/N) sum db_i db_i^T
 * applied blockwise to particle pairs (p, q); the expected diffusion of the SME/SMF is
 * alpha cB [S_AA(M) - S_Ab(m) - S_Ab(m)^T + S_bb] (SME: diagonal blocks only). */
#include "sgdlab/moments.h"
#include "sgdlab/stepper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sgdl_affine_free(sgdl_affine *a) {
  sgdl_free(a->Abar);
  sgdl_free(a->bbar);
  sgdl_free(a->KAA);
  sgdl_free(a->TAb);
  sgdl_free(a->Sbb);
  memset(a, 0, sizeof *a);
}

/* The affine structure; with tensors = 0 only Abar, bbar, L0 and smax (no d^4 KAA: what the
 * work estimate needs, in O(N d^2) memory-free passes). */
static int extract(sgdl_ctx *ctx, const sgdl_problem *p, sgdl_affine *a, int tensors) {
  memset(a, 0, sizeof *a);
  if (!p->affine)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--exact: problem %s is not linear-quadratic (exact moments need affine gradients)",
                     p->type->name);
  const int d = p->dim;
  const size_t dd = (size_t)d * d;
  a->d = d;
  a->Abar = sgdl_alloc(ctx, dd, sizeof(double));
  a->bbar = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  a->KAA = tensors ? sgdl_alloc(ctx, dd * dd, sizeof(double)) : NULL;
  a->TAb = tensors ? sgdl_alloc(ctx, dd * d, sizeof(double)) : NULL;
  a->Sbb = sgdl_alloc(ctx, dd, sizeof(double));
  double *x = sgdl_alloc(ctx, (size_t)d, sizeof(double)), *g0 = sgdl_alloc(ctx, (size_t)d, sizeof(double)),
         *g = sgdl_alloc(ctx, (size_t)d, sizeof(double)), *Ai = sgdl_alloc(ctx, dd, sizeof(double)),
         *bi = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  int K = p->n_noise;
  double *Gc = sgdl_alloc(ctx, (size_t)d * (K > 0 ? K : 1), sizeof(double));
  int rc = (a->Abar && a->bbar && (a->KAA || !tensors) && (a->TAb || !tensors) && a->Sbb && x && g0 && g && Ai && bi && Gc)
               ? SGDL_OK
               : SGDL_ENOMEM;
  if (!rc) {
    /* Mean: grad L(x) = Abar x - bbar, columns from differences at basis vectors (exact for affine). */
    p->type->grad(p, x, g0);
    for (int i = 0; i < d; i++) a->bbar[i] = -g0[i];
    for (int j = 0; j < d; j++) {
      x[j] = 1;
      p->type->grad(p, x, g);
      x[j] = 0;
      for (int i = 0; i < d; i++) a->Abar[(size_t)i * d + j] = g[i] - g0[i];
    }
    a->L0 = p->type->loss(p, x);
    if (p->n_data) {
      const size_t N = p->n_data;
      for (size_t n = 0; n < N; n++) {
        p->type->grad_sample(p, x, n, g0);
        for (int i = 0; i < d; i++) bi[i] = -g0[i] - a->bbar[i]; /* db_i */
        for (int j = 0; j < d; j++) {
          x[j] = 1;
          p->type->grad_sample(p, x, n, g);
          x[j] = 0;
          for (int i = 0; i < d; i++) Ai[(size_t)i * d + j] = g[i] - g0[i] - a->Abar[(size_t)i * d + j]; /* dA_i */
        }
        double nrm = 0, nb = 0;
        for (size_t q = 0; q < dd; q++) nrm += Ai[q] * Ai[q];
        for (int i = 0; i < d; i++) nb += bi[i] * bi[i];
        a->smax += (nrm + nb) / (double)N;
        if (!tensors) continue;
        /* KAA[(j*d+k), (l*d+m)] = sum dA[j,l] dA[k,m]: vec(dA M dA^T)_{jk} = sum_{lm} dA_jl M_lm dA_km */
        for (int j = 0; j < d; j++)
          for (int k = 0; k < d; k++)
            for (int l = 0; l < d; l++)
              for (int mm = 0; mm < d; mm++)
                a->KAA[((size_t)j * d + k) * dd + (size_t)l * d + mm] += Ai[(size_t)j * d + l] * Ai[(size_t)k * d + mm] / (double)N;
        for (int j = 0; j < d; j++)
          for (int k = 0; k < d; k++)
            for (int l = 0; l < d; l++) a->TAb[((size_t)j * d + k) * d + l] += Ai[(size_t)j * d + l] * bi[k] / (double)N;
        for (int j = 0; j < d; j++)
          for (int k = 0; k < d; k++) a->Sbb[(size_t)j * d + k] += bi[j] * bi[k] / (double)N;
      }
    } else {
      p->type->noise_cols(p, x, Gc);
      for (int j = 0; j < d; j++)
        for (int k = 0; k < d; k++) {
          double s = 0;
          for (int c = 0; c < K; c++) s += Gc[(size_t)j * K + c] * Gc[(size_t)k * K + c];
          a->Sbb[(size_t)j * d + k] = p->noise_weight * s;
        }
      for (int j = 0; j < d; j++) a->smax += a->Sbb[(size_t)j * d + j];
    }
  }
  sgdl_free(x);
  sgdl_free(g0);
  sgdl_free(g);
  sgdl_free(Ai);
  sgdl_free(bi);
  sgdl_free(Gc);
  if (rc) sgdl_affine_free(a);
  return rc;
}

int sgdl_affine_extract(sgdl_ctx *ctx, const sgdl_problem *p, sgdl_affine *a) { return extract(ctx, p, a, 1); }

/* Effective drift grad L_alpha = (I + c Abar)(Abar x - bbar): Ae, be (either may be NULL); returns
 * the row-sum bound on Ae's spectral radius. */
static double effective_drift(const sgdl_affine *a, double c, double *Ae, double *be) {
  const int d = a->d;
  double rho = 0;
  for (int i = 0; i < d; i++) {
    double sb = a->bbar[i], rs = 0;
    for (int j = 0; j < d; j++) {
      double s = a->Abar[(size_t)i * d + j];
      for (int k = 0; k < d && c != 0; k++) s += c * a->Abar[(size_t)i * d + k] * a->Abar[(size_t)k * d + j];
      if (Ae) Ae[(size_t)i * d + j] = s;
      sb += c * a->Abar[(size_t)i * d + j] * a->bbar[j];
      rs += fabs(s);
    }
    if (be) be[i] = sb;
    if (rs > rho) rho = rs;
  }
  return rho;
}

/* RK4 substeps per learning-rate step: h <= lr/4 and h * (2 rho + lr cB smax) <= 0.01 (local error ~ (h lambda)^5). */
static uint64_t rk4_substeps(const sgdl_affine *a, double rho, double lr, double cB) {
  const double lam = 2 * rho + lr * cB * a->smax;
  uint64_t sub = 4;
  while (lr / (double)sub * lam > 0.01 && sub < (1u << 24)) sub *= 2;
  return sub;
}

/* Model description used by the derivative and the recursion. */
typedef struct {
  const sgdl_affine *a;
  int P, n;          /* n = P d */
  double lr, cB;
  int noisy, shared; /* shared: SMF (all blocks) vs SME (diagonal blocks) */
  double *Ae, *be;   /* effective drift matrix (d x d) and vector (d) */
  double *tmp;       /* d x d scratch */
} model_t;

/* out (n x n) += coef * [S_AA(M) - S_Ab(m) - S_Ab(m)^T + S_bb] (blockwise; diagonal blocks only if !shared);
 * sign_ab = -1 for the SME/SMF diffusion; for the SGD recursion it is called with its own signs. */
static void add_noise(const model_t *md, const double *m, const double *M, double cAA, double cAb, double cbb, double *out) {
  const sgdl_affine *a = md->a;
  const int d = a->d, P = md->P, n = md->n;
  const size_t dd = (size_t)d * d;
  for (int p = 0; p < P; p++)
    for (int q = 0; q < P; q++) {
      if (!md->shared && p != q) continue;
      /* vec of block (p,q) of M */
      for (int j = 0; j < d; j++)
        for (int k = 0; k < d; k++) {
          double s = 0;
          if (cAA != 0) {
            const double *row = a->KAA + ((size_t)j * d + k) * dd;
            for (int l = 0; l < d; l++)
              for (int mm = 0; mm < d; mm++) s += row[(size_t)l * d + mm] * M[(size_t)(p * d + l) * n + q * d + mm];
            s *= cAA;
          }
          double ab = 0, ba = 0;
          if (cAb != 0) {
            for (int l = 0; l < d; l++) {
              ab += a->TAb[((size_t)j * d + k) * d + l] * m[p * d + l]; /* S_Ab(m_p)[j,k] */
              ba += a->TAb[((size_t)k * d + j) * d + l] * m[q * d + l]; /* S_Ab(m_q)^T[j,k] */
            }
          }
          out[(size_t)(p * d + j) * n + q * d + k] += s + cAb * (ab + ba) + cbb * a->Sbb[(size_t)j * d + k];
        }
    }
}

/* d/dt of (m, M) for the SME/SMF/GF. */
static void deriv(const model_t *md, const double *m, const double *M, double *dm, double *dM) {
  const int d = md->a->d, P = md->P, n = md->n;
  memset(dM, 0, sizeof(double) * (size_t)n * n);
  for (int p = 0; p < P; p++)
    for (int i = 0; i < d; i++) {
      double s = md->be[i];
      for (int j = 0; j < d; j++) s -= md->Ae[(size_t)i * d + j] * m[p * d + j];
      dm[p * d + i] = s;
    }
  /* -(Ae_L M + M Ae_L^T) + be_L m^T + m be_L^T, with Ae_L = I_P (x) Ae */
  for (int r = 0; r < n; r++) {
    const int pr = r / d, ir = r % d;
    for (int c = 0; c < n; c++) {
      const int pc = c / d, ic = c % d;
      double s = 0;
      for (int j = 0; j < d; j++) {
        s -= md->Ae[(size_t)ir * d + j] * M[(size_t)(pr * d + j) * n + c];
        s -= M[(size_t)r * n + pc * d + j] * md->Ae[(size_t)ic * d + j];
      }
      s += md->be[ir] * m[c] + m[r] * md->be[ic];
      dM[(size_t)r * n + c] = s;
    }
  }
  if (md->noisy) {
    const double c = md->lr * md->cB;
    add_noise(md, m, M, c, -c, c, dM);
  }
}

/* One SGD step of the moment recursion (shared minibatch), in place. */
static void sgd_step(const model_t *md, double *m, double *M, double *m2, double *M2) {
  const sgdl_affine *a = md->a;
  const int d = a->d, P = md->P, n = md->n;
  const double al = md->lr, cB = md->cB;
  /* B = I - al Abar (d x d) applied blockwise. M2 = B M B^T + al(B m b^T + b m^T B^T) + al^2 b b^T
   * + al^2 cB [S_AA(M) - S_Ab(m) - S_Ab(m)^T + S_bb] */
  double *Bm = md->tmp;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) Bm[(size_t)i * d + j] = (i == j) - al * a->Abar[(size_t)i * d + j];
  double Bmv[4096];
  for (int p = 0; p < P; p++)
    for (int i = 0; i < d; i++) {
      double s = 0;
      for (int j = 0; j < d; j++) s += Bm[(size_t)i * d + j] * m[p * d + j];
      Bmv[p * d + i] = s;
      m2[p * d + i] = s + al * a->bbar[i];
    }
  for (int r = 0; r < n; r++) {
    const int ir = r % d, pr = r / d;
    for (int c = 0; c < n; c++) {
      const int ic = c % d, pc = c / d;
      double s = 0;
      for (int j = 0; j < d; j++) {
        double t = 0;
        for (int k = 0; k < d; k++) t += M[(size_t)(pr * d + j) * n + pc * d + k] * Bm[(size_t)ic * d + k];
        s += Bm[(size_t)ir * d + j] * t;
      }
      s += al * (Bmv[r] * a->bbar[ic] + a->bbar[ir] * Bmv[c]) + al * al * a->bbar[ir] * a->bbar[ic];
      M2[(size_t)r * n + c] = s;
    }
  }
  model_t sh = *md;
  sh.shared = 1; /* the minibatch is shared by all particles */
  add_noise(&sh, m, M, al * al * cB, -al * al * cB, al * al * cB, M2);
}

/* One SVAG learning-rate step: l SGD steps of the recursion with step lr/l and noise factor l cB.
 * The amplified gradient a g_1 + b g_2 (a + b = 1, a^2 + b^2 = l) of two independent minibatches,
 * each shared by all particles, has SGD's mean and l times its (cross-particle) noise covariance,
 * so each small step is an SGD step of the recursion with cB -> l cB. */
static void svag_step(const model_t *md, int l, double *m, double *M, double *m2, double *M2) {
  model_t sm = *md;
  const size_t n = (size_t)md->n;
  sm.lr = md->lr / l;
  sm.cB = md->cB * l;
  for (int j = 0; j < l; j++) {
    sgd_step(&sm, m, M, m2, M2);
    if (j + 1 < l) {
      memcpy(m, m2, sizeof(double) * n);
      memcpy(M, M2, sizeof(double) * n * n);
    }
  }
}

int sgdl_affine_moments(sgdl_ctx *ctx, const sgdl_affine *a, const char *model, double lr, double cB, int P,
                        const double *x0, uint64_t K, double *mo, double *Mo) {
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  return sgdl_affine_moments_par(ctx, a, model, &par, cB, P, x0, K, mo, Mo);
}

int sgdl_affine_moments_par(sgdl_ctx *ctx, const sgdl_affine *a, const char *model, const sgdl_algo_params *par,
                            double cB, int P, const double *x0, uint64_t K, double *mo, double *Mo) {
  const int d = a->d, n = P * d;
  const size_t nn = (size_t)n * n;
  const double lr = par->lr;
  if (n > 64) return sgdl_fail(ctx, SGDL_EINVAL, "--exact: particles x dimension = %d exceeds 64", n);
  /* The model's descriptor decides: SGD's recursion, SVAG's (SGD's over l small steps), or a model
   * without momentum whose drift is affine on an affine problem (gf, sme1, sme2, smf1, smf2). */
  const sgdl_stepper_type *t = sgdl_stepper_find(model);
  const sgdl_stepper_desc *ds = t ? &t->desc : NULL;
  const int is_svag = ds && ds->noise == SGDL_NOISE_SAMPLED;
  const int is_sgd = ds && (ds->rule == SGDL_OPT_SGD || is_svag);
  const int is_model = ds && !is_svag && ds->rule == SGDL_OPT_NONE && ds->momentum == SGDL_MOMENTUM_NONE;
  const int is_gf = is_model && ds->noise == SGDL_NOISE_NONE;
  const int modified = is_model && ds->drift == SGDL_DRIFT_MODIFIED;
  const int smf = is_model && ds->noise == SGDL_NOISE_SMF;
  if (!is_sgd && !is_model)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--exact: no exact moments for model '%s' (have sgd, gf, sme1, sme2, smf1, smf2, svag)",
                     model);
  if (is_svag && par->svag_l < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--svag-l: %d is not a positive integer", par->svag_l);
  model_t md = {a, P, n, lr, cB, !is_gf, smf, NULL, NULL, NULL};
  md.Ae = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  md.be = sgdl_alloc(ctx, (size_t)d, sizeof(double));
  md.tmp = sgdl_alloc(ctx, (size_t)d * d, sizeof(double));
  double *buf = sgdl_alloc(ctx, 10 * (nn + n), sizeof(double));
  if (!md.Ae || !md.be || !md.tmp || !buf) {
    sgdl_free(md.Ae);
    sgdl_free(md.be);
    sgdl_free(md.tmp);
    sgdl_free(buf);
    return SGDL_ENOMEM;
  }
  /* Effective drift: grad L_alpha = (I + c Abar)(Abar x - bbar), c = modc alpha if modified. */
  const double c = modified ? ds->modc * lr : 0.0;
  const double rho = effective_drift(a, c, md.Ae, md.be);
  double *m = buf, *M = m + n;
  for (int i = 0; i < n; i++) m[i] = x0[i];
  for (int r = 0; r < n; r++)
    for (int cc = 0; cc < n; cc++) M[(size_t)r * n + cc] = x0[r] * x0[cc];
  memcpy(mo, m, sizeof(double) * n);
  memcpy(Mo, M, sizeof(double) * nn);
  const uint64_t sub = rk4_substeps(a, rho, lr, cB);
  const double h = lr / (double)sub;
  double *k1m = M + nn, *k1M = k1m + n, *k2m = k1M + nn, *k2M = k2m + n, *k3m = k2M + nn, *k3M = k3m + n,
         *k4m = k3M + nn, *k4M = k4m + n, *tm = k4M + nn, *tM = tm + n;
  for (uint64_t k = 0; k < K; k++) {
    if (is_sgd) {
      if (is_svag) svag_step(&md, par->svag_l, m, M, tm, tM);
      else sgd_step(&md, m, M, tm, tM);
      memcpy(m, tm, sizeof(double) * n);
      memcpy(M, tM, sizeof(double) * nn);
    } else {
      for (uint64_t s = 0; s < sub; s++) {
        deriv(&md, m, M, k1m, k1M);
        for (int i = 0; i < n; i++) tm[i] = m[i] + 0.5 * h * k1m[i];
        for (size_t i = 0; i < nn; i++) tM[i] = M[i] + 0.5 * h * k1M[i];
        deriv(&md, tm, tM, k2m, k2M);
        for (int i = 0; i < n; i++) tm[i] = m[i] + 0.5 * h * k2m[i];
        for (size_t i = 0; i < nn; i++) tM[i] = M[i] + 0.5 * h * k2M[i];
        deriv(&md, tm, tM, k3m, k3M);
        for (int i = 0; i < n; i++) tm[i] = m[i] + h * k3m[i];
        for (size_t i = 0; i < nn; i++) tM[i] = M[i] + h * k3M[i];
        deriv(&md, tm, tM, k4m, k4M);
        for (int i = 0; i < n; i++) m[i] += h / 6 * (k1m[i] + 2 * k2m[i] + 2 * k3m[i] + k4m[i]);
        for (size_t i = 0; i < nn; i++) M[i] += h / 6 * (k1M[i] + 2 * k2M[i] + 2 * k3M[i] + k4M[i]);
      }
    }
    memcpy(mo + (size_t)(k + 1) * n, m, sizeof(double) * n);
    memcpy(Mo + (size_t)(k + 1) * nn, M, sizeof(double) * nn);
  }
  sgdl_free(md.Ae);
  sgdl_free(md.be);
  sgdl_free(md.tmp);
  sgdl_free(buf);
  for (size_t i = 0; i < nn; i++)
    if (!isfinite(Mo[(size_t)K * nn + i]))
      return sgdl_fail(ctx, SGDL_EDIVERGED, "exact moments of %s at lr %g diverge (NaN or Inf)", model, lr);
  return SGDL_OK;
}

double sgdl_affine_observable(const sgdl_affine *a, const sgdl_observable *o, int P, const double *m, const double *M) {
  const int d = a->d, n = P * d, p = o->p, q = o->q;
#define MM(r, c) M[(size_t)(r) * n + (c)]
  double s = 0;
  switch (o->kind) {
    case SGDL_OBS_X: return m[p * d + o->i];
    case SGDL_OBS_X2: return MM(p * d + o->i, p * d + o->i);
    case SGDL_OBS_XX: return MM(p * d + o->i, p * d + o->j);
    case SGDL_OBS_NORM2:
      for (int i = 0; i < d; i++) s += MM(p * d + i, p * d + i);
      return s;
    case SGDL_OBS_LOSS: /* L(x) = 1/2 x^T Abar x - bbar^T x + L(0) */
      for (int i = 0; i < d; i++) {
        s -= a->bbar[i] * m[p * d + i];
        for (int j = 0; j < d; j++) s += 0.5 * a->Abar[(size_t)i * d + j] * MM(p * d + j, p * d + i);
      }
      return s + a->L0;
    case SGDL_OBS_DIST2:
      for (int i = 0; i < d; i++) s += MM(p * d + i, p * d + i) + MM(q * d + i, q * d + i) - 2 * MM(p * d + i, q * d + i);
      return s;
    case SGDL_OBS_DOT:
      for (int i = 0; i < d; i++) s += MM(p * d + i, q * d + i);
      return s;
    case SGDL_OBS_PXY: return MM(p * d + o->i, q * d + o->i);
    case SGDL_OBS_GRAD_NORM2: /* |Abar x - bbar|^2 = tr(Abar^2 M) - 2 bbar^T Abar m + |bbar|^2 */
      for (int i = 0; i < d; i++) {
        double ab = 0;
        for (int k = 0; k < d; k++) ab += a->Abar[(size_t)k * d + i] * a->bbar[k];
        s += a->bbar[i] * a->bbar[i] - 2 * ab * m[p * d + i];
        for (int j = 0; j < d; j++) {
          double aa = 0;
          for (int k = 0; k < d; k++) aa += a->Abar[(size_t)i * d + k] * a->Abar[(size_t)k * d + j];
          s += aa * MM(p * d + j, p * d + i);
        }
      }
      return s;
    case SGDL_OBS_NAMED: return NAN; /* a problem's own observable has no affine formula here */
  }
#undef MM
  return 0;
}

int sgdl_affine_moments_work(sgdl_ctx *ctx, const sgdl_problem *p, const char *model, const sgdl_algo_params *par, double cB,
                             int P, uint64_t K, double *madds) {
  *madds = 0;
  const sgdl_stepper_type *t = sgdl_stepper_find(model);
  if (!t || !p->affine) return SGDL_OK; /* refused by the run itself, with its message */
  const sgdl_stepper_desc *ds = &t->desc;
  const int is_svag = ds->noise == SGDL_NOISE_SAMPLED, is_sgd = ds->rule == SGDL_OPT_SGD || is_svag;
  const int smf = ds->noise == SGDL_NOISE_SMF, noisy = ds->noise != SGDL_NOISE_NONE;
  sgdl_affine a;
  int rc = extract(ctx, p, &a, 0);
  if (rc) return rc;
  const double d = a.d, n = (double)P * d, d4 = d * d * d * d, k = (double)K;
  if (is_sgd) { /* per small step: B M B^T (n^2 2d) and the shared noise (P^2 d^4) */
    const double l = is_svag && par->svag_l > 1 ? par->svag_l : 1;
    *madds = k * l * (2 * n * n * d + (double)P * P * d4);
  } else {
    const double c = ds->drift == SGDL_DRIFT_MODIFIED ? ds->modc * par->lr : 0.0;
    const double sub = (double)rk4_substeps(&a, effective_drift(&a, c, NULL, NULL), par->lr, cB);
    const double noise = noisy ? (smf ? (double)P * P : (double)P) * d4 : 0;
    *madds = k * sub * 4 * (2 * n * n * d + noise); /* four derivatives per RK4 substep */
  }
  sgdl_affine_free(&a);
  return SGDL_OK;
}
