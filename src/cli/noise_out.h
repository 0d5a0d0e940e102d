/* The noise-to-signal ratio (problem.h: sgdl_noise_scale, Li-Malladi-Arora) in results.json and
 * in a summary line, shared by `sgdlab train --geometry`, `weak`/`npoint --problem mlp` and `exit`
 * on a network. Does not: compute it (the problem and nn layers do). */
#ifndef SGDLAB_CLI_NOISE_OUT_H
#define SGDLAB_CLI_NOISE_OUT_H

#include "cli/cli.h"
#include "sgdlab/problem.h"

/* {"definition", "trace_sigma1", "grad_norm2", "batch", "c_B", "nsr", "b_star", "lr", "lr_star",
 *  "sde_can_hold", "statement"}; the caller owns the object. */
cJSON *sgdl_noise_scale_json(const sgdl_noise_scale *ns);
/* One indented line (two with the predicted range) for a summary; `where` names the point. */
void sgdl_noise_scale_print(const sgdl_noise_scale *ns, const char *where);
/* The NSR of a problem at x with the flags' batch, sampling and lr, as JSON added to root under
 * "noise_to_signal" (printed when talk). Errors name what failed. */
int sgdl_noise_scale_record(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, const sgdl_algo_params *par,
                            cJSON *root, int talk, const char *where);

#endif
