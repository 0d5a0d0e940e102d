/* sgdlab train: train a multilayer perceptron on IDX image data with SGD (or heavy ball,
 * Nesterov, Adam), one line per epoch, curves/confusion/weights into --out, --resume from a
 * weight file, and with --geometry K the noise geometry at the final weights (top-K spectra
 * of the Hessian and of the minibatch noise covariance, SME and discrete predictions of the
 * stationary excess loss, and the fluctuation measured by continuing SGD).
 * The run is the training study (include/sgdlab/study_train.h); this file maps flags to its
 * spec, prints progress and summaries, and writes the weights; train_output.c writes the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/train_output.h"

/* What the command shows while the study runs: header, epoch lines, one progress bar per phase. */
typedef struct {
  int talk;
  const char *resume;
  sgdl_progress_bar bar;
} train_view;

static void view_progress(void *u, double fraction) {
  train_view *v = u;
  sgdl_progress_bar_update(&v->bar, fraction);
}

static void view_event(void *u, int event, const sgdl_train_study_result *r) {
  train_view *v = u;
  const sgdl_trainer *t = &r->trainer;
  if (event == SGDL_TRAIN_EVENT_READY) {
    if (v->talk) {
      printf("data: %s\n", r->data_desc);
      printf("network: %d", r->m.size[0]);
      for (int l = 1; l <= r->m.L; l++) printf("-%d", r->m.size[l]);
      printf(" (%s, %zu parameters, %s), %s lr %g batch %d%s", sgdl_act_name(r->m.act), r->m.n_params,
             t->dtype == SGDL_DTYPE_F32 ? "float32" : "double",
             sgdl_optim_rule_name(r->rule), t->par.lr, t->par.batch,
             t->par.without_replacement ? " without replacement" : "");
      if (v->resume) printf(", resumed from %s at epoch %d (step %llu)", v->resume, r->start_epoch,
                            (unsigned long long)r->start_step);
      printf("\n");
    }
    sgdl_cli_progress_bar_start(&v->bar, "train");
    if (!v->talk) v->bar.active = 0;
  } else if (event == SGDL_TRAIN_EVENT_EPOCH) {
    const int e = r->n_done - 1;
    if (!v->talk) return;
    if (v->bar.active) fprintf(stderr, "\r%*s\r", 78, "");
    printf("epoch %3d  train loss %.4f  held-out loss %.4f  accuracy %6.2f%%  %8.0f examples/s\n",
           r->history.epoch[e], r->history.train_loss[e], r->history.test_loss[e], 100 * r->history.test_accuracy[e],
           r->history.examples_per_second[e]);
    fflush(stdout);
  } else if (event == SGDL_TRAIN_EVENT_GEOMETRY) {
    sgdl_progress_bar_finish(&v->bar);
    sgdl_cli_progress_bar_start(&v->bar, "geometry");
    if (!v->talk) v->bar.active = 0;
  }
}

/* Flags -> spec (everything but the resume-dependent choices). Ranges and choices were checked by
 * sgdl_cli_parse (the table); the optimiser's parameters come from the shared mapper. */
