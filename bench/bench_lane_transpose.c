/* The data movement alone of one float32 SGD lane pass on the mlp problem (bench/RESULTS.md, the
 * re-run of section 17): src/nn/mlp_problem.c's grad_sum_lanes32 copies each group of 16 lanes out
 * of the dynamics layer's [d][W] float64 block into contiguous float points, zeroes the float
 * gradients, and copies them back into the [d][W] block. Here the same copies on a 784-32-10
 * network's d = 25,450 and W = 256 lanes, without any network arithmetic, in three layouts:
 *   0: [d][W] (as sgdlab), 4 KB pages requested (madvise MADV_NOHUGEPAGE);
 *   1: [d][W], transparent huge pages requested (MADV_HUGEPAGE; the kernel may still not grant them);
 *   2: lane-major [W][d] (each lane's parameters contiguous, as a stacked PyTorch tensor holds them).
 * Prints the best of 5 passes in CPU time, per lane. Does not: run sgdlab, do arithmetic, or time
 * the update pass. The CMake build makes it (bench/CMakeLists.txt takes every bench_*.c):
 *   for m in 0 1 2; do build/bench/bench_lane_transpose $m; done */
#define _DEFAULT_SOURCE /* madvise and its huge-page advice */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { DIM = 25450, LANES = 256, GROUP = 16 };

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One step's copies for all lanes: block X -> float points, zeroed float gradients, -> block out. */
static void lane_pass(int lane_major, const double *X, double *out, float *pts, float *acc) {
  const size_t d = DIM, W = LANES;
  for (size_t l0 = 0; l0 < W; l0 += GROUP) {
    if (lane_major)
      for (size_t g = 0; g < GROUP; g++)
        for (size_t i = 0; i < d; i++) pts[g * d + i] = (float)X[(l0 + g) * d + i];
    else
      for (size_t i = 0; i < d; i++)
        for (size_t g = 0; g < GROUP; g++) pts[g * d + i] = (float)X[i * W + l0 + g];
    memset(acc, 0, sizeof(float) * GROUP * d);
    for (size_t g = 0; g < GROUP; g++) acc[g * d + (g * 7) % d] += pts[g * d + 3]; /* keeps the copies live */
    if (lane_major)
      for (size_t g = 0; g < GROUP; g++)
        for (size_t i = 0; i < d; i++) out[(l0 + g) * d + i] = (double)acc[g * d + i];
    else
      for (size_t i = 0; i < d; i++)
        for (size_t g = 0; g < GROUP; g++) out[i * W + l0 + g] = (double)acc[g * d + i];
  }
}

int main(int argc, char **argv) {
  const int mode = argc > 1 ? atoi(argv[1]) : 0;
  if (mode < 0 || mode > 2) {
    fprintf(stderr, "error: mode must be 0 ([d][W], 4 KB pages), 1 ([d][W], huge pages) or 2 ([W][d]); got %s\n", argv[1]);
    return 2;
  }
  const size_t n = (size_t)DIM * LANES, bytes = n * sizeof(double);
  double *X = NULL, *out = NULL;
  float *pts = malloc(sizeof(float) * GROUP * DIM), *acc = malloc(sizeof(float) * GROUP * DIM);
  if (posix_memalign((void **)&X, 2u << 20, bytes) || posix_memalign((void **)&out, 2u << 20, bytes) || !pts || !acc) {
    fprintf(stderr, "error: out of memory for two %zu-byte lane blocks\n", bytes);
    return 1;
  }
  const int advice = mode == 1 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
  madvise(X, bytes, advice);
  madvise(out, bytes, advice);
  for (size_t i = 0; i < n; i++) X[i] = 1e-3 * (double)(i % 1000), out[i] = 0.0;
  double best = 1e30, sink = 0.0;
  for (int rep = 0; rep < 5; rep++) {
    const double t0 = cpu_seconds();
    lane_pass(mode == 2, X, out, pts, acc);
    const double t = cpu_seconds() - t0;
    if (t < best) best = t;
    sink += out[0]; /* lane 0, parameter 0: the one entry the pass adds to */
  }
  static const char *const names[] = {"[d][W], 4 KB pages", "[d][W], huge pages asked", "[W][d] lane-major"};
  printf("%s: copies of one step over %d lanes: %.2f ms CPU, %.1f us per lane (check %g)\n", names[mode], LANES,
         1e3 * best, 1e6 * best / LANES, sink);
  free(X);
  free(out);
  free(pts);
  free(acc);
  return 0;
}
