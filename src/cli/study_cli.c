/* The command-line side of `sgdlab weak`, `npoint` and `meanfield`: flags -> sgdl_study_spec,
 * then a summary table, CSV tables (errors, orders, time series), a log-log plot of weak
 * error against learning rate with reference slopes 1 and 2, and results.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/noise_out.h"
#include "cli/study_cli.h"
#include "sgdlab/study.h"
#include "sgdlab/rng.h"
#include "sgdlab/study_estimate.h"

/* s as one CSV field: quoted (RFC 4180, quotes doubled) where it holds a comma or quote, as
 * dist2[0,1] and cov[0,1] do (their rows had a field too many); else s itself. */
static const char *csv_field(const char *s, char *buf, size_t size) {
  if (!strpbrk(s, ",\"\n")) return s;
  size_t k = 0;
  buf[k++] = '"';
  for (; *s && k + 3 < size; s++) {
    if (*s == '"') buf[k++] = '"';
    buf[k++] = *s;
  }
  buf[k++] = '"';
  buf[k] = 0;
  return buf;
}

/* A comma-separated list of names; a comma inside brackets belongs to its name ("dist2[0,1],x0" is
 * two names: it was split into 'dist2[0' and '1]', so the documented dist2[p,q] could not be given). */
static int split_names(sgdl_ctx *ctx, const char *flag, const char *text, char ***out, int *n) {
  *out = NULL;
  *n = 0;
  if (!text || !*text) return sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty list", flag);
  char *copy = strdup(text);
  int cap = 1;
  for (const char *c = text; *c; c++) cap += *c == ',';
  char **v = calloc((size_t)cap, sizeof *v);
  int k = 0, oom = !copy || !v;
  int depth = 0;
  for (char *c = copy; !oom && c && *c; c++) { /* commas outside brackets end a name */
    depth += (*c == '[') - (*c == ']');
    if (*c == ',' && depth <= 0) *c = '\n';
  }
  for (char *save = NULL, *tok = oom ? NULL : strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
    while (*tok == ' ') tok++;
    if (*tok && !(v[k++] = strdup(tok))) oom = 1;
  }
  free(copy);
  if (oom) {
    for (int i = 0; i < k; i++) free(v[i]);
    free(v);
    return sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory", flag);
  }
  if (!k) {
    free(v);
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: empty list", flag);
  }
  *out = v;
  *n = k;
  return SGDL_OK;
}

