/* Work and memory estimates before a run (include/sgdlab/study_estimate.h): what each study's
 * spec will allocate and how many path-steps or cell-steps it will take, the refusal of runs that
 * cannot fit in the available memory or finish within ctx->max_seconds, and the one-line text;
 * exact moments (--exact, control variates' surrogate) count their O(d^4) multiply-adds; a
 * network problem's study counts its passes (estimate_net.c). Does not run, time or print anything. */
#include "sgdlab/study_estimate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sgdlab/driver.h"
#include "sgdlab/moments.h"
#include "sgdlab/nn.h"
#include "sgdlab/problem.h"
#include "sgdlab/rng.h"

#define F64 8.0 /* bytes of a double */

double sgdl_physical_memory(void) {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
}

double sgdl_available_memory(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  double kb = 0;
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  if (f) fclose(f);
  return kb > 0 ? kb * 1024.0 : sgdl_physical_memory();
}

static void reset(sgdl_estimate *e, int dim) {
  memset(e, 0, sizeof *e);
  e->dim = dim > 0 ? dim : 1;
}

double sgdl_estimate_seconds(const sgdl_ctx *ctx, const sgdl_estimate *e) {
  const double threads = (double)sgdl_ctx_threads(ctx) * (ctx->ranks > 1 ? ctx->ranks : 1);
  const double per_step = e->dim > 4 ? e->dim / 4.0 : 1.0;
  const double paths = isnan(e->path_steps) ? 0.0 : e->path_steps;
  const double rest = e->cell_steps / SGDL_ESTIMATE_CELL_RATE + e->madds / SGDL_ESTIMATE_MADD_RATE;
  if (e->net.cpu_seconds > 0) { /* a network's counted passes: a run's blocks of lanes share the threads */
    const double busy = fmax(1.0, fmin(threads, e->net.parallel));
    return e->net.cpu_seconds / busy + rest;
  }
  return paths * per_step / (SGDL_ESTIMATE_RATE * (threads > 0 ? threads : 1)) + rest;
}

void sgdl_estimate_bytes_text(double bytes, char *buf, size_t len) {
  static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000 && u < 6) {
    bytes /= 1000;
    u++;
  }
  snprintf(buf, len, u ? "%.3g %s" : "%.0f %s", bytes, unit[u]);
}

static void seconds_text(double s, char *buf, size_t len) {
  if (s < 1) snprintf(buf, len, "under a second");
  else if (s < 120) snprintf(buf, len, "~%.0f s", s);
  else if (s < 7200) snprintf(buf, len, "~%.0f min", s / 60);
  else if (s < 3 * 86400) snprintf(buf, len, "~%.1f h", s / 3600);
  else if (s < 3 * 365 * 86400.0) snprintf(buf, len, "~%.0f days", s / 86400);
  else snprintf(buf, len, "~%.2g years", s / (365 * 86400.0));
}

void sgdl_estimate_describe(const sgdl_ctx *ctx, const sgdl_estimate *e, char *buf, size_t len) {
  char b[32], t[48], w[64] = "";
  sgdl_estimate_bytes_text(e->bytes, b, sizeof b);
  seconds_text(sgdl_estimate_seconds(ctx, e), t, sizeof t);
  if (isnan(e->path_steps)) snprintf(w, sizeof w, "path-steps set during the run");
  else if (e->cell_steps > 0 && e->path_steps > 0) snprintf(w, sizeof w, "%.2g path-steps and %.2g cell-steps", e->path_steps, e->cell_steps);
  else if (e->cell_steps > 0) snprintf(w, sizeof w, "%.2g cell-steps", e->cell_steps);
  else if (e->madds > 0 && e->path_steps > 0)
    snprintf(w, sizeof w, "%.2g path-steps and %.2g exact-moment multiply-adds", e->path_steps, e->madds);
  else if (e->madds > 0) snprintf(w, sizeof w, "%.2g exact-moment multiply-adds", e->madds);
  else if (e->net.cpu_seconds > 0)
    snprintf(w, sizeof w, "%.2g path-steps and %.2g %s network multiply-adds", e->path_steps, e->net.madds,
             sgdl_dtype_name(e->net.dtype));
  else snprintf(w, sizeof w, "%.2g path-steps", e->path_steps);
  const int threads = sgdl_ctx_threads(ctx);
  if (e->net.cpu_seconds > 0 && e->net.parallel < threads) /* fewer blocks of lanes than threads */
    snprintf(buf, len, "about %s, %s, %s on this machine (%d of %d threads busy: %.0f block%s of %d paths)", w, b, t,
             (int)fmax(1.0, e->net.parallel), threads, e->net.parallel, e->net.parallel == 1 ? "" : "s", SGDL_LANES);
  else snprintf(buf, len, "about %s, %s, %s on this machine (%d thread%s)", w, b, t, threads, threads == 1 ? "" : "s");
}

