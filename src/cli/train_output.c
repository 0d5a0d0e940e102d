/* `sgdlab train` output (src/cli/train_output.h): results.json from the study result, the
 * curves, confusion, spectra and fluctuation CSVs with their gnuplot plots, and the geometry
 * summary. It formats what the study computed; it computes nothing. */
#include <math.h>
#include <stdio.h>

#include "cli/noise_out.h"
#include "cli/train_output.h"

cJSON *sgdl_train_results_json(const sgdl_train_study_result *r, cJSON *params) {
  const sgdl_mlp *m = &r->m;
  const sgdl_train_history *h = &r->history;
  const int E = r->n_epochs, C = r->n_classes;
  cJSON *res = sgdl_results_new("train", r->seed, params);
  cJSON_AddStringToObject(res, "data", r->data_desc);
  cJSON_AddNumberToObject(res, "n_train", (double)r->n_train);
  cJSON_AddNumberToObject(res, "n_test", (double)r->n_test);
  cJSON *net = cJSON_CreateObject();
  cJSON *sz = cJSON_CreateArray();
  for (int l = 0; l <= m->L; l++) sgdl_json_push(sz, cJSON_CreateNumber(m->size[l]));
  sgdl_json_put(net, "sizes", sz);
  cJSON_AddStringToObject(net, "activation", sgdl_act_name(m->act));
  cJSON_AddNumberToObject(net, "parameters", (double)m->n_params);
  cJSON_AddStringToObject(net, "precision", r->trainer.dtype == SGDL_DTYPE_F32 ? "float32 training steps (evaluation in double)" : "double");
  sgdl_json_put(res, "network", net);
  cJSON_AddStringToObject(res, "algo", sgdl_optim_rule_name(r->rule));
  cJSON_AddStringToObject(res, "dtype", sgdl_dtype_name(r->trainer.dtype));
  cJSON *epa = cJSON_CreateArray();
  for (int e = 0; e < E; e++) sgdl_json_push(epa, cJSON_CreateNumber(h->epoch[e]));
  sgdl_json_put(res, "epoch", epa);
  sgdl_json_put(res, "train_loss", sgdl_json_doubles(h->train_loss, (size_t)E));
  sgdl_json_put(res, "test_loss", sgdl_json_doubles(h->test_loss, (size_t)E));
  sgdl_json_put(res, "test_accuracy", sgdl_json_doubles(h->test_accuracy, (size_t)E));
  sgdl_json_put(res, "examples_per_second_per_epoch", sgdl_json_doubles(h->examples_per_second, (size_t)E));
  sgdl_json_add_number(res, "examples_per_second", r->examples_per_second);
  sgdl_json_add_number(res, "train_seconds", r->train_seconds);
  sgdl_json_add_number(res, "final_test_accuracy", r->final_test_accuracy);
  sgdl_json_add_number(res, "final_test_loss", r->final_test_loss);
  sgdl_json_add_number(res, "final_train_loss", r->final_train_loss);
  cJSON_AddNumberToObject(res, "steps", (double)r->trainer.step);
  cJSON *cm = cJSON_CreateArray();
  for (int i = 0; i < C; i++) {
    cJSON *row = cJSON_CreateArray();
    for (int j = 0; j < C; j++) sgdl_json_push(row, cJSON_CreateNumber((double)r->confusion[i * C + j]));
    sgdl_json_push(cm, row);
  }
  sgdl_json_put(res, "confusion", cm);
  return res;
}

static int write_curves(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r) {
  char path[4096];
  const sgdl_train_history *h = &r->history;
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "epoch,train_loss,test_loss,test_accuracy,examples_per_second,seconds\n");
  for (int e = 0; e < r->n_epochs; e++) {
    sgdl_csv_printf(&c, "%d,", h->epoch[e]);
    sgdl_csv_num(&c, h->train_loss[e], 0);
    sgdl_csv_num(&c, h->test_loss[e], 0);
    sgdl_csv_num(&c, h->test_accuracy[e], 0);
    sgdl_csv_num(&c, h->examples_per_second[e], 0);
    sgdl_csv_num(&c, h->seconds[e], 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "curves.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  const char *gp =
      "set terminal pngcairo size 1000,420 enhanced\n"
      "set output 'curves.png'\n"
      "set datafile separator ','\n"
      "set key autotitle columnhead\n"
      "set multiplot layout 1,2\n"
      "set xlabel 'epoch'\nset ylabel 'cross-entropy loss'\nset logscale y\n"
      "plot 'curves.csv' using 1:2 with linespoints title 'train', '' using 1:3 with linespoints title 'held out'\n"
      "unset logscale y\nset ylabel 'held-out accuracy'\n"
      "plot 'curves.csv' using 1:4 with linespoints title 'accuracy'\n"
      "unset multiplot\n";
  return sgdl_plot(ctx, sgdl_cli_out_dir(dir), "curves", gp, NULL);
}

static int write_confusion(sgdl_ctx *ctx, const char *dir, int C, const long *conf) {
  char path[4096];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "true\\predicted");
  for (int j = 0; j < C; j++) sgdl_csv_printf(&c, ",%d", j);
  sgdl_csv_printf(&c, "\n");
  for (int i = 0; i < C; i++) {
    sgdl_csv_printf(&c, "%d", i);
    for (int j = 0; j < C; j++) sgdl_csv_printf(&c, ",%ld", conf[i * C + j]);
    sgdl_csv_printf(&c, "\n");
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "confusion.csv"));
  sgdl_csv_free(&c);
  return rc;
}