static void free_names(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

typedef struct {
  sgdl_ctx *ctx;
  sgdl_problem *prob;
  double *lrs, *x0;
  int n_lr, P;
  char **models;
  int n_models;
  char **labels;  /* [n_models] or NULL: "svag-l<l>" rows when --svag-l lists several l */
  int *svag_l;    /* [n_models] or NULL: svag's l per model row */
  sgdl_observable *obs;
  int n_obs;
  int *pairs;
  int n_cov;
  uint32_t seed;
  const char *scheme_name;
} study_args;

static int parse_starts(study_args *A, sgdl_opt *opts, int npoint) {
  sgdl_ctx *ctx = A->ctx;
  const int d = A->prob->dim;
  const char *flag = npoint ? "--starts" : "--x0";
  const char *text = sgdl_opt_str(opts, npoint ? "starts" : "x0");
  if (!text) {
    A->P = npoint ? 2 : 1;
    A->x0 = calloc((size_t)A->P * d, sizeof(double));
    if (!A->x0) return sgdl_fail(A->ctx, SGDL_ENOMEM, "%s: out of memory", flag);
    sgdl_problem_default_x0(A->prob, A->seed, A->x0);
    if (npoint) {
      memcpy(A->x0 + d, A->x0, sizeof(double) * d);
      A->x0[d] += 1.0;
    }
    return SGDL_OK;
  }
  int r, c;
  double *M;
  int rc = sgdl_parse_matrix(ctx, flag, text, &r, &c, &M);
  if (rc) return rc;
  if (!npoint && r != 1) {
    free(M);
    return sgdl_fail(ctx, SGDL_EUSAGE, "--x0: expected one point, got %d rows (use sgdlab npoint for several)", r);
  }
  if (c != d) {
    free(M);
    return sgdl_fail(ctx, SGDL_EUSAGE, "%s: points have %d coordinates but the problem has dimension %d", flag, c, d);
  }
  if (npoint && r < 2) {
    free(M);
    return sgdl_fail(ctx, SGDL_EUSAGE, "--starts: need at least two starting points, got %d", r);
  }
  A->P = r;
  A->x0 = M;
  return SGDL_OK;
}

static int parse_observables(study_args *A, sgdl_opt *opts, int npoint) {
  sgdl_ctx *ctx = A->ctx;
  char **names;
  int n;
  int rc = split_names(ctx, "--observables", sgdl_opt_str(opts, "observables"), &names, &n);
  if (rc) return rc;
  const int P = A->P, npairs = P * (P - 1) / 2;
  A->obs = calloc((size_t)n * (npairs + 1) + 1, sizeof *A->obs);
  A->pairs = calloc((size_t)2 * npairs * n + 2, sizeof(int));
  if (!A->obs || !A->pairs) rc = sgdl_fail(ctx, SGDL_ENOMEM, "--observables: out of memory");
  for (int i = 0; i < n && !rc; i++) {
    const char *nm = names[i];
    int expand = npoint && (!strcmp(nm, "dist2") || !strcmp(nm, "dot") || !strcmp(nm, "cov"));
    if (!expand && npoint && !strncmp(nm, "cov[", 4)) {
      int p, q;
      char tail;
      if (sscanf(nm, "cov[%d,%d%c", &p, &q, &tail) != 3 || tail != ']' || p < 0 || q < 0 || p >= P || q >= P || p == q)
        rc = sgdl_fail(ctx, SGDL_EINVAL, "--observables: '%s' must be cov[p,q] with distinct particles below %d", nm, P);
      else {
        A->pairs[2 * A->n_cov] = p;
        A->pairs[2 * A->n_cov + 1] = q;
        A->n_cov++;
      }
      continue;
    }
    if (!expand) {
      rc = sgdl_observable_parse_for(ctx, nm, A->prob, P, &A->obs[A->n_obs++]);
      continue;
    }
    for (int p = 0; p < P; p++)
      for (int q = p + 1; q < P; q++) {
        if (!strcmp(nm, "cov")) {
          A->pairs[2 * A->n_cov] = p;
          A->pairs[2 * A->n_cov + 1] = q;
          A->n_cov++;
        } else {
          char buf[48];
          snprintf(buf, sizeof buf, "%s[%d,%d]", nm, p, q);
          rc = sgdl_observable_parse_for(ctx, buf, A->prob, P, &A->obs[A->n_obs++]);
        }
      }
  }
  free_names(names, n);
  return rc;
}

static const char *coupled_summary(const sgdl_study_result *r) {
  int n = 0;
  for (int m = 0; m < r->n_models; m++) n += r->coupled[m];
  return n == r->n_models ? "errors from SGD-model pairs with common random numbers"
         : n ? "common random numbers for some models (see 'coupled' in results.json)"
             : "independent ensembles";
}

/* rr, rs: the rounds' statuses (NULL without rounds): an error a round closed below its floor says so */
static void print_summary(const study_args *A, const sgdl_study_spec *sp, const sgdl_study_result *r, const char *command,
                          const sgdl_rounds_result *rr, const sgdl_rounds_spec *rs) {
  printf("sgdlab %s: %s; %d start%s; T = %g; %s\n", command, A->prob->desc, A->P, A->P > 1 ? "s" : "", sp->T,
         sp->exact ? "exact moments" : "Monte Carlo");
  if (!sp->exact)
    printf("  %llu paths per run, SDE scheme %s with %d substeps, %s, seed %u, %.1f s\n", (unsigned long long)sp->paths,
           A->scheme_name, sp->par.substeps,
           coupled_summary(r), sp->seed,
           r->seconds);
  if (!sp->exact && sp->par.increments != SGDL_INCREMENTS_GAUSS)
    printf("  SDE increments %s%s\n", sgdl_increments_name(sp->par.increments),
           sp->coupling ? " (not Gaussian: no common random numbers with SGD, whose draws stay Gaussian)" : "");
  printf("\nweak error  sup_{t_k<=T} |E f(SGD) - E f(model)|  (95%% interval)\n");
  printf("  %-6s %-9s %-16s %-12s %s\n", "model", "lr", "observable", "error", "interval");
  for (int m = 0; m < r->n_models; m++)
    for (int li = 0; li < r->n_lr; li++)
      for (int s = 0; s < r->n_stat; s++) {
        const sgdl_sup_error *e = &r->errors[((size_t)m * r->n_lr + li) * r->n_stat + s];
        if (sp->exact) printf("  %-6s %-9g %-16s %-12.4e exact\n", sgdl_study_model_label(sp, m), sp->lrs[li], r->stat_names[s], e->value);
        else if (e->resolved)
          printf("  %-6s %-9g %-16s %-12.4e [%.3e, %.3e]\n", sgdl_study_model_label(sp, m), sp->lrs[li], r->stat_names[s], e->value, e->lo, e->hi);
        else if (rr && rr->status[((size_t)m * r->n_lr + li) * r->n_stat + s] == SGDL_ROUNDS_BELOW_FLOOR)
          printf("  %-6s %-9g %-16s below floor  below %.3e (--floor %g)\n", sgdl_study_model_label(sp, m), sp->lrs[li],
                 r->stat_names[s], e->hi, rs->floor);
        else if (isnan(e->hi)) /* no standard error: a covariance's jackknife over a single chunk */
          printf("  %-6s %-9g %-16s unresolved   no interval (its jackknife needs more than one chunk of %d replicas: more --paths)\n",
                 sgdl_study_model_label(sp, m), sp->lrs[li], r->stat_names[s], SGDL_LANES);
        else if (e->no_spread) /* every path agrees (no spread): more --paths cannot resolve it */
          printf("  %-6s %-9g %-16s unresolved   below %.3e (no spread between paths: zero to rounding)\n", sgdl_study_model_label(sp, m),
                 sp->lrs[li], r->stat_names[s], e->hi);
        else
          printf("  %-6s %-9g %-16s unresolved   below %.3e (more --paths)\n", sgdl_study_model_label(sp, m), sp->lrs[li], r->stat_names[s], e->hi);
      }
  printf("\nfitted weak order  (slope of log error against log lr, 95%% interval)\n");
  printf("  %-6s %-16s %-8s %-20s %s\n", "model", "observable", "order", "interval", "points");
  for (int m = 0; m < r->n_models; m++)
    for (int s = 0; s < r->n_stat; s++) {
      const sgdl_order_fit *f = &r->orders[(size_t)m * r->n_stat + s];
      if (f->n < 2) printf("  %-6s %-16s %-8s %-20s %d\n", sgdl_study_model_label(sp, m), r->stat_names[s], "n/a", "(too few resolved errors)", f->n);
      else if (f->n < 3 || !isfinite(f->lo))
        printf("  %-6s %-16s %-8.3f %-20s %d\n", sgdl_study_model_label(sp, m), r->stat_names[s], f->order, "(needs 3 points)", f->n);
      else printf("  %-6s %-16s %-8.3f [%.3f, %.3f]%*s %d\n", sgdl_study_model_label(sp, m), r->stat_names[s], f->order, f->lo, f->hi, 3, "", f->n);
    }
}

/* --every: the stride and, per learning rate, the output steps and times every series of that lr uses. */
static void record_outputs(cJSON *root, const sgdl_study_spec *sp) {
  cJSON_AddNumberToObject(root, "every", (double)sp->every);
  cJSON *outs = cJSON_AddArrayToObject(root, "output_times");
  for (int li = 0; li < sp->n_lr; li++) {
    const uint64_t K = sgdl_study_steps(sp->T, sgdl_study_dt(sp, sp->lrs[li])), n = sgdl_ensemble_n_outputs(K, sp->every);
    double *t = cJSON_malloc(sizeof(double) * n), *k = cJSON_malloc(sizeof(double) * n);
    for (uint64_t j = 0; t && k && j < n; j++) {
      k[j] = (double)sgdl_ensemble_output_step(j, K, sp->every);
      t[j] = sgdl_study_output_time(sp, sp->lrs[li], j);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lr", sp->lrs[li]);
    if (t && k) {
      sgdl_json_put(o, "steps", sgdl_json_doubles(k, n));
      sgdl_json_put(o, "t", sgdl_json_doubles(t, n));
    }
    cJSON_free(t);
    cJSON_free(k);
    sgdl_json_push(outs, o);
  }
}

static cJSON *results_json(const study_args *A, sgdl_opt *opts, const sgdl_study_spec *sp, const sgdl_study_result *r,
                           const char *command) {
  cJSON *root = sgdl_results_new(command, sp->seed, sgdl_cli_params_json(opts));
  cJSON_AddStringToObject(root, "problem", A->prob->desc);
  cJSON_AddStringToObject(root, "mode", sp->exact ? "exact" : "monte-carlo");
  cJSON_AddStringToObject(root, "scheme", sp->exact ? "exact" : A->scheme_name);
  cJSON_AddNumberToObject(root, "substeps", sp->exact ? 0 : sp->par.substeps);
  cJSON_AddNumberToObject(root, "paths", sp->exact ? 0 : (double)sp->paths);
  cJSON_AddBoolToObject(root, "coupling", sp->coupling);
  if (sgdl_opt_str(opts, "variance-reduction")) /* only when asked for: older results stay as they were */
    cJSON_AddStringToObject(root, "variance_reduction", sgdl_opt_str(opts, "variance-reduction"));
  cJSON *cpl = cJSON_AddObjectToObject(root, "coupled");
  for (int m = 0; m < r->n_models; m++) cJSON_AddBoolToObject(cpl, sgdl_study_model_label(sp, m), r->coupled[m]);
  cJSON_AddStringToObject(root, "increments", sp->exact ? "exact" : sgdl_increments_name(sp->par.increments));
  if (sp->coupling && sp->par.increments != SGDL_INCREMENTS_GAUSS) /* why the noisy models run uncoupled */
    cJSON_AddStringToObject(root, "coupling_off", "model increments are not Gaussian: a normalised sum of them would "
                                                  "change the law of SGD, so noisy models run uncoupled");
  /* SME noise forms on finite data (sgdl_noise_form), listed when some model uses the N-column form. */
  for (int m = 0, any = 0; m < r->n_models && !sp->exact; m++) {
    const char *nf = sgdl_noise_form(A->prob, sp->models[m], &sp->par);
    any |= nf && !strcmp(nf, "n-column");
    if (any && m == r->n_models - 1) {
      cJSON *forms = cJSON_AddObjectToObject(root, "noise_form");
      for (int k = 0; k < r->n_models; k++) {
        const char *f = sgdl_noise_form(A->prob, sp->models[k], &sp->par);
        if (f) cJSON_AddStringToObject(forms, sgdl_study_model_label(sp, k), f);
      }
    }
  }
  sgdl_json_put(root, "starts", sgdl_json_matrix(A->P, A->prob->dim, A->x0));
  if (sgdl_opt_given(opts, "every")) record_outputs(root, sp); /* only when asked for: older results stay as they were */
  cJSON_AddNumberToObject(root, "seconds", r->seconds);
  cJSON *rows = cJSON_AddArrayToObject(root, "rows");
  for (int m = 0; m <= r->n_models; m++)
    for (int li = 0; li < r->n_lr; li++)
      for (int s = 0; s < r->n_stat; s++) {
        const sgdl_study_series *se = SGDL_STUDY_SERIES(r, m, li, s);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "model", m ? sgdl_study_model_label(sp, m - 1) : (sp->algo ? sp->algo : "sgd"));
        cJSON_AddNumberToObject(row, "lr", sp->lrs[li]);
        cJSON_AddStringToObject(row, "observable", r->stat_names[s]);
        double *t = cJSON_malloc(sizeof(double) * se->n_times); /* a failure stops sgdl_cli_emit */
        for (uint64_t k = 0; t && k < se->n_times; k++) t[k] = sgdl_study_output_time(sp, sp->lrs[li], k);
        if (t) sgdl_json_put(row, "t", sgdl_json_doubles(t, se->n_times));
        cJSON_free(t);
        sgdl_json_put(row, "mean", sgdl_json_doubles(se->mean, se->n_times));
        sgdl_json_put(row, "stderr", sgdl_json_doubles(se->se, se->n_times));
        sgdl_json_push(rows, row);
      }
  cJSON *errs = cJSON_AddArrayToObject(root, "errors");
  for (int m = 0; m < r->n_models; m++)
    for (int li = 0; li < r->n_lr; li++)
      for (int s = 0; s < r->n_stat; s++) {
        const sgdl_sup_error *e = &r->errors[((size_t)m * r->n_lr + li) * r->n_stat + s];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", sgdl_study_model_label(sp, m));
        cJSON_AddNumberToObject(o, "lr", sp->lrs[li]);
        cJSON_AddStringToObject(o, "observable", r->stat_names[s]);
        sgdl_json_add_number(o, "sup_error", e->value);
        double ci[2] = {sp->exact ? e->value : e->lo, sp->exact ? e->value : e->hi};
        sgdl_json_put(o, "ci95", sgdl_json_doubles(ci, 2));
        cJSON_AddBoolToObject(o, "resolved", sp->exact || e->resolved);
        cJSON_AddNumberToObject(o, "t_of_sup", sgdl_study_output_time(sp, sp->lrs[li], (uint64_t)e->argmax));
        sgdl_json_push(errs, o);
      }
  cJSON *ords = cJSON_AddArrayToObject(root, "orders");
  for (int m = 0; m < r->n_models; m++)
    for (int s = 0; s < r->n_stat; s++) {
      const sgdl_order_fit *f = &r->orders[(size_t)m * r->n_stat + s];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "model", sgdl_study_model_label(sp, m));
      cJSON_AddStringToObject(o, "observable", r->stat_names[s]);
      sgdl_json_add_number(o, "order", f->order);
      double ci[2] = {f->lo, f->hi};
      sgdl_json_put(o, "ci95", sgdl_json_doubles(ci, 2));
      cJSON_AddNumberToObject(o, "points", f->n);
      sgdl_json_push(ords, o);
    }
  return root;
}

