/* POST/GET/DELETE /mcp: the Streamable HTTP transport for both MCP eras.
 * Header rules, sessions (PostgreSQL) and streaming live here; what a
 * message means is decided by core/miq_mcp.c. */
#include <string.h>
#include <poll.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include <apr_lib.h>
#include <libpq-fe.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_limits.h"
#include "mod_momentiq_mcp.h"
#include "mod_momentiq_auth.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_discovery.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_metrics.h"
#include "mod_momentiq_upload.h"
#include "accounts/miq_auth.h"
#include "base/miq_crypto.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"
#include "mcp/miq_param_headers.h"
#include "jobs/miq_uploads.h"

typedef struct mcp_req {
    request_rec *r;
    miq_srv_conf *sc;
    ap_dbd_t *dbd;
    int sse;
    const char *session_id;
    miq_caller caller;
    apr_time_t start;
    /* what the request log gets */
    const char *era, *version, *rpc_method, *tool, *client_name, *outcome, *error_code;
    const char *traceparent; /* validated: _meta.traceparent, else the header */
} mcp_req;

/* A 2025 session belongs to the account that opened it (anonymous: ""), not to
 * one token: an OAuth client refreshes its access token mid-session and must
 * keep its session. Authority still comes from each request's own token. */
static const char *caller_key(apr_pool_t *p, const miq_caller *c)
{
    return c && c->token_id && c->account_id ? apr_pstrcat(p, "account:", c->account_id, NULL) : "";
}

/* ---- the request log ------------------------------------------------------ */

static void record(mcp_req *m, int status)
{
    miq_request_record rec;
    const char *outcome = m->outcome ? m->outcome : (status < 300 ? "ok" : "http_error");
    double latency_ms = (double)(apr_time_now() - m->start) / 1000.0;
    miq_metrics_mcp(m->rpc_method, m->tool, outcome, m->error_code, latency_ms / 1000.0);
    if (!m->sc->record_requests)
        return;
    rec.at = m->start;
    rec.era = m->era;
    rec.protocol_version = m->version;
    rec.http_method = m->r->method;
    rec.rpc_method = m->rpc_method;
    rec.tool = m->tool;
    rec.client_name = m->client_name;
    /* the log keeps a hash of the session id, never the id a client presents */
    rec.session_id = !m->session_id ? NULL
                     : miq_mcp_session_id_ok(m->session_id)
                         ? apr_pstrndup(m->r->pool,
                                        miq_sha256_hex(m->r->pool, m->session_id,
                                                       strlen(m->session_id)),
                                        16)
                         : "(malformed)";
    rec.caller = m->caller.token_id;
    rec.http_status = status;
    rec.outcome = outcome;
    rec.error_code = m->error_code;
    rec.latency_ms = latency_ms;
    rec.traceparent = m->traceparent;
    miq_record_push(&rec);
}

static int finish(mcp_req *m, int status, const char *body)
{
    miq_send_json(m->r, status, body);
    record(m, status);
    return OK;
}

/* A JSON-RPC error as the HTTP response (transport-level failures). */
static int rpc_fail(mcp_req *m, int status, const json_t *id, int code, const char *message,
                    json_t *data)
{
    m->outcome = status >= 400 ? "http_error" : "rpc_error";
    m->error_code = apr_itoa(m->r->pool, code);
    /* data is pool-bound (e.g. from miq_mcp_read_meta); miq_rpc_error steals a reference. */
    return finish(m, status,
                  miq_json_dump(m->r->pool, miq_rpc_error(m->r->pool, id, code, message,
                                                          data ? json_incref(data) : NULL)));
}

/* Events the tools raised (scope denials, readiness warnings), without secrets. */
static void record_events(mcp_req *m, json_t *events)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        miq_event_push(miq_json_str(e, "kind", ""), miq_json_str(e, "code", NULL),
                       m->caller.account_id, m->caller.token_id, "mcp",
                       miq_json_str(e, "detail", NULL));
    }
}

/* 401 with the Bearer challenge: a bad token (invalid_api_key) or, where
 * MomentIQRequireToken is on, none at all (authentication_required). */
