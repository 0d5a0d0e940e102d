/* The Fokker-Planck study (include/sgdlab/study_fpe.h): grid and box, the stationary density and
 * its moments, the implicit-Euler time loop with its timeline, snapshots and the Bakry-Emery and
 * drift-regime bounds, and the SGD ensemble's histogram at T.
 * Does not: parse, print or write (the CLI does), or discretise anything itself (pde layer). */
#include "sgdlab/study_fpe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/exit.h"
#include "sgdlab/study_estimate.h"
#include "study/progress_slice.h"

void sgdl_fpe_result_free(sgdl_fpe_result *res) {
  sgdl_free(res->stationary);
  sgdl_free(res->timeline);
  sgdl_free(res->snapshot_times);
  sgdl_free(res->snapshots);
  sgdl_free(res->density_T);
  memset(res, 0, sizeof *res);
}

/* The box (given, or automatic around the minimum and widened to hold x0), the grid on it, and
 * the defaults and checks that depend on the grid: init_sd, dt. */
static int setup_grid(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, sgdl_fpe_result *res, double *dt) {
  const int d = sp->prob->dim;
  double lo[2] = {0, 0}, hi[2] = {1, 1};
  int rc = SGDL_OK, widened = 0;
  res->have_xstar = sgdl_find_minimum(ctx, sp->prob, sp->x0, res->xstar) == SGDL_OK;
  if (sp->have_box) {
    memcpy(lo, sp->box_lo, sizeof lo);
    memcpy(hi, sp->box_hi, sizeof hi);
  } else {
    if (!res->have_xstar) rc = sgdl_fail(ctx, SGDL_EINVAL, "--box: no minimum found from --x0 to centre an automatic box; give --box");
    else rc = sgdl_pde_auto_box(ctx, m, res->xstar, 30.0, lo, hi);
    for (int a = 0; !rc && a < d; a++) { /* the box must also contain the start */
      widened |= sp->x0[a] - 0.5 < lo[a] || sp->x0[a] + 0.5 > hi[a];
      lo[a] = fmin(lo[a], sp->x0[a] - 0.5);
      hi[a] = fmax(hi[a], sp->x0[a] + 0.5);
    }
  }
  /* A box stretched to reach a far --x0 is what makes the grid coarse: name both flags then. */
  char label[160];
  if (widened)
    snprintf(label, sizeof label, "--x0 %g%s (far from the minimum: the automatic box grew to [%g, %g] to hold it) with --grid",
             sp->x0[0], d == 2 ? ",..." : "", lo[0], hi[0]);
  else snprintf(label, sizeof label, "--grid");
  const int refl[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  sgdl_grid *g = &res->grid;
  if (!rc) rc = sgdl_grid_init(ctx, g, d, sp->cells, lo, hi, refl);
  if (!rc && res->have_xstar && sgdl_grid_locate(g, res->xstar) >= 0) rc = sgdl_fp_check_resolution(ctx, m, g, res->xstar, label);
  if (!rc && sgdl_grid_locate(g, sp->x0) < 0)
    rc = sgdl_fail(ctx, SGDL_EINVAL, "--x0: start point outside the domain [%g, %g]%s", lo[0], hi[0], d == 2 ? " x ..." : "");
  if (rc) return rc;
  const double hmax = d == 2 ? fmax(g->h[0], g->h[1]) : g->h[0];
  res->init_sd = isnan(sp->init_sd) ? fmax(0.05, 2 * hmax) : sp->init_sd;
  *dt = isnan(sp->dt) ? sp->T / (d == 1 ? 1000 : 200) : sp->dt;
  if (!(*dt > 0 && *dt <= sp->T)) return sgdl_fail(ctx, SGDL_EUSAGE, "--dt: %g is not in (0, T]", *dt);
  if (sp->paths > 0 && !sp->stationary_only && llround(sp->T / sp->lr) < 1)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--T: %g is shorter than one SGD step (lr %g)", sp->T, sp->lr);
  res->solver = d == 1 ? "lapack-tridiagonal" : sgdl_pde_sparse_backend();
  return SGDL_OK;
}

/* TV distance of the stationary density to the Gibbs density exp(-L_alpha / eps) when D = eps I
 * is constant; NAN otherwise. */
static int gibbs_check(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  const size_t n = sgdl_grid_cells(g);
  double D[4], x[2], *work = sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double));
  if (!work) return SGDL_ENOMEM;
  sgdl_sme_diffusion(m, sp->x0, D, work);
  const int iso = sp->prob->noise_constant && (g->dim == 1 || (fabs(D[1]) < 1e-12 * D[0] && fabs(D[0] - D[3]) < 1e-12 * D[0]));
  res->tv_to_gibbs = NAN;
  if (iso && D[0] > 0) {
    double *gb = sgdl_alloc(ctx, n, sizeof(double)), s = 0, L0 = INFINITY;
    if (!gb) {
      sgdl_free(work);
      return SGDL_ENOMEM;
    }
    for (size_t c = 0; c < n; c++) {
      sgdl_grid_center(g, c, x);
      gb[c] = sgdl_sme_potential(m, x, work);
      L0 = fmin(L0, gb[c]);
    }
    for (size_t c = 0; c < n; c++) s += (gb[c] = exp(-(gb[c] - L0) / D[0]));
    for (size_t c = 0; c < n; c++) gb[c] /= s * sgdl_grid_volume(g);
    res->tv_to_gibbs = sgdl_fp_tv(g, res->stationary, gb);
    sgdl_free(gb);
  }
  sgdl_free(work);
  return SGDL_OK;
}

