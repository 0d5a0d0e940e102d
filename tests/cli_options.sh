# Declared option ranges (sgdl_opt: min/max with open or closed ends, choices, list length,
# integers, the length bound on numbers): a value outside them, from a flag or from --config,
# exits with status 2 and a message naming the flag, the value and what is allowed; a value on
# the boundary is accepted; --help lists the ranges. Every command's table is exercised (weak,
# npoint, meanfield, stationary, exit, fpe, train).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB

# expect_usage "description" "message substring" -- command...
# Like expect_fail, but the exit status must be 2 (usage error).
expect_usage() {
  local what=$1 needle=$2
  shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 2 ]; then bad "$what: exit $rc (expected 2): $err"; return; fi
  if ! grep -qF -- "$needle" <<<"$err"; then bad "$what: message lacks '$needle': $err"; return; fi
  ok
}

Q="--problem quadratic --H 1 --exact --lr 0.1,0.05"  # a fast valid run to vary one flag in
LONG=1$(printf '0%.0s' $(seq 1 129))                 # 130 characters

# Out of range: the flag, the value and the interval with its open/closed ends.
expect_usage "momentum at the open end" "--momentum: 1 is outside [0, 1)" -- $S weak $Q --momentum 1
expect_usage "negative momentum" "--momentum: -0.1 is outside [0, 1)" -- $S npoint $Q --momentum -0.1
expect_usage "zero lr item" "--lr: 0 (item 2) is outside (0, inf)" -- $S weak $Q --lr 0.1,0
expect_usage "seed too large" "--seed: 4294967296 is outside [0, 4294967295]" -- $S weak $Q --seed 4294967296
expect_usage "paths below 2" "--paths: 1 is outside [2, 4294967295]" -- $S weak --paths 1
expect_usage "batch 0" "--batch: 0 is outside [1, 1000000]" -- $S weak $Q --batch 0
expect_usage "negative sigma2" "--sigma2: -1 is outside [0, inf)" -- $S weak $Q --sigma2 -1
expect_usage "neurons too many" "--neurons: 4097 is outside [1, 4096]" -- $S meanfield --neurons 4097
expect_usage "substeps 0" "--substeps: 0 is outside [1, 100000]" -- $S weak --substeps 0
expect_usage "lambda 0" "--lambda: 0 is outside (0, inf)" -- $S weak --algo hb --lambda 0
expect_usage "T 0" "--T: 0 is outside (0, inf)" -- $S weak $Q --T 0
expect_usage "non-integer paths" "--paths: '2.5' is not an integer" -- $S weak --paths 2.5

# Choices.
expect_usage "bad sampling" "--sampling: 'sometimes' is not one of with|without" -- $S weak $Q --sampling sometimes
expect_usage "bad scheme" "--scheme: 'rk4' is not one of auto|em|heun|tt" -- $S npoint --scheme rk4
expect_usage "bad algo" "--algo: 'adam' is not one of sgd|hb|nag" -- $S weak --algo adam
expect_usage "bad coupling" "--coupling: 'maybe'" -- $S meanfield --coupling maybe
expect_usage "bad initial layer" "--initial-layer: 'yes' is not one of on|off" -- $S weak --initial-layer yes

# Too long: list items and numbers are refused, not cut (this read as 1e126 once).
expect_usage "long lr item" "--lr: item 2" -- $S weak $Q --lr "0.1,$LONG"
expect_usage "long C-eig item" "--C-eig: item 1" -- $S stationary --H-eig 1,1 --C-eig "$LONG,1"
expect_usage "long number" "--T: '1000" -- $S weak $Q --T "$LONG"
expect_usage "empty lr list" "--lr: empty list" -- $S weak $Q --lr ""

