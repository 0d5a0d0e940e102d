/* Hessian-vector products against central finite differences of the gradient (Richardson over
 * steps e and e/2, so the error is O(e^4)), the second reader's checks of the R-op and of logreg's
 * curvature pair:
 *   - mlp (src/nn/mlp_rop.c and the float32 R-op of mlp_f32.c through the problem's hvp): tanh,
 *     softplus and sigmoid, CE and MSE, 0, 1 and 2 hidden layers, float64 (relative 1e-8 of the
 *     product's largest entry) and float32 (3e-6), on a dense set of 12 examples and on a sparse
 *     set of 150 (the float32 sparse first layer, widths 16 and 5, several chunks of examples);
 *     the reference is the float64 gradient's difference quotient in both dtypes;
 *   - logreg (src/problem/logreg.c): hvp_curv_lanes from the C of grad_sum_curv_lanes at the same X,
 *     d = 3, 8, 50 (the chunk kernel and the GEMM-ordered one), l2 = 0, 0.01, 0.7, W = 77 lanes
 *     (a partial chunk of 16), at moderate and at large margins (relative 1e-7 per lane).
 * Does not: check bitwise agreement between kernels (test_curv_hvp, test_mlp_problem do) or ReLU
 * (its products drop the kinks, which a difference quotient across a kink does not). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/problem.h"
#include "sgdlab/rng.h"
#include "tiny_idx.h"

enum { NDENSE = 12, NSPARSE = 150, PIX = 4, CLS = 3 };
static char dense_dir[128], sparse_dir[160];

static void write_sets(void) {
  snprintf(dense_dir, sizeof dense_dir, "/tmp/sgdl_test_hvp_fd_%d", (int)getpid());
  snprintf(sparse_dir, sizeof sparse_dir, "%s/sparse", dense_dir);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", sparse_dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  static unsigned char px[NDENSE][PIX], ps[NSPARSE][PIX];
  unsigned s = 12345;
  for (int i = 0; i < NDENSE; i++)
    for (int j = 0; j < PIX; j++) px[i][j] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16) % 7 == 0 ? 0 : (s >> 20) & 255;
  for (int i = 0; i < NSPARSE; i++) ps[i][(i * 7 + i / 5) % PIX] = (unsigned char)(40 + (i * 37) % 216);
  tiny_idx_write_pair(dense_dir, "train", NDENSE, &px[0][0], CLS);
  tiny_idx_write_pair(dense_dir, "t10k", NDENSE, &px[0][0], CLS);
  tiny_idx_write_pair(sparse_dir, "train", NSPARSE, &ps[0][0], CLS);
  tiny_idx_write_pair(sparse_dir, "t10k", NDENSE, &ps[0][0], CLS);
}

/* fd = Richardson-extrapolated central difference of grad along v at x (scratch y, g: 4 d). */
static void fd_hvp(const sgdl_problem *p, const double *x, const double *v, double e, double *y, double *g, double *fd) {
  const int d = p->dim;
  const double steps[4] = {e, -e, e / 2, -e / 2};
  for (int k = 0; k < 4; k++) {
    for (int i = 0; i < d; i++) y[i] = x[i] + steps[k] * v[i];
    p->type->grad(p, y, g + (size_t)k * d);
  }
  for (int i = 0; i < d; i++) {
    const double coarse = (g[i] - g[d + i]) / (2 * e), fine = (g[2 * d + i] - g[3 * d + i]) / e;
    fd[i] = (4 * fine - coarse) / 3;
  }
}

static sgdl_problem *make_mlp(const char *dir, long n, const int *hidden, int nh, int act, int loss, int dtype) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = dir;
  sp.n_train = n;
  sp.n_test = NDENSE;
  sp.hidden = hidden;
  sp.n_hidden = nh;
  sp.act = act;
  sp.loss = loss;
  sp.seed = 3;
  sp.dtype = dtype;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(&ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx.msg);
  return p;
}

/* max |a - b| / max |b| */
static double rel_err(int d, const double *a, const double *b) {
  double num = 0, den = 0;
  for (int i = 0; i < d; i++) num = fmax(num, fabs(a[i] - b[i])), den = fmax(den, fabs(b[i]));
  return den > 0 ? num / den : num;
}

