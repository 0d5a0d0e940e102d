/* Output files: the --out folder (created and probed before any work) and path joining.
 * The writes themselves go through core's sgdl_write_atomic (temporary file in the same folder,
 * fsync, rename), so an interrupted or failed run never leaves a half-written results.json or
 * CSV behind, and an earlier good file survives. */
#include "sgdlab/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *sgdl_path_join(char *buf, size_t n, const char *dir, const char *name) {
  if (!dir || !*dir) snprintf(buf, n, "%s", name);
  else snprintf(buf, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
  return buf;
}

static int mkdir_p(const char *dir) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", dir);
  size_t len = strlen(tmp);
  if (len == 0) return -1;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return -1;
  return 0;
}

int sgdl_outdir_prepare(sgdl_ctx *ctx, const char *dir, const char *flag) {
  struct stat st;
  if (ctx && ctx->rank != 0) return SGDL_OK; /* MPI: rank 0 owns the output */
  if (!dir || !*dir) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty folder name", flag);
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
    return sgdl_fail(ctx, SGDL_EIO, "%s %s: exists and is not a folder", flag, dir);
  if (mkdir_p(dir) != 0)
    return sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot create folder (%s)", flag, dir, strerror(errno));
  char probe[4096];
  snprintf(probe, sizeof probe, "%s/.sgdlab-probe-%ld", dir, (long)getpid());
  int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return sgdl_fail(ctx, SGDL_EIO, "%s %s: folder is not writable (%s)", flag, dir, strerror(errno));
  close(fd);
  unlink(probe);
  return SGDL_OK;
}
