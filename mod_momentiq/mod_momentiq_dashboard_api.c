/* The dashboard pages' data under /api/dashboard/ (issue 13; docs/routes.md):
 * overview, account (password, export, delete), sessions, endpoints,
 * estimate, uploads, jobs, OAuth apps, MCP usage. The session (and its CSRF
 * token for changes) was checked by the dashboard router; the methods come
 * from the route table. Jobs, uploads and the estimate are the /v1 services
 * run for the session's account (core/dashboard's miq_dash_caller), the rest
 * are core/dashboard's services. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dashboard_api.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_oauth_conf.h"
#include "mod_momentiq_routes.h"
#include "mod_momentiq_upload.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "dashboard/miq_dashboard.h"
#include "jobs/miq_jobs.h"
#include "jobs/miq_uploads.h"

#define DASH_BODY_LIMIT 65536
#define ID_MAX          64

/* One request's environments: the dashboard's, and the /v1 services' for
 * the session's account. */
typedef struct dash_req {
    request_rec *r;
    const miq_web_session *s;
    miq_db db;
    miq_dash_env env;
    miq_caller caller;
    miq_jobs_env jenv;
    miq_upload_conf uconf;
} dash_req;

int miq_dashboard_api_owns(const char *path)
{
    static const char *const roots[] = {"overview",  "account",    "sessions",
                                        "endpoints", "estimate",   "uploads",
                                        "jobs",      "oauth-apps", "usage/mcp"};
    apr_size_t i, n;
    for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        n = strlen(roots[i]);
        if (!strncmp(path, roots[i], n) && (!path[n] || path[n] == '/'))
            return 1;
    }
    return 0;
}

static const char *config_client_name(void *baton, const char *client_id)
{
    miq_oauth_conf *oc = baton;
    const miq_oauth_client *c = oc && oc->reg ? miq_oauth_registry_find(oc->reg, client_id) : NULL;
    return c ? c->name : NULL;
}

static void env_init(dash_req *d, ap_dbd_t *dbd)
{
    request_rec *r = d->r;
    miq_srv_conf *sc = miq_conf(r->server);
    miq_quotas *q = apr_pcalloc(r->pool, sizeof(*q));
    apr_int64_t min_free;
    const char *cookie = miq_session_cookie(r);

    miq_db_bind(r, dbd, &d->db);
    memset(&d->env, 0, sizeof(d->env));
    d->env.pool = r->pool;
    d->env.db = &d->db;
    d->env.srv = sc->mcp;
    d->env.account_id = d->s->account_id;
    d->env.session_hash = cookie ? miq_token_hash(r->pool, cookie) : NULL;
    d->env.storage_dir = sc->storage_dir;
    d->env.file_url_ttl_s = sc->file_url_ttl_s;
    d->env.default_thresholds = sc->usage_alerts;
    d->env.now = apr_time_now();
    d->env.client_name = config_client_name;
    d->env.client_baton = sc->oauth;

    memset(&d->jenv, 0, sizeof(d->jenv));
    miq_conf_quotas(r, q, &min_free);
    d->jenv.quotas = q;
    d->jenv.pool = r->pool;
    d->jenv.srv = sc->mcp;
    d->jenv.db = &d->db;
    d->jenv.caller = &d->caller;
    d->jenv.storage_dir = sc->storage_dir;
    d->jenv.file_url_ttl_s = sc->file_url_ttl_s;
    d->jenv.now = d->env.now;
    miq_upload_conf_of(r, &d->uconf);
}

/* Fills d->caller for the /v1 services. OK, or the response sent. */
static int need_caller(dash_req *d, int *sent)
{
    int got = miq_dash_caller(&d->env, &d->caller);
    *sent = got != 1;
    if (got < 0)
        return miq_send_db_unavailable(d->r, "account");
    if (!got)
        return miq_send_error(d->r, HTTP_UNAUTHORIZED, "authentication_required",
                              "this account no longer exists");
    return OK;
}

/* Reads the JSON body. OK, or the response sent. */
static int read_body(request_rec *r, json_t **body, int *sent)
{
    const char *err = NULL;
    int rv = miq_read_json_body(r, DASH_BODY_LIMIT, body, &err);
    *sent = rv != OK;
    if (rv == OK)
        return OK;
    return miq_send_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                          rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large"
                                                              : "invalid_request",
                          err);
}

/* A private answer: nothing here may be stored by a cache. */
static int reply_private(request_rec *r, const miq_reply *rep)
{
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_reply(r, rep);
}

