#!/bin/bash
# The mlp cost estimate (sgdlab/mlp_cost.h, src/study/estimate_net.c) against measured CPU time:
# README example (a) at small path counts in float32 and float64, single-model runs (sme1, smf2,
# svag, svag at l = 1 i.e. SGD in law, gf) and the README's 784-8-10 example. Prints per command the
# estimate's CPU seconds (results.json's estimate.cpu_seconds), the measured user + system
# seconds (/usr/bin/time) and their ratio; the estimate aims at within 1.5x either way.
# Compare CPU, not wall, on a shared machine. A few minutes on 2 cores.
# Usage: bench/check_mlp_estimate.sh [path/to/sgdlab] [mnist dir]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${1:-$HERE/../build/sgdlab}
DATA=${2:-$HERE/../data/mnist}
OUT=$(mktemp -d)
echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
A="weak --problem mlp --data $DATA --train 512 --test 256 --hidden 32 --act tanh --observables test_loss,test_error --lr 0.2,0.1,0.05,0.025 --T 0.2 --threads 2"
R="weak --problem mlp --data $DATA --train 256 --test 256 --hidden 8 --lr 0.1,0.05 --T 0.5 --observables loss,test_loss,test_error --threads 2"
RUNS=(
  "$A --models sme1,smf2,svag --svag-l 4 --dtype float32 --paths 16"
  "$A --models sme1,smf2,svag --svag-l 4 --dtype float32 --paths 64"
  "$A --models sme1,smf2,svag --svag-l 4 --dtype float64 --paths 16"
  "$A --models sme1 --dtype float32 --paths 16"
  "$A --models smf2 --dtype float64 --paths 16"
  "$A --models svag --svag-l 4 --dtype float32 --paths 64"
  "$A --models svag --svag-l 1 --dtype float64 --paths 64"
  "$A --models gf --dtype float32 --paths 16"
  "$R --models sme1,smf2 --paths 16"
)
printf '%-10s %-10s %-6s  %s\n' estimate measured ratio command
for r in "${RUNS[@]}"; do
  read -r -a args <<<"$r"
  /usr/bin/time -o "$OUT/time" -f "%U %S" "$S" "${args[@]}" --quiet --out "$OUT/run" >/dev/null 2>&1
  t=$(tail -1 "$OUT/time")
  /usr/bin/python3 - "$OUT/run/results.json" "$t" "$r" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["estimate"]
u, s = map(float, sys.argv[2].split())
cpu = e["cpu_seconds"]
print("%-10.1f %-10.1f %-6.2f  %s" % (cpu, u + s, (u + s) / cpu, sys.argv[3].split("--threads 2 ")[1]))
PY
done
rm -rf "$OUT"
