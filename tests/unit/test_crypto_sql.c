/* Signed request state, base64url, constant-time comparison, scopes and the
 * SQL catalog's helpers. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "db/miq_sql.h"

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
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, apr_pstrcat(utp, tok, "-TAMPERED", NULL),
                                           now, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "signature"));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, (const unsigned char *)"another key of 32 bytes "
                                                                       "long!!!!",
                                           32, tok, now, &err));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, tok, now + apr_time_from_sec(601), &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expired"));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, "no-dot", now, &err));
    CU_ASSERT_PTR_NULL(miq_reqstate_verify(utp, key, 32, NULL, now, &err));
}

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

static void test_scopes(void)
{
    unsigned s;
    CU_ASSERT_PTR_NULL(miq_scope_parse(utp, "audio/* video/*", &s));
    CU_ASSERT_EQUAL(s, MIQ_SCOPE_AUDIO | MIQ_SCOPE_VIDEO);
    CU_ASSERT_TRUE(miq_scope_allows(s, "audio/silence"));
    CU_ASSERT_TRUE(miq_scope_allows(s, "video/clips"));
    CU_ASSERT_FALSE(miq_scope_allows(s, "timeline/moments"));
    CU_ASSERT_TRUE(miq_scope_allows(MIQ_SCOPE_ALL, "timeline/moments"));
    CU_ASSERT_FALSE(miq_scope_allows(MIQ_SCOPE_ALL, "images/thing"));
    CU_ASSERT_FALSE(miq_scope_allows(MIQ_SCOPE_AUDIO, "audio/"));
    CU_ASSERT_PTR_NOT_NULL(miq_scope_parse(utp, "audio/* root", &s));
    CU_ASSERT_PTR_NOT_NULL(miq_scope_parse(utp, "", &s));
    CU_ASSERT_STRING_EQUAL(miq_scope_format(utp, MIQ_SCOPE_ALL | MIQ_SCOPE_TIMELINE),
                           "all timeline/*");
}

static void test_sql_catalog(void)
{
    const miq_sql_stmt *all = miq_sql_all();
    const char *vals[] = {"plain", "with \"quote\" and \\", "", NULL, "{braces},comma"};
    int i, j;
    for (i = 0; i < MIQ_SQL_COUNT; i++) {
        CU_ASSERT_EQUAL(all[i].id, (miq_sql_id_e)i); /* table order matches the enum */
        CU_ASSERT_PTR_NOT_NULL(all[i].sql);
        for (j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(all[i].label, all[j].label);
    }
    CU_ASSERT_STRING_EQUAL(miq_sql_array_literal(utp, vals, 5),
                           "{\"plain\",\"with \\\"quote\\\" and \\\\\",NULL,NULL,"
                           "\"{braces},comma\"}");
    CU_ASSERT_STRING_EQUAL(miq_sql_array_literal(utp, vals, 0), "{}");
}

MIQ_SUITE("crypto_sql", MIQ_TEST(test_reqstate_roundtrip_and_tamper),
          MIQ_TEST(test_b64url_and_compare), MIQ_TEST(test_scopes), MIQ_TEST(test_sql_catalog))
