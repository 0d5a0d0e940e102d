# sgdlab exit and stationary --simulate on a network (--problem mlp, hidden 4, 64 examples), from the
# weights of `sgdlab train --save`:
#   exit: --radius (|x - x_start| >= R) and --loss-level (training loss >= level) neighbourhoods, Monte
#   Carlo only; bad input names the flag; bitwise identical results with 1 and 2 threads; the exit
#   comes sooner at a larger learning rate (the drift and the noise both grow with lr);
#   stationary: the geometry prediction of 1/2 tr(H Sigma) beside the simulated one (finite, positive,
#   same order), NSR in results.json; bitwise identical with 1 and 2 threads; the noise felt at the
#   chains' snapshots and the split of the simulated excess (equal-time spread + common drift) reported;
#   --checkpoint: with it, replayed, and resumed from a cut file, the numbers of the plain run.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$(cd "$(dirname "$0")/../data/mnist" && pwd)
NET=(--problem mlp --data "$MNIST" --train 64 --test 32)
expect_ok "train the tiny network" -- $S train --data "$MNIST" --train 64 --test 32 --hidden 4 --act tanh --epochs 30 --lr 0.1 \
  --batch 4 --save "$TMP/w.bin" --quiet --threads 2
W=(--init "$TMP/w.bin")

expect_fail "network exit needs a neighbourhood" "--radius" -- $S exit "${NET[@]}" "${W[@]}"
expect_fail "radius and loss level exclude each other" "exclude" -- $S exit "${NET[@]}" "${W[@]}" --radius 1 --loss-level 1
expect_fail "radius must be positive" "--radius" -- $S exit "${NET[@]}" "${W[@]}" --radius -1
expect_fail "no pde on a network" "Monte Carlo" -- $S exit "${NET[@]}" "${W[@]}" --radius 1 --methods pde
expect_fail "loss level below the start" "--loss-level" -- $S exit "${NET[@]}" "${W[@]}" --loss-level 1e-9 --paths 4
expect_fail "no --from on a network" "--from" -- $S exit "${NET[@]}" "${W[@]}" --radius 1 --from 1,2

for t in 1 2; do
  $S exit "${NET[@]}" "${W[@]}" --lr-scan 0.05:0.2:2 --batch 4 --radius 0.5 --paths 32 --threads $t --json --quiet >"$TMP/e$t.json"
done
check "exit radius: 1 and 2 threads bitwise" bash -c "diff <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/e1.json) <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/e2.json) >/dev/null"
check "exit radius: sooner at the larger lr, nothing censored, NSR recorded" /usr/bin/python3 -c "
import json; r = json.load(open('$TMP/e1.json')); p = r['lr_scan']
a, b = (q['methods']['mc-sgd'] for q in p)
assert a['censored'] == 0 and b['censored'] == 0 and b['mean_exit_steps'] < a['mean_exit_steps'], (a, b)
assert r['noise_to_signal']['nsr'] > 0"
expect_ok "exit loss level (mc-sgd, mc-sme1)" -- $S exit "${NET[@]}" "${W[@]}" --lr 0.2 --batch 4 --loss-level 0.5 --paths 8 \
  --methods mc-sgd,mc-sme1 --max-steps 400 --out "$TMP/el" --quiet
check "exit loss level: neighbourhood in results.json" grep -q '"loss_level"' "$TMP/el/results.json"

for t in 1 2; do
  $S stationary "${NET[@]}" "${W[@]}" --lr 0.05 --batch 4 --geometry 3 --simulate 4000 --replicas 8 --burn 200 --threads $t \
    --json >"$TMP/s$t.json"
done
check "stationary mlp: 1 and 2 threads bitwise" bash -c "diff <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/s1.json) <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/s2.json) >/dev/null"
check "stationary mlp: prediction and simulation of the same order" /usr/bin/python3 -c "
import json; r = json.load(open('$TMP/s1.json')); x = r['excess_loss']
assert x['simulated'] > 0 and x['simulated_se'] > 0 and 0.2 < x['sme1'] / x['simulated'] < 5, x
assert len(r['hessian_eigenvalues']) == 3 and r['noise_to_signal']['b_star'] > 0"
check "stationary mlp: the noise the chains felt and the split of the simulated excess" /usr/bin/python3 -c "
import json; r = json.load(open('$TMP/s1.json')); x = r['excess_loss']; s = r['simulated']
assert len(s['noise_felt']) == 3 and min(s['noise_felt']) > 0 and s['noise_felt_snapshots_per_replica'] == 8, s
assert x['discrete_felt'] > 0 and x['discrete_felt_se'] > 0 and x['simulated_equal_time'] > 0, x
assert 0.2 < (x['simulated_equal_time'] + x['simulated_drift']) / x['simulated'] < 5, x"
expect_fail "stationary mlp: only sgd" "--algo" -- $S stationary "${NET[@]}" "${W[@]}" --algo adam

# --checkpoint on a network (784-1-10, 512 replicas: two chunks of lanes): with it, replayed from the
# finished file, and resumed from a file cut at 70 %, the numbers (noise felt included) are the plain run's
expect_ok "train a one-unit network" -- $S train --data "$MNIST" --train 64 --test 32 --hidden 1 --act tanh --epochs 30 --lr 0.1 \
  --batch 4 --save "$TMP/w1.bin" --quiet --threads 2
CK=(stationary "${NET[@]}" --init "$TMP/w1.bin" --lr 0.05 --batch 4 --geometry 2 --simulate 10240 --replicas 512 --burn 50 --json)
$S "${CK[@]}" >"$TMP/ck_plain.json"
$S "${CK[@]}" --checkpoint "$TMP/net.ck" >"$TMP/ck_full.json"
$S "${CK[@]}" --checkpoint "$TMP/net.ck" --threads 1 >"$TMP/ck_replay.json"
head -c $(($(stat -c %s "$TMP/net.ck") * 7 / 10)) "$TMP/net.ck" >"$TMP/net_cut.ck"
$S "${CK[@]}" --checkpoint "$TMP/net_cut.ck" >"$TMP/ck_cut.json"
rm -f "$TMP/net.ck" "$TMP/net_cut.ck"
for f in full replay cut; do
  check "stationary mlp --checkpoint ($f): the plain run's numbers" bash -c "diff <(grep -v -e '\"seconds\"' -e '\"threads\"' -e '\"checkpoint' $TMP/ck_plain.json | sed 's/,\$//') <(grep -v -e '\"seconds\"' -e '\"threads\"' -e '\"checkpoint' $TMP/ck_$f.json | sed 's/,\$//') >/dev/null"
done
check "stationary mlp --checkpoint: the cut file resumed a chunk" grep -Eq '"checkpoint_resumed_chunks":[[:space:]]*1' "$TMP/ck_cut.json"
finish
