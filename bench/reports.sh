#!/usr/bin/env bash
# The operators' reports at internet scale: prints figures, never fails on a
# target (issue 16 asks for < 200 ms per report).
#   bench/reports.sh
# In a private PostgreSQL cluster (a temporary directory, its own port, removed
# at exit) it applies the migrations up to BENCH_BASELINE (018: before the job
# report rollup), keeps a year of monthly request log partitions (as
# miq_requests_maintain would have made), then generates with
# generate_series: BENCH_REQUESTS (10 000 000) mcp_requests rows over the
# last 365 days, BENCH_JOBS (1 000 000) jobs over the same year for 10 000
# accounts (each with a connector token, 6 000 of them from OAuth clients,
# and an API key) and 300 000 uploads (six jobs in a row share an upload, in
# varying order, so clips jobs have workflows), plus auth events and
# rate-limit refusals. It times the job reports ("before"), keeps their rows,
# applies the later migrations (timed: 019 backfills its rollup from the
# jobs), times every report over the last 30 days and over the whole year,
# each best of three, wall (psql \timing) and CPU (the server process's
# schedstat), and compares the job reports' rows before and after over eight
# periods. Last, a job life through the real functions (create, claim, fail
# and retry, fail, cancel, succeed; six jobs to an upload, the sixth a clips
# job; then the account's deletion) with the rollup triggers of 019, 022 and
# 025 off, 022's alone off, 025's alone off, all on, and 020's metric_totals
# trigger alone off, how many of 32 concurrent job lives wait on a counter row another open
# transaction holds, jobs inserted finished one per transaction with 020's
# (023's) metric trigger off and on, and the rollups' check views. BENCH_BASELINE=021 compares sql/022 alone
# (before: main's reports; after: 022's); BENCH_BASELINE=023 compares sql/024
# alone (connector-usage from its label rollup; the life loop and the
# one-a-transaction jobs also with 024's connector_usage triggers off).
# Environment: BENCH_REQUESTS, BENCH_JOBS, BENCH_BASELINE, BENCH_LIFE (jobs in
#   the life loop, 2000), BENCH_KEEP=1 (keep the cluster and print where it is).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQUESTS=${BENCH_REQUESTS:-10000000}
JOBS=${BENCH_JOBS:-1000000}
BASELINE=${BENCH_BASELINE:-018}
LIFE=${BENCH_LIFE:-2000}
# shellcheck source=bench/pgcluster.sh
. "$ROOT/bench/pgcluster.sh"
pgcluster_start reports -c shared_buffers=256MB -c work_mem=32MB -c max_wal_size=4GB

echo "== schema: sql/[0-9]*.sql up to $BASELINE"
later=()
for f in "$ROOT"/sql/[0-9]*.sql; do
    n=$(basename "$f"); n=${n%%_*}
    if [ "$((10#$n))" -le "$((10#$BASELINE))" ]; then psql_ -1 -f "$f" >/dev/null; else later+=("$f"); fi
done

echo "== data: $REQUESTS request rows, $JOBS jobs (generate_series)"
start=$(date +%s)
psql_ <<SQL
-- a year of months, as the request log writer's maintenance keeps them
DO \$\$
BEGIN
    FOR i IN 1 .. 12 LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF mcp_requests FOR VALUES FROM (%L) TO (%L)',
            'mcp_requests_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => i), 'YYYYMM'),
            (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => i))::date || ' 00:00+00',
            (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => i - 1))::date || ' 00:00+00');
    END LOOP;
END \$\$;