static int build_spec(sgdl_ctx *ctx, sgdl_opt *opts, uint32_t seed, sgdl_train_spec *spec) {
  long long ntrain, ntest, epochs, K, gsteps, gevery, giters;
  sgdl_train_spec_init(spec);
  spec->seed = seed;
  int rc = sgdl_cli_algo_params(ctx, opts, NULL, &spec->par, NULL); /* --lr, --batch, --without-replacement, ... */
  if (!rc) rc = sgdl_opt_int(ctx, opts, "train", &ntrain);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "test", &ntest);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "epochs", &epochs);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "geometry", &K);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "geometry-steps", &gsteps);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "geometry-every", &gevery);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "geometry-iters", &giters);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "geometry-tol", &spec->geometry_tol);
  if (rc) return rc;
  /* the names are the table's choices; the parsers map them to the library's enums */
  spec->rule = sgdl_optim_rule_parse(sgdl_opt_str(opts, "algo"));
  if (spec->rule < 0)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo: \"%s\" is not one of sgd, hb, nag, adam", sgdl_opt_str(opts, "algo"));
  spec->act = sgdl_act_parse(sgdl_opt_str(opts, "act"));
  if (spec->act < 0)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--act: \"%s\" is not one of relu, tanh, sigmoid", sgdl_opt_str(opts, "act"));
  rc = sgdl_cli_parse_hidden(ctx, sgdl_opt_str(opts, "hidden"), spec->hidden, &spec->n_hidden);
  if (rc) return rc;
  spec->dtype = sgdl_dtype_parse(sgdl_opt_str(opts, "dtype"));
  if (spec->dtype < 0)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--dtype: \"%s\" is not one of float64, float32", sgdl_opt_str(opts, "dtype"));
  spec->data = sgdl_opt_str(opts, "data");
  if (!spec->data) return sgdl_fail(ctx, SGDL_EUSAGE, "--data: required (a folder holding IDX files, e.g. data/mnist)");
  spec->n_train = (long)ntrain;
  spec->n_test = (long)ntest;
  spec->epochs = (int)epochs;
  spec->geometry_k = (int)K;
  spec->geometry_steps = (uint64_t)gsteps;
  spec->geometry_every = (int)gevery;
  spec->geometry_iters = (int)giters;
  /* resume: unless given here, the layers, activation, optimiser and data-order seed come from the file */
  spec->resume = sgdl_opt_str(opts, "resume");
  if (spec->resume) {
    if (!sgdl_opt_given(opts, "algo")) spec->rule = -1;
    if (!sgdl_opt_given(opts, "act")) spec->act = -1;
    if (!sgdl_opt_given(opts, "hidden")) spec->n_hidden = -1;
    spec->seed_from_resume = !sgdl_opt_given(opts, "seed");
  }
  return SGDL_OK;
}

/* Weights, tables, plots and the closing summary; adds "weights" and "geometry" to res. */
static int write_outputs(sgdl_ctx *ctx, sgdl_opt *opts, const sgdl_train_spec *spec, const sgdl_train_study_result *r,
                         int talk, cJSON *res) {
  const char *out = sgdl_opt_str(opts, "out");
  char path[4096];
  const char *save = sgdl_opt_str(opts, "save");
  if (!save && out) save = sgdl_path_join(path, sizeof path, out, "weights.bin");
  if (save) {
    char staged[4096]; /* inside --out: part of the output set */
    int rc = sgdl_weights_save(ctx, sgdl_cli_out_member(staged, sizeof staged, save), &r->trainer);
    if (rc) return rc;
    cJSON_AddStringToObject(res, "weights", save);
    if (talk) printf("weights: %s\n", save);
  }
  fflush(stdout); /* before gnuplot forks: a child must not inherit unflushed output */
  if (out) {
    int rc = sgdl_train_write_tables(ctx, out, r);
    if (rc) return rc;
  }
  if (r->has_geometry) {
    sgdl_json_put(res, "geometry", sgdl_train_geometry_json(r));
    if (talk) sgdl_train_print_geometry(r, spec->geometry_k);
    fflush(stdout);
    if (out) return sgdl_train_write_geometry(ctx, out, r);
  } else if (talk) {
    printf("final: held-out accuracy %.2f%% after %d epochs (%.1f s training, %.0f examples/s)\n",
           100 * r->final_test_accuracy, r->trainer.epoch, r->train_seconds,
           r->n_epochs ? r->examples_per_second : 0.0);
  }
  return SGDL_OK;
}

