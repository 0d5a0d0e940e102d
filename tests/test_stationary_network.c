/* `stationary --problem mlp --simulate` (the network family of sgdl_stationary_study_run) at an exact
 * minimum, where every answer is known: a network with no hidden layer and squared error is linear
 * least squares, so on a tiny IDX set (written here: 24 images of 2x2 pixels, 3 classes) the weights
 * x* solve the normal equations and SGD's stationary covariance S is the exact fixed point of SPEC 5.3
 *   S = E[(I - a A_hat) S (I - a A_hat)] + a^2 c_B Sigma_1(x*)
 *     = (I - a Abar) S (I - a Abar) + a^2 c_B [ (1/N) sum_i (A_i - Abar) S (A_i - Abar) + Sigma_1(x*) ],
 * iterated here on all 15 weights (the classes share each minibatch), with c_B = 1/B (with replacement)
 * or (N - B) / (B (N - 1)) (without). Checked, for B = 1 with and B = 4 without replacement:
 *  - each class's block of S is `stationary --problem linreg`'s exact covariance (sgdl_stat_linreg_solve)
 *    on that class's targets, and the weights are the minimum (|grad L| ~ 0);
 *  - the study's Hessian eigenpairs are eigenpairs of Abar;
 *  - the study's discrete prediction is the FROZEN-noise value: the restriction to the top k directions
 *    of S_frozen (the Lyapunov solution with the noise fixed at Sigma_B(x*)), 1/2 sum h_i u_i^T S_frozen u_i;
 *  - the simulated 1/2 sum h_i Var(u_i . x) agrees with the exact 1/2 sum h_i u_i^T S u_i (within 4
 *    standard errors) and, at a h_max = 1.03 (B = 1 with replacement: 28%; B = 4 without: 3.6%), lies
 *    many standard errors ABOVE the frozen-noise prediction: SGD's noise grows as x fluctuates (the
 *    (A_i - Abar) S (A_i - Abar) term, fed by all d directions), which a prediction from Sigma_B(x*)
 *    alone misses even at an exact minimum;
 *  - per direction, Var(u . x) = a cbar / (h (2 - a h)) with cbar = E u^T Sigma_B(x) u the noise felt on
 *    average over the stationary law (exact for least squares: u is an eigenvector of a constant Hessian),
 *    and the study's estimate of cbar from snapshots of its chains (net_felt) and the prediction with it
 *    (felt_pred) agree with the exact values within 4 standard errors.
 * And beyond least squares (a tanh hidden layer of 2, squared error, near a minimum found here by gradient
 * descent: |grad L| 3e-4 in a flat valley), the identity that README example (d) uses to account for its gap: along each direction
 * y = u . (x - x*), SGD's y' = y - a g - a xi (g = u . grad L(x), Var(xi | x) = u^T Sigma_B(x) u) makes a
 * stationary chain obey Var y = a (cbar + Var r) / (h_eff (2 - a h_eff)) exactly, h_eff = Cov(y, g) / Var y
 * and r = g - h_eff y; checked at snapshots of the library's chains (sgdl_stat_simulate_proj) within 4
 * standard errors (replica spread), and the study's noise felt (net_felt) against the snapshots' cbar.
 * Seen here, not asserted: the top Hessian eigenvalue is 3-fold (one copy per class) and Lanczos from one
 * start vector returns it twice, then the next distinct value: genuine eigenpairs, not the top 3.
 * Does not: test the CLI's printing (tests/cli_mlp_exit_stationary.sh does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sgdlab/mlp_problem.h"
#include "sgdlab/nn.h"
#include "sgdlab/stationary.h"
#include "sgdlab/study_stationary.h"
#include "tiny_idx.h"

enum { NTR = 24, NTE = 4, PIX = 4, CLS = 3, F = PIX + 1, D = F * CLS, K = 3 };
static unsigned char px_train[NTR][PIX], px_test[NTE][PIX];
static double feat[NTR][F]; /* pixels / 255, then 1 (the bias) */
static char dir[128];

