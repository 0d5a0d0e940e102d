/* IDX reading: round trip of raw and gzip files written here, the folder conventions
 * (four standard names; t10k-only split into first --train and last --test), and every
 * error path with its message: bad magic, wrong number of dimensions, zero dimension,
 * truncated header, truncated data, trailing bytes, corrupt gzip, image/label count
 * mismatch, overlapping split, missing folder. Each message must name the file or flag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "sgdlab/nn.h"

static char dir[256];

static void be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* an IDX byte image: ndim dims, payload i*7 mod 256 (labels: i mod 10); cut/extra bytes to corrupt */
static size_t make_idx(unsigned char *buf, int ndim, const uint32_t *dims, int labels) {
  buf[0] = buf[1] = 0, buf[2] = 8, buf[3] = (unsigned char)ndim;
  size_t n = 1, p = 4;
  for (int i = 0; i < ndim; i++, p += 4) be32(buf + p, dims[i]), n *= dims[i];
  for (size_t i = 0; i < n; i++) buf[p + i] = labels ? (unsigned char)(i % 10) : (unsigned char)(i * 7);
  return p + n;
}

static void write_raw(const char *name, const unsigned char *b, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(b, 1, n, f);
  fclose(f);
}
static void write_gz(const char *name, const unsigned char *b, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  gzFile f = gzopen(path, "wb");
  gzwrite(f, b, (unsigned)n);
  gzclose(f);
}