# --config values are checked the same way.
echo '{"momentum": 1}' >"$TMP/mu.json"
expect_usage "momentum from --config" "--momentum: 1 is outside [0, 1)" -- $S weak $Q --config "$TMP/mu.json"
echo '{"lr": [0.1, -0.5]}' >"$TMP/lr.json"
expect_usage "lr list from --config" "--lr: -0.5 (item 2) is outside (0, inf)" -- $S weak --problem quadratic --H 1 --exact --config "$TMP/lr.json"
echo '{"sampling": "sometimes"}' >"$TMP/s.json"
expect_usage "sampling from --config" "--sampling: 'sometimes'" -- $S weak $Q --config "$TMP/s.json"
# ... and a flag still overrides a bad --config value.
expect_ok "flag overrides --config" -- $S weak $Q --config "$TMP/mu.json" --momentum 0.5

# Boundary values are accepted (closed ends), and so is a value just inside an open end.
expect_ok "closed ends" -- $S weak $Q --momentum 0 --seed 4294967295 --sigma2 0 --neurons 4096 --gen-noise 0 --threads 0
expect_ok "just inside the open end" -- $S weak --problem quadratic --H 1 --lr 0.1 --T 0.2 --paths 2 --algo hb --models msme1 --momentum 0.999999
expect_ok "batch and substeps bounds" -- $S weak $Q --batch 1 --substeps 100000 --sampling without
expect_ok "paths = 2" -- $S weak --problem quadratic --H 1 --lr 0.1 --T 0.2 --paths 2 --models gf
expect_ok "127-character number" -- $S weak $Q --T "1.$(printf '0%.0s' $(seq 1 125))"

# The same declarations in stationary, exit, fpe and train (their tables; no hand-written checks).
MNIST=$SGDL_SRC/data/mnist
expect_usage "stationary batch 0" "--batch: 0 is outside [1, 1000000000]" -- $S stationary --H-eig 1 --batch 0
expect_usage "stationary negative damping" "--damping: -1 is outside [0, inf)" -- $S stationary --H-eig 1 --algo newton --damping -1
expect_usage "stationary replicas 1" "--replicas: 1 is outside [2, inf)" -- $S stationary --H-eig 1 --simulate 100 --replicas 1
expect_usage "stationary bad algo" "--algo: 'rmsprop' is not one of sgd|hb|nag|adam|newton|ngd" -- $S stationary --H-eig 1 --algo rmsprop
expect_usage "stationary bad sampling" "--sampling: 'maybe' is not one of with|without" -- $S stationary --H-eig 1 --sampling maybe
expect_usage "exit coord 3" "--coord: 3 is outside [1, 2]" -- $S exit --coord 3
expect_usage "exit paths 1" "--paths: 1 is outside [2, 10000000000]" -- $S exit --paths 1
expect_usage "exit negative max-steps" "--max-steps: -1 is outside [0, inf)" -- $S exit --max-steps -1
expect_usage "exit bad model" "--model: 'sme3' is not one of sme1|sme2" -- $S exit --model sme3
expect_usage "exit three grid items" "--grid: '400,400,400' has 3 items; allowed: 1 to 2 items" -- $S exit --grid 400,400,400
expect_usage "exit three start coordinates" "--from: '-1,0,0' has 3 items" -- $S exit --from -1,0,0
expect_usage "exit grid below 3" "--grid: 2 (item 1) is outside [3, 10000000]" -- $S exit --grid 2
expect_usage "exit fractional grid" "--grid: '400.5' (item 1) is not an integer" -- $S exit --grid 400.5
expect_usage "fpe T 0" "--T: 0 is outside (0, inf)" -- $S fpe --T 0
expect_usage "fpe snapshots 51" "--snapshots: 51 is outside [1, 50]" -- $S fpe --snapshots 51
expect_usage "fpe negative noisy" "--noisy: -0.5 is outside [0, inf)" -- $S fpe --noisy -0.5
expect_usage "fpe bad model" "--model: 'sme3' is not one of sme1|sme2" -- $S fpe --model sme3
expect_usage "fpe three grid items" "--grid: '100,100,100' has 3 items; allowed: 1 to 2 items" -- $S fpe --grid 100,100,100
expect_usage "fpe three x0 items" "--x0: '1,2,3' has 3 items" -- $S fpe --x0 1,2,3
expect_usage "fpe paths 1 (0 or at least 2)" "--paths: need at least 2 (or 0 to skip)" -- $S fpe --paths 1
expect_usage "train batch 0" "--batch: 0 is outside [1, 1048576]" -- $S train --data "$MNIST" --batch 0
expect_usage "train geometry-tol 1" "--geometry-tol: 1 is outside (0, 1)" -- $S train --data "$MNIST" --geometry-tol 1
expect_usage "train train -2" "--train: -2 is outside [-1, 2147483648]" -- $S train --data "$MNIST" --train -2
expect_usage "train eps 0" "--eps: 0 is outside (0, inf)" -- $S train --data "$MNIST" --algo adam --eps 0
expect_usage "train bad act" "--act: 'swish' is not one of relu|tanh|sigmoid" -- $S train --data "$MNIST" --act swish
expect_usage "train bad algo" "--algo: 'rmsprop' is not one of sgd|hb|nag|adam" -- $S train --data "$MNIST" --algo rmsprop
echo '{"snapshots": 0}' >"$TMP/snap.json"
expect_usage "fpe snapshots from --config" "--snapshots: 0 is outside [1, 50]" -- $S fpe --config "$TMP/snap.json"
# ... and their boundary values are accepted.
expect_ok "stationary closed ends" -- $S stationary --H-eig 1 --algo hb --momentum 0 --damping 0 --eps 0 --noise 0 --beta1 0 --beta2 0 \
  --simulate 4 --replicas 2 --burn 0 --steps 0 --bayes-n 1 --quiet
