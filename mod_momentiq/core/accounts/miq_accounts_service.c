/* Built-in email + password accounts (signup, login under the throttle,
 * logout, the current session) and sign-in of a user another auth module
 * authenticated, over the core database. The glue reads the request, sets
 * the session cookie and renders the reply. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "accounts/miq_accounts.h"
#include "accounts/miq_accounts_sql.h"
#include "base/miq_json.h"
#include "base/miq_log.h"

/* Same message for an unknown email and a wrong password: a caller must not
 * learn which accounts exist. */
#define LOGIN_FAILED "the email or password is incorrect"

/* Verified when the email is unknown (or has no password), so both failures
 * cost one scrypt run at the current parameters. Its password was random and
 * discarded. */
static const char dummy_hash[] = "$scrypt$ln=17,r=8,p=1$OlRvfvyskCd73bvzZFhR0Q$"
                                 "2ax6hJpAkt-iSE6HGwzb1wTV8AvAQbik1iDheeMQvTg";

/* Runs a statement: the rows, or NULL on a database error (logged by the db). */
static apr_array_header_t *run(const miq_accounts_env *env, miq_sql_id_e id, int nargs,
                               const char *const *args, int *ncols)
{
    const char *err = NULL;
    *ncols = 0;
    return env->db ? env->db->query(env->db->baton, env->pool, id, nargs, args, ncols, &err) : NULL;
}

/* The first row when there is one with at least min_cols columns, else NULL. */
static const char **first_row(apr_array_header_t *rows, int ncols, int min_cols)
{
    return rows && rows->nelts > 0 && ncols >= min_cols ? APR_ARRAY_IDX(rows, 0, const char **)
                                                        : NULL;
}

static void event(const miq_accounts_env *env, const char *kind, const char *code,
                  const char *account_id)
{
    if (env->event)
        env->event(kind, code, account_id, NULL, "dashboard",
                   apr_pstrcat(env->pool, "ip=", env->client_ip, NULL));
}

void miq_accounts_unavailable(miq_reply *out)
{
    miq_reply_err(out, 503, "server_error",
                  "the account database is unavailable; try again shortly", NULL);
}

static void unauthenticated(miq_reply *out)
{
    miq_reply_err(out, 401, "authentication_required", "no active session; sign in first", NULL);
}

/* The session a state-changing call needs, with its CSRF token: 1 with *s,
 * or 0 with the reply (503, 401 or 403 csrf_required). */
static int session_for_change(const miq_accounts_env *env, const char *cookie, const char *csrf,
                              miq_session *s, miq_reply *out)
{
    int got = env->db ? miq_session_find(env, cookie, s) : -1;
    if (got < 0) {
        miq_accounts_unavailable(out);
        return 0;
    }
    if (!got) {
        unauthenticated(out);
        return 0;
    }
    if (!miq_session_csrf_ok(s, csrf)) {
        miq_reply_err(out, 403, "csrf_required",
                      "this call needs the session's CSRF token in X-CSRF-Token", NULL);
        return 0;
    }
    return 1;
}

/* The reply of a sign-in that made a session. */
static void signed_in(const miq_accounts_env *env, int status, const miq_signin *si, miq_reply *out)
{
    out->status = status;
    out->code = NULL;
    out->message = NULL;
    out->body = miq_session_json(env->pool, &si->session);
}

/* Starts the account's session into si; 0 (with a 503) when it could not. */
static int start(const miq_accounts_env *env, const char *account_id, const char *email,
                 miq_signin *si, miq_reply *out)
{
    if (miq_session_create(env, account_id, email, &si->session, &si->sid))
        return 1;
    miq_accounts_unavailable(out);
    return 0;
}

/* ---- signup ------------------------------------------------------------- */

