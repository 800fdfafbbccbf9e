/* Credentials: token shapes and hashes, Bearer parsing, scrypt, password
 * policy, emails, cookies, CSRF, the scope table and the account view. */
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_time.h>
#include "unit.h"
#include "accounts/miq_auth.h"
#include "endpoints/miq_endpoints.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "tools/miq_account_view.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void check_token(miq_token_kind_e kind, const char *prefix)
{
    miq_new_token t;
    apr_size_t i;
    CU_ASSERT_PTR_NULL_FATAL(miq_token_generate(utp, kind, &t));
    CU_ASSERT_EQUAL(strlen(t.secret), strlen(prefix) + 43);
    CU_ASSERT_EQUAL(strncmp(t.secret, prefix, strlen(prefix)), 0);
    for (i = strlen(prefix); t.secret[i]; i++)
        CU_ASSERT_PTR_NOT_NULL(strchr(b64url_alphabet, t.secret[i]));
    CU_ASSERT_EQUAL(strlen(t.id), 20);
    CU_ASSERT_EQUAL(strncmp(t.id, "tok_", 4), 0);
    CU_ASSERT_EQUAL(strspn(t.id + 4, "0123456789abcdef"), 16);
    CU_ASSERT_EQUAL(strlen(t.prefix), 13);
    CU_ASSERT_EQUAL(strncmp(t.prefix, t.secret, 13), 0);
    CU_ASSERT_STRING_EQUAL(t.hash, miq_sha256_hex(utp, t.secret, strlen(t.secret)));
    CU_ASSERT_STRING_EQUAL(t.hash, miq_token_hash(utp, t.secret));
    CU_ASSERT_EQUAL(strlen(t.hash), 64);
    CU_ASSERT_TRUE(miq_token_format_ok(t.secret));
}

static void test_token_format(void)
{
    apr_hash_t *seen = apr_hash_make(utp);
    miq_new_token t;
    int i;
    check_token(MIQ_TOKEN_API_KEY, MIQ_KEY_PREFIX);
    check_token(MIQ_TOKEN_CONNECTOR, MIQ_CONN_PREFIX);
    for (i = 0; i < 1000; i++) {
        CU_ASSERT_PTR_NULL_FATAL(miq_token_generate(utp, MIQ_TOKEN_CONNECTOR, &t));
        CU_ASSERT_PTR_NULL(apr_hash_get(seen, t.secret, APR_HASH_KEY_STRING));
        CU_ASSERT_PTR_NULL(apr_hash_get(seen, t.id, APR_HASH_KEY_STRING));
        apr_hash_set(seen, t.secret, APR_HASH_KEY_STRING, "s");
        apr_hash_set(seen, t.id, APR_HASH_KEY_STRING, "i");
    }
    CU_ASSERT_EQUAL(apr_hash_count(seen), 2000);
    CU_ASSERT_PTR_NOT_NULL(miq_token_generate(utp, (miq_token_kind_e)7, &t));
    CU_ASSERT_STRING_EQUAL(miq_token_kind_name(MIQ_TOKEN_API_KEY), "api_key");
    CU_ASSERT_STRING_EQUAL(miq_token_kind_name(MIQ_TOKEN_CONNECTOR), "connector");
    CU_ASSERT_EQUAL(miq_token_kind_parse("connector"), MIQ_TOKEN_CONNECTOR);
    CU_ASSERT_EQUAL(miq_token_kind_parse("api_key"), MIQ_TOKEN_API_KEY);
    CU_ASSERT_EQUAL(miq_token_kind_parse("API_KEY"), -1);
    CU_ASSERT_EQUAL(miq_token_kind_parse(NULL), -1);
    CU_ASSERT_PTR_NULL(miq_token_hash(utp, NULL));
}