int sgdl_train_write_tables(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r) {
  int rc = r->n_epochs > 0 ? write_curves(ctx, dir, r) : SGDL_OK;
  return rc ? rc : write_confusion(ctx, dir, r->n_classes, r->confusion);
}

static int write_spectra(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r) {
  char path[4096];
  const sgdl_spectra *sp = &r->spectra;
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "i,hessian_eigenvalue,hessian_residual,noise_eigenvalue,noise_residual,"
                      "noise_in_hessian_direction,variance_predicted_discrete,variance_predicted_sme1,variance_measured\n");
  for (int i = 0; i < sp->k; i++) {
    sgdl_csv_printf(&c, "%d,", i + 1);
    sgdl_csv_num(&c, sp->h[i], 0);
    sgdl_csv_num(&c, sp->hres[i], 0);
    sgdl_csv_num(&c, sp->svals[i], 0);
    sgdl_csv_num(&c, sp->sres[i], 0);
    sgdl_csv_num(&c, sp->ct[i], 0);
    sgdl_csv_num(&c, sp->var_pred[i], 0);
    sgdl_csv_num(&c, r->var_pred_sme1[i], 0);
    sgdl_csv_num(&c, r->fluct.var_meas[i], 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "spectra.csv"));
  sgdl_csv_free(&c);
  return rc;
}

static int write_fluctuation(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r) {
  char path[4096];
  const sgdl_fluct *fl = &r->fluct;
  const int k = r->spectra.k, np = k < 5 ? k : 5;
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "step,train_loss");
  for (int i = 0; i < np; i++) sgdl_csv_printf(&c, ",proj_u%d", i + 1);
  sgdl_csv_printf(&c, "\n");
  for (int rec = 0; rec < fl->nrec; rec++) {
    sgdl_csv_printf(&c, "%ld,", (long)(rec + 1) * fl->every);
    sgdl_csv_num(&c, fl->loss[rec], np == 0);
    for (int i = 0; i < np; i++) sgdl_csv_num(&c, fl->proj[(size_t)rec * k + i], i == np - 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "fluctuation.csv"));
  sgdl_csv_free(&c);
  return rc;
}

int sgdl_train_write_geometry(sgdl_ctx *ctx, const char *dir, const sgdl_train_study_result *r) {
  int rc = write_spectra(ctx, dir, r);
  if (!rc) rc = write_fluctuation(ctx, dir, r);
  if (rc) return rc;
  char gp[2048];
  snprintf(gp, sizeof gp,
           "set terminal pngcairo size 1000,420 enhanced\n"
           "set output 'geometry.png'\n"
           "set datafile separator ','\n"
           "set multiplot layout 1,2\n"
           "set xlabel 'index i'\nset ylabel 'eigenvalue'\nset logscale y\n"
           "plot 'spectra.csv' using 1:($2>0?$2:1/0) skip 1 with linespoints title 'Hessian h_i', "
           "'' using 1:($4>0?$4:1/0) skip 1 with linespoints title 'noise {/Symbol S}_B'\n"
           "set xlabel 'continuation step'\nset ylabel 'training loss'\nunset logscale y\n"
           "set samples 13\n"
           "plot 'fluctuation.csv' using 1:2 skip 1 with linespoints lt 1 pi %d title 'L(x_k)', "
           "%.17g with linespoints lt 2 dt 2 title 'L(mean x) + discrete prediction', "
           "%.17g with linespoints lt 3 dt 3 title 'L(mean x) + SME1 prediction'\n"
           "unset multiplot\n",
           r->fluct.nrec > 24 ? r->fluct.nrec / 12 : 1, r->fluct.loss_at_mean + r->spectra.pred_discrete,
           r->fluct.loss_at_mean + r->spectra.pred_sme1);
  return sgdl_plot(ctx, sgdl_cli_out_dir(dir), "geometry", gp, NULL);
}

