#!/usr/bin/env bash
# Jobs created and settled at once on few accounts: how many transactions
# PostgreSQL ends with "deadlock detected", and how many go through. Prints
# figures, never fails on them.
#   bench/job_locks.sh
# In a private PostgreSQL cluster (a temporary directory, its own port,
# removed at exit) it applies the migrations up to BENCH_BASELINE (default:
# all), makes BENCH_ACCOUNTS accounts (2) with a connector token and an API
# key each and credits enough, then runs pgbench for BENCH_SECONDS (20) with
# BENCH_CLIENTS clients (16), each looping over the worker's and httpd's own
# statements: create a job (miq_job_create, on a random account and token),
# claim one (miq_job_claim), settle it (miq_job_succeed, or miq_job_fail
# one time in five), and one time in ten cancel a queued or running job of
# the account (miq_job_cancel), each its own transaction as in production. pgbench
# counts deadlocks as failed transactions (no retries). At the end the
# rollups' check views must be empty. BENCH_BASELINE=026 shows the deadlocks
# sql/027 removed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASELINE=${BENCH_BASELINE:-999}
ACCOUNTS=${BENCH_ACCOUNTS:-2}
SECONDS_=${BENCH_SECONDS:-20}
CLIENTS=${BENCH_CLIENTS:-16}
# shellcheck source=bench/pgcluster.sh
. "$ROOT/bench/pgcluster.sh"
pgcluster_start locks -c max_connections=60

last=""
for f in "$ROOT"/sql/[0-9]*.sql; do
    n=$(basename "$f"); n=${n%%_*}
    [ "$((10#$n))" -le "$((10#$BASELINE))" ] || continue
    psql_ -1 -f "$f" >/dev/null
    last=$(basename "$f")
done
echo "== schema up to $last; $ACCOUNTS accounts, $CLIENTS clients, ${SECONDS_} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
psql_ <<SQL
INSERT INTO accounts (email, billing_set_up_at) SELECT 'lock' || g || '@bench.example', now() FROM generate_series(1, $ACCOUNTS) g;
INSERT INTO credit_ledger (account_id, kind, credits, note) SELECT id, 'grant', 1000000000, 'bench' FROM accounts;
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
SELECT 'tok_' || k || a.id, a.id, k, 'bench', md5(k || a.id), 'miq_', 'all'
  FROM accounts a, unnest(ARRAY['connector', 'api_key']) k;
SQL
# One loop of a client: a creation, then a claim and its settlement, each
# its own transaction (pgbench runs each line as one statement).
cat >"$DIR/life.sql" <<'PGB'
\set a random(1, :accounts)
\set k random(0, 1)
\set f random(1, 5)
\set c random(1, 10)
SELECT outcome FROM miq_job_create('job_' || gen_random_uuid(), :a,
       CASE WHEN :k = 0 THEN 'tok_connector' ELSE 'tok_api_key' END || :a,
       'audio/silence', NULL, '{}', 'h', NULL, 10);
SELECT coalesce((SELECT c.id FROM miq_job_claim('w:client_id', 60) c LIMIT 1), '') AS jid \gset
SELECT CASE WHEN ':jid' = '' THEN NULL WHEN :f = 1 THEN miq_job_fail(':jid', 'w:client_id', 'server_error', 'bench', false)
            ELSE miq_job_succeed(':jid', 'w:client_id', '{}', 7)::text END;
SELECT CASE WHEN :c = 1 THEN (SELECT miq_job_cancel(j.id, :a) FROM jobs j
        WHERE j.account_id = :a AND j.status IN ('queued', 'running') LIMIT 1) END;
PGB
chmod 644 "$DIR/life.sql"
as "$PGBIN/pgbench" -n -h "$DIR" -p "$PORT" -c "$CLIENTS" -j 2 -T "$SECONDS_" -D accounts="$ACCOUNTS" \
    --failures-detailed -f "$DIR/life.sql" postgres >"$DIR/pgbench.log" 2>&1 || true
grep -E "number of (transactions actually processed|failed transactions)|deadlock failures|serialization failures|^tps" "$DIR/pgbench.log" | sed 's/^/   /'
grep -q "aborted" "$DIR/pgbench.log" && grep -m3 "aborted\|ERROR" "$DIR/pgbench.log" | sed 's/^/   /'
echo "   deadlocks in the server log: $(grep -c 'deadlock detected' "$DIR/pg.log" || true)"
# the first one's story: who waited for what, in which statement
grep -m1 -A12 'deadlock detected' "$DIR/pg.log" | grep -E 'DETAIL|Process|CONTEXT|STATEMENT' | cut -c1-220 | sed 's/^/     /' || true
echo "   jobs: $(psql_ -At -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM jobs GROUP BY 1) s")"
for v in admin_connector_usage_check admin_connector_spend_check admin_job_wait_daily_check admin_clip_workflows_check; do
    if [ "$(psql_ -At -c "SELECT count(*) FROM pg_views WHERE viewname = '$v'")" = 1 ]; then
        echo "   $v: $(psql_ -At -c "SELECT count(*) FROM $v") rows (should be 0)"
    fi
done
echo "   ledger: $(psql_ -At -c "SELECT count(*) FROM jobs j WHERE j.status IN ('succeeded', 'failed', 'canceled') AND NOT EXISTS (SELECT 1 FROM credit_ledger l WHERE l.job_id = j.id AND l.kind = 'release')") finished jobs without their release (should be 0)"
