/* Built-in accounts (SPEC §2, §4, issue 3): signup, login, the session,
 * logout with CSRF, idle and absolute session expiry, login throttling,
 * every route's wrong method and missing session, and the auth events left
 * behind. The test stack runs with MomentIQSessionTimeout 4 12 and
 * MomentIQLoginThrottle 3 20 30 3 (see build.sh run_tests). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "itest.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"

#define IDLE_S     4
#define ABSOLUTE_S 12
#define LOCK_S     3

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

static it_resp *post_json(const char *path, const char *const *headers, const char *body)
{
    return it_request("POST", path, headers ? headers : json_ct, body, strlen(body));
}

static const char *creds(const char *email, const char *password)
{
    return apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(email), it_quote(password));
}

static it_resp *login(const char *email, const char *password)
{
    return post_json("/api/auth/login", NULL, creds(email, password));
}

static const char *err_code(const it_resp *r)
{
    return miq_json_str(json_object_get(r->json, "error"), "code", "");
}

static const char *err_message(const it_resp *r)
{
    return miq_json_str(json_object_get(r->json, "error"), "message", "");
}

static it_resp *get_session(const char *cookie)
{
    const char *h[] = {apr_pstrcat(itp, "Cookie: miq_session=", cookie ? cookie : "", NULL), NULL};
    return it_request("GET", "/api/auth/session", h, NULL, 0);
}

static double secs_since(apr_time_t t0)
{
    return (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
}

/* ---- signup ------------------------------------------------------------------ */

static void test_signup(void)
{
    const char *email = it_unique_email("signup"), *password = "correct horse battery 42";
    const char *attrs = NULL, *cookie, *csrf;
    it_resp *r;
    it_secret_note(password);
    r = post_json("/api/auth/signup", NULL, creds(email, password));
    IT_REQUIRE_R(r->status == 201, r);
    /* signup starts no session (review #14): login is the only way in */
    IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) == NULL, r);
    IT_ASSERT_R(miq_json_bool(r->json, "signed_up", 0) &&
                    !strcmp(miq_json_str(r->json, "email", ""), email) &&
                    !json_object_get(r->json, "csrf_token") &&
                    !json_object_get(r->json, "account_id"),
                r);
    IT_ASSERT_MSG(!strstr(r->body, password), "the password is echoed: %s", r->body);
    r = post_json("/api/auth/login", NULL, creds(email, password));
    IT_REQUIRE_R(r->status == 200, r);
    cookie = it_set_cookie(r, "miq_session", &attrs);
    csrf = miq_json_str(r->json, "csrf_token", NULL);
    it_secret_note(cookie);
    it_secret_note(csrf);
    IT_REQUIRE_R(cookie && *cookie && attrs, r);
    IT_ASSERT_MSG(strstr(attrs, "; HttpOnly") != NULL, "no HttpOnly: %s", attrs);
    IT_ASSERT_MSG(strstr(attrs, "; SameSite=Lax") != NULL, "no SameSite=Lax: %s", attrs);
    IT_ASSERT_MSG(strstr(attrs, "; Path=/") != NULL, "no Path=/: %s", attrs);
    IT_ASSERT_MSG(strstr(attrs, "Secure") == NULL, "Secure on plain http: %s", attrs);
    IT_ASSERT_MSG(strlen(cookie) >= 43, "session id too short: %zu chars", strlen(cookie));
    IT_ASSERT_R(csrf && strlen(csrf) >= 32 && strcmp(csrf, cookie), r);
    IT_ASSERT_R(miq_json_str(r->json, "account_id", NULL) != NULL, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "email", NULL), email);
    IT_ASSERT_R(miq_json_str(r->json, "expires_at", NULL) != NULL, r);
    IT_ASSERT_MSG(it_header(r, "Cache-Control") &&
                      strstr(it_header(r, "Cache-Control"), "no-store"),
                  "Cache-Control: %s", it_header(r, "Cache-Control"));
    IT_ASSERT_MSG(!strstr(r->body, password), "the password is echoed: %s", r->body);
    /* only the cookie's hash is stored, and the password only as a scrypt hash */
    {
        const char *args[] = {cookie}, *hash;
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_sessions WHERE id_hash = $1",
                                           1, args),
                               "0");
        args[0] = miq_token_hash(itp, cookie);
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_sessions WHERE id_hash = $1",
                                           1, args),
                               "1");
        args[0] = email;
        hash = it_db_value("SELECT coalesce(password_hash, '') FROM accounts WHERE email = $1", 1,
                           args);
        IT_ASSERT_MSG(hash && !strncmp(hash, "$scrypt$", 8), "password_hash: %s",
                      hash ? hash : "(none)");
    }
    /* the session works at once */
    r = get_session(cookie);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "email", NULL), email);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "csrf_token", NULL), csrf);
}