expect_ok "stationary batch = N without replacement" -- $S stationary --problem linreg --gen-n 8 --batch 8 --sampling without --lr 0.01 --quiet
expect_ok "exit paths 2, substeps 1, max-steps 0" -- $S exit --methods mc-sgd,mc-sme1 --paths 2 --substeps 1 --max-steps 0 --noisy 0 --quiet
expect_ok "exit two start coordinates, coord 2" -- $S exit --problem double-well-2d --from -1,0 --coord 2 --to 0.5 --methods kramers --quiet
expect_ok "exit substeps 100000" -- $S exit --grid 401 --substeps 100000 --methods pde --quiet
expect_ok "fpe snapshots 50, paths 0" -- $S fpe --T 0.1 --snapshots 50 --paths 0 --grid 201 --quiet
expect_ok "fpe paths 2, snapshots 1" -- $S fpe --T 0.2 --paths 2 --snapshots 1 --grid 201 --quiet
expect_ok "fpe two grid items" -- $S fpe --problem double-well-2d --x0 -1,0 --grid 81,81 --stationary --quiet
expect_ok "train closed ends" -- $S train --data "$MNIST" --train 1000 --test 300 --hidden 8 --epochs 0 --geometry 0 \
  --geometry-tol 0.999999 --momentum 0 --beta1 0 --beta2 0 --algo hb --batch 1 --quiet

# --help shows the ranges and choices.
check "help shows the momentum range" bash -c "$S weak --help | grep -- '--momentum' | grep -qF '{in [0, 1)}'"
check "help shows the sampling choices" bash -c "$S npoint --help | grep -- '--sampling' | grep -qF '{one of with|without}'"
check "help shows the list bounds" bash -c "$S meanfield --help | grep -- '--lr ' | grep -qF 'each in (0, inf)'"
check "help shows the grid bounds" bash -c "$S exit --help | grep -- '--grid' | grep -qF '{1 to 2 items, each an integer in [3, 10000000]}'"
check "help shows the train choices" bash -c "$S train --help | grep -- '--act' | grep -qF '{one of relu|tanh|sigmoid}'"

finish
