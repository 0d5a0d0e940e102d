/* sgdlab npoint: multi-point statistics of runs from several starts. SGD runs share their
 * samples, SMF runs share their noise, SME runs have independent noise (GKK's contrast). */
#include "cli/study_cli.h"

int sgdl_cmd_npoint(int argc, char **argv) {
  sgdl_opt opts[] = {SGDL_COMMON_OPTS,
                     SGDL_PROBLEM_OPTS,
                     SGDL_STUDY_OPTS("0.2,0.1,0.05,0.025", "sme1,smf1,smf2"),
                     {"starts", OPT_STR, NULL, "starting points, one per particle: rows \"a,b;c,d\" or @file.csv (default: x0 and x0+1)", NULL, 0},
                     {"observables", OPT_STR, "dist2,dot,cov", "per pair p<q: dist2 (E|X-Y|^2), dot (E X.Y), cov (tr Cov(X,Y)); or explicit dist2[p,q] ...", NULL, 0},
                     OPT_END};
  return sgdl_study_main("npoint",
                         "Do runs started at different points, sharing samples, move together as the model predicts?\n"
                         "Two-point statistics of SGD against SME (independent noise) and SMF (shared noise).",
                         opts, argc, argv, 1);
}