int sgdl_estimate_check(sgdl_ctx *ctx, const sgdl_estimate *e) {
  const double mem = sgdl_available_memory();
  char need[32], have[32], t[48];
  if (mem > 0 && e->bytes > mem) {
    sgdl_estimate_bytes_text(e->bytes, need, sizeof need);
    sgdl_estimate_bytes_text(mem, have, sizeof have);
    return sgdl_fail(ctx, SGDL_ENOMEM, "%s needs %s of %s; this machine has %s of memory available", e->bytes_flag, need, e->bytes_what,
                     have);
  }
  const double s = sgdl_estimate_seconds(ctx, e), limit = ctx && ctx->max_seconds > 0 ? ctx->max_seconds : SGDL_ESTIMATE_MAX_SECONDS;
  if (s > limit) {
    seconds_text(s, t, sizeof t);
    if (e->madds / SGDL_ESTIMATE_MADD_RATE > s / 2) /* mostly exact moments */
      return sgdl_fail(ctx, SGDL_EINVAL, "%s: exact moments of about %.2g multiply-adds (O(d^4) per RK4 substep), %s on this "
                       "machine (at the conservative %g per second), beyond the limit of %g hours; lower it, or raise --max-hours",
                       e->madds_flag, e->madds, t, SGDL_ESTIMATE_MADD_RATE, limit / 3600);
    if (e->net.cpu_seconds > 0) /* a network: its passes at the rates measured by bench/bench_mlp_cost.c */
      return sgdl_fail(ctx, SGDL_EINVAL, "%s: about %.2g path-steps and %.2g %s network multiply-adds, %s on this machine "
                       "(%g of %d thread%s busy, at the measured rates of sgdlab/mlp_cost.h), beyond the limit of %g hours; "
                       "lower it, or raise --max-hours", e->work_flag, e->path_steps, e->net.madds,
                       sgdl_dtype_name(e->net.dtype), t, fmax(1.0, fmin(sgdl_ctx_threads(ctx), e->net.parallel)),
                       sgdl_ctx_threads(ctx), sgdl_ctx_threads(ctx) == 1 ? "" : "s", limit / 3600);
    const int cells = e->cell_steps > 0 && !(e->path_steps > 0);
    return sgdl_fail(ctx, SGDL_EINVAL, "%s: about %.2g %s, %s on this machine (at the conservative %g per second per thread), "
                     "beyond the limit of %g hours; lower it, or raise --max-hours", e->work_flag, cells ? e->cell_steps : e->path_steps,
                     cells ? "cell-steps" : "path-steps", t, cells ? SGDL_ESTIMATE_CELL_RATE : SGDL_ESTIMATE_RATE, limit / 3600);
  }
  return SGDL_OK;
}