cJSON *sgdl_train_geometry_json(const sgdl_train_study_result *r) {
  const sgdl_spectra *sp = &r->spectra;
  const sgdl_fluct *fl = &r->fluct;
  const int k = sp->k;
  cJSON *g = cJSON_CreateObject();
  cJSON_AddNumberToObject(g, "k", k);
  cJSON_AddStringToObject(g, "hessian_products", "exact (Pearlmutter R-operator)");
  cJSON_AddStringToObject(g, "eigen_solver", "Lanczos with full reorthogonalisation, LAPACK dstev");
  sgdl_json_add_number(g, "lr", sp->alpha);
  sgdl_json_add_number(g, "loss_at_weights", fl->loss_start);
  sgdl_json_add_number(g, "gradient_norm", fl->grad_norm);
  sgdl_json_put(g, "noise_to_signal", sgdl_noise_scale_json(&r->noise));
  sgdl_json_put(g, "hessian_eigenvalues", sgdl_json_doubles(sp->h, (size_t)k));
  sgdl_json_put(g, "hessian_residuals", sgdl_json_doubles(sp->hres, (size_t)k));
  cJSON_AddNumberToObject(g, "hessian_lanczos_steps", sp->hinfo.iters);
  cJSON_AddNumberToObject(g, "hessian_converged", sp->hinfo.converged);
  sgdl_json_put(g, "noise_eigenvalues", sgdl_json_doubles(sp->svals, (size_t)k));
  sgdl_json_put(g, "noise_residuals", sgdl_json_doubles(sp->sres, (size_t)k));
  cJSON_AddNumberToObject(g, "noise_lanczos_steps", sp->sinfo.iters);
  cJSON_AddNumberToObject(g, "noise_converged", sp->sinfo.converged);
  sgdl_json_put(g, "noise_in_hessian_directions", sgdl_json_doubles(sp->ct, (size_t)k));
  sgdl_json_put(g, "variance_predicted", sgdl_json_doubles(sp->var_pred, (size_t)k));
  sgdl_json_put(g, "variance_measured", sgdl_json_doubles(fl->var_meas, (size_t)k));
  sgdl_json_put(g, "overlap", sgdl_json_matrix(k, k, sp->overlap));
  sgdl_json_add_number(g, "alignment", sp->alignment);
  cJSON_AddNumberToObject(g, "directions_skipped", sp->n_skipped);
  cJSON *x = cJSON_CreateObject();
  sgdl_json_add_number(x, "sme1", sp->pred_sme1);
  sgdl_json_add_number(x, "sme2", sp->pred_sme2);
  sgdl_json_add_number(x, "discrete", sp->pred_discrete);
  sgdl_json_add_number(x, "measured_restricted", fl->excess_restricted);
  sgdl_json_add_number(x, "measured_restricted_se", fl->excess_restricted_se);
  sgdl_json_add_number(x, "measured_total", fl->excess_total);
  sgdl_json_add_number(x, "measured_total_se", fl->excess_total_se);
  sgdl_json_put(g, "excess_loss", x);
  cJSON *cont = cJSON_CreateObject();
  cJSON_AddNumberToObject(cont, "steps", (double)r->geometry_steps);
  cJSON_AddNumberToObject(cont, "every", fl->every);
  cJSON_AddNumberToObject(cont, "records", fl->nrec);
  cJSON_AddNumberToObject(cont, "burn_in_records", fl->burn);
  sgdl_json_add_number(cont, "loss_mean", fl->loss_mean);
  sgdl_json_add_number(cont, "loss_at_mean_iterate", fl->loss_at_mean);
  sgdl_json_put(g, "continuation", cont);
  sgdl_json_add_number(g, "seconds", r->geometry_seconds);
  return g;
}

void sgdl_train_print_geometry(const sgdl_train_study_result *r, int k) {
  const sgdl_spectra *sp = &r->spectra;
  const sgdl_fluct *fl = &r->fluct;
  printf("geometry at the final weights (%d eigenpairs, exact Hessian products, Lanczos: %d/%d steps, "
         "largest residual %.2g/%.2g):\n",
         k, sp->hinfo.iters, sp->sinfo.iters, sp->hinfo.max_resid, sp->sinfo.max_resid);
  printf("  Hessian top eigenvalues   :");
  for (int i = 0; i < sp->k && i < 6; i++) printf(" %.4g", sp->h[i]);
  printf("%s\n  noise (Sigma_B) top       :", sp->k > 6 ? " ..." : "");
  for (int i = 0; i < sp->k && i < 6; i++) printf(" %.4g", sp->svals[i]);
  printf("%s\n  alignment of the top-%d subspaces: %.3f (1 = identical, %.3g for random)\n", sp->k > 6 ? " ..." : "",
         sp->k, sp->alignment, (double)sp->k / (double)r->m.n_params);
  printf("  lr x top Hessian eigenvalue: %.3g (stable below 2)%s\n", sp->alpha * sp->h[0],
         sp->n_skipped ? "  -- some directions skipped: no stationary law" : "");
  printf("  stationary excess loss 1/2 tr(H Sigma) in the top-%d Hessian directions:\n", sp->k);
  printf("    SME1 prediction      %.4g\n    SME2 prediction      %.4g\n    discrete prediction  %.4g\n",
         sp->pred_sme1, sp->pred_sme2, sp->pred_discrete);
  printf("    measured (SGD, %llu more steps): %.4g +- %.2g\n", (unsigned long long)r->geometry_steps,
         fl->excess_restricted, fl->excess_restricted_se);
  printf("  whole loss: mean L(x_k) - L(mean x_k) = %.4g +- %.2g (all directions)\n", fl->excess_total,
         fl->excess_total_se);
  sgdl_noise_scale_print(&r->noise, "at the final weights");
}
