/* The lane-block driver (driver.h): chunks of blocks of lanes over OpenMP threads and MPI ranks,
 * lane set-up, the step loop, divergence bookkeeping, progress, the rank sum of the observer's
 * buffers, and with a chunk store (a checkpoint) the loading of stored chunks and the saving of
 * completed ones as slices of the per-replica buffers. The observer measures; this file never looks at what it measures.
 * Per-thread buffers are allocated when the thread takes its first chunk (a thread without one
 * allocates nothing), and the large ones are mapped zero pages (lane_buffer): a page costs only
 * when a lane writes it, so a block of W < SGDL_LANES lanes on a network of d parameters does not
 * pay for clearing SGDL_LANES x d doubles per (model, learning rate) ensemble.
 * Does not: merge statistics (the observer's finish does, in a fixed order), word divergence
 * messages (the callers do), or allocate inside the step loop (buffers are per thread). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "sgdlab/driver.h"
#include "sgdlab/linalg.h"

#ifdef SGDL_HAVE_MPI
#include <mpi.h>
#endif

void sgdl_drive_layout_init(sgdl_drive_layout *lay, uint64_t paths) {
  lay->paths = paths;
  lay->blocks = (paths + SGDL_LANES - 1) / SGDL_LANES;
  lay->chunks = (int)(lay->blocks < SGDL_DRIVE_MAX_CHUNKS ? lay->blocks : SGDL_DRIVE_MAX_CHUNKS);
}

void sgdl_drive_chunk_blocks(const sgdl_drive_layout *lay, int c, uint64_t *b0, uint64_t *b1) {
  *b0 = lay->blocks * (uint64_t)c / (uint64_t)lay->chunks;
  *b1 = lay->blocks * (uint64_t)(c + 1) / (uint64_t)lay->chunks;
}

/* Per-thread buffers: one block's lanes plus the observer's scratch; mapped[] holds the length of
 * each one that lane_buffer mapped (0: from sgdl_alloc). */
typedef struct {
  double *x, *aux, *work;
  void *scratch;
  size_t mapped[4];
  int ready;
} thread_bufs;

/* From this size on a buffer is mapped rather than allocated and cleared. */
#define LAZY_BYTES ((size_t)1 << 20)

/* Zeroed memory, 64-byte aligned. Small buffers come from sgdl_alloc (cleared at once); large
 * ones are anonymous mappings, page aligned and zero on first touch, so untouched lanes cost
 * neither clearing nor page faults. Same contents either way. NULL when out of memory. */
static void *lane_buffer(sgdl_ctx *lctx, size_t bytes, size_t *mapped) {
  *mapped = 0;
  if (bytes < LAZY_BYTES) return sgdl_alloc(lctx, bytes ? bytes : 1, 1);
  /* MAP_NORESERVE: the kernel's heuristic overcommit would refuse a mapping larger than memory
   * outright, though a block of a few lanes touches only a sliver of it (lane_bytes checks that). */
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return NULL;
  *mapped = bytes;
  return p;
}

static void lane_buffer_free(void *p, size_t mapped) {
  if (p && mapped) munmap(p, mapped);
  else sgdl_free(p);
}

/* A floor on the bytes one thread's lanes will touch: a block holds at most min(paths,
 * SGDL_LANES) lanes, each writing its own state (x, aux). The stepper's work and the observer's
 * scratch are left out: they are laid out for SGDL_LANES lanes (a block of d x SGDL_LANES, say)
 * and a block of W lanes touches an unknown share of them; a floor refuses only runs that cannot
 * fit. */
static double lane_bytes(const sgdl_drive_plan *pl) {
  const sgdl_stepper *s = pl->stepper;
  const double W = (double)(pl->paths < SGDL_LANES ? pl->paths : SGDL_LANES), P = pl->P, d = s->prob->dim;
  return (P * d + P * (s->naux ? s->naux : 1)) * W * sizeof(double);
}

/* MemAvailable of /proc/meminfo in bytes; 0 when unknown (no check then). */
static double available_memory(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  double kb = 0;
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  if (f) fclose(f);
  return kb * 1024.0;
}

static void bytes_text(double b, char *buf, size_t len) {
  const char *unit = b >= 1e9 ? "GB" : b >= 1e6 ? "MB" : "kB";
  snprintf(buf, len, "%.3g %s", b / (b >= 1e9 ? 1e9 : b >= 1e6 ? 1e6 : 1e3), unit);
}

