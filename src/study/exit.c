/* The exit-time study (include/sgdlab/study_exit.h): at each learning rate, the exit domain, then
 * Kramers, quadrature, the backward Kolmogorov PDE, the discrete chain and the Monte Carlo
 * first-exit runs, each into its row; warnings for censored Monte Carlo runs and for an exit
 * boundary at the saddle.
 * Does not: parse, print or write (the CLI does), or implement a method (exact, pde and ensemble
 * layers do). */
#include "sgdlab/study_exit.h"
#include "sgdlab/study_estimate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/pde.h"
#include "study/progress_slice.h"
#include "study/rounds_internal.h"

static const char *const method_names[SGDL_EXIT_N_METHODS] = {"quadrature", "pde",    "chain",  "kramers",
                                                              "mc-sgd",     "mc-sme1", "mc-sme2"};

const char *sgdl_exit_method_name(int method) {
  return method >= 0 && method < SGDL_EXIT_N_METHODS ? method_names[method] : NULL;
}

int sgdl_exit_method_find(const char *name) {
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++)
    if (!strcmp(name, method_names[k])) return k;
  return -1;
}

void sgdl_exit_result_free(sgdl_exit_result *res) {
  free(res->points);
  free(res->profile.x); /* one block holds x, time and steps */
  free(res->warnings);
  memset(res, 0, sizeof *res);
}

static int add_warning(sgdl_ctx *ctx, sgdl_exit_result *res, int always, const char *text) {
  sgdl_exit_warning *w = realloc(res->warnings, sizeof *w * (size_t)(res->n_warnings + 1));
  if (!w) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  res->warnings = w;
  w[res->n_warnings].always = always;
  snprintf(w[res->n_warnings].text, sizeof w->text, "%s", text);
  res->n_warnings++;
  return SGDL_OK;
}

/* One learning rate's run: the spec, the model at that rate, and where the answers go. */
typedef struct {
  sgdl_ctx *ctx;
  const sgdl_exit_spec *sp;
  sgdl_sme_model m;
  sgdl_exit_point *pt;
  sgdl_exit_result *res;
  sgdl_progress_slice *mc_slice; /* the Monte Carlo runs' share of the progress bar */
  int *mc_done, mc_total;
  double cB;                     /* minibatch factor of the spec's batch and sampling */
  ckpt_store *ck;                /* the checkpoint (path NULL: none) */
  int point;                     /* index of the learning rate */
} exit_run;

static void set_det(sgdl_exit_row *w, double time, double err, double lr) {
  w->available = 1;
  w->time = time;
  w->steps = time / lr;
  w->err_time = err;
}

/* 1-D: the interval (one-sided from the exit target, or --interval); 2-D: a non-empty domain. */
static int exit_domain(exit_run *r) {
  const sgdl_exit_spec *sp = r->sp;
  sgdl_interval *iv = &r->pt->domain;
  if (sp->prob->dim == 2) {
    if (sp->x0[sp->coord] == sp->to)
      return sgdl_fail(r->ctx, SGDL_EINVAL, "--from / --to: empty domain, the start is on the exit boundary x%d = %g", sp->coord + 1,
                       sp->to);
    return SGDL_OK;
  }
  if (!sp->two_sided) return sgdl_exit_interval_1d(r->ctx, &r->m, sp->x0[0], sp->to, iv);
  iv->lo = sp->interval_lo;
  iv->hi = sp->interval_hi;
  iv->bc_lo = iv->bc_hi = SGDL_BC_ABSORB;
  if (!(sp->interval_lo < sp->interval_hi))
    return sgdl_fail(r->ctx, SGDL_EUSAGE, "--interval %g:%g: empty interval", sp->interval_lo, sp->interval_hi);
  if (!(sp->x0[0] > sp->interval_lo && sp->x0[0] < sp->interval_hi))
    return sgdl_fail(r->ctx, SGDL_EINVAL, "--from %g: start point outside the domain (%g, %g)", sp->x0[0], sp->interval_lo,
                     sp->interval_hi);
  return SGDL_OK;
}

