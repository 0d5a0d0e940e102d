/* Continuous-time models as steppers: gradient flow, first- and second-order stochastic
 * modified equations (SME1/SME2, Li-Tai-E) and stochastic modified flows (SMF1/SMF2,
 * Gess-Kassing-Konarovskyi), the momentum SMEs msme1/msme2 (SPEC 3.2a/b) and the underdamped usme
 * (SPEC 3.2c, its own loop below). One learning-rate step advances model time by alpha in
 * `substeps` steps of h = alpha/substeps with
 *   EM:   X <- X + b(X) h + noise(X)
 *   Heun: Xp = X + b(X) h + noise(X);  X <- X + (b(X) + b(Xp)) h/2 + noise(X)
 * Heun is weak order 2 when the noise is additive (constant), and the deterministic Heun
 * (RK2) method for gf; with state-dependent noise it stays weak order 1, so the ensemble
 * driver offers Talay-Tubaro extrapolation on top of EM for those problems. State-dependent noise
 * and the drift's grad L at X come from one call (sgdl_model_noise_drift, sgdl_model_noise_grad
 * for usme: one pass over a finite data set's samples with a fused lane kernel); Heun's predictor
 * evaluates the drift only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics/internal.h"
#include "dynamics/models.h"
#include "sgdlab/linalg.h"

static int model_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  const sgdl_problem *p = s->prob;
  const int d = p->dim, K = p->n_noise;
  const char *n = s->type->name;
  const sgdl_stepper_desc *ds = &s->type->desc;
  sgdl_model_impl *m = calloc(1, sizeof *m);
  if (!m) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  s->impl = m;
  m->noisy = ds->noise != SGDL_NOISE_NONE;
  m->modified = ds->drift == SGDL_DRIFT_MODIFIED;
  m->smf = ds->noise == SGDL_NOISE_SMF;
  m->c0 = 1;
  m->modc = m->modified ? ds->modc : 0;
  if (ds->momentum == SGDL_MOMENTUM_UNDERDAMPED) { /* SPEC 3.2c: dX = V dt, dV = -(lambda V + grad L) dt + (eps Sigma_B)^{1/2} dW */
    const double mu = s->par.momentum;
    if (!(mu >= 0 && mu < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is outside [0, 1)", mu);
    m->under = s->par.sbc ? 2 : 1; /* 2: damping 3/t */
    m->eps = sqrt(s->par.lr);
    m->lambda = (1 - mu) / m->eps;
    m->c0 = sqrt(m->eps / s->par.lr); /* noise amplitude sqrt(eps cB h) = c0 sqrt(alpha cB h) */
  }
  if (ds->momentum == SGDL_MOMENTUM_MSME) { /* momentum SMEs of SPEC 3.2 (fixed mu, t = k alpha) */
    const double mu = s->par.momentum;
    if (!(mu >= 0 && mu < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is outside [0, 1)", mu);
    m->c0 = 1 / (1 - mu);
    if (m->modified) { /* the coefficient becomes 2 kappa(mu), which is the descriptor's 1/2 at mu = 0 */
      const double kappa = (s->par.nesterov ? 1 - mu + 2 * mu * mu : 1 + mu) / (4 * (1 - mu) * (1 - mu));
      m->modc = 2 * kappa;
      if (!s->par.no_initial_layer) m->shift = s->par.lr * mu / ((1 - mu) * (1 - mu));
    }
  }
  s->noise_form = sgdl_noise_form(p, n, &s->par);
  m->ncol = s->noise_form && !strcmp(s->noise_form, "n-column");
  m->nz = m->smf || m->ncol ? K : d;
  if (s->par.substeps < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--substeps: %d is not positive", s->par.substeps);
  if (m->modified && !p->type->hvp)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "%s needs a Hessian-vector product, which problem %s lacks", n, p->type->name);
  if (m->noisy && p->noise_constant) {
    double *G = sgdl_alloc(ctx, (size_t)d * K, sizeof *G), *x0 = sgdl_alloc(ctx, (size_t)d, sizeof *x0);
    if (!G || !x0) {
      sgdl_free(G);
      sgdl_free(x0);
      return SGDL_ENOMEM;
    }
    p->type->noise_cols(p, x0, G);
    int rc = SGDL_OK;
    if (m->smf) {
      for (size_t i = 0; i < (size_t)d * K; i++) G[i] *= sqrt(p->noise_weight);
      m->factor = G;
      m->factor_cols = K;
    } else {
      double *S = sgdl_alloc(ctx, (size_t)d * d, sizeof *S), *R = sgdl_alloc(ctx, (size_t)d * d, sizeof *R);
      if (!S || !R) rc = SGDL_ENOMEM;
      if (!rc) {
        sgdl_gemm(0, 1, d, d, K, p->noise_weight, G, G, 0.0, S);
        rc = sgdl_sym_sqrt_psd(ctx, d, S, R, 1e-10, "gradient-noise covariance");
      }
      sgdl_free(S);
      sgdl_free(G);
      if (rc) {
        sgdl_free(R);
        sgdl_free(x0);
        return rc;
      }
      m->factor = R;
      m->factor_cols = d;
    }
    sgdl_free(x0);
  }
  const int P = s->particles;
  /* Substep normals come in pairs of substeps (sgdl_model_normals): the odd substep's half is
   * cached in aux between calls, so each Philox output is used in full even when nz = 1. */
  s->naux = (m->noisy ? m->nz : 0) + (m->under ? d : 0); /* [normal cache | V (usme)] */
  /* the branch sgdl_model_noise takes: lane kernels for a finite data set's N-column SME and flow */
  const int lane_noise = p->n_data && !m->factor && ((!m->smf && m->ncol) || m->smf);
  long total = 2L * (m->nz > 0 ? m->nz : 1) * SGDL_LANES + 5L * d * SGDL_LANES +
               sgdl_model_work_for(p, m->noisy && !lane_noise, m->modified);
  (void)P;
  s->work_per_lane = (int)((total + SGDL_LANES - 1) / SGDL_LANES);
  return SGDL_OK;
}

/* Cost rule of the SME noise forms on a finite data set (N samples, d parameters), in
 * nanoseconds per lane and substep, from timings of both forms (EM, drift included) on linreg and
 * logreg with N = 4 .. 256, d = 1 .. 4 (AMD EPYC, one thread; bench/RESULTS.md):
 *   sqrt-sigma: N (NS_SAMPLE + d^2) per-sample calls and outer products, a LAPACK eigen-
 *               decomposition (~2.5 us, growing as d^3) when d > 1, d normals;
 *   n-column:   N (NS_NORMAL + d/2) normals and the vectorised weighted pass, plus NS_SAMPLE per
 *               sample for types without a lane kernel (degenerate, plugins: measured a tie at N = 2,
 *               d = 1, which the rule gives to sqrt-sigma).
 * Measured, the N-column form was 2.4x (logreg N = 64, d = 1) to 100x (d = 3, 4) cheaper, and the
 * formula agrees, so sqrt-sigma is kept where memory decides: the N-column form holds about 4 N
 * doubles per lane (normals, their cache, weights), so above N_COLUMN_MAX samples (~134 MB per
 * thread) the O(d^2) form is used. A formula, not a timing: a run's numbers never depend on load. */
enum { NS_SAMPLE = 10, NS_NORMAL = 5, N_COLUMN_MAX = 16384 };
static double sqrt_sigma_cost(double N, double d) {
  return N * (NS_SAMPLE + d * d) + (d > 1 ? 2500 + 8 * d * d * d : 0) + NS_NORMAL * d;
}
static double n_column_cost(double N, double d, int batched) {
  return N * (NS_NORMAL + 0.5 * d + (batched ? 0 : NS_SAMPLE)); /* no lane kernel: a call per sample too */
}

const char *sgdl_noise_form(const sgdl_problem *p, const char *model, const sgdl_algo_params *par) {
  const sgdl_stepper_type *t = sgdl_stepper_find(model);
  if (!t || t->desc.noise != SGDL_NOISE_SME || !p->n_data || p->noise_constant) return NULL;
  if (par->noise_form == SGDL_NOISE_FORM_SQRT_SIGMA) return "sqrt-sigma";
  if (par->noise_form == SGDL_NOISE_FORM_N_COLUMN) return "n-column";
  const double N = (double)p->n_data, d = p->dim;
  return N <= N_COLUMN_MAX && n_column_cost(N, d, p->type->grad_sum_lanes != NULL) < sqrt_sigma_cost(N, d) ? "n-column" : "sqrt-sigma";
}

static void model_destroy(sgdl_stepper *s) {
  sgdl_model_impl *m = s->impl;
  if (m) sgdl_free(m->factor);
  free(m);
  s->impl = NULL;
}

/* sums += sign z over one substep (= on the first), the mirror's negation undone exactly. */
static void add_sums(const sgdl_lanes *L, int first, size_t n, const double *z, double *sums) {
  const double sign = L->mirror ? -1.0 : 1.0;
  if (first)
    for (size_t i = 0; i < n; i++) sums[i] = sign * z[i];
  else
    for (size_t i = 0; i < n; i++) sums[i] += sign * z[i];
}

static void model_step(const sgdl_stepper *s, sgdl_lanes *L) {
  sgdl_model_step_sums(s, L, NULL);
}

void sgdl_model_step_sums(const sgdl_stepper *s, sgdl_lanes *L, double *sums) {
  const sgdl_model_impl *m = s->impl;
  const int W = L->W, d = L->d, P = L->P, sub = s->par.substeps;
  const double h = s->par.lr / sub;
  const size_t blk = (size_t)d * W;
  double *z2 = L->work, *b0 = z2 + (size_t)2 * (m->nz > 0 ? m->nz : 1) * SGDL_LANES, *b1 = b0 + (size_t)d * SGDL_LANES,
         *xp = b1 + (size_t)d * SGDL_LANES, *inc = xp + (size_t)d * SGDL_LANES, *w = inc + (size_t)d * SGDL_LANES;
  if (L->k == 0 && m->shift != 0)
    for (int q = 0; q < P; q++) { /* the initial layer of momentum started with zero velocity */
      double *x = L->x + q * blk;
      sgdl_problem_grad_lanes(s->prob, W, x, b0, w);
      for (size_t i = 0; i < blk; i++) x[i] += m->shift * b0[i];
    }
  for (int j = 0; j < sub; j++) {
    const uint64_t ctr = L->k * (uint64_t)sub + (uint64_t)j;
    const double *z = NULL;
    if (m->noisy && m->smf) {
      z = sgdl_model_normals_cached(s, L, ctr, 0, m->nz, L->aux, z2);
      if (sums) add_sums(L, j == 0, (size_t)m->nz * W, z, sums);
    }
    for (int q = 0; q < P; q++) {
      double *x = L->x + q * blk;
      if (m->noisy && !m->smf) z = sgdl_model_normals_cached(s, L, ctr, q, m->nz, L->aux + (size_t)q * s->naux * W, z2);
      if (s->par.scheme == SGDL_SCHEME_EM && (m->factor || !m->noisy)) {
        /* Euler-Maruyama with constant (or no) noise, fused: x <- x + h b(x) + amp F z. */
        sgdl_model_grad(s, m->modified, W, x, b0, w); /* b0 = grad L_alpha: x moves by -h b0 */
        const int cols = m->factor_cols;
        const double amp = m->c0 * sqrt(s->par.lr * s->cB * h);
        for (int i = 0; i < d; i++) {
          double *restrict xi = x + (size_t)i * W;
          const double *restrict bi = b0 + (size_t)i * W;
          if (m->noisy && cols == 1) {
            const double c = amp * m->factor[i];
            for (int l = 0; l < W; l++) xi[l] += c * z[l] - h * bi[l];
            continue;
          }
          for (int l = 0; l < W; l++) xi[l] -= h * bi[l];
          for (int k = 0; m->noisy && k < cols; k++) {
            const double c = amp * m->factor[(size_t)i * cols + k];
            const double *restrict zk = z + (size_t)k * W;
            for (int l = 0; l < W; l++) xi[l] += c * zk[l];
          }
        }
        continue;
      }
      memset(inc, 0, sizeof(double) * blk);
      sgdl_model_noise_drift(s, m->smf, m->modified, W, x, z, h, inc, b0, w); /* one pass when fused */
      if (s->par.scheme == SGDL_SCHEME_HEUN) {
        for (size_t i = 0; i < blk; i++) xp[i] = x[i] + h * b0[i] + inc[i];
        sgdl_model_drift(s, m->modified, W, xp, b1, w);
        for (size_t i = 0; i < blk; i++) x[i] += 0.5 * h * (b0[i] + b1[i]) + inc[i];
      } else {
        for (size_t i = 0; i < blk; i++) x[i] += h * b0[i] + inc[i];
      }
    }
  }
}

/* The underdamped SDE (usme): one learning-rate step is model time eps = sqrt(alpha), in
 * `substeps` steps of h = eps/substeps; EM or Heun on (X, V), noise on V evaluated at X. */
static void underdamped_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const sgdl_model_impl *m = s->impl;
  const int W = L->W, d = L->d, P = L->P, sub = s->par.substeps;
  const double h = m->eps / sub, lam = m->lambda;
  const size_t blk = (size_t)d * W;
  double *z2 = L->work, *g = z2 + (size_t)2 * m->nz * SGDL_LANES, *gp = g + (size_t)d * SGDL_LANES,
         *xp = gp + (size_t)d * SGDL_LANES, *vp = xp + (size_t)d * SGDL_LANES, *inc = vp + (size_t)d * SGDL_LANES,
         *w = inc + (size_t)d * SGDL_LANES;
  for (int j = 0; j < sub; j++) {
    const uint64_t ctr = L->k * (uint64_t)sub + (uint64_t)j;
    /* Damping at the start and end of the substep: lambda, or 3/t for the Su-Boyd-Candes ODE, where
     * at t = 0 (V = 0) the limit V' = -grad L/4 replaces 3V/t by -3 grad L/4. */
    const double t0 = (double)ctr * h, t1 = t0 + h;
    const double lam0 = m->under == 2 ? (t0 > 0 ? 3 / t0 : 0) : lam, lam1 = m->under == 2 ? 3 / t1 : lam;
    const double g0 = m->under == 2 && t0 == 0 ? 0.25 : 1; /* scales grad L in V' at t = 0 */
    for (int q = 0; q < P; q++) {
      double *x = L->x + q * blk, *cache = L->aux + (size_t)q * s->naux * W, *v = cache + (size_t)m->nz * W;
      const double *z = sgdl_model_normals_cached(s, L, ctr, q, m->nz, cache, z2);
      memset(inc, 0, sizeof(double) * blk);
      sgdl_model_noise_grad(s, 0, W, x, z, h, inc, g, w); /* one pass when fused */
      if (s->par.scheme == SGDL_SCHEME_HEUN) {
        for (size_t i = 0; i < blk; i++) {
          xp[i] = x[i] + h * v[i];
          vp[i] = v[i] - h * (lam0 * v[i] + g0 * g[i]) + inc[i];
        }
        sgdl_problem_grad_lanes(s->prob, W, xp, gp, w);
        for (size_t i = 0; i < blk; i++) {
          x[i] += 0.5 * h * (v[i] + vp[i]);
          v[i] += -0.5 * h * (lam0 * v[i] + g0 * g[i] + lam1 * vp[i] + gp[i]) + inc[i];
        }
      } else {
        for (size_t i = 0; i < blk; i++) {
          const double vi = v[i];
          v[i] = vi - h * (lam0 * vi + g0 * g[i]) + inc[i];
          x[i] += h * vi;
        }
      }
    }
  }
}

/* Continuous models: no discrete rule; drift, its coefficient, noise, momentum, weak order. */
#define MODEL(id, drift, modc, noise, momentum, order, step, text)                                   \
  const sgdl_stepper_type sgdl_stepper_##id = {#id, 0, {SGDL_OPT_NONE, drift, modc, noise, momentum, order}, text, \
                                               model_plan, step, model_destroy};
