/* Account services over the core database (miq_db), whatever surface calls
 * them: built-in email + password accounts (signup, login with throttling,
 * logout), sign-in of a user another auth module authenticated, dashboard
 * sessions (miq_sessions.c) and the dashboard's API keys and connector
 * tokens (miq_api_tokens.c). The glue parses requests, sets cookies and
 * renders the miq_reply. Passwords, cookie values and CSRF tokens never reach
 * a log or an event. */
#ifndef MIQ_ACCOUNTS_H
#define MIQ_ACCOUNTS_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "accounts/miq_auth.h"
#include "base/miq_reply.h"
#include "db/miq_db.h"

/* An auth event for the admin views (the glue's miq_event_push). */
typedef void miq_event_fn(const char *kind, const char *code, const char *account_id,
                          const char *token_id, const char *surface, const char *detail);

typedef struct miq_accounts_env {
    apr_pool_t *pool;
    const miq_db *db;
    const char *client_ip;    /* the caller's address: throttling and events */
    const char *free_credits; /* MomentIQFreeCredits for a new account, as text */
    int session_idle_s;       /* MomentIQSessionTimeout IDLE ABSOLUTE */
    int session_absolute_s;
    int throttle_account; /* MomentIQLoginThrottle ACCOUNT IP WINDOW LOCK */
    int throttle_ip;
    int throttle_window_s;
    int throttle_lock_s;
    apr_time_t now;
    miq_event_fn *event; /* NULL: no events */
    /* What new sessions record as how they signed in: "password" (NULL) or
     * "organisation" (a user another Apache auth module authenticated). */
    const char *signed_in_with;
} miq_accounts_env;

/* ---- sessions (miq_sessions.c) -------------------------------------------- */

typedef struct miq_session {
    const char *account_id;
    const char *email; /* NULL when the account has none */
    const char *csrf_token;
    const char *expires_at;     /* absolute expiry, ISO 8601 UTC */
    const char *signed_in_with; /* "password" | "organisation" */
} miq_session;

/* Seconds between idle-expiry renewals for an idle limit (at most 60). */
int miq_session_renew_after(int idle_s);
/* The live session of a cookie value: 1 with *s; 0 none (no cookie, unknown,
 * expired, revoked); -1 database error. Renews the idle expiry in passing. */
int miq_session_find(const miq_accounts_env *env, const char *cookie, miq_session *s);
/* A new session of the account: its CSRF token with *sid, the cookie value
 * (only its hash is stored), and s filled; NULL when no random bytes or the
 * database failed (logged). */
const char *miq_session_create(const miq_accounts_env *env, const char *account_id,
                               const char *email, miq_session *s, const char **sid);
/* Ends the session of a cookie value: 0, or -1 on a database error. */
int miq_session_revoke(const miq_accounts_env *env, const char *cookie);
/* Whether the presented X-CSRF-Token is the session's. */
int miq_session_csrf_ok(const miq_session *s, const char *presented);
/* {"account_id","email","csrf_token","expires_at","signed_in_with"} (pool-bound): what login,
 * signup, session and remote-user answer. No secret besides the CSRF token. */
json_t *miq_session_json(apr_pool_t *p, const miq_session *s);

/* ---- accounts (miq_accounts_service.c) ----------------------------------- */

/* What a sign-in made, for the glue: the cookie to set and the throttle wait. */
typedef struct miq_signin {
    miq_session session;
    const char *sid;  /* the new session's cookie value, or NULL */
    long retry_after; /* with a 429: seconds until the lock ends */
} miq_signin;

/* POST /api/auth/signup: 201 {"signed_up":true,"email","next"} whether the
 * email was free (the account is created) or taken (nothing happens; an
 * event for the admin views), and no session either way: signup does not
 * reveal which emails have accounts, login is the only way in. 400 (email,
 * password policy), 500 (hashing), 503 (database). */
void miq_accounts_signup(const miq_accounts_env *env, const char *email, const char *password,
                         miq_signin *si, miq_reply *out);
/* POST /api/auth/login: 200 with the session, 400 (email), 401 (unknown email
 * or wrong password: the same message), 429 (throttled), 503. */
void miq_accounts_login(const miq_accounts_env *env, const char *email, const char *password,
                        miq_signin *si, miq_reply *out);
/* The password check under the throttle (per account and address, and per
 * address), for every login form; a hash of older scrypt parameters is
 * replaced once the password verified: 1 with
 * *account_id; 0 refused (failure counted, event sent); -2 locked, *wait
 * seconds; -1 database error. normalized_email: miq_email_normalize's. */
int miq_accounts_check_password(const miq_accounts_env *env, const char *normalized_email,
                                const char *password, const char **account_id, long *wait);
/* What a remote user whose email belongs to a password account is told (409). */
#define MIQ_REMOTE_CONFLICT                                                                        \
    "an account with this email already exists; sign in with your password and link this "         \
    "sign-in from the dashboard"
/* The account of a user another module authenticated (found by subject, else
 * created; never linked by email): 1 with *account_id and *email (NULL when
 * none); -2 when the email belongs to an account with a password that is not
 * linked to this user (an event is sent); -1 on a database error. */
int miq_accounts_remote(const miq_accounts_env *env, const char *user, const char **account_id,
                        const char **email);
/* The 409 of miq_accounts_remote's -2 (MIQ_REMOTE_CONFLICT). */
void miq_accounts_remote_conflict(miq_reply *out);
/* GET /api/auth/remote-user once a user is known: 200 with a new session,
 * 409 (the email is a password account's: miq_accounts_remote_conflict), 503. */
void miq_accounts_remote_signin(const miq_accounts_env *env, const char *user, miq_signin *si,
                                miq_reply *out);
/* POST /api/auth/remote-user/link: links the user another module authenticated
 * on this request to the session's account (the proof: a live session and its
 * X-CSRF-Token). 200 {"linked":true,"account_id","revoked_others"}: a new link
 * revokes the account's other sessions and every token; 401 (no session or no
 * remote user), 403 (CSRF), 409 (the identity has another account, or this
 * account is linked to another identity), 503. */
void miq_accounts_remote_link(const miq_accounts_env *env, const char *cookie, const char *csrf,
                              const char *user, miq_reply *out);
/* POST /api/auth/logout: 200 {"logged_out":true}, 401 (no session), 403 (CSRF), 503. */
void miq_accounts_logout(const miq_accounts_env *env, const char *cookie, const char *csrf,
                         miq_reply *out);
/* GET /api/auth/session: 200 with the session, 401, 503. */
void miq_accounts_session(const miq_accounts_env *env, const char *cookie, miq_reply *out);
/* The 503 every account service answers when the database fails. */
void miq_accounts_unavailable(miq_reply *out);

/* ---- API keys and connector tokens (miq_api_tokens.c) --------------------- */

/* Create {"name","scopes","expires_in"}: 201 with the secret (shown once),
 * 400, 500 (no random bytes), 503. */
void miq_api_token_create(const miq_accounts_env *env, const char *account_id,
                          miq_token_kind_e kind, const json_t *body, miq_reply *out);
/* The account's tokens of a kind, without secrets: 200 {"tokens":[...]}, 503. */
void miq_api_token_list(const miq_accounts_env *env, const char *account_id, miq_token_kind_e kind,
                        miq_reply *out);
/* Revokes a live token of the account: 200; 404 when unknown, revoked or
 * another account's (they look alike); 503. */
void miq_api_token_revoke(const miq_accounts_env *env, const char *account_id,
                          miq_token_kind_e kind, const char *token_id, miq_reply *out);

#endif