static void write_data(void) {
  snprintf(dir, sizeof dir, "/tmp/sgdl_test_statnet_%d", (int)getpid());
  char cmd[160];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  if (system(cmd)) fprintf(stderr, "mkdir failed\n");
  unsigned s = 2024;
  for (int i = 0; i < NTR; i++)
    for (int j = 0; j < PIX; j++) px_train[i][j] = (unsigned char)((s = s * 1103515245u + 12345u) >> 20);
  for (int i = 0; i < NTE; i++)
    for (int j = 0; j < PIX; j++) px_test[i][j] = (unsigned char)((s = s * 1103515245u + 12345u) >> 20);
  for (int i = 0; i < NTR; i++) {
    for (int j = 0; j < PIX; j++) feat[i][j] = px_train[i][j] / 255.0;
    feat[i][PIX] = 1.0;
  }
  tiny_idx_write_pair(dir, "train", NTR, &px_train[0][0], CLS);
  tiny_idx_write_pair(dir, "t10k", NTE, &px_test[0][0], CLS);
}

/* The network's weight of (feature j, class c): W[j][c] for the pixels, then b[c]: j * CLS + c. */
static int wi(int j, int c) { return j * CLS + c; }

/* Least-squares weights: the F x F normal equations (Gaussian elimination), one right side per class. */
static void solve_minimum(double *x) {
  double A[F][F + CLS];
  memset(A, 0, sizeof A);
  for (int i = 0; i < NTR; i++)
    for (int a = 0; a < F; a++) {
      for (int b = 0; b < F; b++) A[a][b] += feat[i][a] * feat[i][b];
      A[a][F + i % CLS] += feat[i][a];
    }
  for (int p = 0; p < F; p++)
    for (int r = p + 1; r < F; r++) {
      const double f = A[r][p] / A[p][p];
      for (int c = p; c < F + CLS; c++) A[r][c] -= f * A[p][c];
    }
  for (int c = 0; c < CLS; c++)
    for (int p = F - 1; p >= 0; p--) {
      double v = A[p][F + c];
      for (int q = p + 1; q < F; q++) v -= A[p][q] * x[wi(q, c)];
      x[wi(p, c)] = v / A[p][p];
    }
}

/* Per-sample Hessian A_i (a_i a_i^T on each class's block), Abar, and Sigma_1(x*) = (1/N) sum g_i g_i^T. */
static void least_squares_parts(const double *x, double (*Ai)[D * D], double *Abar, double *sig1) {
  memset(Abar, 0, sizeof(double) * D * D);
  memset(sig1, 0, sizeof(double) * D * D);
  for (int i = 0; i < NTR; i++) {
    double g[D];
    memset(Ai[i], 0, sizeof(double) * D * D);
    for (int c = 0; c < CLS; c++) {
      double z = 0;
      for (int j = 0; j < F; j++) z += x[wi(j, c)] * feat[i][j];
      const double r = z - (i % CLS == c);
      for (int j = 0; j < F; j++) {
        g[wi(j, c)] = feat[i][j] * r;
        for (int q = 0; q < F; q++) Ai[i][wi(j, c) * D + wi(q, c)] = feat[i][j] * feat[i][q];
      }
    }
    for (int p = 0; p < D * D; p++) Abar[p] += Ai[i][p] / NTR;
    for (int p = 0; p < D; p++)
      for (int q = 0; q < D; q++) sig1[p * D + q] += g[p] * g[q] / NTR;
  }
}

/* out = P S P for symmetric P, S (D x D). */
static void sandwich(const double *P, const double *S, double *out) {
  double T[D * D];
  for (int i = 0; i < D; i++)
    for (int j = 0; j < D; j++) {
      double v = 0;
      for (int q = 0; q < D; q++) v += P[i * D + q] * S[q * D + j];
      T[i * D + j] = v;
    }
  for (int i = 0; i < D; i++)
    for (int j = 0; j < D; j++) {
      double v = 0;
      for (int q = 0; q < D; q++) v += T[i * D + q] * P[q * D + j];
      out[i * D + j] = v;
    }
}

