-- The job reports over a year (issue 16: every report < 200 ms over 1
-- million jobs): each succeeded clips job's workflow kept in a side table by
-- triggers, so clip-workflows groups a small table instead of joining every
-- clips job with the jobs before it (with its check view and rebuild
-- function), and top-failed ranking from the failed jobs alone. A rollup of
-- the jobs per month, account and token for connector-usage and
-- top-spenders was measured and not kept (docs/reporting.md).

-- 1. Each succeeded clips job's workflow ------------------------------------
-- A clips job's workflow is the endpoints run (and succeeded) on the same
-- upload in the 7 days before it, in the order each first ran (sql/021). It
-- depends on that job and on the jobs before it, not on the report's
-- period, so it is kept per job: one row per succeeded video/clips job.
-- The jobs before it may succeed, fail or go after the clips job was made,
-- so the rows are computed from the jobs as they are now, by the triggers
-- below, whenever any of those jobs changes in a way that counts.
CREATE TABLE clip_job_workflows (
    job_id     text PRIMARY KEY,          -- a succeeded video/clips job
    upload_id  text,
    created_at timestamptz NOT NULL,
    account_id bigint NOT NULL,
    clips      integer NOT NULL,          -- the clips it asked for
    workflow   text NOT NULL              -- 'timeline/moments > video/clips'
);
CREATE INDEX clip_job_workflows_created ON clip_job_workflows (created_at)
    INCLUDE (workflow, clips, account_id);
CREATE INDEX clip_job_workflows_upload ON clip_job_workflows (upload_id, created_at)
    WHERE upload_id IS NOT NULL;

-- The rows as the jobs give them now (what the table must hold). A filter
-- on job_id, or on upload_id and created_at, reaches the jobs' indexes; the
-- jobs before each clips job come from jobs_upload. Ties in the first run
-- are ordered by endpoint, so a workflow reads the same every time.
CREATE VIEW clip_job_workflows_from_jobs AS
SELECT c.id AS job_id, c.upload_id, c.created_at, c.account_id,
       CASE WHEN jsonb_typeof(c.params -> 'clips') = 'array'
            THEN jsonb_array_length(c.params -> 'clips') ELSE 0 END AS clips,
       coalesce((SELECT string_agg(b.endpoint, ' > ' ORDER BY b.first_at, b.endpoint) || ' > '
                   FROM (SELECT p.endpoint, min(p.created_at) AS first_at
                           FROM jobs p
                          WHERE p.upload_id = c.upload_id AND p.created_at < c.created_at
                            AND p.created_at >= c.created_at - interval '7 days'
                            AND p.endpoint <> 'video/clips' AND p.status = 'succeeded'
                          GROUP BY p.endpoint) b), '') || 'video/clips' AS workflow
  FROM jobs c
 WHERE c.endpoint = 'video/clips' AND c.status = 'succeeded';

-- Computes again the rows of the clips jobs that may follow a job of upload
-- p_upload made at p_at (those made in the 7 days after it). Only the
-- workflow can change: whether a clips job has a row depends on that job
-- alone, and its own trigger keeps that.
CREATE FUNCTION miq_clip_workflows_after(p_upload text, p_at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clip_job_workflows w SET workflow = f.workflow
      FROM clip_job_workflows_from_jobs f
     WHERE w.upload_id = p_upload AND w.created_at > p_at
       AND w.created_at <= p_at + interval '7 days'
       AND f.job_id = w.job_id AND f.workflow IS DISTINCT FROM w.workflow;
END $$;

-- A job's insert or update that can change a workflow (see the trigger's
-- WHEN): its own row when it is (or was) a clips job, and the clips jobs
-- after it when it is (or was) a succeeded job of another endpoint. One
-- transaction per upload at a time (an advisory lock until commit, lower
-- upload first), so two jobs of one upload settling at once cannot each
-- miss the other: the second reads the first's committed rows.
CREATE FUNCTION miq_clip_workflow_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_feeds boolean := TG_OP = 'UPDATE' AND OLD.upload_id IS NOT NULL
                         AND OLD.status = 'succeeded' AND OLD.endpoint <> 'video/clips';
    new_feeds boolean := NEW.upload_id IS NOT NULL AND NEW.status = 'succeeded'
                         AND NEW.endpoint <> 'video/clips';
