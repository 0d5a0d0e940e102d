/* Option parsing shared by every subcommand: --flag value / --flag=value, boolean flags,
 * --config FILE.json (same keys; command-line flags win), --help generated from the table
 * (with each option's range or choices), the one check of every value against what its row
 * declares (sgdl_opt: range, open/closed ends, integers, choices, list length), and typed
 * getters whose errors name the flag and the text that was wrong. It knows nothing of what
 * the options mean: checks across several flags belong to the commands. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* Strings created while merging --config live as long as the process (one CLI run); they are
 * freed at exit so leak checkers stay quiet. */
static char **kept;
static size_t n_kept;

static void free_kept(void) {
  for (size_t i = 0; i < n_kept; i++) free(kept[i]);
  free(kept);
  kept = NULL;
  n_kept = 0;
}

static char *keep(const char *s) {
  char *c = strdup(s);
  char **k = realloc(kept, sizeof *kept * (n_kept + 1));
  if (!c || !k) {
    fprintf(stderr, "sgdlab: out of memory\n");
    exit(1);
  }
  if (!kept) atexit(free_kept);
  kept = k;
  kept[n_kept++] = c;
  return c;
}

sgdl_opt *sgdl_opt_find(sgdl_opt *opts, const char *name) {
  for (sgdl_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, name)) return o;
  return NULL;
}

sgdl_opt *sgdl_opt_get(sgdl_opt *opts, const char *name) {
  sgdl_opt *o = sgdl_opt_find(opts, name);
  if (o) return o;
  fprintf(stderr, "sgdlab: internal error: unknown option '%s'\n", name);
  abort();
}

const char *sgdl_opt_str(sgdl_opt *opts, const char *name) { return sgdl_opt_get(opts, name)->value; }
int sgdl_opt_given(sgdl_opt *opts, const char *name) { return sgdl_opt_get(opts, name)->given; }
int sgdl_opt_flag(sgdl_opt *opts, const char *name) {
  const char *v = sgdl_opt_get(opts, name)->value;
  return v && strcmp(v, "0") && strcmp(v, "false");
}

/* The declared interval as text: "[0, 1)", "(0, inf)", "[1, 4096]"; "" when none is declared. */
static const char *range_text(const sgdl_opt *o, char *buf, size_t size) {
  const int lo = o->bounds & (OPT_GE | OPT_GT), hi = o->bounds & (OPT_LE | OPT_LT);
  if (!lo && !hi) {
    buf[0] = 0;
    return buf;
  }
  char a[40] = "-inf", b[40] = "inf";
  if (lo) snprintf(a, sizeof a, "%.15g", o->min);
  if (hi) snprintf(b, sizeof b, "%.15g", o->max);
  snprintf(buf, size, "%s%s, %s%s", o->bounds & OPT_GE ? "[" : "(", a, b, o->bounds & OPT_LE ? "]" : ")");
  return buf;
}

/* A row's whole constraint in words, for --help: "in [0, 1)", "one of with|without",
 * "1 to 2 items, each an integer in [2, inf)"; "" when the row declares none. */
static const char *constraint_text(const sgdl_opt *o, char *buf, size_t size) {
  char r[96], items[48] = "";
  range_text(o, r, sizeof r);
  const int whole = o->kind == OPT_LIST && (o->bounds & OPT_WHOLE);
  if (o->kind == OPT_LIST && o->items_max && o->items_max == o->items_min)
    snprintf(items, sizeof items, "%d item%s", o->items_min, o->items_min == 1 ? "" : "s");
  else if (o->kind == OPT_LIST && o->items_max)
    snprintf(items, sizeof items, "%d to %d items", o->items_min, o->items_max);
  else if (o->kind == OPT_LIST && o->items_min)
    snprintf(items, sizeof items, "at least %d item%s", o->items_min, o->items_min == 1 ? "" : "s");
  if (o->choices) snprintf(buf, size, "one of %s", o->choices);
  else if (o->kind == OPT_LIST && (r[0] || whole))
    snprintf(buf, size, "%s%seach %s%s%s", items, items[0] ? ", " : "", whole ? "an integer" : "", whole && r[0] ? " " : "",
             r[0] ? "in " : "");
  else if (r[0]) snprintf(buf, size, "in ");
  else snprintf(buf, size, "%s", items);
  if (!o->choices && r[0]) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s", r);
  }
  return buf;
}

