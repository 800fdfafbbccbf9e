/* /api/auth/...: built-in email + password accounts (signup, login, logout),
 * the current session, and sign-in through another Apache auth module
 * (r->user, when MomentIQTrustRemoteUser is On). The route table
 * (mod_momentiq_routes.c) checks the method before these handlers run. Passwords, cookie values
 * and CSRF tokens never reach a log or an event. */
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
#include "mod_momentiq_record.h"
#include "mod_momentiq_session.h"
#include "accounts/miq_auth.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"

/* Auth bodies are two short strings; anything bigger is not ours. */
#define AUTH_BODY_LIMIT 16384

/* Same message for an unknown email and a wrong password: a caller must not
 * learn which accounts exist. */
#define LOGIN_FAILED "the email or password is incorrect"

/* Verified when the email is unknown (or has no password), so both failures
 * cost one scrypt run. Its password was random and discarded. */
static const char dummy_hash[] = "$scrypt$ln=15,r=8,p=1$Kpe_QBDBwB3K57nvlhLPbg$"
                                 "n1IK2BOkqS1oGISU91iGyL5KXSdCGAVgpt5vXQfeFCM";

static int db_unavailable(request_rec *r)
{
    return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                          "the account database is unavailable; try again shortly");
}

static int is_https(request_rec *r)
{
    const char *scheme = ap_http_scheme(r);
    return scheme && !strcasecmp(scheme, "https");
}

/* ISO 8601 UTC of now + seconds: the absolute expiry of a session just made. */
static const char *expiry_from_now(apr_pool_t *p, int seconds)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;
    apr_time_exp_gmt(&tm, apr_time_now() + apr_time_from_sec(seconds));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
}

/* {"account_id","email","csrf_token","expires_at"}: what login, signup,
 * session and remote-user answer. No secret besides the CSRF token. */
static const char *session_json(request_rec *r, const char *account_id, const char *email,
                                const char *csrf, const char *expires_at)
{
    json_t *o = miq_json_packp(r->pool, "{s:s,s:o,s:s,s:s}", "account_id", account_id, "email",
                               email && *email ? json_string(email) : json_null(), "csrf_token",
                               csrf, "expires_at", expires_at);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_json_dump(r->pool, o);
}

/* Reads {"email","password"} as strings. OK, or an error already sent. */
static int read_credentials(request_rec *r, const char **email, const char **password, int *sent)
{
    json_t *body;
    const char *err;
    int rv = miq_read_json_body(r, AUTH_BODY_LIMIT, &body, &err);
    *sent = 1;
    if (rv != OK)
        return miq_send_error(
            r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
            rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large" : "invalid_request", err);
    *email = miq_json_str(body, "email", NULL);
    *password = miq_json_str(body, "password", NULL);
    if (!*email || !*password)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "the body needs \"email\" and \"password\" strings");
    *sent = 0;
    return OK;
}

/* ---- signup ------------------------------------------------------------- */

int miq_auth_signup(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *email, *password, *norm, *why, *hash, *csrf, *args[4], **row = NULL;
    int sent, rv, ncols = 0, got;
    ap_dbd_t *dbd;

    rv = read_credentials(r, &email, &password, &sent);
    if (sent)
        return rv;
    if (!(norm = miq_email_normalize(r->pool, email)))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "\"email\" is not a valid email address");
    if ((why = miq_password_policy(password)))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", why);
    if (!(hash = miq_password_hash(r->pool, password, &why))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      APLOGNO(10941) "MomentIQ: password hashing failed: %s", why ? why : "?");
        return miq_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                              "the account could not be created");
    }
    if (!(dbd = miq_dbd(r)))
        return db_unavailable(r);
    args[0] = norm;
    args[1] = hash;
    args[2] = miq_free_credits(r);
    args[3] = args[2];
    got = miq_db_row(r, dbd, MIQ_SQL_ACCOUNT_CREATE, 4, args, &row, &ncols);
    if (got < 0)
        return db_unavailable(r);
    if (got == 0 || !row[0])
        return miq_send_error(r, HTTP_CONFLICT, "conflict",
                              "an account cannot be created with this email; sign in instead");
    if (!(csrf = miq_session_start(r, dbd, row[0])))
        return db_unavailable(r);
    return miq_send_json(
        r, HTTP_CREATED,
        session_json(r, row[0], norm, csrf, expiry_from_now(r->pool, sc->session_absolute_s)));
}