/* The index of the cell with the lowest loss among c and its neighbours (2 in 1-D, 8 in 2-D). */
static size_t steepest_neighbour(const sgdl_grid *g, const double *L, size_t c) {
  const int n0 = g->n[0], n1 = g->dim == 2 ? g->n[1] : 1, i = (int)(c % (size_t)n0), j = (int)(c / (size_t)n0);
  size_t best = c;
  for (int dj = -1; dj <= 1; dj++)
    for (int di = -1; di <= 1; di++) {
      int a = i + di, b = j + dj;
      if (a < 0 || a >= n0 || b < 0 || b >= n1) continue;
      size_t k = (size_t)a + (size_t)n0 * b;
      if (L[k] < L[best]) best = k;
    }
  return best;
}

/* Which merged basin the sink cell s belongs to (adding it when new); -1 past the cap; -3 when
 * memory ran out (the minimum search's failure is otherwise no error: the cell is its own basin). */
static int basin_of_sink(const sgdl_fpe_spec *sp, sgdl_fpe_result *res, size_t s) {
  const sgdl_grid *g = &res->grid;
  double x[2] = {0, 0}, xm[2] = {0, 0};
  sgdl_grid_center(g, s, x);
  sgdl_ctx quiet;
  sgdl_ctx_init(&quiet);
  const int frc = sgdl_find_minimum(&quiet, sp->prob, x, xm);
  if (frc == SGDL_ENOMEM) return -3;
  int inside = frc == SGDL_OK;
  for (int a = 0; a < g->dim; a++) inside = inside && xm[a] >= g->lo[a] && xm[a] <= g->hi[a];
  if (!inside) memcpy(xm, x, sizeof xm);
  for (int k = 0; k < res->n_basins; k++) {
    int same = 1;
    for (int a = 0; a < g->dim; a++) same = same && fabs(res->basin_min[k][a] - xm[a]) <= g->h[a];
    if (same) return k;
  }
  if (res->n_basins == SGDL_FPE_MAX_BASINS) {
    res->basins_truncated = 1;
    return -1;
  }
  memcpy(res->basin_min[res->n_basins], xm, sizeof xm);
  res->basin_mass[res->n_basins] = 0;
  return res->n_basins++;
}

/* Basin masses of the stationary density (see sgdl_fpe_result). */
static int basins_on_grid(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  const size_t n = sgdl_grid_cells(g);
  double *L = sgdl_alloc(ctx, n, sizeof *L), x[2];
  size_t *to = sgdl_alloc(ctx, n, sizeof *to);
  int *label = sgdl_alloc(ctx, n, sizeof *label);
  int rc = L && to && label ? SGDL_OK : SGDL_ENOMEM;
  for (size_t c = 0; c < n && !rc; c++) {
    sgdl_grid_center(g, c, x);
    L[c] = sp->prob->type->loss(sp->prob, x);
  }
  for (size_t c = 0; c < n && !rc; c++) to[c] = steepest_neighbour(g, L, c);
  for (size_t c = 0; c < n && !rc; c++) {
    label[c] = to[c] == c ? basin_of_sink(sp, res, c) : -2;
    if (label[c] == -3) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory finding the basins' minima");
  }
  const double vol = sgdl_grid_volume(g);
  for (size_t c = 0; c < n && !rc; c++) {
    size_t s = c;
    while (to[s] != s) s = to[s]; /* the loss falls strictly along the path: it ends at a sink */
    if (label[s] >= 0) res->basin_mass[label[s]] += res->stationary[c] * vol;
  }
  sgdl_free(L);
  sgdl_free(to);
  sgdl_free(label);
  return rc;
}

