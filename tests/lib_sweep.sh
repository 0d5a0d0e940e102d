# Helpers for the allocation sweeps (sourced by tests/cli_failalloc.sh and tests/leak_sweep.sh):
# the inputs and the list of small runs both sweep, the SWEEP_ONLY filter and the parallel loop
# over the allocation numbers. It does not run sgdlab itself, decide what a failed run must do or
# count results: each sweep script defines `sweep NAME ARGS...` and `run_one NAME K` for that.
# Needs TMP (a scratch folder) and SRC (the source tree, for data/mnist) set by the caller.

# sweep_inputs: $TMP/data.csv (a five-row CSV for npoint) and $TMP/nobin (an empty folder: a PATH
# without gnuplot, as a plot is a child process whose files are the same either way).
sweep_inputs() {
  printf 'x1,x2,y\n0,1,1\n1,0,0\n1,1,1\n0,0,0\n2,1,1\n' >"$TMP/data.csv"
  mkdir -p "$TMP/nobin"
}

# sweep_skipped NAME ONLY: true when ONLY (a space-separated list of command names) is set and
# does not name NAME. Otherwise writes NAME's arguments (the rest, NUL-separated) to $TMP/NAME.args
# for run_one to read back.
sweep_skipped() {
  local name=$1 only=$2
  shift 2
  if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then return 0; fi
  printf '%s\0' "$@" >"$TMP/$name.args"
  return 1
}

# sweep_each NAME N STRIDE JOBS: run_one NAME K for K = 1, 1 + STRIDE, ... <= N, JOBS at a time
# (run_one must be exported); prints what the runs print.
sweep_each() {
  seq 1 "$3" "$2" | xargs -P "$4" -I{} bash -c 'run_one "$0" "$1"' "$1" {}
}

# sweep_all: `sweep NAME ARGS...` for each command's run, as small as still takes every code path
# of the command (one learning rate, a few paths); ARGS without --out.
sweep_all() {
  local mnist=$SRC/data/mnist
  sweep weak weak --problem double-well --T 0.1 --lr 0.1 --models sme1 --paths 8 --quiet
  sweep npoint npoint --problem linreg --data "$TMP/data.csv" --starts "0,0;1,1" --lr 0.1 --T 0.1 --paths 8 --quiet
  sweep stationary stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0.3;0.3,0.5" --lr 0.2 --simulate 64 --replicas 4 --burn 4 --quiet
  sweep fpe fpe --problem double-well --lr 0.1 --x0 -1 --T 0.2 --grid 71 --paths 8 --quiet
  sweep exit exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 0 --methods quadrature,kramers,mc-sgd --paths 8 --quiet
  sweep train train --data "$mnist" --train 20 --test 10 --hidden 2 --epochs 1 --quiet
  sweep meanfield meanfield --neurons 2 --gen-n 4 --paths 8 --lr 0.1 --T 0.1 --quiet
  sweep meanfield_rounds meanfield --neurons 2 --gen-n 4 --lr 0.1 --T 0.1 --max-paths 2e4 --quiet # default rounds, pairs
}
