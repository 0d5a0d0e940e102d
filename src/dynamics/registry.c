/* The stepper registry (the list is steppers.def): names, lookup, the names of the discrete rules
 * (SGDL_OPT_*), creation with validation of the shared parameters
 * (learning rate, batch size against the data set, substeps), and destruction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics/internal.h"

/* Both lists come from steppers.def, so they cannot drift apart. */
#define SGDL_STEPPER(id) &sgdl_stepper_##id,
static const sgdl_stepper_type *const all_types[] = {
#include "dynamics/steppers.def"
    NULL};
#undef SGDL_STEPPER

#define SGDL_STEPPER(id) #id,
const char *const sgdl_stepper_names[] = {
#include "dynamics/steppers.def"
    NULL};
#undef SGDL_STEPPER

void sgdl_algo_params_init(sgdl_algo_params *par) {
  memset(par, 0, sizeof *par);
  par->lr = 0.1;
  par->batch = 1;
  par->momentum = 0.9;
  par->beta1 = 0.9;
  par->beta2 = 0.999;
  par->eps = 1e-8;
  par->substeps = 1;
  par->scheme = SGDL_SCHEME_EM;
  par->svag_l = 1;
}

const sgdl_stepper_type *sgdl_stepper_find(const char *name) {
  for (int i = 0; all_types[i]; i++)
    if (!strcmp(all_types[i]->name, name)) return all_types[i];
  return NULL;
}

int sgdl_opt_rule_from_name(const char *name) {
  const sgdl_stepper_type *t = name ? sgdl_stepper_find(name) : NULL;
  return t ? t->desc.rule : SGDL_OPT_NONE;
}

const char *sgdl_opt_rule_name(int rule) {
  if (rule == SGDL_OPT_NONE) return "?";
  for (int i = 0; all_types[i]; i++)
    if (all_types[i]->desc.rule == rule) return all_types[i]->name;
  return "?";
}

int sgdl_stepper_create(sgdl_ctx *ctx, const char *name, const sgdl_problem *prob,
                        const sgdl_algo_params *par, uint32_t seed, uint32_t stream, int P,
                        sgdl_stepper **out) {
  *out = NULL;
  const sgdl_stepper_type *t = sgdl_stepper_find(name);
  if (!t) {
    char list[256] = "";
    for (int i = 0; sgdl_stepper_names[i]; i++) {
      strcat(list, i ? ", " : "");
      strcat(list, sgdl_stepper_names[i]);
    }
    return sgdl_fail(ctx, SGDL_EINVAL, "unknown model or algorithm '%s' (known: %s)", name, list);
  }
  if (!(par->lr > 0) || !isfinite(par->lr)) return sgdl_fail(ctx, SGDL_EINVAL, "--lr: %g is not a positive learning rate", par->lr);
  if (par->batch < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is not a positive batch size", par->batch);
  if (prob->n_data && par->without_replacement && (size_t)par->batch > prob->n_data)
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is larger than the data set (N = %zu) for sampling without replacement",
                     par->batch, prob->n_data);
  if (prob->n_data && (size_t)par->batch > prob->n_data && !par->without_replacement)
    return sgdl_fail(ctx, SGDL_EINVAL, "--batch: %d is larger than the data set (N = %zu)", par->batch, prob->n_data);
  if (P < 1 || P > 4095) return sgdl_fail(ctx, SGDL_EINVAL, "number of particles %d is outside 1 .. 4095", P);
  sgdl_stepper *s = calloc(1, sizeof *s);
  if (!s) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  s->type = t;
  s->prob = prob;
  s->par = *par;
  s->seed = seed;
  s->stream = stream;
  s->particles = P;
  s->cB = sgdl_minibatch_factor(prob->n_data, par->batch, par->without_replacement);
  int rc = t->plan(ctx, s);
  if (rc) {
    sgdl_stepper_destroy(s);
    return rc;
  }
  *out = s;
  return SGDL_OK;
}

void sgdl_stepper_destroy(sgdl_stepper *s) {
  if (!s) return;
  if (s->type && s->type->destroy) s->type->destroy(s);
  free(s);
}
