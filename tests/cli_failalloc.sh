# Failing-allocator sweep (SQLite / Lua style). For a small run of each command: count the
# allocations made after main() (tests/failalloc.c, LD_PRELOAD), then fail the k-th one: every 7th k
# in `make test` (about 3 minutes on 2 cores), EVERY k with SGDL_FAILALLOC_STRIDE=1 (`make failalloc`,
# about 15 minutes on 2 cores; SGDL_FAILALLOC_ONLY="npoint train" sweeps those commands only). Runs go
# SGDL_FAILALLOC_JOBS at a time (default: the number of CPUs), with gnuplot off the PATH (a plot
# is a child process; its files are the same either way) to keep the sweep short.
# Each failing run must end cleanly: exit status 1 or 2 (never a signal or a hang) with an error
# that says memory ran out or names what failed, and --out must not exist afterwards (no
# results.json, no partial set: src/report/outset.c). Exit status 0 means the failed allocation
# was on a path that falls back (a stdio buffer, an optional probe): then results.json (without
# the wall time) and the list of files in --out must equal those of the run without a failure;
# anything else is silently dropped work and fails the test. An allocation whose failure kills
# the process inside a third-party library (libgomp, OpenBLAS, cJSON, zlib, the loader) is
# excluded and listed, not hidden: the backtrace of the failed call decides. Skipped with a reason
# where the preload cannot work (sanitizer build). Leaks on these error paths are not checked
# here (LeakSanitizer and valgrind own malloc; see README "Reliability").
# ctest-label: slow
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PRELOAD=${SGDL_BUILD:-$(dirname "$S")}/tests/failalloc.so
if [ ! -f "$PRELOAD" ]; then echo "SKIP: $PRELOAD not built"; exit 0; fi
if ldd "$S" | grep -q libasan; then echo "SKIP: sanitizer build (ASan owns malloc)"; exit 0; fi
SRC=${SGDL_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
STRIDE=${SGDL_FAILALLOC_STRIDE:-7}
JOBS=${SGDL_FAILALLOC_JOBS:-$(nproc)}
export OMP_NUM_THREADS=1 # one thread: the same allocation sequence on every run
source "$(dirname "$0")/lib_sweep.sh"
sweep_inputs # $TMP/data.csv; $TMP/nobin, a PATH without gnuplot
export S PRELOAD TMP NOPATH="$TMP/nobin"

EXCLUDED=""
RECOVERED=0

# The shared object a failed allocation was made for: the first traced frame outside the preload
# and libc (which allocates on behalf of its caller), as "sgdlab" or a library name.
allocator_owner() {
  grep -v -e failalloc -e 'libc\.so' -e '^failalloc:' "$1" | head -1 | sed -E 's|^([^(]*).*|\1|; s|.*/||'
}
export -f allocator_owner

# results.json without what differs between any two runs (wall times, throughput, the folder's own
# path, the manifest of checksums over CSVs that hold timings); the file list of a folder.
strip_json() {
  /usr/bin/python3 -c '
import json, sys
T = {"seconds", "train_seconds", "examples_per_second", "examples_per_second_per_epoch", "weights", "output_files"}
def s(v):
    if isinstance(v, dict): return {k: s(x) for k, x in v.items() if k not in T}
    if isinstance(v, list): return [s(x) for x in v]
    return v
try: print(json.dumps(s(json.load(open(sys.argv[1]))), sort_keys=True, indent=0))
except Exception as e: print("unreadable:", e)' "$1"
}
file_list() { (cd "$1" 2>/dev/null && find . -type f | sort); }
export -f strip_json file_list

# run_one NAME K: fail allocation K of NAME's run; one line "K STATUS DETAIL" into $TMP/NAME.res.K.
run_one() {
  local name=$1 k=$2 out=$TMP/$name.out.$2 err=$TMP/$name.err.$2 rc status=ok detail=""
  local -a args
  mapfile -d '' args <"$TMP/$name.args"
  mkdir -p "$out"
  SGDL_FAILALLOC_K=$k timeout 60 env PATH="$NOPATH" LD_PRELOAD="$PRELOAD" "$S" "${args[@]}" --out "$out/run" >/dev/null 2>"$err"
  rc=$?
  if [ $rc -eq 0 ]; then
    status=recovered
    if ! diff <(strip_json "$out/run/results.json") <(strip_json "$TMP/$name.ref/results.json") >/dev/null; then
      status=bad detail="exit 0 but results.json differs from the run without a failure (dropped work)"
    elif [ "$(file_list "$out/run")" != "$(file_list "$TMP/$name.ref")" ]; then
      status=bad detail="exit 0 but --out holds other files than the run without a failure: $(diff <(file_list "$out/run") <(file_list "$TMP/$name.ref") | tr '\n' ' ' | cut -c1-200)"
    fi
  elif [ $rc -ge 124 ]; then
    local trace=$TMP/$name.trace.$k owner
    SGDL_FAILALLOC_TRACE=1 SGDL_FAILALLOC_K=$k timeout 60 env PATH="$NOPATH" LD_PRELOAD="$PRELOAD" "$S" "${args[@]}" --out "$out/run2" >/dev/null 2>"$trace"
    owner=$(allocator_owner "$trace")
    case $owner in
      libgomp* | libopenblas* | libcjson* | libz.so* | ld-linux*) status=excluded detail="$owner" ;;
      *) status=bad detail="killed (exit $rc), allocation made for ${owner:-?}: $(tail -3 "$err" | tr '\n' ' ')" ;;
    esac
  elif grep -q '^libgomp: Out of memory' "$err"; then
    status=excluded detail="libgomp exits"
  elif ! grep -qiE 'error: .*(memory|cannot|failed|could not)' "$err"; then
    status=bad detail="exit $rc without a clear error: '$(tr '\n' ' ' <"$err" | cut -c1-200)'"
  elif [ -e "$out/run" ]; then
    status=bad detail="exit $rc but --out exists: $(find "$out/run" | head -3 | tr '\n' ' ')"
  fi
  echo "$k $status $detail" >"$TMP/$name.res.$k"
  rm -rf "$out" "$err"
}
export -f run_one

