/* The stationary study's entry point (sgdlab/study_stationary.h) called directly, without the CLI:
 *  - SPEC T3 (h = 1, sigma = 1): exact alpha/(2 - alpha), SME1 alpha/2, SME2 alpha/(2(1 + alpha/2))
 *    at alpha = 0.1, 1.0, 1.9, with C left NULL (the identity), the ratio 2/(2 - alpha) per
 *    eigendirection and the excess loss 1/2 tr(H Sigma);
 *  - the same values from a learning-rate scan, rates at or beyond lr_max = 2 marked unstable (NaN);
 *  - finite-time moments (SPEC T1: E x_10 = 0.9^10 at alpha = 0.1 from x0 = 1) and the Bayes rate;
 *  - the Monte Carlo check within 5 standard errors of the exact variance;
 *  - errors naming the flag (--batch, --steps, --replicas), and the result freeing cleanly after a
 *    success, after a failure and twice. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study_stationary.h"

static const double H1 = 1;

static void quadratic_spec(sgdl_stationary_spec *sp, double lr) {
  sgdl_stationary_spec_init(sp);
  sp->family = SGDL_STATIONARY_QUADRATIC;
  sp->dim = 1;
  sp->H = &H1;
  sp->C = NULL; /* identity: sigma = 1 */
  sp->par.lr = lr;
}

static int result_is_zero(const sgdl_stationary_study_result *r) {
  sgdl_stationary_study_result z;
  memset(&z, 0, sizeof z);
  return !memcmp(r, &z, sizeof z);
}

static void t3_single(void) {
  const double al[3] = {0.1, 1.0, 1.9}, exact[3] = {0.0526315789474, 1.0, 19.0}, sme1[3] = {0.05, 0.5, 0.95},
               sme2[3] = {0.0476190476, 1.0 / 3, 0.4871794872};
  for (int k = 0; k < 3; k++) {
    sgdl_ctx ctx;
    sgdl_ctx_init(&ctx);
    sgdl_stationary_spec sp;
    quadratic_spec(&sp, al[k]);
    sgdl_stationary_study_result r;
    CHECK(sgdl_stationary_study_run(&ctx, &sp, &r) == 0, "%s", ctx.msg);
    CHECK(r.has_quad && !r.has_mc && !r.has_finite && r.n_scan == 0, "T3: only the stationary solve");
    CHECK_ABS(r.quad.sigma[0], exact[k], 1e-12 * fmax(1, exact[k]), "T3 exact (SPEC digits)");
    CHECK_REL(r.quad.sigma_sme1[0], sme1[k], 1e-12, "T3 SME1");
    CHECK_ABS(r.quad.sigma_sme2[0], sme2[k], 1e-10, "T3 SME2 (SPEC digits)");
    CHECK_REL(r.lr_max, 2.0, 1e-15, "T3 lr_max = 2/h");
    CHECK_REL(r.ratio[0], 2 / (2 - al[k]), 1e-12, "T3 ratio discrete/SME1 = 2/(2 - a)");
    CHECK_REL(r.ratio[1], (al[k] / (2 - al[k])) / (al[k] / (2 * (1 + al[k] / 2))), 1e-12, "T3 ratio discrete/SME2");
    CHECK_REL(r.quad.excess[0], 0.5 * exact[k], 1e-11, "T3 excess loss");
    CHECK_REL(r.sme_expansion_parameter, al[k], 1e-14, "expansion parameter alpha h");
    sgdl_stationary_study_result_free(&r);
    CHECK(result_is_zero(&r), "free leaves a zeroed result");
    sgdl_stationary_study_result_free(&r); /* twice is harmless */
  }
}

