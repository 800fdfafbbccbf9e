#!/usr/bin/env bash
# The fuzz targets' driver, shared by ../../build.sh test and ../../bench/fuzz.sh.
#   tests/fuzz/run.sh build    build the targets into $MIQ_FUZZ_OUT (var/fuzz)
#   tests/fuzz/run.sh media    generate the probe's media seeds (var/fuzz/corpus-media)
#   tests/fuzz/run.sh replay   build, then run every target once over each input of
#                              corpus/NAME/ and crashes/NAME/ (no fuzzing); prints
#                              "NAME: ok (N inputs)" or the failure, then "N passed, N failed"
#   tests/fuzz/run.sh list     the target names
#   tests/fuzz/run.sh inputs NAME   the seed directories of a target, one a line
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${MIQ_FUZZ_OUT:-$ROOT/var/fuzz}
MEDIA=$OUT/corpus-media

mk() { make -s -f "$HERE/Makefile" OUT="$OUT" "$@"; }

build() { mk -j"$(nproc)" all 2>&1 | grep -v '^ar: creating' || true; for t in $(mk list); do [ -x "$OUT/fuzz_$t" ] || return 1; done; }

# Tiny media for the probe, generated (never committed): a few containers and codecs.
media() {
    command -v ffmpeg >/dev/null || return 0
    mkdir -p "$MEDIA"
    local ff="ffmpeg -nostdin -hide_banner -loglevel error -y"
    gen() { local f=$1; shift; [ -s "$MEDIA/$f" ] || $ff "$@" "$MEDIA/$f" || rm -f "$MEDIA/$f"; }
    gen tone.wav -f lavfi -i "sine=f=440:d=0.2:sample_rate=8000" -ac 1
    gen tone.mp3 -f lavfi -i "sine=f=440:d=0.3:sample_rate=8000" -b:a 8k
    gen tone.flac -f lavfi -i "sine=f=440:d=0.2:sample_rate=8000"
    gen tone.ogg -f lavfi -i "sine=f=440:d=0.2:sample_rate=8000" -c:a flac
    gen clip.mp4 -f lavfi -i "testsrc=s=16x16:r=5:d=0.4" -f lavfi -i "sine=d=0.4:sample_rate=8000" \
        -c:v mpeg4 -c:a aac -b:a 8k -shortest
    gen clip.mkv -f lavfi -i "testsrc=s=16x16:r=5:d=0.4" -c:v mpeg4
    gen clip.ts -f lavfi -i "testsrc=s=16x16:r=5:d=0.4" -c:v mpeg2video
    gen clip.avi -f lavfi -i "testsrc=s=16x16:r=5:d=0.4" -c:v mjpeg
    return 0
}

# The seed directories of target $1 (existing ones only).
inputs() {
    local d
    for d in "$HERE/corpus/$1" "$HERE/crashes/$1"; do [ -d "$d" ] && echo "$d"; done
    [ "$1" = probe ] && [ -d "$MEDIA" ] && echo "$MEDIA"
    return 0
}

replay() {
    local passed=0 failed=0 t files log
    if ! build; then echo "FAIL: the fuzz targets do not build"; echo "0 passed, 1 failed"; return 1; fi
    media
    mkdir -p "$OUT/replay"
    for t in $(mk list); do
        mapfile -t files < <(inputs "$t" | while read -r d; do find "$d" -type f ! -name '.*' ! -name README.md; done | sort)
        log=$OUT/replay/$t.log
        if [ ${#files[@]} -eq 0 ]; then
            echo "FAIL: $t: no seed inputs"; failed=$((failed + 1)); continue
        fi
        # Files given one by one: each runs once, nothing is written to the corpus.
        # -detect_leaks=0: libFuzzer's own check after an input that allocated
        # more than it freed runs LeakSanitizer mid-process, which cannot see
        # into APR's mmap'ed pool blocks, so what LLVMFuzzerInitialize built
        # (a registry) read as leaked now and then. LeakSanitizer's check at
        # exit, after apr_terminate (fuzz_common.h), still fails on a leak.
        if (cd "$OUT/replay" && "$OUT/fuzz_$t" -runs=1 -timeout=30 -rss_limit_mb=2048 -detect_leaks=0 \
            "${files[@]}") >"$log" 2>&1; then
            echo "$t: ok (${#files[@]} inputs)"; passed=$((passed + 1))
        else
            echo "FAIL: $t: see $log"; grep -E 'ERROR|SUMMARY|Running:' "$log" | tail -n 4 | sed 's/^/    /'
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

case "${1:-replay}" in
build) build ;;
media) media ;;
replay) replay ;;
list) mk list ;;
inputs) inputs "$2" ;;
*) echo "usage: $0 build|media|replay|list|inputs NAME" >&2; exit 2 ;;
esac
