/* Internal to the dynamics layer: the stepper types and the lane helpers they share.
 * Not installed; users see include/sgdlab/stepper.h only. */
#ifndef SGDL_DYNAMICS_INTERNAL_H
#define SGDL_DYNAMICS_INTERNAL_H

#include "sgdlab/rng.h"
#include "sgdlab/stepper.h"

extern const sgdl_stepper_type sgdl_stepper_sgd, sgdl_stepper_hb, sgdl_stepper_nag, sgdl_stepper_adam,
    sgdl_stepper_newton, sgdl_stepper_ngd;
extern const sgdl_stepper_type sgdl_stepper_gf, sgdl_stepper_sme1, sgdl_stepper_sme2, sgdl_stepper_smf1,
    sgdl_stepper_smf2, sgdl_stepper_msme1, sgdl_stepper_msme2, sgdl_stepper_usme;

/* Copy lane l of a [d][W] block into v[d], and back. */
static inline void lane_get(int d, int W, const double *X, int l, double *v) {
  for (int i = 0; i < d; i++) v[i] = X[(size_t)i * W + l];
}
static inline void lane_put(int d, int W, double *X, int l, const double *v) {
  for (int i = 0; i < d; i++) X[(size_t)i * W + l] = v[i];
}

/* Minibatch gradient estimate at the P points Y ([P][d][W]) for one step, the same draw for
 * every particle of a replica ("shared samples"): finite data -> B indices per lane; additive
 * noise -> K normals per lane scaled by 1/sqrt(B). Writes Gout [P][d][W]. work holds
 * sgdl_sgrad_work() doubles (sized for SGDL_LANES lanes). */
void sgdl_stochastic_grad(const sgdl_stepper *s, const sgdl_lanes *L, const double *Y, double *Gout,
                          double *work);
int sgdl_sgrad_work(const sgdl_problem *p, int batch);
/* The coupled noise map of a discrete stepper (NULL when not coupled). */
void sgdl_coupled_factor(const sgdl_stepper *s, const double **F, int *cols);

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
/* Doubles of scratch for drift or noise on a block of SGDL_LANES lanes. */
int sgdl_model_work(const sgdl_problem *p);

/* The model noise stream: the nz normals per lane of substep c (c = k * substeps + j) for
 * particle stream `particle` are normals [(c % 2) nz, (c % 2) nz + nz) of the draw
 * sgdl_rng_normals(seed, replica0, W, c / 2, SGDL_PURPOSE(NORMAL, stream, particle), 2 nz),
 * so one Philox call serves two substeps even when nz = 1.
 * sgdl_model_normals: direct evaluation into out [nz][W] (scratch holds 2 nz W doubles).
 * sgdl_model_normals_cached: the stepper's version; on even c it draws both halves and keeps
 * the odd half in cache [nz][W] (lane state), on odd c it returns the cache. */
void sgdl_model_normals(uint32_t seed, uint32_t stream, int particle, const sgdl_lanes *L, uint64_t c, int nz,
                        double *out, double *scratch);
const double *sgdl_model_normals_cached(const sgdl_stepper *s, const sgdl_lanes *L, uint64_t c, int particle, int nz,
                                        double *cache, double *scratch);

#endif
