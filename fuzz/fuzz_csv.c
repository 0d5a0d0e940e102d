/* libFuzzer harness: the CSV data reader (sgdl_data_read_csv, src/problem/csv.c) on arbitrary
 * file contents. On success the shapes must be consistent and the outputs owned by the caller. */
#include "fuzz_common.h"
#include "sgdlab/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  double *X = NULL, *y = NULL;
  size_t N = 0;
  int d = 0;
  int rc = sgdl_data_read_csv(&ctx, fuzz_file(0, data, size), &X, &y, &N, &d);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    if (N == 0 || d < 1 || !X || !y) abort();
    double sum = y[N - 1] + X[N * (size_t)d - 1]; /* touch both ends: ASan checks the extents */
    (void)sum;
  } else if (X || y) {
    abort();
  }
  sgdl_free(X);
  sgdl_free(y);
  return 0;
}
