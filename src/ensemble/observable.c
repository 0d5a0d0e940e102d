/* Observables evaluated on one replica's particles: coordinates, squares, products, |x|^2,
 * the loss, |grad L|^2, the problem type's own named observables (a network's held-out loss and
 * error), and two-point quantities between particles (|X-Y|^2, X.Y, X_i Y_i). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/ensemble.h"

static int parse_int(const char **s, int *v) {
  if (!isdigit((unsigned char)**s)) return 0;
  char *end;
  long x = strtol(*s, &end, 10);
  if (x > 100000) return 0;
  *v = (int)x;
  *s = end;
  return 1;
}

int sgdl_observable_parse(sgdl_ctx *ctx, const char *text, int d, int P, sgdl_observable *o) {
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s", text);
  const char *s = text;
  int ok = 0;
  if (!strncmp(s, "dist2[", 6) || !strncmp(s, "dot[", 4) || !strncmp(s, "pxy", 3)) {
    if (!strncmp(s, "pxy", 3)) {
      o->kind = SGDL_OBS_PXY;
      s += 3;
      ok = parse_int(&s, &o->i) && *s == '[';
      s++;
    } else {
      o->kind = s[1] == 'i' ? SGDL_OBS_DIST2 : SGDL_OBS_DOT;
      s = strchr(s, '[') + 1;
      ok = 1;
    }
    ok = ok && parse_int(&s, &o->p) && *s++ == ',' && parse_int(&s, &o->q) && *s++ == ']' && *s == 0;
  } else {
    if (!strncmp(s, "norm2", 5)) {
      o->kind = SGDL_OBS_NORM2;
      s += 5;
      ok = 1;
    } else if (!strncmp(s, "grad_norm2", 10)) {
      o->kind = SGDL_OBS_GRAD_NORM2;
      s += 10;
      ok = 1;
    } else if (!strncmp(s, "loss", 4)) {
      o->kind = SGDL_OBS_LOSS;
      s += 4;
      ok = 1;
    } else if (*s == 'x') {
      s++;
      ok = parse_int(&s, &o->i);
      o->kind = SGDL_OBS_X;
      if (ok && !strncmp(s, "^2", 2)) {
        o->kind = SGDL_OBS_X2;
        s += 2;
      } else if (ok && !strncmp(s, "*x", 2)) {
        s += 2;
        o->kind = SGDL_OBS_XX;
        ok = parse_int(&s, &o->j);
      }
    }
    if (ok && *s == '@') {
      s++;
      ok = parse_int(&s, &o->p);
    }
    ok = ok && *s == 0;
  }
  if (!ok)
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--observables: unknown observable '%s' (use xI, xI^2, xI*xJ, norm2, loss, grad_norm2, optionally @p; "
                     "dist2[p,q], dot[p,q], pxyI[p,q])", text);
  if (o->i >= d || o->j >= d)
    return sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' refers to coordinate %d but the problem has dimension %d", text,
                     o->i > o->j ? o->i : o->j, d);
  if (o->p >= P || o->q >= P)
    return sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' refers to particle %d but there are %d", text,
                     o->p > o->q ? o->p : o->q, P);
  return SGDL_OK;
}

/* The kinds evaluated at one gathered point x (g: d doubles of scratch). */
static double point_value(const sgdl_observable *o, const sgdl_problem *prob, const double *x, double *g) {
  if (o->kind == SGDL_OBS_LOSS) return prob->type->loss(prob, x);
  if (o->kind == SGDL_OBS_NAMED) return prob->type->observe(prob, o->i, x);
  prob->type->grad(prob, x, g);
  double s = 0;
  for (int i = 0; i < prob->dim; i++) s += g[i] * g[i];
  return s;
}

