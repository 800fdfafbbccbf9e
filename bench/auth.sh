#!/usr/bin/env bash
# MomentIQ auth benchmark: prints figures, never fails on a target.
#   bench/auth.sh
# Starts its own stack (temp MOMENTIQ_VAR under var/bench, free ports, fixtures
# off), makes a user and two connector tokens with momentiqctl, then measures
# with wrk on loopback, side by side: the authenticated MCP 2026 tools/call
# momentiq.get_account, a public 2026 tools/call (estimate_cost), GET /mcp/status
# (one database round trip) and GET /v1/account. Target: get_account at >= 0.7x
# the /mcp/status rate (the token check and the account read cost about one
# round trip). Then a short run with the second token revoked in the middle
# (momentiqctl token revoke): every request sent after the revoke returned must
# be refused.
# Last, get_account again after the account's ledger has grown by
# BENCH_LEDGER_ROWS rows (default 100000: grants and reservations of this
# month), to show whether the token check's cost follows the history.
# Environment: BENCH_DURATION (10s), BENCH_WARMUP (2s, per scenario), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (50), BENCH_REVOKE_SECONDS (4), BENCH_LEDGER_ROWS (100000; 0 skips),
#   BENCH_KEEP=1 keeps the state directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench
DUR=${BENCH_DURATION:-10s}
WARM=${BENCH_WARMUP:-2s}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-50}
REVOKE_SECS=${BENCH_REVOKE_SECONDS:-4}
LEDGER_ROWS=${BENCH_LEDGER_ROWS:-100000}
# var/ as build.sh keeps it: the clone's, or a directory the service account
# can reach when the clone is private (build.sh state sets up the link)
STATE=$("$ROOT/build.sh" state)
BUILD=${MOMENTIQ_BUILD:-$STATE/build}
TCK=$(getconf CLK_TCK)

say() { printf '%s\n' "$*"; }
die() { printf 'bench/auth.sh: %s\n' "$*" >&2; exit 1; }
for c in wrk curl python3 getconf; do command -v "$c" >/dev/null || die "needs $c (apt-get install wrk curl python3)"; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); PG_PORT=$(free_port)
mkdir -p "$STATE/bench"
VAR=$(mktemp -d "$STATE/bench/auth.XXXXXX")
chmod 755 "$VAR"   # PostgreSQL and the httpd children run as an unprivileged user when we are root
URL=http://127.0.0.1:$PORT
WRK_PID=""

stack() { MOMENTIQ_VAR=$VAR MOMENTIQ_PORT=$PORT MOMENTIQ_PG_PORT=$PG_PORT "$ROOT/build.sh" "$@"; }
cleanup() {
    set +e   # a failing step must not skip the others
    if [ -n "$WRK_PID" ]; then kill "$WRK_PID" 2>/dev/null; wait "$WRK_PID" 2>/dev/null; fi
    stack stop >/dev/null 2>&1
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "state kept in $VAR"; else rm -rf "$VAR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# momentiqctl on this stack's database, as the cluster owner (peer auth).
ctl() {
    local user; user=$(id -un)
    local conninfo
    if [ "$(id -u)" -eq 0 ]; then
        conninfo="host=$VAR/pg/run port=$PG_PORT dbname=momentiq user=momentiq"
        runuser -u momentiq -- env MOMENTIQ_DB="$conninfo" "$BUILD/momentiqctl" "$@"
    else
        conninfo="host=$VAR/pg/run port=$PG_PORT dbname=momentiq user=$user"
        env MOMENTIQ_DB="$conninfo" "$BUILD/momentiqctl" "$@"
    fi
}

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

# ---- stack, user, tokens ----------------------------------------------------
mkdir -p "$VAR/conf.d" "$VAR/req"
printf 'MomentIQConformanceFixtures Off\n' >"$VAR/conf.d/bench.conf"
rate_limits >>"$VAR/conf.d/bench.conf"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "== starting a stack on $URL (PostgreSQL on $PG_PORT, state $VAR)"
stack start >"$VAR/start.log" 2>&1 || { cat "$VAR/start.log" >&2; die "stack did not start"; }
EMAIL="bench-$$-$(date +%s)@example.com"
ctl user create "$EMAIL" >"$VAR/user.txt" || die "momentiqctl user create failed"
ctl token create --user "$EMAIL" --name bench --scopes all >"$VAR/token1.txt" || die "momentiqctl token create failed"
ctl token create --user "$EMAIL" --name bench-revoke --scopes all >"$VAR/token2.txt" || die "momentiqctl token create failed"
field_of() { awk -v k="$1" '$1==k{print $2}' "$2"; }
TOKEN=$(field_of token "$VAR/token1.txt")
TOKEN2=$(field_of token "$VAR/token2.txt"); TOKEN2_ID=$(field_of token_id "$VAR/token2.txt")
[[ $TOKEN == miq_conn_* && $TOKEN2 == miq_conn_* && -n $TOKEN2_ID ]] || die "no token in momentiqctl's output"
rm -f "$VAR/user.txt" "$VAR/token1.txt" "$VAR/token2.txt"   # secrets: not kept on disk
say "   user $EMAIL, tokens: bench (all), bench-revoke $TOKEN2_ID (all)"

sql() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u momentiq -- psql -h "$VAR/pg/run" -p "$PG_PORT" -d momentiq -Atqc "$1"
    else psql -h "$VAR/pg/run" -p "$PG_PORT" -d momentiq -Atqc "$1"; fi
}
# Rows in a table of this stack's database (what a scenario writes per request).
rows() { sql "SELECT count(*) FROM $1"; }
db_rows() { echo $(( $(rows auth_events) + $(rows mcp_requests) )); }
# Records the children's batched writers dropped (queue full) in error_log lines after line $1.
log_lines() { wc -l <"$VAR/httpd/logs/error_log"; }
dropped_since() { tail -n +"$(( $1 + 1 ))" "$VAR/httpd/logs/error_log" |
    sed -n 's/.*queue full, \([0-9]*\) records dropped.*/\1/p' | awk '{s+=$1} END{print s+0}'; }

