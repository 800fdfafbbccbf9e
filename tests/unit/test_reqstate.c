/* Signed request state (the 2026 requestState): a round trip, and tampered
 * payloads or signatures, other keys, expiry and malformed tokens refused. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static void test_reqstate_roundtrip_and_tamper(void)
{
    json_t *st = miq_json_packp(utp, "{s:s,s:{s:i}}", "tool", "t", "answers", "a", 1);
    apr_time_t now = apr_time_from_sec(1800000000);
    const char *tok = miq_reqstate_sign(utp, key, 32, st, now, 600), *err = NULL;
    json_t *back = miq_reqstate_verify(utp, key, 32, tok, now + apr_time_from_sec(10), &err);
    char *bad;
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_STRING_EQUAL(miq_json_str(back, "tool", ""), "t");
    /* tampered payload, tampered signature, appended text, other key, expiry */
    bad = apr_pstrdup(utp, tok);
    bad[2] = bad[2] == 'A' ? 'B' : 'A';
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, bad, now, &err));
    CU_ASSERT_PTR_NULL(
        miq_reqstate_verify(utp, key, 32, apr_pstrcat(utp, tok, "-TAMPERED", NULL), now, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "signature"));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp,
                                           (const unsigned char *)"another key of 32 bytes "
                                                                  "long!!!!",
                                           32, tok, now, &err));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, tok, now + apr_time_from_sec(601), &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expired"));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, "no-dot", now, &err));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, NULL, now, &err));
}

/* A signed state whose "exp" is a real beyond int64 (fuzz_reqstate found the
 * cast undefined): miq_json_int gives the default, so the state is expired. */
static void test_reqstate_exp_out_of_range(void)
{
    static const unsigned char k1[] = "k";
    const char *body = "{\"step\":1,\"exp\":999.999e99}", *b64, *tok, *err = NULL;
    unsigned char mac[32];
    const char *nums = "{\"a\":1e300,\"b\":-1e19,\"c\":2.9}";
    json_t *o = miq_json_parse(utp, nums, strlen(nums), NULL);
    CU_ASSERT_EQUAL(miq_json_int(o, "a", 7), 7);
    CU_ASSERT_EQUAL(miq_json_int(o, "b", 7), 7);
    CU_ASSERT_EQUAL(miq_json_int(o, "c", 7), 2);
    b64 = miq_b64url_encode(utp, (const unsigned char *)body, strlen(body));
    miq_hmac_sha256(k1, 1, b64, strlen(b64), mac);
    tok = apr_pstrcat(utp, b64, ".", miq_b64url_encode(utp, mac, sizeof(mac)), NULL);
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, k1, 1, tok, apr_time_now(), &err));
    CU_ASSERT_PTR_NOT_NULL(err);
}

MIQ_SUITE("reqstate", MIQ_TEST(test_reqstate_roundtrip_and_tamper),
          MIQ_TEST(test_reqstate_exp_out_of_range))
