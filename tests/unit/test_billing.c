/* Billing without a database (issue 6): pricing at every endpoint's edges,
 * the credit's price in money, alert thresholds, the job-creation refusals
 * and the account view's billing part, Stripe signature vectors (valid,
 * wrong secret, stale, several v1, malformed headers), event parsing and the
 * Checkout Session body. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "accounts/miq_auth.h"
#include "billing/miq_billing.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "billing/miq_stripe.h"
#include "tools/miq_account_view.h"
#include "tools/miq_server_build.h"
#include "jobs/miq_jobs.h"

static apr_int64_t price(const miq_pricing *pr, const char *ep, double dur, const char *params)
{
    miq_price_quote q;
    json_t *pj = params ? miq_json_parse(utp, params, strlen(params), NULL) : NULL;
    return miq_pricing_estimate(pr, utp, ep, dur, pj, &q) ? -1 : q.credits;
}

/* Every media-minute endpoint at 0 s, 59.9 s, 60 s, 60.001 s and long media. */
static void test_pricing_edges_every_endpoint(void)
{
    static const struct {
        const char *ep;
        apr_int64_t per_min;
    } eps[] = {{"audio/silence", 1},
               {"audio/energy", 1},
               {"video/scenes", 2},
               {"timeline/moments", 3}};
    miq_pricing *pr = miq_pricing_default(utp);
    size_t i;
    for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 0, NULL), 0);
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 59.9, NULL), eps[i].per_min);
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 60, NULL), eps[i].per_min);
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 60.001, NULL), 2 * eps[i].per_min);
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 48 * 3600.0, NULL), 2880 * eps[i].per_min);
        CU_ASSERT_EQUAL(price(pr, eps[i].ep, 48 * 3600.0 + 1, NULL), -1); /* above the max */
    }
    /* frames: one per timestamp, every_s over the duration, at_scenes bounded */
    CU_ASSERT_EQUAL(price(pr, "video/frames", 59.9, "{\"timestamps\":[0,1,2]}"), 1);
    CU_ASSERT_EQUAL(price(pr, "video/frames", 600, "{\"every_s\":1,\"max_frames\":5000}"), 60);
    CU_ASSERT_EQUAL(price(pr, "video/frames", 60, "{\"every_s\":10}"), 1);      /* 6 x 0.1 */
    CU_ASSERT_EQUAL(price(pr, "video/frames", 60, "{\"at_scenes\":true}"), 20); /* 200 x 0.1 */
    CU_ASSERT_EQUAL(price(pr, "video/frames", 0, "{\"every_s\":1}"), -1);
    /* clips: started minutes of output, copy vs reencode */
    CU_ASSERT_EQUAL(price(pr, "video/clips", 600, "{\"clips\":[{\"start\":0,\"end\":59.9}]}"), 1);
    CU_ASSERT_EQUAL(price(pr, "video/clips", 600, "{\"clips\":[{\"start\":0,\"end\":60}]}"), 1);
    CU_ASSERT_EQUAL(price(pr, "video/clips", 600,
                          "{\"clips\":[{\"start\":0,\"end\":30},{\"start\":40,\"end\":70.5}]}"),
                    2);
    CU_ASSERT_EQUAL(price(pr, "video/clips", 600,
                          "{\"mode\":\"reencode\",\"clips\":[{\"start\":0,\"end\":61}]}"),
                    6);
}

static void test_credit_price(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    const char *cur = NULL;
    json_t *table;
    CU_ASSERT_DOUBLE_EQUAL(miq_pricing_credit_price(pr, &cur), 0.01, 1e-12);
    CU_ASSERT_STRING_EQUAL(cur, "usd");
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1000, "usd"), 1000); /* $10 */
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1000, "USD"), 1000);
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1000, "eur"), -1);
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, -1, "usd"), -1);
    CU_ASSERT_EQUAL(miq_pricing_amount_for_credits(pr, 250), 250);
    CU_ASSERT_PTR_NULL(miq_pricing_set_credit_price(pr, 0.004, "EUR"));
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1000, "eur"), 2500);
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1, "eur"), 2);
    CU_ASSERT_EQUAL(miq_pricing_amount_for_credits(pr, 3), 2);      /* 1.2 cents, rounded up */
    CU_ASSERT_PTR_NULL(miq_pricing_set_credit_price(pr, 2, "jpy")); /* zero-decimal */
    CU_ASSERT_EQUAL(miq_pricing_minor_per_unit("JPY"), 1);
    CU_ASSERT_EQUAL(miq_pricing_credits_for_amount(pr, 1000, "jpy"), 500);
    CU_ASSERT_EQUAL(miq_pricing_amount_for_credits(pr, 500), 1000);
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set_credit_price(pr, 0, "usd"));
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set_credit_price(pr, 0.01, "us"));
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set_credit_price(pr, 0.01, "u$d"));
    table = miq_pricing_table_json(utp, pr);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(table, "credit_price"), "currency", ""),
                           "jpy");
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_pricing_table_markdown(utp, pr), "One credit costs 2 jpy"));
}

