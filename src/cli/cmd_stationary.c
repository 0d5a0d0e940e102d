/* sgdlab stationary: placeholder until the subcommand lands (owned by the stationary work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_stationary(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab stationary: error: not built yet\n");
  return 1;
}
