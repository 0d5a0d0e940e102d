/* Discrete algorithms as steppers: SGD, heavy ball, Nesterov, Adam, damped Newton, natural
 * gradient. Each step draws one minibatch (shared by the particles of a replica), forms the
 * stochastic gradient at the evaluation point, and applies the update rule.
 *   sgd, hb, adam: rules from optim.c on the whole [d][W] block (vectorised over lanes); sgd on a
 *   finite data set whose problem has sgd_step_lanes: that fused step instead (bitwise the same);
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

/* Plan-time data: the coupling (see sgdl_coupling in internal.h; substeps 0 = uncoupled) and
 * the noise map it owns. */
typedef struct {
  sgdl_coupling couple;
  double *factor; /* d x cols, additive noise only */
} discrete_impl;

/* The model's noise map for common random numbers: Sigma_1^{1/2} (SME) or sqrt(w) G (SMF). */
static int plan_coupling(sgdl_ctx *ctx, sgdl_stepper *s, discrete_impl *di) {
  const sgdl_problem *p = s->prob;
  const int d = p->dim, K = p->n_noise;
  if (p->n_data) { /* minibatch = the top B of the flow's summed normals: no noise map needed */
    if (!di->couple.smf || p->n_data > 1024 || !(s->par.batch == 1 || s->par.without_replacement))
      return sgdl_fail(ctx, SGDL_ENOTSUP, "--coupling: on a data set only flows with B = 1 or sampling without "
                       "replacement and N <= 1024 can share SGD's draw (problem %s)", p->type->name);
    return SGDL_OK;
  }
  if (!p->noise_constant)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--coupling: common random numbers need additive constant noise (problem %s)",
                     p->type->name);
  double *G = sgdl_alloc(ctx, (size_t)d * K, sizeof *G), *x0 = sgdl_alloc(ctx, (size_t)d, sizeof *x0);
  int rc = (G && x0) ? SGDL_OK : SGDL_ENOMEM;
  if (!rc) {
    p->type->noise_cols(p, x0, G);
    if (di->couple.smf) {
      for (size_t i = 0; i < (size_t)d * K; i++) G[i] *= sqrt(p->noise_weight);
      di->factor = G;
      di->couple.cols = K;
      G = NULL;
    } else {
      double *S = sgdl_alloc(ctx, (size_t)d * d, sizeof *S);
      di->factor = sgdl_alloc(ctx, (size_t)d * d, sizeof *di->factor);
      di->couple.cols = d;
      rc = (S && di->factor) ? SGDL_OK : SGDL_ENOMEM;
      if (!rc) {
        sgdl_gemm(0, 1, d, d, K, p->noise_weight, G, G, 0.0, S);
        rc = sgdl_sym_sqrt_psd(ctx, d, S, di->factor, 1e-10, "gradient-noise covariance");
      }
      sgdl_free(S);
    }
  }
  di->couple.factor = di->factor;
  sgdl_free(G);
  sgdl_free(x0);
  return rc;
}

int sgdl_discrete_couple(sgdl_ctx *ctx, sgdl_stepper *s, int substeps, uint32_t stream, int smf, int shared_sums) {
  discrete_impl *di = s->impl;
  if (!s->type->is_discrete || !di)
    return sgdl_fail(ctx, SGDL_EINVAL, "--algo: %s is not a discrete algorithm", s->type->name);
  di->couple.substeps = substeps;
  di->couple.stream = stream;
  di->couple.smf = smf;
  di->couple.shared_sums = shared_sums;
  return plan_coupling(ctx, s, di);
}

static void discrete_destroy(sgdl_stepper *s) {
  discrete_impl *di = s->impl;
  if (di) sgdl_free(di->factor);
  free(di);
  s->impl = NULL;
}

