# sgdlab exit from the command line: the issue's examples run and write the documented
# results.json (methods -> mean_exit_time, mean_exit_steps, ci95 for Monte Carlo) with SPEC T18
# and T19 numbers; the saddle warning; --lr-scan writes the Arrhenius CSV and plot; bad input
# (empty interval, start outside the domain, grid too coarse, unreachable target, unknown method)
# fails with a clear message and a non-zero exit, and leaves an existing results.json intact.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3

json_check() {
  local what=$1 file=$2 expr=$3
  if $PY -c "import json,sys; r=json.load(open('$file')); sys.exit(0 if ($expr) else 1)"; then ok; else bad "$what: $expr"; fi
}

# T18 (D = alpha sigma^2 / 2 = 0.1): hit the saddle and the transition, quadrature and PDE.
expect_ok "T18 to 0" -- $S exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 0 --methods quadrature,pde,kramers --out "$TMP/t18a" --quiet
R=$TMP/t18a/results.json
json_check "T18 tau(-1 -> 0)" "$R" "abs(r['methods']['quadrature']['mean_exit_time'] - 30.8213024727) < 1e-8"
json_check "steps = time / alpha" "$R" "abs(r['methods']['quadrature']['mean_exit_steps'] - 308.213024727) < 1e-7"
json_check "PDE within 1e-4 of quadrature" "$R" "abs(r['methods']['pde']['ratio_to_pde'] - 1) < 1e-12 and abs(r['methods']['quadrature']['ratio_to_pde'] - 1) < 1e-4"
json_check "Kramers at the saddle is the hitting time" "$R" "abs(r['methods']['kramers']['mean_exit_time'] - 27.0626972811) < 1e-6"
json_check "saddle warning in results" "$R" "any('saddle' in w for w in r['warnings'])"
expect_fail "saddle warning on stderr" "at the saddle" -- bash -c "$S exit --problem double-well --lr 0.1 --sigma2 2 --to 0 --methods quadrature >/dev/null; false"
expect_ok "T18 to +1" -- $S exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 1 --methods quadrature --out "$TMP/t18b" --quiet
json_check "T18 tau(-1 -> +1)" "$TMP/t18b/results.json" "abs(r['methods']['quadrature']['mean_exit_time'] - 66.2686263649) < 1e-8 and r['warnings'] == []"

# The issue's example with every method (fewer paths), T19 for the chain.
expect_ok "all methods" -- $S exit --problem double-well --lr 0.1 --sigma2 1 --from -1 --to 0.5 \
  --methods quadrature,pde,chain,kramers,mc-sgd,mc-sme1,mc-sme2 --paths 2000 --substeps 4 --out "$TMP/all" --quiet
R=$TMP/all/results.json
json_check "methods keys" "$R" "set(r['methods']) == {'quadrature','pde','chain','kramers','mc-sgd','mc-sme1','mc-sme2'}"
json_check "T19 chain 6928 steps" "$R" "abs(r['methods']['chain']['mean_exit_steps'] - 6928) < 0.5"
json_check "ci95 only for Monte Carlo" "$R" "all(('ci95' in m) == k.startswith('mc-') for k, m in r['methods'].items())"
json_check "mc-sgd interval covers the chain" "$R" "r['methods']['mc-sgd']['ci95_steps'][0] - 3*r['methods']['mc-sgd']['se_time']/0.1 < 6928.2 < r['methods']['mc-sgd']['ci95_steps'][1] + 3*r['methods']['mc-sgd']['se_time']/0.1"
check "methods.csv written" test -s "$TMP/all/methods.csv"
check "exit-time profile written" test -s "$TMP/all/exit_time_profile.csv"

# 2-D: PDE and Eyring-Kramers.
expect_ok "2-D" -- $S exit --problem double-well-2d --couple 0.5 --lr 0.1 --sigma2 1 --from -1,0 --to 0.5 --methods pde,kramers --grid 120,96 --out "$TMP/two" --quiet
json_check "2-D PDE / Eyring-Kramers near 1" "$TMP/two/results.json" "0.9 < 1/r['methods']['kramers']['ratio_to_pde'] < 1.3"

