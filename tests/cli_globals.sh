# No mutable process-wide state in the layer libraries, checked on the built static libraries.
#
# DESIGN.md: a context object replaces global handlers, and an option travels with the object it
# configures (a coupled pair's shared-sums form is fixed at its creation, not by a switch). So every
# object that build/libsgdl_*.a places in a writable data section (.data, .bss, their thread-local
# forms .tdata/.tbss, common symbols) must be on the list below, each with its reason; anything else
# is reported as "layer object-file symbol". Const objects (stepper and problem types, name tables)
# live in .rodata or .data.rel.ro and are not counted; neither are the compiler's own locals (names
# starting with '.': OpenMP's named critical-section locks .gomp_critical_user_*, which are locks).
# It does not look at the CLI, an application that owns its process (--config strings, the --out
# set, the run lock of run_json.c), nor at state inside third-party libraries (OpenBLAS's thread
# count, cJSON's allocation hooks).
# ctest-needs: no-sanitizer (the sanitizers add writable data of their own)
#
# Usage: bash cli_globals.sh path/to/sgdlab     (ctest; the libraries are in $SGDL_BUILD)
#        bash cli_globals.sh --selftest         (only the self-test below)
# The self-test compiles a fake libsgdl_fake.a with one mutable static, one mutable static local, one
# global and two const tables: exactly the first three must be reported. It needs ${CC:-cc}.
source "$(dirname "$0")/lib_cli.sh"
export LC_ALL=C

# layer symbol: the allowed writable objects, and why.
ALLOWED='core interrupt_flag
linalg blas_owner'
# core interrupt_flag     the SIGINT handler's only way in (sgdl_interrupt_request): a volatile
#                         sig_atomic_t, process-wide because a signal is.
# linalg blas_owner       one mutex and a counter (src/linalg/blas_threads.c) that own OpenBLAS's
#                         thread count, which is process-wide by nature: overlapping single-thread
#                         regions of concurrent runs (sgdl_blas_single_enter/_leave) keep it at 1
#                         until the last one leaves (tests/test_blas_regions.c).
# A host's progress sink lives in each sgdl_progress_bar (sgdl_progress_bar_set_sink), not here.

# Print "layer symbol member" for every writable object in $1/libsgdl_*.a, sorted.
writable_objects() {
  local lib layer
  for lib in "$1"/libsgdl_*.a; do
    layer=${lib##*/libsgdl_}
    layer=${layer%.a}
    objdump -t "$lib" 2>/dev/null | awk -v L="$layer" '
      /file format/ { member = $1; sub(/:$/, "", member); next }
      / O / {
        sec = ""
        for (i = 2; i < NF; i++) if ($i ~ /^(\.data|\.bss|\.tdata|\.tbss|\*COM\*)/) { sec = $i; break }
        if (sec == "" || sec ~ /^\.data\.rel\.ro/ || $NF ~ /^\./) next
        print L, $NF, member
      }'
  done | sort -u
}

# The objects of the list $1 (writable_objects) that are not on the allowed list.
unexpected_objects() {
  local layer sym member
  [ -z "$1" ] && return
  while read -r layer sym member; do
    grep -qxF "$layer $sym" <<<"$ALLOWED" || echo "$layer $sym $member"
  done <<<"$1"
}

selftest() {
  local dir="$TMP/fake" found expected
  mkdir -p "$dir"
  cat >"$dir/fake.c" <<'EOF'
static int counter;
static const double table[3] = {1, 2, 3};
static const char *const names[] = {"a", "b"};
int sgdl_fake_total = 1;
int sgdl_fake_next(int i) {
  static int calls;
  calls++;
  return ++counter + (int)table[i % 3] + names[i % 2][0] + calls;
}
EOF
  ${CC:-cc} -O0 -c -o "$dir/fake.o" "$dir/fake.c" && ar rcs "$dir/libsgdl_fake.a" "$dir/fake.o" || {
    bad "selftest: could not build the fake library with ${CC:-cc}"
    return
  }
  found=$(unexpected_objects "$(writable_objects "$dir")" | awk '{sub(/\..*/, "", $2); print $1, $2}' | sort)
  expected=$(printf '%s\n' "fake calls" "fake counter" "fake sgdl_fake_total" | sort)
  check "selftest: the fake library's three mutable objects, and only those, are found (found: $(tr '\n' ';' <<<"$found"))" \
    test "$found" = "$expected"
}

selftest
if [ "$SGDLAB" != --selftest ]; then
  check "every layer library was found" test "$(ls "$SGDL_BUILD"/libsgdl_*.a | wc -l)" -ge 11
  objects=$(writable_objects "$SGDL_BUILD")
  found=$(unexpected_objects "$objects")
  [ -n "$found" ] && while read -r layer sym member; do
    echo "UNEXPECTED: layer $layer ($member) holds writable process-wide $sym" >&2
  done <<<"$found"
  check "no writable process-wide object in the layer libraries beyond the allowed list ($(grep -c . <<<"$found") found)" \
    test -z "$found"
  stale=$(while read -r layer sym; do
    grep -q "^$layer $sym " <<<"$objects" || echo "$layer $sym"
  done <<<"$ALLOWED")
  check "every allowed object still exists (stale entries: ${stale:-none})" test -z "$stale"
fi
finish
