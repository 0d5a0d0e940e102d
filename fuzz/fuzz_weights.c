/* libFuzzer harness: weight files (sgdl_weights_load, src/nn/weights.c). Each input is loaded
 * twice: as given, and with its last 8 bytes replaced by the correct FNV-1a checksum of the
 * rest, so mutations get past the checksum into the header and layout checks. */
#include "fuzz_common.h"
#include "sgdlab/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void load_once(const char *path) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_weights w;
  int rc = sgdl_weights_load(&ctx, path, &w);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    if (!w.params || w.m.n_params == 0) abort();
    volatile double last = w.params[w.m.n_params - 1];
    (void)last;
    sgdl_weights_free(&w);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load_once(fuzz_file(0, data, size));
  if (size >= 16) {
    uint8_t *fixed = malloc(size);
    if (!fixed) abort();
    memcpy(fixed, data, size);
    uint64_t h = fnv1a(fixed, size - 8);
    for (int i = 0; i < 8; i++) fixed[size - 8 + i] = (uint8_t)(h >> (8 * i));
    load_once(fuzz_file(1, fixed, size));
    free(fixed);
  }
  return 0;
}
