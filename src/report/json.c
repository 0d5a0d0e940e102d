/* results.json through cJSON: the common envelope (command, version, schema, seed, params),
 * arrays and matrices of doubles (non-finite -> null), atomic write, printing. */
#include "sgdlab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cJSON *sgdl_results_new(const char *command, uint64_t seed, cJSON *params) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "command", command);
  cJSON_AddStringToObject(r, "version", SGDL_VERSION);
  cJSON_AddNumberToObject(r, "schema", SGDL_RESULTS_SCHEMA);
  cJSON_AddNumberToObject(r, "seed", (double)seed);
  if (params) sgdl_json_put(r, "params", params);
  return r;
}

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

cJSON *sgdl_json_doubles(const double *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++) sgdl_json_push(a, num_or_null(v[i]));
  return a;
}

cJSON *sgdl_json_matrix(int rows, int cols, const double *A) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < rows; i++) sgdl_json_push(a, sgdl_json_doubles(A + (size_t)i * cols, (size_t)cols));
  return a;
}

void sgdl_json_add_number(cJSON *obj, const char *key, double v) { sgdl_json_put(obj, key, num_or_null(v)); }

/* cJSON prints doubles with %1.15g then %1.17g if needed: round-trip exact. */
int sgdl_json_write(sgdl_ctx *ctx, const char *path, const cJSON *root) {
  char *s = cJSON_Print(root);
  if (!s) return sgdl_fail(ctx, SGDL_ENOMEM, "cannot serialise %s", path);
  size_t n = strlen(s);
  char *t = realloc(s, n + 2);
  if (!t) {
    free(s);
    return sgdl_fail(ctx, SGDL_ENOMEM, "cannot serialise %s", path);
  }
  t[n] = '\n';
  t[n + 1] = 0;
  int rc = sgdl_write_atomic(ctx, path, t, n + 1);
  free(t);
  return rc;
}

void sgdl_json_print(FILE *f, const cJSON *root) {
  char *s = cJSON_Print(root);
  if (s) {
    fputs(s, f);
    fputc('\n', f);
    free(s);
  }
}

int sgdl_json_put(cJSON *obj, const char *key, cJSON *item) {
  if (obj && item && cJSON_AddItemToObject(obj, key, item)) return 1;
  cJSON_Delete(item);
  return 0;
}

int sgdl_json_push(cJSON *array, cJSON *item) {
  if (array && item && cJSON_AddItemToArray(array, item)) return 1;
  cJSON_Delete(item);
  return 0;
}
