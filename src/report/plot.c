/* Plots: sgdlab writes the data (CSV) and a gnuplot script beside it, then renders the PNG
 * with gnuplot when it is installed, so a user can restyle the figure by editing the .gp file.
 * Missing gnuplot is not an error (the script is still there). */
#include "sgdlab/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

int sgdl_plot(sgdl_ctx *ctx, const char *dir, const char *name, const char *script, int *rendered) {
  char gp[4096], file[512];
  snprintf(file, sizeof file, "%s.gp", name);
  sgdl_path_join(gp, sizeof gp, dir, file);
  int rc = sgdl_write_atomic(ctx, gp, script, strlen(script));
  if (rendered) *rendered = 0;
  if (rc) return rc;
  if ((ctx && ctx->rank != 0) || !have_gnuplot()) return SGDL_OK;
  fflush(NULL); /* the child must not flush the parent's buffered output a second time */
  pid_t pid = fork();
  if (pid < 0) return SGDL_OK;
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(127);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    execlp("gnuplot", "gnuplot", file, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (rendered) *rendered = WIFEXITED(st) && WEXITSTATUS(st) == 0;
  return SGDL_OK;
}
