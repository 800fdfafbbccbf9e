-- Retention of short-lived authentication state (issue #4): rows that have
-- served their purpose, removed by `momentiqctl purge` in one call. Reporting
-- data (mcp_requests, auth_events, the ledger) is never touched here.
--
-- A day's margin after expiry keeps what a late replay check or an
-- investigation may still need: a replayed code or a reused refresh token is
-- refused as expired either way, so nothing older is needed to detect it.
CREATE FUNCTION miq_purge_transient(p_trail_s integer, p_unused_client_s integer)
RETURNS TABLE (kind text, removed bigint) LANGUAGE plpgsql AS $$
BEGIN
    kind := 'oauth codes';
    DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    kind := 'oauth refresh tokens';
    DELETE FROM oauth_refresh_tokens WHERE expires_at < now() - interval '1 day';
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    -- A family with no refresh token left and no live access token is over.
    kind := 'oauth families';
    DELETE FROM oauth_families f
     WHERE f.created_at < now() - interval '1 day'
       AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens t WHERE t.family_id = f.id)
       AND NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.family_id = f.id)
       AND NOT EXISTS (SELECT 1 FROM api_tokens a WHERE a.family_id = f.id
                          AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > now()));
    GET DIAGNOSTICS removed = ROW_COUNT; RETURN NEXT;

    -- Cached metadata documents are fetched again when needed. A dynamic
    -- registration with nothing live (no code, no token family: never used,
    -- or its last refresh token has expired) is what an open registration
    -- endpoint accumulates; a client that comes back after it is gone gets
    -- invalid_client and registers again (SPEC §5), as it would have to
    -- authorize again anyway.
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

    -- Answers to sampling/elicitation requests are taken within seconds.
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
END $$;

-- Since this release a 2025-era MCP session belongs to an account, not to one
-- token, so an OAuth client keeps its session across a token refresh.
COMMENT ON COLUMN mcp_sessions.caller IS
    '''account:<id>'' of the account whose token opened the session ('''' = anonymous)';