static int unauthorized(mcp_req *m, const json_t *id, const char *code, const char *message)
{
    apr_table_setn(m->r->err_headers_out, "WWW-Authenticate",
                   miq_auth_challenge(m->r,
                                      !strcmp(code, "invalid_api_key") ? "invalid_token" : NULL));
    return rpc_fail(m, HTTP_UNAUTHORIZED, id, -32001,
                    apr_pstrcat(m->r->pool, code, ": ", message, NULL),
                    miq_json_packp(m->r->pool, "{s:s}", "code", code));
}

/* 429 rate_limited as a JSON-RPC error, with Retry-After. */
static int rate_refused(mcp_req *m, const json_t *id, miq_rate_class_e c, int wait)
{
    int rv;
    apr_table_setn(m->r->headers_out, "Retry-After", apr_itoa(m->r->pool, wait));
    m->error_code = "rate_limited";
    rv = rpc_fail(m, HTTP_TOO_MANY_REQUESTS, id, MIQ_RPC_RATE_LIMITED,
                  apr_psprintf(m->r->pool, "rate_limited: too many requests (%s); retry after %d s",
                               miq_rate_class_name(c), wait),
                  miq_json_packp(m->r->pool, "{s:s,s:i}", "code", "rate_limited", "retry_after_s",
                                 wait));
    return rv == OK ? DONE : rv;
}

/* Checks the Authorization header (every request, no cache), then counts the
 * request against the token's (or the address's) rate limit. OK to go on. */
static int authenticate(mcp_req *m, const json_t *id)
{
    const char *why = NULL;
    int rv, wait;
    if (!m->dbd)
        m->dbd = miq_dbd(m->r);
    rv = miq_auth_bearer(m->r, m->dbd, "mcp", &m->caller, &why);
    if (rv == -2)
        return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, id, MIQ_RPC_INTERNAL_ERROR,
                        "database unavailable", NULL);
    if (rv == -1) {
        int r;
        /* guessing tokens costs a bounded number of tries per address */
        if ((wait = miq_rate_hit_request(m->r, m->dbd, MIQ_RATE_BAD_TOKEN, NULL)) > 0)
            return rate_refused(m, id, MIQ_RATE_BAD_TOKEN, wait);
        r = unauthorized(m, id, "invalid_api_key",
                         apr_psprintf(m->r->pool,
                                      "the bearer token is %s; create a new one "
                                      "in the dashboard or reconnect",
                                      !strcmp(why, "revoked")   ? "revoked"
                                      : !strcmp(why, "expired") ? "expired"
                                                                : "not valid"));
        return r == OK ? DONE : r;
    }
    if (rv == 0 && miq_dconf(m->r)->require_token == 1) {
        int r = unauthorized(m, id, "authentication_required",
                             "this endpoint needs a MomentIQ token: connect with OAuth or send "
                             "Authorization: Bearer <token>");
        return r == OK ? DONE : r;
    }
    wait = miq_rate_hit_request(m->r, m->dbd, MIQ_RATE_MCP, rv == 1 ? m->caller.token_id : NULL);
    if (wait > 0)
        return rate_refused(m, id, MIQ_RATE_MCP, wait);
    return OK;
}

/* ---- streaming and waiting ------------------------------------------------- */

static apr_status_t sse_closed(void *data)
{
    (void)data;
    miq_metrics_sse(-1);
    return APR_SUCCESS;
}

static void start_sse(mcp_req *m)
{
    request_rec *r = m->r;
    if (m->sse)
        return;
    m->sse = 1;
    miq_metrics_sse(1);
    apr_pool_cleanup_register(r->pool, NULL, sse_closed, apr_pool_cleanup_null);
    r->status = 200;
    ap_set_content_type(r, "text/event-stream");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache, no-transform");
    apr_table_setn(r->headers_out, "X-Accel-Buffering", "no");
}

static int io_emit(void *baton, const char *json)
{
    mcp_req *m = baton;
    start_sse(m);
    ap_rvputs(m->r, "event: message\ndata: ", json, "\n\n", NULL);
    return ap_rflush(m->r) < 0 ? -1 : 0;
}

/* Waits for the client's answer to request_id: it arrives as a POST to this
 * session, maybe at another child or node, which stores it and NOTIFYs. */
