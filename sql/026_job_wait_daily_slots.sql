-- sql/019's queue-wait rollup without a row every quick claim of a day
-- shares (issue 16; the hot path).
--
-- job_wait_daily held one row per UTC day and wait bucket (0.1 s wide below
-- 100 s), so concurrent first claims of jobs created the same day with about
-- the same wait upserted the same row and waited on each other until commit
-- (bench/reports.sh: 32 of 32 concurrent job lives waited on a held row).
-- As sql/023 did for metric_totals, a (day, bucket) may now be spread over
-- slot rows (slot < miq_metric_slots()), which readers sum (jobs, wait sum)
-- and whose smallest and largest bounds they take. A claim adds its wait to
-- a row of its (day, bucket) that no other transaction holds (SKIP LOCKED),
-- else to the row of its transaction id's slot (miq_metric_slot(), as 023):
-- so a claim waits only when another open transaction holds that very slot,
-- and a (day, bucket) gets a second row only when claims overlap, where a
-- pure slot-by-transaction scheme would fill up to 16 rows for every busy
-- (day, bucket) and make queue-age read up to 16 times more rows. Removing
-- waits (deleted jobs, edits by hand; rare) locks every slot row of the
-- (day, bucket) and folds them into one row of the remover's slot, so a
-- bound read again from the jobs is the bucket's. queue-age gives the same
-- rows as before.

ALTER TABLE job_wait_daily ADD COLUMN slot smallint NOT NULL DEFAULT 0
    CHECK (slot >= 0 AND slot < miq_metric_slots());
ALTER TABLE job_wait_daily DROP CONSTRAINT job_wait_daily_pkey,
    ADD PRIMARY KEY (day, bucket, slot);

-- The rollup as readers see it: one row per (day, bucket), the slots summed.
CREATE VIEW job_wait_daily_sums AS
SELECT w.day, w.bucket, sum(w.jobs)::bigint AS jobs, sum(w.wait_s_sum) AS wait_s_sum,
       min(w.wait_s_min) AS wait_s_min, max(w.wait_s_max) AS wait_s_max
  FROM job_wait_daily w
 GROUP BY w.day, w.bucket;

-- Takes jobs out of one (day, bucket): its slot rows, locked in slot order,
-- become one row in this transaction's slot. When a removed wait was the
-- bucket's smallest or largest, the bound is read again from the jobs still
-- there (called after the jobs changed: AFTER triggers). A slot row another
-- transaction adds meanwhile is merged, not lost (ON CONFLICT).
CREATE OR REPLACE FUNCTION miq_job_wait_take(p_day date, p_bucket integer, p_jobs bigint, p_sum numeric,
                                             p_min numeric, p_max numeric)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    all_jobs bigint;
    all_sum numeric;
    lo numeric;
    hi numeric;
BEGIN
    SELECT sum(w.jobs), sum(w.wait_s_sum), min(w.wait_s_min), max(w.wait_s_max)
      INTO all_jobs, all_sum, lo, hi
      FROM (SELECT d.jobs, d.wait_s_sum, d.wait_s_min, d.wait_s_max FROM job_wait_daily d
             WHERE d.day = p_day AND d.bucket = p_bucket ORDER BY d.slot FOR UPDATE) w;
    IF all_jobs IS NULL THEN
        RETURN;        -- not in the rollup: admin_job_wait_daily_check shows it
    END IF;
    DELETE FROM job_wait_daily WHERE day = p_day AND bucket = p_bucket;
    IF all_jobs - p_jobs <= 0 THEN
        RETURN;
    END IF;
    IF p_min <= lo OR p_max >= hi THEN
        SELECT min(x.wait_s), max(x.wait_s) INTO lo, hi
          FROM jobs j, LATERAL (SELECT extract(epoch FROM j.started_at - j.created_at) AS wait_s) x
         WHERE j.created_at >= p_day::timestamp AT TIME ZONE 'UTC'
           AND j.created_at < (p_day + 1)::timestamp AT TIME ZONE 'UTC'
           AND j.started_at IS NOT NULL
           AND miq_job_wait_bucket(x.wait_s) = p_bucket;
    END IF;
    INSERT INTO job_wait_daily AS d (day, bucket, slot, jobs, wait_s_sum, wait_s_min, wait_s_max)
    VALUES (p_day, p_bucket, miq_metric_slot(), all_jobs - p_jobs, all_sum - p_sum, lo, hi)
    ON CONFLICT (day, bucket, slot) DO UPDATE
       SET jobs = d.jobs + EXCLUDED.jobs, wait_s_sum = d.wait_s_sum + EXCLUDED.wait_s_sum,
           wait_s_min = least(d.wait_s_min, EXCLUDED.wait_s_min),
           wait_s_max = greatest(d.wait_s_max, EXCLUDED.wait_s_max);
