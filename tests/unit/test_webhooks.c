/* core/webhooks without a network: the signature against an independent
 * HMAC (Python's), the receiver-side check (tolerance, several v1, bad
 * input), the derived secret, the retry schedule's bounds and total span,
 * the event body, and the address guard refusing before any connection. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "webhooks/miq_webhooks.h"

static void test_webhook_signature_matches_an_independent_hmac(void)
{
    /* python3: hmac.new(b"whsec_test", b'1700000000.{"a":1}', sha256).hexdigest() */
    const char *body = "{\"a\":1}";
    CU_ASSERT_STRING_EQUAL(
        miq_webhook_signature(utp, "whsec_test", 1700000000LL, body, strlen(body)),
        "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
}

static void test_webhook_verify_accepts_and_refuses(void)
{
    const char *body = "{\"id\":\"evt_1\"}", *h;
    h = miq_webhook_signature(utp, "whsec_k", 1000, body, strlen(body));
    CU_ASSERT_PTR_NULL(miq_webhook_verify(utp, h, "whsec_k", body, strlen(body), 1000, 300));
    CU_ASSERT_PTR_NULL(miq_webhook_verify(utp, h, "whsec_k", body, strlen(body), 1299, 300));
    /* replayed too late, or from the future */
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, h, "whsec_k", body, strlen(body), 1301, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, h, "whsec_k", body, strlen(body), 600, 300));
    /* another secret, another body, no header, garbage */
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, h, "whsec_x", body, strlen(body), 1000, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, h, "whsec_k", "{}", 2, 1000, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, NULL, "whsec_k", body, strlen(body), 1000, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, "t=abc,v1=00", "whsec_k", body, 13, 1000, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, "v1=00", "whsec_k", body, 13, 1000, 300));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_verify(utp, h, "", body, strlen(body), 1000, 300));
    /* a rotated secret's second v1 is accepted */
    CU_ASSERT_PTR_NULL(miq_webhook_verify(utp, apr_pstrcat(utp, "t=1000,v1=00ff, ", h + 7, NULL),
                                          "whsec_k", body, strlen(body), 1000, 300));
}

static void test_webhook_secret_is_derived_from_key_id_and_salt(void)
{
    unsigned char key[32], other[32];
    int i;
    const char *s;
    for (i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
        other[i] = (unsigned char)(i + 1);
    }
    s = miq_webhook_secret(utp, key, "whe_0123456789abcdef", "salt");
    /* python3: "whsec_" + urlsafe_b64encode(hmac(bytes(range(32)), b"whe_...:salt")) */
    CU_ASSERT_STRING_EQUAL(s, "whsec_KA3nebbUQDlPjC0nr8L6n-kwQ26vLofVoUs3m1tWvAY");
    CU_ASSERT_STRING_NOT_EQUAL(s, miq_webhook_secret(utp, other, "whe_0123456789abcdef", "salt"));
    CU_ASSERT_STRING_NOT_EQUAL(s, miq_webhook_secret(utp, key, "whe_0123456789abcdef", "salt2"));
    CU_ASSERT_STRING_NOT_EQUAL(s, miq_webhook_secret(utp, key, "whe_0123456789abcdee", "salt"));
}

static void test_webhook_retry_schedule_doubles_with_jitter_for_about_a_day(void)
{
    int n, lo_total = 0, hi_total = 0, mid;
    for (n = 1; n < MIQ_WEBHOOK_MAX_ATTEMPTS; n++) {
        int lo = miq_webhook_retry_delay_s(n, 30, 0), hi = miq_webhook_retry_delay_s(n, 30, ~0u);
        mid = miq_webhook_retry_delay_s(n, 30, 1u << 31);
        CU_ASSERT(lo > 0 && lo <= mid && mid <= hi);
        CU_ASSERT(lo >= (int)(0.8 * 30 * (n < 11 ? 1 << (n - 1) : 720)) - 1);
        CU_ASSERT(hi <= (int)(1.2 * 30 * 720) + 1);
        if (n > 1 && n < 10)
            CU_ASSERT(mid >= 2 * miq_webhook_retry_delay_s(n - 1, 30, 1u << 31) - 1);
        lo_total += lo;
        hi_total += hi;
    }
    /* the last attempt gives up */
    CU_ASSERT_EQUAL(miq_webhook_retry_delay_s(MIQ_WEBHOOK_MAX_ATTEMPTS, 30, 0), -1);
    /* "about a day": 16 to 32 hours from the first failure to the last try */
    CU_ASSERT(lo_total >= 16 * 3600);
    CU_ASSERT(hi_total <= 32 * 3600);
    /* the test stack's base of 1 s */
    CU_ASSERT(miq_webhook_retry_delay_s(1, 1, 0) >= 1 && miq_webhook_retry_delay_s(1, 1, ~0u) <= 2);
}

