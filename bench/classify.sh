#!/usr/bin/env bash
# The speech / music / other classifier (worker/analyses/miqw_classify.c) on
# recorded audio it was never tuned on: prints a confusion matrix, never
# fails on a figure.
#   bench/classify.sh
# The recordings are ones Debian packages ship, fetched with `apt-get
# download` (no install, no root) into var/bench/debs and unpacked there:
#   speech  tuxpaint-stamps-default: the stamps' spoken descriptions
#           (*_desc_LANG.ogg), recorded by people, one clip per language (the
#           first 25 files of each, by path), joined end to end;
#   music   frozen-bubble-data, torus-trooper-data, mu-cade-data: the games'
#           music tracks, the first 60 s of each;
#   other   tuxpaint-stamps-default's stamp sounds (animals, vehicles,
#           weather, household...; not symbols/, whose sounds are spoken
#           numbers, nor people/) and the three games' sound effects, joined
#           end to end into clips of about 60 s (other0-4); and recorded
#           noise-like sound (no pitch to speak of), four clips of 20-40 s
#           from two more packages, each clip its own kind of source so the
#           held-out ones (other5, other7) are kinds the fit never heard:
#           other5  wind, a sheep field, bubbling water (openttd-opensfx) and
#                   skis sliding on snow, ice, mud, grass (extremetuxracer-data)
#           other6  applause, jackhammer, saws, mining machinery, sparks,
#                   crashes, an explosion, trees falling, a smithy
#           other7  aircraft: propeller planes, jets, a helicopter
#           other8  road and rail engines: buses, a truck, steam, trains.
#           openttd-opensfx's sounds (CC-BY 3.0 / CC0) are RIFF WAVs packed
#           in one opensfx.cat; they are cut out of it by its offset table.
# Each clip runs through audio/silence exactly as the worker runs it
# (bench/worker_driver); the seconds of its audio_classes runs are counted by
# type against the clip's label. The unit tests' set (tests/worker/
# test_audio_classify.c) is synthetic; this one is recorded, and blind: the
# classifier's rules were never set on it.
# bench/classify.sh --features [CSV] writes the clips' per-block features
# instead (bench/classify_features), for bench/classify_fit.py.
# Environment: BENCH_KEEP=1 keeps the work directory, MOMENTIQ_BUILD (var/build).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=$("$ROOT/build.sh" state)   # var/ as build.sh keeps it
BUILD=${MOMENTIQ_BUILD:-$STATE/build}
DEBS=$STATE/bench/debs
PKGS=(tuxpaint-stamps-default frozen-bubble-data torus-trooper-data mu-cade-data
      openttd-opensfx extremetuxracer-data)
say() { printf '%s\n' "$*"; }
die() { printf 'bench/classify.sh: %s\n' "$*" >&2; exit 1; }
for c in ffmpeg ffprobe python3 apt-get dpkg-deb pkg-config pg_config make gcc; do
    command -v "$c" >/dev/null || die "needs $c"; done
# shellcheck source=bench/driver.sh
. "$ROOT/bench/driver.sh"

mkdir -p "$STATE/bench" "$DEBS"
WORK=$(mktemp -d "$STATE/bench/classify.XXXXXX")
trap '[ "${BENCH_KEEP:-0}" = 1 ] && say "kept $WORK" || rm -rf "$WORK"' EXIT

say "== the worker's analysis code (bench/worker_driver)"
DRIVER=$(build_driver "$ROOT" "$BUILD" "$WORK") || die "building the driver failed"

say "== recordings from Debian packages (${PKGS[*]})"
for p in "${PKGS[@]}"; do
    if [ ! -d "$DEBS/$p" ]; then
        (cd "$DEBS" && apt-get download "$p" >/dev/null 2>&1) || die "apt-get download $p failed (apt-get update?)"
        mkdir -p "$DEBS/.$p" && dpkg-deb -x "$DEBS"/"${p}"_*.deb "$DEBS/.$p" && mv "$DEBS/.$p" "$DEBS/$p"
        rm -f "$DEBS"/"${p}"_*.deb
    fi