void sgdl_estimate_data(size_t n, int d, sgdl_estimate *e) {
  reset(e, d);
  e->bytes = (double)n * ((double)d + 1) * F64;
  snprintf(e->bytes_flag, sizeof e->bytes_flag, "--gen-n %zu x --gen-d %d", n, d);
  snprintf(e->bytes_what, sizeof e->bytes_what, "generated data");
  snprintf(e->work_flag, sizeof e->work_flag, "--gen-n %zu", n);
  e->path_steps = (double)n; /* one row drawn per sample */
}

/* Bytes of the moments observer and result of one ensemble (sgdl_ensemble_run): mean, var, se and
 * per chunk the sums, shift, M2 and S2 of every (observable, time). */
static double ensemble_bytes(uint64_t paths, double n_obs, double times) {
  const double blocks = ceil((double)paths / SGDL_LANES);
  const double chunks = blocks < SGDL_DRIVE_MAX_CHUNKS ? blocks : SGDL_DRIVE_MAX_CHUNKS;
  return (3 + 4 * chunks) * n_obs * times * F64;
}

/* Multiply-adds of the exact moments at one learning rate: every run with --exact, or with control
 * variates the surrogate's moments added to each Monte Carlo run (the surrogate taken at the first
 * start here; the run expands it further along the gradient flow, with about the same constants). */
static double exact_madds(const sgdl_study_spec *sp, const sgdl_problem *prob, double lr, uint64_t K) {
  const double cB = sgdl_minibatch_factor(prob->n_data, sp->par.batch, sp->par.without_replacement);
  const int P = sp->P > 0 ? sp->P : 1;
  double total = 0, w = 0;
  for (int m = 0; m <= sp->n_models; m++) {
    sgdl_algo_params par = sp->par;
    par.lr = lr;
    if (m > 0 && sp->model_svag_l && sp->model_svag_l[m - 1] > 0) par.svag_l = sp->model_svag_l[m - 1];
    const char *name = m == 0 ? (sp->algo ? sp->algo : "sgd") : sp->models[m - 1];
    if (sgdl_affine_moments_work(NULL, prob, name, &par, cB, P, K, &w) == SGDL_OK) total += w * (m == 0 || !sp->coupling ? 1 : 2);
  }
  return total;
}

