/* The route table and what every route shares: claiming the URI at
 * translate_name, the CORS preflight, 405 with Allow. Families with ids in
 * the path (/v1, /api/dashboard) are listed route by route for the docs and
 * dispatched to their file, which reads the ids and answers other methods. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_routes.h"
#include "mod_momentiq_account.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dashboard.h"
#include "mod_momentiq_discovery.h"
#include "mod_momentiq_files.h"
#include "mod_momentiq_legal.h"
#include "mod_momentiq_mcp.h"
#include "mod_momentiq_oauth.h"
#include "mod_momentiq_openapi.h"
#include "mod_momentiq_rest.h"
#include "mod_momentiq_stripe.h"
#include "mod_momentiq_limits.h"
#include "mod_momentiq_webhooks.h"

#define EXACT          MIQ_ROUTE_EXACT
#define TEMPLATE       MIQ_ROUTE_TEMPLATE
#define PREFIX         MIQ_ROUTE_PREFIX
#define OWN            MIQ_ROUTE_OWN_METHODS
#define CORS_API       MIQ_ROUTE_CORS_API
#define CORS_DOC       MIQ_ROUTE_CORS_DOC
#define OAUTH          MIQ_ROUTE_OAUTH
#define LIMIT_SIGNUP   MIQ_ROUTE_LIMIT_SIGNUP
#define LIMIT_LOGIN    MIQ_ROUTE_LIMIT_LOGIN
#define LIMIT_OAUTH    MIQ_ROUTE_LIMIT_OAUTH
#define LIMIT_REGISTER MIQ_ROUTE_LIMIT_REGISTER
#define DASH           (MIQ_ROUTE_OWN_METHODS | MIQ_ROUTE_LIMIT_DASHBOARD)

/* docs/routes.md describes each entry; tests/check_routes.sh compares them. */
static const miq_route routes[] = {
    /* MCP (SPEC §2, §3) */
    {"/mcp", EXACT, "GET, POST, DELETE, OPTIONS", "bearer-optional", miq_handle_mcp, OWN},
    {"/mcp/", EXACT, "GET, POST, DELETE, OPTIONS", "bearer-optional", miq_handle_mcp, OWN},
    {"/mcp/manifest", EXACT, "GET", "none", miq_doc_manifest, CORS_DOC},
    {"/mcp/status", EXACT, "GET", "none", miq_doc_status, CORS_DOC},
    {"/.well-known/mcp.json", EXACT, "GET", "none", miq_doc_wellknown, CORS_DOC},
    {"/.well-known/mcp", EXACT, "GET", "none", miq_doc_wellknown, CORS_DOC},
    /* Policy pages (issue 14), numbers from the live configuration */
    {"/legal/{page}", TEMPLATE, "GET", "none", miq_doc_legal, 0},
    /* OAuth metadata (SPEC §5) */
    {"/.well-known/oauth-protected-resource", EXACT, "GET", "none", miq_doc_protected_resource,
     CORS_DOC},
    {"/.well-known/oauth-protected-resource/mcp", EXACT, "GET", "none", miq_doc_protected_resource,
     CORS_DOC},
    {"/.well-known/oauth-authorization-server", EXACT, "GET", "none", miq_doc_as_metadata,
     CORS_DOC}, /* RFC 8414 (issuer = base URL) */
    {"/.well-known/oauth-authorization-server/mcp", EXACT, "GET", "none", miq_doc_as_metadata,
     CORS_DOC}, /* clients that insert the MCP path */
    {"/.well-known/openid-configuration", EXACT, "GET", "none", miq_doc_as_metadata, CORS_DOC},
    {"/.well-known/openid-configuration/mcp", EXACT, "GET", "none", miq_doc_as_metadata, CORS_DOC},
    /* Accounts (SPEC §4) */
    {"/api/auth/signup", EXACT, "POST", "none", miq_auth_signup, LIMIT_SIGNUP},
    {"/api/auth/login", EXACT, "POST", "none", miq_auth_login, LIMIT_LOGIN},
    {"/api/auth/logout", EXACT, "POST", "session", miq_auth_logout, 0},
    {"/api/auth/session", EXACT, "GET, HEAD", "session", miq_auth_session, 0},
    {"/api/auth/remote-user", EXACT, "GET, HEAD", "remote-user", miq_auth_remote_user, 0},
    {"/api/auth/remote-user/link", EXACT, "POST", "session", miq_auth_remote_link, 0},
    {"/api/auth/password-rules", EXACT, "GET, HEAD", "none", miq_auth_password_rules, 0},
    {"/api/auth/", PREFIX, "", "none", miq_auth_not_found, OWN},
    /* OAuth 2.1 authorization server (SPEC §5) */
    {"/api/auth/oauth/authorize", EXACT, "GET, HEAD, POST", "session", miq_oauth_authorize,
     OAUTH | LIMIT_OAUTH},
    {"/api/auth/oauth/token", EXACT, "POST", "client", miq_oauth_token,
     OAUTH | CORS_API | LIMIT_OAUTH},
    {"/api/auth/oauth/revoke", EXACT, "POST", "client", miq_oauth_revoke,
     OAUTH | CORS_API | LIMIT_OAUTH},
    {"/api/auth/oauth/introspect", EXACT, "POST", "client", miq_oauth_introspect,
     OAUTH | CORS_API | LIMIT_OAUTH},
    {"/api/auth/oauth/register", EXACT, "POST", "none", miq_oauth_register,
     OAUTH | CORS_API | LIMIT_REGISTER},
    {"/api/auth/oauth/clients", EXACT, "GET, HEAD", "none", miq_oauth_clients,
     OAUTH | CORS_API | LIMIT_OAUTH},
    /* Dashboard (SPEC §4, §7): mod_momentiq_dashboard.c reads the ids */
    {"/api/dashboard/connectors", EXACT, "GET, HEAD, POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/connectors/{token_id}/revoke", TEMPLATE, "POST", "session",
     miq_handle_dashboard, DASH},
    {"/api/dashboard/keys", EXACT, "GET, HEAD, POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/keys/{token_id}/revoke", TEMPLATE, "POST", "session", miq_handle_dashboard,
     DASH},
    {"/api/dashboard/billing", EXACT, "GET, HEAD, PUT", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/billing/ledger", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/billing/checkout", EXACT, "POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/usage", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    /* The dashboard pages' data (issue 13): mod_momentiq_dashboard_api.c */
    {"/api/dashboard/overview", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/account", EXACT, "GET, HEAD, DELETE", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/account/password", EXACT, "POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/account/export", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/sessions", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/sessions/revoke-all", EXACT, "POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/endpoints", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/estimate", EXACT, "POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/uploads", EXACT, "GET, HEAD, POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/uploads/{upload_id}", TEMPLATE, "GET, HEAD, DELETE", "session",
     miq_handle_dashboard, DASH},
    {"/api/dashboard/uploads/{upload_id}/playback", TEMPLATE, "POST", "session",
     miq_handle_dashboard, DASH},
    {"/api/dashboard/jobs", EXACT, "GET, HEAD, POST", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/jobs/{job_id}", TEMPLATE, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/jobs/{job_id}/result", TEMPLATE, "GET, HEAD", "session", miq_handle_dashboard,
     DASH},
    {"/api/dashboard/jobs/{job_id}/cancel", TEMPLATE, "POST", "session", miq_handle_dashboard,
     DASH},
    {"/api/dashboard/jobs/{job_id}/outputs/refresh", TEMPLATE, "POST", "session",
     miq_handle_dashboard, DASH},
    {"/api/dashboard/oauth-apps", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    {"/api/dashboard/oauth-apps/{grant_id}/revoke", TEMPLATE, "POST", "session",
     miq_handle_dashboard, DASH},
    {"/api/dashboard/usage/mcp", EXACT, "GET, HEAD", "session", miq_handle_dashboard, DASH},
    /* Webhooks (SPEC §6, §11): mod_momentiq_webhooks.c reads the ids */
    {"/api/dashboard/webhooks", EXACT, "GET, HEAD, POST", "session", miq_handle_webhooks, DASH},
    {"/api/dashboard/webhooks/{webhook_id}", TEMPLATE, "PATCH, DELETE", "session",
     miq_handle_webhooks, DASH},
    {"/api/dashboard/webhooks/{webhook_id}/test", TEMPLATE, "POST", "session", miq_handle_webhooks,
     DASH},
    {"/api/dashboard/webhooks/{webhook_id}/deliveries", TEMPLATE, "GET, HEAD", "session",
     miq_handle_webhooks, DASH},
    {"/api/dashboard/", PREFIX, "", "none", miq_handle_dashboard, DASH},
    /* Billing (SPEC §7) */
    {"/api/billing/stripe/webhook", EXACT, "POST", "stripe-signature", miq_handle_stripe_webhook,
     OWN},
    /* REST API (SPEC §6): mod_momentiq_rest.c reads the ids */
    {"/v1/openapi.json", EXACT, "GET, HEAD", "none", miq_handle_openapi, CORS_DOC},
    {"/v1/estimate", EXACT, "POST", "bearer-optional", miq_handle_rest, OWN},
    {"/v1/account", EXACT, "GET", "bearer", miq_handle_rest, OWN},
    {"/v1/jobs", EXACT, "GET, POST", "bearer", miq_handle_rest, OWN},
    {"/v1/jobs/{job_id}", TEMPLATE, "GET", "bearer", miq_handle_rest, OWN},
    {"/v1/jobs/{job_id}/result", TEMPLATE, "GET", "bearer", miq_handle_rest, OWN},
    {"/v1/jobs/{job_id}/cancel", TEMPLATE, "POST", "bearer", miq_handle_rest, OWN},
    {"/v1/jobs/{job_id}/outputs/refresh", TEMPLATE, "POST", "bearer", miq_handle_rest, OWN},
    {"/v1/uploads", EXACT, "POST", "bearer", miq_handle_rest, OWN},
    {"/v1/uploads/{upload_id}", TEMPLATE, "GET, DELETE", "bearer", miq_handle_rest, OWN},
    {"/v1/uploads/{upload_id}/bytes", TEMPLATE, "PUT", "bearer-or-signature", miq_handle_rest, OWN},
    {"/v1/", PREFIX, "", "bearer", miq_handle_rest, OWN},
    /* Output files, served by httpd's default handler (SPEC §6) */
    {"/files/", PREFIX, "GET, HEAD", "signature", miq_files_translate, OWN | MIQ_ROUTE_TRANSLATE},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* "{name}" segments of pattern match one non-empty segment of uri. */
static int template_match(const char *pattern, const char *uri)
{
    while (*pattern && *uri) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            if (!close || *uri == '/')
                return 0;
            while (*uri && *uri != '/')
                uri++;
            pattern = close + 1;
        }
        else if (*pattern++ != *uri++)
            return 0;
    }
    return !*pattern && !*uri;
}

const miq_route *miq_route_find(const char *uri)
{
    const miq_route *best = NULL;
    apr_size_t i, best_len = 0;
    for (i = 0; i < NROUTES; i++)
        if (routes[i].match == MIQ_ROUTE_EXACT && !strcmp(uri, routes[i].path))
            return &routes[i];
    for (i = 0; i < NROUTES; i++)
        if (routes[i].match == MIQ_ROUTE_TEMPLATE && template_match(routes[i].path, uri))
            return &routes[i];
    for (i = 0; i < NROUTES; i++) {
        apr_size_t n = strlen(routes[i].path);
        if (routes[i].match == MIQ_ROUTE_PREFIX && n > best_len &&
            !strncmp(uri, routes[i].path, n)) {
            best = &routes[i];
            best_len = n;
        }
    }
    return best;
}

int miq_route_translate(request_rec *r)
{
    const miq_route *rt;
    if (miq_conf(r->server)->enabled != 1 || !r->uri || !(rt = miq_route_find(r->uri)))
        return DECLINED;
    if (rt->flags & MIQ_ROUTE_TRANSLATE)
        return rt->handle(r);
    r->handler = MIQ_HANDLER;
    r->filename = apr_pstrcat(r->pool, "momentiq:", r->uri, NULL);
    return OK;
}

/* Whether the method is one of methods ("GET, HEAD, POST"); HEAD is M_GET. */
static int method_allowed(request_rec *r, const char *methods)
{
    char *list = apr_pstrdup(r->pool, methods), *last, *m;
    if (r->method_number == M_INVALID)
        return 0;
    for (m = apr_strtok(list, ", ", &last); m; m = apr_strtok(NULL, ", ", &last))
        if (ap_method_number_of(m) == r->method_number)
            return 1;
    return 0;
}

/* DECLINED, or the preflight's answer. */
static int cors(request_rec *r, const miq_route *rt)
{
    int doc = (rt->flags & MIQ_ROUTE_CORS_DOC) != 0;
    if (!doc)
        apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
    if (r->method_number != M_OPTIONS)
        return DECLINED;
    if (doc) {
        apr_table_setn(r->headers_out, "Allow",
                       apr_pstrcat(r->pool, rt->methods, ", OPTIONS", NULL));
        apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
    }
    apr_table_setn(r->headers_out, "Access-Control-Allow-Methods", rt->methods);
    apr_table_setn(r->headers_out, "Access-Control-Allow-Headers",
                   doc ? "MCP-Protocol-Version, Authorization, Content-Type"
                       : "Authorization, Content-Type");
    apr_table_setn(r->headers_out, "Access-Control-Max-Age", "600");
    return miq_send_json(r, HTTP_NO_CONTENT, NULL);
}

int miq_route_handler(request_rec *r)
{
    const miq_route *rt;
    int rv;
    if (!r->handler || strcmp(r->handler, MIQ_HANDLER))
        return DECLINED;
    /* Responses are streamed per event; no compression may buffer them. */
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    if (!(rt = miq_route_find(r->uri)) || (rt->flags & MIQ_ROUTE_TRANSLATE))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if ((rt->flags & MIQ_ROUTE_OAUTH) && !miq_oauth_cfg(r))
        return miq_oauth_send_error(r, "server_error", "OAuth is not configured on this server");
    if ((rt->flags & (MIQ_ROUTE_CORS_API | MIQ_ROUTE_CORS_DOC)) && (rv = cors(r, rt)) != DECLINED)
        return rv;
    if (!(rt->flags & MIQ_ROUTE_OWN_METHODS) && !method_allowed(r, rt->methods)) {
        apr_table_setn(r->headers_out, "Allow", rt->methods);
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              apr_psprintf(r->pool, "this resource only answers %s", rt->methods));
    }
    if ((rt->flags & MIQ_ROUTE_LIMITS) && (rv = miq_rate_route(r, rt->flags)) != OK)
        return rv == DONE ? OK : rv;
    /* Handlers that answer their own methods read the table's from here. */
    if (rt->match != MIQ_ROUTE_PREFIX)
        apr_table_setn(r->notes, MIQ_ROUTE_METHODS_NOTE, rt->methods);
    return rt->handle(r);
}
