-- Rate limits shared by every httpd child and node (issue 11): fixed windows
-- counted in PostgreSQL. The table is UNLOGGED: counters need no WAL and may
-- be lost in a crash; a limit then simply starts over.
-- Refusals per day and class, for the operators' reports (seed phase 6).
CREATE TABLE rate_limit_refusals (
    day date NOT NULL,
    class text NOT NULL,
    refusals bigint NOT NULL,
    PRIMARY KEY (day, class)
);
CREATE VIEW admin_rate_limit_refusals AS
SELECT day, class, refusals FROM rate_limit_refusals ORDER BY day DESC, refusals DESC;

CREATE UNLOGGED TABLE rate_limit_hits (
    key text NOT NULL,              -- class ':' subject hash
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_hits_window ON rate_limit_hits (window_start);

-- One hit for key in the current window of p_window_s seconds. Returns 0 when
-- the hit is within p_limit, else the seconds until the window ends (>= 1),
-- and the refusal is counted for its class (the key up to ':').
-- Old windows are removed now and then (about one call in 500), so the table
-- stays small without a cron job.
CREATE FUNCTION miq_rate_hit(p_key text, p_limit integer, p_window_s integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    w timestamptz := to_timestamp(floor(extract(epoch FROM now()) / p_window_s) * p_window_s);
    n integer;
BEGIN
    INSERT INTO rate_limit_hits (key, window_start, hits) VALUES (p_key, w, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
    RETURNING hits INTO n;
    IF random() < 0.002 THEN
        DELETE FROM rate_limit_hits WHERE window_start < now() - interval '1 day';
    END IF;
    IF n <= p_limit THEN
        RETURN 0;
    END IF;
    INSERT INTO rate_limit_refusals (day, class, refusals)
    VALUES (current_date, split_part(p_key, ':', 1), 1)
    ON CONFLICT (day, class) DO UPDATE SET refusals = rate_limit_refusals.refusals + 1;
    RETURN greatest(1, ceil(extract(epoch FROM w + make_interval(secs => p_window_s) - now())))::integer;
END $$;

