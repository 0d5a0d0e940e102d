/* Internal to the study layer: a study made of several library runs shows one progress bar.
 * While a slice is active, an inner run's fraction f reaches the caller's ctx->progress as
 * base + span f. Does not: draw anything (the caller's callback does). */
#ifndef SGDL_STUDY_PROGRESS_SLICE_H
#define SGDL_STUDY_PROGRESS_SLICE_H

#include "sgdlab/core.h"

typedef struct sgdl_progress_slice {
  sgdl_progress_fn outer;
  void *outer_user;
  double base, span;
} sgdl_progress_slice;

/* Route ctx's progress through s as [base, base + span] of the outer bar (nothing when ctx has no
 * callback). Pair with sgdl_progress_slice_end. */
void sgdl_progress_slice_begin(sgdl_ctx *ctx, sgdl_progress_slice *s, double base, double span);
/* Give ctx back its own callback. */
void sgdl_progress_slice_end(sgdl_ctx *ctx, const sgdl_progress_slice *s);

#endif
