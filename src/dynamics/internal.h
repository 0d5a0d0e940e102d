/* Internal to the dynamics layer: the stepper types and the lane helpers they share.
 * Not installed; users see include/sgdlab/stepper.h only. */
#ifndef SGDL_DYNAMICS_INTERNAL_H
#define SGDL_DYNAMICS_INTERNAL_H

#include "sgdlab/rng.h"
#include "sgdlab/stepper.h"

/* The stepper types, one per line of steppers.def. */
#define SGDL_STEPPER(id) extern const sgdl_stepper_type sgdl_stepper_##id;
#include "dynamics/steppers.def"
#undef SGDL_STEPPER

/* Copy lane l of a [d][W] block into v[d], and back. */
static inline void lane_get(int d, int W, const double *X, int l, double *v) {
  for (int i = 0; i < d; i++) v[i] = X[(size_t)i * W + l];
}
static inline void lane_put(int d, int W, double *X, int l, const double *v) {
  for (int i = 0; i < d; i++) X[(size_t)i * W + l] = v[i];
}

/* The antithetic mirror of a lane block's draws (sgdl_mirror, antithetic.c): n values of normals or
 * two-/three-point increments negated, n sample indices mapped; nothing on plain lanes. */
static inline void lanes_mirror_normals(const sgdl_lanes *L, double *z, size_t n) {
  if (L->mirror)
    for (size_t i = 0; i < n; i++) z[i] = -z[i];
}
static inline void lanes_mirror_indices(const sgdl_lanes *L, uint32_t *idx, size_t n) {
  const sgdl_mirror *m = L->mirror;
  if (m && m->index)
    for (size_t i = 0; i < n; i++) idx[i] = m->index[idx[i]];
  else if (m)
    for (size_t i = 0; i < n; i++) idx[i] = m->n - 1 - idx[i];
}

/* Common random numbers of a discrete stepper coupled to a model (set by sgdl_stepper_create_pair
 * through sgdl_discrete_couple; private to this layer). With substeps = m > 0, the step's Gaussian
 * draw is the normalised sum of the m substep normals that the model stepper with stream `stream`
 * uses over the same step, so the SGD path and the model path share their noise (the law of each
 * is unchanged). smf selects the model's noise map: 1 = flow (sqrt(w) G, shared by particles),
 * 0 = SME (Sigma_1^{1/2}, one stream per particle); factor is that map (d x cols, additive noise).
 * Finite data sets (flows only, B = 1 or sampling without replacement, N <= 1024): the step's
 * minibatch is the B largest entries of S = sum_j Z_j, the sum of the flow's N-dimensional
 * substep normals. S is exchangeable, so this is a uniform B-subset (for B = 1 a uniform index),
 * independent across steps: SGD's law is unchanged, and its noise G_J points where the flow's
 * noise sum_j S_j G_j / sqrt(N m) is largest; factor is NULL there. */
typedef struct sgdl_coupling {
  int substeps;
  uint32_t stream;
  int smf;
  int shared_sums;      /* finite data: S is the flow's, in the pair's scratch (sgdl_pair_sums); 0: drawn again */
  const double *factor; /* owned by the discrete stepper */
  int cols;
} sgdl_coupling;

/* Shared sums on a finite data set (pair.c): the pair steps the flow first, and the flow stepper
 * keeps S = sum_j Z_j of the normals it draws (unmirrored) in the pair's scratch, just past the
 * SGD half's own: sgdl_pair_sums(sgd, L) = L->work + sgd->work_per_lane * SGDL_LANES, [N][W]. The
 * coupled SGD step (its coupling's shared_sums set) then ranks that S instead of drawing the N m
 * normals again: the same numbers summed in the same order, so the paths are bitwise those of the
 * regenerating form.
 * The form is chosen per pair at creation, and fixed for its life (no process-wide state: pairs
 * of either form may be planned and stepped concurrently):
 *   SGDL_PAIR_SUMS_SHARED       the flow first, S shared (sgdl_stepper_create_pair always);
 *   SGDL_PAIR_SUMS_REGENERATED  SGD first, drawing the normals again, then the flow: the reference,
 *                               for the tests of the shared form (test_pair_share.c). Same scratch
 *                               size and the same numbers.
 * sgdl_stepper_create_pair_sums: sgdl_stepper_create_pair with the form `sums` (errors as there;
 * SGDL_EINVAL for another value). Where nothing is shared (no data set, no flow, gf or an
 * uncoupled algo) both forms are the same stepper.
 * sgdl_pair_shares_sums(pair): 1 when that pair steps the flow first and its SGD half ranks the
 * shared S; 0 for the reference form, a pair that shares nothing, or a stepper that is no pair. */
