/* Plots: sgdlab writes the data (CSV) and a gnuplot script beside it, then renders the PNG
 * with gnuplot when it is installed, so a user can restyle the figure by editing the .gp file.
 * Missing gnuplot is not an error (the script is still there); a gnuplot that fails leaves no
 * partial PNG behind (what it created in the folder is removed). With --out the folder is the
 * output set's staging folder, so the PNG is never written in place (outset.c). */
#include "sgdlab/report.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

static int all_entries(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Remove the entries of dir that are not in before[0..n) (sorted): what a failed gnuplot made. */
static void remove_new_files(const char *dir, struct dirent **before, int n) {
  struct dirent **now = NULL;
  int m = scandir(dir, &now, all_entries, alphasort);
  for (int i = 0; i < m; i++) {
    int known = 0;
    for (int j = 0; j < n && !known; j++) known = !strcmp(now[i]->d_name, before[j]->d_name);
    char path[4096];
    if (!known) unlink(sgdl_path_join(path, sizeof path, dir, now[i]->d_name));
    free(now[i]);
  }
  free(now);
}

int sgdl_plot(sgdl_ctx *ctx, const char *dir, const char *name, const char *script, int *rendered) {
  char gp[4096], file[512];
  snprintf(file, sizeof file, "%s.gp", name);
  sgdl_path_join(gp, sizeof gp, dir, file);
  int rc = sgdl_write_atomic(ctx, gp, script, strlen(script));
  if (rendered) *rendered = 0;
  if (rc) return rc;
  if ((ctx && ctx->rank != 0) || !have_gnuplot()) return SGDL_OK;
  struct dirent **before = NULL;
  int n_before = scandir(dir, &before, all_entries, alphasort);
  fflush(NULL); /* the child must not flush the parent's buffered output a second time */
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(127);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    execlp("gnuplot", "gnuplot", file, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  if (pid > 0) waitpid(pid, &st, 0);
  int ok = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  if (!ok && pid > 0 && n_before >= 0) remove_new_files(dir, before, n_before);
  for (int i = 0; i < n_before; i++) free(before[i]);
  free(before);
  if (rendered) *rendered = ok;
  return SGDL_OK;
}
