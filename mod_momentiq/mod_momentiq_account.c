/* /api/auth/...: built-in email + password accounts (signup, login, logout),
 * the current session, and sign-in through another Apache auth module
 * (r->user, when MomentIQTrustRemoteUser is On). The route table
 * (mod_momentiq_routes.c) checks the method before these handlers run. Passwords, cookie values
 * and CSRF tokens never reach a log or an event. The services are in
 * core/accounts/miq_accounts_service.c; this file reads requests, sets the
 * session cookie and renders their replies. */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_account.h"
#include "mod_momentiq_billing_conf.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_session.h"
#include "accounts/miq_accounts.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"

/* Auth bodies are two short strings; anything bigger is not ours. */
#define AUTH_BODY_LIMIT 16384

/* The account services (core/accounts/) run on the request's connection; a
 * missing one makes them answer 503. Returns whether there is one. */
static int env_init(request_rec *r, miq_db *db, miq_accounts_env *env)
{
    ap_dbd_t *dbd = miq_dbd(r);
    miq_db_bind(r, dbd, db);
    miq_accounts_env_of(r, db, env);
    return dbd != NULL;
}

/* A service's answer: the session cookie it made, the throttle's wait, and
 * the reply. */
static int send_signin(request_rec *r, const miq_signin *si, const miq_reply *rep)
{
    if (si->sid)
        miq_session_set_cookie(r, si->sid);
    if (rep->status == HTTP_TOO_MANY_REQUESTS)
        apr_table_setn(r->headers_out, "Retry-After", apr_ltoa(r->pool, si->retry_after));
    return miq_send_reply(r, rep);
}

/* Reads {"email","password"} as strings. OK, or an error already sent. */
static int read_credentials(request_rec *r, const char **email, const char **password, int *sent)
{
    json_t *body;
    const char *err;
    int rv = miq_read_json_body(r, AUTH_BODY_LIMIT, &body, &err);
    *sent = 1;
    if (rv != OK)
        return miq_send_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                              rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large"
                                                                  : "invalid_request",
                              err);
    *email = miq_json_str(body, "email", NULL);
    *password = miq_json_str(body, "password", NULL);
    if (!*email || !*password)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "the body needs \"email\" and \"password\" strings");
    *sent = 0;
    return OK;
}

/* ---- signup and login ---------------------------------------------------- */

int miq_auth_signup(request_rec *r)
{
    const char *email, *password;
    int sent, rv;
    miq_accounts_env env;
    miq_signin si;
    miq_reply rep;
    miq_db db;

    rv = read_credentials(r, &email, &password, &sent);
    if (sent)
        return rv;
    memset(&rep, 0, sizeof(rep));
    env_init(r, &db, &env);
    miq_accounts_signup(&env, email, password, &si, &rep);
    return send_signin(r, &si, &rep);
}

int miq_account_login(request_rec *r, ap_dbd_t *dbd, const char *norm, const char *password,
                      const char **account_id, long *wait)
{
    miq_accounts_env env;
    miq_db db;
    miq_db_bind(r, dbd, &db);
    miq_accounts_env_of(r, &db, &env);
    return miq_accounts_check_password(&env, norm, password, account_id, wait);
}

int miq_auth_login(request_rec *r)
{
    const char *email, *password;
    int sent, rv;
    miq_accounts_env env;
    miq_signin si;
    miq_reply rep;
    miq_db db;

    rv = read_credentials(r, &email, &password, &sent);
    if (sent)
        return rv;
    memset(&rep, 0, sizeof(rep));
    env_init(r, &db, &env);
    miq_accounts_login(&env, email, password, &si, &rep);
    return send_signin(r, &si, &rep);
}

/* ---- logout and session --------------------------------------------------- */

int miq_auth_logout(request_rec *r)
{
    miq_accounts_env env;
    miq_reply rep;
    miq_db db;
    memset(&rep, 0, sizeof(rep));
    if (!env_init(r, &db, &env))
        return miq_send_db_unavailable(r, "account");
    miq_accounts_logout(&env, miq_session_cookie(r), apr_table_get(r->headers_in, "X-CSRF-Token"),
                        &rep);
    if (rep.status == HTTP_OK)
        miq_session_set_cookie(r, NULL);
    return miq_send_reply(r, &rep);
}

int miq_auth_session(request_rec *r)
{
    miq_accounts_env env;
    miq_reply rep;
    miq_db db;
    memset(&rep, 0, sizeof(rep));
    if (!env_init(r, &db, &env))
        return miq_send_db_unavailable(r, "account");
    miq_accounts_session(&env, miq_session_cookie(r), &rep);
    return miq_send_reply(r, &rep);
}

/* ---- sign-in through another Apache auth module ------------------------- */

/* Whether the client asked for JSON rather than a page (a script, not a browser). */
static int prefers_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept"), *json, *html;
    if (!accept || !(json = ap_strcasestr(accept, "application/json")))
        return 0;
    html = ap_strcasestr(accept, "text/html");
    return miq_http_accepts(accept, "application/json") && (!html || json < html);
}

int miq_account_remote(request_rec *r, ap_dbd_t *dbd, const char **account_id, const char **email)
{
    miq_accounts_env env;
    miq_db db;
    miq_db_bind(r, dbd, &db);
    miq_accounts_env_of(r, &db, &env);
    return miq_accounts_remote(&env, r->user, account_id, email);
}

/* GET /api/auth/remote-user: a session for the user another module authenticated. */
int miq_auth_remote_user(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *url;
    miq_accounts_env env;
    miq_signin si;
    miq_reply rep;
    miq_db db;

    if (sc->trust_remote_user != 1)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (!r->user || !*r->user)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "no user was authenticated by the web server for this location");
    memset(&rep, 0, sizeof(rep));
    if (!env_init(r, &db, &env))
        return miq_send_db_unavailable(r, "account");
    miq_accounts_remote_signin(&env, r->user, &si, &rep);
    if (rep.status != HTTP_OK || prefers_json(r))
        return send_signin(r, &si, &rep);
    miq_session_set_cookie(r, si.sid);
    /* Sent as our own response (not returned as a status) so the Set-Cookie
     * header is kept. */
    url = ap_construct_url(r->pool, "/dashboard/", r);
    apr_table_setn(r->headers_out, "Location", url);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_SEE_OTHER,
                         miq_json_dump(r->pool, miq_json_packp(r->pool, "{s:s}", "location", url)));
}

/* POST /api/auth/remote-user/link: the signed-in (password) session links the
 * user the upstream module authenticated on this same request. */
int miq_auth_remote_link(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_accounts_env env;
    miq_reply rep;
    miq_db db;

    if (sc->trust_remote_user != 1)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    memset(&rep, 0, sizeof(rep));
    if (!env_init(r, &db, &env))
        return miq_send_db_unavailable(r, "account");
    miq_accounts_remote_link(&env, miq_session_cookie(r),
                             apr_table_get(r->headers_in, "X-CSRF-Token"), r->user, &rep);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_reply(r, &rep);
}

int miq_auth_not_found(request_rec *r)
{
    return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
}

/* GET /api/auth/password-rules: what the signup and password forms show. */
int miq_auth_password_rules(request_rec *r)
{
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, miq_password_rules_json(r->pool)));
}
