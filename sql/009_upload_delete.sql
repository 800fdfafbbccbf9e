-- Deleting an upload also cancels the jobs still working on it, in the same
-- transaction: their reservations are released, and a worker that finishes
-- one afterwards cannot settle it (miq_job_succeed needs status 'running'),
-- so no output outlives the deletion (security review #15).
-- Returns NULL when the account has no such upload, else
-- {"path": ..., "jobs": [every job id of the upload], "canceled": [ids]}.
CREATE FUNCTION miq_upload_delete(p_upload text, p_account bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_path text;
    v_jobs jsonb := '[]'::jsonb;
    v_canceled jsonb := '[]'::jsonb;
    j record;
BEGIN
    UPDATE uploads SET status = 'deleted', deleted_at = now()
     WHERE id = p_upload AND account_id = p_account AND deleted_at IS NULL
    RETURNING path INTO v_path;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOR j IN SELECT id, status FROM jobs WHERE upload_id = p_upload AND account_id = p_account
             ORDER BY id FOR UPDATE LOOP
        v_jobs := v_jobs || to_jsonb(j.id);
        IF j.status IN ('queued', 'running') AND miq_job_cancel(j.id, p_account) = 'canceled' THEN
            v_canceled := v_canceled || to_jsonb(j.id);
        END IF;
    END LOOP;
    RETURN jsonb_build_object('path', v_path, 'jobs', v_jobs, 'canceled', v_canceled);
END $$;