static int stationary_law(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, const sgdl_fp_op *op,
                          sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  const size_t n = sgdl_grid_cells(g);
  res->stationary = sgdl_alloc(ctx, n, sizeof(double));
  int rc = res->stationary ? sgdl_fp_stationary(ctx, op, res->stationary) : SGDL_ENOMEM;
  if (rc) return rc;
  const double *rinf = res->stationary, vol = sgdl_grid_volume(g);
  double x[2];
  sgdl_fp_mean(g, rinf, res->st_mean);
  memset(res->st_cov, 0, sizeof res->st_cov);
  for (size_t c = 0; c < n; c++) {
    sgdl_grid_center(g, c, x);
    for (int a = 0; a < g->dim; a++)
      for (int b = 0; b < g->dim; b++) res->st_cov[a * g->dim + b] += rinf[c] * vol * (x[a] - res->st_mean[a]) * (x[b] - res->st_mean[b]);
  }
  res->st_mass = sgdl_fp_mass(g, rinf);
  res->st_min = sgdl_fp_min(g, rinf);
  rc = basins_on_grid(ctx, sp, res);
  return rc ? rc : gibbs_check(ctx, sp, m, res);
}

/* Constants of the Bakry-Emery and drift-regime bounds; SGDL_ENOMEM (their only failure: pde.h
 * reports it as NaN) fails the run rather than leaving the bounds out. */
static int bound_constants(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  res->be_kappa = sgdl_bakry_emery_kappa(m, g, &res->be_applies);
  int oom = isnan(res->be_kappa);
  res->dr_kappa = res->dr_S = NAN;
  res->region_radius = sp->region_radius;
  if (res->have_xstar && !oom) {
    if (!(res->region_radius > 0)) res->region_radius = 0.5 * sgdl_drift_radius(m, g, res->xstar);
    oom = isnan(res->region_radius);
    if (res->region_radius > 0) {
      sgdl_drift_constants(m, g, res->xstar, res->region_radius, &res->dr_kappa, &res->dr_S);
      oom = isnan(res->dr_kappa);
    }
  }
  res->dr_applies = res->have_xstar && res->dr_kappa > 0;
  return oom ? sgdl_fail(ctx, SGDL_ENOMEM, "out of memory computing the convergence bounds' constants") : SGDL_OK;
}

static void timeline_record(const sgdl_fpe_result *res, const sgdl_sme_model *m, const double *rho, double t, double m0, double *row) {
  const sgdl_grid *g = &res->grid;
  const double *rinf = res->stationary, rad = res->region_radius;
  row[SGDL_FPE_T] = t;
  row[SGDL_FPE_MASS] = sgdl_fp_mass(g, rho);
  row[SGDL_FPE_MIN_DENSITY] = sgdl_fp_min(g, rho);
  row[SGDL_FPE_TV] = sgdl_fp_tv(g, rho, rinf);
  row[SGDL_FPE_ENTROPY] = sgdl_fp_relative_entropy(g, rho, rinf);
  row[SGDL_FPE_BE_BOUND] = res->be_applies ? exp(-2 * res->be_kappa * t) * res->be_H0 : NAN;
  row[SGDL_FPE_M2] = res->have_xstar ? sgdl_fp_second_moment(g, rho, res->xstar) : NAN;
  row[SGDL_FPE_DRIFT_BOUND] = res->dr_applies ? sgdl_drift_bound(res->dr_kappa, m->lr, res->dr_S, m0, t) : NAN;
  row[SGDL_FPE_MASS_IN_REGION] = res->have_xstar && rad > 0 ? sgdl_fp_mass_within(g, rho, res->xstar, rad) : NAN;
  row[SGDL_FPE_M2_IN_REGION] = res->have_xstar && rad > 0 ? sgdl_fp_second_moment_within(g, rho, res->xstar, rad) : NAN;
}

