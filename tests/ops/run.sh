#!/usr/bin/env bash
# The operators' suite (issue 16) against a running test stack: the
# OpenMetrics endpoint (checked by a strict parser, which is itself checked
# on broken samples), the server-status section, W3C traceparent on the
# request log, the job and the worker's log, the request log's monthly
# partitions and their retention, and momentiqctl report (every report in
# every format, figures from seeded rows, bad input refused), and the
# queue-wait rollup through a job's life (job_rollup.sql, sql/019), and the
# clip workflow rollup and top-failed (clip_workflows_rollup.sql, sql/022),
# and the /metrics counters in slot rows (metric_totals_slots.sql, sql/023),
# the connector-usage rollup through jobs and label changes
# (connector_usage_rollup.sql, sql/024), the queue-wait rollup in slot rows
# (job_wait_slots.sql, sql/026), and the connector spend rollup behind
# top-spenders (top_spenders_rollup.sql, sql/025).
# Environment: OPS_URL, OPS_VAR (the stack's state dir), OPS_PGPORT,
# OPS_BUILD, OPS_RUNAS (user for psql/momentiqctl; empty: the caller).
# Prints one line per check and "ops: N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
U=$OPS_URL
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -n 20 | sed 's/^/    /'; }
check() { # name command...
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}
as() { if [ -n "${OPS_RUNAS:-}" ]; then runuser -u "$OPS_RUNAS" -- "$@"; else "$@"; fi; }
sql() { as env PGOPTIONS="-c client_min_messages=warning" psql -X -qAt -v ON_ERROR_STOP=1 -h "$OPS_VAR/pg/run" -p "$OPS_PGPORT" -d momentiq -c "$1"; }
ctl() { as env MOMENTIQ_DB="host=$OPS_VAR/pg/run port=$OPS_PGPORT dbname=momentiq user=${OPS_RUNAS:-$(id -un)}" "$OPS_BUILD/momentiqctl" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TAG=ops$(date +%s%N | tail -c 9)
TP_TRACE=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
TP="00-$TP_TRACE-b7ad6b7169203331-01"

# ---- the checker can fail ---------------------------------------------------
good='# TYPE a_seconds histogram
# UNIT a_seconds seconds
a_seconds_bucket{le="0.1"} 1
a_seconds_bucket{le="+Inf"} 2
a_seconds_count 2
a_seconds_sum 0.3
# TYPE b counter
b_total{x="1"} 3
# EOF'
check "openmetrics checker accepts a valid exposition" python3 "$HERE/openmetrics_check.py" <<<"$good"
n=0
for broken in "${good%# EOF}" \
    "${good/le=\"0.1\"\} 1/le=\"0.1\"\} 5}" \
    "${good/a_seconds_count 2/a_seconds_count 3}" \
    "${good/\# TYPE b counter/\# TYPE b_total counter}" \
    "${good/b_total\{x=\"1\"\} 3/b_total\{x=\"1\"\} 3
b_total\{x=\"1\"\} 4}" \
    "${good/\# UNIT a_seconds seconds/\# UNIT a_seconds bytes}" \
    "${good/b_total\{x=\"1\"\} 3/b_total\{x=1\} 3}" \
    "${good/b_total\{x=\"1\"\} 3/b_total\{x=\"1\"\} -3}" \
    "$good
a_seconds_sum 1"; do
    python3 "$HERE/openmetrics_check.py" <<<"$broken" >/dev/null 2>&1 || n=$((n + 1))
done
[ "$n" = 9 ] && ok "openmetrics checker refuses each of 9 broken expositions" ||
    bad "openmetrics checker refused only $n of 9 broken expositions"

# ---- MCP traffic with trace context -----------------------------------------
mcp() { # extra-curl-args... -- body
    curl -s -o "$tmp/mcp.out" -w '%{http_code}' -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' "$@" "$U/mcp"
}
init_body() { # client-name [meta-json]
    printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"%s","version":"1"}%s}}' "$1" "${2:+,\"_meta\":$2}"
}
count_init() { curl -s "$U/metrics" | awk '/^mcp_server_operation_duration_seconds_count\{mcp_method_name="initialize"\}/ {print $2}'; }
before=$(count_init)
code=$(mcp -H "traceparent: $TP" -d "$(init_body "$TAG-hdr")")
[ "$code" = 200 ] && ok "initialize with a traceparent header" || bad "initialize with a traceparent header: $code"
mcp -H "traceparent: 00-11111111111111111111111111111111-2222222222222222-01" \
    -d "$(init_body "$TAG-meta" "{\"traceparent\":\"00-$TP_TRACE-3333333333333333-01\"}")" >/dev/null