/* The id segment of "<root>/<id>[/<rest>]" and *rest ("" or "/..."). */
static const char *id_of(apr_pool_t *p, const char *path, apr_size_t root_len, const char **rest)
{
    const char *start = path + root_len + 1, *slash = strchr(start, '/');
    apr_size_t n = slash ? (apr_size_t)(slash - start) : strlen(start);
    *rest = slash ? slash : "";
    return n && n <= ID_MAX ? apr_pstrndup(p, start, n) : NULL;
}

/* ---- jobs, uploads, estimate: the /v1 services -------------------------------------- */

static int jobs_route(dash_req *d, const char *path)
{
    request_rec *r = d->r;
    miq_reply rep;
    json_t *body;
    const char *id, *rest, *l;
    int rv, sent, limit = 0;
    memset(&rep, 0, sizeof(rep));
    if ((rv = need_caller(d, &sent)) != OK || sent)
        return rv;
    if (!strcmp(path, "jobs")) {
        if (r->method_number == M_POST) {
            if ((rv = read_body(r, &body, &sent)) != OK || sent)
                return rv;
            miq_jobs_create(&d->jenv, body, &rep);
            return reply_private(r, &rep);
        }
        if ((l = miq_query_arg(r, "limit")) && (limit = miq_query_int(l, 1, 100)) < 0)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "limit must be 1 to 100");
        miq_jobs_list(&d->jenv, miq_query_arg(r, "cursor"), miq_query_arg(r, "status"), limit,
                      &rep);
        return reply_private(r, &rep);
    }
    if (!(id = id_of(r->pool, path, 4, &rest)))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such job");
    if (!*rest)
        miq_jobs_get(&d->jenv, id, 0, &rep);
    else if (!strcmp(rest, "/cancel"))
        miq_jobs_cancel(&d->jenv, id, &rep);
    else if (!strcmp(rest, "/outputs/refresh"))
        miq_jobs_refresh_outputs(&d->jenv, id, &rep);
    else if (!strcmp(rest, "/result")) {
        const char *ct = NULL, *text = NULL;
        miq_jobs_result(&d->jenv, id, miq_query_arg(r, "format"), &rep, &ct, &text);
        if (rep.status >= 400 || !text)
            return reply_private(r, &rep);
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
        ap_set_content_type(r, ct);
        ap_set_content_length(r, (apr_off_t)strlen(text));
        if (!r->header_only)
            ap_rwrite(text, (int)strlen(text), r);
        return OK;
    }
    else
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    return reply_private(r, &rep);
}

static int uploads_route(dash_req *d, const char *path)
{
    request_rec *r = d->r;
    miq_reply rep;
    json_t *body;
    const char *id, *rest, *l;
    int rv, sent, limit = 0;
    memset(&rep, 0, sizeof(rep));
    if (!strcmp(path, "uploads")) {
        if (r->method_number == M_POST) {
            const char *filename;
            if ((rv = read_body(r, &body, &sent)) != OK || sent)
                return rv;
            if (!(filename = miq_json_str(body, "filename", NULL)) || !*filename)
                return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                      "the body needs a \"filename\" string");
            if (!d->uconf.storage_dir)
                return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                                      "uploads are not configured on this server");
            miq_upload_signed(r->pool, d->env.srv, &d->uconf, &d->db, d->s->account_id, filename,
                              d->env.now, &rep);
            return reply_private(r, &rep);
        }
        if ((l = miq_query_arg(r, "limit")) && (limit = miq_query_int(l, 1, 100)) < 0)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", "limit must be 1 to 100");
        miq_dash_uploads(&d->env, miq_query_arg(r, "cursor"), limit, &rep);
        return reply_private(r, &rep);
    }
    if (!(id = id_of(r->pool, path, 7, &rest)) || !miq_upload_id_ok(id))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such upload");
    if (!strcmp(rest, "/playback"))
        miq_dash_playback(&d->env, id, &rep);
    else if (*rest)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    else if (r->method_number == M_DELETE) {
        if ((rv = need_caller(d, &sent)) != OK || sent)
            return rv;
        miq_upload_delete(r->pool, &d->uconf, &d->db, &d->caller, id, &rep);
    }
    else
        miq_upload_read(r->pool, &d->db, id, d->s->account_id, HTTP_OK, &rep);
    return reply_private(r, &rep);
}

static int estimate_route(dash_req *d)
{
    miq_reply rep;
    json_t *body;
    int rv, sent;
    if ((rv = need_caller(d, &sent)) != OK || sent)
        return rv;
    if ((rv = read_body(d->r, &body, &sent)) != OK || sent)
        return rv;
    memset(&rep, 0, sizeof(rep));
    miq_jobs_estimate(&d->jenv, body, &rep);
    return reply_private(d->r, &rep);
}

