/* sgdlab meanfield: two-layer networks in mean-field scaling. Particle SGD (one shared sample per
 * step, every neuron moved by alpha n grad) against the distribution-dependent stochastic modified
 * flow (smf2, the DD-SMF of GKK for the empirical measure of the neurons), its first-order
 * version (smf1) and the deterministic mean-field gradient flow (gf). A weak-error study on the
 * `meanfield` problem, with its own defaults.
 *
 * The default run answers its question: every weak error ends precise (95% interval within +-30%)
 * or shown below a floor of 0.02, in rounds of antithetic pairs (study_rounds_cli.h: those
 * defaults, --precision, --floor, --max-paths and --variance-reduction, stand only while neither
 * --paths nor --precision is given; `--paths N` alone is one plain round, on the default network).
 * The network is small (2 neurons, 4 data) and the rates small (0.1, 0.05, 0.025 over T = 1), where
 * SMF2 is in its asymptotic range: at 0.4-0.1 with T = 2 its errors on this network are no smaller
 * than SMF1's (README, meanfield). Does not: run anything itself (study_cli.c does). */
#include "cli/study_cli.h"

int sgdl_cmd_meanfield(int argc, char **argv) {
  sgdl_opt opts[] = {SGDL_COMMON_OPTS,
                     SGDL_PROBLEM_OPTS,
                     SGDL_STUDY_OPTS("0.1,0.05,0.025", "gf,smf1,smf2"),
                     {"x0", OPT_STR, NULL, "initial neurons (c_1,w_1,...,c_n,w_n), default i.i.d. N(0,1) from --seed", NULL, 0},
                     {"observables", OPT_STR, "loss,norm2", "loss (= n R_n), norm2 (= n times the second moment of mu), xI, ...", NULL, 0},
                     OPT_END};
  sgdl_opt_get(opts, "problem")->def = "meanfield";
  sgdl_opt_get(opts, "gen-d")->def = "1";
  sgdl_opt_get(opts, "gen-n")->def = "4";
  sgdl_opt_get(opts, "neurons")->def = "2";
  sgdl_opt_get(opts, "paths")->def = "1e4";
  sgdl_opt_get(opts, "T")->def = "1";
  /* the default run in rounds (dropped by --paths or --precision, see above) */
  sgdl_opt_get(opts, "precision")->def = "0.3";
  sgdl_opt_get(opts, "floor")->def = "0.02";
  sgdl_opt_get(opts, "max-paths")->def = "6.4e5";
  sgdl_opt_get(opts, "variance-reduction")->def = "antithetic";
  sgdl_opt_get(opts, "paths")->help = "Monte Carlo replicas per (model, lr); given alone (no --precision): one plain round of "
                                      "them, without the default --precision 0.3 --floor 0.02 --max-paths 6.4e5 "
                                      "--variance-reduction antithetic";
  sgdl_opt_get(opts, "max-paths")->help = "with --precision: at most this many replicas per (model, lr) (default 6.4e5 "
                                          "in the default run, 64 x --paths with --precision given)";
  sgdl_opt_get(opts, "variance-reduction")->help =
      "control-variate, antithetic or antithetic,control-variate (see sgdlab weak --help); default antithetic in the "
      "default run (none with --paths or --precision given, or where the sample mirror cannot be built: N > 2048)";
  return sgdl_study_main("meanfield",
                         "Two-layer networks in mean-field scaling: particle SGD against the distribution-dependent\n"
                         "stochastic modified flow (smf2), smf1 and the mean-field gradient flow (gf). The network is\n"
                         "f(z) = (1/n) sum_k c_k tanh(w_k . z) with square loss; data from --data or generated.\n"
                         "Without --paths or --precision: rounds of 1e4 antithetic paths until every weak error is\n"
                         "within +-30% or below 0.02.",
                         opts, argc, argv, 0);
}
