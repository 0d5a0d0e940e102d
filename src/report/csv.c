/* CSV tables built in memory, then written atomically. Numbers use %.17g (round-trip). */
#include "sgdlab/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sgdl_csv_init(sgdl_csv *c) { memset(c, 0, sizeof *c); }

void sgdl_csv_printf(sgdl_csv *c, const char *fmt, ...) {
  if (c->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = c->cap - c->len;
    int n = vsnprintf(c->buf ? c->buf + c->len : NULL, c->buf ? room : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      c->failed = 1;
      return;
    }
    if (c->buf && (size_t)n < room) {
      c->len += (size_t)n;
      return;
    }
    size_t cap = c->cap ? c->cap * 2 : 4096;
    while (cap < c->len + (size_t)n + 1) cap *= 2;
    char *b = realloc(c->buf, cap);
    if (!b) {
      c->failed = 1;
      return;
    }
    c->buf = b;
    c->cap = cap;
  }
}

void sgdl_csv_num(sgdl_csv *c, double v, int last_in_row) {
  if (isfinite(v)) sgdl_csv_printf(c, "%.17g%s", v, last_in_row ? "\n" : ",");
  else sgdl_csv_printf(c, "nan%s", last_in_row ? "\n" : ",");
}

int sgdl_csv_write(sgdl_ctx *ctx, sgdl_csv *c, const char *path) {
  if (c->failed) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building %s", path);
  return sgdl_write_atomic(ctx, path, c->buf ? c->buf : "", c->len);
}

void sgdl_csv_free(sgdl_csv *c) {
  free(c->buf);
  memset(c, 0, sizeof *c);
}