/* Refuses, before any lane runs, an ensemble whose lane buffers cannot fit in memory (else the
 * kernel would kill the process mid-run; failed = 0), and words a failed allocation (failed = 1)
 * with the same figures: the memory needed and the flags that lower it. */
static int lane_memory_error(sgdl_ctx *ctx, const sgdl_drive_plan *pl, int threads, double have, int failed) {
  char need[32], avail[32] = "", shape[96];
  const double bytes = lane_bytes(pl) * threads;
  bytes_text(bytes, need, sizeof need);
  if (have > 0) bytes_text(have, avail, sizeof avail);
  snprintf(shape, sizeof shape, "%llu lanes x dimension %d on each of %d thread%s",
           (unsigned long long)(pl->paths < SGDL_LANES ? pl->paths : SGDL_LANES), pl->stepper->prob->dim * pl->P, threads,
           threads == 1 ? "" : "s");
  const char *lower = "lower --threads, --paths (below %d: fewer lanes per block) or the problem's size (mlp: --hidden, --train)";
  char hint[160];
  snprintf(hint, sizeof hint, lower, SGDL_LANES);
  if (failed)
    return sgdl_fail(ctx, SGDL_ENOMEM, "%s: out of memory for the lane buffers (at least %s: %s); %s", pl->what, need, shape, hint);
  return sgdl_fail(ctx, SGDL_ENOMEM, "%s: the lane buffers need at least %s (%s), more memory than this machine has "
                   "available (%s); %s", pl->what, need, shape, avail, hint);
}

/* A context of the thread's own, since sgdl_ctx is not shared between threads. */
static int bufs_alloc(thread_bufs *t, const sgdl_drive_plan *pl, const sgdl_observer *o) {
  const sgdl_stepper *s = pl->stepper;
  const size_t lanes = SGDL_LANES, d = (size_t)s->prob->dim, P = (size_t)pl->P, D = sizeof(double);
  const size_t scratch = o->type->scratch_bytes ? o->type->scratch_bytes(o) : 0;
  sgdl_ctx lctx;
  sgdl_ctx_init(&lctx);
  t->x = lane_buffer(&lctx, P * d * lanes * D, &t->mapped[0]);
#ifdef MADV_HUGEPAGE
  /* The block is filled whole at each start and read a row of W lanes at a time (2 KB apart at
   * W = 256): 2 MB pages spare the fill its page faults and the strided passes their TLB misses.
   * Advice only: refused, the block stays in small pages. */
  if (t->mapped[0]) (void)madvise(t->x, t->mapped[0], MADV_HUGEPAGE);
#endif
  t->aux = lane_buffer(&lctx, P * (size_t)(s->naux ? s->naux : 1) * lanes * D, &t->mapped[1]);
  t->work = lane_buffer(&lctx, ((size_t)s->work_per_lane + 1) * lanes * D, &t->mapped[2]);
  t->scratch = lane_buffer(&lctx, scratch, &t->mapped[3]);
  t->ready = 1;
  return t->x && t->aux && t->work && t->scratch;
}

static void bufs_free(thread_bufs *t) {
  lane_buffer_free(t->x, t->mapped[0]);
  lane_buffer_free(t->aux, t->mapped[1]);
  lane_buffer_free(t->work, t->mapped[2]);
  lane_buffer_free(t->scratch, t->mapped[3]);
}

/* One block: lanes from x0 with zero state, then the step loop with the observer. */
static void run_block(const sgdl_drive_plan *pl, const sgdl_observer *o, uint64_t blk, int chunk,
                      thread_bufs *t, sgdl_block *b) {
  const sgdl_stepper *s = pl->stepper;
  const sgdl_observer_type *ot = o->type;
  const int d = s->prob->dim, P = pl->P;
  const uint64_t r0 = blk * SGDL_LANES, M = pl->paths;
  const int W = (int)(M - r0 < SGDL_LANES ? M - r0 : SGDL_LANES);
  for (int q = 0; q < P; q++)
    for (int i = 0; i < d; i++)
      for (int l = 0; l < W; l++) t->x[((size_t)q * d + i) * W + l] = pl->x0[(size_t)q * d + i];
  memset(t->aux, 0, sizeof(double) * (size_t)P * (s->naux ? s->naux : 1) * W);
  sgdl_lanes L = {W, (uint32_t)(pl->replica0 + r0), P, d, t->x, t->aux, 0, t->work, NULL};
  b->L = L;
  b->index = blk;
  b->chunk = chunk;
  b->scratch = t->scratch;
  b->diverged = 0;
  b->div_step = 0;
  if (ot->block_begin) ot->block_begin(o, b);
  int go = !ot->observes_start || ot->observe(o, b, 0) == SGDL_OBSERVE_GO;
  for (uint64_t k = 0; go && k < pl->steps; k++) {
    if (ot->before_step) ot->before_step(o, b);
    b->L.k = k;
    s->type->step(s, &b->L);
    go = ot->observe(o, b, k + 1) == SGDL_OBSERVE_GO;
  }
  if (ot->block_end) ot->block_end(o, b);
}

