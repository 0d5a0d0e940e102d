/* The checkpoint store of the study rounds and of chunked Monte Carlo runs (layout in
 * rounds_internal.h): header check, reading the good records, appending one record per completed
 * ensemble or chunk with its zlib crc32; at close, the removal of a file this run created but never
 * appended to (a refused run leaves no checkpoint behind).
 * Does not: decide what runs (rounds.c), or look inside the statistics it stores. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sgdlab/study_rounds.h"
#include "study/rounds_internal.h"

#define CKPT_MAGIC 0x31445253u       /* "SRD1": an ensemble of a round */
#define CKPT_CHUNK_MAGIC 0x314B4843u /* "CHK1": a chunk of a Monte Carlo run (sgdl_chunk_store) */
#define CKPT_FIRST "sgdlab-checkpoint 1"

typedef struct {
  uint32_t magic, round, lr, stream, n_obs, n_chunks;
  uint64_t n_times, paths;
} record_head;

typedef struct {
  uint32_t magic, run, chunk, pad;
  uint64_t bytes;
} chunk_head;

static uint32_t crc_of(uint32_t crc, const void *p, size_t n) {
  const unsigned char *b = p;
  while (n) { /* zlib's crc32 takes uInt lengths */
    const uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
    crc = (uint32_t)crc32(crc, b, k);
    b += k;
    n -= k;
  }
  return crc;
}

/* One line without its newline into a malloc'ed string; NULL at end of file. */
static char *read_line(FILE *f) {
  size_t cap = 0;
  char *line = NULL;
  ssize_t n = getline(&line, &cap, f);
  if (n <= 0) {
    free(line);
    return NULL;
  }
  if (line[n - 1] == '\n') line[n - 1] = 0;
  return line;
}

/* Header lines -> version and args; SGDL_EDATA if malformed. */
static int read_header(sgdl_ctx *ctx, FILE *f, const char *path, char **version, char **args) {
  char *l[4] = {0};
  for (int i = 0; i < 4; i++) l[i] = read_line(f);
  int ok = l[0] && l[1] && l[2] && l[3] && !strcmp(l[0], CKPT_FIRST) && !strncmp(l[1], "version ", 8) &&
           !strncmp(l[2], "args-crc32 ", 11) && !strncmp(l[3], "args ", 5);
  if (ok) {
    char want[16];
    snprintf(want, sizeof want, "%08x", (unsigned)crc_of(0, l[3] + 5, strlen(l[3] + 5)));
    ok = !strcmp(l[2] + 11, want);
  }
  if (ok) {
    *version = strdup(l[1] + 8);
    *args = strdup(l[3] + 5);
  }
  for (int i = 0; i < 4; i++) free(l[i]);
  return ok ? SGDL_OK : sgdl_fail(ctx, SGDL_EDATA, "--checkpoint %s: not an sgdlab checkpoint (or its header is damaged)", path);
}

/* The checkpoint opened for reading into *f, or *f = NULL (errno ENOENT) where there is none yet;
 * a folder or device is refused by name (a folder opened, and read as a damaged header). */
static int open_existing(sgdl_ctx *ctx, const char *path, FILE **f) {
  *f = fopen(path, "rb");
  struct stat st;
  if (*f && fstat(fileno(*f), &st) == 0 && !S_ISREG(st.st_mode)) {
    fclose(*f);
    *f = NULL;
    return sgdl_fail(ctx, SGDL_EINVAL, "--checkpoint %s: is %s, not a file", path, S_ISDIR(st.st_mode) ? "a folder" : "a device, pipe or socket");
  }
  return SGDL_OK;
}

int sgdl_study_checkpoint_header(sgdl_ctx *ctx, const char *path, char **version, char **args) {
  *version = *args = NULL;
  FILE *f = NULL;
  if (open_existing(ctx, path, &f)) return ctx->status;
  if (!f) return errno == ENOENT ? SGDL_OK : sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: cannot read (%s)", path, strerror(errno));
  int rc = read_header(ctx, f, path, version, args);
  fclose(f);
  return rc;
}

