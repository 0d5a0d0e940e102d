# sgdlab stationary from the command line: the issue's example commands run and produce the
# documented results.json (methods -> discrete/sme1/sme2[/simulated] with covariance and
# excess_loss, stable, lr_max) with SPEC T5/T6 numbers; --scan-lr writes CSV and a plot;
# bad input (non-symmetric H, indefinite C, mismatched sizes, momentum >= 1, malformed matrix,
# lr beyond the stability limit) fails with a clear message and a non-zero exit.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3

printf 'x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n' >"$TMP/data.csv"
printf '2,0.5\n0.5,1\n' >"$TMP/H.csv"
printf '1,0.3\n0.3,0.5\n' >"$TMP/C.csv"

# json_check FILE PYTHON-EXPRESSION (r = results.json); passes if the expression is true
json_check() {
  local what=$1 file=$2 expr=$3
  if $PY -c "import json,sys; r=json.load(open('$file')); sys.exit(0 if ($expr) else 1)"; then ok; else bad "$what: $expr"; fi
}

# T5: exact 2-D SGD covariance and SME1
expect_ok "T5 quadratic sgd" -- $S stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0.3;0.3,0.5" --algo sgd --lr 0.2 --out "$TMP/t5" --quiet
R=$TMP/t5/results.json
json_check "schema: methods" "$R" "set(r['methods']) == {'discrete','sme1','sme2'} and all('covariance' in m and 'excess_loss' in m for m in r['methods'].values())"
json_check "schema: stable, lr_max" "$R" "r['stable'] is True and abs(r['lr_max'] - 2/2.2071067811865475) < 1e-12"
json_check "T5 exact covariance" "$R" "abs(r['methods']['discrete']['covariance'][0][1] - 0.007810137401) < 1e-12 and abs(r['methods']['discrete']['covariance'][0][0] - 0.061876273749) < 1e-12"
json_check "T5 SME1 covariance" "$R" "abs(r['methods']['sme1']['covariance'][1][1] - 0.048095238095) < 1e-12"
json_check "excess loss = 1/2 tr(H Sigma)" "$R" "abs(r['methods']['discrete']['excess_loss'] - 0.5*(2*0.061876273749+2*0.5*0.007810137401+0.053803168759)) < 1e-11"
json_check "ratios per eigendirection" "$R" "len(r['eigendirections']['ratio_discrete_over_sme1']) == 2 and all(x > 1 for x in r['eigendirections']['ratio_discrete_over_sme1'])"

# same problem from files and as eigenvalues
expect_ok "H, C from @file.csv" -- $S stationary --problem quadratic --H @"$TMP/H.csv" --C @"$TMP/C.csv" --lr 0.2 --out "$TMP/files" --quiet
json_check "@file gives T5" "$TMP/files/results.json" "abs(r['methods']['discrete']['covariance'][0][0] - 0.061876273749) < 1e-12"
expect_ok "eigenvalue form" -- $S stationary --H-eig 1 --C-eig 1 --lr 1.9 --out "$TMP/eig" --quiet
json_check "T3 alpha=1.9: exact 19, SME1 0.95" "$TMP/eig/results.json" "abs(r['methods']['discrete']['covariance'][0][0] - 19) < 1e-9 and abs(r['methods']['sme1']['covariance'][0][0] - 0.95) < 1e-12"

# T6 heavy ball with PyTorch state, and the simulation (small, fixed seed)
expect_ok "T6 hb" -- $S stationary --H-eig 1 --C-eig 1 --algo hb --momentum 0.9 --lr 0.1 --simulate 2e5 --replicas 64 --seed 3 --out "$TMP/hb" --quiet
R=$TMP/hb/results.json
json_check "T6 variance" "$R" "abs(r['methods']['discrete']['covariance'][0][0] - 0.513513513514) < 1e-11"
json_check "T6 lag-1 and Var m" "$R" "abs(r['lag1_autocovariance'][0][0] - 0.486486486486) < 1e-11 and abs(r['state_covariance'][1][1] - 5.405405405405) < 1e-10"
json_check "simulated within 4 se" "$R" "abs(r['methods']['simulated']['covariance'][0][0] - 0.513513513514) < 4*r['methods']['simulated']['covariance_se'][0][0]"