/* Stationary covariance of SGD with replacement (c_B = 1/B): multiplicative = 1 the exact fixed point,
 * 0 the frozen-noise Lyapunov solution (noise fixed at Sigma_B(x*)). Iterated to a relative 1e-15. */
static void stationary_cov(double (*Ai)[D * D], const double *Abar, const double *sig1, double a, double cB,
                           int multiplicative, double *S) {
  double M[D * D], T[D * D], Sn[D * D], dA[D * D];
  for (int p = 0; p < D * D; p++) M[p] = (p / D == p % D) - a * Abar[p];
  memset(S, 0, sizeof(double) * D * D);
  for (int it = 0; it < 100000; it++) {
    sandwich(M, S, Sn);
    for (int p = 0; p < D * D; p++) Sn[p] += a * a * cB * sig1[p];
    for (int i = 0; multiplicative && i < NTR; i++) {
      for (int p = 0; p < D * D; p++) dA[p] = Ai[i][p] - Abar[p];
      sandwich(dA, S, T);
      for (int p = 0; p < D * D; p++) Sn[p] += a * a * cB * T[p] / NTR;
    }
    double diff = 0, size = 0;
    for (int p = 0; p < D * D; p++) diff = fmax(diff, fabs(Sn[p] - S[p])), size = fmax(size, fabs(Sn[p]));
    memcpy(S, Sn, sizeof Sn);
    if (diff <= 1e-15 * size) break;
  }
}

static double quad_form(const double *u, const double *S) {
  double v = 0;
  for (int p = 0; p < D; p++)
    for (int q = 0; q < D; q++) v += u[p] * S[p * D + q] * u[q];
  return v;
}

/* linreg on [pixels, 1] with target 1{y == c}: class c's block of the network. */
static sgdl_problem *linreg_class(sgdl_ctx *ctx, int c) {
  char path[200];
  snprintf(path, sizeof path, "%s/class.csv", dir);
  FILE *f = fopen(path, "w");
  for (int i = 0; i < NTR; i++) {
    for (int j = 0; j < F; j++) fprintf(f, "%.17g,", feat[i][j]);
    fprintf(f, "%d\n", i % CLS == c);
  }
  fclose(f);
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "linreg";
  sp.data_path = path;
  sgdl_problem *p = NULL;
  if (sgdl_problem_create(ctx, &sp, &p)) fprintf(stderr, "%s\n", ctx->msg);
  return p;
}

/* The network with no hidden layer and squared error, started at the weights in wpath. */
static sgdl_problem *least_squares_net(sgdl_ctx *ctx, const char *wpath) {
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = dir;
  sp.n_train = NTR;
  sp.n_test = NTE;
  sp.n_hidden = 0;
  sp.loss = SGDL_LOSS_MSE;
  sp.init = wpath;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx->msg);
  return p;
}