/* Per-chunk divergence: flag and the smallest step reported by its blocks; with a store, 1 for a
 * chunk run to its end here without divergence (handed to the store). */
typedef struct {
  double *diverged, *step, *completed; /* [chunks]: doubles so that the rank sum is one reduction */
} chunk_marks;

#ifdef SGDL_HAVE_MPI
static MPI_Datatype mpi_type(int kind) {
  return kind == SGDL_BUF_UINT64 ? MPI_UINT64_T : kind == SGDL_BUF_UCHAR ? MPI_UNSIGNED_CHAR : MPI_DOUBLE;
}

/* Sum the per-chunk marks, the out-of-memory flag and the observer's buffers over ranks: each
 * chunk ran on exactly one rank and is zero elsewhere, so the sums are the one-process numbers. */
static void rank_sum(const sgdl_observer *o, int chunks, double *marks, int *oom) {
  MPI_Allreduce(MPI_IN_PLACE, marks, 3 * chunks, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, oom, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  sgdl_drive_buffer bufs[SGDL_DRIVE_MAX_BUFFERS];
  const int n = o->type->shared ? o->type->shared(o, bufs) : 0;
  for (int i = 0; i < n; i++)
    if (bufs[i].data && bufs[i].count)
      MPI_Allreduce(MPI_IN_PLACE, bufs[i].data, (int)bufs[i].count, mpi_type(bufs[i].kind), MPI_SUM, MPI_COMM_WORLD);
}
#endif

/* One run of the loop: what it reads and what it reports. */
typedef struct {
  sgdl_ctx *ctx;
  const sgdl_drive_plan *pl;
  const sgdl_observer *o;
  const sgdl_drive_layout *lay;
  int rank, ranks;
  chunk_marks cm;
  const unsigned char *done; /* [chunks]: taken from the store, not run; NULL without a store */
  unsigned char *rec;        /* the store's record buffer (one save at a time) */
  uint64_t blocks_done;      /* progress: blocks run or taken from the store */
  int oom, save_rc;
} drive_run;

static size_t buffer_elem_bytes(int kind) { return kind == SGDL_BUF_UCHAR ? 1 : kind == SGDL_BUF_UINT64 ? sizeof(uint64_t) : sizeof(double); }

/* Chunk c's record: its replicas' slice of every shared buffer, packed into rec (pack = 1) or
 * unpacked from it (pack = 0); rec NULL only measures. Returns the record's bytes. */
static size_t chunk_record(const sgdl_observer *o, const sgdl_drive_layout *lay, int c, unsigned char *rec, int pack) {
  sgdl_drive_buffer bufs[SGDL_DRIVE_MAX_BUFFERS];
  const int n = o->type->shared ? o->type->shared(o, bufs) : 0;
  uint64_t b0, b1;
  sgdl_drive_chunk_blocks(lay, c, &b0, &b1);
  const uint64_t r0 = b0 * SGDL_LANES, r1 = b1 * SGDL_LANES < lay->paths ? b1 * SGDL_LANES : lay->paths;
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    if (!bufs[i].data || !bufs[i].count) continue;
    const size_t w = bufs[i].count / lay->paths, es = buffer_elem_bytes(bufs[i].kind), len = (size_t)(r1 - r0) * w * es;
    unsigned char *slice = (unsigned char *)bufs[i].data + (size_t)r0 * w * es;
    if (rec && pack) memcpy(rec + off, slice, len);
    else if (rec) memcpy(slice, rec + off, len);
    off += len;
  }
  return off;
}

/* A chunk that ran to its end without divergence goes to the store (one thread at a time).
 * Returns the run's save status as seen inside the critical section: d->save_rc is read and
 * written only there while the threads run (no data race), and after the loop's barrier. */