static void check_mlp(int sparse, int act, int loss, int depth) {
  static const int hd[3][2] = {{0, 0}, {5, 0}, {8, 3}}, hs[3][2] = {{0, 0}, {16, 0}, {16, 5}};
  const char *dir = sparse ? sparse_dir : dense_dir;
  const long n = sparse ? NSPARSE : NDENSE;
  const int *h = sparse ? hs[depth] : hd[depth];
  sgdl_problem *p64 = make_mlp(dir, n, h, depth, act, loss, SGDL_DTYPE_F64);
  sgdl_problem *p32 = make_mlp(dir, n, h, depth, act, loss, SGDL_DTYPE_F32);
  CHECK(p64 && p32, "mlp %s %s depth %d", sgdl_act_name(act), sgdl_loss_name(loss), depth);
  if (!p64 || !p32) return;
  const int d = p64->dim;
  double *x = malloc(sizeof(double) * 9 * d), *v = x + d, *y = v + d, *g = y + d, *fd = g + 4 * d, *hv = fd + d;
  sgdl_problem_default_x0(p64, 3, x);
  for (int i = 0; i < d; i++) x[i] += 0.3 * sin(1.7 * i + act), v[i] = cos(0.7 * i + loss);
  fd_hvp(p64, x, v, 1e-3, y, g, fd);
  p64->type->hvp(p64, x, v, hv);
  const double e64 = rel_err(d, hv, fd);
  p32->type->hvp(p32, x, v, hv);
  const double e32 = rel_err(d, hv, fd);
  CHECK(e64 < 1e-8 && e32 < 3e-6, "mlp %s %s %s depth %d: hvp off the difference quotient by %.2g (float64), %.2g (float32)",
        sparse ? "sparse" : "dense", sgdl_act_name(act), sgdl_loss_name(loss), depth, e64, e32);
  free(x);
  sgdl_problem_destroy(p64);
  sgdl_problem_destroy(p32);
}

static void check_logreg(int d, double l2, double scale) {
  enum { N = 57, W = 77 };
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "logreg";
  sp.gen_n = N;
  sp.gen_d = d;
  sp.l2 = l2;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(&ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx.msg);
  CHECK(p && p->type->grad_sum_curv_lanes && p->type->hvp_curv_lanes, "logreg d %d with the curvature pair", d);
  if (!p || !p->type->grad_sum_curv_lanes) return;
  const size_t dw = (size_t)d * W;
  double *X = malloc(sizeof(double) * (4 * dw + (size_t)N * W + 9 * (size_t)d + sgdl_problem_lanes_work(p)));
  double *V = X + dw, *G = V + dw, *H = G + dw, *C = H + dw, *x = C + (size_t)N * W, *v = x + d, *y = v + d,
         *g = y + d, *fd = g + 4 * d, *hv = fd + d, *work = hv + d;
  sgdl_rng_normals(5, 0, W, 0, 0, (size_t)d, X);
  sgdl_rng_normals(5, 0, W, 1, 0, (size_t)d, V);
  for (size_t i = 0; i < dw; i++) X[i] *= scale;
  p->type->grad_sum_curv_lanes(p, W, X, NULL, G, NULL, C, work);
  p->type->hvp_curv_lanes(p, W, X, C, V, H);
  double worst = 0;
  for (int l = 0; l < W; l++) {
    for (int i = 0; i < d; i++) x[i] = X[(size_t)i * W + l], v[i] = V[(size_t)i * W + l], hv[i] = H[(size_t)i * W + l];
    fd_hvp(p, x, v, 1e-4, y, g, fd);
    worst = fmax(worst, rel_err(d, hv, fd));
  }
  CHECK(worst < 1e-7, "logreg d %d l2 %g scale %g: hvp_curv_lanes off the difference quotient by %.2g", d, l2, scale,
        worst);
  free(X);
  sgdl_problem_destroy(p);
}

int main(void) {
  write_sets();
  const int acts[3] = {SGDL_ACT_TANH, SGDL_ACT_SOFTPLUS, SGDL_ACT_SIGMOID};
  for (int sparse = 0; sparse < 2; sparse++)
    for (int a = 0; a < 3; a++)
      for (int loss = 0; loss < 2; loss++)
        for (int depth = 0; depth < 3; depth++) check_mlp(sparse, acts[a], loss, depth);
  const int dims[3] = {3, 8, 50};
  const double l2s[3] = {0, 0.01, 0.7};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      check_logreg(dims[i], l2s[j], 0.3);
      check_logreg(dims[i], l2s[j], 3.0);
    }
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dense_dir);
  if (system(cmd)) fprintf(stderr, "cleanup failed\n");
  return check_done();
}