/* weak_plot.dat: one gnuplot index block per (model, observable) with the columns lr, error,
 * lo, hi (NaN where the interval reaches 0) and the upper bound hi of an unresolved error (else
 * NaN); the script draws resolved errors with their intervals and unresolved ones as downward
 * triangles at their upper bound, in the series' colour. A series with nothing resolved gets its
 * legend entry on its triangles; the "unresolved" entry appears only when one is drawn. */
static int write_plot(sgdl_ctx *ctx, const char *dir, const sgdl_study_spec *sp, const sgdl_study_result *r, const char *command) {
  char path[4096];
  sgdl_csv c, c2;
  sgdl_csv_init(&c);
  sgdl_csv_init(&c2);
  sgdl_csv_printf(&c2, "set terminal pngcairo size 960,680 enhanced\nset output '%s.png'\n", command);
  double lo_lr = sp->lrs[0], hi_lr = sp->lrs[0];
  for (int li = 1; li < sp->n_lr; li++) {
    if (sp->lrs[li] < lo_lr) lo_lr = sp->lrs[li];
    if (sp->lrs[li] > hi_lr) hi_lr = sp->lrs[li];
  }
  sgdl_csv_printf(&c2, "set logscale xy\nset format y '10^{%%T}'\nset xrange [%.10g:%.10g]\nset xtics (", lo_lr / 1.3, hi_lr * 1.3);
  for (int li = 0; li < sp->n_lr; li++) sgdl_csv_printf(&c2, "%s%.10g", li ? ", " : "", sp->lrs[li]);
  sgdl_csv_printf(&c2, ")\n");
  sgdl_csv_printf(&c2, "set xlabel 'learning rate {/Symbol a}'\nset ylabel 'weak error  sup_t |E f(SGD) - E f(model)|'\n");
  sgdl_csv_printf(&c2, "set key outside right top\nset grid\nset title 'sgdlab %s: weak error against learning rate (95%% intervals)'\n", command);
  double anchor_x = sp->lrs[0], anchor_y = 0;
  int block = 0, any_unresolved = 0;
  sgdl_csv_printf(&c2, "plot \\\n");
  for (int m = 0; m < r->n_models; m++)
    for (int s = 0; s < r->n_stat; s++) {
      sgdl_csv_printf(&c, "# %s %s: lr error lo hi upper_bound_if_unresolved\n", sgdl_study_model_label(sp, m), r->stat_names[s]);
      int n_resolved = 0, n_open = 0;
      for (int li = 0; li < r->n_lr; li++) {
        const sgdl_sup_error *e = &r->errors[((size_t)m * r->n_lr + li) * r->n_stat + s];
        double lo = sp->exact ? e->value : e->lo, hi = sp->exact ? e->value : e->hi;
        const int open = !sp->exact && !(lo > 0);
        double y = open || !(e->value > 0) ? NAN : e->value;
        n_resolved += !open && y > 0;
        n_open += open && hi > 0;
        sgdl_csv_printf(&c, "%.10g %.10g %.10g %.10g %.10g\n", sp->lrs[li], y, open ? NAN : lo, open ? NAN : hi, open ? hi : NAN);
        if (li == 0 && (open ? hi : y) > anchor_y) anchor_y = open ? hi : y;
      }
      sgdl_csv_printf(&c, "\n\n");
      const int lt = block + 1;
      if (n_resolved)
        sgdl_csv_printf(&c2, "  '%s_plot.dat' index %d using 1:2:3:4 with yerrorlines lt %d lw 2 title '%s %s' noenhanced, \\\n", command, block, lt,
                        sgdl_study_model_label(sp, m), r->stat_names[s]);
      if (n_open)
        sgdl_csv_printf(&c2, "  '%s_plot.dat' index %d using 1:5 with points lt %d pt 11 ps 1.8 %s%s%s%s%s, \\\n", command, block, lt,
                        n_resolved ? "notitle" : "title '", n_resolved ? "" : sgdl_study_model_label(sp, m), n_resolved ? "" : " ",
                        n_resolved ? "" : r->stat_names[s], n_resolved ? "" : "' noenhanced");
      any_unresolved |= n_open > 0;
      block++;
    }
  if (any_unresolved) sgdl_csv_printf(&c2, "  keyentry with points pt 11 ps 1.8 lc rgb 'black' title 'unresolved: upper bound', \\\n");
  if (!(anchor_y > 0)) anchor_y = 1;
  sgdl_csv_printf(&c2, "  %.10g*(x/%.10g) dt 2 lw 1.5 lc rgb 'gray40' title 'slope 1', \\\n", anchor_y, anchor_x);
  sgdl_csv_printf(&c2, "  %.10g*(x/%.10g)**2 dt 3 lw 1.5 lc rgb 'gray20' title 'slope 2'\n", anchor_y, anchor_x);
  char name[64];
  snprintf(name, sizeof name, "%s_plot.dat", command);
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, name));
  int rendered = 0;
  if (!rc && c2.failed) rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building %s.gp", command); /* never drop the script */
  if (!rc) rc = sgdl_plot(ctx, sgdl_cli_out_dir(dir), command, c2.buf, &rendered);
  sgdl_csv_free(&c);
  sgdl_csv_free(&c2);
  return rc;
}

