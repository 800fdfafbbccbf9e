-- Accounts, dashboard sessions, API keys and connector tokens, login
-- throttling, and the auth event log (SPEC §4, issue #3).

CREATE TABLE accounts (
    id               bigserial PRIMARY KEY,
    email            text UNIQUE,                -- normalized (trimmed, lowercased); NULL for some external users
    password_hash    text,                       -- "$scrypt$..."; NULL when the account signs in elsewhere
    external_subject text UNIQUE,                -- r->user from a trusted Apache auth module
    display_name     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);

-- A dashboard session. The cookie value is never stored: only its SHA-256.
CREATE TABLE auth_sessions (
    id_hash             text PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    idle_expires_at     timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    revoked_at          timestamptz
);
CREATE INDEX auth_sessions_account ON auth_sessions (account_id);

-- API keys (miq_live_...) and connector tokens (miq_conn_...): only the
-- SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
    id           text PRIMARY KEY,                -- public id, e.g. tok_3f9a0c1d2e4b5a6c
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('api_key', 'connector')),
    name         text NOT NULL,
    secret_hash  text NOT NULL UNIQUE,
    prefix       text NOT NULL,                   -- first characters, for recognising a token in lists
    scopes       text NOT NULL,                   -- space-separated: all video/* audio/* timeline/*
    created_via  text NOT NULL DEFAULT 'dashboard',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_account ON api_tokens (account_id, kind);

-- Failed logins per account and per client address, shared by every child and node.
CREATE TABLE auth_throttle (
    key          text PRIMARY KEY,                -- 'email:<normalized>' or 'ip:<address>'
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- invalid_api_key attempts, connector_scope_denied refusals, readiness
-- warnings, login failures: what the admin views count. Never a secret.
CREATE TABLE auth_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,   -- invalid_api_key | connector_scope_denied | readiness_warning | login_failed | login_throttled
    code        text,            -- e.g. revoked | expired | unknown, the warning code, the denied endpoint
    account_id  bigint,
    token_id    text,
    surface     text,            -- mcp | rest | dashboard
    detail      text
);
CREATE INDEX auth_events_kind_at ON auth_events (kind, at);

CREATE VIEW admin_auth_failures AS
SELECT date_trunc('day', at) AS day, kind, code, count(*) AS events
  FROM auth_events
 WHERE kind IN ('invalid_api_key', 'connector_scope_denied', 'login_failed', 'login_throttled')
 GROUP BY 1, 2, 3;

CREATE VIEW admin_readiness_warnings AS
SELECT code, count(*) AS times, count(DISTINCT account_id) AS accounts, max(at) AS last_seen
  FROM auth_events
 WHERE kind = 'readiness_warning'
 GROUP BY code
 ORDER BY times DESC;
