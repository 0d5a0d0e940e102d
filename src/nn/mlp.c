/* Network layout over one parameter slab, initial weights, batch buffers and batch loading.
 * The passes themselves are in mlp_pass.c (forward, backward, gradients) and mlp_rop.c
 * (Hessian-vector products). Nothing here allocates after sgdl_mlp_work_alloc. */
#include <math.h>
#include <string.h>

#include "nn_internal.h"
#include "sgdlab/rng.h"

static const char *const act_names[] = {"relu", "tanh", "sigmoid", "softplus"};
static const char *const loss_names[] = {"ce", "mse"};

const char *sgdl_act_name(int act) { return act >= 0 && act <= 3 ? act_names[act] : "?"; }

int sgdl_act_parse(const char *name) {
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, act_names[i]) == 0) return i;
  return -1;
}

const char *sgdl_loss_name(int loss) { return loss >= 0 && loss <= 1 ? loss_names[loss] : "?"; }

int sgdl_loss_parse(const char *name) {
  for (int i = 0; i < 2; i++)
    if (name && strcmp(name, loss_names[i]) == 0) return i;
  return -1;
}

int sgdl_mlp_init(sgdl_ctx *ctx, sgdl_mlp *m, int n_in, const int *hidden, int n_hidden, int n_out,
                  int act) {
  memset(m, 0, sizeof *m);
  if (n_hidden < 0 || n_hidden > SGDL_MLP_MAX_LAYERS - 1)
    return sgdl_fail(ctx, SGDL_EINVAL, "--hidden: %d hidden layers, at most %d", n_hidden,
                     SGDL_MLP_MAX_LAYERS - 1);
  if (act < 0 || act > 3) return sgdl_fail(ctx, SGDL_EINVAL, "--act: unknown activation %d", act);
  if (n_in < 1 || n_out < 2)
    return sgdl_fail(ctx, SGDL_EINVAL, "network needs at least 1 input and 2 classes (got %d, %d)", n_in, n_out);
  m->L = n_hidden + 1;
  m->act = act;
  m->size[0] = n_in;
  for (int i = 0; i < n_hidden; i++) {
    if (hidden[i] < 1 || hidden[i] > (1 << 16))
      return sgdl_fail(ctx, SGDL_EINVAL, "--hidden: layer %d has width %d, expected 1..65536", i + 1, hidden[i]);
    m->size[i + 1] = hidden[i];
  }
  m->size[m->L] = n_out;
  size_t off = 0;
  for (int l = 0; l < m->L; l++) {
    m->w_off[l] = off;
    off += (size_t)m->size[l] * m->size[l + 1];
    m->b_off[l] = off;
    off += (size_t)m->size[l + 1];
  }
  m->n_params = off;
  return SGDL_OK;
}

int sgdl_mlp_max_width(const sgdl_mlp *m) {
  int w = 0;
  for (int l = 0; l <= m->L; l++)
    if (m->size[l] > w) w = m->size[l];
  return w;
}

void sgdl_mlp_init_params(const sgdl_mlp *m, uint32_t seed, double *params) {
  memset(params, 0, m->n_params * sizeof *params);
  for (int l = 0; l < m->L; l++) {
    size_t n = (size_t)m->size[l] * m->size[l + 1];
    /* He initialisation for ReLU keeps the forward variance constant; 1/fan_in otherwise. */
    double gain = m->act == SGDL_ACT_RELU ? 2.0 : 1.0; /* softplus: 1, like the smooth ones */
    double sd = sqrt(gain / m->size[l]);
    double *W = params + m->w_off[l];
    /* stream = layer: the layers' draws are independent and do not depend on the other widths */
    sgdl_rng_normals(seed, 0, 1, 0, SGDL_PURPOSE(SGDL_RNG_INIT, l, 0), n, W);
    for (size_t i = 0; i < n; i++) W[i] *= sd;
  }
}

