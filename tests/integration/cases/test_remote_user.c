/* Sign-in through another Apache auth module (MomentIQTrustRemoteUser), on its
 * own and on the OAuth consent screen: the test stack protects
 * /api/auth/remote-user (and, on a test header, the authorize endpoint) with
 * mod_auth_basic and an
 * htpasswd file whose users and passwords build.sh passes in
 * MIQ_TEST_HTPASSWD_USERS ("user:password,..."): one named by an email
 * address, one not. */
#include <stdlib.h>
#include <string.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include "itest.h"
#include "itest_oauth.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"

#define RU_PATH "/api/auth/remote-user"

/* The htpasswd user whose name does (email) or does not contain '@'. */
static int htuser(int email, const char **user, const char **password)
{
    const char *all = getenv("MIQ_TEST_HTPASSWD_USERS");
    char *copy, *item, *last;
    if (!all || !*all)
        return 0;
    copy = apr_pstrdup(itp, all);
    for (item = apr_strtok(copy, ",", &last); item; item = apr_strtok(NULL, ",", &last)) {
        char *colon = strchr(item, ':');
        if (!colon)
            continue;
        *colon = 0;
        if (!!strchr(item, '@') == !!email) {
            *user = item;
            *password = colon + 1;
            it_secret_note(*password);
            return 1;
        }
    }
    return 0;
}

static const char *basic(const char *user, const char *password)
{
    const char *plain = apr_pstrcat(itp, user, ":", password, NULL);
    char *enc = apr_palloc(itp, apr_base64_encode_len((int)strlen(plain)));
    apr_base64_encode(enc, plain, (int)strlen(plain));
    it_secret_note(enc);
    return apr_pstrcat(itp, "Authorization: Basic ", enc, NULL);
}

/* GET /api/auth/remote-user as user; json: Accept: application/json. */
static it_resp *remote_signin(const char *user, const char *password, int json)
{
    const char *h[] = {basic(user, password),
                       json ? "Accept: application/json" : "Accept: text/html", NULL};
    it_resp *r = it_request("GET", RU_PATH, h, NULL, 0);
    it_secret_note(it_set_cookie(r, "miq_session", NULL));
    it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
    return r;
}

static it_resp *session_of(const char *cookie)
{
    const char *h[] = {apr_pstrcat(itp, "Cookie: miq_session=", cookie ? cookie : "", NULL), NULL};
    return it_request("GET", "/api/auth/session", h, NULL, 0);
}

#define REQUIRE_USERS(email)                                                                       \
    const char *user = NULL, *password = NULL;                                                     \
    IT_REQUIRE_R(htuser(email, &user, &password) ||                                                \
                     (fprintf(stderr, "\n  MIQ_TEST_HTPASSWD_USERS is not set\n"), 0),             \
                 NULL)

static void test_remote_user_needs_credentials(void)
{
    REQUIRE_USERS(1);
    {
        it_resp *r = it_request("GET", RU_PATH, NULL, NULL, 0);
        const char *w = it_header(r, "WWW-Authenticate");
        IT_ASSERT_R(r->status == 401, r);
        IT_ASSERT_MSG(w && !strncmp(w, "Basic ", 6), "WWW-Authenticate: %s", w ? w : "(none)");
        IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) == NULL, r);
        it_secret_note("not-the-password");
        r = remote_signin(user, "not-the-password", 1);
        IT_ASSERT_R(r->status == 401 && it_set_cookie(r, "miq_session", NULL) == NULL, r);
        r = remote_signin("no-such-user@example.com", password, 1);
        IT_ASSERT_R(r->status == 401, r);
    }
}

/* Runs first among the email-user tests: the password account exists before
 * the remote user is first seen. Review #3: that first sight must not link to
 * it (409); the owner signs in with the password and links with proof, which
 * revokes the account's other sessions and tokens. */
