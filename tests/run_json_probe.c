/* Test helper for tests/cli_run_json_guard.sh (not a ctest case of its own): runs one command
 * in-process through sgdl_run_json (libsgdlab.so, as Python does) once per OUT file given, writing
 * each run's results.json text to its OUT file, or on failure "error: <message>" to stderr and
 * no file. Exit status: that of the first failing run, else 0.
 * Usage: run_json_probe COMMAND ARGS_JSON OUT [OUT...]
 * Does not: check anything itself (the script compares the files). */
#include <stdio.h>
#include <stdlib.h>

#include "sgdlab/run.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: run_json_probe COMMAND ARGS_JSON OUT [OUT...]\n");
    return 2;
  }
  int first = 0;
  for (int i = 3; i < argc; i++) {
    char err[1024], *results = NULL;
    const int status = sgdl_run_json(argv[1], argv[2], &results, err, sizeof err);
    if (status) {
      fprintf(stderr, "run %d: error: %s\n", i - 2, err);
      if (!first) first = status;
      continue;
    }
    FILE *f = fopen(argv[i], "w");
    if (!f || fputs(results, f) < 0 || fclose(f) != 0) {
      fprintf(stderr, "run %d: error: cannot write %s\n", i - 2, argv[i]);
      if (!first) first = 1;
    }
    sgdl_run_json_free(results);
  }
  return first;
}
