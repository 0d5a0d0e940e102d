/* sgdlab vmath (linalg layer): a branch-free exponential that a lane loop can vectorise.
 *
 * sgdl_exp_poly(x) is exp(x) in the style of a vector math library: no table, no branch, no
 * libm call, only IEEE basic operations, fma() and bit moves, so gcc vectorises a loop that calls
 * it (AVX2 / AVX-512 with -O3 -march=native -fno-math-errno) and a scalar call returns bitwise
 * what the vectorised loop returns (the project builds in ISO C mode: no implicit contraction).
 *   x = k ln2 + r, k = nearest integer to x / ln2 (the 1.5 * 2^52 shifter), |r| <= ln2 / 2,
 *   r by a two-part ln2 with fma; exp(r) by its Taylor polynomial of degree 13 (truncation
 *   below 5e-18 relative) in Horner form with fma; then 2^k applied as two exact factors
 *   2^k1 2^k2 (k1 = round(k / 2)), so results in the subnormal range round once and overflow
 *   gives +inf without a branch.
 * Accuracy (tests/test_vmath.c against glibc's exp, which is correctly rounded in practice):
 * at most 1 ulp over [-745.2, 709.8] with normal results, at most 1 ulp of the smallest
 * subnormal below; exp(x) = +inf for x >= 709.79 (and +inf), 0 for x <= -745.2 (and -inf),
 * NaN for NaN. Not: errno, floating-point exception flags, or correct rounding.
 * sgdl_exp_array applies it to an array (the loop that vectorises). Callers own buffers.
 * sgdl_tanh_poly(a) is tanh(a) built the same way (meanfield's activation in its lane kernels):
 *   tanh|a| = -m / (2 + m), m = expm1(-2|a|) with -2|a| clamped to [-40, 0] (tanh 20 rounds to 1);
 *   m = 2^k expm1(r) + (2^k - 1) with k, r reduced as above and expm1(r) = r P(r), P the Taylor
 *   polynomial of degree 12, so there is no cancellation near 0; the sign by copysign.
 * Accuracy (tests/test_vmath.c against glibc's tanh): at most 4 ulp (2e7 random arguments over
 * 1e-300 .. 1e3 and [-5, 5]); odd, tanh(+-0) = +-0, +-1 for |a| >= 20 and +-inf, NaN for NaN. */
#ifndef SGDLAB_VMATH_H
#define SGDLAB_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint64_t sgdl_vmath_bits_(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static inline double sgdl_vmath_double_(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* The Taylor polynomial both functions share: p(r) = sum_{j=0}^{12} r^j / (j+1)!, so that
 * expm1(r) ~ r p(r) and exp(r) ~ 1 + r p(r) on the reduced argument |r| <= ln2 / 2 (Horner, fma). */
static inline double sgdl_vmath_expm1_poly_(double r) {
  double p = 0x1.6124613a86d09p-33; /* 1/13! */
  p = fma(p, r, 0x1.1eed8eff8d898p-29); /* 1/12! */
  p = fma(p, r, 0x1.ae64567f544e4p-26); /* 1/11! */
  p = fma(p, r, 0x1.27e4fb7789f5cp-22); /* 1/10! */
  p = fma(p, r, 0x1.71de3a556c734p-19); /* 1/9! */
  p = fma(p, r, 0x1.a01a01a01a01ap-16); /* 1/8! */
  p = fma(p, r, 0x1.a01a01a01a01ap-13); /* 1/7! */
  p = fma(p, r, 0x1.6c16c16c16c17p-10); /* 1/6! */
  p = fma(p, r, 0x1.1111111111111p-7);  /* 1/5! */
  p = fma(p, r, 0x1.5555555555555p-5);  /* 1/4! */
  p = fma(p, r, 0x1.5555555555555p-3);  /* 1/3! */
  p = fma(p, r, 0.5);
  p = fma(p, r, 1.0);
  return p;
}

static inline double sgdl_exp_poly(double x) {
  const double shift = 0x1.8p52, log2e = 0x1.71547652b82fep0;
  const double ln2hi = 0x1.62e42fefa39efp-1, ln2lo = 0x1.abc9e3b39803fp-56;
  x = x > 710.0 ? 710.0 : x; /* NaN compares false and stays NaN */
  x = x < -746.0 ? -746.0 : x;
  const double kd = fma(x, log2e, shift) - shift; /* nearest integer, |k| <= 1077 */
  double r = fma(-kd, ln2hi, x);
  r = fma(-kd, ln2lo, r);
  double p = sgdl_vmath_expm1_poly_(r);
  p = fma(p, r, 1.0);
  /* k1 = round(k / 2) and k2 = k - k1, each in [-539, 512]: 2^k1 and 2^k2 are normal. */
  const double t1 = fma(kd, 0.5, shift), k1 = t1 - shift, t2 = (kd - k1) + shift;
  const uint64_t b0 = sgdl_vmath_bits_(shift);
  const double s1 = sgdl_vmath_double_((sgdl_vmath_bits_(t1) - b0 + 1023u) << 52);
  const double s2 = sgdl_vmath_double_((sgdl_vmath_bits_(t2) - b0 + 1023u) << 52);
  return (p * s1) * s2;
}

static inline double sgdl_tanh_poly(double a) {
  const double shift = 0x1.8p52, log2e = 0x1.71547652b82fep0;
  const double ln2hi = 0x1.62e42fefa39efp-1, ln2lo = 0x1.abc9e3b39803fp-56;
  double x = -2 * fabs(a);
  x = x < -40.0 ? -40.0 : x; /* NaN compares false and stays NaN */
  const double t = fma(x, log2e, shift), kd = t - shift; /* k in [-58, 0] */
  double r = fma(-kd, ln2hi, x);
  r = fma(-kd, ln2lo, r);
  double p = sgdl_vmath_expm1_poly_(r);
  const double s = sgdl_vmath_double_((sgdl_vmath_bits_(t) - sgdl_vmath_bits_(shift) + 1023u) << 52); /* 2^k */
  const double m = fma(s, r * p, s - 1.0); /* expm1(x), <= 0 */
  return copysign(fabs(m) / (2.0 + m), a);
}

/* y[i] = sgdl_exp_poly(x[i]) for i < n (x and y may be the same array). */
void sgdl_exp_array(int n, const double *x, double *y);

#ifdef __cplusplus
}
#endif

#endif
