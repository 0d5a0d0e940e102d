/* sgdlab run: any sgdlab command, run in-process, from a JSON object of its flags, returning the
 * text of its results.json. Only in libsgdlab.so (the shared library); the Python package is built
 * on it. The numbers are those of the sgdlab binary for the same flags, bit for bit: the same
 * option tables, checks and code run, only the output goes to the caller.
 *
 * args_json: a JSON object whose keys are the command's flags without dashes, as in --config:
 * strings are taken as written on the command line ("0.1", "gf,sme1"), numbers as %.17g,
 * arrays as comma-separated items, true / false for boolean flags, null as "not given".
 * NULL or "" means {}. "quiet" defaults to true (no progress bar, no summary on stdout); give
 * "quiet": false to have them. "out" writes the usual files into a folder, as with the binary.
 *
 * Threads: one run at a time per process (later callers wait); each run may use OpenMP threads
 * (flag "threads"). Without mpirun nothing MPI is touched.
 */
#ifndef SGDLAB_RUN_H
#define SGDLAB_RUN_H

#include <stddef.h>

#include "sgdlab/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run `command` (weak, npoint, stationary, fpe, exit, train, meanfield). On success returns 0 and
 * *results_json receives results.json as text (free it with sgdl_run_json_free). On failure
 * returns the binary's exit status (2: bad flags or values, 1: anything else), *results_json is
 * NULL and err (errlen bytes, may be NULL) receives the message the binary would print after
 * "sgdlab <command>: error: ". */
int sgdl_run_json(const char *command, const char *args_json, char **results_json, char *err, size_t errlen);
void sgdl_run_json_free(char *results_json);
/* on != 0: every later sgdl_run_json* call catches SIGINT for its duration (the caller's handler is
 * put back afterwards): the long loops stop at their next check, nothing of the run is written
 * (an --out folder keeps what it held), and the call returns 130 with err "interrupted (SIGINT)";
 * a SIGINT that arrives after the last check still returns 130, but the run's output stays written.
 * For hosts like Python, whose own SIGINT handler cannot run during a foreign call. Off by default. */
void sgdl_run_json_catch_sigint(int on);
/* fn != NULL: later runs report their progress bars' updates to fn (label such as "weak", "train",
 * "geometry"; fraction in [0, 1]; called on the thread that called sgdl_run_json) instead of
 * drawing on stderr, also under --quiet; where a command draws a bar only when not quiet (exit,
 * stationary --simulate, fpe) pass "quiet": false. NULL: off. */
void sgdl_run_json_progress(void (*fn)(void *user, const char *label, double fraction), void *user);
/* The same with a problem defined by callbacks (sgdlab/problem.h, sgdl_callback_problem): the flag
 * "problem": "callback" means it for this run. Its failed / failure fields are reset before the
 * run; when a callback failed, the run returns 1 and err says which callback failed (the command's
 * own later complaints, e.g. about NaN, are consequences and are not reported). The callbacks run
 * on the run's OpenMP threads, possibly several at once. */
int sgdl_run_json_with_problem(const char *command, const char *args_json, sgdl_callback_problem *problem,
                               char **results_json, char *err, size_t errlen);
/* Finite-difference self-check of a callback problem at x (d doubles; NULL: the origin), as
 * sgdl_problem_check (sgdlab/problem.h): errs[4] receives the four relative errors (grad vs loss,
 * hvp vs grad, grad_sample vs loss_sample, mean of grad_sample vs grad). Returns 0 when all are
 * within tol, else non-zero with msg (msglen bytes, may be NULL) naming the first check that failed
 * or the callback that failed. */
int sgdl_check_problem(sgdl_callback_problem *problem, const double *x, double tol, double errs[4], char *msg,
                       size_t msglen);
/* The library's version, "MAJOR.MINOR.PATCH" (results.json's "version"). */
const char *sgdl_library_version(void);

#ifdef __cplusplus
}
#endif
#endif
