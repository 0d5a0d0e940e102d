# sgdlab fpe from the command line: the issue's examples run; results.json reports mass conserved
# to 1e-12 and positivity in every step, the stationary law (SPEC T3: SME1/SME2 variance of the
# OU process), the Bakry-Emery check (T21 setting) and the drift-regime bound (T20 setting), the
# SGD-histogram TV with its sampling floor; files and plots are written; bad input fails clearly.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3

json_check() {
  local what=$1 file=$2 expr=$3
  if $PY -c "import json,sys; r=json.load(open('$file')); sys.exit(0 if ($expr) else 1)"; then ok; else bad "$what: $expr"; fi
}

expect_ok "issue example 1-D" -- $S fpe --problem double-well --lr 0.1 --sigma2 1 --model sme2 --x0 -1 --T 20 --grid 2001 --paths 4000 --out "$TMP/fpe" --quiet
R=$TMP/fpe/results.json
json_check "mass conserved to round-off" "$R" "r['evolution']['mass_max_error'] < 1e-10 and r['evolution']['mass_max_error'] < 10 * r['evolution']['mass_roundoff_scale']"
json_check "positive every step" "$R" "r['evolution']['positive_every_step'] is True and r['evolution']['min_density_all_steps'] >= 0"
json_check "stationary vs Gibbs" "$R" "r['stationary']['tv_to_gibbs'] < 1e-4 and abs(r['stationary']['mass'] - 1) < 1e-12"
json_check "SGD histogram fields" "$R" "all(k in r['sgd_histogram'] for k in ('tv','sampling_floor','sampling_floor_sd','resolved'))"
json_check "drift-regime bound holds inside the ball" "$R" "r['drift_regime']['applies'] and r['drift_regime']['measured_in_region_at_T'] <= r['drift_regime']['bound_at_T']"
for f in density.csv density.png timeline.csv stationary.csv; do check "$f written" test -s "$TMP/fpe/$f"; done

expect_ok "issue example 2-D stationary" -- $S fpe --problem double-well-2d --lr 0.1 --sigma2 1 --stationary --out "$TMP/fpe2d" --quiet
json_check "2-D stationary vs Gibbs" "$TMP/fpe2d/results.json" "r['stationary']['tv_to_gibbs'] < 1e-3 and 'evolution' not in r"
check "2-D heat map data" test -s "$TMP/fpe2d/stationary.dat"

# OU (T3 at alpha = 0.1): stationary variance 0.05 (SME1) and 0.0476190476 (SME2); T21 setting:
# Bakry-Emery applies with kappa = 1 and the measured entropy is below the bound.
expect_ok "OU sme1" -- $S fpe --problem quadratic --H 1 --C 1 --lr 0.1 --x0 1 --init-sd 0.1 --T 1 --grid 1200 --box -3:3 --paths 0 --out "$TMP/ou1" --quiet
R=$TMP/ou1/results.json
json_check "T3 SME1 variance" "$R" "abs(r['stationary']['covariance'][0][0] - 0.05) < 1e-5"
json_check "mass conserved to 1e-12" "$R" "r['evolution']['mass_max_error'] < 1e-12 and r['evolution']['positive_every_step']"
json_check "Bakry-Emery applies, kappa 1, bound holds" "$R" "r['bakry_emery']['applies'] and abs(r['bakry_emery']['kappa'] - 1) < 1e-6 and r['bakry_emery']['measured_at_T'] <= r['bakry_emery']['bound_at_T']"
json_check "T20 setting: drift bound (kappa 1, S 1)" "$R" "abs(r['drift_regime']['kappa'] - 1) < 1e-9 and abs(r['drift_regime']['sup_tr_sigma_B'] - 1) < 1e-9"
expect_ok "OU sme2" -- $S fpe --problem quadratic --H 1 --C 1 --lr 0.1 --model sme2 --stationary --grid 1200 --box -3:3 --out "$TMP/ou2" --quiet
json_check "T3 SME2 variance" "$TMP/ou2/results.json" "abs(r['stationary']['covariance'][0][0] - 0.0476190476) < 1e-5"
expect_ok "--json" -- bash -c "$S fpe --problem double-well --stationary --json | $PY -c 'import json,sys; json.load(sys.stdin)'"

expect_fail "grid too coarse" "cannot resolve the noise" -- $S fpe --problem double-well --sigma2 0.2 --grid 20
expect_fail "start outside the box" "outside the domain" -- $S fpe --problem double-well --x0 3 --box -2:2
expect_fail "empty box" "is empty" -- $S fpe --problem double-well --box 1:1
expect_fail "3-D problem" "d = 1 or 2" -- $S fpe --problem quadratic --H "1,0,0;0,1,0;0,0,1"
# smf2's one-particle law is sme2's: the same density bitwise, at every snapshot and at stationarity.
expect_ok "smf2" -- $S fpe --problem double-well --lr 0.1 --sigma2 1 --model smf2 --x0 -1 --T 20 --grid 2001 --paths 0 --out "$TMP/fpe_smf2" --quiet
for f in density.csv stationary.csv; do check "smf2 $f equals sme2's bitwise" cmp -s "$TMP/fpe/$f" "$TMP/fpe_smf2/$f"; done
expect_fail "gf without diffusion" "without diffusion" -- $S fpe --problem double-well --model gf --stationary
expect_ok "gf with --noisy" -- $S fpe --problem double-well --model gf --noisy 0.2 --stationary --quiet
expect_fail "bad model" "--model" -- $S fpe --model sme3
expect_fail "discrete algorithm as model" "--model: 'sgd' is not one of sme1|sme2|smf1|smf2|gf" -- $S fpe --model sgd
expect_fail "init sd below a cell" "--init-sd" -- $S fpe --problem double-well --init-sd 0.0001
finish
