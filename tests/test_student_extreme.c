/* Student's t quantiles at the far Bonferroni levels of long runs and at a non-integer dof, and the
 * Welch-Satterthwaite interval of sgdl_sup_error_eval_dof, against mpmath (50 digits; the
 * regularized incomplete beta inverted by bisection) and the textbook formula
 * nu = (s1^2/n1 + s2^2/n2)^2 / ((s1^2/n1)^2/(n1-1) + (s2^2/n2)^2/(n2-1)):
 *   - p = 1 - 0.025/1e5 and 1 - 0.025/1e7 (1e5 and 1e7 output times), both tails, dof 1, 2, 3,
 *     7.5, 30, 2001 (the Cornish-Fisher side) and 1e6: relative 1e-11;
 *   - two Monte Carlo sides with standard errors 0.3 (dof 9) and 0.4 (dof 4) over 3 output times:
 *     difference 2, the interval's half-width t_nu(1 - 0.025/3) s with nu = 8.5616..., s = 0.5,
 *     and the same with everything scaled by 1e-120 and 1e+120.
 * Does not: repeat tests/test_student.c's table (levels up to 1 - 0.025/1000). */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "sgdlab/analysis.h"
#include "sgdlab/student.h"

static const double DOF[7] = {1, 2, 3, 7.5, 30, 2001, 1e6};
static const double P[2] = {1 - 0.025 / 1e5, 1 - 0.025 / 1e7};
static const double T_MP[7][2] = {
    {1273239.54455693, 127323955.24732392},        /* dof 1 */
    {1414.213031944116, 14142.135613672152},       /* dof 2 */
    {163.98880543495613, 761.2009974031605},       /* dof 3 */
    {15.797068326926375, 29.466379873251544},      /* dof 7.5 */
    {6.3686024856763739, 8.087329741025858},       /* dof 30 */
    {5.0428530168966166, 5.8729766639795606},      /* dof 2001 */
    {5.0263458387630857, 5.8472235861528077},      /* dof 1e6 */
};

int main(void) {
  char what[96];
  for (int i = 0; i < 7; i++)
    for (int j = 0; j < 2; j++) {
      snprintf(what, sizeof what, "t quantile dof %g p 1 - %.3g", DOF[i], 1 - P[j]);
      CHECK_REL(sgdl_t_quantile(P[j], DOF[i]), T_MP[i][j], 1e-11, what);
      CHECK_REL(sgdl_t_quantile(1 - P[j], DOF[i]), -T_MP[i][j], 1e-11, what);
    }
  /* Welch: sa = 0.3 (dof 9), sb = 0.4 (dof 4), s = 0.5, nu = 8.561643835616435 */
  const double a[3] = {2, 2, 2}, b[3] = {0, 0, 0}, sa[3] = {0.3, 0.3, 0.3}, sb[3] = {0.4, 0.4, 0.4};
  sgdl_sup_error e;
  sgdl_sup_error_eval_dof(a, sa, 9, b, sb, 4, NULL, 3, 0.05, &e);
  CHECK_REL((e.hi - 2) / 0.5, 2.9666281923771991, 1e-12, "Welch half-width over s at 3 times");
  CHECK_REL((2 - e.lo) / 0.5, 2.9666281923771991, 1e-12, "Welch lower end");
  CHECK(e.resolved, "resolved: 2 - 2.97 * 0.5 > 0");
  /* The same sides scaled by 1e-120 and 1e+120: the dof is scale-free (the fourth powers of the
   * standard errors used to underflow to a normal quantile, or overflow to NaN). */
  for (int k = 0; k < 2; k++) {
    const double f = k ? 1e120 : 1e-120;
    const double as[3] = {2 * f, 2 * f, 2 * f}, sas[3] = {0.3 * f, 0.3 * f, 0.3 * f}, sbs[3] = {0.4 * f, 0.4 * f, 0.4 * f};
    sgdl_sup_error es;
    sgdl_sup_error_eval_dof(as, sas, 9, b, sbs, 4, NULL, 3, 0.05, &es);
    CHECK_REL((es.hi - 2 * f) / (0.5 * f), 2.9666281923771991, 1e-12, k ? "Welch half-width, standard errors x 1e+120" : "Welch half-width, standard errors x 1e-120");
  }
  return check_done();
}
