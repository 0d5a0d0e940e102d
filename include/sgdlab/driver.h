/* sgdlab lane-block driver: the one Monte Carlo loop of the ensemble layer (SUNDIALS style: the
 * core owns the loop, the caller supplies what to measure).
 *
 * What the driver owns: M replicas x P particles cut into blocks of up to SGDL_LANES lanes; the
 * blocks cut into a fixed number of chunks of consecutive blocks (min(blocks, 64), a function of M
 * only); OpenMP threads over chunks with per-thread lane and scratch buffers (allocated once, at
 * the thread's first chunk, the large ones as zero pages mapped on first write; never in the step
 * loop); lane set-up (x = x0 per particle, stepper state zero); the step
 * loop (stepper->type->step once per learning-rate step); the bookkeeping of divergence (which
 * block and step, halting the other chunks, the smallest step over chunks); progress; and under
 * MPI the split of chunks over ranks (chunk c on rank c % ranks) followed by the sum over ranks of
 * the buffers the observer names, so every rank holds the result of one process, bit for bit.
 *
 * What an observer owns: what it measures and where it stores it. An observer is a small const
 * type object (sgdl_observer_type) plus its own state; the driver calls, per thread and chunk:
 *   chunk_begin(c)            once per chunk, in whatever thread runs it;
 *   block_begin(block)        once per block, after lane set-up;
 *   observe(block, t)         after t = 0 (only if observes_start), 1, 2, ... steps; returns
 *                             SGDL_OBSERVE_STOP to end the block early (all lanes done, or a lane
 *                             diverged: the observer decides what it watches for NaN/Inf and
 *                             sets block->diverged and block->div_step);
 *   block_end(block)          after the last step of the block;
 *   chunk_end(c)              after the chunk's last block (not for chunks skipped after a halt);
 *   shared(bufs)              the result buffers to sum over MPI ranks (each entry nonzero on one
 *                             rank only: per chunk or per replica slots);
 *   finish(ctx)               after the loop (and the rank sum), in the calling thread: the
 *                             fixed-order merge of the chunks or replicas into the result.
 * Results are bitwise identical for any thread and rank count as long as the observer writes each
 * chunk's (or replica's) numbers into its own slots and merges them in a fixed order in finish.
 *
 * Does not: own the stepper (borrowed), format divergence messages (the caller words them from
 * sgdl_drive_report), or allocate the observer's result storage (the observer's creator does).
 */
#ifndef SGDLAB_DRIVER_H
#define SGDLAB_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "sgdlab/core.h"
#include "sgdlab/rng.h" /* SGDL_LANES */
#include "sgdlab/stepper.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SGDL_DRIVE_MAX_CHUNKS 64

enum { SGDL_OBSERVE_GO = 0, SGDL_OBSERVE_STOP = 1 };

/* One block of lanes as an observer sees it. */
typedef struct sgdl_block {
  sgdl_lanes L;      /* W lanes from replica L.replica0, positions L.x [P][d][W], state L.aux */
  uint64_t index;    /* block number: replicas index*SGDL_LANES .. + W - 1 */
  int chunk;         /* chunk the block belongs to */
  void *scratch;     /* the observer's per-thread scratch (scratch_bytes), reused block to block */
  int diverged;      /* set by the observer when a lane it watches hit NaN/Inf */
  uint64_t div_step; /* and the step it reports for that */
} sgdl_block;

/* The chunk layout, fixed by the number of replicas alone. */
typedef struct sgdl_drive_layout {
  uint64_t paths, blocks;
  int chunks;
} sgdl_drive_layout;
/* Blocks [*b0, *b1) of chunk c. */
void sgdl_drive_chunk_blocks(const sgdl_drive_layout *lay, int c, uint64_t *b0, uint64_t *b1);
void sgdl_drive_layout_init(sgdl_drive_layout *lay, uint64_t paths);

/* A buffer summed over MPI ranks. */
enum { SGDL_BUF_DOUBLE = 0, SGDL_BUF_UINT64, SGDL_BUF_UCHAR };
typedef struct sgdl_drive_buffer {
  void *data;
  size_t count;
  int kind; /* SGDL_BUF_* */
} sgdl_drive_buffer;
#define SGDL_DRIVE_MAX_BUFFERS 8

