#!/usr/bin/env bash
# MomentIQ fuzzing benchmark: prints figures, never fails on a target.
#   bench/fuzz.sh [SECONDS] [TARGET...]
# Builds tests/fuzz (clang, ASan/UBSan, var/fuzz) and fuzzes each target (all by
# default) for SECONDS (default 60) with one libFuzzer process, starting from its
# seed corpus (tests/fuzz/corpus/NAME, crashes/NAME, and for the probe the media
# generated into var/fuzz/corpus-media). The working corpus grows in
# var/fuzz/work/NAME (kept between runs); crashes, leaks and timeouts are saved
# under var/fuzz/findings/NAME/ (copy one into tests/fuzz/crashes/NAME/ once fixed).
# Prints per target: execs/s, total execs, coverage (edges, features) at the end,
# corpus inputs added, and the crash if any; then how long 10 M executions would
# take at that rate (the issue's goal for the parser targets).
# Environment: FUZZ_JOBS (1) parallel targets, FUZZ_ARGS extra libFuzzer flags.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${1:-60}
[ $# -gt 0 ] && shift
OUT=${MIQ_FUZZ_OUT:-$("$ROOT/build.sh" state)/fuzz}   # var/ as build.sh keeps it
RUN=$ROOT/tests/fuzz/run.sh
export MIQ_FUZZ_OUT=$OUT

"$RUN" build || { echo "bench/fuzz.sh: the fuzz targets do not build"; exit 1; }
"$RUN" media
targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <("$RUN" list)

one() { # name -> a result line in $OUT/bench/NAME.line
    local t=$1 work=$OUT/work/$1 find=$OUT/findings/$1 log=$OUT/bench/$1.log d
    mkdir -p "$work" "$find" "$OUT/bench"
    for d in $("$RUN" inputs "$t"); do cp -n "$d"/* "$work"/ 2>/dev/null || true; done
    local before; before=$(ls "$work" | wc -l)
    (cd "$find" && "$OUT/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$find/" ${FUZZ_ARGS:-} "$work") >"$log" 2>&1
    local rc=$? execs secs rate cov ft added crash
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | awk '{print $5}' | tail -n 1)
    [ -z "$secs" ] || [ "$secs" = 0 ] && secs=$SECS
    execs=${execs:-0}
    rate=$((execs / secs))
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    ft=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | awk '{print $4}')
    added=$(( $(ls "$work" | wc -l) - before ))
    crash=none
    if [ $rc -ne 0 ]; then
        crash=$(grep -Eo "(Test unit|artifact) written to [^ ]+" "$log" | tail -n 1 | awk '{print $NF}')
        crash="${crash:-exit $rc} ($(grep -E 'SUMMARY' "$log" | head -n 1 | cut -c1-90))"
    fi
    local goal=never
    [ "$rate" -gt 0 ] && goal=$(awk -v r="$rate" 'BEGIN { s = 1e7 / r; if (s < 3600) printf "%.0f min", s / 60; else printf "%.1f h", s / 3600 }')
    printf '%-15s %9s execs/s %11s execs  cov %5s ft %6s  +%-5s 10M in %-8s crash: %s\n' \
        "$t" "$rate" "$execs" "${cov:-?}" "${ft:-?}" "$added" "$goal" "$crash" >"$OUT/bench/$t.line"
}

echo "fuzzing ${#targets[@]} targets for ${SECS}s each ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
jobs=${FUZZ_JOBS:-1} i=0
for t in "${targets[@]}"; do
    one "$t" &
    i=$((i + 1))
    [ $((i % jobs)) -eq 0 ] && wait
done
wait
for t in "${targets[@]}"; do cat "$OUT/bench/$t.line"; done
echo "findings: $OUT/findings/ (logs: $OUT/bench/)"
