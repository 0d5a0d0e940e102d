/* The noise-to-signal ratio of Li, Malladi and Arora (problem.h: sgdl_noise_scale): the per-sample
 * gradient variance G = tr Sigma_1 and the full gradient's |grad L|^2 at one point, and from them
 * the NSR at a batch, the batch b_star where it falls to 1, and the learning rate lr_star that the
 * linear scaling rule reaches there.
 * Finite data: G = (1/N) sum_i |grad l_i - grad L|^2 from N grad_sample calls, each difference
 * formed directly (not E|g_i|^2 - |grad L|^2, which cancels badly near a minimum); additive noise:
 * G = noise_weight |G|_F^2 from the noise columns. Memory O(d) (finite data) or O(d K) (additive).
 * Source: Li-Malladi-Arora's condition (section 5 of their paper; README "Noise-to-signal ratio" says which
 * parts were checked against it and which are our derivation) is on equilibrium averages E tr Sigma_B /
 * E |grad L|^2 of a run, for scale-invariant networks with weight decay; the threshold 1 is C = sqrt 2 in
 * their closeness factor. b_star without replacement and lr_star are our extensions.
 * Does not: average over a trajectory (the NSR is a snapshot; near a minimum it overstates the
 * equilibrium ratio, 640 against 24-49 in README example (d)), or know any model. */
#include <math.h>
#include <string.h>

#include "problem_impl.h"

void sgdl_noise_scale_fill(double trace_sigma1, double grad_norm2, size_t N, int B, int without_replacement,
                           double lr, sgdl_noise_scale *ns) {
  memset(ns, 0, sizeof *ns);
  ns->trace_sigma1 = trace_sigma1;
  ns->grad_norm2 = grad_norm2;
  ns->batch = B;
  ns->lr = lr;
  const int without = without_replacement && N > 0;
  ns->cB = sgdl_minibatch_factor(N, B, without);
  ns->nsr = grad_norm2 > 0 ? ns->cB * trace_sigma1 / grad_norm2 : INFINITY;
  if (!(grad_norm2 > 0)) ns->b_star = INFINITY;
  else if (!without) ns->b_star = trace_sigma1 / grad_norm2;
  else /* (N - B) / (B (N - 1)) G = |grad L|^2  <=>  B = N G / (G + (N - 1) |grad L|^2) */
    ns->b_star = (double)N * trace_sigma1 / (trace_sigma1 + ((double)N - 1) * grad_norm2);
  ns->lr_star = lr * ns->b_star / B;
  ns->holds = ns->nsr >= 1;
}

int sgdl_problem_noise_scale(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, int B, int without_replacement,
                             double lr, sgdl_noise_scale *ns) {
  const int d = p->dim;
  const size_t N = p->n_data;
  if ((N && !p->type->grad_sample) || (!N && !p->type->noise_cols))
    return sgdl_fail(ctx, SGDL_ENOTSUP, "noise-to-signal ratio: --problem %s has no per-sample gradients or noise columns",
                     p->type->name);
  const size_t K = N ? 0 : (size_t)(p->n_noise > 0 ? p->n_noise : 1);
  double *g = sgdl_alloc(ctx, (size_t)d * (2 + K), sizeof(double));
  if (!g) return SGDL_ENOMEM;
  double *gi = g + d, G = 0, g2 = 0;
  p->type->grad(p, x, g);
  for (int k = 0; k < d; k++) g2 += g[k] * g[k];
  if (N) {
    for (size_t i = 0; i < N; i++) {
      p->type->grad_sample(p, x, i, gi);
      double s = 0;
      for (int k = 0; k < d; k++) s += (gi[k] - g[k]) * (gi[k] - g[k]);
      G += s / (double)N;
    }
  } else {
    p->type->noise_cols(p, x, gi); /* d x K */
    for (size_t k = 0; k < (size_t)d * K; k++) G += gi[k] * gi[k];
    G *= p->noise_weight;
  }
  sgdl_free(g);
  if (!isfinite(G) || !isfinite(g2))
    return sgdl_fail(ctx, SGDL_EDIVERGED, "noise-to-signal ratio: the gradients at the point are not finite "
                     "(tr Sigma_1 = %g, |grad L|^2 = %g)", G, g2);
  sgdl_noise_scale_fill(G, g2, N, B, without_replacement, lr, ns);
  return SGDL_OK;
}
