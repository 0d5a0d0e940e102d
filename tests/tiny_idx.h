/* tiny_idx.h: writes a tiny MNIST-layout IDX pair (images idx3, 2x2 pixels; labels idx1, i mod
 * classes) for the tests that build their own network data set (test_mlp_problem,
 * test_stationary_network). Test-only; does not check write errors (the reader's checks do). */
#ifndef SGDL_TESTS_TINY_IDX_H
#define SGDL_TESTS_TINY_IDX_H
#include <stdint.h>
#include <stdio.h>

static void tiny_idx_put_be32(FILE *f, uint32_t v) {
  unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
  fwrite(b, 1, 4, f);
}

/* DIR/STEM-images-idx3-ubyte (n images of 2x2 pixels from px, row-major) and
 * DIR/STEM-labels-idx1-ubyte (label of image i: i mod classes). */
static void tiny_idx_write_pair(const char *dir, const char *stem, int n, const unsigned char *px, int classes) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, stem);
  FILE *f = fopen(path, "wb");
  tiny_idx_put_be32(f, 0x803), tiny_idx_put_be32(f, (uint32_t)n), tiny_idx_put_be32(f, 2), tiny_idx_put_be32(f, 2);
  fwrite(px, 1, (size_t)n * 4, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, stem);
  f = fopen(path, "wb");
  tiny_idx_put_be32(f, 0x801), tiny_idx_put_be32(f, (uint32_t)n);
  for (int i = 0; i < n; i++) fputc(i % classes, f);
  fclose(f);
}
#endif
