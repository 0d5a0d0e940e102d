#!/usr/bin/env bash
# Simplified weak increments against normals (issue "Finite data sets at engine speed", item 3):
# `sgdlab weak --problem double-well --models sme1 --paths 1e6` with --increments gauss, two-point
# and three-point, side by side in one run (interleaved, best of R rounds each), for the default
# scheme (auto = heun, 4 substeps) and for --scheme em; both with --coupling off, so every run does
# the same work (with non-Gaussian increments the model is never coupled to SGD).
# Path-steps = paths x (SGD steps + model substeps) over all learning rates, over the study's own
# "seconds" from results.json (setup and output excluded).
# usage: bash bench/run_increments.sh [build-dir] [paths] [rounds] [threads]
set -euo pipefail
B=${1:-build}
M=${2:-1e6}
R=${3:-3}
TH=${4:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for scheme in auto em; do
  for r in $(seq "$R"); do
    for inc in gauss two-point three-point; do
      "$B"/sgdlab weak --problem double-well --models sme1 --paths "$M" --scheme "$scheme" --increments "$inc" \
        --coupling off --threads "$TH" --quiet --out "$W/$scheme-$inc-$r" >/dev/null
    done
  done
done
/usr/bin/python3 - "$W" "$R" <<'PY'
import json, sys
W, R = sys.argv[1], int(sys.argv[2])
for scheme in ("auto", "em"):
    best = {}
    for inc in ("gauss", "two-point", "three-point"):
        runs = [json.load(open(f"{W}/{scheme}-{inc}-{r}/results.json")) for r in range(1, R + 1)]
        j = runs[0]
        sub, paths = j["substeps"], j["paths"]
        lrs = sorted({row["lr"] for row in j["rows"]})
        steps = sum(round(1.0 / lr) for lr in lrs)  # T = 1
        ps = paths * steps * (1 + sub)
        t = min(x["seconds"] for x in runs)
        best[inc] = ps / t
        print(f"scheme {j['scheme']:5s} ({sub} substeps)  {inc:11s}  {ps/t:.3e} path-steps/s  ({t:.2f} s best of {R}, "
              f"{ps:.3g} path-steps)")
    print(f"  speed-up: two-point {best['two-point']/best['gauss']:.2f}x, three-point {best['three-point']/best['gauss']:.2f}x")
PY
