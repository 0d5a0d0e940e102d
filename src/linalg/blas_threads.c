/* The one owner of OpenBLAS's thread count, which is process-wide by nature (one count for every
 * thread of the process). Code that calls BLAS from inside its own OpenMP threads (the lane
 * driver) or that must not let BLAS split its work (the trainer) opens a single-thread region
 * (sgdl_blas_single_enter / _leave); code that wants BLAS threads outside such regions sets the
 * count through sgdl_blas_threads. Regions of concurrent runs (two host threads, two Python
 * threads) overlap safely: a counter under a mutex holds the count at 1 from the first enter to
 * the last leave, and only the last leave restores the saved count, so no run ever finds BLAS
 * threads inside its region. Nothing else in the library calls openblas_set_num_threads.
 * It does not choose thread counts (the context's --threads does) nor touch OpenMP's. */
#include <pthread.h>

#include "sgdlab/linalg.h"

/* OpenBLAS's thread control (the only BLAS this project links, see CMakeLists.txt). */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/* The process-wide state OpenBLAS's own count forces on us: the regions open now, and the count
 * to restore when the last one closes. tests/cli_globals.sh lists it, with this reason. */
static struct {
  pthread_mutex_t lock;
  int open;  /* single-thread regions entered and not yet left, over all threads */
  int saved; /* the count outside regions while open > 0 */
} blas_owner = {PTHREAD_MUTEX_INITIALIZER, 0, 1};

void sgdl_blas_single_enter(void) {
  pthread_mutex_lock(&blas_owner.lock);
  if (blas_owner.open++ == 0) {
    blas_owner.saved = openblas_get_num_threads();
    if (blas_owner.saved != 1) openblas_set_num_threads(1);
  }
  pthread_mutex_unlock(&blas_owner.lock);
}

void sgdl_blas_single_leave(void) {
  pthread_mutex_lock(&blas_owner.lock);
  if (blas_owner.open > 0 && --blas_owner.open == 0 && blas_owner.saved != 1)
    openblas_set_num_threads(blas_owner.saved);
  pthread_mutex_unlock(&blas_owner.lock);
}

int sgdl_blas_threads(int n) {
  if (n < 1) n = 1;
  pthread_mutex_lock(&blas_owner.lock);
  int old;
  if (blas_owner.open > 0) { /* a region holds 1: n waits for the last leave */
    old = blas_owner.saved;
    blas_owner.saved = n;
  } else {
    old = openblas_get_num_threads();
    if (old != n) openblas_set_num_threads(n);
  }
  pthread_mutex_unlock(&blas_owner.lock);
  return old;
}
