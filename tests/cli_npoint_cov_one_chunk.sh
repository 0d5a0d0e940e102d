# A covariance's weak error from one chunk of replicas (npoint, --paths <= 256, no --precision): its
# jackknife has a single group, so no standard error: the error is reported without an interval
# (ci95 [null, null], resolved false, "no interval" in the summary), never as a [0, 0] interval;
# the other statistics keep theirs, and from more than one chunk (600 paths) the covariance has
# one. The Monte Carlo values sit beside the --exact ones (linreg, affine: exact moments).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3
A=(npoint --problem linreg --lr 0.2,0.1 --quiet)
expect_ok "npoint linreg, 200 paths" -- "$S" "${A[@]}" --paths 200 --out "$TMP/s"
expect_ok "npoint linreg, 600 paths" -- "$S" "${A[@]}" --paths 600 --out "$TMP/m"
expect_ok "npoint linreg, --exact" -- "$S" "${A[@]}" --exact --out "$TMP/x"
check "200 paths: every cov error has no interval (null, unresolved), dist2 and dot have finite ones" \
  $PY -c "import json,math,sys; e = json.load(open(sys.argv[1]))['errors']
cov = [u for u in e if u['observable'].startswith('cov')]; rest = [u for u in e if not u['observable'].startswith('cov')]
sys.exit(not cov or not rest or any(u['ci95'] != [None, None] or u['resolved'] or not math.isfinite(u['sup_error']) for u in cov)
         or any(None in u['ci95'] or u['ci95'][0] > u['ci95'][1] for u in rest))" "$TMP/s/results.json"
check "200 paths: the cov errors are near the exact ones (within 0.2 absolute)" \
  $PY -c "import json,sys; a, b = (json.load(open(f))['errors'] for f in sys.argv[1:])
sys.exit(len(a) != len(b) or any(abs(u['sup_error'] - v['sup_error']) > 0.2 for u, v in zip(a, b) if u['observable'].startswith('cov')))" \
  "$TMP/s/results.json" "$TMP/x/results.json"
check "600 paths (3 chunks): every cov error has a finite interval" \
  $PY -c "import json,sys; e = json.load(open(sys.argv[1]))['errors']
sys.exit(any(None in u['ci95'] or not u['ci95'][0] <= u['sup_error'] <= u['ci95'][1] for u in e if u['observable'].startswith('cov')))" \
  "$TMP/m/results.json"
out=$("$S" npoint --problem linreg --lr 0.2 --paths 200 2>&1)
check "the summary says no interval, not 'below 0'" bash -c \
  "grep -q 'cov\[0,1\] *unresolved *no interval' <<<\"\$0\" && ! grep -q 'below 0.000e+00' <<<\"\$0\"" "$out"
finish