mcp -H "traceparent: 00-zz-not-a-trace" -d "$(init_body "$TAG-bad")" >/dev/null
after=$(count_init)
[ -n "$after" ] && [ "${after%.*}" -ge $(( ${before:-0} + 3 )) ] && ok "initialize histogram counted 3 calls ($before -> $after)" ||
    bad "initialize histogram count went from '$before' to '$after'"

row() { # client -> traceparent (waits for the batched request log)
    local i v
    for i in $(seq 1 40); do
        v=$(sql "SELECT coalesce(traceparent, 'null') FROM mcp_requests WHERE client_name = '$1'")
        [ -n "$v" ] && { echo "$v"; return; }
        sleep 0.25
    done
}
v=$(row "$TAG-hdr"); [ "$v" = "$TP" ] && ok "request log keeps the header's traceparent" || bad "header traceparent logged as '$v'"
v=$(row "$TAG-meta"); [ "$v" = "00-$TP_TRACE-3333333333333333-01" ] && ok "_meta.traceparent wins over the header" || bad "_meta traceparent logged as '$v'"
v=$(row "$TAG-bad"); [ "$v" = null ] && ok "an invalid traceparent is ignored, the call still served" || bad "invalid traceparent logged as '$v'"

# ---- /metrics and server-status ---------------------------------------------
curl -s -D "$tmp/h" -o "$tmp/metrics" "$U/metrics"
grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$tmp/h" &&
    ok "/metrics content type" || bad "/metrics content type" "$(cat "$tmp/h")"
check "/metrics passes the strict OpenMetrics checker" python3 "$HERE/openmetrics_check.py" <"$tmp/metrics"
for m in 'mcp_server_operation_duration_seconds_bucket{mcp_method_name="initialize",le="0.01"}' \
    'momentiq_http_requests_total{surface="mcp",outcome="ok"}' 'momentiq_http_refusals_total{code="429"}' \
    'momentiq_sse_streams' 'momentiq_database_up 1' 'momentiq_jobs_queued' 'momentiq_workers_alive 1' \
    'momentiq_queue_oldest_age_seconds' 'momentiq_credits_charged_last_day' \
    'momentiq_webhook_events_pending' 'momentiq_webhook_events_failed_last_day'; do
    grep -qF "$m" "$tmp/metrics" && ok "/metrics has $m" || bad "/metrics lacks $m"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/metrics")
[ "$code" = 405 ] && ok "POST /metrics is 405" || bad "POST /metrics answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/metricsx")
[ "$code" = 404 ] && ok "/metricsx is not the metrics endpoint" || bad "/metricsx answered $code"
curl -s "$U/server-status?auto" >"$tmp/status"
for k in MomentIQRequests_mcp_ok MomentIQRefusals_401 MomentIQSSEStreams MomentIQQueueDepth 'MomentIQWorkersAlive: 1'; do
    grep -q "^$k" "$tmp/status" && ok "server-status?auto has $k" || bad "server-status?auto lacks $k" "$(grep MomentIQ "$tmp/status")"
