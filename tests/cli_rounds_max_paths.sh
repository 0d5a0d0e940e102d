# --precision rounds and --max-paths: no (model, lr) runs more than --max-paths replicas, and its
# replicas are its own ids 0 .. M - 1, also when it stopped and ran again a round later (the next
# round's smaller alpha widens its interval). Meanfield, 2 neurons on 4 samples, lr 0.5 and 0.25,
# rounds of 200 up to 800, seed 15: 5 rounds (one run reopens), each run 800 replicas at most, and
# the errors equal those of one plain run of 800 paths up to rounding (before the fix the reopened
# run took ids 800..999, past --max-paths, and its error differed by ~1e-2).
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3
# --observables loss: meanfield's default before it became loss,norm2 (the stop-and-reopen below is loss's)
A=(meanfield --neurons 2 --gen-n 4 --x0 0.8,-0.5,-0.6,1.2 --lr 0.5,0.25 --T 1 --models gf --observables loss --seed 15 --quiet)
expect_ok "rounds to --max-paths 800" -- "$S" "${A[@]}" --paths 200 --precision 0.5 --floor 0.05 --max-paths 800 --out "$TMP/r"
expect_ok "one plain run of 800 paths" -- "$S" "${A[@]}" --paths 800 --out "$TMP/p"
check "a run stopped and reopened: 5 rounds of 200 under --max-paths 800" \
  $PY -c "import json,sys; r = json.load(open(sys.argv[1]))['rounds']; sys.exit(r['rounds'] != 5)" "$TMP/r/results.json"
check "results.json: every (model, lr) ran at most --max-paths replicas, in whole rounds" \
  $PY -c "import json,sys; r = json.load(open(sys.argv[1]))['rounds']
sys.exit(not all(0 < u['paths'] <= r['max_paths'] and u['paths'] % r['round_paths'] == 0 for u in r['paths']))" "$TMP/r/results.json"
check "with 800 replicas each, the errors are those of one run of 800 paths (replica ids 0..799)" \
  $PY -c "import json,sys; a, b = (json.load(open(f))['errors'] for f in sys.argv[1:])
sys.exit(not all(u['paths'] == 800 for u in a) or len(a) != len(b)
         or any(abs(u['sup_error'] - v['sup_error']) > 1e-9 * abs(v['sup_error']) for u, v in zip(a, b)))" "$TMP/r/results.json" "$TMP/p/results.json"
finish