static int io_await(void *baton, const char *request_id, int timeout_ms, apr_pool_t *p,
                    json_t **response)
{
    mcp_req *m = baton;
    request_rec *r = m->r;
    PGconn *pg;
    PGresult *res;
    const char *args[2] = {m->session_id, request_id};
    apr_time_t deadline = apr_time_now() + apr_time_from_msec(timeout_ms);
    int rc = 0;

    if (!m->dbd || !m->session_id)
        return -1;
    pg = apr_dbd_native_handle(m->dbd->driver, m->dbd->handle);
    res = PQexec(pg, "LISTEN miq_client_response");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        PQclear(res);
        return -1;
    }
    PQclear(res);
    for (;;) {
        const char **row;
        int ncols, got;
        struct pollfd pfd;
        apr_interval_time_t left;
        PGnotify *n;
        got = miq_db_row(r, m->dbd, MIQ_SQL_CLIENT_RESPONSE_TAKE, 2, args, &row, &ncols);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 1) {
            *response = miq_json_parse(p, row[0], strlen(row[0]), NULL);
            rc = *response ? 1 : -1;
            break;
        }
        left = deadline - apr_time_now();
        if (left <= 0)
            break;
        pfd.fd = PQsocket(pg);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, (int)(apr_time_as_msec(left) + 1)) < 0)
            continue;
        if (!PQconsumeInput(pg)) {
            rc = -1;
            break;
        }
        while ((n = PQnotifies(pg)))
            PQfreemem(n);
    }
    res = PQexec(pg, "UNLISTEN *");
    PQclear(res);
    while (PQconsumeInput(pg) && PQnotifies(pg))
        ;
    return rc;
}

static int io_set_level(void *baton, int level)
{
    mcp_req *m = baton;
    const char *args[2];
    args[0] = apr_itoa(m->r->pool, level);
    args[1] = m->session_id;
    return miq_db_exec(m->r, m->dbd, MIQ_SQL_SESSION_SET_LEVEL, 2, args) == 1 ? 0 : -1;
}

/* ---- sessions (2025 era) ------------------------------------------------- */

typedef struct {
    const char *version;
    int log_level;
    json_t *caps;
    const char *caller;
    const char *client_name;
} session_t;

/* 1 found (renewed when due), 0 unknown/expired/deleted, -1 database error. */
static int session_load(mcp_req *m, const char *id, session_t *s)
{
    const char *args[2], **row;
    int ncols, got;
    if (!miq_mcp_session_id_ok(id)) /* never sent to the database */
        return 0;
    args[0] = id;
    got = miq_db_row(m->r, m->dbd, MIQ_SQL_SESSION_GET, 1, args, &row, &ncols);
    if (got != 1)
        return got;
    s->version = row[0];
    s->log_level = atoi(row[1]);
    s->caps = miq_json_parse(m->r->pool, row[2], strlen(row[2]), NULL);
    s->caller = row[3];
    s->client_name = row[4];
    /* Renew at most once a minute (sooner for idle timeouts under 4 minutes). */
    if (atoi(row[5]) >= (m->sc->mcp_session_idle_s < 240 ? m->sc->mcp_session_idle_s / 4 : 60)) {
        args[0] = apr_itoa(m->r->pool, m->sc->mcp_session_idle_s);
        args[1] = id;
        miq_db_exec(m->r, m->dbd, MIQ_SQL_SESSION_RENEW, 2, args);
    }
    return 1;
}

static const char *session_create(mcp_req *m, miq_mcp_call *c)
{
    const char *id = miq_random_hex(m->r->pool, 32), *args[7];
    if (!id)
        return NULL;
    args[0] = id;
    args[1] = c->init_version;
    args[2] = c->client_name;
    args[3] = c->client_version;
    args[4] = miq_json_dump(m->r->pool, c->client_caps ? c->client_caps : json_object());
    args[5] = caller_key(m->r->pool, c->caller);
    args[6] = apr_itoa(m->r->pool, m->sc->mcp_session_idle_s);
    return miq_db_exec(m->r, m->dbd, MIQ_SQL_SESSION_CREATE, 7, args) == 1 ? id : NULL;
}