done
curl -s "$U/server-status" | grep -q '<h2><a name="momentiq">MomentIQ</a></h2>' &&
    ok "server-status HTML has the MomentIQ section" || bad "server-status HTML lacks the MomentIQ section"

# ---- a job keeps the trace; the worker's lines carry it ---------------------
# The database's counters (sql/020) move with the job below.
metric() { curl -s "$U/metrics" | awk -v k="$1" '$1 == k {print $2; f = 1} END {if (!f) print 0}'; }
K_CREATED='momentiq_jobs_created_total{endpoint="audio/silence"}'
K_DONE='momentiq_jobs_finished_total{endpoint="audio/silence",status="succeeded"}'
K_GRANT='momentiq_credits_added_total{kind="grant"}'
m_created=$(metric "$K_CREATED"); m_done=$(metric "$K_DONE"); m_grant=$(metric "$K_GRANT")
m_charged=$(metric momentiq_credits_charged_total); m_waits=$(metric momentiq_job_queue_wait_seconds_count)
email="$TAG@example.com"
ctl user create "$email" --free-credits 500 >/dev/null 2>&1 || true
tok=$(ctl token create --user "$email" --name ops --scopes all 2>/dev/null | grep -o 'miq_conn_[A-Za-z0-9_-]*' | head -n 1)
ffmpeg -loglevel error -f lavfi -i "sine=d=3" -f lavfi -i "anullsrc=d=2" -filter_complex concat=n=2:v=0:a=1 "$tmp/a.wav" 2>/dev/null
upl=$(curl -s -H "Authorization: Bearer $tok" --data-binary @"$tmp/a.wav" "$U/v1/uploads?filename=a.wav" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("upload_id",""))' 2>/dev/null)
JT=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
job=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -H "traceparent: 00-$JT-1234567890abcdef-01" \
    -d "{\"endpoint\":\"audio/silence\",\"upload_id\":\"$upl\"}" "$U/v1/jobs" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("job_id",""))' 2>/dev/null)
if [ -n "$job" ]; then
    ok "a job created with a traceparent header"
    v=$(sql "SELECT traceparent FROM jobs WHERE id = '$job'")
    [ "$v" = "00-$JT-1234567890abcdef-01" ] && ok "the job keeps the traceparent" || bad "jobs.traceparent is '$v'"
    for i in $(seq 1 120); do
        st=$(sql "SELECT status FROM jobs WHERE id = '$job'")
        case $st in succeeded | failed | canceled) break ;; esac
        sleep 0.5
    done
    [ "$st" = succeeded ] && ok "the traced job succeeded" || bad "the traced job is $st"
    curl -s "$U/metrics" >"$tmp/metrics2"
    check "/metrics with the database's counters passes the strict checker" python3 "$HERE/openmetrics_check.py" <"$tmp/metrics2"
    charged=$(sql "SELECT charged_credits FROM jobs WHERE id = '$job'")
    d() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 6))" "$1" "$2"; }
    v=$(d "$m_created" "$(metric "$K_CREATED")"); [ "$v" = 1.0 ] && ok "jobs_created_total counted the job" || bad "jobs_created_total moved by $v"
    v=$(d "$m_done" "$(metric "$K_DONE")"); [ "$v" = 1.0 ] && ok "jobs_finished_total counted it as succeeded" || bad "jobs_finished_total moved by $v"
    v=$(d "$m_grant" "$(metric "$K_GRANT")"); [ "$v" = 500.0 ] && ok "credits_added_total counted the 500 free credits" || bad "credits_added_total{grant} moved by $v"
    v=$(d "$m_charged" "$(metric momentiq_credits_charged_total)")
    [ -n "$charged" ] && [ "$charged" -gt 0 ] && [ "$v" = "$charged.0" ] && ok "credits_charged_total grew by the job's charge ($charged)" ||
        bad "credits_charged_total moved by $v, the job charged '$charged'"
    v=$(d "$m_waits" "$(metric momentiq_job_queue_wait_seconds_count)"); [ "$v" = 1.0 ] && ok "the queue-wait histogram counted the job's start" || bad "queue-wait count moved by $v"
    n=$(grep -c "job $job.*trace_id=$JT" "$OPS_VAR/log/worker.log" || true)
    [ "${n:-0}" -ge 2 ] && ok "worker log lines of the job carry its trace id ($n)" ||
        bad "worker log lines with the trace id: ${n:-0}" "$(grep "$job" "$OPS_VAR/log/worker.log")"
