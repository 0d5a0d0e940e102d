/* sgdlab weak: placeholder until the subcommand lands (owned by the weak work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_weak(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab weak: error: not built yet\n");
  return 1;
}
