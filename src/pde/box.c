/* Automatic computational boxes for the grid solvers: along each axis, from the minimum, outwards
 * until the stationary weight exp(-(L_alpha - L_alpha(min)) / D_aa) has fallen below exp(-margin),
 * so reflecting walls there change nothing visible. Steps grow geometrically so slowly confining
 * potentials still end; a potential that never rises gives an error naming --box.
 * Does not: place exit boundaries (the callers clip the box at --to). */
#include <math.h>
#include <string.h>

#include "sgdlab/pde.h"

int sgdl_pde_auto_box(sgdl_ctx *ctx, const sgdl_sme_model *m, const double *xmin, double margin,
                      double *lo, double *hi) {
  const int d = m->prob->dim;
  if (d > 2) return sgdl_fail(ctx, SGDL_ENOTSUP, "--problem: the PDE solvers need d <= 2 (d = %d)", d);
  double *work = sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double));
  if (!work) return SGDL_ENOMEM;
  double D[4], x[2];
  const double L0 = sgdl_sme_potential(m, xmin, work);
  sgdl_sme_diffusion(m, xmin, D, work);
  int rc = SGDL_OK;
  for (int a = 0; a < d && !rc; a++) {
    const double Daa = D[a * d + a];
    if (!(Daa > 0)) {
      rc = sgdl_fail(ctx, SGDL_EINVAL, "--box: no noise along axis %d at the minimum, give the box explicitly", a + 1);
      break;
    }
    for (int side = 0; side < 2 && !rc; side++) {
      const double dir = side ? 1.0 : -1.0;
      double step = 0.01 * (1 + fabs(xmin[a])), t = 0;
      int found = 0;
      for (int it = 0; it < 4000; it++) {
        t += step;
        if (it % 100 == 99) step *= 2;
        memcpy(x, xmin, sizeof(double) * (size_t)d);
        x[a] += dir * t;
        if ((sgdl_sme_potential(m, x, work) - L0) / Daa >= margin) {
          found = 1;
          break;
        }
        if (!isfinite(x[a]) || fabs(x[a]) > 1e9) break;
      }
      if (!found) {
        rc = sgdl_fail(ctx, SGDL_EINVAL, "--box: the potential does not confine axis %d on the %s side of the minimum; "
                       "give --box explicitly", a + 1, side ? "upper" : "lower");
        break;
      }
      if (side) hi[a] = xmin[a] + t;
      else lo[a] = xmin[a] - t;
    }
  }
  sgdl_free(work);
  return rc;
}