static int save_chunk(drive_run *d, int c) {
  sgdl_chunk_store *st = d->pl->store;
  int rc;
#pragma omp critical(sgdl_drive_store)
  {
    if (!d->save_rc) {
      const size_t bytes = chunk_record(d->o, d->lay, c, d->rec, 1);
      d->save_rc = st->save(d->ctx, st->self, c, d->rec, bytes);
    }
    rc = d->save_rc;
  }
  return rc;
}

/* The parallel loop over this rank's chunks. */
static void run_chunks(drive_run *d) {
  sgdl_ctx *ctx = d->ctx;
  const sgdl_drive_plan *pl = d->pl;
  const sgdl_observer *o = d->o;
  const sgdl_drive_layout *lay = d->lay;
  const int G = lay->chunks, rank = d->rank, ranks = d->ranks;
  chunk_marks *cm = &d->cm;
  const sgdl_observer_type *ot = o->type;
  int stop = 0, failed = 0;
  uint64_t blocks_done = d->blocks_done;
  sgdl_blas_single_enter(); /* lanes are the parallelism: no BLAS threads inside (linalg.h) */
#pragma omp parallel num_threads(sgdl_ctx_threads(ctx))
  {
    thread_bufs t;
    memset(&t, 0, sizeof t);
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < G; c++) {
      if (c % ranks != rank || (d->done && d->done[c])) continue; /* another MPI rank's chunk, or stored */
      int halt, fail;
      if (!t.ready && !bufs_alloc(&t, pl, o)) { /* at the thread's first chunk */
#pragma omp atomic write
        failed = 1;
      }
#pragma omp atomic read
      halt = stop;
#pragma omp atomic read
      fail = failed;
      if (fail || halt) continue;
      if (ot->chunk_begin) ot->chunk_begin(o, c);
      uint64_t b0, b1, blk;
      sgdl_drive_chunk_blocks(lay, c, &b0, &b1);
      for (blk = b0; blk < b1; blk++) {
#pragma omp atomic read
        halt = stop;
        if (halt || sgdl_interrupt_requested()) break; /* an interrupted chunk is not saved (blk < b1) */
        sgdl_block b;
        run_block(pl, o, blk, c, &t, &b);
        if (b.diverged) {
          if (!cm->diverged[c] || (double)b.div_step < cm->step[c]) cm->step[c] = (double)b.div_step;
          cm->diverged[c] = 1;
        }
        uint64_t now;
#pragma omp atomic capture
        now = ++blocks_done;
        if (omp_get_thread_num() == 0 && rank == 0) sgdl_progress(ctx, (double)now * ranks / (double)lay->blocks);
        if (b.diverged && pl->halt_on_divergence) {
#pragma omp atomic write
          stop = 1;
          break;
        }
      }
      if (ot->chunk_end) ot->chunk_end(o, c);
      if (pl->store && blk == b1 && !cm->diverged[c]) {
        cm->completed[c] = 1;
        if (save_chunk(d, c)) {
#pragma omp atomic write
          stop = 1;
        }
      }
    }
    bufs_free(&t);
  }
  sgdl_blas_single_leave();
  d->oom = failed;
}

/* Before the loop: this rank's stored chunks into the observer's slots, marked done. */
static int load_chunks(sgdl_ctx *ctx, drive_run *d, unsigned char **done, unsigned char **rec) {
  sgdl_chunk_store *st = d->pl->store;
  const int G = d->lay->chunks;
  size_t most = 1;
  for (int c = 0; c < G; c++) {
    const size_t bytes = chunk_record(d->o, d->lay, c, NULL, 0);
    if (bytes > most) most = bytes;
  }
  *done = sgdl_alloc(ctx, (size_t)(G ? G : 1), 1);
  *rec = sgdl_alloc(ctx, most, 1);
  if (!*done || !*rec) return SGDL_ENOMEM;
  memset(*done, 0, (size_t)(G ? G : 1));
  st->loaded = 0;
  for (int c = 0; c < G; c++) {
    if (c % d->ranks != d->rank) continue;
    const size_t bytes = chunk_record(d->o, d->lay, c, NULL, 0);
    if (!st->load(st->self, c, *rec, bytes)) continue;
    chunk_record(d->o, d->lay, c, *rec, 0);
    (*done)[c] = 1;
    st->loaded++;
    uint64_t b0, b1;
    sgdl_drive_chunk_blocks(d->lay, c, &b0, &b1);
    d->blocks_done += b1 - b0;
  }
  d->done = *done;
  d->rec = *rec;
  return SGDL_OK;
}

