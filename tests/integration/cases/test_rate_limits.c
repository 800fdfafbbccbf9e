/* Rate limits (issue 11): per token on /v1 and /mcp, per address for bad
 * tokens and signups, shared through PostgreSQL; 429 rate_limited with
 * Retry-After; refusals counted. The test stack raises every limit, and the
 * X-Rate-Limit-Test header lowers them (api and mcp 5, bad_token 3 per
 * minute, signup 2 per hour). A window may end mid-test, so each check allows
 * one more window's worth before the refusal. */
#include <stdlib.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "itest.h"

#define TEST_HDR "X-Rate-Limit-Test: 1"

/* Sends until the first 429 (at most max): how many went through before it,
 * or -1 when none was refused. The 429 must be well formed. */
static int until_refused(const char *method, const char *path, const char *auth, const char *body,
                         int max)
{
    const char *h[4] = {TEST_HDR, auth, body ? "Content-Type: application/json" : NULL, NULL};
    int i;
    for (i = 0; i < max; i++) {
        it_resp *r = it_request(method, path, h, body, body ? strlen(body) : 0);
        if (r->status == 429) {
            const char *ra = it_header(r, "Retry-After");
            IT_ASSERT_R(ra && atoi(ra) >= 1 && atoi(ra) <= 3600, r);
            if (r->json && json_object_get(r->json, "error"))
                CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(r->json, "error"), "code", ""),
                                       "rate_limited");
            return i;
        }
    }
    return -1;
}

static void test_api_limit_per_token(void)
{
    it_account *a = it_signup("ratelimit");
    const char *t1 = a ? it_create_token(a, "keys", "{\"name\":\"r1\"}", NULL, NULL) : NULL;
    const char *t2 = a ? it_create_token(a, "keys", "{\"name\":\"r2\"}", NULL, NULL) : NULL;
    const char *h[3] = {TEST_HDR, NULL, NULL};
    int ok;
    it_resp *r;
    CU_ASSERT_FATAL(t1 && t2);
    ok = until_refused("GET", "/v1/account", it_bearer(t1), NULL, 12);
    CU_ASSERT(ok >= 5 && ok <= 10);
    /* another token of the same account has its own budget */
    h[1] = it_bearer(t2);
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    /* without the test header the stack's own (high) limit applies */
    h[0] = it_bearer(t1);
    h[1] = NULL;
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    CU_ASSERT_PTR_NOT_NULL(it_db_value("SELECT 1 FROM rate_limit_refusals WHERE class = 'api' "
                                       "AND refusals > 0",
                                       0, NULL));
}

static void test_mcp_limit_per_token(void)
{
    it_account *a = it_signup("ratelimit-mcp");
    const char *t = a ? it_create_token(a, "keys", "{\"name\":\"m\"}", NULL, NULL) : NULL;
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{}}";
    const char *h[6] = {TEST_HDR,
                        NULL,
                        "Accept: application/json, text/event-stream",
                        "MCP-Protocol-Version: 2025-11-25",
                        "Content-Type: application/json",
                        NULL};
    int i, ok = -1;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    h[1] = it_bearer(t);
    for (i = 0; i < 12; i++) {
        it_resp *r = it_request("POST", "/mcp", h, body, strlen(body));
        if (r->status == 429) {
            IT_ASSERT_R(it_header(r, "Retry-After") != NULL, r);
            IT_ASSERT_R(r->rpc && json_object_get(r->rpc, "error"), r);
            ok = i;
            break;
        }
    }
    CU_ASSERT(ok >= 5 && ok <= 10);
}

static void test_bad_tokens_per_address(void)
{
    int ok = until_refused("GET", "/v1/account",
                           it_bearer("miq_key_0000000000000000000000000000000000000000000"), NULL,
                           10);
    CU_ASSERT(ok >= 3 && ok <= 6);
}

static void test_signup_per_address(void)
{
    int i, refused = -1;
    for (i = 0; i < 6 && refused < 0; i++) {
        const char *body = apr_psprintf(itp, "{\"email\":\"%s\",\"password\":\"%s\"}",
                                        it_unique_email("ratesignup"),
                                        "a long enough password 123");
        const char *h[3] = {TEST_HDR, "Content-Type: application/json", NULL};
        it_resp *r = it_request("POST", "/api/auth/signup", h, body, strlen(body));
        if (r->status == 429) {
            IT_ASSERT_R(it_header(r, "Retry-After") != NULL, r);
            refused = i;
        }
        else
            IT_ASSERT_R(r->status == 201, r);
    }
    CU_ASSERT(refused >= 2 && refused <= 4);
}

IT_SUITE("rate_limits", IT_TEST(test_api_limit_per_token), IT_TEST(test_mcp_limit_per_token),
         IT_TEST(test_bad_tokens_per_address), IT_TEST(test_signup_per_address))
