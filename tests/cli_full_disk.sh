# A real full disk: a 64 kB tmpfs holds one complete exit run; a second run with --out over it
# that needs ~1.2 MB (a fine PDE profile) must fail with a message naming the command and the file
# that could not be written, exit non-zero, and leave the earlier set byte for byte as it was,
# with no stray files (staging folders, temporaries) on the file system. Needs root and a
# permitted mount; skipped (counted as passed) otherwise. gnuplot is kept off the PATH so that the
# sets are just results.json and CSVs.
source "$(dirname "$0")/lib_cli.sh"
S=$SGDLAB
if [ "$(id -u)" != 0 ]; then echo "SKIP: not root (mount needs it)"; finish; exit $?; fi
MNT=$TMP/mnt
mkdir -p "$MNT" "$TMP/nobin"
if ! mount -t tmpfs -o size=64k tmpfs "$MNT" 2>"$TMP/mount.err"; then
  echo "SKIP: mount -t tmpfs not permitted here ($(head -c 200 "$TMP/mount.err"))"
  finish
  exit $?
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
listing() { (cd "$MNT" && find . | sort && find . -type f -exec md5sum {} + | sort); }
E=(exit --problem double-well --lr 0.1 --sigma2 2 --from -1 --to 0 --methods quadrature,kramers,pde --quiet)
env PATH="$TMP/nobin" "$S" "${E[@]}" --grid 200 --out "$MNT/set"
check "the small run fits on the 64 kB file system" test -s "$MNT/set/results.json"
before=$(listing)
env PATH="$TMP/nobin" "$S" "${E[@]}" --grid 20000 --out "$MNT/set" >/dev/null 2>"$TMP/err"
rc=$?
check "the run that does not fit exits non-zero (exit $rc)" test $rc -ne 0
check "the message names the command: $(head -c 300 "$TMP/err")" grep -q '^sgdlab exit: error: ' "$TMP/err"
check "the message names the file and the cause" grep -Eq "(set|\.csv|\.json|$MNT)[^ ]*.*(No space left|space|write)" "$TMP/err"
check "the earlier set and the file system are as they were (no stray files)" test "$(listing)" = "$before"
echo "message: $(head -c 300 "$TMP/err")"
finish
