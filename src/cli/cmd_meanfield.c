/* sgdlab meanfield: two-layer networks in mean-field scaling. Particle SGD (one shared sample per
 * step, every neuron moved by alpha n grad) against the distribution-dependent stochastic modified
 * flow (smf2, the DD-SMF of GKK for the empirical measure of the neurons), its first-order
 * version (smf1) and the deterministic mean-field gradient flow (gf). A weak-error study on the
 * `meanfield` problem, with its own defaults. */
#include "cli/study_cli.h"

int sgdl_cmd_meanfield(int argc, char **argv) {
  sgdl_opt opts[] = {SGDL_COMMON_OPTS,
                     SGDL_PROBLEM_OPTS,
                     SGDL_STUDY_OPTS("0.4,0.2,0.1", "gf,smf1,smf2"),
                     {"x0", OPT_STR, NULL, "initial neurons (c_1,w_1,...,c_n,w_n), default i.i.d. N(0,1) from --seed", NULL, 0},
                     {"observables", OPT_STR, "loss", "loss (= n R_n), norm2 (= n times the second moment of mu), xI, ...", NULL, 0},
                     OPT_END};
  sgdl_opt_get(opts, "problem")->def = "meanfield";
  sgdl_opt_get(opts, "gen-d")->def = "1";
  sgdl_opt_get(opts, "gen-n")->def = "16";
  sgdl_opt_get(opts, "neurons")->def = "10";
  sgdl_opt_get(opts, "paths")->def = "4000";
  sgdl_opt_get(opts, "T")->def = "2";
  return sgdl_study_main("meanfield",
                         "Two-layer networks in mean-field scaling: particle SGD against the distribution-dependent\n"
                         "stochastic modified flow (smf2), smf1 and the mean-field gradient flow (gf). The network is\n"
                         "f(z) = (1/n) sum_k c_k tanh(w_k . z) with square loss; data from --data or generated.",
                         opts, argc, argv, 0);
}