static void test_signup_rejects(void)
{
    const char *email = it_unique_email("reject"), *good = "a-good-password-1234";
    it_resp *r;
    it_secret_note(good);
    /* weak passwords */
    r = post_json("/api/auth/signup", NULL, creds(email, "short1"));
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    r = post_json("/api/auth/signup", NULL, creds(email, "aaaaaaaaaaaaaaaa"));
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) == NULL, r);
    /* bad emails */
    r = post_json("/api/auth/signup", NULL, creds("not-an-email", good));
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    r = post_json("/api/auth/signup", NULL, creds("two@@example.com", good));
    IT_ASSERT_R(r->status == 400, r);
    r = post_json("/api/auth/signup", NULL, creds("user@localhost", good));
    IT_ASSERT_R(r->status == 400, r);
    /* malformed bodies */
    r = post_json("/api/auth/signup", NULL, "{\"email\":\"x@example.com\"}");
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    r = post_json("/api/auth/signup", NULL, "not json");
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    /* taken: the same answer as a new email (review #14), also when it
     * differs only by case and blanks; no session, and the account keeps its
     * password */
    r = post_json("/api/auth/signup", NULL, creds(email, good));
    IT_REQUIRE_R(r->status == 201, r);
    {
        const char *fresh = r->body, *args[1] = {email}, *hash;
        hash = it_db_value("SELECT password_hash FROM accounts WHERE email = $1", 1, args);
        r = post_json("/api/auth/signup", NULL, creds(email, "another-password-987"));
        IT_ASSERT_R(r->status == 201 && !strcmp(r->body, fresh), r);
        IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) == NULL, r);
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT password_hash FROM accounts WHERE email = $1", 1,
                                           args),
                               hash);
        r = post_json("/api/auth/login", NULL, creds(email, "another-password-987"));
        IT_ASSERT_R(r->status == 401, r);
    }
    {
        char *upper = apr_pstrcat(itp, "  ", email, " ", NULL), *c;
        for (c = upper; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        r = post_json("/api/auth/signup", NULL, creds(upper, good));
        IT_ASSERT_R(r->status == 201 && it_set_cookie(r, "miq_session", NULL) == NULL, r);
    }
}

/* ---- login ------------------------------------------------------------------- */

static void test_login(void)
{
    it_account *a = it_signup("login");
    it_resp *r, *wrong, *unknown;
    const char *cookie, *csrf;
    IT_REQUIRE_R(a != NULL, NULL);
    r = login(a->email, a->password);
    IT_REQUIRE_R(r->status == 200, r);
    cookie = it_set_cookie(r, "miq_session", NULL);
    csrf = miq_json_str(r->json, "csrf_token", NULL);
    it_secret_note(cookie);
    it_secret_note(csrf);
    IT_ASSERT_R(cookie && strcmp(cookie, a->cookie), r); /* a new session */
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), a->account_id);
    IT_ASSERT_R(csrf && strcmp(csrf, a->csrf), r);
    r = get_session(cookie);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), a->account_id);
    /* the email is normalized on login too */
    {
        char *upper = apr_pstrdup(itp, a->email), *c;
        for (c = upper; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        r = login(upper, a->password);
        IT_ASSERT_R(r->status == 200, r);
        it_secret_note(it_set_cookie(r, "miq_session", NULL));
        it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
    }
    /* a wrong password and an unknown email look the same */
    it_secret_note("wrong-password-123456");
    wrong = login(a->email, "wrong-password-123456");
    unknown = login(it_unique_email("nobody"), a->password);
    IT_ASSERT_R(wrong->status == 401, wrong);
    IT_ASSERT_R(unknown->status == 401, unknown);
    IT_ASSERT_STRING_EQUAL(err_code(wrong), err_code(unknown));
    IT_ASSERT_STRING_EQUAL(err_message(wrong), err_message(unknown));
    IT_ASSERT_R(it_set_cookie(wrong, "miq_session", NULL) == NULL, wrong);
    IT_ASSERT_R(it_set_cookie(unknown, "miq_session", NULL) == NULL, unknown);
    /* malformed */
    r = post_json("/api/auth/login", NULL, "{\"email\":1,\"password\":\"x\"}");
    IT_ASSERT_R(r->status == 400, r);
}

