/* Account services over the fake database: signup, login under the throttle,
 * sessions (find, expire, CSRF, logout), remote-user sign-in, and the
 * dashboard's API keys and connector tokens. Asserts the statements run, their
 * named arguments and the replies. */
#include <string.h>
#include <apr_strings.h>
#include "accounts/miq_accounts.h"
#include "accounts/miq_accounts_sql.h"
#include "base/miq_json.h"
#include "fake_db.h"
#include "unit.h"

#define PASSWORD "correct horse battery staple"
#define COOKIE   "sess-cookie-value"

static const char *ev_kinds, *ev_codes;

static void capture_event(const char *kind, const char *code, const char *account_id,
                          const char *token_id, const char *surface, const char *detail)
{
    (void)account_id;
    (void)token_id;
    CU_ASSERT_STRING_EQUAL(surface, "dashboard");
    CU_ASSERT_STRING_EQUAL(detail, "ip=192.0.2.7");
    ev_kinds = apr_pstrcat(utp, ev_kinds, *ev_kinds ? "," : "", kind, NULL);
    ev_codes = apr_pstrcat(utp, ev_codes, *ev_codes ? "," : "", code ? code : "-", NULL);
}

static void env_init(miq_accounts_env *env, fake_db *f)
{
    memset(env, 0, sizeof(*env));
    env->pool = utp;
    env->db = &f->db;
    env->client_ip = "192.0.2.7";
    env->free_credits = "100";
    env->session_idle_s = 3600;
    env->session_absolute_s = 86400;
    env->throttle_account = 5;
    env->throttle_ip = 20;
    env->throttle_window_s = 900;
    env->throttle_lock_s = 600;
    env->now = apr_time_from_sec(1767323045); /* 2026-01-02T03:04:05Z */
    env->event = capture_event;
    ev_kinds = ev_codes = "";
}

static void reply_init(miq_reply *r)
{
    memset(r, 0, sizeof(*r));
}

/* ---- signup ------------------------------------------------------------- */

static void test_signup_creates_account_and_session(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_ACCOUNT_CREATE, MIQ_ACC_N, 1, "7");
    miq_accounts_signup(&env, "  Ann@Example.COM ", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 201);
    /* no session: login is the only way in (review #14) */
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_account_create");
    CU_ASSERT_PTR_NULL(si.sid);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_ACCOUNT_CREATE));
    CU_ASSERT_EQUAL(c->nargs, MIQ_ACA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ACA_EMAIL], "ann@example.com");
    CU_ASSERT_EQUAL(strncmp(c->args[MIQ_ACA_HASH], "$scrypt$ln=17,", 14), 0);
    CU_ASSERT_NOT_EQUAL(strstr(c->args[MIQ_ACA_HASH], PASSWORD) != NULL, 1);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ACA_FREE], "100");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ACA_FREE_AGAIN], "100");
    CU_ASSERT_TRUE(miq_json_bool(r.body, "signed_up", 0));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "email", ""), "ann@example.com");
    CU_ASSERT_PTR_NULL(json_object_get(r.body, "account_id"));
    CU_ASSERT_PTR_NULL(json_object_get(r.body, "csrf_token"));
}

/* Review #14: a taken email answers exactly like a free one, with no session. */
static void test_signup_duplicate_email(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si, si2;
    miq_reply r, fresh;
    env_init(&env, f);
    reply_init(&r);
    reply_init(&fresh);
    fake_db_can(f, MIQ_SQL_ACCOUNT_CREATE, MIQ_ACC_N, 1, "7");
    miq_accounts_signup(&env, "ann@example.com", PASSWORD, &si2, &fresh);
    fake_db_can(f, MIQ_SQL_ACCOUNT_CREATE, MIQ_ACC_N, 0); /* ON CONFLICT DO NOTHING */
    miq_accounts_signup(&env, "ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, fresh.status);
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, r.body), miq_json_dump(utp, fresh.body));
    CU_ASSERT_PTR_NULL(si.sid);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_AUTH_SESSION_CREATE], 0);
    CU_ASSERT_STRING_EQUAL(ev_kinds, "signup_email_taken");
}

static void test_signup_refusals_before_the_database(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    miq_accounts_signup(&env, "not-an-email", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.message, "\"email\" is not a valid email address");
    miq_accounts_signup(&env, "ann@example.com", "short", &si, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.code, "invalid_request");
    CU_ASSERT_EQUAL(f->nlog, 0);
}

