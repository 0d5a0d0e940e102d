/* Bad input to the problem layer: the CSV reader (missing file, ragged row, non-numeric and
 * non-finite values, empty and header-only files, a single column) must name the file, the line
 * and the column; quadratic validation must name --H / --C; an unknown problem lists the known
 * names; invalid parameters name their flag. Also the good paths of the reader: header, CRLF,
 * blank and comment lines, spaces around fields. */
#include <stdlib.h>
#include <unistd.h>

#include "test_problem_checks.h"

static char dir[] = "/tmp/sgdl_csv_XXXXXX";

static const char *write_file(const char *name, const char *text) {
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

/* Read `text` as CSV; expect failure whose message contains every string in want (NULL-ended). */
static void expect_csv_error(const char *name, const char *text, const char *const *want) {
  const char *path = text ? write_file(name, text) : name;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  double *X = (double *)1, *y = (double *)1;
  size_t N = 99;
  int d = 99;
  int rc = sgdl_data_read_csv(&ctx, path, &X, &y, &N, &d);
  CHECK(rc != 0 && ctx.status == rc, "%s: expected an error, got rc %d", name, rc);
  CHECK(X == NULL && y == NULL && N == 0, "%s: outputs not cleared on error", name);
  CHECK(strstr(ctx.msg, path) != NULL, "%s: message does not name the file: %s", name, ctx.msg);
  for (int i = 0; want[i]; i++) CHECK(strstr(ctx.msg, want[i]) != NULL, "%s: message lacks '%s': %s", name, want[i], ctx.msg);
}

static void test_csv(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  double *X, *y;
  size_t N;
  int d;
  const char *good = write_file("good.csv", "# comment\r\nx1 , x2, target\r\n\r\n1, 2.5, -3\r\n4,5e-1 ,6\r\n\n");
  int rc = sgdl_data_read_csv(&ctx, good, &X, &y, &N, &d);
  CHECK(rc == 0, "good.csv: %s", ctx.msg);
  if (!rc) {
    CHECK(N == 2 && d == 2, "good.csv shape N=%zu d=%d", N, d);
    CHECK(X[0] == 1 && X[1] == 2.5 && X[2] == 4 && X[3] == 0.5 && y[0] == -3 && y[1] == 6, "good.csv values");
    sgdl_free(X);
    sgdl_free(y);
  }
  const char *nohdr = write_file("nohdr.csv", "1,2\n3,4\n5,6");
  rc = sgdl_data_read_csv(&ctx, nohdr, &X, &y, &N, &d);
  CHECK(rc == 0 && N == 3 && d == 1, "no header, no final newline: rc %d N=%zu %s", rc, N, ctx.msg);
  if (!rc) {
    CHECK(X[2] == 5 && y[2] == 6, "nohdr values");
    sgdl_free(X);
    sgdl_free(y);
  }

  char missing[300];
  snprintf(missing, sizeof missing, "%s/does-not-exist.csv", dir);
  expect_csv_error(missing, NULL, (const char *const[]){"cannot open", NULL});
  expect_csv_error("ragged.csv", "a,b,c\n1,2,3\n4,5\n", (const char *const[]){"line 3", "2 columns", "expected 3", NULL});
  expect_csv_error("ragged2.csv", "1,2\n3,4,5\n", (const char *const[]){"line 2", "3 columns", "expected 2", NULL});
  expect_csv_error("nonnum.csv", "x,y\n1,2\n3,abc\n", (const char *const[]){"line 3", "column 2", "abc", "not a number", NULL});
  expect_csv_error("mixed1.csv", "1,zz\n3,4\n", (const char *const[]){"line 1", "column 2", "zz", NULL});
  expect_csv_error("emptyfield.csv", "1,2\n,4\n", (const char *const[]){"line 2", "column 1", NULL});
  expect_csv_error("inf.csv", "1,2\n3,inf\n", (const char *const[]){"line 2", "column 2", "not finite", NULL});
  expect_csv_error("empty.csv", "", (const char *const[]){"empty", NULL});
  expect_csv_error("blank.csv", "\n\n  \n", (const char *const[]){"empty", NULL});
  expect_csv_error("header.csv", "x,y\n", (const char *const[]){"no data rows", "line 1", NULL});
  expect_csv_error("onecol.csv", "1\n2\n", (const char *const[]){"line 1", "at least 2", NULL});

  /* Through the problem: the flag is named as well */
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "linreg";
  s.data_path = write_file("bad2.csv", "1,2\n3\n");
  sgdl_problem *p = (sgdl_problem *)1;
  rc = sgdl_problem_create(&ctx, &s, &p);
  CHECK(rc == SGDL_EDATA && p == NULL && strstr(ctx.msg, "--data:") && strstr(ctx.msg, "bad2.csv") &&
            strstr(ctx.msg, "line 2"),
        "linreg with a ragged file: rc %d: %s", rc, ctx.msg);
  s.name = "logreg";
  s.data_path = write_file("labels.csv", "x,y\n1,0\n2,1\n3,0.5\n");
  rc = sgdl_problem_create(&ctx, &s, &p);
  CHECK(rc != 0 && strstr(ctx.msg, "labels.csv") && strstr(ctx.msg, "row 3") && strstr(ctx.msg, "0 or 1"),
        "logreg with a non-0/1 label: %s", ctx.msg);
  s.data_path = write_file("labels_ok.csv", "x,y\n1,0\n2,1\n3,1\n");
  rc = sgdl_problem_create(&ctx, &s, &p);
  CHECK(rc == 0 && p->n_data == 3, "logreg from a good file: %s", ctx.msg);
  if (!rc) {
    double w = 0.4;
    pc_check_point(p, &w, "logreg(csv)");
    sgdl_problem_destroy(p);
  }
}

static void expect_create_error(sgdl_problem_spec *s, const char *const *want, const char *label) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = (sgdl_problem *)1;
  int rc = sgdl_problem_create(&ctx, s, &p);
  CHECK(rc != 0 && p == NULL, "%s: expected an error, got rc %d", label, rc);
  for (int i = 0; want[i]; i++) CHECK(strstr(ctx.msg, want[i]) != NULL, "%s: message lacks '%s': %s", label, want[i], ctx.msg);
}