static void test_thresholds(void)
{
    const char *lit = NULL;
    const char *words[] = {"80%", "0.5", "1"};
    json_t *j;
    CU_ASSERT_PTR_NULL(
        miq_billing_thresholds_parse(utp, miq_json_parse(utp, "[1.0,0.5,0.8,0.5]", 17, NULL),
                                     &lit));
    CU_ASSERT_STRING_EQUAL(lit, "{0.5,0.8,1}");
    CU_ASSERT_PTR_NULL(miq_billing_thresholds_parse(utp, miq_json_parse(utp, "[]", 2, NULL), &lit));
    CU_ASSERT_STRING_EQUAL(lit, "{}");
    CU_ASSERT_PTR_NOT_NULL(
        miq_billing_thresholds_parse(utp, miq_json_parse(utp, "[0.5,1.5]", 9, NULL), &lit));
    CU_ASSERT_PTR_NOT_NULL(
        miq_billing_thresholds_parse(utp, miq_json_parse(utp, "[0]", 3, NULL), &lit));
    CU_ASSERT_PTR_NOT_NULL(
        miq_billing_thresholds_parse(utp, miq_json_parse(utp, "[\"a\"]", 5, NULL), &lit));
    CU_ASSERT_PTR_NOT_NULL(
        miq_billing_thresholds_parse(utp, miq_json_pool(utp, json_integer(1)), &lit));
    CU_ASSERT_PTR_NULL(miq_billing_thresholds_words(utp, 3, words, &lit));
    CU_ASSERT_STRING_EQUAL(lit, "{0.5,0.8,1}");
    words[0] = "lots";
    CU_ASSERT_PTR_NOT_NULL(miq_billing_thresholds_words(utp, 3, words, &lit));
    CU_ASSERT_PTR_NOT_NULL(miq_billing_thresholds_words(utp, 0, words, &lit));
    j = miq_billing_thresholds_json(utp, "{0.5,0.8,1.0}");
    CU_ASSERT_EQUAL(json_array_size(j), 3);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_array_get(j, 1)), 0.8, 1e-9);
    CU_ASSERT_EQUAL(json_array_size(miq_billing_thresholds_json(utp, "junk")), 0);
}

static void test_refusals(void)
{
    miq_server *srv;
    miq_jobs_env env;
    miq_reply r;
    static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    CU_ASSERT_PTR_NULL_FATAL(miq_server_build(utp, "https://api.test", NULL, key, 32, 0, &srv));
    memset(&env, 0, sizeof(env));
    env.pool = utp;
    env.srv = srv;
    memset(&r, 0, sizeof(r));
    CU_ASSERT_FALSE(miq_billing_refusal(env.pool, env.srv, "created", "job_1", 3, &r));
    CU_ASSERT_TRUE(miq_billing_refusal(
        env.pool, env.srv, "billing_required",
        "{\"balance_credits\":2,\"estimated_credits\":3,\"billing_state\":\"not_set_up\"}", 3, &r));
    CU_ASSERT_EQUAL(r.status, 402);
    CU_ASSERT_STRING_EQUAL(r.code, "billing_required");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 2);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "estimated_credits", -1), 3);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "dashboard_url", ""),
                           "https://api.test/dashboard/#billing");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "https://api.test/dashboard/#billing"));

    CU_ASSERT_TRUE(miq_billing_refusal(env.pool, env.srv, "insufficient_credits", "5", 9, &r));
    CU_ASSERT_STRING_EQUAL(r.code, "insufficient_credits");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "balance is 5 credits and this job needs 9"));

    CU_ASSERT_TRUE(miq_billing_refusal(env.pool, env.srv, "spend_cap_exceeded",
                                       "{\"cap_scope\":\"connector\",\"token_id\":\"tok_1\","
                                       "\"monthly_spend_cap_credits\":10,"
                                       "\"spent_this_period_credits\":8,\"balance_credits\":50}",
                                       3, &r));
    CU_ASSERT_EQUAL(r.status, 402);
    CU_ASSERT_STRING_EQUAL(r.code, "spend_cap_exceeded");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "monthly_spend_cap_credits", -1), 10);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "spent_this_period_credits", -1), 8);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "cap_scope", ""), "connector");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "from 8 to 11"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "connector token"));
}

static int has(const json_t *w, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) if (!strcmp(miq_json_str(v, "code", ""), code)) return 1;
    return 0;
}