static void test_signup_database_down(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    fake_db_fail(f, MIQ_SQL_ACCOUNT_CREATE);
    miq_accounts_signup(&env, "ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, "the account database is unavailable; try again shortly");
    CU_ASSERT_PTR_NULL(si.sid);
}

/* ---- login -------------------------------------------------------------- */

static void test_login_ok_resets_throttle(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_THROTTLE_CHECK, MIQ_TCC_N, 1, "0");
    fake_db_can(f, MIQ_SQL_ACCOUNT_BY_EMAIL, MIQ_ABE_N, 1, "7",
                miq_password_hash(utp, PASSWORD, NULL));
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_CREATE, 1, 1, "1");
    miq_accounts_login(&env, "Ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_throttle_check,miq_account_by_email,"
                                             "miq_throttle_reset,miq_auth_session_create");
    c = fake_db_last(f, MIQ_SQL_THROTTLE_CHECK);
    /* the account's key is per client address (review #14) */
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TCA_ACCOUNT_IP_KEY],
                           miq_throttle_key_account_ip(utp, "ann@example.com", "192.0.2.7"));
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TCA_ACCOUNT_IP_KEY], "email_ip:ann@example.com|192.0.2.7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TCA_IP_KEY], miq_throttle_key_ip(utp, "192.0.2.7"));
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_ACCOUNT_BY_EMAIL)->args[0], "ann@example.com");
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_THROTTLE_RESET)->args[0],
                           c->args[MIQ_TCA_ACCOUNT_IP_KEY]);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "account_id", ""), "7");
    CU_ASSERT_PTR_NOT_NULL(si.sid);
    CU_ASSERT_STRING_EQUAL(ev_kinds, "");
}

/* An ln=15 hash from before still signs in, and is replaced by an ln=17 one
 * (only if it is still the stored one). */
static void test_login_rehashes_old_scrypt(void)
{
    static const char old[] = "$scrypt$ln=15,r=8,p=1$oUC5Ry98A8TGl-XFNY1lVg$"
                              "RGHVyidXRkZ3DrmJdVcppx5Ss1vuHK7HY4-Z-2s4cnE";
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_THROTTLE_CHECK, MIQ_TCC_N, 1, "0");
    fake_db_can(f, MIQ_SQL_ACCOUNT_BY_EMAIL, MIQ_ABE_N, 1, "7", old);
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_CREATE, 1, 1, "1");
    miq_accounts_login(&env, "ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_throttle_check,miq_account_by_email,"
                                             "miq_throttle_reset,miq_account_rehash,"
                                             "miq_auth_session_create");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_ACCOUNT_REHASH));
    CU_ASSERT_EQUAL(c->nargs, MIQ_ARA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ARA_ID], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ARA_OLD_HASH], old);
    CU_ASSERT_EQUAL(strncmp(c->args[MIQ_ARA_HASH], "$scrypt$ln=17,r=8,p=1$", 22), 0);
    CU_ASSERT_TRUE(miq_password_verify(utp, PASSWORD, c->args[MIQ_ARA_HASH]));
}

static void test_login_wrong_password_counts_failures(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_THROTTLE_CHECK, MIQ_TCC_N, 1, "0");
    fake_db_can(f, MIQ_SQL_ACCOUNT_BY_EMAIL, MIQ_ABE_N, 1, "7",
                miq_password_hash(utp, PASSWORD, NULL));
    miq_accounts_login(&env, "ann@example.com", "wrong password here", &si, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_STRING_EQUAL(r.message, "the email or password is incorrect");
    CU_ASSERT_PTR_NULL(si.sid);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_throttle_check,miq_account_by_email,"
                                             "miq_throttle_fail,miq_throttle_fail");
    /* the second failure is the IP's, with its own limit */
    c = fake_db_last(f, MIQ_SQL_THROTTLE_FAIL);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TFA_KEY], miq_throttle_key_ip(utp, "192.0.2.7"));
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TFA_LIMIT], "20");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TFA_WINDOW_S], "900");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TFA_WINDOW_S3], "900");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TFA_LOCK_S], "600");
    CU_ASSERT_STRING_EQUAL(f->log[2].args[MIQ_TFA_KEY],
                           miq_throttle_key_account_ip(utp, "ann@example.com", "192.0.2.7"));
    CU_ASSERT_STRING_EQUAL(f->log[2].args[MIQ_TFA_LIMIT], "5");
    CU_ASSERT_STRING_EQUAL(ev_kinds, "login_failed");
    CU_ASSERT_STRING_EQUAL(ev_codes, "wrong_password");
}

