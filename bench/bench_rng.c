/* bench_rng: throughput of the rng layer in the shape the ensemble uses it.
 *
 * Each step draws n normals for each of M = 64 * blocks replicas, as the ensemble hot
 * loop does: sgdl_rng_normals(seed, replica0, 64, step, purpose, n, out) per 64-lane
 * block, blocks spread over OpenMP threads. Reported: values/s in total and per thread,
 * best of 3 runs (the machine may be shared). Also the scalar reference (Random123 +
 * libm), uniforms and minibatch indices, and, in the same invocation, the NumPy peer
 * (bench/peer_rng_numpy.py through /usr/bin/python3) for the ratio.
 *
 * Usage: bench_rng [--quick] [--no-peer]
 * Timings only; correctness is in tests/test_rng_*.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgdlab/rng.h"

#ifndef SGDL_BENCH_DIR
#define SGDL_BENCH_DIR "bench"
#endif

enum { KIND_NORMALS, KIND_NORMALS_REF, KIND_UNIFORMS, KIND_INDICES_IID, KIND_INDICES_FLOYD };
static const char *kind_name[] = {"normals", "normals_ref (scalar libm)", "uniforms",
                                  "indices iid N=60000", "indices Floyd N=60000"};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static volatile double sink_d;
static volatile uint32_t sink_u;

/* values per second for `steps` steps of M = 64*blocks lanes x n values */
static double run(int kind, int threads, int blocks, size_t n, long steps) {
  double best = 0;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now();
#pragma omp parallel num_threads(threads)
    {
      double *buf = malloc(n * 64 * sizeof *buf);
      uint32_t *ib = malloc(n * 64 * sizeof *ib);
      double acc = 0;
      uint32_t iacc = 0;
      for (long s = 0; s < steps; s++) {
#pragma omp for schedule(static) nowait
        for (int b = 0; b < blocks; b++) {
          uint32_t r0 = 64u * (uint32_t)b, P = SGDL_PURPOSE(SGDL_RNG_NORMAL, 0, 0);
          switch (kind) {
            case KIND_NORMALS: sgdl_rng_normals(1u, r0, 64, (uint64_t)s, P, n, buf); break;
            case KIND_NORMALS_REF: sgdl_rng_normals_ref(1u, r0, 64, (uint64_t)s, P, n, buf); break;
            case KIND_UNIFORMS: sgdl_rng_uniforms(1u, r0, 64, (uint64_t)s, P, n, buf); break;
            case KIND_INDICES_IID:
              sgdl_rng_indices(1u, r0, 64, (uint64_t)s, P, 60000u, (uint32_t)n, 0, ib);
              break;
            default: sgdl_rng_indices(1u, r0, 64, (uint64_t)s, P, 60000u, (uint32_t)n, 1, ib); break;
          }
          acc += buf[n * 64 - 1];
          iacc += ib[n * 64 - 1];
        }
      }
      sink_d = acc;
      sink_u = iacc;
      free(buf);
      free(ib);
    }
    double rate = (double)steps * blocks * 64 * (double)n / (now() - t0);
    if (rate > best) best = rate;
  }
  return best;
}

/* NumPy peer: parse "key value" lines */
static double peer(const char *key) {
  static char out[4096];
  static int done;
  if (!done) {
    done = 1;
    FILE *p = popen("OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 " SGDL_BENCH_DIR
                    "/peer_rng_numpy.py 2>/dev/null",
                    "r");
    if (p) {
      size_t len = fread(out, 1, sizeof out - 1, p);
      out[len] = 0;
      pclose(p);
    }
  }
  const char *at = strstr(out, key);
  return at ? atof(at + strlen(key)) : 0;
}

int main(int argc, char **argv) {
  int quick = 0, no_peer = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "--no-peer")) no_peer = 1;
    else {
      fprintf(stderr, "usage: bench_rng [--quick] [--no-peer]\n");
      return 2;
    }
  }
  const double target = quick ? 2e7 : 1.2e8; /* values per run */
  const int maxthreads = omp_get_max_threads() < 2 ? omp_get_max_threads() : 2;
  const struct {
    int kind;
    size_t n;
  } rows[] = {{KIND_NORMALS, 1},       {KIND_NORMALS, 2},        {KIND_NORMALS, 16},
              {KIND_NORMALS, 256},     {KIND_NORMALS_REF, 16},   {KIND_UNIFORMS, 16},
              {KIND_INDICES_IID, 32},  {KIND_INDICES_FLOYD, 32}};
  const int blocks = 32; /* M = 2048 replicas */
  printf("rng throughput: M = %d replicas (lanes of 64), n values per replica per step, best of 3\n",
         64 * blocks);
  printf("%-28s %5s %7s %14s %14s %10s\n", "what", "n", "threads", "values/s", "per thread",
         "ns/value");
  double normals1 = 0;
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    for (int th = 1; th <= maxthreads; th++) {
      double per_run = (double)blocks * 64 * rows[r].n;
      double t = target / (rows[r].kind == KIND_NORMALS_REF ? 10 : 1);
      long steps = (long)(t / per_run) + 1;
      double rate = run(rows[r].kind, th, blocks, rows[r].n, steps);
      if (rows[r].kind == KIND_NORMALS && rows[r].n == 256 && th == 1) normals1 = rate;
      printf("%-28s %5zu %7d %14.4g %14.4g %10.3f\n", kind_name[rows[r].kind], rows[r].n, th, rate,
             rate / th, 1e9 / rate * th);
    }
  }
  if (!no_peer) {
    double big = peer("numpy_big_array"), s1 = peer("numpy_per_step_n1"), s16 = peer("numpy_per_step_n16");
    if (big > 0) {
      printf("\nNumPy peer (default_rng().standard_normal, 1 thread):\n");
      printf("%-40s %14.4g normals/s\n", "one big array (4e6)", big);
      printf("%-40s %14.4g normals/s\n", "per step, 64 paths x n=1", s1);
      printf("%-40s %14.4g normals/s\n", "per step, 64 paths x n=16", s16);
      printf("ratio sgdlab normals (1 thread, n=256) / NumPy big array: %.1fx\n", normals1 / big);
    } else {
      printf("\nNumPy peer: not available (/usr/bin/python3 with numpy)\n");
    }
  }
  return 0;
}