void miq_accounts_signup(const miq_accounts_env *env, const char *email, const char *password,
                         miq_signin *si, miq_reply *out)
{
    const char *norm, *why = NULL, *hash, *args[MIQ_ACA_N], **row;
    apr_array_header_t *rows;
    int ncols;

    memset(si, 0, sizeof(*si));
    if (!(norm = miq_email_normalize(env->pool, email))) {
        miq_reply_err(out, 400, "invalid_request", "\"email\" is not a valid email address", NULL);
        return;
    }
    if ((why = miq_password_policy(password))) {
        miq_reply_err(out, 400, "invalid_request", why, NULL);
        return;
    }
    if (!(hash = miq_password_hash(env->pool, password, &why))) {
        miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, 0, env->pool,
                       "MIQ10941: MomentIQ: password hashing failed: %s", why ? why : "?");
        miq_reply_err(out, 500, "server_error", "the account could not be created", NULL);
        return;
    }
    args[MIQ_ACA_EMAIL] = norm;
    args[MIQ_ACA_HASH] = hash;
    args[MIQ_ACA_FREE] = env->free_credits;
    args[MIQ_ACA_FREE_AGAIN] = env->free_credits;
    if (!(rows = run(env, MIQ_SQL_ACCOUNT_CREATE, MIQ_ACA_N, args, &ncols))) {
        miq_accounts_unavailable(out);
        return;
    }
    /* ON CONFLICT DO NOTHING: no row when the email is taken. The answer is
     * the same either way and starts no session (review #14: signup must not
     * tell which emails have accounts); login is the only way in. */
    row = first_row(rows, ncols, MIQ_ACC_N);
    if (!row || !row[MIQ_ACC_ID])
        event(env, "signup_email_taken", NULL, NULL);
    out->status = 201;
    out->code = out->message = NULL;
    out->body = miq_json_packp(env->pool, "{s:b,s:s,s:s}", "signed_up", 1, "email", norm, "next",
                               "sign in with POST /api/auth/login");
}

/* ---- login -------------------------------------------------------------- */

/* Counts one failure against a key; lock after limit failures in the window. */
static void throttle_fail(const miq_accounts_env *env, const char *key, int limit)
{
    const char *win = apr_itoa(env->pool, env->throttle_window_s), *args[MIQ_TFA_N];
    int ncols;
    args[MIQ_TFA_KEY] = key;
    args[MIQ_TFA_WINDOW_S] = win;
    args[MIQ_TFA_WINDOW_S2] = win;
    args[MIQ_TFA_WINDOW_S3] = win;
    args[MIQ_TFA_LIMIT] = apr_itoa(env->pool, limit);
    args[MIQ_TFA_LOCK_S] = apr_itoa(env->pool, env->throttle_lock_s);
    run(env, MIQ_SQL_THROTTLE_FAIL, MIQ_TFA_N, args, &ncols);
}

/* Seconds until the longer lock of the two keys ends; 0 unlocked, -1 db error. */
static long throttle_wait(const miq_accounts_env *env, const char *ek, const char *ik)
{
    const char *args[MIQ_TCA_N], **row;
    apr_array_header_t *rows;
    int ncols;
    args[MIQ_TCA_ACCOUNT_IP_KEY] = ek;
    args[MIQ_TCA_IP_KEY] = ik;
    if (!(rows = run(env, MIQ_SQL_THROTTLE_CHECK, MIQ_TCA_N, args, &ncols)))
        return -1;
    row = first_row(rows, ncols, MIQ_TCC_N);
    return row && row[MIQ_TCC_WAIT_S] ? atol(row[MIQ_TCC_WAIT_S]) : 0;
}

/* A hash of older parameters is replaced now that the password is known;
 * a failure only means it is tried again next time. */
static void rehash(const miq_accounts_env *env, const char *account_id, const char *password,
                   const char *stored)
{
    const char *args[MIQ_ARA_N], *why = NULL;
    int ncols;
    if (!miq_password_needs_rehash(stored) ||
        !(args[MIQ_ARA_HASH] = miq_password_hash(env->pool, password, &why)))
        return;
    args[MIQ_ARA_ID] = account_id;
    args[MIQ_ARA_OLD_HASH] = stored;
    run(env, MIQ_SQL_ACCOUNT_REHASH, MIQ_ARA_N, args, &ncols);
}

