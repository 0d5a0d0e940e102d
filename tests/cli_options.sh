# Declared option ranges (sgdl_opt: min/max with open or closed ends, choices, list length,
# integers, the length bound on numbers): a value outside them, from a flag or from --config,
# exits with status 2 and a message naming the flag, the value and what is allowed; a value on
# the boundary is accepted; --help lists the ranges.
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

# --help shows the ranges and choices.
check "help shows the momentum range" bash -c "$S weak --help | grep -- '--momentum' | grep -qF '{in [0, 1)}'"
check "help shows the sampling choices" bash -c "$S npoint --help | grep -- '--sampling' | grep -qF '{one of with|without}'"
check "help shows the list bounds" bash -c "$S meanfield --help | grep -- '--lr ' | grep -qF 'each in (0, inf)'"

finish