/* One learning rate, batch and sampling at the minimum xs of the problem net (started there). */
static void check_case(sgdl_problem *net, const double *xs, double lr, int batch, int without, double gain) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = lr;
  par.batch = batch;
  par.without_replacement = without;
  printf("lr %g, B = %d %s replacement\n", lr, batch, without ? "without" : "with");
  /* exact: the fixed point on all D weights, and the frozen-noise Lyapunov solution */
  static double Ai[NTR][D * D];
  double Abar[D * D], sig1[D * D], S[D * D], Sfz[D * D];
  least_squares_parts(xs, Ai, Abar, sig1);
  const double cB = without ? (NTR - batch) / (batch * (NTR - 1.0)) : 1.0 / batch;
  stationary_cov(Ai, Abar, sig1, lr, cB, 1, S);
  stationary_cov(Ai, Abar, sig1, lr, cB, 0, Sfz);
  for (int c = 0; c < CLS; c++) { /* each class's block is linreg's exact answer on that class */
    sgdl_problem *lin = linreg_class(&ctx, c);
    sgdl_stat_linreg ex;
    CHECK(lin && sgdl_stat_linreg_solve(&ctx, lin, lr, batch, without, &ex) == 0, "linreg exact: %s", ctx.msg);
    double worst = 0;
    for (int a = 0; a < F; a++) {
      CHECK_ABS(ex.wstar[a], xs[wi(a, c)], 1e-10, "linreg minimum vs the normal equations");
      for (int b = 0; b < F; b++) worst = fmax(worst, fabs(ex.sigma[a * F + b] - S[wi(a, c) * D + wi(b, c)]));
    }
    CHECK(worst < 1e-12, "class %d block of the fixed point vs stationary --problem linreg: %g", c, worst);
    sgdl_stat_linreg_free(&ex);
    sgdl_problem_destroy(lin);
  }

  /* the study: geometry prediction and simulation at x* */
  sgdl_stationary_spec sp;
  sgdl_stationary_spec_init(&sp);
  sp.family = SGDL_STATIONARY_NETWORK;
  sp.prob = net;
  sp.par = par;
  sp.geometry_k = K;
  sp.simulate = 1;
  sp.replicas = 32;
  sp.samples = 32LL * 60000;
  sp.burn = 2000;
  sp.seed = 7;
  sgdl_stationary_study_result res;
  CHECK(sgdl_stationary_study_run(&ctx, &sp, &res) == 0, "study: %s", ctx.msg);
  if (!res.has_net || !res.has_mc || !res.has_felt) {
    sgdl_stationary_study_result_free(&res);
    return;
  }
  double exact = 0, frozen = 0, hAu[D];
  for (int i = 0; i < K; i++) {
    const double *u = res.net.U + (size_t)i * D, h = res.net.h[i];
    for (int p = 0; p < D; p++) { /* (Abar - h) u = 0 */
      hAu[p] = -h * u[p];
      for (int q = 0; q < D; q++) hAu[p] += Abar[p * D + q] * u[q];
      CHECK(fabs(hAu[p]) < 1e-8, "Lanczos pair %d is no eigenpair of Abar: residual %g", i, hAu[p]);
    }
    const double v = quad_form(u, S), vf = quad_form(u, Sfz);
    exact += 0.5 * h * v;
    frozen += 0.5 * h * vf;
    CHECK(fabs(res.net.var_pred[i] - vf) < 1e-8 * vf, "direction %d: predicted variance %g is not the frozen-noise one %g", i,
          res.net.var_pred[i], vf);
    /* the noise felt: cbar = u^T c_B [Sigma_1(x*) + (1/N) sum (A_i - Abar) S (A_i - Abar)] u */
    double felt = 0, T[D * D], dA[D * D];
    for (int n = 0; n < NTR; n++) {
      for (int p = 0; p < D * D; p++) dA[p] = Ai[n][p] - Abar[p];
      sandwich(dA, S, T);
      felt += quad_form(u, T) / NTR;
    }
    felt = cB * (felt + quad_form(u, sig1));
    CHECK(fabs(v - lr * felt / (h * (2 - lr * h))) < 1e-8 * v, "direction %d: Var %g is not a cbar / (h (2 - a h))", i, v);
    CHECK(res.has_felt && fabs(res.net_felt[i] - felt) < 4 * res.net_felt_se[i], "direction %d: noise felt %g +- %g vs exact %g", i,
          res.net_felt[i], res.net_felt_se[i], felt);
    CHECK(felt > res.net.ct[i], "direction %d: the noise felt %g exceeds the noise at x* %g", i, felt, res.net.ct[i]);
  }
  const double sim = res.mc.excess, se = res.mc.excess_se;
  printf("h = %.4f %.4f %.4f (a h_max = %.2f); 1/2 sum h Var: frozen-noise prediction %.5g (study %.5g), exact %.5g,"
         " simulated %.5g +- %.2g\n",
         res.net.h[0], res.net.h[1], res.net.h[2], lr * res.net.h[0], frozen, res.net.pred_discrete, exact, sim, se);
  CHECK_REL(res.net.pred_discrete, frozen, 1e-8, "the study's discrete prediction is the frozen-noise restriction");
  CHECK(fabs(sim - exact) < 4 * se, "simulated %g +- %g vs exact %g: %.1f standard errors", sim, se, exact,
        (sim - exact) / se);
  CHECK(sim - frozen > 6 * se, "simulated %g +- %g should lie well above the frozen-noise prediction %g", sim, se, frozen);
  printf("predicted with the noise felt (study): %.5g +- %.2g\n", res.felt_pred[0], res.felt_pred_se);
  CHECK(fabs(res.felt_pred[0] - exact) < 4 * res.felt_pred_se, "prediction with the noise felt %g +- %g vs exact %g",
        res.felt_pred[0], res.felt_pred_se, exact);
  CHECK(exact > gain * frozen, "exact %g vs frozen %g: the state-dependent noise should add a factor over %g here", exact, frozen,
        gain);
  sgdl_stationary_study_result_free(&res);
}

