/* The array form of the branch-free exponential of sgdlab/vmath.h: one loop that gcc vectorises
 * (the element function is inline in the header, so lane kernels in other layers can also inline
 * it into their own loops). Does not: check n or the buffers (callers own them). */
#include "sgdlab/vmath.h"

void sgdl_exp_array(int n, const double *x, double *y) {
  for (int i = 0; i < n; i++) y[i] = sgdl_exp_poly(x[i]);
}