static const char *msg_of(const json_t *w, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) if (!strcmp(miq_json_str(v, "code", ""),
                                            code)) return miq_json_str(v, "message", "");
    return "";
}

static void test_account_billing_view(void)
{
    miq_caller c;
    json_t *v, *w;
    memset(&c, 0, sizeof(c));
    c.account_id = "7";
    c.token_id = "tok_1";
    c.kind = "api_key";
    c.token_expires_in_s = -1;
    c.has_billing = 1;
    c.balance_credits = 40;
    c.spend_cap_credits = 100;
    c.spent_credits = 85;
    c.billing_state = "active";
    c.alert_thresholds = "{0.5,0.8,1}";
    c.alerts_json = "[{\"threshold\":0.5,\"cap_credits\":100,\"spent_credits\":55,\"at\":\"x\"},"
                    "{\"threshold\":0.8,\"cap_credits\":100,\"spent_credits\":85,\"at\":\"y\"}]";
    c.token_cap_credits = 20;
    c.token_spent_credits = 4;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(miq_json_int(v, "balance_credits", -1), 40);
    CU_ASSERT_EQUAL(miq_json_int(v, "monthly_spend_cap_credits", -1), 100);
    CU_ASSERT_EQUAL(miq_json_int(v, "spent_this_period_credits", -1), 85);
    CU_ASSERT_STRING_EQUAL(miq_json_str(v, "billing_state", ""), "active");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "usage_alerts")), 2);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "alert_thresholds")), 3);
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(v, "token_spend_cap"), "monthly_spend_cap_credits",
                                 -1),
                    20);
    CU_ASSERT_FALSE(has(w, "billing_not_set_up"));
    CU_ASSERT_FALSE(has(w, "no_spend_cap"));
    CU_ASSERT_TRUE(has(w, "usage_alert"));
    c.spent_credits = 100;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_TRUE(has(w, "spend_cap_reached"));
    c.billing_state = "not_set_up";
    c.spend_cap_credits = -1;
    v = miq_account_view(utp, &c, &w);
    CU_ASSERT_TRUE(json_is_null(json_object_get(v, "monthly_spend_cap_credits")));
    CU_ASSERT_TRUE(has(w, "billing_not_set_up") && has(w, "no_spend_cap"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg_of(w, "billing_not_set_up"), "40 free credits remain"));
}

/* ---- Stripe ---------------------------------------------------------------------- */

#define SECRET  "whsec_test_secret_0123456789"
#define PAYLOAD "{\"id\":\"evt_1\",\"type\":\"ping\"}"
/* HMAC-SHA256(SECRET, "1700000000." PAYLOAD), computed with Python's hmac module. */
#define SIG "ca4620dcda0df82d724dc9135fc3e9d3313af224c6485dbd6e057d118e621e32"
#define T0  1700000000

static const char *verify(const char *header, const char *secret, apr_int64_t now)
{
    return miq_stripe_verify(header, PAYLOAD, strlen(PAYLOAD), (const unsigned char *)secret,
                             strlen(secret), now, 300);
}

static void test_stripe_signatures(void)
{
    const char *h = apr_psprintf(utp, "t=%d,v1=%s", T0, SIG), *r;
    /* valid, as Stripe computes it, and as miq_stripe_sign makes it */
    CU_ASSERT_PTR_NULL(verify(h, SECRET, T0));
    CU_ASSERT_PTR_NULL(verify(h, SECRET, T0 + 300));
    CU_ASSERT_STRING_EQUAL(miq_stripe_sign(utp, PAYLOAD, strlen(PAYLOAD),
                                           (const unsigned char *)SECRET, strlen(SECRET), T0),
                           h);
    /* upper-case hex and a v0 next to it are fine */
    CU_ASSERT_PTR_NULL(verify(apr_psprintf(utp, "t=%d,v0=abc,v1=%s", T0,
                                           apr_pstrdup(utp, "CA4620DCDA0DF82D724DC9135FC3E9D3"
                                                            "313AF224C6485DBD6E057D118E621E32")),
                              SECRET, T0));
    /* wrong secret */
    r = verify(h, "whsec_another_secret_000000", T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "mismatch");
    /* stale, and too far in the future */
    r = verify(h, SECRET, T0 + 301);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "stale");
    r = verify(h, SECRET, T0 - 301);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "stale");
    /* several v1 values (a rotated secret): any one may match */
    CU_ASSERT_PTR_NULL(verify(apr_psprintf(utp, "t=%d,v1=%064d,v1=%s", T0, 0, SIG), SECRET, T0));
    CU_ASSERT_PTR_NULL(verify(apr_psprintf(utp, "t=%d, v1=%s, v1=%064d", T0, SIG, 7), SECRET, T0));
    r = verify(apr_psprintf(utp, "t=%d,v1=%064d,v1=%064d", T0, 1, 2), SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "mismatch");
    /* the signature covers the timestamp too */
    r = verify(apr_psprintf(utp, "t=%d,v1=%s", T0 + 1, SIG), SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "mismatch");
    /* malformed headers */
    r = verify(NULL, SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "missing");
    r = verify("", SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "missing");
    {
        static const char *const bad[] = {"garbage",
                                          "v1=" SIG,
                                          "t=1700000000",
                                          "t=,v1=" SIG,
                                          "t=17000x0000,v1=" SIG,
                                          "t=1700000000,=abc,v1=" SIG,
                                          "t=1700000000,t=1700000000,v1=" SIG,
                                          "t=1700000000,v0=" SIG,
                                          NULL};
        int i;
        for (i = 0; bad[i]; i++) {
            r = verify(bad[i], SECRET, T0);
            CU_ASSERT_STRING_EQUAL(r ? r : "", "malformed");
        }
    }
    /* a signature of the wrong length or with non-hex characters never matches */
    r = verify(apr_psprintf(utp, "t=%d,v1=%.63s", T0, SIG), SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "mismatch");
    r = verify(apr_psprintf(utp, "t=%d,v1=zz%.62s", T0, SIG + 2), SECRET, T0);
    CU_ASSERT_STRING_EQUAL(r ? r : "", "mismatch");
}

