/* The context object: threads, verbosity, error hook, progress callback; the wall clock; the one
 * process-wide interruption flag (a signal handler's only way in).
 * Replaces global handlers; a library user owns one per independent job. */
#include "sgdlab/core.h"

#include <omp.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t interrupt_flag;

void sgdl_interrupt_request(void) { interrupt_flag = 1; }
int sgdl_interrupt_requested(void) { return interrupt_flag != 0; }
void sgdl_interrupt_clear(void) { interrupt_flag = 0; }

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
