-- The connector-spend rollup (sql/025) follows jobs and tokens: jobs through
-- their life, jobs of API keys and the dashboard left out, a back-dated
-- edit, a deleted token, a deleted account; the check view is empty after
-- each; top-spenders gives sql/016's rows (a direct count of the jobs,
-- ties at the 50th place included) over periods with whole months, partial
-- ends, non-midnight bounds, inside one month, and everything; and the check
-- view sees a job when the trigger is off. Run by run.sh in one transaction
-- that is rolled back. Prints "ok NAME" per check; a failed check stops the
-- script with the figures. Variables: tag, acct (unused: own accounts).
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
-- (jobs, credits) of one account and month in the rollup
CREATE FUNCTION pg_temp.rolled(p_email text, p_month date) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT s.jobs || ' ' || s.credits FROM connector_spend_monthly s
                       JOIN accounts a ON a.id = s.account_id
                      WHERE a.email = p_email AND s.month = p_month), 'none')
$$;
CREATE FUNCTION pg_temp.check_rows() RETURNS text LANGUAGE sql AS $$
    SELECT count(*)::text FROM admin_connector_spend_check
$$;
-- top-spenders as sql/016 computed it, from the jobs
CREATE FUNCTION pg_temp.direct(p_since timestamptz, p_until timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(format('%s %s %s %s', s.account_id, coalesce(a.email, ''), s.jobs, s.credits),
                               '; ' ORDER BY s.credits DESC, s.account_id), '')
      FROM (SELECT j.account_id, count(*) AS jobs,
                   coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0) AS credits
              FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
             WHERE j.created_at >= p_since AND j.created_at < p_until
             GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 50) s
      JOIN accounts a ON a.id = s.account_id
$$;
CREATE FUNCTION pg_temp.report(p_since timestamptz, p_until timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(format('%s %s %s %s', r.account_id, r.email, r.jobs, r.credits_charged),
                               '; ' ORDER BY r.o), '')
      FROM miq_report_top_spenders(p_since, p_until) WITH ORDINALITY AS r (account_id, email, jobs,
                                                                           credits_charged, o)
$$;

-- one account with a connector token, an API key, and dashboard jobs
INSERT INTO accounts (email) VALUES (:'tag' || '-s1@ops.example'), (:'tag' || '-s2@ops.example');
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
SELECT 'tok_' || :'tag' || k || n, a.id, k, 'ops', md5(:'tag' || k || n), 'miq_', 'all'
  FROM accounts a, unnest(ARRAY['connector', 'api_key']) k,
       LATERAL (SELECT substr(a.email, length(:'tag') + 2, 2) AS n) x
 WHERE a.email IN (:'tag' || '-s1@ops.example', :'tag' || '-s2@ops.example');
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, created_at)
SELECT 'job_' || :'tag' || '_s' || v.n, a.id, v.token, 'audio/' || :'tag', '{}', 'x', 5, v.at
  FROM accounts a,
       (VALUES (1, 'tok_' || :'tag' || 'connectors1', '2002-03-10 10:00+00'::timestamptz),
               (2, 'tok_' || :'tag' || 'connectors1', '2002-03-31 23:59:59+00'),
               (3, 'tok_' || :'tag' || 'api_keys1', '2002-03-11 10:00+00'),
               (4, NULL, '2002-03-12 10:00+00')) v (n, token, at)
 WHERE a.email = :'tag' || '-s1@ops.example';
SELECT pg_temp.expect('new connector jobs count, API-key and dashboard jobs do not',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '2 0');

-- claimed, failed and retried, settled: credits come once, at success
UPDATE jobs SET status = 'running', worker_id = 'ops-' || :'tag', attempts = attempts + 1,
       lease_until = now() + interval '1 minute', started_at = coalesce(started_at, now())
 WHERE id LIKE 'job_' || :'tag' || '_s%';
SELECT pg_temp.expect('a transient failure requeues',
                      miq_job_fail('job_' || :'tag' || '_s1', 'ops-' || :'tag', 'timeout', 'x', true), 'queued');
UPDATE jobs SET status = 'running', attempts = attempts + 1 WHERE id = 'job_' || :'tag' || '_s1';
SELECT pg_temp.expect('claims and a retry change nothing',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '2 0');
SELECT pg_temp.expect('the job settles',
                      miq_job_succeed('job_' || :'tag' || '_s1', 'ops-' || :'tag', '{}', 3)::text, 'true');
SELECT pg_temp.expect('an API-key job and a dashboard job settle',
                      (miq_job_succeed('job_' || :'tag' || '_s3', 'ops-' || :'tag', '{}', 4)
                       AND miq_job_succeed('job_' || :'tag' || '_s4', 'ops-' || :'tag', '{}', 4))::text, 'true');
SELECT pg_temp.expect('its credits count, the others'' do not',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '2 3');
SELECT pg_temp.expect('a final failure',
                      miq_job_fail('job_' || :'tag' || '_s2', 'ops-' || :'tag', 'timeout', 'x', false), 'failed');