/* The weights x (an n_in -> hidden -> CLS network of activation tanh) as a weights file at path. */
static void save_weights(sgdl_ctx *ctx, const int *hidden, int n_hidden, const double *x, size_t n, const char *path) {
  sgdl_mlp m;
  CHECK(sgdl_mlp_init(ctx, &m, PIX, hidden, n_hidden, CLS, SGDL_ACT_TANH) == 0, "mlp: %s", ctx->msg);
  CHECK(m.n_params == n, "the network has %zu weights, not %zu", m.n_params, n);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  sgdl_trainer t;
  CHECK(sgdl_trainer_create(ctx, &t, &m, SGDL_OPT_SGD, &par, 1, 0) == 0, "trainer: %s", ctx->msg);
  memcpy(t.params, x, sizeof(double) * n);
  CHECK(sgdl_weights_save(ctx, path, &t) == 0, "save: %s", ctx->msg);
  sgdl_trainer_free(&t);
}

/* A squared-error network with one hidden layer of HID, from a weights file (init) or seed 3 (init NULL). */
enum { HID = 2 };
static sgdl_problem *hidden_net(sgdl_ctx *ctx, const char *init) {
  static const int hidden[1] = {HID};
  sgdl_mlp_problem_spec sp;
  sgdl_mlp_problem_spec_init(&sp);
  sp.data = dir;
  sp.n_train = NTR;
  sp.n_test = NTE;
  sp.hidden = hidden;
  sp.n_hidden = 1;
  sp.act = SGDL_ACT_TANH;
  sp.loss = SGDL_LOSS_MSE;
  sp.seed = 3;
  sp.init = init;
  sgdl_problem *p = NULL;
  if (sgdl_mlp_problem_create(ctx, &sp, &p)) fprintf(stderr, "create: %s\n", ctx->msg);
  return p;
}

