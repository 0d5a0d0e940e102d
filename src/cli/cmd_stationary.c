/* sgdlab stationary: exact stationary fluctuations of SGD-type algorithms at a finite learning rate,
 * next to the SME1/SME2 predictions, with an optional Monte Carlo check and a learning-rate scan.
 * Problems: quadratic (H, C), linreg (finite data, batch B), gauss-linreg (online Gaussian inputs),
 * and any 1-D problem (SME Fokker-Planck stationary density, escape-rate heuristic).
 * All numerics live in the library (sgdlab/stationary.h); this file maps flags to calls and
 * results to the summary, results.json, CSV tables and plots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/linalg.h"
#include "sgdlab/stationary.h"

#define CMD "stationary"

typedef struct {
  sgdl_ctx *ctx;
  sgdl_opt *opts;
  const char *out;
  int quiet, json;
  uint32_t seed;
  cJSON *res;
} run_ctx;

static int say(const run_ctx *r) { return !r->quiet && !r->json; }

static void print_matrix(const char *title, int d, const double *M) {
  if (d > 8) {
    printf("  %s: %dx%d (see results.json)\n", title, d, d);
    return;
  }
  printf("  %s:\n", title);
  for (int i = 0; i < d; i++) {
    printf("    ");
    for (int j = 0; j < d; j++) printf(" %13.6e", M[(size_t)i * d + j]);
    printf("\n");
  }
}

static cJSON *method_obj(int d, const double *cov, double excess) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "covariance", sgdl_json_matrix(d, d, cov));
  sgdl_json_add_number(o, "excess_loss", excess);
  return o;
}

static int parse_square(sgdl_ctx *ctx, const char *flag, const char *text, int *d, double **M) {
  int r, c;
  int rc = sgdl_parse_matrix(ctx, flag, text, &r, &c, M);
  if (!rc && r != c) rc = sgdl_fail(ctx, SGDL_EUSAGE, "%s must be square, got %dx%d", flag, r, c);
  if (!rc) *d = r;
  return rc;
}

static int algo_params(run_ctx *r, sgdl_algo_params *par) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_opt *o = r->opts;
  long long b;
  sgdl_algo_params_init(par);
  int rc = sgdl_opt_num(ctx, o, "lr", &par->lr);
  if (!rc) rc = sgdl_opt_num(ctx, o, "momentum", &par->momentum);
  if (!rc) rc = sgdl_opt_num(ctx, o, "beta1", &par->beta1);
  if (!rc) rc = sgdl_opt_num(ctx, o, "beta2", &par->beta2);
  if (!rc) rc = sgdl_opt_num(ctx, o, "eps", &par->eps);
  if (!rc) rc = sgdl_opt_num(ctx, o, "damping", &par->damping);
  if (!rc) rc = sgdl_opt_int(ctx, o, "batch", &b);
  if (!rc && (b < 1 || b > 1000000000)) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %lld must be a positive integer", b);
  if (!rc) par->batch = (int)b;
  const char *s = sgdl_opt_str(o, "sampling");
  if (!rc && strcmp(s, "with") && strcmp(s, "without"))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--sampling: '%s' is not 'with' or 'without'", s);
  if (!rc) par->without_replacement = !strcmp(s, "without");
  return rc;
}

/* --simulate N -> replicas, burn, steps. burn from the spectral radius when known. */
static int mc_plan(run_ctx *r, double rho, long *R, uint64_t *burn, uint64_t *steps) {
  long long n, reps, bn = -1;
  int rc = sgdl_opt_int(r->ctx, r->opts, "simulate", &n);
  if (!rc) rc = sgdl_opt_int(r->ctx, r->opts, "replicas", &reps);
  if (!rc && sgdl_opt_given(r->opts, "burn")) rc = sgdl_opt_int(r->ctx, r->opts, "burn", &bn);
  if (rc) return rc;
  if (reps < 2) return sgdl_fail(r->ctx, SGDL_EUSAGE, "--replicas: %lld must be at least 2", reps);
  if (n < 2 * reps) return sgdl_fail(r->ctx, SGDL_EUSAGE, "--simulate: %lld samples is fewer than 2 per replica (--replicas %lld)", n, reps);
  *R = (long)reps;
  *steps = (uint64_t)(n / reps);
  if (bn >= 0) *burn = (uint64_t)bn;
  else if (rho > 0 && rho < 1) *burn = (uint64_t)ceil(log(1e-10) / log(rho)) + 100; /* bias from the start below 1e-10 */
  else *burn = 10000;
  return SGDL_OK;
}

static cJSON *mc_json(int d, const sgdl_stat_mc *m) {
  cJSON *o = method_obj(d, m->cov, m->excess);
  cJSON_AddItemToObject(o, "covariance_se", sgdl_json_matrix(d, d, m->cov_se));
  sgdl_json_add_number(o, "excess_loss_se", m->excess_se);
  cJSON_AddItemToObject(o, "mean", sgdl_json_doubles(m->mean, (size_t)d));
  cJSON_AddItemToObject(o, "mean_se", sgdl_json_doubles(m->mean_se, (size_t)d));
  cJSON_AddNumberToObject(o, "replicas", (double)m->replicas);
  cJSON_AddNumberToObject(o, "burn_in_steps", (double)m->burn);
  cJSON_AddNumberToObject(o, "steps_per_replica", (double)m->steps);
  return o;
}

static void mc_print(int d, const sgdl_stat_mc *m, const double *exact) {
  printf("  simulated (%ld replicas x %llu steps after %llu burn-in): covariance +- standard error\n", m->replicas,
         (unsigned long long)m->steps, (unsigned long long)m->burn);
  for (int i = 0; i < d && i < 8; i++) {
    printf("    ");
    for (int j = 0; j < d && j < 8; j++) printf(" %11.5e+-%.1e", m->cov[(size_t)i * d + j], m->cov_se[(size_t)i * d + j]);
    printf("\n");
  }
  if (exact) {
    double worst = 0;
    for (int k = 0; k < d * d; k++)
      if (m->cov_se[k] > 0) worst = fmax(worst, fabs(m->cov[k] - exact[k]) / m->cov_se[k]);
    printf("  largest |simulated - exact| = %.2f standard errors\n", worst);
  }
}