SELECT pg_temp.expect('a failed job counts as a job, without credits',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '2 3');
SELECT pg_temp.expect('the check view is empty after the jobs'' life', pg_temp.check_rows(), '0');

-- edited by hand: back-dated to February, credits corrected, moved to the
-- other account's connector token
UPDATE jobs SET created_at = '2002-02-27 08:00+00' WHERE id = 'job_' || :'tag' || '_s1';
SELECT pg_temp.expect('a back-dated job leaves its month',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '1 0');
SELECT pg_temp.expect('and joins the earlier one',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-02-01'), '1 3');
UPDATE jobs SET charged_credits = 7 WHERE id = 'job_' || :'tag' || '_s1';
SELECT pg_temp.expect('corrected credits',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-02-01'), '1 7');
UPDATE jobs SET token_id = 'tok_' || :'tag' || 'api_keys1' WHERE id = 'job_' || :'tag' || '_s2';
SELECT pg_temp.expect('a job moved to an API key leaves',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), 'none');
UPDATE jobs SET token_id = 'tok_' || :'tag' || 'connectors1' WHERE id = 'job_' || :'tag' || '_s3';
SELECT pg_temp.expect('a job moved to a connector token comes with its credits',
                      pg_temp.rolled(:'tag' || '-s1@ops.example', '2002-03-01'), '1 4');
SELECT pg_temp.expect('the check view is empty after the edits', pg_temp.check_rows(), '0');
SELECT pg_temp.expect('top-spenders over the edits, as the jobs say',
                      pg_temp.report('2002-01-15 03:00+00', '2002-03-20 17:00+00'),
                      pg_temp.direct('2002-01-15 03:00+00', '2002-03-20 17:00+00'));

-- the token deleted: its jobs leave the report and the rollup
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                  charged_credits, created_at)
SELECT 'job_' || :'tag' || '_s5', a.id, 'tok_' || :'tag' || 'connectors2', 'audio/' || :'tag', '{}', 'x', 5,
       'succeeded', 6, '2002-03-05 00:00+00'
  FROM accounts a WHERE a.email = :'tag' || '-s2@ops.example';
SELECT pg_temp.expect('a job inserted settled counts with its credits',
                      pg_temp.rolled(:'tag' || '-s2@ops.example', '2002-03-01'), '1 6');
DELETE FROM api_tokens WHERE id = 'tok_' || :'tag' || 'connectors2';
SELECT pg_temp.expect('a deleted token''s jobs leave the rollup',
                      pg_temp.rolled(:'tag' || '-s2@ops.example', '2002-03-01'), 'none');
SELECT pg_temp.expect('and the report',
                      (SELECT count(*) FROM miq_report_top_spenders('2002-01-01', '2002-04-01') r
                         JOIN accounts a ON a.id = r.account_id
                        WHERE a.email = :'tag' || '-s2@ops.example')::text, '0');
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
SELECT 'tok_' || :'tag' || 'connectors2', a.id, 'connector', 'ops', md5(:'tag' || 'again'), 'miq_', 'all'
  FROM accounts a WHERE a.email = :'tag' || '-s2@ops.example';
SELECT pg_temp.expect('a token made again (a restore) brings its jobs back',
                      pg_temp.rolled(:'tag' || '-s2@ops.example', '2002-03-01'), '1 6');
SELECT pg_temp.expect('the check view is empty after the token''s deletion', pg_temp.check_rows(), '0');

-- the account deleted: its jobs and tokens go
SELECT id AS s1 FROM accounts WHERE email = :'tag' || '-s1@ops.example' \gset
SELECT miq_account_delete(id) IS NOT NULL AS deleted FROM accounts WHERE email = :'tag' || '-s1@ops.example' \gset
SELECT pg_temp.expect('the account is deleted', :'deleted', 't');
SELECT pg_temp.expect('its rows are gone',
                      (SELECT count(*) FROM connector_spend_monthly WHERE account_id = :s1)::text, '0');
SELECT pg_temp.expect('the check view is empty after the account''s deletion', pg_temp.check_rows(), '0');

-- 80 accounts with 3 to 9 connector jobs each over January to April 2003:
-- 45 with 7 or more credits, 35 with exactly 6 (so the 50th and 51st
-- places tie over the whole time), and failed and queued jobs
INSERT INTO accounts (email)
SELECT :'tag' || '-t' || k || '@ops.example' FROM generate_series(1, 80) k;
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
SELECT 'tok_' || :'tag' || '_t' || a.id, a.id, 'connector', 'ops', md5(:'tag' || a.id), 'miq_', 'all'
  FROM accounts a WHERE a.email LIKE :'tag' || '-t%@ops.example';
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                  charged_credits, created_at)
SELECT 'job_' || :'tag' || '_t' || a.id || '_' || i, a.id, 'tok_' || :'tag' || '_t' || a.id,
       'audio/' || :'tag', '{}', 'x', 5, v.status,
       CASE WHEN v.status = 'succeeded' THEN CASE WHEN k > 45 THEN 2 ELSE 7 + (k * i) % 6 END END,
       '2003-01-01 00:00+00'::timestamptz + make_interval(secs => ((k * 7919 + i * 104729) % 10368000))
  FROM accounts a, LATERAL (SELECT substring(a.email FROM '-t([0-9]+)@')::integer AS k) x,
       generate_series(1, 9) i,
       LATERAL (SELECT CASE WHEN i = 1 OR (k > 45 AND i <= 3) OR (k <= 45 AND (k + i) % 4 <> 0) THEN 'succeeded'
                            WHEN i % 2 = 0 THEN 'failed' ELSE 'queued' END AS status) v
 WHERE a.email LIKE :'tag' || '-t%@ops.example' AND i <= 3 + k % 7;
