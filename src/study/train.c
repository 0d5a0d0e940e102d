/* The training study behind `sgdlab train` (include/sgdlab/study_train.h): resume or lay out
 * the network, the epoch loop with its evaluations, and the geometry measurement at the final
 * weights. Numerics are the nn layer's; this file sequences them and fills the result.
 * It does not print, draw progress bars or write files: progress goes through ctx->progress
 * and the spec's event callback. */
#include "sgdlab/study_estimate.h"
#include "sgdlab/study_train.h"
#include "sgdlab/linalg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BLAS threads (linalg.h): the context's count for the evaluations and geometry passes, for the
 * duration of the study; the training steps run in the trainer's single-thread region. */

void sgdl_train_spec_init(sgdl_train_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->n_train = spec->n_test = -1;
  spec->n_hidden = spec->act = spec->rule = -1;
  sgdl_algo_params_init(&spec->par);
  spec->geometry_tol = 1e-6;
}

void sgdl_train_study_result_free(sgdl_train_study_result *r) {
  free(r->history.epoch);
  free(r->history.train_loss);
  free(r->history.test_loss);
  free(r->history.test_accuracy);
  free(r->history.examples_per_second);
  free(r->history.seconds);
  free(r->confusion);
  free(r->var_pred_sme1);
  sgdl_trainer_free(&r->trainer);
  sgdl_spectra_free(&r->spectra);
  sgdl_fluct_free(&r->fluct);
  memset(r, 0, sizeof *r);
}

static void emit(const sgdl_train_spec *spec, int event, const sgdl_train_study_result *r) {
  if (spec->on_event) spec->on_event(spec->on_event_user, event, r);
}

/* "32,16" from a width list, for messages. */
static void hidden_text(const int *hidden, int n, char *buf, size_t size) {
  size_t off = 0;
  buf[0] = 0;
  for (int i = 0; i < n && off < size; i++)
    off += (size_t)snprintf(buf + off, size - off, i ? ",%d" : "%d", hidden[i]);
}

/* Load the resume file and check that the spec's explicit choices agree with it. */
static int load_resume(sgdl_ctx *ctx, const sgdl_train_spec *spec, sgdl_weights *wt) {
  int rc = sgdl_weights_load(ctx, spec->resume, wt);
  if (rc) return rc;
  if (spec->rule >= 0 && spec->rule != wt->rule)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--algo %s: %s was trained with %s (its optimiser state is for that rule)",
                     sgdl_optim_rule_name(spec->rule), spec->resume, sgdl_optim_rule_name(wt->rule));
  if (spec->act >= 0 && spec->act != wt->m.act)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--act %s: %s uses %s", sgdl_act_name(spec->act), spec->resume,
                     sgdl_act_name(wt->m.act));
  if (spec->n_hidden >= 0) {
    int same = spec->n_hidden == wt->m.L - 1;
    for (int i = 0; same && i < spec->n_hidden; i++) same = spec->hidden[i] == wt->m.size[i + 1];
    if (!same) {
      char text[SGDL_MLP_MAX_LAYERS * 8];
      hidden_text(spec->hidden, spec->n_hidden, text, sizeof text);
      return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden %s: does not match the layers stored in %s", text, spec->resume);
    }
  }
  return SGDL_OK;
}

