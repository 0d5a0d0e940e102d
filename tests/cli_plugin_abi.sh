# The plugin ABI check (include/sgdlab/problem.h, SGDL_PLUGIN_ABI): three builds of one valid test
# plugin (tests/plugin_abi.c) differ only in the ABI version they export. The current one runs; one
# stating another version, and one stating none (built before versions existed), are refused with a
# non-zero exit and a message naming the file, the version found and the version expected, and
# saying how to rebuild. The example plugin (examples/plugin/myloss.c) states the current version.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
B=${SGDL_BUILD:-$(dirname "$S")}
HDR=${SGDL_SRC:-$(dirname "$0")/..}/include/sgdlab/problem.h
V=$(awk '$1 == "#define" && $2 == "SGDL_PLUGIN_ABI_VERSION" { print $3 }' "$HDR")
check "header defines SGDL_PLUGIN_ABI_VERSION" test -n "$V"

expect_ok "plugin with the current ABI runs" -- $S weak --problem "$B/tests/plugin_abi_current.so" --x0 1 --lr 0.1 \
  --T 1 --paths 200 --models sme1 --out "$TMP/cur" --quiet
check "current-ABI run names the plugin" grep -q 'abi-test plugin' "$TMP/cur/results.json"
expect_ok "example plugin states the current ABI" -- $S weak --problem "$B/examples/myloss.so" --x0 0,0 --lr 0.1 \
  --T 1 --paths 200 --models sme1 --out "$TMP/ex" --quiet

WRONG="$B/tests/plugin_abi_wrong.so"
expect_fail "wrong ABI refused, naming the file" "plugin $WRONG was built for plugin ABI version $((V + 1))" -- \
  $S weak --problem "$WRONG" --x0 1 --lr 0.1 --T 1 --paths 200 --models sme1 --out "$TMP/wrong"
expect_fail "wrong ABI: expected version named" "this sgdlab expects version $V" -- \
  $S weak --problem "$WRONG" --x0 1 --lr 0.1 --T 1 --paths 200 --models sme1 --out "$TMP/wrong"
expect_fail "wrong ABI: says how to rebuild" "rebuild it against" -- \
  $S weak --problem "$WRONG" --x0 1 --lr 0.1 --T 1 --paths 200 --models sme1 --out "$TMP/wrong"
check "wrong ABI: no results written" test ! -e "$TMP/wrong/results.json"

NONE="$B/tests/plugin_abi_none.so"
expect_fail "missing ABI refused, naming the file and symbol" "plugin $NONE exports no sgdl_plugin_abi" -- \
  $S weak --problem "$NONE" --x0 1 --lr 0.1 --T 1 --paths 200 --models sme1 --out "$TMP/none"
expect_fail "missing ABI: expected version and the fix" "expects version $V): add the line \`SGDL_PLUGIN_ABI;\`" -- \
  $S weak --problem "$NONE" --x0 1 --lr 0.1 --T 1 --paths 200 --models sme1 --out "$TMP/none"
# Other commands that take a problem go through the same loader.
expect_fail "wrong ABI refused by stationary too" "plugin ABI version" -- \
  $S stationary --problem "$WRONG" --lr 0.1 --out "$TMP/st"
finish
