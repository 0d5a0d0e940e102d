/* The training study (include/sgdlab/study_train.h) on the MNIST test set shipped in
 * data/mnist, tiny runs (1000 train / 300 held out, hidden 16):
 *   one epoch of SGD learns (held-out accuracy well above the 10% of chance), the history,
 *   final figures and confusion matrix agree with each other, and the events arrive in order;
 *   1 and 2 threads give bitwise-identical weights (batch 1: sparse path; batch 8: dgemm);
 *   resuming from saved weights for 1 epoch equals 2 straight epochs (bitwise), and a resume
 *   with other layers is refused naming --hidden;
 *   --geometry-style measurement: k spectra, predictions and the fluctuation figures are there. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/study_train.h"

static char data_dir[1024];

typedef struct {
  int ready, epochs, geometry, order_ok;
} event_log;

static void log_event(void *u, int event, const sgdl_train_study_result *r) {
  event_log *log = u;
  if (event == SGDL_TRAIN_EVENT_READY) log->order_ok &= log->ready++ == 0 && log->epochs == 0;
  if (event == SGDL_TRAIN_EVENT_EPOCH) log->order_ok &= log->ready == 1 && r->n_done == ++log->epochs;
  if (event == SGDL_TRAIN_EVENT_GEOMETRY) log->order_ok &= log->epochs == r->n_epochs && log->geometry++ == 0;
}

static void tiny_spec(sgdl_train_spec *spec, int batch, int epochs) {
  sgdl_train_spec_init(spec);
  spec->data = data_dir;
  spec->n_train = 1000;
  spec->n_test = 300;
  spec->n_hidden = 1;
  spec->hidden[0] = 16;
  spec->act = SGDL_ACT_RELU;
  spec->rule = SGDL_OPT_SGD;
  spec->par.lr = 0.05;
  spec->par.batch = batch;
  spec->epochs = epochs;
  spec->seed = 7;
}

static int run(const sgdl_train_spec *spec, int threads, sgdl_train_study_result *r) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  int rc = sgdl_train_study_run(&ctx, spec, r);
  CHECK(rc == 0, "study (%d threads): %s", threads, ctx.msg);
  return rc;
}

static int same_weights(const sgdl_train_study_result *a, const sgdl_train_study_result *b) {
  return a->m.n_params == b->m.n_params && a->trainer.step == b->trainer.step &&
         !memcmp(a->trainer.params, b->trainer.params, a->m.n_params * sizeof(double));
}

static void one_epoch_learns(void) {
  sgdl_train_spec spec;
  tiny_spec(&spec, 1, 1);
  event_log log = {0, 0, 0, 1};
  spec.on_event = log_event;
  spec.on_event_user = &log;
  sgdl_train_study_result r;
  if (run(&spec, 1, &r) == 0) {
    printf("1 epoch, 1000 digits, hidden 16: held-out accuracy %.4f\n", r.final_test_accuracy);
    CHECK(r.final_test_accuracy > 0.5, "held-out accuracy %.3f is not well above chance (0.1)", r.final_test_accuracy);
    CHECK(r.n_train == 1000 && r.n_test == 300 && r.n_classes == 10, "sizes %zu %zu %d", r.n_train, r.n_test,
          r.n_classes);
    CHECK(r.m.L == 2 && r.m.size[0] == 784 && r.m.size[1] == 16 && r.m.size[2] == 10, "layout");
    CHECK(r.n_done == 1 && r.history.epoch[0] == 1 && r.trainer.epoch == 1, "epoch counters");
    CHECK(r.trainer.step == r.steps_per_epoch && r.steps_per_epoch == 1000, "steps %llu",
          (unsigned long long)r.trainer.step);
    CHECK(r.final_test_accuracy == r.history.test_accuracy[0] && r.final_train_loss == r.history.train_loss[0],
          "final figures are the last epoch's");
    long total = 0, diag = 0;
    for (int i = 0; i < 10; i++)
      for (int j = 0; j < 10; j++) total += r.confusion[i * 10 + j], diag += i == j ? r.confusion[i * 10 + j] : 0;
    CHECK(total == 300 && fabs((double)diag / 300 - r.final_test_accuracy) < 1e-15, "confusion %ld %ld", total, diag);
    CHECK(log.order_ok && log.ready == 1 && log.epochs == 1 && log.geometry == 0, "events %d %d %d", log.ready,
          log.epochs, log.geometry);
    CHECK(!r.has_geometry && isfinite(r.examples_per_second), "no geometry asked");
  }
  sgdl_train_study_result_free(&r);
}

static void threads_bitwise(int batch) {
  sgdl_train_spec spec;
  tiny_spec(&spec, batch, 1);
  sgdl_train_study_result r1, r2;
  if (run(&spec, 1, &r1) == 0 && run(&spec, 2, &r2) == 0) {
    CHECK(same_weights(&r1, &r2), "batch %d: 1 and 2 threads give different weights", batch);
    CHECK(r1.final_test_loss == r2.final_test_loss, "batch %d: held-out loss %.17g vs %.17g", batch,
          r1.final_test_loss, r2.final_test_loss);
  }
  sgdl_train_study_result_free(&r1);
  sgdl_train_study_result_free(&r2);
}

static void resume_bitwise(void) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/test_study_train_%ld.bin", (long)getpid());
  sgdl_train_spec spec;
  tiny_spec(&spec, 4, 1);
  spec.rule = SGDL_OPT_HB;
  spec.par.lr = 0.01;
  sgdl_train_study_result first, resumed, straight;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  if (run(&spec, 1, &first) == 0) CHECK(sgdl_weights_save(&ctx, path, &first.trainer) == 0, "save: %s", ctx.msg);
  spec.epochs = 2;
  run(&spec, 1, &straight);
  sgdl_train_spec rs;
  tiny_spec(&rs, 4, 1);
  rs.par.lr = 0.01;
  rs.resume = path;
  rs.rule = rs.act = rs.n_hidden = -1; /* from the file */
  rs.seed_from_resume = 1;
  if (run(&rs, 1, &resumed) == 0) {
    CHECK(resumed.resumed && resumed.start_epoch == 1 && resumed.rule == SGDL_OPT_HB, "resume state");
    CHECK(resumed.history.epoch[0] == 2, "resumed epoch numbering %d", resumed.history.epoch[0]);
    CHECK(same_weights(&resumed, &straight), "1 + 1 resumed epochs differ from 2 straight epochs");
  }
  sgdl_train_study_result_free(&first);
  sgdl_train_study_result_free(&resumed);
  sgdl_train_study_result_free(&straight);
  rs.n_hidden = 1;
  rs.hidden[0] = 32;
  sgdl_train_study_result bad;
  int rc = sgdl_train_study_run(&ctx, &rs, &bad);
  CHECK(rc == SGDL_EUSAGE && strstr(ctx.msg, "--hidden 32"), "mismatched layers: rc %d, \"%s\"", rc, ctx.msg);
  sgdl_train_study_result_free(&bad);
  unlink(path);
}

