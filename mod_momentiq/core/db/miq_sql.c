#include <string.h>
#include <apr_strings.h>
#include "db/miq_sql.h"

/* Timestamps as ISO 8601 UTC, to the second and to the millisecond. */
#define ISO_S  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
#define ISO_MS "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"

/* Keep in id order: miq_sql_get indexes this table. */
static const miq_sql_stmt catalog[MIQ_SQL_COUNT] = {
    /* One round trip: worker heartbeat age, live workers, queue depth and the
     * oldest queued job's age. */
    {MIQ_SQL_STATUS, "miq_status",
     "SELECT coalesce(extract(epoch FROM now() - max(seen_at))::bigint, -1), "
     "count(*) FILTER (WHERE seen_at > now() - interval '30 seconds'), "
     "(SELECT count(*) FROM jobs WHERE status = 'queued'), "
     "(SELECT coalesce(extract(epoch FROM now() - min(created_at))::bigint, -1) FROM jobs "
     "WHERE status = 'queued') FROM worker_heartbeats"},
    {MIQ_SQL_SESSION_CREATE, "miq_session_create",
     "INSERT INTO mcp_sessions (id, protocol_version, client_name, client_version, client_caps, "
     "caller, expires_at) VALUES (%s, %s, %s, %s, %s::jsonb, %s, now() + make_interval(secs => "
     "%d))"},
    /* A live session and the seconds since it was last renewed: a plain
     * primary-key read on every request; the renewal below runs at most once a
     * minute per session. */
    {MIQ_SQL_SESSION_GET, "miq_session_get",
     "SELECT protocol_version, log_level, client_caps::text, caller, coalesce(client_name, ''), "
     "extract(epoch FROM now() - last_seen_at)::int FROM mcp_sessions WHERE id = %s AND "
     "deleted_at IS NULL AND expires_at > now()"},
    {MIQ_SQL_SESSION_RENEW, "miq_session_renew",
     "UPDATE mcp_sessions SET last_seen_at = now(), expires_at = now() + make_interval(secs => "
     "%d) WHERE id = %s AND deleted_at IS NULL"},
    {MIQ_SQL_SESSION_DELETE, "miq_session_delete",
     "UPDATE mcp_sessions SET deleted_at = now() WHERE id = %s AND caller = %s "
     "AND deleted_at IS NULL AND expires_at > now()"},
    {MIQ_SQL_SESSION_SET_LEVEL, "miq_session_set_level",
     "UPDATE mcp_sessions SET log_level = %d WHERE id = %s AND deleted_at IS NULL"},
    {MIQ_SQL_CLIENT_RESPONSE_PUT, "miq_client_response_put",
     "INSERT INTO mcp_client_responses (session_id, request_id, body) VALUES (%s, %s, %s::jsonb) "
     "ON CONFLICT DO NOTHING"},
    {MIQ_SQL_CLIENT_RESPONSE_TAKE, "miq_client_response_take",
     "DELETE FROM mcp_client_responses WHERE session_id = %s AND request_id = %s "
     "RETURNING body::text"},
    /* The request log is written in batches, one round trip per batch. */
    {MIQ_SQL_REQUEST_RECORD_BATCH, "miq_request_record_batch",
     "INSERT INTO mcp_requests (at, era, protocol_version, http_method, rpc_method, tool, "
     "client_name, session_id, caller, http_status, outcome, error_code, latency_ms, "
     "traceparent) "
     "SELECT at, coalesce(era, ''), pv, hm, rm, tool, cn, sid, caller, st, oc, ec, lat, tp "
     "FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], "
     "%s::text[], %s::text[], %s::text[], %s::text[], %s::smallint[], %s::text[], %s::text[], "
     "%s::float8[], %s::text[]) AS t(at, era, pv, hm, rm, tool, cn, sid, caller, st, oc, ec, "
     "lat, tp)"},
    {MIQ_SQL_WORKER_HEARTBEAT, "miq_worker_heartbeat",
     "INSERT INTO worker_heartbeats (worker_id, host, pid) VALUES (%s, %s, %d) "
     "ON CONFLICT (worker_id) DO UPDATE SET seen_at = now(), host = EXCLUDED.host, "
     "pid = EXCLUDED.pid"},
    {MIQ_SQL_WORKER_GONE, "miq_worker_gone", "DELETE FROM worker_heartbeats WHERE worker_id = %s"},

    /* accounts: NULL id when the email is taken. A new account gets its free
     * credits (MomentIQFreeCredits) in the same statement.
     * Args: email, password hash, free credits, free credits. */
    {MIQ_SQL_ACCOUNT_CREATE, "miq_account_create",
     "WITH a AS (INSERT INTO accounts (email, password_hash) VALUES (%s, %s) ON CONFLICT (email) "
     "DO NOTHING RETURNING id), "
     "free AS (INSERT INTO credit_ledger (account_id, kind, credits, note) SELECT id, 'grant', "
     "%s::bigint, 'free credits for a new account' FROM a WHERE %s::bigint > 0 RETURNING 1) "
     "SELECT id FROM a"},
    {MIQ_SQL_ACCOUNT_BY_EMAIL, "miq_account_by_email",
     "SELECT id, coalesce(password_hash, '') FROM accounts WHERE email = %s AND deleted_at IS "
     "NULL"},
    /* Replaces a password hash of older parameters after a successful login,
     * unless it changed meanwhile. Args: account id, new hash, old hash. */
    {MIQ_SQL_ACCOUNT_REHASH, "miq_account_rehash",
     "UPDATE accounts SET password_hash = %s WHERE id = %s::bigint AND password_hash = %s"},
    /* A user from a trusted auth module: found by subject, else created; never
     * linked by email (sql/012: a password account's email answers
     * 'conflict'). Columns: id, email or '', outcome (found | created |
     * conflict); no row when a concurrent first sight won: run it again.
     * Args: subject, normalized email or '', free credits. */
    {MIQ_SQL_ACCOUNT_EXTERNAL, "miq_account_external",
     "SELECT account_id, account_email, outcome FROM miq_account_remote(%s, %s, %s::bigint)"},
    /* Links a remote identity to a signed-in account and revokes its other
     * sessions and every token (sql/012). Column: linked | already | taken |
     * other. Args: account id, subject, the kept session's id hash. */
    {MIQ_SQL_ACCOUNT_LINK_REMOTE, "miq_account_link_remote",
     "SELECT miq_account_link_remote(%s::bigint, %s, %s)"},
    /* Args: id_hash, account id, csrf token, idle seconds, absolute seconds,
     * signed_in_with (password | organisation). One row when created. */
    {MIQ_SQL_AUTH_SESSION_CREATE, "miq_auth_session_create",
     "INSERT INTO auth_sessions (id_hash, account_id, csrf_token, idle_expires_at, "
     "absolute_expires_at, signed_in_with) VALUES (%s, %s::bigint, %s, now() + make_interval(secs "
     "=> %d), now() + make_interval(secs => %d), %s) RETURNING 1"},
    /* One round trip: the live session and its account; renews the idle expiry
     * when last renewed more than the given seconds ago.
     * Args: id_hash, idle seconds, renew-after seconds. */
    {MIQ_SQL_AUTH_SESSION_GET, "miq_auth_session_get",
     "WITH s AS (SELECT s.id_hash, s.account_id, s.csrf_token, s.last_seen_at, "
     "s.absolute_expires_at, s.signed_in_with, a.email FROM auth_sessions s JOIN accounts a ON a.id = s.account_id "
     "AND a.deleted_at IS NULL WHERE s.id_hash = %s AND s.revoked_at IS NULL AND "
     "s.idle_expires_at > now() AND s.absolute_expires_at > now()), "
     "u AS (UPDATE auth_sessions x SET last_seen_at = now(), idle_expires_at = least(now() + "
     "make_interval(secs => %d), x.absolute_expires_at) FROM s WHERE x.id_hash = s.id_hash AND "
     "s.last_seen_at < now() - make_interval(secs => %d) RETURNING 1) "
     "SELECT account_id, csrf_token, coalesce(email, ''), "
     "to_char(absolute_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
     "signed_in_with FROM s"},
    {MIQ_SQL_AUTH_SESSION_REVOKE, "miq_auth_session_revoke",
     "UPDATE auth_sessions SET revoked_at = now() WHERE id_hash = %s AND revoked_at IS NULL"},
    /* Seconds until the longest lock of the two keys ends (0: not locked). */
    {MIQ_SQL_THROTTLE_CHECK, "miq_throttle_check",
     "SELECT coalesce(max(ceil(extract(epoch FROM locked_until - now())))::bigint, 0) "
     "FROM auth_throttle WHERE key IN (%s, %s) AND locked_until > now()"},
    /* Counts a failure in the key's window; locks the key once the count reaches
     * the limit. Args: key, window s, window s, window s, limit, lock s. */
    {MIQ_SQL_THROTTLE_FAIL, "miq_throttle_fail",
     "INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES (%s, 1, now()) "
     "ON CONFLICT (key) DO UPDATE SET "
     "failures = CASE WHEN t.window_start < now() - make_interval(secs => %d) THEN 1 "
     "ELSE t.failures + 1 END, "
     "window_start = CASE WHEN t.window_start < now() - make_interval(secs => %d) THEN now() "
     "ELSE t.window_start END, "
     "locked_until = CASE WHEN (CASE WHEN t.window_start < now() - make_interval(secs => %d) "
     "THEN 1 ELSE t.failures + 1 END) >= %d THEN now() + make_interval(secs => %d) "
     "ELSE t.locked_until END "
     "RETURNING failures"},
    {MIQ_SQL_THROTTLE_RESET, "miq_throttle_reset", "DELETE FROM auth_throttle WHERE key = %s"},
    /* Args: id, account id, kind, name, secret hash, prefix, scopes, created_via,
     * expires_in seconds (0: never), the same again. */
    {MIQ_SQL_TOKEN_CREATE, "miq_token_create",
     "INSERT INTO api_tokens (id, account_id, kind, name, secret_hash, prefix, scopes, "
     "created_via, expires_at) VALUES (%s, %s::bigint, %s, %s, %s, %s, %s, %s, CASE WHEN %d > 0 "
     "THEN now() + make_interval(secs => %d) END) "
     "RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
     "coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"},
    /* Never the secret: id, name, prefix, scopes and dates. Args: account id, kind. */
    {MIQ_SQL_TOKEN_LIST, "miq_token_list",
     "SELECT id, name, prefix, scopes, created_via, "
     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
     "coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
     "coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
     "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
     "FROM api_tokens WHERE account_id = %s::bigint AND kind = %s ORDER BY created_at DESC, id"},
    /* Args: token id, account id, kind. */
    /* Revokes a live token of the account. An OAuth access token ends its whole
     * connection: the family (so its refresh token answers invalid_grant) and
     * the family's other access tokens, or the client would just refresh.
     * Args: id, account, kind, id, id, account, kind. Rows: 1 when revoked. */
    {MIQ_SQL_TOKEN_REVOKE, "miq_token_revoke",
     "WITH f AS (UPDATE oauth_families SET revoked_at = now(), revoked_reason = 'revoked' "
     "WHERE id = (SELECT family_id FROM api_tokens WHERE id = %s AND account_id = %s::bigint "
     "AND kind = %s AND revoked_at IS NULL) AND revoked_at IS NULL RETURNING id), "
     "s AS (UPDATE api_tokens SET revoked_at = now() WHERE family_id IN (SELECT id FROM f) "
     "AND id <> %s AND revoked_at IS NULL) "
     "UPDATE api_tokens SET revoked_at = now() WHERE id = %s AND account_id = %s::bigint AND "
     "kind = %s AND revoked_at IS NULL RETURNING 1"},
    /* Every presented token, every request, one round trip, never cached (a
     * revoke holds on the very next request): the token, its state, its account
     * and the seconds since last_used_at was written; then the account's
     * billing (balance, cap or '', spent this period, billing state, alert
     * thresholds or '', alerts fired this period as JSON) and the token's cap
     * (or '') and spend this period. Arg: secret hash. */
    {MIQ_SQL_TOKEN_CHECK, "miq_token_check",
     "SELECT t.id, t.account_id, t.kind, t.scopes, CASE WHEN t.revoked_at IS NOT NULL THEN "
     "'revoked' WHEN t.expires_at IS NOT NULL AND t.expires_at <= now() THEN 'expired' "
     "ELSE 'ok' END, coalesce(extract(epoch FROM t.expires_at - now())::bigint, -1), "
     "coalesce(a.email, ''), "
     "to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
     "coalesce(extract(epoch FROM now() - t.last_used_at)::bigint, -1), "
     /* Billing in the same round trip, from the ledger's running totals
      * (sql/007): key lookups, whatever the account's history. Written out
      * rather than calling miq_balance() and friends: a prepared statement
      * plans them once, a function call plans its body on every call. */
     "a.balance_credits, "
     "coalesce(a.monthly_spend_cap_credits::text, ''), "
     "coalesce((SELECT greatest(0, s.credits) FROM account_spend s WHERE s.account_id = a.id "
     "AND s.period = date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0), "
     "CASE WHEN a.billing_set_up_at IS NULL THEN 'not_set_up' ELSE 'active' END, "
     "coalesce(a.alert_thresholds::text, ''), "
     "(SELECT coalesce(json_agg(json_build_object('threshold', u.threshold, 'cap_credits', "
     "u.cap_credits, 'spent_credits', u.spent_credits, 'at', to_char(u.created_at AT TIME ZONE "
     "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY u.threshold)::text, '[]') "
     "FROM usage_alerts u WHERE u.account_id = a.id AND u.period = "
     "date_trunc('month', now() AT TIME ZONE 'UTC')::date), "
     "coalesce(t.monthly_spend_cap_credits::text, ''), "
     "coalesce((SELECT greatest(0, s.credits) FROM token_spend s WHERE s.token_id = t.id "
     "AND s.period = date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0), "
     /* OAuth access tokens: the audience; keep it the LAST column (read as ncols - 1) */
     "coalesce(t.audience, '') "
     "FROM api_tokens t JOIN accounts a ON a.id = t.account_id AND a.deleted_at IS NULL "
     "WHERE t.secret_hash = %s"},
    /* last_used_at, written at most once a minute per token. Arg: token id. */
    {MIQ_SQL_TOKEN_TOUCH, "miq_token_touch",
     "UPDATE api_tokens SET last_used_at = now() WHERE id = %s AND (last_used_at IS NULL OR "
     "last_used_at < now() - interval '60 seconds')"},
    {MIQ_SQL_AUTH_EVENTS_BATCH, "miq_auth_events_batch",
     "INSERT INTO auth_events (at, kind, code, account_id, token_id, surface, detail) "
     "SELECT * FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::bigint[], %s::text[], "
     "%s::text[], %s::text[])"},

    /* Args: id, account, filename, path, status, size, duration (or NULL),
     * probe json (or NULL), source url (or NULL), put token hash (or NULL), retention s. */
    {MIQ_SQL_UPLOAD_CREATE, "miq_upload_create",
     "INSERT INTO uploads (id, account_id, filename, path, status, size_bytes, duration_s, probe, "
     "source_url, put_token_hash, expires_at) VALUES (%s, %s::bigint, %s, %s, %s, %s::bigint, "
     "%s::double precision, %s::jsonb, %s, %s, now() + make_interval(secs => %s::int))"},
    /* Columns: id, filename, path, status, size, duration, probe, created, expires, put hash.
     * Args: id, account. */
    {MIQ_SQL_UPLOAD_GET, "miq_upload_get",
     "SELECT id, filename, path, status, size_bytes, coalesce(duration_s::text, ''), "
     "coalesce(probe::text, 'null'), to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), coalesce(put_token_hash, '') "
     "FROM uploads WHERE id = %s AND account_id = %s::bigint AND deleted_at IS NULL"},
    /* Marks the upload deleted and cancels its live jobs (sql/009). Column: NULL
     * when there is no such upload, else {path, jobs, canceled}. Args: id, account. */
    {MIQ_SQL_UPLOAD_DELETE, "miq_upload_delete", "SELECT miq_upload_delete(%s, %s::bigint)::text"},
    /* Jobs derived from an upload, whose outputs go with it. Args: upload id. */
    {MIQ_SQL_UPLOAD_JOB_IDS, "miq_upload_job_ids", "SELECT id FROM jobs WHERE upload_id = %s"},
    /* The signed upload URL's row, whoever owns it. Columns: account, filename,
     * status, put token hash, 'live' or 'expired'. Args: id. */
    {MIQ_SQL_UPLOAD_PUT_GET, "miq_upload_put_get",
     "SELECT account_id, filename, status, coalesce(put_token_hash, ''), CASE WHEN expires_at "
     "IS NULL OR expires_at > now() THEN 'live' ELSE 'expired' END FROM uploads WHERE id = %s "
     "AND deleted_at IS NULL"},
    /* Bytes arrived for an awaiting_bytes upload. Args: path, size, duration, probe json,
     * retention s, id, put token hash. Columns: filename, expires (ISO 8601). */
    {MIQ_SQL_UPLOAD_READY, "miq_upload_ready",
     "UPDATE uploads SET status = 'ready', path = %s, size_bytes = %s::bigint, duration_s = "
     "%s::double precision, probe = %s::jsonb, put_token_hash = NULL, expires_at = now() + "
     "make_interval(secs => %s::int) WHERE id = %s AND put_token_hash = %s AND status = "
     "'awaiting_bytes' AND deleted_at IS NULL RETURNING filename, to_char(expires_at AT TIME "
     "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"},
    /* momentiqctl purge: uploads past expires_at, or created more than S seconds
     * ago when S is given, marked deleted. Args: S (or NULL), S again.
     * Columns: id, account, path ('' for awaiting_bytes). */
    {MIQ_SQL_UPLOAD_PURGE, "miq_upload_purge",
     "UPDATE uploads SET status = 'deleted', deleted_at = now() WHERE deleted_at IS NULL AND "
     "(expires_at <= now() OR (%s::int IS NOT NULL AND created_at < now() - make_interval(secs "
     "=> %s::int))) RETURNING id, account_id, path"},
    /* momentiqctl purge: which output directories (job ids) may go: jobs that
     * finished more than S seconds ago, and directories without a job.
     * Args: job ids (text[] literal), S. Columns: id, 'expired' or 'orphan'. */
    {MIQ_SQL_OUTPUTS_PURGEABLE, "miq_outputs_purgeable",
     "SELECT d.id, CASE WHEN j.id IS NULL THEN 'orphan' ELSE 'expired' END FROM unnest("
     "%s::text[]) AS d(id) LEFT JOIN jobs j ON j.id = d.id WHERE j.id IS NULL OR (j.status IN "
     "('succeeded', 'failed', 'canceled') AND coalesce(j.finished_at, j.updated_at) < now() - "
     "make_interval(secs => %s::int))"},
    /* Args: id, account, token (or NULL), endpoint, upload (or NULL), params json,
     * request hash, idempotency key (or NULL), estimate, default alert thresholds
     * (numeric[] literal). For a refusal the second column holds its numbers (JSON). */
    {MIQ_SQL_JOB_CREATE, "miq_job_create",
     "SELECT outcome, coalesce(job_id, '') FROM miq_job_create_traced(%s, %s::bigint, %s, %s, "
     "%s, %s::jsonb, %s, %s, %s::bigint, %s::numeric[], %s)"},
    /* Columns: j.id, j.endpoint, coalesce(j.upload_id, ''), j.params::text, j.status, j.progress, j.estimated_credits, coalesce(j.charged_credits::text, ''), j.attempts, coalesce(j.error_code, ''), coalesce(j.error_message, ''), coalesce(j.idempotency_key, ''), to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), coalesce(to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), result json. Args: id, account. */
    {MIQ_SQL_JOB_GET, "miq_job_get",
     "SELECT j.id, j.endpoint, coalesce(j.upload_id, ''), j.params::text, j.status, "
     "j.progress, j.estimated_credits, coalesce(j.charged_credits::text, ''), j.attempts, "
     "coalesce(j.error_code, ''), coalesce(j.error_message, ''), coalesce(j.idempotency_key, "
     "''), to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
     "coalesce(to_char(j.started_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), "
     "coalesce(to_char(j.finished_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), to_char(j.updated_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(j.result::text, "
     "'null') FROM jobs j WHERE j.id = %s AND "
     "j.account_id = %s::bigint"},
    /* Newest first, keyset paged by (created_at, id). The columns of miq_job_get
     * without the result, then created_at to the microsecond (the cursor: the
     * millisecond one would skip jobs created in the same millisecond).
     * Args: account, cursor time (or NULL) twice, cursor id (or NULL), status
     * filter (or NULL) twice, the endpoint families the token's scopes cover
     * (text[], NULL for all) twice, limit. */
    {MIQ_SQL_JOB_LIST, "miq_job_list",
     "SELECT j.id, j.endpoint, coalesce(j.upload_id, ''), j.params::text, j.status, "
     "j.progress, j.estimated_credits, coalesce(j.charged_credits::text, ''), j.attempts, "
     "coalesce(j.error_code, ''), coalesce(j.error_message, ''), coalesce(j.idempotency_key, "
     "''), to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
     "coalesce(to_char(j.started_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), "
     "coalesce(to_char(j.finished_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''), to_char(j.updated_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(j.created_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM jobs j WHERE j.account_id = %s::bigint AND (%s::timestamptz IS NULL OR "
     "(j.created_at, j.id) < (%s::timestamptz, %s)) AND (%s::text IS NULL OR j.status = %s) "
     "AND (%s::text[] IS NULL OR split_part(j.endpoint, '/', 1) = ANY(%s::text[])) "
     "ORDER BY j.created_at DESC, j.id DESC LIMIT %s::int"},
    {MIQ_SQL_JOB_CANCEL, "miq_job_cancel", "SELECT miq_job_cancel(%s, %s::bigint)"},
    /* Args: worker id, lease seconds. */
    {MIQ_SQL_JOB_CLAIM, "miq_job_claim",
     "SELECT id, account_id, endpoint, coalesce(upload_path, ''), params::text, "
     "estimated_credits, attempts, coalesce(duration_s::text, '') FROM miq_job_claim(%s, %s::int)"},
    /* Args: job, worker, progress, lease seconds. NULL back: canceled or lost. */
    {MIQ_SQL_JOB_HEARTBEAT, "miq_job_heartbeat",
     "SELECT coalesce(miq_job_heartbeat(%s, %s, %s::int, %s::int), 'stop')"},
    {MIQ_SQL_JOB_SUCCEED, "miq_job_succeed",
     "SELECT miq_job_succeed(%s, %s, %s::jsonb, %s::bigint)"},
    /* Args: job, worker, code, message, retry ('true'/'false'). */
    {MIQ_SQL_JOB_FAIL, "miq_job_fail", "SELECT miq_job_fail(%s, %s, %s, %s, %s::boolean)"},
    /* Args: credits, note, email. Returns the account id and the new balance. */
    {MIQ_SQL_CREDITS_GRANT, "miq_credits_grant",
     "WITH a AS (SELECT id FROM accounts WHERE email = %s AND deleted_at IS NULL), "
     "g AS (INSERT INTO credit_ledger (account_id, kind, credits, note) SELECT id, 'grant', "
     "%s::bigint, %s FROM a RETURNING account_id, credits) "
     "SELECT g.account_id, miq_balance(g.account_id) + g.credits FROM g"},
    {MIQ_SQL_BALANCE, "miq_balance", "SELECT miq_balance(%s::bigint)"},
    {MIQ_SQL_BALANCE_BY_EMAIL, "miq_balance_by_email",
     "SELECT id, miq_balance(id) FROM accounts WHERE email = %s AND deleted_at IS NULL"},

    /* The dashboard's billing view. Columns: balance, cap or '', spent this
     * period, billing state, thresholds or '', alerts fired (JSON), period
     * start, live tokens with their cap and spend (JSON). Arg: account. */
    {MIQ_SQL_BILLING_GET, "miq_billing_get",
     "SELECT miq_balance(a.id), coalesce(a.monthly_spend_cap_credits::text, ''), miq_spent(a.id), "
     "CASE WHEN a.billing_set_up_at IS NULL THEN 'not_set_up' ELSE 'active' END, "
     "coalesce(a.alert_thresholds::text, ''), miq_alerts_json(a.id), "
     "to_char(miq_period(), 'YYYY-MM-DD'), "
     "(SELECT coalesce(json_agg(json_build_object('token_id', t.id, 'name', t.name, 'kind', "
     "t.kind, 'monthly_spend_cap_credits', t.monthly_spend_cap_credits, "
     "'spent_this_period_credits', miq_token_spent(t.id)) ORDER BY t.created_at, t.id)::text, "
     "'[]') FROM api_tokens t WHERE t.account_id = a.id AND t.revoked_at IS NULL) "
     "FROM accounts a WHERE a.id = %s::bigint AND a.deleted_at IS NULL"},
    /* Args: set cap ('true'/'false'), cap (or NULL: none), set thresholds,
     * thresholds (numeric[] literal or NULL: the server default), account. */
    {MIQ_SQL_BILLING_SET, "miq_billing_set",
     "UPDATE accounts SET monthly_spend_cap_credits = CASE WHEN %s::boolean THEN %s::bigint "
     "ELSE monthly_spend_cap_credits END, alert_thresholds = CASE WHEN %s::boolean THEN "
     "%s::numeric[] ELSE alert_thresholds END WHERE id = %s::bigint AND deleted_at IS NULL"},
    /* Args: cap (or NULL: none), token id, account. One row when set. */
    {MIQ_SQL_TOKEN_CAP_SET, "miq_token_cap_set",
     "UPDATE api_tokens SET monthly_spend_cap_credits = %s::bigint WHERE id = %s AND account_id "
     "= %s::bigint AND revoked_at IS NULL RETURNING 1"},
    /* Newest first, keyset paged by id. Columns: id, kind, credits, job id or
     * '', note, created. Args: account, before id (or NULL) twice, limit. */
    {MIQ_SQL_LEDGER_PAGE, "miq_ledger_page",
     "SELECT id, kind, credits, coalesce(job_id, ''), coalesce(note, ''), to_char(created_at AT "
     "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM credit_ledger WHERE "
     "account_id = %s::bigint AND (%s::bigint IS NULL OR id < %s::bigint) ORDER BY id DESC "
     "LIMIT %s::int"},
    /* Usage over the last N days from the ledger, each job counted on the day
     * it was created: what it was charged, what it holds reserved, 0 when it
     * failed or was canceled. Rows: dimension (day | endpoint | connector),
     * key, name, jobs, credits. Args: account, days. */
    {MIQ_SQL_USAGE, "miq_usage",
     "WITH l AS (SELECT l.credits, l.job_id, j.created_at, j.endpoint, coalesce(j.token_id, '') "
     "AS token FROM credit_ledger l JOIN jobs j ON j.id = l.job_id WHERE l.account_id = "
     "%s::bigint AND l.kind IN ('reservation', 'release', 'settlement') AND j.created_at >= "
     "now() - make_interval(days => %s::int)) "
     "SELECT 'day', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '', "
     "count(DISTINCT job_id), greatest(0, -sum(credits)) FROM l GROUP BY 2 "
     "UNION ALL SELECT 'endpoint', endpoint, '', count(DISTINCT job_id), "
     "greatest(0, -sum(credits)) FROM l GROUP BY 2 "
     "UNION ALL SELECT 'connector', l.token, coalesce(min(t.name), ''), count(DISTINCT l.job_id), "
     "greatest(0, -sum(l.credits)) FROM l LEFT JOIN api_tokens t ON t.id = l.token "
     "GROUP BY 2 ORDER BY 1, 2"},
    /* A verified Stripe event, once. Args: event id, type, account (or NULL),
     * amount (minor units), currency, credits. Columns: outcome, balance or ''. */
    {MIQ_SQL_STRIPE_EVENT, "miq_stripe_event",
     "SELECT outcome, coalesce(balance::text, '') FROM miq_stripe_event(%s, %s, %s::bigint, "
     "%s::bigint, %s, %s::bigint)"},
    /* momentiqctl credits show. Columns: id, balance, cap or '', spent this
     * period, billing state, thresholds or '', alerts (JSON). Arg: email. */
    {MIQ_SQL_BILLING_SHOW, "miq_billing_show",
     "SELECT id, miq_balance(id), coalesce(monthly_spend_cap_credits::text, ''), miq_spent(id), "
     "CASE WHEN billing_set_up_at IS NULL THEN 'not_set_up' ELSE 'active' END, "
     "coalesce(alert_thresholds::text, ''), miq_alerts_json(id) FROM accounts WHERE email = %s "
     "AND deleted_at IS NULL"},
    /* momentiqctl billing report: the admin_billing_report view, biggest
     * spenders first. */
    {MIQ_SQL_BILLING_REPORT, "miq_billing_report",
     "SELECT account_id, email, billing_state, balance, coalesce(cap::text, '-'), "
     "spent_this_period, granted, topped_up, paid_minor, alerts_this_period FROM "
     "admin_billing_report ORDER BY spent_this_period DESC, account_id LIMIT 1000"},
    /* OAuth 2.1 (issue 4). A client learned at run time (DCR or metadata
     * document). Columns: source, name, connector, redirect_uris (JSON array),
     * auth method, secret hash ('' for public clients), 'fresh' or 'stale'.
     * Arg: client id. */
    {MIQ_SQL_OAUTH_CLIENT_GET, "miq_oauth_client_get",
     "SELECT source, name, connector, redirect_uris::text, auth_method, "
     "coalesce(secret_hash, ''), CASE WHEN expires_at IS NULL OR expires_at > now() THEN 'fresh' "
     "ELSE 'stale' END FROM oauth_clients WHERE client_id = %s"},
    /* Registers a client, or refreshes a cached metadata document. Args: id,
     * source, name, connector, redirect_uris json, auth method, secret hash (or
     * NULL), metadata json, cache seconds (0: never expires), the same again.
     * One row when stored (none when the id is taken by a registered client). */
    {MIQ_SQL_OAUTH_CLIENT_PUT, "miq_oauth_client_put",
     "INSERT INTO oauth_clients (client_id, source, name, connector, redirect_uris, auth_method, "
     "secret_hash, metadata, expires_at) VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s::jsonb, "
     "CASE WHEN %d > 0 THEN now() + make_interval(secs => %d) END) ON CONFLICT (client_id) DO "
     "UPDATE SET name = EXCLUDED.name, connector = EXCLUDED.connector, redirect_uris = "
     "EXCLUDED.redirect_uris, auth_method = EXCLUDED.auth_method, metadata = EXCLUDED.metadata, "
     "expires_at = EXCLUDED.expires_at, refreshed_at = now() WHERE oauth_clients.source = 'cimd' "
     "AND EXCLUDED.source = 'cimd' RETURNING 1"},
    /* Args: code hash, client, redirect URI, account, scopes, resource, PKCE
     * challenge, correlation id, lifetime seconds. */
    {MIQ_SQL_OAUTH_CODE_CREATE, "miq_oauth_code_create",
     "INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, account_id, scopes, resource, "
     "code_challenge, correlation_id, expires_at) VALUES (%s, %s, %s, %s::bigint, %s, %s, %s, %s, "
     "now() + make_interval(secs => %d))"},
    /* Consumes a code and issues the first pair (sql/004_oauth.sql). Columns:
     * outcome, account, scopes, resource, correlation id, expires_in. */
    {MIQ_SQL_OAUTH_CODE_REDEEM, "miq_oauth_code_redeem",
     "SELECT outcome, coalesce(account_id::text, ''), coalesce(scopes, ''), coalesce(resource, "
     "''), coalesce(correlation_id, ''), expires_in FROM miq_oauth_code_redeem(%s, %s, %s, %s, "
     "%s, %s, %s, %s, %s, %s, %s::int, %s, %s::int)"},
    /* Rotates a refresh token (sql/004_oauth.sql). Columns: outcome, account,
     * scopes, resource, correlation id, expires_in, family. */
    {MIQ_SQL_OAUTH_REFRESH, "miq_oauth_refresh",
     "SELECT outcome, coalesce(account_id::text, ''), coalesce(scopes, ''), coalesce(resource, "
     "''), coalesce(correlation_id, ''), expires_in, coalesce(family_id, '') FROM "
     "miq_oauth_refresh(%s, %s, %s, %s, %s, %s, %s, %s, %s::int, %s::int, %s::int)"},
    /* An OAuth-issued token by hash, access or refresh. Columns: kind, access
     * token id ('' for refresh), family, client, account, scopes, audience,
     * 'active'/'inactive', exp and iat (epoch seconds). Args: hash, hash. */
    {MIQ_SQL_OAUTH_TOKEN_FIND, "miq_oauth_token_find",
     "SELECT 'access', t.id, f.id, f.client_id, t.account_id::text, t.scopes, "
     "coalesce(t.audience, ''), CASE WHEN t.revoked_at IS NULL AND f.revoked_at IS NULL AND "
     "(t.expires_at IS NULL OR t.expires_at > now()) THEN 'active' ELSE 'inactive' END, "
     "coalesce(extract(epoch FROM t.expires_at)::bigint, 0), extract(epoch FROM "
     "t.created_at)::bigint FROM api_tokens t JOIN oauth_families f ON f.id = t.family_id "
     "WHERE t.secret_hash = %s UNION ALL "
     "SELECT 'refresh', '', f.id, f.client_id, f.account_id::text, f.scopes, f.resource, "
     "CASE WHEN r.rotated_at IS NULL AND f.revoked_at IS NULL AND r.expires_at > now() THEN "
     "'active' ELSE 'inactive' END, extract(epoch FROM r.expires_at)::bigint, extract(epoch "
     "FROM r.created_at)::bigint FROM oauth_refresh_tokens r JOIN oauth_families f ON f.id = "
     "r.family_id WHERE r.token_hash = %s"},
    {MIQ_SQL_OAUTH_ACCESS_REVOKE, "miq_oauth_access_revoke",
     "UPDATE api_tokens SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL"},
    /* Args: family, reason. */
    {MIQ_SQL_OAUTH_FAMILY_REVOKE, "miq_oauth_family_revoke",
     "SELECT miq_oauth_family_revoke(%s, %s)"},
    /* Args: correlation id, client (or NULL), account (or NULL), step, outcome,
     * error (or NULL), detail (or NULL). Never a secret. */
    {MIQ_SQL_OAUTH_TRAIL_ADD, "miq_oauth_trail_add",
     "INSERT INTO oauth_trail (correlation_id, client_id, account_id, step, outcome, error, "
     "detail) VALUES (%s, %s, %s::bigint, %s, %s, %s, %s)"},
    /* momentiqctl oauth trail ID: by correlation id, or the latest of a client.
     * Args: id, id. */
    {MIQ_SQL_OAUTH_TRAIL_GET, "miq_oauth_trail_get",
     "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), correlation_id, "
     "coalesce(client_id, ''), coalesce(account_id::text, ''), step, outcome, coalesce(error, "
     "''), coalesce(detail, '') FROM (SELECT * FROM oauth_trail WHERE correlation_id = %s OR "
     "client_id = %s ORDER BY id DESC LIMIT 200) t ORDER BY id"},
    /* momentiqctl purge: expired codes, tokens, sessions, old trail steps and
     * unused registrations, request log rows and auth events past their age
     * (sql/011_quotas.sql). Args: trail age S, unused registration age S,
     * request log age S. Columns: kind, rows removed. */
    {MIQ_SQL_PURGE_TRANSIENT, "miq_purge_transient",
     "SELECT kind, removed FROM miq_purge_transient(%d, %d, %d)"},
    /* One hit in a rate limit window (sql/010). Column: 0, or the seconds to
     * wait. Args: key, limit, window seconds. */
    {MIQ_SQL_RATE_HIT, "miq_rate_hit", "SELECT miq_rate_hit(%s, %d, %d)"},
    /* What an account uses (sql/011). Columns: stored bytes, queued + running
     * jobs. Args: account. */
    {MIQ_SQL_QUOTA_USAGE, "miq_quota_usage",
     "SELECT storage_bytes, active_jobs FROM miq_quota_usage(%s::bigint)"},
    /* Takes a lease on a slot of a concurrency quota. Columns: 't'/'f' taken,
     * leases in use. Args: lease id, account, kind, limit, seconds to expiry. */
    {MIQ_SQL_QUOTA_LEASE, "miq_quota_lease",
     "SELECT taken, in_use FROM miq_quota_lease(%s, %s::bigint, %s, %d, %d)"},
    /* Gives a lease back. Args: lease id. */
    {MIQ_SQL_QUOTA_RELEASE, "miq_quota_release", "DELETE FROM quota_leases WHERE id = %s"},

    /* ---- the dashboard's own data (sql/013, core/dashboard) ---------------------------- */
    /* A session's account as a caller's billing numbers (the columns of
     * miq_token_check's billing part). Args: account. */
    {MIQ_SQL_DASH_CALLER, "miq_dash_caller",
     "SELECT a.id, coalesce(a.email, ''), to_char(a.created_at AT TIME ZONE 'UTC', " ISO_S "), "
     "a.balance_credits, coalesce(a.monthly_spend_cap_credits::text, ''), "
     "coalesce((SELECT greatest(0, s.credits) FROM account_spend s WHERE s.account_id = a.id "
     "AND s.period = date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0), "
     "CASE WHEN a.billing_set_up_at IS NULL THEN 'not_set_up' ELSE 'active' END, "
     "coalesce(a.alert_thresholds::text, ''), "
     "(SELECT coalesce(json_agg(json_build_object('threshold', u.threshold, 'cap_credits', "
     "u.cap_credits, 'spent_credits', u.spent_credits, 'at', to_char(u.created_at AT TIME ZONE "
     "'UTC', " ISO_S ")) ORDER BY u.threshold)::text, '[]') FROM usage_alerts u WHERE "
     "u.account_id = a.id AND u.period = date_trunc('month', now() AT TIME ZONE 'UTC')::date) "
     "FROM accounts a WHERE a.id = %s::bigint AND a.deleted_at IS NULL"},
    /* Columns: email or '', created, password hash or '', 't'/'f' linked to an
     * outside identity. The hash never leaves the service. Args: account. */
    {MIQ_SQL_DASH_ACCOUNT, "miq_dash_account",
     "SELECT coalesce(email, ''), to_char(created_at AT TIME ZONE 'UTC', " ISO_S "), "
     "coalesce(password_hash, ''), CASE WHEN external_subject IS NULL THEN 'f' ELSE 't' END "
     "FROM accounts WHERE id = %s::bigint AND deleted_at IS NULL"},
    /* A new password, unless it changed meanwhile; the account's other sessions
     * end. Columns: accounts changed (0/1), sessions ended. Args: new hash,
     * account, old hash, the kept session's id hash. */
    {MIQ_SQL_DASH_PASSWORD_SET, "miq_dash_password_set",
     "WITH a AS (UPDATE accounts SET password_hash = %s WHERE id = %s::bigint AND password_hash "
     "= %s AND deleted_at IS NULL RETURNING id), s AS (UPDATE auth_sessions SET revoked_at = "
     "now() WHERE account_id IN (SELECT id FROM a) AND id_hash <> %s AND revoked_at IS NULL "
     "RETURNING 1) SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM s)"},
    /* Live sessions: an opaque handle (never the cookie's hash whole), created,
     * last seen, expiry, signed_in_with, 't' for the caller's own. Args: the
     * caller's id hash, account. */
    {MIQ_SQL_DASH_SESSIONS, "miq_dash_sessions",
     "SELECT 'ses_' || substr(id_hash, 1, 12), to_char(created_at AT TIME ZONE 'UTC', " ISO_S
     "), to_char(last_seen_at AT TIME ZONE 'UTC', " ISO_S "), to_char(least(idle_expires_at, "
     "absolute_expires_at) AT TIME ZONE 'UTC', " ISO_S "), signed_in_with, CASE WHEN id_hash = "
     "%s THEN 't' ELSE 'f' END FROM auth_sessions WHERE account_id = %s::bigint AND revoked_at "
     "IS NULL AND idle_expires_at > now() AND absolute_expires_at > now() ORDER BY "
     "last_seen_at DESC LIMIT 100"},
    /* Sign out everywhere. Column: sessions ended. Args: account. */
    {MIQ_SQL_DASH_SESSIONS_REVOKE_ALL, "miq_dash_sessions_revoke_all",
     "WITH s AS (UPDATE auth_sessions SET revoked_at = now() WHERE account_id = %s::bigint AND "
     "revoked_at IS NULL RETURNING 1) SELECT count(*) FROM s"},
    /* The account's uploads, newest first, as MIQ_SQL_UPLOAD_GET's columns
     * (no put token hash). Args: account, cursor (an upload id or NULL) twice,
     * limit. */
    {MIQ_SQL_DASH_UPLOAD_LIST, "miq_dash_upload_list",
     "SELECT id, filename, path, status, size_bytes, coalesce(duration_s::text, ''), "
     "coalesce(probe::text, 'null'), to_char(created_at AT TIME ZONE 'UTC', " ISO_MS "), "
     "coalesce(to_char(expires_at AT TIME ZONE 'UTC', " ISO_MS "), ''), '' FROM uploads WHERE "
     "account_id = %s::bigint AND deleted_at IS NULL AND (%s::text IS NULL OR (created_at, id) "
     "< (SELECT c.created_at, c.id FROM uploads c WHERE c.id = %s)) ORDER BY created_at DESC, "
     "id DESC LIMIT %s::int"},
    /* OAuth apps the user approved: live grants (a refresh token or an access
     * token still usable). Columns: grant id, client id, client name or '',
     * scopes, approved at, last used or ''. Args: account. */
    {MIQ_SQL_DASH_OAUTH_APPS, "miq_dash_oauth_apps",
     "SELECT f.id, f.client_id, coalesce(max(c.name), ''), f.scopes, to_char(f.created_at AT "
     "TIME ZONE 'UTC', " ISO_S "), coalesce(to_char(max(t.last_used_at) AT TIME ZONE 'UTC', " ISO_S
     "), '') FROM oauth_families f LEFT JOIN oauth_clients c ON c.client_id = "
     "f.client_id LEFT JOIN api_tokens t ON t.family_id = f.id WHERE f.account_id = %s::bigint "
     "AND f.revoked_at IS NULL AND (EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE "
     "r.family_id = f.id AND r.rotated_at IS NULL AND r.expires_at > now()) OR EXISTS (SELECT 1 "
     "FROM api_tokens x WHERE x.family_id = f.id AND x.revoked_at IS NULL AND (x.expires_at IS "
     "NULL OR x.expires_at > now()))) GROUP BY f.id ORDER BY f.created_at DESC"},
    /* Ends a grant of the account: its refresh and access tokens at once. One
     * row when it did. Args: grant id, account. */
    {MIQ_SQL_DASH_OAUTH_APP_REVOKE, "miq_dash_oauth_app_revoke",
     "SELECT miq_oauth_family_revoke(f.id, 'revoked')::text FROM oauth_families f WHERE f.id = "
     "%s AND f.account_id = %s::bigint AND f.revoked_at IS NULL"},
    /* The account's MCP calls over the last N days (mcp_requests.caller is the
     * token id). Columns: day, method, tool, calls, errors, error codes
     * (space-separated). Args: account, days. */
    {MIQ_SQL_DASH_MCP_USAGE, "miq_dash_mcp_usage",
     "SELECT to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), coalesce(r.rpc_method, ''), "
     "coalesce(r.tool, ''), count(*), count(*) FILTER (WHERE r.outcome NOT IN ('ok', "
     "'accepted')), coalesce(string_agg(DISTINCT r.error_code, ' '), '') FROM mcp_requests r "
     "JOIN api_tokens t ON t.id = r.caller WHERE t.account_id = %s::bigint AND r.at >= now() - "
     "make_interval(days => %s::int) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"},
    /* Export my data: everything the account holds that is about it, as one
     * JSON document; never a secret, hash or storage path. Args: account. */
    {MIQ_SQL_DASH_EXPORT, "miq_dash_export",
     "WITH a AS (SELECT id, email, created_at, external_subject IS NOT NULL AS ext, "
     "password_hash IS NOT NULL AS pw FROM accounts WHERE id = %s::bigint AND deleted_at IS "
     "NULL) SELECT json_build_object('format', 'momentiq-export/1', 'exported_at', now(), "
     "'account', json_build_object('id', a.id::text, 'email', a.email, 'created_at', "
     "a.created_at, 'has_password', a.pw, 'signs_in_with_organisation', a.ext), "
     "'uploads', (SELECT coalesce(json_agg(json_build_object('upload_id', u.id, 'filename', "
     "u.filename, 'status', u.status, 'bytes', u.size_bytes, 'duration_s', u.duration_s, "
     "'probe', u.probe, 'source_url', u.source_url, 'created_at', u.created_at, 'expires_at', "
     "u.expires_at) ORDER BY u.created_at), '[]') FROM uploads u WHERE u.account_id = a.id AND "
     "u.deleted_at IS NULL), "
     "'jobs', (SELECT coalesce(json_agg(json_build_object('job_id', j.id, 'endpoint', "
     "j.endpoint, 'upload_id', j.upload_id, 'params', j.params, 'status', j.status, "
     "'estimated_credits', j.estimated_credits, 'charged_credits', j.charged_credits, "
     "'error_code', j.error_code, 'error_message', j.error_message, 'result', j.result, "
     "'created_at', j.created_at, 'finished_at', j.finished_at) ORDER BY j.created_at), '[]') "
     "FROM jobs j WHERE j.account_id = a.id), "
     "'tokens', (SELECT coalesce(json_agg(json_build_object('token_id', t.id, 'kind', t.kind, "
     "'name', t.name, 'scopes', t.scopes, 'created_via', t.created_via, 'created_at', "
     "t.created_at, 'expires_at', t.expires_at, 'last_used_at', t.last_used_at, 'revoked_at', "
     "t.revoked_at) ORDER BY t.created_at), '[]') FROM api_tokens t WHERE t.account_id = a.id), "
     "'oauth_grants', (SELECT coalesce(json_agg(json_build_object('grant_id', f.id, "
     "'client_id', f.client_id, 'scopes', f.scopes, 'created_at', f.created_at, 'revoked_at', "
     "f.revoked_at) ORDER BY f.created_at), '[]') FROM oauth_families f WHERE f.account_id = "
     "a.id), "
     "'sessions', (SELECT coalesce(json_agg(json_build_object('created_at', s.created_at, "
     "'last_seen_at', s.last_seen_at, 'signed_in_with', s.signed_in_with, 'revoked_at', "
     "s.revoked_at) ORDER BY s.created_at), '[]') FROM auth_sessions s WHERE s.account_id = "
     "a.id), "
     "'ledger', (SELECT coalesce(json_agg(json_build_object('id', l.id, 'kind', l.kind, "
     "'credits', l.credits, 'job_id', l.job_id, 'note', l.note, 'created_at', l.created_at) "
     "ORDER BY l.id), '[]') FROM credit_ledger l WHERE l.account_id = a.id), "
     "'usage_alerts', (SELECT coalesce(json_agg(json_build_object('period', u.period, "
     "'threshold', u.threshold, 'cap_credits', u.cap_credits, 'spent_credits', "
     "u.spent_credits, 'at', u.created_at)), '[]') FROM usage_alerts u WHERE u.account_id = "
     "a.id))::text FROM a"},
    /* Deletes the account in one transaction (sql/013). Column: NULL when
     * there is no such live account, else the summary with the paths to
     * remove. Args: account. */
    {MIQ_SQL_DASH_ACCOUNT_DELETE, "miq_dash_account_delete",
     "SELECT miq_account_delete(%s::bigint)::text"},
    /* A queued storage removal done. Args: path. */
    {MIQ_SQL_STORAGE_REMOVED, "miq_storage_removed",
     "DELETE FROM storage_removals WHERE path = %s"},
    /* Queued storage removals to retry (momentiqctl purge), oldest first, each
     * attempt counted. Column: path. Args: limit. */
    {MIQ_SQL_STORAGE_REMOVALS, "miq_storage_removals",
     "UPDATE storage_removals SET attempts = attempts + 1 WHERE path IN (SELECT path FROM "
     "storage_removals ORDER BY created_at LIMIT %s::int) RETURNING path"},
    /* webhooks (sql/015). Create: id, account, token id or NULL, url, events
     * (text[] literal), secret salt, description, low-credit threshold or
     * NULL, its default, the most endpoints an account may have. */
    {MIQ_SQL_WEBHOOK_ENDPOINT_CREATE, "miq_webhook_endpoint_create",
     "SELECT miq_webhook_endpoint_create(%s, %s::bigint, %s, %s, %s::text[], %s, %s, %s::bigint, "
     "%s::bigint, %d)"},
    /* The account's endpoints (never a secret) with their last attempt and
     * the events still waiting; the account's low-credit threshold in each row. */
    {MIQ_SQL_WEBHOOK_ENDPOINT_LIST, "miq_webhook_endpoint_list",
     "SELECT e.id, e.url, array_to_json(e.events)::text, e.enabled, coalesce(e.token_id, ''), "
     "e.description, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
     "coalesce(a.low_credits_threshold::text, ''), "
     "(SELECT count(*) FROM webhook_events ev WHERE ev.endpoint_id = e.id "
     "AND ev.status = 'pending'), "
     "coalesce((SELECT d.outcome || ' ' || coalesce(d.status_code::text, '-') FROM "
     "webhook_deliveries d WHERE d.endpoint_id = e.id ORDER BY d.id DESC LIMIT 1), '') "
     "FROM webhook_endpoints e JOIN accounts a ON a.id = e.account_id "
     "WHERE e.account_id = %s::bigint ORDER BY e.created_at, e.id"},
    /* id, account, enabled or NULL, events or NULL, threshold or NULL, its default. */
    {MIQ_SQL_WEBHOOK_ENDPOINT_UPDATE, "miq_webhook_endpoint_update",
     "SELECT miq_webhook_endpoint_update(%s, %s::bigint, %s::boolean, %s::text[], %s::bigint, "
     "%s::bigint)"},
    {MIQ_SQL_WEBHOOK_ENDPOINT_DELETE, "miq_webhook_endpoint_delete",
     "DELETE FROM webhook_endpoints WHERE id = %s AND account_id = %s::bigint RETURNING id"},
    /* A test event (livemode false) into the outbox; wakes the delivery
     * loops. Args: event id, type, data, endpoint id, account. */
    {MIQ_SQL_WEBHOOK_TEST_EVENT, "miq_webhook_test_event",
     "WITH ins AS (INSERT INTO webhook_events (id, endpoint_id, account_id, type, data, livemode) "
     "SELECT %s, e.id, e.account_id, %s, %s::jsonb, false FROM webhook_endpoints e "
     "WHERE e.id = %s AND e.account_id = %s::bigint RETURNING id) "
     "SELECT id, pg_notify('miq_webhooks', '') IS NULL FROM ins"},
    /* The delivery log of one endpoint of the account, newest first. Args:
     * endpoint, account, limit. */
    {MIQ_SQL_WEBHOOK_DELIVERIES, "miq_webhook_deliveries",
     "SELECT d.id, d.event_id, ev.type, d.attempt, d.outcome, coalesce(d.status_code::text, ''), "
     "d.latency_ms, coalesce(d.error, ''), "
     "to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ev.status "
     "FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id "
     "JOIN webhook_endpoints e ON e.id = d.endpoint_id "
     "WHERE d.endpoint_id = %s AND e.account_id = %s::bigint ORDER BY d.id DESC LIMIT %d"},
    /* The delivery loop (worker): claim due events (limit, lease seconds);
     * record an attempt (event, outcome, HTTP status or NULL, latency ms,
     * error or NULL, retry delay s, body). */
    {MIQ_SQL_WEBHOOK_CLAIM, "miq_webhook_claim",
     "SELECT id, endpoint_id, account_id, type, coalesce(subject, ''), data, body, attempts, "
     "created_unix, url, secret_salt, livemode FROM miq_webhook_claim(%d, %d)"},
    {MIQ_SQL_WEBHOOK_RECORD, "miq_webhook_record",
     "SELECT miq_webhook_record(%s, %s, %s::integer, %d, %s, %d, %s)"},
    /* MCP tasks (sql/014). Creates a task, and removes a few expired ones on
     * the way (no sweeper needed). Columns: created, updated (ISO 8601).
     * Args: id, owner, tool, arguments, state, ttl ms. */
    {MIQ_SQL_TASK_CREATE, "miq_task_create",
     "WITH expired AS (DELETE FROM mcp_tasks WHERE id IN (SELECT id FROM mcp_tasks WHERE "
     "expires_at < now() ORDER BY expires_at LIMIT 10)) INSERT INTO mcp_tasks (id, owner, "
     "tool, arguments, state, ttl_ms, expires_at) VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, "
     "%d, now() + make_interval(secs => %d::float8 / 1000)) RETURNING "
     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
     "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"},
    /* A live task of this owner. Columns: tool, arguments, state, status,
     * answers, input_requests, result, error, created, updated, ms since
     * created (the database's clock, the same for every node), ttl ms.
     * Args: id, owner. */
    {MIQ_SQL_TASK_GET, "miq_task_get",
     "SELECT tool, arguments, state, status, answers, input_requests, result, error, "
     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
     "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
     "(extract(epoch FROM now() - created_at) * 1000)::bigint, ttl_ms FROM mcp_tasks "
     "WHERE id = %s AND owner = %s AND expires_at > now()"},
    /* Moves a working task on (working, input_required, completed, failed).
     * Args: status, input_requests, result, error, id. Column: updated. */
    {MIQ_SQL_TASK_SETTLE, "miq_task_settle",
     "UPDATE mcp_tasks SET status = %s, input_requests = %s::jsonb, result = %s::jsonb, "
     "error = %s::jsonb, updated_at = now() WHERE id = %s AND status = 'working' RETURNING "
     "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"},
    /* Records answers of an input_required task. Args: status (working when
     * nothing is left open, else input_required), answers, input_requests, id. */
    {MIQ_SQL_TASK_ANSWER, "miq_task_answer",
     "UPDATE mcp_tasks SET status = %s, answers = %s::jsonb, input_requests = %s::jsonb, "
     "updated_at = now() WHERE id = %s AND status = 'input_required' RETURNING 1"},
    /* Cancels a task that is not finished. Args: id, owner. */
    {MIQ_SQL_TASK_CANCEL, "miq_task_cancel",
     "UPDATE mcp_tasks SET status = 'cancelled', input_requests = NULL, updated_at = now() "
     "WHERE id = %s AND owner = %s AND status IN ('working', 'input_required') RETURNING 1"},
    /* Operators' reports (sql/016, ops/miq_reports.c names the columns).
     * Args: since, until (ISO 8601). */
    {MIQ_SQL_REPORT_MCP_INIT_SUCCESS, "miq_report_mcp_init_success",
     "SELECT * FROM miq_report_mcp_init_success(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_PAID_TOOL_ERRORS, "miq_report_paid_tool_errors",
     "SELECT * FROM miq_report_paid_tool_errors(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_REFUSALS, "miq_report_refusals",
     "SELECT * FROM miq_report_refusals(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_QUEUE_AGE, "miq_report_queue_age",
     "SELECT * FROM miq_report_queue_age(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_FAILED_JOBS, "miq_report_failed_jobs",
     "SELECT * FROM miq_report_failed_jobs(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_CONNECTOR_USAGE, "miq_report_connector_usage",
     "SELECT * FROM miq_report_connector_usage(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_TOP_SPENDERS, "miq_report_top_spenders",
     "SELECT * FROM miq_report_top_spenders(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_TOP_FAILED, "miq_report_top_failed",
     "SELECT * FROM miq_report_top_failed(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_TOP_TOOLS, "miq_report_top_tools",
     "SELECT * FROM miq_report_top_tools(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_READINESS_WARNINGS, "miq_report_readiness_warnings",
     "SELECT * FROM miq_report_readiness_warnings(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_CLIP_WORKFLOWS, "miq_report_clip_workflows",
     "SELECT * FROM miq_report_clip_workflows(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_RATE_LIMIT_REFUSALS, "miq_report_rate_limit_refusals",
     "SELECT * FROM miq_report_rate_limit_refusals(%s::timestamptz, %s::timestamptz)"},
    {MIQ_SQL_REPORT_WEBHOOK_FAILURES, "miq_report_webhook_failures",
     "SELECT * FROM miq_report_webhook_failures(%s::timestamptz, %s::timestamptz)"},
    /* Args: months ahead, months kept (0: all). Rows: action, partition. */
    {MIQ_SQL_REQUESTS_MAINTAIN, "miq_requests_maintain",
     "SELECT action, partition FROM miq_requests_maintain(%s::int, %s::int)"},
    /* Args: job. */
    {MIQ_SQL_JOB_TRACE_GET, "miq_job_trace_get",
     "SELECT coalesce(traceparent, '') FROM jobs WHERE id = %s"},
    /* Args: job. 't' when the job ended without success (failed, canceled,
     * or its row gone with its account): its output directory is only the
     * leftovers of a killed child. A job queued again, running (here or on
     * another worker) or succeeded keeps the directory. */
    {MIQ_SQL_JOB_FATE, "miq_job_fate",
     "SELECT coalesce((SELECT status IN ('failed', 'canceled') FROM jobs WHERE id = %s), true)"},
    /* /metrics and server-status, one round trip: queued, running, oldest
     * queued age s, workers alive, last heartbeat age s (-1: never), then of
     * the jobs created in the last 24 h: succeeded, failed, canceled, credits
     * charged; webhook events pending, given up on in 24 h, oldest pending s. */
    {MIQ_SQL_METRICS_DB, "miq_metrics_db",
     "SELECT (SELECT count(*) FROM jobs WHERE status = 'queued'), "
     "(SELECT count(*) FROM jobs WHERE status = 'running'), "
     "(SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM jobs "
     "WHERE status = 'queued'), "
     "(SELECT count(*) FROM worker_heartbeats WHERE seen_at > now() - interval '30 seconds'), "
     "(SELECT coalesce(extract(epoch FROM now() - max(seen_at)), -1) FROM worker_heartbeats), "
     "count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'), "
     "count(*) FILTER (WHERE status = 'canceled'), "
     "coalesce(sum(charged_credits) FILTER (WHERE status = 'succeeded'), 0), "
     "(SELECT pending FROM miq_webhook_backlog()), "
     "(SELECT failed_last_day FROM miq_webhook_backlog()), "
     "(SELECT oldest_pending_s FROM miq_webhook_backlog()) "
     "FROM jobs WHERE created_at > now() - interval '24 hours'"},
    /* /metrics: the counters sql/020's triggers keep, in print order. Rows:
     * metric, label1, label2, value. */
    {MIQ_SQL_METRIC_TOTALS, "miq_metric_totals",
     "SELECT metric, label1, label2, value::text FROM miq_metric_totals_read()"},
};

const miq_sql_stmt *miq_sql_get(miq_sql_id_e id)
{
    return (unsigned)id < MIQ_SQL_COUNT ? &catalog[id] : 0;
}

const miq_sql_stmt *miq_sql_all(void)
{
    return catalog;
}

const char *miq_sql_array_literal(apr_pool_t *p, const char *const *vals, int n)
{
    apr_size_t len = 3;
    int i;
    char *out, *o;
    const char *v;
    for (i = 0; i < n; i++)
        len += (vals[i] ? 2 * strlen(vals[i]) : 0) + 5;
    o = out = apr_palloc(p, len);
    *o++ = '{';
    for (i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        if (!vals[i] || !*vals[i]) {
            memcpy(o, "NULL", 4);
            o += 4;
            continue;
        }
        *o++ = '"';
        for (v = vals[i]; *v; v++) {
            if (*v == '"' || *v == '\\')
                *o++ = '\\';
            *o++ = *v;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = 0;
    return out;
}
