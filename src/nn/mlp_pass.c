/* Forward pass, backward pass, and the two things computed from one backward pass: weighted
 * sums of per-example gradients and per-example gradient dot products. Every product goes
 * through sgdl_nn_mm (naive loops or dgemm); with the FAST kernel at batch 1 the products
 * skip zero inputs instead (MNIST digits are ~80% zero pixels, ReLU layers ~50% zero), which
 * is where the batch-1 speed comes from. The R-operator pass is in mlp_rop.c. */
#include <math.h>
#include <string.h>

#include "nn_internal.h"

/* z[out] += a_j * W[j][:] for the nonzero inputs a_j: the batch-1 product a W. */
static void sparse_row_times(const sgdl_mlp_work *w, int first_layer, int in, int out,
                             const double *a, const double *W, double *z) {
  if (first_layer) {
    for (int t = 0; t < w->n_nz; t++) {
      int j = w->nz[t];
      const double aj = a[j], *row = W + (size_t)j * out;
      for (int k = 0; k < out; k++) z[k] += aj * row[k];
    }
  } else {
    for (int j = 0; j < in; j++) {
      const double aj = a[j];
      if (aj == 0.0) continue;
      const double *row = W + (size_t)j * out;
      for (int k = 0; k < out; k++) z[k] += aj * row[k];
    }
  }
}

static void activate(int act, size_t n, double *z) {
  switch (act) {
    case SGDL_ACT_TANH:
      for (size_t i = 0; i < n; i++) z[i] = tanh(z[i]);
      break;
    case SGDL_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++) z[i] = 1.0 / (1.0 + exp(-z[i]));
      break;
    case SGDL_ACT_SOFTPLUS: /* log(1 + e^z) without overflow */
      for (size_t i = 0; i < n; i++) z[i] = z[i] > 0.0 ? z[i] + log1p(exp(-z[i])) : log1p(exp(z[i]));
      break;
    default:
      for (size_t i = 0; i < n; i++) z[i] = z[i] > 0.0 ? z[i] : 0.0;
  }
}

double sgdl_mlp_forward(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w, int kernel) {
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const double *A = w->a[l];  /* [B][in] */
    double *Z = w->a[l + 1];    /* [B][out] */
    const double *W = params + m->w_off[l], *b = params + m->b_off[l];
    for (int i = 0; i < B; i++) memcpy(Z + (size_t)i * out, b, (size_t)out * sizeof *Z);
    if (kernel == SGDL_KERNEL_FAST && B == 1)
      sparse_row_times(w, l == 0, in, out, A, W, Z);
    else
      sgdl_nn_mm(kernel, 0, 0, B, out, in, 1.0, A, in, W, out, 1.0, Z, out);
    if (l + 1 < m->L) activate(m->act, (size_t)B * out, Z);
  }
  const int C = m->size[m->L];
  double total = 0.0;
  if (m->loss == SGDL_LOSS_MSE) { /* linear outputs, 1/2 |z - e_y|^2 */
    for (int i = 0; i < B; i++) {
      const double *z = w->a[m->L] + (size_t)i * C;
      double s = 0.0;
      for (int k = 0; k < C; k++) {
        const double r = z[k] - (k == w->y[i] ? 1.0 : 0.0);
        s += r * r;
      }
      w->loss[i] = 0.5 * s;
      total += w->loss[i];
    }
    return total;
  }
  /* softmax and cross-entropy, shifted by the max for stability */
  for (int i = 0; i < B; i++) {
    double *z = w->a[m->L] + (size_t)i * C;
    double mx = z[0];
    for (int k = 1; k < C; k++) mx = z[k] > mx ? z[k] : mx;
    const double zy = z[w->y[i]];
    double s = 0.0;
    for (int k = 0; k < C; k++) {
      z[k] = exp(z[k] - mx);
      s += z[k];
    }
    for (int k = 0; k < C; k++) z[k] /= s;
    w->loss[i] = log(s) + mx - zy;
    total += w->loss[i];
  }
  return total;
}

