-- The check every SQL script of this suite uses: run.sh feeds this file to
-- psql ahead of each script (a session-local function, so before the
-- script's own transaction). expect(name, got, want) returns "ok NAME", which
-- run.sh counts, or stops the script with both figures.
\set ON_ERROR_STOP 1
CREATE FUNCTION pg_temp.expect(p_name text, p_got text, p_want text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF p_got IS DISTINCT FROM p_want THEN
        RAISE EXCEPTION '%: got %, want %', p_name, coalesce(p_got, 'NULL'), coalesce(p_want, 'NULL');
    END IF;
    RETURN 'ok ' || p_name;
END $$;
