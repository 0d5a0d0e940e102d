/* IDX reader (the MNIST file format) and the data-folder conventions.
 *
 * Reads gzip-compressed or raw files through zlib's gzread (which passes raw files through),
 * validates the header (magic 0x0000 08 NN: unsigned bytes, NN dimensions), refuses zero
 * dimensions and sizes that overflow, and checks that the payload is exactly as long as the
 * header says (truncated and over-long files are errors). Nothing the header announces is
 * allocated before the file is known to hold it: a raw file's length is checked first, a
 * compressed payload is read into memory that grows with the data found. Only unsigned-byte IDX files are
 * supported: that is what MNIST and Fashion-MNIST use. Errors always name the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "sgdlab/nn.h"

/* Read exactly n bytes; returns bytes read (< n at end of file), or -1 on a zlib error. */
static long long gz_read_full(gzFile f, uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t want = n - got;
    if (want > (1u << 30)) want = 1u << 30;
    int r = gzread(f, buf + got, (unsigned)want);
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (long long)got;
}

/* Read exactly n bytes of a compressed stream into a buffer that grows (doubling from 1 MiB) as
 * the data arrives, so a header announcing more than the file holds fails at the first shortfall
 * instead of after allocating what it announced. On success *out (sgdl_alloc'd, n bytes) owns
 * the data and n is returned; otherwise *out is NULL and the return is the bytes found (< n),
 * -1 on a zlib error, or n with ctx's SGDL_ENOMEM when memory ran out. */
static long long gz_read_grow(sgdl_ctx *ctx, gzFile f, size_t n, uint8_t **out) {
  *out = NULL;
  size_t cap = n < ((size_t)1 << 20) ? n : (size_t)1 << 20, got = 0;
  uint8_t *stage = malloc(cap ? cap : 1);
  if (!stage) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading a compressed IDX file"), (long long)n;
  while (got < n) {
    if (got == cap) {
      size_t grown = cap > n / 2 ? n : 2 * cap;
      uint8_t *t = realloc(stage, grown);
      if (!t) {
        free(stage);
        sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading a compressed IDX file (%zu bytes so far)", got);
        return (long long)n;
      }
      stage = t;
      cap = grown;
    }
    long long r = gz_read_full(f, stage + got, cap - got);
    if (r < 0 || (size_t)r < cap - got) {
      free(stage);
      return r < 0 ? -1 : (long long)(got + (size_t)r);
    }
    got += (size_t)r;
  }
  *out = sgdl_alloc(ctx, n, 1); /* the caller frees with sgdl_free: copy into aligned memory */
  if (*out) memcpy(*out, stage, n);
  free(stage);
  return (long long)n;
}

int sgdl_idx_read(sgdl_ctx *ctx, const char *path, int want_ndim, uint8_t **data, uint32_t dims[3]) {
  *data = NULL;
  gzFile f = gzopen(path, "rb");
  if (!f) return sgdl_fail(ctx, SGDL_EIO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
  uint8_t head[4 + 4 * 3];
  int rc = SGDL_OK;
  long long got = gz_read_full(f, head, 4);
  if (got < 0) {
    rc = sgdl_fail(ctx, SGDL_EDATA, "%s: not a readable gzip or IDX file (zlib: %s)", path, gzerror(f, NULL));
    goto out;
  }
  if (got < 4) {
    rc = sgdl_fail(ctx, SGDL_EDATA, "%s: truncated: %lld bytes, an IDX header needs at least 4", path, got);
    goto out;
  }
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != (uint8_t)want_ndim) {
    rc = sgdl_fail(ctx, SGDL_EDATA,
                   "%s: bad magic number 0x%02x%02x%02x%02x, expected 0x000008%02x (unsigned-byte IDX "
                   "with %d dimension%s: %s)",
                   path, head[0], head[1], head[2], head[3], want_ndim, want_ndim,
                   want_ndim == 1 ? "" : "s", want_ndim == 1 ? "a label file" : "an image file");
    goto out;
  }
  got = gz_read_full(f, head + 4, 4 * (size_t)want_ndim);
  if (got != 4 * want_ndim) {
    rc = sgdl_fail(ctx, SGDL_EDATA, "%s: truncated header: %lld of %d dimension bytes", path,
                   got < 0 ? 0 : got, 4 * want_ndim);
    goto out;
  }
  size_t total = 1;
  for (int i = 0; i < want_ndim; i++) {
    const uint8_t *p = head + 4 + 4 * i;
    dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (dims[i] == 0) {
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s: dimension %d is zero", path, i);
      goto out;
    }
    if (total > ((size_t)1 << 40) / dims[i]) {
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s: dimensions too large (over 2^40 bytes)", path);
      goto out;
    }
    total *= dims[i];
  }
  uint8_t *buf = NULL;
  if (gzdirect(f)) { /* raw file: its length must match the header before anything is allocated */
    struct stat st;
    const size_t head_len = 4 + 4 * (size_t)want_ndim;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < head_len + total) {
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s: truncated: the header announces %zu data bytes, the file holds %lld", path,
                     total, (long long)st.st_size - (long long)head_len);
      goto out;
    }
    buf = sgdl_alloc(ctx, total, 1);
    if (!buf) {
      rc = SGDL_ENOMEM;
      goto out;
    }
    got = gz_read_full(f, buf, total);
  } else { /* compressed: memory grows with the data actually present */
    got = gz_read_grow(ctx, f, total, &buf);
  }
  if (!buf) {
    rc = got < 0 ? sgdl_fail(ctx, SGDL_EDATA, "%s: corrupt compressed data (zlib: %s)", path, gzerror(f, NULL))
         : got < (long long)total
             ? sgdl_fail(ctx, SGDL_EDATA, "%s: truncated: the header announces %zu data bytes, the file holds %lld", path,
                         total, got)
             : SGDL_ENOMEM;
    goto out;
  }
  if (got < 0 || (size_t)got != total) {
    sgdl_free(buf);
    if (got < 0)
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s: corrupt compressed data (zlib: %s)", path, gzerror(f, NULL));
    else
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s: truncated: the header announces %zu data bytes, the file holds %lld",
                     path, total, got);
    goto out;
  }
  uint8_t extra;
  got = gz_read_full(f, &extra, 1);
  if (got != 0) {
    sgdl_free(buf);
    rc = got < 0 ? sgdl_fail(ctx, SGDL_EDATA, "%s: corrupt compressed data (zlib: %s)", path, gzerror(f, NULL))
                 : sgdl_fail(ctx, SGDL_EDATA, "%s: longer than its header announces (%zu data bytes)", path, total);
    goto out;
  }
  *data = buf;
