# Control variates where the affine surrogate is unstable over the horizon (meanfield): refused with a
# message naming --variance-reduction, the problem and why (a negative Hessian eigenvalue lambda_min
# and the growth exp(2 |lambda_min| T)), from both `meanfield` and `weak --problem meanfield`; a
# mild growth still runs, and the convex problems (logreg, linreg) keep their control variates (on
# linreg the surrogate is the problem: 50 paths give the --exact weak errors).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
# meanfield's defaults before its default run became rounds on 2 neurons, 4 data and T = 1 (where the
# surrogate is stable and control variates run): 10 neurons, 16 data, T = 2
OLD=(--neurons 10 --gen-n 16 --T 2 --lr 0.4,0.2,0.1 --observables loss)

expect_fail "meanfield, 10 neurons on 16 data over T = 2: control variates refused" "--variance-reduction control-variate: the affine surrogate of problem meanfield" -- \
  "$S" meanfield "${OLD[@]}" --paths 100 --variance-reduction control-variate --quiet --out "$TMP/m"
err=$("$S" meanfield "${OLD[@]}" --paths 100 --variance-reduction control-variate --quiet --out "$TMP/m" 2>&1 >/dev/null)
check "the refusal gives lambda_min and the growth over --T" bash -c \
  "grep -q 'negative eigenvalue lambda_min = -' <<<\"\$0\" && grep -q 'exp(2 |lambda_min| T) = ' <<<\"\$0\" && grep -q 'over --T 2' <<<\"\$0\"" "$err"
check "no results.json after the refusal" test ! -e "$TMP/m/results.json"
expect_fail "weak --problem meanfield: control variates refused" "negative eigenvalue lambda_min" -- \
  "$S" weak --problem meanfield --paths 100 --lr 0.2,0.1 --T 2 --variance-reduction control-variate --quiet --out "$TMP/w"
expect_ok "meanfield with a mild growth (4 neurons, 8 samples, T 0.8) still runs with control variates" -- \
  "$S" meanfield --neurons 4 --gen-n 8 --lr 0.4,0.2 --T 0.8 --paths 200 --variance-reduction control-variate --quiet --out "$TMP/mm"
expect_ok "logreg keeps control variates" -- \
  "$S" weak --problem logreg --gen-n 64 --gen-d 2 --models sme1 --T 1 --lr 0.2,0.1 --paths 200 --variance-reduction control-variate \
  --quiet --out "$TMP/lg"
L=(weak --problem linreg --gen-n 64 --gen-d 2 --models sme1,smf2 --T 1 --lr 0.2,0.1 --observables "x0,x0*x1,loss" --quiet)
"$S" "${L[@]}" --paths 50 --variance-reduction control-variate --out "$TMP/lc"
"$S" "${L[@]}" --exact --out "$TMP/lx"
check "linreg: control variates still give the exact weak errors" bash -c \
  "paste -d, $TMP/lc/weak_errors.csv $TMP/lx/weak_errors.csv | awk -F, 'NR > 1 { d = \$4 - \$11; if (d < 0) d = -d; if (d > 1e-15 + 1e-9 * \$11) bad = 1; n++ } END { exit !(n == 12 && !bad) }'"
finish
