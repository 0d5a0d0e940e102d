/* Direct solves for the pde layer (see splu.h): LAPACK dgttrf/dgttrs for tridiagonal matrices
 * (1-D grids), UMFPACK for general sparse ones when the build has SuiteSparse
 * (SGDL_HAVE_UMFPACK), LAPACK dgbtrf/dgbtrs banded LU otherwise and for bandwidths <= 8.
 * Why it keeps signs: the matrices here are column diagonally dominant M-matrices, so dgttrf never
 * swaps rows and its forward/back substitutions add non-negative terms only; UMFPACK is run with
 * the symmetric strategy (diagonal pivots, which the dominance always accepts) and no iterative
 * refinement, so solutions of (I - dt A) x = b with b >= 0 stay >= 0.
 * Does not: iterate, or handle matrices that are not square. */
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "pde/splu.h"
#include "sgdlab/pde.h"

#if defined(SGDL_HAVE_UMFPACK) && defined(__has_include)
#if __has_include(<suitesparse/umfpack.h>)
#include <suitesparse/umfpack.h>
#define SGDL_UMF 1
#endif
#endif

enum { KIND_TRI = 0, KIND_BAND = 1, KIND_UMF = 2 };

struct sgdl_splu {
  int kind;
  size_t n;
  /* tridiagonal */
  double *dl, *d, *du, *du2;
  /* banded */
  int kl, ku, ldab;
  double *ab;
  lapack_int *ipiv;
  /* umfpack */
  int *Ap, *Ai;
  double *Ax;
  void *numeric;
  double *x, *w;
  int *wi;
};

const char *sgdl_pde_sparse_backend(void) {
#ifdef SGDL_UMF
  return "umfpack";
#else
  return "lapack-banded";
#endif
}

void sgdl_splu_free(sgdl_splu *lu) {
  if (!lu) return;
#ifdef SGDL_UMF
  if (lu->numeric) umfpack_di_free_numeric(&lu->numeric);
#endif
  sgdl_free(lu->dl);
  sgdl_free(lu->d);
  sgdl_free(lu->du);
  sgdl_free(lu->du2);
  sgdl_free(lu->ab);
  sgdl_free(lu->ipiv);
  sgdl_free(lu->Ap);
  sgdl_free(lu->Ai);
  sgdl_free(lu->Ax);
  sgdl_free(lu->x);
  sgdl_free(lu->w);
  sgdl_free(lu->wi);
  sgdl_free(lu);
}

static int factor_tri(sgdl_ctx *ctx, sgdl_splu *lu, const int *rowptr, const int *col, const double *val,
                      const char *what) {
  const size_t n = lu->n;
  lu->dl = sgdl_alloc(ctx, n, sizeof(double));
  lu->d = sgdl_alloc(ctx, n, sizeof(double));
  lu->du = sgdl_alloc(ctx, n, sizeof(double));
  lu->du2 = sgdl_alloc(ctx, n, sizeof(double));
  lu->ipiv = sgdl_alloc(ctx, n, sizeof(lapack_int));
  if (!lu->dl || !lu->d || !lu->du || !lu->du2 || !lu->ipiv) return SGDL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const size_t j = (size_t)col[k];
      if (j == i) lu->d[i] += val[k];
      else if (j == i + 1) lu->du[i] += val[k];
      else if (j + 1 == i) lu->dl[j] += val[k];
    }
  lapack_int info = LAPACKE_dgttrf((lapack_int)n, lu->dl, lu->d, lu->du, lu->du2, lu->ipiv);
  if (info != 0)
    return sgdl_fail(ctx, SGDL_ELINALG, "%s: tridiagonal LU failed (LAPACK info %d: singular matrix)", what, (int)info);
  return SGDL_OK;
}

static int factor_band(sgdl_ctx *ctx, sgdl_splu *lu, int bw, const int *rowptr, const int *col,
                       const double *val, const char *what) {
  const size_t n = lu->n;
  lu->kl = lu->ku = bw;
  lu->ldab = 2 * bw + bw + 1;
  const double bytes = (double)lu->ldab * (double)n * sizeof(double);
  if (bytes > 1024.0 * 1024.0 * 1024.0)
    return sgdl_fail(ctx, SGDL_ENOMEM,
                     "%s: the banded LU needs %.1f GiB for %zu unknowns with bandwidth %d; this build has no "
                     "UMFPACK (install libsuitesparse-dev and rebuild) or use a coarser --grid",
                     what, bytes / (1024.0 * 1024.0 * 1024.0), n, bw);
  lu->ab = sgdl_alloc(ctx, (size_t)lu->ldab * n, sizeof(double));
  lu->ipiv = sgdl_alloc(ctx, n, sizeof(lapack_int));
  if (!lu->ab || !lu->ipiv) return SGDL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const size_t j = (size_t)col[k];
      lu->ab[(size_t)(lu->kl + lu->ku) + i - j + j * (size_t)lu->ldab] += val[k];
    }
  lapack_int info = LAPACKE_dgbtrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, lu->kl, lu->ku, lu->ab,
                                   lu->ldab, lu->ipiv);
  if (info != 0)
    return sgdl_fail(ctx, SGDL_ELINALG, "%s: banded LU failed (LAPACK info %d: singular matrix)", what, (int)info);
  return SGDL_OK;
}