/* ---- POST ------------------------------------------------------------------ */

static int json_rpc_status(int code)
{
    switch (code) {
    case MIQ_RPC_PARSE_ERROR:
    case MIQ_RPC_INVALID_REQUEST:
    case MIQ_RPC_HEADER_MISMATCH:
    case MIQ_RPC_UNSUPPORTED_VERSION:
    case MIQ_RPC_MISSING_CAPABILITY:
        return HTTP_BAD_REQUEST;
    default:
        return HTTP_OK;
    }
}

/* Header value with surrounding whitespace removed and an RFC 2047-style
 * "=?base64?...?=" wrapping decoded (how clients send non-ASCII names). */
static const char *header_value(request_rec *r, const char *name, int *bad)
{
    const char *v = apr_table_get(r->headers_in, name);
    char *t;
    apr_size_t n;
    *bad = 0;
    if (!v)
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    t = apr_pstrdup(r->pool, v);
    n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        t[--n] = 0;
    if (n >= 12 && !strncmp(t, "=?base64?", 9) && !strcmp(t + n - 2, "?=")) {
        char *inner = apr_pstrndup(r->pool, t + 9, n - 11);
        int len = apr_base64_decode_len(inner);
        char *out = apr_palloc(r->pool, len + 1);
        apr_size_t i, m = strlen(inner);
        for (i = 0; i < m; i++)
            if (!apr_isalnum(inner[i]) && inner[i] != '+' && inner[i] != '/' && inner[i] != '=')
                break;
        if (i < m || m % 4) {
            *bad = 1;
            return t;
        }
        len = apr_base64_decode(out, inner);
        out[len] = 0;
        return out;
    }
    return t;
}

/* 2026: a tool's x-mcp-header arguments must be repeated in Mcp-Param-*
 * headers, and a header may not carry a value the body does not have. */
static const char *check_param_headers(mcp_req *m, const miq_rpc_msg *msg)
{
    apr_array_header_t *want = miq_param_headers(m->r->pool, m->sc->mcp, msg);
    int i, bad;
    for (i = 0; want && i < want->nelts; i++) {
        const miq_param_header *h = &APR_ARRAY_IDX(want, i, miq_param_header);
        const char *v = header_value(m->r, h->header, &bad);
        if (bad)
            return apr_psprintf(m->r->pool, "the %s header is not valid base64", h->header);
        if (h->value && !v)
            return apr_psprintf(m->r->pool, "the %s header is required: the body has the value",
                                h->header);
        if (v && (!h->value || strcmp(v, h->value)))
            return apr_psprintf(m->r->pool, "the %s header does not match the body", h->header);
    }
    return NULL;
}

/* 2026: Mcp-Method / Mcp-Name must repeat what the body says. */
static const char *check_2026_headers(mcp_req *m, const miq_rpc_msg *msg)
{
    request_rec *r = m->r;
    int bad_m, bad_n;
    const char *hm = header_value(r, "Mcp-Method", &bad_m);
    const char *hn = header_value(r, "Mcp-Name", &bad_n);
    const char *want = miq_mcp_name_for(r->pool, msg);
    if (!hm)
        return "the Mcp-Method header is required";
    if (bad_m || strcmp(hm, msg->method))
        return "the Mcp-Method header does not match the body's method";
    if (want && !hn)
        return apr_psprintf(r->pool, "the Mcp-Name header is required for %s", msg->method);
    if (want && (bad_n || strcmp(hn, want)))
        return "the Mcp-Name header does not match the body";
    return check_param_headers(m, msg);
}

