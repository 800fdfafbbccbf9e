-- The connector-usage rollup of sql/024 follows jobs and labels: jobs
-- through their life, a client's connector renamed, a family removed, a
-- token deleted, back-dated and hand edits, an account's deletion; after
-- each, miq_report_connector_usage gives the rows sql/019's function gave
-- (computed from the jobs here) over periods with whole days, partial days,
-- one day's hours and a year's end, and the check view is empty. Last, a job
-- written with the trigger off shows in the check view and the report (so
-- these checks can fail), and the rebuild repairs it. Run by run.sh in one
-- transaction that is rolled back. Prints "ok NAME" per check; a failed
-- check stops the script with the figures. Variables: tag, acct.
\set ON_ERROR_STOP 1
BEGIN;
-- read this transaction's own writes in the rollups (sql/027 defers them)
SET CONSTRAINTS ALL IMMEDIATE;
-- sql/019's connector-usage, from the jobs alone: the reference
CREATE FUNCTION pg_temp.reference(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (connector text, jobs bigint, succeeded bigint, credits_charged numeric, accounts bigint)
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
-- The periods where the report and the reference differ ('' when none), and
-- the check view's rows.
CREATE FUNCTION pg_temp.differences() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(p.since || '..' || p.until, '; '), '')
           || CASE WHEN EXISTS (SELECT 1 FROM admin_connector_usage_check)
                   THEN ' check: ' || (SELECT string_agg(part || ' ' || key || ' ' || coalesce(logged, '-')
                                                         || ' <> ' || coalesce(rolled_up, '-'), ', ')
                                         FROM admin_connector_usage_check) ELSE '' END
      FROM (VALUES ('2002-12-01 00:00+00'::timestamptz, '2003-03-01 00:00+00'::timestamptz),
                   ('2002-12-31 10:00+00', '2003-01-02 05:30+00'),
                   ('2003-01-01 03:00+00', '2003-01-01 21:00+00'),
                   ('2003-01-02 00:00+00', '2003-01-02 12:00+00'),
                   ('2003-01-01 12:00+00', '2003-01-03 00:00+00'),
                   ('2003-01-03 00:00+00', '2003-01-05 00:00+00'),
                   ('2002-06-15 07:45+00', '2003-06-15 07:45+00')) p (since, until)
     WHERE (SELECT jsonb_agg(to_jsonb(x)) FROM miq_report_connector_usage(p.since, p.until) x)
           IS DISTINCT FROM (SELECT jsonb_agg(to_jsonb(x)) FROM pg_temp.reference(p.since, p.until) x)
$$;
CREATE FUNCTION pg_temp.usage(p_label text, p_since timestamptz, p_until timestamptz) RETURNS text
LANGUAGE sql AS $$
    SELECT coalesce((SELECT jobs || ' ' || succeeded || ' ' || credits_charged || ' ' || accounts
                       FROM miq_report_connector_usage(p_since, p_until) WHERE connector = p_label), 'none')
$$;
CREATE FUNCTION pg_temp.claim(p_job text) RETURNS void LANGUAGE sql AS $$
    UPDATE jobs SET status = 'running', worker_id = 'ops-conn', attempts = attempts + 1,
           lease_until = now() + interval '1 minute', started_at = coalesce(started_at, now())
     WHERE id = p_job
$$;

-- an OAuth client, a family and its token; a hand-made connector token and an
-- API key of the stack's account; a second account with a token
INSERT INTO oauth_clients (client_id, source, name, connector, redirect_uris)
VALUES ('mcp_' || :'tag', 'dcr', 'Ops', 'ops-' || :'tag', '[]');
INSERT INTO oauth_families (id, client_id, account_id, scopes, resource, correlation_id)
VALUES ('fam_' || :'tag', 'mcp_' || :'tag', :acct, 'all', 'https://ops.example/mcp', 'corr_' || :'tag');
INSERT INTO accounts (email) VALUES (:'tag' || '-b@ops.example');
SELECT id AS acct_b FROM accounts WHERE email = :'tag' || '-b@ops.example' \gset
INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes, family_id)
VALUES ('tok_' || :'tag' || '_o', :acct, 'connector', 'ops oauth', md5(:'tag' || 'o'), 'miq_', 'all', 'fam_' || :'tag'),
       ('tok_' || :'tag' || '_c', :acct, 'connector', 'ops conn', md5(:'tag' || 'c'), 'miq_', 'all', NULL),
       ('tok_' || :'tag' || '_k', :acct, 'api_key', 'ops key', md5(:'tag' || 'k'), 'miq_', 'all', NULL),
       ('tok_' || :'tag' || '_b', :acct_b, 'connector', 'ops b', md5(:'tag' || 'b'), 'miq_', 'all', NULL);

