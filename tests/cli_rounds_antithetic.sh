# --variance-reduction antithetic with --precision (study in rounds of antithetic pairs, study_rounds.h):
#  - the run is accepted, takes more than one round, and records its rounds and variance reduction;
#  - 1 and 2 threads give identical results.json (but the wall time and thread count);
#  - a --checkpoint rerun resumes every ensemble and gives the same results.json;
#  - with mpirun installed, 3 ranks and 1 process give identical results.json (but wall time and
#    rank count); without it that half is skipped (counted as passed);
#  - an odd --paths is refused, naming the flag.
# weak on linreg: GF coupled to SGD (pair differences) and SME1 against SGD's own antithetic ensemble.
# ctest-label: mpi
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
A=(weak --problem linreg --gen-n 16 --gen-d 2 --x0 1,-0.5 --lr 0.25,0.125 --T 1 --models gf,sme1 --observables x0,x0^2
   --paths 400 --precision 0.3 --floor 0.02 --max-paths 3200 --variance-reduction antithetic)
# results.json without the wall time, the thread and rank counts and where the checkpoint lives
strip() { grep -v -e '"seconds"' -e '"threads"' -e '"mpi_ranks"' -e '"checkpoint"' "$1"; }
same() { diff <(strip "$1") <(strip "$2") >/dev/null; }
expect_ok "antithetic rounds, 1 thread" -- "$S" "${A[@]}" --quiet --threads 1 --out "$TMP/t1"
expect_ok "antithetic rounds, 2 threads" -- "$S" "${A[@]}" --quiet --threads 2 --out "$TMP/t2"
check "antithetic --precision: 1 and 2 threads give identical results.json" same "$TMP/t1/results.json" "$TMP/t2/results.json"
check "antithetic --precision: results.json records antithetic" grep -q '"variance_reduction":[[:space:]]*"antithetic"' "$TMP/t1/results.json"
check "antithetic --precision: more than one round ran" bash -c "grep -A3 '\"rounds\":' $TMP/t1/results.json | grep -Eq '\"rounds\":[[:space:]]*([2-9]|[1-9][0-9])'"
check "antithetic --precision: every error has a status" bash -c "[ \$(grep -Ec '\"status\":[[:space:]]*\"(precise|below-floor|unresolved)\"' $TMP/t1/results.json) -eq 8 ]"
expect_ok "antithetic rounds with a checkpoint" -- "$S" "${A[@]}" --quiet --checkpoint "$TMP/ck" --out "$TMP/c1"
check "antithetic checkpoint run: same results.json as without" same "$TMP/c1/results.json" "$TMP/t1/results.json"
out=$("$S" "${A[@]}" --checkpoint "$TMP/ck" --out "$TMP/c2" 2>&1)
check "antithetic checkpoint rerun resumes its ensembles ($(grep checkpoint <<<"$out"))" bash -c "grep -Eq 'checkpoint .*: [1-9][0-9]* ensembles? resumed' <<<'$out'"
check "antithetic checkpoint rerun: same results.json" same "$TMP/c2/results.json" "$TMP/t1/results.json"
if command -v mpirun >/dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  mpirun -np 3 "$S" "${A[@]}" --quiet --threads 1 --out "$TMP/mpi" 2>"$TMP/mpi.err"
  check "antithetic --precision under mpirun used three ranks ($(head -c 300 "$TMP/mpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/mpi/results.json"
  check "antithetic --precision: 3 ranks and 1 process give identical results.json" same "$TMP/mpi/results.json" "$TMP/t1/results.json"
fi
expect_fail "antithetic rounds need even --paths" "runs pairs, an even number" -- "$S" "${A[@]}" --paths 401
finish