static int serve_request(mcp_req *m, const miq_rpc_msg *msg)
{
    request_rec *r = m->r;
    miq_mcp_call c;
    miq_mcp_io io = {m, io_emit, io_await, io_set_level};
    miq_db db;
    const char *hdr_version = apr_table_get(r->headers_in, "MCP-Protocol-Version");
    json_t *meta = json_object_get(msg->params, "_meta");
    const char *out;
    int status;

    memset(&c, 0, sizeof(c));
    c.pool = r->pool;
    c.srv = m->sc->mcp;
    c.caller = &m->caller;
    c.io = &io;
    c.msg = msg;
    c.log_level = MIQ_MCP_INFO;
    c.now = r->request_time;
    miq_db_bind(r, m->dbd, &db);
    c.db = &db;
    c.storage_dir = m->sc->storage_dir;
    /* the trace a job created here continues (jobs.traceparent, worker logs) */
    m->traceparent = miq_request_traceparent(r, miq_json_str(meta, "traceparent", NULL));
    m->caller.traceparent = m->traceparent;
    {
        miq_upload_conf *uc = apr_palloc(r->pool, sizeof(*uc));
        miq_upload_conf_of(r, uc);
        c.uploads = uc;
    }
    c.file_url_ttl_s = m->sc->file_url_ttl_s;
    m->rpc_method = msg->method;

    /* Era: the 2026 client always sends MCP-Protocol-Version (even on probes
     * of removed methods); 2025 clients send none on initialize, then theirs. */
    if ((hdr_version && miq_mcp_version_era(hdr_version) != MIQ_ERA_2025) ||
        (!hdr_version && json_object_get(meta, "io.modelcontextprotocol/protocolVersion"))) {
        int code;
        json_t *data;
        const char *err = miq_mcp_read_meta(&c, hdr_version, &code, &data);
        m->era = "2026";
        if (!err && !hdr_version) {
            code = MIQ_RPC_HEADER_MISMATCH;
            err = "the MCP-Protocol-Version header is required in protocol 2026-07-28";
        }
        if (err)
            return rpc_fail(m, HTTP_BAD_REQUEST, msg->id, code, err, data);
        m->version = c.protocol_version;
        m->client_name = c.client_name;
        if ((err = check_2026_headers(m, msg)))
            return rpc_fail(m, HTTP_BAD_REQUEST, msg->id, MIQ_RPC_HEADER_MISMATCH, err, NULL);
    }
    else if (!strcmp(msg->method, "initialize")) {
        c.era = MIQ_ERA_2025;
    }
    else if (m->session_id) {
        session_t s;
        int got = session_load(m, m->session_id, &s);
        m->era = "2025";
        if (got < 0)
            return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, msg->id, MIQ_RPC_INTERNAL_ERROR,
                            "session store unavailable", NULL);
        if (got == 0 || strcmp(s.caller, caller_key(m->r->pool, c.caller)))
            return rpc_fail(m, HTTP_NOT_FOUND, msg->id, MIQ_RPC_INVALID_REQUEST,
                            "Session not found: it expired or was deleted; initialize again", NULL);
        c.era = MIQ_ERA_2025;
        c.protocol_version = s.version;
        c.session_id = m->session_id;
        c.client_caps = s.caps;
        c.log_level = s.log_level;
        m->version = s.version;
        m->client_name = s.client_name;
    }
    else {
        m->era = "2025";
        return rpc_fail(m, HTTP_BAD_REQUEST, msg->id, MIQ_RPC_INVALID_REQUEST,
                        "Bad Request: no Mcp-Session-Id header (send initialize first, or use "
                        "protocol 2026-07-28 with params._meta)",
                        NULL);
    }
    if (c.era == MIQ_ERA_2025)
        m->era = "2025";

    out = miq_mcp_dispatch(&c);
    record_events(m, c.events);
    m->tool = c.tool;
    m->outcome = c.outcome;
    m->error_code = c.error_code;
    status = c.http_status;
    if (c.error_code && c.outcome && !strcmp(c.outcome, "rpc_error"))
        status = json_rpc_status(atoi(c.error_code)) == HTTP_OK
                     ? status
                     : json_rpc_status(atoi(c.error_code));

    if (c.init_version && !strcmp(c.outcome, "ok")) {
        const char *sid;
        int wait;
        /* anonymous sessions are rows anyone can create: bounded per address */
        if (!m->caller.account_id &&
            (wait = miq_rate_hit_request(r, m->dbd, MIQ_RATE_ANON_SESSION, NULL)) > 0)
            return rate_refused(m, msg->id, MIQ_RATE_ANON_SESSION, wait);
        sid = session_create(m, &c);
        if (!sid)
            return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, msg->id, MIQ_RPC_INTERNAL_ERROR,
                            "could not create the session", NULL);
        apr_table_setn(r->headers_out, "Mcp-Session-Id", sid);
        m->session_id = sid;
        m->version = c.init_version;
        m->client_name = c.client_name;
    }
    if (m->sse) {
        ap_rvputs(r, "event: message\ndata: ", out, "\n\n", NULL);
        record(m, 200);
        return OK;
    }
    return finish(m, status, out);
}

