/* The crypto helpers: base64url, constant-time comparison, random hex and
 * SHA-256. */
#include <string.h>
#include "unit.h"
#include "base/miq_crypto.h"

static void test_b64url_and_compare(void)
{
    apr_size_t n;
    const unsigned char raw[] = {0xfb, 0xff, 0x00, 0x41, 0x42};
    const char *e = miq_b64url_encode(utp, raw, sizeof(raw));
    unsigned char *d = miq_b64url_decode(utp, e, &n);
    CU_ASSERT_STRING_EQUAL(e, "-_8AQUI");
    CU_ASSERT_EQUAL(n, sizeof(raw));
    CU_ASSERT_EQUAL(memcmp(d, raw, n), 0);
    CU_ASSERT_PTR_NULL(miq_b64url_decode(utp, "ab+c", &n));
    CU_ASSERT_TRUE(miq_secure_streq("abc", "abc"));
    CU_ASSERT_FALSE(miq_secure_streq("abc", "abd"));
    CU_ASSERT_FALSE(miq_secure_streq("abc", "abcd"));
    CU_ASSERT_FALSE(miq_secure_streq(NULL, NULL));
    CU_ASSERT_EQUAL(strlen(miq_random_hex(utp, 32)), 64);
    CU_ASSERT_STRING_NOT_EQUAL(miq_random_hex(utp, 16), miq_random_hex(utp, 16));
    CU_ASSERT_STRING_EQUAL(miq_sha256_hex(utp, "abc", 3),
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

MIQ_SUITE("crypto", MIQ_TEST(test_b64url_and_compare))