/* One chunk record (its magic already read) into ch; 0 if torn or corrupt. */
static int read_chunk(FILE *f, uint32_t magic, ckpt_chunk *ch) {
  chunk_head h = {magic, 0, 0, 0, 0};
  if (fread((char *)&h + sizeof magic, sizeof h - sizeof magic, 1, f) != 1 || h.bytes > (1ull << 40)) return 0;
  unsigned char *data = malloc(h.bytes ? (size_t)h.bytes : 1);
  uint32_t stored = 0;
  int ok = data && fread(data, 1, (size_t)h.bytes, f) == h.bytes && fread(&stored, sizeof stored, 1, f) == 1 &&
           stored == crc_of(crc_of(0, &h, sizeof h), data, (size_t)h.bytes);
  if (!ok) {
    free(data);
    return 0;
  }
  ch->run = h.run;
  ch->chunk = h.chunk;
  ch->bytes = (size_t)h.bytes;
  ch->data = data;
  return 1;
}

/* One ensemble record into rec; 0 at a torn or corrupt record or the end of the file. */
static int read_record(FILE *f, uint32_t magic, ckpt_record *rec) {
  record_head h;
  h.magic = magic;
  if (fread((char *)&h + sizeof magic, sizeof h - sizeof magic, 1, f) != 1 || h.magic != CKPT_MAGIC || h.n_chunks > 4096 ||
      h.n_obs > (1u << 20) || h.n_times > (1ull << 32))
    return 0;
  const size_t stat = (size_t)h.n_obs * h.n_times, G = h.n_chunks;
  sgdl_ensemble_result *r = &rec->er;
  memset(r, 0, sizeof *r);
  r->n_obs = (int)h.n_obs;
  r->n_times = h.n_times;
  r->paths = h.paths;
  r->n_chunks = (int)G;
  r->mean = malloc(sizeof(double) * stat + 1);
  r->var = malloc(sizeof(double) * stat + 1);
  r->se = malloc(sizeof(double) * stat + 1);
  r->chunk_sum = malloc(sizeof(double) * stat * G + 1);
  r->chunk_n = malloc(sizeof(double) * G + 1);
  uint32_t crc = 0, stored = 0;
  int ok = r->mean && r->var && r->se && r->chunk_sum && r->chunk_n;
  double *parts[5] = {r->mean, r->var, r->se, r->chunk_sum, r->chunk_n};
  const size_t len[5] = {stat, stat, stat, stat * G, G};
  crc = crc_of(crc, &h, sizeof h);
  for (int i = 0; i < 5 && ok; i++) {
    ok = fread(parts[i], sizeof(double), len[i], f) == len[i];
    if (ok) crc = crc_of(crc, parts[i], sizeof(double) * len[i]);
  }
  ok = ok && fread(&stored, sizeof stored, 1, f) == 1 && stored == crc;
  if (!ok) {
    /* malloc'ed, not sgdl_alloc'ed: free by hand */
    for (int i = 0; i < 5; i++) free(parts[i]);
    memset(r, 0, sizeof *r);
    return 0;
  }
  rec->round = h.round;
  rec->lr = h.lr;
  rec->stream = h.stream;
  return 1;
}

static void free_record(ckpt_record *rec) {
  free(rec->er.mean);
  free(rec->er.var);
  free(rec->er.se);
  free(rec->er.chunk_sum);
  free(rec->er.chunk_n);
}

/* What differs between the stored header and ours, for the refusal. */
static int refuse(sgdl_ctx *ctx, const char *path, const char *version, const char *sv, const char *sa) {
  if (strcmp(sv, version))
    return sgdl_fail(ctx, SGDL_EINVAL, "--checkpoint %s: written by sgdlab %s, this is %s; refusing to continue from it", path, sv,
                     version);
  return sgdl_fail(ctx, SGDL_EINVAL, "--checkpoint %s: written with other arguments (%.300s); refusing to continue from it", path,
                   sa);
}

