-- Counters for /metrics: jobs created and finished, the queue wait, credits
-- charged and added, webhook deliveries.
--
-- An OpenMetrics counter must only go up, survive restarts and read the same
-- from every httpd node. Jobs are run and billed by the worker, not by httpd,
-- so httpd's shared memory cannot count them: triggers count them here, one
-- row per metric and label set, and a scrape reads a few dozen rows. Rows are
-- never decreased: deleting an account or a job leaves the totals as they
-- were, as a counter should.

CREATE TABLE metric_totals (
    metric text NOT NULL,
    label1 text NOT NULL DEFAULT '',
    label2 text NOT NULL DEFAULT '',
    value  numeric NOT NULL DEFAULT 0 CHECK (value >= 0),
    PRIMARY KEY (metric, label1, label2)
);

CREATE FUNCTION miq_metric_add(p_metric text, p_label1 text, p_label2 text, p_by numeric)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO metric_totals AS t (metric, label1, label2, value)
    VALUES (p_metric, p_label1, p_label2, p_by)
    ON CONFLICT (metric, label1, label2) DO UPDATE SET value = t.value + EXCLUDED.value
$$;

-- The queue-wait histogram's upper bounds in seconds (the +Inf bucket is
-- implied): written once, here; /metrics prints what miq_metric_totals_read
-- returns.
CREATE FUNCTION miq_queue_wait_bounds() RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]::double precision[]
$$;

CREATE FUNCTION miq_queue_wait_bucket(p_wait double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce((SELECT min(b) FROM unnest(miq_queue_wait_bounds()) b WHERE p_wait <= b)::text,
                    '+Inf')
$$;

-- A job counts once when created, once when it reaches an end state, and its
-- queue wait once, at its first start (a retried job keeps its started_at).
CREATE FUNCTION miq_metric_totals_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wait double precision;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM miq_metric_add('jobs_created', NEW.endpoint, '', 1);
    END IF;
    IF NEW.status IN ('succeeded', 'failed', 'canceled')
       AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('succeeded', 'failed', 'canceled')) THEN
        PERFORM miq_metric_add('jobs_finished', NEW.endpoint, NEW.status, 1);
    END IF;
    IF NEW.started_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.started_at IS NULL) THEN
        wait := greatest(extract(epoch FROM NEW.started_at - NEW.created_at), 0);
        PERFORM miq_metric_add('job_queue_wait_seconds', miq_queue_wait_bucket(wait), '', 1);
        PERFORM miq_metric_add('job_queue_wait_seconds_sum', '', '', wait::numeric);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_metric_totals AFTER INSERT OR UPDATE OF status, started_at ON jobs
    FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_jobs();

-- Settlements are negative (what a job cost); grants and top-ups positive.
-- Only positive amounts are added, so a counter never goes down.
CREATE FUNCTION miq_metric_totals_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'settlement' AND NEW.credits < 0 THEN
        PERFORM miq_metric_add('credits_charged', '', '', -NEW.credits);
    ELSIF NEW.kind IN ('grant', 'topup') AND NEW.credits > 0 THEN
        PERFORM miq_metric_add('credits_added', NEW.kind, '', NEW.credits);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER credit_ledger_metric_totals AFTER INSERT ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_ledger();

CREATE FUNCTION miq_metric_totals_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM miq_metric_add('webhook_deliveries', NEW.outcome, '', 1);
    RETURN NULL;
END $$;

CREATE TRIGGER webhook_deliveries_metric_totals AFTER INSERT ON webhook_deliveries
    FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_webhooks();

-- What a scrape reads, in print order: counters as kept, and the histogram's
-- buckets cumulative (every bound, zeros included, then +Inf), its _sum as
-- label1 '_sum'. The ordering column is the bucket bound.
CREATE FUNCTION miq_metric_totals_read()
RETURNS TABLE (metric text, label1 text, label2 text, value numeric)
LANGUAGE sql STABLE AS $$
    SELECT r.metric, r.label1, r.label2, r.value FROM (
        SELECT t.metric, t.label1, t.label2, t.value, 0::double precision AS ord
          FROM metric_totals t
         WHERE t.metric NOT IN ('job_queue_wait_seconds', 'job_queue_wait_seconds_sum')
        UNION ALL
        SELECT 'job_queue_wait_seconds', b.le, '',
               sum(coalesce(t.value, 0)) OVER (ORDER BY b.bound), b.bound
          FROM (SELECT x::text AS le, x AS bound FROM unnest(miq_queue_wait_bounds()) x
                UNION ALL SELECT '+Inf', 'Infinity'::double precision) b
          LEFT JOIN metric_totals t ON t.metric = 'job_queue_wait_seconds' AND t.label1 = b.le
        UNION ALL
        SELECT 'job_queue_wait_seconds', '_sum', '',
               coalesce((SELECT t.value FROM metric_totals t
                          WHERE t.metric = 'job_queue_wait_seconds_sum'), 0),
               'Infinity'::double precision) r
     ORDER BY r.metric, r.ord, r.label1, r.label2
$$;

-- The totals start from what the database already holds.
INSERT INTO metric_totals (metric, label1, label2, value)
SELECT 'jobs_created', j.endpoint, '', count(*) FROM jobs j GROUP BY j.endpoint
UNION ALL
SELECT 'jobs_finished', j.endpoint, j.status, count(*) FROM jobs j
 WHERE j.status IN ('succeeded', 'failed', 'canceled') GROUP BY j.endpoint, j.status
UNION ALL
SELECT 'job_queue_wait_seconds', miq_queue_wait_bucket(greatest(extract(epoch FROM j.started_at - j.created_at), 0)),
       '', count(*)
  FROM jobs j WHERE j.started_at IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'job_queue_wait_seconds_sum', '', '', coalesce(sum(greatest(extract(epoch FROM j.started_at - j.created_at), 0)), 0)
  FROM jobs j WHERE j.started_at IS NOT NULL
UNION ALL
SELECT 'credits_charged', '', '', coalesce(sum(-l.credits), 0) FROM credit_ledger l
 WHERE l.kind = 'settlement' AND l.credits < 0
UNION ALL
SELECT 'credits_added', l.kind, '', sum(l.credits) FROM credit_ledger l
 WHERE l.kind IN ('grant', 'topup') AND l.credits > 0 GROUP BY l.kind
UNION ALL
SELECT 'webhook_deliveries', d.outcome, '', count(*) FROM webhook_deliveries d GROUP BY d.outcome;
