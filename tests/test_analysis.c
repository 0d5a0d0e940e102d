/* Analysis helpers: normal quantiles (known values), the order fit on an exact power law and
 * on noisy data (interval brackets the slope), and the sup-error interval logic. */
#include "check.h"
#include "sgdlab/analysis.h"

int main(void) {
  CHECK_REL(sgdl_norm_quantile(0.975), 1.959963984540054, 1e-13, "z 0.975");
  CHECK_REL(sgdl_norm_quantile(1e-6), -4.753424308822899, 1e-12, "z 1e-6");
  CHECK_REL(sgdl_norm_quantile(0.5 + 1e-3), 0.0025066308995717666, 1e-12, "z near 0.5 (scipy)");
  CHECK_REL(sgdl_norm_quantile(1 - 0.025 / 40), 3.2272184259631627, 1e-12, "Bonferroni z for 40 times (scipy)");
  CHECK_REL(sgdl_t975(2), 4.3027, 1e-4, "t 2 dof");
  const double lr[] = {0.2, 0.1, 0.05, 0.025};
  double e[4];
  for (int i = 0; i < 4; i++) e[i] = 3.0 * lr[i] * lr[i];
  sgdl_order_fit f;
  CHECK(sgdl_fit_order(lr, e, NULL, 4, &f) == 0, "fit");
  CHECK_REL(f.order, 2.0, 1e-12, "exact power law slope");
  CHECK_REL(exp(f.logc), 3.0, 1e-12, "exact power law constant");
  const double noise[] = {1.05, 0.97, 1.02, 0.99};
  for (int i = 0; i < 4; i++) e[i] = lr[i] * noise[i];
  sgdl_fit_order(lr, e, NULL, 4, &f);
  CHECK(f.lo < 1 && 1 < f.hi && f.hi - f.lo < 0.5, "interval brackets slope 1: [%g, %g]", f.lo, f.hi);
  const int use[] = {1, 0, 0, 1};
  CHECK(sgdl_fit_order(lr, e, use, 4, &f) == 0 && f.n == 2 && isnan(f.lo), "two points: slope, no interval");
  const int none[] = {1, 0, 0, 0};
  CHECK(sgdl_fit_order(lr, e, none, 4, &f) == -1, "one point: no fit");
  /* sup error: exact inputs give a zero-width interval at the max; noisy ones are unresolved when
   * every |D| is within its band. */
  const double a[] = {0, 0.1, 0.3}, b[] = {0, 0.15, 0.2}, s[] = {0, 0.01, 0.01}, big[] = {0, 1, 1};
  sgdl_sup_error se;
  sgdl_sup_error_eval(a, NULL, b, NULL, 3, &se);
  CHECK(se.value == se.lo && se.lo == se.hi && fabs(se.value - 0.1) < 1e-15 && se.argmax == 2, "exact sup");
  sgdl_sup_error_eval(a, s, b, NULL, 3, &se);
  CHECK(se.resolved && se.lo < 0.1 && se.hi > 0.1, "noisy sup resolved and bracketed");
  sgdl_sup_error_eval(a, big, b, NULL, 3, &se);
  CHECK(!se.resolved && se.lo == 0, "unresolved when the noise dominates");
  /* Student's quantiles at the standard errors' dof: one Monte Carlo side (3 paths, dof 2) against
   * an exact one, t_2(0.975) = 4.30265; two sides of equal se and dof 2 each, Welch dof 4,
   * t_4(0.975) = 2.77645 (scipy); dof 0 on both sides is the normal z; Bonferroni over 2 times at
   * dof 2 is t_2(1 - 0.025/2) = 6.20535 (closed form; scipy's ppf is 7e-9 off). */
  const double one_a[] = {1.0}, one_b[] = {0.0}, one_s[] = {0.1};
  sgdl_sup_error_eval_dof(one_a, one_s, 2, one_b, NULL, 0, NULL, 1, 0.05, &se);
  CHECK_REL(se.hi - se.value, 0.1 * 4.302652729749464, 1e-9, "t_2 half-width");
  sgdl_sup_error_eval_dof(one_a, one_s, 2, one_b, one_s, 2, NULL, 1, 0.05, &se);
  CHECK_REL(se.hi - se.value, sqrt(0.02) * 2.7764451051977987, 1e-9, "Welch dof 4 half-width");
  sgdl_sup_error_eval_dof(one_a, one_s, 0, one_b, one_s, 0, NULL, 1, 0.05, &se);
  CHECK_REL(se.hi - se.value, sqrt(0.02) * 1.959963984540054, 1e-12, "dof 0: normal z");
  const double two_a[] = {0.0, 1.0}, two_b[] = {0.0, 0.0}, two_s[] = {0.0, 0.1};
  sgdl_sup_error_eval_dof(two_a, two_s, 2, two_b, NULL, 0, NULL, 2, 0.05, &se);
  CHECK_REL(se.hi - se.value, 0.1 * 6.2053468165707054, 1e-9, "Bonferroni t_2 over 2 times");
  return check_done();
}