int sgdl_mlp_work_alloc(sgdl_ctx *ctx, const sgdl_mlp *m, int cap, sgdl_mlp_work *w) {
  memset(w, 0, sizeof *w);
  if (cap < 1) return sgdl_fail(ctx, SGDL_EINVAL, "batch capacity %d < 1", cap);
  w->cap = cap;
  int mw = sgdl_mlp_max_width(m);
  int ok = 1;
  ok &= (w->x = sgdl_alloc(ctx, (size_t)cap * m->size[0], sizeof(double))) != NULL;
  ok &= (w->y = sgdl_alloc(ctx, (size_t)cap, sizeof(int))) != NULL;
  for (int l = 1; ok && l <= m->L; l++) {
    size_t n = (size_t)cap * m->size[l];
    ok &= (w->a[l] = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
    ok &= (w->d[l] = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
    ok &= (w->ra[l] = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
    ok &= (w->rd[l] = sgdl_alloc(ctx, n, sizeof(double))) != NULL;
  }
  w->a[0] = w->x;
  ok = ok && (w->loss = sgdl_alloc(ctx, (size_t)cap, sizeof(double))) != NULL;
  ok = ok && (w->s = sgdl_alloc(ctx, (size_t)cap, sizeof(double))) != NULL;
  ok = ok && (w->tmp = sgdl_alloc(ctx, 2 * (size_t)cap * mw, sizeof(double))) != NULL;
  ok = ok && (w->nz = sgdl_alloc(ctx, (size_t)m->size[0], sizeof(int))) != NULL;
  if (!ok) {
    sgdl_mlp_work_free(w);
    return SGDL_ENOMEM;
  }
  return SGDL_OK;
}

size_t sgdl_mlp_work_doubles(const sgdl_mlp *m, int cap) {
  size_t n = (size_t)cap * m->size[0] + (size_t)cap + 3 * (size_t)cap + 2 * (size_t)cap * sgdl_mlp_max_width(m) +
             (size_t)m->size[0];
  for (int l = 1; l <= m->L; l++) n += 4 * (size_t)cap * m->size[l];
  return n; /* the int arrays (y, nz) take a double each per entry: generous, simple */
}

void sgdl_mlp_work_view(const sgdl_mlp *m, int cap, double *buf, sgdl_mlp_work *w) {
  memset(w, 0, sizeof *w);
  w->cap = cap;
  double *p = buf;
  w->x = p, p += (size_t)cap * m->size[0];
  w->y = (int *)p, p += (size_t)cap;
  for (int l = 1; l <= m->L; l++) {
    const size_t n = (size_t)cap * m->size[l];
    w->a[l] = p, p += n;
    w->d[l] = p, p += n;
    w->ra[l] = p, p += n;
    w->rd[l] = p, p += n;
  }
  w->a[0] = w->x;
  w->loss = p, p += (size_t)cap;
  w->s = p, p += (size_t)cap;
  w->tmp = p, p += 2 * (size_t)cap * sgdl_mlp_max_width(m);
  w->nz = (int *)p;
}

void sgdl_mlp_work_free(sgdl_mlp_work *w) {
  sgdl_free(w->x);
  sgdl_free(w->y);
  for (int l = 1; l <= SGDL_MLP_MAX_LAYERS; l++) {
    sgdl_free(w->a[l]);
    sgdl_free(w->d[l]);
    sgdl_free(w->ra[l]);
    sgdl_free(w->rd[l]);
  }
  sgdl_free(w->loss);
  sgdl_free(w->s);
  sgdl_free(w->tmp);
  sgdl_free(w->nz);
  memset(w, 0, sizeof *w);
}

static void load_one(const sgdl_mlp *m, const sgdl_imageset *ds, size_t e, int row, sgdl_mlp_work *w) {
  const uint8_t *px = ds->images + e * (size_t)ds->dim;
  double *x = w->x + (size_t)row * m->size[0];
  for (int j = 0; j < m->size[0]; j++) x[j] = px[j] * (1.0 / 255.0);
  w->y[row] = ds->labels[e];
}

static void list_nonzeros(const sgdl_mlp *m, sgdl_mlp_work *w) {
  int k = 0;
  for (int j = 0; j < m->size[0]; j++)
    if (w->x[j] != 0.0) w->nz[k++] = j;
  w->n_nz = k;
}

void sgdl_mlp_load(const sgdl_mlp *m, const sgdl_imageset *ds, const uint32_t *idx, int B,
                   sgdl_mlp_work *w) {
  for (int i = 0; i < B; i++) load_one(m, ds, idx[i], i, w);
  if (B == 1) list_nonzeros(m, w);
}

void sgdl_mlp_load_range(const sgdl_mlp *m, const sgdl_imageset *ds, size_t first, int B,
                         sgdl_mlp_work *w) {
  for (int i = 0; i < B; i++) load_one(m, ds, first + (size_t)i, i, w);
  if (B == 1) list_nonzeros(m, w);
}
