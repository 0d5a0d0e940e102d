/* Shared between the stationary study's files (src/study/stationary*.c); not a public header.
 * stationary.c: entry point, quadratic family, Monte Carlo plan; stationary_families.c: linreg,
 * gauss-linreg, 1-D; stationary_scan.c: learning-rate scans. */
#ifndef SGDL_STUDY_STATIONARY_INTERNAL_H
#define SGDL_STUDY_STATIONARY_INTERNAL_H

#include "sgdlab/study_stationary.h"

/* The algorithm name of the spec ("sgd" when NULL). */
const char *sgdl_stationary_algo(const sgdl_stationary_spec *sp);

/* The Monte Carlo check: replicas and steps from --simulate/--replicas, burn-in from --burn or from
 * the spectral radius rho of the mean's iteration (0 when unknown), then sgdl_stat_simulate of
 * `algo` on p from x0 into res->mc (hess: the Hessian for the excess loss, may be NULL). */
int sgdl_stationary_simulate(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, const sgdl_problem *p, const char *algo,
                             double rho, const double *x0, const double *hess, sgdl_stationary_study_result *res);

/* SME1 and SME2 Fokker-Planck stationary densities of a 1-D problem into res->fp. */
int sgdl_stationary_fp_pair(sgdl_ctx *ctx, const sgdl_problem *p, double lr, double cB, sgdl_stationary_study_result *res);

/* Families (spec already checked for its family). */
int sgdl_stationary_run_linreg(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);
int sgdl_stationary_run_gauss(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);
int sgdl_stationary_run_network(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);
int sgdl_stationary_run_1d(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);

/* Learning-rate scans over sp->scan_lrs into res->scan_* (res->lr_max set by the caller). */
int sgdl_stationary_scan_quadratic(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, int algo, const double *C,
                                   sgdl_stationary_study_result *res);
int sgdl_stationary_scan_linreg(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);
int sgdl_stationary_scan_gauss(sgdl_ctx *ctx, const sgdl_stationary_spec *sp, sgdl_stationary_study_result *res);

/* 1/2 tr(A S) for d x d matrices. */
double sgdl_stationary_half_trace(int d, const double *A, const double *S);

#endif
