-- Launch monitoring (issue 16, seed phase 6, SPEC §8): the request log
-- partitioned by month, a daily rollup the reports read, W3C trace context on
-- requests and jobs, and one report function per question, each with a view
-- over the last 30 days. docs/reporting.md shows each with an example.

-- 1. mcp_requests partitioned by month --------------------------------------
-- One row per MCP call grows without bound; monthly partitions let retention
-- drop a month at once (no DELETE, no bloat) and let a period's queries read
-- only its months. The rows are copied once into the new table; the id
-- sequence is kept so ids stay unique. The old views depend on the table and
-- are created again below.
DROP VIEW admin_mcp_init_list_success;
DROP VIEW admin_mcp_top_tools;
ALTER TABLE mcp_requests RENAME TO mcp_requests_unpartitioned;
ALTER SEQUENCE mcp_requests_id_seq OWNED BY NONE;
ALTER TABLE mcp_requests_unpartitioned RENAME CONSTRAINT mcp_requests_pkey
    TO mcp_requests_unpartitioned_pkey;
ALTER INDEX mcp_requests_at RENAME TO mcp_requests_unpartitioned_at;

CREATE TABLE mcp_requests (
    id               bigint NOT NULL DEFAULT nextval('mcp_requests_id_seq'),
    at               timestamptz NOT NULL DEFAULT now(),
    era              text NOT NULL,
    protocol_version text,
    http_method      text NOT NULL,
    rpc_method       text,
    tool             text,
    client_name      text,
    session_id       text,
    caller           text,
    http_status      smallint NOT NULL,
    outcome          text NOT NULL,
    error_code       text,
    latency_ms       double precision NOT NULL,
    traceparent      text,            -- the client's W3C traceparent, validated, lowercase
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE mcp_requests_id_seq OWNED BY mcp_requests.id;
CREATE INDEX mcp_requests_at ON mcp_requests (at);
-- Rows whose month has no partition yet (maintenance not run for months, a
-- clock far off) land here instead of failing a whole batch; maintenance
-- moves them into their month's partition when it creates it.
CREATE TABLE mcp_requests_default PARTITION OF mcp_requests DEFAULT;

-- Creates the partitions of this month and p_ahead months ahead, moving any
-- rows of those months out of the default partition first, and drops whole
-- months older than p_keep_months (0: keep all). One maintainer at a time
-- (every httpd child and node may call it); the others return at once.
CREATE FUNCTION miq_requests_maintain(p_ahead integer, p_keep_months integer)
RETURNS TABLE (action text, partition text) LANGUAGE plpgsql AS $$
DECLARE
    m date;
    lo date;
    name text;
    part record;
BEGIN
    IF NOT pg_try_advisory_xact_lock(727016) THEN
        RETURN;
    END IF;
    FOR i IN 0 .. greatest(p_ahead, 0) LOOP
        lo := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
        name := 'mcp_requests_' || to_char(lo, 'YYYYMM');
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE mcp_requests INCLUDING DEFAULTS)', name);
        EXECUTE format('WITH moved AS (DELETE FROM mcp_requests_default WHERE at >= %L::timestamptz '
                       'AND at < %L::timestamptz RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       lo || ' 00:00+00', (lo + interval '1 month')::date || ' 00:00+00', name);
        EXECUTE format('ALTER TABLE mcp_requests ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       name, lo || ' 00:00+00', (lo + interval '1 month')::date || ' 00:00+00');
        action := 'created'; partition := name; RETURN NEXT;
    END LOOP;
    IF p_keep_months > 0 THEN
        m := (date_trunc('month', now() AT TIME ZONE 'UTC')
              - make_interval(months => p_keep_months - 1))::date;
        FOR part IN
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'mcp_requests'::regclass
               AND c.relname ~ '^mcp_requests_[0-9]{6}$'
               AND to_date(right(c.relname, 6), 'YYYYMM') < m
             ORDER BY c.relname
        LOOP
            EXECUTE format('DROP TABLE %I', part.relname);
            action := 'dropped'; partition := part.relname; RETURN NEXT;
        END LOOP;
    END IF;
END $$;

-- Every month the old rows span, up to two months ahead, then the rows.
DO $$
DECLARE
    first_month date := coalesce((SELECT date_trunc('month', min(at) AT TIME ZONE 'UTC')::date
                                    FROM mcp_requests_unpartitioned),
                                 date_trunc('month', now() AT TIME ZONE 'UTC')::date);
    months integer;
BEGIN
    months := (extract(year FROM age(date_trunc('month', now() AT TIME ZONE 'UTC')::date, first_month)) * 12
               + extract(month FROM age(date_trunc('month', now() AT TIME ZONE 'UTC')::date, first_month)))::integer;
    FOR i IN 0 .. months - 1 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF mcp_requests FOR VALUES FROM (%L) TO (%L)',
                       'mcp_requests_' || to_char(first_month + make_interval(months => i), 'YYYYMM'),
                       (first_month + make_interval(months => i))::date || ' 00:00+00',
                       (first_month + make_interval(months => i + 1))::date || ' 00:00+00');
    END LOOP;
    PERFORM miq_requests_maintain(2, 0);
END $$;

-- 2. A daily rollup the reports read ----------------------------------------
-- Reports over a month of a busy server would scan millions of rows; this
-- table holds one row per day, method, tool, outcome and error code, kept by
-- a statement trigger (one upsert per batch the request log writes, in key
-- order so concurrent batches cannot deadlock). No caller is kept here.
CREATE TABLE mcp_request_daily (
    day          date NOT NULL,
    rpc_method   text NOT NULL,
    tool         text NOT NULL,
    outcome      text NOT NULL,
    error_code   text NOT NULL,
    calls        bigint NOT NULL,
    latency_ms_sum double precision NOT NULL,
    latency_ms_max double precision NOT NULL,
    PRIMARY KEY (day, rpc_method, tool, outcome, error_code)
);

CREATE FUNCTION miq_request_daily_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mcp_request_daily AS d
    SELECT (n.at AT TIME ZONE 'UTC')::date, coalesce(n.rpc_method, ''), coalesce(n.tool, ''),
           n.outcome, coalesce(n.error_code, ''), count(*), sum(n.latency_ms), max(n.latency_ms)
      FROM new_rows n GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (day, rpc_method, tool, outcome, error_code) DO UPDATE
       SET calls = d.calls + EXCLUDED.calls,
           latency_ms_sum = d.latency_ms_sum + EXCLUDED.latency_ms_sum,
           latency_ms_max = greatest(d.latency_ms_max, EXCLUDED.latency_ms_max);
    RETURN NULL;
END $$;
CREATE TRIGGER mcp_requests_daily AFTER INSERT ON mcp_requests
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_request_daily_add();

INSERT INTO mcp_requests SELECT *, NULL FROM mcp_requests_unpartitioned;
DROP TABLE mcp_requests_unpartitioned;

-- The rollup must equal the log for the days the log still holds.
CREATE VIEW admin_request_daily_check AS
SELECT r.day, r.calls AS logged, coalesce(d.calls, 0) AS rolled_up
  FROM (SELECT (at AT TIME ZONE 'UTC')::date AS day, count(*) AS calls FROM mcp_requests GROUP BY 1) r
  LEFT JOIN (SELECT day, sum(calls) AS calls FROM mcp_request_daily GROUP BY 1) d USING (day)
 WHERE r.calls <> coalesce(d.calls, 0);

CREATE VIEW admin_mcp_init_list_success AS
SELECT day::timestamptz AS day, rpc_method, sum(calls) AS calls,
       sum(calls) FILTER (WHERE outcome = 'ok') AS ok,
       round(100.0 * coalesce(sum(calls) FILTER (WHERE outcome = 'ok'), 0) / sum(calls), 2) AS success_pct
  FROM mcp_request_daily
 WHERE rpc_method IN ('initialize', 'tools/list')
 GROUP BY 1, 2;

CREATE VIEW admin_mcp_top_tools AS
SELECT tool, sum(calls) AS calls, coalesce(sum(calls) FILTER (WHERE outcome <> 'ok'), 0) AS errors,
       round((sum(latency_ms_sum) / sum(calls))::numeric, 2) AS avg_latency_ms
  FROM mcp_request_daily
 WHERE tool <> ''
 GROUP BY tool
 ORDER BY calls DESC;

-- 3. Trace context on jobs --------------------------------------------------
-- The traceparent arrives with the request that creates the job, and a worker
-- may claim the job the moment its row commits: so the INSERT itself writes
-- it, through a transaction-local setting the column's default reads, and
-- miq_job_create stays as it is. (The default is set apart from ADD COLUMN,
-- so existing rows are not rewritten.)
ALTER TABLE jobs ADD COLUMN traceparent text;
ALTER TABLE jobs ALTER COLUMN traceparent
    SET DEFAULT nullif(current_setting('momentiq.traceparent', true), '');

CREATE FUNCTION miq_job_create_traced(p_id text, p_account bigint, p_token text,
                                      p_endpoint text, p_upload text, p_params jsonb,
                                      p_hash text, p_key text, p_estimate bigint,
                                      p_alerts numeric[], p_traceparent text)
RETURNS TABLE (outcome text, job_id text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('momentiq.traceparent', coalesce(p_traceparent, ''), true);
    RETURN QUERY SELECT * FROM miq_job_create(p_id, p_account, p_token, p_endpoint, p_upload,
                                              p_params, p_hash, p_key, p_estimate, p_alerts);
    PERFORM set_config('momentiq.traceparent', '', true);
END $$;

-- Indexes for reports over a period of jobs (1 million rows and more).
-- The period's jobs are read from the index alone (an index-only scan once
-- vacuumed): the columns the reports group and sum are included.
CREATE INDEX jobs_created_at ON jobs (created_at)
    INCLUDE (account_id, token_id, status, endpoint, charged_credits, upload_id);
CREATE INDEX jobs_failed_at ON jobs (finished_at) WHERE status = 'failed';
CREATE INDEX jobs_upload ON jobs (upload_id, created_at) WHERE upload_id IS NOT NULL;
CREATE INDEX rate_limit_refusals_day ON rate_limit_refusals (day);

-- Tools that cost credits (whose errors the operators watch first). A tool
-- that starts billing is added here by the migration that adds it.
CREATE TABLE report_paid_tools (tool text PRIMARY KEY);
INSERT INTO report_paid_tools VALUES ('momentiq.create_job');

-- 4. The reports: miq_report_NAME(since, until), [since, until) -------------
-- Reports read from the rollup count whole UTC days (since's day through the
-- day before until's, or until's day when until is not midnight).

CREATE FUNCTION miq_report_mcp_init_success(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day date, rpc_method text, calls bigint, ok bigint, success_pct numeric)
LANGUAGE sql STABLE AS $$
    SELECT d.day, d.rpc_method, sum(d.calls)::bigint,
           coalesce(sum(d.calls) FILTER (WHERE d.outcome = 'ok'), 0)::bigint,
           round(100.0 * coalesce(sum(d.calls) FILTER (WHERE d.outcome = 'ok'), 0) / sum(d.calls), 2)
      FROM mcp_request_daily d
     WHERE d.rpc_method IN ('initialize', 'tools/list')
       AND d.day >= (p_since AT TIME ZONE 'UTC')::date AND d.day < (p_until AT TIME ZONE 'UTC')::date
           + CASE WHEN (p_until AT TIME ZONE 'UTC')::time = '00:00' THEN 0 ELSE 1 END
     GROUP BY 1, 2 ORDER BY 1 DESC, 2
$$;

CREATE FUNCTION miq_report_paid_tool_errors(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (tool text, error_code text, errors bigint, calls bigint, error_pct numeric)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT d.tool, d.outcome, d.error_code, d.calls FROM mcp_request_daily d
         WHERE d.tool IN (SELECT p.tool FROM report_paid_tools p)
           AND d.day >= (p_since AT TIME ZONE 'UTC')::date AND d.day < (p_until AT TIME ZONE 'UTC')::date
               + CASE WHEN (p_until AT TIME ZONE 'UTC')::time = '00:00' THEN 0 ELSE 1 END)
    SELECT e.tool, CASE WHEN e.error_code = '' THEN e.outcome ELSE e.error_code END,
           sum(e.calls)::bigint, (SELECT sum(a.calls) FROM t a WHERE a.tool = e.tool)::bigint,
           round(100.0 * sum(e.calls) / (SELECT sum(a.calls) FROM t a WHERE a.tool = e.tool), 2)
      FROM t e WHERE e.outcome <> 'ok'
     GROUP BY e.tool, 2 ORDER BY 3 DESC, 1, 2
$$;

-- billing_required (MCP tool results), connector_scope_denied and revoked
-- tokens (auth events, every surface).
CREATE FUNCTION miq_report_refusals(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day date, refusal text, surface text, count bigint)
LANGUAGE sql STABLE AS $$
    SELECT d.day, 'billing_required', 'mcp', sum(d.calls)::bigint FROM mcp_request_daily d
     WHERE d.error_code = 'billing_required'
       AND d.day >= (p_since AT TIME ZONE 'UTC')::date AND d.day < (p_until AT TIME ZONE 'UTC')::date
           + CASE WHEN (p_until AT TIME ZONE 'UTC')::time = '00:00' THEN 0 ELSE 1 END
     GROUP BY 1
    UNION ALL
    SELECT (e.at AT TIME ZONE 'UTC')::date,
           CASE WHEN e.kind = 'connector_scope_denied' THEN e.kind ELSE 'revoked_token' END,
           coalesce(e.surface, '-'), count(*)
      FROM auth_events e
     WHERE ((e.kind = 'connector_scope_denied') OR (e.kind = 'invalid_api_key' AND e.code = 'revoked'))
       AND e.at >= p_since AND e.at < p_until
     GROUP BY 1, 2, 3
    ORDER BY 1 DESC, 2, 3
$$;

-- How long jobs waited before a worker took them, per day, and the queue now.
CREATE FUNCTION miq_report_queue_age(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day text, jobs bigint, wait_avg_s numeric, wait_p95_s numeric, wait_max_s numeric)
LANGUAGE sql STABLE AS $$
    SELECT 'now', q.queued, NULL::numeric, NULL::numeric,
           round(extract(epoch FROM now() - q.oldest)::numeric, 1)
      FROM (SELECT count(*) AS queued, min(created_at) AS oldest FROM jobs WHERE status = 'queued') q
    UNION ALL
    SELECT * FROM (
        SELECT to_char((j.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD'), count(*),
               round(avg(extract(epoch FROM j.started_at - j.created_at))::numeric, 1),
               round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.started_at - j.created_at)))::numeric, 1),
               round(max(extract(epoch FROM j.started_at - j.created_at))::numeric, 1)
          FROM jobs j
         WHERE j.created_at >= p_since AND j.created_at < p_until AND j.started_at IS NOT NULL
         GROUP BY 1 ORDER BY 1 DESC) d
