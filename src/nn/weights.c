/* Weight files: the trained network and the optimiser state, so that --resume continues a
 * run exactly (same step counter, so the same future batches; same momentum/Adam moments).
 * Format (little-endian, see include/sgdlab/nn.h): magic, version, layout, counters, the
 * parameter slab, the optimiser vectors, and an FNV-1a checksum of all preceding bytes.
 * Writes go through core's sgdl_write_atomic, so an interrupted save never corrupts an old file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Byte-order-explicit writers/readers, so files move between machines. */
static unsigned char *put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) *p++ = (unsigned char)(v >> (8 * i));
  return p;
}
static unsigned char *put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) *p++ = (unsigned char)(v >> (8 * i));
  return p;
}
static unsigned char *put_f64(unsigned char *p, double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  return put_u64(p, v);
}
static uint32_t get_u32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}
static double get_f64(const unsigned char *p) {
  uint64_t v = get_u64(p);
  double d;
  memcpy(&d, &v, 8);
  return d;
}

static size_t header_bytes(int L) { return 8 + 4 * 3 + 4 * (size_t)(L + 1) + 4 * 2 + 8 * 2 + 4 * 2; }

int sgdl_weights_save(sgdl_ctx *ctx, const char *path, const sgdl_trainer *t) {
  const sgdl_mlp *m = t->m;
  const int naux = sgdl_optim_aux(t->rule);
  const size_t n = m->n_params;
  const size_t total = header_bytes(m->L) + 8 * n * (1 + (size_t)naux) + 8;
  unsigned char *buf = malloc(total), *p = buf;
  if (!buf) return sgdl_fail(ctx, SGDL_ENOMEM, "%s: no memory for %zu bytes", path, total);
  memcpy(p, SGDL_WEIGHTS_MAGIC, 8);
  p += 8;
  p = put_u32(p, SGDL_WEIGHTS_VERSION);
  p = put_u32(p, (uint32_t)m->act);
  p = put_u32(p, (uint32_t)m->L);
  for (int l = 0; l <= m->L; l++) p = put_u32(p, (uint32_t)m->size[l]);
  p = put_u32(p, (uint32_t)t->rule);
  p = put_u32(p, (uint32_t)naux);
  p = put_u64(p, n);
  p = put_u64(p, t->step);
  p = put_u32(p, (uint32_t)t->epoch);
  p = put_u32(p, t->seed);
  for (size_t i = 0; i < n; i++) p = put_f64(p, t->params[i]);
  for (size_t i = 0; i < (size_t)naux * n; i++) p = put_f64(p, t->aux[i]);
  p = put_u64(p, fnv1a(buf, (size_t)(p - buf)));
  int rc = sgdl_write_atomic(ctx, path, (const char *)buf, total);
  free(buf);
  return rc;
}

int sgdl_weights_load(sgdl_ctx *ctx, const char *path, sgdl_weights *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return sgdl_fail(ctx, SGDL_EIO, "--resume: cannot open %s: %s", path, strerror(errno));
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? 2 * cap : 1 << 20;
      unsigned char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return sgdl_fail(ctx, SGDL_ENOMEM, "--resume: %s: out of memory", path);
      }
      buf = nb;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    len += r;
    if (r == 0) break;
  }
  fclose(f);
  int rc = SGDL_OK;
#define BAD(...) do { rc = sgdl_fail(ctx, SGDL_EDATA, __VA_ARGS__); goto done; } while (0)
  if (len < 8 + 12 || memcmp(buf, SGDL_WEIGHTS_MAGIC, 8) != 0)
    BAD("--resume: %s is not an sgdlab weight file (no \"%s\" magic)", path, SGDL_WEIGHTS_MAGIC);
  uint32_t version = get_u32(buf + 8), act = get_u32(buf + 12), L = get_u32(buf + 16);
  if (version != SGDL_WEIGHTS_VERSION)
    BAD("--resume: %s has format version %u, this sgdlab reads version %u", path, version, SGDL_WEIGHTS_VERSION);
  if (L < 1 || L > SGDL_MLP_MAX_LAYERS || act > 3) BAD("--resume: %s: corrupt header (L=%u, act=%u)", path, L, act);
  if (len < header_bytes((int)L) + 8) BAD("--resume: %s is truncated (%zu bytes)", path, len);
  const unsigned char *p = buf + 20;
  int size[SGDL_MLP_MAX_LAYERS + 1];
  for (uint32_t l = 0; l <= L; l++, p += 4) size[l] = (int)get_u32(p);
  uint32_t rule = get_u32(p), naux = get_u32(p + 4);
  uint64_t n = get_u64(p + 8), step = get_u64(p + 16);
  uint32_t epoch = get_u32(p + 24), seed = get_u32(p + 28);
  p += 32;
  if (rule > SGDL_OPT_ADAM || naux != (uint32_t)sgdl_optim_aux((int)rule))
    BAD("--resume: %s: corrupt header (rule %u with %u optimiser vectors)", path, rule, naux);
  if (sgdl_mlp_init(ctx, &out->m, size[0], size + 1, (int)L - 1, size[L], (int)act) != SGDL_OK)
    BAD("--resume: %s: corrupt layer sizes", path);
  if (n != out->m.n_params)
    BAD("--resume: %s: header says %llu parameters, the layer sizes give %zu", path, (unsigned long long)n,
        out->m.n_params);
  if (n > ((uint64_t)1 << 40)) BAD("--resume: %s: corrupt layer sizes (%llu parameters)", path, (unsigned long long)n);
  const size_t need = header_bytes((int)L) + 8 * (size_t)n * (1 + naux) + 8;
  if (len < need) BAD("--resume: %s is truncated: %zu of %zu bytes", path, len, need);
  if (len > need) BAD("--resume: %s has %zu trailing bytes after the checksum", path, len - need);
  if (fnv1a(buf, need - 8) != get_u64(buf + need - 8)) BAD("--resume: %s: checksum mismatch (corrupt file)", path);
  out->params = sgdl_alloc(ctx, (size_t)n, sizeof(double));
  out->aux = sgdl_alloc(ctx, naux ? (size_t)n * naux : 1, sizeof(double));
  if (!out->params || !out->aux) {
    rc = SGDL_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < n; i++, p += 8) out->params[i] = get_f64(p);
  for (size_t i = 0; i < (size_t)n * naux; i++, p += 8) out->aux[i] = get_f64(p);
  out->rule = (int)rule;
  out->naux = (int)naux;
  out->step = step;
  out->epoch = (int)epoch;
  out->seed = seed;
#undef BAD
done:
  free(buf);
  if (rc) sgdl_weights_free(out);
  return rc;
}

void sgdl_weights_free(sgdl_weights *wt) {
  sgdl_free(wt->params);
  sgdl_free(wt->aux);
  wt->params = wt->aux = NULL;
}