# ---- process accounting -------------------------------------------------------
httpd_pids() { local p; p=$(cat "$VAR/httpd/run/httpd.pid"); echo "$p" $(pgrep -P "$p" || true); }
kids() { pgrep -P "$(cat "$VAR/httpd/run/httpd.pid")" | sort | tr '\n' ' '; }
pg_pids() { local p; p=$(head -n 1 "$VAR/pg/data/postmaster.pid"); echo "$p" $(pgrep -P "$p" || true); }
# utime+stime+cutime+cstime in clock ticks (cutime keeps the time of children already reaped)
ticks() { local t=0 p; for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12+$13+$14+$15}')))
    done; echo "$t"; }

# ---- requests ----------------------------------------------------------------
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"momentiq.get_account","arguments":{},%s}}' "$META" >"$VAR/req/account26.json"
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"momentiq.estimate_cost","arguments":{"endpoint":"video/scenes","duration_s":600},%s}}' "$META" >"$VAR/req/estimate26.json"
H26=('Content-Type: application/json' 'Accept: application/json, text/event-stream' 'MCP-Protocol-Version: 2026-07-28' 'Mcp-Method: tools/call')
AUTH="Authorization: Bearer $TOKEN"

# Sanity: each scenario answers as expected before it is measured.
check() { # LABEL EXPECT(grep pattern) curl args...
    local label=$1 pat=$2 out; shift 2
    out=$(curl -sS -w '\nHTTP %{http_code}' "$@") || die "$label: curl failed"
    grep -q "$pat" <<<"$out" || { say "$out" | head -c 600; die "$label: unexpected answer"; }
}
cargs() { local h; for h in "$@"; do printf -- '-H\n%s\n' "$h"; done; }
mapfile -t A26 < <(cargs "${H26[@]}")
check "get_account" '"balance_credits"' "${A26[@]}" -H 'Mcp-Name: momentiq.get_account' -H "$AUTH" --data-binary "@$VAR/req/account26.json" "$URL/mcp"
check "estimate_cost" '"credits"' "${A26[@]}" -H 'Mcp-Name: momentiq.estimate_cost' --data-binary "@$VAR/req/estimate26.json" "$URL/mcp"
check "/v1/account" '"balance_credits"' -H "$AUTH" "$URL/v1/account"
check "/mcp/status" 'HTTP 200' "$URL/mcp/status"

