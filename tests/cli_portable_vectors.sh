# The sources with GCC vector types (vector_size) build warning-free without AVX as well: a
# build without -march=native (the sanitizer build, Debug, another machine) must stay warnings-clean
# under the project's flags. gcc notes -Wpsabi wherever a 32- or 64-byte vector is returned or
# passed by value and the target lacks AVX; such vectors only pass between static inline helpers
# here, so each file states that no ABI is at stake (as src/problem/dataset.c does).
# Checks: every src/**/*.c containing vector_size compiles with -O2 -mno-avx and the warning flags
# of CMakeLists.txt (SGDL_WARN) under -Werror. Does not: run anything, or check clang.
# Usage: bash cli_portable_vectors.sh path/to/sgdlab   (ctest; SGDL_SRC is the source tree)
source "$(dirname "$0")/lib_cli.sh"
SRC=${SGDL_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
WARN=(-Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter)
mapfile -t files < <(grep -rl "vector_size" "$SRC/src" --include='*.c' | sort)
check "some source uses vector types (the grep found none under $SRC/src)" test "${#files[@]}" -gt 0
for f in "${files[@]}"; do
  expect_ok "${f#"$SRC"/} compiles warning-free without AVX" -- \
    ${CC:-cc} -std=c11 -O2 -mno-avx -D_POSIX_C_SOURCE=200809L -DSGDL_VERSION='"test"' "${WARN[@]}" -Werror \
    -fopenmp -I"$SRC/include" -I"$SRC/src" -c "$f" -o "$TMP/$(basename "$f").o"
done
finish