/* Kramers fails the run only when memory ran out: no saddle or non-isotropic noise is a note. */
static int run_kramers(exit_run *r) {
  const sgdl_exit_spec *sp = r->sp;
  sgdl_exit_row *w = &r->pt->rows[SGDL_EXIT_KRAMERS];
  const int want = sp->want[SGDL_EXIT_KRAMERS];
  r->pt->kramers_found = 0;
  if (sp->two_sided) {
    if (want) snprintf(w->note, sizeof w->note, "n/a: two-sided --interval has no single saddle");
    return SGDL_OK;
  }
  sgdl_kramers kr;
  sgdl_ctx kctx;
  sgdl_ctx_init(&kctx);
  const int krc = sgdl_kramers_solve(&kctx, &r->m, sp->x0, sp->coord, sp->to, &kr);
  if (krc == SGDL_ENOMEM) return sgdl_fail(r->ctx, krc, "%s", kctx.msg); /* not a property of the problem */
  if (krc) {
    if (want) snprintf(w->note, sizeof w->note, "n/a: %.200s", kctx.msg);
    return SGDL_OK;
  }
  r->pt->kramers_found = 1;
  r->pt->kramers_offset = kr.boundary_offset;
  if (!want) return SGDL_OK;
  set_det(w, kr.t_boundary, NAN, r->pt->lr);
  snprintf(w->note, sizeof w->note, "asymptotic (eps -> 0): transition %.6g x Phi(offset %.2f noise widths); barrier %.4g, eps %.4g",
           kr.t_transition, kr.boundary_offset, kr.barrier, kr.eps);
  return SGDL_OK;
}

static int run_quadrature(exit_run *r) {
  sgdl_exit_row *w = &r->pt->rows[SGDL_EXIT_QUADRATURE];
  sgdl_met q;
  int rc = sgdl_met_quadrature(r->ctx, &r->m, &r->pt->domain, r->sp->x0[0], 0, &q);
  if (rc) return rc;
  set_det(w, q.tau, q.err, r->pt->lr);
  if (!isfinite(q.tau)) snprintf(w->note, sizeof w->note, "log(tau) = %.6g (beyond double range)", q.log_tau);
  return SGDL_OK;
}

/* The grid methods' domain: 1-D the interval, 2-D a box clipped at --to on the exit axis. */
static int pde_grid(exit_run *r, sgdl_grid *g) {
  sgdl_ctx *ctx = r->ctx;
  const sgdl_exit_spec *sp = r->sp;
  const int d = sp->prob->dim;
  int bc[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_REFLECT}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  double lo[2], hi[2];
  int rc;
  if (d == 1) {
    lo[0] = r->pt->domain.lo;
    hi[0] = r->pt->domain.hi;
    bc[0][0] = r->pt->domain.bc_lo;
    bc[0][1] = r->pt->domain.bc_hi;
  } else {
    double xmin[2];
    if (sp->have_box) {
      memcpy(lo, sp->box_lo, sizeof lo);
      memcpy(hi, sp->box_hi, sizeof hi);
    } else {
      rc = sgdl_find_minimum(ctx, sp->prob, sp->x0, xmin);
      if (!rc) rc = sgdl_pde_auto_box(ctx, &r->m, xmin, 30.0, lo, hi);
      if (rc) return rc;
    }
    const int c = sp->coord;
    if (!(sp->to > lo[c] && sp->to < hi[c]) && sp->have_box)
      return sgdl_fail(ctx, SGDL_EINVAL, "--to %g: unreachable, outside the box [%g, %g] on axis %d", sp->to, lo[c], hi[c], c + 1);
    if (sp->x0[c] < sp->to) {
      hi[c] = sp->to;
      bc[c][1] = SGDL_BC_ABSORB;
    } else {
      lo[c] = sp->to;
      bc[c][0] = SGDL_BC_ABSORB;
    }
    for (int a = 0; a < 2; a++)
      if (!(sp->x0[a] > lo[a] && sp->x0[a] < hi[a]))
        return sgdl_fail(ctx, SGDL_EINVAL, "--from: start point (%g, %g) is outside the domain [%g, %g] x [%g, %g]", sp->x0[0],
                         sp->x0[1], lo[0], hi[0], lo[1], hi[1]);
  }
  rc = sgdl_grid_init(ctx, g, d, sp->grid, lo, hi, (const int(*)[2])bc);
  if (rc) return rc;
  double xmin[2];
  if (!sgdl_find_minimum(ctx, sp->prob, sp->x0, xmin) && sgdl_grid_locate(g, xmin) >= 0)
    rc = sgdl_fp_check_resolution(ctx, &r->m, g, xmin, "--grid");
  return rc;
}