/* ---- session and logout --------------------------------------------------------- */

static void test_session(void)
{
    it_account *a = it_signup("session");
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    r = get_session(a->cookie);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), a->account_id);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "csrf_token", NULL), a->csrf);
    IT_ASSERT_MSG(it_header(r, "Cache-Control") &&
                      strstr(it_header(r, "Cache-Control"), "no-store"),
                  "Cache-Control: %s", it_header(r, "Cache-Control"));
    r = it_request("GET", "/api/auth/session", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "authentication_required"), r);
    r = get_session("not-a-session");
    IT_ASSERT_R(r->status == 401, r);
    r = get_session("");
    IT_ASSERT_R(r->status == 401, r);
}

static void test_logout(void)
{
    /* b first: a signup costs a scrypt run, which must not let a's session
     * pass the test stack's 4 s idle limit before a is used */
    it_account *b = it_signup("logout-other"), *a = it_signup("logout");
    const char *wrong[] = {"X-CSRF-Token: wrong-token-value", NULL}, *attrs = NULL;
    it_resp *r;
    IT_REQUIRE_R(a != NULL && b != NULL, NULL);
    r = it_request("POST", "/api/auth/logout", it_session_headers(a, 0, NULL), "", 0);
    IT_ASSERT_R(r->status == 403 && !strcmp(err_code(r), "csrf_required"), r);
    r = it_request("POST", "/api/auth/logout", it_session_headers(a, 0, wrong), "", 0);
    IT_ASSERT_R(r->status == 403 && !strcmp(err_code(r), "csrf_required"), r);
    {
        /* another session's CSRF token is wrong too */
        const char *other[2] = {NULL, NULL};
        other[0] = apr_pstrcat(itp, "X-CSRF-Token: ", b->csrf, NULL);
        r = it_request("POST", "/api/auth/logout", it_session_headers(a, 0, other), "", 0);
        IT_ASSERT_R(r->status == 403, r);
    }
    /* still signed in after the refusals */
    IT_ASSERT_R(get_session(a->cookie)->status == 200, NULL);
    r = it_request("POST", "/api/auth/logout", it_session_headers(a, 1, NULL), "", 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(it_set_cookie(r, "miq_session", &attrs) != NULL && attrs &&
                    strstr(attrs, "Max-Age=0"),
                r);
    r = get_session(a->cookie);
    IT_ASSERT_R(r->status == 401, r);
    r = it_request("GET", "/api/dashboard/connectors", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    /* a second logout with the old cookie: no session any more */
    r = it_request("POST", "/api/auth/logout", it_session_headers(a, 1, NULL), "", 0);
    IT_ASSERT_R(r->status == 401, r);
    {
        const char *args[] = {a->account_id};
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_sessions WHERE account_id = "
                                           "$1::bigint AND revoked_at IS NOT NULL",
                                           1, args),
                               "1");
    }
}

/* ---- expiry ----------------------------------------------------------------------- */

static void test_session_idle_expiry(void)
{
    it_account *a = it_signup("idle");
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    r = get_session(a->cookie);
    IT_ASSERT_R(r->status == 200, r);
    sleep(IDLE_S + 1);
    r = get_session(a->cookie);
    IT_ASSERT_R(r->status == 401, r);
}

