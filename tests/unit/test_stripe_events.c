/* Verified Stripe events applied over the fake database: a paid checkout
 * tops up at the credit price, a replay (the same event id) adds nothing,
 * another currency is recorded without credits, and a database failure is a
 * 503 Stripe retries. */
#include <string.h>
#include "base/miq_json.h"
#include "billing/miq_stripe_events.h"
#include "fake_db.h"
#include "unit.h"

static miq_stripe_event paid_checkout(const char *currency)
{
    miq_stripe_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.id = "evt_1";
    ev.type = "checkout.session.completed";
    ev.is_checkout = 1;
    ev.paid = 1;
    ev.session_id = "cs_1";
    ev.account_id = "7";
    ev.amount_minor = 1000;
    ev.currency = currency;
    return ev;
}

static miq_pricing *price_one_cent(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    CU_ASSERT_PTR_NULL(miq_pricing_set_credit_price(pr, 0.01, "usd"));
    return pr;
}

static void test_stripe_paid_checkout_then_replay(void)
{
    fake_db *f = fake_db_new();
    miq_pricing *pr = price_one_cent();
    miq_stripe_event ev = paid_checkout("usd");
    miq_reply r;
    const fake_call *c;
    memset(&r, 0, sizeof(r));
    fake_db_can(f, MIQ_SQL_STRIPE_EVENT, MIQ_SEC_N, 1, "applied", "1100");
    miq_stripe_event_apply(utp, &f->db, pr, &ev, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_STRIPE_EVENT));
    CU_ASSERT_EQUAL(c->nargs, MIQ_SEA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_ID], "evt_1");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_AMOUNT], "1000");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_CURRENCY], "usd");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_CREDITS], "1000");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "credits", -1), 1000);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 1100);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "outcome", ""), "applied");
    /* the same event again: the database says duplicate, no credits are reported */
    fake_db_can(f, MIQ_SQL_STRIPE_EVENT, MIQ_SEC_N, 1, "duplicate", "1100");
    miq_stripe_event_apply(utp, &f->db, pr, &ev, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "outcome", ""), "duplicate");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "credits", -1), 0);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_STRIPE_EVENT)->args[MIQ_SEA_ID], "evt_1");
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_STRIPE_EVENT], 2);
}

static void test_stripe_other_currency_and_other_events(void)
{
    fake_db *f = fake_db_new();
    miq_pricing *pr = price_one_cent();
    miq_stripe_event ev = paid_checkout("eur");
    miq_reply r;
    const fake_call *c;
    memset(&r, 0, sizeof(r));
    fake_db_can(f, MIQ_SQL_STRIPE_EVENT, MIQ_SEC_N, 1, "applied", "");
    miq_stripe_event_apply(utp, &f->db, pr, &ev, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NULL(fake_db_last(f, MIQ_SQL_STRIPE_EVENT)->args[MIQ_SEA_CREDITS]);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "credits", -1), 0);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "balance_credits")));
    /* not a checkout: recorded with its type only */
    memset(&ev, 0, sizeof(ev));
    ev.id = "evt_2";
    ev.type = "invoice.paid";
    fake_db_can(f, MIQ_SQL_STRIPE_EVENT, MIQ_SEC_N, 1, "ignored", "");
    miq_stripe_event_apply(utp, &f->db, pr, &ev, &r);
    c = fake_db_last(f, MIQ_SQL_STRIPE_EVENT);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_SEA_TYPE], "invoice.paid");
    CU_ASSERT_PTR_NULL(c->args[MIQ_SEA_ACCOUNT]);
    CU_ASSERT_PTR_NULL(c->args[MIQ_SEA_AMOUNT]);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "outcome", ""), "ignored");
}

static void test_stripe_database_down(void)
{
    fake_db *f = fake_db_new();
    miq_stripe_event ev = paid_checkout("usd");
    miq_reply r;
    memset(&r, 0, sizeof(r));
    fake_db_fail(f, MIQ_SQL_STRIPE_EVENT);
    miq_stripe_event_apply(utp, &f->db, price_one_cent(), &ev, &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, "the database is unavailable; Stripe will retry");
}

MIQ_SUITE("stripe_events", MIQ_TEST(test_stripe_paid_checkout_then_replay),
          MIQ_TEST(test_stripe_other_currency_and_other_events),
          MIQ_TEST(test_stripe_database_down))
