# --config arrays under a failing allocator (tests/failalloc.c): a list longer than its first 64-byte
# block grows it with realloc, and a failed realloc must end the run with "out of memory", not go
# on writing past the old block (it set the capacity before knowing the realloc had failed: heap
# corruption, "malloc(): invalid next size", abort). Every allocation of the parse is failed in turn;
# every run must end with exit 0, 1 or 2 and no abort or sanitizer report.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PRELOAD=${SGDL_BUILD:-$(dirname "$S")}/tests/failalloc.so
if [ ! -f "$PRELOAD" ]; then echo "SKIP: $PRELOAD not built"; exit 0; fi
if ldd "$S" | grep -q libasan; then echo "SKIP: sanitizer build (ASan owns malloc)"; exit 0; fi
export OMP_NUM_THREADS=1
cat >"$TMP/cfg.json" <<'JSON'
{"lr": [0.1, 0.05, 0.025, 0.0125, 0.01, 0.005, 0.0025, 0.002, 0.001, 0.0005, 0.0004, 0.0002, 0.0001]}
JSON
A=(weak --config "$TMP/cfg.json" --problem quadratic --x0 1 --T 0.2 --models sme1 --paths 8 --threads 1 --json)
expect_ok "the long --config list runs" -- $S "${A[@]}"
bad=""
for k in $(seq 1 60); do
  SGDL_FAILALLOC_K=$k LD_PRELOAD="$PRELOAD" $S "${A[@]}" >/dev/null 2>"$TMP/err"
  rc=$?
  if [ $rc -gt 2 ] || grep -q -e 'invalid next size' -e 'corrupted' -e 'double free' "$TMP/err"; then bad="$bad k=$k(rc $rc)"; fi
done
check "no failed allocation of the parse corrupts the heap:${bad:- none}" test -z "$bad"
finish