static void test_session_absolute_expiry(void)
{
    /* the clock starts once signed in: signup and login cost a scrypt run each */
    it_account *a = it_signup("absolute");
    apr_time_t t0 = apr_time_now();
    double first_401 = -1, last_200 = -1;
    IT_REQUIRE_R(a != NULL, NULL);
    /* used every 2 s (inside the 4 s idle limit), it still ends at 12 s */
    while (secs_since(t0) < ABSOLUTE_S + 5) {
        it_resp *r = get_session(a->cookie);
        double t = secs_since(t0);
        if (r->status == 200)
            last_200 = t;
        else {
            IT_ASSERT_R(r->status == 401, r);
            first_401 = t;
            break;
        }
        usleep(2000000);
    }
    IT_ASSERT_MSG(last_200 >= ABSOLUTE_S - 3,
                  "the session died early: last 200 at %.1f s, 401 at %.1f s", last_200, first_401);
    IT_ASSERT_MSG(first_401 >= ABSOLUTE_S - 1 && first_401 <= ABSOLUTE_S + 3,
                  "absolute expiry: first 401 at %.1f s (want ~%d s; last 200 at %.1f s)",
                  first_401, ABSOLUTE_S, last_200);
}

/* ---- throttling -------------------------------------------------------------------- */

static void test_throttle(void)
{
    it_account *a = it_signup("throttle");
    it_resp *r;
    const char *ra;
    long wait;
    int i;
    IT_REQUIRE_R(a != NULL, NULL);
    it_secret_note("wrong-password-for-throttle");
    for (i = 0; i < 3; i++) {
        r = login(a->email, "wrong-password-for-throttle");
        IT_ASSERT_R(r->status == 401, r);
    }
    /* locked: even the right password is refused, without a session */
    r = login(a->email, a->password);
    IT_ASSERT_R(r->status == 429 && !strcmp(err_code(r), "rate_limited"), r);
    IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) == NULL, r);
    ra = it_header(r, "Retry-After");
    IT_REQUIRE_R(ra != NULL, r);
    wait = atol(ra);
    IT_ASSERT_MSG(wait >= 1 && wait <= LOCK_S, "Retry-After: %s (lock is %d s)", ra, LOCK_S);
    r = login(a->email, "wrong-password-for-throttle");
    IT_ASSERT_R(r->status == 429, r);
    /* review #14: the lock is the account's from this address only, so someone
     * elsewhere cannot lock the owner out */
    {
        const char *args[] = {a->email};
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_throttle WHERE key = "
                                           "'email_ip:' || $1 || '|127.0.0.1' AND locked_until > "
                                           "now()",
                                           1, args),
                               "1");
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_throttle WHERE key = "
                                           "'email:' || $1",
                                           1, args),
                               "0");
    }
    /* another account from the same address is not locked (per-IP limit is 20) */
    {
        it_account *b = it_signup("throttle-other");
        IT_REQUIRE_R(b != NULL, NULL);
        r = login(b->email, b->password);
        IT_ASSERT_R(r->status == 200, r);
        it_secret_note(it_set_cookie(r, "miq_session", NULL));
        it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
    }
    /* after the lock the right password works */
    usleep((useconds_t)(wait * 1000000 + 700000));
    r = login(a->email, a->password);
    IT_ASSERT_R(r->status == 200, r);
    it_secret_note(it_set_cookie(r, "miq_session", NULL));
    it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
    {
        const char *args[] = {a->account_id};
        /* wait for the batched event writer */
        const char *n = NULL;
        for (i = 0; i < 40; i++) {
            n = it_db_value("SELECT count(*) FROM auth_events WHERE kind = 'login_failed' AND "
                            "account_id = $1::bigint AND code = 'wrong_password'",
                            1, args);
            if (n && atoi(n) >= 3)
                break;
            usleep(150000);
        }
        IT_ASSERT_MSG(n && atoi(n) == 3, "login_failed events for the account: %s", n);
        n = it_db_value("SELECT count(*) FROM auth_events WHERE kind = 'login_throttled'", 0, NULL);
        IT_ASSERT_MSG(n && atoi(n) >= 2, "login_throttled events: %s", n);
    }
}

/* ---- the dashboard's headers ---------------------------------------------------- */

/* Review #17: the dashboard cannot be framed (clickjacking its revoke buttons)
 * and runs no inline script; its script and styles are files. */