int sgdl_observable_parse_for(sgdl_ctx *ctx, const char *text, const sgdl_problem *prob, int P,
                              sgdl_observable *o) {
  const char *const *names = prob->type->observe ? prob->type->observable_names : NULL;
  for (int k = 0; names && names[k]; k++) {
    const size_t n = strlen(names[k]);
    if (strncmp(text, names[k], n) || (text[n] != 0 && text[n] != '@')) continue;
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", text);
    o->kind = SGDL_OBS_NAMED;
    o->i = k;
    const char *s = text + n;
    if (*s == '@' && !(s++, parse_int(&s, &o->p) && *s == 0))
      return sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' must be %s or %s@p", text, names[k], names[k]);
    if (o->p >= P)
      return sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' refers to particle %d but there are %d", text, o->p, P);
    return SGDL_OK;
  }
  int rc = sgdl_observable_parse(ctx, text, prob->dim, P, o);
  if (rc && names && names[0] && !strncmp(ctx->msg, "--observables: unknown", 22)) {
    char list[160] = "";
    for (int k = 0; names[k]; k++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", names[k]);
    size_t len = strlen(ctx->msg);
    snprintf(ctx->msg + len, sizeof ctx->msg - len, "; problem %s also knows %s", prob->type->name, list);
  }
  return rc;
}

/* One lane-vectorised kind at particles (p, q) with sign, accumulated into vals. */
static void lanes_at(const sgdl_observable *o, int p, int q, double sign, const sgdl_problem *prob, int d, int P,
                     int W, const double *restrict x, double *restrict vals, double *xs) {
  const double *xp = x + (size_t)p * d * W, *xq = x + (size_t)q * d * W;
  switch (o->kind) {
    case SGDL_OBS_X:
      for (int l = 0; l < W; l++) vals[l] += sign * xp[(size_t)o->i * W + l];
      return;
    case SGDL_OBS_X2:
      for (int l = 0; l < W; l++) vals[l] += sign * xp[(size_t)o->i * W + l] * xp[(size_t)o->i * W + l];
      return;
    case SGDL_OBS_XX:
      for (int l = 0; l < W; l++) vals[l] += sign * xp[(size_t)o->i * W + l] * xp[(size_t)o->j * W + l];
      return;
    case SGDL_OBS_PXY:
      for (int l = 0; l < W; l++) vals[l] += sign * xp[(size_t)o->i * W + l] * xq[(size_t)o->i * W + l];
      return;
    case SGDL_OBS_NORM2:
    case SGDL_OBS_DIST2:
    case SGDL_OBS_DOT:
      for (int i = 0; i < d; i++)
        for (int l = 0; l < W; l++) {
          const double a = xp[(size_t)i * W + l], b = xq[(size_t)i * W + l];
          vals[l] += sign * (o->kind == SGDL_OBS_NORM2 ? a * a : o->kind == SGDL_OBS_DOT ? a * b : (a - b) * (a - b));
        }
      return;
    case SGDL_OBS_LOSS:
    case SGDL_OBS_GRAD_NORM2:
    case SGDL_OBS_NAMED:
      for (int l = 0; l < W; l++) {
        for (int i = 0; i < d; i++) xs[i] = xp[(size_t)i * W + l];
        vals[l] += sign * point_value(o, prob, xs, xs + d);
      }
      return;
  }
  (void)P;
}

/* The value with its pair difference and control variate, at particles shifted by off. */
static void composed_at(const sgdl_observable *o, int off, const sgdl_problem *prob, int d, int P, int W,
                        const double *x, double *vals, double *xs) {
  const int p = o->p + off, q = o->q + off;
  lanes_at(o, p, q, 1.0, prob, d, P, W, x, vals, xs);
  if (o->shift) lanes_at(o, p + o->shift, q + o->shift, -1.0, prob, d, P, W, x, vals, xs);
  if (o->cv > 0) { /* minus the surrogate half's value of the same (difference) */
    lanes_at(o, p + o->cv, q + o->cv, -1.0, o->cv_prob, d, P, W, x, vals, xs);
    if (o->shift) lanes_at(o, p + o->cv + o->shift, q + o->cv + o->shift, 1.0, o->cv_prob, d, P, W, x, vals, xs);
  }
}

void sgdl_observable_eval_lanes(const sgdl_observable *o, const sgdl_problem *prob, int d, int P, int W,
                                const double *x, double *vals, double *xs) {
  for (int l = 0; l < W; l++) vals[l] = 0;
  composed_at(o, 0, prob, d, P, W, x, vals, xs);
  if (o->anti > 0) { /* the pair's mean: plus the mirror half's value, halved */
    composed_at(o, o->anti, prob, d, P, W, x, vals, xs);
    for (int l = 0; l < W; l++) vals[l] *= 0.5;
  }
}
