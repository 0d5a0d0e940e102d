/* The in-process entry point of libsgdlab.so (include/sgdlab/run.h): a JSON object of flags is
 * turned into the argument vector the binary would get (--key=value for each key, in order), the
 * command runs exactly as from main.c, and its results.json and error message come back through the
 * capture of commands.c instead of stdout and stderr, under the same guard as main.c (a failed cJSON
 * allocation fails the run instead of dropping entries). It parses no option itself: the command's
 * table checks every key and value and names what was wrong. It does not initialise MPI.
 * With a callback problem (sgdl_run_json_with_problem) "--problem callback" means it for that run;
 * sgdl_check_problem runs the problem layer's finite-difference self-check on one. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sgdlab/core.h"
#include "sgdlab/problem.h"
#include "sgdlab/run.h"

/* Commands share process state (OpenMP thread count, --config strings, the callback problem and
 * progress sink of common.c): one run at a time. */
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

/* An argument vector under construction; every string is owned. */
typedef struct argv_buf {
  char **v;
  int n, cap;
} argv_buf;

static int argv_push(argv_buf *a, char *s) {
  if (!s) return -1;
  if (a->n + 2 > a->cap) {
    int cap = a->cap ? 2 * a->cap : 16;
    char **v = realloc(a->v, sizeof *v * (size_t)cap);
    if (!v) {
      free(s);
      return -1;
    }
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
  return 0;
}

static void argv_free(argv_buf *a) {
  for (int i = 0; i < a->n; i++) free(a->v[i]);
  free(a->v);
}

/* "--key=value" as a new string. */
static char *flag_text(const char *key, const char *value) {
  size_t n = strlen(key) + strlen(value) + 4;
  char *s = malloc(n);
  if (s) snprintf(s, n, "--%s=%s", key, value);
  return s;
}

/* The text of one scalar JSON value as --config reads it (strings as written, numbers %.17g,
 * booleans 1 / 0) into buf; 0 if the item is no scalar. */
static int scalar_text(const cJSON *it, char *buf, size_t size) {
  if (cJSON_IsString(it)) snprintf(buf, size, "%s", it->valuestring);
  else if (cJSON_IsNumber(it)) snprintf(buf, size, "%.17g", it->valuedouble);
  else if (cJSON_IsBool(it)) snprintf(buf, size, "%s", cJSON_IsTrue(it) ? "1" : "0");
  else return 0;
  return 1;
}

/* One key of args_json as "--key=value" onto a; null adds nothing. Errors name the key. */
static int push_key(argv_buf *a, const cJSON *it, char *err, size_t errlen) {
  if (cJSON_IsNull(it)) return 0;
  if (cJSON_IsArray(it)) { /* [0.1, 0.05] -> "0.1,0.05", as on the command line */
    size_t cap = 64, len = 0;
    char *text = calloc(1, cap), item[4096];
    for (const cJSON *x = it->child; x && text; x = x->next) {
      if (!scalar_text(x, item, sizeof item)) {
        free(text);
        snprintf(err, errlen, "args: key \"%s\": list items must be numbers or strings", it->string);
        return SGDL_EUSAGE;
      }
      size_t need = len + strlen(item) + 2;
      char *t = need > cap ? realloc(text, cap = 2 * need) : text;
      if (!t) free(text);
      text = t;
      if (text) len += (size_t)snprintf(text + len, cap - len, "%s%s", len ? "," : "", item);
    }
    char *flag = text ? flag_text(it->string, text) : NULL;
    free(text);
    return argv_push(a, flag) ? SGDL_ENOMEM : 0;
  }
  char value[4096];
  if (!scalar_text(it, value, sizeof value)) {
    snprintf(err, errlen, "args: key \"%s\" has an unsupported type (an object)", it->string);
    return SGDL_EUSAGE;
  }
  return argv_push(a, flag_text(it->string, value)) ? SGDL_ENOMEM : 0;
}

/* The argument vector for `command` with the flags of args (a JSON object). */
static int build_argv(const char *command, const cJSON *args, argv_buf *a, char *err, size_t errlen) {
  int rc = argv_push(a, strdup(command)) ? SGDL_ENOMEM : 0;
  if (!rc && !cJSON_GetObjectItemCaseSensitive(args, "quiet")) rc = argv_push(a, strdup("--quiet")) ? SGDL_ENOMEM : 0;
  for (const cJSON *it = args->child; it && !rc; it = it->next) rc = push_key(a, it, err, errlen);
  if (rc == SGDL_ENOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}

static int catch_sigint; /* sgdl_run_json_catch_sigint */

void sgdl_run_json_catch_sigint(int on) { catch_sigint = on != 0; }

/* sgdl_run_json_progress: the host's sink, handed to each run's command (sgdl_cli_set_progress_sink)
 * and from there to every bar it starts. */
static sgdl_progress_sink host_sink;
static void *host_sink_user;

void sgdl_run_json_progress(void (*fn)(void *user, const char *label, double fraction), void *user) {
  pthread_mutex_lock(&run_lock);
  host_sink = fn;
  host_sink_user = user;
  pthread_mutex_unlock(&run_lock);
}

static void on_sigint(int sig) {
  (void)sig;
  sgdl_interrupt_request();
}

/* Exit status of the binary for a library error code (2 for usage, 1 otherwise). */
static int status_of(int rc) { return rc == SGDL_EUSAGE ? 2 : 1; }

/* sgdl_run_json with --problem callback meaning cb (NULL: no such problem). */
static int run_json(const char *command, const char *args_json, sgdl_callback_problem *cb, char **results_json,
                    char *err, size_t errlen) {
  char scratch[256]; /* room for the messages the status depends on ("...memory...") */
  if (!err || !errlen) {
    err = scratch;
    errlen = sizeof scratch;
  }
  err[0] = 0;
  if (results_json) *results_json = NULL;
  const sgdl_cli_command *cmd = command ? sgdl_cli_command_find(command) : NULL;
  if (!results_json) {
    snprintf(err, errlen, "sgdl_run_json: results_json must not be NULL");
    return 2;
  }
  if (!cmd) {
    snprintf(err, errlen, "unknown command '%s' (weak, npoint, stationary, fpe, exit, train, meanfield)",
             command ? command : "(null)");
    return 2;
  }
  pthread_mutex_lock(&run_lock);
  sgdl_cli_json_guard(); /* the binary's protection: a failed cJSON allocation fails the run (cli.h) */
  cJSON *args = args_json && args_json[0] ? cJSON_Parse(args_json) : cJSON_CreateObject();
  if (!args || !cJSON_IsObject(args)) {
    cJSON_Delete(args);
    const int oom = sgdl_cli_json_alloc_failed();
    pthread_mutex_unlock(&run_lock);
    snprintf(err, errlen, oom ? "out of memory reading args" : "args: not a JSON object");
    return oom ? 1 : 2;
  }
  argv_buf a = {0};
  int rc = build_argv(command, args, &a, err, errlen);
  cJSON_Delete(args);
  if (rc) {
    pthread_mutex_unlock(&run_lock);
    argv_free(&a);
    return status_of(rc);
  }
  if (cb) {
    cb->failed = 0;
    cb->failure[0] = 0;
  }
  sgdl_cli_set_callback_problem(cb);
  sgdl_cli_set_progress_sink(host_sink, host_sink_user);
  sgdl_cli_json_guard(); /* the run starts with a clear flag */
  struct sigaction caught, previous;
  const int catching = catch_sigint;
  if (catching) {
    memset(&caught, 0, sizeof caught);
    caught.sa_handler = on_sigint;
    sigemptyset(&caught.sa_mask);
    sgdl_interrupt_clear();
    sigaction(SIGINT, &caught, &previous);
  }
  sgdl_cli_capture_open();
  int status = cmd->run(a.n, a.v);
  sgdl_cli_out_close(); /* the next run in this process opens its own --out set */
  fflush(stdout);
  char *results = sgdl_cli_capture_close(err, errlen);
  sgdl_cli_set_callback_problem(NULL);
  sgdl_cli_set_progress_sink(NULL, NULL);
  if (catching) {
    sigaction(SIGINT, &previous, NULL);
    if (sgdl_interrupt_requested()) { /* the user's wish wins over whatever the run returned */
      free(results);
      results = NULL;
      snprintf(err, errlen, "interrupted (SIGINT)");
      status = 130;
    }
    sgdl_interrupt_clear();
  }
  pthread_mutex_unlock(&run_lock);
  if (cb && cb->failed && status != 130) { /* the cause, whatever the NaNs it left did to the run afterwards */
    snprintf(err, errlen, "--problem callback: %s", cb->failure);
    status = 1;
  }
  argv_free(&a);
  if (status == 0 && !results) { /* a message here: printing results.json ran out of memory */
    if (!err[0]) snprintf(err, errlen, "%s: the command produced no results (was \"help\" given?)", command);
    status = err[0] && strstr(err, "memory") ? 1 : 2;
  }
  if (status != 0) {
    free(results);
    if (!err[0]) snprintf(err, errlen, "%s failed with exit status %d", command, status);
    return status;
  }
  *results_json = results;
  return 0;
}

int sgdl_run_json(const char *command, const char *args_json, char **results_json, char *err, size_t errlen) {
  return run_json(command, args_json, NULL, results_json, err, errlen);
}

int sgdl_run_json_with_problem(const char *command, const char *args_json, sgdl_callback_problem *problem,
                               char **results_json, char *err, size_t errlen) {
  if (!problem) {
    if (err && errlen) snprintf(err, errlen, "sgdl_run_json_with_problem: problem must not be NULL");
    if (results_json) *results_json = NULL;
    return 2;
  }
  return run_json(command, args_json, problem, results_json, err, errlen);
}

int sgdl_check_problem(sgdl_callback_problem *problem, const double *x, double tol, double errs[4], char *msg,
                       size_t msglen) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem_spec spec;
  sgdl_problem_spec_init(&spec);
  spec.name = "callback";
  spec.callbacks = problem;
  for (int k = 0; k < 4; k++) errs[k] = NAN;
  if (problem) {
    problem->failed = 0;
    problem->failure[0] = 0;
  }
  sgdl_problem *p = NULL;
  double *x0 = NULL;
  int rc = sgdl_problem_create(&ctx, &spec, &p);
  if (!rc && !x) {
    x0 = sgdl_alloc(&ctx, (size_t)p->dim, sizeof *x0);
    if (!x0) rc = SGDL_ENOMEM;
    else sgdl_problem_default_x0(p, 0, x0);
  }
  if (!rc) rc = sgdl_problem_check(&ctx, p, x ? x : x0, tol, errs);
  if (problem && problem->failed) rc = sgdl_fail(&ctx, SGDL_EINVAL, "%s", problem->failure);
  if (msg && msglen) snprintf(msg, msglen, "%s", rc ? ctx.msg : "");
  sgdl_free(x0);
  sgdl_problem_destroy(p);
  return rc;
}

void sgdl_run_json_free(char *results_json) { free(results_json); }

const char *sgdl_library_version(void) { return SGDL_VERSION; }