/* --help groups the problem flags by problem. A row belongs to problems when its help text starts
 * with their names, '/'-separated, then ':' or a space ("quadratic: Hessian ...",
 * "linreg/logreg/meanfield without --data: ..."); every other row is a flag of the command.
 * "plugin" stands for a ./file.so problem. */
static const char *const help_problems[] = {"quadratic", "linreg", "logreg", "double-well", "double-well-2d", "degenerate",
                                            "meanfield", "gauss-linreg", "plugin", NULL};

static int is_help_problem(const char *name, size_t len) {
  for (const char *const *p = help_problems; *p; p++)
    if (strlen(*p) == len && !strncmp(*p, name, len)) return 1;
  return 0;
}

/* Length of the problem tag that starts o's help ("linreg/logreg" of "linreg/logreg: ..."); 0 if
 * none. --problem itself, which lists the names, is a flag of the command. */
static size_t problem_tag(const sgdl_opt *o) {
  const char *help = o->help;
  if (!help || !strcmp(o->name, "problem")) return 0;
  size_t n = strspn(help, "abcdefghijklmnopqrstuvwxyz0123456789-/");
  if (!n || (help[n] != ':' && help[n] != ' ')) return 0;
  for (size_t a = 0; a < n;) {
    size_t b = a;
    while (b < n && help[b] != '/') b++;
    if (!is_help_problem(help + a, b - a)) return 0;
    a = b + 1;
  }
  return n;
}

/* Does the tag (length len) name the problem? A plugin path "x.so" matches "plugin". */
static int tag_names(const char *tag, size_t len, const char *problem) {
  size_t pl = strlen(problem);
  if (pl > 3 && !strcmp(problem + pl - 3, ".so")) problem = "plugin", pl = 6;
  for (size_t a = 0; a < len;) {
    size_t b = a;
    while (b < len && tag[b] != '/') b++;
    if (b - a == pl && !strncmp(tag + a, problem, pl)) return 1;
    a = b + 1;
  }
  return 0;
}

/* --problem NAME as given on the command line before or after --help; NULL if not given. */
static const char *problem_in_argv(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--problem") && i + 1 < argc) return argv[i + 1];
    if (!strncmp(argv[i], "--problem=", 10)) return argv[i] + 10;
  }
  return NULL;
}

static void print_option(const sgdl_opt *o, const char *help) {
  char left[64];
  snprintf(left, sizeof left, "--%s%s", o->name, o->kind == OPT_FLAG ? "" : " V");
  printf("  %-20s %s", left, help ? help : "");
  if (o->def && o->kind != OPT_FLAG) printf(" [%s]", o->def);
  char c[160];
  if (constraint_text(o, c, sizeof c)[0]) printf(" {%s}", c);
  printf("\n");
}

/* One command line per command that runs in seconds and shows what the command is for. */
static const char *help_example(const char *command) {
  static const char *const examples[][2] = {
      {"weak", "sgdlab weak --problem double-well --lr 0.2,0.1,0.05 --T 1 --paths 1e5 --models sme1,sme2 --out runs/dw"},
      {"npoint", "sgdlab npoint --problem linreg --gen-n 16 --gen-d 1 --starts \"0;2\" --lr 0.1,0.05,0.025 --T 1 --exact"},
      {"stationary", "sgdlab stationary --problem quadratic --H \"2,0.5;0.5,1\" --C \"1,0.3;0.3,0.5\" --lr 0.2"},
      {"fpe", "sgdlab fpe --problem double-well --lr 0.1 --model sme2 --x0 -1 --T 20 --out runs/fpe"},
      {"exit", "sgdlab exit --problem double-well --lr 0.1 --from -1 --to 0.5 --out runs/exit"},
      {"train", "sgdlab train --data /usr/share/datasets/fashion-mnist --train 4000 --test 1000 --epochs 2 --out runs/fm"},
      {"meanfield", "sgdlab meanfield --neurons 2 --gen-n 4 --lr 0.4,0.2,0.1 --T 2 --paths 20000 --out runs/mf"},
  };
  for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
    if (!strcmp(examples[i][0], command)) return examples[i][1];
  return NULL;
}

