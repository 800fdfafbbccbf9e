/* /api/dashboard/...: connector tokens and API keys of the signed-in account
 * (create with the secret shown once, list without secrets, revoke: the
 * services are in core/accounts/miq_api_tokens.c), and the billing routes
 * (mod_momentiq_billing.c), and the pages' data (mod_momentiq_dashboard_api.c).
 * Every route needs a session; every
 * state change also needs the session's CSRF token. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dashboard.h"
#include "mod_momentiq_billing.h"
#include "mod_momentiq_dashboard_api.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_session.h"
#include "accounts/miq_auth.h"
#include "accounts/miq_accounts.h"
#include "base/miq_json.h"

#define DASH_BODY_LIMIT 65536
#define TOKEN_ID_MAX    64

/* A parsed dashboard route: which collection, and the token id for a revoke. */
typedef struct dash_route {
    miq_token_kind_e kind;
    const char *token_id; /* NULL: the collection itself */
} dash_route;

static int bad_request(request_rec *r, const char *message)
{
    return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", message);
}

/* "connectors", "keys", "connectors/{id}/revoke", "keys/{id}/revoke". */
static int parse_route(apr_pool_t *p, const char *path, dash_route *out)
{
    const char *rest, *slash;
    if (!strncmp(path, "connectors", 10)) {
        out->kind = MIQ_TOKEN_CONNECTOR;
        rest = path + 10;
    }
    else if (!strncmp(path, "keys", 4)) {
        out->kind = MIQ_TOKEN_API_KEY;
        rest = path + 4;
    }
    else
        return 0;
    out->token_id = NULL;
    if (!*rest)
        return 1;
    if (*rest++ != '/' || !(slash = strchr(rest, '/')) || strcmp(slash, "/revoke"))
        return 0;
    if (slash == rest || slash - rest > TOKEN_ID_MAX)
        return 0;
    out->token_id = apr_pstrndup(p, rest, (apr_size_t)(slash - rest));
    return 1;
}

/* ---- the services (core/accounts/miq_api_tokens.c) ------------------------- */

static int token_service(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                         const dash_route *rt)
{
    miq_accounts_env env;
    miq_reply rep;
    miq_db db;
    json_t *body;
    const char *err;
    int rv;

    memset(&rep, 0, sizeof(rep));
    miq_db_bind(r, dbd, &db);
    miq_accounts_env_of(r, &db, &env);
    if (rt->token_id)
        miq_api_token_revoke(&env, s->account_id, rt->kind, rt->token_id, &rep);
    else if (r->method_number != M_POST)
        miq_api_token_list(&env, s->account_id, rt->kind, &rep);
    else {
        rv = miq_read_json_body(r, DASH_BODY_LIMIT, &body, &err);
        if (rv != OK)
            return rv == HTTP_REQUEST_ENTITY_TOO_LARGE
                       ? miq_send_error(r, rv, "payload_too_large", err)
                       : bad_request(r, err);
        miq_api_token_create(&env, s->account_id, rt->kind, body, &rep);
    }
    return miq_send_reply(r, &rep);
}

/* ---- routing ---------------------------------------------------------------- */

/* billing, billing/ledger, billing/checkout, usage (mod_momentiq_billing.c)
 * and the pages' data (mod_momentiq_dashboard_api.c): a session, and its
 * CSRF token for anything but a read. */
static int session_route(request_rec *r, const char *path, int pages)
{
    miq_web_session s;
    ap_dbd_t *dbd;
    int got;
    if (pages && (got = miq_dashboard_api_refuse(r)) != DECLINED)
        return got;
    if (!(dbd = miq_dbd(r)))
        return miq_send_db_unavailable(r, "account");
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return miq_send_db_unavailable(r, "account");
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "sign in first: this call needs a dashboard session");
    if (r->method_number != M_GET && !miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token "
                              "(from login or GET /api/auth/session)");
    if (pages)
        return miq_dashboard_api(r, dbd, &s, path);
    got = miq_dashboard_billing(r, dbd, &s, path);
    return got == DECLINED ? miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource")
                           : got;
}

int miq_handle_dashboard(request_rec *r)
{
    const char *path = r->uri + sizeof("/api/dashboard/") - 1;
    dash_route rt;
    miq_web_session s;
    ap_dbd_t *dbd;
    int got, is_post = r->method_number == M_POST;

    if (!strcmp(path, "billing") || !strncmp(path, "billing/", 8) || !strcmp(path, "usage"))
        return session_route(r, path, 0);
    if (miq_dashboard_api_owns(path))
        return session_route(r, path, 1);
    if (!parse_route(r->pool, path, &rt))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (rt.token_id ? !is_post : (!is_post && r->method_number != M_GET)) {
        apr_table_setn(r->headers_out, "Allow", rt.token_id ? "POST" : "GET, HEAD, POST");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "method not allowed on this resource");
    }
    if (!(dbd = miq_dbd(r)))
        return miq_send_db_unavailable(r, "account");
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return miq_send_db_unavailable(r, "account");
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "sign in first: this call needs a dashboard session");
    if (is_post && !miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token "
                              "(from login or GET /api/auth/session)");
    return token_service(r, dbd, &s, &rt);
}
