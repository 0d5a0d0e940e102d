# Distributed ensembles: `mpirun -np 2 sgdlab weak ...` gives bitwise the numbers of one process
# (ranks take disjoint chunks of replicas, statistics are merged in a fixed order), and only
# rank 0 writes. The same for every user of the lane-block driver (driver.h): exit's Monte Carlo,
# `stationary --simulate` and fpe's SGD ensemble, the last two under three ranks; a network (mlp) under three;
# a 3-rank `stationary --simulate --checkpoint` holds every rank's chunks (replayed by 1 and by 2 ranks).
# Skipped (counted as passed) when mpirun is not installed.
# ctest-label: mpi
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
if ! command -v mpirun >/dev/null; then
  echo "mpirun not installed: nothing to check"
  finish
  exit $?
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
ARGS=(weak --problem double-well --lr 0.2,0.1 --T 1 --paths 5000 --models sme1,smf2 --threads 1 --json)
mpirun -np 2 "$S" "${ARGS[@]}" --out "$TMP/mpi" >"$TMP/mpi.json" 2>"$TMP/mpi.err"
check "mpirun -np 2 succeeds ($(head -c 300 "$TMP/mpi.err"))" test -s "$TMP/mpi.json"
check "two ranks were used" grep -q '"mpi_ranks":[[:space:]]*2' "$TMP/mpi.json"
check "rank 0 printed the results once" test "$(grep -c '"command"' "$TMP/mpi.json")" -eq 1
check "rank 0 wrote results.json" test -s "$TMP/mpi/results.json"
"$S" "${ARGS[@]}" >"$TMP/one.json"
check "2 ranks and 1 process give identical numbers" bash -c "diff <(grep -v -e '\"seconds\"' -e '\"mpi_ranks\"' $TMP/mpi.json) <(grep -v -e '\"seconds\"' -e '\"mpi_ranks\"' $TMP/one.json) >/dev/null"
# The exit-time Monte Carlo too.
EARGS=(exit --problem double-well --lr 0.2 --sigma2 1 --from -1 --to 0.5 --methods quadrature,mc-sgd,mc-sme1 --paths 2000 --threads 1 --json)
mpirun -np 2 "$S" "${EARGS[@]}" >"$TMP/empi.json" 2>"$TMP/empi.err"
check "exit under mpirun used two ranks ($(head -c 300 "$TMP/empi.err"))" grep -q '"mpi_ranks":[[:space:]]*2' "$TMP/empi.json"
"$S" "${EARGS[@]}" >"$TMP/eone.json"
check "exit: 2 ranks and 1 process give identical numbers" bash -c "diff <(grep -v -e '\"seconds\"' -e '\"mpi_ranks\"' $TMP/empi.json) <(grep -v -e '\"seconds\"' -e '\"mpi_ranks\"' $TMP/eone.json) >/dev/null"
# One results.json against another, without the wall time and the rank count.
same_json() { diff <(grep -v -e '"seconds"' -e '"mpi_ranks"' "$1") <(grep -v -e '"seconds"' -e '"mpi_ranks"' "$2") >/dev/null; }
# stationary --simulate: per-replica time sums split over 3 ranks (700 replicas: a ragged last block).
SARGS=(stationary --H-eig 1 --C-eig 1 --algo sgd --lr 0.1 --simulate 2e4 --replicas 700 --seed 3 --threads 1 --quiet)
mpirun -np 3 "$S" "${SARGS[@]}" --out "$TMP/smpi" 2>"$TMP/smpi.err"
check "stationary --simulate under mpirun used three ranks ($(head -c 300 "$TMP/smpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/smpi/results.json"
check "stationary --simulate reported the simulation" grep -q '"simulated"' "$TMP/smpi/results.json"
"$S" "${SARGS[@]}" --out "$TMP/sone"
check "stationary --simulate: 3 ranks and 1 process give identical results.json" same_json "$TMP/smpi/results.json" "$TMP/sone/results.json"
# --checkpoint under 3 ranks: rank 0 appends every rank's completed chunks (gathered by the rank
# sum), so the file holds all 3 chunks: 1 process and 2 ranks replay all of them, append nothing,
# and give the same numbers.
# results.json without the wall time, the rank count and the checkpoint lines (trailing commas cut).
same_ck() { diff <(grep -v -e '"seconds"' -e '"mpi_ranks"' -e '"checkpoint' "$1" | sed 's/,$//') \
                 <(grep -v -e '"seconds"' -e '"mpi_ranks"' -e '"checkpoint' "$2" | sed 's/,$//') >/dev/null; }