/* 1-D: keep tau over the cells for the profile plot (the last learning rate's wins). */
static int keep_profile(exit_run *r, const sgdl_grid *g, const double *tau) {
  sgdl_exit_result *res = r->res;
  const int n = g->n[0];
  const double h = (g->hi[0] - g->lo[0]) / n, lr = r->pt->lr;
  free(res->profile.x);
  res->profile.n = 0;
  res->profile.x = malloc(sizeof(double) * 3 * (size_t)n);
  if (!res->profile.x) return sgdl_fail(r->ctx, SGDL_ENOMEM, "out of memory");
  res->profile.time = res->profile.x + n;
  res->profile.steps = res->profile.x + 2 * (size_t)n;
  for (int i = 0; i < n; i++) {
    res->profile.x[i] = g->lo[0] + (i + 0.5) * h;
    res->profile.time[i] = tau[i];
    res->profile.steps[i] = tau[i] / lr;
  }
  res->profile.n = n;
  return SGDL_OK;
}

static int run_pde(exit_run *r) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_exit_row *w = &r->pt->rows[SGDL_EXIT_PDE];
  sgdl_grid g;
  int rc = pde_grid(r, &g);
  sgdl_fp_op *op = NULL;
  if (!rc) rc = sgdl_fp_assemble(ctx, &r->m, &g, &op);
  double *tau = NULL;
  if (!rc) {
    tau = sgdl_alloc(ctx, sgdl_grid_cells(&g), sizeof(double));
    rc = tau ? sgdl_fp_exit_time(ctx, op, tau) : SGDL_ENOMEM;
  }
  if (!rc) {
    set_det(w, sgdl_grid_interp(&g, tau, r->sp->x0), NAN, r->pt->lr);
    if (g.dim == 2)
      snprintf(w->note, sizeof w->note, "grid %dx%d cells, h = %.3g x %.3g, SG flux, %s", g.n[0], g.n[1], g.h[0], g.h[1],
               sgdl_pde_sparse_backend());
    else
      snprintf(w->note, sizeof w->note, "grid %d cells, h = %.3g, SG flux, tridiagonal", g.n[0], g.h[0]);
    if (g.dim == 1) rc = keep_profile(r, &g, tau);
  }
  sgdl_free(tau);
  sgdl_fp_op_free(op);
  return rc;
}

/* The chain is n/a (a note) for reflecting ends and non-additive noise; other errors fail. */
static int run_chain(exit_run *r) {
  const sgdl_exit_spec *sp = r->sp;
  sgdl_exit_row *w = &r->pt->rows[SGDL_EXIT_CHAIN];
  sgdl_chain_met ch;
  sgdl_ctx cctx;
  sgdl_ctx_init(&cctx);
  int crc = sgdl_met_chain(&cctx, sp->prob, r->pt->lr, r->cB, &r->pt->domain, sp->x0[0], 0, &ch);
  if (!crc) {
    w->available = 1;
    w->steps = ch.steps;
    w->time = ch.steps * r->pt->lr;
    w->err_time = ch.err * r->pt->lr;
    snprintf(w->note, sizeof w->note, "Nystrom, %d nodes, step sd alpha sigma = %.3g", ch.nodes, ch.step_sd_min);
    return SGDL_OK;
  }
  if (crc == SGDL_ENOTSUP) { /* reflecting ends, non-additive noise: a note, not a failure */
    snprintf(w->note, sizeof w->note, "n/a: %.200s", cctx.msg);
    return SGDL_OK;
  }
  return sgdl_fail(r->ctx, crc, "%s", cctx.msg);
}

