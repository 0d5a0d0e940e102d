/* The command-line side of the study rounds (study_rounds_cli.h): flags, the checkpoint's
 * canonical arguments and the refusal naming what differs, summary lines and results.json keys.
 * Does not: run rounds or read records (the study layer's rounds.c does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/study_rounds_cli.h"

/* A flag's value unless the command's default does not apply (see study_rounds_cli.h): defaults of
 * --precision, --floor, --max-paths and --variance-reduction stand only when neither --precision nor
 * --paths is given, and never where rounds are refused anyway (--exact, --nag-iterate torch), so
 * that no error names a flag the user did not give (weak and npoint have none: nothing changes). */
static void drop_unused_defaults(sgdl_opt *opts) {
  const sgdl_opt *iterate = sgdl_opt_find(opts, "nag-iterate"), *exact = sgdl_opt_find(opts, "exact");
  const int no_rounds = (exact && sgdl_opt_flag(opts, "exact")) ||
                        (iterate && iterate->value && !strcmp(iterate->value, "torch"));
  const int precision = sgdl_opt_given(opts, "precision"), paths = sgdl_opt_given(opts, "paths");
  static const char *const flags[] = {"precision", "floor", "max-paths", "variance-reduction"};
  for (int i = 0; i < 4; i++) {
    sgdl_opt *o = sgdl_opt_get(opts, flags[i]);
    if (!o->given && (paths || precision || no_rounds)) o->value = NULL;
  }
}

static int is_set(sgdl_opt *opts, const char *name) { return sgdl_opt_get(opts, name)->value != NULL; }

int sgdl_study_rounds_wanted(sgdl_opt *opts) {
  drop_unused_defaults(opts);
  return is_set(opts, "precision") || is_set(opts, "checkpoint") || is_set(opts, "floor") || is_set(opts, "max-paths");
}

/* The arguments that decide the numbers, as one JSON line: every recorded option but where the
 * checkpoint lives, how many threads run and the --max-hours refusal limit (none changes a bit of
 * the result). */
static char *canonical_args(sgdl_opt *opts, const char *command) {
  cJSON *p = sgdl_cli_params_json(opts);
  if (!p) return NULL;
  cJSON_DeleteItemFromObjectCaseSensitive(p, "checkpoint");
  cJSON_DeleteItemFromObjectCaseSensitive(p, "threads");
  cJSON_DeleteItemFromObjectCaseSensitive(p, "max-hours");
  cJSON_AddStringToObject(p, "command", command);
  char *text = cJSON_PrintUnformatted(p);
  cJSON_Delete(p);
  return text;
}

/* "--lr 0.1 (checkpoint) / 0.2 (now)" for each key that differs. */
static int refuse_args(sgdl_ctx *ctx, const char *path, const char *stored, const char *now) {
  cJSON *a = cJSON_Parse(stored), *b = cJSON_Parse(now);
  char msg[900] = "";
  size_t len = 0;
  for (int pass = 0; pass < 2 && a && b; pass++) {
    const cJSON *it, *side = pass ? b : a;
    cJSON_ArrayForEach(it, side) {
      const cJSON *other = cJSON_GetObjectItemCaseSensitive(pass ? a : b, it->string);
      if (pass && other) continue; /* both sides seen in the first pass */
      char *x = cJSON_PrintUnformatted(pass ? other : it), *y = cJSON_PrintUnformatted(pass ? it : other);
      if (!x || !y || strcmp(x, y))
        len += (size_t)snprintf(msg + len, len < sizeof msg ? sizeof msg - len : 0, "%s--%s %s in the checkpoint, %s now",
                                len ? "; " : "", it->string, x ? x : "unset", y ? y : "unset");
      free(x);
      free(y);
      if (len >= sizeof msg) break;
    }
  }
  cJSON_Delete(a);
  cJSON_Delete(b);
  return sgdl_fail(ctx, SGDL_EUSAGE, "--checkpoint %s: written with other arguments (%s); refusing to continue from it "
                   "(use another file, or delete it to start over)", path, len ? msg : "unreadable argument record");
}

int sgdl_study_rounds_spec(sgdl_ctx *ctx, sgdl_opt *opts, const char *command, uint64_t paths, sgdl_rounds_spec *rs,
                           char **args_text) {
  memset(rs, 0, sizeof *rs);
  *args_text = NULL;
  int rc = SGDL_OK;
  drop_unused_defaults(opts);
  if (is_set(opts, "precision")) rc = sgdl_opt_num(ctx, opts, "precision", &rs->precision);
  if (!rc && is_set(opts, "floor")) rc = sgdl_opt_num(ctx, opts, "floor", &rs->floor);
  if (!rc && (is_set(opts, "floor") || is_set(opts, "max-paths")) && !(rs->precision > 0))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--floor/--max-paths: only with --precision");
  long long maxp = (long long)(paths * 64 < 0x100000000ULL ? paths * 64 : 0x100000000ULL);
  if (!rc && is_set(opts, "max-paths")) rc = sgdl_opt_int(ctx, opts, "max-paths", &maxp);
  if (rc) return rc;
  rs->max_paths = rs->precision > 0 ? (uint64_t)maxp : paths;
  rs->checkpoint = sgdl_opt_str(opts, "checkpoint");
  rs->version = SGDL_VERSION;
  rc = sgdl_cli_checkpoint_args(ctx, opts, command, args_text);
  rs->args = *args_text;
  return rc;
}