out:
  gzclose(f);
  return rc;
}

int sgdl_imageset_load(sgdl_ctx *ctx, const char *images_path, const char *labels_path,
                      sgdl_imageset *out) {
  memset(out, 0, sizeof *out);
  uint32_t di[3], dl[3];
  uint8_t *img = NULL, *lab = NULL;
  int rc = sgdl_idx_read(ctx, images_path, 3, &img, di);
  if (rc) return rc;
  rc = sgdl_idx_read(ctx, labels_path, 1, &lab, dl);
  if (rc) {
    sgdl_free(img);
    return rc;
  }
  if (di[0] != dl[0]) {
    sgdl_free(img);
    sgdl_free(lab);
    return sgdl_fail(ctx, SGDL_EDATA, "%s holds %u images but %s holds %u labels", images_path, di[0],
                     labels_path, dl[0]);
  }
  if ((uint64_t)di[1] * di[2] > (1u << 24)) {
    sgdl_free(img);
    sgdl_free(lab);
    return sgdl_fail(ctx, SGDL_EDATA, "%s: images of %u x %u pixels are too large", images_path, di[1], di[2]);
  }
  int maxl = 0;
  for (uint32_t i = 0; i < dl[0]; i++)
    if (lab[i] > maxl) maxl = lab[i];
  out->n = di[0];
  out->rows = (int)di[1];
  out->cols = (int)di[2];
  out->dim = out->rows * out->cols;
  out->n_classes = maxl + 1 < 2 ? 2 : maxl + 1;
  out->images = img;
  out->labels = lab;
  return SGDL_OK;
}

int sgdl_imageset_slice(sgdl_ctx *ctx, const sgdl_imageset *src, size_t first, size_t n,
                       sgdl_imageset *out) {
  memset(out, 0, sizeof *out);
  if (first > src->n || n > src->n - first)
    return sgdl_fail(ctx, SGDL_EINVAL, "slice [%zu, %zu) outside a data set of %zu examples", first,
                     first + n, src->n);
  *out = *src;
  out->n = n;
  out->images = sgdl_alloc(ctx, n ? n * (size_t)src->dim : 1, 1);
  out->labels = sgdl_alloc(ctx, n ? n : 1, 1);
  if (!out->images || !out->labels) {
    sgdl_imageset_free(out);
    return SGDL_ENOMEM;
  }
  memcpy(out->images, src->images + first * (size_t)src->dim, n * (size_t)src->dim);
  memcpy(out->labels, src->labels + first, n);
  return SGDL_OK;
}

void sgdl_imageset_free(sgdl_imageset *d) {
  if (!d) return;
  sgdl_free(d->images);
  sgdl_free(d->labels);
  d->images = d->labels = NULL;
  d->n = 0;
}

/* dir/name or dir/name.gz, whichever exists (raw first); 0 if neither. */
static int find_file(const char *dir, const char *name, char *buf, size_t n) {
  struct stat st;
  snprintf(buf, n, "%s/%s", dir, name);
  if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return 1;
  snprintf(buf, n, "%s/%s.gz", dir, name);
  if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return 1;
  return 0;
}

