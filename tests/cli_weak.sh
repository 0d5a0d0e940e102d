# sgdlab weak / npoint from the command line: bad input gives a clear message and a non-zero
# exit without touching earlier output; results.json follows the documented schema;
# 1 thread and 2 threads give the same numbers.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB

printf 'x,y\n1,1\n2,1.5\n-1,-0.5\n0.5,1\n' >"$TMP/data.csv"
printf 'x,y\n1,1\n2\n' >"$TMP/ragged.csv"
printf 'x,y\n1,1\n2,abc\n' >"$TMP/nonnum.csv"

expect_fail "unknown problem" "unknown problem" -- $S weak --problem nosuch
expect_fail "unknown flag" "unknown flag '--lrr'" -- $S weak --lrr 0.1
expect_fail "malformed csv (ragged)" "ragged.csv" -- $S weak --problem linreg --data "$TMP/ragged.csv"
expect_fail "non-numeric csv" "nonnum.csv" -- $S weak --problem linreg --data "$TMP/nonnum.csv"
expect_fail "missing data file" "nofile.csv" -- $S weak --problem linreg --data "$TMP/nofile.csv"
expect_fail "negative lr" "--lr" -- $S weak --lr 0.1,-0.05
expect_fail "zero lr" "--lr" -- $S weak --lr 0
expect_fail "non-numeric lr" "'abc' is not a number" -- $S weak --lr abc
expect_fail "batch larger than data" "--batch" -- $S weak --problem linreg --data "$TMP/data.csv" --batch 5 --sampling without --exact
expect_fail "bad sampling" "--sampling" -- $S weak --sampling sometimes
expect_fail "non-symmetric H" "not symmetric" -- $S weak --problem quadratic --H "1,0.5;0,1"
expect_fail "non-PSD C" "positive semidefinite" -- $S weak --problem quadratic --H "1,0;0,1" --C "1,2;2,1"
expect_fail "malformed matrix" "--H" -- $S weak --problem quadratic --H "1,2;3"
expect_fail "unknown observable" "unknown observable" -- $S weak --observables x0,x7^3
expect_fail "observable out of range" "dimension" -- $S weak --observables x3
expect_fail "unknown model" "--models" -- $S weak --models sme1,sme9
expect_fail "T not a multiple of lr" "whole number of steps" -- $S weak --lr 0.3 --T 1
expect_fail "exact on a non-affine problem" "--exact" -- $S weak --problem double-well --exact
expect_fail "bad seed" "--seed" -- $S weak --seed -1
expect_fail "unknown reference algorithm" "--algo" -- $S weak --algo adam --paths 100
expect_fail "exact with momentum" "--exact" -- $S weak --problem quadratic --H 1 --exact --algo hb
expect_fail "momentum out of range" "--momentum" -- $S weak --algo hb --momentum 1.2 --models msme1
expect_fail "paths too few" "--paths" -- $S weak --paths 1
expect_fail "npoint needs two starts" "--starts" -- $S npoint --problem linreg --data "$TMP/data.csv" --starts "0"
expect_fail "bad --config" "unknown key" -- bash -c "echo '{\"lrr\": 1}' > $TMP/c.json; $S weak --config $TMP/c.json"

# An output folder that cannot be written: a regular file in the way.
echo keep >"$TMP/blocker"
expect_fail "unwritable --out" "--out" -- $S weak --exact --problem quadratic --H 1 --out "$TMP/blocker/sub"

# Diverging run: SGD at lr 2.5 on h = 1 explodes; the message names it and nothing is written.
mkdir -p "$TMP/div"
echo '{"old": true}' >"$TMP/div/results.json"
expect_fail "diverging run" "diverged" -- $S weak --problem quadratic --H 1 --lr 2.5 --T 2500 --paths 200 --out "$TMP/div"
check "earlier results.json survives a failed run" grep -q '"old"' "$TMP/div/results.json"

# Schema and reproducibility.
expect_ok "exact linreg" -- $S weak --problem linreg --data "$TMP/data.csv" --batch 2 --sampling without --lr 0.1,0.05,0.025 --T 1 --exact --out "$TMP/ex"
check "results.json written" test -s "$TMP/ex/results.json"
for key in '"command"' '"version"' '"seed"' '"params"' '"rows"' '"errors"' '"orders"' '"sup_error"' '"ci95"' '"stderr"'; do
  check "results.json has $key" grep -q "$key" "$TMP/ex/results.json"
