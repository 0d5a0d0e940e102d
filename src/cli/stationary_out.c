/* `sgdlab stationary` output (cli/stationary_out.h): results.json entries, the summary, the
 * learning-rate scan table and plot, the Fokker-Planck density table and plot, from the study's
 * result struct. Formatting only: every number comes from src/study/stationary*.c. */
#include "cli/stationary_out.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
  sgdl_json_put(o, "covariance", sgdl_json_matrix(d, d, cov));
  sgdl_json_add_number(o, "excess_loss", excess);
  return o;
}

static void add_methods(cJSON *methods, int d, const double *const sigma[3], const double excess[3]) {
  const char *names[3] = {"discrete", "sme1", "sme2"};
  for (int m = 0; m < 3; m++) sgdl_json_put(methods, names[m], method_obj(d, sigma[m], excess[m]));
}

/* The Monte Carlo check into methods.simulated, and its summary (exact: the covariance to compare with). */
static void mc_output(const sgdl_stationary_view *v, int d, const sgdl_stat_mc *m, const double *exact, cJSON *methods) {
  cJSON *o = method_obj(d, m->cov, m->excess);
  sgdl_json_put(o, "covariance_se", sgdl_json_matrix(d, d, m->cov_se));
  sgdl_json_add_number(o, "excess_loss_se", m->excess_se);
  sgdl_json_put(o, "mean", sgdl_json_doubles(m->mean, (size_t)d));
  sgdl_json_put(o, "mean_se", sgdl_json_doubles(m->mean_se, (size_t)d));
  cJSON_AddNumberToObject(o, "replicas", (double)m->replicas);
  cJSON_AddNumberToObject(o, "burn_in_steps", (double)m->burn);
  cJSON_AddNumberToObject(o, "steps_per_replica", (double)m->steps);
  sgdl_json_put(methods, "simulated", o);
  if (!v->say) return;
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

/* Scan: results.json "scan", CSV lr, stable, excess (discrete, sme1, sme2), var along up to 6 directions, plot. */
static int scan_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const char *label, const sgdl_stationary_study_result *res,
                       cJSON *json) {
  const int n = res->n_scan, nv = res->n_scan_var;
  sgdl_csv c;
  sgdl_csv_init(&c);
  cJSON *arr = cJSON_CreateArray();
  sgdl_csv_printf(&c, "lr,stable,excess_discrete,excess_sme1,excess_sme2");
  for (int i = 0; i < nv; i++) sgdl_csv_printf(&c, ",var%d_discrete,var%d_sme1,var%d_sme2", i, i, i);
  sgdl_csv_printf(&c, "\n");
  for (int k = 0; k < n; k++) {
    const double *ex = res->scan_excess + 3 * k, *var = res->scan_var + (size_t)3 * nv * k;
    sgdl_csv_num(&c, res->scan_lr[k], 0);
    sgdl_csv_printf(&c, "%d,", res->scan_stable[k]);
    for (int m = 0; m < 3; m++) sgdl_csv_num(&c, ex[m], nv == 0 && m == 2);
    for (int i = 0; i < nv; i++)
      for (int m = 0; m < 3; m++) sgdl_csv_num(&c, var[3 * i + m], i == nv - 1 && m == 2);
    cJSON *row = cJSON_CreateObject();
    cJSON_AddNumberToObject(row, "lr", res->scan_lr[k]);
    cJSON_AddBoolToObject(row, "stable", res->scan_stable[k]);
    sgdl_json_add_number(row, "excess_discrete", ex[0]);
    sgdl_json_add_number(row, "excess_sme1", ex[1]);
    sgdl_json_add_number(row, "excess_sme2", ex[2]);
    sgdl_json_push(arr, row);
  }
  sgdl_json_put(json, "scan", arr);
  int rc = SGDL_OK;
  if (v->out) {
    char path[4096];
    rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, v->out, "scan_lr.csv"));
    if (!rc) {
      char gp[2048];
      const double lrm = res->lr_max;
      /* axes: the stable learning rates (up to lr_max) and up to 10x the largest SME excess there,
       * so the discrete curve's blow-up at lr_max does not flatten the rest */
      double x_lo = res->scan_lr[0], x_hi = res->scan_lr[0], y_hi = 0, y_disc = 0;
      for (int k = 0; k < n; k++) {
        if (!res->scan_stable[k]) continue;
        x_lo = fmin(x_lo, res->scan_lr[k]);
        x_hi = fmax(x_hi, res->scan_lr[k]);
        for (int m = 1; m < 3; m++)
          if (isfinite(res->scan_excess[3 * k + m])) y_hi = fmax(y_hi, res->scan_excess[3 * k + m]);
        if (isfinite(res->scan_excess[3 * k])) y_disc = fmax(y_disc, res->scan_excess[3 * k]);
      }
      if (isfinite(lrm) && lrm > x_hi) x_hi = fmin(lrm * 1.03, res->scan_lr[n - 1]); /* show the lr_max line */
      y_hi = y_disc > 0 && y_disc < 10 * y_hi ? 1.2 * y_disc : 10 * y_hi;
      char ranges[160] = "";
      if (x_hi > x_lo && y_hi > 0) snprintf(ranges, sizeof ranges, "set xrange [%.10g:%.10g]\nset yrange [*:%.10g]\n", x_lo, x_hi, y_hi);
      const int every = n > 24 ? n / 12 : 1;
      snprintf(gp, sizeof gp,
               "set terminal pngcairo size 900,560 enhanced\nset output 'scan_lr.png'\nset datafile separator ','\n"
               "set title 'stationary excess loss 1/2 tr(H Sigma): %s'\nset xlabel 'learning rate {/Symbol a}'\n"
               "set ylabel 'excess loss'\nset logscale y\nset key top left\n%s"
               "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dashtype 2\n"
               "set label 'lr_{max}' at %.17g, graph 0.95 right offset -0.5,0\n"
               "plot 'scan_lr.csv' using 1:3 with linespoints lt 1 pi %d title 'exact discrete', "
               "'' using 1:4 with linespoints lt 2 pi %d title 'SME1', '' using 1:5 with linespoints lt 3 pi %d title 'SME2'\n",
               label, ranges, lrm, lrm, lrm, every, every + 1, every + 2);
      fflush(stdout); /* the plot forks gnuplot: do not let the child inherit unflushed output */
      rc = sgdl_plot(ctx, sgdl_cli_out_dir(v->out), "scan_lr", gp, NULL);
    }
    if (!rc && v->say) printf("  scan: %d learning rates -> %s/scan_lr.csv and scan_lr.png\n", n, v->out);
  }
  sgdl_csv_free(&c);
  return rc;
}

