-- Uploads, jobs (the queue), the credit ledger, and the functions that keep
-- jobs and credits consistent: each state change and its ledger entries in
-- one transaction (SPEC §6, §7; issue #5).

CREATE TABLE uploads (
    id           text PRIMARY KEY,                 -- upl_<16 hex>
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    filename     text NOT NULL,
    path         text NOT NULL,                    -- relative to MomentIQStorageDir
    status       text NOT NULL DEFAULT 'ready' CHECK (status IN ('awaiting_bytes', 'ready', 'deleted')),
    size_bytes   bigint NOT NULL DEFAULT 0,
    duration_s   double precision,
    probe        jsonb,
    source_url   text,                             -- imports only; never holds credentials
    put_token_hash text,                           -- signed upload URL (awaiting_bytes)
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    deleted_at   timestamptz
);
CREATE INDEX uploads_account ON uploads (account_id, created_at DESC);
CREATE INDEX uploads_expiry ON uploads (expires_at) WHERE deleted_at IS NULL;

CREATE TABLE jobs (
    id              text PRIMARY KEY,              -- job_<16 hex>
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_id        text,
    endpoint        text NOT NULL,
    upload_id       text REFERENCES uploads (id) ON DELETE SET NULL,
    params          jsonb NOT NULL,
    request_hash    text NOT NULL,                 -- SHA-256 of endpoint + upload + params, for idempotency
    idempotency_key text,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    progress        smallint NOT NULL DEFAULT 0,
    estimated_credits bigint NOT NULL,
    charged_credits bigint,
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 3,
    worker_id       text,
    lease_until     timestamptz,
    error_code      text,
    error_message   text,
    result          jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX jobs_queue ON jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_account ON jobs (account_id, created_at DESC, id);

-- One ledger: balances and usage are sums over it.
CREATE TABLE credit_ledger (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    job_id      text REFERENCES jobs (id) ON DELETE SET NULL,
    kind        text NOT NULL CHECK (kind IN ('grant', 'topup', 'reservation', 'release', 'settlement')),
    credits     bigint NOT NULL,                   -- signed: grants +, reservations -, releases +, settlements -
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_account ON credit_ledger (account_id, created_at);

CREATE FUNCTION miq_balance(acct bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(credits), 0)::bigint FROM credit_ledger WHERE account_id = acct
$$;

-- Creates a job and reserves its estimate, or says why not. The account row
-- is locked so concurrent creations see each other's reservations: a balance
-- never goes negative. Idempotent by (account, key): the same request returns
-- the same job; the same key with another request is a conflict.
-- Returns (outcome, job_id): outcome created | existing | conflict |
-- insufficient_credits | not_found (upload).
CREATE FUNCTION miq_job_create(p_id text, p_account bigint, p_token text, p_endpoint text,
                               p_upload text, p_params jsonb, p_hash text, p_key text,
                               p_estimate bigint)
RETURNS TABLE (outcome text, job_id text) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    existing record;
    bal bigint;
BEGIN
    PERFORM 1 FROM accounts WHERE id = p_account FOR UPDATE;
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
        RETURN QUERY SELECT 'insufficient_credits'::text, bal::text; RETURN;
    END IF;
    INSERT INTO jobs (id, account_id, token_id, endpoint, upload_id, params, request_hash,
                      idempotency_key, estimated_credits)
    VALUES (p_id, p_account, p_token, p_endpoint, p_upload, p_params, p_hash, p_key, p_estimate);
    IF p_estimate > 0 THEN
        INSERT INTO credit_ledger (account_id, job_id, kind, credits, note)
        VALUES (p_account, p_id, 'reservation', -p_estimate, p_endpoint);
    END IF;
    PERFORM pg_notify('miq_jobs', p_id);
    RETURN QUERY SELECT 'created'::text, p_id;
END $$;

-- Gives back what a job reserved (failure, cancel), once.
CREATE FUNCTION miq_job_release(p_job text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    SELECT account_id, estimated_credits INTO j FROM jobs WHERE id = p_job;
    IF j.estimated_credits > 0 AND NOT EXISTS (SELECT 1 FROM credit_ledger
            WHERE job_id = p_job AND kind = 'release') THEN
        INSERT INTO credit_ledger (account_id, job_id, kind, credits, note)
        VALUES (j.account_id, p_job, 'release', j.estimated_credits, 'reservation returned');
    END IF;
END $$;

-- Claims the oldest runnable job for a worker: queued, or running with an
-- expired lease (its worker died). Jobs out of attempts fail (and are not
-- billed) instead. Returns the claimed job, or nothing.
CREATE FUNCTION miq_job_claim(p_worker text, p_lease_s integer)
RETURNS TABLE (id text, account_id bigint, endpoint text, upload_path text, params jsonb,
               estimated_credits bigint, attempts integer, duration_s double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    dead record;
BEGIN
    FOR dead IN SELECT j.id FROM jobs j WHERE j.status = 'running' AND j.lease_until < now()
                  AND j.attempts >= j.max_attempts FOR UPDATE SKIP LOCKED LOOP
        UPDATE jobs SET status = 'failed', error_code = 'server_error',
               error_message = 'the job stopped its worker ' || attempts || ' times',
               finished_at = now(), updated_at = now(), lease_until = NULL
         WHERE jobs.id = dead.id;
        PERFORM miq_job_release(dead.id);
    END LOOP;
    RETURN QUERY
    UPDATE jobs j SET status = 'running', worker_id = p_worker, attempts = j.attempts + 1,
           lease_until = now() + make_interval(secs => p_lease_s),
           started_at = coalesce(j.started_at, now()), updated_at = now(), progress = 0
      FROM (SELECT c.id FROM jobs c
             WHERE c.status = 'queued' OR (c.status = 'running' AND c.lease_until < now()
                                           AND c.attempts < c.max_attempts)
             ORDER BY c.created_at FOR UPDATE SKIP LOCKED LIMIT 1) pick
     WHERE j.id = pick.id
    RETURNING j.id, j.account_id, j.endpoint,
              (SELECT u.path FROM uploads u WHERE u.id = j.upload_id AND u.deleted_at IS NULL),
              j.params, j.estimated_credits, j.attempts,
              (SELECT u.duration_s FROM uploads u WHERE u.id = j.upload_id);
END $$;

-- Progress and lease renewal; tells the worker whether the job is still its own
-- and still wanted ('running'), or was canceled.
CREATE FUNCTION miq_job_heartbeat(p_job text, p_worker text, p_progress integer, p_lease_s integer)
RETURNS text LANGUAGE sql AS $$
    UPDATE jobs SET progress = greatest(progress, least(p_progress, 99)),
           lease_until = now() + make_interval(secs => p_lease_s), updated_at = now()
     WHERE id = p_job AND worker_id = p_worker AND status = 'running'
    RETURNING 'running'
$$;

-- Success: result stored, reservation returned and the actual cost charged,
-- all at once. Only the worker holding the job may finish it.
CREATE FUNCTION miq_job_succeed(p_job text, p_worker text, p_result jsonb, p_cost bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND OR j.status <> 'running' OR j.worker_id <> p_worker THEN
        RETURN false;
    END IF;
    UPDATE jobs SET status = 'succeeded', progress = 100, result = p_result,
           charged_credits = p_cost, finished_at = now(), updated_at = now(), lease_until = NULL
     WHERE id = p_job;
    PERFORM miq_job_release(p_job);
    IF p_cost > 0 THEN
        INSERT INTO credit_ledger (account_id, job_id, kind, credits, note)
        VALUES (j.account_id, p_job, 'settlement', -p_cost, j.endpoint);
    END IF;
    RETURN true;
END $$;

-- Failure: retried while attempts remain and the error is transient,
-- otherwise failed and not billed.
CREATE FUNCTION miq_job_fail(p_job text, p_worker text, p_code text, p_message text,
                             p_retry boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND OR j.status <> 'running' OR j.worker_id <> p_worker THEN
        RETURN 'lost';
    END IF;
    IF p_retry AND j.attempts < j.max_attempts THEN
        UPDATE jobs SET status = 'queued', worker_id = NULL, lease_until = NULL,
               updated_at = now() WHERE id = p_job;
        PERFORM pg_notify('miq_jobs', p_job);
        RETURN 'queued';
    END IF;
    UPDATE jobs SET status = 'failed', error_code = p_code, error_message = p_message,
           finished_at = now(), updated_at = now(), lease_until = NULL WHERE id = p_job;
    PERFORM miq_job_release(p_job);
    RETURN 'failed';
END $$;

-- Cancel by its owner: queued or running jobs stop and are not billed.
CREATE FUNCTION miq_job_cancel(p_job text, p_account bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job AND account_id = p_account FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    IF j.status NOT IN ('queued', 'running') THEN
        RETURN j.status;
    END IF;
    UPDATE jobs SET status = 'canceled', finished_at = now(), updated_at = now(),
           lease_until = NULL WHERE id = p_job;
    PERFORM miq_job_release(p_job);
    RETURN 'canceled';
END $$;

CREATE VIEW admin_worker_queue AS
SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
       count(*) FILTER (WHERE status = 'running') AS running,
       extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued'))::bigint
           AS oldest_queued_age_s
  FROM jobs WHERE status IN ('queued', 'running');

CREATE VIEW admin_failed_jobs_by_endpoint AS
SELECT endpoint, error_code, count(*) AS failed, max(finished_at) AS last_failed_at
  FROM jobs WHERE status = 'failed' GROUP BY endpoint, error_code ORDER BY failed DESC;

CREATE VIEW admin_usage_by_connector AS
SELECT j.account_id, coalesce(j.token_id, '-') AS token_id, t.kind AS token_kind,
       count(*) AS jobs, coalesce(sum(j.charged_credits), 0) AS credits_charged
  FROM jobs j LEFT JOIN api_tokens t ON t.id = j.token_id
 GROUP BY 1, 2, 3;

-- The ledger must always sum to what the jobs say (checked by the tests).
CREATE VIEW admin_ledger_check AS
SELECT a.id AS account_id, miq_balance(a.id) AS balance,
       (SELECT coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
           AND l.kind IN ('grant', 'topup')) AS granted,
       (SELECT coalesce(sum(charged_credits), 0) FROM jobs j WHERE j.account_id = a.id
           AND j.status = 'succeeded') AS charged,
       (SELECT coalesce(sum(estimated_credits), 0) FROM jobs j WHERE j.account_id = a.id
           AND j.status IN ('queued', 'running')) AS reserved
  FROM accounts a;