# sweep NAME ARGS...: the whole procedure for one command line (without --out).
sweep() {
  local name=$1
  shift
  if sweep_skipped "$name" "${SGDL_FAILALLOC_ONLY:-}" "$@"; then return; fi
  local count_file=$TMP/$name.count
  if ! SGDL_FAILALLOC_COUNT=$count_file env PATH="$NOPATH" LD_PRELOAD=$PRELOAD "$S" "$@" --out "$TMP/$name.ref" >/dev/null 2>&1; then
    bad "$name: the run fails even without a failing allocation"
    return
  fi
  local n
  n=$(cat "$count_file" 2>/dev/null || echo 0)
  if [ "$n" -lt 1 ]; then bad "$name: no allocations counted (preload not active?)"; return; fi
  sweep_each "$name" "$n" "$STRIDE" "$JOBS"
  local tried=0 failures=0 rec=0 line k status detail
  for f in "$TMP/$name".res.*; do
    read -r k status detail <"$f"
    tried=$((tried + 1))
    case $status in
      recovered) rec=$((rec + 1)) ;;
      excluded) EXCLUDED="$EXCLUDED $name:k=$k($detail)" ;;
      bad)
        failures=$((failures + 1))
        [ $failures -le 8 ] && bad "$name: allocation $k of $n: $detail"
        ;;
    esac
  done
  RECOVERED=$((RECOVERED + rec))
  [ $failures -eq 0 ] && ok
  echo "$name: $n allocations, $tried failed one at a time, $rec recovered with complete output, $failures bad"
}

sweep_all # tests/lib_sweep.sh: the same small run of each command as tests/leak_sweep.sh
echo "recovered (exit 0, output equal to the run without a failure): $RECOVERED run(s)"
echo "excluded (died inside a third-party library):${EXCLUDED:- none}"
finish