/* A client's response to our server-to-client request. */
static int store_client_response(mcp_req *m, const miq_rpc_msg *msg)
{
    const char *args[3];
    session_t s;
    int got;
    m->outcome = "accepted";
    if (!m->session_id)
        return finish(m, HTTP_ACCEPTED, NULL); /* 2026 has no server requests: nothing waits */
    got = session_load(m, m->session_id, &s);
    if (got <= 0)
        return rpc_fail(m, got < 0 ? HTTP_SERVICE_UNAVAILABLE : HTTP_NOT_FOUND, NULL,
                        MIQ_RPC_INVALID_REQUEST, "Session not found", NULL);
    args[0] = m->session_id;
    args[1] = json_is_string(msg->id) ? json_string_value(msg->id)
                                      : apr_psprintf(m->r->pool, "%" APR_INT64_T_FMT,
                                                     (apr_int64_t)json_integer_value(msg->id));
    args[2] = miq_json_dump(m->r->pool, msg->raw);
    if (miq_db_exec(m->r, m->dbd, MIQ_SQL_CLIENT_RESPONSE_PUT, 3, args) < 0)
        return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, NULL, MIQ_RPC_INTERNAL_ERROR,
                        "could not store the response", NULL);
    return finish(m, HTTP_ACCEPTED, NULL);
}

static int handle_post(mcp_req *m)
{
    request_rec *r = m->r;
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *body, *err;
    apr_size_t len;
    miq_rpc_msg msg;
    int rv, code;

    if (!miq_http_ctype_is(ctype, "application/json"))
        return rpc_fail(m, HTTP_UNSUPPORTED_MEDIA_TYPE, NULL, MIQ_RPC_INVALID_REQUEST,
                        "Content-Type must be application/json", NULL);
    if (!miq_http_accepts(accept, "application/json") ||
        !miq_http_accepts(accept, "text/event-stream"))
        return rpc_fail(m, HTTP_NOT_ACCEPTABLE, NULL, MIQ_RPC_INVALID_REQUEST,
                        "Accept must allow both application/json and text/event-stream", NULL);
    rv = miq_read_body(r, m->sc->max_body, &body, &len);
    if (rv == HTTP_REQUEST_ENTITY_TOO_LARGE)
        return rpc_fail(m, rv, NULL, MIQ_RPC_INVALID_REQUEST,
                        apr_psprintf(r->pool,
                                     "request body is larger than %" APR_OFF_T_FMT " bytes",
                                     m->sc->max_body),
                        NULL);
    if (rv != OK)
        return rpc_fail(m, HTTP_BAD_REQUEST, NULL, MIQ_RPC_PARSE_ERROR,
                        "could not read the request body", NULL);
    /* A presented token is checked before anything else is said about the request. */
    m->dbd = miq_dbd(r);
    if ((rv = authenticate(m, NULL)) != OK)
        return rv == DONE ? OK : rv;
    if ((err = miq_rpc_parse(r->pool, body, len, &msg, &code)))
        return rpc_fail(m, HTTP_BAD_REQUEST, msg.id, code, err, NULL);
    if (msg.kind == MIQ_MSG_RESPONSE) {
        if (!m->dbd)
            return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, NULL, MIQ_RPC_INTERNAL_ERROR,
                            "database unavailable", NULL);
        return store_client_response(m, &msg);
    }
    if (msg.kind == MIQ_MSG_NOTIFICATION) {
        m->rpc_method = msg.method;
        m->outcome = "accepted";
        if (m->session_id && m->dbd) {
            session_t s;
            if (session_load(m, m->session_id, &s) == 0)
                return rpc_fail(m, HTTP_NOT_FOUND, NULL, MIQ_RPC_INVALID_REQUEST,
                                "Session not found", NULL);
        }
        return finish(m, HTTP_ACCEPTED, NULL);
    }
    if (!m->dbd && (m->session_id || !strcmp(msg.method, "initialize")))
        return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, msg.id, MIQ_RPC_INTERNAL_ERROR,
                        "database unavailable", NULL);
    return serve_request(m, &msg);
}

