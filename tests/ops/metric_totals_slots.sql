-- The /metrics counters kept in slot rows (sql/023) count a job's life as
-- sql/020 did: created once, finished once, its wait once in the right
-- bucket; an update that changes nothing counts nothing; every write of a
-- transaction goes to its slot; the bucket agrees with sql/020's subquery at
-- and around every bound. Run by run.sh in one transaction that is rolled
-- back. Prints "ok NAME" per check; a failed check stops the script.
-- Variables: tag, acct (an account of the stack).
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
-- a counter as /metrics reads it (the slots summed)
CREATE FUNCTION pg_temp.total(p_metric text, p_label1 text, p_label2 text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT value FROM miq_metric_totals_read()
                      WHERE metric = p_metric AND label1 = p_label1 AND label2 = p_label2), 0)::text
$$;

SELECT pg_temp.expect('the bucket agrees with sql/020''s at and around every bound',
    (SELECT count(*) FROM (SELECT w FROM unnest(miq_queue_wait_bounds()) b,
                                        unnest(ARRAY[b - 1e-6, b, b + 1e-6, b * 0.999, b * 1.001]) w
                           UNION ALL SELECT unnest(ARRAY[0, 1e-9, 1e7, 'Infinity'])) s
      WHERE miq_queue_wait_bucket(w)
            IS DISTINCT FROM coalesce((SELECT min(b) FROM unnest(miq_queue_wait_bounds()) b
                                        WHERE w <= b)::text, '+Inf'))::text, '0');

INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, created_at)
VALUES ('job_' || :'tag' || '_m1', :acct, 'audio/m' || :'tag', '{}', 'x', 5, now() - interval '7 seconds');
SELECT pg_temp.expect('a new job counts once', pg_temp.total('jobs_created', 'audio/m' || :'tag', ''), '1');
SELECT pg_temp.expect('its rows are in this transaction''s slot',
    (SELECT string_agg(DISTINCT slot::text, ',') FROM metric_totals
      WHERE metric = 'jobs_created' AND label1 = 'audio/m' || :'tag'),
    (txid_current() % miq_metric_slots())::text);
SELECT pg_temp.total('job_queue_wait_seconds', '10', '') AS b10,
       pg_temp.total('job_queue_wait_seconds', '+Inf', '') AS binf,
       (SELECT value FROM miq_metric_totals_read() WHERE metric = 'job_queue_wait_seconds'
           AND label1 = '_sum') AS wsum \gset
UPDATE jobs SET status = 'running', started_at = created_at + interval '7 seconds'
 WHERE id = 'job_' || :'tag' || '_m1';
SELECT pg_temp.expect('its start counts in the 10 s bucket and every one above',
    (pg_temp.total('job_queue_wait_seconds', '10', '')::numeric - :b10) || ' '
        || (pg_temp.total('job_queue_wait_seconds', '+Inf', '')::numeric - :binf), '1 1');
SELECT pg_temp.expect('its wait adds to the sum',
    ((SELECT value FROM miq_metric_totals_read() WHERE metric = 'job_queue_wait_seconds'
         AND label1 = '_sum') - :wsum = 7)::text, 'true');
UPDATE jobs SET status = 'running', started_at = started_at WHERE id = 'job_' || :'tag' || '_m1';
SELECT pg_temp.expect('an update changing nothing counts nothing',
    (pg_temp.total('job_queue_wait_seconds', '+Inf', '')::numeric - :binf)::text, '1');
UPDATE jobs SET status = 'succeeded', finished_at = now() WHERE id = 'job_' || :'tag' || '_m1';
UPDATE jobs SET status = 'failed' WHERE id = 'job_' || :'tag' || '_m1';
SELECT pg_temp.expect('an end state counts once, as the first one reached',
    pg_temp.total('jobs_finished', 'audio/m' || :'tag', 'succeeded') || ' '
        || pg_temp.total('jobs_finished', 'audio/m' || :'tag', 'failed'), '1 0');
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, status,
                  created_at, started_at, finished_at)
VALUES ('job_' || :'tag' || '_m2', :acct, 'audio/m' || :'tag', '{}', 'x', 5, 'canceled',
        now(), NULL, now());
SELECT pg_temp.expect('a job inserted at its end counts as created and finished',
    pg_temp.total('jobs_created', 'audio/m' || :'tag', '') || ' '
        || pg_temp.total('jobs_finished', 'audio/m' || :'tag', 'canceled'), '2 1');
SELECT pg_temp.expect('one row per counter and slot',
    (SELECT count(*) FROM metric_totals WHERE label1 = 'audio/m' || :'tag')::text, '3');
ROLLBACK;
