/* The JSON REST API under /v1 for developers (API keys or connector tokens):
 * account, estimate (no token needed), jobs; uploads are delegated to
 * mod_momentiq_upload.c. The services live in core/miq_jobs*.c and answer a
 * miq_reply that is rendered here. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_limits.h"
#include "mod_momentiq_rest.h"
#include "mod_momentiq_metrics.h"
#include "mod_momentiq_auth.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_upload.h"
#include "mod_momentiq_config.h"
#include "accounts/miq_auth.h"
#include "jobs/miq_jobs.h"
#include "base/miq_json.h"
#include "tools/miq_account_view.h"

/* 401 with the Bearer challenge. */
static int rest_unauthorized(request_rec *r, const char *code, const char *message)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   miq_auth_challenge(r,
                                      !strcmp(code, "invalid_api_key") ? "invalid_token" : NULL));
    return miq_send_error(r, HTTP_UNAUTHORIZED, code, message);
}

/* Checks the bearer token. OK with *caller (anonymous when none was presented
 * and optional is set), or the response sent (*sent). */
static int rest_authenticate(request_rec *r, ap_dbd_t *dbd, miq_caller *caller, int optional,
                             int *sent)
{
    const char *why = NULL;
    int rv = miq_auth_bearer(r, dbd, "rest", caller, &why), wait;
    *sent = 1;
    if (rv == -2)
        return miq_send_db_unavailable(r, NULL);
    /* guessing tokens costs a bounded number of tries per address */
    if (rv == -1 && (wait = miq_rate_hit_request(r, dbd, MIQ_RATE_BAD_TOKEN, NULL)) > 0)
        return miq_rate_send_refusal(r, MIQ_RATE_BAD_TOKEN, wait);
    if (rv == -1)
        return rest_unauthorized(r, "invalid_api_key",
                                 apr_psprintf(r->pool, "the API key or token is %s",
                                              why && !strcmp(why, "revoked")   ? "revoked"
                                              : why && !strcmp(why, "expired") ? "expired"
                                                                               : "not valid"));
    if (rv == 0) {
        memset(caller, 0, sizeof(*caller));
        if (!optional)
            return rest_unauthorized(r, "authentication_required",
                                     "send Authorization: Bearer <API key or connector token>");
    }
    wait = miq_rate_hit_request(r, dbd, MIQ_RATE_API, rv == 1 ? caller->token_id : NULL);
    if (wait > 0)
        return miq_rate_send_refusal(r, MIQ_RATE_API, wait);
    caller->traceparent = miq_request_traceparent(r, NULL);
    *sent = 0;
    return OK;
}

static int method_not_allowed(request_rec *r, const char *allow)
{
    apr_table_setn(r->headers_out, "Allow", allow);
    return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                          apr_psprintf(r->pool, "%s is not allowed here; use %s", r->method,
                                       allow));
}

static int route_not_found(request_rec *r)
{
    return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                          apr_psprintf(r->pool, "no such route: %s %s", r->method, r->uri));
}

static void env_init(miq_jobs_env *env, request_rec *r, miq_db *db, const miq_caller *caller)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_quotas *q = apr_pcalloc(r->pool, sizeof(*q));
    apr_int64_t min_free;
    memset(env, 0, sizeof(*env));
    miq_conf_quotas(r, q, &min_free);
    env->quotas = q;
    env->pool = r->pool;
    env->srv = sc->mcp;
    env->db = db;
    env->caller = caller;
    env->storage_dir = sc->storage_dir;
    env->file_url_ttl_s = sc->file_url_ttl_s;
    env->now = apr_time_now();
}

/* Renders a service reply (miq_send_reply) with the REST surface's extras:
 * the scope-denied event, the Bearer challenge, Retry-After on a 503. */