static int handle_delete(mcp_req *m)
{
    const char *args[2];
    int n;
    m->rpc_method = "session/delete";
    if (!m->session_id)
        return rpc_fail(m, HTTP_BAD_REQUEST, NULL, MIQ_RPC_INVALID_REQUEST,
                        "DELETE needs the Mcp-Session-Id header", NULL);
    if (!(m->dbd = miq_dbd(m->r)))
        return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, NULL, MIQ_RPC_INTERNAL_ERROR,
                        "database unavailable", NULL);
    args[0] = m->session_id;
    args[1] = caller_key(m->r->pool, &m->caller);
    n = miq_db_exec(m->r, m->dbd, MIQ_SQL_SESSION_DELETE, 2, args);
    if (n < 0)
        return rpc_fail(m, HTTP_SERVICE_UNAVAILABLE, NULL, MIQ_RPC_INTERNAL_ERROR,
                        "session store unavailable", NULL);
    if (n == 0)
        return rpc_fail(m, HTTP_NOT_FOUND, NULL, MIQ_RPC_INVALID_REQUEST, "Session not found",
                        NULL);
    return finish(m, HTTP_OK, NULL);
}

static void cors(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    if (!origin)
        return;
    apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", origin);
    apr_table_setn(r->headers_out, "Vary", "Origin");
    apr_table_setn(r->headers_out, "Access-Control-Expose-Headers",
                   "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate");
}

int miq_handle_mcp(request_rec *r)
{
    mcp_req m;
    memset(&m, 0, sizeof(m));
    m.r = r;
    m.sc = miq_conf(r->server);
    m.start = r->request_time;
    m.session_id = apr_table_get(r->headers_in, "Mcp-Session-Id");
    m.era = "";
    m.traceparent = miq_request_traceparent(r, NULL);

    if (!miq_host_ok(r, m.sc))
        return rpc_fail(&m, HTTP_FORBIDDEN, NULL, MIQ_RPC_INVALID_REQUEST,
                        "Host header does not name this server", NULL);
    if (!miq_origin_ok(r, m.sc))
        return rpc_fail(&m, HTTP_FORBIDDEN, NULL, MIQ_RPC_INVALID_REQUEST, "Origin is not allowed",
                        NULL);
    cors(r);
    if (r->method_number == M_POST)
        return handle_post(&m);
    if (r->method_number != M_OPTIONS) {
        int rv = authenticate(&m, NULL);
        if (rv != OK)
            return rv == DONE ? OK : rv;
    }
    if (r->method_number == M_DELETE)
        return handle_delete(&m);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", "GET, POST, DELETE, OPTIONS");
        apr_table_setn(r->headers_out, "Access-Control-Allow-Methods", "GET, POST, DELETE");
        apr_table_setn(r->headers_out, "Access-Control-Allow-Headers",
                       "Content-Type, Accept, Authorization, Mcp-Session-Id, "
                       "MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID");
        return miq_send_json(r, HTTP_NO_CONTENT, NULL);
    }
    if (r->method_number == M_GET) {
        const char *accept = apr_table_get(r->headers_in, "Accept");
        /* No server-initiated stream is offered: SSE-only GETs get 405. */
        if (accept && miq_http_accepts(accept, "text/event-stream") &&
            !miq_http_ctype_is(accept, "*/*") && !strstr(accept, "application/json") &&
            !strstr(accept, "text/html")) {
            apr_table_setn(r->headers_out, "Allow", "POST, DELETE");
            return finish(&m, HTTP_METHOD_NOT_ALLOWED, NULL);
        }
        return miq_doc_mcp(r);
    }
    apr_table_setn(r->headers_out, "Allow", "GET, POST, DELETE, OPTIONS");
    return rpc_fail(&m, HTTP_METHOD_NOT_ALLOWED, NULL, MIQ_RPC_INVALID_REQUEST,
                    "use POST for JSON-RPC messages", NULL);
}
