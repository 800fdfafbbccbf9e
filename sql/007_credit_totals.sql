-- Running totals of the credit ledger, kept by a trigger on every ledger row.
-- Balances and this month's spend used to be sums over credit_ledger on every
-- authenticated request (the token check) and every job creation: the cost
-- grew with an account's history. The ledger stays the record and reports
-- still read it; admin_ledger_check now also proves the totals equal it.

ALTER TABLE accounts ADD COLUMN balance_credits bigint NOT NULL DEFAULT 0;

-- Credits committed per calendar month (UTC) of the ledger rows: reservations
-- and settlements minus releases. May dip below zero in a month where a
-- release returns an earlier month's reservation; readers clamp at 0 as
-- miq_spent always did.
CREATE TABLE account_spend (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    period     date NOT NULL,
    credits    bigint NOT NULL,
    PRIMARY KEY (account_id, period)
);

-- The same per connector token, for per-token caps (jobs.token_id).
CREATE TABLE token_spend (
    token_id text NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    period   date NOT NULL,
    credits  bigint NOT NULL,
    PRIMARY KEY (token_id, period)
);

-- Every writer of the ledger already holds the account row (job creation,
-- grants and top-ups lock it first; settlement, release and cancel lock the
-- job, then this trigger takes the account), so totals move in the same
-- order as the ledger and no lock cycle appears.
CREATE FUNCTION miq_ledger_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p date := date_trunc('month', NEW.created_at AT TIME ZONE 'UTC')::date;
    tok text;
BEGIN
    UPDATE accounts SET balance_credits = balance_credits + NEW.credits WHERE id = NEW.account_id;
    IF NEW.kind IN ('reservation', 'release', 'settlement') THEN
        INSERT INTO account_spend AS s (account_id, period, credits)
             VALUES (NEW.account_id, p, -NEW.credits)
        ON CONFLICT (account_id, period) DO UPDATE SET credits = s.credits + EXCLUDED.credits;
        SELECT token_id INTO tok FROM jobs WHERE id = NEW.job_id;
        IF tok IS NOT NULL THEN
            INSERT INTO token_spend AS s (token_id, period, credits) VALUES (tok, p, -NEW.credits)
            ON CONFLICT (token_id, period) DO UPDATE SET credits = s.credits + EXCLUDED.credits;
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- The ledger is append-only: an amount, account or kind never changes (a
-- deleted job only clears job_id).
CREATE FUNCTION miq_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.credits <> OLD.credits OR NEW.account_id <> OLD.account_id OR NEW.kind <> OLD.kind
       OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'credit_ledger is append-only: add a row instead of changing row %', OLD.id;
    END IF;
    RETURN NEW;
END $$;

-- No ledger row may be written while the totals are computed.
LOCK TABLE credit_ledger IN SHARE ROW EXCLUSIVE MODE;

UPDATE accounts a SET balance_credits = l.total
  FROM (SELECT account_id, sum(credits) AS total FROM credit_ledger GROUP BY account_id) l
 WHERE l.account_id = a.id;

INSERT INTO account_spend (account_id, period, credits)
SELECT account_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date, -sum(credits)
  FROM credit_ledger WHERE kind IN ('reservation', 'release', 'settlement')
 GROUP BY 1, 2;

INSERT INTO token_spend (token_id, period, credits)
SELECT j.token_id, date_trunc('month', l.created_at AT TIME ZONE 'UTC')::date, -sum(l.credits)
  FROM credit_ledger l JOIN jobs j ON j.id = l.job_id
 WHERE j.token_id IS NOT NULL AND l.kind IN ('reservation', 'release', 'settlement')
 GROUP BY 1, 2;

CREATE TRIGGER credit_ledger_totals AFTER INSERT ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION miq_ledger_totals();
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION miq_ledger_append_only();

-- The readers, same names and meaning, now constant-time.
CREATE OR REPLACE FUNCTION miq_balance(acct bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT balance_credits FROM accounts WHERE id = acct), 0)
$$;

CREATE OR REPLACE FUNCTION miq_spent(acct bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT greatest(0, coalesce((SELECT credits FROM account_spend
                                  WHERE account_id = acct AND period = miq_period()), 0))
$$;

CREATE OR REPLACE FUNCTION miq_token_spent(tok text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT greatest(0, coalesce((SELECT credits FROM token_spend
                                  WHERE token_id = tok AND period = miq_period()), 0))
$$;

-- The totals must equal the ledger (tests and operators read this view).
CREATE VIEW admin_credit_totals_check AS
SELECT a.id AS account_id, a.balance_credits,
       (SELECT coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id)
           AS ledger_balance,
       coalesce((SELECT credits FROM account_spend s WHERE s.account_id = a.id
                  AND s.period = miq_period()), 0) AS spend_this_period,
       (SELECT -coalesce(sum(credits), 0) FROM credit_ledger l WHERE l.account_id = a.id
           AND l.kind IN ('reservation', 'release', 'settlement')
           AND l.created_at >= miq_period_start()) AS ledger_spend_this_period
  FROM accounts a;