static void test_token_bad_shapes(void)
{
    const char *body = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"; /* 43 */
    const char *bad[] = {
        NULL,
        "",
        "miq_live_",
        apr_pstrcat(utp, "miq_test_", body, NULL),                        /* unknown prefix */
        apr_pstrcat(utp, "MIQ_LIVE_", body, NULL),                        /* case matters */
        apr_pstrcat(utp, "miq_live_", body, "A", NULL),                   /* 44 */
        apr_pstrndup(utp, apr_pstrcat(utp, "miq_live_", body, NULL), 51), /* 42 */
        apr_pstrcat(utp, "miq_live_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdE", NULL),
        apr_pstrcat(utp, "miq_live_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd=", NULL),
        apr_pstrcat(utp, " miq_live_", body, NULL),
        apr_pstrcat(utp, "miq_live_", body, " ", NULL),
        apr_pstrcat(utp, "miq_conn_miq_live_", body, NULL),
    };
    apr_size_t i;
    CU_ASSERT_EQUAL(strlen(body), 43);
    CU_ASSERT_TRUE(miq_token_format_ok(apr_pstrcat(utp, "miq_live_", body, NULL)));
    CU_ASSERT_TRUE(miq_token_format_ok(apr_pstrcat(utp, "miq_conn_", body, NULL)));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_FALSE(miq_token_format_ok(bad[i]));
}

static void test_bearer(void)
{
    static const struct {
        const char *header, *token;
    } cases[] = {
        {"Bearer abc", "abc"},
        {"bearer abc", "abc"},
        {"BEARER abc", "abc"},
        {"  Bearer \t abc  \t", "abc"},
        {"Bearer miq_conn_x-y_z", "miq_conn_x-y_z"},
        {"Bearer a.b~c+d/e==", "a.b~c+d/e=="},
        {NULL, NULL},
        {"", NULL},
        {"Bearer", NULL},
        {"Bearer ", NULL},
        {"Bearer    ", NULL},
        {"Bearerabc", NULL},
        {"Basic dXNlcjpwYXNz", NULL},
        {"Bearer abc def", NULL},
        {"Bearer abc,def", NULL},
        {"Bearer =abc", NULL},
        {"Bearer ab=c", NULL},
        {"Bearer abc\r\n", NULL},
        {"Token abc", NULL},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = miq_bearer_token(utp, cases[i].header);
        if (cases[i].token) {
            CU_ASSERT_PTR_NOT_NULL(got);
            if (got)
                CU_ASSERT_STRING_EQUAL(got, cases[i].token);
        }
        else
            CU_ASSERT_PTR_NULL(got);
    }
}

/* Behaviour of the constant-time comparisons the credential checks rely on. */
static void test_constant_time_compare(void)
{
    miq_new_token t;
    char *flipped;
    CU_ASSERT_PTR_NULL_FATAL(miq_token_generate(utp, MIQ_TOKEN_API_KEY, &t));
    flipped = apr_pstrdup(utp, t.hash);
    flipped[63] = flipped[63] == '0' ? '1' : '0';
    CU_ASSERT_TRUE(miq_secure_streq(t.hash, miq_token_hash(utp, t.secret)));
    CU_ASSERT_FALSE(miq_secure_streq(t.hash, flipped));
    CU_ASSERT_FALSE(miq_secure_streq(t.hash, apr_pstrndup(utp, t.hash, 63)));
    CU_ASSERT_FALSE(miq_secure_streq(t.hash, NULL));
    CU_ASSERT_FALSE(miq_secure_streq("", NULL));
    CU_ASSERT_TRUE(miq_csrf_ok("abc", "abc"));
    CU_ASSERT_FALSE(miq_csrf_ok("abc", "abd"));
    CU_ASSERT_FALSE(miq_csrf_ok("abc", "ab"));
    CU_ASSERT_FALSE(miq_csrf_ok("abc", "abcd"));
    CU_ASSERT_FALSE(miq_csrf_ok("", ""));
    CU_ASSERT_FALSE(miq_csrf_ok(NULL, NULL));
    CU_ASSERT_FALSE(miq_csrf_ok("abc", NULL));
    CU_ASSERT_FALSE(miq_csrf_ok(NULL, "abc"));
    CU_ASSERT_FALSE(miq_csrf_ok("abc", ""));
}

