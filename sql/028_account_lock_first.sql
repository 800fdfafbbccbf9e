-- The account row is locked before a job or ledger row of it, and in the
-- mode its balance update needs, so no transaction upgrades its lock on
-- an account while others queue for it.
--
-- A ledger insert checks its foreign key (FOR KEY SHARE on the account),
-- then sql/007's credit_ledger_totals updates the account's balance (FOR
-- NO KEY UPDATE): an upgrade. A settlement that held the key-share lock
-- and waited for the upgrade behind job creations queued for the account
-- (FOR UPDATE) deadlocked with them: 13 of 2 257 transactions with 32
-- clients creating and settling jobs on one account (bench/job_locks.sh,
-- after sql/027). And a settlement or a cancel locked the job before the
-- account, where the account's deletion locks the account and then its
-- jobs.
--
-- Now every ledger insert takes the account FOR NO KEY UPDATE in a BEFORE
-- trigger, ahead of the foreign key check (a creation already holds it FOR
-- UPDATE; topping up, granting and settling take it once), and a job's
-- settlement, failure and cancel lock its account before the job.

CREATE FUNCTION miq_ledger_account_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM accounts WHERE id = NEW.account_id FOR NO KEY UPDATE;
    RETURN NEW;
END $$;

CREATE TRIGGER credit_ledger_account_lock BEFORE INSERT ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION miq_ledger_account_lock();

-- The account of a job, locked as its ledger rows will need it (a job's
-- account does not change; a missing job locks nothing).
CREATE FUNCTION miq_job_account_lock(p_job text) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM accounts WHERE id = (SELECT account_id FROM jobs WHERE id = p_job) FOR NO KEY UPDATE
$$;

-- As sql/003's (and 005's), the account locked first.
CREATE OR REPLACE FUNCTION miq_job_succeed(p_job text, p_worker text, p_result jsonb, p_cost bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    PERFORM miq_job_account_lock(p_job);
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

CREATE OR REPLACE FUNCTION miq_job_fail(p_job text, p_worker text, p_code text, p_message text,
                                        p_retry boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    PERFORM miq_job_account_lock(p_job);
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

CREATE OR REPLACE FUNCTION miq_job_cancel(p_job text, p_account bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j record;
BEGIN
    PERFORM 1 FROM accounts WHERE id = p_account FOR NO KEY UPDATE;
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
