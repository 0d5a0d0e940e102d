/* sgdlab train: placeholder until the subcommand lands (owned by the train work). */
#include <stdio.h>

#include "cli/cli.h"

int sgdl_cmd_train(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sgdlab train: error: not built yet\n");
  return 1;
}
