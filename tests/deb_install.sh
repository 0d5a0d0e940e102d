#!/usr/bin/env bash
# ctest-label: slow
# The Debian package, round trip: build it (cpack -G DEB in the build tree, as `make deb`), install
# it with apt-get (which pulls its Depends), check what a user gets from the installed files alone
# (the sgdlab command on PATH, libsgdlab.so.0 in the loader's cache, pkg-config, and the Python
# package importable by /usr/bin/python3 without PYTHONPATH or SGDLAB_LIB, its numbers those of the
# installed binary), then remove it and check that none of its files is left.
# Changes the machine: root only; skipped (77) without root or apt, and when a sgdlab package is
# already installed (it is not this test's to remove). Usage: deb_install.sh [BUILD_DIR]
set -euo pipefail
BUILD=$(cd "${1:-${SGDL_BUILD:-build}}" && pwd)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! command -v cpack >/dev/null; then
  echo "deb_install: skipped (needs root, apt-get and cpack)"; exit 77
fi
if dpkg-query -W -f='${Status}' sgdlab 2>/dev/null | grep -q "install ok installed"; then
  echo "deb_install: skipped (a sgdlab package is installed already)"; exit 77
fi
export DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1
(cd "$BUILD" && rm -f sgdlab_*.deb && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD"/sgdlab_*_*.deb)
tmp=$(mktemp -d)
cleanup() { apt-get remove -y -qq sgdlab >/dev/null 2>&1 || true; dpkg --purge sgdlab >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
dpkg-deb -I "$deb" | grep -E "Depends|Recommends"
apt-get install -y -qq "$deb" >/dev/null
files=$(dpkg -L sgdlab)

cd "$tmp"
clean_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp" OMP_NUM_THREADS=2 PYTHONDONTWRITEBYTECODE=1)
[ "$("${clean_env[@]}" sh -c 'command -v sgdlab')" = /usr/bin/sgdlab ]
"${clean_env[@]}" sgdlab --version
"${clean_env[@]}" sgdlab weak --problem double-well --lr 0.2,0.1 --T 0.6 --paths 2000 --models sme1,sme2 --quiet --out cli
# (the cache listed first: grep -q stopping early would fail the pipe under pipefail)
cache=$(ldconfig -p)
grep -Eq "libsgdlab.so.0 .*=> (/usr)?/lib/libsgdlab.so.0$" <<<"$cache" || { echo "libsgdlab.so.0 not in ld.so.cache"; exit 1; }
[ "$("${clean_env[@]}" pkg-config --modversion sgdlab)" = "$(sgdlab --version | awk '{print $2}')" ]
"${clean_env[@]}" /usr/bin/python3 - <<'PY'
import json
import sgdlab

assert sgdlab.__file__ == "/usr/lib/python3/dist-packages/sgdlab/__init__.py", sgdlab.__file__
import os
assert os.path.realpath(sgdlab.library_path()) == "/usr/lib/libsgdlab.so.0.1.0", sgdlab.library_path()
kw = dict(problem="double-well", lr=[0.2, 0.1], T=0.6, paths=2000, models="sme1,sme2")
drop = ("seconds", "version", "blas", "output_files")
ref = {k: v for k, v in json.load(open("cli/results.json")).items() if k not in drop}
for isolate in (False, True):
    r = sgdlab.weak(isolate=isolate, **kw)
    assert {k: v for k, v in r.raw.items() if k not in drop} == ref, f"isolate={isolate}: numbers differ from the binary"
print("deb_install: python", sgdlab.library_version(), "from", sgdlab.__file__, "with", sgdlab.library_path(),
      ": the numbers of /usr/bin/sgdlab")
PY

cd /
apt-get remove -y -qq sgdlab >/dev/null
left=""
while read -r f; do
  if [ -f "$f" ] || [ -L "$f" ] || { [ -d "$f" ] && [[ "$f" == *sgdlab* ]]; }; then left+=" $f"; fi
done <<<"$files"
[ -z "$left" ] || { echo "deb_install: left after apt-get remove:$left"; exit 1; }
if grep -q libsgdlab <<<"$(ldconfig -p)"; then echo "deb_install: libsgdlab still in ld.so.cache"; exit 1; fi
dpkg --purge sgdlab >/dev/null # no "rc" record left behind
echo "deb_install: installed, used and removed $(basename "$deb")"