/* Learning-rate scan: CSV lr, stable, excess (discrete, sme1, sme2), var along up to 6 directions. */
typedef int (*scan_eval)(void *u, double lr, double excess[3], double *var3, int *nv);

static int scan_write(run_ctx *r, const char *label, double lr_max, scan_eval f, void *u) {
  double *lrs = NULL;
  int n = 0;
  int rc = sgdl_parse_range(r->ctx, "--scan-lr", sgdl_opt_str(r->opts, "scan-lr"), 0, &lrs, &n);
  if (rc) return rc;
  if (lrs[0] <= 0) {
    free(lrs);
    return sgdl_fail(r->ctx, SGDL_EUSAGE, "--scan-lr: learning rates must be positive");
  }
  sgdl_csv c;
  sgdl_csv_init(&c);
  cJSON *arr = cJSON_CreateArray();
  int nvh = -1;
  for (int k = 0; k < n && !rc; k++) {
    double ex[3] = {NAN, NAN, NAN}, var[18];
    int nv = 0;
    int st = f(u, lrs[k], ex, var, &nv);
    if (st && st != SGDL_EUNSTABLE) {
      rc = sgdl_fail(r->ctx, st, "--scan-lr at %g: %s", lrs[k], r->ctx->msg);
      break;
    }
    if (nvh < 0) {
      nvh = nv;
      sgdl_csv_printf(&c, "lr,stable,excess_discrete,excess_sme1,excess_sme2");
      for (int i = 0; i < nv; i++) sgdl_csv_printf(&c, ",var%d_discrete,var%d_sme1,var%d_sme2", i, i, i);
      sgdl_csv_printf(&c, "\n");
    }
    sgdl_csv_num(&c, lrs[k], 0);
    sgdl_csv_printf(&c, "%d,", st == 0);
    for (int m = 0; m < 3; m++) sgdl_csv_num(&c, st ? NAN : ex[m], nvh == 0 && m == 2);
    for (int i = 0; i < nvh; i++)
      for (int m = 0; m < 3; m++) sgdl_csv_num(&c, st ? NAN : var[3 * i + m], i == nvh - 1 && m == 2);
    cJSON *row = cJSON_CreateObject();
    cJSON_AddNumberToObject(row, "lr", lrs[k]);
    cJSON_AddBoolToObject(row, "stable", st == 0);
    sgdl_json_add_number(row, "excess_discrete", st ? NAN : ex[0]);
    sgdl_json_add_number(row, "excess_sme1", st ? NAN : ex[1]);
    sgdl_json_add_number(row, "excess_sme2", st ? NAN : ex[2]);
    cJSON_AddItemToArray(arr, row);
  }
  cJSON_AddItemToObject(r->res, "scan", arr);
  if (!rc && r->out) {
    char path[4096];
    rc = sgdl_csv_write(r->ctx, &c, sgdl_path_join(path, sizeof path, r->out, "scan_lr.csv"));
    if (!rc) {
      char gp[2048];
      snprintf(gp, sizeof gp,
               "set terminal pngcairo size 900,560 enhanced\nset output 'scan_lr.png'\nset datafile separator ','\n"
               "set title 'stationary excess loss 1/2 tr(H Sigma): %s'\nset xlabel 'learning rate {/Symbol a}'\n"
               "set ylabel 'excess loss'\nset logscale y\nset key top left\n"
               "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dashtype 2\n"
               "set label 'lr_{max}' at %.17g, graph 0.95 right offset -0.5,0\n"
               "plot 'scan_lr.csv' using 1:3 with lines lw 2 title 'exact discrete', "
               "'' using 1:4 with lines lw 2 title 'SME1', '' using 1:5 with lines lw 2 title 'SME2'\n",
               label, lr_max, lr_max, lr_max);
      fflush(stdout); /* the plot forks gnuplot: do not let the child inherit unflushed output */
      rc = sgdl_plot(r->ctx, r->out, "scan_lr", gp, NULL);
    }
    if (!rc && say(r)) printf("  scan: %d learning rates -> %s/scan_lr.csv and scan_lr.png\n", n, r->out);
  }
  sgdl_csv_free(&c);
  free(lrs);
  return rc;
}

/* ------------------------------------------------------------------ quadratic */

typedef struct {
  run_ctx *r;
  int algo, d;
  const double *H, *C;
  sgdl_algo_params par;
} quad_scan;

static int quad_eval(void *u, double lr, double ex[3], double *var, int *nv) {
  quad_scan *s = u;
  sgdl_algo_params p = s->par;
  p.lr = lr;
  sgdl_stat_quad q;
  int rc = sgdl_stat_quad_solve(s->r->ctx, s->algo, s->d, s->H, s->C, &p, &q);
  *nv = s->d < 6 ? s->d : 6;
  if (!rc) {
    for (int m = 0; m < 3; m++) ex[m] = q.excess[m];
    for (int i = 0; i < *nv; i++)
      for (int m = 0; m < 3; m++) var[3 * i + m] = q.var_eig[m][i];
  }
  sgdl_stat_quad_free(&q);
  return rc;
}