else
    bad "a job created with a traceparent header (token '${tok:0:12}…', upload '$upl')"
fi

# ---- monthly partitions and retention ---------------------------------------
ahead=$(sql "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + interval '4 months', 'YYYYMM')")
# a rerun on the same stack: the month and its rolled-up days start empty
sql "DROP TABLE IF EXISTS mcp_requests_$ahead;
     DELETE FROM mcp_request_daily WHERE day >= to_date('$ahead', 'YYYYMM')" >/dev/null
sql "INSERT INTO mcp_requests (at, era, http_method, caller, http_status, outcome, latency_ms)
     VALUES (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '4 months 3 days', '2025', 'POST', '$TAG-future', 200, 'ok', 1)" >/dev/null
v=$(sql "SELECT tableoid::regclass FROM mcp_requests WHERE caller = '$TAG-future'")
[ "$v" = mcp_requests_default ] && ok "a row of a month without a partition lands in the default partition" || bad "future row went to '$v'"
sql "SELECT * FROM miq_requests_maintain(4, 0)" >"$tmp/maint"
v=$(sql "SELECT tableoid::regclass FROM mcp_requests WHERE caller = '$TAG-future'")
[ "$v" = "mcp_requests_$ahead" ] && ok "maintenance creates months ahead and moves the default's rows there" ||
    bad "after maintenance the row is in '$v'" "$(cat "$tmp/maint")"
sql "CREATE TABLE mcp_requests_200001 PARTITION OF mcp_requests FOR VALUES FROM ('2000-01-01 00:00+00') TO ('2000-02-01 00:00+00');
     INSERT INTO mcp_requests (at, era, http_method, caller, http_status, outcome, latency_ms)
     VALUES ('2000-01-15 00:00+00', '2025', 'POST', '$TAG-old', 200, 'ok', 1)" >/dev/null
sql "SELECT action || ' ' || partition FROM miq_requests_maintain(2, 12)" >"$tmp/maint"
grep -qx 'dropped mcp_requests_200001' "$tmp/maint" && [ -z "$(sql "SELECT 1 FROM mcp_requests WHERE caller = '$TAG-old'")" ] &&
    ok "retention drops a month older than the months kept" || bad "retention" "$(cat "$tmp/maint")"
# momentiqctl purge keeps the same window (for sites where httpd logs no calls for a while)
sql "CREATE TABLE IF NOT EXISTS mcp_requests_200002 PARTITION OF mcp_requests FOR VALUES FROM ('2000-02-01 00:00+00') TO ('2000-03-01 00:00+00')" >/dev/null
mkdir -p "$tmp/storage" && chmod 777 "$tmp" "$tmp/storage"
ctl purge --storage "$tmp/storage" --request-log-months 12 --dry-run >"$tmp/purge" 2>&1
grep -qx 'would change request log partition mcp_requests_200002 (dropped)' "$tmp/purge" &&
    [ -n "$(sql "SELECT to_regclass('mcp_requests_200002')")" ] &&
    ok "purge --dry-run names the month it would drop and keeps it" || bad "purge --dry-run" "$(cat "$tmp/purge")"
ctl purge --storage "$tmp/storage" --request-log-months 12 >"$tmp/purge" 2>&1
grep -qx 'changed request log partition mcp_requests_200002 (dropped)' "$tmp/purge" &&
    [ -z "$(sql "SELECT to_regclass('mcp_requests_200002')")" ] &&
    ok "purge --request-log-months drops whole months past the window" || bad "purge --request-log-months" "$(cat "$tmp/purge")"
