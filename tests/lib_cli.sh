# Helpers for the command-line tests (sourced). Each check prints a line on failure;
# finish prints the plain closing line "N passed, N failed" and exits non-zero on failure.
SGDLAB=${1:?usage: bash cli_*.sh path/to/sgdlab}
PASS=0
FAIL=0
TMP=$(mktemp -d /tmp/sgdl_cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

# expect_fail "description" "message substring" -- command...
# The command must exit non-zero and print the substring on stderr.
expect_fail() {
  local what=$1 needle=$2
  shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -eq 0 ]; then bad "$what: exit 0 (expected failure)"; return; fi
  if ! grep -qF -- "$needle" <<<"$err"; then bad "$what: message lacks '$needle': $err"; return; fi
  ok
}

# expect_ok "description" -- command...
expect_ok() {
  local what=$1
  shift 2
  local out
  if ! out=$("$@" 2>&1); then bad "$what: failed: $out"; return; fi
  ok
}

# check "description" command... (any shell test)
check() {
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
