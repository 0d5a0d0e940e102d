/* Test-only failing allocator for the sanitizer build (tests/leak_sweep.sh), linked into a
 * separate sgdlab with -Wl,--wrap=malloc,... (CMake option SGDL_FAILWRAP, off by default).
 * Unlike tests/failalloc.c (an LD_PRELOAD object, which needs glibc's malloc) it wraps only the
 * calls made by sgdlab's own objects and forwards the others to __real_*, which AddressSanitizer
 * owns: so LeakSanitizer sees whatever an error path forgets to free.
 * Environment:
 *   SGDL_FAILWRAP_K=k          the k-th wrapped call (from 1) returns NULL with errno ENOMEM
 *   SGDL_FAILWRAP_COUNT=FILE   at exit, write the number of wrapped calls to FILE
 * Does not: wrap calls made inside shared libraries (cJSON, zlib, OpenBLAS, libgomp, libc's own
 * helpers), or fail more than one call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
char *__wrap_strdup(const char *s);

static unsigned long fail_at, calls;
static int configured;

static void report(void) {
  const char *path = getenv("SGDL_FAILWRAP_COUNT");
  FILE *f = path ? fopen(path, "w") : NULL;
  if (f) {
    fprintf(f, "%lu\n", __atomic_load_n(&calls, __ATOMIC_RELAXED));
    fclose(f);
  }
}

static int should_fail(void) {
  if (!__atomic_load_n(&configured, __ATOMIC_ACQUIRE)) {
    const char *k = getenv("SGDL_FAILWRAP_K");
    fail_at = k ? strtoul(k, NULL, 10) : 0;
    if (__atomic_exchange_n(&configured, 1, __ATOMIC_ACQ_REL) == 0 && getenv("SGDL_FAILWRAP_COUNT")) atexit(report);
  }
  return __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) == fail_at;
}

void *__wrap_malloc(size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __real_malloc(size);
}
void *__wrap_calloc(size_t n, size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __real_realloc(p, size);
}
void *__wrap_aligned_alloc(size_t align, size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __real_aligned_alloc(align, size);
}
char *__wrap_strdup(const char *s) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __real_strdup(s);
}