static int run_quadratic(run_ctx *r) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_opt *o = r->opts;
  int d = 0, dc = 0, df = 0, rc = SGDL_OK;
  double *H = NULL, *C = NULL, *F = NULL, *v = NULL;
  int nv = 0;
  if (sgdl_opt_str(o, "H") && sgdl_opt_str(o, "H-eig")) return sgdl_fail(ctx, SGDL_EUSAGE, "give either --H or --H-eig, not both");
  if (sgdl_opt_str(o, "C") && sgdl_opt_str(o, "C-eig")) return sgdl_fail(ctx, SGDL_EUSAGE, "give either --C or --C-eig, not both");
  if (sgdl_opt_str(o, "H")) rc = parse_square(ctx, "--H", sgdl_opt_str(o, "H"), &d, &H);
  else if (sgdl_opt_str(o, "H-eig")) {
    rc = sgdl_opt_list(ctx, o, "H-eig", &v, &nv);
    if (!rc) {
      d = nv;
      H = calloc((size_t)d * d, sizeof *H);
      for (int i = 0; i < d; i++) H[(size_t)i * d + i] = v[i];
    }
    free(v);
    v = NULL;
  } else return sgdl_fail(ctx, SGDL_EUSAGE, "--problem quadratic needs --H (matrix) or --H-eig (eigenvalues)");
  if (!rc && sgdl_opt_str(o, "C")) {
    rc = parse_square(ctx, "--C", sgdl_opt_str(o, "C"), &dc, &C);
    if (!rc && dc != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C is %dx%d but --H is %dx%d", dc, dc, d, d);
  } else if (!rc && sgdl_opt_str(o, "C-eig")) {
    rc = sgdl_opt_list(ctx, o, "C-eig", &v, &nv);
    if (!rc && nv != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--C-eig has %d values but H is %dx%d", nv, d, d);
    if (!rc) {
      C = calloc((size_t)d * d, sizeof *C);
      for (int i = 0; i < d; i++) C[(size_t)i * d + i] = v[i];
    }
    free(v);
  } else if (!rc) {
    C = calloc((size_t)d * d, sizeof *C);
    for (int i = 0; i < d; i++) C[(size_t)i * d + i] = 1;
  }
  sgdl_algo_params par;
  if (!rc) rc = algo_params(r, &par);
  const char *aname = sgdl_opt_str(o, "algo");
  int algo = sgdl_stat_algo_from_name(aname);
  if (!rc && algo < 0) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--algo: '%s' is not one of sgd, hb, nag, adam, newton, ngd", aname);
  if (!rc && sgdl_opt_str(o, "fisher")) {
    rc = parse_square(ctx, "--fisher", sgdl_opt_str(o, "fisher"), &df, &F);
    if (!rc && df != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--fisher is %dx%d but --H is %dx%d", df, df, d, d);
    par.fisher = F;
  }
  /* On the quadratic the gradient noise is the given C (the minibatch is already in C). */
  if (!rc && par.batch != 1) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--batch: the quadratic model takes its noise from --C (put c_B into C); --batch is for linreg/gauss-linreg");
  if (rc) goto done;
  cJSON_AddStringToObject(r->res, "problem", "quadratic");
  cJSON_AddStringToObject(r->res, "algo", aname);
  cJSON_AddNumberToObject(r->res, "dim", d);
  if (sgdl_opt_str(o, "scan-lr")) {
    double lrm;
    rc = sgdl_stat_quad_lr_max(ctx, algo, d, H, C, &par, &lrm);
    if (rc) goto done;
    sgdl_json_add_number(r->res, "lr_max", lrm);
    if (say(r)) printf("sgdlab stationary: quadratic d=%d, algo %s, stability limit lr_max = %.10g\n", d, aname, lrm);
    quad_scan qs = {r, algo, d, H, C, par};
    char label[128];
    snprintf(label, sizeof label, "%s on quadratic d=%d", aname, d);
    rc = scan_write(r, label, lrm, quad_eval, &qs);
    goto done;
  }
  sgdl_stat_quad q;
  rc = sgdl_stat_quad_solve(ctx, algo, d, H, C, &par, &q);
  if (rc) {
    sgdl_stat_quad_free(&q);
    goto done;
  }
  cJSON_AddBoolToObject(r->res, "stable", 1);
  sgdl_json_add_number(r->res, "lr", par.lr);
  sgdl_json_add_number(r->res, "lr_max", q.lr_max);
  sgdl_json_add_number(r->res, "spectral_radius", q.rho);
  cJSON_AddBoolToObject(r->res, "discrete_is_exact", q.exact);
  if (!q.exact)
    cJSON_AddStringToObject(r->res, "approximation",
                            algo == SGDL_STAT_ADAM ? "frozen preconditioner P = (diag(C)^1/2 + eps)^-1, bias corrections -> 1 (SPEC 5.4)"
                                                   : "Fisher frozen at the minimum: F = C (SPEC 5.4)");
  cJSON *methods = cJSON_AddObjectToObject(r->res, "methods");
  cJSON_AddItemToObject(methods, "discrete", method_obj(d, q.sigma, q.excess[0]));
  cJSON_AddItemToObject(methods, "sme1", method_obj(d, q.sigma_sme1, q.excess[1]));
  cJSON_AddItemToObject(methods, "sme2", method_obj(d, q.sigma_sme2, q.excess[2]));
  cJSON *eig = cJSON_AddObjectToObject(r->res, "eigendirections");
  cJSON_AddItemToObject(eig, "h", sgdl_json_doubles(q.h, (size_t)d));
  cJSON_AddItemToObject(eig, "var_discrete", sgdl_json_doubles(q.var_eig[0], (size_t)d));
  cJSON_AddItemToObject(eig, "var_sme1", sgdl_json_doubles(q.var_eig[1], (size_t)d));
  cJSON_AddItemToObject(eig, "var_sme2", sgdl_json_doubles(q.var_eig[2], (size_t)d));
  double *ratio = calloc((size_t)2 * d, sizeof *ratio);
  for (int i = 0; i < d; i++) {
    ratio[i] = q.var_eig[0][i] / q.var_eig[1][i];
    ratio[d + i] = q.var_eig[0][i] / q.var_eig[2][i];
  }
  cJSON_AddItemToObject(eig, "ratio_discrete_over_sme1", sgdl_json_doubles(ratio, (size_t)d));
  cJSON_AddItemToObject(eig, "ratio_discrete_over_sme2", sgdl_json_doubles(ratio + d, (size_t)d));
  /* The SME expansions are in alpha' h / (1 - mu)^2 (SPEC 3.2b "validity"). */
  double xpar = q.lr_eff * q.g[d - 1] / ((1 - q.mu) * (1 - q.mu));
  sgdl_json_add_number(r->res, "sme_expansion_parameter", xpar);
  cJSON_AddItemToObject(r->res, "lag1_autocovariance", sgdl_json_matrix(d, d, q.lag1));
  if (q.state_cov) cJSON_AddItemToObject(r->res, "state_covariance", sgdl_json_matrix(2 * d, 2 * d, q.state_cov));
  if (say(r)) {
    printf("sgdlab stationary: quadratic d=%d, algo %s, lr %g (stability limit lr_max = %.10g)\n", d, aname, par.lr, q.lr_max);
    if (!q.exact) printf("  note: the discrete value for %s is an APPROXIMATION (%s)\n", aname, cJSON_GetObjectItem(r->res, "approximation")->valuestring);
    printf("  excess loss 1/2 tr(H Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", q.excess[0], q.excess[1], q.excess[2]);
    printf("  per eigendirection of H:\n      h_i          var discrete     var SME1       var SME2    discrete/SME1  discrete/SME2\n");
    for (int i = 0; i < d && i < 12; i++)
      printf("    %11.5e  %13.6e  %13.6e  %13.6e  %11.5f  %11.5f\n", q.h[i], q.var_eig[0][i], q.var_eig[1][i], q.var_eig[2][i], ratio[i],
             ratio[d + i]);
    if (xpar > 0.5)
      printf("  note: the SME expansion parameter alpha h_max/(1-mu)^2 = %.3g is not small: SME1/SME2 are outside their validity here\n", xpar);
    print_matrix("exact discrete covariance", d, q.sigma);
    print_matrix("SME1 covariance", d, q.sigma_sme1);
  }
  free(ratio);
  if (sgdl_opt_given(o, "steps")) {
    long long k;
    rc = sgdl_opt_int(ctx, o, "steps", &k);
    if (!rc && k < 0) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--steps: %lld is negative", k);
    double *x0 = calloc((size_t)d, sizeof *x0), *mk = calloc((size_t)d, sizeof *mk), *ck = calloc((size_t)d * d, sizeof *ck),
           *m1 = calloc((size_t)d, sizeof *m1), *c1 = calloc((size_t)d * d, sizeof *c1);
    for (int i = 0; i < d; i++) x0[i] = 1;
    if (!rc && sgdl_opt_str(o, "x0")) {
      double *xv = NULL;
      int n = 0;
      rc = sgdl_opt_list(ctx, o, "x0", &xv, &n);
      if (!rc) {
        if (n != d) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--x0 has %d values but the problem has d = %d", n, d);
        else memcpy(x0, xv, sizeof(double) * d);
        free(xv);
      }
    }
    if (!rc) rc = sgdl_stat_quad_finite(ctx, &q, x0, (uint64_t)k, mk, ck, m1, c1);
    if (!rc) {
      cJSON *ft = cJSON_AddObjectToObject(r->res, "finite_time");
      cJSON_AddNumberToObject(ft, "steps", (double)k);
      sgdl_json_add_number(ft, "time", (double)k * par.lr);
      cJSON_AddItemToObject(ft, "x0", sgdl_json_doubles(x0, (size_t)d));
      cJSON_AddItemToObject(ft, "mean_discrete", sgdl_json_doubles(mk, (size_t)d));
      cJSON_AddItemToObject(ft, "covariance_discrete", sgdl_json_matrix(d, d, ck));
      cJSON_AddItemToObject(ft, "mean_sme1", sgdl_json_doubles(m1, (size_t)d));
      cJSON_AddItemToObject(ft, "covariance_sme1", sgdl_json_matrix(d, d, c1));
      if (say(r)) {
        printf("  after k = %lld steps from x0 (exact): E x_k[0] = %.6e (SME1 %.6e), Var x_k[0] = %.6e (SME1 %.6e)\n", k, mk[0], m1[0], ck[0],
               c1[0]);
      }
    }
    free(x0);
    free(mk);
    free(ck);
    free(m1);
    free(c1);
  }
  if (!rc && sgdl_opt_given(o, "bayes-n")) {
    double N;
    rc = sgdl_opt_num(ctx, o, "bayes-n", &N);
    if (!rc && !(N >= 1)) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--bayes-n: %g is not a data-set size", N);
    if (!rc) {
      /* S from the noise model C = H / S (trace ratio) */
      double trH = 0, trC = 0;
      for (int i = 0; i < d; i++) {
        trH += H[(size_t)i * d + i];
        trC += C[(size_t)i * d + i];
      }
      double S = trH / trC, a = sgdl_stat_bayes_lr(N, S);
      cJSON *b = cJSON_AddObjectToObject(r->res, "bayes_optimal");
      sgdl_json_add_number(b, "N", N);
      sgdl_json_add_number(b, "S_from_C_eq_H_over_S", S);
      sgdl_json_add_number(b, "lr_newton_ngd", a);
      cJSON_AddStringToObject(b, "formula", "alpha* = 2S/(N+S): damped Newton/NGD then match the Laplace posterior (N H)^-1 when C = H/S (SPEC 5.4); plain SGD cannot for anisotropic H");
      if (say(r)) printf("  Bayes-optimal learning rate (Newton/NGD, C = H/S with S = %.4g, N = %g): alpha* = 2S/(N+S) = %.6g\n", S, N, a);
    }
  }
  if (!rc && sgdl_opt_given(o, "simulate")) {
    long R;
    uint64_t burn, steps;
    rc = mc_plan(r, q.rho, &R, &burn, &steps);
    sgdl_problem *p = NULL;
    if (!rc) {
      sgdl_problem_spec spec;
      sgdl_problem_spec_init(&spec);
      spec.name = "quadratic";
      spec.dim = d;
      spec.H = H;
      spec.C = C;
      rc = sgdl_problem_create(ctx, &spec, &p);
    }
    if (!rc) {
      double *x0 = calloc((size_t)d, sizeof *x0);
      sgdl_stat_mc m;
      sgdl_progress_bar bar;
      if (!r->quiet && !r->json) {
        sgdl_progress_bar_start(&bar, "simulate");
        ctx->progress = sgdl_progress_bar_update;
        ctx->progress_user = &bar;
      }
      rc = sgdl_stat_simulate(ctx, p, aname, &par, r->seed, R, burn, steps, x0, H, &m);
      if (!r->quiet && !r->json) sgdl_progress_bar_finish(&bar);
      ctx->progress = NULL;
      if (!rc) {
        cJSON_AddItemToObject(methods, "simulated", mc_json(d, &m));
        if (say(r)) {
          mc_print(d, &m, q.sigma);
          printf("  simulated excess loss %.6e +- %.1e (exact discrete%s %.6e)\n", m.excess, m.excess_se, q.exact ? "" : " approx.", q.excess[0]);
        }
      }
      sgdl_stat_mc_free(&m);
      free(x0);
    }
    sgdl_problem_destroy(p);
  }
  sgdl_stat_quad_free(&q);
done:
  free(H);
  free(C);
  free(F);
  return rc;
}

/* ------------------------------------------------------------------ linreg */

typedef struct {
  run_ctx *r;
  const sgdl_problem *p;
  int batch, wo;
} linreg_scan;

static int linreg_eval(void *u, double lr, double ex[3], double *var, int *nv) {
  linreg_scan *s = u;
  sgdl_stat_linreg L;
  int rc = sgdl_stat_linreg_solve(s->r->ctx, s->p, lr, s->batch, s->wo, &L);
  *nv = s->p->dim < 6 ? s->p->dim : 6;
  if (!rc) {
    int d = s->p->dim;
    for (int m = 0; m < 3; m++) ex[m] = L.excess[m];
    for (int i = 0; i < *nv; i++) {
      var[3 * i] = L.sigma[(size_t)i * d + i];
      var[3 * i + 1] = L.sigma_sme1[(size_t)i * d + i];
      var[3 * i + 2] = L.sigma_sme2[(size_t)i * d + i];
    }
  }
  sgdl_stat_linreg_free(&L);
  return rc;
}

static int fp_section(run_ctx *r, const sgdl_problem *p, double lr, double cB, cJSON *methods, double *var_out);

static int run_linreg(run_ctx *r) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_opt *o = r->opts;
  sgdl_algo_params par;
  int rc = algo_params(r, &par);
  if (!rc && strcmp(sgdl_opt_str(o, "algo"), "sgd"))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the exact linreg fixed point is for minibatch SGD (--algo sgd)", sgdl_opt_str(o, "algo"));
  sgdl_problem *p = NULL;
  if (!rc) rc = sgdl_cli_problem(ctx, o, &p);
  if (rc) return rc;
  const int d = p->dim;
  cJSON_AddStringToObject(r->res, "problem", p->desc);
  cJSON_AddStringToObject(r->res, "algo", "sgd");
  cJSON_AddNumberToObject(r->res, "dim", d);
  if (sgdl_opt_str(o, "scan-lr")) {
    sgdl_stat_linreg L;
    rc = sgdl_stat_linreg_solve(ctx, p, 1e-9, par.batch, par.without_replacement, &L);
    if (!rc) {
      sgdl_json_add_number(r->res, "lr_max", L.lr_max);
      if (say(r)) printf("sgdlab stationary: %s, minibatch SGD B=%d, lr_max = %.10g\n", p->desc, par.batch, L.lr_max);
      linreg_scan ls = {r, p, par.batch, par.without_replacement};
      rc = scan_write(r, "minibatch SGD on linreg", L.lr_max, linreg_eval, &ls);
    }
    sgdl_stat_linreg_free(&L);
    sgdl_problem_destroy(p);
    return rc;
  }
  sgdl_stat_linreg L;
  rc = sgdl_stat_linreg_solve(ctx, p, par.lr, par.batch, par.without_replacement, &L);
  if (!rc) {
    cJSON_AddBoolToObject(r->res, "stable", 1);
    sgdl_json_add_number(r->res, "lr", par.lr);
    sgdl_json_add_number(r->res, "lr_max", L.lr_max);
    sgdl_json_add_number(r->res, "lr_max_sme1_second_moments", L.lr_max_sme1);
    sgdl_json_add_number(r->res, "minibatch_factor", L.cB);
    cJSON_AddItemToObject(r->res, "w_star", sgdl_json_doubles(L.wstar, (size_t)d));
    cJSON_AddItemToObject(r->res, "sigma1_at_w_star", sgdl_json_matrix(d, d, L.sigma1));
    cJSON *methods = cJSON_AddObjectToObject(r->res, "methods");
    cJSON_AddItemToObject(methods, "discrete", method_obj(d, L.sigma, L.excess[0]));
    cJSON_AddItemToObject(methods, "sme1", method_obj(d, L.sigma_sme1, L.excess[1]));
    cJSON_AddItemToObject(methods, "sme2", method_obj(d, L.sigma_sme2, L.excess[2]));
    if (say(r)) {
      printf("sgdlab stationary: %s, minibatch SGD B=%d sampled %s replacement (c_B = %.6g), lr %g\n", p->desc, par.batch,
             par.without_replacement ? "without" : "with", L.cB, par.lr);
      printf("  second-moment stability limit lr_max = %.10g (SME1 moments blow up at %.6g)\n", L.lr_max, L.lr_max_sme1);
      printf("  excess loss 1/2 tr(H Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", L.excess[0], L.excess[1], L.excess[2]);
      print_matrix("exact discrete covariance of w", d, L.sigma);
      print_matrix("SME1 covariance", d, L.sigma_sme1);
      print_matrix("SME2 covariance", d, L.sigma_sme2);
    }
    if (d == 1) rc = fp_section(r, p, par.lr, L.cB, NULL, NULL);
    if (!rc && sgdl_opt_given(o, "simulate")) {
      long R;
      uint64_t burn, steps;
      /* burn-in from the mean's contraction max |1 - lr eig(Abar)| (--burn overrides) */
      double *w = calloc((size_t)d * (d + 1), sizeof *w), rho = 0;
      if (!sgdl_symeig(ctx, d, L.Abar, w, w + d))
        rho = fmax(fabs(1 - par.lr * w[0]), fabs(1 - par.lr * w[d - 1]));
      free(w);
      rc = mc_plan(r, rho, &R, &burn, &steps);
      if (!rc) {
        sgdl_stat_mc m;
        rc = sgdl_stat_simulate(ctx, p, "sgd", &par, r->seed, R, burn, steps, L.wstar, L.Abar, &m);
        if (!rc) {
          cJSON_AddItemToObject(methods, "simulated", mc_json(d, &m));
          if (say(r)) mc_print(d, &m, L.sigma);
        }
        sgdl_stat_mc_free(&m);
      }
    }
  }
  sgdl_stat_linreg_free(&L);
  sgdl_problem_destroy(p);
  return rc;
}

/* ------------------------------------------------------------------ gauss-linreg */

typedef struct {
  run_ctx *r;
  int d, S;
  const double *A;
  double s2;
} gauss_scan;

static double half_tr(int d, const double *A, const double *S) {
  double t = 0;
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) t += A[(size_t)i * d + j] * S[(size_t)j * d + i];
  return 0.5 * t;
}