ctl purge --storage "$tmp/storage" --request-log-months -1 >/dev/null 2>&1 && bad "purge accepted --request-log-months -1" ||
    ok "purge refuses a negative --request-log-months"
v=$(sql "SELECT count(*) FROM mcp_requests WHERE caller IN ('$TAG-future') OR client_name LIKE '$TAG-%'")
[ "$v" = 4 ] && ok "retention keeps the recent months' rows" || bad "recent rows left: $v"
v=$(sql "SELECT count(*) FROM admin_request_daily_check")
[ "$v" = 0 ] && ok "the daily rollup equals the request log" || bad "rollup differs on $v days"

# ---- momentiqctl report ------------------------------------------------------
acct=$(sql "SELECT id FROM accounts WHERE email = '$email'")
sql "INSERT INTO mcp_requests (at, era, http_method, rpc_method, tool, caller, http_status, outcome, error_code, latency_ms)
     VALUES (now(), '2025', 'POST', 'tools/call', '$TAG.tool', 'x', 200, 'ok', NULL, 10),
            (now(), '2025', 'POST', 'tools/call', '$TAG.tool', 'x', 200, 'ok', NULL, 20),
            (now(), '2025', 'POST', 'tools/call', '$TAG.tool', 'x', 200, 'tool_error', NULL, 90);
     INSERT INTO rate_limit_refusals (day, class, refusals) VALUES (current_date, '$TAG', 7);
     INSERT INTO jobs (id, account_id, endpoint, params, request_hash, status, estimated_credits, error_code, finished_at)
     VALUES ('job_$TAG', $acct, 'video/$TAG', '{}', 'x', 'failed', 1, 'media_unreadable', now())" >/dev/null
n=$(ctl report --list | wc -l)
[ "$n" = 13 ] && ok "report --list names 13 reports" || bad "report --list printed $n lines"
for r in $(ctl report --list | awk '{print $1}'); do
    ctl report "$r" --format json >"$tmp/r.json" 2>"$tmp/r.err" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list)' "$tmp/r.json" &&
        ctl report "$r" --format csv >"$tmp/r.csv" && head -n 1 "$tmp/r.csv" | grep -q ',' &&
        ctl report "$r" --since 2020-01-01 --until 2100-01-01 >/dev/null &&
        ok "report $r (json, csv, table)" || bad "report $r" "$(cat "$tmp/r.err")"
done
ctl report top-tools --format json | python3 -c "
import json,sys
rows=[r for r in json.load(sys.stdin) if r['tool']=='$TAG.tool']
assert rows and rows[0]['calls']==3 and rows[0]['errors']==1 and rows[0]['max_latency_ms']==90, rows" &&
    ok "top-tools counts the seeded calls, errors and latency" || bad "top-tools figures"
ctl report rate-limit-refusals --format csv | grep -q ",$TAG,7" && ok "rate-limit-refusals shows the seeded refusals" || bad "rate-limit-refusals"
ctl report failed-jobs | grep -q "video/$TAG *media_unreadable *1" && ok "failed-jobs shows the seeded failure" || bad "failed-jobs" "$(ctl report failed-jobs)"
ctl report failed-jobs --until 2000-01-02 | grep -q "video/$TAG" && bad "a period before the failure still shows it" || ok "a period excludes jobs outside it"
if [ -n "$(sql "SELECT to_regclass('webhook_deliveries')")" ]; then
    sql "INSERT INTO webhook_endpoints (id, account_id, url, events, secret_salt)
         VALUES ('whe_$TAG', $acct, 'https://hooks.example/x', ARRAY['job.failed'], 'salt');
         INSERT INTO webhook_events (id, endpoint_id, account_id, type, status, finished_at)
         VALUES ('evt_$TAG', 'whe_$TAG', $acct, 'job.$TAG', 'failed', now());
         INSERT INTO webhook_deliveries (event_id, endpoint_id, attempt, outcome, status_code, latency_ms, error)
         VALUES ('evt_$TAG', 'whe_$TAG', 1, 'retry', 500, 12, NULL),
                ('evt_$TAG', 'whe_$TAG', 2, 'failed', NULL, 5000, 'timeout')" >/dev/null
    ctl report webhook-failures --format csv | grep -q ",job.$TAG,2,1,1,timeout" &&
        ok "webhook-failures counts the seeded failed deliveries" || bad "webhook-failures" "$(ctl report webhook-failures --format csv)"
    sql "DELETE FROM webhook_endpoints WHERE id = 'whe_$TAG'" >/dev/null
