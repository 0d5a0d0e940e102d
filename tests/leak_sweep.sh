#!/usr/bin/env bash
# Leaks on out-of-memory paths: the sanitizer build linked with tests/failwrap.c (CMake options
# SGDL_SANITIZE=ON SGDL_FAILWRAP=ON; `make failalloc-leaks` builds it in build-leak/ and runs this).
# For the same small run of each command as tests/cli_failalloc.sh, count sgdlab's own allocation
# calls, then fail the k-th one for every k (SGDL_LEAK_STRIDE=s: every s-th; SGDL_LEAK_ONLY="weak
# exit": those commands). Each run must end with exit 0, 1 or 2 (never a signal, an ASan error or a
# hang), report no leak (LeakSanitizer runs at every exit), and a failed run must leave no --out.
# Usage: bash tests/leak_sweep.sh build-leak/sgdlab
set -uo pipefail
S=$(realpath "${1:?usage: leak_sweep.sh path/to/failwrap-sgdlab}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
STRIDE=${SGDL_LEAK_STRIDE:-1}
JOBS=${SGDL_LEAK_JOBS:-$(nproc)}
TMP=$(mktemp -d /tmp/sgdl_leak.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 S TMP
source "$(dirname "$0")/lib_sweep.sh"
sweep_inputs
export PATH_NOGNUPLOT="$TMP/nobin:/usr/bin:/bin"

run_one() { # NAME K -> prints "bad ..." or nothing
  local name=$1 k=$2 out=$TMP/$1.o$2 err=$TMP/$1.e$2 rc
  local -a args
  mapfile -d '' args <"$TMP/$name.args"
  SGDL_FAILWRAP_K=$k timeout 120 env PATH="$PATH_NOGNUPLOT" "$S" "${args[@]}" --out "$out" >/dev/null 2>"$err"
  rc=$?
  if grep -q "LeakSanitizer" "$err"; then
    echo "bad $name k=$k: leak: $(grep -m2 -A3 'Direct leak\|Indirect leak' "$err" | grep -m3 '#[0-9]' | tr -s ' ' | tr '\n' ' ' | cut -c1-300)"
  elif grep -q "ERROR: AddressSanitizer\|runtime error" "$err"; then
    echo "bad $name k=$k: sanitizer: $(grep -m1 'ERROR: AddressSanitizer\|runtime error' "$err" | cut -c1-200)"
  elif grep -q '^libgomp: Out of memory' "$err"; then
    : # libgomp exits on its own (listed by cli_failalloc.sh)
  elif [ $rc -gt 2 ]; then
    echo "bad $name k=$k: exit $rc: $(tail -2 "$err" | tr '\n' ' ' | cut -c1-200)"
  elif [ $rc -ne 0 ] && [ -e "$out" ]; then
    echo "bad $name k=$k: exit $rc but --out exists"
  fi
  rm -rf "$out" "$err"
}
export -f run_one

BAD=0
sweep() {
  local name=$1
  shift
  if sweep_skipped "$name" "${SGDL_LEAK_ONLY:-}" "$@"; then return; fi
  SGDL_FAILWRAP_COUNT="$TMP/$name.n" env PATH="$PATH_NOGNUPLOT" "$S" "$@" --out "$TMP/$name.ref" >/dev/null 2>"$TMP/$name.referr"
  if [ $? -ne 0 ] || grep -q LeakSanitizer "$TMP/$name.referr"; then
    echo "bad $name: the run without a failure fails: $(tail -3 "$TMP/$name.referr" | tr '\n' ' ')"
    BAD=$((BAD + 1))
    return
  fi
  local n
  n=$(cat "$TMP/$name.n")
  local found
  found=$(sweep_each "$name" "$n" "$STRIDE" "$JOBS")
  local nbad=0
  [ -n "$found" ] && nbad=$(wc -l <<<"$found")
  [ -n "$found" ] && head -8 <<<"$found"
  echo "$name: $n allocation calls, every ${STRIDE}th failed in turn, $nbad with a leak or a crash"
  BAD=$((BAD + nbad))
}

sweep_all # tests/lib_sweep.sh: the same small run of each command as tests/cli_failalloc.sh
echo "leak sweep: $BAD bad"
[ $BAD -eq 0 ]