int sgdl_cmd_train(int argc, char **argv) {
  sgdl_opt opts[] = {
      SGDL_COMMON_OPTS,
      {"data", OPT_STR, NULL, "folder with train-/t10k- images and labels (IDX, raw or .gz)", NULL, 0},
      {"train", OPT_INT, "-1", "training examples (-1: all; t10k-only folders: 8000, the first ones)", NULL, 0,
       OPT_RANGE(-1, 2147483648.0, OPT_GE | OPT_LE)},
      {"test", OPT_INT, "-1", "held-out examples (-1: all; t10k-only folders: 2000, the last ones)", NULL, 0,
       OPT_RANGE(-1, 2147483648.0, OPT_GE | OPT_LE)},
      {"hidden", OPT_STR, "128,64", "hidden layer widths, comma-separated (0: none)", NULL, 0},
      {"act", OPT_STR, "relu", "hidden activation", NULL, 0, OPT_CHOICES("relu|tanh|sigmoid")},
      SGDL_DTYPE_OPT("float64"),
      {"algo", OPT_STR, "sgd", "optimiser", NULL, 0, OPT_CHOICES("sgd|hb|nag|adam")},
      {"lr", OPT_NUM, "0.02", "learning rate", NULL, 0, OPT_POSITIVE},
      {"batch", OPT_INT, "1", "minibatch size", NULL, 0, OPT_RANGE(1, 1048576, OPT_GE | OPT_LE)},
      {"without-replacement", OPT_FLAG, NULL, "draw each minibatch as a uniform subset (default: i.i.d. indices)", NULL, 0},
      {"momentum", OPT_NUM, "0.9", "hb/nag momentum", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"beta1", OPT_NUM, "0.9", "adam beta1", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"beta2", OPT_NUM, "0.999", "adam beta2", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
      {"eps", OPT_NUM, "1e-8", "adam epsilon", NULL, 0, OPT_POSITIVE},
      {"epochs", OPT_INT, "10", "epochs to train (after --resume: further epochs)", NULL, 0, OPT_RANGE(0, 1000000, OPT_GE | OPT_LE)},
      {"resume", OPT_STR, NULL, "continue from a weight file written by an earlier run", NULL, 0},
      {"save", OPT_STR, NULL, "write the weights here (default: OUT/weights.bin with --out)", NULL, 0},
      {"geometry", OPT_INT, "0", "top-K Hessian and noise eigenpairs at the final weights, and the fluctuation test", NULL, 0,
       OPT_RANGE(0, 1000, OPT_GE | OPT_LE)},
      {"geometry-steps", OPT_INT, "0", "SGD steps of the fluctuation measurement (0: two epochs)", NULL, 0,
       OPT_RANGE(0, 1099511627776.0, OPT_GE | OPT_LE)},
      {"geometry-every", OPT_INT, "0", "record the loss every this many steps (0: steps/200)", NULL, 0,
       OPT_RANGE(0, 1073741824, OPT_GE | OPT_LE)},
      {"geometry-iters", OPT_INT, "0", "Lanczos steps per operator (0: 3K + 30)", NULL, 0, OPT_RANGE(0, 100000, OPT_GE | OPT_LE)},
      {"geometry-tol", OPT_NUM, "1e-6", "Lanczos relative residual tolerance", NULL, 0, OPT_RANGE(0, 1, OPT_GT | OPT_LT)},
      OPT_END};
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed;
  sgdl_train_spec spec;
  int rc = sgdl_cli_begin(&ctx, "train",
                          "Train a multilayer perceptron on IDX image data (MNIST, Fashion-MNIST) with SGD, and with\n"
                          "--geometry K measure the gradient-noise geometry where it lands.",
                          opts, argc, argv, &seed);
  if (!rc) rc = build_spec(&ctx, opts, seed, &spec);
  if (rc) return sgdl_cli_error(&ctx, "train", rc);
  if (spec.resume && !sgdl_opt_str(opts, "out") && !sgdl_opt_str(opts, "save"))
    fprintf(stderr, "sgdlab train: warning: --resume %s without --out or --save: the weights after these epochs will not be kept "
                    "(add --save FILE or --out DIR)\n", spec.resume);

  train_view view;
  memset(&view, 0, sizeof view);
  view.talk = ctx.verbosity > 0 && !sgdl_opt_flag(opts, "json");
  view.resume = spec.resume;
  spec.on_event = view_event;
  spec.on_event_user = &view;
  ctx.progress = view_progress;
  ctx.progress_user = &view;
  sgdl_train_study_result r;
  rc = sgdl_train_study_run(&ctx, &spec, &r);
  sgdl_progress_bar_finish(&view.bar);
  ctx.progress = NULL;
  if (!rc && r.n_epochs == 0 && view.talk)
    printf("no training: train loss %.4f  held-out loss %.4f  accuracy %.2f%%\n", r.final_train_loss,
           r.final_test_loss, 100 * r.final_test_accuracy);
  cJSON *res = rc ? NULL : sgdl_train_results_json(&r, sgdl_cli_params_json(opts));
  if (!rc) sgdl_cli_estimate_record(&ctx, opts, &r.estimate, res, 0);
  if (!rc) rc = write_outputs(&ctx, opts, &spec, &r, view.talk, res);
  sgdl_train_study_result_free(&r);
  if (rc) {
    cJSON_Delete(res);
    return sgdl_cli_error(&ctx, "train", rc);
  }
  return sgdl_cli_emit(&ctx, opts, res);
}
