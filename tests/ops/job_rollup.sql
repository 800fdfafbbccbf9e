-- The queue-wait rollup (sql/019) follows jobs through their life: created,
-- claimed, failed and retried, settled, failed for good, canceled, inserted
-- already started, edited, deleted, and deleted with their account. Run by
-- run.sh in one transaction that is rolled back (the running worker never
-- sees these jobs). Prints "ok NAME" per check; a failed check stops the
-- script with the figures. Variables: tag, acct (an account of the stack).
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
-- (jobs, wait sum, min, max) of one day and bucket of the rollup
CREATE FUNCTION pg_temp.bucket(p_day date, p_wait numeric) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT jobs || ' ' || wait_s_sum || ' ' || wait_s_min || ' ' || wait_s_max
                       FROM job_wait_daily WHERE day = p_day AND bucket = miq_job_wait_bucket(p_wait)),
                    'none')
$$;
-- a day far in the past, which no other test writes
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, created_at)
VALUES ('job_' || :'tag' || '_w1', :acct, 'audio/' || :'tag', '{}', 'x', 5, '2001-02-03 10:00+00'),
       ('job_' || :'tag' || '_w2', :acct, 'audio/' || :'tag', '{}', 'x', 5, '2001-02-03 11:00+00');
SELECT pg_temp.expect('a new job adds no wait', pg_temp.bucket('2001-02-03', 3.25), 'none');

-- claimed as miq_job_claim does (started_at kept across claims)
UPDATE jobs SET status = 'running', worker_id = 'ops-' || :'tag', attempts = attempts + 1,
       lease_until = now() + interval '1 minute',
       started_at = coalesce(started_at, created_at + interval '3.25 seconds')
 WHERE id = 'job_' || :'tag' || '_w1';
SELECT pg_temp.expect('the first claim adds the wait', pg_temp.bucket('2001-02-03', 3.25),
                      '1 3.250000 3.250000 3.250000');
SELECT pg_temp.expect('a transient failure requeues',
                      miq_job_fail('job_' || :'tag' || '_w1', 'ops-' || :'tag', 'timeout', 'x', true), 'queued');
UPDATE jobs SET status = 'running', worker_id = 'ops-' || :'tag', attempts = attempts + 1,
       started_at = coalesce(started_at, now())
 WHERE id = 'job_' || :'tag' || '_w1';
SELECT pg_temp.expect('the retry''s claim keeps the first wait', pg_temp.bucket('2001-02-03', 3.25),
                      '1 3.250000 3.250000 3.250000');
SELECT pg_temp.expect('the job settles', miq_job_succeed('job_' || :'tag' || '_w1', 'ops-' || :'tag', '{}', 3)::text,
                      'true');
SELECT pg_temp.expect('settling changes no wait', pg_temp.bucket('2001-02-03', 3.25),
                      '1 3.250000 3.250000 3.250000');

UPDATE jobs SET status = 'running', worker_id = 'ops-' || :'tag', attempts = 1,
       started_at = created_at + interval '3.27 seconds'
 WHERE id = 'job_' || :'tag' || '_w2';
SELECT pg_temp.expect('the job fails for good',
                      miq_job_fail('job_' || :'tag' || '_w2', 'ops-' || :'tag', 'timeout', 'x', false), 'failed');
SELECT pg_temp.expect('a second job in the bucket', pg_temp.bucket('2001-02-03', 3.25),
                      '2 6.520000 3.250000 3.270000');

-- inserted already started (a restore), then canceled; a long wait
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, status,
                  created_at, started_at)
VALUES ('job_' || :'tag' || '_w3', :acct, 'audio/' || :'tag', '{}', 'x', 5, 'running',
        '2001-02-03 12:00+00', '2001-02-03 12:02:30+00');
SELECT pg_temp.expect('an inserted started job adds its wait', pg_temp.bucket('2001-02-03', 150),
                      '1 150.000000 150.000000 150.000000');
SELECT pg_temp.expect('the job is canceled', miq_job_cancel('job_' || :'tag' || '_w3', :acct), 'canceled');
SELECT pg_temp.expect('canceling keeps the wait', pg_temp.bucket('2001-02-03', 150),
                      '1 150.000000 150.000000 150.000000');

-- the report: the whole day from the rollup equals its hours from the jobs
SELECT pg_temp.expect('queue-age of the day, from the rollup',
                      (SELECT jobs || ' ' || wait_avg_s || ' ' || wait_p95_s || ' ' || wait_max_s
                         FROM miq_report_queue_age('2001-02-03', '2001-02-04') WHERE day = '2001-02-03'),
                      '3 52.2 135.3 150.0');
SELECT pg_temp.expect('queue-age of its hours, from the jobs',
                      (SELECT jobs || ' ' || wait_avg_s || ' ' || wait_p95_s || ' ' || wait_max_s
                         FROM miq_report_queue_age('2001-02-03 09:00+00', '2001-02-03 13:00+00')
                        WHERE day = '2001-02-03'),
                      '3 52.2 135.3 150.0');

-- edited by hand: the wait moves to its new bucket
UPDATE jobs SET started_at = created_at + interval '150.2 seconds' WHERE id = 'job_' || :'tag' || '_w2';
SELECT pg_temp.expect('an edited wait leaves its bucket', pg_temp.bucket('2001-02-03', 3.25),
                      '1 3.250000 3.250000 3.250000');
SELECT pg_temp.expect('and joins its new one', pg_temp.bucket('2001-02-03', 150),
                      '2 300.200000 150.000000 150.200000');
-- deleting the bucket's largest wait reads the bound again
DELETE FROM jobs WHERE id = 'job_' || :'tag' || '_w2';
SELECT pg_temp.expect('a deleted job leaves, the largest wait is read again',
                      pg_temp.bucket('2001-02-03', 150), '1 150.000000 150.000000 150.000000');

-- an account's deletion takes its jobs' waits away
INSERT INTO accounts (email) VALUES (:'tag' || '-gone@ops.example');
INSERT INTO jobs (id, account_id, endpoint, params, request_hash, estimated_credits, status,
                  created_at, started_at)
SELECT 'job_' || :'tag' || '_g' || g, a.id, 'audio/' || :'tag', '{}', 'x', 0, 'succeeded',
       '2001-02-04 08:00+00', '2001-02-04 08:00:07+00'
  FROM accounts a, generate_series(1, 3) g WHERE a.email = :'tag' || '-gone@ops.example';
SELECT pg_temp.expect('the account''s jobs are rolled up', pg_temp.bucket('2001-02-04', 7),
                      '3 21.000000 7.000000 7.000000');
SELECT miq_account_delete(id) IS NOT NULL AS deleted FROM accounts WHERE email = :'tag' || '-gone@ops.example' \gset
SELECT pg_temp.expect('the account is deleted', :'deleted', 't');
SELECT pg_temp.expect('its jobs'' waits are gone', pg_temp.bucket('2001-02-04', 7), 'none');

SELECT pg_temp.expect('the check view is empty', (SELECT count(*) FROM admin_job_wait_daily_check)::text, '0');
SELECT pg_temp.expect('the rebuild finds the same rollup',
                      (SELECT miq_job_wait_rebuild() >= 0 AND NOT EXISTS (SELECT 1 FROM admin_job_wait_daily_check))::text,
                      'true');
ROLLBACK;