static void test_stripe_events(void)
{
    miq_stripe_event ev;
    const char *ok = "{\"id\":\"evt_9\",\"type\":\"checkout.session.completed\",\"data\":{"
                     "\"object\":{\"id\":\"cs_1\",\"client_reference_id\":\"42\","
                     "\"amount_total\":1500,\"currency\":\"USD\",\"payment_status\":\"paid\"}}}";
    CU_ASSERT_PTR_NULL(miq_stripe_parse_event(utp, ok, strlen(ok), &ev));
    CU_ASSERT_TRUE(ev.is_checkout && ev.paid);
    CU_ASSERT_STRING_EQUAL(ev.id, "evt_9");
    CU_ASSERT_STRING_EQUAL(ev.account_id, "42");
    CU_ASSERT_EQUAL(ev.amount_minor, 1500);
    CU_ASSERT_STRING_EQUAL(ev.currency, "usd");
    CU_ASSERT_STRING_EQUAL(ev.session_id, "cs_1");
    CU_ASSERT_PTR_NULL(miq_stripe_parse_event(utp, PAYLOAD, strlen(PAYLOAD), &ev));
    CU_ASSERT_FALSE(ev.is_checkout);
    {
        static const char *const bad[] = {
            "[]",
            "not json",
            "{\"type\":\"ping\"}",
            "{\"id\":\"evt_1\"}",
            "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\"}",
            "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\",\"data\":{\"object\":{"
            "\"amount_total\":1,\"currency\":\"usd\"}}}",
            "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\",\"data\":{\"object\":{"
            "\"client_reference_id\":\"4x\",\"amount_total\":1,\"currency\":\"usd\"}}}",
            "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\",\"data\":{\"object\":{"
            "\"client_reference_id\":\"4\",\"amount_total\":-1,\"currency\":\"usd\"}}}",
            "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\",\"data\":{\"object\":{"
            "\"client_reference_id\":\"4\",\"amount_total\":1,\"currency\":\"dollars\"}}}",
            NULL};
        int i;
        for (i = 0; bad[i]; i++)
            CU_ASSERT_PTR_NOT_NULL(miq_stripe_parse_event(utp, bad[i], strlen(bad[i]), &ev));
    }
}

static void test_stripe_checkout_form(void)
{
    miq_stripe_checkout c;
    const char *f;
    memset(&c, 0, sizeof(c));
    c.account_id = "42";
    c.credits = 500;
    c.amount_minor = 500;
    c.currency = "usd";
    c.success_url = "https://api.test/dashboard/?checkout=success#billing";
    c.cancel_url = "https://api.test/dashboard/";
    c.email = "a+b@example.com";
    f = miq_stripe_checkout_form(utp, &c);
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "mode=payment&"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "client_reference_id=42&"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "customer_email=a%2Bb%40example.com"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(f,
               "success_url=https%3A%2F%2Fapi.test%2Fdashboard%2F%3Fcheckout%3Dsuccess%23billing"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=500"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=usd"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "metadata%5Bcredits%5D=500"));
}

MIQ_SUITE("billing", MIQ_TEST(test_pricing_edges_every_endpoint), MIQ_TEST(test_credit_price),
          MIQ_TEST(test_thresholds), MIQ_TEST(test_refusals), MIQ_TEST(test_account_billing_view),
          MIQ_TEST(test_stripe_signatures), MIQ_TEST(test_stripe_events),
          MIQ_TEST(test_stripe_checkout_form))
