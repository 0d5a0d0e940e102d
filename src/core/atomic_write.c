/* Atomic file writes: the bytes go to a temporary file beside the target, are fsync'ed, and
 * the file is renamed into place, so an interrupted or failed write never leaves a
 * half-written file and an earlier good file survives. Used by the report layer (results.json,
 * CSVs, plot scripts) and by the nn layer (weight files). Only MPI rank 0 writes. It does not
 * create folders (the report layer's sgdl_outdir_prepare does). */
#include "sgdlab/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sgdl_write_atomic(sgdl_ctx *ctx, const char *path, const char *data, size_t len) {
  char tmp[4096];
  if (ctx && ctx->rank != 0) return SGDL_OK; /* MPI: rank 0 owns the output */
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return sgdl_fail(ctx, SGDL_EIO, "cannot write %s (%s)", path, strerror(errno));
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(tmp);
      return sgdl_fail(ctx, SGDL_EIO, "cannot write %s (%s)", path, strerror(e));
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp);
    return sgdl_fail(ctx, SGDL_EIO, "cannot write %s (%s)", path, strerror(errno));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return sgdl_fail(ctx, SGDL_EIO, "cannot rename into %s (%s)", path, strerror(e));
  }
  return SGDL_OK;
}