enum { SGDL_PAIR_SUMS_SHARED = 0, SGDL_PAIR_SUMS_REGENERATED = 1 };
int sgdl_stepper_create_pair_sums(sgdl_ctx *ctx, const char *algo, const char *model, const sgdl_problem *prob,
                                  const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P, int sums,
                                  sgdl_stepper **out);
int sgdl_pair_shares_sums(const sgdl_stepper *pair);
static inline double *sgdl_pair_sums(const sgdl_stepper *sgd, const sgdl_lanes *L) {
  return L->work + (size_t)sgd->work_per_lane * SGDL_LANES;
}

/* Couple the discrete stepper s (already created) to a model with the given substeps, stream and
 * noise kind: validates the problem (errors name --coupling) and precomputes the noise map.
 * shared_sums: on a data set, S comes from the pair's scratch (the pair steps the flow first). */
int sgdl_discrete_couple(sgdl_ctx *ctx, sgdl_stepper *s, int substeps, uint32_t stream, int smf, int shared_sums);

/* Minibatch gradient estimate at the P points Y ([P][d][W]) for one step, the same draw for
 * every particle of a replica ("shared samples"): finite data -> B indices per lane; additive
 * noise -> K normals per lane scaled by 1/sqrt(B). With a coupling cp (NULL: none) the draw is
 * the model's (sgdl_coupling). Writes Gout [P][d][W]. work holds sgdl_sgrad_work() doubles
 * (sized for SGDL_LANES lanes). */
void sgdl_stochastic_grad(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L, const double *Y,
                          double *Gout, double *work);
long sgdl_sgrad_work(const sgdl_problem *p, int batch);
/* The same draw machinery with an explicit counter: `step` is the Philox step word and `draw` the
 * particle field of the purpose SGDL_PURPOSE(INDEX or NORMAL, s->stream, draw). SGD's draw is
 * (L->k, 0); SVAG's two minibatches of small step c = k l + j are (c, 1) and (c, 2). */
void sgdl_stochastic_grad_draw(const sgdl_stepper *s, const sgdl_coupling *cp, const sgdl_lanes *L, const double *Y,
                               uint64_t step, int draw, double *Gout, double *work);

/* Plain SGD's step x <- x - h g on a finite data set through the problem's fused sgd_step_lanes:
 * sgdl_sgd_step_fusable says whether it applies (finite data, the member present, h > 0 and
 * finite); sgdl_sgd_step_draw then draws the minibatches of (step, draw, cp) exactly as
 * sgdl_stochastic_grad_draw does and steps every particle block of L->x, bitwise
 *   sgdl_stochastic_grad_draw(s, cp, L, L->x, step, draw, G, work); x -= h * G.
 * work: sgdl_sgrad_work() doubles. */
int sgdl_sgd_step_fusable(const sgdl_stepper *s, double h);
void sgdl_sgd_step_draw(const sgdl_stepper *s, const sgdl_coupling *cp, sgdl_lanes *L, uint64_t step, int draw,
                        double h, double *work);

/* grad L_alpha at one point: g holds grad L (times any scale) on entry; on return
 * g + c Hess L(x) g, c = modc alpha (one hvp; hv: d doubles of scratch). The modified drift of
 * both the lane steppers and the SME coefficient object (sde_model.c). */
void sgdl_modified_grad_point(const sgdl_problem *p, double c, const double *x, double *g, double *hv);

/* Drift of the continuous models at the points of one particle block X [d][W]:
 * b = -(grad L + modified * alpha/2 Hess L grad L) -> Bout [d][W]. work: sgdl_model_work(). */
void sgdl_model_drift(const sgdl_stepper *s, int modified, int W, const double *X, double *Bout, double *work);
/* The same without the sign: grad L_alpha -> Gout [d][W]. */
void sgdl_model_grad(const sgdl_stepper *s, int modified, int W, const double *X, double *Gout, double *work);

