#!/usr/bin/env bash
# docs/openapi.json without a running server (the integration suite
# "openapi" holds its examples to real responses):
#  - valid OpenAPI 3.1 (@seriousme/openapi-schema-validator, installed from npm
#    into a cache outside the repo, like tests/interop/run.sh does);
#  - every /v1 route of mod_momentiq/mod_momentiq_routes.c, with each of its
#    methods, is in the document, and every path and method of the document is
#    in the route table;
#  - the REST calls of momentiq.get_code_example (core/guide/miq_examples.c)
#    are operations of the document, with the request fields it sends.
# Prints "openapi: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/openapi
DOC=${1:-$ROOT/docs/openapi.json}
CACHE=${MOMENTIQ_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/momentiq-npm}
mkdir -p "$CACHE"
passed=0
failed=0

install() { # dir package
    [ -d "$CACHE/$1/node_modules" ] && return 0
    npm install --silent --no-audit --no-fund --prefix "$CACHE/$1" "$2" >/dev/null 2>&1
}

NODE=$(find "$CACHE/node22/node_modules" -path '*bin/node' -type f 2>/dev/null | head -n 1)
if [ ! -x "$NODE" ]; then
    install openapi-node22 node@22
    NODE=$(find "$CACHE/openapi-node22/node_modules" -path '*bin/node' -type f 2>/dev/null | head -n 1)
fi
if [ -x "$NODE" ] && install openapi-validator @seriousme/openapi-schema-validator@2.11.0; then
    mkdir -p "$CACHE/openapi-validator/run"
    cp "$HERE/validate.mjs" "$CACHE/openapi-validator/run/"
    ln -sfn "$CACHE/openapi-validator/node_modules" "$CACHE/openapi-validator/run/node_modules"
    if out=$("$NODE" "$CACHE/openapi-validator/run/validate.mjs" "$DOC" 2>&1); then
        echo "ok: valid OpenAPI 3.1"; passed=$((passed + 1))
    else
        echo "FAIL: not valid OpenAPI 3.1:"; echo "$out"; failed=$((failed + 1))
    fi
else
    echo "FAIL: could not install node 22 or the OpenAPI validator from npm"; failed=$((failed + 1))
fi

out=$(python3 "$HERE/check.py" "$DOC" "$ROOT/mod_momentiq/mod_momentiq_routes.c" \
    "$ROOT/mod_momentiq/core/guide/miq_examples.c" 2>&1)
echo "$out" | sed '$d'
set -- $(echo "$out" | tail -n 1)
passed=$((passed + ${1:-0})); failed=$((failed + ${2:-1}))
echo "openapi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