/* scrypt ln=15 of "correct horse battery", as stored before the cost rose. */
#define OLD_LN15_HASH                                                                              \
    "$scrypt$ln=15,r=8,p=1$d4BCG0vVo90p7NGY4g4_9w$5WYvRMZUIuJUJTBZauHgkU_c1x7OupwJqtX7layQ4d4"

static void test_scrypt(void)
{
    const char *err = "unset", *h1, *h2;
    char *bad;
    apr_size_t n;
    const char *salt, *key;
    h1 = miq_password_hash(utp, "correct horse battery", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h1);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL(strncmp(h1, "$scrypt$ln=17,r=8,p=1$", 22), 0);
    CU_ASSERT_FALSE(miq_password_needs_rehash(h1));
    /* a hash from before (ln=15) still verifies, and asks to be replaced */
    CU_ASSERT_TRUE(miq_password_verify(utp, "correct horse battery", OLD_LN15_HASH));
    CU_ASSERT_TRUE(miq_password_needs_rehash(OLD_LN15_HASH));
    CU_ASSERT_TRUE(miq_password_needs_rehash(NULL));
    salt = h1 + 22;
    key = strchr(salt, '$');
    CU_ASSERT_PTR_NOT_NULL_FATAL(key);
    CU_ASSERT_PTR_NOT_NULL(
        miq_b64url_decode(utp, apr_pstrndup(utp, salt, (apr_size_t)(key - salt)), &n));
    CU_ASSERT_EQUAL(n, 16);
    CU_ASSERT_PTR_NOT_NULL(miq_b64url_decode(utp, key + 1, &n));
    CU_ASSERT_EQUAL(n, 32);
    CU_ASSERT_TRUE(miq_password_verify(utp, "correct horse battery", h1));
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse batterY", h1));
    CU_ASSERT_FALSE(miq_password_verify(utp, "", h1));
    CU_ASSERT_FALSE(miq_password_verify(utp, NULL, h1));
    /* same password, new salt: a different encoding that verifies too */
    h2 = miq_password_hash(utp, "correct horse battery", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
    CU_ASSERT_STRING_NOT_EQUAL(h1, h2);
    CU_ASSERT_TRUE(miq_password_verify(utp, "correct horse battery", h2));
    /* tampered key, salt, parameters; foreign and malformed encodings */
    bad = apr_pstrdup(utp, h1);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", bad));
    bad = apr_pstrdup(utp, h1);
    bad[23] = bad[23] == 'A' ? 'B' : 'A';
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", bad));
    bad = apr_pstrdup(utp, h1);
    bad[12] = '4'; /* ln=14 */
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", bad));
    {
        static const char *const params[] = {"ln=9,r=8,p=1",   "ln=21,r=8,p=1",    "ln=15,r=0,p=1",
                                             "ln=15,r=33,p=1", "ln=15,r=8,p=0",    "ln=15,r=8,p=17",
                                             "ln=015,r=8,p=1", "ln=15,r=8",        "r=8,ln=15,p=1",
                                             "ln=-15,r=8,p=1", "ln=15,r=8,p=1,x=1"};
        apr_size_t i;
        for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
            CU_ASSERT_FALSE(
                miq_password_verify(utp, "correct horse battery",
                                    apr_pstrcat(utp, "$scrypt$", params[i], h1 + 21, NULL)));
    }
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", NULL));
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", ""));
    CU_ASSERT_FALSE(miq_password_verify(utp, "correct horse battery", "$scrypt$ln=15,r=8,p=1$"));
    CU_ASSERT_FALSE(
        miq_password_verify(utp, "correct horse battery", apr_pstrcat(utp, h1, "$", NULL)));
    CU_ASSERT_FALSE(
        miq_password_verify(utp, "correct horse battery", apr_pstrcat(utp, h1, "==", NULL)));
    CU_ASSERT_FALSE(
        miq_password_verify(utp, "x",
                            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
    CU_ASSERT_PTR_NULL(miq_password_hash(utp, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
}

static void test_password_policy(void)
{
    const char *ok[] = {"correct horse battery", "Tr0ub4dor&3x", "ünïcødé-pässwörd", "0123456788"};
    const char *bad[] = {NULL,          "",           "short",      "123456789",  "aaaaaaaaaaaa",
                         "ééééééééééé", "abcdefghij", "0123456789", "9876543210", "Password123",
                         "ééééé"};
    apr_size_t i;
    char *big = apr_palloc(utp, 1026);
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        CU_ASSERT_PTR_NULL(miq_password_policy(ok[i]));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_PTR_NOT_NULL(miq_password_policy(bad[i]));
    for (i = 0; i < 1025; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    big[1024] = '\0';
    CU_ASSERT_PTR_NULL(miq_password_policy(big));
    big[1024] = 'x';
    big[1025] = '\0';
    CU_ASSERT_PTR_NOT_NULL(miq_password_policy(big));
}

static void test_email_normalize(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Alice@Example.COM", "alice@example.com"},
        {"  bob@example.org \t\n", "bob@example.org"},
        {"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
        {"a@b.co", "a@b.co"},
        {NULL, NULL},
        {"", NULL},
        {"   ", NULL},
        {"alice", NULL},
        {"alice@", NULL},
        {"@example.com", NULL},
        {"alice@localhost", NULL},
        {"alice@@example.com", NULL},
        {"al@ice@example.com", NULL},
        {"al ice@example.com", NULL},
        {"alice@exa mple.com", NULL},
        {"alice@example.com\r\nBcc: x@y.z", NULL},
        {"alice\x01@example.com", NULL},
        {"alice@.example.com", NULL},
        {"alice@example.com.", NULL},
        {"alice@example..com", NULL},
        {"<alice@example.com>", NULL},
        {"\"al\"@example.com", NULL},
    };
    apr_size_t i;
    char *local;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = miq_email_normalize(utp, cases[i].in);
        if (cases[i].out) {
            CU_ASSERT_PTR_NOT_NULL(got);
            if (got)
                CU_ASSERT_STRING_EQUAL(got, cases[i].out);
        }
        else
            CU_ASSERT_PTR_NULL(got);
    }
    /* 254 characters is the limit */
    local = apr_palloc(utp, 300);
    memset(local, 'a', 60);
    local[60] = '\0';
    {
        char *dom = apr_palloc(utp, 300);
        memset(dom, 'b', 300);
        dom[254 - 61 - 4] = '\0';
        CU_ASSERT_PTR_NOT_NULL(
            miq_email_normalize(utp, apr_pstrcat(utp, local, "@", dom, ".com", NULL)));
        CU_ASSERT_PTR_NULL(
            miq_email_normalize(utp, apr_pstrcat(utp, local, "@", dom, "b.com", NULL)));
    }
    memset(local, 'a', 65);
    local[65] = '\0';
    CU_ASSERT_PTR_NULL(miq_email_normalize(utp, apr_pstrcat(utp, local, "@example.com", NULL)));
    CU_ASSERT_STRING_EQUAL(miq_throttle_key_email(utp, "a@b.co"), "email:a@b.co");
}

/* Review #12: Secure follows the public base URL (a TLS-terminating proxy
 * sends plain http to httpd), with the __Host- prefix; plain http keeps the
 * bare name. */
static void test_cookie_policy(void)
{
    CU_ASSERT_TRUE(miq_cookie_secure("https://api.example.com", 0));
    CU_ASSERT_TRUE(miq_cookie_secure("HTTPS://api.example.com/", 0));
    CU_ASSERT_TRUE(miq_cookie_secure("http://127.0.0.1:8080", 1));
    CU_ASSERT_FALSE(miq_cookie_secure("http://127.0.0.1:8080", 0));
    CU_ASSERT_FALSE(miq_cookie_secure(NULL, 0));
    CU_ASSERT_STRING_EQUAL(miq_cookie_name(utp, MIQ_SESSION_COOKIE, 1), "__Host-miq_session");
    CU_ASSERT_STRING_EQUAL(miq_cookie_name(utp, MIQ_SESSION_COOKIE, 0), "miq_session");
    CU_ASSERT_STRING_EQUAL(miq_cookie_build(utp, miq_cookie_name(utp, "miq_oauth_login", 1), "v", 1,
                                            60),
                           "__Host-miq_oauth_login=v; Path=/; HttpOnly; SameSite=Lax; Secure; "
                           "Max-Age=60");
    CU_ASSERT_STRING_EQUAL(miq_url_origin(utp, "https://API.example.com:8443/mcp?x#y"),
                           "https://api.example.com:8443");
    CU_ASSERT_STRING_EQUAL(miq_url_origin(utp, "http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    CU_ASSERT_PTR_NULL(miq_url_origin(utp, "ftp://x"));
    CU_ASSERT_PTR_NULL(miq_url_origin(utp, "https:///path"));
}

static void test_cookies(void)
{
    const char *c = miq_cookie_build(utp, MIQ_SESSION_COOKIE, "abc_DEF-1", 0, 3600);
    const char *hdr;
    CU_ASSERT_STRING_EQUAL(c,
                           "miq_session=abc_DEF-1; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
    c = miq_cookie_build(utp, MIQ_SESSION_COOKIE, "abc", 1, 60);
    CU_ASSERT_STRING_EQUAL(c,
                           "miq_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60");
    c = miq_cookie_build(utp, MIQ_SESSION_COOKIE, "ignored", 1, -1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(strncmp(c, "miq_session=;", 13), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "Max-Age=0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "; Secure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "HttpOnly"));
    c = miq_cookie_build(utp, MIQ_SESSION_COOKIE, NULL, 0, -1);
    CU_ASSERT_PTR_NOT_NULL(c);
    CU_ASSERT_PTR_NULL(strstr(c, "Secure"));
    /* values or names that would inject attributes or headers are refused */
    CU_ASSERT_PTR_NULL(miq_cookie_build(utp, MIQ_SESSION_COOKIE, "a; Domain=evil", 0, 60));
    CU_ASSERT_PTR_NULL(miq_cookie_build(utp, MIQ_SESSION_COOKIE, "a\r\nX: y", 0, 60));
    CU_ASSERT_PTR_NULL(miq_cookie_build(utp, MIQ_SESSION_COOKIE, NULL, 0, 60));
    CU_ASSERT_PTR_NULL(miq_cookie_build(utp, "bad name", "v", 0, 60));
    CU_ASSERT_PTR_NULL(miq_cookie_build(utp, NULL, "v", 0, 60));

    hdr = "theme=dark; miq_session=S3cr3t-_x;other=1;  quoted=\"q v\" ;empty=; flag; "
          "miq_session_old=no";
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "miq_session"), "S3cr3t-_x");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "theme"), "dark");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "other"), "1");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "quoted"), "q v");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "empty"), "");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, hdr, "miq_session_old"), "no");
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, hdr, "flag"));
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, hdr, "miq"));
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, hdr, "MIQ_SESSION"));
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, "miq_session=\"abc\"", "miq_session"), "abc");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, " miq_session = v ;", "miq_session"), "v");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, "x=miq_session=1; miq_session=2", "miq_session"),
                           "2");
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, "miq_session=a; miq_session=b", "miq_session"), "a");
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, NULL, "miq_session"));
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, "", "miq_session"));
    CU_ASSERT_PTR_NULL(miq_cookie_get(utp, ";;;", "miq_session"));
    /* build then parse */
    c = miq_cookie_build(utp, MIQ_SESSION_COOKIE, "tok", 1, 10);
    CU_ASSERT_STRING_EQUAL(miq_cookie_get(utp, c, MIQ_SESSION_COOKIE), "tok");
}