# ---- wrk ----------------------------------------------------------------------
ROWS=()    # "label|rps|p99|non2xx|sockerr|cpu|pgcpu|requests|db rows per request"
declare -A RPS
per() { awk -v d="$1" -v k="$2" -v n="$3" 'BEGIN{printf "%.1f", d*1e6/k/n}'; }  # DELTA TICKS_PER_S REQUESTS -> µs/req
field() { sed -n "s/.*RESULT.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# bench LABEL URL METHOD BODY|- [HEADER...]
bench() {
    local label=$1 url=$2 method=$3 body=$4 out t0 t1 p0 p1 n r0 r1 l0
    shift 4
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" -s "$HERE/wrk.lua" "$url" -- "$method" "$body" "$@" >/dev/null
    sleep 0.5; r0=$(db_rows); l0=$(log_lines)   # the request and event logs are written in batches every 250 ms
    t0=$(ticks $(httpd_pids)); p0=$(ticks $(pg_pids))
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --timeout 10s -s "$HERE/wrk.lua" "$url" -- "$method" "$body" "$@")
    t1=$(ticks $(httpd_pids)); p1=$(ticks $(pg_pids))
    sleep 0.5; r1=$(db_rows)
    n=$(field requests "$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { say "$out"; die "$label: wrk reported no requests"; }
    RPS[$label]=$(field rps "$out")
    ROWS+=("$label|${RPS[$label]}|$(field p99_ms "$out")|$(field non2xx "$out")|$(field sock_errors "$out")|$(per $((t1 - t0)) "$TCK" "$n")|$(per $((p1 - p0)) "$TCK" "$n")|$n|$(awk -v d=$((r1 - r0)) -v n="$n" 'BEGIN{printf "%.2f", d/n}')|$(dropped_since "$l0")")
    say "  $label: $(sed -n 's/^RESULT //p' <<<"$out")"
}

say "== warm-up: ${WARM} GET /mcp/status + ${WARM} get_account (lets the event MPM start its children)"
for _ in 1 2; do
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" "$URL/mcp/status" >/dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"$WARM" -s "$HERE/wrk.lua" "$URL/mcp" -- POST "$VAR/req/account26.json" "${H26[@]}" 'Mcp-Name: momentiq.get_account' "$AUTH" >/dev/null
done
say "== wrk: $THREADS threads, $CONNS connections, $DUR per scenario (+$WARM warm-up)"
bench "GET /mcp/status" "$URL/mcp/status" GET -
bench "get_account 2026" "$URL/mcp" POST "$VAR/req/account26.json" "${H26[@]}" 'Mcp-Name: momentiq.get_account' "$AUTH"
bench "estimate_cost 2026" "$URL/mcp" POST "$VAR/req/estimate26.json" "${H26[@]}" 'Mcp-Name: momentiq.estimate_cost'
bench "GET /v1/account" "$URL/v1/account" GET - "$AUTH"
if [ "$LEDGER_ROWS" -gt 0 ]; then
    say "== the account's ledger grows by $LEDGER_ROWS rows (this month: grants of 2, reservations of 1)"
    sql "INSERT INTO credit_ledger (account_id, kind, credits, note) SELECT a.id, CASE WHEN g % 2 = 0 THEN 'grant' ELSE 'reservation' END, CASE WHEN g % 2 = 0 THEN 2 ELSE -1 END, 'bench history' FROM accounts a, generate_series(1, $LEDGER_ROWS) g WHERE a.email = '$EMAIL'" >/dev/null
    sql "VACUUM ANALYZE credit_ledger" >/dev/null; sql "VACUUM ANALYZE accounts" >/dev/null; sql "VACUUM ANALYZE account_spend" >/dev/null 2>&1 || true   # as autovacuum would, after one bulk transaction
    bench "get_account, long ledger" "$URL/mcp" POST "$VAR/req/account26.json" "${H26[@]}" 'Mcp-Name: momentiq.get_account' "$AUTH"
fi

# ---- revoke in the middle of a run ---------------------------------------------
RC=4   # one connection per thread: each response follows its own request
say "== revoke: ${REVOKE_SECS}s of get_account 2026 + GET /v1/account (alternating, wrk -t$RC -c$RC) with token $TOKEN2_ID revoked after ~$((REVOKE_SECS / 2))s"
rm -f "$VAR/revoked_at"
wrk -t"$RC" -c"$RC" -d"${REVOKE_SECS}s" --timeout 10s -s "$HERE/auth_revoke.lua" "$URL" -- "$TOKEN2" "$VAR/req/account26.json" "$VAR/revoked_at" >"$VAR/revoke.out" 2>&1 &
WRK_PID=$!
sleep "$(awk -v s="$REVOKE_SECS" 'BEGIN{print s/2}')"
L0=$(log_lines)
R0=$(date +%s%3N)
ctl token revoke "$TOKEN2_ID" --user "$EMAIL" >/dev/null || say "   (momentiqctl token revoke failed)"
R1=$(date +%s%3N)
echo "$R1" >"$VAR/revoked_at.tmp" && mv "$VAR/revoked_at.tmp" "$VAR/revoked_at"
wait "$WRK_PID" || true
WRK_PID=""
REV=$(sed -n 's/^REVOKE //p' "$VAR/revoke.out")
[ -n "$REV" ] || { cat "$VAR/revoke.out"; say "   the revoke run printed no result"; }
rv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$REV"; }
say "   $REV"

# ---- report ----------------------------------------------------------------------
STATUS=${RPS[GET /mcp/status]}
say ""
say "MomentIQ auth benchmark, $(date -u +%FT%TZ), $(nproc) CPUs (load average at start: $LOAD0), wrk -t$THREADS -c$CONNS -d$DUR on loopback (wrk shares the CPUs)"
say "httpd children: $(kids | wc -w); httpd CPU = parent+children utime+stime per request; PG = PostgreSQL processes, same unit;"
say "rows/req = rows the request log (mcp_requests) and the auth event log (auth_events) gained per request"
say "  (expected: get_account 3 = 1 request + 2 readiness warnings, /v1/account 2, estimate_cost 1);"
say "dropped = records the children's batched writers dropped during the run (error_log: queue full)"
printf '%-24s | %8s | %8s | %11s | %9s | %8s | %8s | %10s | %7s | %s\n' scenario "req/s" "p99 ms" "httpd µs/req" "PG µs/req" "rows/req" "dropped" "vs status" "non-2xx" "target"
printf '%s\n' "-------------------------+----------+----------+--------------+-----------+----------+----------+------------+---------+---------------------------"
for row in "${ROWS[@]}"; do
    IFS='|' read -r label rps p99 bad serr cpu pg n dbr drop <<<"$row"
    verdict=""
    case "$label" in
    "get_account 2026"|"get_account, long ledger") verdict=$(awk -v r="$rps" -v s="$STATUS" 'BEGIN{printf ">= 0.7x /mcp/status: %s", (r/s >= 0.7) ? "met" : "MISSED"}') ;;
    esac
    [ "$bad" = 0 ] || verdict="$verdict (non-2xx MISSED)"
    [ "$serr" = 0 ] || verdict="$verdict (socket errors $serr)"
    printf '%-24s | %8.0f | %8.2f | %12s | %9s | %8s | %8s | %9.2fx | %7s | %s\n' "$label" "$rps" "$p99" "$cpu" "$pg" "$dbr" "$drop" \
        "$(awk -v r="$rps" -v s="$STATUS" 'BEGIN{print r/s}')" "$bad" "$verdict"
done
say ""
if [ -n "$REV" ]; then
    ok_after=$(( $(rv ok_after_mcp) + $(rv ok_after_rest) ))
    bad_after=$(( $(rv bad_after_mcp) + $(rv bad_after_rest) ))
    say "revoke mid-run: momentiqctl token revoke took $((R1 - R0)) ms; requests sent before it returned: $(rv ok_before) 2xx, $(rv bad_before) non-2xx;"
    say "  sent after it returned: $bad_after non-2xx (MCP $(rv bad_after_mcp), REST $(rv bad_after_rest)), $ok_after 2xx (target 0: $( [ "$ok_after" = 0 ] && [ "$bad_after" -gt 0 ] && echo met || echo MISSED ))"
    say "  records dropped by the batched writers during the revoke run (invalid_api_key events among them): $(dropped_since "$L0")"
    say "  first refused request sent at revoke-return $(awk -v a="$(rv first_bad_sent_ms)" -v b="$R1" 'BEGIN{printf "%+.1f", a-b}') ms (negative: refused before momentiqctl had exited)"
fi
exit 0