static void t3_scan(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_stationary_spec sp;
  quadratic_spec(&sp, 0.1);
  const double lrs[5] = {0.1, 1.0, 1.9, 2.0, 2.5};
  sp.n_scan = 5;
  sp.scan_lrs = lrs;
  sgdl_stationary_study_result r;
  CHECK(sgdl_stationary_study_run(&ctx, &sp, &r) == 0, "%s", ctx.msg);
  CHECK(r.n_scan == 5 && r.n_scan_var == 1 && !r.has_quad, "scan shape");
  CHECK_REL(r.lr_max, 2.0, 1e-15, "scan lr_max");
  for (int k = 0; k < 3; k++) {
    CHECK(r.scan_stable[k], "T3 scan: alpha = %g stable", lrs[k]);
    CHECK_REL(r.scan_var[3 * k], lrs[k] / (2 - lrs[k]), 1e-12, "T3 scan exact variance");
    CHECK_REL(r.scan_var[3 * k + 1], lrs[k] / 2, 1e-12, "T3 scan SME1 variance");
    CHECK_REL(r.scan_excess[3 * k + 2], 0.5 * lrs[k] / (2 * (1 + lrs[k] / 2)), 1e-12, "T3 scan SME2 excess");
  }
  for (int k = 3; k < 5; k++) CHECK(!r.scan_stable[k] && isnan(r.scan_excess[3 * k]), "alpha = %g beyond lr_max: unstable, NaN", lrs[k]);
  sgdl_stationary_study_result_free(&r);
  CHECK(result_is_zero(&r), "scan result freed");
}

static void finite_time_bayes_and_mc(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_stationary_spec sp;
  quadratic_spec(&sp, 0.1);
  sp.finite_time = 1;
  sp.finite_steps = 10; /* x0 NULL: starts at 1 */
  sp.bayes = 1;
  sp.bayes_n = 99; /* S = tr H / tr C = 1: alpha* = 2/100 */
  sp.simulate = 1;
  sp.samples = 200000;
  sp.replicas = 64;
  sp.seed = 7;
  sgdl_stationary_study_result r;
  CHECK(sgdl_stationary_study_run(&ctx, &sp, &r) == 0, "%s", ctx.msg);
  CHECK(r.has_finite && r.finite_steps == 10 && r.x0[0] == 1, "finite-time moments from x0 = 1");
  CHECK_ABS(r.mean_k[0], 0.3486784401, 1e-10, "T1 E x_10 = 0.9^10");
  CHECK_ABS(r.cov_k[0] + r.mean_k[0] * r.mean_k[0], 0.1678094622, 1e-10, "T1 E x_10^2");
  CHECK(r.has_bayes, "Bayes rate");
  CHECK_REL(r.bayes_lr, 0.02, 1e-14, "alpha* = 2S/(N+S)");
  CHECK(r.has_mc && r.mc.replicas == 64 && r.mc.steps == 200000 / 64, "Monte Carlo plan");
  CHECK(r.mc.burn == (uint64_t)ceil(log(1e-10) / log(0.9)) + 100, "burn-in from the spectral radius 0.9: got %llu",
        (unsigned long long)r.mc.burn);
  CHECK(fabs(r.mc.cov[0] - r.quad.sigma[0]) < 5 * r.mc.cov_se[0], "simulated %g +- %g vs exact %g", r.mc.cov[0], r.mc.cov_se[0],
        r.quad.sigma[0]);
  sgdl_stationary_study_result_free(&r);
  CHECK(result_is_zero(&r), "result with Monte Carlo freed");
}

static void errors(void) {
  struct {
    const char *flag;
    int status;
  } cases[4] = {{"--batch", SGDL_EUSAGE}, {"--steps", SGDL_EUSAGE}, {"--replicas", SGDL_EUSAGE}, {"--lr", SGDL_EUNSTABLE}};
  for (int k = 0; k < 4; k++) {
    sgdl_ctx ctx;
    sgdl_ctx_init(&ctx);
    sgdl_stationary_spec sp;
    quadratic_spec(&sp, 0.1);
    if (k == 0) sp.par.batch = 2;
    if (k == 1) sp.finite_time = 1, sp.finite_steps = -1;
    if (k == 2) sp.simulate = 1, sp.samples = 1000, sp.replicas = 1;
    if (k == 3) sp.par.lr = 2.5;
    sgdl_stationary_study_result r;
    int rc = sgdl_stationary_study_run(&ctx, &sp, &r);
    CHECK(rc == cases[k].status && strstr(ctx.msg, cases[k].flag), "%s: rc %d, message '%s'", cases[k].flag, rc, ctx.msg);
    sgdl_stationary_study_result_free(&r); /* partly filled after a failure */
    CHECK(result_is_zero(&r), "%s: failed result freed", cases[k].flag);
  }
}

int main(void) {
  t3_single();
  t3_scan();
  finite_time_bayes_and_mc();
  errors();
  return check_done();
}
