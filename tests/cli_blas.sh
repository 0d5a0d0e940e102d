# OpenBLAS kernels (src/cli/blas.c): results.json's "blas" names the library and its core; an
# explicit OPENBLAS_CORETYPE is respected and reported as "user"; when OpenBLAS falls back to a
# generic core (simulated by an LD_PRELOAD shim whose openblas_get_corename says "Prescott" while
# OPENBLAS_CORETYPE is unset), sgdlab re-executes itself exactly once with AVX2/AVX-512 kernels,
# and a build that ignores the value it set does not make it loop. The machine's own
# OPENBLAS_CORETYPE is not changed for any run that computes with BLAS: the shim runs use a 1-d
# problem, and the "Haswell" run asks for what the real library then runs anyway.
# ctest-needs: no-sanitizer (an LD_PRELOAD shim built outside the sanitizer flags)
#
# Usage: bash cli_blas.sh path/to/sgdlab
source "$(dirname "$0")/lib_cli.sh"
PY=/usr/bin/python3
S=("$SGDLAB" weak --problem double-well --lr 0.1 --paths 1000 --T 0.2 --models sme1 --json --quiet)
field() { $PY -c "import json,sys; b=json.load(open(sys.argv[1]))['blas']; print(b[sys.argv[2]])" "$@"; }
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { grep -qw "$1" <<<"$flags"; }
GENERIC='^(Unknown|Katmai|Coppermine|Northwood|Prescott|Banias|Atom|Core2|Penryn|Dunnington|Nehalem|Athlon|Opteron|Opteron_SSE3|Barcelona|Nano|Bobcat)$'

# 1. As this machine runs it: the key is there, the core is not a generic fallback on an AVX2 CPU.
"${S[@]}" >"$TMP/plain.json"
lib=$(field "$TMP/plain.json" library)
check "results.json has blas.library ($lib)" bash -c "[[ '$lib' == OpenBLAS* ]]"
core=$(field "$TMP/plain.json" core)
by=$(field "$TMP/plain.json" chosen_by)
if has avx2 && has fma; then
  check "core '$core' is not a generic fallback on an AVX2 CPU" bash -c "! [[ '$core' =~ $GENERIC ]]"
fi
if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "${OPENBLAS_CORETYPE,,}" = "${core,,}" ]; then
  check "inherited OPENBLAS_CORETYPE reported as user (got $by)" test "$by" = user
else
  check "chosen_by is sgdlab or openblas (got $by)" bash -c "[ '$by' = sgdlab ] || [ '$by' = openblas ]"
fi

# 2. An explicit choice is respected and reported.
if has avx2 && has fma; then
  OPENBLAS_CORETYPE=Haswell "${S[@]}" >"$TMP/haswell.json"
  check "explicit Haswell runs Haswell" test "$(field "$TMP/haswell.json" core)" = Haswell
  check "explicit Haswell reported as user" test "$(field "$TMP/haswell.json" chosen_by)" = user
  check "explicit Haswell reported in coretype_env" test "$(field "$TMP/haswell.json" coretype_env)" = Haswell
fi

# 3. The re-exec, with a shim that makes OpenBLAS look like a build that does not know this CPU.
cat >"$TMP/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void count_start(void) {
  FILE *f = fopen(getenv("SHIM_LOG"), "a");
  if (f) fputs("start\n", f), fclose(f);
}
char *openblas_get_corename(void) {
  if (getenv("SHIM_ALWAYS") || !getenv("OPENBLAS_CORETYPE")) return "Prescott";
  char *(*real)(void) = (char *(*)(void))dlsym(RTLD_NEXT, "openblas_get_corename");
  return real ? real() : "Prescott";
}
C
if ! ${CC:-cc} -shared -fPIC -o "$TMP/shim.so" "$TMP/shim.c" -ldl; then
  bad "cannot build the LD_PRELOAD shim"
  finish
  exit
fi
# shim N [VAR=value...] command...: run with the shim, logging process starts to $TMP/logN
shim() { env -u OPENBLAS_CORETYPE -u SGDLAB_BLAS_CORETYPE LD_PRELOAD="$TMP/shim.so" SHIM_LOG="$TMP/log$1" "${@:2}"; }
starts() { wc -l <"$TMP/log$1" | tr -d ' '; }
if has avx2 && has fma; then
  want=Haswell
  has avx512f && has avx512dq && has avx512cd && has avx512bw && has avx512vl && want=SkylakeX
  shim 1 "${S[@]}" >"$TMP/up.json"
  check "generic fallback: re-executed once ($(starts 1) starts)" test "$(starts 1)" = 2
  check "generic fallback: runs $want" test "$(field "$TMP/up.json" core)" = $want
  check "generic fallback: reported as sgdlab" test "$(field "$TMP/up.json" chosen_by)" = sgdlab
  check "generic fallback: OPENBLAS_CORETYPE reported" test "$(field "$TMP/up.json" coretype_env)" = $want

  # A build that ignores the value (always generic): one re-exec, no loop, honest report.
  shim 2 SHIM_ALWAYS=1 "${S[@]}" >"$TMP/loop.json"
  check "ignored value: exactly one re-exec ($(starts 2) starts)" test "$(starts 2)" = 2
  check "ignored value: reported as openblas's choice" test "$(field "$TMP/loop.json" chosen_by)" = openblas
fi
# A user's value, even a bogus one, is never replaced: no re-exec at all.
shim 3 SHIM_ALWAYS=1 OPENBLAS_CORETYPE=bogus "${S[@]}" >"$TMP/bogus.json"
check "bogus user value: no re-exec ($(starts 3) starts)" test "$(starts 3)" = 1
check "bogus user value: reported in coretype_env" test "$(field "$TMP/bogus.json" coretype_env)" = bogus
check "bogus user value: OpenBLAS's own choice" test "$(field "$TMP/bogus.json" chosen_by)" = openblas
# The once-guard inherited from a parent sgdlab: no second try.
shim 4 SHIM_ALWAYS=1 SGDLAB_BLAS_CORETYPE=SkylakeX "${S[@]}" >/dev/null
check "guard already set: no re-exec ($(starts 4) starts)" test "$(starts 4)" = 1

# 4. sgdlab info names the library and its core.
"$SGDLAB" info >"$TMP/info.txt"
check "info prints the BLAS library" grep -q '^blas: *OpenBLAS' "$TMP/info.txt"
check "info prints the core and who chose it" grep -q '^core: .*(chosen by ' "$TMP/info.txt"
finish
