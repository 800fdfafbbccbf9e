/* Dashboard sessions (mod_momentiq_session.c). */
#ifndef MOD_MOMENTIQ_SESSION_H
#define MOD_MOMENTIQ_SESSION_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>

typedef struct miq_web_session {
    const char *account_id;
    const char *email;
    const char *csrf_token;
    const char *expires_at;     /* absolute expiry, ISO 8601 */
    const char *signed_in_with; /* "password" | "organisation" */
} miq_web_session;
/* 1 with *s for a live session cookie, 0 without, -1 database error. */
int miq_session_current(request_rec *r, ap_dbd_t *dbd, miq_web_session *s);
/* Creates a session for the account, sets the cookie; returns the CSRF token or
 * NULL. organisation: the user was authenticated by another Apache module. */
const char *miq_session_start(request_rec *r, ap_dbd_t *dbd, const char *account_id,
                              int organisation);
/* Whether X-CSRF-Token matches the session's token. */
int miq_csrf_valid(request_rec *r, const miq_web_session *s);

/* Account services' environment from the request, the session cookie's
 * value, and setting it (sid NULL: clearing it). */
struct miq_accounts_env;
struct miq_db;
void miq_accounts_env_of(request_rec *r, const struct miq_db *db, struct miq_accounts_env *env);
const char *miq_session_cookie(request_rec *r);
/* Whether this server's cookies are Secure: MomentIQBaseURL is https (also
 * behind a TLS-terminating proxy) or the request came over TLS. */
int miq_web_cookie_secure(request_rec *r);
/* A cookie's name here: "__Host-" + name when Secure, else name. */
const char *miq_web_cookie_name(request_rec *r, const char *name);
void miq_session_set_cookie(request_rec *r, const char *sid);

#endif