#ifdef SGDL_UMF
static int factor_umf(sgdl_ctx *ctx, sgdl_splu *lu, const int *rowptr, const int *col, const double *val,
                      const char *what) {
  const size_t n = lu->n, nnz = (size_t)rowptr[n];
  lu->Ap = sgdl_alloc(ctx, n + 1, sizeof(int));
  lu->Ai = sgdl_alloc(ctx, nnz, sizeof(int));
  lu->Ax = sgdl_alloc(ctx, nnz, sizeof(double));
  lu->x = sgdl_alloc(ctx, n, sizeof(double));
  lu->w = sgdl_alloc(ctx, 5 * n, sizeof(double));
  lu->wi = sgdl_alloc(ctx, n, sizeof(int));
  if (!lu->Ap || !lu->Ai || !lu->Ax || !lu->x || !lu->w || !lu->wi) return SGDL_ENOMEM;
  /* The CSR arrays of M read as CSC describe M^T; solves pick A or A^T accordingly. */
  memcpy(lu->Ap, rowptr, (n + 1) * sizeof(int));
  memcpy(lu->Ai, col, nnz * sizeof(int));
  memcpy(lu->Ax, val, nnz * sizeof(double));
  double control[UMFPACK_CONTROL], info[UMFPACK_INFO];
  umfpack_di_defaults(control);
  control[UMFPACK_STRATEGY] = UMFPACK_STRATEGY_SYMMETRIC;
  control[UMFPACK_IRSTEP] = 0;
  void *symbolic = NULL;
  int st = umfpack_di_symbolic((int)n, (int)n, lu->Ap, lu->Ai, lu->Ax, &symbolic, control, info);
  if (st != UMFPACK_OK) return sgdl_fail(ctx, SGDL_ELINALG, "%s: UMFPACK symbolic analysis failed (status %d)", what, st);
  st = umfpack_di_numeric(lu->Ap, lu->Ai, lu->Ax, symbolic, &lu->numeric, control, info);
  umfpack_di_free_symbolic(&symbolic);
  if (st == UMFPACK_ERROR_out_of_memory)
    return sgdl_fail(ctx, SGDL_ENOMEM, "%s: UMFPACK ran out of memory for %zu unknowns", what, n);
  if (st != UMFPACK_OK)
    return sgdl_fail(ctx, SGDL_ELINALG, "%s: UMFPACK factorisation failed (status %d: %s)", what, st,
                     st == UMFPACK_WARNING_singular_matrix ? "singular matrix" : "see UMFPACK docs");
  return SGDL_OK;
}
#endif

int sgdl_splu_factor(sgdl_ctx *ctx, size_t n, const int *rowptr, const int *col, const double *val,
                     const char *what, sgdl_splu **out) {
  *out = NULL;
  sgdl_splu *lu = sgdl_alloc(ctx, 1, sizeof *lu);
  if (!lu) return SGDL_ENOMEM;
  lu->n = n;
  int bw = 0;
  for (size_t i = 0; i < n; i++)
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const int dd = abs(col[k] - (int)i);
      if (dd > bw) bw = dd;
    }
  int rc;
  if (bw <= 1 && n >= 2) {
    lu->kind = KIND_TRI;
    rc = factor_tri(ctx, lu, rowptr, col, val, what);
  } else if (bw <= 8) { /* thin grids: banded LU is as cheap as anything */
    lu->kind = KIND_BAND;
    rc = factor_band(ctx, lu, bw, rowptr, col, val, what);
  } else {
#ifdef SGDL_UMF
    lu->kind = KIND_UMF;
    rc = factor_umf(ctx, lu, rowptr, col, val, what);
#else
    lu->kind = KIND_BAND;
    rc = factor_band(ctx, lu, bw, rowptr, col, val, what);
#endif
  }
  if (rc) {
    sgdl_splu_free(lu);
    return rc;
  }
  *out = lu;
  return SGDL_OK;
}

int sgdl_splu_solve(sgdl_ctx *ctx, sgdl_splu *lu, int transpose, double *b) {
  const lapack_int n = (lapack_int)lu->n;
  lapack_int info = 0;
  if (lu->kind == KIND_TRI) {
    info = LAPACKE_dgttrs(LAPACK_COL_MAJOR, transpose ? 'T' : 'N', n, 1, lu->dl, lu->d, lu->du, lu->du2,
                          lu->ipiv, b, n);
  } else if (lu->kind == KIND_BAND) {
    info = LAPACKE_dgbtrs(LAPACK_COL_MAJOR, transpose ? 'T' : 'N', n, lu->kl, lu->ku, 1, lu->ab, lu->ldab,
                          lu->ipiv, b, n);
  } else {
#ifdef SGDL_UMF
    double control[UMFPACK_CONTROL], info_u[UMFPACK_INFO];
    umfpack_di_defaults(control);
    control[UMFPACK_IRSTEP] = 0;
    /* Stored matrix U = M^T: M x = b is U^T x = b. */
    int st = umfpack_di_wsolve(transpose ? UMFPACK_A : UMFPACK_At, lu->Ap, lu->Ai, lu->Ax, lu->x, b,
                               lu->numeric, control, info_u, lu->wi, lu->w);
    if (st != UMFPACK_OK) return sgdl_fail(ctx, SGDL_ELINALG, "UMFPACK solve failed (status %d)", st);
    memcpy(b, lu->x, lu->n * sizeof(double));
#endif
  }
  if (info != 0) return sgdl_fail(ctx, SGDL_ELINALG, "LAPACK solve failed (info %d)", (int)info);
  return SGDL_OK;
}
