# sgdlab weak / npoint with --problem mlp (a network on IDX images as the problem): bad input
# names the flag or file; a weights file of another architecture names the file and both shapes;
# a small run gives the network observables, and --init starts from the trained weights.
# The README's timed example is tests/cli_mlp_weak.sh (slow).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$(cd "$(dirname "$0")/../data/mnist" && pwd)
SMALL=(--problem mlp --data "$MNIST" --train 32 --test 32 --hidden 4 --lr 0.1 --T 0.2 --paths 8)

expect_fail "mlp without data" "--data" -- $S weak --problem mlp
expect_fail "mlp bad activation" "--act" -- $S weak "${SMALL[@]}" --act swish
expect_fail "mlp bad loss" "--loss" -- $S weak "${SMALL[@]}" --loss hinge
expect_fail "mlp bad hidden" "--hidden" -- $S weak "${SMALL[@]}" --hidden 4,x
expect_fail "mlp unknown observable lists the network's" "test_error" -- $S weak "${SMALL[@]}" --observables nosuch
expect_fail "mlp missing init file" "nofile.bin" -- $S weak "${SMALL[@]}" --init "$TMP/nofile.bin"

# a weights file from sgdlab train: other architecture -> error with the file and both shapes
expect_ok "train a tiny network" -- $S train --data "$MNIST" --train 64 --test 32 --hidden 6 --act tanh --epochs 1 \
  --save "$TMP/w.bin" --quiet
expect_fail "init of another architecture" "784-6-10 tanh" -- $S weak "${SMALL[@]}" --init "$TMP/w.bin" --hidden 4
err=$($S weak "${SMALL[@]}" --init "$TMP/w.bin" --hidden 4 2>&1 >/dev/null)
check "mismatch names the file and the asked shape" grep -qF "$TMP/w.bin holds a 784-6-10 tanh network but --data/--hidden/--act ask for 784-4-10 tanh" <<<"$err"

# small runs: the network observables, a ReLU warning for smf2, --init with the file's layers
expect_ok "mlp weak small" -- $S weak "${SMALL[@]}" --models sme1 --observables loss,test_loss,test_error,grad_norm2,dist2_init \
  --out "$TMP/w1" --quiet
check "results.json written" test -s "$TMP/w1/results.json"
check "test_error in results" grep -q '"test_error"' "$TMP/w1/results.json"
err=$($S weak "${SMALL[@]}" --act relu --models smf2 --paths 4 --observables loss 2>&1 >/dev/null)
check "relu + smf2 warns" grep -qF "warning: --models smf2: ReLU" <<<"$err"
expect_ok "mlp from --init (layers from the file)" -- $S weak --problem mlp --data "$MNIST" --train 32 --test 32 \
  --init "$TMP/w.bin" --lr 0.1 --T 0.2 --paths 8 --models sme1 --observables test_error,dist2_init --quiet
expect_ok "mlp npoint" -- $S npoint "${SMALL[@]}" --loss mse --act softplus --models smf1 --observables loss --quiet
expect_ok "mlp weak, float32 kernels" -- $S weak "${SMALL[@]}" --models sme1 --observables loss,test_error --dtype float32 \
  --out "$TMP/w32" --quiet
check "float32 in the problem and params" grep -q '"dtype":[[:space:]]*"float32"' "$TMP/w32/results.json"
check "float32 in the problem line" grep -q 'float32)' "$TMP/w32/results.json"
check "no dtype recorded when not given" bash -c "! grep -q '\"dtype\"' $TMP/w1/results.json"
expect_fail "unknown dtype (mlp)" "--dtype" -- $S weak "${SMALL[@]}" --dtype float8
finish
