# An output folder is one unit (README "Reliability" / "Output folders"): kill -9 at random moments
# of a `weak --out DIR` run over an earlier complete run leaves DIR holding exactly one complete set
# (every file results.json's "output_files" names, with its size and CRC-32, and nothing else), and
# the next successful run leaves no staging folder or temporary file behind; a failing run leaves
# the earlier set intact; files of an earlier set that a new run does not produce are removed,
# files no set names are kept; a second run into a folder in use fails naming --out and the
# owner's pid; train's weights file belongs to the set.
# ctest-label: slow
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$SGDL_SRC/data/mnist
D=$TMP/run
WEAK=(weak --problem double-well --lr 0.2,0.1 --T 1 --paths 2e4 --models sme1,smf2 --threads 2 --quiet)

# consistent DIR [extra names allowed]: results.json parses, its manifest matches every file, and
# DIR holds nothing else (but .sgdlab-lock, the lock a killed run leaves, and the extras).
consistent() {
  /usr/bin/python3 - "$@" <<'PY'
import json, os, sys, zlib
d, extra = sys.argv[1], set(sys.argv[2:])
try:
    m = json.load(open(os.path.join(d, "results.json")))["output_files"]
except Exception as e:
    print("   no complete results.json:", e); sys.exit(1)
for name, want in m.items():
    try:
        data = open(os.path.join(d, name), "rb").read()
    except OSError as e:
        print("   missing", name, e); sys.exit(1)
    if len(data) != want["bytes"] or "%08x" % (zlib.crc32(data) & 0xffffffff) != want["crc32"]:
        print("   checksum mismatch:", name); sys.exit(1)
stray = set(os.listdir(d)) - set(m) - {"results.json", ".sgdlab-lock"} - extra
if stray:
    print("   stray entries:", sorted(stray)); sys.exit(1)
PY
}
# No staging folder beside or inside DIR, no temporary file in it, no lock left by a finished run.
clean() {
  local left
  left=$(cd "$TMP" && ls -A | grep -e '\.staging-' ; cd "$1" && ls -A | grep -e '\.staging-' -e '\.tmp-' -e '\.sgdlab-lock')
  [ -z "$left" ] || { echo "   left behind: $left"; return 1; }
}

expect_ok "first complete run" -- $S "${WEAK[@]}" --seed 1 --out "$D"
check "first run: one consistent set" consistent "$D"
check "first run: nothing left behind" clean "$D"
check "weak.png is part of the set" grep -q '"weak.png"' "$D/results.json"

# kill -9 at 20 random moments of a run over the earlier set
t0=$(date +%s%N)
$S "${WEAK[@]}" --seed 2 --out "$D" >/dev/null 2>&1
span=$((($(date +%s%N) - t0) / 1000000 + 100)) # ms, one run plus a margin
RANDOM=7
bad_kills=0 killed=0
for k in $(seq 1 20); do
  $S "${WEAK[@]}" --seed $((10 + k)) --out "$D" >/dev/null 2>&1 &
  pid=$!
  ms=$((RANDOM % span))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 $pid 2>/dev/null && killed=$((killed + 1))
  wait $pid 2>/dev/null
  consistent "$D" || { bad_kills=$((bad_kills + 1)); echo "   after kill $k"; }
done
echo "20 kills: $killed hit a running process, $bad_kills left DIR inconsistent"
check "after each of 20 kills DIR holds one consistent set" test $bad_kills -eq 0
expect_ok "a run after the kills" -- $S "${WEAK[@]}" --seed 40 --out "$D"
check "after the kills and a good run: one consistent set" consistent "$D"
check "after the kills and a good run: no staging folder or temporary file left" clean "$D"

# stale leftovers of dead processes are removed by the next run
mkdir -p "$TMP/.run.staging-999999" "$D/.staging-999998"
echo x >"$D/series.csv.tmp-999997"
expect_ok "run over stale leftovers" -- $S "${WEAK[@]}" --seed 41 --out "$D"
check "stale staging folders and temporary files removed" clean "$D"

# a failing run leaves the earlier set as it was
cp "$D/results.json" "$TMP/before.json"
expect_fail "diverging weak run" "diverged" -- $S weak --problem quadratic --H 1 --lr 2.5 --T 2500 --paths 200 --out "$D"
expect_fail "diverging fpe run" "diverged" -- $S fpe --lr 2 --T 100 --out "$D"
check "failed runs: results.json unchanged" cmp -s "$D/results.json" "$TMP/before.json"
check "failed runs: the earlier set intact" consistent "$D"
check "failed runs: nothing left behind" clean "$D"
expect_fail "failing run into a new folder" "diverged" -- $S fpe --lr 2 --T 100 --out "$TMP/fresh"
check "a failed run does not leave the folder it created" test ! -e "$TMP/fresh"

# another command into the same folder: exactly its set; a file no set names stays
echo "my notes" >"$D/notes.txt"
expect_ok "fpe over the weak set" -- $S fpe --problem double-well --lr 0.1 --model sme1 --x0 -1 --T 1 --grid 201 --stationary --out "$D" --quiet
check "fpe set: consistent, notes kept" consistent "$D" notes.txt
check "the weak files are gone" test ! -e "$D/series.csv"
check "notes kept" grep -q "my notes" "$D/notes.txt"
(cd "$D" && $S "${WEAK[@]}" --out . >/dev/null 2>&1)
check "--out . (published file by file): consistent, notes kept" consistent "$D" notes.txt
check "--out .: nothing left behind" clean "$D"

# two runs into one folder: the second fails at start, naming --out and the owner's pid
$S weak --problem double-well --lr 0.2,0.1 --T 1 --paths 1e6 --models sme1 --threads 1 --quiet --out "$D" &
owner=$!
for _ in $(seq 1 100); do [ "$(cat "$D/.sgdlab-lock" 2>/dev/null)" = "$owner" ] && break; sleep 0.05; done
expect_fail "second run into a folder in use" "--out $D: the folder is in use by another sgdlab run (pid $owner" -- \
  $S "${WEAK[@]}" --out "$D"
wait $owner
check "the first run finished" test $? -eq 0
check "the first run's set is there" consistent "$D" notes.txt

# train: the weights file belongs to the set (default name and --save inside --out)
if [ -d "$MNIST" ]; then
  expect_ok "train into a set" -- $S train --data "$MNIST" --train 500 --test 100 --hidden 8 --epochs 1 --quiet --out "$TMP/tr"
  check "weights.bin in the manifest" grep -q '"weights.bin"' "$TMP/tr/results.json"
  check "train set consistent" consistent "$TMP/tr"
  check "results.json names the final weights path" grep -q "\"weights\":[[:space:]]*\"$TMP/tr/weights.bin\"" "$TMP/tr/results.json"
  expect_ok "train --save inside --out" -- $S train --data "$MNIST" --train 500 --test 100 --hidden 8 --epochs 1 --quiet \
    --out "$TMP/tr" --save "$TMP/tr/w.bin"
  check "w.bin in the manifest, weights.bin gone" bash -c "grep -q '\"w.bin\"' $TMP/tr/results.json && test ! -e $TMP/tr/weights.bin"
  check "train set consistent after --save" consistent "$TMP/tr"
fi
finish
