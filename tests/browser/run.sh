#!/bin/bash
# The dashboard in real Chromium (Debian's /usr/bin/chromium) driven by
# playwright-core, with axe-core, both from npm into a cache outside the repo
# (as tests/interop/run.sh does). Media is generated here with ffmpeg.
# Usage: run.sh URL RESULTS_DIR   (env: MIQ_TEST_STRIPE_PORT, MIQ_TEST_STRIPE_WEBHOOK_SECRET)
# Last line: "N passed, N failed".
set -u
URL=$1 OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${MOMENTIQ_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/momentiq-npm}
DIR=$CACHE/browser1
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || fail "no node"
if [ ! -d "$DIR/node_modules/playwright-core" ] || [ ! -d "$DIR/node_modules/axe-core" ]; then
    mkdir -p "$DIR"
    npm install --silent --no-audit --no-fund --prefix "$DIR" playwright-core@1 axe-core@4 >"$OUT/npm-browser.log" 2>&1 ||
        fail "npm install playwright-core axe-core (see $OUT/npm-browser.log)"
fi
MEDIA_DIR=$(mktemp -d /tmp/miq-browser-XXXXXX) || fail "mktemp"
trap 'rm -rf "$MEDIA_DIR"' EXIT
chmod 755 "$MEDIA_DIR"
# Four visually different shots of 4 s (cuts at 4, 8 and 12 s), a 440 Hz tone
# silent from 5 to 7 s; H.264 + AAC so Chromium can play it.
G="testsrc2=s=320x180:r=25,trim=end_frame=100,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v0];"
G+="smptebars=s=320x180:r=25,trim=end_frame=100,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v1];"
G+="rgbtestsrc=s=320x180:r=25,trim=end_frame=100,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v2];"
G+="color=c=red:s=320x180:r=25,noise=alls=40:allf=t,trim=end_frame=100,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v3];"
G+="[v0][v1][v2][v3]concat=n=4:v=1:a=0[v];sine=f=440:r=48000:d=16,volume=enable='between(t,5,7)':volume=0[a]"
ffmpeg -nostdin -loglevel error -y -filter_complex "$G" -map '[v]' -map '[a]' -r 25 -c:v libx264 \
    -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac -b:a 96k -movflags +faststart \
    "$MEDIA_DIR/four-shots.mp4" || fail "ffmpeg could not make the test media"
BROWSER_NODE_MODULES=$DIR/node_modules BROWSER_RESULTS=$OUT BROWSER_MEDIA=$MEDIA_DIR/four-shots.mp4 \
    MIQ_TEST_URL=$URL timeout 900 node "$HERE/flows.js"
rc=$?
[ $rc -eq 124 ] && fail "the browser suite timed out"
exit 0
