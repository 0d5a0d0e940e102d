/* The network passes in single precision (nn_internal.h): loading, forward with the bias and
 * activation fused into one pass after the sgemm, backward with the activation derivative fused
 * into one pass after the sgemm, the weighted gradient sum (which is also the plain SGD step when
 * handed the weights), and whole-set evaluation. FAST kernels only: cblas_sgemm for batches, and
 * at batch 1 the zero-skipping loops of mlp_pass.c written again in float (MNIST digits are ~80%
 * zero pixels). tanh is sgdl_tanh32: the double-precision vector polynomial of sgdlab/vmath.h
 * rounded to float (glibc's tanhf, through expm1f per element, was ~20% of an SMF2 run's time;
 * this one vectorises and is more accurate: it equals tanh in double rounded to float on every float
 * step of 1e-5 over [-12, 12], where tanhf is up to 2 ulp off, tests/test_mlp_problem.c). Changes
 * float32 numbers of tanh networks in the last bits. The float64 passes (mlp_pass.c) stay the reference; tests/test_nn_f32.c checks
 * these against them within float32 rounding; the R-operator's Hessian products at the end are the
 * float versions of mlp_rop.c's (checked against them the same way). Does not: allocate or train. */
#include <math.h>
#include <string.h>
#include <cblas.h>

#include "nn_internal.h"
#include "sgdlab/vmath.h"

