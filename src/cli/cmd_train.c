/* sgdlab train: train a multilayer perceptron on IDX image data with SGD (or heavy ball,
 * Nesterov, Adam), one line per epoch, curves/confusion/weights into --out, --resume from a
 * weight file, and with --geometry K the noise geometry at the final weights (top-K spectra
 * of the Hessian and of the minibatch noise covariance, SME and discrete predictions of the
 * stationary excess loss, and the fluctuation measured by continuing SGD).
 * Numerics live in the nn layer (include/sgdlab/nn.h); this file parses, prints and writes. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/nn.h"

/* OpenBLAS: threads for dgemm (the batch > 1 path and the geometry passes). */
void openblas_set_num_threads(int num_threads);

static int parse_hidden(sgdl_ctx *ctx, const char *text, int *hidden, int *n) {
  *n = 0;
  if (!text || !strcmp(text, "0") || !strcmp(text, "") || !strcmp(text, "none")) return SGDL_OK;
  const char *p = text;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65536 || (*end && *end != ','))
      return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden: \"%s\" is not a comma-separated list of widths 1..65536", text);
    if (*n >= SGDL_MLP_MAX_LAYERS - 1)
      return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden: at most %d hidden layers", SGDL_MLP_MAX_LAYERS - 1);
    hidden[(*n)++] = (int)v;
    p = *end ? end + 1 : end;
  }
  return SGDL_OK;
}

/* The trainer reports progress within one run (an epoch); the bar shows the whole run. */
typedef struct {
  sgdl_progress_bar *bar;
  int e, E;
} epoch_progress;
static void epoch_progress_update(void *u, double f) {
  const epoch_progress *p = u;
  sgdl_progress_bar_update(p->bar, (p->e + f) / p->E);
}

static int get_int(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, long long lo, long long hi, long long *v) {
  int rc = sgdl_opt_int(ctx, opts, name, v);
  if (!rc && (*v < lo || *v > hi))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--%s: %lld is outside %lld .. %lld", name, *v, lo, hi);
  return rc;
}

static int write_curves(sgdl_ctx *ctx, const char *dir, int E, const int *ep, const double *trl,
                        const double *tel, const double *acc, const double *eps, const double *secs) {
  char path[4096];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "epoch,train_loss,test_loss,test_accuracy,examples_per_second,seconds\n");
  for (int e = 0; e < E; e++) {
    sgdl_csv_printf(&c, "%d,", ep[e]);
    sgdl_csv_num(&c, trl[e], 0);
    sgdl_csv_num(&c, tel[e], 0);
    sgdl_csv_num(&c, acc[e], 0);
    sgdl_csv_num(&c, eps[e], 0);
    sgdl_csv_num(&c, secs[e], 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, dir, "curves.csv"));
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
  return sgdl_plot(ctx, dir, "curves", gp, NULL);
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
  int rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, dir, "confusion.csv"));
  sgdl_csv_free(&c);
  return rc;
}

