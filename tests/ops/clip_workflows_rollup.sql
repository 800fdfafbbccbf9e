-- The clip workflow rollup of sql/022 follows jobs through their life: each
-- succeeded clips job's workflow through create, claim, settle, hand edits
-- of it and of the jobs before it, deletes and an account's deletion; and
-- top-failed's ranking from the failed jobs. Run by run.sh in one
-- transaction that is rolled back (the running worker never sees these
-- jobs). Prints "ok NAME" per check; a failed check stops the script with
-- the figures. Variables: tag, acct (an account of the stack).
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
CREATE FUNCTION pg_temp.flow(p_job text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT workflow || ' ' || clips FROM clip_job_workflows WHERE job_id = p_job), 'none')
$$;
-- a worker's claim of one job, as miq_job_claim does it (that function takes
-- the oldest queued job of the whole stack)
CREATE FUNCTION pg_temp.claim(p_job text) RETURNS void LANGUAGE sql AS $$
    UPDATE jobs SET status = 'running', worker_id = 'ops-rollup', attempts = attempts + 1,
           lease_until = now() + interval '1 minute', started_at = coalesce(started_at, now())
     WHERE id = p_job
$$;
-- months far in the past, which no other test writes; a token of the account
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes)
VALUES ('tok_' || :'tag', :acct, 'connector', 'ops rollup', md5(:'tag'), 'miq_', 'all');

-- 1. each succeeded clips job's workflow -----------------------------------
INSERT INTO uploads (id, account_id, filename, path) VALUES ('upl_' || :'tag' || '_c', :acct, 'c.mp4', 'c.mp4');
INSERT INTO jobs (id, account_id, endpoint, upload_id, params, request_hash, estimated_credits, status, created_at)
VALUES ('job_' || :'tag' || '_c0', :acct, 'video/scenes', 'upl_' || :'tag' || '_c', '{}', 'x', 1, 'succeeded',
        '2001-05-01 10:00+00'),   -- more than 7 days before the clips job: not in its workflow
       ('job_' || :'tag' || '_c1', :acct, 'timeline/moments', 'upl_' || :'tag' || '_c', '{}', 'x', 1, 'succeeded',
        '2001-05-08 10:00+00'),
       ('job_' || :'tag' || '_c2', :acct, 'audio/silence', 'upl_' || :'tag' || '_c', '{}', 'x', 1, 'queued',
        '2001-05-09 10:00+00'),
       ('job_' || :'tag' || '_c3', :acct, 'video/clips', 'upl_' || :'tag' || '_c', '{"clips":[{},{}]}', 'x', 1,
        'queued', '2001-05-10 10:00+00');
SELECT pg_temp.expect('a queued clips job has no workflow yet', pg_temp.flow('job_' || :'tag' || '_c3'), 'none');
SELECT pg_temp.claim('job_' || :'tag' || '_c3');
SELECT pg_temp.expect('the clips job settles', miq_job_succeed('job_' || :'tag' || '_c3', 'ops-rollup', '{}', 1)::text,
                      'true');
SELECT pg_temp.expect('its workflow: the succeeded jobs of its upload in the 7 days before it',
                      pg_temp.flow('job_' || :'tag' || '_c3'), 'timeline/moments > video/clips 2');
SELECT pg_temp.claim('job_' || :'tag' || '_c2');
SELECT pg_temp.expect('an earlier job settles after it', miq_job_succeed('job_' || :'tag' || '_c2', 'ops-rollup', '{}', 1)::text,
                      'true');
SELECT pg_temp.expect('and joins its workflow', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'timeline/moments > audio/silence > video/clips 2');
SELECT pg_temp.expect('clip-workflows reports it',
                      (SELECT clip_jobs || ' ' || clips || ' ' || accounts
                         FROM miq_report_clip_workflows('2001-05-01', '2001-06-01')
                        WHERE workflow = 'timeline/moments > audio/silence > video/clips'), '1 2 1');
