/* Private to src/rng: branch-free log, sin and cos for the Box-Muller transform.
 *
 * Written so that gcc vectorises a loop calling them (no libm call, no table, no
 * branch, no floor): the polynomials are fdlibm's (Sun, 1993: e_log.c, k_sin.c,
 * k_cos.c), evaluated by Horner with explicit fma(). Explicit fma() (not compiler
 * contraction) keeps the results bitwise identical on every IEEE machine and compiler
 * as long as the file is compiled without -ffast-math / -ffp-contract=fast (the
 * project builds with -std=c11, where gcc does not contract).
 *
 * Inputs are the 53-bit integers m = w >> 11 of a Philox word, so that the uniform is
 * u = (m + 0.5) 2^-53 exactly; working from m makes the range reductions exact.
 * Accuracy: within about 1 ulp of the correctly rounded values (the tests compare with
 * libm over 10^7 draws). Nothing here handles 0, negative, NaN or Inf arguments: they
 * cannot occur for u in (0,1).
 */
#ifndef SGDL_RNG_BM_MATH_H
#define SGDL_RNG_BM_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t bm_bits(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}
static inline double bm_double(uint64_t b) {
  double x;
  memcpy(&x, &b, sizeof x);
  return x;
}

/* (double)m for m < 2^53, exact. AVX-512DQ converts 64-bit integers in one instruction;
 * without it gcc does not vectorise the conversion, so build the double from two
 * 32-bit halves with the exponent trick (both ways are exact, hence bit-identical). */
static inline double bm_i53(uint64_t m) {
#if defined(__AVX512DQ__)
  return (double)(int64_t)m;
#else
  double hi = bm_double(0x4530000000000000ULL | (m >> 32)) - 0x1.00000001p84; /* (m>>32) 2^32 - 2^52 */
  return hi + bm_double(0x4330000000000000ULL | (m & 0xffffffffULL));     /* + 2^52 + low half */
#endif
}
/* (double)k for |k| < 2^31, exact (same reason). */
static inline double bm_small_int(int64_t k) {
#if defined(__AVX512DQ__)
  return (double)k;
#else
  return bm_double(0x4330000000000000ULL | (uint64_t)(k + 0x80000000LL)) - 0x1.000008p52;
#endif
}

/* The uniform (m + 0.5) 2^-53 in (0,1) (the + 0.5 is rounded for m >= 2^52). */
static inline double bm_u53(uint64_t m) { return (bm_i53(m) + 0.5) * 0x1p-53; }

/* -2 ln u for u = (m + 0.5) 2^-53, i.e. the squared Box-Muller radius.
 * t = m + 0.5 = 2^k (1+f) with sqrt(1/2) <= 1+f < sqrt(2) (fdlibm's reduction done on
 * the 64-bit pattern), ln u = (k - 53) ln 2 + ln(1+f), ln(1+f) = 2 atanh(s), s = f/(2+f).
 * Every constant carries the factor -2 or 2 (exact scalings), which saves two multiplies. */
static inline double bm_neg2log_u53(uint64_t m) {
  const double ln2_hi2 = 2 * 6.93147180369123816490e-01; /* ln2_hi: k * ln2_hi is exact */
  const double ln2_lo2 = 2 * 1.90821492927058770002e-10;
  const double L1 = 2 * 6.666666666666735130e-01, L2 = 2 * 3.999999999940941908e-01,
               L3 = 2 * 2.857142874366239149e-01, L4 = 2 * 2.222219843214978396e-01,
               L5 = 2 * 1.818357216161805012e-01, L6 = 2 * 1.531383769920937332e-01,
               L7 = 2 * 1.479819860511658591e-01;
  uint64_t bits = bm_bits(bm_i53(m) + 0.5);
  uint64_t mant = bits & 0x000fffffffffffffULL;
  /* i = 2^52 when the mantissa is >= sqrt(2): then halve it and bump the exponent. */
  uint64_t i = (mant + 0x00095f6400000000ULL) & 0x0010000000000000ULL;
  int64_t k = (int64_t)(bits >> 52) - 1023 - 53 + (int64_t)(i >> 52);
  double f = bm_double(mant | (i ^ 0x3ff0000000000000ULL)) - 1.0;
  double dk = bm_small_int(k);
  double s = f / (2.0 + f);
  double z = s * s;
  /* 2R(z) = 2 (Lg1 z + ... + Lg7 z^7), minimax for (ln(1+s)-ln(1-s))/s - 2, |err| < 2^-58.45 */
  double R2 = z * fma(z, fma(z, fma(z, fma(z, fma(z, fma(z, L7, L6), L5), L4), L3), L2), L1);
  double ff = f * f; /* 2 hfsq */
  double x2 = fma(s, ff + R2, dk * ln2_lo2);
  /* -2 ln u = -2 k ln2_hi + 2 ((hfsq - (s (hfsq + R) + k ln2_lo)) - f) */
  return fma(dk, -ln2_hi2, (ff - x2) - (f + f));
}