static int write_header(sgdl_ctx *ctx, const char *path, const char *version, const char *args) {
  const size_t n = strlen(version) + strlen(args) + 96;
  char *text = malloc(n);
  if (!text) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  const int len = snprintf(text, n, "%s\nversion %s\nargs-crc32 %08x\nargs %s\n", CKPT_FIRST, version,
                           (unsigned)crc_of(0, args, strlen(args)), args);
  int rc = sgdl_write_atomic(ctx, path, text, (size_t)len);
  free(text);
  if (rc) { /* the writer's message names the file alone: name the flag too */
    char why[sizeof ctx->msg];
    snprintf(why, sizeof why, "%s", ctx->msg);
    rc = sgdl_fail(ctx, rc, "--checkpoint: %s", why);
  }
  return rc;
}

int ckpt_open(sgdl_ctx *ctx, ckpt_store *cs, const char *path, const char *version, const char *args, int writer) {
  memset(cs, 0, sizeof *cs);
  cs->path = strdup(path);
  cs->writer = writer;
  if (!cs->path) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  if (strchr(args, '\n')) return sgdl_fail(ctx, SGDL_EINVAL, "--checkpoint: the argument text must be one line");
  FILE *f = NULL;
  if (open_existing(ctx, path, &f)) return ctx->status;
  if (!f) {
    if (errno != ENOENT) return sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: cannot read (%s)", path, strerror(errno));
    if (writer) {
      int rc = write_header(ctx, path, version, args);
      if (rc) return rc;
      cs->created = 1; /* removed again at close if no record follows (a refused run) */
    }
    f = fopen(path, "rb");
    if (!f) {
      cs->good_end = -1; /* not created here (another rank writes): nothing to resume */
      return SGDL_OK;
    }
  }
  char *sv = NULL, *sa = NULL;
  int rc = read_header(ctx, f, path, &sv, &sa);
  if (!rc && (strcmp(sv, version) || strcmp(sa, args))) rc = refuse(ctx, path, version, sv, sa);
  free(sv);
  free(sa);
  cs->good_end = ftell(f);
  while (!rc) {
    uint32_t magic = 0;
    if (fread(&magic, sizeof magic, 1, f) != 1) break;
    if (magic == CKPT_CHUNK_MAGIC) {
      ckpt_chunk *grown = realloc(cs->chunks, sizeof *grown * (size_t)(cs->n_chunks + 1));
      if (!grown) {
        rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading --checkpoint %s", path);
        break;
      }
      cs->chunks = grown;
      if (!read_chunk(f, magic, &cs->chunks[cs->n_chunks])) break;
      cs->n_chunks++;
      cs->good_end = ftell(f);
      continue;
    }
    if (cs->n == cs->cap) {
      int cap = cs->cap ? 2 * cs->cap : 16;
      ckpt_record *grown = realloc(cs->rec, sizeof *grown * (size_t)cap);
      if (!grown) {
        rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading --checkpoint %s", path);
        break;
      }
      cs->rec = grown;
      cs->cap = cap;
    }
    if (!read_record(f, magic, &cs->rec[cs->n])) break;
    cs->n++;
    cs->good_end = ftell(f);
  }
  fclose(f);
  return rc;
}

const sgdl_ensemble_result *ckpt_find(const ckpt_store *cs, int round, int lr, uint32_t stream) {
  for (int i = 0; i < cs->n; i++)
    if (cs->rec[i].round == (uint32_t)round && cs->rec[i].lr == (uint32_t)lr && cs->rec[i].stream == stream) return &cs->rec[i].er;
  return NULL;
}

/* The first append cuts a torn tail left by a killed run and opens the file after the last good record. */
static int open_append(sgdl_ctx *ctx, ckpt_store *cs) {
  if (cs->append) return SGDL_OK;
  if (cs->good_end > 0 && truncate(cs->path, cs->good_end) != 0)
    return sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: cannot cut the torn tail (%s)", cs->path, strerror(errno));
  cs->append = fopen(cs->path, "ab");
  if (!cs->append) return sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: cannot append (%s)", cs->path, strerror(errno));
  return SGDL_OK;
}

