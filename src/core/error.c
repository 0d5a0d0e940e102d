/* Error codes, their messages, and the failure recorder of the context.
 * The code list lives in one X-macro (include/sgdlab/core.h). */
#include "sgdlab/core.h"

#include <stdarg.h>
#include <stdio.h>

const char *sgdl_strerror(int code) {
  switch (code) {
#define SGDL_MSG_(name, c, msg) case c: return msg;
    SGDL_ERRORS(SGDL_MSG_)
#undef SGDL_MSG_
  }
  return "unknown error";
}

int sgdl_fail(sgdl_ctx *ctx, int code, const char *fmt, ...) {
  if (!ctx) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
  va_end(ap);
  ctx->status = code;
  if (ctx->on_error) ctx->on_error(ctx->on_error_user, code, ctx->msg);
  return code;
}