mpirun -np 3 "$S" "${SARGS[@]}" --checkpoint "$TMP/s3.ck" --out "$TMP/sck3" 2>"$TMP/sck.err"
check "stationary --checkpoint under 3 ranks ($(head -c 300 "$TMP/sck.err"))" same_ck "$TMP/sck3/results.json" "$TMP/sone/results.json"
cp "$TMP/s3.ck" "$TMP/s3.before.ck"
"$S" "${SARGS[@]}" --checkpoint "$TMP/s3.ck" --out "$TMP/sck1"
check "1 process replays all 3 chunks of a 3-rank checkpoint" grep -Eq '"checkpoint_resumed_chunks":[[:space:]]*3,' "$TMP/sck1/results.json"
check "... to the same numbers" same_ck "$TMP/sck1/results.json" "$TMP/sone/results.json"
mpirun -np 2 "$S" "${SARGS[@]}" --checkpoint "$TMP/s3.ck" --out "$TMP/sck2" 2>>"$TMP/sck.err"
check "2 ranks replay all 3 chunks of a 3-rank checkpoint" grep -Eq '"checkpoint_resumed_chunks":[[:space:]]*3,' "$TMP/sck2/results.json"
check "... to the same numbers" same_ck "$TMP/sck2/results.json" "$TMP/sone/results.json"
check "the replays appended nothing" cmp -s "$TMP/s3.ck" "$TMP/s3.before.ck"
# fpe: its SGD histogram comes from the first-exit driver with no walls (final states over ranks).
FARGS=(fpe --problem double-well --lr 0.1 --sigma2 1 --x0 -1 --T 2 --grid 401 --paths 3000 --threads 1 --quiet)
mpirun -np 3 "$S" "${FARGS[@]}" --out "$TMP/fmpi" 2>"$TMP/fmpi.err"
check "fpe under mpirun used three ranks ($(head -c 300 "$TMP/fmpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/fmpi/results.json"
check "fpe reported the SGD ensemble" grep -q '"sgd_histogram"' "$TMP/fmpi/results.json"
"$S" "${FARGS[@]}" --out "$TMP/fone"
check "fpe: 3 ranks and 1 process give identical results.json" same_json "$TMP/fmpi/results.json" "$TMP/fone/results.json"
# weak --precision: the rounds' stopping decisions come from rank-summed statistics, so 3 ranks run
# the same rounds as 1 process; a checkpoint written under 3 ranks (by rank 0) replays to the same.
PARGS=(weak --problem double-well --lr 0.2,0.1 --T 1 --paths 3000 --models sme1,gf --coupling off --precision 0.1 --max-paths 30000 --threads 1 --quiet)
mpirun -np 3 "$S" "${PARGS[@]}" --checkpoint "$TMP/p.ck" --out "$TMP/pmpi" 2>"$TMP/pmpi.err"
check "weak --precision under mpirun used three ranks ($(head -c 300 "$TMP/pmpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/pmpi/results.json"
"$S" "${PARGS[@]}" --out "$TMP/pone"
same_rounds() { diff <(grep -v -e '"seconds"' -e '"mpi_ranks"' -e '"checkpoint"' "$1") <(grep -v -e '"seconds"' -e '"mpi_ranks"' -e '"checkpoint"' "$2") >/dev/null; }
check "weak --precision: 3 ranks and 1 process give identical results.json" same_rounds "$TMP/pmpi/results.json" "$TMP/pone/results.json"
mpirun -np 3 "$S" "${PARGS[@]}" --checkpoint "$TMP/p.ck" --out "$TMP/pres" 2>>"$TMP/pmpi.err"
check "weak --precision: a 3-rank checkpoint replays to the same numbers" same_rounds "$TMP/pres/results.json" "$TMP/pone/results.json"
# weak --problem mlp (README "Networks as problems"): a network's SME1, SMF2 (coupled to SGD by the
# flow's shared normals) and SVAG; 520 paths are three blocks of lanes, one per rank (the last ragged).
MARGS=(weak --problem mlp --data "$(cd "$(dirname "$0")/../data/mnist" && pwd)" --train 16 --test 8 --hidden 1 --act tanh
       --lr 0.2 --T 0.2 --paths 520 --models sme1,smf2,svag --svag-l 2 --observables test_loss,test_error
       --seed 5 --threads 1 --quiet)
mpirun -np 3 "$S" "${MARGS[@]}" --out "$TMP/mmpi" 2>"$TMP/mmpi.err"
check "weak --problem mlp under mpirun used three ranks ($(head -c 300 "$TMP/mmpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/mmpi/results.json"
"$S" "${MARGS[@]}" --out "$TMP/mone"
check "weak --problem mlp: 3 ranks and 1 process give identical results.json" same_json "$TMP/mmpi/results.json" "$TMP/mone/results.json"
finish
