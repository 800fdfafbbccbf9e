#!/usr/bin/env bash
# The brand PNGs: each committed file exists, has the size the directories ask
# for, and equals a fresh render of its SVG source (a stale PNG fails: run
# ./build.sh brand). Usage: BRAND_RENDERS=... check_brand.sh COMMITTED-DIR FRESH-DIR
set -u
committed=$1 fresh=$2 pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
png_size() { # file -> "W H" from the IHDR chunk, or nothing when it is not a PNG
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read(24)
if d[:8] == b'\x89PNG\r\n\x1a\n' and d[12:16] == b'IHDR':
    print(*struct.unpack('>II', d[16:24]))
PY
}
[ -n "${BRAND_RENDERS:-}" ] || { echo "FAIL: BRAND_RENDERS not set"; echo "0 passed, 1 failed"; exit 1; }
while read -r src png w h; do
    f=$committed/$png
    if [ ! -f "$f" ]; then bad "$png missing (./build.sh brand)"; continue; fi
    size=$(png_size "$f")
    [ "$size" = "$w $h" ] && ok "$png is ${w}x$h" || bad "$png is '${size:-not a PNG}', want ${w}x$h"
    if [ ! -f "$fresh/$png" ]; then bad "$png: no fresh render from src/$src"
    elif cmp -s "$f" "$fresh/$png"; then ok "$png matches src/$src"
    else bad "$png differs from a fresh render of src/$src (run ./build.sh brand)"; fi
done <<<"$BRAND_RENDERS"
cmp -s "$committed/favicon.svg" "$committed/src/favicon.svg" && ok "favicon.svg is src/favicon.svg" ||
    bad "favicon.svg differs from src/favicon.svg"
# Not a placeholder: the icon has colour in it (the old placeholder was one flat fill).
colours=$(python3 - "$committed/app-icon-512.png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
pos, idat, w, h, ct = 8, b'', 0, 0, 0
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8]); body = d[pos + 8:pos + 8 + n]
    if t == b'IHDR': w, h, _, ct = struct.unpack('>IIBB', body[:10])
    if t == b'IDAT': idat += body
    pos += 12 + n
print(len(set(zlib.decompress(idat)[::97])))
PY
)
[ "${colours:-0}" -gt 16 ] && ok "app icon has $colours distinct byte values sampled" || bad "app icon looks flat ($colours)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