static int gauss_eval(void *u, double lr, double ex[3], double *var, int *nv) {
  gauss_scan *g = u;
  int d = g->d;
  double *S = calloc((size_t)3 * d * d, sizeof *S);
  int rc = sgdl_stat_gauss_linreg(g->r->ctx, d, g->A, g->s2, g->S, lr, S, NULL);
  sgdl_ctx q;
  sgdl_ctx_init(&q);
  if (!rc) {
    if (sgdl_stat_gauss_linreg_sme(&q, d, g->A, g->s2, g->S, lr, 1, S + d * d)) S[d * d] = NAN;
    if (sgdl_stat_gauss_linreg_sme(&q, d, g->A, g->s2, g->S, lr, 2, S + 2 * d * d)) S[2 * d * d] = NAN;
    for (int m = 0; m < 3; m++) ex[m] = half_tr(d, g->A, S + (size_t)m * d * d);
  }
  *nv = d < 6 ? d : 6;
  for (int i = 0; i < *nv; i++)
    for (int m = 0; m < 3; m++) var[3 * i + m] = S[(size_t)m * d * d + (size_t)i * d + i];
  free(S);
  return rc;
}

static int run_gauss(run_ctx *r) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_opt *o = r->opts;
  sgdl_algo_params par;
  int rc = algo_params(r, &par), d = 0;
  double *A = NULL, sigma;
  if (!rc && strcmp(sgdl_opt_str(o, "algo"), "sgd"))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: the Gaussian-input closed form is for minibatch SGD (--algo sgd)", sgdl_opt_str(o, "algo"));
  if (!rc && !sgdl_opt_str(o, "A")) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--problem gauss-linreg needs --A (input covariance matrix)");
  if (!rc) rc = parse_square(ctx, "--A", sgdl_opt_str(o, "A"), &d, &A);
  if (!rc) rc = sgdl_opt_num(ctx, o, "noise", &sigma);
  if (!rc && !(sigma >= 0)) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--noise: %g is not a standard deviation", sigma);
  if (!rc && sgdl_opt_given(o, "simulate"))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--simulate: not available for gauss-linreg (online inputs); use --problem linreg on a data set");
  if (rc) {
    free(A);
    return rc;
  }
  cJSON_AddStringToObject(r->res, "problem", "gauss-linreg");
  cJSON_AddStringToObject(r->res, "algo", "sgd");
  cJSON_AddNumberToObject(r->res, "dim", d);
  gauss_scan gs = {r, d, par.batch, A, sigma * sigma};
  double *S = calloc((size_t)4 * d * d, sizeof *S), lrm = NAN;
  if (sgdl_opt_str(o, "scan-lr")) {
    rc = sgdl_stat_gauss_linreg(ctx, d, A, sigma * sigma, par.batch, 1e-12, S, &lrm);
    if (!rc) {
      sgdl_json_add_number(r->res, "lr_max", lrm);
      if (say(r)) printf("sgdlab stationary: gauss-linreg d=%d, batch %d, lr_max = %.10g\n", d, par.batch, lrm);
      rc = scan_write(r, "SGD, online Gaussian inputs", lrm, gauss_eval, &gs);
    }
    free(S);
    free(A);
    return rc;
  }
  rc = sgdl_stat_gauss_linreg(ctx, d, A, sigma * sigma, par.batch, par.lr, S, &lrm);
  if (!rc) rc = sgdl_stat_gauss_linreg_fixed_point(ctx, d, A, sigma * sigma, par.batch, par.lr, S + 3 * d * d);
  if (!rc) {
    sgdl_ctx q;
    sgdl_ctx_init(&q);
    if (sgdl_stat_gauss_linreg_sme(&q, d, A, sigma * sigma, par.batch, par.lr, 1, S + d * d))
      for (int k = 0; k < d * d; k++) S[d * d + k] = NAN;
    if (sgdl_stat_gauss_linreg_sme(&q, d, A, sigma * sigma, par.batch, par.lr, 2, S + 2 * d * d))
      for (int k = 0; k < d * d; k++) S[2 * d * d + k] = NAN;
    double diff = 0;
    for (int k = 0; k < d * d; k++) diff = fmax(diff, fabs(S[k] - S[3 * d * d + k]));
    cJSON_AddBoolToObject(r->res, "stable", 1);
    sgdl_json_add_number(r->res, "lr", par.lr);
    sgdl_json_add_number(r->res, "lr_max", lrm);
    sgdl_json_add_number(r->res, "closed_form_vs_fixed_point_max_diff", diff);
    cJSON *methods = cJSON_AddObjectToObject(r->res, "methods");
    const char *names[3] = {"discrete", "sme1", "sme2"};
    double ex[3];
    for (int m = 0; m < 3; m++) {
      ex[m] = half_tr(d, A, S + (size_t)m * d * d);
      cJSON_AddItemToObject(methods, names[m], method_obj(d, S + (size_t)m * d * d, ex[m]));
    }
    if (say(r)) {
      printf("sgdlab stationary: gauss-linreg d=%d (x ~ N(0, A), label noise sd %g), SGD batch %d, lr %g (lr_max = %.10g)\n", d, sigma,
             par.batch, par.lr, lrm);
      printf("  excess loss 1/2 tr(A Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", ex[0], ex[1], ex[2]);
      print_matrix("exact discrete covariance of w - u (Ziyin et al. closed form)", d, S);
      printf("  closed form vs general fixed point: max difference %.2e\n", diff);
      print_matrix("SME1 covariance", d, S + d * d);
    }
  }
  free(S);
  free(A);
  return rc;
}