static void test_remote_user_links_password_account(void)
{
    REQUIRE_USERS(1);
    {
        const char *own = "linked-account-password-1";
        const char *body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(user),
                                        it_quote(own));
        const char *ct[] = {"Content-Type: application/json", NULL};
        const char *account_id, *args[1], *tok, *tok_id = NULL;
        it_account me, other;
        it_resp *r;
        it_secret_note(own);
        r = it_request("POST", "/api/auth/signup", ct, body, strlen(body));
        IT_REQUIRE_R(r->status == 201, r); /* a fresh test stack: the email is free */
        /* first sight through the upstream module: refused, no session */
        r = remote_signin(user, password, 1);
        IT_ASSERT_R(r->status == 409 && it_set_cookie(r, "miq_session", NULL) == NULL, r);
        IT_ASSERT_R(strstr(miq_json_str(json_object_get(r->json, "error"), "message", ""),
                           "sign in with your password") != NULL,
                    r);
        /* two password sessions, and an API key */
        memset(&me, 0, sizeof(me));
        memset(&other, 0, sizeof(other));
        r = it_request("POST", "/api/auth/login", ct, body, strlen(body));
        IT_REQUIRE_R(r->status == 200, r);
        me.cookie = it_set_cookie(r, "miq_session", NULL);
        me.csrf = miq_json_str(r->json, "csrf_token", NULL);
        account_id = miq_json_str(r->json, "account_id", NULL);
        it_secret_note(me.cookie);
        it_secret_note(me.csrf);
        r = it_request("POST", "/api/auth/login", ct, body, strlen(body));
        IT_REQUIRE_R(r->status == 200, r);
        other.cookie = it_set_cookie(r, "miq_session", NULL);
        other.csrf = miq_json_str(r->json, "csrf_token", NULL);
        it_secret_note(other.cookie);
        it_secret_note(other.csrf);
        tok = it_create_token(&me, "keys", "{\"name\":\"before link\"}", &tok_id, NULL);
        IT_REQUIRE_R(tok != NULL, NULL);
        /* linking needs the session's CSRF token */
        {
            const char *extra[] = {basic(user, password), NULL};
            r = it_request("POST", RU_PATH "/link", it_session_headers(&me, 0, extra), "", 0);
            IT_ASSERT_R(r->status == 403, r);
            r = it_request("POST", RU_PATH "/link", it_session_headers(&me, 1, extra), "", 0);
            IT_REQUIRE_R(r->status == 200 && miq_json_bool(r->json, "revoked_others", 0), r);
        }
        args[0] = account_id;
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT external_subject FROM accounts WHERE id = "
                                           "$1::bigint",
                                           1, args),
                               apr_pstrcat(itp, "remote:", user, NULL));
        /* the linking session lives on; the other one and the key do not */
        IT_ASSERT_R(session_of(me.cookie)->status == 200, NULL);
        IT_ASSERT_R(session_of(other.cookie)->status == 401, NULL);
        {
            const char *h[] = {it_bearer(tok), NULL};
            r = it_request("GET", "/v1/account", h, NULL, 0);
            IT_ASSERT_R(r->status == 401, r);
        }
        /* now the remote sign-in reaches the same account */
        r = remote_signin(user, password, 1);
        IT_REQUIRE_R(r->status == 200, r);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), account_id);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "email", NULL), user);
        /* and the password still works for the same account */
        r = it_request("POST", "/api/auth/login", ct, body, strlen(body));
        it_secret_note(it_set_cookie(r, "miq_session", NULL));
        it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), account_id);
    }
}

static void test_remote_user_email_signin(void)
{
    REQUIRE_USERS(1);
    {
        it_resp *r = remote_signin(user, password, 1), *s;
        const char *cookie, *attrs = NULL, *account_id, *csrf;
        IT_REQUIRE_R(r->status == 200, r);
        IT_ASSERT_MSG(strstr(r->ctype, "application/json") != NULL, "Content-Type %s", r->ctype);
        account_id = miq_json_str(r->json, "account_id", NULL);
        csrf = miq_json_str(r->json, "csrf_token", NULL);
        IT_ASSERT_R(account_id && csrf, r);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "email", NULL), user);
        cookie = it_set_cookie(r, "miq_session", &attrs);
        IT_REQUIRE_R(cookie != NULL, r);
        IT_ASSERT_MSG(attrs && strstr(attrs, "HttpOnly") && strstr(attrs, "SameSite=Lax") &&
                          !strstr(attrs, "Secure"),
                      "Set-Cookie: %s", attrs);
        IT_ASSERT_MSG(!strstr(r->body, password), "the password is echoed");
        /* the cookie works without the Basic credentials */
        s = session_of(cookie);
        IT_ASSERT_R(s->status == 200, s);
        IT_ASSERT_STRING_EQUAL(miq_json_str(s->json, "account_id", NULL), account_id);
        IT_ASSERT_STRING_EQUAL(miq_json_str(s->json, "csrf_token", NULL), csrf);
        {
            const char *h[] = {apr_pstrcat(itp, "Cookie: miq_session=", cookie, NULL), NULL};
            s = it_request("GET", "/api/dashboard/connectors", h, NULL, 0);
            IT_ASSERT_R(s->status == 200, s);
        }
        /* a second sign-in: the same account, a new session */
        r = remote_signin(user, password, 1);
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "account_id", NULL), account_id);
        IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) &&
                        strcmp(it_set_cookie(r, "miq_session", NULL), cookie),
                    r);
        /* a browser is sent to the dashboard, with the cookie */
        r = remote_signin(user, password, 0);
        IT_ASSERT_R(r->status == 303, r);
        IT_ASSERT_MSG(it_header(r, "Location") && strstr(it_header(r, "Location"), "/dashboard/"),
                      "Location: %s", it_header(r, "Location"));
        IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) != NULL, r);
        s = session_of(it_set_cookie(r, "miq_session", NULL));
        IT_ASSERT_R(s->status == 200 &&
                        !strcmp(miq_json_str(s->json, "account_id", ""), account_id),
                    s);
        /* wrong method, once authenticated */
        {
            const char *h[] = {basic(user, password), NULL};
            r = it_request("POST", RU_PATH, h, "{}", 2);
            IT_ASSERT_R(r->status == 405, r);
        }
    }
}

