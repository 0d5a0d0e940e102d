/* Test plugins for tests/cli_plugin_abi.sh: a valid 1-D problem (L = x^2/2, additive unit noise)
 * built three times by tests/CMakeLists.txt, differing only in the plugin ABI they state:
 *   PLUGIN_ABI_CASE 0: SGDL_PLUGIN_ABI (this header's version; loads and runs),
 *   PLUGIN_ABI_CASE 1: a different version number (what a plugin from another sgdlab says),
 *   PLUGIN_ABI_CASE 2: no sgdl_plugin_abi symbol at all (a plugin from before versions).
 * Cases 1 and 2 must be refused by the loader before their function runs.
 * Does not: link sgdlab (a plugin never does). */
#include <stdio.h>

#include "sgdlab/problem.h"

#ifndef PLUGIN_ABI_CASE
#error "PLUGIN_ABI_CASE is set by tests/CMakeLists.txt (0 current, 1 wrong version, 2 none)"
#endif

#if PLUGIN_ABI_CASE == 0
SGDL_PLUGIN_ABI;
#elif PLUGIN_ABI_CASE == 1
SGDL_PLUGIN_EXPORT extern const int sgdl_plugin_abi;
SGDL_PLUGIN_EXPORT const int sgdl_plugin_abi = SGDL_PLUGIN_ABI_VERSION + 1;
#endif

static double half_square_loss(const sgdl_problem *p, const double *x) { return 0.5 * x[0] * x[0]; }
static void half_square_grad(const sgdl_problem *p, const double *x, double *g) { g[0] = x[0]; }
static void half_square_hvp(const sgdl_problem *p, const double *x, const double *v, double *out) { out[0] = v[0]; }
static void unit_noise_cols(const sgdl_problem *p, const double *x, double *G) { G[0] = 1.0; }

static const sgdl_problem_type half_square_type = {
    .name = "abi-test",
    .loss = half_square_loss,
    .grad = half_square_grad,
    .hvp = half_square_hvp,
    .noise_cols = unit_noise_cols,
};

int sgdl_problem_plugin(sgdl_problem *p, const char *params);

int sgdl_problem_plugin(sgdl_problem *p, const char *params) {
  p->type = &half_square_type;
  p->impl = NULL;
  p->dim = 1;
  p->n_data = 0;
  p->n_noise = 1;
  p->noise_weight = 1.0;
  p->noise_constant = 1;
  p->affine = 1;
  snprintf(p->desc, sizeof p->desc, "abi-test plugin (case %d)", PLUGIN_ABI_CASE);
  return 0;
}
