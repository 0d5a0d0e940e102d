/* libFuzzer harness: range strings "lo:hi:n" (sgdl_parse_range, src/cli/args.c), linear and
 * geometric (first input byte, even/odd), and comma lists through the same number parser
 * (sgdl_opt_list). On success every returned value must be readable. */
#include "cli/cli.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  char *text = fuzz_string(data + 1, size - 1);
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  double *v = NULL;
  int n = -1;
  int rc = sgdl_parse_range(&ctx, "--lr-range", text, data[0] & 1, &v, &n);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    if (!v || n < 1) abort();
    volatile double last = v[n - 1];
    (void)last;
  }
  free(v);
  /* The same text as a list option's value. */
  sgdl_opt opts[] = {{"lr", OPT_LIST, NULL, "rates", NULL, 0}, OPT_END};
  opts[0].value = text;
  v = NULL;
  rc = sgdl_opt_list(&ctx, opts, "lr", &v, &n);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) {
    volatile double last = v[n - 1];
    (void)last;
  }
  free(v);
  free(text);
  return 0;
}
