/* Network derivatives: backward pass against central finite differences of the loss,
 * R-operator Hessian-vector products against finite differences of gradients and for
 * symmetry, the covariance operator against Sigma_1 built from explicit per-example
 * gradients, and the naive loop kernels against the fast (dgemm / sparse batch-1) kernels
 * for every pass, for each activation. Small synthetic data (written here, ~half zero pixels
 * so the sparse path is exercised). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/nn.h"
#include "sgdlab/rng.h"

enum { NIN = 12, NEX = 9, NCLS = 4 };

static void make_data(sgdl_imageset *ds) {
  memset(ds, 0, sizeof *ds);
  ds->n = NEX;
  ds->rows = 3;
  ds->cols = 4;
  ds->dim = NIN;
  ds->n_classes = NCLS;
  ds->images = malloc(NEX * NIN);
  ds->labels = malloc(NEX);
  double u[NEX * NIN];
  sgdl_rng_uniforms(7, 0, 1, 0, 0, NEX * NIN, u);
  for (int i = 0; i < NEX * NIN; i++) ds->images[i] = u[i] < 0.5 ? 0 : (uint8_t)(255 * u[i]);
  for (int i = 0; i < NEX; i++) ds->labels[i] = (uint8_t)(i % NCLS);
}

/* summed loss over the whole set, naive kernel */
static double total_loss(const sgdl_mlp *m, const double *p, const sgdl_imageset *ds, sgdl_mlp_work *w) {
  sgdl_mlp_load_range(m, ds, 0, (int)ds->n, w);
  return sgdl_mlp_forward(m, p, (int)ds->n, w, SGDL_KERNEL_NAIVE);
}

/* summed gradient, batch B pieces, given kernel */
static void total_grad(const sgdl_mlp *m, const double *p, const sgdl_imageset *ds, sgdl_mlp_work *w,
                       int B, int kernel, double *g) {
  memset(g, 0, m->n_params * sizeof *g);
  for (size_t f = 0; f < ds->n; f += (size_t)B) {
    int b = (int)(ds->n - f < (size_t)B ? ds->n - f : (size_t)B);
    sgdl_mlp_load_range(m, ds, f, b, w);
    sgdl_mlp_forward(m, p, b, w, kernel);
    sgdl_mlp_backward(m, p, b, w, kernel);
    sgdl_mlp_grad_accum(m, b, w, NULL, 1.0, g, kernel);
  }
}

static void total_hvp(const sgdl_mlp *m, const double *p, const sgdl_imageset *ds, sgdl_mlp_work *w,
                      int B, int kernel, const double *v, double *out) {
  memset(out, 0, m->n_params * sizeof *out);
  for (size_t f = 0; f < ds->n; f += (size_t)B) {
    int b = (int)(ds->n - f < (size_t)B ? ds->n - f : (size_t)B);
    sgdl_mlp_load_range(m, ds, f, b, w);
    sgdl_mlp_forward(m, p, b, w, kernel);
    sgdl_mlp_backward(m, p, b, w, kernel);
    sgdl_mlp_hvp_accum(m, p, b, w, v, 1.0, out, kernel);
  }
}

static double maxrel(size_t n, const double *a, const double *b) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < n; i++) {
    num = fmax(num, fabs(a[i] - b[i]));
    den = fmax(den, fabs(b[i]));
  }
  return num / (den > 0 ? den : 1.0);
}

