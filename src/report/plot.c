/* Plots: sgdlab writes the data (CSV) and a gnuplot script beside it, then renders the PNG
 * with gnuplot when it is installed, so a user can restyle the figure by editing the .gp file.
 * Missing gnuplot is not an error (the script is still there); a gnuplot that fails leaves no
 * partial PNG behind (what it created in the folder is removed). With --out the folder is the
 * output set's staging folder, so the PNG is never written in place (outset.c).
 * Every script starts with the house style (SGDL_PLOT_STYLE): eight line types, each with its own
 * colour (Okabe-Ito, readable by colour-blind readers) and its own marker, so series stay
 * distinguishable in grey print; the downward triangle (pt 10/11) is left free for upper bounds. */
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

static const char SGDL_PLOT_STYLE[] =
    "# sgdlab house style: line type k = colour k + marker k (pt 11, the filled downward triangle,\n"
    "# marks an upper bound)\n"
    "set linetype 1 lc rgb '#0072b2' lw 2 pt 7 ps 1.3\n"
    "set linetype 2 lc rgb '#d55e00' lw 2 pt 5 ps 1.3\n"
    "set linetype 3 lc rgb '#009e73' lw 2 pt 9 ps 1.5\n"
    "set linetype 4 lc rgb '#cc79a7' lw 2 pt 13 ps 1.5\n"
    "set linetype 5 lc rgb '#e69f00' lw 2 pt 6 ps 1.3\n"
    "set linetype 6 lc rgb '#56b4e9' lw 2 pt 4 ps 1.3\n"
    "set linetype 7 lc rgb '#000000' lw 2 pt 8 ps 1.5\n"
    "set linetype 8 lc rgb '#882255' lw 2 pt 12 ps 1.5\n"
    "set linetype cycle 8\n";

int sgdl_plot(sgdl_ctx *ctx, const char *dir, const char *name, const char *script, int *rendered) {
  char gp[4096], file[512];
  snprintf(file, sizeof file, "%s.gp", name);
  sgdl_path_join(gp, sizeof gp, dir, file);
  size_t n_style = strlen(SGDL_PLOT_STYLE), n_script = strlen(script);
  char *text = malloc(n_style + n_script + 1);
  if (!text) return sgdl_fail(ctx, SGDL_ENOMEM, "plot %s: out of memory", file);
  memcpy(text, SGDL_PLOT_STYLE, n_style);
  memcpy(text + n_style, script, n_script + 1);
  int rc = sgdl_write_atomic(ctx, gp, text, n_style + n_script);
  free(text);
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
  /* Not an error (the data and the script are the results), but never silent: a script that
   * gnuplot rejects is a defect of ours, and the user must know the PNG is missing. */
  if (!ok) fprintf(stderr, "sgdlab: warning: gnuplot could not render %s (see its message above); %s.png was not written, the data and the script are kept\n", file, name);
  return SGDL_OK;
}
