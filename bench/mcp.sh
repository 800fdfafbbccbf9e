#!/usr/bin/env bash
# MomentIQ MCP benchmark: prints figures, never fails on a target.
#   bench/mcp.sh
# Starts its own stack (temp MOMENTIQ_VAR under var/bench, free ports, fixtures
# off) with a 1 KiB static file behind an Alias, then measures with wrk on
# loopback: the static file, tools/list and a public tools/call in both eras,
# GET /mcp/status; RSS of the httpd children over many requests; and the same
# tools served by the official TypeScript SDK (stateless mode, bench/sdk_server.mjs).
# Environment: BENCH_DURATION (10s), BENCH_WARMUP (2s, per scenario), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (50), BENCH_RSS_REQUESTS (1000000), BENCH_KEEP=1 keeps the
#   state directory, MOMENTIQ_NPM_CACHE (node 22 and the SDK; shared with tests/interop).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench
# var/ as build.sh keeps it: the clone's, or a directory the service account
# can reach when the clone is private (build.sh state sets up the link)
STATE=$("$ROOT/build.sh" state)
DUR=${BENCH_DURATION:-10s}
WARM=${BENCH_WARMUP:-2s}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-50}
RSS_REQ=${BENCH_RSS_REQUESTS:-1000000}
CACHE=${MOMENTIQ_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/momentiq-npm}
TCK=$(getconf CLK_TCK)

say() { printf '%s\n' "$*"; }
die() { printf 'bench/mcp.sh: %s\n' "$*" >&2; exit 1; }
for c in wrk curl python3 npm getconf; do command -v "$c" >/dev/null || die "needs $c (apt-get install wrk curl python3 npm)"; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); PG_PORT=$(free_port); SDK_PORT=$(free_port)
mkdir -p "$STATE/bench"
VAR=$(mktemp -d "$STATE/bench/run.XXXXXX")
chmod 755 "$VAR"   # PostgreSQL and the httpd children run as an unprivileged user when we are root
URL=http://127.0.0.1:$PORT
SDK_PID=""

stack() { MOMENTIQ_VAR=$VAR MOMENTIQ_PORT=$PORT MOMENTIQ_PG_PORT=$PG_PORT "$ROOT/build.sh" "$@"; }
cleanup() {
    set +e   # a failing step must not skip the others
    if [ -n "$SDK_PID" ]; then kill "$SDK_PID" 2>/dev/null; wait "$SDK_PID" 2>/dev/null; fi
    stack stop >/dev/null 2>&1
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "state kept in $VAR"; else rm -rf "$VAR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Rate limits (issue 11) would refuse a benchmark's load: off by default; with
# BENCH_RATE_LIMITS=count they are on with limits no run reaches, so their
# cost (one UNLOGGED upsert per request) is what the figures show.
rate_limits() {
    local c
    for c in mcp api oauth register signup login anon_session bad_token; do
        if [ "${BENCH_RATE_LIMITS:-off}" = count ]; then echo "MomentIQRateLimit $c 1000000 1"
        else echo "MomentIQRateLimit $c off"; fi
    done
}

# ---- stack ---------------------------------------------------------------
mkdir -p "$VAR/conf.d" "$VAR/static" "$VAR/req"
head -c 1024 /dev/zero | tr '\0' 'x' >"$VAR/static/1k.txt"
cat >"$VAR/conf.d/bench.conf" <<EOF
MomentIQConformanceFixtures Off
Alias /bench-static/ "$VAR/static/"
<Directory "$VAR/static">
    Require all granted
    Options None
</Directory>
EOF
rate_limits >>"$VAR/conf.d/bench.conf"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "== starting a stack on $URL (PostgreSQL on $PG_PORT, state $VAR)"
stack start >"$VAR/start.log" 2>&1 || { cat "$VAR/start.log" >&2; die "stack did not start"; }

# ---- process accounting ----------------------------------------------------
httpd_pids() { local p; p=$(cat "$VAR/httpd/run/httpd.pid"); echo "$p" $(pgrep -P "$p" || true); }
kids() { pgrep -P "$(cat "$VAR/httpd/run/httpd.pid")" | sort | tr '\n' ' '; }
pg_pids() { local p; p=$(head -n 1 "$VAR/pg/data/postmaster.pid"); echo "$p" $(pgrep -P "$p" || true); }
# utime+stime+cutime+cstime in clock ticks (cutime keeps the time of children already reaped)
ticks() { local t=0 p; for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12+$13+$14+$15}')))
    done; echo "$t"; }
