-- connector-usage over a year in well under 200 ms (issue 16): its totals
-- kept per connector label rather than per token, and kept right when a
-- token's label changes.
--
-- The report's label of a job is resolved when the report runs: the OAuth
-- client's connector of the token's family, 'oauth' for a token with a
-- family but no known client, else the token's kind; 'dashboard' without a
-- token, 'deleted token' when the token row is gone. A handful of labels
-- instead of one series per (account, token) is what makes totals fold
-- (docs/reporting.md measured per-token rollups: one job per row). So:
--
-- * connector_usage_tokens: the label each token's jobs are counted under,
--   equal to what the report would resolve. Triggers on api_tokens,
--   oauth_families and oauth_clients recompute it for the tokens concerned;
--   when it changes, the token's jobs (jobs_token) move from the old label's
--   rows to the new one's.
-- * connector_usage_daily: per label and UTC day of created_at, jobs,
--   succeeded jobs and their charged credits (additive), spread over
--   sql/023's slot rows so that concurrent writers seldom share a row.
-- * connector_usage_accounts: distinct accounts are not additive, so per
--   year, label and account a bitmap of the days with a job; a period's
--   accounts are the rows whose bitmap meets its whole days, plus the
--   accounts of its partial first and last day, read from the jobs.
--
-- Locking: every write of these tables holds one transaction-level advisory
-- lock. Job inserts and settlements take it shared (they never wait on each
-- other); what can clear a bit or move a token's jobs (deleting jobs, hand
-- edits of a job's token, account or day, a token's label changing) takes it
-- exclusive, so it sees every other writer's jobs committed and none writes
-- meanwhile. Those are rare: account deletion, purge of OAuth families and
-- clients, hand edits.

-- 1. Tables ------------------------------------------------------------------
CREATE TABLE connector_usage_tokens (
    token_id  text PRIMARY KEY,
    connector text NOT NULL
);

CREATE TABLE connector_usage_daily (
    day       date NOT NULL,                  -- the jobs' created_at, UTC
    connector text NOT NULL,
    slot      smallint NOT NULL,              -- miq_metric_slot() of the writer
    jobs      bigint NOT NULL,
    succeeded bigint NOT NULL,
    credits   bigint NOT NULL,                -- charged_credits of the succeeded jobs
    PRIMARY KEY (day, connector, slot)
);

CREATE TABLE connector_usage_accounts (
    year       integer NOT NULL,              -- UTC
    connector  text NOT NULL,
    account_id bigint NOT NULL,
    days       bit(366) NOT NULL,             -- bit n: a job on 1 January + n days
    PRIMARY KEY (year, connector, account_id)
);

-- Families by client, for a client's connector change (and a registration
-- must not scan every family).
CREATE INDEX oauth_families_client ON oauth_families (client_id);

-- 2. Labels ------------------------------------------------------------------
-- The key of the advisory lock above: written once, here.
CREATE FUNCTION miq_connector_usage_lock_key() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT 727024::bigint
$$;

