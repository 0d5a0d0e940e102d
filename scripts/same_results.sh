#!/usr/bin/env bash
# Refactoring guard: run a fixed set of README-style examples (sizes reduced so the whole set takes
# about a minute) with two sgdlab binaries and require their results.json and CSV tables to be
# bitwise identical, timing fields, the weights path and the output-file manifest excepted.
# Usage: scripts/same_results.sh OLD_BINARY NEW_BINARY [WORKDIR]
# Exit 0 when every example matches; prints one line per example.
set -uo pipefail
OLD=$(realpath "$1") NEW=$(realpath "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${3:-$(mktemp -d)}
PLUGIN=${SGDL_PLUGIN:-$ROOT/build/examples/myloss.so}
MNIST=$ROOT/data/mnist
mkdir -p "$WORK" && cd "$WORK" || exit 2
printf '1,2\n2,3.5\n3,7\n4,8\n0.5,1\n' > mydata.csv
EXAMPLES=(
  "weak --problem double-well --lr 0.2,0.1,0.05 --T 1 --paths 2e4 --models gf,sme1,sme2,smf2 --observables x0,x0^2"
  "weak --problem double-well --lr 0.2,0.1 --T 1 --paths 2e4 --scheme tt --models sme1,sme2"
  "weak --problem double-well --lr 0.2,0.1 --T 1 --paths 2e4 --scheme heun --coupling off"
  "weak --problem linreg --data mydata.csv --batch 2 --sampling without --lr 0.2,0.1 --T 1 --paths 2e4 --models sme1,smf1,smf2 --observables x0,loss"
  "weak --problem linreg --data mydata.csv --lr 0.2,0.1,0.05 --T 1 --exact --models gf,sme1,sme2,smf1,smf2"
  "weak --problem degenerate --s 0.5 --x0 1 --models sme1,sme2,smf2 --paths 2e4 --lr 0.2,0.1"
  "weak --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --lr 0.2,0.1 --paths 1e4 --models sme1,smf2 --observables x0,x1,norm2"
  "weak --problem logreg --gen-n 16 --gen-d 2 --lr 0.2,0.1 --T 0.4 --paths 4000 --models sme1,smf2 --observables x0,loss"
  "weak --algo hb --momentum 0.5 --models msme1,msme2 --lr 0.1,0.05 --paths 2e4 --T 1"
  "weak --algo nag --momentum 0.5 --models msme2 --lr 0.1,0.05 --paths 1e4 --T 1"
  "weak --algo hb --lambda 1 --models usme --lr 0.04,0.01 --paths 1e4 --T 1"
  "weak --algo nag --schedule sbc --models usme --lr 0.04,0.01 --paths 1e4 --T 1"
  "weak --problem $PLUGIN --lr 0.2,0.1 --paths 1e4 --models sme1"
  "npoint --problem linreg --data mydata.csv --starts 0;2 --lr 0.1,0.05 --T 1 --paths 2e4"
  "npoint --problem linreg --data mydata.csv --starts 0;2 --lr 0.1,0.05,0.025 --T 1 --exact"
  "npoint --problem linreg --gen-d 3 --gen-n 12 --observables cov --models sme1,smf2 --lr 0.1 --T 0.5 --paths 4000"
  "meanfield --neurons 4 --gen-n 8 --lr 0.4,0.2 --T 0.8 --paths 1000"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo sgd --lr 0.2"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo hb --momentum 0.9 --lr 0.1 --simulate 2e4"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo nag --momentum 0.5 --lr 0.1"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo newton --damping 0.5 --lr 0.1"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo ngd --damping 0.5 --lr 0.1"
  "stationary --problem linreg --data mydata.csv --batch 2 --sampling without --lr 0.1"
  "stationary --problem linreg --data mydata.csv --lr 0.1 --simulate 2e4"
  "stationary --problem gauss-linreg --A 1,0.3;0.3,0.5 --noise 0.5 --batch 4 --lr 0.4"
  "stationary --problem quadratic --H 2,0.5;0.5,1 --C 1,0.3;0.3,0.5 --algo adam --beta1 0.9 --lr 0.01 --simulate 2e4"
  "stationary --scan-lr 0.01:1.9:12 --problem quadratic --H-eig 1,2 --C-eig 1,1"
  "stationary --problem double-well --lr 0.2"
  "fpe --problem double-well --lr 0.1 --sigma2 1 --model sme2 --x0 -1 --T 2 --grid 401"
  "fpe --problem double-well --lr 0.1 --sigma2 1 --model sme1 --x0 -1 --T 1 --grid 201 --stationary"
  "fpe --problem double-well-2d --lr 0.1 --sigma2 1 --stationary --grid 81,81"
  "exit --problem double-well --lr 0.2 --sigma2 1 --from -1 --to 0.5 --paths 400 --grid 401"
  "exit --problem double-well --sigma2 1 --lr-scan 0.1:0.3:3 --paths 200 --grid 401"
  "exit --problem double-well-2d --lr 0.3 --sigma2 1 --paths 200 --grid 61,61"
  "train --data $MNIST --train 1000 --test 300 --hidden 16 --lr 0.05 --batch 1 --epochs 2"
  "train --data $MNIST --train 1000 --test 300 --hidden 16,8 --lr 0.05 --batch 8 --algo hb --momentum 0.9 --epochs 2 --geometry 5"
)
fail=0
i=0
for ex in "${EXAMPLES[@]}"; do
  i=$((i + 1))
  read -r -a args <<<"$ex"
  rm -rf "old$i" "new$i"
  "$OLD" "${args[@]}" --threads 2 --quiet --out "old$i" >"old$i.log" 2>&1; rc_old=$?
  "$NEW" "${args[@]}" --threads 2 --quiet --out "new$i" >"new$i.log" 2>&1; rc_new=$?
  if [ $rc_old != $rc_new ]; then echo "DIFF  [$i] exit $rc_old vs $rc_new: $ex"; fail=1; continue; fi
  if [ $rc_old != 0 ]; then echo "BOTH-FAIL [$i] (exit $rc_old, $(head -c 200 old$i.log)): $ex"; fail=1; continue; fi
  if /usr/bin/python3 - "old$i" "new$i" <<'PY'
import json, os, sys, csv, io
TIMING = {"seconds", "train_seconds", "examples_per_second", "examples_per_second_per_epoch", "version", "weights",
          "output_files", "estimate", "blas", "increments"}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
def table(path):
    rows = list(csv.reader(open(path)))
    if not rows: return rows
    keep = [j for j, h in enumerate(rows[0]) if h not in TIMING]
    return [[r[j] for j in keep if j < len(r)] for r in rows]
a, b = sys.argv[1], sys.argv[2]
fa = sorted(f for f in os.listdir(a) if f.endswith((".json", ".csv")))
fb = sorted(f for f in os.listdir(b) if f.endswith((".json", ".csv")))
if fa != fb: print("   files differ:", fa, fb); sys.exit(1)
bad = []
for f in fa:
    if f.endswith(".json"):
        ja, jb = strip(json.load(open(os.path.join(a, f)))), strip(json.load(open(os.path.join(b, f))))
        # params may gain keys (new flags): compare the old ones only
        if "params" in ja and "params" in jb:
            jb["params"] = {k: v for k, v in jb["params"].items() if k in ja["params"]}
        if ja != jb: bad.append(f)
    elif table(os.path.join(a, f)) != table(os.path.join(b, f)): bad.append(f)
if bad: print("   differ:", bad); sys.exit(1)
PY
  then echo "SAME  [$i] $ex"; else echo "DIFF  [$i] $ex"; fail=1; fi
done
[ $fail = 0 ] && echo "same_results: all ${#EXAMPLES[@]} examples identical" || echo "same_results: differences found (outputs in $WORK)"
exit $fail
