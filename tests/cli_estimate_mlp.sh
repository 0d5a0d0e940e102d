# --max-hours against the mlp cost estimate (sgdlab/mlp_cost.h): README example (a) at 1000 float32
# paths is estimated at about 16 CPU minutes, ~8 minutes on 2 threads (it measured 15 CPU minutes,
# 7 min 43 s on 2 idle cores), so --max-hours 0.1 refuses it before any path runs (the old
# path-step estimate said ~3 minutes and let it start), naming the flag and the network work; the
# same command at 4 paths, and with --dtype float64 at 1000 paths a limit of 0.1 h refuses too.
# The estimate's counted work itself is pinned by tests/test_estimate_net.c.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$(cd "$(dirname "$0")/../data/mnist" && pwd)
A=(weak --problem mlp --data "$MNIST" --train 512 --test 256 --hidden 32 --act tanh --models sme1,smf2,svag --svag-l 4
  --observables test_loss,test_error --lr 0.2,0.1,0.05,0.025 --T 0.2 --threads 2)
expect_fail "example (a) at 1000 paths beyond 0.1 h" "raise --max-hours" -- \
  $S "${A[@]}" --paths 1000 --dtype float32 --max-hours 0.1 --out "$TMP/a"
expect_fail "the refusal names the work" "network multiply-adds" -- \
  $S "${A[@]}" --paths 1000 --dtype float32 --max-hours 0.1 --out "$TMP/a"
expect_fail "the refusal names --paths" "--paths 1000" -- \
  $S "${A[@]}" --paths 1000 --dtype float64 --max-hours 0.1 --out "$TMP/a"
check "nothing was written" test ! -e "$TMP/a/results.json"
# within a limit the run starts: one path of one learning rate, its estimate recorded
expect_ok "a small run within 0.1 h" -- $S "${A[@]/0.2,0.1,0.05,0.025/0.2}" --paths 2 --dtype float32 --max-hours 0.1 \
  --out "$TMP/b" --quiet
check "estimate recorded with its network work" grep -q '"network_madds"' "$TMP/b/results.json"
finish
