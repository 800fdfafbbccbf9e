/* GET/POST /api/auth/oauth/authorize: the consent screen.
 * GET checks the request (client, redirect URI, PKCE S256, scope, resource),
 * signs the user in when needed (the built-in session cookie; a trusted
 * r->user; else a sign-in form posting back here) and shows the consent form.
 * POST action=login signs in and returns to the consent screen; POST
 * action=consent (CSRF-checked) approves, with the scopes the user kept, or
 * denies. The redirect carries code (or error), state and iss (RFC 9207).
 * Errors that concern the client or the redirect URI are shown, never
 * redirected. Every step lands in the diagnostic trail. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_account.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_oauth.h"
#include "mod_momentiq_session.h"
#include "accounts/miq_accounts.h"
#include "accounts/miq_auth.h"
#include "base/miq_http_rules.h"

static void page_headers(request_rec *r)
{
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    /* no form-action: browsers would apply it to the redirect to the client */
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
}

static int send_html(request_rec *r, int status, const char *html)
{
    page_headers(r);
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(html));
    if (!r->header_only)
        ap_rwrite(html, (int)strlen(html), r);
    return OK;
}

/* An error that must not go to the redirect URI: an HTML page for browsers,
 * the RFC 6749 body for programs. */
static int show_error(request_rec *r, const char *error, const char *description, const char *corr)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    int status = miq_oauth_error_status(error);
    if (accept && miq_http_accepts(accept, "text/html") && ap_strcasestr(accept, "text/html"))
        return send_html(r, status,
                         miq_oauth_page_error(r->pool, "This connection cannot continue",
                                              apr_psprintf(r->pool, "%s: %s", error, description),
                                              corr));
    return miq_oauth_send_error(r, error, description);
}

/* 303 to the client's redirect URI with pairs (NULL-terminated), state and iss. */
static int redirect_back(request_rec *r, const miq_oauth_authz *q, const char *const *pairs)
{
    const char *all[12];
    int n = 0, i;
    for (i = 0; pairs[i] && n < 6; i++)
        all[n++] = pairs[i];
    if (q->state) {
        all[n++] = "state";
        all[n++] = q->state;
    }
    all[n++] = "iss";
    all[n++] = miq_conf(r->server)->base_url;
    all[n] = NULL;
    page_headers(r);
    apr_table_setn(r->headers_out, "Location",
                   miq_oauth_redirect_build(r->pool, q->redirect_uri, all));
    return miq_send_json(r, HTTP_SEE_OTHER, NULL);
}

/* The error (already in the trail) to the client's redirect URI. */
static int redirect_failed(request_rec *r, const miq_oauth_authz *q, const char *corr,
                           const char *error, const char *description)
{
    const char *pairs[5] = {"error", error, "error_description",
                            apr_psprintf(r->pool, "%s (reference %s)", description, corr), NULL};
    return redirect_back(r, q, pairs);
}

static int redirect_error(request_rec *r, ap_dbd_t *dbd, const miq_oauth_authz *q, const char *corr,
                          const char *account, const char *step, const char *error,
                          const char *description)
{
    miq_oauth_trail(r, dbd, corr, q->client_id, account, step, error, description);
    return redirect_failed(r, q, corr, error, description);
}

/* The signed-in user: the session cookie, else a trusted r->user (a session is
 * started for it so the consent form has a CSRF token). 1, 0 none, -1 db
 * error, -2 the remote user's email belongs to a password account (no link). */
static int signed_in(request_rec *r, ap_dbd_t *dbd, miq_web_session *s)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *account_id, *email, *csrf;
    int got = miq_session_current(r, dbd, s);
    if (got != 0)
        return got;
    if (sc->trust_remote_user != 1 || !r->user || !*r->user)
        return 0;
    if ((got = miq_account_remote(r, dbd, &account_id, &email)) != 1)
        return got == -2 ? -2 : -1;
    if (!(csrf = miq_session_start(r, dbd, account_id, 1)))
        return -1;
    s->account_id = account_id;
    s->email = email;
    s->csrf_token = csrf;
    return 1;
}

/* The consent screen's URL for this request (after a sign-in). */
static const char *consent_url(request_rec *r, const miq_oauth_authz *q, const char *corr)
{
    const char *pairs[] = {"response_type",
                           "code",
                           "client_id",
                           q->client_id,
                           "redirect_uri",
                           q->redirect_uri,
                           "code_challenge",
                           q->challenge,
                           "code_challenge_method",
                           "S256",
                           "scope",
                           q->scope,
                           "resource",
                           q->resource,
                           "correlation_id",
                           corr,
                           q->state ? "state" : NULL,
                           q->state,
                           NULL};
    return miq_oauth_redirect_build(r->pool, "/api/auth/oauth/authorize", pairs);
}

/* The sign-in form is protected before any session exists (review #11): a
 * double-submit token in a cookie and a hidden field, plus the Origin check
 * when the browser sends one. */
#define LOGIN_COOKIE         "miq_oauth_login"
#define LOGIN_COOKIE_MAX_AGE 3600

