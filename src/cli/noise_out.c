/* The noise-to-signal ratio in results.json and the summary (noise_out.h). */
#include <math.h>
#include <stdio.h>

#include "cli/noise_out.h"

static const char *const DEFINITION =
    "after Li, Malladi, Arora (NeurIPS 2021, arXiv 2102.12470): NSR = c_B G / |grad L|^2 with "
    "G = E_i |grad l_i - grad L|^2 = tr Sigma_1 (c_B = 1/B with replacement, (N-B)/(B(N-1)) without); "
    "a snapshot at these weights, not the paper's equilibrium average (README, Noise-to-signal ratio)";

cJSON *sgdl_noise_scale_json(const sgdl_noise_scale *ns) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "definition", DEFINITION);
  sgdl_json_add_number(o, "trace_sigma1", ns->trace_sigma1);
  sgdl_json_add_number(o, "grad_norm2", ns->grad_norm2);
  cJSON_AddNumberToObject(o, "batch", ns->batch);
  sgdl_json_add_number(o, "c_B", ns->cB);
  sgdl_json_add_number(o, "nsr", ns->nsr);
  sgdl_json_add_number(o, "b_star", ns->b_star);
  sgdl_json_add_number(o, "lr", ns->lr);
  sgdl_json_add_number(o, "lr_star", ns->lr_star);
  cJSON_AddBoolToObject(o, "sde_can_hold", ns->holds);
  char text[320];
  snprintf(text, sizeof text,
           "necessary condition NSR >= 1 for the SDE approximation and the linear scaling rule (lr/B fixed): "
           "met for B <= b_star = %.4g, i.e. lr <= lr_star = %.4g at this lr/B; beyond, it fails", ns->b_star, ns->lr_star);
  cJSON_AddStringToObject(o, "statement", text);
  return o;
}

void sgdl_noise_scale_print(const sgdl_noise_scale *ns, const char *where) {
  printf("  noise-to-signal ratio %s (Li-Malladi-Arora): NSR = c_B tr Sigma_1 / |grad L|^2 = %.4g at B = %d "
         "(tr Sigma_1 %.4g, |grad L|^2 %.4g)\n", where, ns->nsr, ns->batch, ns->trace_sigma1, ns->grad_norm2);
  printf("    SDE / linear scaling can hold while NSR >= 1: B <= %.4g, lr <= %.4g at lr/B = %.4g%s\n", ns->b_star,
         ns->lr_star, ns->lr / ns->batch, ns->holds ? "" : "  -- NSR < 1 here: the SDE approximation is doubtful");
}

int sgdl_noise_scale_record(sgdl_ctx *ctx, const sgdl_problem *p, const double *x, const sgdl_algo_params *par,
                            cJSON *root, int talk, const char *where) {
  sgdl_noise_scale ns;
  const int rc = sgdl_problem_noise_scale(ctx, p, x, par->batch, par->without_replacement, par->lr, &ns);
  if (rc) return rc;
  sgdl_json_put(root, "noise_to_signal", sgdl_noise_scale_json(&ns));
  if (talk) sgdl_noise_scale_print(&ns, where);
  return SGDL_OK;
}
