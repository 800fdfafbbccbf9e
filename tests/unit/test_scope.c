/* Token scopes: parsing, formatting and which endpoints a scope allows. */
#include "unit.h"
#include "base/miq_scope.h"

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

MIQ_SUITE("scope", MIQ_TEST(test_scopes))