/* The command's own flags, then the problem flags: all of them grouped by problem, or with
 * --problem NAME given, only NAME's (their tag dropped). Ends with one example command. */
static void print_help(const char *command, const char *summary, const sgdl_opt *opts, int argc, char **argv) {
  const char *chosen = problem_in_argv(argc, argv);
  printf("usage: sgdlab %s [flags]\n\n%s\n\nflags:\n", command, summary);
  int tagged = 0;
  for (const sgdl_opt *o = opts; o->name; o++) {
    if (problem_tag(o)) tagged = 1;
    else print_option(o, o->help);
  }
  printf("  %-20s %s\n", "--help", tagged ? "this text (with --problem NAME: only that problem's flags)" : "this text");
  for (const sgdl_opt *g = opts; tagged && g->name; g++) {
    size_t n = problem_tag(g);
    int first = 1; /* print each distinct tag once, at its first row */
    for (const sgdl_opt *p = opts; n && p < g && first; p++)
      first = !(problem_tag(p) == n && !strncmp(p->help, g->help, n));
    if (!n || !first || (chosen && !tag_names(g->help, n, chosen))) continue;
    printf("\nproblem: %.*s\n", (int)n, g->help);
    for (const sgdl_opt *o = g; o->name; o++) {
      if (problem_tag(o) != n || strncmp(o->help, g->help, n)) continue;
      const char *rest = o->help + n;
      print_option(o, rest + strspn(rest, ": "));
    }
  }
  if (chosen && tagged) printf("\n(sgdlab %s --help without --problem lists the flags of every problem)\n", command);
  const char *ex = help_example(command);
  if (ex) printf("\nexample:\n  %s\n", ex);
}

static int check_values(sgdl_ctx *ctx, const sgdl_opt *opts);

static sgdl_opt *find(sgdl_opt *opts, const char *name, size_t len) {
  for (sgdl_opt *o = opts; o->name; o++)
    if (strlen(o->name) == len && !strncmp(o->name, name, len)) return o;
  return NULL;
}

int sgdl_cli_regular_file(sgdl_ctx *ctx, const char *what, const char *path, FILE *f) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0) return sgdl_fail(ctx, SGDL_EUSAGE, "%s %s: cannot inspect (%s)", what, path, strerror(errno));
  if (S_ISDIR(st.st_mode)) return sgdl_fail(ctx, SGDL_EUSAGE, "%s %s: is a folder, not a file", what, path);
  if (!S_ISREG(st.st_mode))
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s %s: is not a regular file (a device, pipe or socket has no end to read to)", what, path);
  return SGDL_OK;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v ("lr": 0.1 is "0.1" in results.json,
 * not "0.10000000000000001"). */
static void config_number_text(double v, char *buf, size_t size) {
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, size, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) return;
  }
}

/* A JSON array as the flag's text: items joined by ',' (strings as they are, numbers to 17
 * digits), an array of arrays as rows joined by ';' ("H": [[2, 0.5], [0.5, 1]] is --H "2,0.5;0.5,1").
 * Anything else inside (objects, true/false, null, deeper arrays) is refused naming the key and item. */
