#!/usr/bin/env bash
# Fails when error_log holds an [error] or [warn] line not on the allow list
# (tests/error_log.allow: one extended regex per line, with the reason beside it).
# A test that takes the database away on purpose (a PostgreSQL restart) writes
# "START END" epoch seconds to expected-outages in the stack directory; inside
# such a window, lines about the database connection are expected too.
set -u
log=${1:?usage: check_error_log.sh ERROR_LOG}
allow=$(dirname "$0")/error_log.allow
[ -f "$log" ] || { echo "no error_log at $log"; exit 1; }
outages=$(dirname "$(dirname "$(dirname "$log")")")/log/expected-outages
bad=$(grep -E '\[(error|warn|crit|alert|emerg)\]|:(error|warn|crit|alert|emerg)\]' "$log" |
    grep -v -E -f <(grep -v '^#' "$allow" | sed -e 's/[[:space:]]*#.*$//' -e '/^$/d') |
    python3 -c '
import re, sys, time, datetime
windows = []
try:
    for line in open(sys.argv[1]):
        a, b = line.split()
        windows.append((float(a), float(b)))
except OSError:
    pass
db = re.compile(r"dbd|DBD|database|PostgreSQL|connection|prepared statement|failed: ")
for line in sys.stdin:
    m = re.match(r"\[(\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d+ \d{4})\]", line)
    if m and windows and db.search(line):
        t = time.mktime(datetime.datetime.strptime(m.group(1), "%a %b %d %H:%M:%S.%f %Y").timetuple())
        if any(a - 1 <= t <= b + 1 for a, b in windows):
            continue
    sys.stdout.write(line)
' "$outages" || true)
if [ -n "$bad" ]; then
    echo "unexpected error_log lines:"
    echo "$bad" | head -40
    exit 1
fi
echo "error_log clean: 1 passed, 0 failed"
