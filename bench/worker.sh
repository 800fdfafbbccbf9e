#!/usr/bin/env bash
# MomentIQ worker benchmark: prints figures, never fails on a target.
#   bench/worker.sh
# Measures the worker's own analysis code (miqw_job_run, linked from the
# objects momentiq-worker is built from, through bench/worker_driver.c) on
# generated media, beside the ffmpeg CLI:
#   1. timeline/moments on a 10-minute 720p25 H.264+AAC file with known hard
#      cuts (segments of different lavfi sources, GOPs of 50..120 frames forced
#      at irregular places, no encoder scene-cut keyframes, so most cuts fall
#      inside GOPs) vs a pure decode (ffmpeg -i f -f null -) and vs the CLI doing
#      silencedetect + astats + ebur128 + scdet in one process; cuts frame-exact?
#   2. silence + energy + loudness on a 60-minute MP3 vs a pure audio decode and
#      the CLI's silencedetect + astats (and + ebur128);
#   3. 10 frames at given timestamps on the 10-minute file: time, frame numbers,
#      and the pixels against the CLI's own frames N-1, N, N+1;
#   4. peak RSS (VmHWM) for 10- and 60-minute files (video: the 10-minute file
#      concatenated 6x by stream copy; audio: the MP3 and its first 10 minutes);
#   5. job create -> result for a 30 s clip through the real stack (httpd +
#      PostgreSQL + momentiq-worker on free loopback ports, as bench/mcp.sh).
# Generated media are cached in var/bench/media (reused by later runs; delete
# the folder to regenerate). Everything else lives in a temporary state
# directory under var/bench, removed at exit.
#   V. (video helper, issue 12) the same cuts as a fixed-GOP streaming encode,
#      and VmHWM of a 10-minute and a 2-hour 1080p file, the 2-hour one under
#      the worker's address-space limit (see the section).
# Environment: BENCH_STACK_JOBS (3 create->result jobs), BENCH_SKIP_STACK=1 (no
#   section 5), BENCH_SKIP_60=1 (no 60-minute video run in section 4),
#   BENCH_CLI_SELECT=1 (also time select='gt(scene,0.3)' as the CLI's scene
#   detector), BENCH_KEEP=1 keeps the state directory, MOMENTIQ_BUILD (var/build),
#   BENCH_AUDIO_ONLY=1 runs only the audio-only figures (section A/B, below),
#   BENCH_REV=REV benchmarks a committed revision instead of the work tree (git
#   archive into var/bench/src/SHA, built there: for when the tree is mid-edit),
#   BENCH_BEST=N times the video runs of sections 1 and V N times (best of N),
#   BENCH_VIDEO_ONLY=1 runs sections 1, V and the video row of 4 only,
#   BENCH_SKIP_2H=1 skips the 1080p files of section V.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench
# var/ as build.sh keeps it: the clone's, or a directory the service account
# can reach when the clone is private (build.sh state sets up the link)
STATE=$("$ROOT/build.sh" state)
MEDIA=$STATE/bench/media
SRC=$ROOT   # the sources built and measured (and whose build.sh runs the stack)
if [ -n "${BENCH_REV:-}" ]; then
    SHA=$(git -C "$ROOT" rev-parse --verify "$BENCH_REV^{commit}") || { echo "bench/worker.sh: no revision $BENCH_REV" >&2; exit 1; }
    SRC=$STATE/bench/src/$SHA
    if [ ! -f "$SRC/build.sh" ]; then
        mkdir -p "$SRC.part" && git -C "$ROOT" archive "$SHA" | tar -x -C "$SRC.part" && mv "$SRC.part" "$SRC"
    fi
fi
BUILD=${MOMENTIQ_BUILD:-$SRC/var/build}
STACK_JOBS=${BENCH_STACK_JOBS:-3}
FPS=25
V10_FRAMES=15000   # 10 minutes at 25 fps

say() { printf '%s\n' "$*"; }
die() { printf 'bench/worker.sh: %s\n' "$*" >&2; exit 1; }
for c in ffmpeg ffprobe curl python3 jq pkg-config pg_config make gcc; do
    command -v "$c" >/dev/null || die "needs $c (./build.sh deps; apt-get install jq)"; done

