-- Webhook retention (sql/015 left the outbox and its delivery log growing
-- without end): momentiqctl purge removes settled events past the request
-- log's age; their deliveries go with them (ON DELETE CASCADE). The function
-- is replaced whole, the body of 011 plus the webhook step.
CREATE OR REPLACE FUNCTION miq_purge_transient(p_trail_s integer, p_unused_client_s integer,
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

    -- Webhook events that are settled (delivered, or failed after their
    -- last retry) and their delivery log: kept as long as the request log.
    -- Pending events are never removed, however old.
    kind := 'webhook events';
    DELETE FROM webhook_events
     WHERE status IN ('delivered', 'failed')
       AND coalesce(finished_at, created_at) < now() - make_interval(secs => p_requests_s);
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;
END $$;