void sgdl_estimate_study(const sgdl_study_spec *sp, sgdl_estimate *e) {
  const int d = sp->prob ? sp->prob->dim : 1;
  reset(e, d * (sp->P > 0 ? sp->P : 1));
  const double n_stat = sp->n_obs + sp->n_cov, cov_raw = (double)sp->n_cov * (2 * d + 1);
  const double n_raw = sp->coupling ? 2 * (sp->n_obs + cov_raw) : sp->n_obs + cov_raw;
  const double model_cost = (sp->par.substeps > 0 ? sp->par.substeps : 1) * (sp->talay_tubaro ? 3 : 1) + (sp->coupling ? 1 : 0);
  double series = 0, peak_run = 0, K_max = 0, lr_min = 0;
  const int cv = (sp->variance_reduction & SGDL_VR_CONTROL_VARIATE) && !sp->exact && sp->prob && sp->prob->n_data;
  sgdl_problem *sur = NULL; /* control variates: the surrogate at the first start, for its exact-moment work */
  if (cv && sp->x0 && sgdl_problem_affine_surrogate(NULL, sp->prob, sp->x0, &sur) != SGDL_OK) sur = NULL;
  for (int i = 0; i < sp->n_lr; i++) {
    const double dt = sgdl_study_dt(sp, sp->lrs[i]), K = dt > 0 ? floor(sp->T / dt + 0.5) : 0;
    if (K > K_max) {
      K_max = K;
      lr_min = sp->lrs[i];
    }
    const double outs = (double)sgdl_ensemble_n_outputs((uint64_t)K, sp->every); /* K + 1 unless --every */
    series += (sp->n_models + 1.0) * n_stat * outs * 2 * F64 * (sp->coupling ? 2 : 1);
    if (sp->exact) {
      const double n = (double)sp->P * d;
      peak_run = fmax(peak_run, (n + n * n) * (K + 1) * F64); /* the moments of every step, then kept at outputs */
      if (sp->prob) e->madds += exact_madds(sp, sp->prob, sp->lrs[i], (uint64_t)K);
    } else {
      peak_run = fmax(peak_run, ensemble_bytes(sp->paths, n_raw, outs));
      e->path_steps += (double)sp->paths * sp->P * K * (1 + sp->n_models * model_cost) *
                       (sp->variance_reduction & SGDL_VR_CONTROL_VARIATE ? 2 : 1); /* control variates: twin runs on the surrogate */
      if (sur) e->madds += exact_madds(sp, sur, sp->lrs[i], (uint64_t)K);
    }
  }
  /* the extraction's d^4 tensor, once: (1/N) sum_i dA_i (x) dA_i over the N samples */
  const double d4 = (double)d * d * d * d, N = sp->prob ? (double)sp->prob->n_data : 0;
  if ((sp->exact && sp->prob && sp->prob->affine) || sur) e->madds += N * d4;
  sgdl_problem_destroy(sur);
  sgdl_estimate_study_net(sp, &e->net); /* a network problem: its counted passes set the seconds */
  e->bytes = series + peak_run;
  snprintf(e->bytes_flag, sizeof e->bytes_flag, "--T %g at --lr %g (%.3g steps)%s", sp->T, lr_min, K_max,
           sp->exact ? " with --exact" : "");
  snprintf(e->bytes_what, sizeof e->bytes_what, sp->exact ? "exact moments" : "chunk statistics and series");
  snprintf(e->work_flag, sizeof e->work_flag, "--paths %llu (with --T %g, --lr down to %g)", (unsigned long long)sp->paths,
           sp->T, lr_min);
  snprintf(e->madds_flag, sizeof e->madds_flag, "%s at dimension %d (with --T %g, --lr down to %g)",
           sp->exact ? "--exact" : "--variance-reduction control-variate", d, sp->T, lr_min);
}

void sgdl_estimate_stationary(const sgdl_stationary_spec *sp, int dim, long long burn, sgdl_estimate *e) {
  reset(e, dim);
  if (!sp->simulate || sp->replicas < 1) return;
  const double R = (double)sp->replicas, steps = floor((double)sp->samples / R);
  const double b = burn >= 0 ? (double)burn : sp->burn >= 0 ? (double)sp->burn : 10000.0;
  const double nsym = dim * (dim + 1.0) / 2;
  e->path_steps = R * (b + steps);
  e->bytes = R * (dim + nsym) * F64 + (double)SGDL_LANES * dim * F64 * 4;
  snprintf(e->bytes_flag, sizeof e->bytes_flag, "--replicas %lld", sp->replicas);
  snprintf(e->bytes_what, sizeof e->bytes_what, "per-replica sums");
  snprintf(e->work_flag, sizeof e->work_flag, "--simulate %lld (--replicas %lld, %s%.3g burn-in steps)", sp->samples,
           sp->replicas, burn < 0 && sp->burn < 0 ? "at least " : "", b);
}