static int write_outputs(sgdl_ctx *ctx, const char *dir, const sgdl_study_spec *sp, const sgdl_study_result *r,
                         const char *command) {
  char path[4096], q[2 * sizeof r->stat_names[0] + 3];
  sgdl_csv c;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "model,lr,observable,sup_error,ci95_lo,ci95_hi,resolved\n");
  for (int m = 0; m < r->n_models; m++)
    for (int li = 0; li < r->n_lr; li++)
      for (int s = 0; s < r->n_stat; s++) {
        const sgdl_sup_error *e = &r->errors[((size_t)m * r->n_lr + li) * r->n_stat + s];
        sgdl_csv_printf(&c, "%s,%.17g,%s,", sgdl_study_model_label(sp, m), sp->lrs[li], csv_field(r->stat_names[s], q, sizeof q));
        sgdl_csv_num(&c, e->value, 0);
        sgdl_csv_num(&c, sp->exact ? e->value : e->lo, 0);
        sgdl_csv_num(&c, sp->exact ? e->value : e->hi, 0);
        sgdl_csv_printf(&c, "%d\n", sp->exact || e->resolved);
      }
  int rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "weak_errors.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "model,observable,order,ci95_lo,ci95_hi,points\n");
  for (int m = 0; m < r->n_models; m++)
    for (int s = 0; s < r->n_stat; s++) {
      const sgdl_order_fit *f = &r->orders[(size_t)m * r->n_stat + s];
      sgdl_csv_printf(&c, "%s,%s,", sgdl_study_model_label(sp, m), csv_field(r->stat_names[s], q, sizeof q));
      sgdl_csv_num(&c, f->order, 0);
      sgdl_csv_num(&c, f->lo, 0);
      sgdl_csv_num(&c, f->hi, 0);
      sgdl_csv_printf(&c, "%d\n", f->n);
    }
  rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "orders.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  sgdl_csv_init(&c);
  sgdl_csv_printf(&c, "model,lr,observable,t,mean,stderr\n");
  for (int m = 0; m <= r->n_models; m++)
    for (int li = 0; li < r->n_lr; li++)
      for (int s = 0; s < r->n_stat; s++) {
        const sgdl_study_series *se = SGDL_STUDY_SERIES(r, m, li, s);
        for (uint64_t k = 0; k < se->n_times; k++) {
          sgdl_csv_printf(&c, "%s,%.17g,%s,%.17g,", m ? sgdl_study_model_label(sp, m - 1) : (sp->algo ? sp->algo : "sgd"), sp->lrs[li],
                          csv_field(r->stat_names[s], q, sizeof q), sgdl_study_output_time(sp, sp->lrs[li], k));
          sgdl_csv_num(&c, se->mean[k], 0);
          sgdl_csv_num(&c, se->se[k], 1);
        }
      }
  rc = sgdl_csv_write(ctx, &c, sgdl_cli_out_path(path, sizeof path, dir, "series.csv"));
  sgdl_csv_free(&c);
  if (rc) return rc;
  return write_plot(ctx, dir, sp, r, command);
}