INSERT INTO accounts (email, password_hash)
SELECT 'user' || g || '@bench.example', 'x' FROM generate_series(1, 10000) g;
INSERT INTO oauth_clients (client_id, source, name, connector, redirect_uris)
VALUES ('mcp_claude', 'dcr', 'Claude', 'claude', '[]'), ('mcp_chatgpt', 'dcr', 'ChatGPT', 'chatgpt', '[]');
INSERT INTO oauth_families (id, client_id, account_id, scopes, resource, correlation_id)
SELECT 'fam_' || g, CASE WHEN g % 2 = 0 THEN 'mcp_claude' ELSE 'mcp_chatgpt' END,
       1 + (g % 10000), 'all', 'https://bench.example/mcp', 'corr_' || g
  FROM generate_series(1, 6000) g;
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes, family_id)
SELECT 'tok_' || g, 1 + (g % 10000), CASE WHEN g <= 10000 THEN 'connector' ELSE 'api_key' END,
       'bench ' || g, md5('secret' || g), 'miq_', 'all', CASE WHEN g <= 6000 THEN 'fam_' || g END
  FROM generate_series(1, 20000) g;
INSERT INTO uploads (id, account_id, filename, path, size_bytes, duration_s, created_at)
SELECT 'upl_' || g, 1 + (g % 10000), 'f.mp4', 'uploads/' || g, 1000000, 600,
       now() - make_interval(secs => (g % 31536000))
  FROM generate_series(1, 300000) g;

-- each account has a connector token (half of them from an OAuth client)
-- and an API key, a job is made with one of its account's two or (one in
-- seven) from the dashboard; six jobs in a row share an upload, each of the
-- six endpoints once, in an order that turns with the upload (so clips jobs
-- follow 0 to 5 others); waits of 0 to 16 s, one job in 101 minutes more.
-- Without the jobs' triggers (a baseline after 018 has rollups: they are
-- rebuilt below, once, instead of a million row triggers; 020's metric
-- totals, which no report reads, do not count these jobs)
SET session_replication_role = replica;
INSERT INTO jobs (id, account_id, token_id, endpoint, upload_id, params, request_hash, status,
                  estimated_credits, charged_credits, error_code, created_at, started_at, finished_at)
SELECT 'job_' || g, 1 + (h % 10000),
       CASE WHEN g % 7 <> 0 THEN 'tok_' || (CASE WHEN h % 10000 = 0 THEN 10000 ELSE h % 10000 END
                                            + 10000 * ((h / 3) % 2)) END,
       (ARRAY['timeline/moments', 'audio/silence', 'video/scenes', 'video/clips', 'video/frames',
              'audio/energy'])[1 + e],
       'upl_' || (1 + (g / 6) % 300000),
       CASE WHEN e = 3 THEN '{"clips":[{"start":1,"end":5},{"start":9,"end":20}]}'::jsonb ELSE '{}'::jsonb END,
       md5(g::text),
       CASE WHEN g % 20 = 0 THEN 'failed' WHEN g % 50 = 1 THEN 'canceled' ELSE 'succeeded' END,
       10, CASE WHEN g % 20 <> 0 AND g % 50 <> 1 THEN 10 END,
       CASE WHEN g % 20 = 0 THEN (ARRAY['media_unreadable', 'timeout', 'server_error'])[1 + g % 3] END,
       t, t + make_interval(secs => 2 * (g % 8) + (h % 997) / 997.0 + CASE WHEN g % 101 = 0 THEN 150 + g % 600 ELSE 0 END),
       t + interval '30 seconds' + make_interval(secs => CASE WHEN g % 101 = 0 THEN 750 ELSE 0 END)
  FROM (SELECT g, (g::bigint * 7919) AS h, (g + (g / 6) % 5) % 6 AS e,
               now() - make_interval(secs => (g::bigint * 31536000 / $JOBS)) AS t
          FROM generate_series(1, $JOBS) g) s;
RESET session_replication_role;

INSERT INTO auth_events (at, kind, code, account_id, surface)
SELECT now() - make_interval(secs => (g * 157) % 31536000),
       (ARRAY['connector_scope_denied', 'invalid_api_key', 'readiness_warning', 'login_failed'])[1 + g % 4],
       (ARRAY['revoked', 'expired', 'billing_not_set_up', 'low_balance'])[1 + (g / 4) % 4],
       1 + g % 10000, 'mcp'
  FROM generate_series(1, 200000) g;
INSERT INTO rate_limit_refusals (day, class, refusals)
SELECT current_date - d, c, 1 + (d * 13) % 500
  FROM generate_series(0, 364) d, unnest(ARRAY['mcp', 'api', 'bad_token', 'oauth']) c;
