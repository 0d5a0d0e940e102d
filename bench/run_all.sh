#!/usr/bin/env bash
# All benchmarks, each against its peer in the same run (results: bench/RESULTS.md).
# usage: bash bench/run_all.sh [build-dir]     (make bench builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
SGDL_EXTRA_PKGS="python3-torch" bash scripts/setup.sh    # the PyTorch peers
cmake --build "$B" -j "$(nproc)" --target bench_ensemble bench_rng bench_pde >/dev/null
echo "== weak-error engine (sgdlab weak) vs generator, NumPy, PyTorch"
bash bench/run_weak.sh "$B" 1e6 1000
echo "== random numbers"
"$B"/bench/bench_rng
echo "== exit-time PDE vs SciPy"
"$B"/bench/bench_pde
echo "== network training vs PyTorch"
bash bench/bench_train.sh "$B"/sgdlab data/mnist