/* --svag-l l1,l2,...: one "svag" in --models becomes one row per l, labelled svag-l<l> (the study
 * runs each with its own l). A single l keeps the row "svag" and sets par->svag_l. */
static int expand_svag(study_args *A, sgdl_opt *opts, sgdl_algo_params *par) {
  sgdl_ctx *ctx = A->ctx;
  double *ls = NULL;
  int nl = 0, n_svag = 0;
  int rc = sgdl_opt_list(ctx, opts, "svag-l", &ls, &nl);
  if (rc) return rc;
  par->svag_l = (int)ls[0];
  for (int m = 0; m < A->n_models; m++) n_svag += !strcmp(A->models[m], "svag");
  for (int i = 0; i < nl && !rc; i++)
    for (int j = 0; j < i && !rc; j++)
      if (ls[i] == ls[j]) rc = sgdl_fail(ctx, SGDL_EUSAGE, "--svag-l: %g is listed twice", ls[i]);
  if (!rc && nl == 1 && n_svag == 0 && sgdl_opt_given(opts, "svag-l")) /* not silently dropped */
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--svag-l: only with svag in --models (it has none)");
  if (!rc && nl > 1 && n_svag != 1)
    rc = sgdl_fail(ctx, SGDL_EUSAGE, "--svag-l: a list of %d values needs svag exactly once in --models (it has %d)", nl, n_svag);
  if (rc || nl == 1) {
    free(ls);
    return rc;
  }
  const int n = A->n_models - 1 + nl;
  char **models = calloc((size_t)n, sizeof *models), **labels = calloc((size_t)n, sizeof *labels);
  int *lv = calloc((size_t)n, sizeof *lv), k = 0, oom = !models || !labels || !lv;
  for (int m = 0; m < A->n_models && !oom; m++) {
    const int is_svag = !strcmp(A->models[m], "svag");
    for (int i = 0; i < (is_svag ? nl : 1) && !oom; i++, k++) {
      char label[32];
      snprintf(label, sizeof label, "svag-l%d", (int)ls[i]);
      models[k] = strdup(A->models[m]);
      labels[k] = strdup(is_svag ? label : A->models[m]);
      lv[k] = is_svag ? (int)ls[i] : 0;
      oom = !models[k] || !labels[k];
    }
  }
  free(ls);
  if (oom) {
    free_names(models, n);
    free_names(labels, n);
    free(lv);
    return sgdl_fail(ctx, SGDL_ENOMEM, "--svag-l: out of memory");
  }
  free_names(A->models, A->n_models);
  A->models = models;
  A->labels = labels;
  A->svag_l = lv;
  A->n_models = n;
  return SGDL_OK;
}