static void test_dashboard_headers(void)
{
    it_resp *r = it_request("GET", "/dashboard/", NULL, NULL, 0);
    const char *csp = it_header(r, "Content-Security-Policy");
    IT_REQUIRE_R(r->status == 200 && csp, r);
    IT_ASSERT_MSG(strstr(csp, "frame-ancestors 'none'") && strstr(csp, "script-src 'self'") &&
                      !strstr(csp, "unsafe-inline") && !strstr(csp, "unsafe-eval"),
                  "CSP: %s", csp);
    IT_ASSERT_R(it_header(r, "X-Frame-Options") && !strcmp(it_header(r, "X-Frame-Options"), "DENY"),
                r);
    IT_ASSERT_R(it_header(r, "X-Content-Type-Options") &&
                    !strcmp(it_header(r, "X-Content-Type-Options"), "nosniff"),
                r);
    /* every script has a src; no inline handlers or styles */
    IT_ASSERT_R(!strstr(r->body, "<script>") && !strstr(r->body, "<style") &&
                    !strstr(r->body, " onclick=") && !strstr(r->body, " style="),
                r);
    IT_ASSERT_R(strstr(r->body, "<script src=\"/dashboard/dashboard.js\">") != NULL, r);
    r = it_request("GET", "/dashboard/dashboard.js", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, "/api/auth/login") &&
                    it_header(r, "Content-Security-Policy"),
                r);
    r = it_request("GET", "/dashboard/dashboard.css", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
}

/* ---- methods, missing sessions, unknown routes -------------------------------------- */

static void test_wrong_methods(void)
{
    static const struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"GET", "/api/auth/signup", "POST"},
        {"PUT", "/api/auth/signup", "POST"},
        {"GET", "/api/auth/login", "POST"},
        {"DELETE", "/api/auth/login", "POST"},
        {"GET", "/api/auth/logout", "POST"},
        {"POST", "/api/auth/session", "GET"},
        {"DELETE", "/api/auth/session", "GET"},
        {"PUT", "/api/dashboard/connectors", "POST"},
        {"DELETE", "/api/dashboard/connectors", "POST"},
        {"PATCH", "/api/dashboard/keys", "POST"},
        {"GET", "/api/dashboard/connectors/tok_0123456789abcdef/revoke", "POST"},
        {"DELETE", "/api/dashboard/keys/tok_0123456789abcdef/revoke", "POST"},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* POST with an empty body (without one libcurl would send a GET) */
        it_resp *r = it_request(cases[i].method, cases[i].path, json_ct,
                                strcmp(cases[i].method, "POST") ? NULL : "", 0);
        const char *allow = it_header(r, "Allow");
        IT_ASSERT_MSG(r->status == 405, "%s %s: HTTP %ld, want 405 (%s)", cases[i].method,
                      cases[i].path, r->status, r->body);
        IT_ASSERT_MSG(allow && strstr(allow, cases[i].allow), "%s %s: Allow: %s", cases[i].method,
                      cases[i].path, allow ? allow : "(none)");
        IT_ASSERT_MSG(!strcmp(err_code(r), "invalid_request"), "%s %s: code %s", cases[i].method,
                      cases[i].path, err_code(r));
    }
    /* POST /v1/account with a valid key: 405 (without one: 401 first) */
    {
        it_account *a = it_signup("methods");
        const char *id, *key;
        IT_REQUIRE_R(a != NULL, NULL);
        key = it_create_token(a, "keys", "{\"name\":\"methods\"}", &id, NULL);
        IT_REQUIRE_R(key != NULL, NULL);
        {
            const char *h[] = {it_bearer(key), NULL};
            it_resp *r = it_request("POST", "/v1/account", h, "{}", 2);
            IT_ASSERT_R(r->status == 405 && it_header(r, "Allow") &&
                            !strcmp(it_header(r, "Allow"), "GET"),
                        r);
        }
        {
            it_resp *r = it_request("POST", "/v1/account", NULL, "{}", 2);
            IT_ASSERT_R(r->status == 401, r);
        }
    }
    /* unknown routes */
    {
        it_resp *r = it_request("GET", "/api/auth/nope", NULL, NULL, 0);
        IT_ASSERT_R(r->status == 404 && !strcmp(err_code(r), "not_found"), r);
        r = it_request("GET", "/api/dashboard/nope", NULL, NULL, 0);
        IT_ASSERT_R(r->status == 404, r);
        r = it_request("POST", "/api/dashboard/connectors/x/delete", NULL, "", 0);
        IT_ASSERT_R(r->status == 404, r);
    }
}