/* SME1/SME2 Fokker-Planck densities: results.json "fokker_planck" (and methods.sme1/sme2 when methods
 * is given), summary lines, density.csv and its plot. */
static int fp_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_fp1d f[2], cJSON *json, cJSON *methods) {
  cJSON *fp = cJSON_AddObjectToObject(json, "fokker_planck");
  for (int order = 1; order <= 2; order++) {
    const sgdl_fp1d *g = &f[order - 1];
    cJSON *o = cJSON_AddObjectToObject(fp, order == 1 ? "sme1" : "sme2");
    sgdl_json_add_number(o, "mean", g->mean);
    sgdl_json_add_number(o, "variance", g->var);
    sgdl_json_add_number(o, "tail_exponent_left", g->tail_left);
    sgdl_json_add_number(o, "tail_exponent_right", g->tail_right);
    sgdl_json_add_number(o, "quadrature_error_estimate", g->norm_err);
    if (methods) sgdl_json_put(methods, order == 1 ? "sme1" : "sme2", method_obj(1, &g->var, NAN));
    if (v->say)
      printf("  SME%d stationary density (Fokker-Planck, SPEC 4): mean %.10g, variance %.10g, tail exponents %.6g / %.6g\n", order,
             g->mean, g->var, g->tail_left, g->tail_right);
  }
  if (!v->out) return SGDL_OK;
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "x_sme1,rho_sme1,x_sme2,rho_sme2\n");
  /* each density on its own grid (centre +- 8 sd): same length, different spacing */
  for (int j = 0; j < f[0].n && j < f[1].n; j++) {
    sgdl_csv_num(&c, f[0].x[j], 0);
    sgdl_csv_num(&c, f[0].rho[j], 0);
    sgdl_csv_num(&c, f[1].x[j], 0);
    sgdl_csv_num(&c, f[1].rho[j], 1);
  }
  char path[4096];
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, v->out, "density.csv"));
  if (!rc) {
    const char *gp =
        "set terminal pngcairo size 900,560 enhanced\nset output 'density.png'\nset datafile separator ','\n"
        "set title 'SME stationary density (Fokker-Planck, SPEC 4)'\nset xlabel 'x'\nset ylabel 'density'\n"
        "plot 'density.csv' using 1:2 with linespoints lt 1 pi 20 title 'SME1', "
        "'' using 3:4 with linespoints lt 2 dashtype 2 pi 27 title 'SME2'\n";
    fflush(stdout);
    rc = sgdl_plot(ctx, sgdl_cli_out_dir(v->out), "density", gp, NULL);
  }
  sgdl_csv_free(&c);
  return rc;
}