-- 1. a job's life ------------------------------------------------------------
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, created_at)
VALUES ('job_' || :'tag' || '_1', :acct, 'tok_' || :'tag' || '_o', 'audio/silence', '{}', 'x', 5,
        '2003-01-01 10:00+00');
SELECT pg_temp.expect('a new job counts under its OAuth client''s connector',
                      pg_temp.usage('ops-' || :'tag', '2003-01-01', '2003-01-02'), '1 0 0 1');
SELECT pg_temp.claim('job_' || :'tag' || '_1');
SELECT pg_temp.expect('it settles', miq_job_succeed('job_' || :'tag' || '_1', 'ops-conn', '{}', 4)::text, 'true');
SELECT pg_temp.expect('settled: succeeded and its credits',
                      pg_temp.usage('ops-' || :'tag', '2003-01-01', '2003-01-02'), '1 1 4 1');
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, status,
                  charged_credits, error_code, created_at)
VALUES ('job_' || :'tag' || '_2', :acct, 'tok_' || :'tag' || '_c', 'video/scenes', '{}', 'x', 5, 'queued', NULL, NULL,
        '2003-01-01 23:59:59+00'),
       ('job_' || :'tag' || '_3', :acct, 'tok_' || :'tag' || '_k', 'video/scenes', '{}', 'x', 5, 'succeeded', 7, NULL,
        '2003-01-02 00:00+00'),
       ('job_' || :'tag' || '_4', :acct, NULL, 'video/scenes', '{}', 'x', 5, 'succeeded', 3, NULL,
        '2002-12-31 23:00+00'),
       ('job_' || :'tag' || '_5', :acct_b, 'tok_' || :'tag' || '_b', 'video/scenes', '{}', 'x', 5, 'succeeded', 2, NULL,
        '2003-01-01 08:00+00'),
       ('job_' || :'tag' || '_6', :acct, 'tok_' || :'tag' || '_c', 'video/scenes', '{}', 'x', 5, 'failed', NULL,
        'timeout', '2003-01-04 08:00+00'),
       ('job_' || :'tag' || '_7', :acct, 'tok_' || :'tag' || '_o', 'video/scenes', '{}', 'x', 5, 'succeeded', 6, NULL,
        '2003-01-03 13:00+00'),
       ('job_' || :'tag' || '_8', :acct, 'tok_' || :'tag' || '_gone', 'video/scenes', '{}', 'x', 5, 'succeeded', 1,
        NULL, '2003-01-02 09:00+00');
SELECT pg_temp.expect('two accounts through hand-made connector tokens',
                      pg_temp.usage('connector', '2003-01-01', '2003-01-05'), '3 1 2 2');
SELECT pg_temp.expect('a job naming no token row counts as a deleted token',
                      pg_temp.usage('deleted token', '2003-01-01', '2003-01-05'), '1 1 1 1');
SELECT pg_temp.expect('same rows as sql/019''s over every period; check view empty', pg_temp.differences(), '');
SELECT pg_temp.claim('job_' || :'tag' || '_2');
SELECT miq_job_fail('job_' || :'tag' || '_2', 'ops-conn', 'timeout', 'x', true);
SELECT pg_temp.claim('job_' || :'tag' || '_2');
SELECT pg_temp.expect('a retried job settles', miq_job_succeed('job_' || :'tag' || '_2', 'ops-conn', '{}', 9)::text,
                      'true');
UPDATE jobs SET charged_credits = 8 WHERE id = 'job_' || :'tag' || '_2';
UPDATE jobs SET status = 'failed' WHERE id = 'job_' || :'tag' || '_3';
SELECT pg_temp.expect('after a retry, a settlement, a credit fix and a succeeded job marked failed',
                      pg_temp.differences(), '');

-- 2. labels change ---------------------------------------------------------------
UPDATE oauth_clients SET connector = 'ops2-' || :'tag' WHERE client_id = 'mcp_' || :'tag';
SELECT pg_temp.expect('a client''s connector renamed: its tokens'' jobs move',
                      pg_temp.usage('ops2-' || :'tag', '2003-01-01', '2003-01-05')
                      || ' / ' || pg_temp.usage('ops-' || :'tag', '2003-01-01', '2003-01-05'), '2 2 10 1 / none');
