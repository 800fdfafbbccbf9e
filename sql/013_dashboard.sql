-- The dashboard's server side (issue 13): how a session signed in, storage
-- removals that outlive a failed unlink, and account deletion with its
-- operator record.

-- How a dashboard session signed in: with the account's password, or as a
-- user another Apache auth module authenticated ("signed in with your
-- organisation"; MomentIQTrustRemoteUser).
ALTER TABLE auth_sessions ADD COLUMN signed_in_with text NOT NULL DEFAULT 'password'
    CHECK (signed_in_with IN ('password', 'organisation'));

-- Files (relative to MomentIQStorageDir) that must go: written in the
-- transaction that deletes their rows, removed by httpd right after the
-- commit, and by momentiqctl purge when that removal failed.
CREATE TABLE storage_removals (
    path       text PRIMARY KEY,
    reason     text NOT NULL,                 -- account_deletion
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0
);

-- That an account was deleted, when and how much went: never what it held
-- (no email, no file names). account_ref is the tombstone's opaque id, the
-- one the anonymised ledger rows keep.
CREATE TABLE account_deletions (
    id               bigserial PRIMARY KEY,
    account_ref      bigint NOT NULL UNIQUE,
    deleted_at       timestamptz NOT NULL DEFAULT now(),
    uploads_removed  integer NOT NULL,
    bytes_removed    bigint NOT NULL,
    jobs_removed     integer NOT NULL,
    jobs_canceled    integer NOT NULL,
    tokens_removed   integer NOT NULL,
    sessions_removed integer NOT NULL,
    grants_removed   integer NOT NULL,
    ledger_rows_kept integer NOT NULL,
    files_queued     integer NOT NULL
);

CREATE VIEW admin_account_deletions AS
SELECT date_trunc('day', deleted_at) AS day, count(*) AS deletions,
       sum(uploads_removed) AS uploads_removed, sum(bytes_removed) AS bytes_removed,
       sum(jobs_canceled) AS jobs_canceled
  FROM account_deletions GROUP BY 1;

-- Deletes an account in one transaction. Its queued and running jobs are
-- canceled first (reservations released, so the kept ledger nets out and a
-- worker holding one cannot settle it); then its jobs, uploads, tokens,
-- sessions, OAuth grants and codes, MCP sessions, alerts and auth events
-- go, and the tables of later migrations that hold account rows
-- (webhook_endpoints and what cascades from it) when they exist. The
-- account row stays as a tombstone without email, password or identity so
-- the ledger keeps its rows under an opaque id (job links are cleared by
-- the jobs' deletion; notes, which may name a payment, are cleared too).
-- The upload files and output directories are queued in storage_removals.
-- Returns NULL when there is no such live account, else
-- {"deletion_id", "uploads_removed", "jobs_canceled", ..., "paths": [...]}.
CREATE FUNCTION miq_account_delete(p_account bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    j record;
    v_paths jsonb;
    v_canceled integer := 0;
    v_uploads integer;
    v_bytes bigint;
    v_jobs integer;
    v_tokens integer;
    v_sessions integer;
    v_grants integer;
    v_ledger integer;
    v_files integer;
    v_id bigint;
BEGIN
    PERFORM 1 FROM accounts WHERE id = p_account AND deleted_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOR j IN SELECT id FROM jobs WHERE account_id = p_account AND status IN ('queued', 'running')
             ORDER BY id FOR UPDATE LOOP
        IF miq_job_cancel(j.id, p_account) = 'canceled' THEN
            v_canceled := v_canceled + 1;
        END IF;
    END LOOP;

    SELECT coalesce(jsonb_agg(p), '[]'::jsonb) INTO v_paths FROM (
        SELECT path AS p FROM uploads WHERE account_id = p_account AND path <> ''
        UNION SELECT 'outputs/' || id FROM jobs WHERE account_id = p_account) x;
    INSERT INTO storage_removals (path, reason)
    SELECT value, 'account_deletion' FROM jsonb_array_elements_text(v_paths)
    ON CONFLICT (path) DO NOTHING;
    v_files := jsonb_array_length(v_paths);

    SELECT count(*) FILTER (WHERE deleted_at IS NULL),
           coalesce(sum(size_bytes) FILTER (WHERE deleted_at IS NULL), 0)
      INTO v_uploads, v_bytes FROM uploads WHERE account_id = p_account;
    DELETE FROM jobs WHERE account_id = p_account;
    GET DIAGNOSTICS v_jobs = ROW_COUNT;
    DELETE FROM uploads WHERE account_id = p_account;

    DELETE FROM mcp_sessions WHERE caller = 'account:' || p_account;
    DELETE FROM api_tokens WHERE account_id = p_account;
    GET DIAGNOSTICS v_tokens = ROW_COUNT;
    DELETE FROM auth_sessions WHERE account_id = p_account;
    GET DIAGNOSTICS v_sessions = ROW_COUNT;
    DELETE FROM oauth_codes WHERE account_id = p_account;
    DELETE FROM oauth_families WHERE account_id = p_account;
    GET DIAGNOSTICS v_grants = ROW_COUNT;
    UPDATE oauth_trail SET account_id = NULL WHERE account_id = p_account;
    DELETE FROM usage_alerts WHERE account_id = p_account;
    DELETE FROM auth_events WHERE account_id = p_account;
    IF to_regclass('webhook_endpoints') IS NOT NULL THEN
        EXECUTE 'DELETE FROM webhook_endpoints WHERE account_id = $1' USING p_account;
    END IF;

    UPDATE credit_ledger SET note = NULL WHERE account_id = p_account AND note IS NOT NULL;
    SELECT count(*) INTO v_ledger FROM credit_ledger WHERE account_id = p_account;
    UPDATE accounts SET email = NULL, password_hash = NULL, external_subject = NULL,
           display_name = NULL, deleted_at = now()
     WHERE id = p_account;

    INSERT INTO account_deletions (account_ref, uploads_removed, bytes_removed, jobs_removed,
                                   jobs_canceled, tokens_removed, sessions_removed,
                                   grants_removed, ledger_rows_kept, files_queued)
    VALUES (p_account, v_uploads, v_bytes, v_jobs, v_canceled, v_tokens, v_sessions, v_grants,
            v_ledger, v_files)
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('deletion_id', v_id, 'uploads_removed', v_uploads,
                              'bytes_removed', v_bytes, 'jobs_removed', v_jobs,
                              'jobs_canceled', v_canceled, 'tokens_removed', v_tokens,
                              'sessions_removed', v_sessions, 'grants_removed', v_grants,
                              'ledger_rows_kept', v_ledger, 'paths', v_paths);
END $$;
