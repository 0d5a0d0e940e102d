# Fuzz smoke test: builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan) and runs each
# for a few seconds (SGDL_FUZZ_SECONDS, default 2) on its seed corpus, regression inputs of fixed
# crashes included. Skipped, with the reason printed, where clang cannot link -fsanitize=fuzzer.
# Longer campaigns: make fuzz FUZZ_SECONDS=60. Not run in the sanitizer pass (its own sanitizers).
# ctest-label: fuzz
set -u
SRC=${SGDL_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${SGDL_BUILD:-$SRC/build}/fuzz
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null; then
  echo "SKIP: $CLANG not found (scripts/setup.sh installs clang)"
  exit 0
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/sgdl_fuzzprobe.XXXXXX")
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$probe/p.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -fopenmp "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
  echo "SKIP: $CLANG cannot link -fsanitize=fuzzer,address,undefined -fopenmp (libclang-rt-14-dev, libomp-dev?): $(head -2 "$probe/err")"
  exit 0
fi
if ! make -s -C "$SRC/fuzz" smoke OUT="$OUT" CLANG="$CLANG" SMOKE_SECONDS="${SGDL_FUZZ_SECONDS:-2}" -j2; then
  echo "FAIL: a fuzz harness failed (its log is under $OUT)"
  exit 1
fi
echo "fuzz smoke: all harnesses ok"
