/* Minimal test harness: CHECK macros count passes and failures; check_done() prints the
 * plain closing line "N passed, N failed" and returns the exit status. */
#ifndef SGDL_TEST_CHECK_H
#define SGDL_TEST_CHECK_H
#include <math.h>
#include <stdio.h>

static int check_pass_, check_fail_;

#define CHECK(cond, ...)                                                 \
  do {                                                                   \
    if (cond) check_pass_++;                                             \
    else {                                                               \
      check_fail_++;                                                     \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                      \
      fprintf(stderr, "\n");                                             \
    }                                                                    \
  } while (0)

/* |a - b| <= rtol * max(|b|, tiny) */
#define CHECK_REL(a, b, rtol, what)                                                            \
  do {                                                                                         \
    double a_ = (a), b_ = (b);                                                                 \
    double e_ = fabs(a_ - b_) / (fabs(b_) > 1e-300 ? fabs(b_) : 1.0);                           \
    CHECK(e_ <= (rtol), "%s: got %.15g expected %.15g (rel err %.3g > %.3g)", what, a_, b_, e_, \
          (double)(rtol));                                                                     \
  } while (0)

#define CHECK_ABS(a, b, atol, what)                                                              \
  do {                                                                                           \
    double a_ = (a), b_ = (b);                                                                   \
    CHECK(fabs(a_ - b_) <= (atol), "%s: got %.15g expected %.15g (abs err %.3g > %.3g)", what, a_, \
          b_, fabs(a_ - b_), (double)(atol));                                                    \
  } while (0)

static inline int check_done(void) {
  printf("%d passed, %d failed\n", check_pass_, check_fail_);
  return check_fail_ ? 1 : 0;
}
#endif
