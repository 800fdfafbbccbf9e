-- OAuth 2.1 authorization server (SPEC §5, issue #4): clients registered
-- dynamically (RFC 7591) or known by their metadata document, authorization
-- codes, refresh token families with rotation, and the diagnostic trail.
-- No secret is stored in clear: codes, refresh tokens, access tokens and
-- client secrets are kept as SHA-256 hashes only.

-- Clients MomentIQ learned at run time. Clients from httpd.conf and the
-- environment live in memory and are not copied here.
CREATE TABLE oauth_clients (
    client_id     text PRIMARY KEY,               -- "mcp_<hex>" (DCR) or the https URL (metadata document)
    source        text NOT NULL CHECK (source IN ('dcr', 'cimd')),
    name          text NOT NULL,
    connector     text NOT NULL DEFAULT 'mcp',
    redirect_uris jsonb NOT NULL,                 -- array of exact URIs
    auth_method   text NOT NULL DEFAULT 'none'
                  CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
    secret_hash   text,                           -- SHA-256 of the client secret (confidential clients)
    metadata      jsonb,                          -- what the client sent or published (never a secret)
    created_at    timestamptz NOT NULL DEFAULT now(),
    refreshed_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz                     -- metadata documents: cache expiry
);

-- Authorization codes: single use (used_at set atomically), short-lived,
-- bound to everything the token request must repeat.
CREATE TABLE oauth_codes (
    code_hash      text PRIMARY KEY,
    client_id      text NOT NULL,
    redirect_uri   text NOT NULL,
    account_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes         text NOT NULL,
    resource       text NOT NULL,
    code_challenge text NOT NULL,                 -- PKCE S256 challenge (public by design)
    correlation_id text NOT NULL,
    family_id      text,                          -- set when redeemed: a replayed code revokes it
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

-- One family per authorization: every access and refresh token issued from
-- one code. Reuse of a rotated refresh token revokes the whole family.
CREATE TABLE oauth_families (
    id             text PRIMARY KEY,              -- fam_<hex>
    client_id      text NOT NULL,
    account_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scopes         text NOT NULL,
    resource       text NOT NULL,
    correlation_id text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text                           -- refresh_reuse | code_reuse | revoked | account
);
CREATE INDEX oauth_families_account ON oauth_families (account_id);

CREATE TABLE oauth_refresh_tokens (
    token_hash      text PRIMARY KEY,
    family_id       text NOT NULL REFERENCES oauth_families (id) ON DELETE CASCADE,
    access_token_id text NOT NULL,                -- the access token issued with it
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    rotated_at      timestamptz,                  -- exchanged for a successor
    successor_hash  text                          -- the refresh token that replaced it
);
CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens (family_id);

-- OAuth access tokens are connector tokens with an expiry, one audience (the
-- canonical MCP URL) and the family they belong to.
ALTER TABLE api_tokens ADD COLUMN audience text, ADD COLUMN family_id text;
CREATE INDEX api_tokens_family ON api_tokens (family_id) WHERE family_id IS NOT NULL;

-- What happened during each authorization, step by step, without secrets,
-- so a failed connector setup can be explained (momentiqctl oauth trail).
CREATE TABLE oauth_trail (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    correlation_id text NOT NULL,
    client_id      text,
    account_id     bigint,
    step           text NOT NULL,                 -- authorize | consent | login | token | refresh | revoke | register | introspect
    outcome        text NOT NULL,                 -- ok | error
    error          text,                          -- the OAuth error code
    detail         text                           -- a human explanation; never a secret
);
CREATE INDEX oauth_trail_corr ON oauth_trail (correlation_id, id);
CREATE INDEX oauth_trail_client ON oauth_trail (client_id, id);

-- Revokes a family and every access token it holds.
CREATE FUNCTION miq_oauth_family_revoke(p_family text, p_reason text) RETURNS void
LANGUAGE sql AS $$
    UPDATE oauth_families SET revoked_at = now(), revoked_reason = p_reason
     WHERE id = p_family AND revoked_at IS NULL;
    UPDATE api_tokens SET revoked_at = now() WHERE family_id = p_family AND revoked_at IS NULL;
$$;

-- Redeems a code and issues the first token pair, in one transaction. The
-- code is consumed by its first presentation, right or wrong; a replay of a
-- redeemed code revokes what it issued (RFC 6749 §4.1.2).
-- outcome: ok | unknown | used | expired | client_mismatch | redirect_mismatch
--          | verifier_mismatch | resource_mismatch
CREATE FUNCTION miq_oauth_code_redeem(p_code_hash text, p_client text, p_redirect text,
                                      p_challenge text, p_resource text, p_family text,
                                      p_access_id text, p_access_hash text, p_access_prefix text,
                                      p_token_name text, p_access_ttl integer,
                                      p_refresh_hash text, p_refresh_ttl integer)
RETURNS TABLE (outcome text, account_id bigint, scopes text, resource text,
               correlation_id text, expires_in integer)
LANGUAGE plpgsql AS $$
DECLARE
    c oauth_codes%ROWTYPE;
BEGIN
    SELECT * INTO c FROM oauth_codes WHERE code_hash = p_code_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::bigint, NULL::text, NULL::text, NULL::text, 0;
        RETURN;
    END IF;
    IF c.used_at IS NOT NULL THEN
        IF c.family_id IS NOT NULL THEN
            PERFORM miq_oauth_family_revoke(c.family_id, 'code_reuse');
        END IF;
        RETURN QUERY SELECT 'used'::text, c.account_id, c.scopes, c.resource, c.correlation_id, 0;
        RETURN;
    END IF;
    UPDATE oauth_codes SET used_at = now() WHERE code_hash = p_code_hash;
    outcome := CASE
        WHEN c.expires_at <= now() THEN 'expired'
        WHEN c.client_id <> p_client THEN 'client_mismatch'
        WHEN c.redirect_uri <> p_redirect THEN 'redirect_mismatch'
        WHEN c.code_challenge <> p_challenge THEN 'verifier_mismatch'
        WHEN p_resource IS NOT NULL AND rtrim(p_resource, '/') <> rtrim(c.resource, '/')
            THEN 'resource_mismatch'
        ELSE 'ok' END;
    IF outcome <> 'ok' THEN
        RETURN QUERY SELECT outcome, c.account_id, c.scopes, c.resource, c.correlation_id, 0;
        RETURN;
    END IF;
    INSERT INTO oauth_families (id, client_id, account_id, scopes, resource, correlation_id)
    VALUES (p_family, c.client_id, c.account_id, c.scopes, c.resource, c.correlation_id);
    UPDATE oauth_codes SET family_id = p_family WHERE code_hash = p_code_hash;
    INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes, created_via,
                            expires_at, audience, family_id)
    VALUES (p_access_id, c.account_id, 'connector', p_token_name, p_access_hash, p_access_prefix,
            c.scopes, 'oauth', now() + make_interval(secs => p_access_ttl), c.resource, p_family);
    INSERT INTO oauth_refresh_tokens (token_hash, family_id, access_token_id, expires_at)
    VALUES (p_refresh_hash, p_family, p_access_id, now() + make_interval(secs => p_refresh_ttl));
    RETURN QUERY SELECT 'ok'::text, c.account_id, c.scopes, c.resource, c.correlation_id,
                        p_access_ttl;
END $$;

-- Rotates a refresh token. The successor pair is derived from the presented
-- token by the caller (HMAC with the server secret), so a retry computes the
-- same pair: within p_grace seconds of the rotation, while the successor is
-- unused, the retry gets 'grace' and the caller answers the same pair. Any
-- other presentation of a rotated token is reuse and revokes the family.
-- The family row is locked, so concurrent refreshes queue: one rotates, the
-- others see 'grace'.
-- outcome: rotated | grace | reuse | revoked | expired | unknown | client_mismatch
CREATE FUNCTION miq_oauth_refresh(p_old_hash text, p_client text, p_resource text,
                                  p_new_hash text, p_access_id text, p_access_hash text,
                                  p_access_prefix text, p_token_name text, p_access_ttl integer,
                                  p_refresh_ttl integer, p_grace integer)
RETURNS TABLE (outcome text, account_id bigint, scopes text, resource text,
               correlation_id text, expires_in integer, family_id text)
LANGUAGE plpgsql AS $$
DECLARE
    t oauth_refresh_tokens%ROWTYPE;
    f oauth_families%ROWTYPE;
    s oauth_refresh_tokens%ROWTYPE;
    left_s integer;
BEGIN
    SELECT * INTO t FROM oauth_refresh_tokens WHERE token_hash = p_old_hash;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::bigint, NULL::text, NULL::text, NULL::text, 0,
                            NULL::text;
        RETURN;
    END IF;
    SELECT * INTO f FROM oauth_families WHERE id = t.family_id FOR UPDATE;
    -- re-read under the family lock: a concurrent rotation has committed by now
    SELECT * INTO t FROM oauth_refresh_tokens WHERE token_hash = p_old_hash;
    IF f.client_id <> p_client THEN
        outcome := 'client_mismatch';
    ELSIF f.revoked_at IS NOT NULL THEN
        outcome := 'revoked';
    ELSIF p_resource IS NOT NULL AND rtrim(p_resource, '/') <> rtrim(f.resource, '/') THEN
        outcome := 'resource_mismatch';
    ELSIF t.rotated_at IS NOT NULL THEN
        SELECT * INTO s FROM oauth_refresh_tokens WHERE token_hash = t.successor_hash;
        IF t.successor_hash = p_new_hash AND t.rotated_at > now() - make_interval(secs => p_grace)
           AND s.rotated_at IS NULL THEN
            SELECT greatest(0, extract(epoch FROM a.expires_at - now()))::integer INTO left_s
              FROM api_tokens a WHERE a.id = s.access_token_id AND a.revoked_at IS NULL;
            IF left_s IS NOT NULL THEN
                RETURN QUERY SELECT 'grace'::text, f.account_id, f.scopes, f.resource,
                                    f.correlation_id, left_s, f.id;
                RETURN;
            END IF;
        END IF;
        PERFORM miq_oauth_family_revoke(f.id, 'refresh_reuse');
        outcome := 'reuse';
    ELSIF t.expires_at <= now() THEN
        outcome := 'expired';
    ELSE
        UPDATE oauth_refresh_tokens SET rotated_at = now(), successor_hash = p_new_hash
         WHERE token_hash = p_old_hash;
        INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes,
                                created_via, expires_at, audience, family_id)
        VALUES (p_access_id, f.account_id, 'connector', p_token_name, p_access_hash,
                p_access_prefix, f.scopes, 'oauth', now() + make_interval(secs => p_access_ttl),
                f.resource, f.id);
        INSERT INTO oauth_refresh_tokens (token_hash, family_id, access_token_id, expires_at)
        VALUES (p_new_hash, f.id, p_access_id, now() + make_interval(secs => p_refresh_ttl));
        outcome := 'rotated';
        RETURN QUERY SELECT outcome, f.account_id, f.scopes, f.resource, f.correlation_id,
                            p_access_ttl, f.id;
        RETURN;
    END IF;
    RETURN QUERY SELECT outcome, f.account_id, f.scopes, f.resource, f.correlation_id, 0, f.id;
END $$;