done
TUX=$DEBS/tuxpaint-stamps-default/usr/share/tuxpaint/stamps
GAMES=("$DEBS/frozen-bubble-data/usr/share/games/frozen-bubble/snd"
       "$DEBS/torus-trooper-data/usr/share/games/torus-trooper/sounds"
       "$DEBS/mu-cade-data/usr/share/games/mu-cade/sounds")
ETR=$DEBS/extremetuxracer-data/usr/share/games/etr/sounds
SFX=$DEBS/openttd-opensfx/sfx   # opensfx.cat's sounds, NN.wav by index
if [ ! -d "$SFX" ]; then
    mkdir -p "$SFX.tmp"
    # opensfx.cat: (offset | 0x80000000, size) uint32 pairs, then at each
    # offset a length byte, that many bytes of title, and size bytes of WAV
    python3 - "$DEBS/openttd-opensfx/usr/share/games/openttd/baseset/opensfx/opensfx.cat" "$SFX.tmp" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
n = (struct.unpack_from("<I", d, 0)[0] & 0x7FFFFFFF) // 8
for i in range(n):
    o, size = struct.unpack_from("<II", d, 8 * i)
    o &= 0x7FFFFFFF
    if o + 1 + d[o] + size > len(d) or d[o + 1 + d[o]:o + 5 + d[o]] != b"RIFF":
        sys.exit(f"opensfx.cat: entry {i} is not a WAV")
    open(f"{sys.argv[2]}/{i:02d}.wav", "wb").write(d[o + 1 + d[o]:o + 1 + d[o] + size])
PY
    mv "$SFX.tmp" "$SFX"
fi
# other5-8 as above, by opensfx.cat index (its titles name each sound;
# takes of one original recording stay in one clip)
NOISE=("52 57 36 46 51" "29 33 40 56 11 12 17 19 18 54 55 39" "08 09 59 61 24 69" "25 27 28 13 05 71 65")

# join LIST OUT: the files of LIST as 44.1 kHz stereo PCM, one after another
# (no added gap: digital silence between recordings is not what a
# recording's pauses sound like; each file keeps its own lead-in and tail)
join() {
    local i=0 f
    : >"$WORK/concat.txt"
    while read -r f; do
        ffmpeg -nostdin -loglevel error -y -i "$f" -ar 44100 -ac 2 -c:a pcm_s16le \
            "$WORK/part$i.wav" && printf "file '%s'\n" "$WORK/part$i.wav" >>"$WORK/concat.txt"
        i=$((i + 1))
    done <"$1"
    ffmpeg -nostdin -loglevel error -y -f concat -safe 0 -i "$WORK/concat.txt" -c copy "$2"
    rm -f "$WORK"/part*.wav
}
CLIPS=$STATE/bench/media/classify   # cached: delete it to rebuild the clips
if [ ! -f "$CLIPS/.done" ]; then
rm -rf "$CLIPS"; mkdir -p "$CLIPS"
for lang in $(find "$TUX" -name '*_desc_*.ogg' | sed 's/.*_desc_//; s/\.ogg$//' | sort | uniq -c |
              awk '$1 >= 25 {print $2}'); do
    find "$TUX" -name "*_desc_$lang.ogg" | sort | sed -n 1,25p >"$WORK/list"
    join "$WORK/list" "$CLIPS/speech-$lang.wav"
done
for d in "${GAMES[@]}"; do
    for f in $(find "$d" -path '*music*' -name '*.ogg' -o -name '*zik*.ogg' | sort); do
        ffmpeg -nostdin -loglevel error -y -i "$f" -t 60 -ar 44100 -ac 2 -c:a pcm_s16le \
            "$CLIPS/music-$(basename "$f" .ogg).wav"
    done