/* The network (fresh or from wt), the trainer with its state, and the result's buffers. */
static int setup(sgdl_ctx *ctx, const sgdl_train_spec *spec, const sgdl_weights *wt, const sgdl_imageset *tr,
                 sgdl_train_study_result *r) {
  int rc = SGDL_OK;
  if (spec->resume) {
    r->m = wt->m;
    if (r->m.size[0] != tr->dim || r->m.size[r->m.L] < tr->n_classes)
      return sgdl_fail(ctx, SGDL_EUSAGE,
                       "--resume: %s is a %d-input, %d-class network; the data have %d pixels and %d classes",
                       spec->resume, r->m.size[0], r->m.size[r->m.L], tr->dim, tr->n_classes);
  } else {
    if (spec->n_hidden < 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--hidden: required without --resume");
    rc = sgdl_mlp_init(ctx, &r->m, tr->dim, spec->hidden, spec->n_hidden, tr->n_classes,
                       spec->act >= 0 ? spec->act : SGDL_ACT_RELU);
    if (rc) return rc;
  }
  sgdl_trainer *t = &r->trainer;
  rc = sgdl_trainer_create(ctx, t, &r->m, r->rule, &spec->par, r->seed, 0);
  if (!rc) rc = sgdl_trainer_set_dtype(ctx, t, spec->dtype);
  if (rc) return rc;
  if (t->par.without_replacement && (size_t)t->par.batch > tr->n)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--batch: %d exceeds the %zu training examples", t->par.batch, tr->n);
  if (spec->resume) {
    memcpy(t->params, wt->params, r->m.n_params * sizeof(double));
    if (wt->naux) memcpy(t->aux, wt->aux, (size_t)wt->naux * r->m.n_params * sizeof(double));
    t->step = wt->step;
    t->epoch = wt->epoch;
  }
  r->start_epoch = t->epoch;
  r->start_step = t->step;
  r->n_epochs = spec->epochs;
  r->n_classes = r->m.size[r->m.L];
  const size_t n = (size_t)spec->epochs + 1;
  sgdl_train_history *h = &r->history;
  h->epoch = calloc(n, sizeof *h->epoch);
  h->train_loss = calloc(n, sizeof(double));
  h->test_loss = calloc(n, sizeof(double));
  h->test_accuracy = calloc(n, sizeof(double));
  h->examples_per_second = calloc(n, sizeof(double));
  h->seconds = calloc(n, sizeof(double));
  r->confusion = calloc((size_t)r->n_classes * r->n_classes, sizeof *r->confusion);
  if (!h->epoch || !h->train_loss || !h->test_loss || !h->test_accuracy || !h->examples_per_second || !h->seconds ||
      !r->confusion)
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  return SGDL_OK;
}

/* The trainer reports progress within one run (an epoch); the caller sees the whole run. */
typedef struct {
  sgdl_progress_fn outer;
  void *outer_user;
  int e, E;
} epoch_progress;
static void epoch_progress_update(void *u, double f) {
  const epoch_progress *p = u;
  p->outer(p->outer_user, (p->e + f) / p->E);
}

/* The epoch loop: train, evaluate on both sets, stop with an error naming --lr on divergence.
 * With no epochs, evaluate the starting weights once. */
static int train_epochs(sgdl_ctx *ctx, const sgdl_train_spec *spec, const sgdl_imageset *tr,
                        const sgdl_imageset *te, sgdl_mlp_work *ew, sgdl_train_study_result *r) {
  sgdl_trainer *t = &r->trainer;
  const int E = r->n_epochs;
  const sgdl_progress_fn outer = ctx->progress;
  void *const outer_user = ctx->progress_user;
  sgdl_train_history *h = &r->history;
  const uint64_t spe = r->steps_per_epoch = sgdl_trainer_epoch_steps(t, tr->n);
  size_t ok = 0;
  int rc = SGDL_OK;
  for (int e = 0; e < E; e++) {
    epoch_progress pm = {outer, outer_user, e, E};
    ctx->progress = outer ? epoch_progress_update : NULL;
    ctx->progress_user = &pm;
    double t0 = sgdl_now();
    rc = sgdl_trainer_run(ctx, t, tr, spe, NULL);
    double dt = sgdl_now() - t0;
    ctx->progress = outer;
    ctx->progress_user = outer_user;
    if (rc) return rc;
    t->epoch++;
    r->train_seconds += dt;
    h->epoch[e] = t->epoch;
    h->seconds[e] = dt;
    h->examples_per_second[e] = (double)spe * t->par.batch / dt;
    h->train_loss[e] = sgdl_mlp_evaluate(&r->m, t->params, tr, ew, NULL, NULL, NULL);
    h->test_loss[e] = sgdl_mlp_evaluate(&r->m, t->params, te, ew, NULL, &ok, r->confusion);
    h->test_accuracy[e] = (double)ok / (double)te->n;
    if (!isfinite(h->train_loss[e]))
      return sgdl_fail(ctx, SGDL_EDIVERGED, "--lr %g: training loss is %g after epoch %d; try a smaller learning rate",
                       t->par.lr, h->train_loss[e], t->epoch);
    if (h->train_loss[e] > sgdl_trainer_divergence_threshold(t)) /* the trainer's rule, on the whole set (nn.h) */
      return sgdl_fail(ctx, SGDL_EDIVERGED,
                       "--lr %g: training diverged by epoch %d: the training loss %.4g is more than %g x its start %.4g; "
                       "try a smaller learning rate", t->par.lr, t->epoch, h->train_loss[e], SGDL_DIVERGENCE_FACTOR, t->loss_start);
    r->n_done = e + 1;
    emit(spec, SGDL_TRAIN_EVENT_EPOCH, r);
  }
  if (E == 0) { /* evaluation only (e.g. of a resumed file) */
    h->test_loss[0] = sgdl_mlp_evaluate(&r->m, t->params, te, ew, NULL, &ok, r->confusion);
    h->train_loss[0] = sgdl_mlp_evaluate(&r->m, t->params, tr, ew, NULL, NULL, NULL);
    h->test_accuracy[0] = (double)ok / (double)te->n;
  }
  const int last = E ? E - 1 : 0;
  r->final_train_loss = h->train_loss[last];
  r->final_test_loss = h->test_loss[last];
  r->final_test_accuracy = h->test_accuracy[last];
  r->examples_per_second = E ? (double)spe * t->par.batch * E / r->train_seconds : NAN;
  return SGDL_OK;
}

/* Spectra and fluctuation at the final weights (ctx->progress sees the whole measurement). */
static int measure_geometry(sgdl_ctx *ctx, const sgdl_train_spec *spec, const sgdl_imageset *tr,
                            sgdl_train_study_result *r) {
  const uint64_t steps = spec->geometry_steps ? spec->geometry_steps : 2 * r->steps_per_epoch;
  sgdl_spectra_opts so = {spec->geometry_k, spec->geometry_iters, spec->geometry_tol, r->seed};
  sgdl_fluct_opts fo = {steps, spec->geometry_every, 0.2, 256};
  if (!fo.every) fo.every = (int)(fo.steps / 200 ? fo.steps / 200 : 1);
  r->geometry_steps = fo.steps;
  double g0 = sgdl_now();
  int rc = sgdl_geometry_network(ctx, &r->trainer, tr, &so, &fo, &r->spectra, &r->fluct);
  if (rc) return rc;
  const sgdl_spectra *sp = &r->spectra;
  const sgdl_algo_params *par = &r->trainer.par;
  sgdl_noise_scale_fill(r->fluct.trace_sigma1, r->fluct.grad_norm * r->fluct.grad_norm, tr->n, par->batch,
                        par->without_replacement, par->lr, &r->noise);
  r->var_pred_sme1 = calloc((size_t)sp->k + 1, sizeof *r->var_pred_sme1);
  if (!r->var_pred_sme1) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  for (int i = 0; i < sp->k; i++) r->var_pred_sme1[i] = sp->h[i] > 0 ? sp->ct[i] * sp->alpha / (2 * sp->h[i]) : NAN;
  r->has_geometry = 1;
  r->geometry_seconds = sgdl_now() - g0;
  return SGDL_OK;
}

/* Weights and optimiser state, and examples to pass (epochs and the geometry's continuation),
 * refused when they cannot fit or finish (study_estimate.h). */
static int train_estimate(sgdl_ctx *ctx, const sgdl_train_spec *spec, const sgdl_train_study_result *r, sgdl_estimate *e) {
  const uint64_t spe = (r->n_train + (size_t)spec->par.batch - 1) / (size_t)(spec->par.batch > 0 ? spec->par.batch : 1);
  const uint64_t geometry = spec->geometry_k > 0 ? (spec->geometry_steps ? spec->geometry_steps : 2 * spe) : 0;
  sgdl_estimate_train(r->m.n_params, sgdl_optim_aux(r->rule), r->n_train, spec->epochs, geometry, spec->par.batch, e);
  return sgdl_estimate_check(ctx, e);
}

int sgdl_train_study_run(sgdl_ctx *ctx, const sgdl_train_spec *spec, sgdl_train_study_result *r) {
  memset(r, 0, sizeof *r);
  if (!spec->data) return sgdl_fail(ctx, SGDL_EUSAGE, "--data: required (a folder holding IDX files, e.g. data/mnist)");
  if (spec->epochs < 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--epochs: %d is negative", spec->epochs);
  if (spec->geometry_k < 0) return sgdl_fail(ctx, SGDL_EUSAGE, "--geometry: %d is negative", spec->geometry_k);
  if (spec->geometry_k > 0 && !(spec->geometry_tol > 0 && spec->geometry_tol < 1))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--geometry-tol: %g is not in (0, 1)", spec->geometry_tol);
  const int blas_before = sgdl_blas_threads(sgdl_ctx_threads(ctx));
  r->rule = spec->rule >= 0 ? spec->rule : SGDL_OPT_SGD;
  r->seed = spec->seed;

  /* resume: the network, optimiser state, step counter and seed come from the file */
  sgdl_weights wt;
  memset(&wt, 0, sizeof wt);
  int rc = SGDL_OK;
  if (spec->resume) {
    rc = load_resume(ctx, spec, &wt);
    if (rc) {
      sgdl_weights_free(&wt);
      sgdl_blas_threads(blas_before);
      return rc;
    }
    r->resumed = 1;
    r->rule = wt.rule;
    if (spec->seed_from_resume) r->seed = wt.seed;
  }
  sgdl_imageset tr, te;
  memset(&tr, 0, sizeof tr);
  memset(&te, 0, sizeof te);
  rc = sgdl_data_open(ctx, spec->data, spec->n_train, spec->n_test, &tr, &te, r->data_desc);
  sgdl_mlp_work ew;
  memset(&ew, 0, sizeof ew);
  if (!rc) {
    r->n_train = tr.n;
    r->n_test = te.n;
    rc = setup(ctx, spec, &wt, &tr, r);
  }
  sgdl_weights_free(&wt);
  if (!rc) rc = train_estimate(ctx, spec, r, &r->estimate);
  if (!rc) rc = sgdl_mlp_work_alloc(ctx, &r->m, 256, &ew);
  if (!rc) {
    emit(spec, SGDL_TRAIN_EVENT_READY, r);
    rc = train_epochs(ctx, spec, &tr, &te, &ew, r);
  }
  if (!rc && spec->geometry_k > 0) {
    emit(spec, SGDL_TRAIN_EVENT_GEOMETRY, r);
    rc = measure_geometry(ctx, spec, &tr, r);
  }
  sgdl_mlp_work_free(&ew);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  sgdl_blas_threads(blas_before);
  return rc;
}