/* ---- login -------------------------------------------------------------- */

/* Counts one failure against a key; lock after limit failures in the window. */
static void throttle_fail(request_rec *r, ap_dbd_t *dbd, const char *key, int limit)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *win = apr_itoa(r->pool, sc->throttle_window_s), *args[6], **row = NULL;
    int ncols = 0;
    args[0] = key;
    args[1] = win;
    args[2] = win;
    args[3] = win;
    args[4] = apr_itoa(r->pool, limit);
    args[5] = apr_itoa(r->pool, sc->throttle_lock_s);
    miq_db_row(r, dbd, MIQ_SQL_THROTTLE_FAIL, 6, args, &row, &ncols);
}

/* Seconds until the longer lock of the two keys ends; 0 unlocked, -1 db error. */
static long throttle_wait(request_rec *r, ap_dbd_t *dbd, const char *ek, const char *ik)
{
    const char *args[2] = {ek, ik}, **row = NULL;
    int ncols = 0, got = miq_db_row(r, dbd, MIQ_SQL_THROTTLE_CHECK, 2, args, &row, &ncols);
    if (got < 0)
        return -1;
    return got == 1 && row[0] ? atol(row[0]) : 0;
}

static void login_refused(request_rec *r, ap_dbd_t *dbd, const char *ek, const char *ik,
                          const char *account_id)
{
    miq_srv_conf *sc = miq_conf(r->server);
    throttle_fail(r, dbd, ek, sc->throttle_account);
    throttle_fail(r, dbd, ik, sc->throttle_ip);
    /* The admin views may tell unknown from wrong; the caller may not. */
    miq_event_push("login_failed", account_id ? "wrong_password" : "unknown_email", account_id,
                   NULL, "dashboard", apr_pstrcat(r->pool, "ip=", r->useragent_ip, NULL));
}

int miq_account_login(request_rec *r, ap_dbd_t *dbd, const char *norm, const char *password,
                      const char **account_id, long *wait)
{
    const char *ek = miq_throttle_key_email(r->pool, norm), *stored = NULL, **row = NULL;
    const char *ik = miq_throttle_key_ip(r->pool, r->useragent_ip);
    int ncols = 0, got, ok;
    *account_id = NULL;
    /* Before any password work: a locked key costs the attacker nothing to ask. */
    if ((*wait = throttle_wait(r, dbd, ek, ik)) < 0)
        return -1;
    if (*wait > 0) {
        miq_event_push("login_throttled", NULL, NULL, NULL, "dashboard",
                       apr_pstrcat(r->pool, "ip=", r->useragent_ip, NULL));
        return -2;
    }
    got = miq_db_row(r, dbd, MIQ_SQL_ACCOUNT_BY_EMAIL, 1, &norm, &row, &ncols);
    if (got < 0)
        return -1;
    if (got == 1 && ncols >= 2) {
        *account_id = row[0];
        stored = row[1] && *row[1] ? row[1] : NULL;
    }
    /* Always one scrypt run, so timing does not reveal whether the email exists. */
    ok = miq_password_verify(r->pool, password, stored ? stored : dummy_hash) && stored;
    if (!ok) {
        login_refused(r, dbd, ek, ik, *account_id);
        *account_id = NULL;
        return 0;
    }
    miq_db_exec(r, dbd, MIQ_SQL_THROTTLE_RESET, 1, &ek);
    return 1;
}

int miq_auth_login(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *email, *password, *norm, *csrf, *account_id = NULL;
    int sent, rv, got;
    long wait;
    ap_dbd_t *dbd;

    rv = read_credentials(r, &email, &password, &sent);
    if (sent)
        return rv;
    if (!(norm = miq_email_normalize(r->pool, email)))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "\"email\" is not a valid email address");
    if (!(dbd = miq_dbd(r)))
        return db_unavailable(r);
    got = miq_account_login(r, dbd, norm, password, &account_id, &wait);
    if (got == -1)
        return db_unavailable(r);
    if (got == -2) {
        apr_table_setn(r->headers_out, "Retry-After", apr_ltoa(r->pool, wait));
        return miq_send_error(r, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                              "too many failed sign-in attempts; try again later");
    }
    if (got == 0)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required", LOGIN_FAILED);
    if (!(csrf = miq_session_start(r, dbd, account_id)))
        return db_unavailable(r);
    return miq_send_json(
        r, HTTP_OK,
        session_json(r, account_id, norm, csrf, expiry_from_now(r->pool, sc->session_absolute_s)));
}