SELECT pg_temp.expect('renamed: same rows, check view empty', pg_temp.differences(), '');
DELETE FROM oauth_families WHERE id = 'fam_' || :'tag';
SELECT pg_temp.expect('the family removed: its token counts as oauth',
                      pg_temp.usage('ops2-' || :'tag', '2003-01-01', '2003-01-05'), 'none');
SELECT pg_temp.expect('family removed: same rows, check view empty', pg_temp.differences(), '');
INSERT INTO oauth_families (id, client_id, account_id, scopes, resource, correlation_id)
VALUES ('fam_' || :'tag', 'mcp_' || :'tag', :acct, 'all', 'https://ops.example/mcp', 'corr2_' || :'tag');
SELECT pg_temp.expect('the family back: its client''s connector again',
                      pg_temp.usage('ops2-' || :'tag', '2003-01-01', '2003-01-05'), '2 2 10 1');
DELETE FROM oauth_clients WHERE client_id = 'mcp_' || :'tag';
SELECT pg_temp.expect('the client removed: oauth; same rows, check view empty', pg_temp.differences(), '');
DELETE FROM api_tokens WHERE id = 'tok_' || :'tag' || '_k';
SELECT pg_temp.expect('an API key deleted: its job counts as a deleted token',
                      pg_temp.usage('deleted token', '2003-01-01', '2003-01-05'), '2 1 1 1');
SELECT pg_temp.expect('token deleted: same rows, check view empty', pg_temp.differences(), '');
UPDATE api_tokens SET kind = 'api_key' WHERE id = 'tok_' || :'tag' || '_c';
SELECT pg_temp.expect('a token''s kind edited: same rows, check view empty', pg_temp.differences(), '');

-- 3. hand edits of jobs ----------------------------------------------------------
UPDATE jobs SET created_at = '2003-01-03 01:00+00' WHERE id = 'job_' || :'tag' || '_5';
SELECT pg_temp.expect('back-dated edit: the old day loses its account',
                      pg_temp.usage('connector', '2003-01-01', '2003-01-02'), 'none');
SELECT pg_temp.expect('back-dated edit: same rows, check view empty', pg_temp.differences(), '');
UPDATE jobs SET token_id = 'tok_' || :'tag' || '_b', account_id = :acct_b WHERE id = 'job_' || :'tag' || '_6';
UPDATE jobs SET token_id = NULL WHERE id = 'job_' || :'tag' || '_7';
SELECT pg_temp.expect('jobs moved to another token and account: same rows, check view empty',
                      pg_temp.differences(), '');
DELETE FROM jobs WHERE id = 'job_' || :'tag' || '_8';
SELECT pg_temp.expect('a job deleted by hand', pg_temp.usage('deleted token', '2003-01-02 06:00+00', '2003-01-02 10:00+00'),
                      'none');

-- 4. an account's deletion ---------------------------------------------------------
SELECT miq_account_delete(:acct_b) IS NOT NULL AS deleted \gset
SELECT pg_temp.expect('the second account is deleted', :'deleted', 't');
SELECT pg_temp.expect('its jobs leave the report',
                      (SELECT count(*) FROM jobs WHERE account_id = :acct_b)::text
                      || ' ' || pg_temp.usage('connector', '2003-01-01', '2003-01-05'), '0 none');
SELECT pg_temp.expect('account deleted: same rows, check view empty', pg_temp.differences(), '');

-- 5. the checks can fail; the rebuild repairs ------------------------------------
ALTER TABLE jobs DISABLE TRIGGER jobs_connector_usage_insert;
INSERT INTO jobs (id, account_id, token_id, endpoint, params, request_hash, estimated_credits, created_at)
VALUES ('job_' || :'tag' || '_9', :acct, NULL, 'audio/silence', '{}', 'x', 5, '2003-01-02 10:00+00');
ALTER TABLE jobs ENABLE TRIGGER jobs_connector_usage_insert;
SELECT pg_temp.expect('a job the trigger missed shows in the check view and the report',
                      (SELECT count(*) FROM admin_connector_usage_check WHERE part = 'day')::text || ' '
                      || (pg_temp.differences() LIKE '2002-12-01%'), '1 true');
SELECT pg_temp.expect('the rebuild repairs it',
                      (miq_connector_usage_rebuild() > 0)::text || pg_temp.differences(), 'true');
ROLLBACK;
