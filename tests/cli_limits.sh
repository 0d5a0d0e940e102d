# What a run will need is checked before it starts (study_estimate.h): a run estimated beyond the
# time limit (24 h at the conservative rates, --max-hours to change it) or beyond the memory the
# machine has available is refused, with a message naming the flag, its figure and the way out;
# nothing is written. weak, npoint and meanfield with --paths 4294967295 are the issue's cases.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
for c in weak npoint meanfield; do
  expect_fail "$c --paths 4294967295 refused before it starts" "--paths 4294967295" -- \
    timeout 30 "$S" $c --paths 4294967295 --threads 2 --quiet --out "$TMP/$c"
  expect_fail "$c: the refusal gives the figure and the way out" "beyond the limit of 24 hours; lower it, or raise --max-hours" -- \
    timeout 30 "$S" $c --paths 4294967295 --threads 2 --quiet
  check "$c: the refused run wrote nothing" test ! -e "$TMP/$c"
done
expect_fail "--max-hours lowers the limit" "beyond the limit of 1e-06 hours" -- \
  "$S" weak --paths 2000 --T 1 --max-hours 1e-6 --quiet
expect_ok "the same run under the default limit runs" -- "$S" weak --paths 2000 --T 1 --quiet
expect_ok "--max-hours does not change the numbers" -- bash -c "
  diff <('$S' weak --paths 500 --T 0.5 --json | grep -v -e seconds -e max-hours) \
       <('$S' weak --paths 500 --T 0.5 --max-hours 100 --json | grep -v -e seconds -e max-hours)"
expect_fail "--max-hours must be positive" "--max-hours" -- "$S" weak --max-hours 0 --quiet
expect_fail "memory beyond what is available is refused, naming the flags" "of memory available" -- \
  "$S" weak --T 1e6 --lr 0.01 --quiet
finish
