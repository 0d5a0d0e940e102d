/* sgdlab: command-line entry point. Dispatches to one subcommand per job (DESIGN.md; the table is
 * commands.c, shared with libsgdlab.so's in-process entry point run_json.c). */
#include <stdio.h>
#include <string.h>

#include "cli/blas.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "sgdlab/ensemble.h"

static void usage(FILE *f) {
  fprintf(f, "usage: sgdlab <command> [flags]   (sgdlab <command> --help for its flags)\n\ncommands:\n");
  for (size_t i = 0; i < sgdl_cli_n_commands; i++)
    fprintf(f, "  %-11s %s\n", sgdl_cli_commands[i].name, sgdl_cli_commands[i].summary);
  fprintf(f, "  %-11s %s\n", "info", "version, BLAS library and kernels, cores, threads, MPI");
  fprintf(f, "\nsgdlab %s\n", SGDL_VERSION);
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("sgdlab %s\n", SGDL_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "info")) return sgdl_cli_info();
  const sgdl_cli_command *cmd = sgdl_cli_command_find(argv[1]);
  if (cmd) return cmd->run(argc - 1, argv + 1);
  fprintf(stderr, "sgdlab: error: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}

/* Under mpirun every rank runs the same command; ensembles split their replicas over the ranks
 * and rank 0 alone prints and writes files. */
int main(int argc, char **argv) {
  sgdl_cli_blas_prefer(argv); /* may re-exec once with better BLAS kernels (cli/blas.h) */
  if (sgdl_mpi_init(&argc, &argv)) {
    fprintf(stderr, "sgdlab: error: MPI_Init failed\n");
    return 1;
  }
  sgdl_ctx probe;
  sgdl_ctx_init(&probe);
  sgdl_mpi_identify(&probe);
  if (probe.rank != 0 && !freopen("/dev/null", "w", stdout)) return 1;
  sgdl_cli_json_guard();
  int rc = dispatch(argc, argv);
  fflush(stdout);
  sgdl_mpi_finalize();
  return rc;
}