static int send_reply(request_rec *r, const miq_caller *caller, const miq_reply *rep)
{
    if (rep->status < 400)
        return miq_send_reply(r, rep);
    if (rep->code && !strcmp(rep->code, "connector_scope_denied"))
        miq_event_push("connector_scope_denied", miq_json_str(rep->body, "endpoint", NULL),
                       caller->account_id, caller->token_id, "rest", NULL);
    if (rep->status == HTTP_UNAUTHORIZED)
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", miq_auth_challenge(r, NULL));
    if (rep->status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
    return miq_send_reply(r, rep);
}

static int read_body(request_rec *r, json_t **body)
{
    const char *err = NULL;
    int rv = miq_read_json_body(r, miq_conf(r->server)->max_body, body, &err);
    if (rv == OK)
        return OK;
    return miq_send_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                          rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large"
                                                              : "invalid_request",
                          err);
}

static int get_account(request_rec *r, const miq_caller *caller)
{
    json_t *warnings = NULL, *view = miq_account_view(r->pool, caller, &warnings), *w;
    size_t i;
    json_array_foreach(warnings, i, w)
    {
        miq_event_push("readiness_warning", miq_json_str(w, "code", ""), caller->account_id,
                       caller->token_id, "rest", NULL);
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, view));
}

/* POST /v1/estimate: anonymous with duration_s; upload_id needs a token. */
static int route_estimate(request_rec *r)
{
    miq_caller caller;
    miq_jobs_env env;
    miq_reply rep;
    miq_db db;
    ap_dbd_t *dbd = NULL;
    json_t *body;
    int sent, rv;
    if (r->method_number != M_POST)
        return method_not_allowed(r, "POST");
    memset(&caller, 0, sizeof(caller));
    if (apr_table_get(r->headers_in, "Authorization")) {
        dbd = miq_dbd(r);
        rv = rest_authenticate(r, dbd, &caller, 1, &sent);
        if (sent)
            return rv;
    }
    if ((rv = read_body(r, &body)) != OK)
        return rv;
    if (!dbd && caller.account_id)
        dbd = miq_dbd(r);
    miq_db_bind(r, dbd, &db);
    env_init(&env, r, &db, &caller);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_estimate(&env, body, &rep);
    return send_reply(r, &caller, &rep);
}

static int route_jobs(request_rec *r, miq_jobs_env *env, const miq_caller *caller)
{
    miq_reply rep;
    json_t *body;
    int rv, limit = 0;
    const char *l;
    memset(&rep, 0, sizeof(rep));
    if (r->method_number == M_POST) {
        if ((rv = read_body(r, &body)) != OK)
            return rv;
        miq_jobs_create(env, body, &rep);
        if (rep.status == HTTP_CREATED)
            apr_table_setn(r->headers_out, "Location",
                           apr_pstrcat(r->pool, "/v1/jobs/", miq_json_str(rep.body, "job_id", ""),
                                       NULL));
        return send_reply(r, caller, &rep);
    }
    if (r->method_number != M_GET)
        return method_not_allowed(r, "GET, POST");
    if ((l = miq_query_arg(r, "limit")) && (limit = miq_query_int(l, 1, 100)) < 0)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "limit must be 1 to 100");
    miq_jobs_list(env, miq_query_arg(r, "cursor"), miq_query_arg(r, "status"), limit, &rep);
    return send_reply(r, caller, &rep);
}

