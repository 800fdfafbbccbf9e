-- admin_ledger_check after account deletions (sql/013). The check compares
-- the ledger with the jobs table; a deleted account keeps its ledger rows
-- (anonymised) but its jobs are gone, so the comparison flagged every
-- deleted account that had spent credits. For a tombstone the charges come
-- from its settlement rows and nothing may stay reserved (deletion cancels
-- running jobs and releases their reservations): a leaked reservation still
-- shows as a mismatch.
CREATE OR REPLACE VIEW admin_ledger_check AS
SELECT a.id AS account_id, miq_balance(a.id) AS balance,
       (SELECT coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
           AND l.kind IN ('grant', 'topup')) AS granted,
       CASE WHEN a.deleted_at IS NULL THEN
           (SELECT coalesce(sum(charged_credits), 0) FROM jobs j WHERE j.account_id = a.id
               AND j.status = 'succeeded')
       ELSE
           (SELECT coalesce(-sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
               AND l.kind = 'settlement')
       END AS charged,
       CASE WHEN a.deleted_at IS NULL THEN
           (SELECT coalesce(sum(estimated_credits), 0) FROM jobs j WHERE j.account_id = a.id
               AND j.status IN ('queued', 'running'))
       ELSE 0 END AS reserved
  FROM accounts a;
