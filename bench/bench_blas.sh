#!/bin/bash
# OpenBLAS kernel sets against each other, one run: `sgdlab train` (784-128-64-10, 8000 MNIST t10k
# digits, 2000 held out, batch 32, 2 epochs) with OPENBLAS_CORETYPE unset (OpenBLAS's own pick,
# or sgdlab's re-exec when that pick is generic: README "BLAS kernels"), Prescott (the generic
# fallback), Haswell (AVX2) and SkylakeX (only where the CPU has AVX-512 F/DQ/CD/BW/VL).
# OPENBLAS_L2_SIZE is unset in every run (the unset run must drop it together with the core, see
# the environment's notes; the others match it), everything else as inherited. Prints the CPU,
# the library, and a Markdown table: core that ran, who chose it, examples/s over the training
# steps, training seconds, held-out accuracy. About a minute on 2 cores.
# Usage: bench/bench_blas.sh [path/to/sgdlab] [mnist dir] [repeats (best of, default 1)]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-$HERE/../build/sgdlab}
DATA=${2:-$HERE/../data/mnist}
REPS=${3:-1}
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { grep -qw "$1" <<<"$flags"; }
echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), family $(grep -m1 '^cpu family' /proc/cpuinfo | awk '{print $NF}') model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | awk '{print $NF}'), $(nproc) cores"
echo "environment: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
settings=(unset Prescott)
has avx2 && has fma && settings+=(Haswell)
has avx512f && has avx512dq && has avx512cd && has avx512bw && has avx512vl && settings+=(SkylakeX)
echo
echo "| OPENBLAS_CORETYPE | core run | chosen by | examples/s | train s | test accuracy |"
echo "|---|---|---|---|---|---|"
for set in "${settings[@]}"; do
  best=""
  for ((r = 0; r < REPS; r++)); do
    if [ "$set" = unset ]; then
      out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$S" train --data "$DATA" --train 8000 --test 2000 \
            --hidden 128,64 --batch 32 --epochs 2 --json --quiet)
    else
      out=$(env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$set" "$S" train --data "$DATA" --train 8000 --test 2000 \
            --hidden 128,64 --batch 32 --epochs 2 --json --quiet)
    fi
    row=$(/usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); b=d['blas']
print('%.0f|%s|%s|%.2f|%.4f|%s' % (d['examples_per_second'], b['core'], b['chosen_by'], d['train_seconds'],
      d['final_test_accuracy'], b['library']))" <<<"$out")
    if [ -z "$best" ] || [ "${row%%|*}" -gt "${best%%|*}" ]; then best=$row; fi
  done
  IFS='|' read -r eps core by secs acc lib <<<"$best"
  echo "| $set | $core | $by | $eps | $secs | $acc |"
done
echo
echo "library: $lib"