-- A token's label as the tables say now (016/019's expression).
CREATE FUNCTION miq_token_connector(p_token text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_token IS NULL THEN 'dashboard' ELSE coalesce(
        (SELECT coalesce(oc.connector, CASE WHEN t.family_id IS NOT NULL THEN 'oauth' END, t.kind)
           FROM api_tokens t
           LEFT JOIN oauth_families f ON f.id = t.family_id
           LEFT JOIN oauth_clients oc ON oc.client_id = f.client_id
          WHERE t.id = p_token), 'deleted token') END
$$;

-- The label a job of this token is counted under (caller holds the lock).
-- A token without a row yet (inserted with the triggers off, or a job naming
-- a token that never existed) gets one with its label now.
CREATE FUNCTION miq_connector_usage_label(p_token text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    label text;
BEGIN
    IF p_token IS NULL THEN
        RETURN 'dashboard';
    END IF;
    SELECT connector INTO label FROM connector_usage_tokens WHERE token_id = p_token;
    IF NOT FOUND THEN
        INSERT INTO connector_usage_tokens AS m VALUES (p_token, miq_token_connector(p_token))
        ON CONFLICT (token_id) DO UPDATE SET connector = m.connector
        RETURNING connector INTO label;
    END IF;
    RETURN label;
END $$;

-- 3. Writing the rollup ------------------------------------------------------
-- The bit of a day in its year's bitmap.
CREATE FUNCTION miq_day_bit(p_day date) RETURNS bit(366) LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT set_bit(B'0'::bit(366), p_day - make_date(extract(year FROM p_day)::integer, 1, 1), 1)::bit(366)
$$;

-- One job's counts added (p_sign 1) or taken (-1); its day's bit set when
-- added (taking is miq_connector_usage_recheck's, under the exclusive lock).
CREATE FUNCTION miq_connector_usage_put(p_label text, p_account bigint, p_at timestamptz,
                                        p_status text, p_credits bigint, p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d date := (p_at AT TIME ZONE 'UTC')::date;
    y integer := extract(year FROM d)::integer;
    ok boolean := p_status = 'succeeded';
BEGIN
    INSERT INTO connector_usage_daily AS t
    VALUES (d, p_label, miq_metric_slot(), p_sign, CASE WHEN ok THEN p_sign ELSE 0 END,
            CASE WHEN ok THEN p_sign * coalesce(p_credits, 0) ELSE 0 END)
    ON CONFLICT (day, connector, slot) DO UPDATE
       SET jobs = t.jobs + EXCLUDED.jobs, succeeded = t.succeeded + EXCLUDED.succeeded,
           credits = t.credits + EXCLUDED.credits;
    IF p_sign > 0 THEN
        -- most jobs fall on a day already marked: a read, no write
        PERFORM 1 FROM connector_usage_accounts a
         WHERE a.year = y AND a.connector = p_label AND a.account_id = p_account
           AND get_bit(a.days, d - make_date(y, 1, 1)) = 1;
        IF NOT FOUND THEN
            INSERT INTO connector_usage_accounts AS a VALUES (y, p_label, p_account, miq_day_bit(d))
            ON CONFLICT (year, connector, account_id) DO UPDATE SET days = a.days | EXCLUDED.days;
        END IF;
    END IF;
END $$;

-- Clears the bit of each (label, account, day) given that has no job left
-- under that label, from the jobs as they are now (caller holds the lock
-- exclusive, after the jobs changed); drops bitmaps left empty.
CREATE FUNCTION miq_connector_usage_recheck(p_labels text[], p_accounts bigint[], p_days date[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH c AS (SELECT DISTINCT * FROM unnest(p_labels, p_accounts, p_days) AS c (connector, account_id, day)),
    gone AS (
        SELECT extract(year FROM c.day)::integer AS year, c.connector, c.account_id,
               bit_or(miq_day_bit(c.day)) AS bits
          FROM c
         WHERE NOT EXISTS (
                   SELECT 1 FROM jobs j
                    WHERE j.account_id = c.account_id
                      AND j.created_at >= c.day::timestamp AT TIME ZONE 'UTC'
                      AND j.created_at < (c.day + 1)::timestamp AT TIME ZONE 'UTC'
                      AND coalesce((SELECT m.connector FROM connector_usage_tokens m
                                     WHERE m.token_id = j.token_id),
                                   miq_token_connector(j.token_id)) = c.connector)
         GROUP BY 1, 2, 3)
    UPDATE connector_usage_accounts a SET days = a.days & ~g.bits
      FROM gone g
     WHERE a.year = g.year AND a.connector = g.connector AND a.account_id = g.account_id;
    DELETE FROM connector_usage_accounts a
     WHERE a.days = B'0'::bit(366)
       AND (a.connector, a.account_id) IN (SELECT * FROM unnest(p_labels, p_accounts));
    DELETE FROM connector_usage_daily t
     WHERE t.jobs = 0 AND t.succeeded = 0 AND t.credits = 0
       AND (t.day, t.connector) IN (SELECT u.d, u.l FROM unnest(p_days, p_labels) AS u (d, l));
END $$;

-- 4. The jobs' triggers --------------------------------------------------------
-- A new job: its counts and its day's bit, under the lock shared.
CREATE FUNCTION miq_connector_usage_job_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(miq_connector_usage_lock_key());
    PERFORM miq_connector_usage_put(miq_connector_usage_label(NEW.token_id), NEW.account_id,
                                    NEW.created_at, NEW.status, NEW.charged_credits, 1);
    RETURN NULL;
END $$;

-- A settlement (status or credits changed, same token, account and day) is
-- one upsert of the difference under the lock shared. A job moved to another
-- token, account or day (by hand) may leave a day without jobs: exclusive.
CREATE FUNCTION miq_connector_usage_job_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_day date := (OLD.created_at AT TIME ZONE 'UTC')::date;
    old_label text;
    ok_was boolean := OLD.status = 'succeeded';
    ok_now boolean := NEW.status = 'succeeded';
BEGIN
    IF OLD.token_id IS NOT DISTINCT FROM NEW.token_id AND OLD.account_id = NEW.account_id
       AND old_day = (NEW.created_at AT TIME ZONE 'UTC')::date THEN
        PERFORM pg_advisory_xact_lock_shared(miq_connector_usage_lock_key());
        INSERT INTO connector_usage_daily AS t
        VALUES (old_day, miq_connector_usage_label(NEW.token_id), miq_metric_slot(), 0,
                ok_now::integer - ok_was::integer,
                CASE WHEN ok_now THEN coalesce(NEW.charged_credits, 0) ELSE 0 END
                - CASE WHEN ok_was THEN coalesce(OLD.charged_credits, 0) ELSE 0 END)
        ON CONFLICT (day, connector, slot) DO UPDATE
           SET succeeded = t.succeeded + EXCLUDED.succeeded, credits = t.credits + EXCLUDED.credits;
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
    old_label := miq_connector_usage_label(OLD.token_id);
    PERFORM miq_connector_usage_put(old_label, OLD.account_id, OLD.created_at, OLD.status,
                                    OLD.charged_credits, -1);
    PERFORM miq_connector_usage_put(miq_connector_usage_label(NEW.token_id), NEW.account_id,
                                    NEW.created_at, NEW.status, NEW.charged_credits, 1);
    PERFORM miq_connector_usage_recheck(ARRAY[old_label], ARRAY[OLD.account_id], ARRAY[old_day]);
    RETURN NULL;
END $$;

-- Deleted jobs (an account's deletion, a cascade, by hand): one grouped
-- write per statement, then the days they leave are read again.
CREATE FUNCTION miq_connector_usage_job_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    labels text[];
    accounts bigint[];
    days date[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
    INSERT INTO connector_usage_daily AS t
    SELECT o.day, o.connector, miq_metric_slot(), -count(*), -count(*) FILTER (WHERE o.status = 'succeeded'),
           -coalesce(sum(o.charged_credits) FILTER (WHERE o.status = 'succeeded'), 0)
      FROM (SELECT (r.created_at AT TIME ZONE 'UTC')::date AS day, r.status, r.charged_credits,
                   coalesce(m.connector, CASE WHEN r.token_id IS NULL THEN 'dashboard' END,
                            miq_token_connector(r.token_id)) AS connector
              FROM old_rows r LEFT JOIN connector_usage_tokens m ON m.token_id = r.token_id) o
     GROUP BY 1, 2
    ON CONFLICT (day, connector, slot) DO UPDATE
       SET jobs = t.jobs + EXCLUDED.jobs, succeeded = t.succeeded + EXCLUDED.succeeded,
           credits = t.credits + EXCLUDED.credits;
    SELECT array_agg(x.connector), array_agg(x.account_id), array_agg(x.day) INTO labels, accounts, days
      FROM (SELECT DISTINCT coalesce(m.connector, CASE WHEN r.token_id IS NULL THEN 'dashboard' END,
                                     miq_token_connector(r.token_id)) AS connector,
                   r.account_id, (r.created_at AT TIME ZONE 'UTC')::date AS day
              FROM old_rows r LEFT JOIN connector_usage_tokens m ON m.token_id = r.token_id) x;
    PERFORM miq_connector_usage_recheck(labels, accounts, days);
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_usage_job_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
    DELETE FROM connector_usage_daily;
    DELETE FROM connector_usage_accounts;
    RETURN NULL;
END $$;

-- Of a job's life: its insert, and its settlement when it succeeds (claims,
-- heartbeats, retries, failures and cancels of an unsettled job change no
-- count: the WHEN clause skips them at no cost).
CREATE TRIGGER jobs_connector_usage_insert AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION miq_connector_usage_job_insert();
CREATE TRIGGER jobs_connector_usage_update
    AFTER UPDATE OF token_id, account_id, created_at, status, charged_credits ON jobs FOR EACH ROW
    WHEN (OLD.token_id IS DISTINCT FROM NEW.token_id OR OLD.account_id IS DISTINCT FROM NEW.account_id
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR (OLD.status = 'succeeded') IS DISTINCT FROM (NEW.status = 'succeeded')
          OR (NEW.status = 'succeeded' AND OLD.charged_credits IS DISTINCT FROM NEW.charged_credits))
    EXECUTE FUNCTION miq_connector_usage_job_update();
CREATE TRIGGER jobs_connector_usage_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_job_delete();
CREATE TRIGGER jobs_connector_usage_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_job_truncate();

-- 5. Label changes -------------------------------------------------------------
-- Recomputes the label of each token given; where it changed, the token's
-- jobs (jobs_token) move from the old label's rows to the new one's. Under
-- the lock exclusive, taken only when some label changed.
CREATE FUNCTION miq_connector_usage_relabel(p_tokens text[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    toks text[];
    was text[];
    now_ text[];
    labels text[];
    accounts bigint[];
    days date[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM connector_usage_tokens m
                    WHERE m.token_id = ANY (p_tokens) AND m.connector <> miq_token_connector(m.token_id)) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
    SELECT array_agg(m.token_id), array_agg(m.connector), array_agg(x.label) INTO toks, was, now_
      FROM connector_usage_tokens m, LATERAL (SELECT miq_token_connector(m.token_id) AS label) x
     WHERE m.token_id = ANY (p_tokens) AND m.connector <> x.label;
    IF toks IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE connector_usage_tokens m SET connector = c.label
      FROM unnest(toks, now_) AS c (token_id, label) WHERE m.token_id = c.token_id;
    INSERT INTO connector_usage_daily AS t
    SELECT v.day, v.connector, miq_metric_slot(), sum(v.jobs), sum(v.succeeded), sum(v.credits)
      FROM jobs j
      JOIN unnest(toks, was, now_) AS c (token_id, was, label) ON j.token_id = c.token_id,
      LATERAL (VALUES ((j.created_at AT TIME ZONE 'UTC')::date, c.was, -1, -(j.status = 'succeeded')::integer,
                       -CASE WHEN j.status = 'succeeded' THEN coalesce(j.charged_credits, 0) ELSE 0 END),
                      ((j.created_at AT TIME ZONE 'UTC')::date, c.label, 1, (j.status = 'succeeded')::integer,
                       CASE WHEN j.status = 'succeeded' THEN coalesce(j.charged_credits, 0) ELSE 0 END))
              AS v (day, connector, jobs, succeeded, credits)
     GROUP BY 1, 2
    ON CONFLICT (day, connector, slot) DO UPDATE
       SET jobs = t.jobs + EXCLUDED.jobs, succeeded = t.succeeded + EXCLUDED.succeeded,
           credits = t.credits + EXCLUDED.credits;
    INSERT INTO connector_usage_accounts AS a
    SELECT extract(year FROM d.day)::integer, d.label, d.account_id, bit_or(miq_day_bit(d.day))
      FROM (SELECT DISTINCT c.label, j.account_id, (j.created_at AT TIME ZONE 'UTC')::date AS day
              FROM jobs j JOIN unnest(toks, now_) AS c (token_id, label) ON j.token_id = c.token_id) d
     GROUP BY 1, 2, 3
    ON CONFLICT (year, connector, account_id) DO UPDATE SET days = a.days | EXCLUDED.days;
    SELECT array_agg(d.was), array_agg(d.account_id), array_agg(d.day) INTO labels, accounts, days
      FROM (SELECT DISTINCT c.was, j.account_id, (j.created_at AT TIME ZONE 'UTC')::date AS day
              FROM jobs j JOIN unnest(toks, was) AS c (token_id, was) ON j.token_id = c.token_id) d;
    IF labels IS NOT NULL THEN
        PERFORM miq_connector_usage_recheck(labels, accounts, days);
    END IF;
    RETURN cardinality(toks);
END $$;

-- A token with no jobs leaves no row when its token row goes (under the
-- lock exclusive: a job of it being written waits, then makes the row again).
CREATE FUNCTION miq_connector_usage_forget(p_tokens text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM connector_usage_tokens m
                WHERE m.token_id = ANY (p_tokens) AND NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = m.token_id)) THEN
        PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
        DELETE FROM connector_usage_tokens m
         WHERE m.token_id = ANY (p_tokens)
           AND NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = m.token_id)
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.token_id = m.token_id);
    END IF;
END $$;

-- A new token gets its row (a token's jobs normally come after it); if jobs
-- named it before, they move to its label.
CREATE FUNCTION miq_connector_usage_token_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO connector_usage_tokens VALUES (NEW.id, miq_token_connector(NEW.id))
    ON CONFLICT (token_id) DO NOTHING;
    IF NOT FOUND THEN
        PERFORM miq_connector_usage_relabel(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_usage_token_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO connector_usage_tokens VALUES (NEW.id, miq_token_connector(NEW.id))
    ON CONFLICT (token_id) DO NOTHING;
    PERFORM miq_connector_usage_relabel(ARRAY[OLD.id, NEW.id]);
    PERFORM miq_connector_usage_forget(ARRAY[OLD.id]);
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_usage_token_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    toks text[] := (SELECT array_agg(id) FROM old_rows);
BEGIN
    IF toks IS NOT NULL THEN
        PERFORM miq_connector_usage_relabel(toks);
        PERFORM miq_connector_usage_forget(toks);
    END IF;
    RETURN NULL;
END $$;

-- Families and clients: the tokens they name (api_tokens_family,
-- oauth_families_client); nothing to do for a family or client no token
-- uses yet, as when one is created.
CREATE FUNCTION miq_connector_usage_family_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    fams text[];
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        fams := ARRAY[OLD.id, NEW.id];
    ELSIF TG_OP = 'INSERT' THEN
        fams := (SELECT array_agg(id) FROM new_rows);
    ELSE
        fams := (SELECT array_agg(id) FROM old_rows);
    END IF;
    PERFORM miq_connector_usage_relabel(array_agg(t.id))
       FROM api_tokens t WHERE t.family_id = ANY (fams) HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE FUNCTION miq_connector_usage_client_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clients text[];
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        clients := ARRAY[OLD.client_id, NEW.client_id];
    ELSIF TG_OP = 'INSERT' THEN
        clients := (SELECT array_agg(client_id) FROM new_rows);
    ELSE
        clients := (SELECT array_agg(client_id) FROM old_rows);
    END IF;
    PERFORM miq_connector_usage_relabel(array_agg(t.id))
       FROM oauth_families f JOIN api_tokens t ON t.family_id = f.id
      WHERE f.client_id = ANY (clients) HAVING count(*) > 0;
    RETURN NULL;
END $$;

-- After a TRUNCATE of a label's source: everything from the tables again.
CREATE FUNCTION miq_connector_usage_source_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM miq_connector_usage_rebuild();
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_connector_usage_insert AFTER INSERT ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION miq_connector_usage_token_insert();
CREATE TRIGGER api_tokens_connector_usage_update AFTER UPDATE OF id, kind, family_id ON api_tokens
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.kind IS DISTINCT FROM NEW.kind
                       OR OLD.family_id IS DISTINCT FROM NEW.family_id)
    EXECUTE FUNCTION miq_connector_usage_token_update();
CREATE TRIGGER api_tokens_connector_usage_delete AFTER DELETE ON api_tokens
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_token_delete();
CREATE TRIGGER api_tokens_connector_usage_truncate AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_source_truncate();
CREATE TRIGGER oauth_families_connector_usage_insert AFTER INSERT ON oauth_families
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_family_change();
CREATE TRIGGER oauth_families_connector_usage_update AFTER UPDATE OF id, client_id ON oauth_families
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.client_id IS DISTINCT FROM NEW.client_id)
    EXECUTE FUNCTION miq_connector_usage_family_change();
CREATE TRIGGER oauth_families_connector_usage_delete AFTER DELETE ON oauth_families
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_family_change();
CREATE TRIGGER oauth_families_connector_usage_truncate AFTER TRUNCATE ON oauth_families
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_source_truncate();
CREATE TRIGGER oauth_clients_connector_usage_insert AFTER INSERT ON oauth_clients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_client_change();
CREATE TRIGGER oauth_clients_connector_usage_update AFTER UPDATE OF client_id, connector ON oauth_clients
    FOR EACH ROW WHEN (OLD.client_id IS DISTINCT FROM NEW.client_id OR OLD.connector IS DISTINCT FROM NEW.connector)
    EXECUTE FUNCTION miq_connector_usage_client_change();
CREATE TRIGGER oauth_clients_connector_usage_delete AFTER DELETE ON oauth_clients
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_client_change();
CREATE TRIGGER oauth_clients_connector_usage_truncate AFTER TRUNCATE ON oauth_clients
    FOR EACH STATEMENT EXECUTE FUNCTION miq_connector_usage_source_truncate();

-- 6. Rebuild and check -----------------------------------------------------------
-- The three tables from api_tokens, the families, the clients and the jobs
-- (the backfill below; after a restore, or when the check view is not
-- empty). The exclusive lock makes every writer wait for it.
CREATE FUNCTION miq_connector_usage_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(miq_connector_usage_lock_key());
    DELETE FROM connector_usage_tokens;
    INSERT INTO connector_usage_tokens
    SELECT s.id, miq_token_connector(s.id)
      FROM (SELECT id FROM api_tokens UNION SELECT DISTINCT token_id FROM jobs WHERE token_id IS NOT NULL) s;
    DELETE FROM connector_usage_daily;
    INSERT INTO connector_usage_daily
    SELECT (j.created_at AT TIME ZONE 'UTC')::date, coalesce(m.connector, 'dashboard'), 0, count(*),
           count(*) FILTER (WHERE j.status = 'succeeded'),
           coalesce(sum(j.charged_credits) FILTER (WHERE j.status = 'succeeded'), 0)
      FROM jobs j LEFT JOIN connector_usage_tokens m ON m.token_id = j.token_id
     GROUP BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM connector_usage_accounts;
    INSERT INTO connector_usage_accounts
    SELECT extract(year FROM d.day)::integer, d.connector, d.account_id, bit_or(miq_day_bit(d.day))
      FROM (SELECT DISTINCT coalesce(m.connector, 'dashboard') AS connector, j.account_id,
                            (j.created_at AT TIME ZONE 'UTC')::date AS day
              FROM jobs j LEFT JOIN connector_usage_tokens m ON m.token_id = j.token_id) d
     GROUP BY 1, 2, 3;
    RETURN n;
END $$;
SELECT miq_connector_usage_rebuild();

-- Every difference between the rollup and the tables: a token's label
-- ('token', with the label in the rollup and the tables' label), a day's
-- counts ('day': jobs/succeeded/credits), a year's bitmap of an account
-- ('account': the days with jobs, as bits). It should be empty.
CREATE VIEW admin_connector_usage_check AS
WITH labelled AS (   -- the tables' label of each job, joined once per token
    SELECT j.created_at, j.account_id, j.status, j.charged_credits,
           coalesce(c.connector, CASE WHEN j.token_id IS NULL THEN 'dashboard' ELSE 'deleted token' END)
               AS connector
      FROM jobs j
      LEFT JOIN (SELECT t.id, coalesce(oc.connector, CASE WHEN t.family_id IS NOT NULL THEN 'oauth' END,
                                       t.kind) AS connector
                   FROM api_tokens t
                   LEFT JOIN oauth_families f ON f.id = t.family_id
                   LEFT JOIN oauth_clients oc ON oc.client_id = f.client_id) c ON c.id = j.token_id),
daily AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, connector,
           count(*) || '/' || count(*) FILTER (WHERE status = 'succeeded') || '/'
           || coalesce(sum(charged_credits) FILTER (WHERE status = 'succeeded'), 0) AS counts
      FROM labelled GROUP BY 1, 2),
daily_r AS (
    SELECT day, connector, sum(jobs) || '/' || sum(succeeded) || '/' || sum(credits) AS counts
      FROM connector_usage_daily GROUP BY 1, 2 HAVING sum(jobs) <> 0 OR sum(succeeded) <> 0 OR sum(credits) <> 0),
bits AS (
    SELECT extract(year FROM d.day)::integer AS year, d.connector, d.account_id,
           bit_or(miq_day_bit(d.day))::text AS days
      FROM (SELECT DISTINCT connector, account_id, (created_at AT TIME ZONE 'UTC')::date AS day
              FROM labelled) d
     GROUP BY 1, 2, 3)
SELECT 'token' AS part, coalesce(m.token_id, t.id) AS key,
       miq_token_connector(coalesce(m.token_id, t.id)) AS logged, m.connector AS rolled_up
  FROM connector_usage_tokens m
  FULL JOIN (SELECT id FROM api_tokens UNION SELECT token_id FROM jobs WHERE token_id IS NOT NULL) t
    ON t.id = m.token_id
 WHERE m.connector IS DISTINCT FROM miq_token_connector(coalesce(m.token_id, t.id))
UNION ALL
SELECT 'day', coalesce(l.day, r.day) || ' ' || coalesce(l.connector, r.connector), l.counts, r.counts
  FROM daily l FULL JOIN daily_r r ON r.day = l.day AND r.connector = l.connector
 WHERE l.counts IS DISTINCT FROM r.counts
UNION ALL
SELECT 'account', coalesce(l.year, r.year) || ' ' || coalesce(l.connector, r.connector) || ' '
                  || coalesce(l.account_id, r.account_id), l.days, r.days::text
  FROM bits l FULL JOIN connector_usage_accounts r
    ON r.year = l.year AND r.connector = l.connector AND r.account_id = l.account_id
 WHERE l.days IS DISTINCT FROM r.days::text;

-- 7. The report ------------------------------------------------------------------
-- Whole UTC days of [since, until) from the rollup: the counts summed over
-- days and slots, the accounts whose bitmap meets the days (one mask per
-- year, made once); the partial first and last day from the jobs
-- (jobs_created_at), labelled through connector_usage_tokens. Same rows as
-- 019's for any period.
CREATE OR REPLACE FUNCTION miq_report_connector_usage(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (connector text, jobs bigint, succeeded bigint, credits_charged numeric,
               accounts bigint)
LANGUAGE sql STABLE AS $$
    WITH span AS MATERIALIZED (
        SELECT (miq_utc_day_ceil(p_since) AT TIME ZONE 'UTC')::date AS lo,
               (miq_utc_day_floor(p_until) AT TIME ZONE 'UTC')::date AS hi),
    masks AS MATERIALIZED (
        SELECT y.year, (repeat('0', b.first) || repeat('1', b.past - b.first)
                        || repeat('0', 366 - b.past))::bit(366) AS mask
          FROM span s,
               generate_series(extract(year FROM s.lo)::integer, extract(year FROM s.hi - 1)::integer) AS y (year),
               LATERAL (SELECT greatest(s.lo, make_date(y.year, 1, 1)) - make_date(y.year, 1, 1) AS first,
                               least(s.hi, make_date(y.year + 1, 1, 1)) - make_date(y.year, 1, 1) AS past) b
         WHERE s.lo < s.hi),
    ends AS MATERIALIZED (
        SELECT CASE WHEN e.token_id IS NULL THEN 'dashboard'
                    ELSE coalesce((SELECT m.connector FROM connector_usage_tokens m WHERE m.token_id = e.token_id),
                                  'deleted token') END AS connector,
               e.account_id, e.jobs, e.succeeded, e.credits
          FROM (SELECT e.token_id, e.account_id, count(*) AS jobs,
                       count(*) FILTER (WHERE e.status = 'succeeded') AS succeeded,
                       sum(e.charged_credits) FILTER (WHERE e.status = 'succeeded') AS credits
                  FROM (SELECT j.token_id, j.account_id, j.status, j.charged_credits FROM jobs j
                         WHERE j.created_at >= p_since
                           AND j.created_at < least(miq_utc_day_ceil(p_since), p_until)
                        UNION ALL
                        SELECT j.token_id, j.account_id, j.status, j.charged_credits FROM jobs j
                         WHERE j.created_at < p_until
                           AND j.created_at >= greatest(miq_utc_day_ceil(p_since), miq_utc_day_floor(p_until))) e
                 GROUP BY 1, 2) e),
    counts AS (
        SELECT x.connector, sum(x.jobs) AS jobs, sum(x.succeeded) AS succeeded, sum(x.credits) AS credits
          FROM (SELECT d.connector, d.jobs, d.succeeded, d.credits
                  FROM span s JOIN connector_usage_daily d ON d.day >= s.lo AND d.day < s.hi
                UNION ALL
                SELECT e.connector, e.jobs, e.succeeded, e.credits FROM ends e) x
         GROUP BY 1
        HAVING sum(x.jobs) > 0),
    accts AS (
        SELECT x.connector, count(*) AS accounts
          FROM (SELECT a.connector, a.account_id
                  FROM masks m JOIN connector_usage_accounts a ON a.year = m.year
                 WHERE a.year >= (SELECT min(year) FROM masks) AND a.year <= (SELECT max(year) FROM masks)
                   AND bit_count(a.days & m.mask) > 0
                UNION
                SELECT e.connector, e.account_id FROM ends e) x
         GROUP BY 1)
    SELECT c.connector, c.jobs::bigint, c.succeeded::bigint, coalesce(c.credits, 0)::numeric,
           coalesce(a.accounts, 0)
      FROM counts c LEFT JOIN accts a ON a.connector = c.connector
     ORDER BY 4 DESC, 1
$$;