UPDATE jobs SET status = 'failed' WHERE id = 'job_' || :'tag' || '_c1';
SELECT pg_temp.expect('an earlier job marked failed leaves it', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'audio/silence > video/clips 2');
UPDATE jobs SET created_at = '2001-05-07 10:00+00', status = 'succeeded' WHERE id = 'job_' || :'tag' || '_c1';
SELECT pg_temp.expect('an earlier job edited back, earlier', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'timeline/moments > audio/silence > video/clips 2');
UPDATE jobs SET params = '{"clips":[{}]}' WHERE id = 'job_' || :'tag' || '_c3';
SELECT pg_temp.expect('the clips job''s params edited', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'timeline/moments > audio/silence > video/clips 1');
DELETE FROM jobs WHERE id = 'job_' || :'tag' || '_c2';
SELECT pg_temp.expect('a deleted earlier job leaves it', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'timeline/moments > video/clips 1');
UPDATE jobs SET upload_id = NULL WHERE id = 'job_' || :'tag' || '_c1';
SELECT pg_temp.expect('an earlier job off the upload leaves it', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'video/clips 1');
UPDATE jobs SET status = 'canceled' WHERE id = 'job_' || :'tag' || '_c3';
SELECT pg_temp.expect('a clips job no longer succeeded has no workflow', pg_temp.flow('job_' || :'tag' || '_c3'), 'none');
UPDATE jobs SET status = 'succeeded', upload_id = 'upl_' || :'tag' || '_c' WHERE id = 'job_' || :'tag' || '_c1';
UPDATE jobs SET status = 'succeeded' WHERE id = 'job_' || :'tag' || '_c3';
SELECT pg_temp.expect('succeeded again, its workflow again', pg_temp.flow('job_' || :'tag' || '_c3'),
                      'timeline/moments > video/clips 1');

-- 2. an account's deletion takes its clips jobs out --------------------------
INSERT INTO accounts (email) VALUES (:'tag' || '-gone@ops.example');
INSERT INTO uploads (id, account_id, filename, path)
SELECT 'upl_' || :'tag' || '_g', id, 'g.mp4', 'g.mp4' FROM accounts WHERE email = :'tag' || '-gone@ops.example';
INSERT INTO jobs (id, account_id, endpoint, upload_id, params, request_hash, estimated_credits, status,
                  charged_credits, created_at)
SELECT 'job_' || :'tag' || '_g' || g, a.id, CASE WHEN g = 3 THEN 'video/clips' ELSE 'video/scenes' END,
       'upl_' || :'tag' || '_g', '{"clips":[{}]}', 'x', 0, 'succeeded', 2, '2001-06-04 08:00+00'::timestamptz + g * interval '1 hour'
  FROM accounts a, generate_series(1, 3) g WHERE a.email = :'tag' || '-gone@ops.example';
SELECT pg_temp.expect('the account''s clips job is rolled up', pg_temp.flow('job_' || :'tag' || '_g3'),
                      'video/scenes > video/clips 1');
SELECT miq_account_delete(id) IS NOT NULL AS deleted FROM accounts WHERE email = :'tag' || '-gone@ops.example' \gset
SELECT pg_temp.expect('the account is deleted', :'deleted', 't');
SELECT pg_temp.expect('its workflows are gone', pg_temp.flow('job_' || :'tag' || '_g3'), 'none');

SELECT pg_temp.expect('the check view is empty', (SELECT count(*) FROM admin_clip_workflows_check)::text, '0');
SELECT pg_temp.expect('the rebuild finds the same rows',
                      (SELECT miq_clip_workflows_rebuild() >= 0
                              AND NOT EXISTS (SELECT 1 FROM admin_clip_workflows_check))::text, 'true');

-- 3. top-failed ranks from the failed jobs ---------------------------------------
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                  error_code, created_at)
VALUES ('job_' || :'tag' || '_f1', :acct, 'tok_' || :'tag', 'audio/' || :'tag', '{}', 'x', 5, 'failed', 'timeout',
        '2001-03-05 10:00+00'),
       ('job_' || :'tag' || '_f2', :acct, 'tok_' || :'tag', 'audio/' || :'tag', '{}', 'x', 5, 'succeeded', NULL,
        '2001-03-06 10:00+00'),
       ('job_' || :'tag' || '_f3', :acct, NULL, 'audio/' || :'tag', '{}', 'x', 5, 'failed', 'media_unreadable',
        '2001-03-07 10:00+00'),
       ('job_' || :'tag' || '_f4', :acct, NULL, 'audio/' || :'tag', '{}', 'x', 5, 'failed', 'media_unreadable',
        '2001-03-08 10:00+00');
SELECT pg_temp.expect('top-failed: failed and all jobs through connector tokens, the most common error of all',
                      (SELECT failed || ' ' || jobs || ' ' || top_error
                         FROM miq_report_top_failed('2001-03-01', '2001-04-01') WHERE account_id = :acct),
                      '1 2 media_unreadable');
SELECT pg_temp.expect('top-failed: a period without the failure',
                      (SELECT count(*) FROM miq_report_top_failed('2001-03-06', '2001-04-01')
                        WHERE account_id = :acct)::text, '0');
ROLLBACK;
