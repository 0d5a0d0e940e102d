#!/usr/bin/env bash
# Regenerates the seed corpora under fuzz/corpus/<harness>/ (valid inputs for each parser; the
# regression inputs of fixed crashes, named regress-*, are kept by hand and not touched here).
# Usage: bash fuzz/make_corpus.sh build/sgdlab   (the binary writes the weight-file seeds).
# Needs Debian's /usr/bin/python3 (gzip, struct); writes nothing outside fuzz/corpus.
set -euo pipefail
SGDLAB=$(realpath "${1:?usage: make_corpus.sh path/to/sgdlab}")
cd "$(dirname "$0")/corpus"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sgdl-corpus.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# CSV data sets: plain, header, comments and blank lines, CRLF, blanks around fields.
printf '1,2,3\n4,5,6\n' >fuzz_csv/plain.csv
printf 'x1,x2,y\n0.5,-1e-3,1\n2.5e2,3,0\n' >fuzz_csv/header.csv
printf '# a comment\n\n1,0\n0,1\n\n# end\n' >fuzz_csv/comments.csv
printf 'a,b\r\n1.5,2\r\n-3,4\r\n' >fuzz_csv/crlf.csv
printf ' 1 ,\t2 , 3\n4, 5 ,6 \n' >fuzz_csv/blanks.csv

# IDX files (raw and gzip) and uncompressed IDX content for the gzip-path harness; and matching
# tiny images/labels for the weight-file seeds (4x4 images, 3 classes).
/usr/bin/python3 - "$TMP" <<'PY'
import gzip, struct, sys
tmp = sys.argv[1]
def idx(dims, payload):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)
labels = idx([6], [0, 1, 2, 1, 0, 2])
images = idx([6, 4, 4], [(7 * i) % 256 for i in range(6 * 16)])
single = idx([1, 2, 3], [0, 255, 16, 32, 64, 128])
for name, data in [("labels", labels), ("images", images), ("single", single)]:
    open(f"fuzz_idx/{name}.idx", "wb").write(data)
    open(f"fuzz_idx/{name}.idx.gz", "wb").write(gzip.compress(data, mtime=0))
open("fuzz_idx_gz/images.idx", "wb").write(images)
open("fuzz_idx_gz/single.idx", "wb").write(single)
many = idx([40, 4, 4], [(13 * i) % 256 for i in range(40 * 16)])
lab = idx([40], [i % 3 for i in range(40)])
open(f"{tmp}/t10k-images-idx3-ubyte", "wb").write(many)
open(f"{tmp}/t10k-labels-idx1-ubyte", "wb").write(lab)
PY

# Matrices: first byte even = inline "a,b;c,d", odd = the rest is an @file with one row per line.
printf '\x002,1;1,3' >fuzz_matrix/inline.txt
printf '\x00 1e-2 , -4 ;\t5,6 ' >fuzz_matrix/blanks.txt
printf '\x011,0,0\n0,2,0\n0,0,3\n' >fuzz_matrix/file.txt
printf '\x017\n' >fuzz_matrix/scalar.txt

# Ranges: first byte even = linear, odd = geometric.
printf '\x000:1:5' >fuzz_range/linear.txt
printf '\x011e-3:1e-1:4' >fuzz_range/geometric.txt
printf '\x010.5:0.5:1' >fuzz_range/single.txt

# Options: the --config JSON, a NUL, then argv tokens one per line.
printf '{"lr":[0.1,0.05],"T":2,"sampling":"without","geometric":true,"lr-range":"1e-3:1:3"}\x00--paths\n1e4\n--H=2,1;1,3' \
  >fuzz_config/mixed.txt
printf '{"problem":"quadratic","H":"1,0;0,2","seed":7,"quiet":false}\x00--grid=8,16\n--momentum\n0.5' >fuzz_config/problem.txt
printf -- '--lr\n0.2,0.1\n--sampling=with\n--json' >fuzz_config/argv_only.txt

# Weight files: the sgdlab binary trains a tiny network (16 inputs, 3 hidden, 3 classes) with each optimiser.
for algo in sgd hb adam; do
  "$SGDLAB" train --data "$TMP" --train 30 --test 10 --hidden 3 --epochs 1 --batch 8 --algo "$algo" \
    --quiet --save "fuzz_weights/$algo.bin" >/dev/null
done
echo "make_corpus: seeds written under $(pwd)"