/* ---- the account's own affairs -------------------------------------------------- */

static int account_route(dash_req *d, const char *path)
{
    request_rec *r = d->r;
    miq_reply rep;
    json_t *body;
    int rv, sent;
    memset(&rep, 0, sizeof(rep));
    if (!strcmp(path, "account/export")) {
        const char *text = NULL;
        miq_dash_export(&d->env, &text, &rep);
        if (!text)
            return reply_private(r, &rep);
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
        apr_table_setn(r->headers_out, "Content-Disposition",
                       "attachment; filename=\"momentiq-export.json\"");
        return miq_send_json(r, HTTP_OK, text);
    }
    if (!strcmp(path, "account/password")) {
        if ((rv = read_body(r, &body, &sent)) != OK || sent)
            return rv;
        miq_dash_password_change(&d->env, body, &rep);
        return reply_private(r, &rep);
    }
    if (strcmp(path, "account"))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (r->method_number != M_DELETE) {
        miq_dash_account(&d->env, d->s->signed_in_with, &rep);
        return reply_private(r, &rep);
    }
    if ((rv = read_body(r, &body, &sent)) != OK || sent)
        return rv;
    miq_dash_account_delete(&d->env, body, &rep);
    if (rep.status == HTTP_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      MIQLOGNO(11300) "MomentIQ: an account was deleted (deletion %s)",
                      apr_ltoa(r->pool, (long)miq_json_int(rep.body, "deletion_id", 0)));
        miq_session_set_cookie(r, NULL);
    }
    return reply_private(r, &rep);
}

static int other_route(dash_req *d, const char *path)
{
    request_rec *r = d->r;
    miq_reply rep;
    const char *id, *rest;
    int rv, sent;
    memset(&rep, 0, sizeof(rep));
    if (!strcmp(path, "overview")) {
        if ((rv = need_caller(d, &sent)) != OK || sent)
            return rv;
        miq_dash_overview(&d->env, &d->caller, &d->jenv, &rep);
    }
    else if (!strcmp(path, "sessions"))
        miq_dash_sessions(&d->env, &rep);
    else if (!strcmp(path, "sessions/revoke-all")) {
        miq_dash_sessions_revoke_all(&d->env, &rep);
        if (rep.status == HTTP_OK)
            miq_session_set_cookie(r, NULL);
    }
    else if (!strcmp(path, "endpoints"))
        miq_dash_endpoints(&d->env, &rep);
    else if (!strcmp(path, "usage/mcp"))
        miq_dash_mcp_usage(&d->env, miq_query_arg(r, "days"), &rep);
    else if (!strcmp(path, "oauth-apps"))
        miq_dash_oauth_apps(&d->env, &rep);
    else if (!strncmp(path, "oauth-apps/", 11) && (id = id_of(r->pool, path, 10, &rest)) &&
             !strcmp(rest, "/revoke"))
        miq_dash_oauth_app_revoke(&d->env, id, &rep);
    else
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    return reply_private(r, &rep);
}

/* ---- routing -------------------------------------------------------------------- */

/* Whether the method is one of the route's ("GET, HEAD, POST"); HEAD is M_GET. */
static int method_allowed(request_rec *r, const char *methods)
{
    char *list = apr_pstrdup(r->pool, methods), *last, *m;
    for (m = apr_strtok(list, ", ", &last); m; m = apr_strtok(NULL, ", ", &last))
        if (ap_method_number_of(m) == r->method_number)
            return 1;
    return 0;
}

int miq_dashboard_api_refuse(request_rec *r)
{
    const char *methods = apr_table_get(r->notes, MIQ_ROUTE_METHODS_NOTE);
    if (!methods)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (method_allowed(r, methods))
        return DECLINED;
    apr_table_setn(r->headers_out, "Allow", methods);
    return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                          apr_psprintf(r->pool, "%s is not allowed here; use %s", r->method,
                                       methods));
}

int miq_dashboard_api(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s, const char *path)
{
    dash_req d;
    memset(&d, 0, sizeof(d));
    d.r = r;
    d.s = s;
    env_init(&d, dbd);
    if (!strcmp(path, "jobs") || !strncmp(path, "jobs/", 5))
        return jobs_route(&d, path);
    if (!strcmp(path, "uploads") || !strncmp(path, "uploads/", 8))
        return uploads_route(&d, path);
    if (!strcmp(path, "estimate"))
        return estimate_route(&d);
    if (!strcmp(path, "account") || !strncmp(path, "account/", 8))
        return account_route(&d, path);
    return other_route(&d, path);
}
