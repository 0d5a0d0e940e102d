/* Student's t and normal quantiles (include/sgdlab/student.h): the tail probability by the
 * regularized incomplete beta (Lentz's continued fraction) or erfc, inverted by a safeguarded
 * Newton iteration; Cornish-Fisher for very large dof. Does not: allocate, or report errors
 * other than a NaN for arguments outside the domain. */
#include "sgdlab/student.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Continued fraction of I_x(a, b) (modified Lentz), for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < 100000; m++) {
    for (int odd = 0; odd < 2; odd++) {
      const double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                             : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
      d = 1 + num * d;
      if (fabs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (fabs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      if (odd && fabs(d * c - 1) < 1e-16) return h;
    }
  }
  return h;
}

/* I_x(a, b) with x1 = 1 - x given separately (no cancellation when x is near 1). */
static double beta_reg(double a, double b, double x, double x1) {
  if (x <= 0) return 0;
  if (x1 <= 0) return 1;
  const double lfront = a * log(x) + b * log(x1) + lgamma(a + b) - lgamma(a) - lgamma(b);
  if (x < (a + 1) / (a + b + 2)) return exp(lfront) * beta_cf(a, b, x) / a;
  return 1 - exp(lfront) * beta_cf(b, a, x1) / b;
}

/* Upper tail P(T > t), t >= 0, and the density at t. */
static double t_tail(double t, double dof) {
  if (isinf(dof)) return 0.5 * erfc(t / sqrt(2.0));
  const double s = t * t;
  return 0.5 * beta_reg(dof / 2, 0.5, dof / (dof + s), s / (dof + s));
}

static double t_density(double t, double dof) {
  if (isinf(dof)) return exp(-t * t / 2) / sqrt(2 * M_PI);
  return exp(lgamma((dof + 1) / 2) - lgamma(dof / 2) - 0.5 * log(dof * M_PI) - (dof + 1) / 2 * log1p(t * t / dof));
}

/* The t >= 0 with upper tail q (0 < q <= 1/2): bracket [lo, hi], Newton steps, bisection when a
 * step leaves the bracket, until the step is below 1e-15 relative. */
static double tail_inverse(double q, double dof, double guess) {
  double lo = 0, hi = guess > 1 ? guess : 1;
  while (t_tail(hi, dof) > q && hi < 1e300) {
    lo = hi;
    hi *= 2;
  }
  double t = guess > lo && guess < hi ? guess : (lo + hi) / 2;
  for (int it = 0; it < 200; it++) {
    const double f = t_tail(t, dof) - q; /* decreasing in t */
    if (f > 0) lo = t;
    else hi = t;
    const double dens = t_density(t, dof);
    double next = dens > 0 ? t + f / dens : (lo + hi) / 2;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const double step = fabs(next - t);
    t = next;
    if (step <= 1e-15 * t || hi - lo <= 1e-15 * hi) break;
  }
  return t;
}

double sgdl_t_quantile(double p, double dof) {
  if (!(p > 0 && p < 1) || !(dof > 0)) return NAN;
  if (p == 0.5) return 0;
  const double q = p < 0.5 ? p : 1 - p, sign = p < 0.5 ? -1 : 1;
  double t;
  if (dof == 1) {
    t = 1 / tan(M_PI * q);
  } else if (dof == 2) {
    t = (1 - 2 * q) / sqrt(2 * q * (1 - q));
  } else if (dof > 2e3) {
    const double z = tail_inverse(q, INFINITY, 2), z2 = z * z;
    const double g1 = (z2 + 1) * z / 4, g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
    t = isinf(dof) ? z : z + (g1 + (g2 + (g3 + g4 / dof) / dof) / dof) / dof;
  } else {
    t = tail_inverse(q, dof, 2);
  }
  return sign * t;
}