SQL
# the request log month by month: one statement (and one rollup) per month,
# each generating only its month's rows of the year ending at T0
T0=$(psql_ -At -c "SELECT now()")
for m in $(seq 0 12); do
    psql_ <<SQL
WITH b AS (SELECT '$T0'::timestamptz AS t0,
                  date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $m) AS lo,
                  date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $m - 1) AS hi)
INSERT INTO mcp_requests (at, era, protocol_version, http_method, rpc_method, tool, client_name,
                          caller, http_status, outcome, error_code, latency_ms)
SELECT at, '2025', '2025-06-18', 'POST',
       (ARRAY['initialize', 'tools/list', 'tools/call', 'tools/call', 'tools/call', 'tools/call',
              'tools/call', 'tools/call', 'resources/read', 'ping'])[1 + g % 10],
       CASE WHEN g % 10 BETWEEN 2 AND 7 THEN
            (ARRAY['momentiq.create_job', 'momentiq.get_job', 'momentiq.get_job_result',
                   'momentiq.estimate_cost', 'momentiq.upload_file', 'momentiq.list_jobs'])[1 + (g / 10) % 6] END,
       (ARRAY['claude-ai', 'chatgpt', 'cursor'])[1 + g % 3], 'tok_' || (1 + (g * 31) % 20000),
       CASE WHEN g % 97 = 0 THEN 402 WHEN g % 89 = 0 THEN 401 ELSE 200 END,
       CASE WHEN g % 97 = 0 THEN 'tool_error' WHEN g % 89 = 0 THEN 'http_error'
            WHEN g % 41 = 0 THEN 'tool_error' ELSE 'ok' END,
       CASE WHEN g % 97 = 0 THEN 'billing_required' WHEN g % 89 = 0 THEN '-32001'
            WHEN g % 41 = 0 THEN 'invalid_request' END,
       1 + (g % 400)
  FROM (SELECT g, t0 - make_interval(secs => (g::bigint * 31536000 / $REQUESTS)) AS at
          FROM b, generate_series(greatest(1, floor(extract(epoch FROM t0 - hi) * $REQUESTS / 31536000)::bigint),
                                  least($REQUESTS, ceil(extract(epoch FROM t0 - lo) * $REQUESTS / 31536000)::bigint)) g) s, b
 WHERE at >= b.lo AND at < b.hi;
SQL
done
for f in miq_job_wait_rebuild miq_clip_workflows_rebuild miq_connector_usage_rebuild; do
    [ -z "$(psql_ -At -c "SELECT to_regproc('$f')")" ] || psql_ -c "SELECT $f()" >/dev/null
done
psql_ -c "VACUUM ANALYZE" >/dev/null
echo "   generated in $(( $(date +%s) - start )) s"
psql_ -At -c "SELECT 'rows: mcp_requests ' || (SELECT count(*) FROM mcp_requests) || ', rollup ' ||
    (SELECT count(*) FROM mcp_request_daily) || ', jobs ' || (SELECT count(*) FROM jobs) ||
    ', partitions ' || (SELECT count(*) FROM pg_inherits WHERE inhparent = 'mcp_requests'::regclass) ||
    ', rollup mismatches ' || (SELECT count(*) FROM admin_request_daily_check)"

