/* The subcommands of sgdlab, one table for the binary (main.c) and the in-process entry point of
 * libsgdlab.so (run_json.c), and the capture through which a command run in-process hands over its
 * results.json and its error message instead of printing them.
 * It runs nothing itself and owns nothing the caller must free. */
#ifndef SGDLAB_CLI_COMMANDS_H
#define SGDLAB_CLI_COMMANDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sgdlab/problem.h"
#include "sgdlab/report.h"

typedef struct sgdl_cli_command {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit status */
  const char *summary;
} sgdl_cli_command;

extern const sgdl_cli_command sgdl_cli_commands[];
extern const size_t sgdl_cli_n_commands;
/* The command called `name`, or NULL. */
const sgdl_cli_command *sgdl_cli_command_find(const char *name);

/* Capture of one in-process run, on the calling thread. While a capture is open, sgdl_cli_emit
 * hands results.json to it (sgdl_cli_capture_results: 1 if taken, 0 if no capture is open) and
 * sgdl_cli_error / sgdl_cli_emit hand their message to it instead of writing it to stderr
 * (sgdl_cli_capture_error: 1 if taken). A capture keeps the first message only (the cause).
 * Open and close belong to run_json.c; the texts belong to the capture until taken with
 * sgdl_cli_capture_close, which returns the results text (caller frees with free(), NULL when the
 * command produced none) and copies the message into msg (size msglen; "" when none). */
void sgdl_cli_capture_open(void);
char *sgdl_cli_capture_close(char *msg, size_t msglen);
int sgdl_cli_capture_results(const cJSON *results);
int sgdl_cli_capture_error(const char *msg);

/* The problem --problem callback means during one in-process run (run_json.c sets it before the
 * command and clears it with NULL after); borrowed. */
void sgdl_cli_set_callback_problem(sgdl_callback_problem *cb);
/* The host's progress sink during one in-process run (run_json.c sets it before the command and
 * clears it with NULL after): every bar the command starts (sgdl_cli_progress_bar_start) gets it. */
void sgdl_cli_set_progress_sink(sgdl_progress_sink fn, void *user);

#endif
