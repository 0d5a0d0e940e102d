/* A generated logreg problem (l2 = 0.01) for the lane-kernel tests (test_curv_hvp.c,
 * test_fused_steppers.c); NULL, with the message on stderr, if it cannot be built. Header-only,
 * one static function: does not check anything itself. */
#ifndef SGDL_TESTS_LOGREG_FIXTURE_H
#define SGDL_TESTS_LOGREG_FIXTURE_H

#include <stdio.h>

#include "sgdlab/problem.h"

static sgdl_problem *make_logreg(sgdl_ctx *ctx, size_t N, int d) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "logreg";
  sp.gen_n = N;
  sp.gen_d = d;
  sp.l2 = 0.01;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

#endif