else
    v=$(ctl report webhook-failures --format json)
    [ "$v" = "[]" ] && ok "webhook-failures is empty where the webhook tables do not exist" || bad "webhook-failures: $v"
fi
for args in "no-such-report" "top-tools --since 2026-02-30" "top-tools --since 2030-01-01 --until 2029-01-01" \
    "top-tools --format xml" "top-tools extra" "top-tools --since" "--since 2026-01-01"; do
    # shellcheck disable=SC2086
    ctl report $args >/dev/null 2>"$tmp/err"; rc=$?
    [ "$rc" = 2 ] && grep -q 'momentiqctl report:' "$tmp/err" && ok "report $args: refused (2)" || bad "report $args: exit $rc"
done
# clip-workflows: only the 7 days before each clips job count (sql/021)
sql "INSERT INTO uploads (id, account_id, filename, path) VALUES ('upl_$TAG', $acct, 'w.mp4', 'w.mp4');
     INSERT INTO jobs (id, account_id, endpoint, params, request_hash, status, estimated_credits, upload_id, created_at)
     VALUES ('jw1_$TAG', $acct, 'old/$TAG', '{}', 'x', 'succeeded', 1, 'upl_$TAG', now() - interval '20 days'),
            ('jw2_$TAG', $acct, 'recent/$TAG', '{}', 'x', 'succeeded', 1, 'upl_$TAG', now() - interval '2 days'),
            ('jw3_$TAG', $acct, 'video/clips', '{\"clips\":[{},{}]}', 'x', 'succeeded', 1, 'upl_$TAG', now())" >/dev/null
v=$(sql "SELECT workflow || ' ' || clip_jobs || ' ' || clips FROM miq_report_clip_workflows(now() - interval '30 days', now() + interval '1 minute') WHERE workflow LIKE '%$TAG%'")
[ "$v" = "recent/$TAG > video/clips 1 2" ] && ok "clip-workflows counts the 7 days before the clips job, not before the period" ||
    bad "clip-workflows gave '$v'"
sql "DELETE FROM jobs WHERE id IN ('jw1_$TAG', 'jw2_$TAG', 'jw3_$TAG'); DELETE FROM uploads WHERE id = 'upl_$TAG'" >/dev/null
sql "DELETE FROM jobs WHERE id = 'job_$TAG'; DELETE FROM rate_limit_refusals WHERE class = '$TAG'" >/dev/null
v=$(metric "momentiq_jobs_finished_total{endpoint=\"video/$TAG\",status=\"failed\"}")
[ "$v" = 1 ] && ok "a deleted job stays counted: counters never go down" || bad "jobs_finished_total for the deleted job reads '$v'"

# sql_checks FILE LABEL N: runs tests/ops/FILE (one rolled-back transaction
# printing "ok <what>" per check) and counts the "ok" lines: all N must come,
# and psql must succeed.
sql_checks() {
    local out rc n=0 line
    # expect.sql first: the pg_temp.expect every script checks with
    out=$(cat "$HERE/expect.sql" "$HERE/$1" | as env PGOPTIONS="-c client_min_messages=warning" \
        psql -X -qAt -h "$OPS_VAR/pg/run" -p "$OPS_PGPORT" -d momentiq -v tag="$TAG" -v acct="$acct" 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in "ok "*) ok "$2: ${line#ok }"; n=$((n + 1)) ;; esac
    done <<<"$out"
    [ "$rc" = 0 ] && [ "$n" = "$3" ] && ok "$2: all $3 checks ran" ||
        bad "$2 stopped after $n checks (psql exit $rc)" "$(grep -v '^ok ' <<<"$out")"
}