static int expect_error(const char *name, int ndim, const char *needle) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  uint8_t *data = NULL;
  uint32_t dims[3];
  int rc = sgdl_idx_read(&ctx, path, ndim, &data, dims);
  CHECK(rc == SGDL_EDATA || rc == SGDL_EIO, "%s: rc %d", name, rc);
  CHECK(strstr(ctx.msg, needle) != NULL, "%s: message \"%s\" lacks \"%s\"", name, ctx.msg, needle);
  CHECK(strstr(ctx.msg, name) != NULL, "%s: message \"%s\" does not name the file", name, ctx.msg);
  CHECK(data == NULL, "no data on error");
  return rc;
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/sgdl_test_idx_%d", (int)getpid());
  mkdir(dir, 0700);
  static unsigned char img[4 + 12 + 30 * 12], lab[8 + 30];
  uint32_t di[3] = {30, 3, 4}, dl[1] = {30};
  size_t ni = make_idx(img, 3, di, 0), nl = make_idx(lab, 1, dl, 1);

  /* round trip, raw and gzip */
  write_raw("a-images", img, ni);
  write_gz("a-images.gz", img, ni);
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  for (int gz = 0; gz < 2; gz++) {
    char path[512];
    snprintf(path, sizeof path, "%s/a-images%s", dir, gz ? ".gz" : "");
    uint8_t *data;
    uint32_t dims[3];
    CHECK(sgdl_idx_read(&ctx, path, 3, &data, dims) == 0, "read %s: %s", path, ctx.msg);
    CHECK(dims[0] == 30 && dims[1] == 3 && dims[2] == 4, "dims");
    int same = 1;
    for (int i = 0; i < 360; i++) same &= data[i] == (uint8_t)(i * 7);
    CHECK(same, "payload round trip (gz=%d)", gz);
    sgdl_free(data);
  }

  /* error paths */
  unsigned char bad[sizeof img + 16];
  memcpy(bad, img, ni);
  bad[2] = 0x09; /* signed byte type */
  write_raw("b-magic", bad, ni);
  expect_error("b-magic", 3, "bad magic");
  write_raw("b-labels-as-images", lab, nl);
  expect_error("b-labels-as-images", 3, "bad magic");
  memcpy(bad, img, ni);
  be32(bad + 8, 0);
  write_raw("b-zero", bad, ni);
  expect_error("b-zero", 3, "zero");
  write_raw("b-shorthead", img, 9);
  expect_error("b-shorthead", 3, "truncated header");
  write_raw("b-tiny", img, 2);
  expect_error("b-tiny", 3, "truncated");
  write_raw("b-trunc", img, ni - 5);
  expect_error("b-trunc", 3, "truncated");
  write_gz("b-trunc.gz", img, ni - 100);
  expect_error("b-trunc.gz", 3, "truncated");
  memcpy(bad, img, ni);
  bad[ni] = 1;
  write_raw("b-long", bad, ni + 1);
  expect_error("b-long", 3, "longer than");
  /* a gzip stream with its middle overwritten */
  {
    char path[512];
    snprintf(path, sizeof path, "%s/a-images.gz", dir);
    FILE *f = fopen(path, "rb");
    unsigned char gzb[4096];
    size_t gn = fread(gzb, 1, sizeof gzb, f);
    fclose(f);
    for (size_t i = 20; i < gn - 10 && i < 60; i++) gzb[i] ^= 0x5a;
    write_raw("b-corrupt.gz", gzb, gn);
    expect_error("b-corrupt.gz", 3, "");
  }
  expect_error("does-not-exist", 3, "cannot open");

  /* folder conventions: t10k only -> first/last split */
  write_gz("t10k-images-idx3-ubyte.gz", img, ni);
  write_raw("t10k-labels-idx1-ubyte", lab, nl);
  sgdl_imageset tr, te;
  char desc[256];
  CHECK(sgdl_data_open(&ctx, dir, 20, 6, &tr, &te, desc) == 0, "open t10k-only: %s", ctx.msg);
  CHECK(tr.n == 20 && te.n == 6 && tr.dim == 12 && tr.n_classes == 10, "split sizes %zu %zu", tr.n, te.n);
  CHECK(tr.images[12] == (uint8_t)(12 * 7) && te.images[0] == (uint8_t)(24 * 12 * 7), "first 20 / last 6");
  CHECK(te.labels[0] == 24 % 10 && tr.labels[19] == 19 % 10, "labels follow their images");
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  CHECK(sgdl_data_open(&ctx, dir, -1, -1, &tr, &te, desc) == 0, "default split");
  CHECK(tr.n == 24 && te.n == 6, "default 4/5 : 1/5 split of a small t10k set (%zu, %zu)", tr.n, te.n);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  CHECK(sgdl_data_open(&ctx, dir, 25, 6, &tr, &te, desc) == SGDL_EINVAL, "overlap refused");
  CHECK(strstr(ctx.msg, "--train") && strstr(ctx.msg, "overlap"), "overlap message: %s", ctx.msg);
  /* all four names: train from train-*, test from t10k-* */
  uint32_t dl2[1] = {29};
  size_t nl2 = make_idx(lab, 1, dl2, 1);
  write_raw("train-images-idx3-ubyte", img, ni);
  write_raw("train-labels-idx1-ubyte", lab, nl2);
  CHECK(sgdl_data_open(&ctx, dir, -1, -1, &tr, &te, desc) == SGDL_EDATA, "count mismatch refused");
  CHECK(strstr(ctx.msg, "30 images") && strstr(ctx.msg, "29 labels") && strstr(ctx.msg, "train-labels"),
        "mismatch message: %s", ctx.msg);
  nl2 = make_idx(lab, 1, dl, 1);
  write_raw("train-labels-idx1-ubyte", lab, nl2);
  CHECK(sgdl_data_open(&ctx, dir, 10, -1, &tr, &te, desc) == 0, "four files: %s", ctx.msg);
  CHECK(tr.n == 10 && te.n == 30, "train subset and full test (%zu, %zu)", tr.n, te.n);
  sgdl_imageset_free(&tr);
  sgdl_imageset_free(&te);
  CHECK(sgdl_data_open(&ctx, "/nonexistent/folder", -1, -1, &tr, &te, desc) == SGDL_EIO &&
            strstr(ctx.msg, "--data"), "missing folder: %s", ctx.msg);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return check_done();
}