static void run_act(int act) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_imageset ds;
  make_data(&ds);
  const int hidden[2] = {7, 5};
  sgdl_mlp m;
  CHECK(sgdl_mlp_init(&ctx, &m, NIN, hidden, 2, NCLS, act) == 0, "init");
  CHECK(m.n_params == (size_t)(NIN * 7 + 7 + 7 * 5 + 5 + 5 * NCLS + NCLS), "slab length %zu", m.n_params);
  const size_t n = m.n_params;
  double *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g), *gfd = malloc(n * sizeof *g);
  double *v = malloc(n * sizeof *v), *u = malloc(n * sizeof *u), *hv = malloc(n * sizeof *v);
  double *hu = malloc(n * sizeof *v), *hfd = malloc(n * sizeof *v), *g2 = malloc(n * sizeof *v);
  double *pp = malloc(n * sizeof *p);
  sgdl_mlp_init_params(&m, 3, p);
  /* nonzero biases so every bias path is exercised */
  double z[256];
  sgdl_rng_normals(11, 0, 1, 0, 0, n < 256 ? n : 256, z);
  for (int l = 0; l < m.L; l++)
    for (int k = 0; k < m.size[l + 1]; k++) p[m.b_off[l] + k] = 0.3 * z[(l * 17 + k) % 256];
  sgdl_rng_normals(12, 0, 1, 0, 0, n, v);
  sgdl_rng_normals(13, 0, 1, 0, 0, n, u);
  sgdl_mlp_work w;
  CHECK(sgdl_mlp_work_alloc(&ctx, &m, NEX, &w) == 0, "work");

  /* 1. gradient vs central differences of the summed loss */
  total_grad(&m, p, &ds, &w, NEX, SGDL_KERNEL_NAIVE, g);
  const double h = 1e-6;
  for (size_t i = 0; i < n; i++) {
    memcpy(pp, p, n * sizeof *p);
    pp[i] = p[i] + h;
    double lp = total_loss(&m, pp, &ds, &w);
    pp[i] = p[i] - h;
    double lm = total_loss(&m, pp, &ds, &w);
    gfd[i] = (lp - lm) / (2 * h);
  }
  double e = maxrel(n, g, gfd);
  CHECK(e < 1e-7, "%s: backward vs finite differences: max rel err %.3g", sgdl_act_name(act), e);

  /* 2. naive vs fast gradient, batch 1 (sparse path) and batch 4 (dgemm) */
  total_grad(&m, p, &ds, &w, 1, SGDL_KERNEL_FAST, g2);
  e = maxrel(n, g2, g);
  CHECK(e < 1e-13, "%s: fast batch-1 gradient vs naive: %.3g", sgdl_act_name(act), e);
  total_grad(&m, p, &ds, &w, 4, SGDL_KERNEL_FAST, g2);
  e = maxrel(n, g2, g);
  CHECK(e < 1e-13, "%s: dgemm batch-4 gradient vs naive: %.3g", sgdl_act_name(act), e);
  for (int B = 1; B <= 4; B += 3) {
    sgdl_mlp_load_range(&m, &ds, 2, B, &w);
    double l1 = sgdl_mlp_forward(&m, p, B, &w, SGDL_KERNEL_NAIVE);
    double l2 = sgdl_mlp_forward(&m, p, B, &w, SGDL_KERNEL_FAST);
    CHECK_REL(l2, l1, 1e-13, "forward loss fast vs naive");
  }

  /* 3. Hessian-vector product: R-op vs differences of gradients, and u.Hv = v.Hu */
  total_hvp(&m, p, &ds, &w, NEX, SGDL_KERNEL_NAIVE, v, hv);
  const double hh = 1e-5;
  for (size_t i = 0; i < n; i++) pp[i] = p[i] + hh * v[i];
  total_grad(&m, pp, &ds, &w, NEX, SGDL_KERNEL_NAIVE, g);
  for (size_t i = 0; i < n; i++) pp[i] = p[i] - hh * v[i];
  total_grad(&m, pp, &ds, &w, NEX, SGDL_KERNEL_NAIVE, g2);
  for (size_t i = 0; i < n; i++) hfd[i] = (g[i] - g2[i]) / (2 * hh);
  e = maxrel(n, hv, hfd);
  CHECK(e < 1e-6, "%s: R-op Hv vs gradient differences: %.3g", sgdl_act_name(act), e);
  total_hvp(&m, p, &ds, &w, NEX, SGDL_KERNEL_NAIVE, u, hu);
  double uhv = 0, vhu = 0;
  for (size_t i = 0; i < n; i++) {
    uhv += u[i] * hv[i];
    vhu += v[i] * hu[i];
  }
  CHECK_REL(uhv, vhu, 1e-12, "Hessian symmetry u.Hv = v.Hu");
  total_hvp(&m, p, &ds, &w, 4, SGDL_KERNEL_FAST, v, g2);
  e = maxrel(n, g2, hv);
  CHECK(e < 1e-12, "%s: fast Hv vs naive: %.3g", sgdl_act_name(act), e);

  /* 4. gradient dots and the covariance operator against explicit per-example gradients */
  double *G = calloc((size_t)NEX * n, sizeof *G), gbar[512], sv[NEX], sv2[NEX];
  for (int i = 0; i < NEX; i++) {
    sgdl_mlp_load_range(&m, &ds, (size_t)i, 1, &w);
    sgdl_mlp_forward(&m, p, 1, &w, SGDL_KERNEL_NAIVE);
    sgdl_mlp_backward(&m, p, 1, &w, SGDL_KERNEL_NAIVE);
    sgdl_mlp_grad_accum(&m, 1, &w, NULL, 1.0, G + (size_t)i * n, SGDL_KERNEL_NAIVE);
    sgdl_mlp_grad_dots(&m, 1, &w, v, sv2 + i, SGDL_KERNEL_FAST);
  }
  sgdl_mlp_load_range(&m, &ds, 0, NEX, &w);
  sgdl_mlp_forward(&m, p, NEX, &w, SGDL_KERNEL_FAST);
  sgdl_mlp_backward(&m, p, NEX, &w, SGDL_KERNEL_FAST);
  sgdl_mlp_grad_dots(&m, NEX, &w, v, sv, SGDL_KERNEL_FAST);
  for (int i = 0; i < NEX; i++) {
    double ref = 0;
    for (size_t j = 0; j < n; j++) ref += G[(size_t)i * n + j] * v[j];
    CHECK_REL(sv[i], ref, 1e-12, "grad dot (batch)");
    CHECK_REL(sv2[i], ref, 1e-12, "grad dot (batch 1 sparse)");
  }
  CHECK(n <= 512, "gbar buffer");
  for (size_t j = 0; j < n; j++) {
    gbar[j] = 0;
    for (int i = 0; i < NEX; i++) gbar[j] += G[(size_t)i * n + j] / NEX;
  }
  sgdl_mlp_work w4;
  sgdl_mlp_work_alloc(&ctx, &m, 4, &w4);
  sgdl_mlp_op op = {&m, p, &ds, &w4, gbar, 0.5};
  sgdl_mlp_cov_mv(&op, v, hv);
  /* reference: 0.5 * (1/N) sum_i (gbar - g_i)(gbar - g_i)^T v */
  for (size_t j = 0; j < n; j++) hfd[j] = 0;
  for (int i = 0; i < NEX; i++) {
    double dotv = 0;
    for (size_t j = 0; j < n; j++) dotv += (gbar[j] - G[(size_t)i * n + j]) * v[j];
    for (size_t j = 0; j < n; j++) hfd[j] += 0.5 / NEX * (gbar[j] - G[(size_t)i * n + j]) * dotv;
  }
  e = maxrel(n, hv, hfd);
  CHECK(e < 1e-11, "%s: covariance operator vs explicit Sigma_1 v: %.3g", sgdl_act_name(act), e);
  /* Hessian operator = mean-loss Hessian */
  op.scale = 1.0;
  sgdl_mlp_hess_mv(&op, v, hv);
  total_hvp(&m, p, &ds, &w, NEX, SGDL_KERNEL_NAIVE, v, hfd);
  for (size_t j = 0; j < n; j++) hfd[j] /= NEX;
  e = maxrel(n, hv, hfd);
  CHECK(e < 1e-12, "hess_mv vs summed R-op / N: %.3g", e);

  sgdl_mlp_work_free(&w4);
  sgdl_mlp_work_free(&w);
  free(G);
  free(p), free(g), free(gfd), free(v), free(u), free(hv), free(hu), free(hfd), free(g2), free(pp);
  free(ds.images);
  free(ds.labels);
}

int main(void) {
  run_act(SGDL_ACT_RELU);
  run_act(SGDL_ACT_TANH);
  run_act(SGDL_ACT_SIGMOID);
  return check_done();
}