static double first_deterministic_steps(const sgdl_exit_point *pt) {
  for (int m = 0; m < SGDL_EXIT_N_METHODS; m++)
    if (pt->rows[m].available && !pt->rows[m].is_mc) return pt->rows[m].steps;
  return NAN;
}

/* Monte Carlo first exit of method k (mc-sgd, mc-sme1 or mc-sme2) at this learning rate. */
static int run_mc(exit_run *r, int k) {
  sgdl_ctx *ctx = r->ctx;
  const sgdl_exit_spec *sp = r->sp;
  const double lr = r->pt->lr, est = first_deterministic_steps(r->pt);
  const char *stepper = method_names[k] + 3; /* "mc-<stepper name>" */
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = sp->batch;
  par.without_replacement = sp->without_replacement;
  par.substeps = k == SGDL_EXIT_MC_SGD ? 1 : sp->substeps;
  const int hood = sp->watch != SGDL_EXIT_WATCH_COORD;
  const double *x0 = hood && sp->start ? sp->start : sp->x0;
  sgdl_exit_region reg = {sp->coord, -INFINITY, INFINITY, k != SGDL_EXIT_MC_SGD && sp->bridge, sp->watch,
                          sp->watch == SGDL_EXIT_WATCH_DIST2 ? sp->radius * sp->radius : sp->loss_level, x0};
  if (hood) {
    /* the neighbourhood is the region */
  } else if (sp->prob->dim == 1) {
    if (r->pt->domain.bc_lo == SGDL_BC_ABSORB) reg.lo = r->pt->domain.lo;
    if (r->pt->domain.bc_hi == SGDL_BC_ABSORB) reg.hi = r->pt->domain.hi;
  } else if (sp->x0[sp->coord] < sp->to) {
    reg.hi = sp->to;
  } else {
    reg.lo = sp->to;
  }
  const uint64_t maxs = sp->max_steps > 0 ? (uint64_t)sp->max_steps
                       : hood              ? (uint64_t)SGDL_EXIT_HOOD_MAX_STEPS
                                           : (uint64_t)(isfinite(est) ? fmax(1e5, fmin(1e9, 100 * est)) : 1e8);
  sgdl_first_exit fe;
  sgdl_progress_slice_begin(ctx, r->mc_slice, (double)*r->mc_done / r->mc_total, 1.0 / r->mc_total);
  ckpt_chunk_store chunks; /* run number: learning rate and method */
  ckpt_chunk_store_init(&chunks, r->ck, (uint32_t)(r->point * SGDL_EXIT_N_METHODS + k));
  int rc = sgdl_first_exit_mc_stored(ctx, stepper, sp->prob, &par, sp->seed, (uint32_t)(10 + k), x0, &reg, sp->paths, maxs, &fe,
                                     NULL, NULL, r->ck->path ? &chunks.store : NULL);
  r->res->resumed += chunks.store.loaded;
  sgdl_progress_slice_end(ctx, r->mc_slice);
  ++*r->mc_done;
  if (rc) return rc;
  sgdl_exit_row *w = &r->pt->rows[k];
  w->available = 1;
  w->is_mc = 1;
  w->time = fe.mean_time;
  w->steps = fe.mean_steps;
  w->se_time = fe.se_time;
  w->err_time = NAN;
  memcpy(w->ci_time, fe.ci95_time, sizeof w->ci_time);
  memcpy(w->ci_steps, fe.ci95_steps, sizeof w->ci_steps);
  w->censored = fe.censored;
  snprintf(w->note, sizeof w->note, "%ld paths%s%s", sp->paths,
           k == SGDL_EXIT_MC_SGD ? "" : (sp->bridge && !hood ? ", per-step monitoring + Brownian bridge" : ", per-step monitoring"),
           fe.censored ? ", CENSORED paths: mean is a lower bound" : "");
  if (!fe.censored) return SGDL_OK;
  char text[200];
  snprintf(text, sizeof text, "%s: %ld of %ld paths had not exited after %llu steps (raise --max-steps)", method_names[k], fe.censored,
           sp->paths, (unsigned long long)maxs);
  return add_warning(ctx, r->res, 0, text);
}

