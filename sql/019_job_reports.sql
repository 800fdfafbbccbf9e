-- The job reports at a million jobs (issue 16: every report < 200 ms over
-- 1 million jobs): a daily rollup of queue waits kept by triggers, with its
-- check view and rebuild function, the queue-age report reading it, an
-- index-only failed-jobs, and connector-usage summing per token first.
-- docs/reporting.md says how each job report is computed, with figures.

-- 1. Indexes ---------------------------------------------------------------
-- The reports that count or rank accounts (connector-usage, top-spenders,
-- top-failed) keep reading 016's jobs_created_at from the index alone: a
-- rollup per day and account would hold about one row per job (measured in
-- docs/reporting.md), so it would not read less.
-- Failed jobs by the time they failed, with what failed-jobs groups by.
CREATE INDEX jobs_failed_cover ON jobs (finished_at) INCLUDE (endpoint, error_code)
    WHERE status = 'failed';
DROP INDEX jobs_failed_at;

-- 2. Queue waits per day ---------------------------------------------------
-- How long each started job waited (started_at - created_at, seconds) never
-- changes once a worker first takes it (a retry keeps started_at), so a
-- day's waits are kept as a histogram: per UTC day of created_at and wait
-- bucket, the jobs, their total wait and the smallest and largest wait.
-- Buckets are 0.1 s wide below 100 s, then 1 % wide: the day's mean and
-- maximum are exact, the 95th percentile is exact when the waits at the
-- ranks it falls between are alone in their bucket (or equal), else within
-- a bucket's width (0.1 s; 1 % above 100 s).
CREATE FUNCTION miq_job_wait_bucket(p_wait_s numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN p_wait_s < 100 THEN floor(p_wait_s * 10)::integer
                ELSE 1000 + floor(ln(p_wait_s / 100) / ln(1.01))::integer END
$$;

CREATE TABLE job_wait_daily (
    day        date NOT NULL,            -- the job's created_at, UTC
    bucket     integer NOT NULL,         -- miq_job_wait_bucket(wait)
    jobs       bigint NOT NULL,
    wait_s_sum numeric NOT NULL,
    wait_s_min numeric NOT NULL,
    wait_s_max numeric NOT NULL,
    PRIMARY KEY (day, bucket)
);

-- Takes jobs out of one (day, bucket). When a removed wait was the bucket's
-- smallest or largest, the bound is read again from the jobs still there
-- (called after the jobs changed: AFTER triggers).
CREATE FUNCTION miq_job_wait_take(p_day date, p_bucket integer, p_jobs bigint, p_sum numeric,
                                  p_min numeric, p_max numeric)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    left_jobs bigint;
    bound_gone boolean;
BEGIN
    UPDATE job_wait_daily d SET jobs = d.jobs - p_jobs, wait_s_sum = d.wait_s_sum - p_sum
     WHERE d.day = p_day AND d.bucket = p_bucket
    RETURNING d.jobs, (p_min <= d.wait_s_min OR p_max >= d.wait_s_max) INTO left_jobs, bound_gone;
    IF left_jobs IS NULL THEN
        RETURN;        -- not in the rollup: admin_job_wait_daily_check shows it
    ELSIF left_jobs <= 0 THEN
        DELETE FROM job_wait_daily WHERE day = p_day AND bucket = p_bucket;
    ELSIF bound_gone THEN
        UPDATE job_wait_daily d SET wait_s_min = b.lo, wait_s_max = b.hi
          FROM (SELECT min(x.wait_s) AS lo, max(x.wait_s) AS hi
                  FROM jobs j, LATERAL (SELECT extract(epoch FROM j.started_at - j.created_at)
                                            AS wait_s) x
                 WHERE j.created_at >= p_day::timestamp AT TIME ZONE 'UTC'
                   AND j.created_at < (p_day + 1)::timestamp AT TIME ZONE 'UTC'
                   AND j.started_at IS NOT NULL
                   AND miq_job_wait_bucket(x.wait_s) = p_bucket) b
         WHERE d.day = p_day AND d.bucket = p_bucket;
    END IF;
END $$;

CREATE FUNCTION miq_job_wait_remove_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT w.day, miq_job_wait_bucket(w.wait_s) AS bucket, count(*) AS jobs,
                    sum(w.wait_s) AS total, min(w.wait_s) AS lo, max(w.wait_s) AS hi
               FROM (SELECT (o.created_at AT TIME ZONE 'UTC')::date AS day,
                            extract(epoch FROM o.started_at - o.created_at) AS wait_s
                       FROM old_rows o WHERE o.started_at IS NOT NULL) w
              GROUP BY 1, 2 ORDER BY 1, 2 LOOP
        PERFORM miq_job_wait_take(g.day, g.bucket, g.jobs, g.total, g.lo, g.hi);
    END LOOP;
    RETURN NULL;
END $$;

-- A job's wait comes when a worker first takes it (started_at set; or a
-- job inserted already started), and changes when someone edits created_at
-- or started_at by hand: the old wait goes, the new one comes, the lower
-- key first (no deadlock between two such).
CREATE FUNCTION miq_job_wait_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_day date;
    new_day date := (NEW.created_at AT TIME ZONE 'UTC')::date;
    old_wait numeric;
    new_wait numeric := extract(epoch FROM NEW.started_at - NEW.created_at);
    new_first boolean;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_day := (OLD.created_at AT TIME ZONE 'UTC')::date;
        old_wait := extract(epoch FROM OLD.started_at - OLD.created_at);
    END IF;
    new_first := new_wait IS NOT NULL AND (old_wait IS NULL OR (new_day, miq_job_wait_bucket(new_wait))
                                          < (old_day, miq_job_wait_bucket(old_wait)));
    IF old_wait IS NOT NULL AND NOT new_first THEN
        PERFORM miq_job_wait_take(old_day, miq_job_wait_bucket(old_wait), 1, old_wait, old_wait,
                                  old_wait);
    END IF;
    IF new_wait IS NOT NULL THEN
        INSERT INTO job_wait_daily AS d
        VALUES (new_day, miq_job_wait_bucket(new_wait), 1, new_wait, new_wait, new_wait)
        ON CONFLICT (day, bucket) DO UPDATE
           SET jobs = d.jobs + 1, wait_s_sum = d.wait_s_sum + EXCLUDED.wait_s_sum,
               wait_s_min = least(d.wait_s_min, EXCLUDED.wait_s_min),
               wait_s_max = greatest(d.wait_s_max, EXCLUDED.wait_s_max);
    END IF;
    IF old_wait IS NOT NULL AND new_first THEN
        PERFORM miq_job_wait_take(old_day, miq_job_wait_bucket(old_wait), 1, old_wait, old_wait,
                                  old_wait);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION miq_job_wait_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_wait_daily;
    RETURN NULL;