/* ------------------------------------------------------------------ 1-D problems */

static int fp_section(run_ctx *r, const sgdl_problem *p, double lr, double cB, cJSON *methods, double *var_out) {
  sgdl_ctx *ctx = r->ctx;
  cJSON *fp = cJSON_AddObjectToObject(r->res, "fokker_planck");
  sgdl_csv c;
  sgdl_csv_init(&c);
  int rc = SGDL_OK;
  sgdl_fp1d f[2];
  memset(f, 0, sizeof f);
  for (int order = 1; order <= 2 && !rc; order++) {
    rc = sgdl_fp1d_stationary(ctx, p, lr, cB, order, &f[order - 1]);
    if (rc) break;
    cJSON *o = cJSON_AddObjectToObject(fp, order == 1 ? "sme1" : "sme2");
    sgdl_json_add_number(o, "mean", f[order - 1].mean);
    sgdl_json_add_number(o, "variance", f[order - 1].var);
    sgdl_json_add_number(o, "tail_exponent_left", f[order - 1].tail_left);
    sgdl_json_add_number(o, "tail_exponent_right", f[order - 1].tail_right);
    sgdl_json_add_number(o, "quadrature_error_estimate", f[order - 1].norm_err);
    if (methods) {
      double v = f[order - 1].var;
      cJSON_AddItemToObject(methods, order == 1 ? "sme1" : "sme2", method_obj(1, &v, NAN));
    }
    if (var_out) var_out[order - 1] = f[order - 1].var;
    if (say(r))
      printf("  SME%d stationary density (Fokker-Planck, SPEC 4): mean %.10g, variance %.10g, tail exponents %.6g / %.6g\n", order,
             f[order - 1].mean, f[order - 1].var, f[order - 1].tail_left, f[order - 1].tail_right);
  }
  if (!rc && r->out) {
    sgdl_csv_printf(&c, "x_sme1,rho_sme1,x_sme2,rho_sme2\n");
    /* each density on its own grid (centre +- 8 sd): same length, different spacing */
    for (int j = 0; j < f[0].n && j < f[1].n; j++) {
      sgdl_csv_num(&c, f[0].x[j], 0);
      sgdl_csv_num(&c, f[0].rho[j], 0);
      sgdl_csv_num(&c, f[1].x[j], 0);
      sgdl_csv_num(&c, f[1].rho[j], 1);
    }
    char path[4096];
    rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, r->out, "density.csv"));
    if (!rc) {
      const char *gp =
          "set terminal pngcairo size 900,560 enhanced\nset output 'density.png'\nset datafile separator ','\n"
          "set title 'SME stationary density (Fokker-Planck, SPEC 4)'\nset xlabel 'x'\nset ylabel 'density'\n"
          "plot 'density.csv' using 1:2 with lines lw 2 title 'SME1', '' using 3:4 with lines lw 2 dashtype 2 title 'SME2'\n";
      fflush(stdout);
      rc = sgdl_plot(ctx, r->out, "density", gp, NULL);
    }
  }
  sgdl_fp1d_free(&f[0]);
  sgdl_fp1d_free(&f[1]);
  sgdl_csv_free(&c);
  return rc;
}

