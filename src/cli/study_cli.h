/* Shared by `sgdlab weak`, `npoint` and `meanfield`: their common options, flags -> study spec,
 * and the study's summary, CSV tables, plot and results.json. */
#ifndef SGDLAB_STUDY_CLI_H
#define SGDLAB_STUDY_CLI_H

#include "cli/cli.h"
#include "cli/study_rounds_cli.h"

/* Options the study commands share (after SGDL_COMMON_OPTS and SGDL_PROBLEM_OPTS), with their
 * declared ranges and choices (checked by sgdl_cli_parse; see cli.h). */
#define SGDL_STUDY_OPTS(lr_def, models_def)                                                                   \
  {"lr", OPT_LIST, lr_def, "learning rates, comma-separated", NULL, 0, OPT_ITEMS(0, 0, OPT_GT, 1, 0)},       \
  {"T", OPT_NUM, "1", "time horizon; SGD runs T/lr steps, outputs at every t_k = k lr", NULL, 0, OPT_POSITIVE}, \
  {"every", OPT_INT, NULL, "observables every K learning-rate steps and at T (default 1: every step); models at the same times", \
   NULL, 0, OPT_RANGE(1, 1e8, OPT_GE | OPT_LE)},                                                              \
  {"models", OPT_STR, models_def, "models: gf, sme1, sme2, smf1, smf2, svag (sgd); msme1, msme2, usme (hb/nag)", NULL, 0},   \
  {"svag-l", OPT_LIST, "1", "svag: l small steps of lr/l per step on two amplified minibatches (l = 1: SGD in law); " \
   "a list l1,l2,... gives one svag row per l", NULL, 0, OPT_ITEMS(1, 1048576, OPT_GE | OPT_LE | OPT_WHOLE, 1, 0)},                                                                     \
  {"paths", OPT_INT, "1e5", "Monte Carlo replicas per (model, lr)", NULL, 0, OPT_RANGE(2, 4294967295.0, OPT_GE | OPT_LE)}, \
  {"batch", OPT_INT, "1", "minibatch size B", NULL, 0, OPT_RANGE(1, 1000000, OPT_GE | OPT_LE)},              \
  {"sampling", OPT_STR, "with", "minibatch sampling (replacement)", NULL, 0, OPT_CHOICES("with|without")},   \
  {"substeps", OPT_INT, NULL, "SDE substeps per learning-rate step (default 4 with heun, 8 with tt)", NULL, 0, \
   OPT_RANGE(1, 100000, OPT_GE | OPT_LE)},                                                                     \
  {"scheme", OPT_STR, "auto", "SDE scheme (tt: EM + Talay-Tubaro extrapolation)", NULL, 0,                   \
   OPT_CHOICES("auto|em|heun|tt")},                                                                            \
  {"exact", OPT_FLAG, NULL, "exact moments instead of Monte Carlo (affine problems: quadratic, linreg, degenerate)", NULL, 0},           \
  {"increments", OPT_STR, "gauss", "SDE increments: normals, two-point +-1 (weak order 1), three-point (order 2); auto: cheapest for the scheme", NULL, 0, OPT_CHOICES("gauss|two-point|three-point|auto")}, \
  {"coupling", OPT_STR, "auto", "common random numbers between SGD and each model", NULL, 0, OPT_CHOICES("auto|on|off")}, \
  {"variance-reduction", OPT_STR, NULL, "control-variate: each run beside its affine surrogate on the same random numbers, exact surrogate moments added back (finite data, --algo sgd; refused where the surrogate is unstable over --T: a Hessian eigenvalue lambda_min < 0 with exp(2|lambda_min| T) > 10, e.g. meanfield); antithetic: paths in mirrored pairs (normals negated, samples mirrored; even --paths); antithetic,control-variate: both (default none)", \
   NULL, 0, OPT_CHOICES("none|control-variate|antithetic|antithetic,control-variate")},                        \
  {"algo", OPT_STR, "sgd", "discrete reference: sgd, hb (heavy ball), nag (Nesterov); hb/nag pair with msme1, msme2", NULL, 0, \
   OPT_CHOICES("sgd|hb|nag")},                                                                                 \
  {"momentum", OPT_NUM, "0.9", "hb/nag: momentum mu (also the mu of msme1/msme2)", NULL, 0,                  \
   OPT_RANGE(0, 1, OPT_GE | OPT_LT)},                                                                          \
  {"nag-iterate", OPT_STR, "sgdlab", "nag: observables of x (sgdlab) or of the look-ahead x + mu v, PyTorch's SGD(nesterov=True) parameter (torch)", \
   NULL, 0, OPT_CHOICES("sgdlab|torch")},                                                                     \
  {"lambda", OPT_NUM, NULL, "critical momentum scaling (SPEC 3.2c, model usme): mu = 1 - lambda sqrt(lr), model time sqrt(lr) per step", NULL, 0, \
   OPT_POSITIVE},                                                                                              \
  {"schedule", OPT_STR, "constant", "nag momentum: constant, or sbc (mu_k = (k-1)/(k+2), model usme with damping 3/t)", NULL, 0, \
   OPT_CHOICES("constant|sbc")},                                                                               \
  {"initial-layer", OPT_STR, "on", "msme2: start the flow at x0 + alpha mu/(1-mu)^2 grad L(x0) (on) or at x0 (off)", NULL, 0, \
   OPT_CHOICES("on|off")},                                                                                    \
  SGDL_ROUNDS_OPTS

/* The whole of `sgdlab weak`, `npoint` and `meanfield` after their option tables: the command
 * preamble (sgdl_cli_begin), then the study. npoint = 1 for `sgdlab npoint`. Returns the exit code. */
int sgdl_study_main(const char *command, const char *summary, sgdl_opt *opts, int argc, char **argv, int npoint);

#endif
