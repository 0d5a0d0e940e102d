/* sgdlab npoint: placeholder until the subcommand lands (owned by the npoint work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_npoint(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab npoint: error: not built yet\n");
  return 1;
}