static const char *login_cookie(request_rec *r)
{
    const char *v = miq_cookie_get(r->pool, apr_table_get(r->headers_in, "Cookie"),
                                   miq_web_cookie_name(r, LOGIN_COOKIE));
    return v && strlen(v) == 43 ? v : NULL; /* 32 bytes, base64url */
}

/* Shows the sign-in form with the browser's token (a new one when it has
 * none), set again in the cookie. */
static int show_login(request_rec *r, int status, miq_oauth_page *pg)
{
    const char *token = login_cookie(r);
    if (!token && !(token = miq_session_secret(r->pool)))
        return show_error(r, "server_error", "no random bytes for the sign-in form",
                          pg->correlation_id);
    pg->login_csrf = token;
    apr_table_add(r->headers_out, "Set-Cookie",
                  miq_cookie_build(r->pool, miq_web_cookie_name(r, LOGIN_COOKIE), token,
                                   miq_web_cookie_secure(r), LOGIN_COOKIE_MAX_AGE));
    return send_html(r, status, miq_oauth_page_login(r->pool, pg));
}

/* Whether a POST of the sign-in form came from our own page: an Origin, when
 * present, is the public base URL's; the form's token is the cookie's. */
static int login_form_ok(request_rec *r, apr_table_t *f, const char **why)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *own = miq_url_origin(r->pool, miq_conf(r->server)->base_url);
    if (origin && (!own || strcasecmp(origin, own))) {
        *why = "the sign-in form was posted from another site";
        return 0;
    }
    if (!miq_csrf_ok(login_cookie(r), apr_table_get(f, "login_csrf"))) {
        *why = "the sign-in form's token did not match its cookie";
        return 0;
    }
    return 1;
}

static int do_login(request_rec *r, ap_dbd_t *dbd, apr_table_t *f, miq_oauth_page *pg)
{
    const char *email = apr_table_get(f, "email"), *password = apr_table_get(f, "password");
    const char *norm = email ? miq_email_normalize(r->pool, email) : NULL, *account_id, *why;
    long wait = 0;
    int got;
    if (!login_form_ok(r, f, &why)) {
        miq_oauth_trail(r, dbd, pg->correlation_id, pg->req->client_id, NULL, "login", "csrf", why);
        pg->message = "This form expired or did not come from this site. Sign in again.";
        return show_login(r, HTTP_FORBIDDEN, pg);
    }
    if (!norm || !password) {
        pg->message = "Enter your email address and password.";
        return show_login(r, HTTP_BAD_REQUEST, pg);
    }
    got = miq_account_login(r, dbd, norm, password, &account_id, &wait);
    if (got == -1)
        return show_error(r, "temporarily_unavailable", "the account database is unavailable",
                          pg->correlation_id);
    if (got != 1) {
        miq_oauth_trail(r, dbd, pg->correlation_id, pg->req->client_id, NULL, "login",
                        got == -2 ? "rate_limited" : "login_failed", "sign-in refused");
        pg->message = got == -2 ? "Too many failed sign-in attempts; try again later."
                                : "The email or password is incorrect.";
        if (got == -2)
            apr_table_setn(r->headers_out, "Retry-After", apr_ltoa(r->pool, wait));
        return show_login(r, got == -2 ? HTTP_TOO_MANY_REQUESTS : HTTP_UNAUTHORIZED, pg);
    }
    if (!miq_session_start(r, dbd, account_id, 0))
        return show_error(r, "temporarily_unavailable", "the session could not be started",
                          pg->correlation_id);
    miq_oauth_trail(r, dbd, pg->correlation_id, pg->req->client_id, account_id, "login", NULL,
                    "signed in with a password");
    page_headers(r);
    apr_table_setn(r->headers_out, "Location", consent_url(r, pg->req, pg->correlation_id));
    return miq_send_json(r, HTTP_SEE_OTHER, NULL);
}

static int do_consent(request_rec *r, ap_dbd_t *dbd, apr_table_t *f, miq_oauth_page *pg,
                      const miq_web_session *s)
{
    const miq_oauth_authz *q = pg->req;
    const char *decision = apr_table_get(f, "decision"), *code, *corr;
    miq_oauth_outcome out;
    unsigned kept;
    corr = pg->correlation_id;
    if (!miq_csrf_ok(s->csrf_token, apr_table_get(f, "csrf_token"))) {
        miq_oauth_trail(r, dbd, corr, q->client_id, s->account_id, "consent", "csrf",
                        "the consent form's CSRF token did not match the session");
        return send_html(r, HTTP_FORBIDDEN,
                         miq_oauth_page_error(r->pool, "Please try again",
                                              "This form expired or did not come from this "
                                              "site. Start the connection again.",
                                              corr));
    }
    if (!decision || strcmp(decision, "approve"))
        return redirect_error(r, dbd, q, corr, s->account_id, "consent", "access_denied",
                              "the user denied access");
    kept = miq_oauth_consent_scopes(q->scopes, f);
    if (!kept) {
        pg->message = "Choose at least one permission, or deny.";
        return send_html(r, HTTP_BAD_REQUEST, miq_oauth_page_consent(r->pool, pg));
    }
    if (!(code = miq_oauth_code_issue(r->pool, miq_oauth_db(r, dbd), q, s->account_id, kept, corr,
                                      &out))) {
        if (!strcmp(out.error, "server_error"))
            return show_error(r, out.error, out.description, corr);
        return redirect_failed(r, q, corr, out.error, out.description);
    }
    {
        const char *pairs[] = {"code", code, NULL};
        return redirect_back(r, q, pairs);
    }
}