/* sin(x), cos(x) for |x| <= pi/4 (fdlibm kernels without the tail argument). */
static inline double bm_sin_kernel(double x, double z) {
  const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
               S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
               S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  double p = fma(z, fma(z, fma(z, fma(z, fma(z, S6, S5), S4), S3), S2), S1);
  return fma(z * x, p, x);
}
static inline double bm_cos_kernel(double z) {
  const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
               C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
               C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  double r = z * fma(z, fma(z, fma(z, fma(z, fma(z, C6, C5), C4), C3), C2), C1);
  double hz = 0.5 * z, w = 1.0 - hz;
  /* (1 - w) - hz recovers the rounding error of w = 1 - hz */
  return w + fma(z, r, (1.0 - w) - hz);
}

/* cos(2 pi u), sin(2 pi u) for the double u = fl((m + 0.5) 2^-53) (for u >= 1/2 the
 * half is rounded away, exactly as in the uniform stream, so this is a function of the
 * documented u). Exact reduction in units of 2^-53: t = fl(m + 0.5) = u 2^53; adding and
 * subtracting 1.5 2^103 rounds t to the nearest multiple q 2^51 (q = round(4u) in 0..4,
 * whose low bits are the low mantissa bits of t + 1.5 2^103); t - q 2^51 is exact
 * (a multiple of 1/2 of magnitude <= 2^50), so x = 2 pi (u - q/4) in [-pi/4, pi/4]
 * carries a single rounding. The quadrant q selects the kernels and their signs. */
static inline void bm_cossin_2pi_u53(uint64_t m, double *c, double *s) {
  const double two_pi_2m53 = 6.28318530717958623200e+00 * 0x1p-53; /* fl(2 pi) 2^-53 */
  const double shifter = 0x1.8p103;
  double t = bm_i53(m) + 0.5;
  double big = t + shifter;
  uint64_t q = bm_bits(big); /* low bits: q mod 4 */
  double x = (t - (big - shifter)) * two_pi_2m53;
  double z = x * x;
  double sk = bm_sin_kernel(x, z), ck = bm_cos_kernel(z);
  int odd = (int)(q & 1);
  double cv = odd ? sk : ck, sv = odd ? ck : sk;
  /* cos is negative in quadrants 1, 2 (bit1 ^ bit0 of q); sin in quadrants 2, 3 (bit1) */
  const uint64_t sign = 0x8000000000000000ULL;
  *c = bm_double(bm_bits(cv) ^ (((q << 62) ^ (q << 63)) & sign));
  *s = bm_double(bm_bits(sv) ^ ((q << 62) & sign));
}

/* The Box-Muller pair from two 64-bit Philox words:
 * z0 = r cos(2 pi u1), z1 = r sin(2 pi u1), r = sqrt(-2 ln u0). */
static inline void bm_pair(uint64_t w0, uint64_t w1, double *z0, double *z1) {
  double r = sqrt(bm_neg2log_u53(w0 >> 11));
  double c, s;
  bm_cossin_2pi_u53(w1 >> 11, &c, &s);
  *z0 = r * c;
  *z1 = r * s;
}

#endif