/* All wanted methods at one learning rate. */
static int run_point(exit_run *r) {
  const sgdl_exit_spec *sp = r->sp;
  if (sp->watch != SGDL_EXIT_WATCH_COORD) { /* a neighbourhood: Monte Carlo only */
    int rc = SGDL_OK;
    for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2 && !rc; k++)
      if (sp->want[k]) rc = run_mc(r, k);
    for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) r->pt->rows[k].ratio_to_pde = NAN;
    return rc;
  }
  int rc = sgdl_sme_model_init_name(r->ctx, &r->m, sp->prob, sp->model ? sp->model : "sme1", r->pt->lr, r->cB, sp->noisy);
  if (!rc) rc = exit_domain(r);
  if (rc) return rc;
  rc = run_kramers(r); /* first: it also feeds the saddle warning */
  if (!rc && sp->want[SGDL_EXIT_QUADRATURE]) rc = run_quadrature(r);
  if (!rc && sp->want[SGDL_EXIT_PDE]) rc = run_pde(r);
  if (!rc && sp->want[SGDL_EXIT_CHAIN]) rc = run_chain(r);
  for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2 && !rc; k++)
    if (sp->want[k]) rc = run_mc(r, k);
  const sgdl_exit_row *pde = &r->pt->rows[SGDL_EXIT_PDE];
  for (int k = 0; k < SGDL_EXIT_N_METHODS; k++) r->pt->rows[k].ratio_to_pde = r->pt->rows[k].time / (pde->available ? pde->time : NAN);
  return rc;
}

/* A neighbourhood exit (any dimension): Monte Carlo methods, a positive radius or loss level. */
static int check_hood_spec(sgdl_ctx *ctx, const sgdl_exit_spec *sp) {
  if (sp->n_lr < 1 || !sp->lrs) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: no learning rate given");
  if (sp->batch < 1 || (sp->prob->n_data && (size_t)sp->batch > sp->prob->n_data))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is not a valid batch size", sp->batch);
  for (int k = 0; k < SGDL_EXIT_MC_SGD; k++)
    if (sp->want[k])
      return sgdl_fail(ctx, SGDL_EUSAGE, "--methods %s: with --radius or --loss-level only the Monte Carlo methods apply "
                       "(mc-sgd, mc-sme1, mc-sme2)", method_names[k]);
  int any_mc = 0;
  for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2; k++) any_mc |= sp->want[k];
  if (!any_mc) return sgdl_fail(ctx, SGDL_EUSAGE, "--methods: none of mc-sgd, mc-sme1, mc-sme2 asked");
  if (sp->paths < 2) return sgdl_fail(ctx, SGDL_EUSAGE, "--paths: %ld, need at least 2", sp->paths);
  if (sp->substeps < 1) return sgdl_fail(ctx, SGDL_EUSAGE, "--substeps: %d is not positive", sp->substeps);
  if (sp->watch == SGDL_EXIT_WATCH_DIST2 && !(sp->radius > 0 && isfinite(sp->radius)))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--radius: %g is not a positive distance", sp->radius);
  if (sp->watch == SGDL_EXIT_WATCH_LOSS && !isfinite(sp->loss_level))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--loss-level: %g is not a finite level", sp->loss_level);
  if (sp->prob->dim > 2 && !sp->start) return sgdl_fail(ctx, SGDL_EINVAL, "exit: no start point for the %d-D problem", sp->prob->dim);
  sgdl_estimate est;
  sgdl_estimate_exit(sp, &est);
  return sgdl_estimate_check(ctx, &est);
}

