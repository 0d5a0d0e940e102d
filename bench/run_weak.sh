#!/usr/bin/env bash
# Weak-error engine benchmark (issue: foundation performance): sgdlab's ensemble engine against
# the generator alone, a NumPy script and a PyTorch script, in one run on this machine.
# usage: bash bench/run_weak.sh [build-dir] [paths] [steps]
set -euo pipefail
B=${1:-build}
M=${2:-1e6}
K=${3:-1000}
cd "$(dirname "$0")/.."
# Peak memory (maximum resident set) of each, from /usr/bin/time when present.
mem() { if [ -x /usr/bin/time ]; then /usr/bin/time -f "  peak memory %M KB" "$@"; else "$@"; fi; }
mem "$B"/bench/bench_ensemble "$M" "$K" 2 2>&1 | tee /tmp/sgdl_bench_weak.txt
mem "$B"/bench/bench_ensemble "$M" "$K" 1 2>&1 | sed 's/^/[1 thread] /'
OPENBLAS_NUM_THREADS=1 mem /usr/bin/python3 bench/peer_ensemble_numpy.py "$M" "$K" 2>&1 | tee -a /tmp/sgdl_bench_weak.txt
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  OPENBLAS_NUM_THREADS=1 mem /usr/bin/python3 bench/peer_ensemble_torch.py "$M" "$K" 2 2>&1 | tee -a /tmp/sgdl_bench_weak.txt
fi
/usr/bin/python3 - <<'PY'
import re
t = open('/tmp/sgdl_bench_weak.txt').read()
rate = lambda name: float(re.search(name + r"\s+([0-9.e+]+)", t).group(1))
e = rate('engine'); g = rate('generator'); n = rate('numpy')
print(f"ratios: engine/generator {e/g:.2f}, engine/numpy {e/n:.1f}", end="")
if 'torch' in t: print(f", engine/torch {e/rate('torch'):.1f}")
else: print()
PY