$$;

CREATE FUNCTION miq_report_failed_jobs(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (endpoint text, error_code text, failed bigint, last_failed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT j.endpoint, coalesce(j.error_code, '-'), count(*), max(j.finished_at)
      FROM jobs j
     WHERE j.status = 'failed' AND j.finished_at >= p_since AND j.finished_at < p_until
     GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
$$;

-- Usage and revenue by connector: jobs, the credits charged (what the
-- customers pay for) and the accounts using each connector. A token's
-- connector is its OAuth client's (claude, chatgpt, ...; "oauth" once the
-- client is gone), else its kind (connector tokens made by hand, API keys);
-- jobs without a token came from a dashboard session.
CREATE FUNCTION miq_report_connector_usage(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (connector text, jobs bigint, succeeded bigint, credits_charged numeric,
               accounts bigint)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.connector, CASE WHEN j.token_id IS NULL THEN 'dashboard' ELSE 'deleted token' END),
           count(*), count(*) FILTER (WHERE j.status = 'succeeded'),
           coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0),
           count(DISTINCT j.account_id)
      FROM jobs j
      LEFT JOIN (SELECT t.id, coalesce(oc.connector, CASE WHEN t.family_id IS NOT NULL THEN 'oauth' END,
                                       t.kind) AS connector
                   FROM api_tokens t
                   LEFT JOIN oauth_families f ON f.id = t.family_id
                   LEFT JOIN oauth_clients oc ON oc.client_id = f.client_id) c ON c.id = j.token_id
     WHERE j.created_at >= p_since AND j.created_at < p_until
     GROUP BY 1 ORDER BY 4 DESC, 1
