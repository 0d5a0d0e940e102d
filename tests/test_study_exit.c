/* The exit-time study from C (include/sgdlab/study_exit.h), on the 1-D double well (alpha = 0.1,
 * sigma^2 = 2, exit from -1 at 0.5):
 *  - the quadrature (nested integrals) and the backward Kolmogorov PDE are independent methods
 *    and agree to 1e-4; the chain is a discrete-time answer of the same order;
 *  - Monte Carlo of SME1 (bridge-corrected, 2000 paths) has the quadrature inside its 95% interval;
 *  - ratios to the PDE, steps = time / alpha, the 1-D profile, progress through ctx;
 *  - a two-rate scan: one point per rate, the larger rate exits in fewer steps;
 *  - bad input fails with a message and leaves a zeroed result; results free cleanly (twice). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/study_exit.h"

static int progress_calls;
static double progress_max;

static void count_progress(void *user, double f) {
  (void)user;
  progress_calls++;
  progress_max = fmax(progress_max, f);
}

static void base_spec(sgdl_exit_spec *sp, const sgdl_problem *p, const double *lr, int n_lr) {
  memset(sp, 0, sizeof *sp);
  sp->prob = p;
  sp->model = "sme1";
  sp->n_lr = n_lr;
  sp->lrs = lr;
  sp->batch = 1;
  sp->x0[0] = -1;
  sp->to = 0.5;
  sp->grid[0] = 2000;
  sp->grid[1] = 1;
  sp->paths = 2000;
  sp->substeps = 8;
  sp->bridge = 1;
  sp->seed = 7;
}

int main(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec ps;
  sgdl_problem_spec_init(&ps);
  ps.name = "double-well";
  ps.sigma2 = 2;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(&ctx, &ps, &p)) {
    fprintf(stderr, "problem: %s\n", ctx.msg);
    return 1;
  }
  CHECK(sgdl_exit_method_find("mc-sme1") == SGDL_EXIT_MC_SME1 && sgdl_exit_method_find("magic") == -1, "method names");
  CHECK(!strcmp(sgdl_exit_method_name(SGDL_EXIT_PDE), "pde") && !sgdl_exit_method_name(SGDL_EXIT_N_METHODS), "method names");

  /* One learning rate, every deterministic method and Monte Carlo of SME1. */
  {
    const double lr = 0.1;
    sgdl_exit_spec sp;
    base_spec(&sp, p, &lr, 1);
    sp.want[SGDL_EXIT_QUADRATURE] = sp.want[SGDL_EXIT_PDE] = sp.want[SGDL_EXIT_CHAIN] = 1;
    sp.want[SGDL_EXIT_KRAMERS] = sp.want[SGDL_EXIT_MC_SME1] = 1;
    ctx.progress = count_progress;
    sgdl_exit_result res;
    int rc = sgdl_exit_study_run(&ctx, &sp, &res);
    ctx.progress = NULL;
    CHECK(rc == SGDL_OK, "study: %s", ctx.msg);
    if (!rc) {
      CHECK(res.n_points == 1 && res.points[0].lr == lr, "one point at the given rate");
      const sgdl_exit_row *q = &res.points[0].rows[SGDL_EXIT_QUADRATURE], *pde = &res.points[0].rows[SGDL_EXIT_PDE];
      const sgdl_exit_row *mc = &res.points[0].rows[SGDL_EXIT_MC_SME1], *ch = &res.points[0].rows[SGDL_EXIT_CHAIN];
      CHECK(q->available && pde->available && mc->available && ch->available, "rows filled");
      CHECK(q->time > 10 && isfinite(q->time), "quadrature MET %g", q->time);
      CHECK_REL(pde->time, q->time, 1e-4, "PDE vs quadrature (independent methods)");
      CHECK_REL(q->ratio_to_pde, q->time / pde->time, 0, "ratio to the PDE");
      CHECK_REL(q->steps, q->time / lr, 1e-15, "steps = time / alpha");
      CHECK(mc->is_mc && mc->censored == 0 && mc->se_time > 0, "Monte Carlo row (censored %ld)", mc->censored);
      CHECK(mc->ci_time[0] <= q->time && q->time <= mc->ci_time[1], "quadrature %g inside the MC interval [%g, %g]", q->time,
            mc->ci_time[0], mc->ci_time[1]);
      CHECK(fabs(ch->steps / q->steps - 1) < 0.5, "chain %g steps, same order as the SME %g", ch->steps, q->steps);
      CHECK(res.points[0].domain.bc_hi == SGDL_BC_ABSORB && res.points[0].domain.hi == 0.5, "domain absorbs at --to");
      CHECK(res.profile.n == 2000 && res.profile.x[0] > res.points[0].domain.lo, "1-D profile over the cells");
      CHECK(progress_calls > 0 && progress_max <= 1 + 1e-12, "progress through ctx (%d calls, max %g)", progress_calls, progress_max);
      CHECK(res.n_warnings == 0, "no warning past the saddle (%d)", res.n_warnings);
    }
    sgdl_exit_result_free(&res);
    CHECK(res.points == NULL && res.n_points == 0 && res.profile.x == NULL, "free zeroes the result");
    sgdl_exit_result_free(&res); /* idempotent */
  }

  /* A two-rate scan of the deterministic methods. */
  {
    const double lrs[2] = {0.1, 0.2};
    sgdl_exit_spec sp;
    base_spec(&sp, p, lrs, 2);
    sp.grid[0] = 800;
    sp.want[SGDL_EXIT_QUADRATURE] = sp.want[SGDL_EXIT_PDE] = 1;
    sgdl_exit_result res;
    int rc = sgdl_exit_study_run(&ctx, &sp, &res);
    CHECK(rc == SGDL_OK, "scan: %s", ctx.msg);
    if (!rc) {
      CHECK(res.n_points == 2, "two points");
      CHECK(res.points[1].rows[SGDL_EXIT_QUADRATURE].steps < res.points[0].rows[SGDL_EXIT_QUADRATURE].steps,
            "a larger rate exits in fewer steps");
      CHECK(res.points[0].inv_temperature > res.points[1].inv_temperature, "inverse temperature falls with the rate");
      CHECK(!res.points[0].rows[SGDL_EXIT_CHAIN].available && !res.points[0].rows[SGDL_EXIT_CHAIN].note[0], "unwanted rows stay empty");
    }
    sgdl_exit_result_free(&res);
  }

  /* Bad input: the start on the exit boundary. */
  {
    const double lr = 0.1;
    sgdl_exit_spec sp;
    base_spec(&sp, p, &lr, 1);
    sp.to = -1;
    sp.want[SGDL_EXIT_QUADRATURE] = 1;
    sgdl_exit_result res;
    int rc = sgdl_exit_study_run(&ctx, &sp, &res);
    CHECK(rc != SGDL_OK && ctx.msg[0], "empty domain fails");
    CHECK(res.points == NULL && res.n_points == 0, "failed run leaves a zeroed result");
    sgdl_exit_result_free(&res);
  }
  sgdl_problem_destroy(p);
  return check_done();
}
