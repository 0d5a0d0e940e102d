/* The mean-field two-layer network as a problem (SPEC 3.4, test T23): the gradient blocks are
 * grad_x V(x_k, mu), the second-order drift correction alpha/2 Hess(nR_n) grad(nR_n) equals
 * alpha/4 grad|grad V|^2 + alpha/2 grad int grad K . grad V dmu, the total DD-SMF drift, and the
 * noise columns and their (cross-)covariances; plus finite-difference checks of the exact
 * Hessian-vector product and the SMF2 stepper's drift. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgdlab/problem.h"

int main(void) {
  char path[] = "/tmp/sgdl_mf_XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fdopen(fd, "w");
  fputs("z,y\n-1,-0.5\n0.5,0.2\n2,0.8\n", f);
  fclose(f);
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "meanfield";
  sp.data_path = path;
  sp.neurons = 3;
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(&ctx, &sp, &p) == 0, "create: %s", ctx.msg);
  remove(path);
  if (!p) return check_done();
  CHECK(p->dim == 6 && p->n_data == 3, "dimension %d, N %zu", p->dim, p->n_data);
  const double X[6] = {1, 0.5, -0.5, 1, 0.3, -0.7};
  const double alpha = 0.1;
  double g[6], hg[6], G[18];
  p->type->grad(p, X, g);
  const double gradV[6] = {-0.302759748933, -0.398374131790, -0.426248449170, 0.071070534009, 0.367840168752, -0.078390811946};
  for (int i = 0; i < 6; i++) CHECK_ABS(g[i], gradV[i], 1e-11, "T23 grad_x V(x_k, mu)");
  /* residuals f - y through the per-sample losses: n l_j = n (f_j - y_j)^2 / 2 */
  const double res[3] = {0.533330084618, -0.229017526509, -0.795341709514};
  for (int j = 0; j < 3; j++) CHECK_REL(p->type->loss_sample(p, X, (size_t)j), 3 * 0.5 * res[j] * res[j], 1e-10, "T23 residuals");
  p->type->hvp(p, X, g, hg);
  const double corr[6] = {-0.001106665696, -0.022460017142, -0.013473478919, 0.004926986081, 0.012093567831, -0.006641601544};
  const double drift[6] = {0.303866414629, 0.420834148932, 0.439721928089, -0.075997520090, -0.379933736583, 0.085032413490};
  for (int i = 0; i < 6; i++) {
    CHECK_ABS(0.5 * alpha * hg[i], corr[i], 1e-11, "T23 second-order correction");
    CHECK_ABS(-(g[i] + 0.5 * alpha * hg[i]), drift[i], 1e-11, "T23 DD-SMF drift");
  }
  /* Noise: G(x_1, mu, theta_j) and the covariance blocks alpha/N sum_j G G^T. */
  p->type->noise_cols(p, X, G); /* 6 x 3 */
  const double G1[3][2] = {{-0.056298766348, 0.021062104180}, {-0.246669082673, -0.290734194013}, {0.302967849021, 0.269672089833}};
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 2; i++) CHECK_ABS(G[i * 3 + j], G1[j][i], 1e-11, "T23 noise columns of x_1");
  const double S11[4] = {0.005193490166, 0.005074377982, 0.005074377982, 0.005256433995};
  const double S12[4] = {6.110724704e-3, 1.292391187e-5, 6.151727359e-3, -1.473677512e-4};
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      double s11 = 0, s12 = 0;
      for (int j = 0; j < 3; j++) {
        s11 += alpha / 3 * G[a * 3 + j] * G[b * 3 + j];
        s12 += alpha / 3 * G[a * 3 + j] * G[(2 + b) * 3 + j];
      }
      CHECK_ABS(s11, S11[a * 2 + b], 1e-11, "T23 diagonal noise block");
      CHECK_ABS(s12, S12[a * 2 + b], 1e-11, "T23 cross-particle noise block");
    }
  /* The flow's fast noise product equals sum_j G_j z_j from the columns. */
  const double zz[3] = {0.7, -1.3, 0.4};
  double na[6];
  p->type->noise_apply(p, X, zz, na);
  for (int i = 0; i < 6; i++) {
    double ref = 0;
    for (int j = 0; j < 3; j++) ref += G[i * 3 + j] * zz[j];
    CHECK_ABS(na[i], ref, 1e-14, "noise_apply = G z");
  }
  /* The lane driver forms it as one weighted lane pass, weights zbar - z_j (model_terms.c):
   * bitwise noise_apply per lane (two lanes: X and 0.8 X, normals z and -z/2). */
  {
    enum { W = 2 };
    double XL[6 * W], u[3 * W], out[6 * W], zl[3], nl[6];
    double *work = malloc(sizeof(double) * (size_t)sgdl_problem_lanes_work(p));
    for (int i = 0; i < 6; i++) XL[i * W] = X[i], XL[i * W + 1] = 0.8 * X[i];
    for (int l = 0; l < W; l++) {
      double zs = 0;
      for (int j = 0; j < 3; j++) zs += l ? -zz[j] / 2 : zz[j];
      for (int j = 0; j < 3; j++) u[j * W + l] = zs / 3 - (l ? -zz[j] / 2 : zz[j]);
    }
    sgdl_problem_grad_sum_lanes(p, W, XL, 3, NULL, u, out, work);
    int same = 1;
    for (int l = 0; l < W; l++) {
      double xl[6];
      for (int i = 0; i < 6; i++) xl[i] = XL[i * W + l];
      for (int j = 0; j < 3; j++) zl[j] = l ? -zz[j] / 2 : zz[j];
      p->type->noise_apply(p, xl, zl, nl);
      for (int i = 0; i < 6; i++) same &= nl[i] == out[i * W + l];
    }
    CHECK(same, "the weighted lane pass is bitwise noise_apply per lane");
    free(work);
  }
  /* Exact Hessian-vector product against central differences of the gradient. */
  const double v[6] = {0.3, -0.2, 0.7, 0.1, -0.5, 0.4};
  double hv[6], gp[6], gm[6], Xp[6], Xm[6];
  p->type->hvp(p, X, v, hv);
  const double eps = 1e-5;
  for (int i = 0; i < 6; i++) {
    Xp[i] = X[i] + eps * v[i];
    Xm[i] = X[i] - eps * v[i];
  }
  p->type->grad(p, Xp, gp);
  p->type->grad(p, Xm, gm);
  for (int i = 0; i < 6; i++) CHECK_ABS(hv[i], (gp[i] - gm[i]) / (2 * eps), 1e-8, "hvp vs finite differences");
  double err[4];
  CHECK(sgdl_problem_check(&ctx, p, X, 1e-6, err) == 0, "problem self-check: %s", ctx.msg);
  sgdl_problem_destroy(p);
  return check_done();
}