done
check "plot script written" test -s "$TMP/ex/weak.gp"
check "weak_errors.csv written" test -s "$TMP/ex/weak_errors.csv"
check "--json prints the results" bash -c "$S weak --exact --problem quadratic --H 1 --lr 0.1,0.05 --json | grep -q '\"orders\"'"

OMP_NUM_THREADS=1 $S weak --problem double-well --lr 0.2,0.1 --T 1 --paths 3000 --models sme1,smf2 --threads 1 --json >"$TMP/t1.json"
$S weak --problem double-well --lr 0.2,0.1 --T 1 --paths 3000 --models sme1,smf2 --threads 2 --json >"$TMP/t2.json"
check "1 thread and 2 threads give identical results" bash -c "diff <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/t1.json) <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/t2.json) >/dev/null"

$S npoint --problem linreg --data "$TMP/data.csv" --starts "0;2" --lr 0.1,0.05 --T 1 --paths 3000 --models smf1,sme1 --threads 1 --json >"$TMP/n1.json"
$S npoint --problem linreg --data "$TMP/data.csv" --starts "0;2" --lr 0.1,0.05 --T 1 --paths 3000 --models smf1,sme1 --threads 2 --json >"$TMP/n2.json"
check "npoint: 1 thread and 2 threads give identical results" bash -c "diff <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/n1.json) <(grep -v -e '\"threads\"' -e '\"seconds\"' $TMP/n2.json) >/dev/null"
check "npoint: smf1 coupled, sme1 not" bash -c "grep -A3 '\"coupled\"' $TMP/n1.json | grep -q '\"smf1\":[[:space:]]*true' && grep -A3 '\"coupled\"' $TMP/n1.json | grep -q '\"sme1\":[[:space:]]*false'"
expect_ok "npoint exact" -- $S npoint --problem linreg --data "$TMP/data.csv" --starts "0;2" --lr 0.1,0.05,0.025 --T 1 --exact --out "$TMP/np"
check "npoint reports cov" grep -q 'cov\[0,1\]' "$TMP/np/results.json"
expect_ok "config file" -- bash -c "echo '{\"problem\": \"quadratic\", \"H\": \"2\", \"lr\": [0.1, 0.05], \"exact\": true}' > $TMP/ok.json; $S weak --config $TMP/ok.json"
# A figure whose series are all unresolved (500 paths): the gnuplot script must be valid, so the
# PNG is written and no warning printed (a missing closing quote once dropped the PNG silently).
if command -v gnuplot >/dev/null; then
  err=$($S npoint --problem double-well --starts "-1;1" --lr 0.2,0.1 --T 1 --models sme1,sme2 --observables dist2 --paths 500 --out "$TMP/unres" 2>&1 >/dev/null)
  check "all-unresolved npoint renders its PNG" test -s "$TMP/unres/npoint.png"
  check "all-unresolved npoint: no gnuplot warning" bash -c "! grep -q 'could not render' <<<\"\$1\"" _ "$err"
fi

# svag: at l = 1 its exact moments are SGD's (weak error exactly 0); l = 0 is refused by the flag's range.
expect_ok "svag exact" -- $S weak --problem linreg --data "$TMP/data.csv" --models svag --svag-l 1 --lr 0.1 --T 1 --exact --out "$TMP/sv"
check "svag at l = 1 has weak error 0 against SGD" awk -F, 'NR > 1 && $1 == "svag" { n++; if ($4 + 0 != 0) bad = 1 } END { exit !(n == 2 && !bad) }' "$TMP/sv/weak_errors.csv"
expect_fail "svag l = 0" "--svag-l" -- $S weak --problem quadratic --models svag --svag-l 0
# --svag-l as a list: one row per l (svag-l1, svag-l4, svag-l16) beside sme1; l = 1 is SGD (error 0) and
# the exact weak error against SGD approaches sme1's as l grows (|E svag_l - E sme1| = O(1/l)).
expect_ok "svag list exact" -- $S weak --problem linreg --data "$TMP/data.csv" --models sme1,svag --svag-l 1,4,16 --lr 0.1 --T 1 \
  --exact --out "$TMP/svl" --quiet
check "svag list: svag-l1 has weak error 0" awk -F, '$1 == "svag-l1" { n++; if ($4 + 0 != 0) bad = 1 } END { exit !(n == 2 && !bad) }' "$TMP/svl/weak_errors.csv"
check "svag list: svag-l16 within 10% of sme1, closer than svag-l4" awk -F, '$3 == "x0" { e[$1] = $4 } END {
  d16 = e["svag-l16"] - e["sme1"]; d4 = e["svag-l4"] - e["sme1"]; if (d16 < 0) d16 = -d16; if (d4 < 0) d4 = -d4
  exit !(d16 < 0.1 * e["sme1"] && d16 < d4) }' "$TMP/svl/weak_errors.csv"
