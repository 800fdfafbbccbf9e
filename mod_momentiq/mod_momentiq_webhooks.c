/* The dashboard's webhook API for the signed-in account (session; CSRF for
 * every change):
 *   GET    /api/dashboard/webhooks                      endpoints (never a secret)
 *   POST   /api/dashboard/webhooks                      create; the secret is in this answer only
 *   PATCH  /api/dashboard/webhooks/{id}                 enabled, events, low_credits_threshold
 *   DELETE /api/dashboard/webhooks/{id}
 *   POST   /api/dashboard/webhooks/{id}/test            a test event through the outbox
 *   GET    /api/dashboard/webhooks/{id}/deliveries      the delivery log (?limit=)
 * The services are in core/webhooks/miq_webhook_endpoints.c; the worker
 * delivers (worker/miqw_webhooks.c). */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_webhooks.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_session.h"
#include "webhooks/miq_webhooks.h"

#define WEBHOOK_BODY_LIMIT 16384

const char *miq_set_webhook_allow_private(cmd_parms *cmd, void *dcv, int on)
{
    (void)cmd;
    ((miq_dir_conf *)dcv)->webhook_allow_private = on ? 1 : 0;
    return NULL;
}

const char *miq_set_webhook_number(cmd_parms *cmd, void *dcv, const char *arg)
{
    miq_dir_conf *dc = dcv;
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    int max = !strcmp(cmd->directive->directive, "MomentIQWebhookMaxEndpoints");
    if (*end || end == arg || v < (max ? 1 : 0) || v > (max ? 1000 : 1000000000))
        return apr_psprintf(cmd->pool, "%s: %s", cmd->directive->directive,
                            max ? "a count of endpoints, 1 to 1000"
                                : "a whole number of credits, 0 to 1000000000");
    if (max)
        dc->webhook_max_endpoints = (int)v;
    else
        dc->webhook_low_credits = v;
    return NULL;
}

static void env_of(request_rec *r, miq_db *db, const miq_web_session *s, miq_webhooks_env *env)
{
    miq_dir_conf *dc = miq_dconf(r);
    memset(env, 0, sizeof(*env));
    env->pool = r->pool;
    env->srv = miq_conf(r->server)->mcp;
    env->db = db;
    env->account_id = s->account_id;
    env->allow_private = dc->webhook_allow_private == MIQ_UNSET ? MIQ_DEFAULT_WEBHOOK_ALLOW_PRIVATE
                                                                : dc->webhook_allow_private;
    env->low_credits = dc->webhook_low_credits == MIQ_UNSET ? MIQ_DEFAULT_WEBHOOK_LOW_CREDITS
                                                            : dc->webhook_low_credits;
    env->max_endpoints = dc->webhook_max_endpoints == MIQ_UNSET ? MIQ_DEFAULT_WEBHOOK_MAX_ENDPOINTS
                                                                : dc->webhook_max_endpoints;
}

static int not_allowed(request_rec *r, const char *allow)
{
    apr_table_setn(r->headers_out, "Allow", allow);
    return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                          apr_psprintf(r->pool, "%s is not allowed here; use %s", r->method,
                                       allow));
}

/* ?limit=N, 0 when absent, -1 when not a number. */
static int limit_param(request_rec *r)
{
    const char *v = r->args ? strstr(r->args, "limit=") : NULL;
    char *end;
    long n;
    if (!v || (v != r->args && v[-1] != '&'))
        return 0;
    n = strtol(v + 6, &end, 10);
    return (*end && *end != '&') || end == v + 6 || n < 1 ? -1 : (int)n;
}

/* The JSON body; with optional, no body at all is fine (*body NULL). */
static int read_body(request_rec *r, json_t **body, int optional)
{
    const char *err, *cl = apr_table_get(r->headers_in, "Content-Length");
    int rv;
    *body = NULL;
    if (optional && !apr_table_get(r->headers_in, "Transfer-Encoding") && (!cl || !strcmp(cl, "0")))
        return OK;
    rv = miq_read_json_body(r, WEBHOOK_BODY_LIMIT, body, &err);
    if (rv == OK)
        return OK;
    return rv == HTTP_REQUEST_ENTITY_TOO_LARGE
               ? miq_send_error(r, rv, "payload_too_large", err)
               : miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", err);
}

int miq_handle_webhooks(request_rec *r)
{
    const char *path = r->uri + sizeof("/api/dashboard/webhooks") - 1, *id = NULL, *sub = "";
    int m = r->method_number, got;
    miq_web_session s;
    miq_webhooks_env env;
    miq_reply rep;
    miq_db db;
    ap_dbd_t *dbd;
    json_t *body = NULL;

    /* "", "/{id}", "/{id}/test", "/{id}/deliveries" */
    if (*path) {
        const char *slash;
        if (*path != '/')
            return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
        path++;
        slash = strchr(path, '/');
        id = slash ? apr_pstrndup(r->pool, path, (apr_size_t)(slash - path)) : path;
        sub = slash ? slash + 1 : "";
        if (strcmp(sub, "") && strcmp(sub, "test") && strcmp(sub, "deliveries"))
            return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    }
    if (!id && m != M_GET && m != M_POST)
        return not_allowed(r, "GET, HEAD, POST");
    if (id && !*sub && m != M_PATCH && m != M_DELETE)
        return not_allowed(r, "PATCH, DELETE");
    if (id && !strcmp(sub, "test") && m != M_POST)
        return not_allowed(r, "POST");
    if (id && !strcmp(sub, "deliveries") && m != M_GET)
        return not_allowed(r, "GET, HEAD");
    if (!(dbd = miq_dbd(r)))
        return miq_send_db_unavailable(r, "account");
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return miq_send_db_unavailable(r, "account");
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "sign in first: this call needs a dashboard session");
    if (m != M_GET && !miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token "
                              "(from login or GET /api/auth/session)");
    /* An id that cannot exist is answered like one of another account. */
    if (id && !miq_webhook_id_ok(id))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such webhook endpoint");
    miq_db_bind(r, dbd, &db);
    env_of(r, &db, &s, &env);
    memset(&rep, 0, sizeof(rep));
    if (!id && m == M_GET)
        miq_webhooks_list(&env, &rep);
    else if (!id) {
        if ((got = read_body(r, &body, 0)) != OK)
            return got;
        miq_webhooks_create(&env, body, &rep);
    }
    else if (!strcmp(sub, "deliveries")) {
        int limit = limit_param(r);
        if (limit < 0)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "limit must be 1 to 100");
        miq_webhooks_deliveries(&env, id, limit, &rep);
    }
    else if (!strcmp(sub, "test")) {
        if ((got = read_body(r, &body, 1)) != OK)
            return got;
        miq_webhooks_test(&env, id, body, &rep);
    }
    else if (m == M_DELETE)
        miq_webhooks_delete(&env, id, &rep);
    else {
        if ((got = read_body(r, &body, 0)) != OK)
            return got;
        miq_webhooks_update(&env, id, body, &rep);
    }
    if (rep.status == 201 || (rep.status == 200 && m != M_GET))
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_reply(r, &rep);
}
