/* Exact Hessian-vector products of the summed loss by Pearlmutter's R-operator: the forward
 * and backward passes differentiated in the direction v of parameter space. Cost: about
 * two more forward/backward passes; no finite-difference step, no rounding blow-up.
 *
 *   R-forward:   Rz_{l+1} = Ra_l W_l + a_l V_l + vb_l,  Ra_l = f'(z_l) Rz_l,  Ra_0 = 0
 *   R-backward:  Rd_L = p * Rz_L - p (p . Rz_L)                       (softmax Jacobian, CE)
 *                Rd_L = Rz_L                                         (MSE: linear outputs)
 *                Rd_l = f''(z_l) Rz_l * (d_{l+1} W_l^T) + f'(z_l) * (Rd_{l+1} W_l^T + d_{l+1} V_l^T)
 *   R-gradient:  R gW_l = Ra_l^T d_{l+1} + a_l^T Rd_{l+1},   R gb_l = sum_i Rd_{l+1}
 * Buffers: ra[l] holds Rz_l, rd[l] holds Rd_l, both [B][size[l]].
 * Does not: run the forward and backward passes (the caller's sgdl_mlp_forward and
 * sgdl_mlp_backward at params fill a[] and d[] first), allocate, or see ReLU's kinks (f'' = 0).
 * The float32 version is at the end of mlp_f32.c. */
#include <string.h>

#include "nn_internal.h"

/* T[B][n] = f'(a) * Rz (Ra of a hidden layer) */
static void ra_post(int act, size_t n, const double *a, const double *rz, double *T) {
  for (size_t i = 0; i < n; i++) T[i] = sgdl_act_d1(act, a[i]) * rz[i];
}

void sgdl_mlp_hvp_accum(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w,
                        const double *v, double scale, double *out, int kernel) {
  const int L = m->L;
  const size_t mw = (size_t)w->cap * sgdl_mlp_max_width(m);
  double *T1 = w->tmp, *T2 = w->tmp + mw;
  for (int l = 0; l < L; l++) {
    const int in = m->size[l], o = m->size[l + 1];
    const double *W = params + m->w_off[l], *V = v + m->w_off[l], *vb = v + m->b_off[l];
    double *Rz = w->ra[l + 1];
    for (int i = 0; i < B; i++) memcpy(Rz + (size_t)i * o, vb, (size_t)o * sizeof *Rz);
    sgdl_nn_mm(kernel, 0, 0, B, o, in, 1.0, w->a[l], in, V, o, 1.0, Rz, o);
    if (l >= 1) {
      ra_post(m->act, (size_t)B * in, w->a[l], w->ra[l], T1);
      sgdl_nn_mm(kernel, 0, 0, B, o, in, 1.0, T1, in, W, o, 1.0, Rz, o);
    }
  }
  const int C = m->size[L];
  for (int i = 0; i < B; i++) {
    const double *p = w->a[L] + (size_t)i * C, *rz = w->ra[L] + (size_t)i * C;
    double *rd = w->rd[L] + (size_t)i * C;
    if (m->loss == SGDL_LOSS_MSE) {
      memcpy(rd, rz, (size_t)C * sizeof *rd);
      continue;
    }
    double pr = 0.0;
    for (int k = 0; k < C; k++) pr += p[k] * rz[k];
    for (int k = 0; k < C; k++) rd[k] = p[k] * (rz[k] - pr);
  }
  for (int l = L - 1; l >= 1; l--) {
    const int n = m->size[l], o = m->size[l + 1];
    const double *W = params + m->w_off[l], *V = v + m->w_off[l];
    sgdl_nn_mm(kernel, 0, 1, B, n, o, 1.0, w->d[l + 1], o, W, o, 0.0, T1, n);   /* d_{l+1} W^T */
    sgdl_nn_mm(kernel, 0, 1, B, n, o, 1.0, w->rd[l + 1], o, W, o, 0.0, T2, n);  /* Rd_{l+1} W^T */
    sgdl_nn_mm(kernel, 0, 1, B, n, o, 1.0, w->d[l + 1], o, V, o, 1.0, T2, n);   /* + d_{l+1} V^T */
    const double *a = w->a[l], *rz = w->ra[l];
    double *rd = w->rd[l];
    for (size_t i = 0; i < (size_t)B * n; i++)
      rd[i] = sgdl_act_d2(m->act, a[i]) * rz[i] * T1[i] + sgdl_act_d1(m->act, a[i]) * T2[i];
  }
  for (int l = 0; l < L; l++) {
    const int in = m->size[l], o = m->size[l + 1];
    double *oW = out + m->w_off[l], *ob = out + m->b_off[l];
    sgdl_nn_mm(kernel, 1, 0, in, o, B, scale, w->a[l], in, w->rd[l + 1], o, 1.0, oW, o);
    if (l >= 1) {
      ra_post(m->act, (size_t)B * in, w->a[l], w->ra[l], T1);
      sgdl_nn_mm(kernel, 1, 0, in, o, B, scale, T1, in, w->d[l + 1], o, 1.0, oW, o);
    }
    for (int i = 0; i < B; i++)
      for (int k = 0; k < o; k++) ob[k] += scale * w->rd[l + 1][(size_t)i * o + k];
  }
}