$$;

-- MCP users: jobs made with connector tokens (OAuth or by hand).
CREATE FUNCTION miq_report_top_spenders(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (account_id bigint, email text, jobs bigint, credits_charged numeric)
LANGUAGE sql STABLE AS $$
    SELECT s.account_id, coalesce(a.email, ''), s.jobs, s.credits
      FROM (SELECT j.account_id, count(*) AS jobs,
                   coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0) AS credits
              FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
             WHERE j.created_at >= p_since AND j.created_at < p_until
             GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 50) s
      JOIN accounts a ON a.id = s.account_id
     ORDER BY 4 DESC, 1
$$;

CREATE FUNCTION miq_report_top_failed(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (account_id bigint, email text, failed bigint, jobs bigint, top_error text)
LANGUAGE sql STABLE AS $$
    SELECT s.account_id, coalesce(a.email, ''), s.failed, s.jobs,
           (SELECT coalesce(j2.error_code, '-') FROM jobs j2
             WHERE j2.account_id = s.account_id AND j2.status = 'failed'
               AND j2.created_at >= p_since AND j2.created_at < p_until
             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
      FROM (SELECT j.account_id, count(*) FILTER (WHERE j.status = 'failed') AS failed,
                   count(*) AS jobs
              FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
             WHERE j.created_at >= p_since AND j.created_at < p_until
             GROUP BY 1 HAVING count(*) FILTER (WHERE j.status = 'failed') > 0
             ORDER BY 2 DESC, 1 LIMIT 50) s
      JOIN accounts a ON a.id = s.account_id
     ORDER BY 3 DESC, 1
$$;

CREATE FUNCTION miq_report_top_tools(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (tool text, calls bigint, errors bigint, error_pct numeric, avg_latency_ms numeric,
               max_latency_ms numeric)
LANGUAGE sql STABLE AS $$
    SELECT d.tool, sum(d.calls)::bigint,
           coalesce(sum(d.calls) FILTER (WHERE d.outcome <> 'ok'), 0)::bigint,
           round(100.0 * coalesce(sum(d.calls) FILTER (WHERE d.outcome <> 'ok'), 0) / sum(d.calls), 2),
           round((sum(d.latency_ms_sum) / sum(d.calls))::numeric, 1),
           round(max(d.latency_ms_max)::numeric, 1)
      FROM mcp_request_daily d
     WHERE d.tool <> ''
       AND d.day >= (p_since AT TIME ZONE 'UTC')::date AND d.day < (p_until AT TIME ZONE 'UTC')::date
           + CASE WHEN (p_until AT TIME ZONE 'UTC')::time = '00:00' THEN 0 ELSE 1 END
     GROUP BY 1 ORDER BY 2 DESC, 1
$$;

CREATE FUNCTION miq_report_readiness_warnings(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (code text, times bigint, accounts bigint, last_seen timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(e.code, '-'), count(*), count(DISTINCT e.account_id), max(e.at)
      FROM auth_events e
     WHERE e.kind = 'readiness_warning' AND e.at >= p_since AND e.at < p_until
     GROUP BY 1 ORDER BY 2 DESC, 1
$$;

-- Jobs record no workflow name: a clips job's workflow is the endpoints run
-- on the same upload in the 7 days before it ("timeline/moments >
-- video/clips"), which is what the workflow guides chain. Set-based (hash
-- joins over the period's jobs), not a lookup per clips job.
CREATE FUNCTION miq_report_clip_workflows(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (workflow text, clip_jobs bigint, clips bigint, accounts bigint)
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT j.id, j.upload_id, j.created_at, j.account_id,
               CASE WHEN jsonb_typeof(j.params -> 'clips') = 'array'
                    THEN jsonb_array_length(j.params -> 'clips') ELSE 0 END AS clips
          FROM jobs j
         WHERE j.endpoint = 'video/clips' AND j.status = 'succeeded'
           AND j.created_at >= p_since AND j.created_at < p_until),
    before AS (
        SELECT c.id, p.endpoint, min(p.created_at) AS first_at
          FROM c JOIN jobs p ON p.upload_id = c.upload_id AND p.created_at < c.created_at
         WHERE p.created_at >= p_since - interval '7 days' AND p.created_at < p_until
           AND p.endpoint <> 'video/clips' AND p.status = 'succeeded'
         GROUP BY c.id, p.endpoint),
    flow AS (
        SELECT c.id, c.account_id, c.clips,
               coalesce(string_agg(b.endpoint, ' > ' ORDER BY b.first_at) || ' > ', '')
                   || 'video/clips' AS workflow
          FROM c LEFT JOIN before b ON b.id = c.id
         GROUP BY c.id, c.account_id, c.clips)
    SELECT f.workflow, count(*), sum(f.clips)::bigint, count(DISTINCT f.account_id)
      FROM flow f GROUP BY 1 ORDER BY 3 DESC, 1
$$;

CREATE FUNCTION miq_report_rate_limit_refusals(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day date, class text, refusals bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.day, r.class, r.refusals FROM rate_limit_refusals r
     WHERE r.day >= (p_since AT TIME ZONE 'UTC')::date AND r.day < (p_until AT TIME ZONE 'UTC')::date
           + CASE WHEN (p_until AT TIME ZONE 'UTC')::time = '00:00' THEN 0 ELSE 1 END
     ORDER BY 1 DESC, 3 DESC, 2
$$;

-- Webhook deliveries that did not succeed (sql/015's tables): per day and
-- event type, the failed attempts, the events given up on, the endpoints
-- concerned and the latest error. Written in PL/pgSQL so this migration
-- also applies where the webhook tables do not exist yet (no rows then).
CREATE FUNCTION miq_report_webhook_failures(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day date, event_type text, failed_attempts bigint, events_given_up bigint,
               endpoints bigint, last_error text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('webhook_deliveries') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT (d.created_at AT TIME ZONE 'UTC')::date, e.type,
           count(*) FILTER (WHERE d.outcome <> 'delivered'),
           count(DISTINCT e.id) FILTER (WHERE d.outcome = 'failed'),
           count(DISTINCT d.endpoint_id) FILTER (WHERE d.outcome <> 'delivered'),
           (array_agg(coalesce(d.error, 'HTTP ' || d.status_code::text, '-') ORDER BY d.id DESC)
                FILTER (WHERE d.outcome <> 'delivered'))[1]
      FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.created_at >= p_since AND d.created_at < p_until
     GROUP BY 1, 2 HAVING count(*) FILTER (WHERE d.outcome <> 'delivered') > 0
     ORDER BY 1 DESC, 3 DESC, 2;
END $$;

-- The webhook backlog for /metrics: events waiting, events given up on in
-- the last 24 hours, the oldest waiting event's age (zeros without sql/015).
CREATE FUNCTION miq_webhook_backlog()
RETURNS TABLE (pending bigint, failed_last_day bigint, oldest_pending_s double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('webhook_events') IS NULL THEN
        RETURN QUERY SELECT 0::bigint, 0::bigint, 0::double precision;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT count(*) FILTER (WHERE e.status = 'pending'),
           count(*) FILTER (WHERE e.status = 'failed' AND e.finished_at > now() - interval '24 hours'),
           coalesce(extract(epoch FROM now() - min(e.created_at) FILTER (WHERE e.status = 'pending')),
                    0)::double precision
      FROM webhook_events e
     WHERE e.status = 'pending' OR e.finished_at > now() - interval '24 hours';
END $$;

DO $$
BEGIN
    IF to_regclass('webhook_deliveries') IS NOT NULL THEN
        CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);
    END IF;
END $$;

-- The same reports over the last 30 days, for a quick look in psql.
CREATE VIEW admin_report_mcp_init_success AS
    SELECT * FROM miq_report_mcp_init_success(now() - interval '30 days', now());
CREATE VIEW admin_report_paid_tool_errors AS
    SELECT * FROM miq_report_paid_tool_errors(now() - interval '30 days', now());
CREATE VIEW admin_report_refusals AS
    SELECT * FROM miq_report_refusals(now() - interval '30 days', now());
CREATE VIEW admin_report_queue_age AS
    SELECT * FROM miq_report_queue_age(now() - interval '30 days', now());
CREATE VIEW admin_report_failed_jobs AS
    SELECT * FROM miq_report_failed_jobs(now() - interval '30 days', now());
CREATE VIEW admin_report_connector_usage AS
    SELECT * FROM miq_report_connector_usage(now() - interval '30 days', now());
CREATE VIEW admin_report_top_spenders AS
    SELECT * FROM miq_report_top_spenders(now() - interval '30 days', now());
CREATE VIEW admin_report_top_failed AS
    SELECT * FROM miq_report_top_failed(now() - interval '30 days', now());
CREATE VIEW admin_report_top_tools AS
    SELECT * FROM miq_report_top_tools(now() - interval '30 days', now());
CREATE VIEW admin_report_readiness_warnings AS
    SELECT * FROM miq_report_readiness_warnings(now() - interval '30 days', now());
CREATE VIEW admin_report_clip_workflows AS
    SELECT * FROM miq_report_clip_workflows(now() - interval '30 days', now());
CREATE VIEW admin_report_rate_limit_refusals AS
    SELECT * FROM miq_report_rate_limit_refusals(now() - interval '30 days', now());
CREATE VIEW admin_report_webhook_failures AS
    SELECT * FROM miq_report_webhook_failures(now() - interval '30 days', now());
