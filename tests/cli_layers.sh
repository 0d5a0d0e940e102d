# The layer arrows of DESIGN.md, checked on the built static libraries with nm.
#
# Each layer is build/libsgdl_<layer>.a. A library may reference (nm `U`) an sgdl_ symbol only
# when the library that defines it belongs to its own layer or to a layer below it:
#   core < rng < linalg < problem < dynamics < ensemble < {exact, pde, nn} < study
# exact, pde and nn are siblings (none may reference another); report depends only on core and no
# layer library may reference report (it is a leaf used by the CLI alone; study in particular must
# not use it). Every violating (layer, symbol, defining layer) triple is printed.
# It also keeps the old duplicate check: static layers link silently to one of two definitions of a
# global symbol, so no global symbol may be defined in two layers.
# It does not look at the CLI (which may use every layer) nor at symbols outside the sgdl_ prefix.
#
# Usage: bash cli_layers.sh path/to/sgdlab     (ctest; the libraries are in $SGDL_BUILD)
#        bash cli_layers.sh --selftest         (only the self-test below)
# The self-test compiles tiny fake libsgdl_*.a files into a temporary folder: a clean set must pass,
# and a set with wrong-way references (core -> problem, pde -> exact, study -> report,
# report -> problem) must report exactly those four triples. It needs a C compiler (${CC:-cc}).
source "$(dirname "$0")/lib_cli.sh"
export LC_ALL=C # sort and join must agree on the order

# Rank of a layer in the order above; siblings share a rank. report is handled apart.
layer_rank() {
  case $1 in
    core) echo 0 ;; rng) echo 1 ;; linalg) echo 2 ;; problem) echo 3 ;; dynamics) echo 4 ;;
    ensemble) echo 5 ;; exact | pde | nn) echo 6 ;; study) echo 7 ;; *) echo -1 ;;
  esac
}

# 0 if layer $1 may reference a symbol defined in layer $2.
may_use() {
  local user=$1 owner=$2
  [ "$user" = "$owner" ] && return 0
  [ "$user" = report ] && { [ "$owner" = core ]; return; }
  [ "$owner" = report ] && return 1
  local ru ro
  ru=$(layer_rank "$user")
  ro=$(layer_rank "$owner")
  [ "$ru" -ge 0 ] && [ "$ro" -ge 0 ] && [ "$ro" -lt "$ru" ]
}