enum { REG_WIDTH = 64 }; /* widest first hidden layer the sparse loops accumulate in vectors */
#if defined(__GNUC__) && !defined(__clang__) /* 8-float vectors only pass between static inline helpers: */
#pragma GCC diagnostic ignored "-Wpsabi"      /* no ABI is at stake where AVX is not enabled */
#endif
typedef float v8f __attribute__((vector_size(32)));
static inline v8f load8(const float *p) {
  v8f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void store8(float *p, v8f v) { memcpy(p, &v, sizeof v); }

static const char *const dtype_names[] = {"float64", "float32"};

int sgdl_dtype_parse(const char *name) {
  for (int i = 0; i < 2; i++)
    if (name && strcmp(name, dtype_names[i]) == 0) return i;
  return -1;
}

const char *sgdl_dtype_name(int dtype) { return dtype >= 0 && dtype <= 1 ? dtype_names[dtype] : "?"; }

void sgdl_mlp32_round(size_t n, const double *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = (float)x[i];
}

void sgdl_mlp32_widen(size_t n, const float *x, double *y) {
  for (size_t i = 0; i < n; i++) y[i] = (double)x[i];
}

/* ---------------------------------------------------------------- work and loading */

size_t sgdl_mlp32_work_floats(const sgdl_mlp *m, int cap) {
  size_t n = 4 * (size_t)cap * m->size[0] + 2 * (size_t)cap + (size_t)cap * sgdl_mlp_max_width(m) + m->size[0] + 1;
  for (int l = 1; l <= m->L; l++) n += 2 * (size_t)cap * m->size[l];
  return n;
}

void sgdl_mlp32_work_view(const sgdl_mlp *m, int cap, float *buf, sgdl_mlp_work32 *w) {
  memset(w, 0, sizeof *w);
  w->cap = cap;
  float *p = buf;
  w->x = p, p += (size_t)cap * m->size[0];
  w->y = (int *)p, p += (size_t)cap;
  for (int l = 1; l <= m->L; l++) {
    const size_t n = (size_t)cap * m->size[l];
    w->a[l] = p, p += n;
    w->d[l] = p, p += n;
  }
  w->a[0] = w->x;
  w->tmp = p, p += (size_t)cap * sgdl_mlp_max_width(m);
  w->nz = (int *)p, p += (size_t)cap * m->size[0];
  w->n_nzr = (int *)p, p += (size_t)cap;
  w->col_start = (int *)p, p += (size_t)m->size[0] + 1;
  w->col_row = (int *)p, p += (size_t)cap * m->size[0];
  w->col_val = p;
}

/* Row `row` of x, its label, and its list of nonzero inputs; returns their count. */
static int load_one(const sgdl_mlp *m, const sgdl_imageset *ds, size_t e, int row, sgdl_mlp_work32 *w) {
  const int in = m->size[0];
  const uint8_t *px = ds->images + e * (size_t)ds->dim;
  float *x = w->x + (size_t)row * in;
  int *nz = w->nz + (size_t)row * in, k = 0;
  for (int j = 0; j < in; j++) x[j] = (float)px[j] * (1.0f / 255.0f); /* vectorises */
  int j = 0;
  for (; j + 8 <= in; j += 8) { /* the list: eight pixels at a time, skipping blank runs (image borders) */
    uint64_t eight;
    memcpy(&eight, px + j, 8);
    if (!eight) continue;
    for (int t = j; t < j + 8; t++) {
      nz[k] = t;
      k += px[t] != 0;
    }
  }
  for (; j < in; j++) {
    nz[k] = j;
    k += px[j] != 0;
  }
  w->y[row] = ds->labels[e];
  return w->n_nzr[row] = k;
}

/* The loaded batch's nonzero inputs by column (pixel): col_row / col_val from col_start[j] to
 * col_start[j + 1], examples in ascending order (counting sort of the row lists). */
static void by_column(int in, int B, sgdl_mlp_work32 *w) {
  int *start = w->col_start;
  memset(start, 0, sizeof(int) * ((size_t)in + 1));
  for (int i = 0; i < B; i++) {
    const int *nz = w->nz + (size_t)i * in;
    for (int q = 0; q < w->n_nzr[i]; q++) start[nz[q] + 1]++;
  }
  for (int j = 0; j < in; j++) start[j + 1] += start[j];
  for (int i = 0; i < B; i++) { /* start[j] runs as column j's cursor, then is shifted back */
    const int *nz = w->nz + (size_t)i * in;
    const float *x = w->x + (size_t)i * in;
    for (int q = 0; q < w->n_nzr[i]; q++) {
      const int pos = start[nz[q]]++;
      w->col_row[pos] = i;
      w->col_val[pos] = x[nz[q]];
    }
  }
  for (int j = in; j > 0; j--) start[j] = start[j - 1];
  start[0] = 0;
}

static void loaded(const sgdl_mlp *m, int B, size_t nonzeros, sgdl_mlp_work32 *w) {
  w->n_nz = w->n_nzr[0];
  w->sparse = B > 1 && 3 * nonzeros <= (size_t)B * m->size[0];
  if (w->sparse) by_column(m->size[0], B, w);
}

void sgdl_mlp32_load(const sgdl_mlp *m, const sgdl_imageset *ds, const uint32_t *idx, int B, sgdl_mlp_work32 *w) {
  size_t nonzeros = 0;
  for (int i = 0; i < B; i++) nonzeros += (size_t)load_one(m, ds, idx[i], i, w);
  loaded(m, B, nonzeros, w);
}

void sgdl_mlp32_load_range(const sgdl_mlp *m, const sgdl_imageset *ds, size_t first, int B, sgdl_mlp_work32 *w) {
  size_t nonzeros = 0;
  for (int i = 0; i < B; i++) nonzeros += (size_t)load_one(m, ds, first + (size_t)i, i, w);
  loaded(m, B, nonzeros, w);
}

/* ---------------------------------------------------------------- forward */

/* z[out] += a_j W[j][:] over the nonzero a_j (batch 1). */
static void sparse_row_times(const sgdl_mlp_work32 *w, int first_layer, int in, int out, const float *a,
                             const float *W, float *z) {
  const int nq = first_layer ? w->n_nz : in;
  for (int q = 0; q < nq; q++) {
    const int j = first_layer ? w->nz[q] : q;
    const float aj = a[j];
    if (aj == 0.0f) continue;
    const float *row = W + (size_t)j * out;
    for (int k = 0; k < out; k++) z[k] += aj * row[k];
  }
}

/* Z[i] += x_i W over the nonzero inputs of each example (a batch with sparse inputs). When out is
 * a multiple of 8 up to REG_WIDTH the row of Z accumulates in vectors of 8 floats (registers in
 * the inlined out = 32 copy): elementwise multiply then add, the same operations in the same
 * order as z[k] += x_ij W[j][k] (the project compiles without contraction). */
static inline __attribute__((always_inline)) void first_layer_rows(const sgdl_mlp_work32 *w, int B, int in,
                                                                   int out, const float *W, float *Z) {
  const int nv = out / 8;
  for (int i = 0; i < B; i++) {
    const float *x = w->x + (size_t)i * in;
    const int *nz = w->nz + (size_t)i * in;
    float *z = Z + (size_t)i * out;
    v8f acc[REG_WIDTH / 8];
    for (int v = 0; v < nv; v++) acc[v] = load8(z + 8 * v);
    for (int q = 0; q < w->n_nzr[i]; q++) {
      const float xj = x[nz[q]];
      const float *row = W + (size_t)nz[q] * out;
      for (int v = 0; v < nv; v++) acc[v] += xj * load8(row + 8 * v);
    }
    for (int v = 0; v < nv; v++) store8(z + 8 * v, acc[v]);
  }
}

static void sparse_first_layer(const sgdl_mlp_work32 *w, int B, int in, int out, const float *W, float *Z) {
  if (out == 32) {
    first_layer_rows(w, B, in, 32, W, Z);
  } else if (out % 8 == 0 && out <= REG_WIDTH) {
    first_layer_rows(w, B, in, out, W, Z);
  } else {
    for (int i = 0; i < B; i++) {
      const float *x = w->x + (size_t)i * in;
      const int *nz = w->nz + (size_t)i * in;
      float *restrict z = Z + (size_t)i * out;
      for (int q = 0; q < w->n_nzr[i]; q++) {
        const float xj = x[nz[q]];
        const float *restrict row = W + (size_t)nz[q] * out;
        for (int k = 0; k < out; k++) z[k] += xj * row[k];
      }
    }
  }
}

float sgdl_tanh32(float z) { return (float)sgdl_tanh_poly((double)z); }

/* Z[B][out] = act(Z + b) in one pass (hidden: act; output layer: act < 0, bias only). */
static void bias_activate(int act, int B, int out, const float *b, float *Z) {
  for (int i = 0; i < B; i++) {
    float *z = Z + (size_t)i * out;
    switch (act) {
      case SGDL_ACT_RELU:
        for (int k = 0; k < out; k++) {
          const float v = z[k] + b[k];
          z[k] = v > 0.0f ? v : 0.0f;
        }
        break;
      case SGDL_ACT_TANH:
        for (int k = 0; k < out; k++) z[k] = sgdl_tanh32(z[k] + b[k]);
        break;
      case SGDL_ACT_SIGMOID:
        for (int k = 0; k < out; k++) z[k] = 1.0f / (1.0f + expf(-(z[k] + b[k])));
        break;
      case SGDL_ACT_SOFTPLUS:
        for (int k = 0; k < out; k++) {
          const float v = z[k] + b[k];
          z[k] = v > 0.0f ? v + log1pf(expf(-v)) : log1pf(expf(v));
        }
        break;
      default:
        for (int k = 0; k < out; k++) z[k] += b[k];
    }
  }
}

/* Per-example loss of the output layer (softmax in place for CE); returns the sum in double. */
static double output_loss(const sgdl_mlp *m, int B, sgdl_mlp_work32 *w) {
  const int C = m->size[m->L];
  double total = 0.0;
  for (int i = 0; i < B; i++) {
    float *z = w->a[m->L] + (size_t)i * C;
    if (m->loss == SGDL_LOSS_MSE) {
      float s = 0.0f;
      for (int k = 0; k < C; k++) {
        const float r = z[k] - (k == w->y[i] ? 1.0f : 0.0f);
        s += r * r;
      }
      total += 0.5f * s;
      continue;
    }
    float mx = z[0];
    for (int k = 1; k < C; k++) mx = z[k] > mx ? z[k] : mx;
    const float zy = z[w->y[i]];
    float s = 0.0f;
    for (int k = 0; k < C; k++) {
      z[k] = expf(z[k] - mx);
      s += z[k];
    }
    const float inv = 1.0f / s;
    for (int k = 0; k < C; k++) z[k] *= inv;
    total += (double)(logf(s) + mx - zy);
  }
  return total;
}

double sgdl_mlp32_forward(const sgdl_mlp *m, const float *params, int B, sgdl_mlp_work32 *w) {
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const float *A = w->a[l], *W = params + m->w_off[l], *b = params + m->b_off[l];
    float *Z = w->a[l + 1];
    const int act = l + 1 < m->L ? m->act : -1;
    if (B == 1) {
      memset(Z, 0, (size_t)out * sizeof *Z);
      sparse_row_times(w, l == 0, in, out, A, W, Z);
    } else if (l == 0 && w->sparse) {
      memset(Z, 0, (size_t)B * out * sizeof *Z);
      sparse_first_layer(w, B, in, out, W, Z);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, out, in, 1.0f, A, in, W, out, 0.0f, Z, out);
    }
    bias_activate(act, B, out, b, Z);
  }
  return output_loss(m, B, w);
}

