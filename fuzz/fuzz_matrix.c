/* libFuzzer harness: matrix strings (sgdl_parse_matrix, src/cli/args.c), as given to --H/--C.
 * The first input byte picks the form: even = inline text "a,b;c,d", odd = "@file" whose rows
 * are lines (the rest of the input is the file). On success rows x cols entries must exist. */
#include "cli/cli.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  char *text;
  if (data[0] & 1) {
    const char *path = fuzz_file(0, data + 1, size - 1);
    text = malloc(strlen(path) + 2);
    if (!text) abort();
    text[0] = '@';
    strcpy(text + 1, path);
  } else {
    text = fuzz_string(data + 1, size - 1);
  }
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  int rows = -1, cols = -1;
  double *A = NULL;
  int rc = sgdl_parse_matrix(&ctx, "--H", text, &rows, &cols, &A);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    if (!A || rows < 1 || cols < 1) abort();
    volatile double last = A[(size_t)rows * (size_t)cols - 1];
    (void)last;
  } else if (A) {
    abort();
  }
  free(A);
  free(text);
  return 0;
}