static int config_array_text(sgdl_ctx *ctx, const char *path, const cJSON *arr, char **out) {
  size_t cap = 64, len = 0;
  char *s = malloc(cap);
  int item = 0, rc = SGDL_OK;
  for (const cJSON *row = arr->child; row && s && !rc; row = row->next) {
    const int nested = cJSON_IsArray(row);
    const cJSON *x = nested ? row->child : row;
    if (item++) s[len++] = nested ? ';' : ',';
    for (int col = 0; x && !rc; x = nested ? x->next : NULL, col++) {
      char num[40];
      const char *text = cJSON_IsString(x) ? x->valuestring : num;
      if (cJSON_IsNumber(x)) config_number_text(x->valuedouble, num, sizeof num);
      else if (!cJSON_IsString(x)) {
        rc = sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: key \"%s\", item %d: %s, where a number or text (or a row of them) belongs", path,
                       arr->string, item, cJSON_IsArray(x) ? "an array inside a row" : cJSON_IsObject(x) ? "an object" : cJSON_IsBool(x) ? "true/false" : "null");
        break;
      }
      const size_t need = len + strlen(text) + 3;
      if (need > cap) { /* cap grows only with the block: a failed realloc leaves s as it was */
        char *t = realloc(s, 2 * need);
        if (!t) {
          free(s);
          return sgdl_fail(ctx, SGDL_ENOMEM, "--config %s: out of memory", path);
        }
        s = t;
        cap = 2 * need;
      }
      if (col) s[len++] = ',';
      memcpy(s + len, text, strlen(text));
      len += strlen(text);
    }
  }
  if (rc || !s) {
    free(s);
    return rc ? rc : sgdl_fail(ctx, SGDL_ENOMEM, "--config %s: out of memory", path);
  }
  s[len] = 0;
  *out = s;
  return SGDL_OK;
}

/* One key's JSON value as its option's text (kept for the run); refuses what the option cannot take. */
static int config_value(sgdl_ctx *ctx, const char *path, const cJSON *it, sgdl_opt *o) {
  if (o->kind == OPT_FLAG && !cJSON_IsBool(it)) /* "quiet": "no" was taken as on */
    return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: key \"%s\" is a switch: give it true or false", path, it->string);
  if (cJSON_IsString(it)) o->value = keep(it->valuestring);
  else if (cJSON_IsBool(it) && o->kind != OPT_FLAG)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: key \"%s\" is %s, but --%s takes %s, not true/false", path, it->string,
                     cJSON_IsTrue(it) ? "true" : "false", it->string,
                     o->kind == OPT_NUM || o->kind == OPT_INT ? "a number" : o->kind == OPT_LIST ? "a list" : "text");
  else if (cJSON_IsBool(it)) o->value = cJSON_IsTrue(it) ? "1" : NULL;
  else if (cJSON_IsNumber(it)) {
    char tmp[64];
    config_number_text(it->valuedouble, tmp, sizeof tmp);
    o->value = keep(tmp);
  } else if (cJSON_IsArray(it)) {
    char *s = NULL;
    int rc = config_array_text(ctx, path, it, &s);
    if (rc) return rc;
    o->value = keep(s);
    free(s);
  } else {
    return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: key \"%s\" has an unsupported type", path, it->string);
  }
  o->given = 1;
  return SGDL_OK;
}

static int merge_config(sgdl_ctx *ctx, const char *command, sgdl_opt *opts, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: cannot open (%s)", path, strerror(errno));
  if (sgdl_cli_regular_file(ctx, "--config", path, f)) {
    fclose(f);
    return ctx->status;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
  size_t got = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
  fclose(f);
  if (!buf) return sgdl_fail(ctx, SGDL_ENOMEM, "--config %s: out of memory", path);
  buf[got] = 0;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(buf, &end, 1);
  const long at = end ? (long)(end - buf) : -1;
  free(buf);
  if (!root) return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: not valid JSON (stops at byte %ld of %zu)", path, at, got);
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: not a JSON object", path);
  }
  int rc = SGDL_OK;
  for (cJSON *it = root->child; it && !rc; it = it->next) {
    sgdl_opt *o = find(opts, it->string, strlen(it->string));
    if (!o || !strcmp(it->string, "config")) {
      rc = sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: unknown key \"%s\" for 'sgdlab %s'", path, it->string, command);
      break;
    }
    for (const cJSON *before = root->child; before != it && !rc; before = before->next)
      if (!strcmp(before->string, it->string)) /* the last one won, silently */
        rc = sgdl_fail(ctx, SGDL_EUSAGE, "--config %s: key \"%s\" appears more than once", path, it->string);
    if (!rc) rc = config_value(ctx, path, it, o);
  }
  cJSON_Delete(root);
  return rc;
}

