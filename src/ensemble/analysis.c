/* Weak errors with intervals, and least-squares order fits (see include/sgdlab/analysis.h). */
#include "sgdlab/analysis.h"

#include <math.h>

void sgdl_sup_error_eval(const double *a, const double *sa, const double *b, const double *sb, uint64_t T,
                         sgdl_sup_error *out) {
  const double z = 1.959963984540054;
  out->value = 0;
  out->lo = 0;
  out->hi = 0;
  out->argmax = 0;
  for (uint64_t k = 0; k < T; k++) {
    double D = fabs(a[k] - b[k]);
    double s = sqrt((sa ? sa[k] * sa[k] : 0) + (sb ? sb[k] * sb[k] : 0));
    if (D > out->value || k == 0) {
      out->value = D;
      out->argmax = k;
    }
    if (D - z * s > out->lo) out->lo = D - z * s;
    if (D + z * s > out->hi) out->hi = D + z * s;
  }
  out->resolved = out->lo > 0;
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