static void geometry_present(void) {
  sgdl_train_spec spec;
  tiny_spec(&spec, 8, 1);
  spec.geometry_k = 3;
  event_log log = {0, 0, 0, 1};
  spec.on_event = log_event;
  spec.on_event_user = &log;
  sgdl_train_study_result r;
  if (run(&spec, 2, &r) == 0) {
    const sgdl_spectra *sp = &r.spectra;
    CHECK(r.has_geometry && sp->k == 3 && r.geometry_steps == 2 * r.steps_per_epoch, "geometry k %d steps %llu",
          sp->k, (unsigned long long)r.geometry_steps);
    CHECK(sp->h[0] >= sp->h[1] && sp->h[1] >= sp->h[2] && sp->h[0] > 0, "Hessian eigenvalues descending");
    CHECK(sp->alpha == 0.05 && r.fluct.nrec >= 20, "alpha %g records %d", sp->alpha, r.fluct.nrec);
    for (int i = 0; i < 3; i++)
      CHECK(sp->h[i] <= 0 || r.var_pred_sme1[i] == sp->ct[i] * sp->alpha / (2 * sp->h[i]), "sme1 variance %d", i);
    CHECK(isfinite(sp->pred_discrete) && isfinite(r.fluct.excess_total), "predictions and measurement finite");
    CHECK(log.order_ok && log.geometry == 1, "geometry event");
  }
  sgdl_train_study_result_free(&r);
}

int main(void) {
  const char *src = getenv("SGDL_SRC");
  snprintf(data_dir, sizeof data_dir, "%s/data/mnist", src ? src : ".");
  one_epoch_learns();
  threads_bitwise(1);
  threads_bitwise(8);
  resume_bitwise();
  geometry_present();
  return check_done();
}
