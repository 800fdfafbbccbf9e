-- Foundation: MCP sessions (2025 era), client answers to server requests,
-- the MCP request log, and worker heartbeats.
-- Applied by `momentiqctl migrate` inside one transaction; recorded in schema_migrations.

CREATE TABLE mcp_sessions (
    id               text PRIMARY KEY,            -- random, 256-bit, hex
    protocol_version text NOT NULL,
    client_name      text,
    client_version   text,
    client_caps      jsonb NOT NULL DEFAULT '{}'::jsonb,
    caller           text NOT NULL DEFAULT '',    -- token id the session is bound to ('' = anonymous)
    log_level        smallint NOT NULL DEFAULT 1, -- MCP level index: 0 debug .. 7 emergency
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE INDEX mcp_sessions_expires ON mcp_sessions (expires_at) WHERE deleted_at IS NULL;

-- A client's JSON-RPC response to a server-initiated request (sampling,
-- elicitation, roots) arrives on its own POST, possibly at another httpd
-- child or node; the waiting request is woken by NOTIFY.
CREATE TABLE mcp_client_responses (
    session_id  text NOT NULL,
    request_id  text NOT NULL,
    body        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, request_id)
);

CREATE FUNCTION mcp_client_response_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('miq_client_response', NEW.session_id || ' ' || NEW.request_id);
    RETURN NEW;
END $$;
CREATE TRIGGER mcp_client_responses_notify AFTER INSERT ON mcp_client_responses
    FOR EACH ROW EXECUTE FUNCTION mcp_client_response_notify();

-- Every MCP request, without secrets.
CREATE TABLE mcp_requests (
    id               bigserial PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    era              text NOT NULL,               -- '2025' | '2026' | '' (rejected before dispatch)
    protocol_version text,
    http_method      text NOT NULL,
    rpc_method       text,
    tool             text,
    client_name      text,
    session_id       text,
    caller           text,
    http_status      smallint NOT NULL,
    outcome          text NOT NULL,               -- ok | tool_error | rpc_error | http_error | accepted
    error_code       text,
    latency_ms       double precision NOT NULL
);
CREATE INDEX mcp_requests_at ON mcp_requests (at);

CREATE TABLE worker_heartbeats (
    worker_id   text PRIMARY KEY,
    host        text NOT NULL,
    pid         integer NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now()
);

-- Admin views (SPEC §8) that the foundation can already answer.
CREATE VIEW admin_mcp_init_list_success AS
SELECT date_trunc('day', at) AS day, rpc_method,
       count(*) AS calls,
       count(*) FILTER (WHERE outcome = 'ok') AS ok,
       round(100.0 * count(*) FILTER (WHERE outcome = 'ok') / count(*), 2) AS success_pct
  FROM mcp_requests
 WHERE rpc_method IN ('initialize', 'tools/list')
 GROUP BY 1, 2;

CREATE VIEW admin_mcp_top_tools AS
SELECT tool, count(*) AS calls,
       count(*) FILTER (WHERE outcome <> 'ok') AS errors,
       round(avg(latency_ms)::numeric, 2) AS avg_latency_ms
  FROM mcp_requests
 WHERE tool IS NOT NULL
 GROUP BY tool
 ORDER BY calls DESC;