static void test_login_unknown_email_same_answer(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_THROTTLE_CHECK, MIQ_TCC_N, 1, "0");
    miq_accounts_login(&env, "nobody@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_STRING_EQUAL(r.message, "the email or password is incorrect");
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_THROTTLE_FAIL], 2);
    CU_ASSERT_STRING_EQUAL(ev_codes, "unknown_email");
}

static void test_login_throttle_lock(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_THROTTLE_CHECK, MIQ_TCC_N, 1, "120");
    miq_accounts_login(&env, "ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 429);
    CU_ASSERT_STRING_EQUAL(r.code, "rate_limited");
    CU_ASSERT_EQUAL(si.retry_after, 120);
    /* no password work, no account lookup while locked */
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_throttle_check");
    CU_ASSERT_STRING_EQUAL(ev_kinds, "login_throttled");
    fake_db_fail(f, MIQ_SQL_THROTTLE_CHECK);
    miq_accounts_login(&env, "ann@example.com", PASSWORD, &si, &r);
    CU_ASSERT_EQUAL(r.status, 503);
}

/* ---- sessions ----------------------------------------------------------- */

static void test_session_find_and_expired(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_session s;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    /* no cookie: no query */
    CU_ASSERT_EQUAL(miq_session_find(&env, NULL, &s), 0);
    CU_ASSERT_EQUAL(f->nlog, 0);
    /* expired, revoked or unknown: the statement returns nothing */
    miq_accounts_session(&env, COOKIE, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_STRING_EQUAL(r.code, "authentication_required");
    c = fake_db_last(f, MIQ_SQL_AUTH_SESSION_GET);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SGA_ID_HASH], miq_token_hash(utp, COOKIE));
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SGA_IDLE_S], "3600");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SGA_RENEW_AFTER_S], "60");
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_GET, MIQ_SGC_N, 1, "7", "csrf-1", "",
                "2026-01-03T00:00:00Z", "organisation");
    miq_accounts_session(&env, COOKIE, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "signed_in_with", ""), "organisation");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "csrf_token", ""), "csrf-1");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "email")));
    fake_db_fail(f, MIQ_SQL_AUTH_SESSION_GET);
    CU_ASSERT_EQUAL(miq_session_find(&env, COOKIE, &s), -1);
    CU_ASSERT_EQUAL(miq_session_renew_after(40), 10);
    CU_ASSERT_EQUAL(miq_session_renew_after(2), 1);
}

static void test_logout_needs_csrf(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_GET, MIQ_SGC_N, 1, "7", "csrf-1", "a@b.c",
                "2026-01-03T00:00:00Z", "password");
    miq_accounts_logout(&env, COOKIE, "csrf-other", &r);
    CU_ASSERT_EQUAL(r.status, 403);
    CU_ASSERT_STRING_EQUAL(r.code, "csrf_required");
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_AUTH_SESSION_REVOKE], 0);
    miq_accounts_logout(&env, COOKIE, "csrf-1", &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(miq_json_bool(r.body, "logged_out", 0));
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_AUTH_SESSION_REVOKE)->args[0],
                           miq_token_hash(utp, COOKIE));
    fake_db_fail(f, MIQ_SQL_AUTH_SESSION_REVOKE);
    miq_accounts_logout(&env, COOKIE, "csrf-1", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    /* without a session */
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_GET, MIQ_SGC_N, 0);
    miq_accounts_logout(&env, COOKIE, "csrf-1", &r);
    CU_ASSERT_EQUAL(r.status, 401);
}

/* ---- remote user -------------------------------------------------------- */

static void test_remote_user_signin(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_ACCOUNT_EXTERNAL, MIQ_AXC_N, 1, "9", "", "created");
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_CREATE, 1, 1, "1");
    miq_accounts_remote_signin(&env, "Bob@Example.com", &si, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    c = fake_db_last(f, MIQ_SQL_ACCOUNT_EXTERNAL);
    CU_ASSERT_EQUAL(c->nargs, MIQ_AXA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_AXA_SUBJECT], "remote:Bob@Example.com");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_AXA_EMAIL], "bob@example.com");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_AXA_FREE], "100");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "account_id", ""), "9");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "email")));
    CU_ASSERT_PTR_NOT_NULL(si.sid);
}

