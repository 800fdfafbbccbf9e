#!/usr/bin/env bash
# Fails when error_log holds an [error] or [warn] line not on the allow list
# (tests/error_log.allow: one extended regex per line, with the reason beside it).
set -u
log=${1:?usage: check_error_log.sh ERROR_LOG}
allow=$(dirname "$0")/error_log.allow
[ -f "$log" ] || { echo "no error_log at $log"; exit 1; }
bad=$(grep -E '\[(error|warn|crit|alert|emerg)\]|:(error|warn|crit|alert|emerg)\]' "$log" |
    grep -v -E -f <(grep -v '^#' "$allow" | sed -e 's/[[:space:]]*#.*$//' -e '/^$/d') || true)
if [ -n "$bad" ]; then
    echo "unexpected error_log lines:"
    echo "$bad" | head -40
    exit 1
fi
echo "error_log clean: 1 passed, 0 failed"