/* Round-off scale of the conservation: eps x T x max |A_cc| (the solves' backward error). */
static double roundoff_scale(const sgdl_fp_op *op, double T) {
  double amax = 0;
  for (size_t c = 0; c < op->n; c++)
    for (int q = op->rowptr[c]; q < op->rowptr[c + 1]; q++)
      if ((size_t)op->col[q] == c) amax = fmax(amax, fabs(op->val[q]));
  return 2.2e-16 * T * amax;
}

/* The time loop: density snapshots, and at most 201 timeline records, each reported as progress. */
static int evolve(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, const sgdl_fp_op *op, double dt, sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  const size_t n = sgdl_grid_cells(g);
  const long nsteps = (long)ceil(sp->T / dt - 1e-9);
  const int nsnap = sp->snapshots, nout = nsteps < 200 ? (int)nsteps : 200;
  res->evolved = 1;
  res->T = sp->T;
  res->steps = nsteps;
  res->dt = dt = sp->T / nsteps;
  double *rho = res->density_T = sgdl_alloc(ctx, n, sizeof(double));
  res->snapshots = sgdl_alloc(ctx, n * (size_t)(nsnap + 1), sizeof(double));
  res->snapshot_times = sgdl_alloc(ctx, (size_t)nsnap + 1, sizeof(double));
  res->timeline = sgdl_alloc(ctx, (size_t)(nout + 1) * SGDL_FPE_COLUMNS, sizeof(double));
  if (!rho || !res->snapshots || !res->snapshot_times || !res->timeline) return SGDL_ENOMEM;
  int rc = sgdl_fp_gaussian(ctx, g, sp->x0, res->init_sd, rho);
  sgdl_fp_evolver *ev = NULL;
  if (!rc) rc = sgdl_fp_evolver_create(ctx, op, dt, &ev);
  if (!rc) rc = bound_constants(ctx, sp, m, res);
  res->be_H0 = rc ? NAN : sgdl_fp_relative_entropy(g, rho, res->stationary);
  const double m0 = res->have_xstar && !rc ? sgdl_fp_second_moment(g, rho, res->xstar) : NAN;
  const double mass0 = rc ? NAN : sgdl_fp_mass(g, rho);
  double mass_err = 0, min_all = INFINITY;
  if (!rc) memcpy(res->snapshots, rho, n * sizeof(double));
  res->snapshot_times[0] = 0.0;
  int snap = 1;
  for (long k = 0; k <= nsteps && !rc && !sgdl_interrupt_requested(); k++) {
    if (k > 0) {
      rc = sgdl_fp_evolver_step(ctx, ev, rho);
      if (rc) break;
      mass_err = fmax(mass_err, fabs(sgdl_fp_mass(g, rho) - mass0));
      min_all = fmin(min_all, sgdl_fp_min(g, rho));
    }
    const int record = k == 0 || k == nsteps || (k * nout) / nsteps != ((k - 1) * nout) / nsteps;
    if (snap <= nsnap && k > 0 && k >= (long)((double)snap * nsteps / nsnap)) {
      memcpy(res->snapshots + n * (size_t)snap, rho, n * sizeof(double));
      res->snapshot_times[snap] = (double)(long)((double)snap * nsteps / nsnap) * dt;
      snap++;
    }
    if (!record) continue;
    timeline_record(res, m, rho, k * dt, m0, res->timeline + (size_t)res->n_records++ * SGDL_FPE_COLUMNS);
    sgdl_progress(ctx, (double)k / nsteps);
  }
  sgdl_fp_evolver_free(ev);
  if (!rc && sgdl_interrupt_requested()) rc = sgdl_fail(ctx, SGDL_EINTERRUPTED, "fpe: interrupted");
  res->n_snapshots = snap;
  res->mass_max_error = mass_err;
  res->mass_roundoff_scale = roundoff_scale(op, sp->T);
  res->min_density_all = min_all;
  return rc;
}