static void test_webhook_body_has_the_contract_fields(void)
{
    json_t *data = miq_json_packp(utp, "{s:i}", "balance_credits", 42);
    const char *b = miq_webhook_body(utp, "evt_1", "credits.low", 1700000000LL, 1, data);
    json_t *o = miq_json_parse(utp, b, strlen(b), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(miq_json_str(o, "id", ""), "evt_1");
    CU_ASSERT_STRING_EQUAL(miq_json_str(o, "type", ""), "credits.low");
    CU_ASSERT_EQUAL(miq_json_int(o, "created", 0), 1700000000);
    CU_ASSERT(json_is_true(json_object_get(o, "livemode")));
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(o, "data"), "balance_credits", 0), 42);
    b = miq_webhook_body(utp, "evt_2", "job.failed", 1, 0, NULL);
    o = miq_json_parse(utp, b, strlen(b), NULL);
    CU_ASSERT(json_is_false(json_object_get(o, "livemode")));
    CU_ASSERT(json_is_object(json_object_get(o, "data")));
}

static void test_webhook_event_types(void)
{
    CU_ASSERT(miq_webhook_event_type_known("job.succeeded"));
    CU_ASSERT(miq_webhook_event_type_known("credits.low"));
    CU_ASSERT(!miq_webhook_event_type_known("job.running"));
    CU_ASSERT(!miq_webhook_event_type_known(""));
    CU_ASSERT(!miq_webhook_event_type_known(NULL));
    CU_ASSERT(miq_webhook_id_ok("whe_0123456789abcdef"));
    CU_ASSERT(!miq_webhook_id_ok("whe_0123456789abcdeg"));
    CU_ASSERT(!miq_webhook_id_ok("whe_0123456789abcde"));
    CU_ASSERT(!miq_webhook_id_ok("../../etc/passwd"));
}

static void test_webhook_guard_refuses_private_targets_before_connecting(void)
{
    static const char *const urls[] = {"http://127.0.0.1:9/hook",
                                       "http://localhost:9/hook",
                                       "http://[::1]:9/hook",
                                       "http://10.0.0.1/hook",
                                       "http://169.254.169.254/latest/meta-data/",
                                       "http://[::ffff:127.0.0.1]/x",
                                       "http://0.0.0.0:9/",
                                       NULL};
    miq_webhook_send_opts o;
    miq_webhook_send_result res;
    const char *const *u;
    memset(&o, 0, sizeof(o));
    for (u = urls; *u; u++) {
        CU_ASSERT_PTR_NOT_NULL(miq_webhook_url_check(utp, *u, 0));
        miq_webhook_send(utp, *u, "evt_1", "t=1,v1=00", "{}", &o, &res);
        CU_ASSERT_PTR_NOT_NULL(res.error);
        CU_ASSERT_EQUAL(res.status, 0);
    }
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_url_check(utp, "ftp://example.com/x", 1));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_url_check(utp, "http://u:p@example.com/x", 1));
    CU_ASSERT_PTR_NOT_NULL(miq_webhook_url_check(utp, "", 1));
    CU_ASSERT_PTR_NULL(miq_webhook_url_check(utp, "http://127.0.0.1:9/hook", 1));
}

MIQ_SUITE("webhooks", MIQ_TEST(test_webhook_signature_matches_an_independent_hmac),
          MIQ_TEST(test_webhook_verify_accepts_and_refuses),
          MIQ_TEST(test_webhook_secret_is_derived_from_key_id_and_salt),
          MIQ_TEST(test_webhook_retry_schedule_doubles_with_jitter_for_about_a_day),
          MIQ_TEST(test_webhook_body_has_the_contract_fields), MIQ_TEST(test_webhook_event_types),
          MIQ_TEST(test_webhook_guard_refuses_private_targets_before_connecting))