enum { PLAIN = SGDL_DRIFT_PLAIN, MODIFIED = SGDL_DRIFT_MODIFIED };
MODEL(gf, PLAIN, 0, SGDL_NOISE_NONE, SGDL_MOMENTUM_NONE, 1, model_step, "gradient flow dX = -grad L dt")
MODEL(sme1, PLAIN, 0, SGDL_NOISE_SME, SGDL_MOMENTUM_NONE, 1, model_step,
      "first-order SME: dX = -grad L dt + sqrt(alpha Sigma_B)^{1/2} dW")
MODEL(sme2, MODIFIED, 0.5, SGDL_NOISE_SME, SGDL_MOMENTUM_NONE, 2, model_step,
      "second-order SME: drift -grad(L + alpha/4 |grad L|^2), same noise as sme1")
MODEL(smf1, PLAIN, 0, SGDL_NOISE_SMF, SGDL_MOMENTUM_NONE, 1, model_step,
      "stochastic modified flow, drift -grad L, noise sqrt(alpha cB/N) sum_i G_i dbeta_i shared by particles")
MODEL(smf2, MODIFIED, 0.5, SGDL_NOISE_SMF, SGDL_MOMENTUM_NONE, 2, model_step,
      "stochastic modified flow with the second-order drift of sme2")
MODEL(msme1, PLAIN, 0, SGDL_NOISE_SME, SGDL_MOMENTUM_MSME, 1, model_step,
      "momentum SME (SPEC 3.2a): dX = -grad L dt/(1-mu) + sqrt(alpha Sigma_B)^{1/2} dW/(1-mu)")
MODEL(msme2, MODIFIED, 0.5, SGDL_NOISE_SME, SGDL_MOMENTUM_MSME, 2, model_step,
      "momentum SME with the order-2 drift of SPEC 3.2b (hb or nag) and the initial-layer shift")
MODEL(usme, PLAIN, 0, SGDL_NOISE_SME, SGDL_MOMENTUM_UNDERDAMPED, 1, underdamped_step,
      "underdamped SDE of the critical momentum scaling (SPEC 3.2c): dX = V dt, "
      "dV = -((1-mu)/sqrt(alpha) V + grad L) dt + (sqrt(alpha) Sigma_B)^{1/2} dW, one step = time sqrt(alpha)")
