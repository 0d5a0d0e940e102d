/* A progress bar on stderr, only when stderr is a terminal (quiet in pipes, CI and tests), or
 * forwarded to the sink its owner gave it (sgdl_progress_bar_set_sink) instead. Holds no state
 * outside the bar: two bars, on two threads, never see each other's sink. */
#include "sgdlab/report.h"

#include <stdio.h>
#include <unistd.h>

void sgdl_progress_bar_start(sgdl_progress_bar *b, const char *label) {
  b->label = label;
  b->active = isatty(STDERR_FILENO);
  b->last_permille = -1;
  b->t_start = sgdl_now();
  b->sink = NULL;
  b->sink_user = NULL;
}

void sgdl_progress_bar_set_sink(sgdl_progress_bar *b, sgdl_progress_sink fn, void *user) {
  b->sink = fn;
  b->sink_user = fn ? user : NULL;
}

void sgdl_progress_bar_update(void *bar, double fraction) {
  sgdl_progress_bar *b = bar;
  if (!b->active && !b->sink) return;
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  int pm = (int)(fraction * 1000);
  if (pm == b->last_permille) return;
  b->last_permille = pm;
  if (b->sink) {
    b->sink(b->sink_user, b->label ? b->label : "", fraction);
    return;
  }
  double el = sgdl_now() - b->t_start;
  double eta = fraction > 0.01 ? el * (1 - fraction) / fraction : 0;
  int width = 30, fill = (int)(fraction * width);
  fprintf(stderr, "\r%s [", b->label ? b->label : "");
  for (int i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %5.1f%%  %.0fs elapsed, ~%.0fs left ", 100 * fraction, el, eta);
  fflush(stderr);
}

void sgdl_progress_bar_finish(sgdl_progress_bar *b) {
  if (b->active && b->last_permille >= 0) fprintf(stderr, "\r%*s\r", 78, "");
  b->active = 0;
}
