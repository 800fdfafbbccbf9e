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

MIQ_SUITE("reqstate", MIQ_TEST(test_reqstate_roundtrip_and_tamper))
