/* sgdlab core: error codes and messages, the context object, checked allocation, atomic file writes.
 *
 * Every fallible library function takes a `sgdl_ctx *` first and returns an
 * `int` status (SGDL_OK == 0). On failure it records a human-readable message
 * in the context (naming the flag, file or value that was wrong) through
 * sgdl_fail(); the caller prints ctx->msg. There is no global state: two
 * contexts in two threads never interfere.
 */
#ifndef SGDLAB_CORE_H
#define SGDLAB_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One list for codes and default messages (libuv/SUNDIALS style). */
#define SGDL_ERRORS(X)                                                     \
  X(OK, 0, "success")                                                      \
  X(ENOMEM, 1, "out of memory")                                            \
  X(EINVAL, 2, "invalid argument")                                         \
  X(EIO, 3, "input/output error")                                          \
  X(EPARSE, 4, "malformed input")                                          \
  X(ENOTPD, 5, "matrix is not symmetric positive (semi)definite")          \
  X(EUNSTABLE, 6, "learning rate beyond the stability limit")              \
  X(EDIVERGED, 7, "run diverged (NaN or Inf)")                             \
  X(ENOTSUP, 8, "operation not supported by this problem or model")        \
  X(ELINALG, 9, "linear algebra failure")                                  \
  X(EDATA, 10, "invalid or truncated data file")                           \
  X(EUSAGE, 11, "bad command-line usage")                                  \
  X(EINTERRUPTED, 12, "interrupted")

enum sgdl_status {
#define SGDL_ENUM_(name, code, msg) SGDL_##name = code,
  SGDL_ERRORS(SGDL_ENUM_)
#undef SGDL_ENUM_
};

/* Default message for a status code ("unknown error" for anything else). */
const char *sgdl_strerror(int code);

typedef void (*sgdl_error_hook)(void *user, int code, const char *msg);
/* Progress callback: fraction in [0,1]; called from the thread that runs the plan. */
typedef void (*sgdl_progress_fn)(void *user, double fraction);

typedef struct sgdl_ctx {
  int threads;            /* OpenMP threads for ensembles; <= 0 means "all cores / OMP_NUM_THREADS" */
  int verbosity;          /* 0 quiet, 1 normal, 2 debug */
  sgdl_error_hook on_error;
  void *on_error_user;
  sgdl_progress_fn progress;
  void *progress_user;
  int rank, ranks;        /* MPI rank and number of ranks (0 and 1 without MPI): ensembles split their
                           * replicas over ranks; only rank 0 writes files (report layer) */
  int status;             /* last failure code */
  char msg[1024];         /* last failure message */
  double max_seconds;     /* runs estimated longer are refused (study_estimate.h); 0: the default */
} sgdl_ctx;

/* Zero-initialise a context with defaults. */
void sgdl_ctx_init(sgdl_ctx *ctx);
/* Threads to use: ctx->threads if > 0, else omp_get_max_threads(). */
int sgdl_ctx_threads(const sgdl_ctx *ctx);
/* Record a failure: formats the message into ctx->msg, calls the hook, returns code.
 * Usage: return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not positive", lr); */
int sgdl_fail(sgdl_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Report progress (no-op when no callback). */
void sgdl_progress(const sgdl_ctx *ctx, double fraction);
/* Interruption (Ctrl-C inside a host process, e.g. Python): one process-wide flag, set from a signal
 * handler (async-signal-safe), read by the long loops (lane driver, training, fpe's time loop),
 * which then stop and fail with SGDL_EINTERRUPTED. Nothing in the library sets it on its own. */
void sgdl_interrupt_request(void);
int sgdl_interrupt_requested(void);
void sgdl_interrupt_clear(void);

/* Checked allocation: on failure records SGDL_ENOMEM in ctx and returns NULL.
 * Memory is 64-byte aligned and zeroed; free with sgdl_free(). */
void *sgdl_alloc(sgdl_ctx *ctx, size_t count, size_t size);
void sgdl_free(void *p);

/* Wall-clock seconds (monotonic), for the timings that results.json reports. */
double sgdl_now(void);

/* Write len bytes to path atomically: a temporary file beside it, fsync, rename into place,
 * so a failed or interrupted write leaves any earlier file intact. Errors (SGDL_EIO) name the
 * path. Under MPI only rank 0 writes (other ranks return SGDL_OK). */
int sgdl_write_atomic(sgdl_ctx *ctx, const char *path, const char *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
