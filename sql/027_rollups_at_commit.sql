-- The counters that many transactions share are written at commit, after
-- everything else a transaction locks.
--
-- sql/019-026 keep report and /metrics totals in rows that every account's
-- jobs write (per day and connector label, per metric, in miq_metric_slot()
-- slot rows). Their row triggers fired inside the statement, so a job's
-- settlement held such a row while it went on to its ledger rows, whose
-- foreign key waits for the account a job creation holds (FOR UPDATE);
-- that creation then waited for the same counter row: a deadlock, seen in
-- CI with jobs created and settled on one account at once (the creation
-- failed with "deadlock detected").
--
-- As deferred constraint triggers they run when the transaction commits,
-- when it has taken every account, job and ledger lock it will take, so a
-- transaction holding a counter row waits for nothing but other counter
-- rows. What they write is unchanged (each event keeps its OLD and NEW,
-- and its WHEN clause is judged when the row changes); the account's own
-- credit totals (credit_ledger_totals) stay immediate, since creations
-- read them. Statement triggers (deletes, truncates) take the rollups'
-- advisory locks exclusive and stay as they are. A session that must read
-- its own writes' totals before it commits says SET CONSTRAINTS ALL
-- IMMEDIATE (the tests/ops scripts do).

-- jobs: sql/022's clip workflows ---------------------------------------------
DROP TRIGGER jobs_clip_workflows_insert ON jobs;
DROP TRIGGER jobs_clip_workflows_update ON jobs;
CREATE CONSTRAINT TRIGGER jobs_clip_workflows_insert AFTER INSERT ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION miq_clip_workflow_follow();
CREATE CONSTRAINT TRIGGER jobs_clip_workflows_update
    AFTER UPDATE OF id, status, endpoint, upload_id, created_at, account_id, params ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.status = 'succeeded') <> (NEW.status = 'succeeded')
          OR ((OLD.status = 'succeeded' OR NEW.status = 'succeeded')
              AND (OLD.id IS DISTINCT FROM NEW.id OR OLD.endpoint IS DISTINCT FROM NEW.endpoint OR OLD.upload_id IS DISTINCT FROM NEW.upload_id
                   OR OLD.created_at IS DISTINCT FROM NEW.created_at
                   OR OLD.account_id IS DISTINCT FROM NEW.account_id
                   OR ((OLD.endpoint = 'video/clips' OR NEW.endpoint = 'video/clips')
                       AND OLD.params IS DISTINCT FROM NEW.params))))
    EXECUTE FUNCTION miq_clip_workflow_follow();

-- jobs: sql/023's /metrics counters ------------------------------------------
DROP TRIGGER jobs_metric_totals_insert ON jobs;
DROP TRIGGER jobs_metric_totals_update ON jobs;
CREATE CONSTRAINT TRIGGER jobs_metric_totals_insert AFTER INSERT ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_jobs();
CREATE CONSTRAINT TRIGGER jobs_metric_totals_update AFTER UPDATE OF status, started_at ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.started_at IS DISTINCT FROM NEW.started_at)
    EXECUTE FUNCTION miq_metric_totals_jobs();

-- jobs: sql/019's queue wait (slot rows since sql/026) -------------------------
DROP TRIGGER jobs_wait_daily_insert ON jobs;
DROP TRIGGER jobs_wait_daily_update ON jobs;
CREATE CONSTRAINT TRIGGER jobs_wait_daily_insert AFTER INSERT ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.started_at IS NOT NULL) EXECUTE FUNCTION miq_job_wait_update();
CREATE CONSTRAINT TRIGGER jobs_wait_daily_update AFTER UPDATE OF created_at, started_at ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION miq_job_wait_update();

-- jobs: sql/024's connector usage ----------------------------------------------
DROP TRIGGER jobs_connector_usage_insert ON jobs;
DROP TRIGGER jobs_connector_usage_update ON jobs;
CREATE CONSTRAINT TRIGGER jobs_connector_usage_insert AFTER INSERT ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION miq_connector_usage_job_insert();
CREATE CONSTRAINT TRIGGER jobs_connector_usage_update
    AFTER UPDATE OF token_id, account_id, created_at, status, charged_credits ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.token_id IS DISTINCT FROM NEW.token_id OR OLD.account_id IS DISTINCT FROM NEW.account_id
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR (OLD.status = 'succeeded') IS DISTINCT FROM (NEW.status = 'succeeded')
          OR (NEW.status = 'succeeded' AND OLD.charged_credits IS DISTINCT FROM NEW.charged_credits))
    EXECUTE FUNCTION miq_connector_usage_job_update();

-- jobs: sql/025's connector spend ----------------------------------------------
DROP TRIGGER jobs_connector_spend_insert ON jobs;
DROP TRIGGER jobs_connector_spend_update ON jobs;
CREATE CONSTRAINT TRIGGER jobs_connector_spend_insert AFTER INSERT ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.token_id IS NOT NULL) EXECUTE FUNCTION miq_connector_spend_row();
CREATE CONSTRAINT TRIGGER jobs_connector_spend_update
    AFTER UPDATE OF status, charged_credits, created_at, token_id, account_id ON jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.token_id IS NOT NULL OR NEW.token_id IS NOT NULL)
          AND (OLD.token_id IS DISTINCT FROM NEW.token_id OR OLD.account_id <> NEW.account_id
               OR OLD.created_at <> NEW.created_at
               OR (OLD.status = 'succeeded') <> (NEW.status = 'succeeded')
               OR (NEW.status = 'succeeded' AND OLD.charged_credits IS DISTINCT FROM NEW.charged_credits)))
    EXECUTE FUNCTION miq_connector_spend_row();

-- credit_ledger and webhook_deliveries: sql/020's /metrics counters ------------
DROP TRIGGER credit_ledger_metric_totals ON credit_ledger;
CREATE CONSTRAINT TRIGGER credit_ledger_metric_totals AFTER INSERT ON credit_ledger
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_ledger();
DROP TRIGGER webhook_deliveries_metric_totals ON webhook_deliveries;
CREATE CONSTRAINT TRIGGER webhook_deliveries_metric_totals AFTER INSERT ON webhook_deliveries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION miq_metric_totals_webhooks();