static void test_remote_user_race_runs_twice(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const char *id, *email;
    env_init(&env, f);
    reply_init(&r);
    /* a concurrent first sight: nothing comes back; one more run, then give up */
    fake_db_can(f, MIQ_SQL_ACCOUNT_EXTERNAL, MIQ_AXC_N, 0);
    CU_ASSERT_EQUAL(miq_accounts_remote(&env, "carol", &id, &email), -1);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_ACCOUNT_EXTERNAL], 2);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_ACCOUNT_EXTERNAL)->args[MIQ_AXA_EMAIL], "");
    miq_accounts_remote_signin(&env, "carol", &si, &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_AUTH_SESSION_CREATE], 0);
}

/* Review #3: the email of a password account is never linked silently; the
 * remote user is told to sign in with the password and link. */
static void test_remote_user_email_of_password_account_refused(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_signin si;
    miq_reply r;
    const char *id = NULL, *email = NULL;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_ACCOUNT_EXTERNAL, MIQ_AXC_N, 1, "", "", "conflict");
    CU_ASSERT_EQUAL(miq_accounts_remote(&env, "ceo@corp.example", &id, &email), -2);
    CU_ASSERT_PTR_NULL(id);
    miq_accounts_remote_signin(&env, "ceo@corp.example", &si, &r);
    CU_ASSERT_EQUAL(r.status, 409);
    CU_ASSERT_STRING_EQUAL(r.code, "conflict");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "sign in with your password"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "dashboard"));
    CU_ASSERT_PTR_NULL(si.sid);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_AUTH_SESSION_CREATE], 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(ev_kinds, "remote_user_refused"));
}

/* Linking needs the session and its CSRF token; the kept session is the
 * caller's, every other one is revoked by the statement. */
static void test_remote_user_link(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    /* no session */
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 401);
    fake_db_can(f, MIQ_SQL_AUTH_SESSION_GET, MIQ_SGC_N, 1, "7", "csrf-1", "ceo@corp.example",
                "2026-01-03T00:00:00Z", "password");
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "wrong", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 403);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_ACCOUNT_LINK_REMOTE], 0);
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", NULL, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_ACCOUNT_LINK_REMOTE], 0);
    fake_db_can(f, MIQ_SQL_ACCOUNT_LINK_REMOTE, 1, 1, "linked");
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(miq_json_bool(r.body, "revoked_others", 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_ACCOUNT_LINK_REMOTE));
    CU_ASSERT_EQUAL(c->nargs, MIQ_ALA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ALA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ALA_SUBJECT], "remote:ceo@corp.example");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_ALA_KEEP_SESSION], miq_token_hash(utp, COOKIE));
    fake_db_can(f, MIQ_SQL_ACCOUNT_LINK_REMOTE, 1, 1, "taken");
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 409);
    fake_db_can(f, MIQ_SQL_ACCOUNT_LINK_REMOTE, 1, 1, "other");
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 409);
    fake_db_fail(f, MIQ_SQL_ACCOUNT_LINK_REMOTE);
    reply_init(&r);
    miq_accounts_remote_link(&env, COOKIE, "csrf-1", "ceo@corp.example", &r);
    CU_ASSERT_EQUAL(r.status, 503);
}

/* ---- API keys and connector tokens ------------------------------------ */

static json_t *parse(const char *s)
{
    return miq_json_parse(utp, s, strlen(s), NULL);
}

static void test_token_create(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_TOKEN_CREATE, MIQ_TKC_N, 1, "2026-01-02T03:04:05Z", "");
    miq_api_token_create(&env, "7", MIQ_TOKEN_CONNECTOR,
                         parse(
                             "{\"name\":\"Claude\",\"scopes\":[\"audio/*\"],\"expires_in\":3600}"),
                         &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 201);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_TOKEN_CREATE));
    CU_ASSERT_EQUAL(c->nargs, MIQ_TKA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_KIND], "connector");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_NAME], "Claude");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_VIA], "dashboard");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_EXPIRES_IN], "3600");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_ID], miq_json_str(r.body, "token_id", ""));
    /* only the hash of the secret is stored; the secret is in the reply */
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TKA_HASH],
                           miq_token_hash(utp, miq_json_str(r.body, "token", "")));
    CU_ASSERT_TRUE(miq_token_format_ok(miq_json_str(r.body, "token", "")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "created_at", ""), "2026-01-02T03:04:05Z");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "expires_at")));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "scopes")), 1);
}

