/* sgdlab analysis: weak errors with confidence intervals and fitted orders.
 *
 * Weak error of a model against SGD for one observable: e = max_k |E f(x_k) - E f(X_{t_k})|
 * over the output times t_k <= T. With Monte Carlo standard errors s_k of the difference,
 * the reported 95% interval is [max(0, max_k(|D_k| - z s_k)), max_k(|D_k| + z s_k)], which
 * contains the true sup whenever every pointwise interval |D_k| +- z s_k holds. To make that a
 * simultaneous 95% statement over the T output times, z is the Bonferroni quantile
 * Phi^{-1}(1 - 0.025/T) (z = 1.96 for T = 1, 3.23 for T = 40, 4.06 for T = 1000) when the standard
 * errors are known exactly, and Student's t_nu^{-1}(1 - 0.025/T) when they are estimated from
 * few independent units (sgdl_sup_error_eval_dof: nu = units - 1 for one Monte Carlo side, the
 * Welch-Satterthwaite nu of the difference for two; at 3 paths t_2 = 4.30 against z = 1.96). The error is
 * "resolved" when the lower end is positive; otherwise it is reported as unresolved and kept
 * out of order fits. Exact inputs have s_k = 0 and a zero-width interval.
 *
 * Rounding: a pointwise lower end |D_k| - z s_k counts only when it exceeds the rounding floor
 * SGDL_ROUNDING_REL (|a_k| + |b_k| + |scale_k|). Two means of the same quantity computed in a
 * different order (SGD and a model at their common start, t = 0, where s_k = 0) differ by a few
 * ulps; such a difference is not an error, so the lower end stays 0 and the error unresolved.
 * The floor is about 4500 ulps of the observable's size: no Monte Carlo interval can resolve a
 * relative difference that small, so it changes nothing else.
 *
 * Order: least-squares slope of log e against log alpha over resolved points, with a 95%
 * interval from the regression's standard error and Student's t with n-2 degrees of freedom
 * (none for n = 2). */
#ifndef SGDLAB_ANALYSIS_H
#define SGDLAB_ANALYSIS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sgdl_sup_error {
  double value;    /* max_k |D_k| */
  double lo, hi;   /* 95% interval */
  int resolved;    /* lo > 0 */
  uint64_t argmax; /* output index of the max */
  int no_spread;   /* max_k (|D_k| + z s_k) == value: no output time has spread between paths (every
                    * path agrees, so more paths cannot resolve it; hi is then the rounding bound) */
} sgdl_sup_error;

/* Relative rounding floor for a resolved difference (2^-40, about 9.1e-13). */
#define SGDL_ROUNDING_REL 9.094947017729282e-13

/* a, b: means over T output times; sa, sb: their standard errors (NULL = exact). A standard error
 * that is NaN at any time (none estimated: a covariance's jackknife over one group of replicas)
 * gives no interval: lo = hi = NaN, resolved = 0. */
void sgdl_sup_error_eval(const double *a, const double *sa, const double *b, const double *sb, uint64_t T,
                         sgdl_sup_error *out);
/* The same with the observable's size at each time (NULL = none) added to the rounding floor:
 * for differences formed per path (coupled pairs), where b is zero and a is the difference,
 * scale carries |E f(SGD)| + |E f(model)|. */
void sgdl_sup_error_eval_scaled(const double *a, const double *sa, const double *b, const double *sb, const double *scale,
                                uint64_t T, sgdl_sup_error *out);
/* The same at simultaneous level 1 - alpha (z = Phi^{-1}(1 - alpha/2/T)); alpha = 0.05 is the above. */
void sgdl_sup_error_eval_level(const double *a, const double *sa, const double *b, const double *sb, uint64_t T,
                               double alpha, sgdl_sup_error *out);
/* Both: rounding scale (NULL = none) and level alpha, standard errors known exactly (normal z). */
void sgdl_sup_error_eval_full(const double *a, const double *sa, const double *b, const double *sb, const double *scale,
                              uint64_t T, double alpha, sgdl_sup_error *out);
/* The same with the degrees of freedom of sa and sb (independent replicas, antithetic pairs or
 * jackknife groups, minus 1; <= 0 or INFINITY: known exactly): at each time Student's quantile at
 * the Welch-Satterthwaite dof s^4 / (sa^4 / dof_a + sb^4 / dof_b) of the difference. With both
 * dof infinite this is sgdl_sup_error_eval_full; the others call this one. */
void sgdl_sup_error_eval_dof(const double *a, const double *sa, double dof_a, const double *b, const double *sb, double dof_b,
                             const double *scale, uint64_t T, double alpha, sgdl_sup_error *out);

typedef struct sgdl_order_fit {
  int n;           /* points used */
  double order;    /* slope */
  double lo, hi;   /* 95% interval (NaN if n < 3) */
  double logc;     /* intercept: log e = logc + order log alpha */
} sgdl_order_fit;

/* Fit over the points with use[i] != 0 (use may be NULL). Returns 0, or -1 if fewer than 2 points. */
int sgdl_fit_order(const double *lr, const double *err, const int *use, int n, sgdl_order_fit *out);
/* Quantile of the standard normal distribution, 0 < p < 1 (relative error ~1e-15). */
double sgdl_norm_quantile(double p);
/* 97.5% quantile of Student's t with dof degrees of freedom (sgdl_t_quantile; NaN for dof < 1). */
double sgdl_t975(int dof);

#ifdef __cplusplus
}
#endif
#endif