rss_kib() { local t=0 p; for p in "$@"; do
        [ -r "/proc/$p/status" ] && t=$((t + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status")))
    done; echo "$t"; }

# ---- requests ------------------------------------------------------------
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
CALL='"name":"momentiq.estimate_cost","arguments":{"endpoint":"video/scenes","duration_s":600}'
printf '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{%s}}' "$META" >"$VAR/req/list26.json"
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{%s,%s}}' "$CALL" "$META" >"$VAR/req/call26.json"
printf '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}' >"$VAR/req/list25.json"
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{%s}}' "$CALL" >"$VAR/req/call25.json"
JSONH=('Content-Type: application/json' 'Accept: application/json, text/event-stream')
H26=("${JSONH[@]}" 'MCP-Protocol-Version: 2026-07-28')
SID=$(curl -fsS -D - -o /dev/null "$URL/mcp" -H "${JSONH[0]}" -H "${JSONH[1]}" \
    -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1.0.0"}}}' |
    tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
[ -n "$SID" ] || die "initialize returned no Mcp-Session-Id"
H25=("${JSONH[@]}" 'MCP-Protocol-Version: 2025-11-25' "Mcp-Session-Id: $SID")
curl -fsS -o /dev/null "$URL/mcp" -H "${H25[0]}" -H "${H25[1]}" -H "${H25[2]}" -H "${H25[3]}" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'

# ---- wrk -----------------------------------------------------------------
ROWS=()    # "label|rps|p99|non2xx|sockerr|cpu|pgcpu|wrkcpu|bytes|requests"
declare -A RPS
per() { awk -v d="$1" -v k="$2" -v n="$3" 'BEGIN{printf "%.1f", d*1e6/k/n}'; }  # DELTA TICKS_PER_S REQUESTS -> µs/req
field() { sed -n "s/.*RESULT.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# bench LABEL WHO(httpd|sdk) URL METHOD BODY|- [HEADER...]
bench() {
    local label=$1 who=$2 url=$3 method=$4 body=$5 out pids bytes cargs=() h t0 t1 p0 p1
    shift 5
    for h in "$@"; do cargs+=(-H "$h"); done
    [ "$body" != - ] && cargs+=(--data-binary "@$body")
    bytes=$(curl -sS -o /dev/null -w '%{size_download}' -X "$method" "${cargs[@]}" "$url")
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" -s "$HERE/wrk.lua" "$url" -- "$method" "$body" "$@" >/dev/null
    if [ "$who" = sdk ]; then pids=$SDK_PID; else pids=$(httpd_pids); fi
    t0=$(ticks $pids); p0=$(ticks $(pg_pids))
    out=$( { time wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --timeout 10s -s "$HERE/wrk.lua" "$url" -- "$method" "$body" "$@"; } 2>"$VAR/wrk.time")
    [ "$who" = sdk ] || pids=$(httpd_pids)   # children may have come or gone
    t1=$(ticks $pids); p1=$(ticks $(pg_pids))
    local n; n=$(field requests "$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { say "$out"; die "$label: wrk reported no requests"; }
    RPS[$label]=$(field rps "$out")
    local pg=- wrkcpu; [ "$who" = sdk ] || pg=$(per $((p1 - p0)) "$TCK" "$n")
    wrkcpu=$(per "$(tail -n 1 "$VAR/wrk.time" | awk '{print $1+$2}')" 1 "$n")
    ROWS+=("$label|${RPS[$label]}|$(field p99_ms "$out")|$(field non2xx "$out")|$(field sock_errors "$out")|$(per $((t1 - t0)) "$TCK" "$n")|$pg|$wrkcpu|$bytes|$n")
    say "  $label: $(sed -n 's/^RESULT //p' <<<"$out")"
}

TIMEFORMAT='%U %S'
say "== warm-up: ${WARM} static + ${WARM} tools/list 2026 (lets the event MPM start its children)"
for _ in 1 2; do
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" "$URL/bench-static/1k.txt" >/dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" -s "$HERE/wrk.lua" "$URL/mcp" -- POST "$VAR/req/list26.json" "${H26[@]}" 'Mcp-Method: tools/list' >/dev/null
done
say "== wrk: $THREADS threads, $CONNS connections, $DUR per scenario (+$WARM warm-up)"
bench "static 1 KiB" httpd "$URL/bench-static/1k.txt" GET -
bench "tools/list 2026" httpd "$URL/mcp" POST "$VAR/req/list26.json" "${H26[@]}" 'Mcp-Method: tools/list'
bench "tools/list 2025" httpd "$URL/mcp" POST "$VAR/req/list25.json" "${H25[@]}"
bench "tools/call 2026" httpd "$URL/mcp" POST "$VAR/req/call26.json" "${H26[@]}" 'Mcp-Method: tools/call' 'Mcp-Name: momentiq.estimate_cost'
bench "tools/call 2025" httpd "$URL/mcp" POST "$VAR/req/call25.json" "${H25[@]}"
bench "GET /mcp/status" httpd "$URL/mcp/status" GET -

# ---- RSS -----------------------------------------------------------------
RSS_SECS=$(awk -v n="$RSS_REQ" -v r="${RPS["tools/list 2026"]}" 'BEGIN{s=int(n/r*1.2)+1; print s}')
say "== RSS: ~$RSS_REQ tools/list 2026 requests (wrk -d ${RSS_SECS}s)"
KIDS0=$(kids); RSS0=$(rss_kib $KIDS0)
RSS_OUT=$(wrk -t"$THREADS" -c"$CONNS" -d"${RSS_SECS}s" --timeout 10s -s "$HERE/wrk.lua" "$URL/mcp" -- POST "$VAR/req/list26.json" "${H26[@]}" 'Mcp-Method: tools/list')
KIDS1=$(kids); RSS1=$(rss_kib $KIDS1)
RSS_N=$(field requests "$RSS_OUT")
RSS_LINE=$(awk -v a="$RSS0" -v b="$RSS1" -v n="$RSS_N" -v bad="$(field non2xx "$RSS_OUT")" 'BEGIN{
    printf "RSS of httpd children: %.1f MiB before, %.1f MiB after %d requests (non-2xx %d): delta %+.1f MiB (%+.1f bytes/request)",
        a/1024, b/1024, n, bad, (b-a)/1024, (b-a)*1024/n}')
[ "$KIDS0" = "$KIDS1" ] || RSS_LINE="$RSS_LINE [children changed: $KIDS0-> $KIDS1]"
say "  $RSS_LINE"

# ---- official SDK, stateless ---------------------------------------------
say "== official TypeScript SDK (stateless, JSON responses) on 127.0.0.1:$SDK_PORT"
install() { [ -d "$CACHE/$1/node_modules" ] || npm install --silent --no-audit --no-fund --prefix "$CACHE/$1" "$2" >"$VAR/npm-$1.log" 2>&1 ||
    { cat "$VAR/npm-$1.log" >&2; die "npm install $2 failed"; }; }
mkdir -p "$CACHE"
install node22 node@22
install sdk1 @modelcontextprotocol/sdk@1
NODE=$(find "$CACHE/node22/node_modules" -path '*bin/node' -type f 2>/dev/null | head -n 1)
[ -x "$NODE" ] || die "no node 22 binary under $CACHE/node22"
mkdir -p "$CACHE/sdk1/bench"
cp "$HERE/sdk_server.mjs" "$CACHE/sdk1/bench/"
ln -sfn "$CACHE/sdk1/node_modules" "$CACHE/sdk1/bench/node_modules"
(cd "$CACHE/sdk1/bench" && exec "$NODE" sdk_server.mjs "$URL/mcp" "$SDK_PORT") >"$VAR/sdk.log" 2>&1 &
SDK_PID=$!
SDK_VER=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$CACHE/sdk1/node_modules/@modelcontextprotocol/sdk/package.json" | head -n 1)
for _ in $(seq 1 300); do   # it fetches our tools and results first
    grep -q '^sdk server on' "$VAR/sdk.log" || ! kill -0 "$SDK_PID" 2>/dev/null && break; sleep 0.1; done
grep -q '^sdk server on' "$VAR/sdk.log" || { cat "$VAR/sdk.log" >&2; die "SDK server did not start"; }
SDKH=("${JSONH[@]}" 'MCP-Protocol-Version: 2025-11-25')
bench "SDK tools/list" sdk "http://127.0.0.1:$SDK_PORT/mcp" POST "$VAR/req/list25.json" "${SDKH[@]}"
bench "SDK tools/call" sdk "http://127.0.0.1:$SDK_PORT/mcp" POST "$VAR/req/call25.json" "${SDKH[@]}"

# ---- report --------------------------------------------------------------
STATIC=${RPS[static 1 KiB]}
target() { case "$1" in
    "tools/list"*) echo "1.2" ;; "tools/call"*) echo "0.8" ;; *) echo "" ;; esac; }
