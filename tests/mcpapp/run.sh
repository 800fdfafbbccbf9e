#!/usr/bin/env bash
# The MCP App and the policy pages in real Chromium (Debian's), driven by
# playwright-core, with a host built on @modelcontextprotocol/ext-apps, and the
# MCP Inspector CLI against the stack. npm packages go to a cache outside the
# repo. Usage: MIQ_APP_TOKEN=miq_conn_... run.sh BASE_URL RESULTS_DIR
# Prints "mcpapp: N passed, N failed".
set -u
URL=${1:?usage: run.sh BASE_URL RESULTS_DIR}
OUT=${2:?usage: run.sh BASE_URL RESULTS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${MOMENTIQ_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/momentiq-npm}
DIR=$CACHE/app-mcpapp
fail() { echo "FAIL: $*"; echo "mcpapp: 0 passed, 1 failed"; exit 1; }
mkdir -p "$OUT/mcpapp" "$OUT/screenshots"
[ -n "${MIQ_APP_TOKEN:-}" ] || fail "no MIQ_APP_TOKEN (the test account's connector token)"
[ -x /usr/bin/chromium ] || fail "Debian chromium is not installed (./build.sh deps)"
if [ ! -d "$DIR/node_modules/@modelcontextprotocol/ext-apps" ] || [ ! -d "$DIR/node_modules/playwright-core" ]; then
    npm install --silent --no-audit --no-fund --prefix "$DIR" @modelcontextprotocol/ext-apps@2.0.4 \
        playwright-core esbuild @modelcontextprotocol/sdk@1 >"$OUT/mcpapp/npm.log" 2>&1 ||
        fail "npm install failed (see $OUT/mcpapp/npm.log)"
fi
# The Inspector CLI (its app probe) needs node >= 22.19: installed next to it.
INSPECTOR=$CACHE/app-inspector
if [ ! -d "$INSPECTOR/node_modules/@modelcontextprotocol/inspector" ] || [ ! -d "$INSPECTOR/node_modules/node" ]; then
    npm install --silent --no-audit --no-fund --prefix "$INSPECTOR" @modelcontextprotocol/inspector@2.12.0 \
        node@22 >"$OUT/mcpapp/npm-inspector.log" 2>&1 || fail "npm install of the Inspector failed"
fi
export MIQ_NODE22=$(find "$INSPECTOR/node_modules/node" -path '*bin/node' -type f 2>/dev/null | head -n 1)
export MIQ_INSPECTOR_CLI=$INSPECTOR/node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js
cp "$HERE/host-entry.js" "$OUT/mcpapp/host-entry.js"
NODE_PATH=$DIR/node_modules "$DIR/node_modules/.bin/esbuild" "$OUT/mcpapp/host-entry.js" --bundle \
    --format=iife --platform=browser --log-level=warning --outfile="$OUT/mcpapp/host-bridge.js" ||
    fail "esbuild could not bundle the ext-apps AppBridge"
ffmpeg -v error -y -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=9" \
    -af "volume='if(between(t,3,5),0,1)':eval=frame" -ac 1 "$OUT/mcpapp/tone-gap.wav" ||
    fail "ffmpeg could not make the test media"
exec node "$HERE/run.mjs" "$URL" "$OUT" "$DIR"
