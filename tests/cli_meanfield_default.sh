# sgdlab meanfield with no flags answers its question (cmd_meanfield.c, study_rounds_cli.h):
#  - it runs in rounds of 1e4 antithetic paths (--precision 0.3 --floor 0.02 --max-paths 6.4e5
#    --variance-reduction antithetic by default) and every weak error ends precise or below the
#    floor, none unresolved;
#  - what it shows: on norm2, SMF2 is resolved and closer to particle SGD than SMF1 and GF at every
#    learning rate, and GF's and SMF1's norm2 errors are resolved with fitted orders near 1;
#  - `--paths N` alone is one plain round as before (no rounds, no antithetic pairs, none of those
#    defaults in params); `--precision` alone runs rounds without the default floor and pairs.
# The default run: about 5 s of CPU (1 thread), numbers a function of the seed; minutes under the
# sanitizers, so the sanitizer pass skips it. ctest-label: slow
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
PY=/usr/bin/python3
expect_ok "meanfield with no flags" -- "$S" meanfield --threads 2 --quiet --out "$TMP/d"
R=$TMP/d/results.json
check "the default run went in rounds of 1e4 antithetic paths" $PY -c "
import json,sys; r = json.load(open(sys.argv[1])); p = r['params']
sys.exit(not (r['rounds']['round_paths'] == 1e4 and r['rounds']['precision'] == 0.3 and r['rounds']['floor'] == 0.02
              and r['rounds']['max_paths'] == 6.4e5 and r['variance_reduction'] == 'antithetic' and p['precision'] == '0.3'))" "$R"
check "every error of the default run is precise or below the floor" $PY -c "
import json,sys; e = json.load(open(sys.argv[1]))['errors']
sys.exit(not (len(e) == 18 and all(u['status'] in ('precise', 'below-floor') for u in e)))" "$R"
check "norm2: SMF2 resolved and closer to SGD than SMF1 and GF at every lr" $PY -c "
import json,sys; e = json.load(open(sys.argv[1]))['errors']
n = {(u['model'], u['lr']): u for u in e if u['observable'] == 'norm2'}
sys.exit(not all(n[('smf2', a)]['ci95'][1] < min(n[('smf1', a)]['ci95'][0], n[('gf', a)]['ci95'][0]) for a in (0.1, 0.05)) or
         not all(n[('smf2', a)]['sup_error'] < min(n[('smf1', a)]['sup_error'], n[('gf', a)]['sup_error']) for a in (0.1, 0.05, 0.025)))" "$R"
check "norm2: GF and SMF1 resolved, fitted orders within [0.6, 1.4]" $PY -c "
import json,sys; r = json.load(open(sys.argv[1]))
ok = all(u['resolved'] for u in r['errors'] if u['observable'] == 'norm2' and u['model'] in ('gf', 'smf1'))
o = {u['model']: u['order'] for u in r['orders'] if u['observable'] == 'norm2'}
sys.exit(not (ok and 0.6 <= o['gf'] <= 1.4 and 0.6 <= o['smf1'] <= 1.4))" "$R"
expect_ok "meanfield --paths 1000: one plain round" -- "$S" meanfield --paths 1000 --quiet --out "$TMP/p"
check "--paths alone: no rounds, no antithetic pairs, no round defaults in params" $PY -c "
import json,sys; r = json.load(open(sys.argv[1])); p = r['params']
sys.exit('rounds' in r or 'variance_reduction' in r or any(k in p for k in ('precision', 'floor', 'max-paths', 'variance-reduction')))" "$TMP/p/results.json"
expect_ok "meanfield --precision 0.5 --paths 1000 --max-paths 2000" -- "$S" meanfield --precision 0.5 --paths 1000 --max-paths 2000 --quiet --out "$TMP/q"
check "--precision given: rounds without the default floor and pairs" $PY -c "
import json,sys; r = json.load(open(sys.argv[1])); p = r['params']
sys.exit(not ('rounds' in r and r['rounds']['floor'] == 0 and 'variance_reduction' not in r and 'floor' not in p))" "$TMP/q/results.json"
expect_ok "meanfield --precision 0.5 alone (its --paths the default)" -- "$S" meanfield --precision 0.5 --lr 0.1 --T 0.2 --max-paths 2e4 --quiet --out "$TMP/pa"
check "--precision alone: rounds of the default 1e4 paths, no default floor or pairs" $PY -c "
import json,sys; r = json.load(open(sys.argv[1]))
sys.exit(not ('rounds' in r and r['rounds']['round_paths'] == 1e4 and r['rounds']['floor'] == 0 and 'variance_reduction' not in r))" "$TMP/pa/results.json"
expect_ok "meanfield --max-paths 2e4 alone keeps the other round defaults" -- "$S" meanfield --lr 0.1 --T 0.2 --max-paths 2e4 --quiet --out "$TMP/mp"
check "--max-paths alone: default precision, floor and pairs, the given bound" $PY -c "
import json,sys; r = json.load(open(sys.argv[1])); q = r['rounds']
sys.exit(not (q['precision'] == 0.3 and q['floor'] == 0.02 and q['max_paths'] == 2e4 and r['variance_reduction'] == 'antithetic'))" "$TMP/mp/results.json"
# the defaults step aside where they cannot apply, instead of naming flags the user never gave
expect_ok "more than 2048 samples: the default pairs step aside (no sample mirror)" -- "$S" meanfield --gen-n 3000 --lr 0.1 --T 0.1 --models gf --max-paths 2e4 --quiet --out "$TMP/big"
check "... and results.json says no variance reduction ran" $PY -c "
import json,sys; sys.exit('variance_reduction' in json.load(open(sys.argv[1])))" "$TMP/big/results.json"
err=$("$S" meanfield --exact --lr 0.1 --T 0.1 --models gf --quiet 2>&1 >/dev/null)
check "--exact: the real reason, not the default --precision ($err)" bash -c '! grep -qF -- --precision <<<"$1"' _ "$err"
expect_ok "--nag-iterate torch runs without the default rounds" -- "$S" meanfield --algo nag --nag-iterate torch --models msme1 --lr 0.1 --T 0.1 --quiet
finish