END $$;

-- Per row, and only when a wait comes or changes (the WHEN clauses cost
-- nothing when false): a new job has not started, and claims of retries,
-- heartbeats and settlements keep started_at, so of a job's life only its
-- first claim writes here, one upsert. Deletes per statement: one grouped
-- write for an account's deletion.
CREATE TRIGGER jobs_wait_daily_insert AFTER INSERT ON jobs FOR EACH ROW
    WHEN (NEW.started_at IS NOT NULL) EXECUTE FUNCTION miq_job_wait_update();
CREATE TRIGGER jobs_wait_daily_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_job_wait_remove_rows();
CREATE TRIGGER jobs_wait_daily_update AFTER UPDATE OF created_at, started_at ON jobs FOR EACH ROW
    WHEN (OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION miq_job_wait_update();
CREATE TRIGGER jobs_wait_daily_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION miq_job_wait_truncate();

-- The rollup from the jobs table, all of it (the backfill below; after a
-- restore, or when the check view is not empty). The table lock makes
-- concurrent claims wait, and each statement here then sees them committed.
CREATE FUNCTION miq_job_wait_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE job_wait_daily IN EXCLUSIVE MODE;
    DELETE FROM job_wait_daily;
    INSERT INTO job_wait_daily
    SELECT w.day, miq_job_wait_bucket(w.wait_s), count(*), sum(w.wait_s), min(w.wait_s),
           max(w.wait_s)
      FROM (SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day,
                   extract(epoch FROM j.started_at - j.created_at) AS wait_s
              FROM jobs j WHERE j.started_at IS NOT NULL) w
     GROUP BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
SELECT miq_job_wait_rebuild();

-- The rollup must equal the jobs table: every (day, bucket) that differs.
CREATE VIEW admin_job_wait_daily_check AS
WITH logged AS (
    SELECT w.day, miq_job_wait_bucket(w.wait_s) AS bucket, count(*) AS jobs,
           sum(w.wait_s) AS wait_s_sum, min(w.wait_s) AS wait_s_min, max(w.wait_s) AS wait_s_max
      FROM (SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day,
                   extract(epoch FROM j.started_at - j.created_at) AS wait_s
              FROM jobs j WHERE j.started_at IS NOT NULL) w
     GROUP BY 1, 2)
SELECT coalesce(l.day, r.day) AS day, coalesce(l.bucket, r.bucket) AS bucket,
       coalesce(l.jobs, 0) AS logged, coalesce(r.jobs, 0) AS rolled_up,
       l.wait_s_sum AS logged_sum, r.wait_s_sum AS rolled_up_sum,
       l.wait_s_min AS logged_min, r.wait_s_min AS rolled_up_min,
       l.wait_s_max AS logged_max, r.wait_s_max AS rolled_up_max
  FROM logged l FULL JOIN job_wait_daily r ON r.day = l.day AND r.bucket = l.bucket
 WHERE l.jobs IS DISTINCT FROM r.jobs OR l.wait_s_sum IS DISTINCT FROM r.wait_s_sum
    OR l.wait_s_min IS DISTINCT FROM r.wait_s_min OR l.wait_s_max IS DISTINCT FROM r.wait_s_max;

-- 3. The queue-age report on the rollup -----------------------------------
-- A period [since, until) is read as its whole UTC days [ceil(since),
-- floor(until)) from the rollup, and its ends [since, ceil(since)) and
-- [ceil(since) or floor(until), until) from the jobs themselves, so a period
-- keeps its exact bounds. (Plain expressions, so the planner sees the ends'
-- bounds and reads them through jobs_created_at.)
CREATE FUNCTION miq_utc_day_floor(p_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT date_trunc('day', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;
CREATE FUNCTION miq_utc_day_ceil(p_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT date_trunc('day', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
           + CASE WHEN (p_at AT TIME ZONE 'UTC')::time = '00:00' THEN interval '0' ELSE interval '1 day' END
$$;

-- Whole days from job_wait_daily (the 95th percentile, as percentile_cont,
-- between the waits at ranks floor and ceil of 0.95 (n - 1), each placed
-- in its bucket between the bucket's smallest and largest wait); the ends
-- of the period from the jobs, computed as 016 did.
CREATE OR REPLACE FUNCTION miq_report_queue_age(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (day text, jobs bigint, wait_avg_s numeric, wait_p95_s numeric, wait_max_s numeric)
LANGUAGE sql STABLE AS $$
    SELECT 'now', q.queued, NULL::numeric, NULL::numeric,
           round(extract(epoch FROM now() - q.oldest)::numeric, 1)
      FROM (SELECT count(*) AS queued, min(created_at) AS oldest FROM jobs WHERE status = 'queued') q
    UNION ALL
    SELECT * FROM (
        SELECT to_char(r.day, 'YYYY-MM-DD'), sum(r.jobs)::bigint,
               round(sum(r.wait_s_sum) / sum(r.jobs), 1),
               round(max(r.at_lo) + (max(r.pos) - floor(max(r.pos))) * (max(r.at_hi) - max(r.at_lo)), 1),
               round(max(r.wait_s_max), 1)
          FROM (SELECT b.*,
                       CASE WHEN floor(b.pos) >= b.below AND floor(b.pos) < b.below + b.jobs
                            THEN b.wait_s_min + (b.wait_s_max - b.wait_s_min)
                                 * (floor(b.pos) - b.below) / greatest(b.jobs - 1, 1) END AS at_lo,
                       CASE WHEN ceil(b.pos) >= b.below AND ceil(b.pos) < b.below + b.jobs
                            THEN b.wait_s_min + (b.wait_s_max - b.wait_s_min)
                                 * (ceil(b.pos) - b.below) / greatest(b.jobs - 1, 1) END AS at_hi
                  FROM (SELECT w.day, w.jobs, w.wait_s_sum, w.wait_s_min, w.wait_s_max,
                               sum(w.jobs) OVER (PARTITION BY w.day ORDER BY w.bucket) - w.jobs AS below,
                               0.95 * (sum(w.jobs) OVER (PARTITION BY w.day) - 1) AS pos
                          FROM job_wait_daily w
                         WHERE w.day >= (miq_utc_day_ceil(p_since) AT TIME ZONE 'UTC')::date
                           AND w.day < (miq_utc_day_floor(p_until) AT TIME ZONE 'UTC')::date) b) r
         GROUP BY r.day
        UNION ALL
        SELECT to_char((e.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD'), count(*),
               round(avg(extract(epoch FROM e.started_at - e.created_at))::numeric, 1),
               round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM e.started_at - e.created_at)))::numeric, 1),
               round(max(extract(epoch FROM e.started_at - e.created_at))::numeric, 1)
          FROM (SELECT j.created_at, j.started_at FROM jobs j
                 WHERE j.created_at >= p_since AND j.started_at IS NOT NULL
                   AND j.created_at < least(miq_utc_day_ceil(p_since), p_until)
                UNION ALL
                SELECT j.created_at, j.started_at FROM jobs j
                 WHERE j.created_at < p_until AND j.started_at IS NOT NULL
                   AND j.created_at >= greatest(miq_utc_day_ceil(p_since),
                                                miq_utc_day_floor(p_until))) e
         GROUP BY 1
        ORDER BY 1 DESC) d
$$;

-- 4. connector-usage: the period's jobs are summed per (token, account)
-- first, from jobs_created_at alone, so the join with the tokens and the
-- distinct-account count run over the tokens in use (a token belongs to one
-- account) instead of over every job. Same rows as 016's; 1.8 times less
-- CPU over a year of bench/reports.sh, the same over 30 days. (The same
-- change to top-spenders and top-failed cost more over 30 days: not made.)
CREATE OR REPLACE FUNCTION miq_report_connector_usage(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (connector text, jobs bigint, succeeded bigint, credits_charged numeric,
               accounts bigint)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.connector, CASE WHEN s.token_id IS NULL THEN 'dashboard' ELSE 'deleted token' END),
           sum(s.jobs)::bigint, sum(s.succeeded)::bigint, coalesce(sum(s.credits), 0),
           count(DISTINCT s.account_id)
      FROM (SELECT j.token_id, j.account_id, count(*) AS jobs,
                   count(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
                   sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded') AS credits
              FROM jobs j
             WHERE j.created_at >= p_since AND j.created_at < p_until
             GROUP BY 1, 2) s
      LEFT JOIN (SELECT t.id, coalesce(oc.connector, CASE WHEN t.family_id IS NOT NULL THEN 'oauth' END,
                                       t.kind) AS connector
                   FROM api_tokens t
                   LEFT JOIN oauth_families f ON f.id = t.family_id
                   LEFT JOIN oauth_clients oc ON oc.client_id = f.client_id) c ON c.id = s.token_id
     GROUP BY 1 ORDER BY 4 DESC, 1
$$;