#ifdef SGDL_HAVE_MPI
/* After the rank sum rank 0 holds every chunk's slots: it hands the chunks the other ranks
 * completed to its store too, so a store that writes only on rank 0 (the checkpoint) gets every
 * rank's chunks; then every rank learns whether the saves went through. */
static void save_other_ranks_chunks(drive_run *d) {
  if (d->rank == 0 && d->pl->store)
    for (int c = 0; c < d->lay->chunks && !d->save_rc; c++)
      if (c % d->ranks != 0 && d->cm.completed[c] > 0) save_chunk(d, c);
  MPI_Allreduce(MPI_IN_PLACE, &d->save_rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}
#endif

int sgdl_drive(sgdl_ctx *ctx, const sgdl_drive_plan *pl, sgdl_observer *o, sgdl_drive_report *rep) {
  memset(rep, 0, sizeof *rep);
  if (pl->replica0 + pl->paths > 0x100000000ULL)
    return sgdl_fail(ctx, SGDL_EINVAL, "%s: replicas %llu..%llu exceed the 2^32 replica ids", pl->what,
                     (unsigned long long)pl->replica0, (unsigned long long)(pl->replica0 + pl->paths - 1));
  sgdl_drive_layout lay;
  sgdl_drive_layout_init(&lay, pl->paths);
  o->layout = &lay;
  const int rank = ctx && ctx->ranks > 1 ? ctx->rank : 0, ranks = ctx && ctx->ranks > 1 ? ctx->ranks : 1;
#ifndef SGDL_HAVE_MPI
  if (ranks > 1) return sgdl_fail(ctx, SGDL_ENOTSUP, "%s: %d ranks requested but sgdlab was built without MPI", pl->what, ranks);
#endif
  const int G = lay.chunks;
  double *marks = sgdl_alloc(ctx, 3 * (size_t)(G ? G : 1), sizeof(double));
  if (!marks) return SGDL_ENOMEM;
  drive_run d = {ctx, pl, o, &lay, rank, ranks, {marks, marks + G, marks + 2 * G}, NULL, NULL, 0, 0, SGDL_OK};
  unsigned char *done = NULL, *rec = NULL; /* rec: the store's record buffer, kept for rank 0's saves after the rank sum */
  int rc = pl->store ? load_chunks(ctx, &d, &done, &rec) : SGDL_OK;
  const int my_chunks = G / ranks + (rank < G % ranks), threads = sgdl_ctx_threads(ctx) < my_chunks ? sgdl_ctx_threads(ctx) : my_chunks;
  const double have = available_memory();
  int too_big = have > 0 && lane_bytes(pl) * threads > have;
#ifdef SGDL_HAVE_MPI
  if (ranks > 1) MPI_Allreduce(MPI_IN_PLACE, &too_big, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD); /* every rank stops, or none */
#endif
  if (!rc && too_big) rc = lane_memory_error(ctx, pl, threads, have, 0);
  if (!rc) run_chunks(&d);
  sgdl_free(done);
  if (!rc && sgdl_interrupt_requested()) rc = sgdl_fail(ctx, SGDL_EINTERRUPTED, "%s: interrupted", pl->what);
  if (rc) {
    sgdl_free(rec);
    sgdl_free(marks);
    return rc;
  }
  int oom = d.oom;
  chunk_marks cm = d.cm;
  if (rank == 0) sgdl_progress(ctx, 1.0);
#ifdef SGDL_HAVE_MPI
  if (ranks > 1) {
    rank_sum(o, G, marks, &oom);
    MPI_Allreduce(MPI_IN_PLACE, &d.save_rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (pl->store && !oom && !d.save_rc) save_other_ranks_chunks(&d);
    if (pl->store) MPI_Allreduce(MPI_IN_PLACE, &pl->store->loaded, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  }
#endif
  for (int c = 0; c < G; c++)
    if (cm.diverged[c] > 0 && (!rep->diverged || (uint64_t)cm.step[c] < rep->div_step)) {
      rep->diverged = 1;
      rep->div_step = (uint64_t)cm.step[c];
    }
  sgdl_free(marks);
  sgdl_free(rec);
  if (oom) rc = lane_memory_error(ctx, pl, threads, have, 1);
  else if (d.save_rc) rc = ctx && ctx->status ? d.save_rc : sgdl_fail(ctx, d.save_rc, "%s: the checkpoint write failed", pl->what);
  else if (rep->diverged) rc = SGDL_EDIVERGED;
  else if (o->type->finish) rc = o->type->finish(ctx, o);
  o->layout = NULL;
  return rc;
}