static int check_spec(sgdl_ctx *ctx, const sgdl_exit_spec *sp) {
  const int d = sp->prob ? sp->prob->dim : 0;
  if (sp->prob && sp->watch != SGDL_EXIT_WATCH_COORD) return check_hood_spec(ctx, sp);
  if (d < 1 || d > 2)
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem %s has d = %d: exit times need a 1-D or 2-D problem",
                     sp->prob ? sp->prob->type->name : "(none)", d);
  if (sp->n_lr < 1 || !sp->lrs) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: no learning rate given");
  if (sp->batch < 1 || (sp->prob->n_data && (size_t)sp->batch > sp->prob->n_data))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is not a valid batch size", sp->batch);
  if (sp->coord < 0 || sp->coord >= d) return sgdl_fail(ctx, SGDL_EUSAGE, "--coord: %d is not an axis of the %d-D problem", sp->coord + 1, d);
  if (sp->two_sided && d != 1) return sgdl_fail(ctx, SGDL_EUSAGE, "--interval is for 1-D problems; in 2-D use --to and --box");
  if ((sp->want[SGDL_EXIT_QUADRATURE] || sp->want[SGDL_EXIT_CHAIN]) && d != 1)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--methods %s: 1-D only (the problem has d = %d)",
                     sp->want[SGDL_EXIT_QUADRATURE] ? "quadrature" : "chain", d);
  int any_mc = 0;
  for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2; k++) any_mc |= sp->want[k];
  if (any_mc && sp->paths < 2) return sgdl_fail(ctx, SGDL_EUSAGE, "--paths: %ld, need at least 2", sp->paths);
  if (any_mc && sp->substeps < 1) return sgdl_fail(ctx, SGDL_EUSAGE, "--substeps: %d is not positive", sp->substeps);
  /* Any one-particle model with a diffusion (checked at the first rate; run_point builds each rate's). */
  sgdl_sme_model m;
  const char *model = sp->model ? sp->model : "sme1";
  int rc = sgdl_sme_model_init_name(ctx, &m, sp->prob, model, sp->lrs[0],
                                    sgdl_minibatch_factor(sp->prob->n_data, sp->batch, sp->without_replacement), sp->noisy);
  if (!rc && !sgdl_sme_model_diffuses(&m))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--model %s: a deterministic flow never leaves a basin (its exit time is infinite); "
                   "give --noisy > 0 for Langevin noise, or use sme1, sme2, smf1 or smf2", model);
  if (rc) return rc;
  sgdl_estimate est; /* refuse what cannot fit in memory or finish (study_estimate.h) */
  sgdl_estimate_exit(sp, &est);
  return sgdl_estimate_check(ctx, &est);
}

/* Boundary at the saddle: discrete monitoring misses excursions there (SPEC section 4). */
static int saddle_warning(sgdl_ctx *ctx, const sgdl_exit_spec *sp, sgdl_exit_result *res) {
  const sgdl_exit_point *last = &res->points[res->n_points - 1];
  if (!last->kramers_found || !(fabs(last->kramers_offset) < 1.0)) return SGDL_OK;
  char text[320];
  snprintf(text, sizeof text,
           "the exit boundary %g is at the saddle (%.2f noise widths from it): per-step monitoring misses "
           "excursions across it (O(sqrt(alpha)) bias in mc-* and the chain vs the SME); put the boundary past the saddle",
           sp->to, last->kramers_offset);
  return add_warning(ctx, res, 1, text);
}

/* Gradient noise that vanishes at the minimum of the basin (and no --noisy term) holds the models
 * there for ever: the mean exit time is infinite, and every method would report inf, NaN or an
 * overflow instead of saying so. G is scratch of d x n_noise. */
static int noise_at_minimum(sgdl_ctx *ctx, const sgdl_exit_spec *sp, double *G) {
  const int d = sp->prob->dim;
  double xmin[2] = {0, 0}, S[4];
  if (sp->noisy > 0 || sgdl_find_minimum(ctx, sp->prob, sp->x0, xmin) != SGDL_OK) {
    ctx->msg[0] = 0; /* no minimum found: the methods report on their own */
    ctx->status = SGDL_OK;
    return SGDL_OK;
  }
  sgdl_problem_sigma1(sp->prob, xmin, S, G);
  const double tr = d == 1 ? S[0] : S[0] + S[3];
  if (tr > 0) return SGDL_OK;
  return sgdl_fail(ctx, SGDL_EINVAL,
                   "--problem %s: the gradient noise vanishes at the minimum x* = %g%s of the basin of --from (tr Sigma_1 = %g there), "
                   "so SGD and the SMEs settle at x* and never leave: the exit target is unreachable and the mean exit time is infinite",
                   sp->prob->type->name, xmin[0], d == 2 ? ",..." : "", tr);
}

