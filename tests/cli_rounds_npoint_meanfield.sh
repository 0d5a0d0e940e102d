# npoint and meanfield --precision from the command line (study_rounds.h), small sizes:
#  - 1 and 2 threads give identical results.json (but the wall time and thread count);
#  - with mpirun installed, 3 ranks and 1 process give identical results.json (but wall time and
#    rank count); without it that half is skipped (counted as passed).
# npoint runs SGD with shared samples and SMF1 with shared flow noise; cov[0,1] is jackknifed over
# the merged rounds' chunks. meanfield runs GF and SMF2 (the flow noise as one lane pass).
# ctest-label: mpi
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
NP=(npoint --problem linreg --gen-n 16 --gen-d 1 --starts "1;-1" --lr 0.25 --T 1 --models gf,smf1 --observables dist2,dot,cov
    --paths 200 --precision 0.3 --floor 0.05 --max-paths 1000 --quiet) # a round of 200 is one chunk
MF=(meanfield --neurons 3 --gen-n 6 --lr 0.4,0.2 --T 0.8 --models gf,smf2 --paths 300 --precision 0.3 --floor 0.05
    --max-paths 1500 --quiet)
same() { diff <(grep -v -e '"seconds"' -e '"threads"' -e '"mpi_ranks"' "$1") <(grep -v -e '"seconds"' -e '"threads"' -e '"mpi_ranks"' "$2") >/dev/null; }
for c in np mf; do
  if [ $c = np ]; then A=("${NP[@]}"); else A=("${MF[@]}"); fi
  "$S" "${A[@]}" --threads 1 --out "$TMP/${c}1"
  "$S" "${A[@]}" --threads 2 --out "$TMP/${c}2"
  check "${A[0]} --precision: 1 and 2 threads give identical results.json" same "$TMP/${c}1/results.json" "$TMP/${c}2/results.json"
  check "${A[0]} --precision: more than one round ran" bash -c "grep -A3 '\"rounds\":' $TMP/${c}1/results.json | grep -Eq '\"rounds\":[[:space:]]*([2-9]|[1-9][0-9])'"
  # the last two columns are ci95_hi and resolved: an upper end of 0 or NaN is an interval without a standard error
  check "${A[0]} --precision: every error has a positive finite upper end" bash -c "! grep -Eq ',(0|nan|-?inf),[01]\$' $TMP/${c}1/weak_errors.csv"
  
  if command -v mpirun >/dev/null; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    mpirun -np 3 "$S" "${A[@]}" --threads 1 --out "$TMP/${c}mpi" 2>"$TMP/${c}mpi.err"
    check "${A[0]} --precision under mpirun used three ranks ($(head -c 300 "$TMP/${c}mpi.err"))" grep -q '"mpi_ranks":[[:space:]]*3' "$TMP/${c}mpi/results.json"
    check "${A[0]} --precision: 3 ranks and 1 process give identical results.json" same "$TMP/${c}mpi/results.json" "$TMP/${c}1/results.json"
  fi
done
finish
