# ctest-label: slow
# The README's "Networks as problems" example: SGD beside SME1 and SMF2 on a 784-8-10 tanh network
# with 256 MNIST training examples (d = 6370 parameters), held-out loss and 0-1 error as observables.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$(cd "$(dirname "$0")/../data/mnist" && pwd)
expect_ok "weak on a network" -- $S weak --problem mlp --data "$MNIST" --train 256 --test 256 --hidden 8 \
  --lr 0.1,0.05 --T 0.5 --models sme1,smf2 --observables loss,test_loss,test_error --paths 64 --out "$TMP/net" --quiet
check "results.json" test -s "$TMP/net/results.json"
for o in loss test_loss test_error; do check "observable $o" grep -q "\"$o\"" "$TMP/net/results.json"; done
finish
