/* Discrete algorithms as steppers: SGD, heavy ball, Nesterov, Adam, damped Newton, natural
 * gradient. Each step draws one minibatch (shared by the particles of a replica), forms the
 * stochastic gradient at the evaluation point, and applies the update rule.
 *   sgd, hb, adam: rules from optim.c on the whole [d][W] block (vectorised over lanes);
 *   nag: Sutskever form tracking x (SPEC 2): y = x + mu v, v <- mu v - alpha g(y), x <- x + v;
 *   newton, ngd: x <- x - alpha Lambda g with Lambda = (M(x) + delta I)^{-1}, M the Hessian
 *   (newton) or the Fisher E[grad l grad l^T] = grad L grad L^T + Sigma_1 (ngd; or a fixed F).
 * A failed preconditioner solve poisons the lane with NaN so the driver reports divergence. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics/internal.h"
#include "sgdlab/linalg.h"
#include "sgdlab/problem.h"

enum { ALG_SGD, ALG_HB, ALG_NAG, ALG_ADAM, ALG_NEWTON, ALG_NGD };

/* Plan-time data: only the coupled noise map (see couple_substeps in stepper.h). */
typedef struct {
  double *factor; /* d x cols */
  int cols;
} discrete_impl;

/* The model's noise map for common random numbers: Sigma_1^{1/2} (SME) or sqrt(w) G (SMF). */
static int plan_coupling(sgdl_ctx *ctx, sgdl_stepper *s) {
  const sgdl_problem *p = s->prob;
  const int d = p->dim, K = p->n_noise;
  if (p->n_data) { /* minibatch = the top B of the flow's summed normals: no noise map needed */
    if (!s->par.couple_smf || p->n_data > 1024 || !(s->par.batch == 1 || s->par.without_replacement))
      return sgdl_fail(ctx, SGDL_ENOTSUP, "--coupling: on a data set only flows with B = 1 or sampling without "
                       "replacement and N <= 1024 can share SGD's draw (problem %s)", p->type->name);
    return SGDL_OK;
  }
  if (!p->noise_constant)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--coupling: common random numbers need additive constant noise (problem %s)",
                     p->type->name);
  discrete_impl *di = calloc(1, sizeof *di);
  double *G = sgdl_alloc(ctx, (size_t)d * K, sizeof *G), *x0 = sgdl_alloc(ctx, (size_t)d, sizeof *x0);
  int rc = (di && G && x0) ? SGDL_OK : SGDL_ENOMEM;
  s->impl = di;
  if (!rc) {
    p->type->noise_cols(p, x0, G);
    if (s->par.couple_smf) {
      for (size_t i = 0; i < (size_t)d * K; i++) G[i] *= sqrt(p->noise_weight);
      di->factor = G;
      di->cols = K;
      G = NULL;
    } else {
      double *S = sgdl_alloc(ctx, (size_t)d * d, sizeof *S);
      di->factor = sgdl_alloc(ctx, (size_t)d * d, sizeof *di->factor);
      di->cols = d;
      rc = (S && di->factor) ? SGDL_OK : SGDL_ENOMEM;
      if (!rc) {
        sgdl_gemm(0, 1, d, d, K, p->noise_weight, G, G, 0.0, S);
        rc = sgdl_sym_sqrt_psd(ctx, d, S, di->factor, 1e-10, "gradient-noise covariance");
      }
      sgdl_free(S);
    }
  }
  sgdl_free(G);
  sgdl_free(x0);
  return rc;
}

static void discrete_destroy(sgdl_stepper *s) {
  discrete_impl *di = s->impl;
  if (di) sgdl_free(di->factor);
  free(di);
  s->impl = NULL;
}

void sgdl_coupled_factor(const sgdl_stepper *s, const double **F, int *cols) {
  const discrete_impl *di = s->impl;
  *F = di ? di->factor : NULL;
  *cols = di ? di->cols : 0;
}

static int alg_of(const sgdl_stepper *s) {
  const char *n = s->type->name;
  if (!strcmp(n, "hb")) return ALG_HB;
  if (!strcmp(n, "nag")) return ALG_NAG;
  if (!strcmp(n, "adam")) return ALG_ADAM;
  if (!strcmp(n, "newton")) return ALG_NEWTON;
  if (!strcmp(n, "ngd")) return ALG_NGD;
  return ALG_SGD;
}

