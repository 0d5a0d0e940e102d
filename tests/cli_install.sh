# The installed sgdlab: `cmake --install` of the build into a temporary prefix, then, from that
# prefix only: the binary runs; examples/api/weak_study.c compiles and links through pkg-config
# (sgdlab.pc) and runs; a CMake project finds it with find_package(sgdlab); the Python package
# finds the installed libsgdlab.so by itself (no SGDLAB_LIB) and gives the numbers of the binary.
# ctest-needs: no-sanitizer (programs built outside the sanitizer flags cannot load its library)
#
# Usage: bash cli_install.sh path/to/sgdlab   (ctest; the build folder is $SGDL_BUILD)
source "$(dirname "$0")/lib_cli.sh"
PREFIX="$TMP/prefix"
PY=/usr/bin/python3

expect_ok "cmake --install into a temporary prefix" -- cmake --install "$SGDL_BUILD" --prefix "$PREFIX"
LIBDIR=$(dirname "$(find "$PREFIX" -name libsgdlab.so.0 | head -1)")
check "libsgdlab.so.0 installed with its soname link" test -n "$LIBDIR" -a -L "$LIBDIR/libsgdlab.so"
check "soname is libsgdlab.so.0" bash -c "objdump -p '$LIBDIR/libsgdlab.so' | grep -q 'SONAME *libsgdlab.so.0'"
check "public headers installed" test -f "$PREFIX/include/sgdlab/study.h" -a -f "$PREFIX/include/sgdlab/run.h"
check "installed binary runs" bash -c "'$PREFIX/bin/sgdlab' --version | grep -q '^sgdlab '"

# C through pkg-config, built from the installed files only.
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
check "pkg-config knows sgdlab" bash -c "pkg-config --modversion sgdlab | grep -q '^[0-9]'"
check "sgdlab.pc points into the prefix" bash -c "pkg-config --cflags sgdlab | grep -qF -- '-I$PREFIX/include' || pkg-config --cflags sgdlab | grep -q 'prefix/'"
# shellcheck disable=SC2046
expect_ok "weak_study.c compiles against the installed copy" -- \
  ${CC:-cc} -std=c11 -Wall -Werror "$SGDL_SRC/examples/api/weak_study.c" $(pkg-config --cflags --libs sgdlab) -o "$TMP/weak_study"
out=$(LD_LIBRARY_PATH="$LIBDIR" OMP_NUM_THREADS=2 "$TMP/weak_study" 3000 2>&1)
check "installed weak_study runs and fits orders: $out" grep -q "sme2  fitted order" <<<"$out"
check "it uses the installed library" bash -c "LD_LIBRARY_PATH='$LIBDIR' ldd '$TMP/weak_study' | grep -qF '$LIBDIR/libsgdlab.so.0'"

# CMake: find_package(sgdlab) and the target sgdlab::sgdlab.
mkdir -p "$TMP/cmk"
cat >"$TMP/cmk/CMakeLists.txt" <<CMK
cmake_minimum_required(VERSION 3.18)
project(use_sgdlab LANGUAGES C)
find_package(sgdlab 0.1 REQUIRED)
add_executable(weak_study "$SGDL_SRC/examples/api/weak_study.c")
target_link_libraries(weak_study PRIVATE sgdlab::sgdlab)
CMK
expect_ok "find_package(sgdlab) configures" -- cmake -S "$TMP/cmk" -B "$TMP/cmk/build" -DCMAKE_PREFIX_PATH="$PREFIX"
expect_ok "and builds against sgdlab::sgdlab" -- cmake --build "$TMP/cmk/build"
check "which runs" bash -c "OMP_NUM_THREADS=2 '$TMP/cmk/build/weak_study' 2000 | grep -q 'fitted order'"

# Python from the installed package, finding the installed library relative to itself.
PYDIR=$(dirname "$(find "$PREFIX" -path '*/sgdlab/__init__.py' | head -1)")
check "python package installed" test -f "$PYDIR/_installed.py"
pyout=$(cd "$TMP" && env -u SGDLAB_LIB PYTHONPATH="$(dirname "$PYDIR")" PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS=2 $PY -c "
import json, subprocess, sgdlab
kw = dict(problem='double-well', lr=[0.2, 0.1], T=1, paths=1000, models='sme1,sme2')
r = sgdlab.weak(**kw)
cli = json.loads(subprocess.run(['$PREFIX/bin/sgdlab', 'weak', *sgdlab.flags(**kw), '--json', '--quiet'],
                                capture_output=True, text=True, check=True).stdout)
drop = lambda d: {k: v for k, v in d.items() if k not in ('seconds', 'version')}
print(sgdlab.library_path())
print('same' if drop(r.raw) == drop(cli) else 'different')
" 2>&1)
check "installed python loads the installed library: $pyout" grep -qF "$LIBDIR/" <<<"$pyout"
check "installed python gives the binary's numbers: $pyout" grep -qx same <<<"$pyout"
finish
