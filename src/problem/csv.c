/* Numeric CSV data sets for linreg/logreg: each row is the features then the target.
 * A first row in which no field is a number is a header and is skipped; blank lines and
 * lines starting with '#' are ignored. Every error names the file, the line and (for a
 * bad value) the column, so a user can go straight to the problem.
 * Does not: guess separators (comma only), handle quoted fields, or read labels as text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdlab/problem.h"

/* Strip leading/trailing blanks (and a trailing '\r' from CRLF files) in place. */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
  return s;
}

/* Parse one field as a finite double; 0 on success. */
static int parse_field(const char *f, double *v) {
  if (*f == '\0') return 1;
  char *end;
  errno = 0;
  double x = strtod(f, &end);
  if (*end != '\0' || end == f) return 1;
  if (!isfinite(x)) return 2;
  *v = x;
  return 0;
}

/* Split a trimmed line at commas in place; returns the number of fields (fields[] gets at most
 * cap of them, the count is still exact). */
static int split(char *line, char **fields, int cap) {
  int n = 0;
  char *p = line;
  for (;;) {
    char *c = strchr(p, ',');
    if (c) *c = '\0';
    if (n < cap) fields[n] = trim(p);
    n++;
    if (!c) break;
    p = c + 1;
  }
  return n;
}

int sgdl_data_read_csv(sgdl_ctx *ctx, const char *path, double **X, double **y, size_t *N, int *d) {
  *X = NULL;
  *y = NULL;
  *N = 0;
  *d = 0;
  FILE *f = fopen(path, "r");
  if (!f) return sgdl_fail(ctx, SGDL_EIO, "%s: cannot open: %s", path, strerror(errno));

  char *line = NULL, **fields = NULL;
  size_t cap_line = 0, rows = 0, cap_rows = 0;
  double *vals = NULL; /* rows x ncols, grown geometrically */
  int ncols = 0, cols_line = 0, lineno = 0, rc = SGDL_OK, seen_first = 0;
  ssize_t len;
  while ((len = getline(&line, &cap_line, f)) != -1) {
    lineno++;
    char *s = trim(line);
    if (*s == '\0' || *s == '#') continue;
    /* The widest possible row has one field per comma + 1. */
    int maxf = 1;
    for (const char *q = s; *q; q++) maxf += (*q == ',');
    char **nf = realloc(fields, sizeof *fields * (size_t)maxf);
    if (!nf) { rc = sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory at line %d", path, lineno); break; }
    fields = nf;
    int nfld = split(s, fields, maxf);
    if (!seen_first) {
      seen_first = 1;
      int numeric = 0;
      double v;
      for (int j = 0; j < nfld; j++) numeric += parse_field(fields[j], &v) == 0;
      ncols = nfld;
      cols_line = lineno;
      if (ncols < 2) {
        rc = sgdl_fail(ctx, SGDL_EDATA, "%s line %d: %d column, need at least 2 (features, then the target)", path,
                       lineno, ncols);
        break;
      }
      if (numeric == 0) continue; /* header row */
    }
    if (nfld != ncols) {
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s line %d: %d columns, expected %d (as on line %d)", path, lineno, nfld,
                     ncols, cols_line);
      break;
    }
    if (rows == cap_rows) {
      cap_rows = cap_rows ? 2 * cap_rows : 64;
      double *nv = realloc(vals, sizeof *vals * cap_rows * (size_t)ncols);
      if (!nv) { rc = sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory at line %d", path, lineno); break; }
      vals = nv;
    }
    for (int j = 0; j < ncols && !rc; j++) {
      int e = parse_field(fields[j], &vals[rows * (size_t)ncols + (size_t)j]);
      if (e == 1)
        rc = sgdl_fail(ctx, SGDL_EDATA, "%s line %d, column %d: '%.40s' is not a number", path, lineno, j + 1,
                       fields[j]);
      else if (e == 2)
        rc = sgdl_fail(ctx, SGDL_EDATA, "%s line %d, column %d: '%.40s' is not finite", path, lineno, j + 1,
                       fields[j]);
    }
    if (rc) break;
    rows++;
  }
  if (!rc && ferror(f)) rc = sgdl_fail(ctx, SGDL_EIO, "%s: read error after line %d", path, lineno);
  /* getline also returns -1 when its buffer cannot grow: that is not the end of the file. */
  if (!rc && !feof(f)) rc = sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory reading line %d", path, lineno + 1);
  if (!rc && rows == 0)
    rc = seen_first ? sgdl_fail(ctx, SGDL_EDATA, "%s: header on line %d but no data rows", path, cols_line)
                    : sgdl_fail(ctx, SGDL_EDATA, "%s: file is empty (%d lines, no data rows)", path, lineno);
  fclose(f);
  free(line);
  free(fields);
  if (!rc) {
    int dd = ncols - 1;
    *X = sgdl_alloc(ctx, rows * (size_t)dd, sizeof **X);
    *y = sgdl_alloc(ctx, rows, sizeof **y);
    if (!*X || !*y) {
      rc = SGDL_ENOMEM;
    } else {
      for (size_t i = 0; i < rows; i++) {
        memcpy(*X + i * (size_t)dd, vals + i * (size_t)ncols, sizeof(double) * (size_t)dd);
        (*y)[i] = vals[i * (size_t)ncols + (size_t)dd];
      }
      *N = rows;
      *d = dd;
    }
  }
  free(vals);
  if (rc) {
    sgdl_free(*X);
    sgdl_free(*y);
    *X = *y = NULL;
  }
  return rc;
}