static void test_no_session(void)
{
    static const struct {
        const char *method, *path;
    } cases[] = {
        {"GET", "/api/auth/session"},
        {"POST", "/api/auth/logout"},
        {"GET", "/api/dashboard/connectors"},
        {"POST", "/api/dashboard/connectors"},
        {"GET", "/api/dashboard/keys"},
        {"POST", "/api/dashboard/keys"},
        {"POST", "/api/dashboard/connectors/tok_0123456789abcdef/revoke"},
        {"POST", "/api/dashboard/keys/tok_0123456789abcdef/revoke"},
    };
    const char *bogus[] = {"Cookie: miq_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                           "X-CSRF-Token: whatever", NULL};
    apr_size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *body = strcmp(cases[i].method, "POST") ? NULL : "{\"name\":\"x\"}";
        it_resp *r = it_request(cases[i].method, cases[i].path, json_ct, body,
                                body ? strlen(body) : 0);
        IT_ASSERT_MSG(r->status == 401 && !strcmp(err_code(r), "authentication_required"),
                      "%s %s without a session: HTTP %ld %s", cases[i].method, cases[i].path,
                      r->status, r->body);
        r = it_request(cases[i].method, cases[i].path, bogus, body, body ? strlen(body) : 0);
        IT_ASSERT_MSG(r->status == 401, "%s %s with an unknown session: HTTP %ld %s",
                      cases[i].method, cases[i].path, r->status, r->body);
    }
}

/* ---- events --------------------------------------------------------------------------- */

static void test_login_events(void)
{
    it_account *a = it_signup("events");
    const char *unknown = it_unique_email("events-unknown"), *bad = "events-wrong-password-77";
    const char *before, *args[1];
    it_rows *rows = NULL;
    int i;
    IT_REQUIRE_R(a != NULL, NULL);
    it_secret_note(bad);
    before = it_db_value("SELECT coalesce(max(id), 0) FROM auth_events", 0, NULL);
    IT_REQUIRE_R(before != NULL, NULL);
    IT_ASSERT_R(login(a->email, bad)->status == 401, NULL);
    IT_ASSERT_R(login(unknown, bad)->status == 401, NULL);
    args[0] = before;
    for (i = 0; i < 40; i++) {
        rows = it_db_query("SELECT kind, code, coalesce(account_id::text, ''), surface, "
                           "coalesce(detail, ''), t::text FROM auth_events t WHERE id > $1::bigint "
                           "AND kind = 'login_failed' ORDER BY id",
                           1, args);
        if (rows->error || rows->n >= 2)
            break;
        usleep(150000);
    }
    IT_REQUIRE_R(rows && !rows->error, NULL);
    IT_ASSERT_MSG(rows->n >= 2, "%d login_failed events, want 2", rows->n);
    {
        int wrong = 0, unknown_seen = 0;
        for (i = 0; i < rows->n; i++) {
            const char *code = IT_CELL(rows, i, 1), *acct = IT_CELL(rows, i, 2);
            const char *all = IT_CELL(rows, i, 5);
            if (code && !strcmp(code, "wrong_password") && !strcmp(acct, a->account_id))
                wrong++;
            if (code && !strcmp(code, "unknown_email") && !*acct)
                unknown_seen++;
            IT_ASSERT_STRING_EQUAL(IT_CELL(rows, i, 3), "dashboard");
            IT_ASSERT_MSG(!strstr(all, bad) && !strstr(all, a->password),
                          "a password in an auth event: %s", all);
            IT_ASSERT_MSG(!strstr(all, unknown), "the unknown email in an auth event: %s", all);
        }
        IT_ASSERT_MSG(wrong == 1, "wrong_password events for the account: %d", wrong);
        IT_ASSERT_MSG(unknown_seen >= 1, "unknown_email events: %d", unknown_seen);
    }
}

IT_SUITE("accounts", IT_TEST(test_signup), IT_TEST(test_signup_rejects), IT_TEST(test_login),
         IT_TEST(test_session), IT_TEST(test_logout), IT_TEST(test_session_idle_expiry),
         IT_TEST(test_session_absolute_expiry), IT_TEST(test_throttle), IT_TEST(test_wrong_methods),
         IT_TEST(test_no_session), IT_TEST(test_login_events), IT_TEST(test_dashboard_headers))
