#!/bin/bash
# Throughput of `sgdlab train` against the PyTorch peer (bench/peer_train_torch.py): the same
# 784-128-64-10 ReLU network, plain SGD, i.i.d. minibatches, first 8000 MNIST t10k digits,
# batch sizes 1 and 32, sgdlab in float64 (the reference) and float32 (--dtype float32), PyTorch
# in float32 and float64 at each thread count of PEER_THREADS (default "2": one thread per core;
# "1 2" also times one thread, which wins on a loaded machine). The ratios divide by the fastest
# peer of each dtype at that batch. REPEATS (default 1) rounds, each timing every row once,
# sgdlab and the peers interleaved; each row keeps its best round (for a machine whose load
# swings). Prints examples/s for each and the ratios; the CPU and the OpenBLAS core first.
# A few minutes on 2 cores per round.
# Usage: bench/bench_train.sh [path/to/sgdlab] [mnist dir]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-$HERE/../build/sgdlab}
DATA=${2:-$HERE/../data/mnist}
PEER_THREADS=${PEER_THREADS:-2}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$S" info 2>/dev/null | grep -i -E "blas|core" || true
eps() { /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['examples_per_second']))"; }
declare -A ours best
keep() { # keep(array name, key, value): the larger
  local -n arr=$1
  if [ -z "${arr[$2]:-}" ] || [ "${3%.*}" -gt "${arr[$2]%.*}" ]; then arr[$2]=$3; fi
}
for R in $(seq "${REPEATS:-1}"); do
  for DT in float64 float32; do
    for B in 1 32; do
      # 5 epochs; throughput is over the training steps only (evaluation passes excluded)
      o=$("$S" train --data "$DATA" --hidden 128,64 --batch "$B" --lr 0.02 --epochs 5 --threads 2 \
        --dtype "$DT" --json --quiet | eps)
      echo "round $R: sgdlab $DT batch $B: $o examples/s"
      keep ours "$DT$B" "$o"
    done
  done
  for T in $PEER_THREADS; do
    for DT in float32 float64; do
      peer=$(/usr/bin/python3 "$HERE/peer_train_torch.py" "$DATA" --batches 1,32 --threads "$T" --dtype "$DT" --examples 8000)
      echo "round $R: $peer" | tr '\n' ' '; echo
      for B in 1 32; do keep best "$DT$B" "$(grep "batch $B:" <<<"$peer" | awk '{print $(NF-5)}')"; done
    done
  done
done
echo "best of ${REPEATS:-1}: sgdlab f64 ${ours[float641]}, ${ours[float6432]}; f32 ${ours[float321]}, ${ours[float3232]};" \
  "torch f32 ${best[float321]}, ${best[float3232]}; f64 ${best[float641]}, ${best[float6432]} (batch 1, 32)"
for B in 1 32; do
  /usr/bin/python3 -c "
o64, o32, p32, p64 = ${ours[float64$B]}, ${ours[float32$B]}, ${best[float32$B]}, ${best[float64$B]}
print('batch $B: sgdlab f32 / torch f32 = %.1f x, sgdlab f64 / torch f64 = %.1f x, sgdlab f64 / torch f32 = %.1f x, sgdlab f32 / f64 = %.2f' % (o32 / p32, o64 / p64, o64 / p32, o32 / o64))"
done