/* ---------------------------------------------------------------- backward and gradients */

/* D[n] *= f'(a) from the post-activation a, in one pass. */
static void times_act_d1(int act, size_t n, const float *a, float *D) {
  switch (act) {
    case SGDL_ACT_RELU:
      for (size_t i = 0; i < n; i++) D[i] = a[i] > 0.0f ? D[i] : 0.0f;
      break;
    case SGDL_ACT_TANH:
      for (size_t i = 0; i < n; i++) D[i] *= 1.0f - a[i] * a[i];
      break;
    case SGDL_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++) D[i] *= a[i] * (1.0f - a[i]);
      break;
    default: /* softplus: sigmoid(z) = 1 - e^{-a} */
      for (size_t i = 0; i < n; i++) D[i] *= -expm1f(-a[i]);
  }
}

void sgdl_mlp32_backward(const sgdl_mlp *m, const float *params, int B, sgdl_mlp_work32 *w) {
  const int C = m->size[m->L];
  memcpy(w->d[m->L], w->a[m->L], (size_t)B * C * sizeof(float));
  for (int i = 0; i < B; i++) w->d[m->L][(size_t)i * C + w->y[i]] -= 1.0f;
  for (int l = m->L - 1; l >= 1; l--) {
    const int n = m->size[l], out = m->size[l + 1];
    const float *W = params + m->w_off[l], *Dn = w->d[l + 1], *A = w->a[l];
    float *D = w->d[l];
    if (B == 1) {
      for (int j = 0; j < n; j++) {
        if (m->act == SGDL_ACT_RELU && A[j] <= 0.0f) {
          D[j] = 0.0f;
          continue;
        }
        const float *row = W + (size_t)j * out;
        float s = 0.0f;
        for (int k = 0; k < out; k++) s += row[k] * Dn[k];
        D[j] = s;
      }
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, out, 1.0f, Dn, out, W, out, 0.0f, D, n);
    }
    times_act_d1(m->act, (size_t)B * n, A, D);
  }
}

