#!/bin/bash
# `sgdlab weak --problem mlp` ensembles against PyTorch (bench/peer_mlp_ensemble_torch.py) and the
# machine's GEMM rate, in one run (issue 10, performance): a 784-32-10 tanh network, softmax
# cross-entropy, the first 512 MNIST t10k digits, lr 0.1, batch 1, float64 and float32, one
# thread everywhere (sgdlab --threads 1, torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1).
#   SGD:  `--models svag --svag-l 1 --coupling off`: the SGD reference and SVAG at l = 1 (SGD in
#         law, one minibatch gradient per step): 2 x paths x steps SGD path-steps;
#   SMF2: `--models smf2 --scheme em --substeps S --coupling off`: paths x steps x S SMF2 substeps
#         (the SGD reference beside it costs < 0.1% of them).
# Observable x0 only (a full-data observable would cost more than the steps). Times are CPU seconds
# (user + sys, /usr/bin/time; the peer's time.process_time), so a loaded machine slows both alike;
# sgdlab's fixed cost (data, setup, the lane-block allocation) is a second run of the same command
# with 2 paths and 1 step (1 substep), subtracted. The peer runs each model three ways (vmap:
# functorch.vmap of grad; batched: autograd on parameters stacked over paths; loop: a Python loop
# over the paths, plain autograd each); the ratio divides by the fastest. GEMM: numpy's
# dgemm/sgemm at n = 1024 (the OpenBLAS sgdlab and torch link) under the run's OPENBLAS_CORETYPE,
# the bound for the fraction of it each code reaches on a reference flop count (the peer's least
# dense work, see the summary); also under each of GEMM_CORES (default "Haswell Cooperlake":
# this machine's environment's setting and OpenBLAS's own pick on Zen 5), for the record.
# OPENBLAS_CORETYPE: the kernel set of every run here, sgdlab's and the peer's (default: the
# environment's, else Haswell); `sgdlab info` below prints which core sgdlab ran.
# REPEATS rounds (default 1), each row keeps its best. About 3 minutes a round on an idle core (with
# the loop peer: 9-12 minutes of wall time at load 12-16 on 2 vCPUs, RESULTS.md section 17b).
# Usage: bench/bench_mlp_ensemble.sh [path/to/sgdlab] [mnist dir]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-$HERE/../build/sgdlab}
DATA=${2:-$HERE/../data/mnist}
N=${N:-512} H=${H:-32} LR=${LR:-0.1}
SGD_PATHS=${SGD_PATHS:-256} SGD_STEPS=${SGD_STEPS:-40}
SMF_PATHS=${SMF_PATHS:-8} SMF_STEPS=${SMF_STEPS:-8} SUB=${SUB:-4}
export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} OMP_NUM_THREADS=1
PY=/usr/bin/python3
echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc --all) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$S" info 2>/dev/null | grep -i -E "blas|core" || true
$PY -c 'import torch, functorch; print("torch", torch.__version__, "functorch", functorch.__version__)'
LOG=$(mktemp)
trap 'rm -f "$LOG" "$LOG.t"' EXIT
weak() { # weak KEY FLAGS...: CPU seconds (user + sys) of `sgdlab weak` on the network, as "KEY seconds"
  local key=$1
  shift
  /usr/bin/time -f "%U %S" -o "$LOG.t" "$S" weak --problem mlp --data "$DATA" --train "$N" --test 64 \
    --hidden "$H" --act tanh --lr "$LR" --threads 1 --observables x0 --quiet --coupling off "$@" >/dev/null
  echo "$key $(awk '{print $1 + $2}' "$LOG.t")" >>"$LOG"
}
T_SGD=$($PY -c "print($SGD_STEPS * $LR)")
T_SMF=$($PY -c "print($SMF_STEPS * $LR)")
for R in $(seq "${REPEATS:-1}"); do
  for DT in float64 float32; do
    weak "sgdlab_sgd_$DT" --dtype "$DT" --models svag --svag-l 1 --paths "$SGD_PATHS" --T "$T_SGD"
    weak "base_sgd_$DT" --dtype "$DT" --models svag --svag-l 1 --paths 2 --T "$LR"
    weak "sgdlab_smf2_$DT" --dtype "$DT" --models smf2 --scheme em --substeps "$SUB" --paths "$SMF_PATHS" --T "$T_SMF"
    weak "base_smf2_$DT" --dtype "$DT" --models smf2 --scheme em --substeps 1 --paths 2 --T "$LR"
    for MODE in vmap batched loop; do
      for MODEL in sgd smf2; do
        if [ $MODEL = sgd ]; then A=(--paths "$SGD_PATHS" --steps "$SGD_STEPS"); else A=(--paths "$SMF_PATHS" --steps "$SMF_STEPS" --substeps "$SUB"); fi
        line=$($PY "$HERE/peer_mlp_ensemble_torch.py" "$DATA" --model $MODEL --mode $MODE --dtype "$DT" \
          --train "$N" --hidden "$H" --lr "$LR" --threads 1 "${A[@]}")
        echo "round $R: $line"
        echo "torch_${MODE}_${MODEL}_$DT $(awk '{print $5}' <<<"$line")" >>"$LOG"
      done
    done
    echo "round $R: sgdlab $DT done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  $PY "$HERE/peer_mlp_ensemble_torch.py" gemm | tee -a /dev/stderr | awk '{print "gemm_" $2, $(NF-1)}' >>"$LOG"
