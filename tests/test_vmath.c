/* The branch-free exponential of sgdlab/vmath.h against glibc's exp:
 *   - known answers: exp(0) = 1, exp(1), exp(-1), exp(ln 2) to 1 ulp; +inf, -inf, NaN, +-0,
 *     +-DBL_MAX, the overflow edge (709.7827128933840 finite, 709.7827128933841 +inf) and the
 *     underflow edge (the smallest subnormal near -744.44, 0 below -745.14);
 *   - accuracy: at most 1 ulp (distance in representable doubles, so subnormal results count in
 *     units of 2^-1074) at 3 million points: uniform over [-746, 710], dense near 0 (|x| < 1e-3,
 *     tiny |x| down to 1e-300), around every k ln 2 / 2 (the reduction's rounding boundaries) and
 *     through the subnormal range [-745.2, -708];
 *   - the vectorised array form (sgdl_exp_array) returns bitwise the scalar call, so lane kernels
 *     and their scalar twins agree;
 *   - sgdl_tanh_poly against glibc's tanh: +-0, +-1 from |a| = 20 on, +-inf, NaN, oddness, and at
 *     most 4 ulp at 2 million points (uniform over [-5, 5], dense near 0 down to 1e-300, and up
 *     to 1e3); a loop over it (vectorised) returns bitwise the scalar calls. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/vmath.h"

static uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* Distance in representable doubles between two non-negative finite values (or both inf). */
static double ulps(double a, double b) {
  if (a == b) return 0;
  if (!isfinite(a) || !isfinite(b)) return INFINITY;
  uint64_t ua = bits(a), ub = bits(b);
  return (double)(ua > ub ? ua - ub : ub - ua);
}

static unsigned long long lcg_state = 12345;
static double uniform01(void) {
  lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(lcg_state >> 11) * 0x1p-53;
}

/* A loop the compiler vectorises, as meanfield's lane kernels do. */
static void tanh_array(int n, const double *x, double *y) {
  for (int i = 0; i < n; i++) y[i] = sgdl_tanh_poly(x[i]);
}

static void check_tanh(void) {
  CHECK(bits(sgdl_tanh_poly(0.0)) == bits(0.0) && bits(sgdl_tanh_poly(-0.0)) == bits(-0.0), "tanh(+-0) = +-0");
  CHECK(sgdl_tanh_poly(20.0) == 1.0 && sgdl_tanh_poly(-20.0) == -1.0 && sgdl_tanh_poly(1e300) == 1.0, "tanh(20) = 1");
  CHECK(sgdl_tanh_poly(INFINITY) == 1.0 && sgdl_tanh_poly(-INFINITY) == -1.0, "tanh(+-inf) = +-1");
  CHECK(isnan(sgdl_tanh_poly(NAN)), "tanh(nan)");
  CHECK(sgdl_tanh_poly(1e-300) == 1e-300 && sgdl_tanh_poly(0x1p-1074) == 0x1p-1074, "tanh of tiny a is a");
  enum { M = 2000000 };
  double *x = malloc(sizeof(double) * M), *y = malloc(sizeof(double) * M);
  for (int i = 0; i < M; i++) {
    const double u = uniform01(), sign = uniform01() < 0.5 ? -1 : 1;
    switch (i % 3) {
    case 0: x[i] = -5 + 10 * u; break;
    case 1: x[i] = sign * pow(10.0, -300.0 * u); break;
    default: x[i] = sign * pow(10.0, 3.0 * u); break;
    }
  }
  tanh_array(M, x, y);
  double worst = 0, at = 0;
  int same = 1, odd = 1;
  for (int i = 0; i < M; i++) {
    volatile double xi = x[i];
    const double s = sgdl_tanh_poly(xi), e = tanh(x[i]);
    same &= bits(s) == bits(y[i]);
    odd &= bits(sgdl_tanh_poly(-xi)) == bits(-s);
    const double u = (s < 0) == (e < 0) ? ulps(fabs(s), fabs(e)) : INFINITY;
    if (u > worst) worst = u, at = x[i];
  }
  printf("tanh: max error %.0f ulp at a = %.17g (%d points)\n", worst, at, M);
  CHECK(worst <= 4, "tanh: max error %.0f ulp at a = %.17g", worst, at);
  CHECK(same, "a vectorised loop over sgdl_tanh_poly differs from the scalar calls");
  CHECK(odd, "sgdl_tanh_poly is not odd");
  free(x);
  free(y);
}

