/* Shared by the study tests: the 1-D quadratic L = x^2/2 with unit additive noise (H = C = 1), the
 * problem whose weak errors the SME/SMF orders are checked on. Prints the library's message and
 * returns NULL if creation fails. */
#ifndef SGDL_TEST_QUADRATIC_H
#define SGDL_TEST_QUADRATIC_H
#include <stdio.h>

#include "sgdlab/problem.h"

static sgdl_problem *quad(sgdl_ctx *ctx) {
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  static const double H = 1, C = 1;
  sp.name = "quadratic";
  sp.dim = 1;
  sp.H = &H;
  sp.C = &C;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

#endif
