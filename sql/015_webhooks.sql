-- Webhooks (SPEC §6, §11; issue 15): endpoints per account (or per API key),
-- a durable outbox written by triggers in the same transaction as the event
-- (a job's settle or cancel, a usage alert, a balance crossing the account's
-- low-credit threshold), and the log of every delivery attempt. The worker's
-- delivery loop claims due events with FOR UPDATE SKIP LOCKED.

-- The account's low-credit threshold for credits.low (NULL: not watched). Set
-- from MomentIQWebhookLowCredits when an endpoint first subscribes to
-- credits.low, or by the account through the webhooks API.
ALTER TABLE accounts
    ADD COLUMN low_credits_threshold bigint CHECK (low_credits_threshold >= 0),
    ADD COLUMN low_credits_alerted boolean NOT NULL DEFAULT false; -- fired, not re-armed yet

CREATE TABLE webhook_endpoints (
    id          text PRIMARY KEY,                  -- whe_<16 hex>
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- An endpoint carried by one API key receives only the job events of that
    -- key's jobs; NULL: every event of the account.
    token_id    text REFERENCES api_tokens (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (length(url) <= 2048),
    events      text[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY[
                    'job.succeeded', 'job.failed', 'job.canceled', 'usage.alert',
                    'credits.low']::text[]),
    enabled     boolean NOT NULL DEFAULT true,
    -- The signing secret is derived: HMAC-SHA256(the server's webhook key,
    -- id ":" salt). Only the salt is stored, so the table alone cannot sign.
    secret_salt text NOT NULL,
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at);
CREATE UNIQUE INDEX webhook_endpoints_token ON webhook_endpoints (token_id)
    WHERE token_id IS NOT NULL;

-- The outbox: one row per event per endpoint. The body is fixed at the first
-- attempt (a job event carries the job as GET /v1/jobs/{id} shows it then), so
-- every retry sends the same bytes under the same event id.
CREATE TABLE webhook_events (
    id              text PRIMARY KEY,              -- evt_<32 hex>
    endpoint_id     text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type            text NOT NULL,
    subject         text,                          -- the job id of job.* events
    data            jsonb NOT NULL DEFAULT '{}',
    livemode        boolean NOT NULL DEFAULT true, -- false: a test event from the dashboard
    body            text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_events_endpoint ON webhook_events (endpoint_id, created_at DESC);

-- Every attempt: what the receiver answered and how long it took.
CREATE TABLE webhook_deliveries (
    id          bigserial PRIMARY KEY,
    event_id    text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    status_code integer,                           -- NULL: no HTTP answer
    latency_ms  integer NOT NULL,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

-- One event for every enabled endpoint of the account that subscribes to its
-- type; key-bound endpoints only for events of their key. Wakes the delivery
-- loops (LISTEN miq_webhooks).
CREATE FUNCTION miq_webhook_enqueue(p_account bigint, p_token text, p_type text,
                                    p_subject text, p_data jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO webhook_events (id, endpoint_id, account_id, type, subject, data)
    SELECT 'evt_' || replace(gen_random_uuid()::text, '-', ''), e.id, p_account, p_type,
           p_subject, p_data
      FROM webhook_endpoints e
     WHERE e.account_id = p_account AND e.enabled AND p_type = ANY (e.events)
       AND (e.token_id IS NULL OR e.token_id = p_token);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('miq_webhooks', '');
    END IF;
END $$;

-- job.succeeded | job.failed | job.canceled, in the transaction that settles
-- or cancels the job.
CREATE FUNCTION miq_webhook_job_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM miq_webhook_enqueue(NEW.account_id, NEW.token_id, 'job.' || NEW.status, NEW.id,
                                '{}'::jsonb);
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_webhook AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          AND NEW.status IN ('succeeded', 'failed', 'canceled'))
    EXECUTE FUNCTION miq_webhook_job_trigger();

-- usage.alert, in the transaction that records the alert (once per threshold
-- and period: usage_alerts' primary key).
CREATE FUNCTION miq_webhook_alert_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM miq_webhook_enqueue(NEW.account_id, NULL, 'usage.alert', NULL,
        jsonb_build_object('threshold_percent', round(NEW.threshold * 100),
                           'spent_credits', NEW.spent_credits,
                           'cap_credits', NEW.cap_credits,
                           'period', to_char(NEW.period, 'YYYY-MM')));
    RETURN NULL;
END $$;
CREATE TRIGGER usage_alerts_webhook AFTER INSERT ON usage_alerts FOR EACH ROW
    EXECUTE FUNCTION miq_webhook_alert_trigger();

-- credits.low, when spending (a reservation or a settlement) takes the
-- balance below the threshold: once, until a grant or top-up brings it back
-- to the threshold or above. A release never fires nor re-arms it, so the
-- release-then-settle of a finishing job does not repeat the event. Runs
-- after credit_ledger_totals (triggers fire in name order).
CREATE FUNCTION miq_webhook_low_credits_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    SELECT balance_credits, low_credits_threshold, low_credits_alerted INTO a
      FROM accounts WHERE id = NEW.account_id;
    IF a.low_credits_threshold IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.kind IN ('grant', 'topup') AND a.low_credits_alerted
       AND a.balance_credits >= a.low_credits_threshold THEN
        UPDATE accounts SET low_credits_alerted = false WHERE id = NEW.account_id;
    ELSIF NEW.kind IN ('reservation', 'settlement') AND NOT a.low_credits_alerted
       AND a.balance_credits < a.low_credits_threshold THEN
        UPDATE accounts SET low_credits_alerted = true WHERE id = NEW.account_id;
        PERFORM miq_webhook_enqueue(NEW.account_id, NULL, 'credits.low', NULL,
            jsonb_build_object('balance_credits', a.balance_credits,
                               'threshold_credits', a.low_credits_threshold));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER credit_ledger_webhook AFTER INSERT ON credit_ledger FOR EACH ROW
    EXECUTE FUNCTION miq_webhook_low_credits_trigger();

-- Claims up to p_limit due events (pending, due, not leased by a live loop)
-- for one delivery loop; several loops on several workers share the load.
CREATE FUNCTION miq_webhook_claim(p_limit integer, p_lease_s integer)
RETURNS TABLE (id text, endpoint_id text, account_id bigint, type text, subject text,
               data text, body text, attempts integer, created_unix bigint, url text,
               secret_salt text, livemode boolean)
LANGUAGE sql AS $$
    UPDATE webhook_events ev SET lease_until = now() + make_interval(secs => p_lease_s),
           attempts = ev.attempts + 1
      FROM (SELECT c.id FROM webhook_events c
             WHERE c.status = 'pending' AND c.next_attempt_at <= now()
               AND (c.lease_until IS NULL OR c.lease_until < now())
             ORDER BY c.next_attempt_at FOR UPDATE SKIP LOCKED LIMIT p_limit) pick,
           webhook_endpoints e
     WHERE ev.id = pick.id AND e.id = ev.endpoint_id
    RETURNING ev.id, ev.endpoint_id, ev.account_id, ev.type, ev.subject, ev.data::text, ev.body,
              ev.attempts, extract(epoch FROM ev.created_at)::bigint, e.url, e.secret_salt,
              ev.livemode
$$;

-- Records one attempt: delivered, retry (at p_retry_s from now) or failed
-- (given up); the body is kept from the first attempt.
CREATE FUNCTION miq_webhook_record(p_event text, p_outcome text, p_status integer,
                                   p_latency_ms integer, p_error text, p_retry_s integer,
                                   p_body text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ev record;
BEGIN
    SELECT * INTO ev FROM webhook_events WHERE id = p_event FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE webhook_events
       SET body = coalesce(body, p_body), lease_until = NULL,
           status = CASE p_outcome WHEN 'delivered' THEN 'delivered'
                                   WHEN 'failed' THEN 'failed' ELSE 'pending' END,
           next_attempt_at = CASE WHEN p_outcome = 'retry'
                                  THEN now() + make_interval(secs => p_retry_s)
                                  ELSE next_attempt_at END,
           finished_at = CASE WHEN p_outcome = 'retry' THEN NULL ELSE now() END
     WHERE id = p_event;
    INSERT INTO webhook_deliveries (event_id, endpoint_id, attempt, outcome, status_code,
                                    latency_ms, error)
    VALUES (p_event, ev.endpoint_id, ev.attempts, p_outcome, p_status, p_latency_ms,
            left(p_error, 300));
END $$;

-- Creates an endpoint: at most p_max per account; a key-bound endpoint needs a
-- live API key of the account without one. Subscribing to credits.low starts
-- watching the balance at p_default_low unless the account chose a threshold.
-- Returns created | limit | token_not_found | token_taken.
CREATE FUNCTION miq_webhook_endpoint_create(p_id text, p_account bigint, p_token text,
                                            p_url text, p_events text[], p_salt text,
                                            p_description text, p_low bigint,
                                            p_default_low bigint, p_max integer)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM accounts WHERE id = p_account FOR UPDATE;
    IF (SELECT count(*) FROM webhook_endpoints WHERE account_id = p_account) >= p_max THEN
        RETURN 'limit';
    END IF;
    IF p_token IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = p_token
                          AND t.account_id = p_account AND t.kind = 'api_key'
                          AND t.revoked_at IS NULL) THEN
            RETURN 'token_not_found';
        END IF;
        IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE token_id = p_token) THEN
            RETURN 'token_taken';
        END IF;
    END IF;
    INSERT INTO webhook_endpoints (id, account_id, token_id, url, events, secret_salt,
                                   description)
    VALUES (p_id, p_account, p_token, p_url, p_events, p_salt, coalesce(p_description, ''));
    PERFORM miq_webhook_low_set(p_account, p_events, p_low, p_default_low);
    RETURN 'created';
END $$;

-- The account's low-credit threshold: p_low when given, else the default
-- when credits.low is subscribed and none is set yet.
CREATE FUNCTION miq_webhook_low_set(p_account bigint, p_events text[], p_low bigint,
                                    p_default_low bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE accounts SET low_credits_threshold = coalesce(p_low, low_credits_threshold,
                                                         p_default_low),
           low_credits_alerted = CASE WHEN p_low IS NOT NULL THEN false
                                      ELSE low_credits_alerted END
     WHERE id = p_account
       AND (p_low IS NOT NULL OR 'credits.low' = ANY (coalesce(p_events, '{}'::text[])))
$$;

-- Enables or disables an endpoint, replaces its events and/or sets the
-- account's low-credit threshold (NULL arguments keep what is there).
-- Returns updated | not_found.
CREATE FUNCTION miq_webhook_endpoint_update(p_id text, p_account bigint, p_enabled boolean,
                                            p_events text[], p_low bigint,
                                            p_default_low bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    ev text[];
BEGIN
    UPDATE webhook_endpoints SET enabled = coalesce(p_enabled, enabled),
           events = coalesce(p_events, events), updated_at = now()
     WHERE id = p_id AND account_id = p_account RETURNING events INTO ev;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    PERFORM miq_webhook_low_set(p_account, ev, p_low, p_default_low);
    RETURN 'updated';
END $$;
