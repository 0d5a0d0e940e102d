# Defects from the reliability issue, each checked from the command line:
#  1. work and memory estimates: runs that cannot fit in memory or finish are refused before any
#     work, naming the flag and the figure; results.json records "estimate";
#  2. a diverged training run (loss far above its start, not only NaN) exits non-zero naming the
#     step and the learning rate;
#  3. train --geometry gives bitwise the same geometry figures on 1 and 2 threads;
#  4. messages that name the flag or file and what was wrong (folders, devices, config types,
#     a far --x0, vanishing noise at a minimum, negative --burn, a full disk).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$SGDL_SRC/data/mnist
PY=/usr/bin/python3

# ---- 1. estimates
expect_fail "weak: memory of a huge horizon" "of chunk statistics and series; this machine has" -- \
  $S weak --T 1e6 --lr 0.01 --quiet
expect_fail "weak: the memory names --T and --lr" "--T 1e+06 at --lr 0.01" -- $S weak --T 1e6 --lr 0.01 --quiet
expect_fail "generated data too large" "--gen-n 1000000000 x --gen-d 1000000 needs" -- \
  $S weak --problem linreg --gen-n 1e9 --gen-d 1e6 --quiet
expect_fail "meanfield --gen-d refused before generating" "--gen-d 1000000 with --neurons 10" -- \
  timeout 20 $S meanfield --neurons 10 --gen-n 16 --gen-d 1e6 --quiet # the network of the former default
expect_fail "stationary --simulate 1e15 refused" "--simulate 1000000000000000" -- \
  timeout 20 $S stationary --problem quadratic --H 1 --simulate 1e15 --quiet
expect_fail "exit: huge Monte Carlo horizon refused" "--paths 100000 x --max-steps" -- \
  timeout 20 $S exit --methods mc-sgd --paths 1e5 --max-steps 1e12 --quiet
check "a long run prints its estimate first" bash -c \
  "timeout 2 $S weak --paths 4294967295 --max-hours 1000 2>&1 >/dev/null | grep -q 'this run needs about .* path-steps.* on this machine'"
expect_ok "weak with an estimate" -- $S weak --paths 1000 --out "$TMP/w" --quiet
check "results.json has estimate" $PY -c "
import json, sys; e = json.load(open('$TMP/w/results.json'))['estimate']
sys.exit(0 if e['bytes'] > 0 and e['path_steps'] > 1e5 and 'seconds' in e else 1)"
check "the summary has one estimate line" bash -c "$S weak --paths 1000 | grep -c '^estimate: about' | grep -qx 1"
expect_ok "fpe estimate" -- $S fpe --T 2 --paths 1000 --out "$TMP/f" --quiet
check "fpe results.json has cell_steps" $PY -c "
import json, sys; e = json.load(open('$TMP/f/results.json'))['estimate']
sys.exit(0 if e['cell_steps'] >= 1000 and e['path_steps'] == 1000 * 20 else 1)"

check "train records its estimate" bash -c \
  "$S train --data $MNIST --train 500 --test 200 --hidden 8 --epochs 1 --json | grep -q '\"estimate\"'"

# ---- 2. divergence of training
expect_fail "train --lr 10 diverges" "--lr 10: training diverged by step" -- \
  $S train --data "$MNIST" --train 2000 --test 500 --hidden 32 --epochs 1 --lr 10 --quiet
expect_ok "train --lr 0.02 does not" -- $S train --data "$MNIST" --train 2000 --test 500 --hidden 32 --epochs 2 --quiet

# ---- 3. geometry: bitwise equal on 1 and 2 threads
G="--data $MNIST --train 1000 --test 200 --hidden 16 --epochs 1 --batch 8 --geometry 3 --geometry-steps 400 --quiet"
expect_ok "geometry, 1 thread" -- $S train $G --threads 1 --out "$TMP/g1"
expect_ok "geometry, 2 threads" -- $S train $G --threads 2 --out "$TMP/g2"
check "geometry fields bitwise equal for 1 and 2 threads" $PY -c "
import json, sys
a, b = (json.load(open('$TMP/%s/results.json' % d))['geometry'] for d in ('g1', 'g2'))
def walk(x, y, path):
    if isinstance(x, dict):
        return sum((walk(x[k], y.get(k), path + '.' + k) for k in x if 'second' not in k), [])
    if isinstance(x, list):
        return sum((walk(u, v, path + '[%d]' % i) for i, (u, v) in enumerate(zip(x, y))), []) if len(x) == len(y) else [path]
    return [] if x == y else [path]
bad = walk(a, b, 'geometry')
print(len(bad), 'fields differ:', bad[:5]) if bad else None
sys.exit(1 if bad else 0)"

# ---- 4. messages
expect_fail "--config given a folder" "--config $TMP: is a folder, not a file" -- $S weak --config "$TMP" --quiet
expect_fail "--H @folder" "--H $TMP: is a folder, not a file" -- $S weak --problem quadratic --H "@$TMP" --quiet
expect_fail "--data /dev/zero" "--data /dev/zero: is not a regular file" -- timeout 20 $S weak --problem linreg --data /dev/zero --quiet
echo '{"paths": true}' >"$TMP/bool.json"
expect_fail "config boolean for a number" "--config $TMP/bool.json: key \"paths\" is true, but --paths takes a number" -- \
  $S weak --config "$TMP/bool.json" --quiet
expect_fail "fpe --x0 far away names --x0" "--x0 100 (far from the minimum" -- timeout 30 $S fpe --x0 100 --quiet
expect_fail "exit on degenerate: the noise vanishes" "the gradient noise vanishes at the minimum" -- \
  timeout 30 $S exit --problem degenerate --quiet
expect_fail "stationary --burn -1" "--burn: -1 is outside [0, inf)" -- \
  $S stationary --problem quadratic --H 1 --simulate 1e4 --burn -1 --quiet
# results.json cannot be written (here: a folder of that name, which the output set must not replace)
mkdir -p "$TMP/full/results.json/x"
expect_fail "a failed results.json names the command" "sgdlab weak: error:" -- $S weak --paths 100 --out "$TMP/full" --quiet

finish