say ""
say "MomentIQ MCP benchmark, $(date -u +%FT%TZ), $(nproc) CPUs (load average at start: $LOAD0), wrk -t$THREADS -c$CONNS -d$DUR on loopback (wrk shares the CPUs)"
say "httpd children: $(kids | wc -w); CPU = httpd parent+children utime+stime per request (node for SDK rows);"
say "PG = PostgreSQL processes (request log, sessions, status), wrk = the load generator itself, same unit"
printf '%-16s | %8s | %8s | %10s | %9s | %10s | %9s | %7s | %6s | %s\n' scenario "req/s" "p99 ms" "CPU µs/req" "PG µs/req" "wrk µs/req" "vs static" "non-2xx" "resp B" "targets (x static; p99 < 20 ms; non-2xx 0)"
printf '%s\n' "-----------------+----------+----------+------------+-----------+------------+-----------+---------+--------+-------------------------------------------"
for row in "${ROWS[@]}"; do
    IFS='|' read -r label rps p99 bad serr cpu pg wrkcpu bytes n <<<"$row"
    t=$(target "$label"); verdict=""
    if [[ $label != SDK* && $label != static* ]]; then
        verdict=$(awk -v r="$rps" -v s="$STATIC" -v t="$t" -v p="$p99" -v b="$bad" 'BEGIN{
            o = (t == "") ? "" : sprintf(">=%sx %s, ", t, (r/s >= t) ? "met" : "MISSED");
            printf "%sp99 %s, non-2xx %s", o, (p < 20) ? "met" : "MISSED", (b == 0) ? "0" : "MISSED"}')
    fi
    [ "$serr" = 0 ] || verdict="$verdict (socket errors $serr)"
    printf '%-16s | %8.0f | %8.2f | %10s | %9s | %10s | %8.2fx | %7s | %6s | %s\n' "$label" "$rps" "$p99" "$cpu" "$pg" "$wrkcpu" \
        "$(awk -v r="$rps" -v s="$STATIC" 'BEGIN{print r/s}')" "$bad" "$bytes" "$verdict"
done
say ""
say "$RSS_LINE   (target: flat)"
sdk_ratio() { awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN{r=a/b; printf "%.1fx %s", r, (r >= 40) ? "(met)" : "(MISSED)"}'; }
say "vs official SDK $SDK_VER stateless (target >= 40x):"
say "  tools/list: 2025 era $(sdk_ratio 'tools/list 2025' 'SDK tools/list'), 2026 era $(sdk_ratio 'tools/list 2026' 'SDK tools/list')"
say "  tools/call: 2025 era $(sdk_ratio 'tools/call 2025' 'SDK tools/call'), 2026 era $(sdk_ratio 'tools/call 2026' 'SDK tools/call')"
exit 0