# the issue's other examples
expect_ok "linreg without replacement" -- $S stationary --problem linreg --data "$TMP/data.csv" --batch 2 --sampling without --lr 0.1 --out "$TMP/lr" --quiet
json_check "linreg schema + density" "$TMP/lr/results.json" "r['stable'] and r['lr_max'] > 0.1 and abs(r['fokker_planck']['sme1']['mean'] - 0.8) < 1e-9"
expect_ok "gauss-linreg" -- $S stationary --problem gauss-linreg --A "1,0.3;0.3,0.5" --noise 0.5 --batch 4 --lr 0.4 --out "$TMP/g" --quiet
json_check "gauss closed form == fixed point" "$TMP/g/results.json" "r['closed_form_vs_fixed_point_max_diff'] < 1e-14 and r['stable']"
expect_ok "adam" -- $S stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0.3;0.3,0.5" --algo adam --beta1 0.9 --lr 0.01 --out "$TMP/adam" --quiet
json_check "adam flagged as approximation" "$TMP/adam/results.json" "r['discrete_is_exact'] is False and 'frozen' in r['approximation']"
json_check "adam: self-consistent model by default" "$TMP/adam/results.json" "r['adam_model'] == 'self-consistent' and r['adam_fixed_point']['relative_change'] <= 1e-12 and r['adam_second_moment'][0] > 1"
expect_ok "adam frozen" -- $S stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0.3;0.3,0.5" --algo adam --adam-model frozen --lr 0.01 --out "$TMP/adamf" --quiet
json_check "adam frozen: v = diag(C), larger covariance" "$TMP/adamf/results.json" "r['adam_model'] == 'frozen' and r['adam_second_moment'] == [1, 0.5] and 'adam_fixed_point' not in r and r['methods']['discrete']['covariance'][0][0] > json.load(open('$TMP/adam/results.json'))['methods']['discrete']['covariance'][0][0]"
expect_fail "adam model without adam" "--adam-model: only --algo adam" -- $S stationary --H-eig 1 --algo hb --adam-model frozen
expect_fail "checkpoint with a scan" "--checkpoint: not with --scan-lr" -- $S stationary --scan-lr 0.01:1.9:4 --problem quadratic --H-eig 1,2 --C-eig 1,1 --simulate 1000 --checkpoint "$TMP/scan.ck"
expect_fail "geometry without a network" "--geometry: only --problem mlp" -- $S stationary --H-eig 1 --geometry 4
expect_ok "scan" -- $S stationary --scan-lr 0.01:1.9:20 --problem quadratic --H-eig 1,2 --C-eig 1,1 --out "$TMP/scan" --quiet
check "scan CSV written" test -s "$TMP/scan/scan_lr.csv"
check "scan gnuplot script written" test -s "$TMP/scan/scan_lr.gp"
check "scan: 20 rows + header" test "$(wc -l <"$TMP/scan/scan_lr.csv")" -eq 21
check "scan: rows beyond lr_max = 1 marked unstable" test "$(awk -F, 'NR>1 && $1>=1 && $2==0' "$TMP/scan/scan_lr.csv" | wc -l)" -gt 0
expect_ok "1-D double well density + escape heuristic" -- $S stationary --problem double-well --lr 0.2 --out "$TMP/dw" --quiet
json_check "escape labelled heuristic" "$TMP/dw/results.json" "'HEURISTIC' in r['escape_heuristic'][0]['label']"
expect_ok "finite time" -- $S stationary --H-eig 1 --C-eig 1 --lr 0.1 --steps 10 --x0 1 --out "$TMP/ft" --quiet
json_check "finite-time T1 moment" "$TMP/ft/results.json" "abs(r['finite_time']['mean_discrete'][0] - 0.3486784401) < 1e-10 and abs(r['finite_time']['covariance_discrete'][0][0] + r['finite_time']['mean_discrete'][0]**2 - 0.1678094622) < 1e-10"

# bad input
expect_fail "non-symmetric H" "--H is not symmetric" -- $S stationary --problem quadratic --H "2,0.5;0.4,1"
expect_fail "indefinite C" "--C is not positive semidefinite" -- $S stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,2;2,1"
expect_fail "mismatched sizes" "--C is 3x3 but --H is 2x2" -- $S stationary --problem quadratic --H "2,0.5;0.5,1" --C "1,0,0;0,1,0;0,0,1"
expect_fail "momentum >= 1" "--momentum: 1 is outside [0, 1)" -- $S stationary --H "2,0.5;0.5,1" --algo hb --momentum 1
expect_fail "malformed matrix" "--H" -- $S stationary --problem quadratic --H "2,0.5;0.5"
expect_fail "non-numeric matrix entry" "'x' is not a number" -- $S stationary --problem quadratic --H "2,x;0.5,1"
expect_fail "lr beyond the limit" "--lr 1 is beyond the stability limit lr_max = 0.9061636786" -- $S stationary --H "2,0.5;0.5,1" --lr 1 --out "$TMP/none"
expect_fail "hb lr beyond the limit" "lr_max = 3.8" -- $S stationary --H-eig 1 --algo hb --momentum 0.9 --lr 4
expect_fail "linreg lr beyond the limit" "second-moment stability limit" -- $S stationary --problem linreg --data "$TMP/data.csv" --lr 1.5
expect_fail "H not positive definite" "--H is not positive definite" -- $S stationary --H-eig 1,-0.5
expect_fail "unknown algo" "--algo" -- $S stationary --H-eig 1 --algo rmsprop
expect_fail "degenerate noise" "vanishes" -- $S stationary --problem degenerate --lr 0.1
expect_fail "C-eig size" "--C-eig has 1 values" -- $S stationary --H-eig 1,2 --C-eig 1
check "failed run left no results.json" test ! -e "$TMP/none/results.json"
finish
