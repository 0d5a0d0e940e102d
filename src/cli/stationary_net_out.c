/* `sgdlab stationary --problem mlp` output: the spectra at the weights, the SME1 / SME2 / discrete
 * predictions of the stationary excess loss 1/2 tr(H Sigma) in the top-k Hessian directions (the
 * numbers train --geometry prints), the noise-to-signal ratio, and with --simulate the measured
 * 1/2 sum_i h_i Var(u_i . x) with its standard error and how many standard errors each prediction
 * is off, and the predictions again with the noise the simulated chains felt (the study's felt_pred).
 * No numerics beyond formatting. */
#include <math.h>
#include <stdio.h>

#include "cli/noise_out.h"
#include "cli/stationary_out.h"

int sgdl_stationary_network_output(const sgdl_stationary_view *v, const sgdl_stationary_spec *sp,
                                   const sgdl_stationary_study_result *res, cJSON *json) {
  const sgdl_spectra *g = &res->net;
  const int k = g->k;
  cJSON_AddStringToObject(json, "problem", v->problem);
  cJSON_AddStringToObject(json, "family", "network");
  sgdl_json_add_number(json, "lr", res->lr);
  cJSON_AddNumberToObject(json, "batch", sp->par.batch);
  sgdl_json_add_number(json, "c_B", res->cB);
  sgdl_json_add_number(json, "loss_at_weights", res->net_loss);
  cJSON_AddNumberToObject(json, "k", k);
  sgdl_json_put(json, "hessian_eigenvalues", sgdl_json_doubles(g->h, (size_t)k));
  sgdl_json_put(json, "noise_in_hessian_directions", sgdl_json_doubles(g->ct, (size_t)k));
  sgdl_json_put(json, "variance_predicted", sgdl_json_doubles(g->var_pred, (size_t)k));
  cJSON_AddNumberToObject(json, "directions_skipped", g->n_skipped);
  sgdl_json_put(json, "noise_to_signal", sgdl_noise_scale_json(&res->net_noise));
  cJSON *x = cJSON_AddObjectToObject(json, "excess_loss");
  sgdl_json_add_number(x, "sme1", g->pred_sme1);
  sgdl_json_add_number(x, "sme2", g->pred_sme2);
  sgdl_json_add_number(x, "discrete", g->pred_discrete);
  const sgdl_stat_mc *m = &res->mc;
  if (res->has_mc) {
    sgdl_json_add_number(x, "simulated", m->excess);
    sgdl_json_add_number(x, "simulated_se", m->excess_se);
    cJSON *o = cJSON_AddObjectToObject(json, "simulated");
    double var[1000];
    for (int i = 0; i < k && i < 1000; i++) var[i] = m->cov[(size_t)i * k + i];
    sgdl_json_put(o, "variance_measured", sgdl_json_doubles(var, (size_t)(k < 1000 ? k : 1000)));
    cJSON_AddNumberToObject(o, "replicas", (double)m->replicas);
    cJSON_AddNumberToObject(o, "burn_in_steps", (double)m->burn);
    cJSON_AddNumberToObject(o, "steps_per_replica", (double)m->steps);
    if (res->has_felt) {
      sgdl_json_put(o, "noise_felt", sgdl_json_doubles(res->net_felt, (size_t)k));
      sgdl_json_put(o, "noise_felt_se", sgdl_json_doubles(res->net_felt_se, (size_t)k));
      cJSON_AddNumberToObject(o, "noise_felt_snapshots_per_replica", res->net_felt_n);
      sgdl_json_add_number(x, "sme1_felt", res->felt_pred[1]);
      sgdl_json_add_number(x, "sme2_felt", res->felt_pred[2]);
      sgdl_json_add_number(x, "discrete_felt", res->felt_pred[0]);
      sgdl_json_add_number(x, "discrete_felt_se", res->felt_pred_se);
      sgdl_json_add_number(x, "simulated_equal_time", res->split_equal_time);
      sgdl_json_add_number(x, "simulated_equal_time_se", res->split_equal_time_se);
      sgdl_json_add_number(x, "simulated_drift", res->split_drift);
      sgdl_json_put(o, "loss_first_last_snapshot", sgdl_json_doubles(res->snap_loss, 2));
    }
  }
  if (!v->say) return SGDL_OK;
  printf("sgdlab stationary: %s at the --init weights, lr %g, B = %d (c_B %g), L = %.5g\n", v->problem, res->lr,
         sp->par.batch, res->cB, res->net_loss);
  printf("  Hessian top eigenvalues (%d, Lanczos %d steps):", k, g->hinfo.iters);
  for (int i = 0; i < k && i < 8; i++) printf(" %.4g", g->h[i]);
  printf("%s\n  lr x top eigenvalue %.3g (stable below 2)%s\n", k > 8 ? " ..." : "", res->lr * g->h[0],
         g->n_skipped ? "; some directions have no stationary law (skipped)" : "");
  printf("  stationary excess loss 1/2 tr(H Sigma) in the top-%d Hessian directions:\n", k);
  printf("    SME1 prediction      %.4g\n    SME2 prediction      %.4g\n    discrete prediction  %.4g\n", g->pred_sme1,
         g->pred_sme2, g->pred_discrete);
  if (res->has_mc) {
    const double se = m->excess_se > 0 ? m->excess_se : NAN;
    printf("    simulated (SGD, %ld replicas x %llu steps after %llu burn-in): %.4g +- %.2g\n", m->replicas,
           (unsigned long long)m->steps, (unsigned long long)m->burn, m->excess, m->excess_se);
    printf("    off by (standard errors): SME1 %.1f, SME2 %.1f, discrete %.1f\n", (g->pred_sme1 - m->excess) / se,
           (g->pred_sme2 - m->excess) / se, (g->pred_discrete - m->excess) / se);
  }
  if (res->has_felt) {
    const double both = sqrt(m->excess_se * m->excess_se + res->felt_pred_se * res->felt_pred_se);
    printf("  with the noise the chains felt (u_i^T Sigma_B(x) u_i at %d states per replica; at the weights in brackets):\n   ",
           res->net_felt_n);
    for (int i = 0; i < k && i < 8; i++) printf(" %.4g [%.4g]", res->net_felt[i], g->ct[i]);
    printf("%s\n    SME1 %.4g, SME2 %.4g, discrete %.4g +- %.2g: discrete off by %.1f standard errors (added in quadrature)\n",
           k > 8 ? " ..." : "", res->felt_pred[1], res->felt_pred[2], res->felt_pred[0], res->felt_pred_se,
           (res->felt_pred[0] - m->excess) / (both > 0 ? both : NAN));
    printf("    simulated, split at those states: across replicas at equal times %.4g +- %.2g, common drift %.4g\n",
           res->split_equal_time, res->split_equal_time_se, res->split_drift);
    printf("    training loss: %.4g at the weights, %.4g at the first and %.4g at the last state\n", res->net_loss,
           res->snap_loss[0], res->snap_loss[1]);
  }
  sgdl_noise_scale_print(&res->net_noise, "at the weights");
  return SGDL_OK;
}