/* The stationarity identity on a nonlinear network (see the header). */
static void check_identity(double lr, int batch) {
  enum { KN = 2, R = 16, SNAP = 200 };
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = 2;
  sgdl_problem *p0 = hidden_net(&ctx, NULL);
  CHECK(p0 != NULL, "hidden network");
  if (!p0) return;
  const int d = p0->dim;
  double *x = malloc(sizeof(double) * d * 3), *g = x + d, *gs = g + d, g2 = 0;
  sgdl_problem_default_x0(p0, 3, x);
  for (int t = 0; t < 200000; t++) { /* gradient descent to a minimum */
    p0->type->grad(p0, x, g);
    for (int j = 0; j < d; j++) x[j] -= 0.5 * g[j];
  }
  p0->type->grad(p0, x, g);
  for (int j = 0; j < d; j++) g2 += g[j] * g[j];
  CHECK(sqrt(g2) < 1e-3, "gradient descent left |grad L| = %g", sqrt(g2)); /* 3.3e-4: near a minimum, a flat valley */
  sgdl_problem_destroy(p0);
  char wpath[200];
  snprintf(wpath, sizeof wpath, "%s/whidden.bin", dir);
  static const int hidden[1] = {HID};
  save_weights(&ctx, hidden, 1, x, (size_t)d, wpath);
  sgdl_problem *p = hidden_net(&ctx, wpath);
  CHECK(p != NULL, "hidden network from %s", wpath);
  if (!p) {
    free(x);
    return;
  }

  sgdl_stationary_spec sp;
  sgdl_stationary_spec_init(&sp);
  sp.family = SGDL_STATIONARY_NETWORK;
  sp.prob = p;
  sp.par.lr = lr;
  sp.par.batch = batch;
  sp.geometry_k = KN;
  sp.simulate = 1;
  sp.replicas = R;
  sp.samples = (long long)R * 20000;
  sp.burn = 2000;
  sp.seed = 11;
  sgdl_stationary_study_result res;
  const int study_ok = sgdl_stationary_study_run(&ctx, &sp, &res) == 0 && res.has_net && res.has_felt;
  CHECK(study_ok, "study: %s", ctx.msg);
  if (!study_ok) { /* nothing below can run without the study's directions */
    sgdl_problem_destroy(p);
    free(x);
    return;
  }
  double hess[KN * KN] = {0};
  for (int i = 0; i < KN; i++) hess[i * KN + i] = res.net.h[i];
  sgdl_stat_snapshots snap = {SNAP, calloc((size_t)R * SNAP * d, sizeof(double))};
  sgdl_stat_mc mc;
  memset(&mc, 0, sizeof mc);
  CHECK(sgdl_stat_simulate_proj(&ctx, p, "sgd", &sp.par, 12, R, 2000, 20000, x, KN, res.net.U, hess, &snap, &mc, NULL) == 0,
        "simulate: %s", ctx.msg);
  static double q[R][SNAP][KN][3]; /* y, g, c */
  const double cB = 1.0 / batch;
  for (int r = 0; r < R; r++)
    for (int j = 0; j < SNAP; j++) {
      const double *xs = snap.x + ((size_t)r * SNAP + j) * d;
      p->type->grad(p, xs, g);
      double s1[KN] = {0}, s2[KN] = {0};
      for (int n = 0; n < NTR; n++) {
        p->type->grad_sample(p, xs, (size_t)n, gs);
        for (int i = 0; i < KN; i++) {
          double v = 0;
          for (int c = 0; c < d; c++) v += res.net.U[(size_t)i * d + c] * gs[c];
          s1[i] += v / NTR, s2[i] += v * v / NTR;
        }
      }
      for (int i = 0; i < KN; i++) {
        const double *u = res.net.U + (size_t)i * d;
        double y = 0, gi = 0;
        for (int c = 0; c < d; c++) y += u[c] * (xs[c] - x[c]), gi += u[c] * g[c];
        q[r][j][i][0] = y, q[r][j][i][1] = gi, q[r][j][i][2] = cB * (s2[i] - s1[i] * s1[i]);
      }
    }
  for (int i = 0; i < KN; i++) {
    /* pooled moments, and the same from each replica for the standard errors */
    double v[R + 1], id[R + 1], cb[R + 1];
    for (int r0 = 0; r0 <= R; r0++) {
      const int lo = r0 < R ? r0 : 0, hi = r0 < R ? r0 + 1 : R;
      double m[3] = {0}, cnt = (double)(hi - lo) * SNAP, vy = 0, cyg = 0, vg = 0;
      for (int r = lo; r < hi; r++)
        for (int j = 0; j < SNAP; j++)
          for (int t = 0; t < 3; t++) m[t] += q[r][j][i][t] / cnt;
      for (int r = lo; r < hi; r++)
        for (int j = 0; j < SNAP; j++) {
          const double yc = q[r][j][i][0] - m[0], gc = q[r][j][i][1] - m[1];
          vy += yc * yc / cnt, cyg += yc * gc / cnt, vg += gc * gc / cnt;
        }
      const double heff = cyg / vy, vr = vg - cyg * cyg / vy;
      v[r0] = vy, cb[r0] = m[2], id[r0] = lr * (m[2] + vr) / (heff * (2 - lr * heff));
      if (r0 == R)
        printf("direction %d: h %.4g, h_eff %.4g; Var y %.5g, identity %.5g, frozen-curvature felt a cbar/(h(2-ah)) %.5g; "
               "Var r / cbar %.3g\n", i, res.net.h[i], heff, vy, id[R], lr * m[2] / (res.net.h[i] * (2 - lr * res.net.h[i])),
               vr / m[2]);
    }
    double sd = 0, sc = 0;
    for (int r = 0; r < R; r++) {
      sd += (v[r] - id[r] - (v[R] - id[R])) * (v[r] - id[r] - (v[R] - id[R])) / (R * (R - 1.0));
      sc += (cb[r] - cb[R]) * (cb[r] - cb[R]) / (R * (R - 1.0));
    }
    printf("  Var y - identity %.3g +- %.2g; the study's noise felt %.5g +- %.2g, the snapshots' %.5g +- %.2g\n", v[R] - id[R],
           sqrt(sd), res.net_felt[i], res.net_felt_se[i], cb[R], sqrt(sc));
    CHECK(fabs(v[R] - id[R]) < 4 * sqrt(sd), "direction %d: Var y %g vs the stationarity identity %g (+- %.2g)", i, v[R], id[R],
          sqrt(sd));
    CHECK(fabs(res.net_felt[i] - cb[R]) < 4 * hypot(res.net_felt_se[i], sqrt(sc)), "direction %d: the study's noise felt %g +- %g vs "
          "the snapshots' %g +- %g", i, res.net_felt[i], res.net_felt_se[i], cb[R], sqrt(sc));
  }
  free(snap.x);
  sgdl_stat_mc_free(&mc);
  sgdl_stationary_study_result_free(&res);
  sgdl_problem_destroy(p);
  free(x);
}