/* ---- logout and session --------------------------------------------------- */

int miq_auth_logout(request_rec *r)
{
    miq_web_session s;
    ap_dbd_t *dbd = miq_dbd(r);
    const char *cookie, *hash;
    int got;

    if (!dbd)
        return db_unavailable(r);
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return db_unavailable(r);
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "no active session; sign in first");
    if (!miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token");
    cookie = miq_cookie_get(r->pool, apr_table_get(r->headers_in, "Cookie"), MIQ_SESSION_COOKIE);
    hash = miq_token_hash(r->pool, cookie);
    if (miq_db_exec(r, dbd, MIQ_SQL_AUTH_SESSION_REVOKE, 1, &hash) < 0)
        return db_unavailable(r);
    apr_table_add(r->headers_out, "Set-Cookie",
                  miq_cookie_build(r->pool, MIQ_SESSION_COOKIE, "", is_https(r), -1));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_OK, "{\"logged_out\":true}");
}

int miq_auth_session(request_rec *r)
{
    miq_web_session s;
    ap_dbd_t *dbd = miq_dbd(r);
    int got;
    if (!dbd)
        return db_unavailable(r);
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return db_unavailable(r);
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "no active session; sign in first");
    return miq_send_json(r, HTTP_OK,
                         session_json(r, s.account_id, s.email, s.csrf_token, s.expires_at));
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

/* The account of r->user (found by subject, else linked by email, else
 * created: see the catalog); a concurrent first sight makes the statement
 * return nothing once: it runs again. 1 with *account_id, else -1. */
int miq_account_remote(request_rec *r, ap_dbd_t *dbd, const char **account_id,
                       const char **email)
{
    const char *subject = apr_pstrcat(r->pool, "remote:", r->user, NULL), *args[8];
    const char **row = NULL, *norm = miq_email_normalize(r->pool, r->user);
    int ncols = 0, got, attempt;
    args[0] = subject;
    args[1] = subject;
    args[2] = norm ? norm : "";
    args[3] = args[2];
    args[4] = args[2];
    args[5] = subject;
    args[6] = miq_free_credits(r);
    args[7] = args[6];
    for (attempt = 0, got = 0; attempt < 2 && got == 0; attempt++)
        got = miq_db_row(r, dbd, MIQ_SQL_ACCOUNT_EXTERNAL, 8, args, &row, &ncols);
    if (got != 1 || !row[0])
        return -1;
    *account_id = row[0];
    *email = row[1] && *row[1] ? row[1] : NULL;
    return 1;
}

/* GET /api/auth/remote-user: a session for the user another module authenticated. */
int miq_auth_remote_user(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *email, *csrf, *url, *account_id;
    ap_dbd_t *dbd;

    if (sc->trust_remote_user != 1)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (!r->user || !*r->user)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "no user was authenticated by the web server for this location");
    if (!(dbd = miq_dbd(r)))
        return db_unavailable(r);
    if (miq_account_remote(r, dbd, &account_id, &email) != 1)
        return db_unavailable(r);
    if (!(csrf = miq_session_start(r, dbd, account_id)))
        return db_unavailable(r);
    if (prefers_json(r))
        return miq_send_json(r, HTTP_OK,
                             session_json(r, account_id, email, csrf,
                                          expiry_from_now(r->pool, sc->session_absolute_s)));
    /* Sent as our own response (not returned as a status) so the Set-Cookie
     * header is kept. */
    url = ap_construct_url(r->pool, "/dashboard/", r);
    apr_table_setn(r->headers_out, "Location", url);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_SEE_OTHER,
                         miq_json_dump(r->pool, miq_json_packp(r->pool, "{s:s}", "location", url)));
}

int miq_auth_not_found(request_rec *r)
{
    return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
}
