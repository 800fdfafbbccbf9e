#include <string.h>
#include <apr_strings.h>
#include "miq_sql.h"

/* Keep in id order: miq_sql_get indexes this table. */
static const miq_sql_stmt catalog[MIQ_SQL_COUNT] = {
    {MIQ_SQL_STATUS, "miq_status",
     "SELECT coalesce(extract(epoch FROM now() - max(seen_at))::bigint, -1), "
     "count(*) FILTER (WHERE seen_at > now() - interval '30 seconds') FROM worker_heartbeats"},
    {MIQ_SQL_SESSION_CREATE, "miq_session_create",
     "INSERT INTO mcp_sessions (id, protocol_version, client_name, client_version, client_caps, "
     "caller, expires_at) VALUES (%s, %s, %s, %s, %s::jsonb, %s, now() + make_interval(secs => "
     "%d))"},
    /* One round trip: reads a live session and renews its idle expiry, writing
     * the row at most once a minute so busy sessions do not churn WAL. */
    {MIQ_SQL_SESSION_TOUCH, "miq_session_touch",
     "WITH s AS (SELECT id, protocol_version, log_level, client_caps, caller, client_name "
     "FROM mcp_sessions WHERE id = %s AND deleted_at IS NULL AND expires_at > now()), "
     "u AS (UPDATE mcp_sessions m SET last_seen_at = now(), expires_at = now() + "
     "make_interval(secs => %d) FROM s WHERE m.id = s.id AND m.last_seen_at < now() - "
     "interval '60 seconds' RETURNING m.id) "
     "SELECT protocol_version, log_level, client_caps::text, caller, coalesce(client_name, '') "
     "FROM s"},
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
     "client_name, session_id, caller, http_status, outcome, error_code, latency_ms) "
     "SELECT at, coalesce(era, ''), pv, hm, rm, tool, cn, sid, caller, st, oc, ec, lat "
     "FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::text[], %s::text[], "
     "%s::text[], %s::text[], %s::text[], %s::text[], %s::smallint[], %s::text[], %s::text[], "
     "%s::float8[]) AS t(at, era, pv, hm, rm, tool, cn, sid, caller, st, oc, ec, lat)"},
    {MIQ_SQL_WORKER_HEARTBEAT, "miq_worker_heartbeat",
     "INSERT INTO worker_heartbeats (worker_id, host, pid) VALUES (%s, %s, %d) "
     "ON CONFLICT (worker_id) DO UPDATE SET seen_at = now(), host = EXCLUDED.host, "
     "pid = EXCLUDED.pid"},
    {MIQ_SQL_WORKER_GONE, "miq_worker_gone", "DELETE FROM worker_heartbeats WHERE worker_id = %s"},
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