int sgdl_cli_parse(sgdl_ctx *ctx, const char *command, const char *summary, sgdl_opt *opts,
                   int argc, char **argv) {
  for (sgdl_opt *o = opts; o->name; o++) {
    o->value = o->def;
    o->given = 0;
  }
  /* --config first, so command-line flags override it. */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      print_help(command, summary, opts, argc, argv);
      return -1;
    }
    const char *cfg = NULL;
    if (!strcmp(argv[i], "--config") && i + 1 < argc) cfg = argv[i + 1];
    else if (!strncmp(argv[i], "--config=", 9)) cfg = argv[i] + 9;
    if (cfg) {
      int rc = merge_config(ctx, command, opts, cfg);
      if (rc) return rc;
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0)
      return sgdl_fail(ctx, SGDL_EUSAGE, "unexpected argument '%s' (flags start with --; see sgdlab %s --help)", a, command);
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    sgdl_opt *o = find(opts, name, len);
    if (!o) return sgdl_fail(ctx, SGDL_EUSAGE, "unknown flag '--%.*s' for 'sgdlab %s' (see --help)", (int)len, name, command);
    if (o->kind == OPT_FLAG) {
      if (eq) o->value = keep(eq + 1);
      else o->value = "1";
    } else if (eq) {
      o->value = eq + 1;
    } else {
      if (i + 1 >= argc) return sgdl_fail(ctx, SGDL_EUSAGE, "--%s needs a value", o->name);
      o->value = argv[++i];
    }
    o->given = 1;
  }
  return check_values(ctx, opts);
}

int sgdl_parse_num(sgdl_ctx *ctx, const char *what, const char *text, double *out) {
  if (!text) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: missing value", what);
  while (isspace((unsigned char)*text)) text++;
  if (strlen(text) > SGDL_CLI_NUM_MAX)
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%.24s...' is longer than %d characters", what, text, SGDL_CLI_NUM_MAX);
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  while (isspace((unsigned char)*end)) end++;
  if (end == text || *end) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%s' is not a number", what, text);
  if (!isfinite(v) || errno == ERANGE) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%s' is not a finite number", what, text);
  *out = v;
  return SGDL_OK;
}

int sgdl_opt_num(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double *out) {
  char what[80];
  snprintf(what, sizeof what, "--%s", name);
  return sgdl_parse_num(ctx, what, sgdl_opt_get(opts, name)->value, out);
}

int sgdl_opt_int(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, long long *out) {
  double v;
  int rc = sgdl_opt_num(ctx, opts, name, &v); /* accepts 1e6 */
  if (rc) return rc;
  if (v != floor(v) || fabs(v) > 9e15)
    return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: '%s' is not an integer", name, sgdl_opt_get(opts, name)->value);
  *out = (long long)v;
  return SGDL_OK;
}

static int parse_list(sgdl_ctx *ctx, const char *what, const char *text, char sep, double **v, int *n) {
  *v = NULL;
  *n = 0;
  if (!text || !*text) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty list", what);
  int cap = 1;
  for (const char *p = text; *p; p++) cap += *p == sep;
  double *a = malloc(sizeof(double) * (size_t)cap);
  if (!a) return sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory", what);
  const char *p = text;
  int k = 0;
  for (;;) {
    const char *q = strchr(p, sep);
    size_t len = q ? (size_t)(q - p) : strlen(p);
    char item[SGDL_CLI_NUM_MAX + 1];
    if (len >= sizeof item) {
      free(a);
      return sgdl_fail(ctx, SGDL_EUSAGE, "%s: item %d ('%.24s...') is longer than %d characters", what, k + 1, p,
                       SGDL_CLI_NUM_MAX);
    }
    memcpy(item, p, len);
    item[len] = 0;
    int rc = sgdl_parse_num(ctx, what, item, &a[k]);
    if (rc) {
      free(a);
      return rc;
    }
    k++;
    if (!q) break;
    p = q + 1;
  }
  *v = a;
  *n = k;
  return SGDL_OK;
}

int sgdl_opt_list(sgdl_ctx *ctx, sgdl_opt *opts, const char *name, double **v, int *n) {
  char what[80];
  snprintf(what, sizeof what, "--%s", name);
  return parse_list(ctx, what, sgdl_opt_get(opts, name)->value, ',', v, n);
}