void sgdl_estimate_fpe(const sgdl_fpe_spec *sp, sgdl_estimate *e) {
  const int d = sp->prob ? sp->prob->dim : 1;
  reset(e, d);
  const double nx = sp->cells[0] > 0 ? sp->cells[0] : 1, ny = d == 2 && sp->cells[1] > 0 ? sp->cells[1] : 1;
  const double cells = nx * ny;
  /* the operator, its LU (2-D: fill-in of a band of width nx) and the density records */
  const double lu = d == 2 ? cells * (2 * nx + 8) : cells * 8;
  e->bytes = (lu + cells * (sp->snapshots + 12.0)) * F64;
  if (!sp->stationary_only) {
    const double steps = isnan(sp->dt) || !(sp->dt > 0) ? (d == 1 ? 1000 : 200) : ceil(sp->T / sp->dt - 1e-9);
    e->cell_steps = cells * steps * (d == 2 ? nx / 16 + 1 : 1);
    if (sp->paths > 0 && sp->lr > 0) {
      e->path_steps = (double)sp->paths * floor(sp->T / sp->lr + 0.5);
      e->bytes += (double)sp->paths * d * F64;
    }
  }
  if (d == 2) snprintf(e->bytes_flag, sizeof e->bytes_flag, "--grid %.0f,%.0f", nx, ny);
  else snprintf(e->bytes_flag, sizeof e->bytes_flag, "--grid %.0f", nx);
  snprintf(e->bytes_what, sizeof e->bytes_what, "grid densities and factors");
  if (e->path_steps > 0)
    snprintf(e->work_flag, sizeof e->work_flag, "--T %g / --lr %g with --paths %ld", sp->T, sp->lr, sp->paths);
  else snprintf(e->work_flag, sizeof e->work_flag, "--T %g with --dt and --grid", sp->T);
}

void sgdl_estimate_exit(const sgdl_exit_spec *sp, sgdl_estimate *e) {
  const int d = sp->prob ? sp->prob->dim : 1;
  reset(e, d);
  int n_mc = 0, n_sme = 0;
  for (int k = SGDL_EXIT_MC_SGD; k <= SGDL_EXIT_MC_SME2; k++) {
    n_mc += sp->want[k] != 0;
    n_sme += sp->want[k] != 0 && k != SGDL_EXIT_MC_SGD;
  }
  const double cells = (double)(sp->grid[0] > 0 ? sp->grid[0] : 1) * (d == 2 && sp->grid[1] > 0 ? sp->grid[1] : 1);
  e->bytes = sp->want[SGDL_EXIT_PDE] ? cells * (d == 2 ? 2.0 * (sp->grid[0] > 0 ? sp->grid[0] : 1) + 16 : 16) * F64 : 0;
  if (n_mc) e->bytes += (double)sp->paths * (d + 2) * F64;
  /* a neighbourhood's horizon is known without --max-steps (a basin's comes from a deterministic estimate) */
  const double horizon = sp->max_steps > 0 ? (double)sp->max_steps : sp->watch != SGDL_EXIT_WATCH_COORD ? SGDL_EXIT_HOOD_MAX_STEPS : 0;
  if (n_mc && horizon > 0) {
    const double per_path = (n_mc - n_sme) + n_sme * (sp->substeps > 0 ? sp->substeps : 1);
    e->path_steps = (double)sp->n_lr * sp->paths * horizon * per_path;
  } else if (n_mc) {
    e->path_steps = NAN; /* the horizon comes from the first deterministic estimate */
  }
  snprintf(e->bytes_flag, sizeof e->bytes_flag, n_mc ? "--paths %ld" : "--grid", sp->paths);
  snprintf(e->bytes_what, sizeof e->bytes_what, "paths and grid");
  snprintf(e->work_flag, sizeof e->work_flag, "--paths %ld x --max-steps %lld", sp->paths, (long long)horizon);
}

void sgdl_estimate_train(size_t n_params, int aux, size_t n_train, int epochs, uint64_t geometry_steps, int batch,
                         sgdl_estimate *e) {
  /* one example through a network costs about 3 n_params multiply-adds: the dimension that sets the
   * cost of a path-step (d / 4 path-steps) is taken as n_params / 16 */
  reset(e, (int)fmin(n_params / 16.0 + 1, 1e9));
  e->bytes = (double)n_params * (4.0 + aux) * F64;
  e->path_steps = (double)n_train * epochs + (double)geometry_steps * (batch > 0 ? batch : 1);
  snprintf(e->bytes_flag, sizeof e->bytes_flag, "--hidden (%zu weights)", n_params);
  snprintf(e->bytes_what, sizeof e->bytes_what, "weights, gradients and optimiser state");
  snprintf(e->work_flag, sizeof e->work_flag, "--epochs %d (x %zu examples)", epochs, n_train);
}