int sgdl_data_open(sgdl_ctx *ctx, const char *dir, long n_train, long n_test,
                   sgdl_imageset *train, sgdl_imageset *test, char *desc) {
  memset(train, 0, sizeof *train);
  memset(test, 0, sizeof *test);
  struct stat st;
  if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return sgdl_fail(ctx, SGDL_EIO, "--data: %s is not a folder", dir ? dir : "(unset)");
  char tri[4096], trl[4096], tei[4096], tel[4096];
  int has_tri = find_file(dir, "train-images-idx3-ubyte", tri, sizeof tri);
  int has_trl = find_file(dir, "train-labels-idx1-ubyte", trl, sizeof trl);
  int has_tei = find_file(dir, "t10k-images-idx3-ubyte", tei, sizeof tei);
  int has_tel = find_file(dir, "t10k-labels-idx1-ubyte", tel, sizeof tel);
  if (!has_tei || !has_tel)
    return sgdl_fail(ctx, SGDL_EIO,
                     "--data: %s lacks t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
                     "(the standard MNIST file names)", dir);
  if (has_tri != has_trl)
    return sgdl_fail(ctx, SGDL_EIO, "--data: %s has %s but not %s", dir,
                     has_tri ? "train-images-idx3-ubyte[.gz]" : "train-labels-idx1-ubyte[.gz]",
                     has_tri ? "train-labels-idx1-ubyte[.gz]" : "train-images-idx3-ubyte[.gz]");
  sgdl_imageset full_test;
  int rc = sgdl_imageset_load(ctx, tei, tel, &full_test);
  if (rc) return rc;
  if (has_tri) {
    sgdl_imageset full_train;
    rc = sgdl_imageset_load(ctx, tri, trl, &full_train);
    if (rc) goto fail_test;
    if (full_train.dim != full_test.dim) {
      rc = sgdl_fail(ctx, SGDL_EDATA, "%s has %dx%d images but %s has %dx%d", tri, full_train.rows,
                     full_train.cols, tei, full_test.rows, full_test.cols);
      sgdl_imageset_free(&full_train);
      goto fail_test;
    }
    size_t ntr = n_train < 0 ? full_train.n : (size_t)n_train;
    size_t nte = n_test < 0 ? full_test.n : (size_t)n_test;
    if (ntr == 0 || ntr > full_train.n) {
      rc = sgdl_fail(ctx, SGDL_EINVAL, "--train: %zu is not in 1..%zu (training examples in %s)", ntr,
                     full_train.n, tri);
      sgdl_imageset_free(&full_train);
      goto fail_test;
    }
    if (nte == 0 || nte > full_test.n) {
      rc = sgdl_fail(ctx, SGDL_EINVAL, "--test: %zu is not in 1..%zu (test examples in %s)", nte,
                     full_test.n, tei);
      sgdl_imageset_free(&full_train);
      goto fail_test;
    }
    const size_t full_n = full_train.n;
    rc = sgdl_imageset_slice(ctx, &full_train, 0, ntr, train);
    if (!rc) rc = sgdl_imageset_slice(ctx, &full_test, 0, nte, test);
    if (full_train.n_classes > full_test.n_classes) test->n_classes = full_train.n_classes;
    train->n_classes = test->n_classes;
    sgdl_imageset_free(&full_train);
    if (rc) goto fail_test;
    if (desc)
      snprintf(desc, 256, "%s: first %zu of %zu training and first %zu of %zu test examples", dir, ntr,
               full_n, nte, full_test.n);
  } else {
    size_t N = full_test.n;
    size_t ntr = n_train < 0 ? (N >= 10000 ? 8000 : N * 4 / 5) : (size_t)n_train;
    size_t nte = n_test < 0 ? N - (N >= 10000 ? 8000 : N * 4 / 5) : (size_t)n_test;
    if (ntr == 0 || nte == 0) {
      rc = sgdl_fail(ctx, SGDL_EINVAL, "--%s 0: %s needs at least one %s example", ntr == 0 ? "train" : "test", dir,
                     ntr == 0 ? "training" : "held-out");
      goto fail_test;
    }
    if (ntr + nte > N) {
      rc = sgdl_fail(ctx, SGDL_EINVAL,
                     "--train %zu --test %zu: %s has only the t10k files (%zu examples); training takes "
                     "the first --train, the held-out set the last --test, and they must not overlap",
                     ntr, nte, dir, N);
      goto fail_test;
    }
    rc = sgdl_imageset_slice(ctx, &full_test, 0, ntr, train);
    if (!rc) rc = sgdl_imageset_slice(ctx, &full_test, N - nte, nte, test);
    if (rc) goto fail_test;
    if (desc)
      snprintf(desc, 256, "%s (t10k only): first %zu for training, last %zu held out of %zu", dir, ntr, nte, N);
  }
  sgdl_imageset_free(&full_test);
  return SGDL_OK;
fail_test:
  sgdl_imageset_free(&full_test);
  sgdl_imageset_free(train);
  sgdl_imageset_free(test);
  return rc;
}