/* The learning-rate loop (each rate's inverse noise temperature for the Arrhenius axis, then its methods). */
static int run_rates(sgdl_ctx *ctx, const sgdl_exit_spec *sp, sgdl_exit_result *res) {
  int mc_per_point = 0, mc_done = 0, rc = SGDL_OK;
  for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2; k++) mc_per_point += sp->want[k] != 0;
  sgdl_progress_slice slice;
  ckpt_store ck;
  memset(&ck, 0, sizeof ck);
  if (sp->checkpoint && mc_per_point)
    rc = ckpt_open(ctx, &ck, sp->checkpoint, sp->version ? sp->version : "", sp->args ? sp->args : "",
                   !ctx || ctx->ranks <= 1 || ctx->rank == 0);
  exit_run r = {ctx, sp, {0}, NULL, res, &slice, &mc_done, mc_per_point * sp->n_lr,
                sgdl_minibatch_factor(sp->prob->n_data, sp->batch, sp->without_replacement), &ck, 0};
  for (int i = 0; i < sp->n_lr && !rc; i++) {
    r.point = i;
    r.pt = &res->points[i];
    r.pt->lr = sp->lrs[i];
    const double temperature = r.pt->lr * r.cB * res->sigma2_eff; /* 0 for gf: no gradient noise (--noisy is extra) */
    r.pt->inv_temperature = temperature > 0 ? 1.0 / temperature : INFINITY;
    res->n_points = i + 1;
    rc = run_point(&r);
  }
  ckpt_close(&ck);
  return rc;
}

/* A neighbourhood exit: sigma^2 = tr Sigma_1 / d at the start from the per-sample gradients (no
 * d x d matrix), then the Monte Carlo rows at every rate. */
static int run_hood(sgdl_ctx *ctx, const sgdl_exit_spec *sp, sgdl_exit_result *res) {
  const double *x0 = sp->start ? sp->start : sp->x0;
  sgdl_noise_scale ns;
  int rc = sgdl_problem_noise_scale(ctx, sp->prob, x0, sp->batch, sp->without_replacement, sp->lrs[0], &ns);
  res->points = rc ? NULL : calloc((size_t)sp->n_lr, sizeof *res->points);
  if (!rc && !res->points) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (!rc) {
    res->sigma2_eff = ns.trace_sigma1 / sp->prob->dim;
    rc = run_rates(ctx, sp, res);
  }
  if (rc) sgdl_exit_result_free(res);
  return rc;
}

int sgdl_exit_study_run(sgdl_ctx *ctx, const sgdl_exit_spec *sp, sgdl_exit_result *res) {
  memset(res, 0, sizeof *res);
  int rc = check_spec(ctx, sp);
  if (rc) return rc;
  const int d = sp->prob->dim;
  if (sp->watch != SGDL_EXIT_WATCH_COORD) return run_hood(ctx, sp, res);
  /* Noise temperature for the Arrhenius axis: sigma^2 = tr Sigma_1 / d at the start. */
  double S[4], *G = calloc((size_t)d * (size_t)(sp->prob->n_noise > 0 ? sp->prob->n_noise : 1), sizeof *G);
  res->points = calloc((size_t)sp->n_lr, sizeof *res->points);
  if (!G || !res->points) {
    free(G);
    sgdl_exit_result_free(res);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  }
  sgdl_problem_sigma1(sp->prob, sp->x0, S, G);
  res->sigma2_eff = d == 1 ? S[0] : 0.5 * (S[0] + S[3]);
  rc = noise_at_minimum(ctx, sp, G);
  free(G);
  if (rc) {
    sgdl_exit_result_free(res);
    return rc;
  }
  rc = run_rates(ctx, sp, res);
  if (!rc) rc = saddle_warning(ctx, sp, res);
  if (rc) sgdl_exit_result_free(res);
  return rc;
}
