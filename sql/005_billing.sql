-- Billing (SPEC §7, issue #6): billing state, monthly spend caps per account
-- and per connector token, usage alerts recorded once per account per period,
-- Stripe events (idempotent by event id), and miq_job_create extended with
-- the billing gates. Balances and usage stay sums over credit_ledger.

ALTER TABLE accounts
    ADD COLUMN billing_set_up_at timestamptz,          -- first verified top-up (or an operator)
    ADD COLUMN monthly_spend_cap_credits bigint CHECK (monthly_spend_cap_credits >= 0),
    ADD COLUMN alert_thresholds numeric[];             -- NULL: the server's MomentIQUsageAlerts

ALTER TABLE api_tokens
    ADD COLUMN monthly_spend_cap_credits bigint CHECK (monthly_spend_cap_credits >= 0);

CREATE INDEX credit_ledger_job ON credit_ledger (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX jobs_token ON jobs (token_id, created_at) WHERE token_id IS NOT NULL;

-- A usage alert: the account's spend this period reached threshold x cap.
-- The primary key makes each threshold fire once per account per period.
CREATE TABLE usage_alerts (
    account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    period        date NOT NULL,                       -- first day of the month (UTC)
    threshold     numeric NOT NULL,
    cap_credits   bigint NOT NULL,
    spent_credits bigint NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, period, threshold)
);

-- Every verified Stripe event, once: a replay finds its id here and does nothing.
CREATE TABLE stripe_events (
    event_id     text PRIMARY KEY,
    type         text NOT NULL,
    account_id   bigint REFERENCES accounts (id) ON DELETE SET NULL,
    amount_minor bigint,
    currency     text,
    credits      bigint,
    outcome      text NOT NULL,                        -- topup | ignored | no_account
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- The billing period: the calendar month in UTC.
CREATE FUNCTION miq_period() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date
$$;

CREATE FUNCTION miq_period_start() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT miq_period()::timestamp AT TIME ZONE 'UTC'
$$;

-- Credits committed this period: reservations of running jobs plus what
-- finished jobs were charged (a release gives a reservation back).
CREATE FUNCTION miq_spent(acct bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT greatest(0, -coalesce(sum(credits), 0))::bigint FROM credit_ledger
     WHERE account_id = acct AND kind IN ('reservation', 'release', 'settlement')
       AND created_at >= miq_period_start()
$$;

-- The same for the jobs one token created.
CREATE FUNCTION miq_token_spent(tok text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT greatest(0, -coalesce(sum(l.credits), 0))::bigint
      FROM jobs j JOIN credit_ledger l ON l.job_id = j.id
     WHERE j.token_id = tok AND l.kind IN ('reservation', 'release', 'settlement')
       AND l.created_at >= miq_period_start()
$$;

-- Alerts fired this period, as a JSON array text (for the account views).
CREATE FUNCTION miq_alerts_json(acct bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'threshold', threshold, 'cap_credits', cap_credits,
               'spent_credits', spent_credits,
               'at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
               ORDER BY threshold)::text, '[]')
      FROM usage_alerts WHERE account_id = acct AND period = miq_period()
$$;

-- Creates a job and reserves its estimate, or says why not, with the account
-- row locked so concurrent creations see each other's reservations: a balance
-- never goes negative and a cap is never crossed. Outcomes: created |
-- existing | conflict | not_found (upload) | billing_required (balance short,
-- billing not set up) | insufficient_credits (balance short) |
-- spend_cap_exceeded (account or token cap). For a refusal, job_id holds the
-- numbers as a JSON object. p_alerts: the server's default alert thresholds.
CREATE OR REPLACE FUNCTION miq_job_create(p_id text, p_account bigint, p_token text,
                                          p_endpoint text, p_upload text, p_params jsonb,
                                          p_hash text, p_key text, p_estimate bigint,
                                          p_alerts numeric[])
RETURNS TABLE (outcome text, job_id text) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    existing record;
    acct record;
    bal bigint;
    spent bigint := 0;
    tcap bigint;
    tspent bigint;
BEGIN
    SELECT a.billing_set_up_at, a.monthly_spend_cap_credits AS cap, a.alert_thresholds
      INTO acct FROM accounts a WHERE a.id = p_account FOR UPDATE;
    IF p_key IS NOT NULL THEN
        SELECT j.id, j.request_hash INTO existing FROM jobs j
         WHERE j.account_id = p_account AND j.idempotency_key = p_key;
        IF FOUND THEN
            IF existing.request_hash = p_hash THEN
                RETURN QUERY SELECT 'existing'::text, existing.id; RETURN;
            END IF;
            RETURN QUERY SELECT 'conflict'::text, existing.id; RETURN;
        END IF;
    END IF;
    IF p_upload IS NOT NULL AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.id = p_upload
            AND u.account_id = p_account AND u.status = 'ready' AND u.deleted_at IS NULL) THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::text; RETURN;
    END IF;
    bal := miq_balance(p_account);
    IF bal < p_estimate THEN
        RETURN QUERY SELECT CASE WHEN acct.billing_set_up_at IS NULL THEN 'billing_required'
                                 ELSE 'insufficient_credits' END::text,
               json_build_object('balance_credits', bal, 'estimated_credits', p_estimate,
                                 'billing_state', CASE WHEN acct.billing_set_up_at IS NULL
                                     THEN 'not_set_up' ELSE 'active' END)::text;
        RETURN;
    END IF;
    IF acct.cap IS NOT NULL THEN
        spent := miq_spent(p_account);
        IF spent + p_estimate > acct.cap THEN
            RETURN QUERY SELECT 'spend_cap_exceeded'::text,
                   json_build_object('cap_scope', 'account', 'monthly_spend_cap_credits', acct.cap,
                                     'spent_this_period_credits', spent,
                                     'estimated_credits', p_estimate,
                                     'balance_credits', bal)::text;
            RETURN;
        END IF;
    END IF;
    IF p_token IS NOT NULL THEN
        SELECT t.monthly_spend_cap_credits INTO tcap FROM api_tokens t WHERE t.id = p_token;
        IF tcap IS NOT NULL THEN
            tspent := miq_token_spent(p_token);
            IF tspent + p_estimate > tcap THEN
                RETURN QUERY SELECT 'spend_cap_exceeded'::text,
                       json_build_object('cap_scope', 'connector', 'token_id', p_token,
                                         'monthly_spend_cap_credits', tcap,
                                         'spent_this_period_credits', tspent,
                                         'estimated_credits', p_estimate,
                                         'balance_credits', bal)::text;
                RETURN;
            END IF;
        END IF;
    END IF;
    INSERT INTO jobs (id, account_id, token_id, endpoint, upload_id, params, request_hash,
                      idempotency_key, estimated_credits)
    VALUES (p_id, p_account, p_token, p_endpoint, p_upload, p_params, p_hash, p_key, p_estimate);
    IF p_estimate > 0 THEN
        INSERT INTO credit_ledger (account_id, job_id, kind, credits, note)
        VALUES (p_account, p_id, 'reservation', -p_estimate, p_endpoint);
    END IF;
    IF acct.cap IS NOT NULL AND acct.cap > 0 AND p_estimate > 0 THEN
        INSERT INTO usage_alerts (account_id, period, threshold, cap_credits, spent_credits)
        SELECT p_account, miq_period(), th, acct.cap, spent + p_estimate
          FROM unnest(coalesce(acct.alert_thresholds, p_alerts)) AS th
         WHERE th > 0 AND (spent + p_estimate)::numeric >= th * acct.cap
        ON CONFLICT DO NOTHING;
    END IF;
    PERFORM pg_notify('miq_jobs', p_id);
    RETURN QUERY SELECT 'created'::text, p_id;
END $$;

-- The signature of 003, kept for any caller of it: the same rules with the
-- default thresholds.
CREATE OR REPLACE FUNCTION miq_job_create(p_id text, p_account bigint, p_token text,
                                          p_endpoint text, p_upload text, p_params jsonb,
                                          p_hash text, p_key text, p_estimate bigint)
RETURNS TABLE (outcome text, job_id text) LANGUAGE sql AS $$
    SELECT * FROM miq_job_create(p_id, p_account, p_token, p_endpoint, p_upload, p_params,
                                 p_hash, p_key, p_estimate, '{0.5,0.8,1.0}'::numeric[])
$$;

-- A verified Stripe event, applied once. A paid checkout session (p_credits
-- > 0) for a known account adds a 'topup' and marks billing as set up;
-- anything else is recorded and ignored. Returns applied | duplicate | ignored | no_account,
-- and the account's balance afterwards (NULL without an account).
CREATE FUNCTION miq_stripe_event(p_event text, p_type text, p_account bigint,
                                 p_amount bigint, p_currency text, p_credits bigint)
RETURNS TABLE (outcome text, balance bigint) LANGUAGE plpgsql AS $$
DECLARE
    known boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(727002, hashtext(p_event));
    IF EXISTS (SELECT 1 FROM stripe_events WHERE event_id = p_event) THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::bigint; RETURN;
    END IF;
    IF p_credits IS NULL OR p_credits <= 0 THEN
        INSERT INTO stripe_events (event_id, type, account_id, amount_minor, currency, credits,
                                   outcome)
        VALUES (p_event, p_type, NULL, p_amount, p_currency, NULL, 'ignored');
        RETURN QUERY SELECT 'ignored'::text, NULL::bigint; RETURN;
    END IF;
    PERFORM 1 FROM accounts WHERE id = p_account AND deleted_at IS NULL FOR UPDATE;
    known := FOUND;
    INSERT INTO stripe_events (event_id, type, account_id, amount_minor, currency, credits,
                               outcome)
    VALUES (p_event, p_type, CASE WHEN known THEN p_account END, p_amount, p_currency,
            p_credits, CASE WHEN known THEN 'topup' ELSE 'no_account' END);
    IF NOT known THEN
        RETURN QUERY SELECT 'no_account'::text, NULL::bigint; RETURN;
    END IF;
    INSERT INTO credit_ledger (account_id, kind, credits, note)
    VALUES (p_account, 'topup', p_credits, 'stripe ' || p_event);
    UPDATE accounts SET billing_set_up_at = coalesce(billing_set_up_at, now())
     WHERE id = p_account;
    RETURN QUERY SELECT 'applied'::text, miq_balance(p_account);
END $$;

-- Billing per account for `momentiqctl billing report` and the admin views.
CREATE VIEW admin_billing_report AS
SELECT a.id AS account_id, coalesce(a.email, '') AS email,
       CASE WHEN a.billing_set_up_at IS NULL THEN 'not_set_up' ELSE 'active' END AS billing_state,
       miq_balance(a.id) AS balance,
       a.monthly_spend_cap_credits AS cap,
       miq_spent(a.id) AS spent_this_period,
       (SELECT coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
           AND l.kind = 'grant') AS granted,
       (SELECT coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
           AND l.kind = 'topup') AS topped_up,
       (SELECT coalesce(sum(amount_minor), 0) FROM stripe_events s WHERE s.account_id = a.id
           AND s.outcome = 'topup') AS paid_minor,
       (SELECT count(*) FROM usage_alerts u WHERE u.account_id = a.id
           AND u.period = miq_period()) AS alerts_this_period
  FROM accounts a WHERE a.deleted_at IS NULL;

CREATE VIEW admin_revenue_by_day AS
SELECT date_trunc('day', received_at) AS day, currency, count(*) AS topups,
       sum(amount_minor) AS amount_minor, sum(credits) AS credits
  FROM stripe_events WHERE outcome = 'topup' GROUP BY 1, 2;