/* gW[j][:] += scale x_ij D_i over the nonzero x_ij (the first layer's weight product of a batch
 * with sparse inputs). out a multiple of 8 up to REG_WIDTH: column by column of the input, row j
 * of gW in vectors of 8 floats (registers when out = 32), examples in ascending order within a
 * column, which is the order of the example-by-example loop below: every entry gets the same
 * additions in the same order. */
static inline __attribute__((always_inline)) void first_outer_cols(const sgdl_mlp_work32 *w, int in, int out,
                                                                   const float *D, float scale, float *gW) {
  const int *start = w->col_start, nv = out / 8;
  for (int j = 0; j < in; j++) {
    if (start[j] == start[j + 1]) continue;
    float *row = gW + (size_t)j * out;
    v8f acc[REG_WIDTH / 8];
    for (int v = 0; v < nv; v++) acc[v] = load8(row + 8 * v);
    for (int t = start[j]; t < start[j + 1]; t++) {
      const float c = scale * w->col_val[t], *d = D + (size_t)w->col_row[t] * out;
      for (int v = 0; v < nv; v++) acc[v] += c * load8(d + 8 * v);
    }
    for (int v = 0; v < nv; v++) store8(row + 8 * v, acc[v]);
  }
}

static void sparse_first_outer(const sgdl_mlp_work32 *w, int B, int in, int out, const float *D, float scale,
                               float *gW) {
  if (out == 32) return first_outer_cols(w, in, 32, D, scale, gW);
  if (out % 8 == 0 && out <= REG_WIDTH) return first_outer_cols(w, in, out, D, scale, gW);
  for (int i = 0; i < B; i++) {
    const float *x = w->x + (size_t)i * in, *restrict d = D + (size_t)i * out;
    const int *nz = w->nz + (size_t)i * in;
    for (int q = 0; q < w->n_nzr[i]; q++) {
      const float c = scale * x[nz[q]];
      float *restrict row = gW + (size_t)nz[q] * out;
      for (int k = 0; k < out; k++) row[k] += c * d[k];
    }
  }
}

