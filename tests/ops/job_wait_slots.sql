-- The queue-wait rollup in slot rows (sql/026): readers sum a (day,
-- bucket)'s slot rows, a claim adds to an existing row it can lock rather
-- than making one, and removing a wait folds the slot rows into one with
-- the bounds read again. (Concurrent claims, which spread over slots, are
-- measured by bench/reports.sh.) Run by run.sh in one transaction that is
-- rolled back. Prints "ok NAME" per check; a failed check stops the script.
-- Variables: tag, acct (an account of the stack).
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
-- the slot rows of one day and bucket: "slots: jobs sum min max", summed
CREATE FUNCTION pg_temp.rows(p_day date, p_wait numeric) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT count(*) || ': ' || sum(jobs) || ' ' || sum(wait_s_sum) || ' '
                            || min(wait_s_min) || ' ' || max(wait_s_max)
                       FROM job_wait_daily WHERE day = p_day AND bucket = miq_job_wait_bucket(p_wait)
                     HAVING count(*) > 0), 'none')
$$;

-- three waits in one 0.1 s bucket of a day no other test writes
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, status,
                  created_at, started_at)
SELECT 'job_' || :'tag' || '_q' || g, :acct, 'audio/' || :'tag', '{}', 'x', 5, 'running',
       '2001-05-06 10:00+00'::timestamptz + make_interval(mins => g),
       '2001-05-06 10:00+00'::timestamptz + make_interval(mins => g, secs => w)
  FROM (VALUES (1, 3.21), (2, 3.25), (3, 3.29)) v (g, w);
SELECT pg_temp.expect('one transaction''s claims make one row', pg_temp.rows('2001-05-06', 3.25),
                      '1: 3 9.750000 3.210000 3.290000');
SELECT pg_temp.expect('in its slot',
                      (SELECT string_agg(slot::text, ',') FROM job_wait_daily
                        WHERE day = '2001-05-06' AND bucket = miq_job_wait_bucket(3.25)),
                      miq_metric_slot()::text);
SELECT day || ' ' || jobs || ' ' || wait_avg_s || ' ' || wait_p95_s || ' ' || wait_max_s AS one_row
  FROM miq_report_queue_age('2001-05-06', '2001-05-07') WHERE day = '2001-05-06' \gset

-- as two transactions in two slots would have left it: 3.21 and 3.29 in
-- one slot, 3.25 in another
UPDATE job_wait_daily SET slot = (miq_metric_slot() + 3) % miq_metric_slots(), jobs = 2,
       wait_s_sum = 6.50
 WHERE day = '2001-05-06' AND bucket = miq_job_wait_bucket(3.25);
INSERT INTO job_wait_daily (day, bucket, slot, jobs, wait_s_sum, wait_s_min, wait_s_max)
VALUES ('2001-05-06', miq_job_wait_bucket(3.25), (miq_metric_slot() + 7) % miq_metric_slots(), 1, 3.25, 3.25,
        3.25);
SELECT pg_temp.expect('the check view sums the slots', (SELECT count(*) FROM admin_job_wait_daily_check)::text,
                      '0');
SELECT pg_temp.expect('queue-age reads the slots'' sums as one row',
                      (SELECT day || ' ' || jobs || ' ' || wait_avg_s || ' ' || wait_p95_s || ' ' || wait_max_s
                         FROM miq_report_queue_age('2001-05-06', '2001-05-07') WHERE day = '2001-05-06'),
                      :'one_row');
SELECT pg_temp.expect('the same from the jobs (hours of the day)',
                      (SELECT day || ' ' || jobs || ' ' || wait_avg_s || ' ' || wait_p95_s || ' ' || wait_max_s
                         FROM miq_report_queue_age('2001-05-06 09:00+00', '2001-05-06 11:00+00')
                        WHERE day = '2001-05-06'), :'one_row');

-- a claim adds to a row it can lock: no third row
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, created_at)
VALUES ('job_' || :'tag' || '_q4', :acct, 'audio/' || :'tag', '{}', 'x', 5, '2001-05-06 10:30+00');
UPDATE jobs SET status = 'running', started_at = created_at + interval '3.23 seconds'
 WHERE id = 'job_' || :'tag' || '_q4';
SELECT pg_temp.expect('a claim joins an existing slot row', pg_temp.rows('2001-05-06', 3.25),
                      '2: 4 12.980000 3.210000 3.290000');

-- deleting the largest wait folds the rows into one, its bound read again
DELETE FROM jobs WHERE id = 'job_' || :'tag' || '_q3';
SELECT pg_temp.expect('a deleted job folds the slots, the largest wait is read again',
                      pg_temp.rows('2001-05-06', 3.25), '1: 3 9.690000 3.210000 3.250000');
UPDATE jobs SET started_at = created_at + interval '9 seconds' WHERE id = 'job_' || :'tag' || '_q1';
SELECT pg_temp.expect('an edited smallest wait leaves, the bound read again',
                      pg_temp.rows('2001-05-06', 3.25), '1: 2 6.480000 3.230000 3.250000');
SELECT pg_temp.expect('the check view is empty', (SELECT count(*) FROM admin_job_wait_daily_check)::text, '0');
ROLLBACK;