static void test_remote_user_without_email(void)
{
    REQUIRE_USERS(0);
    {
        it_resp *r = remote_signin(user, password, 1), *s;
        const char *account_id, *args[1];
        IT_REQUIRE_R(r->status == 200, r);
        account_id = miq_json_str(r->json, "account_id", NULL);
        IT_REQUIRE_R(account_id != NULL, r);
        IT_ASSERT_R(json_is_null(json_object_get(r->json, "email")), r);
        s = session_of(it_set_cookie(r, "miq_session", NULL));
        IT_ASSERT_R(s->status == 200 && json_is_null(json_object_get(s->json, "email")) &&
                        !strcmp(miq_json_str(s->json, "account_id", ""), account_id),
                    s);
        args[0] = account_id;
        IT_ASSERT_R(it_db_value("SELECT email FROM accounts WHERE id = $1::bigint", 1, args) ==
                        NULL,
                    NULL);
        IT_ASSERT_R(it_db_value("SELECT password_hash FROM accounts WHERE id = $1::bigint", 1,
                                args) == NULL,
                    NULL);
        r = remote_signin(user, password, 1);
        IT_ASSERT_R(r->status == 200 &&
                        !strcmp(miq_json_str(r->json, "account_id", ""), account_id),
                    r);
    }
}

/* OAuth consent behind another auth module: the test stack puts Basic auth in
 * front of the authorize endpoint for requests with X-OAuth-Remote-User-Test,
 * as an enterprise puts mod_auth_openidc there. The screen skips our sign-in
 * form, names the remote user, and the token is that user's. */
static void test_remote_user_oauth_consent(void)
{
    REQUIRE_USERS(1);
    {
        flow f = {CHATGPT, CHATGPT_CB, "all", "ru-state", NULL, {NULL, NULL}, NULL, NULL};
        const char *h[] = {basic(user, password), "X-OAuth-Remote-User-Test: 1", NULL};
        const char *body, *at;
        it_account a;
        it_resp *r;
        f.k = itoa_new_pkce();
        /* without the upstream's credentials: its 401, not our form */
        r = it_request("GET", itoa_authorize_query(&f), h + 1, NULL, 0);
        IT_ASSERT_R(r->status == 401 && it_header(r, "WWW-Authenticate") &&
                        !strncmp(it_header(r, "WWW-Authenticate"), "Basic ", 6),
                    r);
        r = it_request("GET", itoa_authorize_query(&f), h, NULL, 0);
        IT_REQUIRE_R(r->status == 200 && strstr(r->body, "<h1>Connect ") &&
                         !strstr(r->body, "name=\"password\""),
                     r);
        IT_ASSERT_R(strstr(r->body, apr_pstrcat(itp, "as <strong>", user, "</strong>", NULL)) !=
                        NULL,
                    r);
        memset(&a, 0, sizeof(a));
        a.email = user;
        a.cookie = it_set_cookie(r, "miq_session", NULL);
        it_secret_note(a.cookie);
        IT_REQUIRE_R(a.cookie != NULL, r);
        /* the session started for the remote user carries the consent */
        IT_REQUIRE_R(itoa_consent(&a, &f, "approve", NULL), f.last);
        body = apr_psprintf(itp,
                            "grant_type=authorization_code&code=%s&code_verifier=%s"
                            "&redirect_uri=%s&client_id=%s",
                            itoa_enc(f.code), f.k.verifier, itoa_enc(f.redirect), CHATGPT);
        r = itoa_token_post(body, NULL);
        IT_REQUIRE_R(r->status == 200, r);
        at = miq_json_str(r->json, "access_token", NULL);
        it_secret_note(at);
        it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
        IT_ASSERT_MSG(itoa_mcp_status(at) == 200, "the remote user's token works at /mcp");
        {
            const char *args[1] = {miq_token_hash(itp, at ? at : "")};
            IT_ASSERT_STRING_EQUAL(it_db_value("SELECT a.email FROM api_tokens t JOIN accounts a "
                                               "ON a.id = t.account_id WHERE t.secret_hash = $1",
                                               1, args),
                                   user);
        }
    }
}

IT_SUITE("remote_user", IT_TEST(test_remote_user_needs_credentials),
         IT_TEST(test_remote_user_links_password_account), IT_TEST(test_remote_user_email_signin),
         IT_TEST(test_remote_user_without_email), IT_TEST(test_remote_user_oauth_consent))
