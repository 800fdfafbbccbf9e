-- /metrics totals (sql/020) without a row every job shares.
--
-- sql/020 kept one metric_totals row per metric and label set, so every job's
-- creation and end upserted the same two to four rows: concurrent job state
-- changes on several workers or nodes waited on those row locks until commit,
-- and each upsert was a SQL function call planned again on every call, its
-- wait bucket found with a subquery: 0.2 to 0.4 ms of CPU per job, up to a
-- fifth of a job's life in SQL (bench/reports.sh).
--
-- Each counter is now spread over slot rows: a transaction writes the slot of
-- its transaction id (modulo miq_metric_slots()), so two transactions share a
-- row only when their ids fall in the same slot, and a scrape sums the slots.
-- The jobs trigger writes its rows in one plpgsql statement (a cached plan),
-- fires on an update only when status or started_at changed, and finds the
-- wait's bucket with width_bucket. The exposed families and values are the
-- same: miq_metric_totals_read returns the sums in the same order.

-- How many rows each counter is spread over: written once, here.
CREATE FUNCTION miq_metric_slots() RETURNS smallint LANGUAGE sql IMMUTABLE AS $$ SELECT 16::smallint $$;

-- The calling transaction's slot: the same for all its writes, so a
-- transaction never waits on itself and locks at most one row per counter.
CREATE FUNCTION miq_metric_slot() RETURNS smallint LANGUAGE sql STABLE AS $$
    SELECT (txid_current() % miq_metric_slots())::smallint
$$;

ALTER TABLE metric_totals ADD COLUMN slot smallint NOT NULL DEFAULT 0
    CHECK (slot >= 0 AND slot < miq_metric_slots());
ALTER TABLE metric_totals DROP CONSTRAINT metric_totals_pkey,
    ADD PRIMARY KEY (metric, label1, label2, slot);

CREATE OR REPLACE FUNCTION miq_metric_add(p_metric text, p_label1 text, p_label2 text, p_by numeric)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metric_totals AS t (metric, label1, label2, slot, value)
    VALUES (p_metric, p_label1, p_label2, miq_metric_slot(), p_by)
    ON CONFLICT (metric, label1, label2, slot) DO UPDATE SET value = t.value + EXCLUDED.value;
END $$;

-- The smallest bound >= the wait ('+Inf' past the last): width_bucket counts
-- the bounds <= the wait, a binary search, no subquery.
CREATE OR REPLACE FUNCTION miq_queue_wait_bucket(p_wait double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    bounds double precision[] := miq_queue_wait_bounds();
    i integer := width_bucket(p_wait, bounds);
BEGIN
    IF i > 0 AND bounds[i] = p_wait THEN
        RETURN bounds[i]::text;
    END IF;
    RETURN coalesce(bounds[i + 1]::text, '+Inf');
END $$;

-- As sql/020's: a job counts once when created, once when it reaches an end
-- state, and its queue wait once, at its first start. Its rows (two to four,
-- distinct keys) go in one upsert.
CREATE OR REPLACE FUNCTION miq_metric_totals_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    finished boolean := NEW.status IN ('succeeded', 'failed', 'canceled')
                        AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('succeeded', 'failed', 'canceled'));
    started boolean := NEW.started_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.started_at IS NULL);
    wait double precision;
BEGIN
    IF started THEN
        wait := greatest(extract(epoch FROM NEW.started_at - NEW.created_at), 0);
    END IF;
    IF TG_OP = 'INSERT' OR finished OR started THEN
        INSERT INTO metric_totals AS t (metric, label1, label2, slot, value)
        SELECT r.metric, r.label1, r.label2, miq_metric_slot(), r.value
          FROM (VALUES ('jobs_created', NEW.endpoint, '', 1::numeric, TG_OP = 'INSERT'),
                       ('jobs_finished', NEW.endpoint, NEW.status, 1, finished),
                       ('job_queue_wait_seconds', miq_queue_wait_bucket(wait), '', 1, started),
                       ('job_queue_wait_seconds_sum', '', '', wait::numeric, started))
               AS r (metric, label1, label2, value, wanted)
         WHERE r.wanted
        ON CONFLICT (metric, label1, label2, slot) DO UPDATE SET value = t.value + EXCLUDED.value;
    END IF;
    RETURN NULL;
END $$;

-- An update that changes neither status nor started_at (a heartbeat, a
-- progress write naming status) no longer calls the function.
DROP TRIGGER jobs_metric_totals ON jobs;
CREATE TRIGGER jobs_metric_totals_insert AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_jobs();
CREATE TRIGGER jobs_metric_totals_update AFTER UPDATE OF status, started_at ON jobs
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.started_at IS DISTINCT FROM NEW.started_at)
    EXECUTE FUNCTION miq_metric_totals_jobs();

-- As sql/020's, over the slots' sums.
CREATE OR REPLACE FUNCTION miq_metric_totals_read()
RETURNS TABLE (metric text, label1 text, label2 text, value numeric)
LANGUAGE sql STABLE AS $$
    WITH t AS (SELECT m.metric, m.label1, m.label2, sum(m.value) AS value
                 FROM metric_totals m GROUP BY m.metric, m.label1, m.label2)
    SELECT r.metric, r.label1, r.label2, r.value FROM (
        SELECT t.metric, t.label1, t.label2, t.value, 0::double precision AS ord
          FROM t
         WHERE t.metric NOT IN ('job_queue_wait_seconds', 'job_queue_wait_seconds_sum')
        UNION ALL
        SELECT 'job_queue_wait_seconds', b.le, '',
               sum(coalesce(t.value, 0)) OVER (ORDER BY b.bound), b.bound
          FROM (SELECT x::text AS le, x AS bound FROM unnest(miq_queue_wait_bounds()) x
                UNION ALL SELECT '+Inf', 'Infinity'::double precision) b
          LEFT JOIN t ON t.metric = 'job_queue_wait_seconds' AND t.label1 = b.le
        UNION ALL
        SELECT 'job_queue_wait_seconds', '_sum', '',
               coalesce((SELECT t.value FROM t WHERE t.metric = 'job_queue_wait_seconds_sum'), 0),
               'Infinity'::double precision) r
     ORDER BY r.metric, r.ord, r.label1, r.label2
$$;