static int run_1d(run_ctx *r) {
  sgdl_ctx *ctx = r->ctx;
  sgdl_opt *o = r->opts;
  sgdl_algo_params par;
  int rc = algo_params(r, &par);
  sgdl_problem *p = NULL;
  if (!rc) rc = sgdl_cli_problem(ctx, o, &p);
  if (rc) return rc;
  if (p->dim != 1) {
    rc = sgdl_fail(ctx, SGDL_ENOTSUP,
                   "--problem %s (d = %d): exact stationary covariances exist for quadratic, linreg and gauss-linreg; other problems need d = 1 (Fokker-Planck density)",
                   p->type->name, p->dim);
    sgdl_problem_destroy(p);
    return rc;
  }
  double cB = sgdl_minibatch_factor(p->n_data, par.batch, par.without_replacement);
  if (!(cB >= 0)) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d is larger than the data set (%zu)", par.batch, p->n_data);
  cJSON_AddStringToObject(r->res, "problem", p->desc);
  cJSON_AddNumberToObject(r->res, "dim", 1);
  sgdl_json_add_number(r->res, "lr", par.lr);
  cJSON *methods = cJSON_AddObjectToObject(r->res, "methods");
  if (say(r) && !rc) printf("sgdlab stationary: %s, lr %g, c_B %g (no exact discrete law: SME densities and the escape heuristic)\n", p->desc, par.lr, cB);
  if (!rc) rc = fp_section(r, p, par.lr, cB, methods, NULL);
  if (!rc) {
    /* escape-rate heuristic (SPEC 5.5) for every minimum with a neighbouring maximum */
    sgdl_crit1d cp[32];
    int n = sgdl_stat_critical_points_1d(p, -20, 20, 40001, cp, 32);
    cJSON *esc = cJSON_AddArrayToObject(r->res, "escape_heuristic");
    for (int k = 0; k < n; k++) {
      if (!cp[k].is_min) continue;
      int best = -1;
      for (int j = k - 1; j <= k + 1; j += 2)
        if (j >= 0 && j < n && !cp[j].is_min && (best < 0 || cp[j].L < cp[best].L)) best = j;
      if (best < 0) continue;
      double x = cp[k].x, S, *G = calloc((size_t)(p->n_noise > 0 ? p->n_noise : 1), sizeof *G);
      sgdl_problem_sigma1(p, &x, &S, G);
      free(G);
      double s2 = cB * S, dL = cp[best].L - cp[k].L, r1, rd;
      sgdl_stat_escape_heuristic(par.lr, s2, cp[k].curv, cp[best].curv, dL, &r1, &rd);
      cJSON *e = cJSON_CreateObject();
      cJSON_AddStringToObject(e, "label", "HEURISTIC (SPEC 5.5): Arrhenius form with an effective temperature; use `sgdlab exit` for numbers");
      sgdl_json_add_number(e, "minimum", x);
      sgdl_json_add_number(e, "saddle", cp[best].x);
      sgdl_json_add_number(e, "barrier", dL);
      sgdl_json_add_number(e, "curvature_minimum", cp[k].curv);
      sgdl_json_add_number(e, "curvature_saddle", cp[best].curv);
      sgdl_json_add_number(e, "noise_variance", s2);
      sgdl_json_add_number(e, "rate_per_step_sme1", r1);
      sgdl_json_add_number(e, "rate_per_step_discrete", rd);
      cJSON_AddItemToArray(esc, e);
      if (say(r))
        printf("  escape from x = %.4g over x = %.4g (barrier %.4g), HEURISTIC rate/step: SME1 %.3e, discrete %.3e (~%.3g steps)\n", x,
               cp[best].x, dL, r1, rd, 1 / rd);
    }
  }
  if (!rc && sgdl_opt_given(o, "simulate")) {
    const char *aname = sgdl_opt_str(o, "algo");
    long R;
    uint64_t burn, steps;
    rc = mc_plan(r, 0, &R, &burn, &steps);
    if (!rc) {
      sgdl_fp1d f;
      rc = sgdl_fp1d_stationary(ctx, p, par.lr, cB, 1, &f);
      double x0 = f.mean;
      sgdl_fp1d_free(&f);
      sgdl_stat_mc m;
      if (!rc) rc = sgdl_stat_simulate(ctx, p, aname, &par, r->seed, R, burn, steps, &x0, NULL, &m);
      if (!rc) {
        cJSON_AddItemToObject(methods, "simulated", mc_json(1, &m));
        if (say(r)) mc_print(1, &m, NULL);
      }
      sgdl_stat_mc_free(&m);
    }
  }
  sgdl_problem_destroy(p);
  return rc;
}