done
for C in ${GEMM_CORES:-Haswell Cooperlake}; do
  OPENBLAS_CORETYPE=$C $PY "$HERE/peer_mlp_ensemble_torch.py" gemm | sed "s/^/OPENBLAS_CORETYPE=$C: /" >&2
done
$PY - "$LOG" "$N" "$H" "$SGD_PATHS" "$SGD_STEPS" "$SMF_PATHS" "$SMF_STEPS" "$SUB" <<'PY'
import sys
from collections import defaultdict
log, N, H, Ms, Ks, Mf, Kf, S = sys.argv[1], *map(int, sys.argv[2:])
runs = defaultdict(list)
for line in open(log):
    k, v = line.split()
    runs[k].append(float(v))
rounds = len(runs["gemm_float64"])
# sgdlab: per round, (work) / (run - baseline) CPU seconds; the best round
def ours(model, dt):
    work = 2 * Ms * Ks if model == "sgd" else Mf * Kf * S
    return max(work / (r - b) for r, b in zip(runs[f"sgdlab_{model}_{dt}"], runs[f"base_{model}_{dt}"]))
Pw = 784 * H + H * 10                    # weights (multiply-adds per example and dense pass)
# Reference counts, dense, the least work of the peer's formulation (the first layer dominates):
# SGD step: forward and weight gradient, 2 Pw each; SMF2 substep: forward, weight gradient, and the
# double backward's two products (X . dG, X^T delta, which the z-weighted loss shares), 2 N Pw each.
flops = {"sgd": 4 * Pw, "smf2": 8 * N * Pw}
print(f"best of {rounds}; CPU-time rates; reference flops: SGD step 4 Pw = {flops['sgd']:.3g}, "
      f"SMF2 substep 8 N Pw = {flops['smf2']:.3g} (Pw = {Pw})")
print("| model | dtype | sgdlab | torch vmap | torch batched | torch loop | sgdlab / best torch | sgdlab % of GEMM | best torch % of GEMM |")
print("|---|---|---|---|---|---|---|---|---|")
for model in ("sgd", "smf2"):
    for dt in ("float64", "float32"):
        o = ours(model, dt)
        tv, tb, tl = (max(runs[f"torch_{m}_{model}_{dt}"]) for m in ("vmap", "batched", "loop"))
        peak = max(runs[f"gemm_{dt}"]) * 1e9
        t = max(tv, tb, tl)
        print(f"| {model} | {dt} | {o:.4g} | {tv:.4g} | {tb:.4g} | {tl:.4g} | {o / t:.2f}x | "
              f"{100 * o * flops[model] / peak:.2g}% | {100 * t * flops[model] / peak:.2g}% |")
print(f"GEMM (numpy, 1 thread, n = 1024, the run's core type): dgemm {max(runs['gemm_float64']):.1f}, sgemm {max(runs['gemm_float32']):.1f} GFLOP/s")
print("units: SGD path-steps/s, SMF2 path-substeps/s")
PY