/* ------------------------------------------------------------------ quadratic */

static void quad_summary(const sgdl_stationary_view *v, const char *aname, const char *approx, const sgdl_stationary_study_result *res) {
  const sgdl_stat_quad *q = &res->quad;
  const int d = res->dim;
  const double *ratio = res->ratio;
  printf("sgdlab stationary: quadratic d=%d, algo %s, lr %g (stability limit lr_max = %.10g)\n", d, aname, res->lr, q->lr_max);
  if (!q->exact) printf("  note: the discrete value for %s is an APPROXIMATION (%s)\n", aname, approx);
  if (q->iterate == SGDL_STAT_ITERATE_LOOKAHEAD)
    printf("  iterate: the look-ahead point x + mu v (PyTorch's SGD(nesterov=True) parameter), not sgdlab's x\n");
  printf("  excess loss 1/2 tr(H Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", q->excess[0], q->excess[1], q->excess[2]);
  printf("  per eigendirection of H:\n      h_i          var discrete     var SME1       var SME2    discrete/SME1  discrete/SME2\n");
  for (int i = 0; i < d && i < 12; i++)
    printf("    %11.5e  %13.6e  %13.6e  %13.6e  %11.5f  %11.5f\n", q->h[i], q->var_eig[0][i], q->var_eig[1][i], q->var_eig[2][i], ratio[i],
           ratio[d + i]);
  if (res->sme_expansion_parameter > 0.5)
    printf("  note: the SME expansion parameter alpha h_max/(1-mu)^2 = %.3g is not small: SME1/SME2 are outside their validity here\n",
           res->sme_expansion_parameter);
  print_matrix("exact discrete covariance", d, q->sigma);
  print_matrix("SME1 covariance", d, q->sigma_sme1);
}