int main(void) {
  write_data();
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  /* the minimum, saved as a weights file (the --init of `stationary --problem mlp`) */
  double xs[D];
  solve_minimum(xs);
  sgdl_mlp m;
  CHECK(sgdl_mlp_init(&ctx, &m, PIX, NULL, 0, CLS, SGDL_ACT_TANH) == 0, "mlp: %s", ctx.msg);
  CHECK((int)m.n_params == D, "the network has %d weights, not %d", (int)m.n_params, D);
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  sgdl_trainer t;
  CHECK(sgdl_trainer_create(&ctx, &t, &m, SGDL_OPT_SGD, &par, 1, 0) == 0, "trainer: %s", ctx.msg);
  memcpy(t.params, xs, sizeof xs);
  char wpath[200];
  snprintf(wpath, sizeof wpath, "%s/wstar.bin", dir);
  CHECK(sgdl_weights_save(&ctx, wpath, &t) == 0, "save: %s", ctx.msg);
  sgdl_trainer_free(&t);
  sgdl_problem *net = least_squares_net(&ctx, wpath);
  CHECK(net != NULL && net->dim == D, "network problem");
  if (!net) return check_done();
  double g[D], g2 = 0;
  net->type->grad(net, xs, g);
  for (int p = 0; p < D; p++) g2 += g[p] * g[p];
  CHECK(sqrt(g2) < 1e-12, "|grad L| = %g at the least-squares weights", sqrt(g2));
  check_case(net, xs, 0.5, 1, 0, 1.1);  /* exact / frozen = 1.28 */
  check_case(net, xs, 0.5, 4, 1, 1.02); /* 1.036: c_B = 20/92 */
  sgdl_problem_destroy(net);
  check_identity(0.5, 1);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) fprintf(stderr, "cleanup failed\n");
  return check_done();
}