/* An SGD ensemble run to round(T / lr) steps, binned against the density at T. */
static int sgd_histogram(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, const sgdl_sme_model *m, sgdl_fpe_result *res) {
  const sgdl_grid *g = &res->grid;
  const long paths = sp->paths;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = m->lr;
  par.batch = sp->batch;
  par.without_replacement = sp->without_replacement;
  const uint64_t K = (uint64_t)llround(sp->T / m->lr);
  double *X = sgdl_alloc(ctx, (size_t)paths * (size_t)g->dim, sizeof(double));
  sgdl_first_exit fe;
  const sgdl_exit_region none = {0, -INFINITY, INFINITY, 0, SGDL_EXIT_WATCH_COORD, 0, NULL};
  int rc = X ? sgdl_first_exit_mc(ctx, "sgd", sp->prob, &par, sp->seed, 1, sp->x0, &none, paths, K, &fe, NULL, X) : SGDL_ENOMEM;
  if (!rc) {
    int nb[2] = {1, 1};
    const double per = g->dim == 1 ? 2 * cbrt((double)paths) : pow((double)paths, 0.25);
    for (int a = 0; a < g->dim; a++) nb[a] = (int)fmax(g->dim == 1 ? 10 : 5, fmin(per, g->n[a]));
    rc = sgdl_fp_tv_samples(ctx, g, res->density_T, X, paths, nb, &res->hist_tv, &res->hist_floor, &res->hist_floor_sd);
    if (!rc) {
      res->have_histogram = 1;
      res->hist_paths = paths;
      res->hist_steps = K;
      res->hist_time = K * m->lr;
      memcpy(res->bins, nb, sizeof nb);
      res->resolved = res->hist_tv > res->hist_floor + 4 * res->hist_floor_sd;
    }
  }
  sgdl_free(X);
  return rc;
}

static int check_spec(sgdl_ctx *ctx, const sgdl_fpe_spec *sp) {
  const int d = sp->prob ? sp->prob->dim : 0;
  if (d < 1 || d > 2)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem %s has d = %d: the Fokker-Planck solver needs d = 1 or 2",
                     sp->prob ? sp->prob->type->name : "(none)", d);
  if (!(sp->T > 0)) return sgdl_fail(ctx, SGDL_EUSAGE, "--T: %g is not a positive time", sp->T);
  if (sp->batch < 1 || (sp->prob->n_data && (size_t)sp->batch > sp->prob->n_data))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is not a valid batch size", sp->batch);
  if (sp->paths < 0 || (sp->paths > 0 && sp->paths < 2)) return sgdl_fail(ctx, SGDL_EUSAGE, "--paths: need at least 2 (or 0 to skip)");
  if (sp->snapshots < 1 || sp->snapshots > 50) return sgdl_fail(ctx, SGDL_EUSAGE, "--snapshots: %d is outside 1 .. 50", sp->snapshots);
  sgdl_estimate est; /* refuse what cannot fit in memory or finish (study_estimate.h) */
  sgdl_estimate_fpe(sp, &est);
  return sgdl_estimate_check(ctx, &est);
}

int sgdl_fpe_study_run(sgdl_ctx *ctx, const sgdl_fpe_spec *sp, sgdl_fpe_result *res) {
  memset(res, 0, sizeof *res);
  sgdl_sme_model m;
  sgdl_fp_op *op = NULL;
  double dt = 0;
  int rc = check_spec(ctx, sp);
  const char *model = sp->model ? sp->model : "sme1";
  if (!rc) rc = sgdl_sme_model_init_name(ctx, &m, sp->prob, model, sp->lr,
                                         sgdl_minibatch_factor(sp->prob->n_data, sp->batch, sp->without_replacement), sp->noisy);
  if (!rc && !sgdl_sme_model_diffuses(&m))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--model %s: without diffusion the density is only transported, never spreads, and its "
                   "stationary law is a point mass the grid cannot resolve; give --noisy > 0, or use sme1, sme2, smf1 or smf2", model);
  if (!rc) rc = setup_grid(ctx, sp, &m, res, &dt);
  if (!rc) rc = sgdl_fp_assemble(ctx, &m, &res->grid, &op);
  if (!rc) rc = stationary_law(ctx, sp, &m, op, res);
  if (!rc && !sp->stationary_only) {
    /* one progress bar: the time loop, then the ensemble */
    const double span = sp->paths > 0 ? 0.5 : 1.0;
    sgdl_progress_slice slice;
    sgdl_progress_slice_begin(ctx, &slice, 0, span);
    rc = evolve(ctx, sp, &m, op, dt, res);
    sgdl_progress_slice_end(ctx, &slice);
    if (!rc && sp->paths > 0) {
      sgdl_progress_slice_begin(ctx, &slice, span, 1 - span);
      rc = sgd_histogram(ctx, sp, &m, res);
      sgdl_progress_slice_end(ctx, &slice);
    }
  }
  sgdl_fp_op_free(op);
  if (rc) sgdl_fpe_result_free(res);
  return rc;
}
