/* OAuth: a confidential (gateway) client with client_secret_basic and
 * client_secret_post, introspection, the token endpoint's request rules, and
 * clients known by their metadata document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_encode.h>
#include "itest.h"
#include "itest_oauth.h"
#include "base/miq_json.h"

/* The confidential test client's secret (build.sh writes it next to the stack). */
static const char *gateway_secret(void)
{
    const char *path = it_stack_path("oauth-client-secret"), *s;
    s = path ? it_read_file(path, 0) : NULL;
    if (!s)
        return NULL;
    s = apr_pstrndup(itp, s, strcspn(s, "\r\n"));
    it_secret_note(s);
    return s;
}

static void test_oauth_confidential_client_and_introspection(void)
{
    it_account *a = it_signup("oauthgw");
    const char *secret = gateway_secret(), *basic, *h[2] = {NULL, NULL}, *at, *body;
    flow f = {"itest-gateway",
              "https://gateway.example/oauth/callback",
              "video/*",
              "g",
              NULL,
              {NULL, NULL},
              NULL,
              NULL};
    static const char *const form[] = {FORM, NULL};
    it_resp *r;
    IT_REQUIRE_R(a && secret, NULL);
    f.k = itoa_new_pkce();
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL), f.last);
    body = apr_psprintf(itp,
                        "grant_type=authorization_code&code=%s&code_verifier=%s"
                        "&redirect_uri=%s",
                        itoa_enc(f.code), f.k.verifier, itoa_enc(f.redirect));
    /* no secret: 401 invalid_client (and the code is not consumed) */
    r = itoa_token_post(apr_pstrcat(itp, body, "&client_id=itest-gateway", NULL), NULL);
    IT_ASSERT_R(r->status == 401 && it_header(r, "WWW-Authenticate"), r);
    basic = apr_pstrcat(itp, "itest-gateway:", "wrong-secret", NULL);
    h[0] = apr_pstrcat(itp, "Authorization: Basic ",
                       apr_pencode_base64(itp, basic, APR_ENCODE_STRING, APR_ENCODE_NONE, NULL),
                       NULL);
    r = itoa_token_post(body, h);
    IT_ASSERT_R(r->status == 401, r);
    basic = apr_pstrcat(itp, "itest-gateway:", itoa_enc(secret), NULL);
    h[0] = apr_pstrcat(itp, "Authorization: Basic ",
                       apr_pencode_base64(itp, basic, APR_ENCODE_STRING, APR_ENCODE_NONE, NULL),
                       NULL);
    it_secret_note(h[0]);
    r = itoa_token_post(body, h);
    IT_REQUIRE_R(r->status == 200, r);
    at = miq_json_str(r->json, "access_token", NULL);
    it_secret_note(at);
    it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
    /* introspection with client_secret_post */
    body = apr_psprintf(itp, "token=%s&client_id=itest-gateway&client_secret=%s", itoa_enc(at),
                        itoa_enc(secret));
    r = it_request("POST", "/api/auth/oauth/introspect", form, body, strlen(body));
    IT_ASSERT_R(r->status == 200 && miq_json_bool(r->json, "active", 0), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "scope", NULL), "video/*");
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "aud", NULL), itoa_mcp_url());
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "client_id", NULL), "itest-gateway");
    r = it_request("POST", "/api/auth/oauth/revoke", form, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    r = it_request("POST", "/api/auth/oauth/introspect", form, body, strlen(body));
    IT_ASSERT_R(r->status == 200 && !miq_json_bool(r->json, "active", 1), r);
}

static void test_oauth_token_endpoint_rules(void)
{
    static const char *const form[] = {FORM, NULL};
    const char *body = "grant_type=password&client_id=" CHATGPT;
    it_resp *r = it_request("POST", "/api/auth/oauth/token", form, body, strlen(body));
    IT_ASSERT_R(r->status == 400 &&
                    !strcmp(miq_json_str(r->json, "error", ""), "unsupported_grant_type"),
                r);
    IT_ASSERT_STRING_EQUAL(it_header(r, "Cache-Control"), "no-store");
    body = "grant_type=refresh_token&grant_type=refresh_token&client_id=" CHATGPT;
    r = it_request("POST", "/api/auth/oauth/token", form, body, strlen(body));
    IT_ASSERT_R(r->status == 400 && strstr(r->body, "more than once"), r);
    r = it_request("GET", "/api/auth/oauth/token", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 405, r);
    body = "grant_type=refresh_token&refresh_token=miq_rt_x&client_id=nobody";
    r = it_request("POST", "/api/auth/oauth/token", form, body, strlen(body));
    IT_ASSERT_R(r->status == 401 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_client"),
                r);
    /* a registration with an http redirect off loopback is refused */
    {
        const char *h[] = {"Content-Type: application/json", NULL};
        const char *reg = "{\"redirect_uris\":[\"http://evil.example/cb\"]}";
        r = it_request("POST", "/api/auth/oauth/register", h, reg, strlen(reg));
        IT_ASSERT_R(r->status == 400 &&
                        !strcmp(miq_json_str(r->json, "error", ""), "invalid_redirect_uri"),
                    r);
    }
}

