# sgdlab weak --precision / --checkpoint from the command line (study_rounds.h):
#  - rounds give the same numbers with 1 and 2 threads, and results.json says the paths used;
#  - a run killed with kill -9 midway (1 and 2 threads) resumes from its checkpoint to results
#    bitwise equal to an uninterrupted run (results.json minus wall time, threads, checkpoint path),
#    also after a torn tail;
#  - a checkpoint from other arguments or another version is refused, naming what differs;
#  - flags that make no sense together are refused before any work.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
A=(weak --problem double-well --lr 0.2,0.1 --T 1 --paths 6000 --models sme1,gf --coupling off --precision 0.1 --max-paths 60000)
# results.json without the wall time, the thread count and where the checkpoint lives
strip() { grep -v -e '"seconds"' -e '"threads"' -e '"checkpoint"' "$1"; }
same() { diff <(strip "$1") <(strip "$2") >/dev/null; }
# K for the kill tests: long enough (~1 s of CPU) to be caught midway.
K=(weak --problem double-well --lr 0.02,0.01 --T 2 --paths 20000 --models sme1,gf --coupling off --precision 0.05 --max-paths 120000)

"$S" "${A[@]}" --threads 1 --quiet --out "$TMP/t1"
"$S" "${A[@]}" --threads 2 --quiet --out "$TMP/t2"
check "--precision: 1 and 2 threads give identical results.json" same "$TMP/t1/results.json" "$TMP/t2/results.json"
check "results.json has the rounds" grep -q '"round_paths"' "$TMP/t1/results.json"
check "results.json gives each error's paths and status" grep -q '"status":' "$TMP/t1/results.json"
check "more than one round ran" bash -c "grep -A3 '\"rounds\":' $TMP/t1/results.json | grep -Eq '\"rounds\":[[:space:]]*([2-9]|[1-9][0-9])'"

# Uninterrupted with a checkpoint: the same numbers as without one.
"$S" "${K[@]}" --threads 2 --quiet --out "$TMP/plain"
"$S" "${K[@]}" --threads 2 --quiet --checkpoint "$TMP/full.ck" --out "$TMP/full"
check "a checkpoint does not change the numbers" same "$TMP/full/results.json" "$TMP/plain/results.json"
full_size=$(stat -c %s "$TMP/full.ck")
out=$("$S" "${K[@]}" --threads 2 --checkpoint "$TMP/full.ck" --out "$TMP/replay")
check "a finished checkpoint replays to the same numbers" same "$TMP/replay/results.json" "$TMP/full/results.json"
check "a finished checkpoint replays every ensemble" grep -q 'ensembles resumed' <<<"$out"

for t in 1 2; do
  ck="$TMP/kill$t.ck"
  "$S" "${K[@]}" --threads $t --quiet --checkpoint "$ck" --out "$TMP/killed$t" >/dev/null 2>&1 &
  pid=$!
  # kill -9 once about a third of the records are on disk
  while kill -0 $pid 2>/dev/null && [ "$(stat -c %s "$ck" 2>/dev/null || echo 0)" -lt $((full_size / 3)) ]; do sleep 0.01; done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  size=$(stat -c %s "$ck")
  check "threads $t: the run was killed midway ($size of $full_size bytes)" test "$size" -lt "$full_size"
  check "threads $t: the killed run wrote no results.json" test ! -e "$TMP/killed$t/results.json"
  out=$("$S" "${K[@]}" --threads $t --checkpoint "$ck" --out "$TMP/resumed$t")
  check "threads $t: the rerun resumed from the checkpoint" grep -Eq 'checkpoint .*: [1-9][0-9]* ensembles? resumed' <<<"$out"
  check "threads $t: resumed results equal the uninterrupted run" same "$TMP/resumed$t/results.json" "$TMP/full/results.json"
done

# A torn tail (a record half written when the machine stopped) is dropped and rewritten.
head -c $((full_size / 2 + 7)) "$TMP/full.ck" >"$TMP/torn.ck"
"$S" "${K[@]}" --threads 2 --quiet --checkpoint "$TMP/torn.ck" --out "$TMP/torn"
check "a torn checkpoint resumes to the same numbers" same "$TMP/torn/results.json" "$TMP/full/results.json"
check "the torn checkpoint is whole again" cmp -s "$TMP/torn.ck" "$TMP/full.ck"

# Other arguments or another version: refused, naming what differs.
expect_fail "checkpoint from other arguments" "--lr \"0.02,0.01\" in the checkpoint, \"0.02\" now" -- \
  "$S" weak --problem double-well --lr 0.02 --T 2 --paths 20000 --models sme1,gf --coupling off --precision 0.05 --max-paths 120000 \
  --checkpoint "$TMP/full.ck"
expect_fail "checkpoint from another seed" "--seed \"1\" in the checkpoint, \"2\" now" -- "$S" "${K[@]}" --seed 2 --checkpoint "$TMP/full.ck"
sed '2s/.*/version 0.0.1/' "$TMP/full.ck" >"$TMP/old.ck"
expect_fail "checkpoint from another version" "written by sgdlab 0.0.1" -- "$S" "${K[@]}" --checkpoint "$TMP/old.ck"
echo "not a checkpoint" >"$TMP/junk.ck"
expect_fail "a file that is no checkpoint" "not an sgdlab checkpoint" -- "$S" "${A[@]}" --checkpoint "$TMP/junk.ck"
check "a refused checkpoint is left alone" cmp -s "$TMP/junk.ck" <(echo "not a checkpoint")

# Flags that do not go together.
expect_fail "--floor without --precision" "only with --precision" -- "$S" weak --paths 100 --floor 0.01
expect_fail "--max-paths below one round" "--max-paths 50" -- "$S" weak --paths 100 --precision 0.1 --max-paths 50
expect_fail "--precision out of range" "--precision" -- "$S" weak --paths 100 --precision 0
expect_fail "--precision with --exact" "not --exact" -- "$S" weak --problem quadratic --H 1 --exact --precision 0.1
expect_fail "a learning rate listed twice" "listed twice" -- "$S" weak --lr 0.1,0.1 --paths 100 --precision 0.1
finish