void sgdl_mlp32_grad_accum(const sgdl_mlp *m, int B, sgdl_mlp_work32 *w, const float *coef, float scale,
                           float *grad) {
  for (int l = 0; l < m->L; l++) {
    const int in = m->size[l], out = m->size[l + 1];
    const float *A = w->a[l], *D = w->d[l + 1];
    float *gW = grad + m->w_off[l], *gb = grad + m->b_off[l];
    if (coef) { /* tmp [B][out] = diag(coef) D */
      for (int i = 0; i < B; i++)
        for (int k = 0; k < out; k++) w->tmp[(size_t)i * out + k] = coef[i] * D[(size_t)i * out + k];
      D = w->tmp;
    }
    if (l == 0 && w->sparse) {
      sparse_first_outer(w, B, in, out, D, scale, gW);
    } else if (B == 1) { /* rank one: gW[j][:] += scale a_j d over the nonzero a_j */
      const int nq = l == 0 ? w->n_nz : in;
      for (int q = 0; q < nq; q++) {
        const int j = l == 0 ? w->nz[q] : q;
        if (A[j] == 0.0f) continue;
        const float c = scale * A[j];
        float *row = gW + (size_t)j * out;
        for (int k = 0; k < out; k++) row[k] += c * D[k];
      }
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, B, scale, A, in, D, out, 1.0f, gW, out);
    }
    for (int i = 0; i < B; i++) {
      const float *d = D + (size_t)i * out;
      for (int k = 0; k < out; k++) gb[k] += scale * d[k];
    }
  }
}

double sgdl_mlp32_evaluate(const sgdl_mlp *m, const float *params, const sgdl_imageset *ds, sgdl_mlp_work32 *w,
                           float *grad32, double *grad64, size_t *correct) {
  const int C = m->size[m->L];
  double total = 0.0;
  size_t ok = 0;
  if (grad64) memset(grad32, 0, m->n_params * sizeof *grad32);
  for (size_t first = 0; first < ds->n; first += (size_t)w->cap) {
    const int B = (int)(ds->n - first < (size_t)w->cap ? ds->n - first : (size_t)w->cap);
    sgdl_mlp32_load_range(m, ds, first, B, w);
    total += sgdl_mlp32_forward(m, params, B, w);
    for (int i = 0; i < B; i++) {
      const float *p = w->a[m->L] + (size_t)i * C;
      int arg = 0;
      for (int k = 1; k < C; k++)
        if (p[k] > p[arg]) arg = k;
      ok += arg == w->y[i];
    }
    if (grad64) {
      sgdl_mlp32_backward(m, params, B, w);
      sgdl_mlp32_grad_accum(m, B, w, NULL, 1.0f, grad32);
    }
  }
  if (grad64)
    for (size_t i = 0; i < m->n_params; i++) grad64[i] = (double)grad32[i] / (double)ds->n;
  if (correct) *correct = ok;
  return total / (double)ds->n;
}

/* ---------------------------------------------------------------- R-operator (Hessian products)
 * The float64 R-op of mlp_rop.c in float (same recurrences, see there), sgemm for the products
 * and the zero-skipping loops for the first layer's two input products (R-forward x V_0 and the
 * R-gradient x^T Rd_1) when the batch's inputs are sparse. */

size_t sgdl_mlp32_rwork_floats(const sgdl_mlp *m, int cap) {
  size_t n = 2 * (size_t)cap * sgdl_mlp_max_width(m);
  for (int l = 1; l <= m->L; l++) n += 2 * (size_t)cap * m->size[l];
  return n;
}

void sgdl_mlp32_rwork_view(const sgdl_mlp *m, int cap, float *buf, sgdl_mlp_rwork32 *r) {
  memset(r, 0, sizeof *r);
  float *p = buf;
  for (int l = 1; l <= m->L; l++) {
    const size_t n = (size_t)cap * m->size[l];
    r->rz[l] = p, p += n;
    r->rd[l] = p, p += n;
  }
  r->t1 = p, p += (size_t)cap * sgdl_mlp_max_width(m);
  r->t2 = p;
}

static inline float act32_d1(int act, float a) {
  switch (act) {
    case SGDL_ACT_TANH: return 1.0f - a * a;
    case SGDL_ACT_SIGMOID: return a * (1.0f - a);
    case SGDL_ACT_SOFTPLUS: return -expm1f(-a);
    default: return a > 0.0f ? 1.0f : 0.0f;
  }
}

