# sgdlab train from the command line: bad input gives a clear message and a non-zero exit
# without touching earlier output; results.json has the documented keys; a resumed run
# equals a straight run (weights bitwise); 1 and 2 threads give the same numbers; the
# geometry section is there with its three fluctuation figures.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
MNIST=$SGDL_SRC/data/mnist
SMALL="--data $MNIST --train 2000 --test 500 --hidden 32 --quiet"

expect_fail "no --data" "--data" -- $S train
expect_fail "missing folder" "--data" -- $S train --data "$TMP/nowhere"
expect_fail "unknown activation" "--act" -- $S train $SMALL --act swish
expect_fail "bad hidden list" "--hidden" -- $S train $SMALL --hidden 32,x
expect_fail "unknown optimiser" "--algo" -- $S train $SMALL --algo rmsprop
expect_fail "negative lr" "--lr" -- $S train $SMALL --lr -0.1
expect_fail "zero batch" "--batch" -- $S train $SMALL --batch 0
expect_fail "momentum out of range" "--momentum" -- $S train $SMALL --algo hb --momentum 1.5
expect_fail "overlapping split" "overlap" -- $S train --data "$MNIST" --train 9000 --test 2000
expect_fail "unknown flag" "--epoch" -- $S train $SMALL --epoch 3

# corrupted data folders, written here
mkdir -p "$TMP/trunc" "$TMP/magic"
cp "$MNIST/t10k-labels-idx1-ubyte.gz" "$TMP/trunc/" && cp "$MNIST/t10k-labels-idx1-ubyte.gz" "$TMP/magic/"
gzip -dc "$MNIST/t10k-images-idx3-ubyte.gz" | head -c 100000 >"$TMP/trunc/t10k-images-idx3-ubyte"
gzip -dc "$MNIST/t10k-labels-idx1-ubyte.gz" >"$TMP/magic/t10k-images-idx3-ubyte"
expect_fail "truncated image file" "t10k-images-idx3-ubyte: truncated" -- $S train --data "$TMP/trunc"
expect_fail "labels in place of images" "bad magic" -- $S train --data "$TMP/magic"
echo "not weights" >"$TMP/junk.bin"
expect_fail "resume from a junk file" "junk.bin" -- $S train $SMALL --resume "$TMP/junk.bin"
echo keep >"$TMP/blocker"
expect_fail "unwritable --out" "--out" -- $S train $SMALL --out "$TMP/blocker/sub"

# a small run, and its outputs
expect_ok "small run" -- $S train $SMALL --epochs 2 --out "$TMP/a"
for f in results.json curves.csv curves.gp confusion.csv weights.bin; do
  check "$f written" test -s "$TMP/a/$f"
done
for key in '"test_accuracy"' '"train_loss"' '"test_loss"' '"examples_per_second"' '"confusion"' '"network"' '"seed"'; do
  check "results.json has $key" grep -q "$key" "$TMP/a/results.json"
done
acc=$(/usr/bin/python3 -c "import json;print(json.load(open('$TMP/a/results.json'))['final_test_accuracy'])")
check "small run learns (held-out accuracy $acc > 0.7; 2000 digits, 2 epochs, 32 hidden units)" /usr/bin/python3 -c "import sys; sys.exit(0 if $acc > 0.7 else 1)"
check "curves.csv has one row per epoch" test "$(wc -l <"$TMP/a/curves.csv")" -eq 3

# resume: 1 + 1 epochs == 2 epochs, bitwise (heavy ball, so the momentum state matters)
expect_ok "straight 2 epochs" -- $S train $SMALL --algo hb --lr 0.01 --batch 8 --epochs 2 --save "$TMP/w2.bin"
expect_ok "first epoch" -- $S train $SMALL --algo hb --lr 0.01 --batch 8 --epochs 1 --save "$TMP/w1.bin"
expect_ok "resumed epoch" -- $S train $SMALL --lr 0.01 --batch 8 --epochs 1 --resume "$TMP/w1.bin" --save "$TMP/w1b.bin"
check "resumed weights = straight weights (bitwise)" cmp -s "$TMP/w2.bin" "$TMP/w1b.bin"
expect_fail "resume with other layers" "--hidden" -- $S train $SMALL --hidden 64 --resume "$TMP/w1.bin"
expect_fail "resume with another optimiser" "--algo" -- $S train $SMALL --algo adam --resume "$TMP/w1.bin"

# threads: same numbers
strip() { grep -v -e '"threads"' -e 'seconds' -e 'examples_per_second' -e '^ *[0-9.e+-]*,\?$' "$1"; }
$S train $SMALL --batch 16 --epochs 1 --threads 1 --json >"$TMP/t1.json"
$S train $SMALL --batch 16 --epochs 1 --threads 2 --json >"$TMP/t2.json"
check "1 and 2 threads: same final loss" bash -c "diff <(grep final_ $TMP/t1.json) <(grep final_ $TMP/t2.json) >/dev/null"

# float32: 1 and 2 threads give bitwise the same weights; the dtype is recorded; unknown names refused
$S train $SMALL --batch 16 --epochs 1 --threads 1 --dtype float32 --save "$TMP/f1.bin" --json >"$TMP/f1.json"
$S train $SMALL --batch 16 --epochs 1 --threads 2 --dtype float32 --save "$TMP/f2.bin" --json >"$TMP/f2.json"
check "float32: 1 and 2 threads, same weights (bitwise)" cmp -s "$TMP/f1.bin" "$TMP/f2.bin"
check "float32: 1 and 2 threads, same final loss" bash -c "diff <(grep final_ $TMP/f1.json) <(grep final_ $TMP/f2.json) >/dev/null"
check "float32 recorded in results" grep -q '"dtype":[[:space:]]*"float32"' "$TMP/f1.json"
check "float64 recorded by default" grep -q '"dtype":[[:space:]]*"float64"' "$TMP/t1.json"
expect_fail "unknown dtype" "--dtype" -- $S train $SMALL --dtype float16

# divergence: message names --lr, earlier results survive
mkdir -p "$TMP/div" && echo '{"old": true}' >"$TMP/div/results.json"
expect_fail "diverging run" "--lr" -- $S train $SMALL --lr 1e200 --out "$TMP/div"
check "earlier results.json survives a failed run" grep -q '"old"' "$TMP/div/results.json"

# geometry: the section, its keys and files
expect_ok "geometry" -- $S train --data "$MNIST" --train 1000 --test 200 --hidden 16 --epochs 2 --geometry 3 --geometry-steps 2000 --out "$TMP/g" --quiet
for key in '"geometry"' '"hessian_eigenvalues"' '"noise_eigenvalues"' '"alignment"' '"sme1"' '"discrete"' '"measured_restricted"' '"measured_total"'; do
  check "geometry has $key" grep -q "$key" "$TMP/g/results.json"
done
check "spectra.csv written" test -s "$TMP/g/spectra.csv"
check "fluctuation.csv written" test -s "$TMP/g/fluctuation.csv"
check "predictions are positive and ordered sme2 <= sme1 <= discrete" /usr/bin/python3 -c "
import json; x = json.load(open('$TMP/g/results.json'))['geometry']['excess_loss']
assert 0 < x['sme2'] <= x['sme1'] <= x['discrete'], x"
finish
