# The in-process runs of libsgdlab.so (sgdl_run_json, which Python uses) have the binary's guard
# (cli.h sgdl_cli_json_guard): a failed allocation anywhere in a run, cJSON's included, either
# fails that run with a message about memory, or the run succeeds with results.json equal to the
# reference (never a tree with entries silently missing); and the next run in the same process
# succeeds with the reference numbers (the guard's flag is per run, not sticky). Every allocation
# of one small run is failed in turn (tests/failalloc.c as LD_PRELOAD on tests/run_json_probe.c).
# ctest-needs: no-sanitizer
# ctest-label: slow (237 allocations, about 15 s of CPU; 2 min wall on the shared machine)
source "$(dirname "$0")/lib_cli.sh"
B=${SGDL_BUILD:-$(dirname "$SGDLAB")}
PROBE=$B/tests/run_json_probe
PRELOAD=$B/tests/failalloc.so
if [ ! -x "$PROBE" ] || [ ! -f "$PRELOAD" ]; then echo "SKIP: $PROBE or $PRELOAD not built"; finish; exit $?; fi
export OMP_NUM_THREADS=1
strip() { grep -v -e '"seconds"' "$1"; }
CMD=exit
ARGS='{"problem": "double-well", "lr": 0.1, "sigma2": 2, "from": -1, "to": 0, "methods": "quadrature,kramers"}'
"$PROBE" "$CMD" "$ARGS" "$TMP/ref.json" "$TMP/ref2.json"
check "the probe runs twice in one process" test -s "$TMP/ref2.json"
check "two in-process runs give the same results" diff <(strip "$TMP/ref.json") <(strip "$TMP/ref2.json")
SGDL_FAILALLOC_COUNT=$TMP/count LD_PRELOAD=$PRELOAD "$PROBE" "$CMD" "$ARGS" "$TMP/c.json" >/dev/null 2>&1
n=$(cat "$TMP/count" 2>/dev/null || echo 0)
check "allocations counted ($n)" test "$n" -gt 10
failed=0 recovered=0 bad_runs=0 harness=0
for ((k = 1; k <= n; k++)); do
  rm -f "$TMP/a.json" "$TMP/b.json"
  SGDL_FAILALLOC_K=$k timeout 60 env LD_PRELOAD=$PRELOAD "$PROBE" "$CMD" "$ARGS" "$TMP/a.json" "$TMP/b.json" >/dev/null 2>"$TMP/err"
  rc=$?
  why=""
  if [ $rc -ge 124 ]; then why="killed (exit $rc)"
  elif [ -e "$TMP/a.json" ]; then
    recovered=$((recovered + 1))
    diff <(strip "$TMP/a.json") <(strip "$TMP/ref.json") >/dev/null || why="exit 0 with results that differ from the reference"
  elif grep -q '^run 1: error: cannot write' "$TMP/err"; then
    harness=$((harness + 1)) # the probe's own fopen of its OUT file, after the run returned
    continue
  else
    failed=$((failed + 1))
    grep -q '^run 1: error: .*memory' "$TMP/err" || why="run 1 failed without a message about memory: $(head -c 200 "$TMP/err")"
  fi
  [ -z "$why" ] && ! diff <(strip "$TMP/b.json" 2>/dev/null) <(strip "$TMP/ref.json") >/dev/null && why="the next in-process run did not give the reference results"
  if [ -n "$why" ]; then
    bad "allocation $k of $n: $why"
    bad_runs=$((bad_runs + 1))
    [ $bad_runs -ge 5 ] && break
  else ok; fi
done
echo "$n allocations: $failed runs failed cleanly, $recovered recovered with complete results, $harness in the probe itself"
finish
