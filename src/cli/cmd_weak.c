/* sgdlab weak: weak error of GF/SME/SMF against SGD over learning rates, and its order. */
#include "cli/study_cli.h"

int sgdl_cmd_weak(int argc, char **argv) {
  sgdl_opt opts[] = {SGDL_COMMON_OPTS,
                     SGDL_PROBLEM_OPTS,
                     SGDL_STUDY_OPTS("0.2,0.1,0.05,0.025", "gf,sme1,sme2"),
                     {"x0", OPT_STR, NULL, "starting point, comma-separated (default: the problem's own)", NULL, 0},
                     {"observables", OPT_STR, "x0,x0^2", "xI, xI^2, xI*xJ, norm2, loss (comma-separated)", NULL, 0},
                     OPT_END};
  return sgdl_study_main("weak",
                         "How far is E f(SGD iterate) from E f(model) over [0, T], per learning rate, and what order\n"
                         "does the error have? Monte Carlo with 95% intervals, or exact moments with --exact.",
                         opts, argc, argv, 0);
}
