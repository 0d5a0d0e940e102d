#!/usr/bin/env bash
# Finite data sets at engine speed: SGD (batch 1) + SME1 ensembles on logreg, N = 64 and 1024,
# d = 2 and 50, 20 steps, one thread each. Path-steps/s (2 per path per step: SGD and SME1) of
# NEW (this build) and OLD (the reference binary), NumPy and PyTorch peers (same study, vectorised
# over paths and samples), and the random-number bound of the N-column SME noise: the generator's
# normals/s (bench_rng, 1 thread) / N normals per SME path-step, times 2 for the SGD half.
# The machine may be shared: compare ratios within one run.
# usage: bench/bench_finite.sh [NEW=build/sgdlab] [OLD=/work/base/sgdlab] [BUILD=build]
set -uo pipefail
NEW=${1:-build/sgdlab} OLD=${2:-/work/base/sgdlab} BUILD=${3:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
rate=$(OMP_NUM_THREADS=1 "$BUILD/bench/bench_rng" --quick --no-peer 2>/dev/null | awk '$1 == "normals" && $2 == 256 {print $4}')
echo "generator (1 thread, 256 normals per call): ${rate:-?} normals/s"
engine() { # binary N d paths -> path-steps/s from results.json "seconds"
  local out
  out=$("$1" weak --problem logreg --gen-n "$2" --gen-d "$3" --lr 0.05 --T 1 --models sme1 --scheme em --substeps 1 \
        --coupling off --paths "$4" --threads 1 --quiet --json 2>/dev/null) || { echo "failed"; return; }
  echo "$out" | $PY -c "import json, sys; r = json.load(sys.stdin); print('%.3e' % (2 * $4 * 20 / r['seconds']), r.get('noise_form', {}).get('sme1', 'sqrt-sigma'))"
}
printf '%-6s %-4s | %-24s | %-22s | %-10s | %-10s | %-10s\n' N d "new (form)" "old (sqrt-sigma)" numpy torch "rng bound"
for N in 64 1024; do
  for d in 2 50; do
    P=$((20000000 / (N * d))); [ $P -gt 100000 ] && P=100000; [ $P -lt 2000 ] && P=2000
    PO=$((P / (d > 10 ? 10 : 1))); [ $PO -lt 256 ] && PO=256
    new=$(engine "$NEW" $N $d $P)
    old=$(engine "$OLD" $N $d $PO)
    np=$(OPENBLAS_NUM_THREADS=1 $PY "$ROOT/bench/peer_finite_numpy.py" $N $d $P | awk '{print $2}')
    th=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $PY "$ROOT/bench/peer_finite_torch.py" $N $d $P 2>/dev/null | awk '{print $2}')
    bound=$($PY -c "print('%.3e' % (2 * float('${rate:-0}') / $N))" 2>/dev/null)
    printf '%-6s %-4s | %-24s | %-22s | %-10s | %-10s | %-10s\n' $N $d "$new" "$old" "$np" "${th:-n/a}" "$bound"
  done
done