static void test_token_create_refusals(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    env_init(&env, f);
    reply_init(&r);
    miq_api_token_create(&env, "7", MIQ_TOKEN_CONNECTOR, parse("{\"name\":\"x\"}"), &r);
    CU_ASSERT_EQUAL(r.status, 400); /* a connector needs scopes */
    miq_api_token_create(&env, "7", MIQ_TOKEN_API_KEY, parse("{\"name\":\"  \"}"), &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_api_token_create(&env, "7", MIQ_TOKEN_API_KEY, parse("{\"name\":\"k\",\"expires_in\":5}"),
                         &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_EQUAL(f->nlog, 0);
    /* an API key defaults to all scopes */
    fake_db_fail(f, MIQ_SQL_TOKEN_CREATE);
    miq_api_token_create(&env, "7", MIQ_TOKEN_API_KEY, parse("{\"name\":\"k\"}"), &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_TOKEN_CREATE)->args[MIQ_TKA_EXPIRES_IN], "0");
}

static void test_token_list(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    json_t *t;
    env_init(&env, f);
    reply_init(&r);
    fake_db_can(f, MIQ_SQL_TOKEN_LIST, MIQ_TLC_N, 1, "tok_1", "CI", "miq_key_AbCd", "all",
                "dashboard", "2026-01-01T00:00:00Z", "", "2026-01-02T00:00:00Z", "");
    miq_api_token_list(&env, "7", MIQ_TOKEN_API_KEY, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_TOKEN_LIST)->args[MIQ_TLA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_TOKEN_LIST)->args[MIQ_TLA_KIND], "api_key");
    t = json_array_get(json_object_get(r.body, "tokens"), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(t, "token_id", ""), "tok_1");
    CU_ASSERT_STRING_EQUAL(miq_json_str(t, "last_used_at", ""), "2026-01-02T00:00:00Z");
    CU_ASSERT_TRUE(json_is_null(json_object_get(t, "revoked_at")));
    CU_ASSERT_PTR_NULL(json_object_get(t, "token")); /* never the secret */
}

static void test_token_revoke_someone_elses_refused(void)
{
    fake_db *f = fake_db_new();
    miq_accounts_env env;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    reply_init(&r);
    /* the statement matches on the account: another's token revokes nothing */
    miq_api_token_revoke(&env, "7", MIQ_TOKEN_CONNECTOR, "tok_other", &r);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_STRING_EQUAL(r.message, "no such active token on this account");
    c = fake_db_last(f, MIQ_SQL_TOKEN_REVOKE);
    CU_ASSERT_EQUAL(c->nargs, MIQ_TRA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TRA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TRA_ACCOUNT2], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TRA_KIND2], "connector");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_TRA_FAMILY_EXCEPT], "tok_other");
    fake_db_can(f, MIQ_SQL_TOKEN_REVOKE, 1, 1, "1");
    miq_api_token_revoke(&env, "7", MIQ_TOKEN_CONNECTOR, "tok_mine", &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(miq_json_bool(r.body, "revoked", 0));
    fake_db_fail(f, MIQ_SQL_TOKEN_REVOKE);
    miq_api_token_revoke(&env, "7", MIQ_TOKEN_CONNECTOR, "tok_mine", &r);
    CU_ASSERT_EQUAL(r.status, 503);
}

MIQ_SUITE("accounts", MIQ_TEST(test_signup_creates_account_and_session),
          MIQ_TEST(test_signup_duplicate_email), MIQ_TEST(test_signup_refusals_before_the_database),
          MIQ_TEST(test_signup_database_down), MIQ_TEST(test_login_ok_resets_throttle),
          MIQ_TEST(test_login_rehashes_old_scrypt),
          MIQ_TEST(test_login_wrong_password_counts_failures),
          MIQ_TEST(test_login_unknown_email_same_answer), MIQ_TEST(test_login_throttle_lock),
          MIQ_TEST(test_session_find_and_expired), MIQ_TEST(test_logout_needs_csrf),
          MIQ_TEST(test_remote_user_signin), MIQ_TEST(test_remote_user_race_runs_twice),
          MIQ_TEST(test_remote_user_email_of_password_account_refused),
          MIQ_TEST(test_remote_user_link), MIQ_TEST(test_token_create),
          MIQ_TEST(test_token_create_refusals), MIQ_TEST(test_token_list),
          MIQ_TEST(test_token_revoke_someone_elses_refused))