/* /v1/jobs/{id}[/result|/cancel|/outputs/refresh] */
static int route_job(request_rec *r, miq_jobs_env *env, const miq_caller *caller, const char *rest)
{
    miq_reply rep;
    const char *slash = strchr(rest, '/'), *sub = slash ? slash : "";
    const char *id = slash ? apr_pstrmemdup(r->pool, rest, (apr_size_t)(slash - rest)) : rest;
    memset(&rep, 0, sizeof(rep));
    if (!*id)
        return route_not_found(r);
    if (!*sub) {
        const char *w = miq_query_arg(r, "wait_s");
        int wait_s = 0;
        if (r->method_number != M_GET)
            return method_not_allowed(r, "GET");
        if (w && (wait_s = miq_query_int(w, 0, 45)) < 0)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                  "wait_s must be 0 to 45 seconds");
        miq_jobs_get(env, id, wait_s, &rep);
        return send_reply(r, caller, &rep);
    }
    if (!strcmp(sub, "/result")) {
        const char *ct = NULL, *text = NULL;
        if (r->method_number != M_GET)
            return method_not_allowed(r, "GET");
        miq_jobs_result(env, id, miq_query_arg(r, "format"), &rep, &ct, &text);
        if (rep.status >= 400 || !text)
            return send_reply(r, caller, &rep);
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
        ap_set_content_type(r, ct);
        ap_set_content_length(r, (apr_off_t)strlen(text));
        if (!r->header_only)
            ap_rwrite(text, (int)strlen(text), r);
        return OK;
    }
    if (!strcmp(sub, "/cancel")) {
        if (r->method_number != M_POST)
            return method_not_allowed(r, "POST");
        miq_jobs_cancel(env, id, &rep);
        return send_reply(r, caller, &rep);
    }
    if (!strcmp(sub, "/outputs/refresh")) {
        if (r->method_number != M_POST)
            return method_not_allowed(r, "POST");
        miq_jobs_refresh_outputs(env, id, &rep);
        return send_reply(r, caller, &rep);
    }
    return route_not_found(r);
}

/* GET /v1/jobs/{id}?wait_s=N with N > 0: a request that sleeps. */
static int is_long_poll(request_rec *r)
{
    const char *w;
    return r->method_number == M_GET && !strncmp(r->uri, "/v1/jobs/", 9) && r->uri[9] &&
           !strchr(r->uri + 9, '/') && (w = miq_query_arg(r, "wait_s")) &&
           miq_query_int(w, 1, 45) > 0;
}

/* A long-poll takes a pooled connection per statement (the token check, each
 * poll) and gives it back at once: while it sleeps it holds a thread, never a
 * database connection, so long-polls cannot starve other requests of DBDMax
 * connections (their number per account is a quota too). */
static int long_poll(request_rec *r)
{
    ap_dbd_t *dbd = miq_dbd_open(r);
    miq_caller caller;
    miq_jobs_env env;
    miq_db db;
    int sent, rv;
    rv = rest_authenticate(r, dbd, &caller, 0, &sent);
    miq_dbd_close(r, dbd);
    if (sent)
        return rv;
    miq_db_bind_per_statement(r, &db);
    env_init(&env, r, &db, &caller);
    return route_job(r, &env, &caller, r->uri + 9);
}

int miq_handle_rest(request_rec *r)
{
    ap_dbd_t *dbd;
    miq_caller caller;
    miq_jobs_env env;
    miq_db db;
    int sent, rv, uploads;
    if (!strcmp(r->uri, "/v1/estimate"))
        return route_estimate(r);
    if (is_long_poll(r))
        return long_poll(r);
    uploads = !strcmp(r->uri, "/v1/uploads") || !strncmp(r->uri, "/v1/uploads/", 12);
    dbd = miq_dbd(r);
    /* A PUT to an upload without credentials is the signed upload URL. */
    rv = rest_authenticate(r, dbd, &caller, uploads && r->method_number == M_PUT, &sent);
    if (sent)
        return rv;
    if (uploads)
        return miq_handle_uploads(r, &caller);
    if (!strcmp(r->uri, "/v1/account")) {
        if (r->method_number != M_GET)
            return method_not_allowed(r, "GET");
        return get_account(r, &caller);
    }
    miq_db_bind(r, dbd, &db);
    env_init(&env, r, &db, &caller);
    if (!strcmp(r->uri, "/v1/jobs"))
        return route_jobs(r, &env, &caller);
    if (!strncmp(r->uri, "/v1/jobs/", 9))
        return route_job(r, &env, &caller, r->uri + 9);
    return route_not_found(r);
}
