# Layer libraries are static: a global symbol defined in two layers links silently to one of
# them. Fail if any global symbol is defined twice across libsgdl_*.a.
source "$(dirname "$0")/lib_cli.sh"
dups=$(for f in "$SGDL_BUILD"/libsgdl_*.a; do nm -g --defined-only "$f" 2>/dev/null | awk 'NF==3 {print $3}'; done | sort | uniq -d)
check "no global symbol defined in two layers: ${dups:-none}" test -z "$dups"
check "every layer library was found" test "$(ls "$SGDL_BUILD"/libsgdl_*.a | wc -l)" -ge 11
finish