static void test_session_secret_and_throttle(void)
{
    const char *a = miq_session_secret(utp), *b = miq_session_secret(utp);
    miq_throttle_policy tp;
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(strlen(a), 43);
    CU_ASSERT_EQUAL(strspn(a, b64url_alphabet), 43);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_TRUE(miq_csrf_ok(a, apr_pstrdup(utp, a)));
    CU_ASSERT_FALSE(miq_csrf_ok(a, b));
    miq_throttle_defaults(&tp);
    CU_ASSERT_EQUAL(tp.account_failures, 5);
    CU_ASSERT_EQUAL(tp.ip_failures, 50);
    CU_ASSERT_EQUAL(tp.window_s, 900);
    CU_ASSERT_EQUAL(tp.lock_s, 900);
    CU_ASSERT_STRING_EQUAL(miq_throttle_key_ip(utp, "2001:db8::1"), "ip:2001:db8::1");
    CU_ASSERT_PTR_NULL(miq_throttle_key_ip(utp, NULL));
    CU_ASSERT_PTR_NULL(miq_throttle_key_email(utp, NULL));
}

/* Every endpoint x every scope set; the truth is computed here from the
 * endpoint name's family, not from the endpoint's scope field. */
static void test_scope_table(void)
{
    static const struct {
        const char *family;
        unsigned bit;
    } families[] = {{"audio/", MIQ_SCOPE_AUDIO},
                    {"video/", MIQ_SCOPE_VIDEO},
                    {"timeline/", MIQ_SCOPE_TIMELINE}};
    apr_size_t n, i, f;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    unsigned set;
    int checked = 0;
    CU_ASSERT_EQUAL(n, 6);
    for (i = 0; i < n; i++) {
        unsigned family_bit = 0;
        for (f = 0; f < 3; f++)
            if (!strncmp(all[i]->name, families[f].family, strlen(families[f].family)))
                family_bit = families[f].bit;
        CU_ASSERT_NOT_EQUAL(family_bit, 0);
        CU_ASSERT_EQUAL(all[i]->scope, family_bit);
        for (set = 0; set < 16; set++) {
            int expect = (set & MIQ_SCOPE_ALL) != 0 || (set & family_bit) != 0;
            int got = miq_scope_allows(set, all[i]->name);
            if (got != expect)
                fprintf(stderr, "scope table: %s with bits 0x%x: got %d\n", all[i]->name, set, got);
            CU_ASSERT_EQUAL(got, expect);
            checked++;
        }
    }
    CU_ASSERT_EQUAL(checked, 96);
    for (set = 0; set < 16; set++) {
        CU_ASSERT_FALSE(miq_scope_allows(set, "images/faces"));
        CU_ASSERT_FALSE(miq_scope_allows(set, NULL));
    }
}