int miq_accounts_check_password(const miq_accounts_env *env, const char *norm, const char *password,
                                const char **account_id, long *wait)
{
    /* Failures lock one account from one address, and one address: someone
     * elsewhere cannot lock the owner out (review #14). */
    const char *ek = miq_throttle_key_account_ip(env->pool, norm,
                                                 env->client_ip ? env->client_ip : "-");
    const char *stored = NULL, **row;
    const char *ik = miq_throttle_key_ip(env->pool, env->client_ip);
    apr_array_header_t *rows;
    int ncols, ok;
    *account_id = NULL;
    /* Before any password work: a locked key costs the attacker nothing to ask. */
    if ((*wait = throttle_wait(env, ek, ik)) < 0)
        return -1;
    if (*wait > 0) {
        if (env->event)
            env->event("login_throttled", NULL, NULL, NULL, "dashboard",
                       apr_pstrcat(env->pool, "ip=", env->client_ip, NULL));
        return -2;
    }
    if (!(rows = run(env, MIQ_SQL_ACCOUNT_BY_EMAIL, 1, &norm, &ncols)))
        return -1;
    if ((row = first_row(rows, ncols, MIQ_ABE_N))) {
        *account_id = row[MIQ_ABE_ID];
        stored = row[MIQ_ABE_HASH] && *row[MIQ_ABE_HASH] ? row[MIQ_ABE_HASH] : NULL;
    }
    /* Always one scrypt run, so timing does not reveal whether the email exists. */
    ok = miq_password_verify(env->pool, password, stored ? stored : dummy_hash) && stored;
    if (!ok) {
        throttle_fail(env, ek, env->throttle_account);
        throttle_fail(env, ik, env->throttle_ip);
        /* The admin views may tell unknown from wrong; the caller may not. */
        event(env, "login_failed", *account_id ? "wrong_password" : "unknown_email", *account_id);
        *account_id = NULL;
        return 0;
    }
    run(env, MIQ_SQL_THROTTLE_RESET, 1, &ek, &ncols);
    rehash(env, *account_id, password, stored);
    return 1;
}

void miq_accounts_login(const miq_accounts_env *env, const char *email, const char *password,
                        miq_signin *si, miq_reply *out)
{
    const char *norm, *account_id = NULL;
    long wait = 0;
    int got;

    memset(si, 0, sizeof(*si));
    if (!(norm = miq_email_normalize(env->pool, email))) {
        miq_reply_err(out, 400, "invalid_request", "\"email\" is not a valid email address", NULL);
        return;
    }
    got = miq_accounts_check_password(env, norm, password, &account_id, &wait);
    if (got == -1) {
        miq_accounts_unavailable(out);
        return;
    }
    if (got == -2) {
        si->retry_after = wait;
        miq_reply_err(out, 429, "rate_limited", "too many failed sign-in attempts; try again later",
                      NULL);
        return;
    }
    if (got == 0) {
        miq_reply_err(out, 401, "authentication_required", LOGIN_FAILED, NULL);
        return;
    }
    if (start(env, account_id, norm, si, out))
        signed_in(env, 200, si, out);
}

/* ---- logout and session --------------------------------------------------- */

void miq_accounts_logout(const miq_accounts_env *env, const char *cookie, const char *csrf,
                         miq_reply *out)
{
    miq_session s;
    if (!session_for_change(env, cookie, csrf, &s, out))
        return;
    if (miq_session_revoke(env, cookie) < 0) {
        miq_accounts_unavailable(out);
        return;
    }
    out->status = 200;
    out->code = out->message = NULL;
    out->body = miq_json_packp(env->pool, "{s:b}", "logged_out", 1);
}

void miq_accounts_session(const miq_accounts_env *env, const char *cookie, miq_reply *out)
{
    miq_session s;
    int got = env->db ? miq_session_find(env, cookie, &s) : -1;
    if (got < 0) {
        miq_accounts_unavailable(out);
        return;
    }
    if (!got) {
        unauthenticated(out);
        return;
    }
    out->status = 200;
    out->code = out->message = NULL;
    out->body = miq_session_json(env->pool, &s);
}

/* ---- sign-in through another auth module ------------------------------- */

/* A concurrent first sight makes the statement return nothing once: it runs
 * again. Never links by email: an email held by a password account is a
 * conflict (-2) until its owner links this identity with proof. */
