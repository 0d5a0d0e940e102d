/* sgdlab fpe: placeholder until the subcommand lands (owned by the fpe work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_fpe(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab fpe: error: not built yet\n");
  return 1;
}
