/* Test-only failing allocator (SQLite / Lua style), loaded with LD_PRELOAD by tests/cli_failalloc.sh.
 * Interposes malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign, forwards them to
 * glibc's own __libc_* entry points, and counts the calls made after main() starts (it wraps
 * __libc_start_main, so the constructors of OpenMP, OpenBLAS and the loader are not counted).
 * Environment:
 *   SGDL_FAILALLOC_K=k          the k-th counted call (from 1) returns NULL with errno ENOMEM;
 *                               unset or 0: nothing fails (counting only)
 *   SGDL_FAILALLOC_COUNT=FILE   at exit, write the number of counted calls to FILE
 *   SGDL_FAILALLOC_TRACE=1      when the k-th call fails, print its backtrace to stderr (to tell
 *                               our code from a library's)
 * It removes LD_PRELOAD from the environment, so child processes (gnuplot) run unaffected.
 * Does not: interpose free (the memory is glibc's either way), fail more than one call, or count
 * allocations made before main or by the dynamic loader. Not linked into anything but the test. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static int armed;                  /* main() has started */
static unsigned long fail_at;      /* SGDL_FAILALLOC_K */
static unsigned long calls;        /* counted calls so far */
static int trace;

/* Exported so that the test build sees prototypes (-Wmissing-prototypes). */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
int posix_memalign(void **out, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

/* 1 when this call is the one to fail. Thread-safe: the counter is atomic. */
static int should_fail(void) {
  if (!armed) return 0;
  unsigned long k = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  if (k != fail_at) return 0;
  if (trace) {
    static const char msg[] = "failalloc: failing this allocation:\n";
    if (write(2, msg, sizeof msg - 1) < 0) return 1;
    void *frames[32];
    int n = backtrace(frames, 32);
    backtrace_symbols_fd(frames, n, 2);
  }
  return 1;
}

void *malloc(size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
  if (p && size == 0) return __libc_realloc(p, size); /* a free, not an allocation */
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size) {
  if (should_fail()) { errno = ENOMEM; return NULL; }
  return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size) { return memalign(align, size); }

int posix_memalign(void **out, size_t align, size_t size) {
  if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
  void *p = memalign(align, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

static void write_count(void) {
  const char *path = getenv("SGDL_FAILALLOC_COUNT");
  if (!path) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lu\n", __atomic_load_n(&calls, __ATOMIC_RELAXED));
  if (write(fd, buf, (size_t)n) < 0) { /* nothing to do: the test reports a missing count */ }
  close(fd);
}

static int (*real_main)(int, char **, char **);

static int counting_main(int argc, char **argv, char **envp) {
  const char *k = getenv("SGDL_FAILALLOC_K");
  fail_at = k ? strtoul(k, NULL, 10) : 0;
  trace = getenv("SGDL_FAILALLOC_TRACE") != NULL;
  if (trace) {
    void *frames[2];
    backtrace(frames, 2); /* loads libgcc_s now, so the traced failure needs no allocation */
  }
  atexit(write_count);
  unsetenv("LD_PRELOAD"); /* children (gnuplot, mpirun) allocate normally and are not counted */
  __atomic_store_n(&armed, 1, __ATOMIC_RELAXED);
  return real_main(argc, argv, envp);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
  typedef int (*start_fn)(int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void),
                          void (*)(void), void *);
  start_fn real_start;
  void *sym = dlsym(RTLD_NEXT, "__libc_start_main");
  memcpy(&real_start, &sym, sizeof real_start);
  real_main = main;
  return real_start(counting_main, argc, argv, init, fini, rtld_fini, stack_end);
}