int miq_accounts_remote(const miq_accounts_env *env, const char *user, const char **account_id,
                        const char **email)
{
    const char *subject = apr_pstrcat(env->pool, "remote:", user, NULL), *args[MIQ_AXA_N];
    const char *norm = miq_email_normalize(env->pool, user), **row;
    apr_array_header_t *rows = NULL;
    int ncols = 0, attempt;
    args[MIQ_AXA_SUBJECT] = subject;
    args[MIQ_AXA_EMAIL] = norm ? norm : "";
    args[MIQ_AXA_FREE] = env->free_credits;
    for (attempt = 0; attempt < 2; attempt++) {
        if (!(rows = run(env, MIQ_SQL_ACCOUNT_EXTERNAL, MIQ_AXA_N, args, &ncols)) || rows->nelts)
            break;
    }
    if (!(row = first_row(rows, ncols, MIQ_AXC_N)))
        return -1;
    if (row[MIQ_AXC_OUTCOME] && !strcmp(row[MIQ_AXC_OUTCOME], "conflict")) {
        event(env, "remote_user_refused", "email_taken", NULL);
        return -2;
    }
    if (!row[MIQ_AXC_ID] || !*row[MIQ_AXC_ID])
        return -1;
    *account_id = row[MIQ_AXC_ID];
    *email = row[MIQ_AXC_EMAIL] && *row[MIQ_AXC_EMAIL] ? row[MIQ_AXC_EMAIL] : NULL;
    return 1;
}

void miq_accounts_remote_conflict(miq_reply *out)
{
    miq_reply_err(out, 409, "conflict", MIQ_REMOTE_CONFLICT, NULL);
}

void miq_accounts_remote_signin(const miq_accounts_env *env, const char *user, miq_signin *si,
                                miq_reply *out)
{
    const char *account_id, *email;
    miq_accounts_env org = *env;
    int got;
    memset(si, 0, sizeof(*si));
    org.signed_in_with = "organisation";
    if ((got = miq_accounts_remote(env, user, &account_id, &email)) != 1) {
        if (got == -2)
            miq_accounts_remote_conflict(out);
        else
            miq_accounts_unavailable(out);
        return;
    }
    if (start(&org, account_id, email, si, out))
        signed_in(env, 200, si, out);
}

void miq_accounts_remote_link(const miq_accounts_env *env, const char *cookie, const char *csrf,
                              const char *user, miq_reply *out)
{
    const char *args[MIQ_ALA_N], **row, *outcome;
    apr_array_header_t *rows;
    miq_session s;
    int ncols;
    if (!session_for_change(env, cookie, csrf, &s, out))
        return;
    if (!user || !*user) {
        miq_reply_err(out, 401, "authentication_required",
                      "no user was authenticated by the web server for this location", NULL);
        return;
    }
    args[MIQ_ALA_ACCOUNT] = s.account_id;
    args[MIQ_ALA_SUBJECT] = apr_pstrcat(env->pool, "remote:", user, NULL);
    args[MIQ_ALA_KEEP_SESSION] = miq_token_hash(env->pool, cookie);
    if (!(rows = run(env, MIQ_SQL_ACCOUNT_LINK_REMOTE, MIQ_ALA_N, args, &ncols)) ||
        !(row = first_row(rows, ncols, 1)) || !(outcome = row[0])) {
        miq_accounts_unavailable(out);
        return;
    }
    if (!strcmp(outcome, "taken")) {
        miq_reply_err(out, 409, "conflict",
                      "this sign-in already belongs to another account; sign in with it to use "
                      "that account",
                      NULL);
        return;
    }
    if (!strcmp(outcome, "other")) {
        miq_reply_err(out, 409, "conflict", "this account is already linked to another sign-in",
                      NULL);
        return;
    }
    if (!strcmp(outcome, "linked"))
        event(env, "remote_user_linked", NULL, s.account_id);
    out->status = 200;
    out->code = out->message = NULL;
    /* linked: every other session and every token of the account was revoked */
    out->body = miq_json_packp(env->pool, "{s:b,s:s,s:b}", "linked", 1, "account_id", s.account_id,
                               "revoked_others", !strcmp(outcome, "linked"));
}