/* ---- The one check of every value against its row's declaration ---- */

static int in_range(const sgdl_opt *o, double v) {
  if ((o->bounds & OPT_GE) && !(v >= o->min)) return 0;
  if ((o->bounds & OPT_GT) && !(v > o->min)) return 0;
  if ((o->bounds & OPT_LE) && !(v <= o->max)) return 0;
  if ((o->bounds & OPT_LT) && !(v < o->max)) return 0;
  return 1;
}

/* One number of a row: the value itself (item 0, text as given) or list item `item` (from 1). */
static int check_number(sgdl_ctx *ctx, const sgdl_opt *o, const char *text, double v, int item, int whole) {
  char at[32] = "", shown[40];
  if (item) {
    snprintf(at, sizeof at, " (item %d)", item);
    snprintf(shown, sizeof shown, "%.15g", v);
    if (strtod(shown, NULL) != v) snprintf(shown, sizeof shown, "%.17g", v);
    text = shown;
  }
  if (whole && (v != floor(v) || fabs(v) > 9e15))
    return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: '%s'%s is not an integer", o->name, text, at);
  if (!in_range(o, v)) {
    char r[96];
    return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: %s%s is outside %s", o->name, text, at, range_text(o, r, sizeof r));
  }
  return SGDL_OK;
}

static int check_choice(sgdl_ctx *ctx, const sgdl_opt *o) {
  const size_t n = strlen(o->value);
  for (const char *c = o->choices; *c;) {
    const char *bar = strchr(c, '|');
    size_t len = bar ? (size_t)(bar - c) : strlen(c);
    if (len == n && !strncmp(c, o->value, n)) return SGDL_OK;
    if (!bar) break;
    c = bar + 1;
  }
  return sgdl_fail(ctx, SGDL_EUSAGE, "--%s: '%s' is not one of %s", o->name, o->value, o->choices);
}

static int check_list(sgdl_ctx *ctx, const sgdl_opt *o, const char *what) {
  double *v;
  int n;
  int rc = parse_list(ctx, what, o->value, ',', &v, &n);
  if (rc) return rc;
  if ((o->items_min && n < o->items_min) || (o->items_max && n > o->items_max)) {
    char c[160];
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--%s: '%s' has %d item%s; allowed: %s", o->name, o->value, n, n == 1 ? "" : "s",
                   constraint_text(o, c, sizeof c));
  }
  for (int i = 0; i < n && !rc; i++) rc = check_number(ctx, o, NULL, v[i], i + 1, o->bounds & OPT_WHOLE);
  free(v);
  return rc;
}

/* Every option with a value (given, from --config, or its default), in table order. */
static int check_values(sgdl_ctx *ctx, const sgdl_opt *opts) {
  for (const sgdl_opt *o = opts; o->name; o++) {
    if (!o->value) continue;
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    int rc = SGDL_OK;
    double v;
    if (o->kind == OPT_STR && o->choices) rc = check_choice(ctx, o);
    else if (o->kind == OPT_FLAG && strcmp(o->value, "1") && strcmp(o->value, "0") && strcmp(o->value, "true") &&
             strcmp(o->value, "false")) /* --exact=no was taken as on */
      rc = sgdl_fail(ctx, SGDL_EUSAGE, "%s: '%s' is not a switch value (give %s alone, or =true/=false)", what, o->value, what);
    else if (o->kind == OPT_NUM || o->kind == OPT_INT) {
      rc = sgdl_parse_num(ctx, what, o->value, &v);
      if (!rc) rc = check_number(ctx, o, o->value, v, 0, o->kind == OPT_INT);
    } else if (o->kind == OPT_LIST) {
      rc = check_list(ctx, o, what);
    }
    if (rc) return rc;
  }
  return SGDL_OK;
}

static char *read_text_file(sgdl_ctx *ctx, const char *what, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    sgdl_fail(ctx, SGDL_EUSAGE, "%s: cannot open file %s (%s)", what, path, strerror(errno));
    return NULL;
  }
  if (sgdl_cli_regular_file(ctx, what, path, f)) {
    fclose(f);
    return NULL;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (len + 1 < cap) break;
    char *b = realloc(buf, cap * 2);
    if (!b) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = b;
    cap *= 2;
  }
  fclose(f);
  if (!buf) {
    sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory reading %s", what, path);
    return NULL;
  }
  buf[len] = 0;
  return buf;
}