int sgdl_cli_checkpoint_args(sgdl_ctx *ctx, sgdl_opt *opts, const char *command, char **args_text) {
  *args_text = NULL;
  const char *path = sgdl_opt_str(opts, "checkpoint");
  if (!path) return SGDL_OK;
  *args_text = canonical_args(opts, command);
  if (!*args_text) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  char *version = NULL, *stored = NULL;
  int rc = sgdl_study_checkpoint_header(ctx, path, &version, &stored);
  if (!rc && version && strcmp(version, SGDL_VERSION))
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--checkpoint %s: written by sgdlab %s, this is sgdlab %s; refusing to continue from it",
                   path, version, SGDL_VERSION);
  else if (!rc && stored && strcmp(stored, *args_text)) rc = refuse_args(ctx, path, stored, *args_text);
  free(version);
  free(stored);
  return rc;
}

static const char *status_name(int s) {
  return s == SGDL_ROUNDS_PRECISE       ? "precise"
         : s == SGDL_ROUNDS_BELOW_FLOOR ? "below-floor"
         : s == SGDL_ROUNDS_NO_SPREAD   ? "no-spread"
                                        : "unresolved";
}

void sgdl_study_rounds_print(const sgdl_study_spec *sp, const sgdl_study_result *r, const sgdl_rounds_result *rr,
                             const sgdl_rounds_spec *rs) {
  if (rs->precision > 0)
  {
    char fl[64] = "", pairs[64] = "";
    if (rs->floor > 0) snprintf(fl, sizeof fl, " or below floor %.3g", rs->floor);
    if (sp->variance_reduction & SGDL_VR_ANTITHETIC)
      snprintf(pairs, sizeof pairs, " (%llu antithetic pairs)", (unsigned long long)rr->round_paths / 2);
    printf("\nrounds of %llu paths%s to relative half-width %g%s (alpha-spent intervals, level %.3g after %d round%s), "
           "at most %llu paths\n",
           (unsigned long long)rr->round_paths, pairs, rs->precision, fl, rr->alpha, rr->rounds, rr->rounds == 1 ? "" : "s",
           (unsigned long long)rs->max_paths);
  }
  else printf("\none round of %llu paths\n", (unsigned long long)rr->round_paths);
  if (rs->checkpoint) printf("  checkpoint %s: %d ensemble%s resumed from it\n", rs->checkpoint, rr->resumed, rr->resumed == 1 ? "" : "s");
  printf("  %-6s %-9s %-12s %s\n", "model", "lr", "paths", rs->precision > 0 ? "open errors (projected paths)" : "");
  for (int m = 0; m <= rr->n_models; m++)
    for (int li = 0; li < rr->n_lr; li++) {
      printf("  %-6s %-9g %-12llu", m ? sgdl_study_model_label(sp, m - 1) : (sp->algo ? sp->algo : "sgd"), sp->lrs[li],
             (unsigned long long)SGDL_ROUNDS_PATHS(rr, m, li));
      int open = 0;
      for (int s = 0; m > 0 && rs->precision > 0 && s < rr->n_stat; s++) {
        const size_t k = ((size_t)(m - 1) * rr->n_lr + li) * rr->n_stat + s;
        if (rr->status[k] != SGDL_ROUNDS_OPEN) continue;
        if (isfinite(rr->projected[k])) printf(" %s (%.3g)", r->stat_names[s], rr->projected[k]);
        else printf(" %s (no projection)", r->stat_names[s]);
        open++;
      }
      printf("%s\n", m == 0 ? " (reference)" : open || !(rs->precision > 0) ? "" : " none");
    }
}

void sgdl_study_rounds_json(cJSON *root, const sgdl_study_spec *sp, const sgdl_rounds_result *rr, const sgdl_rounds_spec *rs) {
  cJSON *o = cJSON_AddObjectToObject(root, "rounds");
  cJSON_AddNumberToObject(o, "round_paths", (double)rr->round_paths);
  cJSON_AddNumberToObject(o, "rounds", rr->rounds);
  cJSON_AddNumberToObject(o, "precision", rs->precision);
  cJSON_AddNumberToObject(o, "floor", rs->floor);
  cJSON_AddNumberToObject(o, "max_paths", (double)rs->max_paths);
  cJSON_AddNumberToObject(o, "alpha", rr->alpha);
  cJSON *runs = cJSON_AddArrayToObject(o, "paths");
  for (int m = 0; m <= rr->n_models; m++)
    for (int li = 0; li < rr->n_lr; li++) {
      cJSON *u = cJSON_CreateObject();
      cJSON_AddStringToObject(u, "model", m ? sgdl_study_model_label(sp, m - 1) : (sp->algo ? sp->algo : "sgd"));
      cJSON_AddNumberToObject(u, "lr", sp->lrs[li]);
      cJSON_AddNumberToObject(u, "paths", (double)SGDL_ROUNDS_PATHS(rr, m, li));
      sgdl_json_push(runs, u);
    }
  cJSON *errs = rs->precision > 0 ? cJSON_GetObjectItemCaseSensitive(root, "errors") : NULL; /* no target, no status */
  const cJSON *e = errs ? errs->child : NULL;
  for (int m = 0; m < rr->n_models; m++)
    for (int li = 0; li < rr->n_lr; li++)
      for (int s = 0; s < rr->n_stat && e; s++, e = e->next) {
        const size_t k = ((size_t)m * rr->n_lr + li) * rr->n_stat + s;
        cJSON *item = (cJSON *)e;
        cJSON_AddNumberToObject(item, "paths", (double)SGDL_ROUNDS_PATHS(rr, m + 1, li));
        cJSON_AddStringToObject(item, "status", status_name(rr->status[k]));
        if (rr->status[k] == SGDL_ROUNDS_OPEN) sgdl_json_add_number(item, "projected_paths", rr->projected[k]);
      }
}