int main(void) {
  /* Known answers and edges. */
  CHECK(sgdl_exp_poly(0.0) == 1.0 && sgdl_exp_poly(-0.0) == 1.0, "exp(+-0) = 1");
  CHECK(ulps(sgdl_exp_poly(1.0), exp(1.0)) <= 1, "exp(1) = %.17g", sgdl_exp_poly(1.0));
  CHECK(ulps(sgdl_exp_poly(-1.0), exp(-1.0)) <= 1, "exp(-1) = %.17g", sgdl_exp_poly(-1.0));
  CHECK(ulps(sgdl_exp_poly(0x1.62e42fefa39efp-1), 2.0) <= 1, "exp(ln 2) = %.17g", sgdl_exp_poly(0x1.62e42fefa39efp-1));
  CHECK(sgdl_exp_poly(INFINITY) == INFINITY, "exp(inf)");
  CHECK(sgdl_exp_poly(-INFINITY) == 0.0, "exp(-inf)");
  CHECK(isnan(sgdl_exp_poly(NAN)), "exp(nan)");
  CHECK(sgdl_exp_poly(DBL_MAX) == INFINITY, "exp(DBL_MAX)");
  CHECK(sgdl_exp_poly(-DBL_MAX) == 0.0, "exp(-DBL_MAX)");
  CHECK(sgdl_exp_poly(1e-300) == 1.0, "exp(1e-300)");
  const double big = 709.782712893384, over = nextafter(big, INFINITY); /* libm: finite, +inf */
  CHECK(isfinite(sgdl_exp_poly(big)) && ulps(sgdl_exp_poly(big), exp(big)) <= 1, "exp(%.17g) = %g", big,
        sgdl_exp_poly(big));
  CHECK(isinf(exp(over)) && sgdl_exp_poly(over) == INFINITY, "exp(%.17g) = %g", over, sgdl_exp_poly(over));
  CHECK(sgdl_exp_poly(709.79) == INFINITY && sgdl_exp_poly(710.5) == INFINITY, "exp above 709.79");
  CHECK(sgdl_exp_poly(-744.44) == exp(-744.44) && exp(-744.44) == 0x1p-1074, "smallest subnormal %g",
        sgdl_exp_poly(-744.44));
  CHECK(sgdl_exp_poly(-745.14) == 0.0 && sgdl_exp_poly(-800.0) == 0.0, "exp below -745.14 = 0");

  /* Accuracy over the whole range and the awkward parts of it. */
  enum { M = 3000000 };
  double *x = malloc(sizeof(double) * M), *y = malloc(sizeof(double) * M);
  for (int i = 0; i < M; i++) {
    const double u = uniform01();
    switch (i % 6) {
    case 0: x[i] = -746.0 + 1456.0 * u; break;
    case 1: x[i] = (u - 0.5) * 2e-3; break;
    case 2: x[i] = (u < 0.5 ? -1 : 1) * pow(10.0, -300.0 * uniform01()); break;
    case 3: x[i] = floor(-2150 + 3570 * u) * 0x1.62e42fefa39efp-2 * (1 + (uniform01() - 0.5) * 1e-15); break;
    case 4: x[i] = -745.2 + 37.2 * u; break;
    default: x[i] = -40 + 80 * u; break;
    }
  }
  sgdl_exp_array(M, x, y);
  double worst = 0, at = 0;
  int same = 1;
  for (int i = 0; i < M; i++) {
    volatile double xi = x[i]; /* one scalar call per element */
    const double s = sgdl_exp_poly(xi), e = exp(x[i]);
    same &= bits(s) == bits(y[i]);
    const double u = ulps(s, e);
    if (u > worst) worst = u, at = x[i];
  }
  printf("max error %.0f ulp at x = %.17g (%d points)\n", worst, at, M);
  CHECK(worst <= 1, "max error %.0f ulp at x = %.17g", worst, at);
  CHECK(same, "sgdl_exp_array differs from the scalar sgdl_exp_poly");
  free(x);
  free(y);
  check_tanh();
  return check_done();
}
