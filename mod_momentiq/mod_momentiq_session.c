/* Dashboard sessions over HTTP: the cookie and the X-CSRF-Token header; the
 * sessions themselves are a core service (core/accounts/miq_sessions.c). */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_session.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_billing_conf.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_dbd_core.h"
#include "accounts/miq_accounts.h"

void miq_accounts_env_of(request_rec *r, const miq_db *db, miq_accounts_env *env)
{
    miq_srv_conf *sc = miq_conf(r->server);
    memset(env, 0, sizeof(*env));
    env->pool = r->pool;
    env->db = db;
    env->client_ip = r->useragent_ip;
    env->free_credits = miq_free_credits(r);
    env->session_idle_s = sc->session_idle_s;
    env->session_absolute_s = sc->session_absolute_s;
    env->throttle_account = sc->throttle_account;
    env->throttle_ip = sc->throttle_ip;
    env->throttle_window_s = sc->throttle_window_s;
    env->throttle_lock_s = sc->throttle_lock_s;
    env->now = apr_time_now();
    env->event = miq_event_push;
}

static int request_is_https(request_rec *r)
{
    const char *scheme = ap_http_scheme(r);
    return scheme && !strcasecmp(scheme, "https");
}

int miq_web_cookie_secure(request_rec *r)
{
    return miq_cookie_secure(miq_conf(r->server)->base_url, request_is_https(r));
}

const char *miq_web_cookie_name(request_rec *r, const char *name)
{
    return miq_cookie_name(r->pool, name, miq_web_cookie_secure(r));
}

const char *miq_session_cookie(request_rec *r)
{
    return miq_cookie_get(r->pool, apr_table_get(r->headers_in, "Cookie"),
                          miq_web_cookie_name(r, MIQ_SESSION_COOKIE));
}

void miq_session_set_cookie(request_rec *r, const char *sid)
{
    miq_srv_conf *sc = miq_conf(r->server);
    int secure = miq_web_cookie_secure(r);
    const char *name = miq_web_cookie_name(r, MIQ_SESSION_COOKIE);
    apr_table_add(r->headers_out, "Set-Cookie",
                  sid ? miq_cookie_build(r->pool, name, sid, secure, (long)sc->session_absolute_s)
                      : miq_cookie_build(r->pool, name, "", secure, -1));
    /* A response that sets a session cookie must never be stored by a cache. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
}

int miq_session_current(request_rec *r, ap_dbd_t *dbd, miq_web_session *s)
{
    miq_accounts_env env;
    miq_session cs;
    miq_db db;
    int got;
    miq_db_bind(r, dbd, &db);
    miq_accounts_env_of(r, &db, &env);
    got = miq_session_find(&env, miq_session_cookie(r), &cs);
    s->account_id = cs.account_id;
    s->email = cs.email;
    s->csrf_token = cs.csrf_token;
    s->expires_at = cs.expires_at;
    s->signed_in_with = cs.signed_in_with;
    return got;
}

const char *miq_session_start(request_rec *r, ap_dbd_t *dbd, const char *account_id,
                              int organisation)
{
    miq_accounts_env env;
    miq_session cs;
    miq_db db;
    const char *sid, *csrf;
    miq_db_bind(r, dbd, &db);
    miq_accounts_env_of(r, &db, &env);
    env.signed_in_with = organisation ? "organisation" : "password";
    if ((csrf = miq_session_create(&env, account_id, NULL, &cs, &sid)))
        miq_session_set_cookie(r, sid);
    return csrf;
}

int miq_csrf_valid(request_rec *r, const miq_web_session *s)
{
    return s && miq_csrf_ok(s->csrf_token, apr_table_get(r->headers_in, "X-CSRF-Token"));
}