/* Finite-time moments and the Bayes-optimal learning rate, when asked for. */
static void quad_extras(const sgdl_stationary_view *v, const sgdl_stationary_study_result *res, cJSON *json) {
  const int d = res->dim;
  if (res->has_finite) {
    cJSON *ft = cJSON_AddObjectToObject(json, "finite_time");
    cJSON_AddNumberToObject(ft, "steps", (double)res->finite_steps);
    sgdl_json_add_number(ft, "time", (double)res->finite_steps * res->lr);
    sgdl_json_put(ft, "x0", sgdl_json_doubles(res->x0, (size_t)d));
    sgdl_json_put(ft, "mean_discrete", sgdl_json_doubles(res->mean_k, (size_t)d));
    sgdl_json_put(ft, "covariance_discrete", sgdl_json_matrix(d, d, res->cov_k));
    sgdl_json_put(ft, "mean_sme1", sgdl_json_doubles(res->mean_k_sme1, (size_t)d));
    sgdl_json_put(ft, "covariance_sme1", sgdl_json_matrix(d, d, res->cov_k_sme1));
    if (v->say)
      printf("  after k = %lld steps from x0 (exact): E x_k[0] = %.6e (SME1 %.6e), Var x_k[0] = %.6e (SME1 %.6e)\n",
             (long long)res->finite_steps, res->mean_k[0], res->mean_k_sme1[0], res->cov_k[0], res->cov_k_sme1[0]);
  }
  if (res->has_bayes) {
    cJSON *b = cJSON_AddObjectToObject(json, "bayes_optimal");
    sgdl_json_add_number(b, "N", res->bayes_n);
    sgdl_json_add_number(b, "S_from_C_eq_H_over_S", res->bayes_s);
    sgdl_json_add_number(b, "lr_newton_ngd", res->bayes_lr);
    cJSON_AddStringToObject(b, "formula", "alpha* = 2S/(N+S): damped Newton/NGD then match the Laplace posterior (N H)^-1 when C = H/S (SPEC 5.4); plain SGD cannot for anisotropic H");
    if (v->say)
      printf("  Bayes-optimal learning rate (Newton/NGD, C = H/S with S = %.4g, N = %g): alpha* = 2S/(N+S) = %.6g\n", res->bayes_s,
             res->bayes_n, res->bayes_lr);
  }
}

/* Adam's model and its second moment v (results.json adam_model, adam_second_moment, adam_fixed_point). */
static void adam_output(const sgdl_stationary_view *v, const sgdl_stat_quad *q, cJSON *json) {
  const int sc = q->adam_model == SGDL_STAT_ADAM_SELF_CONSISTENT;
  cJSON_AddStringToObject(json, "adam_model", sc ? "self-consistent" : "frozen");
  sgdl_json_put(json, "adam_second_moment", sgdl_json_doubles(q->adam_v, (size_t)q->d));
  if (sc) {
    cJSON *fp = cJSON_AddObjectToObject(json, "adam_fixed_point");
    cJSON_AddNumberToObject(fp, "iterations", q->adam_iterations);
    sgdl_json_add_number(fp, "relative_change", q->adam_change);
  }
  if (!v->say) return;
  printf("  adam model: %s, second moment v =", sc ? "self-consistent" : "frozen");
  for (int i = 0; i < q->d && i < 6; i++) printf(" %.6g", q->adam_v[i]);
  if (sc) printf("  (fixed point in %d solves)", q->adam_iterations);
  printf("\n");
}

