/* One progress bar over several inner runs (see progress_slice.h). */
#include "study/progress_slice.h"

static void slice_report(void *user, double f) {
  const sgdl_progress_slice *s = user;
  s->outer(s->outer_user, s->base + s->span * f);
}

void sgdl_progress_slice_begin(sgdl_ctx *ctx, sgdl_progress_slice *s, double base, double span) {
  s->outer = ctx->progress;
  s->outer_user = ctx->progress_user;
  s->base = base;
  s->span = span;
  if (!s->outer) return;
  ctx->progress = slice_report;
  ctx->progress_user = s;
}

void sgdl_progress_slice_end(sgdl_ctx *ctx, const sgdl_progress_slice *s) {
  ctx->progress = s->outer;
  ctx->progress_user = s->outer_user;
}