best() { # sql [runs] -> "wall_ms cpu_ms", the best of 3 runs (CPU: the server process's schedstat)
    local out w c bw='' bc='' _
    for _ in $(seq "${2:-3}"); do
        out=$(psql_ -At <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\o /dev/null
\! echo c0 \$(cut -d' ' -f1 /proc/\$BPID/schedstat)
\timing on
$1
\timing off
\! echo c1 \$(cut -d' ' -f1 /proc/\$BPID/schedstat)
SQL
        )
        w=$(grep -Eo 'Time: [0-9.]+' <<<"$out" | awk '{print $2}')
        c=$(awk '$1 == "c0" {a = $2} $1 == "c1" {b = $2} END {printf "%.1f", (b - a) / 1e6}' <<<"$out")
        if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w; fi
        if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then bc=$c; fi
    done
    echo "$bw $bc"
}
JOB_REPORTS="queue_age failed_jobs connector_usage top_spenders top_failed clip_workflows"
# The job reports' rows over eight periods (not whole days, whole days, a
# year, within one day, a month and a half, half a year and four months
# with partial ends, most of one month) into table $1.
snapshot() {
    psql_ <<SQL
CREATE TABLE $1 (report text, period integer, row_no integer, row_json jsonb);
DO \$\$
DECLARE
    r text;
    t0 timestamptz := '$T0';
    m2 timestamptz := date_trunc('month', t0 - interval '2 months');
    since timestamptz[] := ARRAY[t0 - interval '30 days 3 hours 17 minutes', date_trunc('month', t0 - interval '1 month'),
                                 t0 - interval '365 days', date_trunc('day', t0 - interval '2 days') + interval '3 hours',
                                 t0 - interval '52 days 5 hours',
                                 -- several months, partial ends (top-spenders: its
                                 -- months from sql/025's rollup, its ends from the jobs)
                                 t0 - interval '200 days 7 hours 13 minutes', m2 - interval '3 months 4 days 2 hours',
                                 -- most of one month (the month minus the rest of it)
                                 m2 + interval '2 days 5 hours'];
    until timestamptz[] := ARRAY[t0 - interval '4 hours', date_trunc('month', t0), t0,
                                 date_trunc('day', t0 - interval '2 days') + interval '17 hours',
                                 t0 - interval '17 days 10 hours',
                                 t0 - interval '20 days 3 hours', m2 + interval '25 days 19 hours 30 minutes',
                                 m2 + interval '26 days 7 hours'];
BEGIN
    FOREACH r IN ARRAY string_to_array('$JOB_REPORTS', ' ') LOOP
        FOR p IN 1 .. array_length(since, 1) LOOP
            EXECUTE format('INSERT INTO $1 SELECT %L, %s, row_number() OVER (), to_jsonb(x) '
                           'FROM miq_report_%s(%L, %L) x WHERE x::text NOT LIKE %L',
                           r, p, r, since[p], until[p], '(now,%');
        END LOOP;
    END LOOP;
END \$\$;
SQL
}
print_times() { # reports...
    local r a b
    printf '\n%-22s %22s %22s\n' report "30 days: wall, cpu (ms)" "365 days: wall, cpu (ms)"
    for r in "$@"; do
        a=$(best "SELECT * FROM miq_report_$r(now() - interval '30 days', now());")
        b=$(best "SELECT * FROM miq_report_$r(now() - interval '365 days', now());")
        printf '%-22s %22s %22s\n' "$r" "$a" "$b"
    done
    printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ ${#later[@]} -gt 0 ]; then
    echo; echo "== before: the job reports with migrations up to $BASELINE"
    # shellcheck disable=SC2086
    print_times $JOB_REPORTS
    snapshot bench_rows_before >/dev/null
    for f in "${later[@]}"; do
        start=$(date +%s%N)
        psql_ -1 -f "$f" >/dev/null
        echo "== applied $(basename "$f") in $(( ($(date +%s%N) - start) / 1000000 )) ms"
    done
    psql_ -c "VACUUM ANALYZE" >/dev/null
fi
echo; echo "== after: every report"
print_times mcp_init_success paid_tool_errors refusals queue_age failed_jobs connector_usage \
    top_spenders top_failed top_tools readiness_warnings clip_workflows rate_limit_refusals

if [ ${#later[@]} -gt 0 ]; then
    snapshot bench_rows_after >/dev/null
    echo; echo "== the job reports' rows, before vs after (8 periods; p95 compared apart;"
    echo "   from a baseline before 021, clip_workflows may differ on purpose: sql/021 bounds"
    echo "   each clips job's own 7 days; sql/022 changes no row)"
    psql_ -At -F ' ' <<'SQL'
SELECT rpad(coalesce(b.report, a.report), 22), count(*) AS rows,
       count(*) FILTER (WHERE (b.row_json - 'wait_p95_s') IS DISTINCT FROM (a.row_json - 'wait_p95_s'))
           AS rows_differing,
       'p95 off by at most ' || coalesce(max(abs((b.row_json ->> 'wait_p95_s')::numeric
                                               - (a.row_json ->> 'wait_p95_s')::numeric)), 0) || ' s'
  FROM bench_rows_before b FULL JOIN bench_rows_after a
    ON a.report = b.report AND a.period = b.period AND a.row_no = b.row_no
 GROUP BY 1 ORDER BY 1;
SQL
fi

if [ -n "$(psql_ -At -c "SELECT to_regclass('job_wait_daily')")" ]; then
    echo; echo "== a job's life through the real functions, $LIFE jobs (per job: wall, server CPU)"
    psql_ >/dev/null <<SQL
INSERT INTO accounts (email, password_hash, billing_set_up_at)
VALUES ('life@bench.example', 'x', now()), ('hold@bench.example', 'x', now());
INSERT INTO credit_ledger (account_id, kind, credits)
SELECT id, 'grant', 1000000000 FROM accounts WHERE email IN ('life@bench.example', 'hold@bench.example');
-- their jobs are made with a connector token, as MCP clients make them
-- (sql/025's triggers count those)
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
SELECT 'tok_bench_' || split_part(email, '@', 1), id, 'connector', 'bench', md5(email), 'miq_', 'all'
  FROM accounts WHERE email IN ('life@bench.example', 'hold@bench.example');
CREATE FUNCTION bench_life(p_n integer, p_tag text, p_email text DEFAULT 'life@bench.example')
RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
    acct bigint := (SELECT id FROM accounts WHERE email = p_email);
    id text;
    upl text;
BEGIN
    FOR i IN 1 .. p_n LOOP
        id := 'job_life_' || p_tag || '_' || txid_current() || '_' || i;
        -- six jobs share an upload, the sixth a clips job (a workflow)
        upl := 'upl_life_' || p_tag || '_' || txid_current() || '_' || (i - 1) / 6;
        IF i % 6 = 1 THEN
            INSERT INTO uploads (id, account_id, filename, path) VALUES (upl, acct, 'f.mp4', upl);
        END IF;
        PERFORM miq_job_create_traced(id, acct, 'tok_bench_' || split_part(p_email, '@', 1),
                                      (ARRAY['timeline/moments', 'audio/silence', 'video/scenes', 'video/frames',
                                             'audio/energy', 'video/clips'])[1 + (i - 1) % 6],
                                      upl, '{"clips":[{"start":1,"end":5}]}', 'h', NULL, 5, NULL, NULL);
        PERFORM miq_job_claim('bench-worker', 60);
        IF i % 10 = 0 THEN      -- a transient failure, retried, then a final one
            PERFORM miq_job_fail(id, 'bench-worker', 'timeout', 'x', true);
            PERFORM miq_job_claim('bench-worker', 60);
            PERFORM miq_job_fail(id, 'bench-worker', 'timeout', 'x', false);
        ELSIF i % 10 = 1 THEN
            PERFORM miq_job_cancel(id, acct);
        ELSE
            PERFORM miq_job_succeed(id, 'bench-worker', '{}', 4);
        END IF;
    END LOOP;
END \$\$;
SQL
    # the rollup triggers of each migration, on or off as a set
    T019="jobs_wait_daily_insert jobs_wait_daily_update"
    T020="jobs_metric_totals jobs_metric_totals_insert jobs_metric_totals_update"
    T022="jobs_clip_workflows_insert jobs_clip_workflows_update"
    T024="jobs_connector_usage_insert jobs_connector_usage_update"
    T025="jobs_connector_spend_insert jobs_connector_spend_update"
    triggers() { # ENABLE|DISABLE names...
        local how=$1 t sql=''
        shift
        for t in "$@"; do
            [ -n "$(psql_ -At -c "SELECT 1 FROM pg_trigger WHERE tgname = '$t'")" ] || continue
            sql+="${sql:+, }$how TRIGGER $t"
        done
        [ -z "$sql" ] || psql_ -c "ALTER TABLE jobs $sql" >/dev/null
    }
    life() { # tag trigger-names-to-disable...
        local t tag=$1
        shift
        triggers DISABLE "$@"
        t=$(best "SELECT bench_life($LIFE, '$tag');")
        triggers ENABLE "$@"
        awk -v n="$LIFE" '{printf "%.3f ms, %.3f ms", $1 / n, $2 / n}' <<<"$t"
    }
    rebuild() { # the rollups, after runs without their triggers
        psql_ -c "SELECT miq_job_wait_rebuild()" >/dev/null
        [ -z "$(psql_ -At -c "SELECT to_regclass('clip_job_workflows')")" ] ||
            psql_ -c "SELECT miq_clip_workflows_rebuild()" >/dev/null
        [ -z "$(psql_ -At -c "SELECT to_regclass('connector_usage_daily')")" ] ||
            psql_ -c "SELECT miq_connector_usage_rebuild()" >/dev/null
        [ -z "$(psql_ -At -c "SELECT to_regclass('connector_spend_monthly')")" ] ||
            psql_ -c "SELECT miq_connector_spend_rebuild()" >/dev/null
    }
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "rollup triggers off (019, 022, 025)" "$(life a $T019 $T022 $T025)"
    rebuild
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "022's triggers off" "$(life b $T022)"
    rebuild
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "025's triggers off" "$(life b2 $T025)"
    rebuild
    printf '%-34s %s\n' "rollup triggers on" "$(life c)"
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "020's metric_totals trigger off" "$(life d $T020)"
    printf '%-34s %s\n' "rollup triggers on, again" "$(life e)"
    # sql/024's connector-usage triggers (an upsert at insert and settlement)
    if [ -n "$(psql_ -At -c "SELECT to_regclass('connector_usage_daily')")" ]; then
        # shellcheck disable=SC2086
        printf '%-34s %s\n' "024's connector_usage trigger off" "$(life h $T024)"
        rebuild
        printf '%-34s %s\n' "rollup triggers on, third" "$(life i)"
    fi
    # Lock waits between job lives of two accounts: one session holds a
    # transaction with six job lives of another account open for 15 s while
    # 32 sessions, one transaction each, run one job life with a 100 ms lock
    # timeout. Before sql/023 every one waits on a metric_totals row the
    # first holds; with 023's slots only those whose transaction id falls in
    # the first's slot do. sql/019's job_wait_daily row (day, wait bucket)
    # is shared too, so the count is taken with 019's triggers on and off.
    waits() { # label trigger-names-to-disable...
        local label=$1 hold waited=0 i
        shift
        triggers DISABLE "$@"
        psql_ -c "BEGIN; SELECT bench_life(6, 'hold', 'hold@bench.example'); SELECT pg_sleep(15); COMMIT;" >/dev/null &
        hold=$!
        sleep 1
        for i in $(seq 32); do
            psql_ -c "SET lock_timeout = '100ms'; SELECT bench_life(1, 'wait$i');" >/dev/null 2>&1 ||
                waited=$((waited + 1))
        done
        wait "$hold"
        triggers ENABLE "$@"
        printf '%-34s %s\n' "$label" "$waited of 32 waited > 100 ms"
    }
    waits "concurrent lives, triggers on"
    # shellcheck disable=SC2086
    waits "concurrent lives, 019's off" $T019
    rebuild
    # The life loop runs its jobs in one transaction, where the upserts of a
    # shared counter row pile up versions of it; jobs inserted already
    # finished (with the connector token), one per transaction, give the
    # metric trigger's and sql/025's own cost.
    psql_ >/dev/null <<SQL
CREATE PROCEDURE bench_commit_jobs(p_n integer, p_tag text) LANGUAGE plpgsql AS \$\$
DECLARE
    acct bigint := (SELECT id FROM accounts WHERE email = 'life@bench.example');
BEGIN
    FOR i IN 1 .. p_n LOOP
        INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                          charged_credits, created_at, started_at, finished_at)
        VALUES ('job_commit_' || p_tag || '_' || txid_current() || '_' || i, acct, 'tok_bench_life',
                (ARRAY['audio/silence', 'video/scenes', 'audio/energy'])[1 + i % 3], '{}', 'h', 5,
                'succeeded', 4, now() - interval '1 minute',
                now() - interval '1 minute' + make_interval(secs => (i % 700) / 10.0), now());
        COMMIT;
    END LOOP;
END \$\$;
SQL
    commit_jobs() { # tag trigger-names-to-disable...
        local t tag=$1
        shift
        triggers DISABLE "$@"
        t=$(best "CALL bench_commit_jobs($LIFE, '$tag');")
        triggers ENABLE "$@"
        awk -v n="$LIFE" '{printf "%.3f ms, %.3f ms", $1 / n, $2 / n}' <<<"$t"
    }
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "one a transaction, metric off" "$(commit_jobs f $T020)"
    # shellcheck disable=SC2086
    printf '%-34s %s\n' "one a transaction, 025's off" "$(commit_jobs f2 $T025)"
    rebuild
    printf '%-34s %s\n' "one a transaction, all on" "$(commit_jobs g)"
    if [ -n "$(psql_ -At -c "SELECT to_regclass('connector_usage_daily')")" ]; then
        # shellcheck disable=SC2086
        printf '%-34s %s\n' "one a transaction, 024's off" "$(commit_jobs j $T024)"
        rebuild
        printf '%-34s %s\n' "one a transaction, all on, again" "$(commit_jobs k)"
    fi
    n=$(psql_ -At -c "SELECT count(*) FROM jobs j JOIN accounts a ON a.id = j.account_id
                       WHERE a.email IN ('life@bench.example', 'hold@bench.example')")
    t=$(best "SELECT miq_account_delete(id) FROM accounts WHERE email IN ('life@bench.example', 'hold@bench.example') AND deleted_at IS NULL;" 1)
    printf '%-34s %s\n' "account deletion ($n jobs)" "$(awk '{printf "%s ms, %s ms", $1, $2}' <<<"$t")"
    psql_ -At -c "SELECT 'check views (rows, 0 expected): admin_job_wait_daily_check ' ||
        (SELECT count(*) FROM admin_job_wait_daily_check) || ', admin_request_daily_check ' ||
        (SELECT count(*) FROM admin_request_daily_check)"
    [ -z "$(psql_ -At -c "SELECT to_regclass('clip_job_workflows')")" ] ||
        psql_ -At -c "SELECT 'admin_clip_workflows_check ' || (SELECT count(*) FROM admin_clip_workflows_check)"
    [ -z "$(psql_ -At -c "SELECT to_regclass('connector_usage_daily')")" ] ||
        psql_ -At -c "SELECT 'admin_connector_usage_check ' || (SELECT count(*) FROM admin_connector_usage_check)
            || ', rows: tokens ' || (SELECT count(*) FROM connector_usage_tokens) || ', daily '
            || (SELECT count(*) FROM connector_usage_daily) || ', accounts '
            || (SELECT count(*) FROM connector_usage_accounts)"
    [ -z "$(psql_ -At -c "SELECT to_regclass('connector_spend_monthly')")" ] ||
        psql_ -At -c "SELECT 'admin_connector_spend_check ' || (SELECT count(*) FROM admin_connector_spend_check)"
    printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
fi

live_db="SELECT (SELECT count(*) FROM jobs WHERE status = 'queued'), count(*) FILTER (WHERE status = 'succeeded'), coalesce(sum(charged_credits), 0) FROM jobs WHERE created_at > now() - interval '24 hours';"
live_hour="SELECT coalesce(rpc_method, 'none'), outcome, count(*) FROM mcp_requests WHERE at > now() - interval '1 hour' GROUP BY 1, 2;"
live_maint="SELECT * FROM miq_requests_maintain(2, 0);"
printf '\n%-22s %22s\n' "live view" "wall, cpu (ms)"
printf '%-22s %22s\n' "metrics_db (/metrics)" "$(best "$live_db")"
printf '%-22s %22s\n' "status (last hour)" "$(best "$live_hour")"
printf '%-22s %22s\n' "partition maintenance" "$(best "$live_maint")"
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
