/* The fast streams against the scalar Random123 + libm reference (philox.c):
 * uniforms and indices bit for bit, normals within 5e-14 over 10^7 draws; and the
 * AVX-512 Philox block against the portable one, bit for bit. Shapes cover the
 * contiguous-lane path (lanes >= 64, with an overlapping last chunk), the flattened
 * path (lanes < 64) and odd row counts. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng/rng_internal.h"
#include "sgdlab/rng.h"

static const int lane_counts[] = {1, 3, 7, 63, 64, 65, 100, 128, 130};
enum { NLC = sizeof lane_counts / sizeof lane_counts[0] };

static void check_uniforms(void) {
  const size_t ns[] = {1, 2, 5, 33};
  for (int a = 0; a < NLC; a++)
    for (int b = 0; b < 4; b++) {
      int L = lane_counts[a];
      size_t n = ns[b];
      double *x = malloc(n * L * sizeof *x), *y = malloc(n * L * sizeof *y);
      uint64_t step = 0x100000000ull * (uint64_t)b + 12345u;
      sgdl_rng_uniforms(2024u, 17u * (uint32_t)a, L, step, SGDL_PURPOSE(SGDL_RNG_MISC, a, b), n, x);
      sgdl_rng_uniforms_ref(2024u, 17u * (uint32_t)a, L, step, SGDL_PURPOSE(SGDL_RNG_MISC, a, b), n, y);
      CHECK(memcmp(x, y, n * L * sizeof *x) == 0, "uniforms differ from reference, lanes %d n %zu", L, n);
      free(x);
      free(y);
    }
}

static void check_indices(void) {
  struct { uint32_t N, B; } cases[] = {{10, 1}, {10, 10}, {50, 7}, {1000, 32}, {1000, 33},
                                      {100, 99}, {5000, 700}, {9000, 3000}, {4294967295u, 40}};
  for (int c = 0; c < 9; c++)
    for (int a = 0; a < NLC; a += 2)
      for (int wr = 0; wr < 2; wr++) {
        int L = lane_counts[a];
        uint32_t N = cases[c].N, B = cases[c].B;
        if (B > 1000 && L > 3) continue; /* the reference Floyd scan is O(B^2) */
        uint32_t *x = malloc((size_t)B * L * sizeof *x), *y = malloc((size_t)B * L * sizeof *y);
        sgdl_rng_indices(7u, 1000u, L, 99u + (uint64_t)c, SGDL_PURPOSE(SGDL_RNG_INDEX, 0, c), N, B, wr, x);
        sgdl_rng_indices_ref(7u, 1000u, L, 99u + (uint64_t)c, SGDL_PURPOSE(SGDL_RNG_INDEX, 0, c), N, B, wr, y);
        CHECK(memcmp(x, y, (size_t)B * L * sizeof *x) == 0,
              "indices differ from reference: N %u B %u lanes %d without_replacement %d", N, B, L, wr);
        free(x);
        free(y);
      }
}

static void check_normals(void) {
  /* 10^7 draws: 64 lanes x 2000 rows x 78 steps, plus odd shapes */
  const int L = 64;
  const size_t n = 2000;
  double *x = malloc(n * L * sizeof *x), *y = malloc(n * L * sizeof *y);
  double maxd = 0, maxrel = 0, maxabs = 0;
  for (uint64_t step = 0; step < 78; step++) {
    sgdl_rng_normals(11u, 64u * (uint32_t)step, L, step, SGDL_PURPOSE(SGDL_RNG_NORMAL, 1, 2), n, x);
    sgdl_rng_normals_ref(11u, 64u * (uint32_t)step, L, step, SGDL_PURPOSE(SGDL_RNG_NORMAL, 1, 2), n, y);
    for (size_t i = 0; i < n * L; i++) {
      double d = fabs(x[i] - y[i]);
      if (d > maxd) maxd = d;
      if (fabs(y[i]) > 1e-3 && d / fabs(y[i]) > maxrel) maxrel = d / fabs(y[i]);
      if (fabs(y[i]) > maxabs) maxabs = fabs(y[i]);
    }
  }
  printf("normals: 1e7 draws, max |fast - ref| = %.3g, max rel (|z| > 1e-3) = %.3g, max |z| = %.3f\n",
         maxd, maxrel, maxabs);
  CHECK(maxd < 5e-14, "normals: max |fast - ref| %.3g >= 5e-14", maxd);
  CHECK(maxabs > 5.0, "normals: 1e7 draws should reach |z| > 5 (got %.3f)", maxabs);
  free(x);
  free(y);
  const size_t ns[] = {1, 2, 3, 17};
  for (int a = 0; a < NLC; a++)
    for (int b = 0; b < 4; b++) {
      int Lc = lane_counts[a];
      size_t nc = ns[b];
      double *u = malloc(nc * Lc * sizeof *u), *v = malloc(nc * Lc * sizeof *v);
      sgdl_rng_normals(5u, 3u, Lc, 1u + (uint64_t)b, 77u, nc, u);
      sgdl_rng_normals_ref(5u, 3u, Lc, 1u + (uint64_t)b, 77u, nc, v);
      double md = 0;
      for (size_t i = 0; i < nc * Lc; i++) md = fmax(md, fabs(u[i] - v[i]));
      CHECK(md < 5e-14, "normals lanes %d n %zu: max diff %.3g", Lc, nc, md);
      free(u);
      free(v);
    }
}