static void test_validation(void) {
  sgdl_problem_spec s;
  sgdl_problem_spec_init(&s);
  s.name = "quadratic";
  double Hbad[4] = {1, 0.5, 0.4, 1}, Hok[4] = {2, 0.5, 0.5, 1};
  s.dim = 2;
  s.H = Hbad;
  expect_create_error(&s, (const char *const[]){"--H", "not symmetric", NULL}, "nonsymmetric H");
  s.H = Hok;
  double Cneg[4] = {1, 2, 2, 1}; /* eigenvalues 3, -1 */
  s.C = Cneg;
  expect_create_error(&s, (const char *const[]){"--C", "positive semidefinite", NULL}, "indefinite C");
  double Cns[4] = {1, 0.2, 0.1, 1};
  s.C = Cns;
  expect_create_error(&s, (const char *const[]){"--C", "not symmetric", NULL}, "nonsymmetric C");
  double C3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  s.C = C3;
  s.C_dim = 3;
  expect_create_error(&s, (const char *const[]){"--C is 3x3 but --H is 2x2", NULL}, "C size mismatch");
  /* a PSD but singular C is fine */
  double Csing[4] = {1, 1, 1, 1};
  s.C = Csing;
  s.C_dim = 2;
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_problem *p = NULL;
  CHECK(sgdl_problem_create(&ctx, &s, &p) == 0, "singular PSD C rejected: %s", ctx.msg);
  if (p) {
    double x[2] = {0.1, 0.2}, S[4], G[4];
    sgdl_problem_sigma1(p, x, S, G);
    CHECK(pc_relerr(4, S, Csing) < 1e-14, "sqrt of singular C");
  }
  sgdl_problem_destroy(p);

  sgdl_problem_spec_init(&s);
  s.name = "no-such-problem";
  expect_create_error(&s, (const char *const[]){"no-such-problem", "quadratic", "linreg", "logreg", "double-well-2d", "degenerate", "plugin", NULL},
                      "unknown problem");
  sgdl_problem_spec_init(&s);
  s.name = "double-well";
  s.sigma2 = -1;
  expect_create_error(&s, (const char *const[]){"--sigma2", NULL}, "negative sigma2");
  s.name = "double-well-2d";
  expect_create_error(&s, (const char *const[]){"--sigma2", NULL}, "negative sigma2 (2d)");
  sgdl_problem_spec_init(&s);
  s.name = "linreg";
  s.gen_d = 0;
  expect_create_error(&s, (const char *const[]){"--gen-d", NULL}, "gen_d 0");
  sgdl_problem_spec_init(&s);
  s.name = "logreg";
  s.l2 = -0.1;
  expect_create_error(&s, (const char *const[]){"--l2", NULL}, "negative l2");
  sgdl_problem_spec_init(&s);
  s.name = "degenerate";
  s.s = NAN;
  expect_create_error(&s, (const char *const[]){"--s", NULL}, "NaN s");
}

int main(void) {
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp failed");
    return check_done();
  }
  test_csv();
  test_validation();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return check_done();
}
