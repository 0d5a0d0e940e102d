/* libFuzzer harness: the IDX reader (sgdl_idx_read, src/nn/idx.c) on arbitrary file contents,
 * raw or gzip (zlib's gzread passes raw files through, so one harness covers both), read as a
 * label file (1 dimension) and as an image file (3 dimensions). On success the announced
 * dimensions must cover exactly the returned buffer. */
#include "fuzz_common.h"
#include "sgdlab/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file(0, data, size);
  for (int ndim = 1; ndim <= 3; ndim += 2) {
    sgdl_ctx ctx;
    sgdl_ctx_init(&ctx);
    uint8_t *buf = NULL;
    uint32_t dims[3] = {0, 0, 0};
    int rc = sgdl_idx_read(&ctx, path, ndim, &buf, dims);
    fuzz_check_failure(&ctx, rc);
    if (rc == SGDL_OK) {
      size_t total = 1;
      for (int i = 0; i < ndim; i++) total *= dims[i];
      if (!buf || total == 0) abort();
      volatile uint8_t last = buf[total - 1]; /* ASan checks the extent */
      (void)last;
    } else if (buf) {
      abort();
    }
    sgdl_free(buf);
  }
  return 0;
}
