/* Internal to the study rounds (rounds.c, rounds_checkpoint.c): the checkpoint store.
 *
 * File layout: a text header of four lines
 *   sgdlab-checkpoint 1
 *   version <program version>
 *   args-crc32 <8 hex digits: crc32 of the args line's JSON>
 *   args <canonical JSON of the arguments, one line>
 * then binary records, one per completed ensemble (round, lr index, stream): a fixed head
 * (magic, round, lr, stream, n_obs, n_chunks, n_times, paths), the doubles mean, var, se [stat],
 * chunk_sum [chunks][stat], chunk_n [chunks], and the zlib crc32 of head and doubles; or a chunk
 * record of a Monte Carlo run (exit, stationary --simulate; driver.h's sgdl_chunk_store): head
 * (magic "CHK1", run, chunk, bytes), the chunk's bytes and the crc32 of both.
 * Reading keeps the records up to the first torn or corrupt one; the first append cuts the file
 * there. Does not: decide what to run (rounds.c) or write from any rank but 0 (the caller checks). */
#ifndef SGDL_ROUNDS_INTERNAL_H
#define SGDL_ROUNDS_INTERNAL_H

#include <stdio.h>

#include "sgdlab/driver.h"
#include "sgdlab/ensemble.h"

typedef struct ckpt_record {
  uint32_t round, lr, stream;
  sgdl_ensemble_result er; /* owned */
} ckpt_record;

typedef struct ckpt_chunk {
  uint32_t run, chunk;
  size_t bytes;
  unsigned char *data; /* owned */
} ckpt_chunk;

typedef struct ckpt_store {
  char *path;         /* NULL: no checkpoint */
  ckpt_record *rec;   /* records read at open, in file order */
  int n, cap;
  ckpt_chunk *chunks; /* chunk records read at open */
  int n_chunks;
  long good_end;      /* byte offset after the last good record */
  FILE *append;       /* opened (and the file cut at good_end) by the first append */
  int writer;         /* 1 on the rank that writes */
  int created;        /* 1 if ckpt_open created the file (ckpt_close removes it if nothing was appended) */
} ckpt_store;

/* Open `path` (created with the header if absent, on the writer) and read its records; a header
 * with another version or arguments is refused (SGDL_EINVAL naming the file). */
int ckpt_open(sgdl_ctx *ctx, ckpt_store *cs, const char *path, const char *version, const char *args, int writer);
/* The stored ensemble for (round, lr, stream), or NULL. */
const sgdl_ensemble_result *ckpt_find(const ckpt_store *cs, int round, int lr, uint32_t stream);
/* Append one record and flush it (writer only; a no-op elsewhere). */
int ckpt_append(sgdl_ctx *ctx, ckpt_store *cs, int round, int lr, uint32_t stream, const sgdl_ensemble_result *er);
/* Free the store; a file that ckpt_open created and nothing was appended to is removed. */
void ckpt_close(ckpt_store *cs);

/* The driver's chunk store (driver.h) over an open checkpoint, for the Monte Carlo run numbered
 * `run` (the caller numbers its runs, e.g. learning rate and method): loads that run's chunk
 * records, appends new ones. Borrows cs; lives as long as the run. */
typedef struct ckpt_chunk_store {
  sgdl_chunk_store store;
  ckpt_store *cs;
  uint32_t run;
} ckpt_chunk_store;
void ckpt_chunk_store_init(ckpt_chunk_store *k, ckpt_store *cs, uint32_t run);

#endif
