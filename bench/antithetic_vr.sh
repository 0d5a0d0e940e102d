#!/usr/bin/env bash
# Variance reduction of the weak study on finite data (bench/RESULTS.md section 16): for linreg and
# logreg (generated, N = 256, d = 3) the same weak study runs with --coupling off, the default coupling,
# --variance-reduction antithetic, control-variate and antithetic,control-variate. For each run it prints
# the user CPU seconds and, per observable, the median over models and learning rates of the ratio of
# sup-error interval half-widths (off / run) at equal paths and at equal CPU (times sqrt(CPU ratio)).
# Usage: bench/antithetic_vr.sh [sgdlab binary] [paths]   (numbers only mean anything as ratios)
set -euo pipefail
S=${1:-build/sgdlab}
PATHS=${2:-2000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
COMMON="--gen-n 256 --gen-d 3 --models sme1,smf2 --T 1 --lr 0.2,0.1,0.05 --observables x0,x0^2,loss --seed 3 --paths $PATHS --quiet"
for prob in linreg logreg; do
  for run in off on anti cv both; do
    case $run in
      off) extra="--coupling off" ;;
      on) extra="" ;;
      anti) extra="--variance-reduction antithetic" ;;
      cv) extra="--variance-reduction control-variate" ;;
      both) extra="--variance-reduction antithetic,control-variate" ;;
    esac
    /usr/bin/time -f "%U" -o "$OUT/$prob-$run.cpu" $S weak --problem $prob $COMMON $extra --out "$OUT/$prob-$run" >/dev/null
  done
done
/usr/bin/python3 - "$OUT" <<'EOF'
import csv, math, statistics, sys
out = sys.argv[1]
def half_widths(path):
    hw = {}
    for r in csv.DictReader(open(path + "/weak_errors.csv")):
        v, lo, hi, res = float(r["sup_error"]), float(r["ci95_lo"]), float(r["ci95_hi"]), r["resolved"] == "1"
        hw[(r["model"], r["lr"], r["observable"])] = (hi - lo) / 2 if res else hi - v
    return hw
for prob in ("linreg", "logreg"):
    base = half_widths(f"{out}/{prob}-off")
    cpu0 = float(open(f"{out}/{prob}-off.cpu").read().split()[-1])
    print(f"{prob}: run, CPU user s, median half-width ratio off/run at equal paths for x0, x0^2, loss (all), then at equal CPU")
    for run in ("off", "on", "anti", "cv", "both"):
        hw = half_widths(f"{out}/{prob}-{run}")
        cpu = float(open(f"{out}/{prob}-{run}.cpu").read().split()[-1])
        rat = {k: base[k] / hw[k] if hw[k] > 0 else math.inf for k in base}
        per = [statistics.median([v for k, v in rat.items() if k[2] == o]) for o in ("x0", "x0^2", "loss")]
        allm = statistics.median(rat.values())
        adj = math.sqrt(cpu0 / cpu)
        print(f"  {run:5s} {cpu:7.2f}  paths: {per[0]:9.3g} {per[1]:9.3g} {per[2]:9.3g} ({allm:9.3g})"
              f"  CPU: {per[0]*adj:9.3g} {per[1]*adj:9.3g} {per[2]*adj:9.3g} ({allm*adj:9.3g})")
EOF
