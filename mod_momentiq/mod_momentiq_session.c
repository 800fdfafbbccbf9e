/* Dashboard sessions: a random id in an HttpOnly cookie, only its SHA-256 in
 * auth_sessions, idle and absolute expiry enforced by the database, and a
 * per-session CSRF token for state-changing calls. Nothing is cached in the
 * child, so a logout holds on every child and node at once. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_session.h"
#include "mod_momentiq_dbd.h"
#include "accounts/miq_auth.h"

/* Renewing the idle expiry writes the row; a busy dashboard would otherwise
 * write on every call. At most once a minute, sooner for very short idle limits. */
static int renew_after(int idle_s)
{
    int quarter = idle_s / 4;
    return quarter < 60 ? (quarter > 0 ? quarter : 1) : 60;
}

int miq_session_current(request_rec *r, ap_dbd_t *dbd, miq_web_session *s)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *cookie, *args[3], **row = NULL;
    int ncols = 0, got;

    memset(s, 0, sizeof(*s));
    cookie = miq_cookie_get(r->pool, apr_table_get(r->headers_in, "Cookie"), MIQ_SESSION_COOKIE);
    if (!cookie || !*cookie)
        return 0;
    /* Placeholder order of miq_auth_session_get: id hash, idle seconds (the
     * new idle expiry), renew-after seconds. */
    args[0] = miq_token_hash(r->pool, cookie);
    args[1] = apr_itoa(r->pool, sc->session_idle_s);
    args[2] = apr_itoa(r->pool, renew_after(sc->session_idle_s));
    got = miq_db_row(r, dbd, MIQ_SQL_AUTH_SESSION_GET, 3, args, &row, &ncols);
    if (got <= 0 || ncols < 4 || !row[0] || !row[1])
        return got < 0 ? -1 : 0;
    s->account_id = row[0];
    s->csrf_token = row[1];
    s->email = row[2] && *row[2] ? row[2] : NULL;
    s->expires_at = row[3];
    return 1;
}

static int request_is_https(request_rec *r)
{
    const char *scheme = ap_http_scheme(r);
    return scheme && !strcasecmp(scheme, "https");
}

const char *miq_session_start(request_rec *r, ap_dbd_t *dbd, const char *account_id)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *sid = miq_session_secret(r->pool);
    const char *csrf = miq_session_secret(r->pool);
    const char *args[5];

    if (!sid || !csrf) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      APLOGNO(10940) "MomentIQ: no random bytes for a session id");
        return NULL;
    }
    /* The cookie value never reaches the database or a log: only its hash. */
    args[0] = miq_token_hash(r->pool, sid);
    args[1] = account_id;
    args[2] = csrf;
    args[3] = apr_itoa(r->pool, sc->session_idle_s);
    args[4] = apr_itoa(r->pool, sc->session_absolute_s);
    if (miq_db_exec(r, dbd, MIQ_SQL_AUTH_SESSION_CREATE, 5, args) != 1)
        return NULL;
    apr_table_add(r->headers_out, "Set-Cookie",
                  miq_cookie_build(r->pool, MIQ_SESSION_COOKIE, sid, request_is_https(r),
                                   (long)sc->session_absolute_s));
    /* A response that sets a session cookie must never be stored by a cache. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return csrf;
}

int miq_csrf_valid(request_rec *r, const miq_web_session *s)
{
    return s && miq_csrf_ok(s->csrf_token, apr_table_get(r->headers_in, "X-CSRF-Token"));
}