# ---- the queue-wait rollup follows jobs (sql/019) ----------------------------
sql_checks job_rollup.sql "job wait rollup" 21
v=$(sql "SELECT count(*) FROM admin_job_wait_daily_check")
[ "$v" = 0 ] && ok "the queue-wait rollup equals the jobs table" || bad "queue-wait rollup differs in $v buckets"

# ---- the clip workflow rollup follows jobs; top-failed (sql/022) -------------
sql_checks clip_workflows_rollup.sql "clip workflow rollup" 20
v=$(sql "SELECT count(*) FROM admin_clip_workflows_check")
[ "$v" = 0 ] && ok "the clip workflow rollup equals the jobs table" || bad "clip workflow rollup differs for $v clips jobs"

# ---- the /metrics counters in slot rows (sql/023) ---------------------------
sql_checks metric_totals_slots.sql "metric totals" 9

# ---- the connector-usage rollup follows jobs and labels (sql/024) -----------
sql_checks connector_usage_rollup.sql "connector usage rollup" 26
v=$(sql "SELECT count(*) FROM admin_connector_usage_check")
[ "$v" = 0 ] && ok "the connector-usage rollup equals the jobs table" || bad "connector-usage rollup differs in $v rows"

# ---- the queue-wait rollup in slot rows (sql/026) -----------------------------
sql_checks job_wait_slots.sql "job wait slots" 9

# ---- top-spenders from the monthly connector spend rollup (sql/025) ----------
sql_checks top_spenders_rollup.sql "connector spend rollup" 44
v=$(sql "SELECT count(*) FROM admin_connector_spend_check")
[ "$v" = 0 ] && ok "the connector spend rollup equals the jobs table" || bad "connector spend rollup differs in $v rows"

# ---- settlements do not deadlock with creations and deletions (027, 028) ---
# Deadlocks seen in CI and in bench/job_locks.sh, replayed step by step in
# two sessions: C holds the account as a creation or an account deletion
# does (FOR UPDATE); S settles a running job of that account, so it waits
# for the account; then C goes on with the same account's jobs and
# commits. Both must end, and the rollups and the balance stay right.
#   creation: before sql/027 S already held the (month, account) connector
#     spend row, which C's new connector job then waited for.
#   deletion: before sql/028 S had locked its job before the account, and
#     C (as miq_account_delete) cancels that job after locking the account.
lacct=$(sql "INSERT INTO accounts (email) VALUES ('$TAG-lock@ops.example') RETURNING id")
sql "INSERT INTO credit_ledger (account_id, kind, credits, note) VALUES ($lacct, 'grant', 100, 'ops');
     INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
     VALUES ('tok_${TAG}_lock', $lacct, 'connector', 'ops', md5('$TAG lock'), 'miq_', 'all')" >/dev/null
