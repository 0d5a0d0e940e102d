# --checkpoint of the chunked Monte Carlo runs: `exit` (first-exit ensembles) and `stationary
# --simulate` (driver.h's chunk store, records in the checkpoint file of study_rounds.h):
#  - an uninterrupted run with a checkpoint gives the numbers of a run without one, and a rerun
#    replays every chunk from it;
#  - a run killed with kill -9 at a random point (1 and 2 threads) resumes to results.json numbers
#    bitwise equal to the uninterrupted run (minus wall time, threads, the checkpoint lines);
#  - a torn tail is cut and rewritten;
#  - a checkpoint from other arguments or another version, or one given where nothing is Monte
#    Carlo, is refused with a message naming what differs;
#  - under mpirun (when installed): a 2-rank run with a checkpoint, a 2-rank resume of a killed
#    1-process checkpoint and a 1-process resume of a 2-rank checkpoint all give the same numbers,
#    and the 2-rank checkpoint holds every chunk of both ranks (the 1-process replay appends nothing).
# ctest-label: slow (about 25 s of CPU; 85 s wall on the shared 2-core machine)
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
strip() { grep -v -e '"seconds"' -e '"threads"' -e '"checkpoint' -e '"mpi_ranks"' "$1" | sed 's/,$//'; }
same() { diff <(strip "$1") <(strip "$2") >/dev/null; }
# Each command: a run long enough (a few seconds on a loaded machine) to be killed midway.
EXIT=(exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 0.5 --methods quadrature,mc-sgd,mc-sme1 --paths 30000 --quiet)
STAT=(stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0.3;0.3,0.5" --lr 0.2 --simulate 2e8 --replicas 16384 --quiet)

# kill_resume NAME THREADS ARGS...: start with a checkpoint, kill -9 once a random share (10-70 %)
# of the full checkpoint's bytes are on disk, rerun, compare with the uninterrupted run.
kill_resume() {
  local name=$1 t=$2
  shift 2
  local ck=$TMP/$name.kill$t.ck full=$(stat -c %s "$TMP/$name.full.ck")
  local share=$((10 + RANDOM % 61))
  "$S" "$@" --threads "$t" --checkpoint "$ck" --out "$TMP/$name.killed$t" >/dev/null 2>&1 &
  local pid=$!
  while kill -0 $pid 2>/dev/null && [ "$(stat -c %s "$ck" 2>/dev/null || echo 0)" -lt $((full * share / 100)) ]; do sleep 0.01; done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  local size=$(stat -c %s "$ck")
  check "$name, threads $t: killed midway ($size of $full bytes, aimed at $share %)" test "$size" -lt "$full"
  check "$name, threads $t: the killed run wrote no results.json" test ! -e "$TMP/$name.killed$t/results.json"
  "$S" "$@" --threads "$t" --checkpoint "$ck" --out "$TMP/$name.resumed$t" >/dev/null
  check "$name, threads $t: the rerun resumed chunks" grep -Eq '"checkpoint_resumed_chunks":[[:space:]]*[1-9]' "$TMP/$name.resumed$t/results.json"
  check "$name, threads $t: resumed results equal the uninterrupted run" same "$TMP/$name.resumed$t/results.json" "$TMP/$name.plain/results.json"
}

for cmd in EXIT STAT; do
  declare -n ARGS=$cmd
  name=${ARGS[0]}
  "$S" "${ARGS[@]}" --threads 2 --out "$TMP/$name.plain"
  "$S" "${ARGS[@]}" --threads 2 --checkpoint "$TMP/$name.full.ck" --out "$TMP/$name.full"
  check "$name: a checkpoint does not change the numbers" same "$TMP/$name.full/results.json" "$TMP/$name.plain/results.json"
  cp "$TMP/$name.full.ck" "$TMP/$name.before.ck"
  "$S" "${ARGS[@]}" --threads 1 --checkpoint "$TMP/$name.full.ck" --out "$TMP/$name.replay"
  check "$name: a finished checkpoint replays to the same numbers" same "$TMP/$name.replay/results.json" "$TMP/$name.plain/results.json"
  check "$name: the replay ran nothing (the checkpoint is unchanged)" cmp -s "$TMP/$name.full.ck" "$TMP/$name.before.ck"
  for t in 1 2; do kill_resume "$name" $t "${ARGS[@]}"; done
  full_size=$(stat -c %s "$TMP/$name.full.ck")
  head -c $((full_size / 2 + 7)) "$TMP/$name.full.ck" >"$TMP/$name.torn.ck"
  "$S" "${ARGS[@]}" --threads 1 --checkpoint "$TMP/$name.torn.ck" --out "$TMP/$name.torn"
  check "$name: a torn checkpoint resumes to the same numbers" same "$TMP/$name.torn/results.json" "$TMP/$name.plain/results.json"
  check "$name: the torn checkpoint is whole again (as long as the full one)" test "$(stat -c %s "$TMP/$name.torn.ck")" -eq "$full_size"
  sed '2s/.*/version 0.0.1/' "$TMP/$name.full.ck" >"$TMP/$name.old.ck"
  expect_fail "$name: checkpoint from another version" "written by sgdlab 0.0.1" -- "$S" "${ARGS[@]}" --checkpoint "$TMP/$name.old.ck"
  expect_fail "$name: checkpoint from another seed" "--seed \"1\" in the checkpoint, \"2\" now" -- \
    "$S" "${ARGS[@]}" --seed 2 --checkpoint "$TMP/$name.full.ck"
  unset -n ARGS
done
expect_fail "exit: checkpoint of the other command" "--checkpoint" -- "$S" "${EXIT[@]}" --checkpoint "$TMP/stationary.full.ck"
expect_fail "exit --checkpoint without Monte Carlo" "only with a Monte Carlo method" -- \
  "$S" exit --problem double-well --methods quadrature --checkpoint "$TMP/none.ck"
expect_fail "stationary --checkpoint without --simulate" "only with --simulate" -- "$S" stationary --H 1 --checkpoint "$TMP/none.ck"
check "a refused checkpoint is not created" test ! -e "$TMP/none.ck"

if command -v mpirun >/dev/null && ldd "$S" | grep -q libmpi; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  M=(exit --problem double-well --lr 0.2 --sigma2 1 --from -1 --to 0.5 --methods mc-sgd,mc-sme1 --paths 20000 --quiet --threads 1)
  "$S" "${M[@]}" --out "$TMP/m.one"
  mpirun -np 2 "$S" "${M[@]}" --checkpoint "$TMP/m2.ck" --out "$TMP/m.two" 2>"$TMP/m.err"
  check "mpirun -np 2 with a checkpoint: the numbers of one process ($(head -c 200 "$TMP/m.err"))" same "$TMP/m.two/results.json" "$TMP/m.one/results.json"
  cp "$TMP/m2.ck" "$TMP/m2.before.ck"
  "$S" "${M[@]}" --checkpoint "$TMP/m2.ck" --out "$TMP/m.back"
  check "the 2-rank checkpoint holds both ranks' chunks: the 1-process replay appended nothing" cmp -s "$TMP/m2.ck" "$TMP/m2.before.ck"
  check "one process resumes a 2-rank checkpoint to the same numbers" same "$TMP/m.back/results.json" "$TMP/m.one/results.json"
  check "... taking rank 0's chunks from it" grep -Eq '"checkpoint_resumed_chunks":[[:space:]]*[1-9]' "$TMP/m.back/results.json"
  head -c $(($(stat -c %s "$TMP/m2.ck") / 2)) "$TMP/m2.ck" >"$TMP/m1.ck" # a 1-process checkpoint cut midway
  "$S" "${M[@]}" --checkpoint "$TMP/m1.ck" --out "$TMP/m.cut" >/dev/null
  head -c $(($(stat -c %s "$TMP/m1.ck") / 3)) "$TMP/m1.ck" >"$TMP/m3.ck"
  mpirun -np 2 "$S" "${M[@]}" --checkpoint "$TMP/m3.ck" --out "$TMP/m.res" 2>>"$TMP/m.err"
  check "mpirun -np 2 resumes a cut 1-process checkpoint to the same numbers" same "$TMP/m.res/results.json" "$TMP/m.one/results.json"
else
  echo "mpirun or an MPI build missing: the MPI part is skipped"
fi
finish
