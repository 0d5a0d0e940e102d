/* Weak errors with intervals, and least-squares order fits (see include/sgdlab/analysis.h). */
#include "sgdlab/analysis.h"

#include <math.h>
#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Acklam's rational approximation, refined by one Halley step on erfc. */
double sgdl_norm_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  if (!(p > 0 && p < 1)) return NAN;
  double x;
  if (p < 0.02425) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    double q = sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
  double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

void sgdl_sup_error_eval_full(const double *a, const double *sa, const double *b, const double *sb, const double *scale,
                              uint64_t T, double alpha, sgdl_sup_error *out) {
  const double z = sgdl_norm_quantile(1 - alpha / 2 / (double)(T > 0 ? T : 1));
  out->value = 0;
  out->lo = 0;
  out->hi = 0;
  out->argmax = 0;
  int no_se = 0;
  for (uint64_t k = 0; k < T; k++) {
    double D = fabs(a[k] - b[k]);
    double s = sqrt((sa ? sa[k] * sa[k] : 0) + (sb ? sb[k] * sb[k] : 0));
    no_se |= isnan(s);
    /* Below this the difference may be rounding alone (a and b computed in another order). */
    const double rounding = SGDL_ROUNDING_REL * (fabs(a[k]) + fabs(b[k]) + (scale ? fabs(scale[k]) : 0));
    if (D > out->value || k == 0) {
      out->value = D;
      out->argmax = k;
    }
    if (D - z * s > rounding && D - z * s > out->lo) out->lo = D - z * s;
    if (D + z * s > out->hi) out->hi = D + z * s;
  }
  out->resolved = out->lo > 0;
  if (no_se) { /* no standard error somewhere: no interval, rather than a [0, 0] that looks like one */
    out->lo = out->hi = NAN;
    out->resolved = 0;
  }
}

void sgdl_sup_error_eval(const double *a, const double *sa, const double *b, const double *sb, uint64_t T,
                         sgdl_sup_error *out) {
  sgdl_sup_error_eval_full(a, sa, b, sb, NULL, T, 0.05, out);
}

void sgdl_sup_error_eval_scaled(const double *a, const double *sa, const double *b, const double *sb, const double *scale,
                                uint64_t T, sgdl_sup_error *out) {
  sgdl_sup_error_eval_full(a, sa, b, sb, scale, T, 0.05, out);
}

void sgdl_sup_error_eval_level(const double *a, const double *sa, const double *b, const double *sb, uint64_t T,
                               double alpha, sgdl_sup_error *out) {
  sgdl_sup_error_eval_full(a, sa, b, sb, NULL, T, alpha, out);
}

double sgdl_t975(int dof) {
  static const double t[] = {NAN,    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                             2.2010, 2.1788,  2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                             2.0796, 2.0739,  2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (dof < 1) return NAN;
  if (dof <= 30) return t[dof];
  return 1.959963984540054 + 2.37 / dof; /* asymptotic expansion, within 1e-3 for dof > 30 */
}

int sgdl_fit_order(const double *lr, const double *err, const int *use, int n, sgdl_order_fit *out) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (int i = 0; i < n; i++) {
    if ((use && !use[i]) || !(err[i] > 0) || !(lr[i] > 0)) continue;
    double x = log(lr[i]), y = log(err[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    m++;
  }
  out->n = m;
  out->order = out->lo = out->hi = out->logc = NAN;
  if (m < 2) return -1;
  double xb = sx / m, yb = sy / m, Sxx = sxx - m * xb * xb, Sxy = sxy - m * xb * yb;
  if (!(Sxx > 0)) return -1;
  out->order = Sxy / Sxx;
  out->logc = yb - out->order * xb;
  if (m >= 3) {
    double rss = 0;
    for (int i = 0; i < n; i++) {
      if ((use && !use[i]) || !(err[i] > 0) || !(lr[i] > 0)) continue;
      double r = log(err[i]) - out->logc - out->order * log(lr[i]);
      rss += r * r;
    }
    double se = sqrt(rss / (m - 2) / Sxx), t = sgdl_t975(m - 2);
    out->lo = out->order - t * se;
    out->hi = out->order + t * se;
  }
  return 0;
}
