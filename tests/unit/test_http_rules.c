/* Header rules: media types, Accept, Origin and Host (DNS rebinding). */
#include "unit.h"
#include "base/miq_http_rules.h"

static void test_ctype(void)
{
    CU_ASSERT_TRUE(miq_http_ctype_is("application/json", "application/json"));
    CU_ASSERT_TRUE(miq_http_ctype_is("Application/JSON; charset=utf-8", "application/json"));
    CU_ASSERT_FALSE(miq_http_ctype_is("application/jsonx", "application/json"));
    CU_ASSERT_FALSE(miq_http_ctype_is("text/plain", "application/json"));
    CU_ASSERT_FALSE(miq_http_ctype_is(NULL, "application/json"));
}

static void test_accept(void)
{
    CU_ASSERT_TRUE(miq_http_accepts("application/json, text/event-stream", "text/event-stream"));
    CU_ASSERT_TRUE(miq_http_accepts("text/event-stream, application/json", "application/json"));
    CU_ASSERT_TRUE(miq_http_accepts("*/*", "text/event-stream"));
    CU_ASSERT_TRUE(miq_http_accepts("text/*;q=0.5", "text/event-stream"));
    CU_ASSERT_TRUE(miq_http_accepts(NULL, "application/json"));
    CU_ASSERT_FALSE(miq_http_accepts("application/json", "text/event-stream"));
    CU_ASSERT_FALSE(
        miq_http_accepts("text/event-stream;q=0, application/json", "text/event-stream"));
    CU_ASSERT_FALSE(miq_http_accepts("text/html", "application/json"));
}

static void test_origin(void)
{
    const char *base = "https://api.example.com";
    apr_array_header_t *allowed = apr_array_make(utp, 2, sizeof(const char *));
    CU_ASSERT_TRUE(miq_http_origin_allowed(utp, NULL, base, allowed));
    CU_ASSERT_TRUE(miq_http_origin_allowed(utp, "https://api.example.com", base, allowed));
    CU_ASSERT_TRUE(miq_http_origin_allowed(utp, "https://API.example.com:443", base, allowed));
    CU_ASSERT_FALSE(miq_http_origin_allowed(utp, "http://api.example.com", base, allowed));
    CU_ASSERT_FALSE(miq_http_origin_allowed(utp, "https://evil.example.com", base, allowed));
    CU_ASSERT_FALSE(miq_http_origin_allowed(utp, "null", base, allowed));
    CU_ASSERT_FALSE(miq_http_origin_allowed(utp, "http://localhost:3000", base, allowed));
    APR_ARRAY_PUSH(allowed, const char *) = "https://chat.openai.com";
    CU_ASSERT_TRUE(miq_http_origin_allowed(utp, "https://chat.openai.com", base, allowed));
    /* A loopback deployment accepts loopback origins, never foreign ones. */
    CU_ASSERT_TRUE(
        miq_http_origin_allowed(utp, "http://localhost:6274", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(
        miq_http_origin_allowed(utp, "http://evil.example.com", "http://127.0.0.1:8080", NULL));
}

static void test_host(void)
{
    CU_ASSERT_TRUE(miq_http_host_allowed(utp, "127.0.0.1:8080", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_TRUE(miq_http_host_allowed(utp, "localhost:8080", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_TRUE(miq_http_host_allowed(utp, "[::1]:8080", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "evil.example.com", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_TRUE(miq_http_host_allowed(utp, "API.example.com", "https://api.example.com", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "localhost", "https://api.example.com", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "", "https://api.example.com", NULL));
    CU_ASSERT_STRING_EQUAL(miq_http_host_only(utp, "Example.COM:443"), "example.com");
    /* DNS-rebinding names that only look like loopback */
    CU_ASSERT_TRUE(miq_http_host_allowed(utp, "127.1.2.3:8080", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "127.0.0.1.nip.io", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(
        miq_http_host_allowed(utp, "127.1.2.3.evil.com:8080", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "127.0.0.256", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(miq_http_host_allowed(utp, "127.0.0", "http://127.0.0.1:8080", NULL));
    CU_ASSERT_FALSE(miq_http_origin_allowed(utp, "https://127.0.0.1.evil.example.com",
                                            "http://127.0.0.1:8080", NULL));
}

MIQ_SUITE("http_rules", MIQ_TEST(test_ctype), MIQ_TEST(test_accept), MIQ_TEST(test_origin),
          MIQ_TEST(test_host))
