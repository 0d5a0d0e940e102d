/* The data set behind linreg and logreg: read from --data, or generated reproducibly.
 *
 * Generation (gen_n = N rows, gen_d = d features, seed s, label noise sd nu), all from Philox
 * through sgdl_rng_normals with key (s, replica 0):
 *   direction z ~ N(0, I_d): step 0, purpose SGDL_PURPOSE(SGDL_RNG_MISC, 1, 0); u = z / |z|;
 *   row i: step i, purpose SGDL_PURPOSE(SGDL_RNG_MISC, 2, 0), d + 1 normals: x_i (the first d)
 *          and eps_i (the last);
 *   linreg: y_i = u^T x_i + nu eps_i;   logreg: y_i = 1 if u^T x_i + nu eps_i > 0, else 0.
 * Row i depends only on (s, i, d), so a larger N extends the same data set. The unit-norm u makes
 * the signal u^T x ~ N(0, 1), so nu is directly the noise-to-signal ratio.
 * Also here: the lane kernels linreg and logreg share (a dot product and a weighted update per
 * sample over a block of lanes, see problem_impl.h), and their register-blocked variants over
 * blocks of samples (explicit lane vectors, GCC/Clang vector extension) for the O(N d) passes at
 * larger d, which sum and round every value as the one-sample kernels do; and the GEMM-ordered
 * kernels (fma chains in register tiles, as a dgemm micro-kernel, single-threaded) that logreg's
 * full passes at d > 4 use, within rounding of those (tests/test_finite_lanes.c: 1e-12 relative).
 * Does not: shuffle, standardise, or add an intercept column (append a column of ones). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h> /* vfma: the fused multiply-add on lane vectors */
#endif

#include "problem/problem_impl.h"
#include "sgdlab/rng.h"

static int generate(sgdl_ctx *ctx, const sgdl_problem_spec *spec, int logistic, sgdl_dataset *ds) {
  size_t N = spec->gen_n;
  int d = spec->gen_d;
  if (N < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--gen-n: %zu, need at least 1 sample", N);
  if (d < 1) return sgdl_fail(ctx, SGDL_EINVAL, "--gen-d: %d, need at least 1 feature", d);
  if (!(spec->gen_noise >= 0) || !isfinite(spec->gen_noise))
    return sgdl_fail(ctx, SGDL_EINVAL, "--gen-noise: %g is not a non-negative number", spec->gen_noise);
  if (N > 0xffffffffu) return sgdl_fail(ctx, SGDL_EINVAL, "--gen-n: %zu is too large", N);
  ds->N = N;
  ds->d = d;
  ds->X = sgdl_alloc(ctx, N * (size_t)d, sizeof(double));
  ds->y = sgdl_alloc(ctx, N, sizeof(double));
  double *u = sgdl_alloc(ctx, (size_t)d + 1, sizeof(double));
  if (!ds->X || !ds->y || !u) {
    sgdl_free(u);
    return SGDL_ENOMEM;
  }
  sgdl_rng_normals(spec->gen_seed, 0, 1, 0, SGDL_PURPOSE(SGDL_RNG_MISC, 1, 0), (size_t)d, u);
  double nz = 0;
  for (int j = 0; j < d; j++) nz += u[j] * u[j];
  nz = sqrt(nz); /* > 0 with probability one: normals are never exactly zero together */
  for (int j = 0; j < d; j++) u[j] /= nz;
  double *row = sgdl_alloc(ctx, (size_t)d + 1, sizeof(double));
  if (!row) {
    sgdl_free(u);
    return SGDL_ENOMEM;
  }
  for (size_t i = 0; i < N; i++) {
    sgdl_rng_normals(spec->gen_seed, 0, 1, (uint64_t)i, SGDL_PURPOSE(SGDL_RNG_MISC, 2, 0), (size_t)d + 1, row);
    double t = 0;
    for (int j = 0; j < d; j++) {
      ds->X[i * (size_t)d + (size_t)j] = row[j];
      t += u[j] * row[j];
    }
    t += spec->gen_noise * row[d];
    ds->y[i] = logistic ? (t > 0 ? 1.0 : 0.0) : t;
  }
  sgdl_free(row);
  sgdl_free(u);
  snprintf(ds->source, sizeof ds->source, "generated, seed %u, noise %g", (unsigned)spec->gen_seed,
           spec->gen_noise);
  return SGDL_OK;
}

int sgdl_problem_dataset_load(sgdl_ctx *ctx, const sgdl_problem_spec *spec, int logistic, sgdl_dataset *ds) {
  memset(ds, 0, sizeof *ds);
  if (!spec->data_path) return generate(ctx, spec, logistic, ds);
  int rc = sgdl_data_read_csv(ctx, spec->data_path, &ds->X, &ds->y, &ds->N, &ds->d);
  if (rc) {
    /* Prefix the flag so the user knows which option pointed at the file. */
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx ? ctx->msg : "");
    return sgdl_fail(ctx, rc, "--data: %s", msg);
  }
  const char *base = strrchr(spec->data_path, '/');
  snprintf(ds->source, sizeof ds->source, "%s", base ? base + 1 : spec->data_path);
  return SGDL_OK;
}