/* Accuracy in ulps against a long double evaluation of the documented formula
 * z0 = r cos(2 pi u1), z1 = r sin(2 pi u1), r = sqrt(-2 ln u0) at the stream's uniforms
 * (the reduction u1 - round(4 u1)/4 is exact, so the long double truth is good to ~1e-19
 * relative even near the zeros of cos and sin, where libm's cos(fl(2 pi u1)) is not). */
static double ulps(double got, long double truth) {
  double t = (double)truth, ulp = nextafter(fabs(t), INFINITY) - fabs(t);
  return (double)(fabsl((long double)got - truth) / ulp);
}
static void check_ulps(void) {
  const int L = 64;
  const size_t n = 2000;
  const long double two_pi = 6.283185307179586476925286766559005768L;
  double *z = malloc(n * L * sizeof *z), *u = malloc(n * L * sizeof *u), worst = 0;
  for (uint64_t step = 0; step < 8; step++) { /* 1.0e6 normals */
    sgdl_rng_normals(3u, 0u, L, step, 41u, n, z);
    sgdl_rng_uniforms(3u, 0u, L, step, 41u, n, u);
    for (size_t j = 0; j < n; j += 2)
      for (int l = 0; l < L; l++) {
        long double u0 = u[j * L + l], u1 = u[(j + 1) * L + l];
        long double q = roundl(4 * u1), a = two_pi * (u1 - q / 4);
        long double c = cosl(a), s = sinl(a), r = sqrtl(-2 * logl(u0)), cq, sq;
        switch ((int)q & 3) {
          case 0: cq = c; sq = s; break;
          case 1: cq = -s; sq = c; break;
          case 2: cq = -c; sq = -s; break;
          default: cq = s; sq = -c; break;
        }
        worst = fmax(worst, fmax(ulps(z[j * L + l], r * cq), ulps(z[(j + 1) * L + l], r * sq)));
      }
  }
  printf("normals: 1e6 draws, max error %.2f ulp against long double\n", worst);
  CHECK(worst <= 4.0, "normals: max error %.2f ulp > 4", worst);
  free(z);
  free(u);
}

static void check_block_impls(void) {
  uint32_t k1[SGDL_RNG_BLK], c0[SGDL_RNG_BLK];
  uint64_t a0[SGDL_RNG_BLK], b0[SGDL_RNG_BLK], a1[SGDL_RNG_BLK], b1[SGDL_RNG_BLK];
  uint32_t x = 12345u;
  for (int rep = 0; rep < 200; rep++) {
    for (int i = 0; i < SGDL_RNG_BLK; i++) {
      x = x * 1664525u + 1013904223u;
      k1[i] = x;
      x = x * 1664525u + 1013904223u;
      c0[i] = rep % 2 ? x : 0xffffffffu - (uint32_t)i;
    }
    sgdl_rng_philox_block(x, k1, c0, x ^ 1u, x ^ 2u, x ^ 3u, a0, b0, SGDL_PHILOX_BEST);
    sgdl_rng_philox_block(x, k1, c0, x ^ 1u, x ^ 2u, x ^ 3u, a1, b1, SGDL_PHILOX_PORTABLE);
    CHECK(!memcmp(a0, a1, sizeof a0) && !memcmp(b0, b1, sizeof b0), "block impls differ (rep %d)", rep);
    /* the block agrees with Random123 item by item */
    int bad = 0;
    for (int i = 0; i < SGDL_RNG_BLK; i++) {
      uint32_t ctr[4] = {c0[i], x ^ 1u, x ^ 2u, x ^ 3u}, key[2] = {x, k1[i]}, o[4];
      sgdl_philox4x32(ctr, key, o);
      bad += a0[i] != ((uint64_t)o[0] << 32 | o[1]) || b0[i] != ((uint64_t)o[2] << 32 | o[3]);
    }
    CHECK(bad == 0, "block differs from Random123 in %d items (rep %d)", bad, rep);
    uint32_t base = x ^ 0xdeadbeefu, j = rep % 3 ? x >> 7 : 0xffffffffu;
    sgdl_rng_philox_lanes(x, base, j, 5u, 6u, 7u, a0, b0, SGDL_PHILOX_BEST);
    sgdl_rng_philox_lanes(x, base, j, 5u, 6u, 7u, a1, b1, SGDL_PHILOX_PORTABLE);
    CHECK(!memcmp(a0, a1, sizeof a0) && !memcmp(b0, b1, sizeof b0), "lanes impls differ (rep %d)", rep);
    bad = 0;
    for (int i = 0; i < SGDL_RNG_BLK; i++) {
      uint32_t ctr[4] = {j, 5u, 6u, 7u}, key[2] = {x, base + (uint32_t)i}, o[4];
      sgdl_philox4x32(ctr, key, o);
      bad += a0[i] != ((uint64_t)o[0] << 32 | o[1]) || b0[i] != ((uint64_t)o[2] << 32 | o[3]);
    }
    CHECK(bad == 0, "lanes block differs from Random123 in %d items (rep %d)", bad, rep);
  }
}

int main(void) {
  check_block_impls();
  check_uniforms();
  check_indices();
  check_normals();
  check_ulps();
  return check_done();
}
