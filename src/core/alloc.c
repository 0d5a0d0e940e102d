/* Checked, aligned, zeroed allocation. Failure is reported through the context,
 * never by aborting: callers propagate SGDL_ENOMEM. */
#include "sgdlab/core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *sgdl_alloc(sgdl_ctx *ctx, size_t count, size_t size) {
  if (count == 0 || size == 0) count = size = 1;
  if (count > SIZE_MAX / size) {
    sgdl_fail(ctx, SGDL_ENOMEM, "allocation of %zu x %zu bytes overflows", count, size);
    return NULL;
  }
  size_t bytes = count * size;
  size_t rounded = (bytes + 63) / 64 * 64;
  void *p = aligned_alloc(64, rounded);
  if (!p) {
    sgdl_fail(ctx, SGDL_ENOMEM, "out of memory allocating %zu bytes", bytes);
    return NULL;
  }
  memset(p, 0, rounded);
  return p;
}

void sgdl_free(void *p) { free(p); }