static int discrete_plan(sgdl_ctx *ctx, sgdl_stepper *s) {
  const int d = s->prob->dim, rule = s->type->desc.rule;
  if ((rule == SGDL_OPT_HB || rule == SGDL_OPT_NAG) && !(s->par.momentum >= 0 && s->par.momentum < 1))
    return sgdl_fail(ctx, SGDL_EINVAL, "--momentum: %g is outside [0, 1)", s->par.momentum);
  if (rule == SGDL_OPT_ADAM) {
    if (!(s->par.beta1 >= 0 && s->par.beta1 < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--beta1: %g is outside [0, 1)", s->par.beta1);
    if (!(s->par.beta2 >= 0 && s->par.beta2 < 1)) return sgdl_fail(ctx, SGDL_EINVAL, "--beta2: %g is outside [0, 1)", s->par.beta2);
    if (!(s->par.eps >= 0)) return sgdl_fail(ctx, SGDL_EINVAL, "--eps: %g is negative", s->par.eps);
  }
  if ((rule == SGDL_OPT_NEWTON || rule == SGDL_OPT_NGD) && !(s->par.damping >= 0))
    return sgdl_fail(ctx, SGDL_EINVAL, "--damping: %g is negative", s->par.damping);
  if (rule == SGDL_OPT_NEWTON && !s->prob->type->hvp)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "newton: problem %s has no Hessian-vector product", s->prob->type->name);
  s->naux = d * sgdl_optim_aux(rule); /* newton, ngd: none */
  if (!(s->impl = calloc(1, sizeof(discrete_impl)))) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  const int P = s->particles;
  long total = 2L * P * d * SGDL_LANES                     /* Y, G */
               + sgdl_sgrad_work(s->prob, s->par.batch)     /* draw + gradient */
               + (rule == SGDL_OPT_NEWTON || rule == SGDL_OPT_NGD    /* preconditioner (only these use it) */
                      ? (long)d * d + (long)d * (s->prob->n_noise + 4) + 4 * d + 8 : 0);
  s->work_per_lane = (int)((total + SGDL_LANES - 1) / SGDL_LANES);
  return SGDL_OK;
}

/* g <- (M + delta I)^{-1} g for each lane of particle block (X, G). */
static void precondition(const sgdl_stepper *s, int rule, int W, const double *X, double *G, double *w) {
  const sgdl_problem *p = s->prob;
  const int d = p->dim, K = p->n_noise;
  double *M = w, *x = M + (size_t)d * d, *g = x + d, *e = g + d, *col = e + d;
  lapack_int *piv = (lapack_int *)(col + d);
  double *Gc = col + 2 * d;
  for (int l = 0; l < W; l++) {
    lane_get(d, W, X, l, x);
    lane_get(d, W, G, l, g);
    if (rule == SGDL_OPT_NEWTON) {
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
  const int W = L->W, d = L->d, P = L->P, rule = s->type->desc.rule;
  const discrete_impl *di = s->impl;
  const size_t blk = (size_t)d * W;
  double *Y = L->work, *G = Y + (size_t)P * d * SGDL_LANES, *w = G + (size_t)P * d * SGDL_LANES;
  const double *eval = L->x;
  if (rule == SGDL_OPT_SGD && sgdl_sgd_step_fusable(s, s->par.lr)) { /* the problem's fused step, bitwise the same */
    sgdl_sgd_step_draw(s, di->couple.substeps > 0 ? &di->couple : NULL, L, L->k, 0, s->par.lr, w);
    return;
  }
  /* Nesterov's momentum: constant, or the convex-acceleration schedule k/(k+3) (0-based k). */
  const double mu = rule == SGDL_OPT_NAG && s->par.sbc ? (double)L->k / ((double)L->k + 3.0) : s->par.momentum;
  if (rule == SGDL_OPT_NAG) {
    for (int q = 0; q < P; q++) {
      const double *x = L->x + q * blk, *v = L->aux + (size_t)q * s->naux * W;
      double *y = Y + q * blk;
      for (size_t i = 0; i < blk; i++) y[i] = x[i] + mu * v[i];
    }
    eval = Y;
  }
  /* Gradient blocks use stride d*W per particle; the buffers were sized for SGDL_LANES lanes. */
  sgdl_stochastic_grad(s, di->couple.substeps > 0 ? &di->couple : NULL, L, eval, G, w);
  for (int q = 0; q < P; q++) {
    double *x = L->x + q * blk, *g = G + q * blk, *aux = L->aux + (size_t)q * s->naux * W;
    switch (rule) {
      case SGDL_OPT_NAG: /* Sutskever form on x (the optim.c rule tracks the look-ahead point) */
        for (size_t i = 0; i < blk; i++) {
          aux[i] = mu * aux[i] - s->par.lr * g[i];
          x[i] += aux[i];
        }
        break;
      case SGDL_OPT_NEWTON:
      case SGDL_OPT_NGD:
        precondition(s, rule, W, x, g, w);
        sgdl_optim_update(SGDL_OPT_SGD, &s->par, (long)blk, x, NULL, g, L->k);
        break;
      default: sgdl_optim_update(rule, &s->par, (long)blk, x, aux, g, L->k); /* sgd, hb, adam */
    }
  }
}

/* Discrete algorithms: a rule and no drift, noise or momentum model; no weak order claimed. */
#define DISCRETE(id, rule, text)                                                                           \
  const sgdl_stepper_type sgdl_stepper_##id = {#id, 1, {rule, SGDL_DRIFT_NONE, 0, SGDL_NOISE_NONE, SGDL_MOMENTUM_NONE, 0}, \
                                               text, discrete_plan, discrete_step, discrete_destroy};
DISCRETE(sgd, SGDL_OPT_SGD, "SGD with minibatch B (i.i.d. indices or a uniform B-subset)")
DISCRETE(hb, SGDL_OPT_HB, "heavy-ball momentum SGD: m <- mu m + g, x <- x - alpha m")
DISCRETE(nag, SGDL_OPT_NAG, "Nesterov (Sutskever form, constant mu), gradient at the look-ahead point")
DISCRETE(adam, SGDL_OPT_ADAM, "Adam with bias corrections")
DISCRETE(newton, SGDL_OPT_NEWTON, "damped Newton: x <- x - alpha (Hess L + delta I)^{-1} g")
DISCRETE(ngd, SGDL_OPT_NGD, "natural gradient: x <- x - alpha (F + delta I)^{-1} g")