static int quad_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_spec *sp, const sgdl_stationary_study_result *res,
                       cJSON *json) {
  const int d = res->dim;
  const char *aname = sp->algo ? sp->algo : "sgd";
  cJSON_AddStringToObject(json, "problem", "quadratic");
  cJSON_AddStringToObject(json, "algo", aname);
  cJSON_AddNumberToObject(json, "dim", d);
  if (sp->n_scan > 0) {
    sgdl_json_add_number(json, "lr_max", res->lr_max);
    if (v->say) printf("sgdlab stationary: quadratic d=%d, algo %s, stability limit lr_max = %.10g\n", d, aname, res->lr_max);
    char label[128];
    snprintf(label, sizeof label, "%s on quadratic d=%d", aname, d);
    return scan_output(ctx, v, label, res, json);
  }
  const sgdl_stat_quad *q = &res->quad;
  const int sc = res->algo == SGDL_OPT_ADAM && q->adam_model == SGDL_STAT_ADAM_SELF_CONSISTENT;
  const char *approx = sc ? "preconditioner P = (v^1/2 + eps)^-1 frozen at the self-consistent second moment v = diag(H Sigma H + C) "
                            "= E g^2, bias corrections -> 1; v's O(1 - beta2) fluctuation neglected (SPEC 5.4a)"
                       : res->algo == SGDL_OPT_ADAM ? "frozen preconditioner P = (diag(C)^1/2 + eps)^-1, bias corrections -> 1 (SPEC 5.4)"
                                                    : "Fisher frozen at the minimum: F = C (SPEC 5.4)";
  cJSON_AddBoolToObject(json, "stable", 1);
  sgdl_json_add_number(json, "lr", res->lr);
  sgdl_json_add_number(json, "lr_max", q->lr_max);
  sgdl_json_add_number(json, "spectral_radius", q->rho);
  cJSON_AddBoolToObject(json, "discrete_is_exact", q->exact);
  if (!q->exact) cJSON_AddStringToObject(json, "approximation", approx);
  if (q->iterate == SGDL_STAT_ITERATE_LOOKAHEAD) /* only then: results of the default stay as they were */
    cJSON_AddStringToObject(json, "iterate", "look-ahead x + mu v (torch.optim.SGD nesterov=True parameter); state_covariance stays (x, v)");
  cJSON *methods = cJSON_AddObjectToObject(json, "methods");
  add_methods(methods, d, (const double *const[3]){q->sigma, q->sigma_sme1, q->sigma_sme2}, q->excess);
  cJSON *eig = cJSON_AddObjectToObject(json, "eigendirections");
  sgdl_json_put(eig, "h", sgdl_json_doubles(q->h, (size_t)d));
  sgdl_json_put(eig, "var_discrete", sgdl_json_doubles(q->var_eig[0], (size_t)d));
  sgdl_json_put(eig, "var_sme1", sgdl_json_doubles(q->var_eig[1], (size_t)d));
  sgdl_json_put(eig, "var_sme2", sgdl_json_doubles(q->var_eig[2], (size_t)d));
  sgdl_json_put(eig, "ratio_discrete_over_sme1", sgdl_json_doubles(res->ratio, (size_t)d));
  sgdl_json_put(eig, "ratio_discrete_over_sme2", sgdl_json_doubles(res->ratio + d, (size_t)d));
  sgdl_json_add_number(json, "sme_expansion_parameter", res->sme_expansion_parameter);
  sgdl_json_put(json, "lag1_autocovariance", sgdl_json_matrix(d, d, q->lag1));
  if (q->state_cov) sgdl_json_put(json, "state_covariance", sgdl_json_matrix(2 * d, 2 * d, q->state_cov));
  if (v->say) quad_summary(v, aname, approx, res);
  if (res->algo == SGDL_OPT_ADAM) adam_output(v, q, json);
  quad_extras(v, res, json);
  if (res->has_mc) {
    mc_output(v, d, &res->mc, q->sigma, methods);
    if (v->say)
      printf("  simulated excess loss %.6e +- %.1e (exact discrete%s %.6e)\n", res->mc.excess, res->mc.excess_se, q->exact ? "" : " approx.",
             q->excess[0]);
  }
  return SGDL_OK;
}

/* ------------------------------------------------------------------ linreg, gauss-linreg, 1-D */