int sgdl_cmd_stationary(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      SGDL_PROBLEM_OPTS,
      {"algo", OPT_STR, "sgd", "sgd | hb | nag | adam | newton | ngd", NULL, 0},
      {"lr", OPT_NUM, "0.1", "learning rate alpha", NULL, 0},
      {"momentum", OPT_NUM, "0.9", "hb, nag: momentum mu in [0, 1)", NULL, 0},
      {"beta1", OPT_NUM, "0.9", "adam: first-moment decay", NULL, 0},
      {"beta2", OPT_NUM, "0.999", "adam: second-moment decay (only --simulate uses it)", NULL, 0},
      {"eps", OPT_NUM, "1e-8", "adam: epsilon", NULL, 0},
      {"damping", OPT_NUM, "0", "newton, ngd: delta in (M + delta I)^-1", NULL, 0},
      {"fisher", OPT_STR, NULL, "ngd: Fisher matrix F (default: the problem's own, F = C at the minimum)", NULL, 0},
      {"H-eig", OPT_LIST, NULL, "quadratic: H = diag(values), instead of --H", NULL, 0},
      {"C-eig", OPT_LIST, NULL, "quadratic: C = diag(values) in the same basis, instead of --C", NULL, 0},
      {"A", OPT_STR, NULL, "gauss-linreg: input covariance A (x ~ N(0, A))", NULL, 0},
      {"noise", OPT_NUM, "1", "gauss-linreg: label-noise standard deviation sigma", NULL, 0},
      {"batch", OPT_INT, "1", "minibatch size B (linreg, gauss-linreg, 1-D problems)", NULL, 0},
      {"sampling", OPT_STR, "with", "minibatch sampling: with | without (replacement)", NULL, 0},
      {"simulate", OPT_INT, NULL, "Monte Carlo check with N samples in all (replicas x steps after burn-in), e.g. 1e6", NULL, 0},
      {"replicas", OPT_INT, "256", "--simulate: independent replicas (standard errors from their spread)", NULL, 0},
      {"burn", OPT_INT, NULL, "--simulate: burn-in steps (default: from the spectral radius)", NULL, 0},
      {"scan-lr", OPT_STR, NULL, "lo:hi:n: curves (exact discrete, SME1, SME2) against alpha, CSV + plot in --out", NULL, 0},
      {"steps", OPT_INT, NULL, "quadratic: also the exact mean and covariance after k steps from --x0", NULL, 0},
      {"x0", OPT_LIST, NULL, "quadratic: starting point for --steps (default 1,...,1)", NULL, 0},
      {"bayes-n", OPT_NUM, NULL, "quadratic: data-set size N for the Bayes-optimal learning rate 2S/(N+S)", NULL, 0},
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed = 1;
  int rc = sgdl_cli_begin(&ctx, CMD,
                          "What is the exact stationary covariance of the discrete algorithm at a finite learning rate, and how far\n"
                          "off are SME1 and SME2? Problems: quadratic (--H, --C), linreg (--data, --batch), gauss-linreg (--A,\n"
                          "--noise), any 1-D problem (Fokker-Planck density). --simulate N checks by Monte Carlo.",
                          opts, argc, argv, &seed);
  if (rc) return sgdl_cli_error(&ctx, CMD, rc);
  run_ctx r = {&ctx, opts, sgdl_opt_str(opts, "out"), sgdl_opt_flag(opts, "quiet"), sgdl_opt_flag(opts, "json"), seed, NULL};
  const char *pname = sgdl_opt_str(opts, "problem");
  if (!sgdl_opt_given(opts, "problem")) {
    if (sgdl_opt_str(opts, "H") || sgdl_opt_str(opts, "H-eig")) pname = "quadratic";
    else if (sgdl_opt_str(opts, "A")) pname = "gauss-linreg";
  }
  r.res = sgdl_results_new(CMD, seed, sgdl_cli_params_json(opts));
  if (!strcmp(pname, "quadratic")) rc = run_quadratic(&r);
  else if (!strcmp(pname, "gauss-linreg")) rc = run_gauss(&r);
  else if (!strcmp(pname, "linreg")) rc = run_linreg(&r);
  else rc = run_1d(&r);
  if (rc) {
    cJSON_Delete(r.res);
    return sgdl_cli_error(&ctx, CMD, rc);
  }
  return sgdl_cli_emit(&ctx, opts, r.res);
}