# Print "layer symbol defining-layer" for every wrong-way reference among $1/libsgdl_*.a,
# sorted and without repeats; an unknown layer name is itself reported (as "layer ? unknown").
layer_violations() {
  local dir=$1 defs lib layer sym owner
  defs=$(mktemp "$TMP/defs.XXXXXX")
  for lib in "$dir"/libsgdl_*.a; do
    layer=${lib##*/libsgdl_}
    layer=${layer%.a}
    nm -g --defined-only "$lib" 2>/dev/null | awk -v L="$layer" 'NF == 3 && $3 ~ /^sgdl_/ {print $3, L}'
  done | sort -u >"$defs"
  for lib in "$dir"/libsgdl_*.a; do
    layer=${lib##*/libsgdl_}
    layer=${layer%.a}
    if [ "$layer" != report ] && [ "$(layer_rank "$layer")" -lt 0 ]; then
      echo "$layer ? unknown-layer"
      continue
    fi
    nm -u "$lib" 2>/dev/null | awk '$1 == "U" && $2 ~ /^sgdl_/ {print $2}' | sort -u |
      join - "$defs" | while read -r sym owner; do
        may_use "$layer" "$owner" || echo "$layer $sym $owner"
      done
  done | sort -u
  rm -f "$defs"
}

# Global symbols defined in two libraries of $1.
duplicate_symbols() {
  for f in "$1"/libsgdl_*.a; do nm -g --defined-only "$f" 2>/dev/null | awk 'NF==3 {print $3}'; done | sort | uniq -d
}

# Print the violations of $1 in the form "VIOLATION: layer X references SYM, defined in layer Y".
print_violations() {
  local user sym owner
  while read -r user sym owner; do
    echo "VIOLATION: layer $user references $sym, defined in layer $owner" >&2
  done <<<"$1"
}

# Compile one fake layer library $1/libsgdl_$2.a from C source $3.
fake_lib() {
  local dir=$1 layer=$2 src=$3
  printf '%s\n' "$src" >"$dir/$layer.c"
  ${CC:-cc} -c -o "$dir/$layer.o" "$dir/$layer.c" && ar rcs "$dir/libsgdl_$layer.a" "$dir/$layer.o"
}

# Build a clean set (every arrow allowed) and a set with four wrong-way arrows, and check both.
selftest() {
  local clean="$TMP/clean" wrong="$TMP/wrong" found expected
  mkdir -p "$clean" "$wrong"
  for dir in "$clean" "$wrong"; do
    fake_lib "$dir" problem 'int sgdl_core_f(void); int sgdl_problem_f(void) { return sgdl_core_f() + 1; }' || return 1
    fake_lib "$dir" exact 'int sgdl_problem_f(void); int sgdl_exact_f(void) { return sgdl_problem_f(); }' || return 1
  done
  fake_lib "$clean" core 'int sgdl_core_f(void) { return 1; }'
  fake_lib "$clean" pde 'int sgdl_problem_f(void); int sgdl_pde_f(void) { return sgdl_problem_f(); }'
  fake_lib "$clean" report 'int sgdl_core_f(void); int sgdl_report_f(void) { return sgdl_core_f(); }'
  fake_lib "$clean" study 'int sgdl_exact_f(void); int sgdl_pde_f(void); int sgdl_study_f(void) { return sgdl_exact_f() + sgdl_pde_f(); }'
  fake_lib "$wrong" core 'int sgdl_problem_f(void); int sgdl_core_f(void) { return 1; } int sgdl_core_g(void) { return sgdl_problem_f(); }'
  fake_lib "$wrong" pde 'int sgdl_exact_f(void); int sgdl_pde_f(void) { return sgdl_exact_f(); }'
  fake_lib "$wrong" report 'int sgdl_problem_f(void); int sgdl_report_f(void) { return sgdl_problem_f(); }'
  fake_lib "$wrong" study 'int sgdl_report_f(void); int sgdl_pde_f(void); int sgdl_study_f(void) { return sgdl_report_f() + sgdl_pde_f(); }'
  found=$(layer_violations "$clean")
  check "selftest: a clean fake set has no violations (found: ${found:-none})" test -z "$found"
  found=$(layer_violations "$wrong")
  expected=$(printf '%s\n' "core sgdl_problem_f problem" "pde sgdl_exact_f exact" "report sgdl_problem_f problem" \
    "study sgdl_report_f report" | sort)
  check "selftest: the wrong-way fake set reports exactly its four triples (found: $(tr '\n' ';' <<<"$found"))" \
    test "$found" = "$expected"
  check "selftest: the clean fake set defines no symbol twice" test -z "$(duplicate_symbols "$clean")"
  fake_lib "$wrong" rng 'int sgdl_core_f(void) { return 2; }'
  check "selftest: a symbol defined in two fake layers is found" test "$(duplicate_symbols "$wrong")" = sgdl_core_f
}

selftest
if [ "$SGDLAB" != --selftest ]; then
  dups=$(duplicate_symbols "$SGDL_BUILD")
  check "no global symbol defined in two layers: ${dups:-none}" test -z "$dups"
  check "every layer library was found" test "$(ls "$SGDL_BUILD"/libsgdl_*.a | wc -l)" -ge 11
  violations=$(layer_violations "$SGDL_BUILD")
  [ -n "$violations" ] && print_violations "$violations"
  check "every layer references only layers below it ($(grep -c . <<<"$violations") violating triples)" \
    test -z "$violations"
fi
finish
