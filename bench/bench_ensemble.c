/* Benchmark of the ensemble engine behind `sgdlab weak`: SME1 (Euler-Maruyama, one substep)
 * on the 1-D double well L = x^4/4 - x^2/2 with additive noise sigma2 = 1, M paths x K steps,
 * E x recorded at every step (as a weak-error study needs), and the normal generator alone.
 * Prints path-steps per second and normals per second for the requested thread count.
 * usage: bench_ensemble [paths=1e6] [steps=1000] [threads=2] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "sgdlab/ensemble.h"
#include "sgdlab/report.h"
#include "sgdlab/rng.h"

int main(int argc, char **argv) {
  const double paths = argc > 1 ? atof(argv[1]) : 1e6;
  const int steps = argc > 2 ? atoi(argv[2]) : 1000;
  const int threads = argc > 3 ? atoi(argv[3]) : 2;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  ctx.threads = threads;
  sgdl_problem_spec sp;
  sgdl_problem_spec_init(&sp);
  sp.name = "double-well";
  sgdl_problem *p;
  if (sgdl_problem_create(&ctx, &sp, &p)) return fprintf(stderr, "%s\n", ctx.msg), 1;
  sgdl_algo_params par;
  sgdl_algo_params_init(&par);
  par.lr = 1e-3;
  par.substeps = 1;
  par.scheme = SGDL_SCHEME_EM;
  sgdl_stepper *st;
  if (sgdl_stepper_create(&ctx, "sme1", p, &par, 1, 1, 1, &st)) return fprintf(stderr, "%s\n", ctx.msg), 1;
  sgdl_observable o;
  sgdl_observable_parse(&ctx, "x0", 1, 1, &o);
  const double x0 = -1;
  sgdl_ensemble_plan plan = {st, 1, &x0, (uint64_t)paths, (uint64_t)steps, 1, &o};
  sgdl_ensemble_result r;
  double t0 = sgdl_now();
  if (sgdl_ensemble_run(&ctx, &plan, &r)) return fprintf(stderr, "%s\n", ctx.msg), 1;
  double t_ens = sgdl_now() - t0;
  /* The generator alone: the same number of normals, 64-lane blocks, two normals per lane per
   * call (every Philox output used, as the engine does by pairing substeps), same threading. */
  const uint64_t blocks = (uint64_t)(paths / SGDL_LANES);
  double sink = 0;
  t0 = sgdl_now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  {
    double z[2 * SGDL_LANES];
#pragma omp for schedule(static)
    for (uint64_t b = 0; b < blocks; b++)
      for (int k = 0; k < steps; k += 2) {
        sgdl_rng_normals(1, (uint32_t)(b * SGDL_LANES), SGDL_LANES, (uint64_t)k, 7, 2, z);
        sink += z[0];
      }
  }
  double t_gen = sgdl_now() - t0;
  const double work = (double)blocks * SGDL_LANES * (double)((steps + 1) / 2 * 2);
  printf("engine    %.3e path-steps/s  (%.0f paths x %d steps, %d threads, %.2f s, E x_K = %.6f +- %.1e)\n",
         paths * steps / t_ens, paths, steps, threads, t_ens, r.mean[steps], r.se[steps]);
  printf("generator %.3e normals/s     (%.2f s; checksum %.3f)\n", work / t_gen, t_gen, sink);
  printf("engine / generator = %.2f\n", (paths * steps / t_ens) / (work / t_gen));
  sgdl_ensemble_result_free(&r);
  sgdl_stepper_destroy(st);
  sgdl_problem_destroy(p);
  return 0;
}