mkdir -p "$STATE/bench" "$MEDIA"
WORK=$(mktemp -d "$STATE/bench/worker.XXXXXX")
chmod 755 "$WORK"   # PostgreSQL and the httpd children run as an unprivileged user when we are root
STACK_VAR=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stack() { MOMENTIQ_VAR=$STACK_VAR MOMENTIQ_PORT=$PORT MOMENTIQ_PG_PORT=$PG_PORT MOMENTIQ_BUILD=$BUILD "$SRC/build.sh" "$@"; }
cleanup() {
    set +e   # a failing step must not skip the others
    [ -n "$STACK_VAR" ] && stack stop >/dev/null 2>&1
    rm -f "$MEDIA"/.*.part.* 2>/dev/null
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "state kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# fmt EXPR: awk arithmetic, printed with the given printf format. EXPR is
# parenthesised: in a printf argument list awk reads a bare `>` as an output
# redirection (`a > 60` wrote a file named 60 and printed nothing).
calc() { awk "BEGIN{printf \"$1\", ($2)}"; }
# timed VAR OUT_LOG CMD...: runs CMD with stdout+stderr to OUT_LOG; sets VAR to its
# wall seconds and VAR_CPU to its user+system CPU seconds (the machine may be shared:
# CPU time is the steadier figure)
timed() {
    local var=$1 log=$2 w u s TIMEFORMAT='%R %U %S'
    shift 2
    { time "$@" >"$log" 2>&1; } 2>"$log.time" || { cat "$log" >&2; die "failed: $*"; }
    read -r w u s <"$log.time"
    printf -v "$var" '%s' "$w"
    printf -v "${var}_CPU" '%s' "$(calc '%.2f' "$u + $s")"
}
FF=(ffmpeg -nostdin -hide_banner)
# BENCH_BEST=N: the video timings (sections 1 and V) are the best of N runs
BEST=${BENCH_BEST:-1}
# best_timed VAR LOG CMD...: `timed` BEST times; VAR and VAR_CPU the smallest of each
best_timed() {
    local v=$1 log=$2 w="" c="" i
    shift 2
    for ((i = 0; i < BEST; i++)); do
        timed _BT "$log" "$@"
        w=$(calc '%.3f' "${w:-1e9} < $_BT ? ${w:-1e9} : $_BT")
        c=$(calc '%.2f' "${c:-1e9} < $_BT_CPU ? ${c:-1e9} : $_BT_CPU")
    done
    printf -v "$v" '%s' "$w"
    printf -v "${v}_CPU" '%s' "$c"
}

# ---- build ----------------------------------------------------------------
say "== building the worker objects (make) and bench/worker_driver.c${BENCH_REV:+ at $BENCH_REV ($SHA)}"
# shellcheck source=bench/driver.sh
. "$HERE/driver.sh"
DRIVER=$(build_driver "$SRC" "$BUILD" "$WORK") || die "building the worker objects or worker_driver failed"

# ---- media (cached) ---------------------------------------------------------
# Sources of the video segments (1280x720, 25 fps). 0,1,2 open the file so that
# smptebars -> smptehdbars (two shots that look alike) is always there.
SOURCES=(
    "testsrc2=s=1280x720:r=25"
    "smptebars=s=1280x720:r=25"
    "smptehdbars=s=1280x720:r=25"
    "mandelbrot=s=640x360:r=25:maxiter=100:end_pts=60:end_scale=0.002,scale=1280:720"
    "color=c=0x802020:s=1280x720:r=25,noise=alls=20:allf=t"
    "testsrc=s=2560x720:r=25,crop=1280:720:x='640+640*sin(t*0.6)':y=0"
    "testsrc2=s=1280x720:r=25,hue=h=90"
    "life=s=1280x720:r=25:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00"
    "gradients=s=1280x720:r=25:speed=0.03"
    "cellauto=s=1280x720:r=25:rule=110"
    "rgbtestsrc=s=1280x720:r=25"
)
V10=$MEDIA/v10_720p_cuts_v1.mp4   # bump the suffix when the recipe changes
V10_META=${V10%.mp4}.txt          # "cuts F1,F2,..." and "keyframes K1,K2,..."
V60=$MEDIA/v60_720p_concat_v1.mp4
A60=$MEDIA/a60_speech_v1.mp3
A10=$MEDIA/a10_speech_v1.mp3
CLIP30=$MEDIA/clip30_720p_v1.mp4

# Deterministic plan (Park-Miller LCG): "seg SOURCE FRAMES" lines (150..600
# frames, sources never repeating back to back), then "keys K1,K2,..." (keyframes
# every 50..120 frames).
plan() {
    awk -v total=$V10_FRAMES -v nsrc=${#SOURCES[@]} 'BEGIN{
        x = 12345
        sum = 0; prev = -1; n = 0
        while (sum < total) {
            x = (x * 16807) % 2147483647; len = 150 + int(x / 2147483647 * 451)
            if (n < 3) s = n; else { do { x = (x * 16807) % 2147483647; s = int(x / 2147483647 * nsrc) } while (s == prev) }
            if (total - sum - len < 150) len = total - sum
            printf "seg %d %d\n", s, len; sum += len; prev = s; n++
        }
        k = 0; keys = "0"
        while (1) { x = (x * 16807) % 2147483647; k += 50 + int(x / 2147483647 * 71)
            if (k >= total) break; keys = keys "," k }
        print "keys " keys }'
}

gen_video() {
    local plan graph="" inputs="" i=0 src frames part=$MEDIA/.v10.part.$$.mp4
    plan=$(plan)
    local cuts="" sum=0 keys kt
    while read -r tag src frames; do
        [ "$tag" = seg ] || continue
        graph+="${SOURCES[$src]},trim=end_frame=$frames,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v$i];"
        inputs+="[v$i]"
        [ $sum -gt 0 ] && cuts+="${cuts:+,}$sum"
        sum=$((sum + frames)); i=$((i + 1))
    done <<<"$plan"
    keys=$(sed -n 's/^keys //p' <<<"$plan")
    kt=$(tr ',' '\n' <<<"$keys" | awk -v f=$FPS '{printf "%s%.3f", (NR > 1 ? "," : ""), $1 / f}')
    graph+="${inputs}concat=n=$i:v=1:a=0[v]"
    # Speech-like stereo audio: pink noise at a syllable rate, a 1.2 s pause every
    # 11 s, a 0.25 s pause every 7 s (shorter than min_silence_s), a loud burst every 97 s.
    local vol="if(lt(mod(t,11),1.2)+between(mod(t,7),3,3.25),0.003,(0.55+0.45*sin(2*PI*3*t))*if(lt(mod(t,97),1),2.5,1))"
    say "   generating $(basename "$V10") ($i segments, $((i - 1)) cuts; x264 veryfast, a few minutes)"
    "${FF[@]}" -loglevel error -y -filter_complex "$graph" \
        -f lavfi -i "anoisesrc=c=pink:r=48000:a=0.3:d=600,volume='$vol':eval=frame,aformat=channel_layouts=stereo" \
        -map '[v]' -map 0:a -t 600 -r $FPS -c:v libx264 -preset veryfast -g 125 -keyint_min 25 -sc_threshold 0 -bf 2 \
        -force_key_frames "$kt" -c:a aac -b:a 128k -movflags +faststart "$part" >"$WORK/gen_v10.log" 2>&1 ||
        { cat "$WORK/gen_v10.log" >&2; rm -f "$part"; die "generating the 10-minute video failed"; }
    printf 'cuts %s\nkeyframes %s\n' "$cuts" "$keys" >"$V10_META"
    mv "$part" "$V10"
}

gen_audio() {
    local part=$MEDIA/.a60.part.$$.mp3
    local vol="if(lt(mod(t,13),1.5)+between(mod(t,5),2,2.3),0.003,(0.55+0.45*sin(2*PI*4*t))*if(lt(mod(t,89),1),2.5,1))"
    say "   generating $(basename "$A60") (60 min, 44.1 kHz stereo, 128 kb/s)"
    "${FF[@]}" -loglevel error -y -f lavfi \
        -i "anoisesrc=c=pink:r=44100:a=0.3:d=3600,volume='$vol':eval=frame,aformat=channel_layouts=stereo" \
        -c:a libmp3lame -b:a 128k "$part" >"$WORK/gen_a60.log" 2>&1 ||
        { cat "$WORK/gen_a60.log" >&2; rm -f "$part"; die "generating the 60-minute MP3 failed"; }
    mv "$part" "$A60"
}

# ---- audio-only figures (BENCH_AUDIO_ONLY=1) -----------------------------------
# The audio analyses alone, without the video media (which take minutes to
# make): speed against a pure decode of the same MP3 (wall and CPU; on a shared
# machine CPU is the steadier figure) and peak RSS of timeline/moments at 10,
# 60 and 120 minutes of audio (target: flat).
audio_only() {
    local A120=$MEDIA/a120_speech_v1.mp3 r d e t m
    drv() { "$DRIVER" "$@"; }   # as below
    j() { jq -r "$1" <<<"$2"; }
    [ -s "$A60" ] || gen_audio
    [ -s "$A10" ] || { "${FF[@]}" -loglevel error -y -i "$A60" -t 600 -c copy "$MEDIA/.a10.part.$$.mp3" && mv "$MEDIA/.a10.part.$$.mp3" "$A10"; }
    if [ ! -s "$A120" ]; then
        printf "file '%s'\nfile '%s'\n" "$A60" "$A60" >"$WORK/concat_a.txt"
        "${FF[@]}" -loglevel error -y -f concat -safe 0 -i "$WORK/concat_a.txt" -c copy "$MEDIA/.a120.part.$$.mp3" &&
            mv "$MEDIA/.a120.part.$$.mp3" "$A120"
    fi
    say "== A. audio analyses vs a pure decode, 60-minute MP3 (best of 3; load average $(cut -d' ' -f1-3 /proc/loadavg))"
    # best VAR CMD: runs CMD 3 times (it sets T, CPU seconds, and W, wall seconds);
    # VAR and VAR_W get the smallest of each
    best() { local v=$1 b="" bw=""; shift; for _ in 1 2 3; do "$@"; b=$(calc '%.3f' "${b:-1e9} < $T ? ${b:-1e9} : $T"); bw=$(calc '%.3f' "${bw:-1e9} < $W ? ${bw:-1e9} : $W"); done; printf -v "$v" '%s' "$b"; printf -v "${v}_W" '%s' "$bw"; }
    dec() { timed T "$WORK/dec.log" "${FF[@]}" -i "$A60" -f null -; W=$T; T=$T_CPU; }
    best D dec
    for e in audio/silence audio/energy timeline/moments; do
        ours() { r=$(drv "$e" "$A60" --out "$WORK/out/aa") || true; T=$(j .cpu_s "$r"); W=$(j .wall_s "$r"); }
        best t ours
        say "   $(printf '%-18s' "$e") CPU ${t}s vs pure decode CPU ${D}s: $(calc '%.2f' "$t / $D")x (target <= 1.10x); wall ${t_W}s vs ${D_W}s: $(calc '%.2f' "$t_W / $D_W")x"
    done
    say "== B. peak RSS of timeline/moments vs audio length"
    for m in "$A10" "$A60" "$A120"; do
        r=$(drv timeline/moments "$m" --out "$WORK/out/am") || true
        say "   $(printf '%-22s' "$(basename "$m")") VmHWM $(j .vm_hwm_kb "$r") kB, heap in use at the end $(j .heap_in_use_kb "$r") kB (the result), wall $(j .wall_s "$r")s, ok $(j .ok "$r")"
    done
}
if [ "${BENCH_AUDIO_ONLY:-0}" = 1 ]; then
    audio_only
    exit 0
fi

say "== media in $MEDIA (cached)"
{ [ -s "$V10" ] && [ -s "$V10_META" ]; } || gen_video
VONLY=${BENCH_VIDEO_ONLY:-0}
[ -s "$A60" ] || [ "$VONLY" = 1 ] || gen_audio
if [ "$VONLY" != 1 ] && [ ! -s "$A10" ]; then
    "${FF[@]}" -loglevel error -y -i "$A60" -t 600 -c copy "$MEDIA/.a10.part.$$.mp3" && mv "$MEDIA/.a10.part.$$.mp3" "$A10"
fi
if [ ! -s "$CLIP30" ]; then
    "${FF[@]}" -loglevel error -y -i "$V10" -t 30 -c copy -movflags +faststart "$MEDIA/.clip30.part.$$.mp4" &&
        mv "$MEDIA/.clip30.part.$$.mp4" "$CLIP30"
fi
if [ "${BENCH_SKIP_60:-0}" != 1 ] && [ ! -s "$V60" ]; then
    say "   generating $(basename "$V60") (the 10-minute file 6x, stream copy)"
    for _ in 1 2 3 4 5 6; do printf "file '%s'\n" "$V10"; done >"$WORK/concat.txt"
    "${FF[@]}" -loglevel error -y -f concat -safe 0 -i "$WORK/concat.txt" -c copy "$MEDIA/.v60.part.$$.mp4" &&
        mv "$MEDIA/.v60.part.$$.mp4" "$V60"
fi
CUTS=$(sed -n 's/^cuts //p' "$V10_META")
KEYS=$(sed -n 's/^keyframes //p' "$V10_META")
NCUTS=$(tr ',' '\n' <<<"$CUTS" | wc -l)
CUTS_ON_KEY=$(awk -v c="$CUTS" -v k="$KEYS" 'BEGIN{n=split(c,a,","); split(k,b,","); for(i in b) K[b[i]]=1; m=0; for(i=1;i<=n;i++) if(a[i] in K) m++; print m}')
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
V10_DUR=$(dur "$V10"); A60_DUR=$(dur "$A60" 2>/dev/null || echo 0); A10_DUR=$(dur "$A10" 2>/dev/null || echo 0)
say "   $(basename "$V10"): ${V10_DUR}s, $(du -m "$V10" | cut -f1) MB, $NCUTS cuts ($CUTS_ON_KEY on a keyframe), $(tr ',' '\n' <<<"$KEYS" | wc -l) keyframes"
[ "$VONLY" = 1 ] || say "   $(basename "$A60"): ${A60_DUR}s, $(du -m "$A60" | cut -f1) MB"

drv() { "$DRIVER" "$@"; }   # prints one JSON line; exit 1 when the job failed
j() { jq -r "$1" <<<"$2"; }
# best_drv ARGS...: drv BEST times; the JSON of the fastest run (wall), its
# cpu_s the smallest of all runs
best_drv() {
    local r b="" c="" i
    for ((i = 0; i < BEST; i++)); do
        r=$(drv "$@") || true
        if [ -z "$b" ] || [ "$(calc '%d' "$(j .wall_s "$r") < $(j .wall_s "$b")")" = 1 ]; then b=$r; fi
        c=$(calc '%.3f' "${c:-1e9} < $(j .cpu_s "$r") ? ${c:-1e9} : $(j .cpu_s "$r")")
    done
    jq -c --argjson c "$c" '.cpu_s = $c' <<<"$b"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$(plan | awk '$1 == "seg" { if (sum) c = c (c ? "," : "") sum; sum += $3 } END { print c }')" = "$CUTS" ] ||
    die "$V10_META does not match this script's plan: delete $MEDIA to regenerate"

# ---- 1. timeline/moments on the 10-minute video ------------------------------
say "== 1. timeline/moments, 10-minute 720p H.264+AAC"
best_timed T_DEC "$WORK/dec_v10.log" "${FF[@]}" -i "$V10" -f null -
say "   pure decode (ffmpeg -i f -f null -): ${T_DEC}s (CPU ${T_DEC_CPU}s)"
CLI_GRAPH="[0:a]silencedetect=n=-35dB:d=0.5,astats=metadata=1:reset=25,ebur128=framelog=verbose[ao];[0:v]scdet=t=10[vo]"
timed T_CLI "$WORK/cli_v10.log" "${FF[@]}" -loglevel info -i "$V10" -filter_complex "$CLI_GRAPH" -map '[ao]' -map '[vo]' -f null -
# scdet logs "lavfi.scd.score: S, lavfi.scd.time: T" per cut
CLI_CUTS=$(sed -n 's/.*lavfi\.scd\.time: *\([0-9.]*\).*/\1/p' "$WORK/cli_v10.log" | awk -v f=$FPS '{printf "%s%d", (NR > 1 ? "," : ""), int($1 * f + 0.5)}')
cmp_cuts() { # GOT_LIST -> "exact/expected, extra E"
    awk -v g="$1" -v w="$CUTS" 'BEGIN{ng=split(g,G,","); nw=split(w,W,","); for(i=1;i<=ng;i++) if (G[i] != "") H[G[i]]++
        e=0; for(i=1;i<=nw;i++) if (H[W[i]] > 0) { e++; H[W[i]]-- }
        x=0; for(k in H) x+=H[k]; printf "%d/%d exact, %d extra", e, nw, x}'; }
say "   CLI silencedetect+astats+ebur128+scdet: ${T_CLI}s (CPU ${T_CLI_CPU}s), scdet cuts $(cmp_cuts "$CLI_CUTS")"
if [ "${BENCH_CLI_SELECT:-0}" = 1 ]; then
    timed T_SEL "$WORK/cli_sel.log" "${FF[@]}" -loglevel info -i "$V10" -filter_complex \
        "[0:a]silencedetect=n=-35dB:d=0.5,astats=metadata=1:reset=25,ebur128=framelog=verbose[ao];[0:v]select='gt(scene,0.3)',showinfo[vo]" \
        -map '[ao]' -map '[vo]' -f null -
    SEL_CUTS=$(sed -n 's/.*Parsed_showinfo.* pts_time:\([0-9.]*\).*/\1/p' "$WORK/cli_sel.log" | awk -v f=$FPS '{printf "%s%d", (NR > 1 ? "," : ""), int($1 * f + 0.5)}')
    say "   CLI ... + select='gt(scene,0.3)': ${T_SEL}s, cuts $(cmp_cuts "$SEL_CUTS")"
fi
mkdir -p "$WORK/out"
R1=$(best_drv timeline/moments "$V10" --out "$WORK/out/t10" --expect-cuts "$CUTS" --dump "$WORK/t10.json") || true
T_OURS=$(j .wall_s "$R1")
say "   worker: $(j '"\(.wall_s)s (pass \(.pass_s)s, second looks + merge \(.finish_s)s, CPU \(.cpu_s)s), cuts \(.cuts_exact)/\(.cuts_expected) exact, \(.cuts_off_by_one) off by one, extra \(.cuts_extra), silences \(.silences), \(.integrated_lufs) LUFS, VmHWM \(.vm_hwm_kb) kB"' "$R1")"
[ "$(j .ok "$R1")" = true ] || say "   worker FAILED: $(j .error "$R1")"
[ "$(j '.cuts_missed | length' "$R1")" = 0 ] || say "   cuts not found exactly: $(j '.cuts_missed | map(tostring) | join(",")' "$R1")"
# How much of the video the scene detector decoded (video/scenes alone, same code, for the breakdown)
R1S=$(drv video/scenes "$V10" --out "$WORK/out/s10") || true
say "   (breakdown) video/scenes alone: $(j '"\(.wall_s)s, pass \(.pass_s)s, second looks \(.finish_s)s; decoded \(.scene_stats.decoded_frames)/\(.scene_stats.total_frames) frames (\(.scene_stats.decoded_ratio*1000|round/10)%; \(.scene_stats.still_frames) taken as copies in still GOPs, \(.scene_stats.rest_skipped_frames // 0) after cuts not decoded), \(.scene_stats.keyframes) keyframes, \(.scene_stats.refined_gops) GOPs refined, \(.scene_stats.seeks) seeks"' "$R1S")"
timed T_VAUD "$WORK/dec_v10a.log" "${FF[@]}" -i "$V10" -vn -f null -
R1A=$(drv audio/energy "$V10" --out "$WORK/out/e10") || true
say "   (breakdown) audio/energy alone: $(j .wall_s "$R1A")s (CPU $(j .cpu_s "$R1A")s); pure AAC decode (-vn) ${T_VAUD}s (CPU ${T_VAUD_CPU}s)"

# ---- 4 (video part): VmHWM of the 10- and 60-minute video timelines -------------------
# (a function: section 4 runs it, and so does BENCH_VIDEO_ONLY=1, which skips section 4)
video_memory_run() {
    HWM_V10=$(j .vm_hwm_kb "$R1"); HWM_V60=""; T_V60=""
    [ "${BENCH_SKIP_60:-0}" != 1 ] || return 0
    R4V=$(drv timeline/moments "$V60" --out "$WORK/out/t60") || true
    HWM_V60=$(j .vm_hwm_kb "$R4V"); T_V60=$(j .wall_s "$R4V")
    [ "$(j .ok "$R4V")" = true ] || say "   worker FAILED on 60 min: $(j .error "$R4V")"
    say "   video timeline 10 min: $HWM_V10 kB, 60 min: $HWM_V60 kB (60-min run ${T_V60}s, $(j '.cuts | length' "$R4V") cuts)"
    # What libavformat keeps for the open file (the MP4 reader's index of every
    # packet) grows with duration whatever the analysis does: shown apart.
    DMX_V10=$(j .demux_open_kb "$R1"); DMX_V60=$(j .demux_open_kb "$R4V")
    say "   of which the demuxer's open file: 10 min $DMX_V10 kB ($(j .demux_index_entries "$R1") index entries), 60 min $DMX_V60 kB ($(j .demux_index_entries "$R4V")); without it: $((HWM_V10 - DMX_V10)) / $((HWM_V60 - DMX_V60)) kB"
}
video_memory_row() {
    [ -n "$HWM_V60" ] || return 0
    row "4. VmHWM video timeline 10 / 60 min" "$(f2 "$T_V60")" "$(f2 "$(j .cpu_s "$R4V")")" "$(rt "$V10_DUR * 6" "$T_V60")" \
        "$HWM_V10 / $HWM_V60 kB ($(ratio "$HWM_V60" "$HWM_V10")x; flat (<= 1.1x + 4 MiB): $(verdict "$HWM_V60 <= 1.1 * $HWM_V10 + 4096"))"
    row "   the same without the demuxer's open file" "" "" "" \
        "$((HWM_V10 - DMX_V10)) / $((HWM_V60 - DMX_V60)) kB (demuxer $DMX_V10 / $DMX_V60 kB; flat: $(verdict "$HWM_V60 - $DMX_V60 <= 1.1 * ($HWM_V10 - $DMX_V10) + 4096"))"
}

# ---- V. video (issue 12): fixed-GOP streaming encode, 2-hour 1080p memory -----------
# The video helper's section (the audio one has its own): functions called
# after section 1, their rows printed after the report. Same 10-minute cuts
# (V10_META) re-encoded as a streaming service would: constant bitrate, 2 s
# GOPs, no scene-cut keyframes (every cut inside a GOP); transition detection
# is always on. The 2-hour 1080p file is a 2-minute 1080p recipe (a pan, a
# crossfade, a cut, a fade through black, a cut) joined 60x by stream copy,
# the 10-minute one the same joined 5x (memory flat from 10 minutes to 2
# hours); BENCH_SKIP_2H=1 skips them. BENCH_VIDEO_ONLY=1 stops after this
# section and the video row of section 4 (sections 2, 3 and 5 skipped).
VFG=$MEDIA/v10_720p_fixedgop_v1.mp4
V2H=$MEDIA/v120_1080p_concat_v1.mp4
V2M=$MEDIA/v2_1080p_transitions_v1.mp4
V2H10=$MEDIA/v10_1080p_concat_v1.mp4
WORKER_MEMORY_MB=3072   # momentiq-worker --memory default (the job child's address-space limit)
video_bench_run() {
    say "== V. video: fixed-GOP streaming encode; 2-hour 1080p memory"
    if [ ! -s "$VFG" ]; then
        say "   generating $(basename "$VFG") (CBR 2.5 Mb/s, -g 48 -keyint_min 48 -sc_threshold 0; a few minutes)"
        "${FF[@]}" -loglevel error -y -i "$V10" -c:v libx264 -preset veryfast -b:v 2500k -maxrate 2500k \
            -bufsize 5000k -g 48 -keyint_min 48 -sc_threshold 0 -bf 2 -c:a copy -movflags +faststart \
            "$MEDIA/.vfg.part.$$.mp4" >"$WORK/gen_vfg.log" 2>&1 && mv "$MEDIA/.vfg.part.$$.mp4" "$VFG" ||
            { cat "$WORK/gen_vfg.log" >&2; die "generating the fixed-GOP video failed"; }
    fi
    best_timed T_DEC_FG "$WORK/dec_vfg.log" "${FF[@]}" -i "$VFG" -f null -
    RV1=$(best_drv timeline/moments "$VFG" --out "$WORK/out/vfg" --expect-cuts "$CUTS") || true
    T_FG=$(j .wall_s "$RV1")
    say "   pure decode ${T_DEC_FG}s (CPU ${T_DEC_FG_CPU}s); worker: $(j '"\(.wall_s)s (CPU \(.cpu_s)s), cuts \(.cuts_exact)/\(.cuts_expected) exact, extra \(.cuts_extra | length), VmHWM \(.vm_hwm_kb) kB"' "$RV1")"
    RV1S=$(drv video/scenes "$VFG" --out "$WORK/out/vfgs") || true
    say "   (breakdown) video/scenes alone: $(j '"\(.wall_s)s; decoded \(.scene_stats.decoded_frames)/\(.scene_stats.total_frames) frames (\(.scene_stats.decoded_ratio*1000|round/10)%; \(.scene_stats.still_frames) more taken as copies in still GOPs, \(.scene_stats.rest_skipped_frames // 0) after cuts not decoded), \(.scene_stats.refined_gops)/\(.scene_stats.keyframes) GOPs refined"' "$RV1S")"
    HWM_2H=""; T_2H=""; HWM_2H10=""
    if [ "${BENCH_SKIP_2H:-0}" != 1 ]; then
        if [ ! -s "$V2M" ]; then
            say "   generating $(basename "$V2M") (2 minutes of 1080p, to be joined 5x and 60x by stream copy)"
            "${FF[@]}" -loglevel error -y -filter_complex \
                "testsrc=s=3840x1080:r=25:d=25,crop=1920:1080:x='t*20':y=0,format=yuv420p,setsar=1[a];
                 smptehdbars=s=1920x1080:r=25:d=20,noise=alls=8:allf=t,format=yuv420p,setsar=1[b];
                 testsrc2=s=1920x1080:r=25:d=25,format=yuv420p,setsar=1[c];
                 mandelbrot=s=960x540:r=25:maxiter=80,scale=1920:1080,trim=end_frame=625,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[d];
                 testsrc2=s=1920x1080:r=25:d=30,hue=h=120,format=yuv420p,setsar=1[e];
                 [a][b]xfade=transition=fade:duration=1:offset=24[x];[x][c]concat=n=2:v=1:a=0,settb=1/25[y];
                 [y][d]xfade=transition=fadeblack:duration=1:offset=68[z];[z][e]concat=n=2:v=1:a=0,trim=duration=120[v]" \
                -f lavfi -i "anoisesrc=c=pink:r=48000:a=0.3:d=120" -map '[v]' -map 0:a -t 120 -c:v libx264 -preset veryfast \
                -g 48 -keyint_min 48 -sc_threshold 0 -b:v 4000k -c:a aac -b:a 96k "$MEDIA/.v2m.part.$$.mp4" >"$WORK/gen_v2m.log" 2>&1 &&
                mv "$MEDIA/.v2m.part.$$.mp4" "$V2M" || { cat "$WORK/gen_v2m.log" >&2; die "generating the 1080p recipe failed"; }
        fi
        # the same recipe 5x (10 minutes) and 60x (2 hours), by stream copy
        for n in 5 60; do
            out=$V2H10; [ $n = 60 ] && out=$V2H
            [ -s "$out" ] && continue
            for _ in $(seq 1 $n); do printf "file '%s'\n" "$V2M"; done >"$WORK/concat_$n.txt"
            "${FF[@]}" -loglevel error -y -f concat -safe 0 -i "$WORK/concat_$n.txt" -c copy "$MEDIA/.v2h.part.$$.mp4" &&
                mv "$MEDIA/.v2h.part.$$.mp4" "$out"
        done
        RV2S=$(drv timeline/moments "$V2H10" --out "$WORK/out/v2h10") || true
        HWM_2H10=$(j .vm_hwm_kb "$RV2S")
        say "   10-minute 1080p timeline: $(j .wall_s "$RV2S")s (CPU $(j .cpu_s "$RV2S")s), VmHWM $HWM_2H10 kB, $(j '.cuts | length' "$RV2S") changes"
        # under the job child's address-space limit, as the worker runs it
        RV2=$( (ulimit -v $((WORKER_MEMORY_MB * 1024)) && drv timeline/moments "$V2H" --out "$WORK/out/v2h")) || true
        HWM_2H=$(j .vm_hwm_kb "$RV2"); T_2H=$(j .wall_s "$RV2")
        [ "$(j .ok "$RV2")" = true ] || say "   worker FAILED on 2 h: $(j .error "$RV2")"
        say "   2-hour 1080p timeline: ${T_2H}s (CPU $(j .cpu_s "$RV2")s), VmHWM $HWM_2H kB, $(j '.cuts | length' "$RV2") changes"
    fi
}
video_bench_report() {
    say ""
    say "V. video (issue 12)"
    row "V. pure decode, fixed-GOP 10-min 720p" "$(f2 "$T_DEC_FG")" "$T_DEC_FG_CPU" "$(rt "$V10_DUR" "$T_DEC_FG")" ""
    row "   worker timeline/moments (transitions on)" "$(f2 "$T_FG")" "$(f2 "$(j .cpu_s "$RV1")")" "$(rt "$V10_DUR" "$T_FG")" \
        "$(ratio "$T_FG" "$T_DEC_FG")x decode (CPU $(ratio "$(j .cpu_s "$RV1")" "$T_DEC_FG_CPU")x; target <= 0.5: $(verdict "$T_FG <= 0.5 * $T_DEC_FG")); cuts $(j .cuts_exact "$RV1")/$(j .cuts_expected "$RV1") exact, $(j '.cuts_extra | length' "$RV1") extra"
    row "   cuts, decoded frames (video/scenes)" "" "" "" "decoded $(j '.scene_stats.decoded_ratio * 1000 | round / 10' "$RV1S")% of frames, $(j .scene_stats.still_frames "$RV1S") taken as still copies"
    [ -n "$HWM_2H" ] && row "   VmHWM 1080p timeline 10 min / 2 h" "$(f2 "$T_2H")" "$(f2 "$(j .cpu_s "$RV2")")" "$(rt 7200 "$T_2H")" \
        "$HWM_2H10 / $HWM_2H kB (flat (<= 1.1x + 4 MiB): $(verdict "$HWM_2H <= 1.1 * $HWM_2H10 + 4096"); within the worker's ${WORKER_MEMORY_MB} MB limit: $(verdict "$HWM_2H <= $WORKER_MEMORY_MB * 1024"))"
    [ -n "$HWM_2H" ] && row "   the same without the demuxer's open file" "" "" "" \
        "$((HWM_2H10 - $(j .demux_open_kb "$RV2S"))) / $((HWM_2H - $(j .demux_open_kb "$RV2"))) kB (demuxer $(j .demux_open_kb "$RV2S") / $(j .demux_open_kb "$RV2") kB; flat: $(verdict "$HWM_2H - $(j .demux_open_kb "$RV2") <= 1.1 * ($HWM_2H10 - $(j .demux_open_kb "$RV2S")) + 4096"))"
    return 0
}
video_bench_run
if [ "${BENCH_VIDEO_ONLY:-0}" = 1 ]; then
    say "== 4. peak RSS (VmHWM) of the video timeline vs length"
    video_memory_run
    f2() { calc '%.2f' "$1"; }; rt() { calc '%.0fx' "$1 / $2"; }; ratio() { calc '%.2f' "$1 / $2"; }
    verdict() { if [ "$(calc '%d' "$1")" = 1 ]; then echo met; else echo MISSED; fi; }
    row() { printf '%-44s | %8s | %8s | %8s | %s\n' "$@"; }
    row "1. pure decode, 10-min 720p H.264+AAC" "$(f2 "$T_DEC")" "$T_DEC_CPU" "$(rt "$V10_DUR" "$T_DEC")" ""
    row "   worker timeline/moments" "$(f2 "$T_OURS")" "$(f2 "$(j .cpu_s "$R1")")" "$(rt "$V10_DUR" "$T_OURS")" \
        "$(ratio "$T_OURS" "$T_DEC")x decode (CPU $(ratio "$(j .cpu_s "$R1")" "$T_DEC_CPU")x; target <= 0.5: $(verdict "$T_OURS <= 0.5 * $T_DEC"))"
    row "   cuts (worker)" "" "" "" "$(j .cuts_exact "$R1")/$(j .cuts_expected "$R1") frame-exact, $(j '.cuts_extra | length' "$R1") extra; decoded $(j '.scene_stats.decoded_ratio * 1000 | round / 10' "$R1S")% of frames"
    video_memory_row
    video_bench_report
    exit 0
fi

# ---- 2. audio on the 60-minute MP3 --------------------------------------------
say "== 2. silence + energy + loudness, 60-minute MP3"
timed T_ADEC "$WORK/dec_a60.log" "${FF[@]}" -i "$A60" -f null -
say "   pure audio decode: ${T_ADEC}s (CPU ${T_ADEC_CPU}s)"
timed T_ACLI "$WORK/cli_a60.log" "${FF[@]}" -i "$A60" -af "silencedetect=n=-35dB:d=0.5,astats=metadata=1:reset=19" -f null -
say "   CLI silencedetect+astats: ${T_ACLI}s (CPU ${T_ACLI_CPU}s)"
timed T_ACLI2 "$WORK/cli_a60b.log" "${FF[@]}" -i "$A60" -af "silencedetect=n=-35dB:d=0.5,astats=metadata=1:reset=19,ebur128=framelog=verbose" -f null -
say "   CLI silencedetect+astats+ebur128: ${T_ACLI2}s (CPU ${T_ACLI2_CPU}s)"
R2=$(drv timeline/moments "$A60" --out "$WORK/out/a60") || true
T_AOURS=$(j .wall_s "$R2")
say "   worker: $(j '"\(.wall_s)s (CPU \(.cpu_s)s), silences \(.silences), peaks \(.peaks), \(.integrated_lufs) LUFS, VmHWM \(.vm_hwm_kb) kB"' "$R2")"
[ "$(j .ok "$R2")" = true ] || say "   worker FAILED: $(j .error "$R2")"

# ---- 3. 10 frames ----------------------------------------------------------------
say "== 3. video/frames: 10 timestamps on the 10-minute file (jpg, width 640)"
# Ten times in shots that move (so frame N differs from N-1 and N+1 and the
# pixels tell): the first frame after a cut, then nine spread over the file, 0.013 s
# into a frame, 37 % into their shot; asked in a shuffled order.
STATIC_SOURCES=" 1 2 10 "   # smptebars, smptehdbars, rgbtestsrc
mapfile -t TS < <(plan | awk -v f=$FPS -v st="$STATIC_SOURCES" '$1 == "seg" {
        if (index(st, " " $2 " ") == 0) { S[m] = sum; L[m] = $3; m++ } sum += $3 }
    END { for (i = 0; i < m; i++) if (S[i] > 0) { t[0] = sprintf("%.2f", S[i] / f); break }
        for (k = 0; k < 9; k++) { i = int(k * m / 9 + m / 18); t[k + 1] = sprintf("%.3f", (S[i] + int(L[i] * 0.37)) / f + 0.013) }
        split("4 0 7 2 9 1 5 8 3 6", o, " "); for (k = 1; k <= 10; k++) print t[o[k]] }')
TS_JSON=$(printf '%s\n' "${TS[@]}" | jq -s -c .)
R3=$(drv video/frames "$V10" --out "$WORK/out/f10" --params "{\"timestamps\":$TS_JSON}") || true
T_FR=$(j .wall_s "$R3")
[ "$(j .ok "$R3")" = true ] || say "   worker FAILED: $(j .error "$R3")"
# Exactness: frame number floor(t*fps) and the pixels (gray 640x360) closest to the
# CLI's frame N rather than N-1 or N+1 (accurate -ss seek; static shots: n/a).
FR_OK=0; FR_PIX=0; FR_STATIC=0; FR_LINES=()
for k in $(seq 0 $((${#TS[@]} - 1))); do
    t=$(j ".frames[$k].requested_time" "$R3"); n=$(j ".frames[$k].frame" "$R3"); f=$(j ".frames[$k].file" "$R3")
    want=$(calc '%d' "int($t * $FPS + 1e-6)")
    [ "$n" = "$want" ] && FR_OK=$((FR_OK + 1))
    lo=$((want > 0 ? want - 1 : 0))
    "${FF[@]}" -loglevel error -y -ss "$(calc '%.6f' "$lo / $FPS")" -i "$V10" -frames:v 3 -vf scale=640:360,format=gray \
        -f rawvideo "$WORK/ref$k.gray" 2>/dev/null || true
    "${FF[@]}" -loglevel error -y -i "$WORK/out/f10/$f" -vf scale=640:360,format=gray -f rawvideo "$WORK/got$k.gray" 2>/dev/null || true
    v=$(python3 - "$WORK/got$k.gray" "$WORK/ref$k.gray" "$((want - lo))" <<'EOF'
import sys
W = 640 * 360
try:
    got = open(sys.argv[1], 'rb').read(); ref = open(sys.argv[2], 'rb').read(); i = int(sys.argv[3])
except OSError:
    print("error"); sys.exit()
frames = [ref[k * W:(k + 1) * W] for k in range(len(ref) // W)]
mad = lambda a, b: sum(abs(x - y) for x, y in zip(a[::7], b[::7])) / len(a[::7])
if len(got) != W or i >= len(frames):
    print("error"); sys.exit()
d = mad(got, frames[i])
others = [mad(got, frames[k]) for k in range(len(frames)) if k != i and mad(frames[k], frames[i]) > 1]
if not others:
    print("static %.2f" % d)
else:
    print("%s %.2f %.2f" % ("exact" if d < 12 and d < min(others) else "WRONG", d, min(others)))
EOF
)
    case "$v" in exact*) FR_PIX=$((FR_PIX + 1)) ;; static*) FR_STATIC=$((FR_STATIC + 1)) ;; esac
    FR_LINES+=("t=$t frame $n (want $want) time $(j ".frames[$k].time" "$R3"): pixels $v")
done
say "   worker: ${T_FR}s for ${#TS[@]} frames; frame numbers $FR_OK/${#TS[@]} right; pixels $FR_PIX exact, $FR_STATIC static (neighbours identical), $(( ${#TS[@]} - FR_PIX - FR_STATIC )) wrong"
for l in "${FR_LINES[@]}"; do say "     $l"; done

# ---- 4. peak RSS vs length --------------------------------------------------------
say "== 4. peak RSS (VmHWM of the driver process) vs length"
R4A=$(drv timeline/moments "$A10" --out "$WORK/out/a10") || true
HWM_V10=$(j .vm_hwm_kb "$R1"); HWM_A60=$(j .vm_hwm_kb "$R2"); HWM_A10=$(j .vm_hwm_kb "$R4A")
say "   audio 10 min: $HWM_A10 kB, 60 min: $HWM_A60 kB"
video_memory_run

# ---- 5. create -> result through the stack -------------------------------------------
T_JOBS=()
if [ "${BENCH_SKIP_STACK:-0}" != 1 ]; then
    say "== 5. job create -> result, 30 s clip, real stack"
    PORT=$(free_port); PG_PORT=$(free_port)
    STACK_VAR=$WORK/stack
    mkdir -p "$STACK_VAR/conf.d"
    printf 'MomentIQConformanceFixtures Off\n' >"$STACK_VAR/conf.d/bench.conf"
    URL=http://127.0.0.1:$PORT
    say "   starting a stack on $URL (PostgreSQL on $PG_PORT)"
    stack start >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; die "stack did not start"; }
    EMAIL=bench-$$@example.test
    stack ctl user create "$EMAIL" </dev/null >"$WORK/ctl.log" 2>&1 || { cat "$WORK/ctl.log" >&2; die "user create failed"; }
    KEY=$(stack ctl key create --user "$EMAIL" --name bench 2>&1 | sed -n 's/^token //p')
    [ -n "$KEY" ] || die "key create printed no token"
    stack ctl credits grant --email "$EMAIL" --credits 1000000 >>"$WORK/ctl.log" 2>&1 || { cat "$WORK/ctl.log" >&2; die "credits grant failed"; }
    AUTH="Authorization: Bearer $KEY"
    t0=$(now)
    UP=$(curl -sS -X POST "$URL/v1/uploads?filename=clip30.mp4" -H "$AUTH" -H 'Content-Type: application/octet-stream' --data-binary "@$CLIP30")
    T_UP=$(calc '%.3f' "$(now) - $t0")
    UPLOAD_ID=$(j '.upload_id // empty' "$UP")
    [ -n "$UPLOAD_ID" ] || die "upload failed: $UP"
    say "   upload of $(du -k "$CLIP30" | cut -f1) kB (POST /v1/uploads, probe included): ${T_UP}s"
    for i in $(seq 1 "$STACK_JOBS"); do
        t0=$(now)
        JR=$(curl -sS -X POST "$URL/v1/jobs" -H "$AUTH" -H 'Content-Type: application/json' \
            -d "{\"endpoint\":\"timeline/moments\",\"upload_id\":\"$UPLOAD_ID\",\"params\":{}}")
        JOB=$(j '.job_id // empty' "$JR")
        [ -n "$JOB" ] || die "job create failed: $JR"
        t_created=$(now); st=queued; polls=0
        while :; do
            st=$(curl -sS "$URL/v1/jobs/$JOB" -H "$AUTH" | jq -r .status); polls=$((polls + 1))
            case "$st" in succeeded | failed | canceled) break ;; esac
            [ "$(calc '%d' "$(now) - $t0 > 60")" = 1 ] && { st=timeout; break; }
            sleep 0.02
        done
        RES=$(curl -sS -o "$WORK/result$i.json" -w '%{http_code}' "$URL/v1/jobs/$JOB/result" -H "$AUTH")
        t1=$(now)
        T=$(calc '%.3f' "$t1 - $t0"); T_JOBS+=("$T")
        say "   job $i $JOB: $st, result HTTP $RES, create ${T}s (POST $(calc '%.0f' "($t_created - $t0) * 1000") ms, $polls polls), $(jq '.segments | length' "$WORK/result$i.json" 2>/dev/null || echo '?') segments"
    done
    R5=$(drv timeline/moments "$CLIP30" --out "$WORK/out/c30") || true
    say "   (breakdown) the same analysis in-process: $(j .wall_s "$R5")s"
    grep -E "job .* (started|succeeded)" "$STACK_VAR/log/worker.log" | tail -n 2 | sed 's/^/   worker.log: /'
fi

# ---- report --------------------------------------------------------------------------
T_OURS_CPU=$(j .cpu_s "$R1"); T_AOURS_CPU=$(j .cpu_s "$R2"); T_FR_CPU=$(j .cpu_s "$R3")
f2() { calc '%.2f' "$1"; }
rt() { calc '%.0fx' "$1 / $2"; }   # realtime factor: media seconds / wall seconds
ratio() { calc '%.2f' "$1 / $2"; }
verdict() { if [ "$(calc '%d' "$1")" = 1 ]; then echo met; else echo MISSED; fi; }
say ""
say "MomentIQ worker benchmark, $(date -u +%FT%TZ), $(nproc) CPUs (load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg)), $(ffmpeg -version | head -n 1 | cut -d' ' -f1-3)${BENCH_REV:+, code at $BENCH_REV ($SHA)}"
say "realtime = media duration / wall; ratios = worker / reference, wall (CPU = user+system, steadier on a shared machine)"
printf '%-44s | %8s | %8s | %8s | %s\n' "measurement" "wall s" "CPU s" "realtime" "ratios and target"
printf '%s\n' "---------------------------------------------+----------+----------+----------+------------------------------------------------"
row() { printf '%-44s | %8s | %8s | %8s | %s\n' "$@"; }
row "1. pure decode, 10-min 720p H.264+AAC" "$(f2 "$T_DEC")" "$T_DEC_CPU" "$(rt "$V10_DUR" "$T_DEC")" ""
row "   CLI silence+astats+ebur128+scdet" "$(f2 "$T_CLI")" "$T_CLI_CPU" "$(rt "$V10_DUR" "$T_CLI")" "$(ratio "$T_CLI" "$T_DEC")x decode; scdet cuts $(cmp_cuts "$CLI_CUTS")"
[ -n "${T_SEL:-}" ] && row "   CLI silence+astats+ebur128+select" "$(f2 "$T_SEL")" "$T_SEL_CPU" "$(rt "$V10_DUR" "$T_SEL")" "$(ratio "$T_SEL" "$T_DEC")x decode; cuts $(cmp_cuts "$SEL_CUTS")"
row "   worker timeline/moments" "$(f2 "$T_OURS")" "$(f2 "$T_OURS_CPU")" "$(rt "$V10_DUR" "$T_OURS")" \
    "$(ratio "$T_OURS" "$T_DEC")x decode (CPU $(ratio "$T_OURS_CPU" "$T_DEC_CPU")x; target <= 0.5: $(verdict "$T_OURS <= 0.5 * $T_DEC")), $(ratio "$T_OURS" "$T_CLI")x CLI"
row "   cuts (worker)" "" "" "" "$(j .cuts_exact "$R1")/$(j .cuts_expected "$R1") frame-exact, $(j '.cuts_extra | length' "$R1") extra (every cut exact, none extra: $(verdict "$(j '.cuts_exact == .cuts_expected and (.cuts_extra | length) == 0 | if . then 1 else 0 end' "$R1")"))"
row "2. pure audio decode, 60-min MP3" "$(f2 "$T_ADEC")" "$T_ADEC_CPU" "$(rt "$A60_DUR" "$T_ADEC")" ""
row "   CLI silencedetect+astats" "$(f2 "$T_ACLI")" "$T_ACLI_CPU" "$(rt "$A60_DUR" "$T_ACLI")" "$(ratio "$T_ACLI" "$T_ADEC")x decode"
row "   CLI silencedetect+astats+ebur128" "$(f2 "$T_ACLI2")" "$T_ACLI2_CPU" "$(rt "$A60_DUR" "$T_ACLI2")" "$(ratio "$T_ACLI2" "$T_ADEC")x decode"
row "   worker silence+energy+loudness" "$(f2 "$T_AOURS")" "$(f2 "$T_AOURS_CPU")" "$(rt "$A60_DUR" "$T_AOURS")" \
    "$(ratio "$T_AOURS" "$T_ADEC")x decode (CPU $(ratio "$T_AOURS_CPU" "$T_ADEC_CPU")x; target <= 1.1: $(verdict "$T_AOURS <= 1.1 * $T_ADEC")), $(ratio "$T_AOURS" "$T_ACLI")x CLI"
row "3. worker video/frames, 10 timestamps" "$(f2 "$T_FR")" "$(f2 "$T_FR_CPU")" "" \
    "target <= 3 s: $(verdict "$T_FR <= 3"); frame numbers $FR_OK/${#TS[@]}, pixels $FR_PIX exact + $FR_STATIC static"
row "4. VmHWM audio 10 / 60 min" "" "" "" "$HWM_A10 / $HWM_A60 kB ($(ratio "$HWM_A60" "$HWM_A10")x; flat (<= 1.1x + 4 MiB): $(verdict "$HWM_A60 <= 1.1 * $HWM_A10 + 4096"))"
video_memory_row
if [ ${#T_JOBS[@]} -gt 0 ]; then
    MED=$(printf '%s\n' "${T_JOBS[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    row "5. create -> result, 30 s clip (median of ${#T_JOBS[@]})" "$(f2 "$MED")" "" "$(rt 30 "$MED")" "target < 2 s: $(verdict "$MED < 2") (each: ${T_JOBS[*]})"
fi
video_bench_report
exit 0