END $$;

-- Adds one wait to (day, bucket): to a row of it no other transaction holds,
-- else to this transaction's slot (created if need be).
CREATE FUNCTION miq_job_wait_add(p_day date, p_bucket integer, p_wait numeric)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE job_wait_daily d
       SET jobs = d.jobs + 1, wait_s_sum = d.wait_s_sum + p_wait,
           wait_s_min = least(d.wait_s_min, p_wait), wait_s_max = greatest(d.wait_s_max, p_wait)
     WHERE d.day = p_day AND d.bucket = p_bucket
       AND d.slot = (SELECT f.slot FROM job_wait_daily f WHERE f.day = p_day AND f.bucket = p_bucket
                      LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        INSERT INTO job_wait_daily AS d (day, bucket, slot, jobs, wait_s_sum, wait_s_min, wait_s_max)
        VALUES (p_day, p_bucket, miq_metric_slot(), 1, p_wait, p_wait, p_wait)
        ON CONFLICT (day, bucket, slot) DO UPDATE
           SET jobs = d.jobs + 1, wait_s_sum = d.wait_s_sum + EXCLUDED.wait_s_sum,
               wait_s_min = least(d.wait_s_min, EXCLUDED.wait_s_min),
               wait_s_max = greatest(d.wait_s_max, EXCLUDED.wait_s_max);
    END IF;
END $$;

-- As sql/019's, the new wait added by miq_job_wait_add.
CREATE OR REPLACE FUNCTION miq_job_wait_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
        PERFORM miq_job_wait_add(new_day, miq_job_wait_bucket(new_wait), new_wait);
    END IF;
    IF old_wait IS NOT NULL AND new_first THEN
        PERFORM miq_job_wait_take(old_day, miq_job_wait_bucket(old_wait), 1, old_wait, old_wait,
                                  old_wait);
    END IF;
    RETURN NULL;
END $$;

-- As sql/019's (one row per (day, bucket), in slot 0).
CREATE OR REPLACE FUNCTION miq_job_wait_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE job_wait_daily IN EXCLUSIVE MODE;
    DELETE FROM job_wait_daily;
    INSERT INTO job_wait_daily (day, bucket, slot, jobs, wait_s_sum, wait_s_min, wait_s_max)
    SELECT w.day, miq_job_wait_bucket(w.wait_s), 0, count(*), sum(w.wait_s), min(w.wait_s),
           max(w.wait_s)
      FROM (SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day,
                   extract(epoch FROM j.started_at - j.created_at) AS wait_s
              FROM jobs j WHERE j.started_at IS NOT NULL) w
     GROUP BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- As sql/019's, over the slots' sums.
CREATE OR REPLACE VIEW admin_job_wait_daily_check AS
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
  FROM logged l FULL JOIN job_wait_daily_sums r ON r.day = l.day AND r.bucket = l.bucket
 WHERE l.jobs IS DISTINCT FROM r.jobs OR l.wait_s_sum IS DISTINCT FROM r.wait_s_sum
    OR l.wait_s_min IS DISTINCT FROM r.wait_s_min OR l.wait_s_max IS DISTINCT FROM r.wait_s_max;

-- As sql/019's, reading the slots' sums for the whole days.
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
                          FROM job_wait_daily_sums w
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