static int write_geometry(sgdl_ctx *ctx, const char *dir, const sgdl_spectra *sp, const sgdl_fluct *fl) {
  char path[4096];
  const int k = sp->k;
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "i,hessian_eigenvalue,hessian_residual,noise_eigenvalue,noise_residual,"
                      "noise_in_hessian_direction,variance_predicted_discrete,variance_predicted_sme1,variance_measured\n");
  for (int i = 0; i < k; i++) {
    sgdl_csv_printf(&c, "%d,", i + 1);
    sgdl_csv_num(&c, sp->h[i], 0);
    sgdl_csv_num(&c, sp->hres[i], 0);
    sgdl_csv_num(&c, sp->svals[i], 0);
    sgdl_csv_num(&c, sp->sres[i], 0);
    sgdl_csv_num(&c, sp->ct[i], 0);
    sgdl_csv_num(&c, sp->var_pred[i], 0);
    sgdl_csv_num(&c, sp->h[i] > 0 ? sp->ct[i] * sp->alpha / (2 * sp->h[i]) : NAN, 0);
    sgdl_csv_num(&c, fl->var_meas[i], 1);
  }
  int rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, dir, "spectra.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "step,train_loss");
  const int np = k < 5 ? k : 5;
  for (int i = 0; i < np; i++) sgdl_csv_printf(&c, ",proj_u%d", i + 1);
  sgdl_csv_printf(&c, "\n");
  for (int r = 0; r < fl->nrec; r++) {
    sgdl_csv_printf(&c, "%ld,", (long)(r + 1) * fl->every);
    sgdl_csv_num(&c, fl->loss[r], np == 0);
    for (int i = 0; i < np; i++) sgdl_csv_num(&c, fl->proj[(size_t)r * k + i], i == np - 1);
  }
  rc = sgdl_csv_write(ctx, &c, sgdl_path_join(path, sizeof path, dir, "fluctuation.csv"));
  sgdl_csv_free(&c);
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
           "plot 'fluctuation.csv' using 1:2 skip 1 with lines title 'L(x_k)', "
           "%.17g with lines dt 2 title 'L(mean x) + discrete prediction', "
           "%.17g with lines dt 3 title 'L(mean x) + SME1 prediction'\n"
           "unset multiplot\n",
           fl->loss_at_mean + sp->pred_discrete, fl->loss_at_mean + sp->pred_sme1);
  return sgdl_plot(ctx, dir, "geometry", gp, NULL);
}

static cJSON *geometry_json(const sgdl_spectra *sp, const sgdl_fluct *fl, uint64_t steps) {
  const int k = sp->k;
  cJSON *g = cJSON_CreateObject();
  cJSON_AddNumberToObject(g, "k", k);
  cJSON_AddStringToObject(g, "hessian_products", "exact (Pearlmutter R-operator)");
  cJSON_AddStringToObject(g, "eigen_solver", "Lanczos with full reorthogonalisation, LAPACK dstev");
  sgdl_json_add_number(g, "lr", sp->alpha);
  sgdl_json_add_number(g, "loss_at_weights", fl->loss_start);
  sgdl_json_add_number(g, "gradient_norm", fl->grad_norm);
  cJSON_AddItemToObject(g, "hessian_eigenvalues", sgdl_json_doubles(sp->h, (size_t)k));
  cJSON_AddItemToObject(g, "hessian_residuals", sgdl_json_doubles(sp->hres, (size_t)k));
  cJSON_AddNumberToObject(g, "hessian_lanczos_steps", sp->hinfo.iters);
  cJSON_AddNumberToObject(g, "hessian_converged", sp->hinfo.converged);
  cJSON_AddItemToObject(g, "noise_eigenvalues", sgdl_json_doubles(sp->svals, (size_t)k));
  cJSON_AddItemToObject(g, "noise_residuals", sgdl_json_doubles(sp->sres, (size_t)k));
  cJSON_AddNumberToObject(g, "noise_lanczos_steps", sp->sinfo.iters);
  cJSON_AddNumberToObject(g, "noise_converged", sp->sinfo.converged);
  cJSON_AddItemToObject(g, "noise_in_hessian_directions", sgdl_json_doubles(sp->ct, (size_t)k));
  cJSON_AddItemToObject(g, "variance_predicted", sgdl_json_doubles(sp->var_pred, (size_t)k));
  cJSON_AddItemToObject(g, "variance_measured", sgdl_json_doubles(fl->var_meas, (size_t)k));
  cJSON_AddItemToObject(g, "overlap", sgdl_json_matrix(k, k, sp->overlap));
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
  cJSON_AddItemToObject(g, "excess_loss", x);
  cJSON *cont = cJSON_CreateObject();
  cJSON_AddNumberToObject(cont, "steps", (double)steps);
  cJSON_AddNumberToObject(cont, "every", fl->every);
  cJSON_AddNumberToObject(cont, "records", fl->nrec);
  cJSON_AddNumberToObject(cont, "burn_in_records", fl->burn);
  sgdl_json_add_number(cont, "loss_mean", fl->loss_mean);
  sgdl_json_add_number(cont, "loss_at_mean_iterate", fl->loss_at_mean);
  cJSON_AddItemToObject(g, "continuation", cont);
  return g;
}

