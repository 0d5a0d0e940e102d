/* libFuzzer harness: option parsing (sgdl_cli_parse, src/cli/args.c) on a generated argv and a
 * --config JSON file, then every typed getter on every option that has a value. Input layout:
 * the JSON file's text, a NUL byte, then argv tokens separated by newlines (no NUL: no config
 * file). The option table mixes every kind and constraint the commands declare. Tokens naming
 * another --config are dropped (they could name any file on the host, e.g. a FIFO). */
#include "cli/cli.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sgdl_opt table[] = {
    SGDL_COMMON_OPTS,
    SGDL_PROBLEM_OPTS,
    {"lr", OPT_LIST, "0.1", "learning rates", NULL, 0, OPT_ITEMS(0, 0, OPT_GT, 1, 0)},
    {"T", OPT_NUM, "1", "horizon", NULL, 0, OPT_POSITIVE},
    {"paths", OPT_INT, "1000", "replicas", NULL, 0, OPT_RANGE(1, 1e12, OPT_GE | OPT_LE)},
    {"momentum", OPT_NUM, "0.9", "momentum", NULL, 0, OPT_RANGE(0, 1, OPT_GE | OPT_LT)},
    {"sampling", OPT_STR, "with", "sampling", NULL, 0, OPT_CHOICES("with|without")},
    {"grid", OPT_LIST, NULL, "grid", NULL, 0, OPT_ITEMS(2, 0, OPT_GE | OPT_WHOLE, 1, 2)},
    {"lr-range", OPT_STR, NULL, "lo:hi:n", NULL, 0},
    {"geometric", OPT_FLAG, NULL, "geometric range", NULL, 0},
    OPT_END};

/* Every getter that applies to the option's kind; results are only checked for consistency. */
static void read_all(sgdl_ctx *ctx) {
  for (sgdl_opt *o = table; o->name; o++) {
    if (!o->value) continue;
    double x, *v = NULL;
    long long k;
    int n, r, c, rc = SGDL_OK;
    if (o->kind == OPT_NUM || o->kind == OPT_INT) rc = sgdl_opt_num(ctx, table, o->name, &x);
    if (o->kind == OPT_INT) rc = sgdl_opt_int(ctx, table, o->name, &k);
    if (o->kind == OPT_FLAG) (void)sgdl_opt_flag(table, o->name);
    if (o->kind == OPT_LIST) {
      rc = sgdl_opt_list(ctx, table, o->name, &v, &n);
      free(v);
    }
    if (!strcmp(o->name, "H") || !strcmp(o->name, "C")) {
      rc = sgdl_parse_matrix(ctx, o->name, o->value, &r, &c, &v);
      free(v);
    }
    if (!strcmp(o->name, "lr-range")) {
      rc = sgdl_parse_range(ctx, o->name, o->value, sgdl_opt_flag(table, "geometric"), &v, &n);
      free(v);
    }
    fuzz_check_failure(ctx, rc);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  const uint8_t *args = nul ? nul + 1 : data;
  size_t nargs = size - (size_t)(args - data);
  char *text = fuzz_string(args, nargs);
  char **argv = malloc(sizeof *argv * (nargs + 5)); /* tokens <= nargs + 1, plus 4 */
  if (!argv) abort();
  int argc = 0;
  argv[argc++] = "fuzz";
  for (char *tok = text, *next; tok; tok = next) {
    next = strchr(tok, '\n');
    if (next) *next++ = '\0';
    if (strncmp(tok, "--config", 8) != 0 && strncmp(tok, "-h", 2) != 0 && strncmp(tok, "--help", 6) != 0)
      argv[argc++] = tok;
  }
  if (nul) {
    argv[argc++] = "--config";
    argv[argc++] = (char *)fuzz_file(0, data, (size_t)(nul - data));
  }
  argv[argc] = NULL;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  int rc = sgdl_cli_parse(&ctx, "fuzz", "fuzzing harness", table, argc, argv);
  fuzz_check_failure(&ctx, rc);
  if (rc == SGDL_OK) read_all(&ctx);
  free(argv);
  free(text);
  return 0;
}
