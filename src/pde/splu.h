/* Internal to the pde layer: one direct-solver interface over LAPACK's tridiagonal and banded LU
 * and SuiteSparse UMFPACK. A matrix is given in CSR; solves can use it or its transpose, so one
 * factorisation serves the forward (A) and backward (A^T) equations.
 * Plan/execute: factor allocates everything; solve allocates nothing. */
#ifndef SGDL_PDE_SPLU_H
#define SGDL_PDE_SPLU_H

#include <stddef.h>

#include "sgdlab/core.h"

typedef struct sgdl_splu sgdl_splu;

/* Factor the n x n CSR matrix (rowptr[n+1], col, val). Picks: tridiagonal (bandwidth 1),
 * UMFPACK (when built with it), else banded LU if its storage fits in 1 GiB, else an error that
 * names `what` and says the build lacks UMFPACK. */
int sgdl_splu_factor(sgdl_ctx *ctx, size_t n, const int *rowptr, const int *col, const double *val,
                     const char *what, sgdl_splu **out);
/* Solve M x = b (transpose = 0) or M^T x = b (transpose = 1) in place. */
int sgdl_splu_solve(sgdl_ctx *ctx, sgdl_splu *lu, int transpose, double *b);
void sgdl_splu_free(sgdl_splu *lu);

#endif
