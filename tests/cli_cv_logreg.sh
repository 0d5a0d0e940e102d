# Weak orders on logistic regression with control variates (issue 9; README "Control variates on
# finite data"), the reduced-size twin of the README's logreg example: generated N = 256, d = 3,
# T = 1, lr 0.2, 0.1, 0.05, 2 000 paths, --scheme em --substeps 8 (no exact answer exists here):
#  - every error the fits use is resolved, and the fitted orders separate the models: SME1 on E x0
#    about 1, SMF2 on E x0^2 about 2, with order intervals that exclude each other;
#  - the quadratic observables (xI*xJ, loss, norm2, grad_norm2) have control variates too: on linreg
#    (surrogate = problem) 50 paths give the --exact weak errors to 1e-9 relative;
#  - --precision with control variates gives bitwise the same results.json (less the wall time and
#    thread count) for 1 and 2 threads, over more than one round.
# ctest-label: slow
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
A=(weak --problem logreg --gen-n 256 --gen-d 3 --models sme1,smf2 --T 1 --variance-reduction control-variate
  --scheme em --substeps 8 --observables x0,x0^2)

expect_ok "logreg orders with control variates" -- "$S" "${A[@]}" --lr 0.2,0.1,0.05 --paths 2000 --threads 2 --quiet --out "$TMP/o"
# field of orders.csv (model,observable,order,ci95_lo,ci95_hi,points) for one row
field() { awk -F, -v m="$1" -v o="$2" -v f="$3" '$1 == m && $2 == o { print $f }' "$TMP/o/orders.csv"; }
in_range() { awk -v v="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(v >= a && v <= b) }'; }
check "every SME1 E x0 and SMF2 E x0^2 error is resolved" \
  awk -F, '($1 == "sme1" && $3 == "x0") || ($1 == "smf2" && $3 == "x0^2") { n++; if ($7 != 1) bad = 1 } END { exit !(n == 6 && !bad) }' \
  "$TMP/o/weak_errors.csv"
check "SME1 order on E x0 is about 1 ($(field sme1 x0 3) [$(field sme1 x0 4), $(field sme1 x0 5)])" \
  in_range "$(field sme1 x0 3)" 0.9 1.1
check "SMF2 order on E x0^2 is about 2 ($(field smf2 x0^2 3) [$(field smf2 x0^2 4), $(field smf2 x0^2 5)])" \
  in_range "$(field smf2 x0^2 3)" 1.8 2.2
check "the two order intervals exclude each other" \
  awk -v a="$(field sme1 x0 5)" -v b="$(field smf2 x0^2 4)" 'BEGIN { exit !(a + 0 < b + 0) }'

L=(weak --problem linreg --gen-n 256 --gen-d 3 --models sme1,smf2 --T 1 --lr 0.1,0.05 --observables "x0*x1,loss,norm2,grad_norm2" --quiet)
"$S" "${L[@]}" --paths 50 --variance-reduction control-variate --out "$TMP/lc"
"$S" "${L[@]}" --exact --out "$TMP/lx"
check "linreg: control variates on x0*x1, loss, norm2, grad_norm2 give the exact weak errors" bash -c \
  "paste -d, $TMP/lc/weak_errors.csv $TMP/lx/weak_errors.csv | awk -F, 'NR > 1 { d = \$4 - \$11; if (d < 0) d = -d; if (d > 1e-15 + 1e-9 * \$11) bad = 1; n++ } END { exit !(n == 16 && !bad) }'"

# Rounds with control variates: the same numbers for 1 and 2 threads.
strip() { grep -v -e '"seconds"' -e '"threads"' "$1"; }
R=(--lr 0.2,0.1 --paths 300 --precision 0.1 --max-paths 1200 --quiet)
"$S" "${A[@]}" "${R[@]}" --threads 1 --out "$TMP/r1"
"$S" "${A[@]}" "${R[@]}" --threads 2 --out "$TMP/r2"
check "--precision with control variates: 1 and 2 threads give identical results.json" \
  diff <(strip "$TMP/r1/results.json") <(strip "$TMP/r2/results.json")
check "more than one round ran" bash -c "grep -Eq '\"rounds\":[[:space:]]*([2-9]|[1-9][0-9])' $TMP/r1/results.json"
finish