# Arrhenius scan
expect_ok "lr-scan" -- $S exit --problem double-well --sigma2 1 --lr-scan 0.1:0.2:3 --methods quadrature,chain --out "$TMP/arr" --quiet
check "arrhenius.csv has 3 rows" test "$(wc -l <"$TMP/arr/arrhenius.csv")" -eq 4
json_check "lr_scan in results" "$TMP/arr/results.json" "len(r['lr_scan']) == 3 and r['lr_scan'][0]['methods']['quadrature']['mean_exit_steps'] > r['lr_scan'][2]['methods']['quadrature']['mean_exit_steps']"

# Any one-particle model: smf1's one-particle law is sme1's, so quadrature, PDE and Kramers give sme1's
# numbers bitwise (T18 setting); gf without --noisy never leaves a basin and is refused, with it it runs.
expect_ok "T18 to 0, smf1" -- $S exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 0 --methods quadrature,pde,kramers --model smf1 --out "$TMP/t18f" --quiet
check "smf1 methods equal sme1's bitwise" $PY -c "import json,sys; a=json.load(open('$TMP/t18a/results.json')); b=json.load(open('$TMP/t18f/results.json')); sys.exit(0 if a['methods'] == b['methods'] and b['model'] == 'smf1' else 1)"
expect_fail "gf alone never exits" "never leaves a basin" -- $S exit --problem double-well --model gf --methods quadrature
expect_ok "gf with --noisy" -- $S exit --problem double-well --model gf --noisy 0.1 --sigma2 0 --from -1 --to 0 --methods quadrature --quiet
expect_fail "momentum model refused" "--model: 'usme' is not one of sme1|sme2|smf1|smf2|gf" -- $S exit --problem double-well --model usme

# Bad input, and nothing already written is lost.
cp "$TMP/t18b/results.json" "$TMP/keep.json"
expect_fail "empty interval" "empty interval" -- $S exit --problem double-well --from 0.5 --to 0.5 --out "$TMP/t18b"
expect_fail "empty --interval" "empty interval" -- $S exit --problem double-well --interval 1:1 --from 0
expect_fail "start outside --interval" "outside the domain" -- $S exit --problem double-well --interval -0.5:0.5 --from 2
# a neighbourhood runs only the Monte Carlo methods on SGD's own noise: the basin's flags are refused, not ignored
expect_fail "--noisy refused with --radius" "--noisy: does not apply with --radius" -- $S exit --problem double-well-2d --radius 0.5 --noisy 0.1 --paths 8
expect_fail "a neighbourhood's default horizon counts for --max-hours" "--max-steps 10000: about 1e+11 path-steps" -- $S exit --problem double-well-2d --radius 0.5 --paths 1e7 --max-hours 0.001
expect_fail "--grid refused with --loss-level" "--grid: does not apply with --loss-level" -- $S exit --problem double-well-2d --loss-level 2 --grid 10,10 --paths 8
expect_fail "start outside 2-D box" "outside the domain" -- $S exit --problem double-well-2d --from -3,0 --box -2:1,-1:1 --methods pde
expect_fail "grid too coarse" "cannot resolve the noise" -- $S exit --problem double-well --sigma2 0.2 --grid 20 --methods pde
expect_fail "unreachable target (no noise)" "unreachable" -- $S exit --problem double-well --sigma2 0 --methods quadrature
expect_fail "unreachable target (outside the box)" "unreachable" -- $S exit --problem double-well-2d --from -1,0 --to 5 --box -2:2,-1:1 --methods pde
expect_fail "unknown method" "unknown method 'magic'" -- $S exit --methods quadrature,magic
expect_fail "1-D only method in 2-D" "1-D only" -- $S exit --problem double-well-2d --methods chain
check "existing results.json intact" cmp -s "$TMP/keep.json" "$TMP/t18b/results.json"
finish
