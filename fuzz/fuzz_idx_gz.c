/* libFuzzer harness: the IDX reader (src/nn/idx.c) through its gzip path. The input is the
 * uncompressed IDX content; the harness gzip-compresses it first, so mutations reach the header
 * and payload checks behind zlib (fuzz_idx covers corrupt compressed streams). Then the whole
 * data-folder loader (sgdl_imageset_load) reads it as images and a matching label file. */
#include <zlib.h>

#include "fuzz_common.h"
#include "sgdlab/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uLongf zcap = compressBound((uLong)size) + 64;
  uint8_t *z = malloc(zcap);
  if (!z) abort();
  /* A gzip wrapper (windowBits 15 + 16) so gzopen sees a .gz file, as MNIST ships. */
  z_stream s;
  memset(&s, 0, sizeof s);
  if (deflateInit2(&s, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
  s.next_in = (Bytef *)data;
  s.avail_in = (uInt)size;
  s.next_out = z;
  s.avail_out = (uInt)zcap;
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) abort();
  size_t zlen = zcap - s.avail_out;
  deflateEnd(&s);
  const char *images = fuzz_file(0, z, zlen);
  /* Labels: as many as the images announce (when that is small), all class 1. */
  uint32_t n = size >= 8 ? (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7] : 1;
  if (n == 0 || n > 4096) n = 1;
  uint8_t lab[8 + 4096];
  memcpy(lab, "\0\0\x08\x01", 4);
  for (int i = 0; i < 4; i++) lab[4 + i] = (uint8_t)(n >> (24 - 8 * i));
  memset(lab + 8, 1, n);
  const char *labels = fuzz_file(1, lab, 8 + n);
  free(z);

  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint8_t *buf = NULL;
  uint32_t dims[3];
  int rc = sgdl_idx_read(&ctx, images, 3, &buf, dims);
  fuzz_check_failure(&ctx, rc);
  sgdl_free(buf);
  sgdl_imageset set;
  rc = sgdl_imageset_load(&ctx, images, labels, &set);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    if (set.n == 0 || set.dim <= 0 || set.n_classes < 2) abort();
    volatile uint8_t last = set.images[set.n * (size_t)set.dim - 1];
    (void)last;
    sgdl_imageset half;
    if (sgdl_imageset_slice(&ctx, &set, set.n / 2, set.n - set.n / 2, &half) == SGDL_OK) sgdl_imageset_free(&half);
    sgdl_imageset_free(&set);
  }
  return 0;
}
