/* The subcommand table (commands.h) and the capture of in-process runs: where a command's
 * results.json and error message go when libsgdlab.so runs it for a C or Python caller rather than
 * the sgdlab binary for a shell. No parsing, no numerics, no files here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

const sgdl_cli_command sgdl_cli_commands[] = {
    {"weak", sgdl_cmd_weak, "weak error of SDE/SMF models against SGD over learning rates, and its order"},
    {"npoint", sgdl_cmd_npoint, "multi-point statistics: runs from several starts sharing samples or noise"},
    {"stationary", sgdl_cmd_stationary, "exact stationary covariance of discrete SGD-type algorithms"},
    {"fpe", sgdl_cmd_fpe, "Fokker-Planck density of the SME in 1-D and 2-D"},
    {"exit", sgdl_cmd_exit, "mean exit time from a basin: PDE, quadrature, chain, Monte Carlo, Kramers"},
    {"train", sgdl_cmd_train, "train a multilayer network on IDX image data and measure noise geometry"},
    {"meanfield", sgdl_cmd_meanfield, "two-layer mean-field networks: particle SGD against the DD-SMF"},
};
const size_t sgdl_cli_n_commands = sizeof sgdl_cli_commands / sizeof *sgdl_cli_commands;

const sgdl_cli_command *sgdl_cli_command_find(const char *name) {
  for (size_t i = 0; i < sgdl_cli_n_commands; i++)
    if (!strcmp(name, sgdl_cli_commands[i].name)) return &sgdl_cli_commands[i];
  return NULL;
}

/* One capture per thread: a command runs on the thread that called it (its OpenMP workers never
 * emit). */
typedef struct capture {
  int open;
  char *results;   /* cJSON_Print text, owned */
  char msg[1024];  /* the first error message */
} capture;

static _Thread_local capture current;

void sgdl_cli_capture_open(void) {
  free(current.results);
  memset(&current, 0, sizeof current);
  current.open = 1;
}

char *sgdl_cli_capture_close(char *msg, size_t msglen) {
  char *results = current.results;
  if (msg && msglen) snprintf(msg, msglen, "%s", current.msg);
  memset(&current, 0, sizeof current);
  return results;
}

int sgdl_cli_capture_results(const cJSON *results) {
  if (!current.open) return 0;
  free(current.results);
  current.results = cJSON_Print(results);
  if (!current.results) sgdl_cli_capture_error("out of memory printing results.json");
  return 1;
}

int sgdl_cli_capture_error(const char *msg) {
  if (!current.open) return 0;
  if (!current.msg[0]) snprintf(current.msg, sizeof current.msg, "%s", msg);
  return 1;
}
