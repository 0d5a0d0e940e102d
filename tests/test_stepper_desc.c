/* Stepper descriptors: every registered name resolves and its descriptor is consistent with its
 * kind; the SME coefficient object accepts every one-particle model by descriptor (smf's law is
 * sme's, gf has no diffusion) and refuses the momentum models, svag and discrete algorithms; the
 * descriptor form of sme1/sme2 gives bitwise the coefficients of the order form; the discrete rules'
 * names (SGDL_OPT_*) round-trip through the registry. */
#include <string.h>

#include "check.h"
#include "sgdlab/sde_model.h"
#include "sgdlab/stepper.h"

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  int n = 0;
  for (int i = 0; sgdl_stepper_names[i]; i++, n++) {
    const sgdl_stepper_type *t = sgdl_stepper_find(sgdl_stepper_names[i]);
    CHECK(t && !strcmp(t->name, sgdl_stepper_names[i]), "%s resolves", sgdl_stepper_names[i]);
    if (!t) continue;
    const sgdl_stepper_desc *ds = &t->desc;
    CHECK(t->is_discrete == (ds->rule != SGDL_OPT_NONE), "%s: is_discrete matches the rule", t->name);
    CHECK(t->is_discrete ? ds->drift == SGDL_DRIFT_NONE && ds->weak_order == 0 : ds->drift != SGDL_DRIFT_NONE && ds->weak_order >= 1,
          "%s: drift and order match the kind", t->name);
    CHECK((ds->drift == SGDL_DRIFT_MODIFIED) == (ds->modc > 0), "%s: modc set iff the drift is modified", t->name);
  }
  CHECK(n == 15, "15 steppers, got %d", n);
  CHECK(!sgdl_stepper_find("sme3"), "unknown name");
  CHECK(sgdl_stepper_find("smf2")->desc.noise == SGDL_NOISE_SMF && sgdl_stepper_find("usme")->desc.momentum == SGDL_MOMENTUM_UNDERDAMPED &&
            sgdl_stepper_find("ngd")->desc.rule == SGDL_OPT_NGD,
        "descriptors of smf2, usme, ngd");
  /* The one enumeration of discrete rules: names round-trip through the registry, in the order of SGDL_OPT_*. */
  const char *rule_names[] = {"sgd", "hb", "nag", "adam", "newton", "ngd"};
  for (int r = SGDL_OPT_SGD; r <= SGDL_OPT_NGD; r++)
    CHECK(!strcmp(sgdl_opt_rule_name(r), rule_names[r]) && sgdl_opt_rule_from_name(rule_names[r]) == r, "rule %d is %s", r,
          sgdl_opt_rule_name(r));
  CHECK(sgdl_opt_rule_from_name("sme1") == SGDL_OPT_NONE && sgdl_opt_rule_from_name("nope") == SGDL_OPT_NONE &&
            sgdl_opt_rule_from_name(NULL) == SGDL_OPT_NONE && !strcmp(sgdl_opt_rule_name(SGDL_OPT_NONE), "?") &&
            !strcmp(sgdl_opt_rule_name(SGDL_OPT_NGD + 1), "?"),
        "models and unknown names have no rule");

  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "double-well";
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(&ctx, &spec, &p) == 0, "problem: %s", ctx.msg);
  if (!p) return check_done();
  const double x[1] = {0.3};
  double work[64], b1[1], b2[1], D1[1], D2[1];
  const char *accepted[] = {"gf", "sme1", "sme2", "smf1", "smf2"};
  for (int i = 0; i < 5; i++) {
    sgdl_sme_model m, ref;
    const int order = accepted[i][strlen(accepted[i]) - 1] == '2' ? 2 : 1;
    CHECK(sgdl_sme_model_init_desc(&ctx, &m, p, &sgdl_stepper_find(accepted[i])->desc, 0.1, 1.0, 0.0) == 0, "%s: %s",
          accepted[i], ctx.msg);
    sgdl_sme_model_init(&ctx, &ref, p, order, 0.1, 1.0, 0.0);
    sgdl_sme_drift(&m, x, b1, work);
    sgdl_sme_drift(&ref, x, b2, work);
    CHECK(b1[0] == b2[0], "%s: drift equals sme%d's bitwise", accepted[i], order);
    CHECK(sgdl_sme_potential(&m, x, work) == sgdl_sme_potential(&ref, x, work), "%s: potential", accepted[i]);
    sgdl_sme_diffusion(&m, x, D1, work);
    sgdl_sme_diffusion(&ref, x, D2, work);
    if (i == 0) CHECK(D1[0] == 0 && D2[0] > 0, "gf: no diffusion (sme1's is %g)", D2[0]);
    else CHECK(D1[0] == D2[0], "%s: diffusion equals sme%d's", accepted[i], order);
  }
  const char *refused[] = {"msme1", "msme2", "usme", "sgd", "hb", "svag"};
  for (int i = 0; i < 6; i++) {
    sgdl_sme_model m;
    CHECK(sgdl_sme_model_init_desc(&ctx, &m, p, &sgdl_stepper_find(refused[i])->desc, 0.1, 1.0, 0.0) == SGDL_EINVAL &&
              strstr(ctx.msg, refused[i]),
          "%s refused by name: %s", refused[i], ctx.msg);
  }
  sgdl_problem_destroy(p);
  return check_done();
}