void sgdl_problem_dataset_free(sgdl_dataset *ds) {
  sgdl_free(ds->X);
  sgdl_free(ds->y);
  ds->X = ds->y = NULL;
}

void sgdl_dataset_dot_lanes(const sgdl_dataset *ds, int W, const double *X, int b, const uint32_t *idx, int minus_y,
                            double *z) {
  const int d = ds->d;
  const double *restrict Xd = ds->X;
  const uint32_t *restrict ib = idx ? idx + (size_t)b * W : NULL;
  if (!ib) {
    const double *xn = Xd + (size_t)b * d, z0 = minus_y ? -ds->y[b] : 0.0;
    for (int l = 0; l < W; l++) z[l] = z0;
    for (int j = 0; j < d; j++) {
      const double a = xn[j];
      const double *restrict xj = X + (size_t)j * W;
      for (int l = 0; l < W; l++) z[l] += a * xj[l];
    }
    return;
  }
  for (int l = 0; l < W; l++) z[l] = minus_y ? -ds->y[ib[l]] : 0.0;
  for (int j = 0; j < d; j++) {
    const double *restrict xj = X + (size_t)j * W;
    for (int l = 0; l < W; l++) z[l] += Xd[(size_t)ib[l] * d + j] * xj[l];
  }
}

void sgdl_dataset_add_lanes(const sgdl_dataset *ds, int W, const double *X, int b, const uint32_t *idx,
                            const double *c, const double *wb, int ridge, double l2, double *out) {
  const int d = ds->d;
  const double *restrict Xd = ds->X;
  const uint32_t *restrict ib = idx ? idx + (size_t)b * W : NULL;
  for (int j = 0; j < d; j++) {
    const double *restrict xj = X + (size_t)j * W;
    double *restrict oj = out + (size_t)j * W;
    const double a = ib ? 0.0 : Xd[(size_t)b * d + j];
    for (int l = 0; l < W; l++) {
      const double xn = ib ? Xd[(size_t)ib[l] * d + j] : a;
      const double g = ridge ? c[l] * xn + l2 * xj[l] : c[l] * xn;
      oj[l] += wb ? wb[l] * g : g;
    }
  }
}

/* The blocked kernels work on lane vectors of V doubles (GCC/Clang vector extension: one AVX-512
 * register, or two AVX2 ones), VC of them per chunk: SB x VC accumulators stay in registers while j
 * runs. Loads and stores go through memcpy (unaligned, no aliasing question). */
