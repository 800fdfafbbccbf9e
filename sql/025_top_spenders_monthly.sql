-- top-spenders over a long period without summing every job of it (issue 16:
-- every report < 200 ms over 1 million jobs; over a year it summed the
-- year's jobs, 0.5 s of CPU in bench/reports.sh).
--
-- The report ranks accounts by the credits of their jobs made with
-- 'connector' tokens in [since, until) (succeeded jobs' charged_credits),
-- with their count of such jobs. Those jobs and credits are now kept per account and
-- UTC month of created_at (connector_spend_monthly), by triggers on jobs and
-- on api_tokens (the report joins the jobs with the tokens at report time,
-- so a deleted token's jobs leave it: they leave the rollup too). A period is
-- then its whole months from the rollup plus its two partial ends from the
-- jobs; an end longer than half its month is read as the month's rollup row
-- minus the rest of the month, so at most half a month of jobs is read at
-- each end. Same rows as sql/016's function for every period.

-- 1. The rollup -------------------------------------------------------------
CREATE TABLE connector_spend_monthly (
    month      date NOT NULL,           -- first day of the jobs' UTC month of created_at
    account_id bigint NOT NULL,         -- jobs.account_id
    jobs       bigint NOT NULL,         -- its jobs made with a connector token that exists
    credits    bigint NOT NULL,         -- their charged_credits where status = 'succeeded'
    PRIMARY KEY (month, account_id)
);

CREATE FUNCTION miq_utc_month(p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT date_trunc('month', p_at AT TIME ZONE 'UTC')::date
$$;

-- Adds a delta to one (month, account); a row whose jobs reach 0 goes (its
-- credits are then 0 too: only counted jobs bring credits).
CREATE FUNCTION miq_connector_spend_add(p_month date, p_account bigint, p_jobs bigint,
                                        p_credits bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_jobs = 0 AND p_credits = 0 THEN
        RETURN;
    END IF;
    INSERT INTO connector_spend_monthly AS s VALUES (p_month, p_account, p_jobs, p_credits)
    ON CONFLICT (month, account_id) DO UPDATE
       SET jobs = s.jobs + EXCLUDED.jobs, credits = s.credits + EXCLUDED.credits;
    IF p_jobs < 0 THEN
        DELETE FROM connector_spend_monthly
         WHERE month = p_month AND account_id = p_account AND jobs = 0;
    END IF;
END $$;

-- Whether a job made with this token counts: the token exists and is a
-- connector token. Its row is locked FOR KEY SHARE (as a foreign key check
-- would) so that a concurrent deletion of the token waits for this
-- transaction and then sees its job: the token's delete trigger takes away
-- exactly what this one added. Revocation and last_used_at updates do not
-- conflict with that lock; API keys are not locked (their jobs never count).
CREATE FUNCTION miq_connector_token(p_token text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF p_token IS NULL THEN
        RETURN false;
    END IF;
    PERFORM 1 FROM api_tokens WHERE id = p_token AND kind = 'connector' FOR KEY SHARE;
    RETURN FOUND;
END $$;

-- A job's share: 1 job and its credits in (month, account) when its token
-- is a connector token. An update moves it when any of that changes; the
-- lower key is written first (two such updates do not deadlock).
CREATE FUNCTION miq_connector_spend_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_in boolean := false;
    new_in boolean;
    old_month date;
    new_month date := miq_utc_month(NEW.created_at);
    old_credits bigint := 0;
    new_credits bigint := CASE WHEN NEW.status = 'succeeded' THEN coalesce(NEW.charged_credits, 0) ELSE 0 END;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_month := miq_utc_month(OLD.created_at);
        old_credits := CASE WHEN OLD.status = 'succeeded' THEN coalesce(OLD.charged_credits, 0) ELSE 0 END;
        IF OLD.token_id IS NOT DISTINCT FROM NEW.token_id AND OLD.account_id = NEW.account_id
           AND old_month = new_month AND old_credits = new_credits THEN
            RETURN NULL;        -- e.g. created_at edited within its month
        END IF;
        -- the token ids in order, each locked once
        IF OLD.token_id IS NOT DISTINCT FROM NEW.token_id THEN
            new_in := miq_connector_token(NEW.token_id);
            old_in := new_in;
        ELSIF OLD.token_id < NEW.token_id OR NEW.token_id IS NULL THEN
            old_in := miq_connector_token(OLD.token_id);
            new_in := miq_connector_token(NEW.token_id);
        ELSE
            new_in := miq_connector_token(NEW.token_id);
            old_in := miq_connector_token(OLD.token_id);
        END IF;
    ELSE
        new_in := miq_connector_token(NEW.token_id);
    END IF;

    IF old_in AND new_in AND old_month = new_month AND OLD.account_id = NEW.account_id THEN
        PERFORM miq_connector_spend_add(new_month, NEW.account_id, 0, new_credits - old_credits);
    ELSIF old_in AND new_in AND (old_month, OLD.account_id) < (new_month, NEW.account_id) THEN
        PERFORM miq_connector_spend_add(old_month, OLD.account_id, -1, -old_credits);
        PERFORM miq_connector_spend_add(new_month, NEW.account_id, 1, new_credits);
    ELSE
        IF new_in THEN
            PERFORM miq_connector_spend_add(new_month, NEW.account_id, 1, new_credits);
        END IF;
        IF old_in THEN
            PERFORM miq_connector_spend_add(old_month, OLD.account_id, -1, -old_credits);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Deleted jobs (miq_account_delete, a cascade from accounts, by hand): one
-- grouped subtraction per (month, account), in key order.
CREATE FUNCTION miq_connector_spend_jobs_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    PERFORM 1 FROM api_tokens
     WHERE id IN (SELECT o.token_id FROM old_rows o WHERE o.token_id IS NOT NULL) AND kind = 'connector'
     ORDER BY id FOR KEY SHARE;
    FOR g IN SELECT miq_utc_month(o.created_at) AS month, o.account_id, count(*) AS jobs,
                    coalesce(sum(o.charged_credits) FILTER (WHERE o.status = 'succeeded'), 0)::bigint AS credits
               FROM old_rows o JOIN api_tokens t ON t.id = o.token_id AND t.kind = 'connector'
              GROUP BY 1, 2 ORDER BY 1, 2 LOOP
        PERFORM miq_connector_spend_add(g.month, g.account_id, -g.jobs, -g.credits);
    END LOOP;
    RETURN NULL;
END $$;

-- A connector token that comes or goes brings or takes its jobs (normally
-- none come: a token is made before its jobs; a restore may differ). A
-- token's kind or id is never changed by MomentIQ; by hand it counts as the
-- old token going and the new one coming.
CREATE FUNCTION miq_connector_spend_tokens(p_sign integer, p_tokens text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT miq_utc_month(j.created_at) AS month, j.account_id, count(*) AS jobs,
                    coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0)::bigint AS credits
               FROM jobs j WHERE j.token_id = ANY (p_tokens)
              GROUP BY 1, 2 ORDER BY 1, 2 LOOP
        PERFORM miq_connector_spend_add(g.month, g.account_id, p_sign * g.jobs, p_sign * g.credits);
    END LOOP;
END $$;

CREATE FUNCTION miq_connector_spend_tokens_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM miq_connector_spend_tokens(-1, ARRAY(SELECT o.id FROM old_rows o WHERE o.kind = 'connector'));
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_spend_token_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind = 'connector' THEN
        PERFORM miq_connector_spend_tokens(-1, ARRAY[OLD.id]);
    END IF;
    IF NEW.kind = 'connector' THEN
        PERFORM miq_connector_spend_tokens(1, ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_spend_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM connector_spend_monthly;
    RETURN NULL;
END $$;

-- Of a job's life only its creation with a token and its success write here
-- (claims, heartbeats, retries, failures and cancels leave status outside
-- 'succeeded' and the rest unchanged: the WHEN clause skips them at no cost).
-- Creations of one account are already serial (miq_job_create locks the
-- account), so the (month, account) row adds no wait between accounts.
CREATE TRIGGER jobs_connector_spend_insert AFTER INSERT ON jobs FOR EACH ROW
    WHEN (NEW.token_id IS NOT NULL) EXECUTE FUNCTION miq_connector_spend_row();
CREATE TRIGGER jobs_connector_spend_update
    AFTER UPDATE OF status, charged_credits, created_at, token_id, account_id ON jobs FOR EACH ROW
    WHEN ((OLD.token_id IS NOT NULL OR NEW.token_id IS NOT NULL)
          AND (OLD.token_id IS DISTINCT FROM NEW.token_id OR OLD.account_id <> NEW.account_id
               OR OLD.created_at <> NEW.created_at
               OR (OLD.status = 'succeeded') <> (NEW.status = 'succeeded')
               OR (NEW.status = 'succeeded' AND OLD.charged_credits IS DISTINCT FROM NEW.charged_credits)))
    EXECUTE FUNCTION miq_connector_spend_row();
CREATE TRIGGER jobs_connector_spend_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_spend_jobs_deleted();
CREATE TRIGGER jobs_connector_spend_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_spend_truncate();
CREATE TRIGGER api_tokens_connector_spend_insert AFTER INSERT ON api_tokens FOR EACH ROW
    WHEN (NEW.kind = 'connector') EXECUTE FUNCTION miq_connector_spend_token_row();
CREATE TRIGGER api_tokens_connector_spend_update AFTER UPDATE OF id, kind ON api_tokens FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.kind <> NEW.kind) EXECUTE FUNCTION miq_connector_spend_token_row();
CREATE TRIGGER api_tokens_connector_spend_delete AFTER DELETE ON api_tokens
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_spend_tokens_deleted();
CREATE TRIGGER api_tokens_connector_spend_truncate AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_spend_truncate();

-- The rollup from the jobs and tokens, all of it (the backfill below; after
-- a restore, or when the check view is not empty). The table lock makes
-- concurrent writers wait, and the statements here then see them committed.
CREATE FUNCTION miq_connector_spend_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE connector_spend_monthly IN EXCLUSIVE MODE;
    DELETE FROM connector_spend_monthly;
    INSERT INTO connector_spend_monthly
    SELECT miq_utc_month(j.created_at), j.account_id, count(*),
           coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0)
      FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
     GROUP BY 1, 2
     ORDER BY 1, 2;      -- a month's rows together: the report reads months
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
SELECT miq_connector_spend_rebuild();

-- The rollup must equal the jobs: every (month, account) that differs (it
-- should be empty).
CREATE VIEW admin_connector_spend_check AS
WITH logged AS (
    SELECT miq_utc_month(j.created_at) AS month, j.account_id, count(*) AS jobs,
           coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0) AS credits
      FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
     GROUP BY 1, 2)
SELECT coalesce(l.month, r.month) AS month, coalesce(l.account_id, r.account_id) AS account_id,
       coalesce(l.jobs, 0) AS logged_jobs, coalesce(r.jobs, 0) AS rolled_up_jobs,
       coalesce(l.credits, 0) AS logged_credits, coalesce(r.credits, 0) AS rolled_up_credits
  FROM logged l FULL JOIN connector_spend_monthly r ON r.month = l.month AND r.account_id = l.account_id
 WHERE l.jobs IS DISTINCT FROM r.jobs OR l.credits IS DISTINCT FROM r.credits;

-- 2. The report -------------------------------------------------------------
-- The connector-token jobs created in [p_lo, p_hi), one row each: account,
-- p_sign, p_sign times its credits (0 unless succeeded). Inlined into the
-- report's statement; read through jobs_created_at alone.
CREATE FUNCTION miq_connector_spend_jobs(p_lo timestamptz, p_hi timestamptz, p_sign integer)
RETURNS TABLE (account_id bigint, jobs bigint, credits bigint)
LANGUAGE sql STABLE AS $$
    SELECT j.account_id, p_sign::bigint,
           CASE WHEN j.status = 'succeeded' THEN p_sign * coalesce(j.charged_credits, 0) ELSE 0 END
      FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
     WHERE j.created_at >= p_lo AND j.created_at < p_hi
$$;

-- The 50 accounts with most credits charged for connector-token jobs in
-- [since, until), ties by account id (an account with such jobs but no
-- credits can be among them): as sql/016's. Each account's figures are
-- exact: its whole months from the rollup, each partial end from the jobs
-- (the end itself, or, when the rest of its month is shorter, the month's
-- rollup row minus that rest). A period inside one month shorter than half
-- of it reads only the jobs, as before.
CREATE OR REPLACE FUNCTION miq_report_top_spenders(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (account_id bigint, email text, jobs bigint, credits_charged numeric)
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    -- UTC months, computed on timestamp (a month added to a timestamptz
    -- would follow the session's time zone across a DST change)
    first_month timestamptz := date_trunc('month', p_since AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    first_month_end timestamptz := (date_trunc('month', p_since AT TIME ZONE 'UTC') + interval '1 month')
                                   AT TIME ZONE 'UTC';
    last_month timestamptz := date_trunc('month', p_until AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    last_month_end timestamptz := (date_trunc('month', p_until AT TIME ZONE 'UTC') + interval '1 month')
                                  AT TIME ZONE 'UTC';
    -- whole months [full_lo, full_hi) of the period
    full_lo timestamptz := CASE WHEN first_month = p_since THEN p_since ELSE first_month_end END;
    full_hi timestamptz := last_month;
    rolled_lo timestamptz;      -- months read from the rollup: [rolled_lo, rolled_hi)
    rolled_hi timestamptz;
    add1_lo timestamptz;        -- ranges of jobs added to ...
    add1_hi timestamptz;
    add2_lo timestamptz;
    add2_hi timestamptz;
    sub1_lo timestamptz;        -- ... and taken from the rollup's months
    sub1_hi timestamptz;
    sub2_lo timestamptz;
    sub2_hi timestamptz;
BEGIN
    IF p_since >= p_until THEN
        RETURN;
    END IF;
    IF NOT isfinite(p_since) OR NOT isfinite(p_until) THEN
        -- no month arithmetic on infinity: whole months reach the open end
        full_lo := CASE WHEN isfinite(p_since) THEN full_lo ELSE '-infinity' END;
        full_hi := CASE WHEN isfinite(p_until) THEN full_hi ELSE 'infinity' END;
        first_month := full_lo;
        last_month := full_hi;
    END IF;
    IF full_lo > full_hi THEN
        -- inside one month: the period, or the month minus the rest of it
        IF (p_until - p_since) * 2 <= first_month_end - first_month THEN
            add1_lo := p_since;
            add1_hi := p_until;
        ELSE
            rolled_lo := first_month;
            rolled_hi := first_month_end;
            sub1_lo := first_month;
            sub1_hi := p_since;
            sub2_lo := p_until;
            sub2_hi := rolled_hi;
        END IF;
    ELSE
        rolled_lo := full_lo;
        rolled_hi := full_hi;
        IF p_since < full_lo THEN           -- the first month's end of the period
            IF (full_lo - p_since) <= (p_since - first_month) THEN
                add1_lo := p_since;
                add1_hi := full_lo;
            ELSE
                rolled_lo := first_month;
                sub1_lo := first_month;
                sub1_hi := p_since;
            END IF;
        END IF;
        IF p_until > full_hi THEN           -- the last month's start of the period
            IF (p_until - last_month) <= last_month_end - p_until THEN
                add2_lo := last_month;
                add2_hi := p_until;
            ELSE
                rolled_hi := last_month_end;
                sub2_lo := p_until;
                sub2_hi := rolled_hi;
            END IF;
        END IF;
    END IF;

    -- one aggregation over the rollup's rows and the ends' jobs (each job
    -- +1 or -1 with its credits, bigint sums: no numeric arithmetic per
    -- row), each range read through jobs_created_at; a range given as NULL
    -- is pruned when the statement is planned with the values
    RETURN QUERY EXECUTE $q$
        SELECT s.account_id, coalesce(a.email, ''), s.jobs, s.credits
          FROM (SELECT c.account_id, sum(c.jobs)::bigint AS jobs, sum(c.credits) AS credits
                  FROM (SELECT r.account_id, r.jobs, r.credits FROM connector_spend_monthly r
                         WHERE r.month >= ($1 AT TIME ZONE 'UTC')::date
                           AND r.month < ($2 AT TIME ZONE 'UTC')::date
                        UNION ALL SELECT * FROM miq_connector_spend_jobs($3, $4, 1)
                        UNION ALL SELECT * FROM miq_connector_spend_jobs($5, $6, 1)
                        UNION ALL SELECT * FROM miq_connector_spend_jobs($7, $8, -1)
                        UNION ALL SELECT * FROM miq_connector_spend_jobs($9, $10, -1)) c
                 GROUP BY 1 HAVING sum(c.jobs) > 0
                 ORDER BY 3 DESC, 1 LIMIT 50) s
          JOIN accounts a ON a.id = s.account_id
         ORDER BY 4 DESC, 1
    $q$ USING rolled_lo, rolled_hi, add1_lo, add1_hi, add2_lo, add2_hi, sub1_lo, sub1_hi, sub2_lo,
              sub2_hi;
END $$;