/* Noise of the continuous models over one substep of size h for one particle block X [d][W]:
 * adds sqrt(alpha cB h) * (Sigma_1^{1/2} z  [sme]  |  sqrt(noise_weight) G z  [smf]) into Xout.
 * z are the normals for this substep: [d][W] (sme) or [K][W] (smf). */
void sgdl_model_noise(const sgdl_stepper *s, int smf, int W, const double *X, const double *z, double h,
                      double *Xout, double *work);
/* Noise into Xout (as sgdl_model_noise, when the model has noise) and grad L into G (as
 * sgdl_problem_grad_lanes: no time scale, no modification) at the same block X, bitwise those two
 * calls. When the noise takes the lane kernels (a finite data set's flow or N-column SME), both come
 * from one sgdl_problem_grad_and_sum_lanes: one pass over the samples with the type's fused
 * grad_and_sum_lanes (the N logistic coefficients once), and the flow's grad L is G (not computed
 * twice) where grad_lanes rounds as grad (exact, or absent). work: sgdl_model_work(). */
void sgdl_model_noise_grad(const sgdl_stepper *s, int smf, int W, const double *X, const double *z, double h,
                           double *Xout, double *G, double *work);
/* Noise into Xout and drift into Bout (as sgdl_model_drift) at the same block X, bitwise those two
 * calls: sgdl_model_noise_grad, then the drift's time scale and modification on that grad L.
 * work: sgdl_model_work(). */
void sgdl_model_noise_drift(const sgdl_stepper *s, int smf, int modified, int W, const double *X, const double *z,
                            double h, double *Xout, double *Bout, double *work);
/* One learning-rate step of a flow stepper (smf1, smf2: model_step) that also writes
 * S = sum_j z_j over its substep normals, unmirrored, into sums [nz][W] (z_0 + z_1 + ... in
 * substep order; sums NULL, or a model without flow noise: the plain step, sums untouched). For
 * the shared sums of a coupled pair (sgdl_pair_sums). */
void sgdl_model_step_sums(const sgdl_stepper *s, sgdl_lanes *L, double *sums);
/* Doubles of scratch for drift or noise on a block of SGDL_LANES lanes. */
int sgdl_model_work(const sgdl_problem *p);
/* The same knowing the noise path and the drift: per_lane_noise 0 when a finite data set's noise
 * goes through the lane kernels (noise_lanes) or there is none, so the per-point d^2 buffers of the
 * sqrt-sigma form are not reserved (a network has d ~ 10^4); modified 0 when the drift has no
 * Hessian product (gf, sme1, smf1, msme1, usme), so the curvature weights of a type with the
 * curvature pair (N per lane: 2 MB per block of lanes at N = 1024) are not reserved. The drift
 * calls below must then be given modified 0. sgdl_model_work(p) = sgdl_model_work_for(p, 1, 1). */
long sgdl_model_work_for(const sgdl_problem *p, int per_lane_noise, int modified);

/* The model noise stream: the nz normals per lane of substep c (c = k * substeps + j) for
 * particle stream `particle` are normals [(c % 2) nz, (c % 2) nz + nz) of the draw
 * sgdl_rng_normals(seed, replica0, W, c / 2, SGDL_PURPOSE(NORMAL, stream, particle), 2 nz),
 * so one Philox call serves two substeps even when nz = 1.
 * sgdl_model_normals: direct evaluation into out [nz][W] (scratch holds 2 nz W doubles).
 * sgdl_model_normals_cached: the stepper's version; on even c it draws both halves and keeps
 * the odd half in cache [nz][W] (lane state), on odd c it returns the cache; with par.increments
 * two- or three-point it draws sgdl_rng_two_point / _three_point in place of the normals. */
void sgdl_model_normals(uint32_t seed, uint32_t stream, int particle, const sgdl_lanes *L, uint64_t c, int nz,
                        double *out, double *scratch);
const double *sgdl_model_normals_cached(const sgdl_stepper *s, const sgdl_lanes *L, uint64_t c, int particle, int nz,
                                        double *cache, double *scratch);

#endif