static int linreg_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                         const sgdl_stationary_study_result *res, cJSON *json) {
  const int d = res->dim;
  cJSON_AddStringToObject(json, "problem", v->problem);
  cJSON_AddStringToObject(json, "algo", "sgd");
  cJSON_AddNumberToObject(json, "dim", d);
  if (sp->n_scan > 0) {
    sgdl_json_add_number(json, "lr_max", res->lr_max);
    if (v->say) printf("sgdlab stationary: %s, minibatch SGD B=%d, lr_max = %.10g\n", v->problem, sp->par.batch, res->lr_max);
    return scan_output(ctx, v, "minibatch SGD on linreg", res, json);
  }
  const sgdl_stat_linreg *L = &res->linreg;
  cJSON_AddBoolToObject(json, "stable", 1);
  sgdl_json_add_number(json, "lr", res->lr);
  sgdl_json_add_number(json, "lr_max", L->lr_max);
  sgdl_json_add_number(json, "lr_max_sme1_second_moments", L->lr_max_sme1);
  sgdl_json_add_number(json, "minibatch_factor", L->cB);
  sgdl_json_put(json, "w_star", sgdl_json_doubles(L->wstar, (size_t)d));
  sgdl_json_put(json, "sigma1_at_w_star", sgdl_json_matrix(d, d, L->sigma1));
  cJSON *methods = cJSON_AddObjectToObject(json, "methods");
  add_methods(methods, d, (const double *const[3]){L->sigma, L->sigma_sme1, L->sigma_sme2}, L->excess);
  if (v->say) {
    printf("sgdlab stationary: %s, minibatch SGD B=%d sampled %s replacement (c_B = %.6g), lr %g\n", v->problem, sp->par.batch,
           sp->par.without_replacement ? "without" : "with", L->cB, res->lr);
    printf("  second-moment stability limit lr_max = %.10g (SME1 moments blow up at %.6g)\n", L->lr_max, L->lr_max_sme1);
    printf("  excess loss 1/2 tr(H Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", L->excess[0], L->excess[1], L->excess[2]);
    print_matrix("exact discrete covariance of w", d, L->sigma);
    print_matrix("SME1 covariance", d, L->sigma_sme1);
    print_matrix("SME2 covariance", d, L->sigma_sme2);
  }
  int rc = res->has_fp ? fp_output(ctx, v, res->fp, json, NULL) : SGDL_OK;
  if (!rc && res->has_mc) mc_output(v, d, &res->mc, L->sigma, methods);
  return rc;
}

static int gauss_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                        const sgdl_stationary_study_result *res, cJSON *json) {
  const int d = res->dim;
  cJSON_AddStringToObject(json, "problem", "gauss-linreg");
  cJSON_AddStringToObject(json, "algo", "sgd");
  cJSON_AddNumberToObject(json, "dim", d);
  if (sp->n_scan > 0) {
    sgdl_json_add_number(json, "lr_max", res->lr_max);
    if (v->say) printf("sgdlab stationary: gauss-linreg d=%d, batch %d, lr_max = %.10g\n", d, sp->par.batch, res->lr_max);
    return scan_output(ctx, v, "SGD, online Gaussian inputs", res, json);
  }
  const double *S = res->gauss_sigma;
  const size_t dd = (size_t)d * d;
  cJSON_AddBoolToObject(json, "stable", 1);
  sgdl_json_add_number(json, "lr", res->lr);
  sgdl_json_add_number(json, "lr_max", res->lr_max);
  sgdl_json_add_number(json, "closed_form_vs_fixed_point_max_diff", res->closed_form_vs_fixed_point);
  cJSON *methods = cJSON_AddObjectToObject(json, "methods");
  add_methods(methods, d, (const double *const[3]){S, S + dd, S + 2 * dd}, res->gauss_excess);
  if (v->say) {
    printf("sgdlab stationary: gauss-linreg d=%d (x ~ N(0, A), label noise sd %g), SGD batch %d, lr %g (lr_max = %.10g)\n", d, sp->noise_sd,
           sp->par.batch, res->lr, res->lr_max);
    printf("  excess loss 1/2 tr(A Sigma):  discrete %.6e   SME1 %.6e   SME2 %.6e\n", res->gauss_excess[0], res->gauss_excess[1],
           res->gauss_excess[2]);
    print_matrix("exact discrete covariance of w - u (Ziyin et al. closed form)", d, S);
    printf("  closed form vs general fixed point: max difference %.2e\n", res->closed_form_vs_fixed_point);
    print_matrix("SME1 covariance", d, S + dd);
  }
  return SGDL_OK;
}

