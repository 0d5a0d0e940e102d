/* sgdlab pde: the SME's Fokker-Planck equation and the backward Kolmogorov equation for exit
 * times on 1-D and 2-D tensor grids (SPEC section 4).
 *
 *   d rho / dt = div(rho grad L_alpha) + sum_ij d_ij (D_ij rho)          (forward)
 *   L tau = b . grad tau + D : Hess tau = -1,  tau = 0 on absorbing parts (backward)
 *
 * Discretisation: cell-centred finite volumes. The flux through a face, F = -D d rho/dn + (v - dD/dn) rho
 * (Ito form, v = b . n), is the Scharfetter-Gummel (exponentially fitted) flux
 *     F = (D_f / h) [ B(-P) rho_L - B(P) rho_R ],   P = (v - D') h / D_f,   B(z) = z / (e^z - 1),
 * exact for a constant-coefficient face and pure upwinding as D_f -> 0, so the assembled forward
 * matrix A (d rho / dt = A rho) has non-negative off-diagonals and zero column sums: implicit Euler
 * (I - dt A) rho^{n+1} = rho^n is an M-matrix solve that keeps rho >= 0 and conserves mass to
 * round-off (reflecting walls: no flux; absorbing walls: rho = 0 half a cell out). The discrete
 * generator is A^T (a continuous-time Markov chain on the cells), so the exit-time equation is
 * A^T tau = -1 and the discrete tau is itself a mean exit time (>= 0). The stationary density is
 * the kernel of A, by one direct solve with one row replaced by a normalisation.
 *
 * In 2-D the diffusion matrix must be diagonal (cross-diffusion has no sign-preserving 5-point
 * flux): correlated noise is refused with ENOTSUP. Linear solves: LAPACK tridiagonal (1-D) or
 * banded LU, or UMFPACK (SuiteSparse) when built with SGDL_HAVE_UMFPACK (2-D grids larger than
 * the banded solver's memory cap need it).
 * Ownership: *_create/assemble allocate, *_free free. Densities are cell averages (mass = sum rho * vol).
 */
#ifndef SGDLAB_PDE_H
#define SGDLAB_PDE_H

#include <stddef.h>

#include "sgdlab/core.h"
#include "sgdlab/exit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_grid {
  int dim;         /* 1 or 2 */
  int n[2];        /* cells per axis (n[1] = 1 in 1-D); cell (i, j) has index i + n[0] j */
  double lo[2], hi[2];
  double h[2];     /* cell widths */
  int bc[2][2];    /* [axis][0: low wall, 1: high wall]: SGDL_BC_ABSORB or SGDL_BC_REFLECT
                    * (SGDL_BC_NATURAL is accepted and treated as reflecting) */
} sgdl_grid;

/* Validate (dim 1|2, n >= 3, lo < hi) and fill. Errors name --grid / --box. */
int sgdl_grid_init(sgdl_ctx *ctx, sgdl_grid *g, int dim, const int *n, const double *lo,
                   const double *hi, const int bc[2][2]);
size_t sgdl_grid_cells(const sgdl_grid *g);
double sgdl_grid_volume(const sgdl_grid *g);          /* cell volume h0 (h0 h1 in 2-D) */
void sgdl_grid_center(const sgdl_grid *g, size_t c, double *x);
/* Index of the cell containing x, or -1 outside the box. */
long sgdl_grid_locate(const sgdl_grid *g, const double *x);
/* Value of a cell field at x by (bi)linear interpolation between cell centres; within half a cell
 * of a wall it interpolates to 0 at an absorbing wall and is flat at a reflecting one. */
double sgdl_grid_interp(const sgdl_grid *g, const double *f, const double *x);

/* The assembled forward operator d rho/dt = A rho (CSR, at most 5 entries a row, sorted). */
typedef struct sgdl_fp_op {
  sgdl_grid grid;
  size_t n, nnz;
  int *rowptr, *col;
  double *val;
  double max_peclet;   /* max |P| over interior faces: how strongly the flux upwinds */
  double min_diffusion, max_diffusion; /* over the cell centres (diagonal entries) */
  size_t argmin_potential; /* cell with the smallest L_alpha (where the stationary solve is pinned) */
} sgdl_fp_op;

/* Assemble A for the model on the grid. Errors: non-finite coefficients (naming the point),
 * correlated 2-D noise (ENOTSUP), problem dimension != grid dimension. */
int sgdl_fp_assemble(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_grid *g, sgdl_fp_op **out);
void sgdl_fp_op_free(sgdl_fp_op *op);

/* Which direct solver the build uses for matrices that are not tridiagonal. */
const char *sgdl_pde_sparse_backend(void);

/* Implicit Euler time stepping: factor (I - dt A) once, then each step is one solve. */
typedef struct sgdl_fp_evolver sgdl_fp_evolver;
int sgdl_fp_evolver_create(sgdl_ctx *ctx, const sgdl_fp_op *op, double dt, sgdl_fp_evolver **out);
/* rho <- (I - dt A)^{-1} rho, in place. */
int sgdl_fp_evolver_step(sgdl_ctx *ctx, sgdl_fp_evolver *ev, double *rho);
void sgdl_fp_evolver_free(sgdl_fp_evolver *ev);

