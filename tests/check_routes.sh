#!/usr/bin/env bash
# Source guard, without a running server: the route table in
# mod_momentiq/mod_momentiq_routes.c and docs/routes.md list the same routes
# with the same match, methods, auth and CORS (the way check_config.sh holds
# the directive table to docs/directives.md). One check per route.
#   tests/check_routes.sh [TABLE.c] [ROUTES.md]
# Prints "routes: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec python3 - "${1:-$ROOT/mod_momentiq/mod_momentiq_routes.c}" "${2:-$ROOT/docs/routes.md}" <<'PY'
import re, sys

table_src, doc_src = sys.argv[1], sys.argv[2]
passed = failed = 0

def ok():
    global passed
    passed += 1

def bad(msg):
    global failed
    print("FAIL: " + msg)
    failed += 1

def finish():
    print("routes: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

# The table: {"path", MATCH, "methods", "auth", handler, FLAGS},
src = open(table_src).read()
body = re.search(r'static const miq_route routes\[\] = \{(.*?)\n\};', src, re.S)
if not body:
    bad("no route table in " + table_src)
    finish()
text = re.sub(r'/\*.*?\*/', '', body.group(1), flags=re.S)
entry = re.compile(r'\{\s*"([^"]*)",\s*(\w+),\s*"([^"]*)",\s*"([^"]*)",\s*(\w+),\s*([\w| ]+?)\s*\}')
code = {}
for m in entry.finditer(text):
    path, match, methods, auth, _handler, flags = m.groups()
    cors = "api" if "CORS_API" in flags else "doc" if "CORS_DOC" in flags else "-"
    match = {"EXACT": "exact", "TEMPLATE": "template", "PREFIX": "prefix"}.get(
        match.replace("MIQ_ROUTE_", ""), match)
    if path in code:
        bad("the table lists %s twice" % path)
    code[path] = (match, methods, auth, cors)
entries = text.count('{"')
if entries != len(code) or not code:
    bad("could not read %d of the table's %d entries" % (entries - len(code), entries))

# The doc: | `path` | match | methods | auth | CORS | SPEC | what it does |
doc = {}
for line in open(doc_src):
    m = re.match(r'^\| `([^`]+)` \|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$', line)
    if not m:
        continue
    path = m.group(1)
    cells = [c.strip() for c in m.groups()[1:]]
    if path in doc:
        bad("docs/routes.md lists %s twice" % path)
    if not cells[4].startswith("§"):
        bad("docs/routes.md: %s names no SPEC section" % path)
    if not cells[5]:
        bad("docs/routes.md: %s does not say what it does" % path)
    doc[path] = tuple(cells[:4])

for path in sorted(set(code) | set(doc)):
    if path not in doc:
        bad("route %s is not documented in docs/routes.md" % path)
    elif path not in code:
        bad("docs/routes.md documents %s, which is not in the route table" % path)
    else:
        diffs = ["%s: the table says '%s', docs/routes.md says '%s'" % (n, a, b)
                 for n, a, b in zip(("match", "methods", "auth", "CORS"), code[path], doc[path])
                 if a != b]
        if diffs:
            bad("%s: %s" % (path, "; ".join(diffs)))
        else:
            ok()
finish()
PY