int ckpt_append(sgdl_ctx *ctx, ckpt_store *cs, int round, int lr, uint32_t stream, const sgdl_ensemble_result *er) {
  if (!cs->path || !cs->writer) return SGDL_OK;
  int rc = open_append(ctx, cs);
  if (rc) return rc;
  record_head h = {CKPT_MAGIC, (uint32_t)round, (uint32_t)lr, stream, (uint32_t)er->n_obs, (uint32_t)er->n_chunks, er->n_times,
                   er->paths};
  const size_t stat = (size_t)er->n_obs * er->n_times, G = (size_t)er->n_chunks;
  const double *parts[5] = {er->mean, er->var, er->se, er->chunk_sum, er->chunk_n};
  const size_t len[5] = {stat, stat, stat, stat * G, G};
  uint32_t crc = crc_of(0, &h, sizeof h);
  int ok = fwrite(&h, sizeof h, 1, cs->append) == 1;
  for (int i = 0; i < 5 && ok; i++) {
    ok = fwrite(parts[i], sizeof(double), len[i], cs->append) == len[i];
    crc = crc_of(crc, parts[i], sizeof(double) * len[i]);
  }
  ok = ok && fwrite(&crc, sizeof crc, 1, cs->append) == 1 && fflush(cs->append) == 0;
  return ok ? SGDL_OK : sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: write failed (%s)", cs->path, strerror(errno));
}

/* The chunk store of one Monte Carlo run (ckpt_chunk_store): find and copy a stored chunk. */
static int chunk_load(void *self, int chunk, void *buf, size_t bytes) {
  const ckpt_chunk_store *k = self;
  for (int i = 0; i < k->cs->n_chunks; i++) {
    const ckpt_chunk *ch = &k->cs->chunks[i];
    if (ch->run == k->run && ch->chunk == (uint32_t)chunk && ch->bytes == bytes) {
      memcpy(buf, ch->data, bytes);
      return 1;
    }
  }
  return 0;
}

/* Append one chunk record, flushed (writer only). */
static int chunk_save(sgdl_ctx *ctx, void *self, int chunk, const void *buf, size_t bytes) {
  ckpt_chunk_store *k = self;
  ckpt_store *cs = k->cs;
  if (!cs->path || !cs->writer) return SGDL_OK;
  int rc = open_append(ctx, cs);
  if (rc) return rc;
  chunk_head h = {CKPT_CHUNK_MAGIC, k->run, (uint32_t)chunk, 0, bytes};
  const uint32_t crc = crc_of(crc_of(0, &h, sizeof h), buf, bytes);
  int ok = fwrite(&h, sizeof h, 1, cs->append) == 1 && fwrite(buf, 1, bytes, cs->append) == bytes &&
           fwrite(&crc, sizeof crc, 1, cs->append) == 1 && fflush(cs->append) == 0;
  return ok ? SGDL_OK : sgdl_fail(ctx, SGDL_EIO, "--checkpoint %s: write failed (%s)", cs->path, strerror(errno));
}

void ckpt_chunk_store_init(ckpt_chunk_store *k, ckpt_store *cs, uint32_t run) {
  memset(k, 0, sizeof *k);
  k->cs = cs;
  k->run = run;
  k->store.load = chunk_load;
  k->store.save = chunk_save;
  k->store.self = k;
}

void ckpt_close(ckpt_store *cs) {
  for (int i = 0; i < cs->n_chunks; i++) free(cs->chunks[i].data);
  free(cs->chunks);
  for (int i = 0; i < cs->n; i++) free_record(&cs->rec[i]);
  free(cs->rec);
  if (cs->append) fclose(cs->append);
  /* A file this run created and never appended to holds the header alone: the run was refused (its
   * flags are checked after the open) or stopped before its first record. Left behind, it would
   * refuse the corrected rerun ("written with other arguments"); it holds nothing to resume. */
  if (cs->created && !cs->append && cs->path) unlink(cs->path);
  free(cs->path);
  memset(cs, 0, sizeof *cs);
}