static int one_d_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_study_result *res, cJSON *json) {
  cJSON_AddStringToObject(json, "problem", v->problem);
  cJSON_AddNumberToObject(json, "dim", 1);
  sgdl_json_add_number(json, "lr", res->lr);
  cJSON *methods = cJSON_AddObjectToObject(json, "methods");
  if (v->say)
    printf("sgdlab stationary: %s, lr %g, c_B %g (no exact discrete law: SME densities and the escape heuristic)\n", v->problem, res->lr,
           res->cB);
  int rc = fp_output(ctx, v, res->fp, json, methods);
  if (rc) return rc;
  cJSON *esc = cJSON_AddArrayToObject(json, "escape_heuristic");
  for (int k = 0; k < res->n_escape; k++) {
    const sgdl_stationary_escape *e = &res->escape[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", "HEURISTIC (SPEC 5.5): Arrhenius form with an effective temperature; use `sgdlab exit` for numbers");
    sgdl_json_add_number(o, "minimum", e->minimum);
    sgdl_json_add_number(o, "saddle", e->saddle);
    sgdl_json_add_number(o, "barrier", e->barrier);
    sgdl_json_add_number(o, "curvature_minimum", e->curv_minimum);
    sgdl_json_add_number(o, "curvature_saddle", e->curv_saddle);
    sgdl_json_add_number(o, "noise_variance", e->noise_variance);
    sgdl_json_add_number(o, "rate_per_step_sme1", e->rate_sme1);
    sgdl_json_add_number(o, "rate_per_step_discrete", e->rate_discrete);
    sgdl_json_push(esc, o);
    if (v->say)
      printf("  escape from x = %.4g over x = %.4g (barrier %.4g), HEURISTIC rate/step: SME1 %.3e, discrete %.3e (~%.3g steps)\n",
             e->minimum, e->saddle, e->barrier, e->rate_sme1, e->rate_discrete, 1 / e->rate_discrete);
  }
  cJSON *bas = cJSON_AddArrayToObject(json, "basins");
  for (int k = 0; k < res->n_basin; k++) {
    const sgdl_stationary_basin *b = &res->basin[k];
    cJSON *o = cJSON_CreateObject();
    sgdl_json_add_number(o, "minimum", b->minimum);
    sgdl_json_add_number(o, "mass", b->mass[0]);
    sgdl_json_add_number(o, "mass_sme2", b->mass[1]);
    sgdl_json_add_number(o, "from", b->lo); /* null: -inf / +inf */
    sgdl_json_add_number(o, "to", b->hi);
    sgdl_json_push(bas, o);
    if (v->say)
      printf("  basin of x = %.6g (%.6g to %.6g): stationary mass SME1 %.10f, SME2 %.10f\n", b->minimum, b->lo, b->hi, b->mass[0],
             b->mass[1]);
  }
  if (res->has_mc) mc_output(v, 1, &res->mc, NULL, methods);
  return SGDL_OK;
}

int sgdl_stationary_output(sgdl_ctx *ctx, const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                           const sgdl_stationary_study_result *res, cJSON *json) {
  switch (res->family) {
    case SGDL_STATIONARY_QUADRATIC: return quad_output(ctx, v, sp, res, json);
    case SGDL_STATIONARY_LINREG: return linreg_output(ctx, v, sp, res, json);
    case SGDL_STATIONARY_GAUSS_LINREG: return gauss_output(ctx, v, sp, res, json);
    case SGDL_STATIONARY_1D: return one_d_output(ctx, v, res, json);
    case SGDL_STATIONARY_NETWORK: return sgdl_stationary_network_output(v, sp, res, json);
  }
  return sgdl_fail(ctx, SGDL_EINVAL, "stationary: unknown problem family %d", (int)res->family);
}
