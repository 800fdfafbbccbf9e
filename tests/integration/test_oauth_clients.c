/* OAuth: a confidential (gateway) client with client_secret_basic and
 * client_secret_post, introspection, and the token endpoint's request rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_encode.h>
#include "itest.h"
#include "itest_oauth.h"
#include "miq_json.h"

/* The confidential test client's secret (build.sh writes it next to the stack). */
static const char *gateway_secret(void)
{
    char *dir, *p;
    const char *s;
    if (!itenv.error_log)
        return NULL;
    dir = apr_pstrdup(itp, itenv.error_log); /* .../stack/httpd/logs/error_log */
    for (int i = 0; i < 3 && (p = strrchr(dir, '/')); i++)
        *p = 0;
    s = it_read_file(apr_pstrcat(itp, dir, "/oauth-client-secret", NULL), 0);
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
    flow f = {"itest-gateway", "https://gateway.example/oauth/callback", "video/*", "g", NULL,
              {NULL, NULL}, NULL, NULL};
    static const char *const form[] = {FORM, NULL};
    it_resp *r;
    IT_REQUIRE_R(a && secret, NULL);
    f.k = itoa_new_pkce();
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL), f.last);
    body = apr_psprintf(itp, "grant_type=authorization_code&code=%s&code_verifier=%s"
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
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""),
                                            "unsupported_grant_type"),
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
        IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""),
                                                "invalid_redirect_uri"),
                    r);
    }
}

IT_SUITE("oauth_clients", IT_TEST(test_oauth_confidential_client_and_introspection),
         IT_TEST(test_oauth_token_endpoint_rules))
