-- Account hardening (issue 11, security review #3): a user another Apache
-- auth module authenticated (r->user) is never linked to an account by email.
-- The catalog statement miq_account_external did that silently; it is
-- replaced by miq_account_remote below, and linking needs proof through
-- miq_account_link_remote (a password session links its remote identity).

-- The account of a remote user (subject 'remote:<r->user>'):
--   found     the account already linked to this subject;
--   created   a new account (with p_email when no account holds it, else
--             without an email) and its free credits;
--   conflict  a live account holds p_email and has a password or no linked
--             identity: the user must sign in with the password and link
--             from the dashboard. account_id is NULL then.
-- No row when a concurrent first sight won the insert: run it again.
CREATE FUNCTION miq_account_remote(p_subject text, p_email text, p_free bigint)
RETURNS TABLE (account_id bigint, account_email text, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    new_id bigint;
    new_email text;
BEGIN
    SELECT id, email INTO a FROM accounts
     WHERE external_subject = p_subject AND deleted_at IS NULL;
    IF FOUND THEN
        RETURN QUERY SELECT a.id, coalesce(a.email, ''), 'found'::text;
        RETURN;
    END IF;
    IF coalesce(p_email, '') <> '' THEN
        SELECT id, password_hash, external_subject INTO a FROM accounts
         WHERE email = p_email AND deleted_at IS NULL;
        IF FOUND AND (a.password_hash IS NOT NULL OR a.external_subject IS NULL) THEN
            RETURN QUERY SELECT NULL::bigint, ''::text, 'conflict'::text;
            RETURN;
        END IF;
    END IF;
    INSERT INTO accounts (email, external_subject)
    SELECT CASE WHEN coalesce(p_email, '') = '' OR EXISTS (SELECT 1 FROM accounts WHERE email = p_email)
                THEN NULL ELSE p_email END, p_subject
    ON CONFLICT DO NOTHING
    RETURNING id, email INTO new_id, new_email;
    IF new_id IS NULL THEN
        RETURN;
    END IF;
    IF p_free > 0 THEN
        INSERT INTO credit_ledger (account_id, kind, credits, note)
        VALUES (new_id, 'grant', p_free, 'free credits for a new account');
    END IF;
    RETURN QUERY SELECT new_id, coalesce(new_email, ''), 'created'::text;
END $$;

-- Links a remote identity to an account, with proof: the caller holds a live
-- session of p_account (a password sign-in) and the upstream module
-- authenticated p_subject on the same request. Returns
--   linked    done: every other session of the account (all but
--             p_keep_session, an id_hash) and every token (API keys,
--             connector and OAuth tokens, OAuth families) is revoked;
--   already   the account was linked to this subject (nothing revoked);
--   taken     another account holds this subject;
--   other     the account is linked to another subject.
CREATE FUNCTION miq_account_link_remote(p_account bigint, p_subject text, p_keep_session text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    cur text;
BEGIN
    SELECT external_subject INTO cur FROM accounts
     WHERE id = p_account AND deleted_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'other';
    END IF;
    IF cur = p_subject THEN
        RETURN 'already';
    END IF;
    IF cur IS NOT NULL THEN
        RETURN 'other';
    END IF;
    IF EXISTS (SELECT 1 FROM accounts WHERE external_subject = p_subject) THEN
        RETURN 'taken';
    END IF;
    UPDATE accounts SET external_subject = p_subject WHERE id = p_account;
    UPDATE auth_sessions SET revoked_at = now()
     WHERE account_id = p_account AND revoked_at IS NULL AND id_hash <> p_keep_session;
    UPDATE oauth_families SET revoked_at = now(), revoked_reason = 'account'
     WHERE account_id = p_account AND revoked_at IS NULL;
    UPDATE api_tokens SET revoked_at = now()
     WHERE account_id = p_account AND revoked_at IS NULL;
    RETURN 'linked';
END $$;