int sgdl_parse_matrix(sgdl_ctx *ctx, const char *what, const char *text, int *rows, int *cols, double **A) {
  *A = NULL;
  if (!text || !*text) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty matrix", what);
  char *owned = NULL;
  char rowsep = ';';
  if (text[0] == '@') {
    owned = read_text_file(ctx, what, text + 1);
    if (!owned) return ctx->status;
    rowsep = '\n';
    text = owned;
  }
  /* Split into non-empty rows; parse each as a comma-separated list. */
  int r = 0, c = -1, rc = SGDL_OK;
  size_t cap = 16;
  double *M = malloc(sizeof(double) * cap);
  const char *p = text;
  while (M && *p && !rc) {
    const char *q = strchr(p, rowsep);
    size_t len = q ? (size_t)(q - p) : strlen(p);
    char *line = malloc(len + 1);
    if (!line) {
      rc = sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory for row %d (%zu characters)", what, r + 1, len);
      break;
    }
    memcpy(line, p, len);
    line[len] = 0;
    char *s = line;
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    if (*s) {
      double *v;
      int n;
      char w2[160];
      snprintf(w2, sizeof w2, "%s row %d", what, r + 1);
      rc = parse_list(ctx, w2, s, ',', &v, &n);
      if (!rc && c >= 0 && n != c)
        rc = sgdl_fail(ctx, SGDL_EUSAGE, "%s: row %d has %d entries but row 1 has %d", what, r + 1, n, c);
      const size_t need = rc ? 0 : ((size_t)r + 1) * (size_t)n;
      if (!rc && need > cap) { /* grow to the next power-of-two multiple; M stays valid on failure */
        size_t grown = cap;
        while (grown < need) grown *= 2;
        double *t = grown <= (size_t)-1 / sizeof(double) ? realloc(M, sizeof(double) * grown) : NULL;
        if (t) {
          M = t;
          cap = grown;
        } else {
          rc = sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory for %zu entries (row %d)", what, need, r + 1);
        }
      }
      if (!rc) {
        c = n;
        memcpy(M + (size_t)r * c, v, sizeof(double) * (size_t)n);
        r++;
      }
      free(v);
    }
    free(line);
    if (!q) break;
    p = q + 1;
  }
  free(owned);
  if (!M) return sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory", what);
  if (!rc && r == 0) rc = sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty matrix", what);
  if (rc) {
    free(M);
    return rc;
  }
  *rows = r;
  *cols = c;
  *A = M;
  return SGDL_OK;
}

int sgdl_parse_range(sgdl_ctx *ctx, const char *what, const char *text, int geometric, double **v, int *n) {
  double *parts;
  int k;
  int rc = parse_list(ctx, what, text, ':', &parts, &k);
  if (rc) return rc;
  if (k != 3 || parts[2] < 1 || parts[2] != floor(parts[2])) {
    free(parts);
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: expected lo:hi:n with n a positive integer, got '%s'", what, text);
  }
  const double max_points = SGDL_CLI_RANGE_MAX; /* each point is a whole study; also keeps n an int */
  if (!(parts[2] <= max_points)) {
    const double asked = parts[2];
    free(parts);
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: %g points is too many (at most %g), got '%s'", what, asked, max_points, text);
  }
  double lo = parts[0], hi = parts[1];
  int m = (int)parts[2];
  free(parts);
  if (geometric && (lo <= 0 || hi <= 0))
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: a geometric range needs positive ends, got '%s'", what, text);
  double *a = malloc(sizeof(double) * (size_t)m);
  if (!a) return sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory", what);
  for (int i = 0; i < m; i++) {
    double f = m == 1 ? 0 : (double)i / (m - 1);
    a[i] = geometric ? lo * pow(hi / lo, f) : lo + (hi - lo) * f;
  }
  *v = a;
  *n = m;
  return SGDL_OK;
}
