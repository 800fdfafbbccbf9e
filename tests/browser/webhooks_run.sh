#!/bin/bash
# The dashboard's Webhooks page in Debian's Chromium (playwright-core and
# axe-core from npm into a cache outside the repo, as run.sh does, in a
# directory of its own). Usage: webhooks_run.sh URL RESULTS_DIR
# Last line: "N passed, N failed".
set -u
URL=$1 OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${MOMENTIQ_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/momentiq-npm}
DIR=$CACHE/hooks1
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || fail "no node"
if [ ! -d "$DIR/node_modules/playwright-core" ] || [ ! -d "$DIR/node_modules/axe-core" ]; then
    mkdir -p "$DIR"
    npm install --silent --no-audit --no-fund --prefix "$DIR" playwright-core@1 axe-core@4 >"$OUT/npm-hooks.log" 2>&1 ||
        fail "npm install playwright-core axe-core (see $OUT/npm-hooks.log)"
fi
BROWSER_NODE_MODULES=$DIR/node_modules BROWSER_RESULTS=$OUT MIQ_TEST_URL=$URL \
    timeout 300 node "$HERE/webhooks.js"
[ $? -eq 124 ] && fail "the webhooks browser test timed out"
exit 0
