#!/bin/bash
# Throughput of `sgdlab train` against the PyTorch peer (bench/peer_train_torch.py): the same
# 784-128-64-10 ReLU network, plain SGD, i.i.d. minibatches, first 8000 MNIST t10k digits,
# batch sizes 1 and 32. Prints examples/s for each and the ratios. About a minute on 2 cores.
# Usage: bench/bench_train.sh [path/to/sgdlab] [mnist dir]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-$HERE/../build/sgdlab}
DATA=${2:-$HERE/../data/mnist}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
eps() { /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['examples_per_second']))"; }
declare -A ours
for B in 1 32; do
  # 5 epochs; throughput is over the training steps only (evaluation passes excluded)
  ours[$B]=$("$S" train --data "$DATA" --hidden 128,64 --batch "$B" --lr 0.02 --epochs 5 --threads 2 --json --quiet | eps)
  echo "sgdlab (double) batch $B: ${ours[$B]} examples/s"
done
peer=$(/usr/bin/python3 "$HERE/peer_train_torch.py" "$DATA" --batches 1,32 --threads 2 --examples 8000)
echo "$peer"
peer64=$(/usr/bin/python3 "$HERE/peer_train_torch.py" "$DATA" --batches 1,32 --threads 2 --dtype float64 --examples 8000)
echo "$peer64"
for B in 1 32; do
  p=$(grep "batch $B:" <<<"$peer" | awk '{print $(NF-5)}')
  p64=$(grep "batch $B:" <<<"$peer64" | awk '{print $(NF-5)}')
  /usr/bin/python3 -c "print('batch $B: sgdlab / torch float32 = %.1f x, sgdlab / torch float64 = %.1f x' % (${ours[$B]}/$p, ${ours[$B]}/$p64))"
done
