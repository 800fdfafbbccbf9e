-- clip-workflows: a clips job's workflow is the endpoints run on the same
-- upload in the 7 days before *it* (docs/reporting.md). 016 bounded the
-- earlier jobs only by the period (since - 7 days), so for a clips job late
-- in a 30-day period jobs up to 37 days before it counted. The join now
-- bounds each clips job's own window; the period bound stays, so the scan
-- of jobs is the same.
CREATE OR REPLACE FUNCTION miq_report_clip_workflows(p_since timestamptz, p_until timestamptz)
RETURNS TABLE (workflow text, clip_jobs bigint, clips bigint, accounts bigint)
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT j.id, j.upload_id, j.created_at, j.account_id,
               CASE WHEN jsonb_typeof(j.params -> 'clips') = 'array'
                    THEN jsonb_array_length(j.params -> 'clips') ELSE 0 END AS clips
          FROM jobs j
         WHERE j.endpoint = 'video/clips' AND j.status = 'succeeded'
           AND j.created_at >= p_since AND j.created_at < p_until),
    before AS (
        SELECT c.id, p.endpoint, min(p.created_at) AS first_at
          FROM c JOIN jobs p ON p.upload_id = c.upload_id AND p.created_at < c.created_at
                            AND p.created_at >= c.created_at - interval '7 days'
         WHERE p.created_at >= p_since - interval '7 days' AND p.created_at < p_until
           AND p.endpoint <> 'video/clips' AND p.status = 'succeeded'
         GROUP BY c.id, p.endpoint),
    flow AS (
        SELECT c.id, c.account_id, c.clips,
               coalesce(string_agg(b.endpoint, ' > ' ORDER BY b.first_at) || ' > ', '')
                   || 'video/clips' AS workflow
          FROM c LEFT JOIN before b ON b.id = c.id
         GROUP BY c.id, c.account_id, c.clips)
    SELECT f.workflow, count(*), sum(f.clips)::bigint, count(DISTINCT f.account_id)
      FROM flow f GROUP BY 1 ORDER BY 3 DESC, 1
$$;