/* Stationary density (A rho = 0, mass 1). Needs every wall reflecting (else EINVAL: "no
 * stationary density with an absorbing boundary"). */
int sgdl_fp_stationary(sgdl_ctx *ctx, const sgdl_fp_op *op, double *rho);

/* Mean exit time on the cells: A^T tau = -1 (needs at least one absorbing wall). */
int sgdl_fp_exit_time(sgdl_ctx *ctx, const sgdl_fp_op *op, double *tau);

/* Initial density: a Gaussian of standard deviation sd (per axis) centred at x0, cell-averaged by
 * the midpoint rule and normalised to mass 1. EINVAL if x0 is outside the box or sd < h/2. */
int sgdl_fp_gaussian(sgdl_ctx *ctx, const sgdl_grid *g, const double *x0, double sd, double *rho);

/* ---- diagnostics (SPEC section 4, items 1 and 3) ------------------------------------------ */

double sgdl_fp_mass(const sgdl_grid *g, const double *rho);
double sgdl_fp_min(const sgdl_grid *g, const double *rho);
/* Total-variation distance 1/2 int |rho - ref|. */
double sgdl_fp_tv(const sgdl_grid *g, const double *rho, const double *ref);
/* Relative entropy int rho log(rho / ref) (cells with rho = 0 contribute 0; inf where ref = 0 < rho). */
double sgdl_fp_relative_entropy(const sgdl_grid *g, const double *rho, const double *ref);
/* Mean -> mean[dim]; E|X - xstar|^2. */
void sgdl_fp_mean(const sgdl_grid *g, const double *rho, double *mean);
double sgdl_fp_second_moment(const sgdl_grid *g, const double *rho, const double *xstar);
/* E[|X - xstar|^2; |X - xstar| <= r] (the part of the second moment inside the ball). */
double sgdl_fp_second_moment_within(const sgdl_grid *g, const double *rho, const double *xstar, double r);
/* Mass within distance r of xstar. */
double sgdl_fp_mass_within(const sgdl_grid *g, const double *rho, const double *xstar, double r);

/* TV distance between the density (binned to nb[0] x nb[1] bins over the box; samples outside
 * the box form one more bin with density mass 1 - mass) and the histogram of M samples
 * (X[s*dim + i]). floor = the TV expected from sampling alone if the samples had exactly this
 * law, 1/2 sum sqrt(2 p (1 - p) / (pi M)); floor_sd its standard deviation (independent-bin
 * approximation). tv > floor + 4 floor_sd means the difference is resolved. */
int sgdl_fp_tv_samples(sgdl_ctx *ctx, const sgdl_grid *g, const double *rho, const double *X, long M,
                       const int *nb, double *tv, double *floor, double *floor_sd);

/* Drift-regime constants on the ball B_r(xstar) sampled on the grid's cell centres:
 * kappa = inf <-b(x), x - xstar> / |x - xstar|^2 (the SDE's drift, i.e. grad L_alpha), and
 * S = sup tr Sigma_B = sup tr D * 2 / alpha (without the extra diffusion). Both NaN only when the
 * scratch could not be allocated (out of memory), as are the radius and kappa_BE below. */
void sgdl_drift_constants(const sgdl_sme_model *m, const sgdl_grid *g, const double *xstar, double r,
                          double *kappa, double *S);
/* Largest r (on the grid) for which kappa(r) > 0, i.e. the convexity radius around xstar. */
double sgdl_drift_radius(const sgdl_sme_model *m, const sgdl_grid *g, const double *xstar);
/* The bound E|X_t - x*|^2 <= e^{-2 kappa t} m0 + alpha S / (2 kappa) (1 - e^{-2 kappa t}). */
double sgdl_drift_bound(double kappa, double alpha, double S, double m0, double t);
/* Bakry-Emery: kappa_BE = inf over the grid of the smallest eigenvalue of Hess L_alpha (finite
 * differences of the drift); *applies = 1 when D is constant and isotropic and kappa_BE > 0. */
double sgdl_bakry_emery_kappa(const sgdl_sme_model *m, const sgdl_grid *g, int *applies);

/* Automatic box: along each axis from xmin (the minimum) outwards until (L_alpha - L_alpha(xmin)) / D_aa
 * reaches `margin` (46 means a stationary weight below exp(-46)). lo, hi: d values. */
int sgdl_pde_auto_box(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *xmin, double margin,
                      double *lo, double *hi);

/* Grid resolution check for the noise: the cell width must be at most a third of the noise width
 * sqrt(D / L_alpha'') at the minimum xmin (per axis). EINVAL naming `flag` with the cell count needed. */
int sgdl_fp_check_resolution(sgdl_ctx *ctx, const sgdl_sme_model *m, const sgdl_grid *g,
                             const double *xmin, const char *flag);

#ifdef __cplusplus
}
#endif
#endif