int sgdl_cmd_train(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      {"data", OPT_STR, NULL, "folder with train-/t10k- images and labels (IDX, raw or .gz)", NULL, 0},
      {"train", OPT_INT, "-1", "training examples (-1: all; t10k-only folders: 8000, the first ones)", NULL, 0},
      {"test", OPT_INT, "-1", "held-out examples (-1: all; t10k-only folders: 2000, the last ones)", NULL, 0},
      {"hidden", OPT_STR, "128,64", "hidden layer widths, comma-separated (0: none)", NULL, 0},
      {"act", OPT_STR, "relu", "hidden activation: relu | tanh | sigmoid", NULL, 0},
      {"algo", OPT_STR, "sgd", "optimiser: sgd | hb | nag | adam", NULL, 0},
      {"lr", OPT_NUM, "0.02", "learning rate", NULL, 0},
      {"batch", OPT_INT, "1", "minibatch size", NULL, 0},
      {"without-replacement", OPT_FLAG, NULL, "draw each minibatch as a uniform subset (default: i.i.d. indices)", NULL, 0},
      {"momentum", OPT_NUM, "0.9", "hb/nag momentum", NULL, 0},
      {"beta1", OPT_NUM, "0.9", "adam beta1", NULL, 0},
      {"beta2", OPT_NUM, "0.999", "adam beta2", NULL, 0},
      {"eps", OPT_NUM, "1e-8", "adam epsilon", NULL, 0},
      {"epochs", OPT_INT, "10", "epochs to train (after --resume: further epochs)", NULL, 0},
      {"resume", OPT_STR, NULL, "continue from a weight file written by an earlier run", NULL, 0},
      {"save", OPT_STR, NULL, "write the weights here (default: OUT/weights.bin with --out)", NULL, 0},
      {"geometry", OPT_INT, "0", "top-K Hessian and noise eigenpairs at the final weights, and the fluctuation test", NULL, 0},
      {"geometry-steps", OPT_INT, "0", "SGD steps of the fluctuation measurement (0: two epochs)", NULL, 0},
      {"geometry-every", OPT_INT, "0", "record the loss every this many steps (0: steps/200)", NULL, 0},
      {"geometry-iters", OPT_INT, "0", "Lanczos steps per operator (0: 3K + 30)", NULL, 0},
      {"geometry-tol", OPT_NUM, "1e-6", "Lanczos relative residual tolerance", NULL, 0},
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  int rc = sgdl_cli_parse(&ctx, "train",
                          "Train a multilayer perceptron on IDX image data (MNIST, Fashion-MNIST) with SGD, and with\n"
                          "--geometry K measure the gradient-noise geometry where it lands.",
                          opts, argc, argv);
  if (rc) return sgdl_cli_error(&ctx, "train", rc);
  uint32_t seed;
  rc = sgdl_cli_common(&ctx, opts, &seed);
  long long ntrain, ntest, batch, epochs, K, gsteps, gevery, giters;
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0, gtol = 0;
  if (!rc) rc = get_int(&ctx, opts, "train", -1, 1LL << 31, &ntrain);
  if (!rc) rc = get_int(&ctx, opts, "test", -1, 1LL << 31, &ntest);
  if (!rc) rc = get_int(&ctx, opts, "batch", 1, 1 << 20, &batch);
  if (!rc) rc = get_int(&ctx, opts, "epochs", 0, 1000000, &epochs);
  if (!rc) rc = get_int(&ctx, opts, "geometry", 0, 1000, &K);
  if (!rc) rc = get_int(&ctx, opts, "geometry-steps", 0, 1LL << 40, &gsteps);
  if (!rc) rc = get_int(&ctx, opts, "geometry-every", 0, 1LL << 30, &gevery);
  if (!rc) rc = get_int(&ctx, opts, "geometry-iters", 0, 100000, &giters);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "lr", &lr);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "momentum", &momentum);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "beta1", &beta1);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "beta2", &beta2);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "eps", &eps);
  if (!rc) rc = sgdl_opt_num(&ctx, opts, "geometry-tol", &gtol);
  if (!rc && !(gtol > 0 && gtol < 1)) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--geometry-tol: %g is not in (0, 1)", gtol);
  int rule = sgdl_optim_rule_parse(sgdl_opt_str(opts, "algo"));
  if (!rc && rule < 0)
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--algo: \"%s\" is not one of sgd, hb, nag, adam", sgdl_opt_str(opts, "algo"));
  int act = sgdl_act_parse(sgdl_opt_str(opts, "act"));
  if (!rc && act < 0)
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--act: \"%s\" is not one of relu, tanh, sigmoid", sgdl_opt_str(opts, "act"));
  int hidden[SGDL_MLP_MAX_LAYERS], nh = 0;
  if (!rc) rc = parse_hidden(&ctx, sgdl_opt_str(opts, "hidden"), hidden, &nh);
  if (!rc && !sgdl_opt_str(opts, "data"))
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--data: required (a folder holding IDX files, e.g. data/mnist)");
  const char *out = sgdl_opt_str(opts, "out");
  if (!rc && out) rc = sgdl_outdir_prepare(&ctx, out, "--out");
  if (rc) return sgdl_cli_error(&ctx, "train", rc);
  openblas_set_num_threads(sgdl_ctx_threads(&ctx));
  const int talk = ctx.verbosity > 0 && !sgdl_opt_flag(opts, "json");

  /* resume: the network, optimiser state, step counter and seed come from the file */
  sgdl_weights wt;
  memset(&wt, 0, sizeof wt);
  const char *resume = sgdl_opt_str(opts, "resume");
  if (resume) {
    rc = sgdl_weights_load(&ctx, resume, &wt);
    if (rc) return sgdl_cli_error(&ctx, "train", rc);
    if (sgdl_opt_given(opts, "algo") && rule != wt.rule)
      rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--algo %s: %s was trained with %s (its optimiser state is for that rule)",
                     sgdl_optim_rule_name(rule), resume, sgdl_optim_rule_name(wt.rule));
    if (!rc && sgdl_opt_given(opts, "act") && act != wt.m.act)
      rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--act %s: %s uses %s", sgdl_act_name(act), resume, sgdl_act_name(wt.m.act));
    if (!rc && sgdl_opt_given(opts, "hidden")) {
      int same = nh == wt.m.L - 1;
      for (int i = 0; same && i < nh; i++) same = hidden[i] == wt.m.size[i + 1];
      if (!same) rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--hidden %s: does not match the layers stored in %s",
                                sgdl_opt_str(opts, "hidden"), resume);
    }
    if (rc) {
      sgdl_weights_free(&wt);
      return sgdl_cli_error(&ctx, "train", rc);
    }
    rule = wt.rule;
    act = wt.m.act;
    if (!sgdl_opt_given(opts, "seed")) seed = wt.seed;
  }

  sgdl_imageset tr, te;
  char desc[256];
  rc = sgdl_data_open(&ctx, sgdl_opt_str(opts, "data"), (long)ntrain, (long)ntest, &tr, &te, desc);
  if (rc) {
    sgdl_weights_free(&wt);
    return sgdl_cli_error(&ctx, "train", rc);
  }
  sgdl_mlp m;
  if (resume) {
    m = wt.m;
    if (m.size[0] != tr.dim || m.size[m.L] < tr.n_classes)
      rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--resume: %s is a %d-input, %d-class network; the data have %d pixels and %d classes",
                     resume, m.size[0], m.size[m.L], tr.dim, tr.n_classes);
  } else {
    rc = sgdl_mlp_init(&ctx, &m, tr.dim, hidden, nh, tr.n_classes, act);
  }
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = (int)batch;
  par.without_replacement = sgdl_opt_flag(opts, "without-replacement");
  par.momentum = momentum;
  par.beta1 = beta1;
  par.beta2 = beta2;
  par.eps = eps;
  sgdl_trainer t;
  memset(&t, 0, sizeof t);
  if (!rc) rc = sgdl_trainer_create(&ctx, &t, &m, rule, &par, seed, 0);
  if (!rc && par.without_replacement && (size_t)par.batch > tr.n)
    rc = sgdl_fail(&ctx, SGDL_EUSAGE, "--batch: %d exceeds the %zu training examples", par.batch, tr.n);
  if (!rc && resume) {
    memcpy(t.params, wt.params, m.n_params * sizeof(double));
    if (wt.naux) memcpy(t.aux, wt.aux, (size_t)wt.naux * m.n_params * sizeof(double));
    t.step = wt.step;
    t.epoch = wt.epoch;
  }
  sgdl_weights_free(&wt);
  sgdl_mlp_work ew;
  memset(&ew, 0, sizeof ew);
  if (!rc) rc = sgdl_mlp_work_alloc(&ctx, &m, 256, &ew);
  const int E = (int)epochs, C = m.size[m.L];
  int *ep = calloc((size_t)E + 1, sizeof *ep);
  double *trl = calloc((size_t)E + 1, sizeof *trl), *tel = calloc((size_t)E + 1, sizeof *tel);
  double *acc = calloc((size_t)E + 1, sizeof *acc), *eps_ = calloc((size_t)E + 1, sizeof *eps_);
  double *secs = calloc((size_t)E + 1, sizeof *secs);
  long *conf = calloc((size_t)C * C, sizeof *conf);
  if (!rc && (!ep || !trl || !tel || !acc || !eps_ || !secs || !conf)) rc = sgdl_fail(&ctx, SGDL_ENOMEM, "out of memory");
  if (rc) goto done;

  if (talk) {
    printf("data: %s\n", desc);
    printf("network: %d", m.size[0]);
    for (int l = 1; l <= m.L; l++) printf("-%d", m.size[l]);
    printf(" (%s, %zu parameters, double), %s lr %g batch %d%s", sgdl_act_name(m.act), m.n_params,
           sgdl_optim_rule_name(rule), lr, par.batch, par.without_replacement ? " without replacement" : "");
    if (resume) printf(", resumed from %s at epoch %d (step %llu)", resume, t.epoch, (unsigned long long)t.step);
    printf("\n");
  }
  sgdl_progress_bar bar;
  sgdl_progress_bar_start(&bar, "train");
  if (!talk) bar.active = 0;
  const uint64_t spe = sgdl_trainer_epoch_steps(&t, tr.n);
  double train_time = 0.0;
  size_t ok = 0;
  for (int e = 0; e < E; e++) {
    epoch_progress pm = {&bar, e, E};
    ctx.progress = epoch_progress_update;
    ctx.progress_user = &pm;
    double t0 = sgdl_now();
    rc = sgdl_trainer_run(&ctx, &t, &tr, spe, NULL);
    double dt = sgdl_now() - t0;
    if (rc) break;
    t.epoch++;
    train_time += dt;
    ep[e] = t.epoch;
    secs[e] = dt;
    eps_[e] = (double)spe * par.batch / dt;
    trl[e] = sgdl_mlp_evaluate(&m, t.params, &tr, &ew, NULL, NULL, NULL);
    tel[e] = sgdl_mlp_evaluate(&m, t.params, &te, &ew, NULL, &ok, conf);
    acc[e] = (double)ok / (double)te.n;
    if (!isfinite(trl[e])) {
      rc = sgdl_fail(&ctx, SGDL_EDIVERGED, "--lr: training loss is %g after epoch %d; try a smaller learning rate",
                     trl[e], t.epoch);
      break;
    }
    if (talk) {
      if (bar.active) fprintf(stderr, "\r%*s\r", 78, "");
      printf("epoch %3d  train loss %.4f  held-out loss %.4f  accuracy %6.2f%%  %8.0f examples/s\n", t.epoch, trl[e],
             tel[e], 100 * acc[e], eps_[e]);
      fflush(stdout);
    }
  }
  sgdl_progress_bar_finish(&bar);
  ctx.progress = NULL;
  if (rc) goto done;
  if (E == 0) { /* evaluation only (e.g. of a resumed file) */
    tel[0] = sgdl_mlp_evaluate(&m, t.params, &te, &ew, NULL, &ok, conf);
    trl[0] = sgdl_mlp_evaluate(&m, t.params, &tr, &ew, NULL, NULL, NULL);
    acc[0] = (double)ok / (double)te.n;
    if (talk) printf("no training: train loss %.4f  held-out loss %.4f  accuracy %.2f%%\n", trl[0], tel[0], 100 * acc[0]);
  }

  cJSON *res = sgdl_results_new("train", seed, sgdl_cli_params_json(opts));
  cJSON_AddStringToObject(res, "data", desc);
  cJSON_AddNumberToObject(res, "n_train", (double)tr.n);
  cJSON_AddNumberToObject(res, "n_test", (double)te.n);
  cJSON *net = cJSON_CreateObject();
  cJSON *sz = cJSON_CreateArray();
  for (int l = 0; l <= m.L; l++) cJSON_AddItemToArray(sz, cJSON_CreateNumber(m.size[l]));
  cJSON_AddItemToObject(net, "sizes", sz);
  cJSON_AddStringToObject(net, "activation", sgdl_act_name(m.act));
  cJSON_AddNumberToObject(net, "parameters", (double)m.n_params);
  cJSON_AddStringToObject(net, "precision", "double");
  cJSON_AddItemToObject(res, "network", net);
  cJSON_AddStringToObject(res, "algo", sgdl_optim_rule_name(rule));
  cJSON *epa = cJSON_CreateArray();
  for (int e = 0; e < E; e++) cJSON_AddItemToArray(epa, cJSON_CreateNumber(ep[e]));
  cJSON_AddItemToObject(res, "epoch", epa);
  cJSON_AddItemToObject(res, "train_loss", sgdl_json_doubles(trl, (size_t)E));
  cJSON_AddItemToObject(res, "test_loss", sgdl_json_doubles(tel, (size_t)E));
  cJSON_AddItemToObject(res, "test_accuracy", sgdl_json_doubles(acc, (size_t)E));
  cJSON_AddItemToObject(res, "examples_per_second_per_epoch", sgdl_json_doubles(eps_, (size_t)E));
  sgdl_json_add_number(res, "examples_per_second", E ? (double)spe * par.batch * E / train_time : NAN);
  sgdl_json_add_number(res, "train_seconds", train_time);
  const int last = E ? E - 1 : 0;
  sgdl_json_add_number(res, "final_test_accuracy", acc[last]);
  sgdl_json_add_number(res, "final_test_loss", tel[last]);
  sgdl_json_add_number(res, "final_train_loss", trl[last]);
  cJSON_AddNumberToObject(res, "steps", (double)t.step);
  cJSON *cm = cJSON_CreateArray();
  for (int i = 0; i < C; i++) {
    cJSON *row = cJSON_CreateArray();
    for (int j = 0; j < C; j++) cJSON_AddItemToArray(row, cJSON_CreateNumber((double)conf[i * C + j]));
    cJSON_AddItemToArray(cm, row);
  }
  cJSON_AddItemToObject(res, "confusion", cm);

  char path[4096];
  const char *save = sgdl_opt_str(opts, "save");
  if (!save && out) save = sgdl_path_join(path, sizeof path, out, "weights.bin");
  if (save) {
    rc = sgdl_weights_save(&ctx, save, &t);
    if (rc) {
      cJSON_Delete(res);
      goto done;
    }
    cJSON_AddStringToObject(res, "weights", save);
    if (talk) printf("weights: %s\n", save);
  }
  fflush(stdout); /* before gnuplot forks: a child must not inherit unflushed output */
  if (out && E > 0) rc = write_curves(&ctx, out, E, ep, trl, tel, acc, eps_, secs);
  if (!rc && out) rc = write_confusion(&ctx, out, C, conf);
  if (rc) {
    cJSON_Delete(res);
    goto done;
  }

  if (K > 0) {
    sgdl_spectra_opts so = {(int)K, (int)giters, gtol, seed};
    sgdl_fluct_opts fo = {gsteps ? (uint64_t)gsteps : 2 * spe, (int)gevery, 0.2, 256};
    if (!fo.every) fo.every = (int)(fo.steps / 200 ? fo.steps / 200 : 1);
    sgdl_spectra sp;
    sgdl_fluct fl;
    sgdl_progress_bar gbar;
    sgdl_progress_bar_start(&gbar, "geometry");
    if (!talk) gbar.active = 0;
    ctx.progress = sgdl_progress_bar_update;
    ctx.progress_user = &gbar;
    double g0 = sgdl_now();
    rc = sgdl_geometry_network(&ctx, &t, &tr, &so, &fo, &sp, &fl);
    sgdl_progress_bar_finish(&gbar);
    ctx.progress = NULL;
    if (rc) {
      cJSON_Delete(res);
      goto done;
    }
    cJSON *g = geometry_json(&sp, &fl, fo.steps);
    sgdl_json_add_number(g, "seconds", sgdl_now() - g0);
    cJSON_AddItemToObject(res, "geometry", g);
    if (talk) {
      printf("geometry at the final weights (%lld eigenpairs, exact Hessian products, Lanczos: %d/%d steps, "
             "largest residual %.2g/%.2g):\n",
             K, sp.hinfo.iters, sp.sinfo.iters, sp.hinfo.max_resid, sp.sinfo.max_resid);
      printf("  Hessian top eigenvalues   :");
      for (int i = 0; i < sp.k && i < 6; i++) printf(" %.4g", sp.h[i]);
      printf("%s\n  noise (Sigma_B) top       :", sp.k > 6 ? " ..." : "");
      for (int i = 0; i < sp.k && i < 6; i++) printf(" %.4g", sp.svals[i]);
      printf("%s\n  alignment of the top-%d subspaces: %.3f (1 = identical, %.3g for random)\n", sp.k > 6 ? " ..." : "",
             sp.k, sp.alignment, (double)sp.k / (double)m.n_params);
      printf("  lr x top Hessian eigenvalue: %.3g (stable below 2)%s\n", lr * sp.h[0],
             sp.n_skipped ? "  -- some directions skipped: no stationary law" : "");
      printf("  stationary excess loss 1/2 tr(H Sigma) in the top-%d Hessian directions:\n", sp.k);
      printf("    SME1 prediction      %.4g\n    SME2 prediction      %.4g\n    discrete prediction  %.4g\n",
             sp.pred_sme1, sp.pred_sme2, sp.pred_discrete);
      printf("    measured (SGD, %llu more steps): %.4g +- %.2g\n", (unsigned long long)fo.steps, fl.excess_restricted,
             fl.excess_restricted_se);
      printf("  whole loss: mean L(x_k) - L(mean x_k) = %.4g +- %.2g (all directions)\n", fl.excess_total,
             fl.excess_total_se);
    }
    fflush(stdout);
    if (out) rc = write_geometry(&ctx, out, &sp, &fl);
    sgdl_spectra_free(&sp);
    sgdl_fluct_free(&fl);
    if (rc) {
      cJSON_Delete(res);
      goto done;
    }
  } else if (talk) {
    printf("final: held-out accuracy %.2f%% after %d epochs (%.1f s training, %.0f examples/s)\n", 100 * acc[last],
           t.epoch, train_time, E ? (double)spe * par.batch * E / train_time : 0.0);
  }
  rc = SGDL_OK;
  free(ep), free(trl), free(tel), free(acc), free(eps_), free(secs), free(conf);
  sgdl_mlp_work_free(&ew);
  sgdl_trainer_free(&t);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  return sgdl_cli_emit(&ctx, opts, res);
done:
  free(ep), free(trl), free(tel), free(acc), free(eps_), free(secs), free(conf);
  sgdl_mlp_work_free(&ew);
  sgdl_trainer_free(&t);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  return sgdl_cli_error(&ctx, "train", rc);
}
