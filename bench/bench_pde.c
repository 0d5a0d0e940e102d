/* bench_pde: the exit-time PDE A^T tau = -1 on a 1-D grid of 10^4 cells and a 2-D grid of
 * 500 x 500 cells (SME1 of the double wells, alpha = 0.1, sigma^2 = 1), sgdlab against a SciPy
 * sparse implementation of the same Scharfetter-Gummel discretisation (bench/peer_pde_scipy.py,
 * run through /usr/bin/python3 in the same invocation). Reports assembly and solve times (best of
 * --repeat runs), the ratio, and tau(x0) from both (they must agree: same discretisation).
 * Usage: bench_pde [--repeat R] [--no-peer] [--n1 N] [--n2 N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/pde.h"
#include "sgdlab/report.h"

#ifndef SGDL_BENCH_DIR
#define SGDL_BENCH_DIR "bench"
#endif

typedef struct {
  double assemble_s, solve_s, tau_x0;
} timing;

static int run_case(sgdl_ctx *ctx, int dim, int n1, int n2, int repeat, timing *best) {
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = dim == 1 ? "double-well" : "double-well-2d";
  spec.sigma2 = 1.0;
  spec.couple = 0.5;
  sgdl_problem *p = NULL;
  int rc = sgdl_problem_create(ctx, &spec, &p);
  if (rc) return rc;
  sgdl_sme_model m;
  sgdl_sme_model_init(ctx, &m, p, 1, 0.1, 1.0, 0.0);
  const int n[2] = {n1, n2};
  const double lo1[1] = {-2.5}, hi1[1] = {0.5}, lo2[2] = {-2.2, -1.5}, hi2[2] = {0.5, 1.5};
  const int bc[2][2] = {{SGDL_BC_REFLECT, SGDL_BC_ABSORB}, {SGDL_BC_REFLECT, SGDL_BC_REFLECT}};
  sgdl_grid g;
  rc = sgdl_grid_init(ctx, &g, dim, n, dim == 1 ? lo1 : lo2, dim == 1 ? hi1 : hi2, bc);
  best->assemble_s = best->solve_s = INFINITY;
  const double x0[2] = {-1.0, 0.0};
  for (int r = 0; r < repeat && !rc; r++) {
    double t0 = sgdl_now();
    sgdl_fp_op *op = NULL;
    rc = sgdl_fp_assemble(ctx, &m, &g, &op);
    double t1 = sgdl_now();
    double *tau = malloc(sizeof(double) * sgdl_grid_cells(&g));
    if (!rc) rc = sgdl_fp_exit_time(ctx, op, tau);
    double t2 = sgdl_now();
    if (!rc) best->tau_x0 = sgdl_grid_interp(&g, tau, x0);
    best->assemble_s = fmin(best->assemble_s, t1 - t0);
    best->solve_s = fmin(best->solve_s, t2 - t1);
    free(tau);
    sgdl_fp_op_free(op);
  }
  sgdl_problem_destroy(p);
  return rc;
}

static int run_peer(const char *args, int repeat, timing *t) {
  char cmd[1024], line[4096];
  snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 /usr/bin/python3 %s/peer_pde_scipy.py %s --repeat %d", SGDL_BENCH_DIR, args, repeat);
  FILE *f = popen(cmd, "r");
  if (!f) return 1;
  int ok = 0;
  while (fgets(line, sizeof line, f)) {
    const char *a = strstr(line, "\"assemble_s\": "), *s = strstr(line, "\"solve_s\": "), *x = strstr(line, "\"tau_x0\": ");
    if (a && s && x) {
      t->assemble_s = atof(a + 14);
      t->solve_s = atof(s + 11);
      t->tau_x0 = atof(x + 10);
      ok = 1;
    }
  }
  return pclose(f) != 0 || !ok;
}

int main(int argc, char **argv) {
  int repeat = 3, peer = 1, n1 = 10000, n2 = 500;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-peer")) peer = 0;
    else if (!strcmp(argv[i], "--n1") && i + 1 < argc) n1 = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--n2") && i + 1 < argc) n2 = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_pde [--repeat R] [--no-peer] [--n1 N] [--n2 N]\n");
      return 2;
    }
  }
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  printf("exit-time PDE A^T tau = -1 (SG finite volumes), best of %d; sgdlab sparse backend: %s\n", repeat,
         sgdl_pde_sparse_backend());
  printf("%-22s %12s %12s %12s %18s %10s\n", "case", "assemble s", "solve s", "total s", "tau(x0)", "peer/us");
  for (int c = 0; c < 2; c++) {
    timing me = {0, 0, 0}, py = {0, 0, 0};
    char label[64], args[64];
    if (c == 0) {
      snprintf(label, sizeof label, "1-D %d cells", n1);
      snprintf(args, sizeof args, "1d %d", n1);
    } else {
      snprintf(label, sizeof label, "2-D %dx%d cells", n2, n2);
      snprintf(args, sizeof args, "2d %d %d", n2, n2);
    }
    if (run_case(&ctx, c + 1, c == 0 ? n1 : n2, n2, repeat, &me)) {
      fprintf(stderr, "bench_pde: %s\n", ctx.msg);
      return 1;
    }
    printf("%-22s %12.4g %12.4g %12.4g %18.12g\n", label, me.assemble_s, me.solve_s, me.assemble_s + me.solve_s, me.tau_x0);
    if (peer) {
      if (run_peer(args, repeat, &py)) {
        printf("  (SciPy peer failed)\n");
        continue;
      }
      printf("%-22s %12.4g %12.4g %12.4g %18.12g %10.2f\n", "  SciPy spsolve", py.assemble_s, py.solve_s, py.assemble_s + py.solve_s,
             py.tau_x0, (py.assemble_s + py.solve_s) / (me.assemble_s + me.solve_s));
      printf("  same discretisation: |tau_sgdlab / tau_scipy - 1| = %.2e\n", fabs(me.tau_x0 / py.tau_x0 - 1));
    }
  }
  return 0;
}