/* Client ID Metadata Documents: the client_id is the https URL of the client's
 * metadata, served here over TLS (MomentIQFetchCAFile trusts the test's
 * certificate) with a loopback redirect, as a desktop app would publish it. */
static void test_oauth_metadata_document_client(void)
{
    const char *dir = it_tmpdir("cimd"), *base, *id, *bad, *body;
    it_account *a = it_signup("oauthcimd");
    flow f = {NULL, "http://127.0.0.1:61234/callback", "all", "cimd-1", NULL, {NULL, NULL}, NULL,
              NULL};
    pid_t pid = 0;
    it_resp *r;
    IT_REQUIRE_R(dir && a, NULL);
    it_write_file(apr_pstrcat(itp, dir, "/ready", NULL), "ok");
    base = it_file_server_tls(dir, "ready", &pid);
    IT_REQUIRE_R(base != NULL, NULL);
    id = apr_pstrcat(itp, base, "/app/client.json", NULL);
    apr_dir_make(apr_pstrcat(itp, dir, "/app", NULL), APR_OS_DEFAULT, itp);
    it_write_file(apr_pstrcat(itp, dir, "/app/client.json", NULL),
                  apr_psprintf(itp,
                               "{\"client_id\":\"%s\",\"client_name\":\"Desktop <b>app</b>\","
                               "\"redirect_uris\":[\"http://127.0.0.1/callback\"],"
                               "\"token_endpoint_auth_method\":\"none\","
                               "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                               "\"response_types\":[\"code\"]}",
                               id));
    /* the whole flow: consent names the client (escaped), any loopback port */
    f.client_id = id;
    f.k = itoa_new_pkce();
    if (itoa_consent(a, &f, "approve", NULL)) {
        body = apr_psprintf(itp,
                            "grant_type=authorization_code&code=%s&code_verifier=%s"
                            "&redirect_uri=%s&client_id=%s&resource=%s",
                            itoa_enc(f.code), f.k.verifier, itoa_enc(f.redirect), itoa_enc(id),
                            itoa_enc(itoa_mcp_url()));
        r = itoa_token_post(body, NULL);
        IT_ASSERT_R(r->status == 200, r);
        it_secret_note(miq_json_str(r->json, "access_token", NULL));
        it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
        IT_ASSERT_MSG(itoa_mcp_status(miq_json_str(r->json, "access_token", "")) == 200,
                      "the metadata document client's token works at /mcp");
    }
    r = it_request("GET", itoa_authorize_query(&f), it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, "Desktop &lt;b&gt;app&lt;/b&gt;"), r);
    {
        const char *args[1] = {id};
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT source FROM oauth_clients WHERE client_id = $1",
                                           1, args),
                               "cimd");
    }
    /* a redirect the document does not list is shown to the user, never followed */
    f.redirect = "https://evil.example/callback";
    r = it_request("GET", itoa_authorize_query(&f), it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 400 && !it_header(r, "Location"), r);
    /* a document that names another client_id, one that is missing, one too large */
    bad = apr_pstrcat(itp, base, "/app/other.json", NULL);
    it_write_file(apr_pstrcat(itp, dir, "/app/other.json", NULL),
                  apr_psprintf(itp,
                               "{\"client_id\":\"%s\",\"client_name\":\"x\","
                               "\"redirect_uris\":[\"http://127.0.0.1/cb\"]}",
                               id));
    f.client_id = bad;
    f.redirect = "http://127.0.0.1/cb";
    r = it_request("GET", itoa_authorize_query(&f), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401 && strstr(r->body, "not its own URL") && !it_header(r, "Location"),
                r);
    f.client_id = apr_pstrcat(itp, base, "/app/missing.json", NULL);
    r = it_request("GET", itoa_authorize_query(&f), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401 && strstr(r->body, "HTTP 404"), r);
    {
        char *big = apr_palloc(itp, 40001);
        memset(big, ' ', 40000);
        big[40000] = 0;
        it_write_file(apr_pstrcat(itp, dir, "/app/big.json", NULL),
                      apr_pstrcat(itp, "{\"client_name\":\"x\"", big, "}", NULL));
        f.client_id = apr_pstrcat(itp, base, "/app/big.json", NULL);
        r = it_request("GET", itoa_authorize_query(&f), NULL, NULL, 0);
        IT_ASSERT_R(r->status == 401 && strstr(r->body, "too large"), r);
    }
    /* at the token endpoint an unusable document is invalid_client too */
    body = apr_psprintf(itp,
                        "grant_type=authorization_code&code=nope&code_verifier=%s"
                        "&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%2Fcb&client_id=%s",
                        f.k.verifier, itoa_enc(bad));
    r = itoa_token_post(body, NULL);
    IT_ASSERT_R(r->status == 401 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_client"),
                r);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

IT_SUITE("oauth_clients", IT_TEST(test_oauth_confidential_client_and_introspection),
         IT_TEST(test_oauth_token_endpoint_rules), IT_TEST(test_oauth_metadata_document_client))