BEGIN
    PERFORM pg_advisory_xact_lock(727022, hashtext(u))
       FROM (SELECT DISTINCT u FROM unnest(ARRAY[CASE WHEN TG_OP = 'UPDATE' THEN OLD.upload_id END,
                                                  NEW.upload_id]) u
              WHERE u IS NOT NULL ORDER BY 1) x;
    IF NEW.endpoint = 'video/clips' OR (TG_OP = 'UPDATE' AND OLD.endpoint = 'video/clips') THEN
        DELETE FROM clip_job_workflows WHERE job_id = NEW.id
            OR (TG_OP = 'UPDATE' AND job_id = OLD.id);
        INSERT INTO clip_job_workflows SELECT * FROM clip_job_workflows_from_jobs WHERE job_id = NEW.id;
    END IF;
    IF old_feeds THEN
        PERFORM miq_clip_workflows_after(OLD.upload_id, OLD.created_at);
    END IF;
    IF new_feeds AND NOT (old_feeds AND OLD.upload_id = NEW.upload_id
                          AND OLD.created_at = NEW.created_at) THEN
        PERFORM miq_clip_workflows_after(NEW.upload_id, NEW.created_at);
    END IF;
    RETURN NULL;
END $$;

-- Deleted jobs (an account's deletion, a cascade, by hand), per statement:
-- their rows go, and the clips jobs after a deleted succeeded job of
-- another endpoint are computed again.
CREATE FUNCTION miq_clip_workflow_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(727022, hashtext(u))
       FROM (SELECT DISTINCT o.upload_id AS u FROM old_rows o
              WHERE o.upload_id IS NOT NULL ORDER BY 1) x;
    DELETE FROM clip_job_workflows w USING old_rows o
     WHERE o.endpoint = 'video/clips' AND w.job_id = o.id;
    UPDATE clip_job_workflows w SET workflow = f.workflow
      FROM clip_job_workflows_from_jobs f
     WHERE f.job_id = w.job_id AND f.workflow IS DISTINCT FROM w.workflow
       AND w.job_id IN (SELECT w2.job_id FROM clip_job_workflows w2 JOIN old_rows o
                          ON w2.upload_id = o.upload_id AND w2.created_at > o.created_at
                         AND w2.created_at <= o.created_at + interval '7 days'
                         WHERE o.status = 'succeeded' AND o.endpoint <> 'video/clips');
    RETURN NULL;
END $$;

CREATE FUNCTION miq_clip_workflow_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM clip_job_workflows;
    RETURN NULL;
END $$;

-- Only what a workflow depends on fires the row trigger: UPDATE OF keeps
-- claims' other columns, heartbeats and settlements' results out, and the
-- WHEN clause lets through a change of status only into or out of
-- 'succeeded'. Of a job's life, its settlement runs the function once.
CREATE TRIGGER jobs_clip_workflows_insert AFTER INSERT ON jobs FOR EACH ROW
    WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION miq_clip_workflow_follow();
CREATE TRIGGER jobs_clip_workflows_update
    AFTER UPDATE OF id, status, endpoint, upload_id, created_at, account_id, params ON jobs FOR EACH ROW
    WHEN ((OLD.status = 'succeeded') <> (NEW.status = 'succeeded')
          OR ((OLD.status = 'succeeded' OR NEW.status = 'succeeded')
              AND (OLD.id IS DISTINCT FROM NEW.id OR OLD.endpoint IS DISTINCT FROM NEW.endpoint OR OLD.upload_id IS DISTINCT FROM NEW.upload_id
                   OR OLD.created_at IS DISTINCT FROM NEW.created_at
                   OR OLD.account_id IS DISTINCT FROM NEW.account_id
                   OR ((OLD.endpoint = 'video/clips' OR NEW.endpoint = 'video/clips')
                       AND OLD.params IS DISTINCT FROM NEW.params))))
    EXECUTE FUNCTION miq_clip_workflow_follow();
CREATE TRIGGER jobs_clip_workflows_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_clip_workflow_forget();
CREATE TRIGGER jobs_clip_workflows_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION miq_clip_workflow_truncate();

-- The table from the jobs, all of it (the backfill below; after a restore,
-- or when the check view is not empty). The lock makes concurrent writers
-- of the table wait until this commits.
CREATE FUNCTION miq_clip_workflows_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE clip_job_workflows IN EXCLUSIVE MODE;
    DELETE FROM clip_job_workflows;
    INSERT INTO clip_job_workflows SELECT * FROM clip_job_workflows_from_jobs;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
SELECT miq_clip_workflows_rebuild();

-- The table must equal the jobs: every clips job whose row differs.
CREATE VIEW admin_clip_workflows_check AS
SELECT coalesce(f.job_id, w.job_id) AS job_id, f.workflow AS from_jobs, w.workflow AS kept,
       f.clips AS clips_from_jobs, w.clips AS clips_kept
  FROM clip_job_workflows_from_jobs f FULL JOIN clip_job_workflows w ON w.job_id = f.job_id
 WHERE f.job_id IS NULL OR w.job_id IS NULL OR f.workflow <> w.workflow OR f.clips <> w.clips
    OR f.upload_id IS DISTINCT FROM w.upload_id OR f.created_at <> w.created_at
    OR f.account_id <> w.account_id;

-- The report: the period's rows (clip_job_workflows_created alone),
-- summed per workflow and account, then per workflow, which counts the
-- accounts without sorting every row (half the CPU of count(DISTINCT)).
-- Same rows as sql/021's.
CREATE OR REPLACE FUNCTION miq_report_clip_workflows(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (workflow text, clip_jobs bigint, clips bigint, accounts bigint)
LANGUAGE sql STABLE AS $$
    SELECT a.workflow, sum(a.clip_jobs)::bigint, sum(a.clips)::bigint, count(*)
      FROM (SELECT w.workflow, w.account_id, count(*) AS clip_jobs, sum(w.clips) AS clips
              FROM clip_job_workflows w
             WHERE w.created_at >= p_since AND w.created_at < p_until
             GROUP BY 1, 2) a
     GROUP BY 1 ORDER BY 3 DESC, 1
$$;

-- 2. top-failed ------------------------------------------------------------
-- top-failed ranks accounts by failed jobs: only the period's failed jobs
-- (about one in twenty) are read to rank, from a partial index by creation
-- time; then each of the 50 accounts' jobs and most common error are read
-- by account.
CREATE INDEX jobs_failed_created ON jobs (created_at) INCLUDE (account_id, token_id)
    WHERE status = 'failed';

CREATE OR REPLACE FUNCTION miq_report_top_failed(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (account_id bigint, email text, failed bigint, jobs bigint, top_error text)
LANGUAGE sql STABLE AS $$
    SELECT s.account_id, coalesce(a.email, ''), s.failed,
           (SELECT count(*) FROM jobs j2 JOIN api_tokens t2 ON t2.id = j2.token_id AND t2.kind = 'connector'
             WHERE j2.account_id = s.account_id
               AND j2.created_at >= p_since AND j2.created_at < p_until),
           (SELECT coalesce(j2.error_code, '-') FROM jobs j2
             WHERE j2.account_id = s.account_id AND j2.status = 'failed'
               AND j2.created_at >= p_since AND j2.created_at < p_until
             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
      FROM (SELECT j.account_id, count(*) AS failed
              FROM jobs j JOIN api_tokens t ON t.id = j.token_id AND t.kind = 'connector'
             WHERE j.status = 'failed' AND j.created_at >= p_since AND j.created_at < p_until
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50) s
      JOIN accounts a ON a.id = s.account_id
     ORDER BY 3 DESC, 1
$$;
