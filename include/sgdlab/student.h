/* sgdlab student (linalg layer): quantiles of Student's t distribution and of the standard normal,
 * for the confidence intervals of the ensemble and study layers.
 *
 * sgdl_t_quantile(p, dof) solves P(T_dof <= t) = p for 0 < p < 1 and real dof > 0 (dof = +inf:
 * the standard normal). The upper tail q = min(p, 1 - p) is matched, so quantiles far in the tail
 * (p = 1 - 0.025/k for a Bonferroni level over k times) keep their relative accuracy:
 *   dof = 1 and 2: closed forms; dof <= 2e3: a safeguarded Newton iteration (bisection when a step
 *   leaves the bracket) on the tail 0.5 I_{dof/(dof+t^2)}(dof/2, 1/2), the regularized incomplete
 *   beta by Lentz's continued fraction; dof > 2e3: the Cornish-Fisher expansion in 1/dof to fourth
 *   order about the normal quantile (Abramowitz-Stegun 26.7.5; truncation below 1e-13 there);
 *   dof = inf: Newton on 0.5 erfc(z / sqrt 2).
 * Accuracy (tests/test_student.c, against mpmath at 40 digits; scipy.stats.t.ppf itself is off by
 * up to 2.2e-9): relative error below 1e-11 for dof 1 .. 1e6 and p up to 1 - 2.5e-5. Returns NaN for p outside (0, 1) or dof not > 0 (or NaN).
 * Not: non-central t, the distribution function as an API, or dof below 1 tested. */
#ifndef SGDLAB_STUDENT_H
#define SGDLAB_STUDENT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Quantile of Student's t with dof degrees of freedom (INFINITY: standard normal). */
double sgdl_t_quantile(double p, double dof);

#ifdef __cplusplus
}
#endif
#endif
