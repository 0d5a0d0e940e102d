/* Weak errors with intervals (Student's t quantiles at the standard errors' degrees of freedom), and
 * least-squares order fits (see include/sgdlab/analysis.h). Does not: estimate the standard errors. */
#include "sgdlab/analysis.h"

#include <math.h>
#include <stddef.h>

#include "sgdlab/student.h"

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

/* Degrees of freedom of the difference's standard error sqrt(sa^2 + sb^2) (Welch-Satterthwaite):
 * s^4 / (sa^4 / dof_a + sb^4 / dof_b); a side with dof <= 0 or infinite counts as known exactly
 * (normal), so one Monte Carlo side against exact moments has that side's dof. */
static double welch_dof(double sa, double dof_a, double sb, double dof_b) {
  /* The formula is scale-free: standard errors beyond 1e+-100 are rescaled first, so that their
   * fourth powers neither overflow nor underflow (in range the numbers are unchanged). */
  const double big = fmax(fabs(sa), fabs(sb));
  if (big > 1e100 || (big > 0 && big < 1e-100)) sa /= big, sb /= big;
  const double va = sa * sa, vb = sb * sb;
  const double den = (dof_a > 0 && isfinite(dof_a) ? va * va / dof_a : 0) + (dof_b > 0 && isfinite(dof_b) ? vb * vb / dof_b : 0);
  return den > 0 ? (va + vb) * (va + vb) / den : INFINITY;
}

void sgdl_sup_error_eval_dof(const double *a, const double *sa, double dof_a, const double *b, const double *sb, double dof_b,
                             const double *scale, uint64_t T, double alpha, sgdl_sup_error *out) {
  const double p = 1 - alpha / 2 / (double)(T > 0 ? T : 1);
  double dof_prev = INFINITY, z = sgdl_norm_quantile(p); /* the quantile at dof_prev (recomputed when dof changes) */
  out->value = 0;
  out->lo = 0;
  out->hi = 0;
  out->argmax = 0;
  out->no_spread = 0;
  double spread_hi = 0; /* max_k D_k + z s_k, before the rounding floor */
  int no_se = 0;
  for (uint64_t k = 0; k < T; k++) {
    double D = fabs(a[k] - b[k]);
    const double ska = sa ? sa[k] : 0, skb = sb ? sb[k] : 0;
    double s = sqrt(ska * ska + skb * skb);
    no_se |= isnan(s);
    const double dof = s > 0 ? welch_dof(ska, dof_a, skb, dof_b) : dof_prev; /* s = 0: z is not used */
    if (dof != dof_prev && !isnan(dof)) {
      dof_prev = dof;
      z = isinf(dof) ? sgdl_norm_quantile(p) : sgdl_t_quantile(p, dof);
    }
    /* Below this the difference may be rounding alone (a and b computed in another order). */
    const double rounding = SGDL_ROUNDING_REL * (fabs(a[k]) + fabs(b[k]) + (scale ? fabs(scale[k]) : 0));
    if (D > out->value || k == 0) {
      out->value = D;
      out->argmax = k;
    }
    if (D - z * s > rounding && D - z * s > out->lo) out->lo = D - z * s;
    /* Nor can an upper bound claim less than rounding: with every path equal (or T tiny) D + z s
     * can fall below what the two means' rounding can tell apart. */
    if (D + z * s > spread_hi) spread_hi = D + z * s;
    const double up = D + z * s > rounding ? D + z * s : rounding;
    if (up > out->hi) out->hi = up;
  }
  out->resolved = out->lo > 0;
  out->no_spread = T > 0 && spread_hi == out->value;
  if (no_se) { /* no standard error somewhere: no interval, rather than a [0, 0] that looks like one */
    out->lo = out->hi = NAN;
    out->resolved = 0;
  }
}

void sgdl_sup_error_eval_full(const double *a, const double *sa, const double *b, const double *sb, const double *scale,
                              uint64_t T, double alpha, sgdl_sup_error *out) {
  sgdl_sup_error_eval_dof(a, sa, INFINITY, b, sb, INFINITY, scale, T, alpha, out);
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

double sgdl_t975(int dof) { return dof < 1 ? NAN : sgdl_t_quantile(0.975, dof); }

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