void sgdl_mlp_backward(const sgdl_mlp *m, const double *params, int B, sgdl_mlp_work *w, int kernel) {
  const int C = m->size[m->L];
  /* d_L = p - onehot(y) (CE), z - onehot(y) (MSE): both are a[L] - onehot(y) */
  memcpy(w->d[m->L], w->a[m->L], (size_t)B * C * sizeof(double));
  for (int i = 0; i < B; i++) w->d[m->L][(size_t)i * C + w->y[i]] -= 1.0;
  for (int l = m->L - 1; l >= 1; l--) {
    const int n = m->size[l], out = m->size[l + 1];
    const double *W = params + m->w_off[l];  /* [n][out] */
    const double *Dn = w->d[l + 1];          /* [B][out] */
    double *D = w->d[l];                     /* [B][n] */
    const double *A = w->a[l];
    if (kernel == SGDL_KERNEL_FAST && B == 1) {
      for (int j = 0; j < n; j++) {
        const double fp = sgdl_act_d1(m->act, A[j]);
        if (fp == 0.0) {
          D[j] = 0.0;
          continue;
        }
        const double *row = W + (size_t)j * out;
        double s = 0.0;
        for (int k = 0; k < out; k++) s += row[k] * Dn[k];
        D[j] = fp * s;
      }
    } else {
      sgdl_nn_mm(kernel, 0, 1, B, n, out, 1.0, Dn, out, W, out, 0.0, D, n);
      for (size_t i = 0; i < (size_t)B * n; i++) D[i] *= sgdl_act_d1(m->act, A[i]);
    }
  }
}

void sgdl_mlp_grad_accum(const sgdl_mlp *m, int B, sgdl_mlp_work *w, const double *coef,
                         double scale, double *grad, int kernel) {
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const double *A = w->a[l];       /* [B][in] */
    const double *D = w->d[l + 1];   /* [B][out] */
    double *gW = grad + m->w_off[l], *gb = grad + m->b_off[l];
    if (coef) { /* tmp [B][out] = diag(coef) D */
      for (int i = 0; i < B; i++)
        for (int k = 0; k < out; k++) w->tmp[(size_t)i * out + k] = coef[i] * D[(size_t)i * out + k];
      D = w->tmp;
    }
    if (kernel == SGDL_KERNEL_FAST && B == 1) {
      /* rank one: gW[j][:] += scale a_j d, only for nonzero a_j */
      if (l == 0) {
        for (int t = 0; t < w->n_nz; t++) {
          int j = w->nz[t];
          const double c = scale * A[j];
          double *row = gW + (size_t)j * out;
          for (int k = 0; k < out; k++) row[k] += c * D[k];
        }
      } else {
        for (int j = 0; j < in; j++) {
          if (A[j] == 0.0) continue;
          const double c = scale * A[j];
          double *row = gW + (size_t)j * out;
          for (int k = 0; k < out; k++) row[k] += c * D[k];
        }
      }
    } else {
      sgdl_nn_mm(kernel, 1, 0, in, out, B, scale, A, in, D, out, 1.0, gW, out);
    }
    for (int i = 0; i < B; i++)
      for (int k = 0; k < out; k++) gb[k] += scale * D[(size_t)i * out + k];
  }
}

void sgdl_mlp_grad_dots(const sgdl_mlp *m, int B, sgdl_mlp_work *w, const double *v, double *s,
                        int kernel) {
  for (int i = 0; i < B; i++) s[i] = 0.0;
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const double *A = w->a[l], *D = w->d[l + 1];
    const double *V = v + m->w_off[l], *vb = v + m->b_off[l];
    double *T = w->tmp; /* [B][out] = A V_l + vb: grad_W l_i . V = a_i V d_i */
    for (int i = 0; i < B; i++) memcpy(T + (size_t)i * out, vb, (size_t)out * sizeof *T);
    if (kernel == SGDL_KERNEL_FAST && B == 1)
      sparse_row_times(w, l == 0, in, out, A, V, T);
    else
      sgdl_nn_mm(kernel, 0, 0, B, out, in, 1.0, A, in, V, out, 1.0, T, out);
    for (int i = 0; i < B; i++) {
      double acc = 0.0;
      for (int k = 0; k < out; k++) acc += T[(size_t)i * out + k] * D[(size_t)i * out + k];
      s[i] += acc;
    }
  }
}