running_job() { # id: a connector job of the account, reserved 5, running on w_TAG
    sql "INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits)
         VALUES ('$1', $lacct, 'tok_${TAG}_lock', 'audio/silences', '{}', 'x', 5);
         INSERT INTO credit_ledger (account_id, job_id, kind, credits, note) VALUES ($lacct, '$1', 'reservation', -5, 'ops');
         UPDATE jobs SET status = 'running', worker_id = 'w_$TAG', started_at = now(), attempts = 1 WHERE id = '$1'" >/dev/null
}
# replay NAME C-THEN: C locks the account, S runs miq_job_succeed on
# job_TAG_NAME and must wait, then C runs C-THEN and commits.
replay() {
    local n
    rm -f "$tmp/c.in" "$tmp/s.in"
    mkfifo "$tmp/c.in" "$tmp/s.in"
    psql_bg() { as env PGOPTIONS="-c client_min_messages=warning" PGAPPNAME="$1" \
        psql -X -qAt -h "$OPS_VAR/pg/run" -p "$OPS_PGPORT" -d momentiq <"$tmp/$2.in" >"$tmp/$2.out" 2>&1; }
    psql_bg "miq-ops-c-$TAG" c &
    local cpid=$!
    psql_bg "miq-ops-s-$TAG" s &
    local spid=$!
    exec 7>"$tmp/c.in" 8>"$tmp/s.in"
    echo "BEGIN; SELECT 'c holds' FROM accounts WHERE id = $lacct FOR UPDATE;" >&7
    for n in $(seq 100); do grep -q 'c holds' "$tmp/c.out" && break; sleep 0.1; done
    echo "SELECT 's settled ' || miq_job_succeed('job_${TAG}_$1', 'w_$TAG', '{}', 3);" >&8
    exec 8>&-
    for n in $(seq 100); do
        [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'miq-ops-s-$TAG' AND wait_event_type = 'Lock'")" = 1 ] && break
        sleep 0.1
    done
    [ "$n" -lt 100 ] && ok "$1: the settlement waits for the account" ||
        bad "$1: the settlement did not wait for the account" "$(cat "$tmp/s.out")"
    echo "$2 COMMIT;" >&7
    exec 7>&-
    wait "$cpid" "$spid"
}
rollups_right() {
    v=$(sql "SELECT (SELECT count(*) FROM admin_connector_spend_check) + (SELECT count(*) FROM admin_connector_usage_check)
              + (SELECT count(*) FROM admin_job_wait_daily_check) + (SELECT count(*) FROM admin_clip_workflows_check)")
    [ "$v" = 0 ] && ok "$1: every rollup equals the jobs after both commits" || bad "$1: $v rollup rows differ from the jobs"
}
running_job "job_${TAG}_create"
replay create "SELECT 'c created ' || outcome FROM miq_job_create('job_${TAG}_new', $lacct, 'tok_${TAG}_lock',
          'audio/silences', NULL, '{}', 'y', NULL, 5);
          SELECT 'c canceled ' || miq_job_cancel('job_${TAG}_new', $lacct);"
if grep -q '^c created created' "$tmp/c.out" && grep -q '^c canceled canceled' "$tmp/c.out" &&
    grep -q '^s settled true' "$tmp/s.out" && ! grep -qi 'deadlock' "$tmp/c.out" "$tmp/s.out"; then
    ok "create: the creation and the settlement both end, no deadlock"
else
    bad "create: a session failed" "$(cat "$tmp/c.out" "$tmp/s.out")"
fi
rollups_right create
running_job "job_${TAG}_delete"
replay delete "SELECT 'c canceled ' || miq_job_cancel('job_${TAG}_delete', $lacct);"
if grep -q '^c canceled canceled' "$tmp/c.out" && grep -q '^s settled false' "$tmp/s.out" &&
    ! grep -qi 'deadlock' "$tmp/c.out" "$tmp/s.out"; then
    ok "delete: the cancel goes first, the settlement then finds the job canceled, no deadlock"
else
    bad "delete: a session failed" "$(cat "$tmp/c.out" "$tmp/s.out")"
fi
rollups_right delete
# 100 granted; paid 3 for the settled job; the canceled ones cost nothing
v=$(sql "SELECT balance_credits FROM accounts WHERE id = $lacct")
[ "$v" = 97 ] && ok "lock replays: the account paid 3 for the settled job, nothing for the canceled ones" ||
    bad "lock replays: balance is '$v', not 97"

echo "ops: $passed passed, $failed failed"
[ "$failed" = 0 ]
