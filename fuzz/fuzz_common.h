/* Shared helpers for the libFuzzer harnesses under fuzz/: the parsers read files by path, so each
 * harness writes its input into a private temporary file (one per process, reused for every run
 * and removed at exit) and hands that path over. Also silences stdout (--help text) once.
 * Does not: check parser results; harnesses only look for crashes, leaks and undefined behaviour. */
#ifndef SGDL_FUZZ_COMMON_H
#define SGDL_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgdlab/core.h"

#define FUZZ_TEMP_FILES 2

static char fuzz_paths[FUZZ_TEMP_FILES][4096];

static inline void fuzz_remove_temps(void) {
  for (int i = 0; i < FUZZ_TEMP_FILES; i++)
    if (fuzz_paths[i][0]) unlink(fuzz_paths[i]);
}

/* The path of private temporary file `slot` (0 or 1) now holding exactly data[0..n). Aborts if the
 * file cannot be written: that is a broken fuzzing host, not a finding. */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t n) {
  if (!fuzz_paths[slot][0]) {
    const char *dir = getenv("TMPDIR");
    snprintf(fuzz_paths[slot], sizeof fuzz_paths[slot], "%s/sgdl-fuzz-%d-XXXXXX", dir && *dir ? dir : "/tmp", slot);
    int fd = mkstemp(fuzz_paths[slot]);
    if (fd < 0) abort();
    close(fd);
    static int registered;
    if (!registered++) atexit(fuzz_remove_temps);
  }
  FILE *f = fopen(fuzz_paths[slot], "wb");
  if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) abort();
  return fuzz_paths[slot];
}

/* A NUL-terminated heap copy of data[0..n) (the parsers take C strings). */
static inline char *fuzz_string(const uint8_t *data, size_t n) {
  char *s = malloc(n + 1);
  if (!s) abort();
  memcpy(s, data, n);
  s[n] = '\0';
  return s;
}

/* A failure must leave a message: every parser error goes through sgdl_fail. */
static inline void fuzz_check_failure(const sgdl_ctx *ctx, int rc) {
  if (rc != SGDL_OK && ctx->msg[0] == '\0') abort();
}

#endif
