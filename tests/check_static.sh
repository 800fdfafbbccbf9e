#!/usr/bin/env bash
# Static analysis with cppcheck over the core, the httpd glue, the worker and
# momentiqctl: warnings, portability and performance findings fail.
#   tests/check_static.sh [BUILD]   (BUILD keeps cppcheck's cache; default var/build)
# Reviewed false positives go in tests/cppcheck.supp (id:file, with a reason);
# a single line can also carry  // cppcheck-suppress id  with a comment why.
# Prints "static: N passed, N failed", one check per source file.
# clang-tidy is not run: with bugprone-*, cert-err34-c and clang-analyzer-* it
# takes ~3 s of CPU per file (minutes for the tree on the shared 2 cores) and
# mostly flags house idioms (`!strcmp`, atoi on validated columns, memcpy).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/var/build}
cd "$ROOT" || exit 1
command -v cppcheck >/dev/null 2>&1 || { echo "FAIL: cppcheck is not installed"; echo "static: 0 passed, 1 failed"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# System headers are not parsed (slow, and APR's fail without the compiler's
# defines), so the httpd macros the glue uses in expressions are given here.
cat >"$tmp/httpd.cfg" <<'CFG'
<?xml version="1.0"?>
<def format="2">
  <define name="APLOGNO(n)" value="&quot;AH&quot; #n &quot;: &quot;"/>
  <define name="MIQLOGNO(n)" value="&quot;MIQ&quot; #n &quot;: &quot;"/>
  <define name="APLOG_MARK" value="__FILE__,__LINE__,-1"/>
</def>
CFG

files=$(git ls-files 'mod_momentiq/*.c' 'worker/*.c' 'ctl/*.c' | sort)
mkdir -p "$BUILD/cppcheck"
cppcheck -q -j"$(nproc)" --cppcheck-build-dir="$BUILD/cppcheck" \
    --enable=warning,portability,performance --inline-suppr --error-exitcode=1 \
    --std=c11 --platform=unix64 --library="$tmp/httpd.cfg" \
    -DLINUX -D_GNU_SOURCE -D_REENTRANT \
    -Imod_momentiq/core -Imod_momentiq -Iworker -Ictl \
    --suppress=missingIncludeSystem --suppressions-list=tests/cppcheck.supp \
    --template='{file}:{line}: {severity}: {id}: {message}' \
    $files >"$tmp/out" 2>&1
rc=$?

passed=0 failed=0
for f in $files; do
    if grep -q "^$f:" "$tmp/out"; then
        grep "^$f:" "$tmp/out" | sed 's/^/FAIL: /'
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
# Findings outside the listed files (a header) or a cppcheck error of its own.
if grep -qv -E "^($(echo $files | tr ' ' '|')):" "$tmp/out" || { [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
    grep -v -E "^($(echo $files | tr ' ' '|')):" "$tmp/out" | sed 's/^/FAIL: /'
    [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && echo "FAIL: cppcheck exited with $rc"
    failed=$((failed + 1))
fi
echo "static: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
