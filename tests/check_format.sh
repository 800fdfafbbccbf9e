#!/usr/bin/env bash
# Formatting: every tracked .c/.h file must be unchanged by clang-format with
# the repository's .clang-format (clang-format 14).
#   tests/check_format.sh          check (clang-format --dry-run --Werror), one check per file
#   tests/check_format.sh --fix    reformat the same files in place (clang-format -i)
# Files listed in tests/clang-format.supp (path, with the reason above it) are
# skipped. Prints "format: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
command -v clang-format >/dev/null 2>&1 || { echo "FAIL: clang-format is not installed"; echo "format: 0 passed, 1 failed"; exit 1; }

files=$(git ls-files '*.c' '*.h' | grep -vxF -f <(grep -vE '^\s*(#|$)' tests/clang-format.supp) | sort)
if [ "${1:-}" = --fix ]; then
    printf '%s\n' $files | xargs -P"$(nproc)" -n 16 clang-format -i --style=file
    echo "reformatted $(echo $files | wc -w) files"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' $files | xargs -P"$(nproc)" -I{} sh -c \
    'if clang-format --dry-run --Werror --style=file "$1" >/dev/null 2>&1; then echo "ok $1"; else echo "FAIL $1"; fi' sh {} \
    >"$tmp/res"
passed=$(grep -c '^ok ' "$tmp/res")
failed=$(grep -c '^FAIL ' "$tmp/res")
if [ "$failed" -gt 0 ]; then
    grep '^FAIL ' "$tmp/res" | sort | sed 's/^FAIL /FAIL: not clang-formatted: /'
    echo "(see the changes with clang-format FILE | diff -u FILE -; fix all with tests/check_format.sh --fix)"
fi
echo "format: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