done
{ find "$TUX" -name '*.ogg' ! -name '*_desc*' ! -path "$TUX/symbols/*" ! -path "$TUX/people/*"
  for d in "${GAMES[@]}"; do find "$d" \( -name '*.ogg' -o -name '*.wav' \) ! -path '*music*' ! -name '*zik*'; done
} | sort >"$WORK/others"
python3 - "$WORK/others" "$WORK" <<'PY'
import subprocess, sys
files = [l.strip() for l in open(sys.argv[1]) if l.strip()]
clip, dur, n = [], 0.0, 0
def flush():
    global clip, dur, n
    if clip:
        open(f"{sys.argv[2]}/other{n}.list", "w").write("\n".join(clip) + "\n")
        n += 1
    clip, dur = [], 0.0
for f in files:
    d = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", f],
                       capture_output=True, text=True).stdout.strip()
    try:
        d = min(float(d), 20.0)
    except ValueError:
        continue
    clip.append(f); dur += d
    if dur >= 60:
        flush()
flush()
PY
for l in "$WORK"/other*.list; do join "$l" "$CLIPS/$(basename "$l" .list).wav"; done
touch "$CLIPS/.done"
fi
if [ ! -f "$CLIPS/other8.wav" ]; then   # added later than .done
for i in 0 1 2 3; do
    for n in ${NOISE[$i]}; do echo "$SFX/$n.wav"; done >"$WORK/list"
    if [ "$i" = 0 ]; then find "$ETR" -name '*_slide.wav' | sort >>"$WORK/list"; fi
    join "$WORK/list" "$CLIPS/other$((5 + i)).tmp.wav" && mv "$CLIPS/other$((5 + i)).tmp.wav" "$CLIPS/other$((5 + i)).wav"
done
fi

if [ "${1:-}" = --features ]; then   # the rows bench/classify_fit.py fits
    FEATURES=$(build_driver "$ROOT" "$BUILD" "$WORK" classify_features) || die "building classify_features failed"
    "$FEATURES" "$CLIPS"/*.wav >"${2:-/dev/stdout}"
    exit 0
fi
say "== audio/silence on each clip"
mkdir -p "$WORK/out"
for c in "$CLIPS"/*.wav; do
    "$DRIVER" audio/silence "$c" --dump "$WORK/out/$(basename "$c" .wav).json" >/dev/null ||
        say "   the job failed on $(basename "$c")"
done
python3 - "$WORK/out" <<'PY'
import glob, json, os, sys
# The halves of bench/classify_fit.py: every other source of each class (by
# name) is held out; the decision's weights were fitted on the other half.
types = ["speech", "music", "other"]
clips = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(f)[:-5]
    clips.setdefault(name.split("-")[0].rstrip("0123456789"), []).append((name, f))
held = {n for lst in clips.values() for i, (n, _) in enumerate(sorted(lst)) if i % 2}
m = {h: {t: {u: 0.0 for u in types} for t in types} for h in (0, 1)}
print("per clip (seconds classified, share typed as its label; * held out):")
for label, lst in sorted(clips.items()):
    for name, f in sorted(lst):
        res = json.load(open(f))
        res = res.get("result", res)
        got = {u: 0.0 for u in types}
        for r in res.get("audio_classes", []):
            if r.get("type") in got:
                got[r["type"]] += float(r["end"]) - float(r["start"])
        for u in types:
            m[name in held][label][u] += got[u]
        tot = sum(got.values())
        print(f"  {name:30s}{'*' if name in held else ' '} {tot:7.1f} s  {100 * got[label] / tot if tot else 0:5.1f} %")
for h, title in ((0, "tuning half"), (1, "held-out half")):
    print(f"\n{title}: seconds (rows: label, columns: typed as)")
    print(f"  {'':8s}" + "".join(f"{u:>10s}" for u in types) + "   right")
    right = total = 0.0
    for t in types:
        row = m[h][t]; s = sum(row.values())
        right += row[t]; total += s
        print(f"  {t:8s}" + "".join(f"{row[u]:10.1f}" for u in types) + f"   {100 * row[t] / s if s else 0:5.1f} %")
    print(f"  {title}: {100 * right / total if total else 0:.1f} % of {total:.0f} classified seconds typed as labelled")
PY