SELECT pg_temp.expect('the 50th and 51st accounts tie (the case is tested)',
                      (SELECT (array_agg(c ORDER BY c DESC))[50] || ' ' || (array_agg(c ORDER BY c DESC))[51]
                         FROM (SELECT sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded') AS c
                                 FROM jobs j JOIN accounts a ON a.id = j.account_id
                                WHERE a.email LIKE :'tag' || '-t%@ops.example' GROUP BY a.id) c), '6 6');
SELECT pg_temp.expect('top-spenders = the direct count over ' || p.what,
                      pg_temp.report(p.since, p.until), pg_temp.direct(p.since, p.until))
  FROM (VALUES ('whole months', '2003-01-01 00:00+00'::timestamptz, '2003-05-01 00:00+00'::timestamptz),
               ('a long first end, a short last one', '2003-01-10 13:17+00', '2003-04-02 05:00+00'),
               ('a short first end, a long last one', '2003-01-28 07:00:01+00', '2003-04-25 21:30+00'),
               ('a week inside a month', '2003-02-03 04:00+00', '2003-02-09 00:00+00'),
               ('most of a month', '2003-02-02 01:00+00', '2003-02-27 23:00+00'),
               ('a period ending on a month', '2003-01-15 12:00+00', '2003-03-01 00:00+00'),
               ('a period starting on a month', '2003-02-01 00:00+00', '2003-03-17 12:00+00'),
               ('one day (fewer than 50 accounts)', '2003-03-15 00:00+00', '2003-03-16 00:00+00'),
               ('two partial months, none whole', '2003-02-12 09:30+00', '2003-03-13 18:45+00'),
               ('everything', '-infinity', 'infinity'),
               ('everything, finite', '1990-01-01 00:00+00', now() + interval '1 day')) p (what, since, until);
-- UTC months whatever the session's time zone: a job in the last hour of
-- March 2003 UTC, which is in April in Berlin (DST began on March 30)
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                  charged_credits, created_at)
SELECT 'job_' || :'tag' || '_dst', a.id, 'tok_' || :'tag' || '_t' || a.id, 'audio/' || :'tag', '{}', 'x', 5,
       'succeeded', 100, '2003-03-31 23:30+00'
  FROM accounts a WHERE a.email = :'tag' || '-t1@ops.example';
SET LOCAL TimeZone = 'Europe/Berlin';
SELECT pg_temp.expect('top-spenders = the direct count in another time zone, ' || p.what,
                      pg_temp.report(p.since, p.until), pg_temp.direct(p.since, p.until))
  FROM (VALUES ('a short end in March', '2003-03-25 00:00+00'::timestamptz, '2003-04-20 00:00+00'::timestamptz),
               ('a long end in March', '2003-03-03 00:00+00', '2003-05-01 00:00+00'),
               ('ending in April', '2003-02-10 00:00+00', '2003-04-01 05:00+00')) p (what, since, until);
SELECT pg_temp.expect('the check view is empty in another time zone', pg_temp.check_rows(), '0');
RESET TimeZone;
SELECT pg_temp.expect('an empty or reversed period has no rows',
                      pg_temp.report('2003-03-01', '2003-03-01') || pg_temp.report('2003-04-01', '2003-03-01'), '');
SELECT pg_temp.expect('the check view is empty', pg_temp.check_rows(), '0');
SELECT pg_temp.expect('the rebuild finds the same rollup',
                      (SELECT miq_connector_spend_rebuild() >= 0 AND NOT EXISTS (SELECT 1 FROM admin_connector_spend_check))::text,
                      'true');

-- the check can fail: a job the insert trigger does not see is shown
ALTER TABLE jobs DISABLE TRIGGER jobs_connector_spend_insert;
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, created_at)
SELECT 'job_' || :'tag' || '_missed', a.id, 'tok_' || :'tag' || '_t' || a.id, 'audio/' || :'tag', '{}', 'x', 5,
       '2003-02-10 00:00+00'
  FROM accounts a WHERE a.email = :'tag' || '-t1@ops.example';
ALTER TABLE jobs ENABLE TRIGGER jobs_connector_spend_insert;
SELECT pg_temp.expect('with the trigger off the check view shows the job', pg_temp.check_rows(), '1');
ROLLBACK;
