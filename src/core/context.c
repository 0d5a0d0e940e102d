/* The context object: threads, verbosity, error hook, progress callback; the wall clock.
 * Replaces global handlers; a library user owns one per independent job. */
#include "sgdlab/core.h"

#include <omp.h>
#include <string.h>
#include <time.h>

void sgdl_ctx_init(sgdl_ctx *ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->verbosity = 1;
  ctx->ranks = 1;
}

int sgdl_ctx_threads(const sgdl_ctx *ctx) {
  if (ctx && ctx->threads > 0) return ctx->threads;
  int t = omp_get_max_threads();
  return t > 0 ? t : 1;
}

void sgdl_progress(const sgdl_ctx *ctx, double fraction) {
  if (ctx && ctx->progress) ctx->progress(ctx->progress_user, fraction);
}

double sgdl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