int miq_oauth_authorize(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    apr_table_t *f = NULL;
    const char *err, *error, *why, *corr, *action;
    miq_oauth_client client;
    miq_oauth_authz q;
    miq_oauth_page pg;
    miq_web_session s;
    ap_dbd_t *dbd;
    int redirectable, got, post = r->method_number == M_POST;

    if (!miq_oauth_configured(oc->reg))
        return show_error(r, "server_error",
                          "OAuth is not configured: no client is registered and neither dynamic "
                          "registration nor client metadata documents are enabled",
                          NULL);
    if (post) {
        if ((got = miq_oauth_read_form(r, &f)) != OK || !f)
            return got;
    }
    else if ((err = miq_oauth_form_parse(r->pool, r->args, r->args ? strlen(r->args) : 0, &f)))
        return show_error(r, "invalid_request", err, NULL);
    corr = apr_table_get(f, "correlation_id");
    if (!miq_oauth_correlation_ok(corr))
        corr = miq_oauth_correlation_new(r->pool);
    if (!(dbd = miq_dbd(r)))
        return show_error(r, "temporarily_unavailable", "the database is unavailable", corr);
    if (!apr_table_get(f, "client_id"))
        return show_error(r, "invalid_request", "client_id is required", corr);
    got = miq_oauth_client_find(r->pool, miq_oauth_db(r, dbd), miq_oauth_settings_of(r),
                                apr_table_get(f, "client_id"), &client, &why);
    if (got < 0)
        return show_error(r, "temporarily_unavailable", "the database is unavailable", corr);
    if (got == 0) {
        miq_oauth_trail(r, dbd, corr, apr_table_get(f, "client_id"), NULL, "authorize",
                        "invalid_client", why ? why : "unknown client");
        return show_error(r, "invalid_client",
                          why ? why : "unknown client: the application must register again", corr);
    }
    if ((err = miq_oauth_authorize_check(r->pool, &client, f, sc->mcp->mcp_url, &q, &error,
                                         &redirectable))) {
        /* Review #13: anyone can register a DCR or metadata-document client,
         * so its redirect URI gets no redirect without the user's interaction
         * (RFC 9700 §4.11.2): the error is shown. Operator clients keep the
         * RFC 6749 redirect. */
        if (!redirectable || !miq_oauth_client_preregistered(&client)) {
            miq_oauth_trail(r, dbd, corr, client.client_id, NULL, "authorize", error, err);
            return show_error(r, error, err, corr);
        }
        return redirect_error(r, dbd, &q, corr, NULL, "authorize", error, err);
    }
    memset(&pg, 0, sizeof(pg));
    pg.req = &q;
    pg.client_name = client.name;
    pg.connector = client.connector;
    pg.correlation_id = corr;
    pg.service_name = sc->mcp->service_name;
    pg.privacy_url = sc->mcp->privacy_url;
    pg.terms_url = sc->mcp->terms_url;
    pg.support_email = sc->mcp->support_email;
    action = post ? apr_table_get(f, "action") : NULL;
    if (post && action && !strcmp(action, "login"))
        return do_login(r, dbd, f, &pg);
    if ((got = signed_in(r, dbd, &s)) == -2) {
        miq_oauth_trail(r, dbd, corr, client.client_id, NULL, "authorize", "conflict",
                        "the remote user's email belongs to a password account");
        return send_html(r, HTTP_CONFLICT,
                         miq_oauth_page_error(r->pool, "Sign in with your password",
                                              MIQ_REMOTE_CONFLICT, corr));
    }
    if (got < 0)
        return show_error(r, "temporarily_unavailable", "the database is unavailable", corr);
    if (!got) {
        if (!post)
            miq_oauth_trail(r, dbd, corr, client.client_id, NULL, "authorize", NULL,
                            "request valid; sign-in form shown");
        return show_login(r, HTTP_OK, &pg);
    }
    pg.account = s.email ? s.email : apr_pstrcat(r->pool, "account ", s.account_id, NULL);
    pg.csrf = s.csrf_token;
    if (post && action && !strcmp(action, "consent"))
        return do_consent(r, dbd, f, &pg, &s);
    if (post)
        return show_error(r, "invalid_request", "unknown form action", corr);
    miq_oauth_trail(r, dbd, corr, client.client_id, s.account_id, "authorize", NULL,
                    apr_psprintf(r->pool,
                                 "request valid; consent screen shown (scopes '%s'%s%.200s%s)",
                                 q.scope, q.ignored_scope ? "; ignored unknown '" : "",
                                 q.ignored_scope ? q.ignored_scope : "",
                                 q.ignored_scope ? "'" : ""));
    return send_html(r, HTTP_OK, miq_oauth_page_consent(r->pool, &pg));
}
