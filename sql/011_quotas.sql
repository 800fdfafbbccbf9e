-- Account quotas and log retention (issue 11, security review #5, #6, #7).
--
-- Storage: what an account keeps is the bytes of its live uploads plus the
-- outputs of its jobs. The worker records a job's output bytes here when it
-- settles the job (0 until then, and for jobs of earlier releases).
ALTER TABLE jobs ADD COLUMN output_bytes bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN jobs.output_bytes IS
    'bytes of the job''s files under storage/outputs/<id>/ (counted in the storage quota)';
CREATE INDEX jobs_account_active ON jobs (account_id) WHERE status IN ('queued', 'running');

-- What an account uses now: stored bytes (live uploads, and outputs of jobs
-- whose upload is still there: outputs go with their upload) and jobs not
-- finished (queued or running).
CREATE FUNCTION miq_quota_usage(p_account bigint, OUT storage_bytes bigint, OUT active_jobs bigint)
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT sum(u.size_bytes) FROM uploads u
                      WHERE u.account_id = p_account AND u.deleted_at IS NULL), 0)::bigint
         + coalesce((SELECT sum(j.output_bytes) FROM jobs j JOIN uploads u ON u.id = j.upload_id
                      WHERE j.account_id = p_account AND u.deleted_at IS NULL
                        AND j.output_bytes > 0), 0)::bigint,
           (SELECT count(*) FROM jobs j
             WHERE j.account_id = p_account AND j.status IN ('queued', 'running'))::bigint
$$;

-- Requests in flight that hold a server thread for long (wait_s long-polls,
-- source_url imports), counted per account across every httpd child and node.
-- A lease is taken when such a request starts and deleted when it ends; one
-- left behind by a crashed child stops counting at expires_at, which covers
-- the longest the request may take. UNLOGGED: after a database crash every
-- lease is gone, which only frees slots.
CREATE UNLOGGED TABLE quota_leases (
    id          text PRIMARY KEY,              -- ql_<16 hex>, drawn by the caller
    account_id  bigint NOT NULL,
    kind        text NOT NULL,                 -- 'long_polls', 'imports'
    expires_at  timestamptz NOT NULL
);
CREATE INDEX quota_leases_account ON quota_leases (account_id, kind);

-- Takes a lease of p_kind for p_account when fewer than p_limit live ones
-- exist. Returns (taken, in_use): in_use counts the new lease when taken.
-- Callers of one account and kind are serialised by an advisory lock, so two
-- cannot both take the last slot.
CREATE FUNCTION miq_quota_lease(p_id text, p_account bigint, p_kind text, p_limit integer,
                                p_ttl_s integer)
RETURNS TABLE (taken boolean, in_use integer) LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('miq_quota:' || p_kind || ':' || p_account, 0));
    DELETE FROM quota_leases WHERE account_id = p_account AND kind = p_kind AND expires_at < now();
    IF random() < 0.01 THEN
        DELETE FROM quota_leases WHERE expires_at < now();
    END IF;
    SELECT count(*) INTO n FROM quota_leases WHERE account_id = p_account AND kind = p_kind;
    IF n >= p_limit THEN
        taken := false; in_use := n; RETURN NEXT; RETURN;
    END IF;
    INSERT INTO quota_leases (id, account_id, kind, expires_at)
    VALUES (p_id, p_account, p_kind, now() + make_interval(secs => p_ttl_s));
    taken := true; in_use := n + 1; RETURN NEXT;
END $$;

-- Retention of the request log and the authentication events (review #7):
-- both grow by one row per request, anonymous ones included. The purge
-- function gains their age limit; auth_events needs an index on time alone.
CREATE INDEX auth_events_at ON auth_events (at);

DROP FUNCTION miq_purge_transient(integer, integer);
CREATE FUNCTION miq_purge_transient(p_trail_s integer, p_unused_client_s integer,
                                    p_requests_s integer)
RETURNS TABLE (kind text, removed bigint) LANGUAGE plpgsql AS $$
BEGIN
    kind := 'oauth codes';
    DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'oauth refresh tokens';
    DELETE FROM oauth_refresh_tokens WHERE expires_at < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'oauth families';
    DELETE FROM oauth_families f
     WHERE f.created_at < now() - interval '1 day'
       AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens t WHERE t.family_id = f.id)
       AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.family_id = f.id)
       AND NOT EXISTS (SELECT 1 FROM api_tokens a WHERE a.family_id = f.id
                          AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > now()));
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'oauth clients';
    DELETE FROM oauth_clients c
     WHERE (c.source = 'cimd' AND c.expires_at < now() - interval '1 day')
        OR (c.source = 'dcr' AND c.created_at < now() - make_interval(secs => p_unused_client_s)
            AND NOT EXISTS (SELECT 1 FROM oauth_families f WHERE f.client_id = c.client_id)
            AND NOT EXISTS (SELECT 1 FROM oauth_codes k WHERE k.client_id = c.client_id));
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'oauth trail steps';
    DELETE FROM oauth_trail WHERE at < now() - make_interval(secs => p_trail_s);
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'mcp sessions';
    DELETE FROM mcp_sessions WHERE coalesce(deleted_at, expires_at) < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'mcp client responses';
    DELETE FROM mcp_client_responses WHERE created_at < now() - interval '1 hour';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'sign-in sessions';
    DELETE FROM auth_sessions
     WHERE least(idle_expires_at, absolute_expires_at, coalesce(revoked_at, 'infinity'))
           < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'sign-in throttle counters';
    DELETE FROM auth_throttle
     WHERE window_start < now() - interval '7 days'
       AND (locked_until IS NULL OR locked_until < now());
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    -- The request log and the authentication events: reporting data, kept
    -- p_requests_s seconds (momentiqctl purge --requests-older-than).
    kind := 'mcp request log rows';
    DELETE FROM mcp_requests WHERE at < now() - make_interval(secs => p_requests_s);
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'auth events';
    DELETE FROM auth_events WHERE at < now() - make_interval(secs => p_requests_s);
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'expired quota leases';
    DELETE FROM quota_leases WHERE expires_at < now();
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;
END $$;
