/* sgdlab exit: placeholder until the subcommand lands (owned by the exit work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_exit(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab exit: error: not built yet\n");
  return 1;
}
