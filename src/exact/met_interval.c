/* The 1-D exit problem "start at x0, leave when X reaches target": absorbing at the target and a
 * natural (reflecting-at-infinity) end on the other side, placed far enough out that the
 * stationary weight exp(-Phi) there is below exp(-46) of its largest value on the interval,
 * where Phi(y) = int^y L_alpha'/D (SPEC section 4, psi = exp(Phi)).
 * Does not: handle 2-D domains (the CLI builds boxes for those) or degenerate noise (D = 0 at a
 * point inside the scan is reported, with the "Noisy SGD" regularisation as the way out). */
#include <math.h>

#include "sgdlab/exit.h"

/* Phi'(y) = -b(y) / D(y) and D(y) at a point. */
static void phi_slope(const sgdl_sme_model *m, double y, double *slope, double *D, double *work) {
  double b, Dv;
  sgdl_sme_drift(m, &y, &b, work);
  sgdl_sme_diffusion(m, &y, &Dv, work);
  *D = Dv;
  *slope = Dv > 0 ? -b / Dv : NAN;
}

static int interval_scan(sgdl_ctx *ctx, const sgdl_sme_model *m, double x0, double target,
                         sgdl_interval *iv, double *work);

int sgdl_exit_interval_1d(sgdl_ctx *ctx, const sgdl_sme_model *m, double x0, double target,
                          sgdl_interval *iv) {
  if (m->prob->dim != 1)
    return sgdl_fail(ctx, SGDL_EINVAL, "--from: a 1-D exit interval needs a 1-D problem (d = %d)", m->prob->dim);
  if (!isfinite(x0)) return sgdl_fail(ctx, SGDL_EINVAL, "--from: %g is not a finite number", x0);
  if (!isfinite(target)) return sgdl_fail(ctx, SGDL_EINVAL, "--to: %g is not a finite number", target);
  if (x0 == target)
    return sgdl_fail(ctx, SGDL_EINVAL, "--from %g --to %g: empty interval (the start is already on the exit boundary)", x0, target);
  double *work = sgdl_alloc(ctx, sgdl_sme_work_size(m), sizeof(double));
  if (!work) return SGDL_ENOMEM;
  int rc = interval_scan(ctx, m, x0, target, iv, work);
  sgdl_free(work);
  return rc;
}

static int interval_scan(sgdl_ctx *ctx, const sgdl_sme_model *m, double x0, double target,
                         sgdl_interval *iv, double *work) {
  const double dir = target > x0 ? -1.0 : 1.0; /* direction of the far end */
  const double span = fabs(target - x0);

  /* Phi along [x0, target]: its minimum there, and whether noise exists at all. */
  const int nscan = 2000;
  double phi = 0, phimin = 0, s0, D0, s1, D1;
  int noisy = 0;
  phi_slope(m, x0, &s0, &D0, work);
  if (D0 > 0) noisy = 1;
  for (int i = 1; i <= nscan; i++) {
    const double y = x0 - dir * span * i / nscan;
    phi_slope(m, y, &s1, &D1, work);
    if (D1 > 0) noisy = 1;
    if (!(D0 > 0) || !(D1 > 0)) {
      if (!noisy) continue;
      return sgdl_fail(ctx, SGDL_ENOTSUP,
                       "--to %g: the noise vanishes at x = %g between --from and --to, so the exit "
                       "time is not finite for the SME (add --noisy BETA_INV > 0)", target, y);
    }
    phi += -dir * 0.5 * (s0 + s1) * (span / nscan); /* moving towards target is the -dir direction */
    if (phi < phimin) phimin = phi;
    s0 = s1;
    D0 = D1;
  }
  if (!noisy)
    return sgdl_fail(ctx, SGDL_EINVAL, "--to %g: unreachable, the problem has no gradient noise between --from and --to "
                     "(noise variance 0 and no --noisy)", target);

  /* Walk from x0 away from the target until Phi has risen 46 above its minimum. */
  phi_slope(m, x0, &s0, &D0, work);
  if (!(D0 > 0))
    return sgdl_fail(ctx, SGDL_ENOTSUP, "--from %g: the noise vanishes at the start point (add --noisy BETA_INV > 0)", x0);
  double y = x0, h = (span + 1.0) / 1000.0, phiw = 0;
  for (long it = 0; it < 200000; it++) {
    if (it > 0 && it % 1000 == 0) h *= 2; /* slowly confining potentials: widen the steps */
    const double yn = y + dir * h;
    phi_slope(m, yn, &s1, &D1, work);
    if (!(D1 > 0) || !isfinite(s1))
      return sgdl_fail(ctx, SGDL_ENOTSUP,
                       "exit interval: the noise vanishes at x = %g on the far side of --from "
                       "(add --noisy BETA_INV > 0)", yn);
    phiw += dir * 0.5 * (s0 + s1) * h;
    if (phiw < phimin) phimin = phiw;
    y = yn;
    s0 = s1;
    if (phiw - phimin >= 46.0) {
      if (dir < 0) {
        iv->lo = y;
        iv->hi = target;
        iv->bc_lo = SGDL_BC_NATURAL;
        iv->bc_hi = SGDL_BC_ABSORB;
      } else {
        iv->lo = target;
        iv->hi = y;
        iv->bc_lo = SGDL_BC_ABSORB;
        iv->bc_hi = SGDL_BC_NATURAL;
      }
      return SGDL_OK;
    }
    if (!isfinite(y) || fabs(y) > 1e12) break;
  }
  return sgdl_fail(ctx, SGDL_EINVAL,
                   "--from %g: the potential does not confine the process on the side away from --to %g "
                   "(the exit time is infinite or the mass escapes to %s); give a two-sided --interval instead",
                   x0, target, dir < 0 ? "-infinity" : "+infinity");
}