enum { V = 8, VC = 2, LC = V * VC, SB = SGDL_DATASET_SB };
/* The update kernels' products and sums stay uncontracted (no fma), as in sgdl_dataset_add_lanes. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define NO_CONTRACT /* other compilers: not built or checked here (tests/test_finite_lanes.c would tell) */
#endif
#if defined(__GNUC__) && !defined(__clang__) /* lane vectors only pass between static inline functions: */
#pragma GCC diagnostic ignored "-Wpsabi"      /* no ABI is at stake where AVX-512 is not enabled */
#endif
typedef double lanevec __attribute__((vector_size(V * sizeof(double))));
static inline lanevec vload(const double *p) {
  lanevec v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void vstore(double *p, lanevec v) { memcpy(p, &v, sizeof v); }

void sgdl_dataset_dot_block(const sgdl_dataset *ds, int W, const double *X, int n0, double *z) {
  const int d = ds->d;
  const double *restrict xn = ds->X + (size_t)n0 * d;
  int l0 = 0;
  for (; l0 + LC <= W; l0 += LC) {
    lanevec acc[SB][VC];
    for (int k = 0; k < SB; k++)
      for (int v = 0; v < VC; v++) acc[k][v] = (lanevec){0};
    for (int j = 0; j < d; j++) {
      lanevec x[VC];
      for (int v = 0; v < VC; v++) x[v] = vload(X + (size_t)j * W + l0 + v * V);
      for (int k = 0; k < SB; k++) {
        const double a = xn[(size_t)k * d + j];
        for (int v = 0; v < VC; v++) acc[k][v] += a * x[v]; /* z += a x, as dot_lanes */
      }
    }
    for (int k = 0; k < SB; k++)
      for (int v = 0; v < VC; v++) vstore(z + (size_t)k * W + l0 + v * V, acc[k][v]);
  }
  for (; l0 < W; l0++) /* the tail lanes, one at a time */
    for (int k = 0; k < SB; k++) {
      double s = 0.0;
      for (int j = 0; j < d; j++) s += xn[(size_t)k * d + j] * X[(size_t)j * W + l0];
      z[(size_t)k * W + l0] = s;
    }
}

/* One lane chunk of sgdl_dataset_add_block, for the variant (ridge, weighted) given as constants so
 * the body has no branch; the products and sums are not contracted into fma (the caller's
 * fp-contract=off), as sgdl_dataset_add_lanes rounds them (its conditional forms are not
 * contracted either: tests/test_finite_lanes.c checks the two bitwise). */
static inline __attribute__((always_inline)) void add_chunk(int d, int W, const double *restrict X,
                                                            const double *restrict xn, const double *restrict c,
                                                            const double *restrict wb, double l2,
                                                            double *restrict out, int l0, const int ridge,
                                                            const int weighted) {
  lanevec ck[SB][VC], wk[SB][VC];
  for (int k = 0; k < SB; k++)
    for (int v = 0; v < VC; v++) {
      ck[k][v] = vload(c + (size_t)k * W + l0 + v * V);
      wk[k][v] = weighted ? vload(wb + (size_t)k * W + l0 + v * V) : (lanevec){0};
    }
  for (int j = 0; j < d; j++) {
    lanevec o[VC], r[VC];
    for (int v = 0; v < VC; v++) {
      o[v] = vload(out + (size_t)j * W + l0 + v * V);
      r[v] = ridge ? l2 * vload(X + (size_t)j * W + l0 + v * V) : (lanevec){0};
    }
    for (int k = 0; k < SB; k++) {
      const double a = xn[(size_t)k * d + j];
      for (int v = 0; v < VC; v++) {
        lanevec g = ck[k][v] * a;
        if (ridge) g = g + r[v];
        if (weighted) g = wk[k][v] * g;
        o[v] = o[v] + g;
      }
    }
    for (int v = 0; v < VC; v++) vstore(out + (size_t)j * W + l0 + v * V, o[v]);
  }
}
/* The tail lanes l0 .. W - 1 of sgdl_dataset_add_block, one at a time (uncontracted: see there). */
NO_CONTRACT static void add_tail(const sgdl_dataset *ds, int W, const double *X, int n0,
                                                               const double *c, const double *wb, int ridge,
                                                               double l2, double *out, int l0) {
  const int d = ds->d;
  const double *restrict xn = ds->X + (size_t)n0 * d;
  for (; l0 < W; l0++) /* the tail lanes, one at a time */
    for (int j = 0; j < d; j++) {
      const double x = X[(size_t)j * W + l0];
      double o = out[(size_t)j * W + l0];
      for (int k = 0; k < SB; k++) {
        const double a = xn[(size_t)k * d + j], cl = c[(size_t)k * W + l0];
        double g = cl * a;
        if (ridge) g = g + l2 * x;
        if (wb) g = wb[(size_t)k * W + l0] * g;
        o = o + g;
      }
      out[(size_t)j * W + l0] = o;
    }
}

/* Both updates of one lane chunk (sgdl_dataset_add_block2): G += c a, S += w (c a + l2 x), the
 * product c a formed once (uncontracted, so the same value either way). */
static inline __attribute__((always_inline)) void add_chunk2(int d, int W, const double *restrict X,
                                                             const double *restrict xn, const double *restrict c,
                                                             const double *restrict wb, double l2,
                                                             double *restrict G, double *restrict S, int l0,
                                                             const int weighted) {
  lanevec ck[SB][VC], wk[SB][VC];
  for (int k = 0; k < SB; k++)
    for (int v = 0; v < VC; v++) {
      ck[k][v] = vload(c + (size_t)k * W + l0 + v * V);
      wk[k][v] = weighted ? vload(wb + (size_t)k * W + l0 + v * V) : (lanevec){0};
    }
  for (int j = 0; j < d; j++) {
    const size_t at = (size_t)j * W + l0;
    lanevec og[VC], os[VC], r[VC];
    for (int v = 0; v < VC; v++) {
      og[v] = vload(G + at + v * V);
      os[v] = vload(S + at + v * V);
      r[v] = l2 * vload(X + at + v * V);
    }
    for (int k = 0; k < SB; k++) {
      const double a = xn[(size_t)k * d + j];
      for (int v = 0; v < VC; v++) {
        const lanevec ca = ck[k][v] * a;
        og[v] = og[v] + ca;
        lanevec g = ca + r[v];
        if (weighted) g = wk[k][v] * g;
        os[v] = os[v] + g;
      }
    }
    for (int v = 0; v < VC; v++) {
      vstore(G + at + v * V, og[v]);
      vstore(S + at + v * V, os[v]);
    }
  }
}

NO_CONTRACT void sgdl_dataset_add_block2(const sgdl_dataset *ds, int W,
                                                                           const double *X, int n0, const double *c,
                                                                           const double *wb, double l2, double *G,
                                                                           double *S) {
  const int d = ds->d;
  int l0 = 0;
  for (; l0 + LC <= W; l0 += LC) {
    if (wb) add_chunk2(d, W, X, ds->X + (size_t)n0 * d, c, wb, l2, G, S, l0, 1);
    else add_chunk2(d, W, X, ds->X + (size_t)n0 * d, c, wb, l2, G, S, l0, 0);
  }
  add_tail(ds, W, X, n0, c, NULL, 0, 0.0, G, l0);
  add_tail(ds, W, X, n0, c, wb, 1, l2, S, l0);
}

NO_CONTRACT void sgdl_dataset_add_block(const sgdl_dataset *ds, int W,
                                                                          const double *X, int n0, const double *c,
                                                                          const double *wb, int ridge, double l2,
                                                                          double *out) {
  const int d = ds->d;
  const double *restrict xn = ds->X + (size_t)n0 * d;
  int l0 = 0;
  for (; l0 + LC <= W; l0 += LC) {
    if (!ridge && !wb) add_chunk(d, W, X, xn, c, wb, l2, out, l0, 0, 0);
    else if (wb) add_chunk(d, W, X, xn, c, wb, l2, out, l0, ridge, 1);
    else add_chunk(d, W, X, xn, c, wb, l2, out, l0, 1, 0);
  }
  add_tail(ds, W, X, n0, c, wb, ridge, l2, out, l0);
}

/* ---- GEMM-ordered kernels (fma; sums in another order than the one-sample kernels) ----
 * One lane chunk of CW = 2 lane vectors, lanes l0 .. l0 + nl - 1, and a block of K samples: the
 * margins z = X_blk x as an fma chain over j, the updates out += X_blk^T c as an fma chain over
 * the samples, with register tiles of samples x lanes (margins) and features x lanes (updates)
 * held over the whole reduction, as a dgemm micro-kernel holds its tile. Every value of a lane is
 * the same fma chain whichever tile or tail computes it, so the numbers of a lane do not depend
 * on W, on its place in the block, or on the thread that runs the block. */
enum { CW = SGDL_DATASET_CW, KB = SGDL_DATASET_KB, MT = 8 /* margin tile: samples */ };
_Static_assert(CW == VC * V, "a GEMM lane chunk is one register chunk");

/* a * b + c rounded once, lane by lane (bitwise the scalar fma). */
static inline lanevec vfma(lanevec a, lanevec b, lanevec c) {
#if defined(__AVX512F__)
  return (lanevec)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif defined(__FMA__)
  __m256d lo[2], hi[2], out[2];
  memcpy(lo, &a, sizeof a);
  memcpy(hi, &b, sizeof b);
  memcpy(out, &c, sizeof c);
  out[0] = _mm256_fmadd_pd(lo[0], hi[0], out[0]);
  out[1] = _mm256_fmadd_pd(lo[1], hi[1], out[1]);
  lanevec r;
  memcpy(&r, out, sizeof r);
  return r;
#else
  lanevec r;
  for (int i = 0; i < V; i++) r[i] = fma(a[i], b[i], c[i]);
  return r;
#endif
}
_Static_assert(V == 8, "vbroadcast lists V copies");
static inline lanevec vbroadcast(double a) { return (lanevec){a, a, a, a, a, a, a, a}; }

/* R samples (xn: their rows) x one full chunk (x: X + l0): z[r*CW + t] = fma chain over j. */
static inline __attribute__((always_inline)) void margin_tile(int d, int W, const double *restrict x,
                                                              const double *restrict xn, double *restrict z,
                                                              const int R) {
  lanevec acc[MT][VC];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < VC; v++) acc[r][v] = (lanevec){0};
  for (int j = 0; j < d; j++) {
    lanevec xv[VC];
    for (int v = 0; v < VC; v++) xv[v] = vload(x + (size_t)j * W + v * V);
    for (int r = 0; r < R; r++) {
      const lanevec a = vbroadcast(xn[(size_t)r * d + j]);
      for (int v = 0; v < VC; v++) acc[r][v] = vfma(a, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < VC; v++) vstore(z + (size_t)r * CW + v * V, acc[r][v]);
}

void sgdl_dataset_gemm_margins(const sgdl_dataset *ds, int W, const double *X, int l0, int nl, int n0, int K,
                               double *z) {
  const int d = ds->d;
  const double *restrict xn = ds->X + (size_t)n0 * d;
  if (nl == CW) {
    int k = 0;
    for (; k + MT <= K; k += MT) margin_tile(d, W, X + l0, xn + (size_t)k * d, z + (size_t)k * CW, MT);
    for (; k < K; k++) margin_tile(d, W, X + l0, xn + (size_t)k * d, z + (size_t)k * CW, 1);
    return;
  }
  for (int k = 0; k < K; k++) /* a partial chunk: lane by lane, the same chain */
    for (int t = 0; t < CW; t++) {
      double s = 0.0;
      for (int j = 0; t < nl && j < d; j++) s = fma(xn[(size_t)k * d + j], X[(size_t)j * W + l0 + t], s);
      z[(size_t)k * CW + t] = s;
    }
}

/* Keeps a loaded lane vector in a register: without it gcc folds the load into every fma that
 * uses it (R loads per sample instead of one), and the update tile becomes load-bound. Only where
 * a lane vector (8 doubles) fits one register (AVX-512); elsewhere (no -march=native, as in the
 * sanitizer build, or an AVX2 machine) the constraint is impossible and the hint is left out. */
#if defined(__GNUC__) && defined(__AVX512F__)
#define IN_REGISTER(v) __asm__("" : "+v"(v))
#else
#define IN_REGISTER(v) ((void)0)
#endif

/* R features (from j0) x one full chunk: G, S (each NULL-able by the constants useG, useS) += the
 * fma chains over the K samples with coefficients c (for G) and wc (for S). */
static inline __attribute__((always_inline)) void update_tile(int d, int W, int K, const double *restrict xn,
                                                              const double *restrict c,
                                                              const double *restrict wc, double *restrict G,
                                                              double *restrict S, const int R, const int useG,
                                                              const int useS) {
  lanevec g[MT][VC], s[MT][VC];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < VC; v++) {
      g[r][v] = useG ? vload(G + (size_t)r * W + v * V) : (lanevec){0};
      s[r][v] = useS ? vload(S + (size_t)r * W + v * V) : (lanevec){0};
    }
  for (int k = 0; k < K; k++) {
    lanevec cv[VC], wv[VC];
    for (int v = 0; v < VC; v++) {
      cv[v] = useG ? vload(c + (size_t)k * CW + v * V) : (lanevec){0};
      wv[v] = useS ? vload(wc + (size_t)k * CW + v * V) : (lanevec){0};
      IN_REGISTER(cv[v]);
      IN_REGISTER(wv[v]);
    }
    for (int r = 0; r < R; r++) {
      const lanevec a = vbroadcast(xn[(size_t)k * d + r]);
      for (int v = 0; v < VC; v++) {
        if (useG) g[r][v] = vfma(a, cv[v], g[r][v]);
        if (useS) s[r][v] = vfma(a, wv[v], s[r][v]);
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < VC; v++) {
      if (useG) vstore(G + (size_t)r * W + v * V, g[r][v]);
      if (useS) vstore(S + (size_t)r * W + v * V, s[r][v]);
    }
}

/* update_tile over all d features of a full chunk: tiles of R (both outputs 4 features, one
 * output 8: 16 accumulators either way), then of 2, then one feature at a time. */
#define UPDATE_ALL(R, useG, useS)                                                                            \
  do {                                                                                                       \
    int j = 0;                                                                                               \
    for (; j + (R) <= d; j += (R))                                                                           \
      update_tile(d, W, K, xn + j, c, wc, useG ? G + (size_t)j * W + l0 : NULL,                              \
                  useS ? S + (size_t)j * W + l0 : NULL, R, useG, useS);                                      \
    for (; j + 2 <= d; j += 2)                                                                               \
      update_tile(d, W, K, xn + j, c, wc, useG ? G + (size_t)j * W + l0 : NULL,                              \
                  useS ? S + (size_t)j * W + l0 : NULL, 2, useG, useS);                                      \
    for (; j < d; j++)                                                                                       \
      update_tile(d, W, K, xn + j, c, wc, useG ? G + (size_t)j * W + l0 : NULL,                              \
                  useS ? S + (size_t)j * W + l0 : NULL, 1, useG, useS);                                      \
  } while (0)

void sgdl_dataset_gemm_update(const sgdl_dataset *ds, int W, int l0, int nl, int n0, int K, const double *c,
                              double *G, const double *wc, double *S) {
  const int d = ds->d;
  const double *restrict xn = ds->X + (size_t)n0 * d;
  if (nl == CW) {
    if (G && S) UPDATE_ALL(4, 1, 1);
    else if (G) UPDATE_ALL(MT, 1, 0);
    else if (S) UPDATE_ALL(MT, 0, 1);
    return;
  }
  for (int j = 0; j < d; j++) /* a partial chunk: lane by lane, the same chains */
    for (int t = 0; t < nl; t++) {
      const size_t at = (size_t)j * W + l0 + t;
      double g = G ? G[at] : 0.0, s = S ? S[at] : 0.0;
      for (int k = 0; k < K; k++) {
        const double a = xn[(size_t)k * d + j];
        if (G) g = fma(a, c[(size_t)k * CW + t], g);
        if (S) s = fma(a, wc[(size_t)k * CW + t], s);
      }
      if (G) G[at] = g;
      if (S) S[at] = s;
    }
}