/* A warning (not an error) when a model needing Hessian products runs on a problem whose hvp is
 * only almost-everywhere right (ReLU networks). */
static void warn_hvp_caveat(const study_args *A) {
  if (!A->prob->hvp_caveat || A->ctx->verbosity == 0 || A->ctx->rank != 0) return;
  for (int m = 0; m < A->n_models; m++) {
    const sgdl_stepper_type *t = sgdl_stepper_find(A->models[m]);
    if (t && t->desc.drift == SGDL_DRIFT_MODIFIED)
      fprintf(stderr, "warning: --models %s: %s\n", A->models[m], A->prob->hvp_caveat);
  }
}

/* Flags -> study spec. Ranges and choices were checked by sgdl_cli_parse (SGDL_STUDY_OPTS);
 * the algorithm parameters come from the shared mapper; what is left is the study's own. */
static int study_spec(study_args *A, sgdl_opt *opts, int npoint, sgdl_study_spec *sp) {
  sgdl_ctx *ctx = A->ctx;
  long long paths = 0;
  const char *scheme = NULL;
  int rc = sgdl_opt_list(ctx, opts, "lr", &A->lrs, &A->n_lr);
  if (!rc) rc = sgdl_opt_num(ctx, opts, "T", &sp->T);
  if (!rc) rc = sgdl_opt_int(ctx, opts, "paths", &paths);
  long long every = 1;
  if (!rc && sgdl_opt_given(opts, "every")) rc = sgdl_opt_int(ctx, opts, "every", &every);
  if (!rc) rc = split_names(ctx, "--models", sgdl_opt_str(opts, "models"), &A->models, &A->n_models);
  if (!rc) rc = sgdl_cli_problem(ctx, opts, &A->prob);
  if (!rc) rc = parse_starts(A, opts, npoint);
  if (!rc) rc = parse_observables(A, opts, npoint);
  if (!rc) rc = sgdl_cli_algo_params(ctx, opts, A->prob, &sp->par, &scheme);
  if (!rc) rc = expand_svag(A, opts, &sp->par);
  if (!rc) warn_hvp_caveat(A);
  if (!rc && sgdl_opt_str(opts, "lambda")) rc = sgdl_opt_num(ctx, opts, "lambda", &sp->critical_lambda);
  if (rc) return rc;
  /* Scheme: auto = Heun (weak order 2) for constant noise, else EM + Talay-Tubaro. */
  sp->talay_tubaro = !strcmp(scheme, "tt");
  A->scheme_name = sp->talay_tubaro ? "em+talay-tubaro" : scheme;
  sp->prob = A->prob;
  sp->n_models = A->n_models;
  sp->models = (const char *const *)A->models;
  sp->model_labels = (const char *const *)A->labels;
  sp->model_svag_l = A->svag_l;
  sp->n_lr = A->n_lr;
  sp->lrs = A->lrs;
  sp->P = A->P;
  sp->x0 = A->x0;
  sp->n_obs = A->n_obs;
  sp->obs = A->obs;
  sp->n_cov = A->n_cov;
  sp->cov_pairs = A->pairs;
  sp->paths = (uint64_t)paths;
  sp->every = (uint64_t)every;
  sp->exact = sgdl_opt_flag(opts, "exact");
  sp->algo = sgdl_opt_str(opts, "algo");
  if (!strcmp(sp->algo, "sgd")) sp->par.momentum = 0; /* plain SGD's models have no momentum */
  sp->par.nesterov = !strcmp(sp->algo, "nag");
  sp->sbc = !strcmp(sgdl_opt_str(opts, "schedule"), "sbc");
  sp->seed = A->seed;
  sp->torch_iterate = !strcmp(sgdl_opt_str(opts, "nag-iterate"), "torch");
  /* auto (or on): every model that can share SGD's random numbers does (sgdl_coupling_possible);
   * auto stays off for the torch iterate, which the coupled pairs do not report. */
  const char *cpl = sgdl_opt_str(opts, "coupling");
  sp->coupling = !strcmp(cpl, "on") || (!strcmp(cpl, "auto") && !sp->torch_iterate) ? !sp->exact : 0;
  /* a command's default antithetic pairs (meanfield's) step aside where the sample mirror cannot be
   * built (no per-sample gradients, or more than SGDL_SAMPLE_MIRROR_MAX_N samples): plain paths */
  sgdl_opt *vro = sgdl_opt_get(opts, "variance-reduction");
  if (!vro->given && vro->value && A->prob->n_data &&
      (A->prob->n_data > SGDL_SAMPLE_MIRROR_MAX_N || !A->prob->type->grad_sample))
    vro->value = NULL;
  const char *vr = sgdl_opt_str(opts, "variance-reduction"); /* no default: params stay as they were without it */
  sp->variance_reduction = (vr && strstr(vr, "control-variate") ? SGDL_VR_CONTROL_VARIATE : 0) |
                           (vr && strstr(vr, "antithetic") ? SGDL_VR_ANTITHETIC : 0);
  return SGDL_OK;
}