static int has_warning(const json_t *w, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) if (!strcmp(miq_json_str(v, "code", ""), code)) return 1;
    return 0;
}

static const json_t *warning(const json_t *w, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) if (!strcmp(miq_json_str(v, "code", ""), code)) return v;
    return NULL;
}

static void test_account_view(void)
{
    miq_caller c = {.account_id = "acc_1",
                    .token_id = "tok_0123456789abcdef",
                    .scopes = MIQ_SCOPE_ALL,
                    .kind = "connector",
                    .email = "a@b.co",
                    .account_created = "2026-01-02T03:04:05Z",
                    .token_expires_in_s = -1};
    json_t *w = NULL, *v = miq_account_view(utp, &c, &w), *tok, *x;
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_PTR_EQUAL(w, json_object_get(v, "readiness_warnings"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(v, "account"), "id", ""), "acc_1");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(v, "account"), "email", ""), "a@b.co");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(v, "account"), "created_at", ""),
                           "2026-01-02T03:04:05Z");
    CU_ASSERT_EQUAL(miq_json_int(v, "balance_credits", -1), 0);
    CU_ASSERT_TRUE(json_is_null(json_object_get(v, "monthly_spend_cap_credits")));
    CU_ASSERT_EQUAL(miq_json_int(v, "spent_this_period_credits", -1), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(v, "billing_state", ""), "not_set_up");
    tok = json_object_get(v, "token");
    CU_ASSERT_STRING_EQUAL(miq_json_str(tok, "id", ""), "tok_0123456789abcdef");
    CU_ASSERT_STRING_EQUAL(miq_json_str(tok, "kind", ""), "connector");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(tok, "scopes")), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(tok, "scopes"), 0)),
                           "all");
    CU_ASSERT_TRUE(json_is_null(json_object_get(tok, "expires_in_s")));
    CU_ASSERT_TRUE(has_warning(w, "billing_not_set_up"));
    CU_ASSERT_TRUE(has_warning(w, "no_spend_cap"));
    CU_ASSERT_FALSE(has_warning(w, "token_expiring_soon"));
    CU_ASSERT_FALSE(has_warning(w, "scope_too_narrow"));
    json_array_foreach(w, i, x)
    {
        CU_ASSERT_TRUE(json_is_string(json_object_get(x, "message")));
        CU_ASSERT_TRUE(json_is_string(json_object_get(x, "severity")));
        CU_ASSERT_PTR_NOT_NULL(strstr(miq_json_str(x, "message", ""), "dashboard"));
    }

    /* expiring in 3 days, audio only: expiry and narrow-scope warnings */
    c.token_expires_in_s = 3 * 86400;
    c.scopes = MIQ_SCOPE_AUDIO;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(v, "token"), "expires_in_s", -1), 3 * 86400);
    CU_ASSERT_TRUE(has_warning(w, "token_expiring_soon"));
    CU_ASSERT_TRUE(has_warning(w, "scope_too_narrow"));
    x = (json_t *)warning(w, "scope_too_narrow");
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_json_str(x, "message", ""), "highlight_reel"));
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_json_str(x, "message", ""), "timeline/*"));
    CU_ASSERT_PTR_NULL(strstr(miq_json_str(x, "message", ""), "loudness_qa"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(miq_json_str(warning(w, "token_expiring_soon"), "message", ""), "3 days"));

    /* every family but not all: no scope warning; 7 days or more, or expired: none */
    c.scopes = MIQ_SCOPE_AUDIO | MIQ_SCOPE_VIDEO | MIQ_SCOPE_TIMELINE;
    c.token_expires_in_s = 7 * 86400;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_FALSE(has_warning(w, "scope_too_narrow"));
    CU_ASSERT_FALSE(has_warning(w, "token_expiring_soon"));
    c.token_expires_in_s = 0;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_FALSE(has_warning(w, "token_expiring_soon"));
    c.token_expires_in_s = 7 * 86400 - 1;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_TRUE(has_warning(w, "token_expiring_soon"));

    /* video + audio lacks the timeline scope the highlight reel needs */
    c.scopes = MIQ_SCOPE_AUDIO | MIQ_SCOPE_VIDEO;
    v = miq_account_view(utp, &c, &w);
    x = (json_t *)warning(w, "scope_too_narrow");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_json_str(x, "message", ""), "highlight_reel"));
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_json_str(x, "message", ""), "timeline/*"));
    CU_ASSERT_PTR_NULL(strstr(miq_json_str(x, "message", ""), "scene_thumbnails"));

    /* a dashboard session (no token): token null, only the billing warnings */
    c.token_id = NULL;
    c.kind = NULL;
    c.scopes = 0;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_TRUE(json_is_null(json_object_get(v, "token")));
    CU_ASSERT_EQUAL(json_array_size(w), 2);
    CU_ASSERT_PTR_NOT_NULL(miq_account_view(utp, NULL, NULL));
}

MIQ_SUITE("auth", MIQ_TEST(test_token_format), MIQ_TEST(test_token_bad_shapes),
          MIQ_TEST(test_bearer), MIQ_TEST(test_constant_time_compare), MIQ_TEST(test_scrypt),
          MIQ_TEST(test_password_policy), MIQ_TEST(test_email_normalize), MIQ_TEST(test_cookies),
          MIQ_TEST(test_cookie_policy), MIQ_TEST(test_session_secret_and_throttle),
          MIQ_TEST(test_scope_table), MIQ_TEST(test_account_view))
