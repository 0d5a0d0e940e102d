# Coverage of the weak-error intervals at tiny path counts (Student's t, not the normal z): svag at
# l = 1 is SGD in law, so its true weak error is 0 and every "resolved" error (interval excluding
# 0) is a false one. At --paths 3 over 100 seeds the intervals with z = 1.96 resolved 17 (nominal
# at most 5%); with Student's t at the Welch-Satterthwaite dof of the two 3-path means (2 .. 4),
# 1 of 100. The check: at most 11 of 100 (P(X >= 12) = 0.4% for a binomial(100, 0.05)). ~3 s.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
false_resolved=0
runs_ok=1
for seed in $(seq 1 100); do
  out=$($S weak --problem linreg --gen-n 16 --lr 0.1 --T 0.5 --models svag --svag-l 1 --observables x0 --paths 3 \
    --seed "$seed" --threads 1 2>&1) || runs_ok=0
  row=$(grep -E "^  svag +0.1 +x0 " <<<"$out")
  [ -n "$row" ] || runs_ok=0
  grep -q unresolved <<<"$row" || false_resolved=$((false_resolved + 1))
done
check "100 runs at --paths 3 printed their error row" test "$runs_ok" = 1
check "false resolutions at --paths 3: $false_resolved of 100, consistent with <= 5%" test "$false_resolved" -le 11
finish