typedef struct sgdl_observer sgdl_observer;
typedef struct sgdl_observer_type {
  const char *name;
  int observes_start; /* 1: observe(block, 0) before the first step */
  size_t (*scratch_bytes)(const sgdl_observer *o);
  void (*chunk_begin)(const sgdl_observer *o, int c);                 /* may be NULL */
  void (*block_begin)(const sgdl_observer *o, sgdl_block *b);         /* may be NULL */
  void (*before_step)(const sgdl_observer *o, sgdl_block *b);         /* may be NULL */
  int (*observe)(const sgdl_observer *o, sgdl_block *b, uint64_t t);
  void (*block_end)(const sgdl_observer *o, sgdl_block *b);           /* may be NULL */
  void (*chunk_end)(const sgdl_observer *o, int c);                   /* may be NULL */
  int (*shared)(const sgdl_observer *o, sgdl_drive_buffer *bufs);      /* returns how many (<= MAX) */
  int (*finish)(sgdl_ctx *ctx, const sgdl_observer *o);               /* may be NULL */
} sgdl_observer_type;

struct sgdl_observer {
  const sgdl_observer_type *type;
  const sgdl_drive_layout *layout; /* set by the driver before the first call */
  void *state;                     /* the observer's own (per chunk / per replica slots) */
};

/* A store of completed chunks (a checkpoint) for observers whose shared buffers are all per-replica
 * slots (first exit, stationary time averages; not the per-chunk moments of ensemble.c). A chunk's
 * record is its replicas' slice of every shared buffer, in buffer order. The driver asks `load`
 * for each chunk of this rank before the loop (1: the bytes were copied into buf, the chunk is not
 * run; 0: not stored) and hands every chunk it completed without divergence or halt to `save`,
 * one call at a time (under a lock), from whatever thread ran it. Under MPI, rank 0's store is
 * also handed, after the rank sum, every chunk the other ranks completed (so a store that writes
 * only on rank 0 gets all of them). save returns SGDL_OK or an error with its message in ctx; an
 * error ends the run with it (on every rank). */
typedef struct sgdl_chunk_store {
  int (*load)(void *self, int chunk, void *buf, size_t bytes);
  int (*save)(sgdl_ctx *ctx, void *self, int chunk, const void *buf, size_t bytes);
  void *self;
  int loaded; /* chunks taken from the store by the last sgdl_drive (set by the driver) */
} sgdl_chunk_store;

typedef struct sgdl_drive_plan {
  const sgdl_stepper *stepper; /* borrowed; planned for P particles */
  int P;                       /* particles per replica */
  const double *x0;            /* [P][d] starting points */
  uint64_t paths;              /* replicas */
  uint64_t steps;              /* at most this many learning-rate steps per block */
  int halt_on_divergence;      /* 1: a diverged block ends its chunk and skips the chunks not begun */
  const char *what;            /* names the run in out-of-memory and no-MPI messages */
  uint64_t replica0;           /* replica offset: block b runs replicas replica0 + b*SGDL_LANES ..., so
                                * consecutive runs (rounds) can cover fresh replica ids; 0 = from the start.
                                * replica0 + paths must stay <= 2^32 (replica ids are 32-bit). */
  sgdl_chunk_store *store;     /* NULL: none; else completed chunks are saved to it and stored ones
                                * are not run again (per-replica-slot observers only, see above) */
} sgdl_drive_plan;

typedef struct sgdl_drive_report {
  int diverged;      /* some block diverged */
  uint64_t div_step; /* the smallest div_step over the chunks that diverged */
} sgdl_drive_report;

/* Run the plan with one observer. Returns SGDL_OK; SGDL_EDIVERGED (report says where; no message
 * is set: the caller words it, and finish is not called); or an error with its message
 * (SGDL_ENOMEM, SGDL_ENOTSUP for ranks without MPI, or what finish returned). */
int sgdl_drive(sgdl_ctx *ctx, const sgdl_drive_plan *plan, sgdl_observer *obs, sgdl_drive_report *rep);

#ifdef __cplusplus
}
#endif
#endif
