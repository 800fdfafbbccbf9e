/* core/dashboard's pure parts: the page a readiness warning sends the user
 * to, the relpath of a playback URL, the typed confirmation of an account
 * deletion, and the password rules the forms show. */
#include <string.h>
#include "unit.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "dashboard/miq_dashboard.h"

static void test_warning_pages(void)
{
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("billing_not_set_up"), "billing");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("no_credits"), "billing");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("spend_cap_reached"), "billing");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("usage_alert"), "billing");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("token_expiring_soon"), "connections");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("scope_too_narrow"), "connections");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page("something_new"), "overview");
    CU_ASSERT_STRING_EQUAL(miq_dash_warning_page(NULL), "overview");
}

static void test_media_relpath(void)
{
    const char *id = "upl_0123456789abcdef";
    CU_ASSERT_STRING_EQUAL(miq_dash_media_relpath(utp, id, "uploads/upl_0123456789abcdef.wav"),
                           "media/upl_0123456789abcdef.wav");
    /* only the upload's own file under uploads/, never anything else */
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, "outputs/upl_0123456789abcdef.wav"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, "uploads/upl_fedcba9876543210.wav"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, "uploads/upl_0123456789abcdef"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, "uploads/upl_0123456789abcdef./../x"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, "uploads/upl_0123456789abcdef.wav/x"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, "upl_../../etc", "uploads/upl_../../etc.x"));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, id, NULL));
    CU_ASSERT_PTR_NULL(miq_dash_media_relpath(utp, NULL, "uploads/x.wav"));
}

static void test_delete_confirmation(void)
{
    CU_ASSERT_TRUE(miq_dash_delete_confirmed(utp, "ann@example.com", "ann@example.com"));
    CU_ASSERT_TRUE(miq_dash_delete_confirmed(utp, "ann@example.com", "  Ann@Example.COM "));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, "ann@example.com", "bob@example.com"));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, "ann@example.com", "DELETE"));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, "ann@example.com", ""));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, "ann@example.com", NULL));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, "ann@example.com", "ann@example.co"));
    /* an account without an email (signed in with the organisation) types DELETE */
    CU_ASSERT_TRUE(miq_dash_delete_confirmed(utp, NULL, "DELETE"));
    CU_ASSERT_TRUE(miq_dash_delete_confirmed(utp, "", "DELETE"));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, NULL, "delete"));
    CU_ASSERT_FALSE(miq_dash_delete_confirmed(utp, NULL, "ann@example.com"));
}

static void test_password_rules(void)
{
    json_t *r = miq_password_rules_json(utp);
    CU_ASSERT_EQUAL(miq_json_int(r, "min_length", 0), MIQ_PASSWORD_MIN_CHARS);
    CU_ASSERT_EQUAL(miq_json_int(r, "max_length", 0), MIQ_PASSWORD_MAX_BYTES);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "rules")), 4);
    /* the rules say what the policy does */
    CU_ASSERT_PTR_NOT_NULL(miq_password_policy("abcdefghi"));
    CU_ASSERT_PTR_NULL(miq_password_policy("correct horse battery"));
}

MIQ_SUITE("dashboard", MIQ_TEST(test_warning_pages), MIQ_TEST(test_media_relpath),
          MIQ_TEST(test_delete_confirmation), MIQ_TEST(test_password_rules))