static inline float act32_d2(int act, float a) {
  switch (act) {
    case SGDL_ACT_TANH: return -2.0f * a * (1.0f - a * a);
    case SGDL_ACT_SIGMOID: return a * (1.0f - a) * (1.0f - 2.0f * a);
    case SGDL_ACT_SOFTPLUS: {
      const float s = -expm1f(-a);
      return s * (1.0f - s);
    }
    default: return 0.0f;
  }
}

/* T[n] = f'(a) Rz: Ra of a hidden layer. */
static void ra32(int act, size_t n, const float *a, const float *rz, float *T) {
  for (size_t i = 0; i < n; i++) T[i] = act32_d1(act, a[i]) * rz[i];
}

/* Rz_{l+1} = Ra_l W_l + a_l V_l + vb_l for every layer; Rd_L from the output layer. */
static void r_forward32(const sgdl_mlp *m, const float *params, int B, const sgdl_mlp_work32 *w, const float *v,
                        sgdl_mlp_rwork32 *r) {
  const int L = m->L;
  for (int l = 0; l < L; l++) {
    const int in = m->size[l], o = m->size[l + 1];
    const float *W = params + m->w_off[l], *V = v + m->w_off[l], *vb = v + m->b_off[l];
    float *Rz = r->rz[l + 1];
    for (int i = 0; i < B; i++) memcpy(Rz + (size_t)i * o, vb, (size_t)o * sizeof *Rz);
    if (l == 0 && w->sparse)
      sparse_first_layer(w, B, in, o, V, Rz);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, o, in, 1.0f, w->a[l], in, V, o, 1.0f, Rz, o);
    if (l >= 1) {
      ra32(m->act, (size_t)B * in, w->a[l], r->rz[l], r->t1);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, o, in, 1.0f, r->t1, in, W, o, 1.0f, Rz, o);
    }
  }
  const int C = m->size[L];
  for (int i = 0; i < B; i++) {
    const float *p = w->a[L] + (size_t)i * C, *rz = r->rz[L] + (size_t)i * C;
    float *rd = r->rd[L] + (size_t)i * C;
    if (m->loss == SGDL_LOSS_MSE) {
      memcpy(rd, rz, (size_t)C * sizeof *rd);
      continue;
    }
    float pr = 0.0f;
    for (int k = 0; k < C; k++) pr += p[k] * rz[k];
    for (int k = 0; k < C; k++) rd[k] = p[k] * (rz[k] - pr);
  }
}

void sgdl_mlp32_hvp_accum(const sgdl_mlp *m, const float *params, int B, const sgdl_mlp_work32 *w,
                          sgdl_mlp_rwork32 *r, const float *v, float scale, float *out) {
  const int L = m->L;
  r_forward32(m, params, B, w, v, r);
  for (int l = L - 1; l >= 1; l--) { /* R-backward */
    const int n = m->size[l], o = m->size[l + 1];
    const float *W = params + m->w_off[l], *V = v + m->w_off[l];
    float *T1 = r->t1, *T2 = r->t2;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, o, 1.0f, w->d[l + 1], o, W, o, 0.0f, T1, n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, o, 1.0f, r->rd[l + 1], o, W, o, 0.0f, T2, n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, o, 1.0f, w->d[l + 1], o, V, o, 1.0f, T2, n);
    const float *a = w->a[l], *rz = r->rz[l];
    float *rd = r->rd[l];
    for (size_t i = 0; i < (size_t)B * n; i++)
      rd[i] = act32_d2(m->act, a[i]) * rz[i] * T1[i] + act32_d1(m->act, a[i]) * T2[i];
  }
  for (int l = 0; l < L; l++) { /* R-gradient */
    const int in = m->size[l], o = m->size[l + 1];
    float *oW = out + m->w_off[l], *ob = out + m->b_off[l];
    if (l == 0 && w->sparse)
      sparse_first_outer(w, B, in, o, r->rd[1], scale, oW);
    else
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, o, B, scale, w->a[l], in, r->rd[l + 1], o, 1.0f, oW, o);
    if (l >= 1) {
      ra32(m->act, (size_t)B * in, w->a[l], r->rz[l], r->t1);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, o, B, scale, r->t1, in, w->d[l + 1], o, 1.0f, oW, o);
    }
    for (int i = 0; i < B; i++) {
      const float *rd = r->rd[l + 1] + (size_t)i * o;
      for (int k = 0; k < o; k++) ob[k] += scale * rd[k];
    }
  }
}