check "svag list: rows in results.json" grep -q '"model":[[:space:]]*"svag-l16"' "$TMP/svl/results.json"
expect_fail "svag list without svag" "needs svag exactly once" -- $S weak --problem quadratic --models sme1 --svag-l 1,2
expect_fail "svag list repeated l" "listed twice" -- $S weak --problem quadratic --models svag --svag-l 2,2
# A user problem from a shared object (examples/plugin/myloss.c, built by the project).
PLUGIN="$SGDL_BUILD/examples/myloss.so"
expect_ok "plugin problem runs" -- $S weak --problem "$PLUGIN" --plugin-params "b=2,sigma2=0.5" --x0 0,0 --lr 0.1,0.05 \
  --T 1 --paths 2000 --models sme1,smf2 --observables x0,loss --out "$TMP/plug"
check "plugin run names the plugin" grep -q 'myloss' "$TMP/plug/results.json"
expect_fail "missing plugin" "nosuch.so" -- $S weak --problem "$TMP/nosuch.so"
# Mean-field networks: the DD-SMF study runs and names its problem; bad --neurons is refused.
expect_ok "meanfield study" -- $S meanfield --neurons 4 --gen-n 6 --paths 256 --lr 0.2,0.1 --T 1 --out "$TMP/mf"
check "meanfield results name the network" grep -q 'meanfield tanh network, 4 neurons' "$TMP/mf/results.json"
expect_fail "meanfield neurons" "--neurons" -- $S meanfield --neurons 0
# Control variates (--variance-reduction): on linreg the surrogate is the problem, so a few paths give
# the exact weak errors; refused without a data set; recorded in results.json only when given.
expect_ok "control variates on linreg" -- $S weak --problem linreg --data "$TMP/data.csv" --lr 0.1,0.05 --T 1 --paths 50 \
  --models sme1,smf2 --variance-reduction control-variate --out "$TMP/cv"
expect_ok "exact on linreg" -- $S weak --problem linreg --data "$TMP/data.csv" --lr 0.1,0.05 --T 1 --models sme1,smf2 --exact --out "$TMP/cvx"
check "control variates reproduce the exact weak errors" bash -c "paste -d, $TMP/cv/weak_errors.csv $TMP/cvx/weak_errors.csv | awk -F, -v h=\$(head -1 $TMP/cv/weak_errors.csv | awk -F, '{print NF}') 'NR > 1 { d = \$4 - \$(h + 4); if (d < 0) d = -d; if (d > 1e-12 + 1e-9 * \$4) bad = 1; n++ } END { exit !(n == 8 && !bad) }'"
check "results.json records variance_reduction" grep -q '"variance_reduction":[[:space:]]*"control-variate"' "$TMP/cv/results.json"
check "no variance_reduction key without the flag" bash -c "! grep -q variance_reduction $TMP/cvx/results.json"
expect_fail "control variates need a data set" "--variance-reduction" -- $S weak --problem double-well --paths 100 --variance-reduction control-variate
expect_fail "control variates: bad choice" "--variance-reduction" -- $S weak --problem linreg --variance-reduction importance
# Antithetic pairs: run on finite data and on additive noise, recorded; odd --paths refused.
expect_ok "antithetic pairs on linreg" -- $S weak --problem linreg --data "$TMP/data.csv" --lr 0.1,0.05 --T 1 --paths 100 \
  --models sme1,smf2 --variance-reduction antithetic --out "$TMP/anti"
check "results.json records antithetic" grep -q '"variance_reduction":[[:space:]]*"antithetic"' "$TMP/anti/results.json"
expect_ok "antithetic pairs with control variates" -- $S weak --problem linreg --data "$TMP/data.csv" --lr 0.1 --T 1 --paths 100 \
  --models smf2 --variance-reduction antithetic,control-variate --out "$TMP/anticv"
expect_ok "antithetic pairs on additive noise" -- $S weak --problem double-well --lr 0.1 --T 1 --paths 100 --models sme1 \
  --variance-reduction antithetic --out "$TMP/antidw"
expect_fail "antithetic pairs need even --paths" "--paths" -- $S weak --problem linreg --paths 101 --variance-reduction antithetic
finish