static int discrete_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  const int d = s->prob->dim, alg = alg_of(s);
  if ((alg == ALG_HB || alg == ALG_NAG) && !(s->par.momentum >= 0 && s->par.momentum < 1))
    return sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is outside [0, 1)", s->par.momentum);
  if (alg == ALG_ADAM) {
    if (!(s->par.beta1 >= 0 && s->par.beta1 < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--beta1: %g is outside [0, 1)", s->par.beta1);
    if (!(s->par.beta2 >= 0 && s->par.beta2 < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--beta2: %g is outside [0, 1)", s->par.beta2);
    if (!(s->par.eps >= 0)) return sgdl_fail(ctx, SGDL_EINVAL, "--eps: %g is negative", s->par.eps);
  }
  if ((alg == ALG_NEWTON || alg == ALG_NGD) && !(s->par.damping >= 0))
    return sgdl_fail(ctx, SGDL_EINVAL, "--damping: %g is negative", s->par.damping);
  if (alg == ALG_NEWTON && !s->prob->type->hvp)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "newton: problem %s has no Hessian-vector product", s->prob->type->name);
  switch (alg) {
    case ALG_HB:
    case ALG_NAG: s->naux = d; break;
    case ALG_ADAM: s->naux = 2 * d; break;
    default: s->naux = 0;
  }
  if (s->par.couple_substeps > 0) {
    int rc = plan_coupling(ctx, s);
    if (rc) return rc;
  }
  const int P = s->particles;
  long total = 2L * P * d * SGDL_LANES                     /* Y, G */
               + sgdl_sgrad_work(s->prob, s->par.batch)     /* draw + gradient */
               + (long)d * d + (long)d * (s->prob->n_noise + 4) + 4 * d + 8; /* preconditioner */
  s->work_per_lane = (int)((total + SGDL_LANES - 1) / SGDL_LANES);
  return SGDL_OK;
}

/* g <- (M + delta I)^{-1} g for each lane of particle block (X, G). */
static void precondition(const sgdl_stepper *s, int alg, int W, const double *X, double *G, double *w) {
  const sgdl_problem *p = s->prob;
  const int d = p->dim, K = p->n_noise;
  double *M = w, *x = M + (size_t)d * d, *g = x + d, *e = g + d, *col = e + d;
  lapack_int *piv = (lapack_int *)(col + d);
  double *Gc = col + 2 * d;
  for (int l = 0; l < W; l++) {
    lane_get(d, W, X, l, x);
    lane_get(d, W, G, l, g);
    if (alg == ALG_NEWTON) {
      for (int j = 0; j < d; j++) {
        memset(e, 0, sizeof(double) * d);
        e[j] = 1;
        p->type->hvp(p, x, e, col);
        for (int i = 0; i < d; i++) M[(size_t)j * d + i] = col[i]; /* column-major */
      }
    } else if (s->par.fisher) {
      memcpy(M, s->par.fisher, sizeof(double) * (size_t)d * d);
    } else {
      p->type->grad(p, x, col);
      sgdl_problem_sigma1(p, x, M, Gc);
      for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) M[(size_t)i * d + j] += col[i] * col[j];
    }
    for (int i = 0; i < d; i++) M[(size_t)i * d + i] += s->par.damping;
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, d, 1, M, d, piv, g, d);
    if (info != 0)
      for (int i = 0; i < d; i++) g[i] = NAN;
    lane_put(d, W, G, l, g);
  }
  (void)K;
}

static void discrete_step(const sgdl_stepper *s, sgdl_lanes *L) {
  const int W = L->W, d = L->d, P = L->P, alg = alg_of(s);
  const size_t blk = (size_t)d * W;
  double *Y = L->work, *G = Y + (size_t)P * d * SGDL_LANES, *w = G + (size_t)P * d * SGDL_LANES;
  const double *eval = L->x;
  /* Nesterov's momentum: constant, or the convex-acceleration schedule k/(k+3) (0-based k). */
  const double mu = alg == ALG_NAG && s->par.sbc ? (double)L->k / ((double)L->k + 3.0) : s->par.momentum;
  if (alg == ALG_NAG) {
    for (int q = 0; q < P; q++) {
      const double *x = L->x + q * blk, *v = L->aux + (size_t)q * s->naux * W;
      double *y = Y + q * blk;
      for (size_t i = 0; i < blk; i++) y[i] = x[i] + mu * v[i];
    }
    eval = Y;
  }
  /* Gradient blocks use stride d*W per particle; the buffers were sized for SGDL_LANES lanes. */
  sgdl_stochastic_grad(s, L, eval, G, w);
  for (int q = 0; q < P; q++) {
    double *x = L->x + q * blk, *g = G + q * blk, *aux = L->aux + (size_t)q * s->naux * W;
    switch (alg) {
      case ALG_SGD: sgdl_optim_update(SGDL_OPT_SGD, &s->par, (long)blk, x, NULL, g, L->k); break;
      case ALG_HB: sgdl_optim_update(SGDL_OPT_HB, &s->par, (long)blk, x, aux, g, L->k); break;
      case ALG_ADAM: sgdl_optim_update(SGDL_OPT_ADAM, &s->par, (long)blk, x, aux, g, L->k); break;
      case ALG_NAG:
        for (size_t i = 0; i < blk; i++) {
          aux[i] = mu * aux[i] - s->par.lr * g[i];
          x[i] += aux[i];
        }
        break;
      case ALG_NEWTON:
      case ALG_NGD:
        precondition(s, alg, W, x, g, w);
        sgdl_optim_update(SGDL_OPT_SGD, &s->par, (long)blk, x, NULL, g, L->k);
        break;
    }
  }
}

#define DISCRETE(id, label, text) \
  const sgdl_stepper_type sgdl_stepper_##id = {label, 1, 0, text, discrete_plan, discrete_step, discrete_destroy};
DISCRETE(sgd, "sgd", "SGD with minibatch B (i.i.d. indices or a uniform B-subset)")
DISCRETE(hb, "hb", "heavy-ball momentum SGD: m <- mu m + g, x <- x - alpha m")
DISCRETE(nag, "nag", "Nesterov (Sutskever form, constant mu), gradient at the look-ahead point")
DISCRETE(adam, "adam", "Adam with bias corrections")
DISCRETE(newton, "newton", "damped Newton: x <- x - alpha (Hess L + delta I)^{-1} g")
DISCRETE(ngd, "ngd", "natural gradient: x <- x - alpha (F + delta I)^{-1} g")