static int study_run(sgdl_ctx *ctx, const char *command, sgdl_opt *opts, uint32_t seed, int npoint) {
  study_args A;
  memset(&A, 0, sizeof A);
  A.ctx = ctx;
  A.seed = seed;
  sgdl_study_spec sp;
  memset(&sp, 0, sizeof sp);
  const char *out = sgdl_opt_str(opts, "out");
  /* --precision / --checkpoint: the study in rounds (study_rounds.h); first, as it settles the
   * command's round defaults (meanfield's) that the spec reads */
  const int rounds = sgdl_study_rounds_wanted(opts);
  int rc = study_spec(&A, opts, npoint, &sp);
  sgdl_progress_bar bar;
  sgdl_cli_progress_bar_start(&bar, command);
  if (ctx->verbosity == 0 || sgdl_opt_flag(opts, "json")) bar.active = 0;
  ctx->progress = sgdl_progress_bar_update;
  ctx->progress_user = &bar;
  sgdl_study_result r;
  memset(&r, 0, sizeof r);
  sgdl_rounds_spec rspec;
  sgdl_rounds_result rr;
  char *rargs = NULL;
  memset(&rspec, 0, sizeof rspec);
  memset(&rr, 0, sizeof rr);
  if (!rc && rounds) rc = sgdl_study_rounds_spec(ctx, opts, command, sp.paths, &rspec, &rargs);
  sgdl_estimate est;
  if (!rc) sgdl_estimate_study(&sp, &est);
  if (!rc) rc = sgdl_cli_estimate_begin(ctx, opts, &est);
  if (!rc) rc = rounds ? sgdl_study_run_rounds(ctx, &sp, &rspec, &r, &rr) : sgdl_study_run(ctx, &sp, &r);
  sgdl_progress_bar_finish(&bar);
  int exit_code;
  if (rc) {
    exit_code = sgdl_cli_error(ctx, command, rc);
  } else {
    if (out) rc = write_outputs(ctx, out, &sp, &r, command);
    if (rc) exit_code = sgdl_cli_error(ctx, command, rc);
    else {
      if (ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json")) print_summary(&A, &sp, &r, command, rounds ? &rr : NULL, &rspec);
      if (rounds && ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json")) sgdl_study_rounds_print(&sp, &r, &rr, &rspec);
      if (out && ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json")) {
        char p[4096];
        printf("\nplot: %s  (script %s.gp)\n", sgdl_path_join(p, sizeof p, out, ""), command);
        printf("  %s/%s.png\n", out, command);
      }
      cJSON *root = results_json(&A, opts, &sp, &r, command);
      if (!strcmp(A.prob->type->name, "mlp")) { /* a network: the NSR at the start weights (noise_out.h) */
        sgdl_algo_params np = sp.par;
        np.lr = sp.lrs[0];
        const int talk = ctx->verbosity > 0 && !sgdl_opt_flag(opts, "json");
        if (talk) printf("\n");
        if (sgdl_noise_scale_record(ctx, A.prob, A.x0, &np, root, talk, "at the start weights (first --lr)"))
          fprintf(stderr, "warning: noise-to-signal ratio: %s\n", ctx->msg);
      }
      sgdl_cli_estimate_record(ctx, opts, &est, root, 1);
      if (rounds) sgdl_study_rounds_json(root, &sp, &rr, &rspec);
      exit_code = sgdl_cli_emit(ctx, opts, root);
    }
  }
  sgdl_study_result_free(&r);
  sgdl_rounds_result_free(&rr);
  free(rargs);
  sgdl_problem_destroy(A.prob);
  free(A.lrs);
  free(A.x0);
  free(A.obs);
  free(A.pairs);
  if (A.labels) free_names(A.labels, A.n_models);
  free(A.svag_l);
  free_names(A.models, A.n_models);
  return exit_code;
}

int sgdl_study_main(const char *command, const char *summary, sgdl_opt *opts, int argc, char **argv, int npoint) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  uint32_t seed = 0;
  int rc = sgdl_cli_begin(&ctx, command, summary, opts, argc, argv, &seed);
  if (rc) return sgdl_cli_error(&ctx, command, rc);
  return study_run(&ctx, command, opts, seed, npoint);
}
