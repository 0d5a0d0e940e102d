/* sgdlab: command-line entry point. Dispatches to one subcommand per job (DESIGN.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sgdlab/ensemble.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"weak", sgdl_cmd_weak, "weak error of SDE/SMF models against SGD over learning rates, and its order"},
    {"npoint", sgdl_cmd_npoint, "multi-point statistics: runs from several starts sharing samples or noise"},
    {"stationary", sgdl_cmd_stationary, "exact stationary covariance of discrete SGD-type algorithms"},
    {"fpe", sgdl_cmd_fpe, "Fokker-Planck density of the SME in 1-D and 2-D"},
    {"exit", sgdl_cmd_exit, "mean exit time from a basin: PDE, quadrature, chain, Monte Carlo, Kramers"},
    {"train", sgdl_cmd_train, "train a multilayer network on IDX image data and measure noise geometry"},
    {"meanfield", sgdl_cmd_meanfield, "two-layer mean-field networks: particle SGD against the DD-SMF"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: sgdlab <command> [flags]   (sgdlab <command> --help for its flags)\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
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
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "sgdlab: error: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}

/* Under mpirun every rank runs the same command; ensembles split their replicas over the ranks
 * and rank 0 alone prints and writes files. */
int main(int argc, char **argv) {
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
