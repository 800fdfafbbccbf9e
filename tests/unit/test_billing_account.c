/* The dashboard's billing services over the fake database: the billing view,
 * its settings (cap, alert thresholds, connector caps, refused before any
 * statement when bad), the ledger's paging cursor, usage, and a database
 * that is down. Asserts the statements run, their named arguments and the
 * replies. */
#include <string.h>
#include "base/miq_json.h"
#include "billing/miq_billing_account.h"
#include "billing/miq_pricing.h"
#include "fake_db.h"
#include "unit.h"

#define DOWN "the billing database is unavailable; try again shortly"

static void env_init(miq_billing_env *env, fake_db *f)
{
    miq_server *srv = apr_pcalloc(utp, sizeof(*srv));
    srv->base_url = "https://h.example";
    srv->pricing = miq_pricing_default(utp);
    CU_ASSERT_PTR_NULL(miq_pricing_set_credit_price(srv->pricing, 0.01, "usd"));
    memset(env, 0, sizeof(*env));
    env->pool = utp;
    env->db = f ? &f->db : NULL;
    env->srv = srv;
    env->default_thresholds = "{0.5,0.8,1}";
    env->checkout_available = 1;
}

static json_t *body_of(const char *text)
{
    json_t *v = miq_json_parse(utp, text, strlen(text), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

/* One account row: default thresholds, no cap, one alert and one token. */
static void can_account(fake_db *f)
{
    fake_db_can(f, MIQ_SQL_BILLING_GET, MIQ_BGC_N, 1, "1500", "", "200", "active", "",
                "[{\"threshold\":0.5,\"cap_credits\":400}]", "2026-01-01",
                "[{\"token_id\":\"tok_a\",\"monthly_spend_cap_credits\":100}]");
}

static void set(const miq_billing_env *env, const char *body, miq_reply *r)
{
    memset(r, 0, sizeof(*r));
    miq_billing_account_set(env, "7", body_of(body), r);
}

/* ---- the billing view ------------------------------------------------------ */

static void test_billing_get_view(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const fake_call *c;
    json_t *price;
    env_init(&env, f);
    can_account(f);
    memset(&r, 0, sizeof(r));
    miq_billing_account_get(&env, "7", &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_BILLING_GET));
    CU_ASSERT_EQUAL(c->nargs, MIQ_BGA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BGA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "account_id", ""), "7");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 1500);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "monthly_spend_cap_credits")));
    CU_ASSERT_EQUAL(miq_json_int(r.body, "spent_this_period_credits", -1), 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "billing_state", ""), "active");
    /* no thresholds of its own: the server's, marked as not custom */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "alert_thresholds")), 3);
    CU_ASSERT_FALSE(miq_json_bool(r.body, "alert_thresholds_custom", 1));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "usage_alerts")), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "period_start", ""), "2026-01-01");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "tokens")), 1);
    price = json_object_get(r.body, "credit_price");
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(price, "amount", 0), 0.01, 1e-9);
    CU_ASSERT_STRING_EQUAL(miq_json_str(price, "currency", ""), "usd");
    CU_ASSERT_TRUE(miq_json_bool(r.body, "checkout_available", 0));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "dashboard_url", ""),
                           "https://h.example/dashboard/#billing");

    /* its own cap and thresholds; bad JSON text reads as [] */
    fake_db_can(f, MIQ_SQL_BILLING_GET, MIQ_BGC_N, 1, "0", "5000", "0", "not_set_up", "{0.25,1}",
                "not json", "2026-01-01", NULL);
    env.checkout_available = 0;
    miq_billing_account_get(&env, "7", &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "monthly_spend_cap_credits", -1), 5000);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "alert_thresholds")), 2);
    CU_ASSERT_TRUE(miq_json_bool(r.body, "alert_thresholds_custom", 0));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "usage_alerts")), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "tokens")), 0);
    CU_ASSERT_FALSE(miq_json_bool(r.body, "checkout_available", 1));
}

static void test_billing_get_missing_and_down(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    miq_billing_account_get(&env, "7", &r); /* no row: a deleted account */
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_STRING_EQUAL(r.code, "not_found");
    CU_ASSERT_STRING_EQUAL(r.message, "no such account");
    fake_db_can(f, MIQ_SQL_BILLING_GET, 3, 1, "1", "", "0"); /* not the catalog's shape */
    miq_billing_account_get(&env, "7", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    fake_db_fail(f, MIQ_SQL_BILLING_GET);
    miq_billing_account_get(&env, "7", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.code, "server_error");
    CU_ASSERT_STRING_EQUAL(r.message, DOWN);
    env_init(&env, NULL); /* no connection at all */
    memset(&r, 0, sizeof(r));
    miq_billing_account_get(&env, "7", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, DOWN);
}

/* ---- settings -------------------------------------------------------------- */

static void test_billing_set_cap_thresholds_and_token_caps(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    can_account(f);
    fake_db_can(f, MIQ_SQL_TOKEN_CAP_SET, 1, 1, "1");
    set(&env,
        "{\"monthly_spend_cap_credits\":5000,\"alert_thresholds\":[0.8,0.5,0.8],"
        "\"connector_caps\":[{\"token_id\":\"tok_a\",\"monthly_spend_cap_credits\":100},"
        "{\"token_id\":\"tok_b\",\"monthly_spend_cap_credits\":null}]}",
        &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    /* tokens first, then the account, then the view as GET answers it */
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f),
                           "miq_token_cap_set,miq_token_cap_set,miq_billing_set,miq_billing_get");
    c = &f->log[0];
    CU_ASSERT_EQUAL(c->nargs, MIQ_BTA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BTA_CAP], "100");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BTA_TOKEN], "tok_a");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BTA_ACCOUNT], "7");
    c = &f->log[1];
    CU_ASSERT_PTR_NULL(c->args[MIQ_BTA_CAP]);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BTA_TOKEN], "tok_b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_BILLING_SET));
    CU_ASSERT_EQUAL(c->nargs, MIQ_BSA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_SET_CAP], "true");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_CAP], "5000");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_SET_THRESHOLDS], "true");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_THRESHOLDS], "{0.5,0.8}"); /* sorted, once each */
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_ACCOUNT], "7");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 1500);
}

static void test_billing_set_nulls_and_partial(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const fake_call *c;
    env_init(&env, f);
    can_account(f);
    /* null: no cap, and the server's thresholds again */
    set(&env, "{\"monthly_spend_cap_credits\":null,\"alert_thresholds\":null}", &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_BILLING_SET));
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_SET_CAP], "true");
    CU_ASSERT_PTR_NULL(c->args[MIQ_BSA_CAP]);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_SET_THRESHOLDS], "true");
    CU_ASSERT_PTR_NULL(c->args[MIQ_BSA_THRESHOLDS]);
    /* only thresholds: the cap is left alone */
    set(&env, "{\"alert_thresholds\":[1]}", &r);
    CU_ASSERT_EQUAL(r.status, 200);
    c = fake_db_last(f, MIQ_SQL_BILLING_SET);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_SET_CAP], "false");
    CU_ASSERT_PTR_NULL(c->args[MIQ_BSA_CAP]);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BSA_THRESHOLDS], "{1}");
    /* only connector caps: the account row is not written */
    f = fake_db_new();
    env_init(&env, f);
    can_account(f);
    fake_db_can(f, MIQ_SQL_TOKEN_CAP_SET, 1, 1, "1");
    set(&env, "{\"connector_caps\":[{\"token_id\":\"tok_a\",\"monthly_spend_cap_credits\":0}]}",
        &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_token_cap_set,miq_billing_get");
    CU_ASSERT_STRING_EQUAL(f->log[0].args[MIQ_BTA_CAP], "0");
}

/* Each refused before any statement runs, with its message. */
static void test_billing_set_refusals(void)
{
    static const struct {
        const char *body, *message;
    } cases[] = {
        {"{}", "give monthly_spend_cap_credits, alert_thresholds and/or connector_caps"},
        {"{\"other\":1}", "give monthly_spend_cap_credits, alert_thresholds and/or connector_caps"},
        {"{\"monthly_spend_cap_credits\":-1}",
         "monthly_spend_cap_credits must be a whole number of credits (0 to 1e12) or null"},
        {"{\"monthly_spend_cap_credits\":1.5}",
         "monthly_spend_cap_credits must be a whole number of credits (0 to 1e12) or null"},
        {"{\"monthly_spend_cap_credits\":\"100\"}",
         "monthly_spend_cap_credits must be a whole number of credits (0 to 1e12) or null"},
        {"{\"monthly_spend_cap_credits\":1000000000001}",
         "monthly_spend_cap_credits must be a whole number of credits (0 to 1e12) or null"},
        {"{\"alert_thresholds\":[0.5,1.5]}",
         "each alert threshold must be a fraction of the cap above 0 and at most 1 (0.5 = 50 %)"},
        {"{\"alert_thresholds\":[0]}",
         "each alert threshold must be a fraction of the cap above 0 and at most 1 (0.5 = 50 %)"},
        {"{\"alert_thresholds\":[\"half\"]}",
         "alert_thresholds must hold numbers, e.g. [0.5,0.8,1.0]"},
        {"{\"alert_thresholds\":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95,1]}",
         "alert_thresholds must be an array of at most 10 fractions of the cap, e.g. "
         "[0.5,0.8,1.0]"},
        {"{\"alert_thresholds\":0.5}",
         "alert_thresholds must be an array of at most 10 fractions of the cap, e.g. "
         "[0.5,0.8,1.0]"},
        {"{\"connector_caps\":{}}",
         "connector_caps must be an array of {token_id, monthly_spend_cap_credits} (at most "
         "100)"},
        {"{\"connector_caps\":[{\"monthly_spend_cap_credits\":1}]}",
         "each connector_caps item needs token_id and monthly_spend_cap_credits (a number or "
         "null)"},
        {"{\"connector_caps\":[{\"token_id\":\"tok_a\"}]}",
         "each connector_caps item needs token_id and monthly_spend_cap_credits (a number or "
         "null)"},
        {"{\"connector_caps\":[{\"token_id\":\"\",\"monthly_spend_cap_credits\":1}]}",
         "each connector_caps item needs token_id and monthly_spend_cap_credits (a number or "
         "null)"},
        {"{\"connector_caps\":[{\"token_id\":\"tok_a\",\"monthly_spend_cap_credits\":-5}]}",
         "connector_caps[].monthly_spend_cap_credits must be a whole number of credits (0 to "
         "1e12) or null"},
        /* a bad cap after good token caps: nothing is written */
        {"{\"connector_caps\":[{\"token_id\":\"tok_a\",\"monthly_spend_cap_credits\":1}],"
         "\"monthly_spend_cap_credits\":-1}",
         "monthly_spend_cap_credits must be a whole number of credits (0 to 1e12) or null"},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_db *f = fake_db_new();
        miq_billing_env env;
        miq_reply r;
        env_init(&env, f);
        can_account(f);
        set(&env, cases[i].body, &r);
        CU_ASSERT_EQUAL(r.status, 400);
        CU_ASSERT_STRING_EQUAL(r.code, "invalid_request");
        CU_ASSERT_STRING_EQUAL(r.message, cases[i].message);
        CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "");
    }
}

static void test_billing_set_more_than_100_token_caps(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    json_t *body = json_object(), *caps = json_array();
    int i;
    miq_json_pool(utp, body);
    for (i = 0; i < 101; i++)
        json_array_append_new(caps, json_pack("{s:s,s:i}", "token_id", "tok_a",
                                              "monthly_spend_cap_credits", 1));
    json_object_set_new(body, "connector_caps", caps);
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    miq_billing_account_set(&env, "7", body, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "");
}

static void test_billing_set_unknown_token_and_down(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const char *both = "{\"monthly_spend_cap_credits\":10,"
                       "\"connector_caps\":[{\"token_id\":\"tok_x\","
                       "\"monthly_spend_cap_credits\":1}]}";
    env_init(&env, f);
    can_account(f);
    /* no row back: not a live token of this account; the cap is not written */
    set(&env, both, &r);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_STRING_EQUAL(r.code, "not_found");
    CU_ASSERT_STRING_EQUAL(r.message, "no active token tok_x on this account");
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_token_cap_set");
    fake_db_fail(f, MIQ_SQL_TOKEN_CAP_SET);
    set(&env, both, &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, DOWN);
    /* the account update fails: no view read */
    f = fake_db_new();
    env_init(&env, f);
    can_account(f);
    fake_db_fail(f, MIQ_SQL_BILLING_SET);
    set(&env, "{\"monthly_spend_cap_credits\":10}", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_billing_set");
    /* written, then the view fails */
    f = fake_db_new();
    env_init(&env, f);
    fake_db_fail(f, MIQ_SQL_BILLING_GET);
    set(&env, "{\"monthly_spend_cap_credits\":10}", &r);
    CU_ASSERT_EQUAL(r.status, 503);
}

/* ---- ledger ---------------------------------------------------------------- */

static void test_ledger_paging_cursor(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const fake_call *c;
    json_t *e;
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    /* limit 2, three rows back: a full page and a cursor at its last entry */
    fake_db_can(f, MIQ_SQL_LEDGER_PAGE, MIQ_BLC_N, 3, "30", "settlement", "-40", "job_1", "",
                "2026-01-02T03:04:05.000Z", "29", "grant", "100", "", "welcome",
                "2026-01-01T00:00:00.000Z", "28", "grant", "5", "", "", "2026-01-01");
    miq_billing_ledger(&env, "7", NULL, "2", &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_LEDGER_PAGE));
    CU_ASSERT_EQUAL(c->nargs, MIQ_BLA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BLA_ACCOUNT], "7");
    CU_ASSERT_PTR_NULL(c->args[MIQ_BLA_BEFORE]);
    CU_ASSERT_PTR_NULL(c->args[MIQ_BLA_BEFORE2]);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BLA_LIMIT], "3"); /* one more: is there a next page */
    e = json_object_get(r.body, "entries");
    CU_ASSERT_EQUAL_FATAL(json_array_size(e), 2);
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(e, 0), "id", 0), 30);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(e, 0), "kind", ""), "settlement");
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(e, 0), "credits", 0), -40);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(e, 0), "job_id", ""), "job_1");
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_array_get(e, 1), "job_id")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(e, 1), "note", ""), "welcome");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(e, 1), "created_at", ""),
                           "2026-01-01T00:00:00.000Z");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "next_before", 0), 29);

    /* the next page from the cursor: the last one, so no cursor */
    fake_db_can(f, MIQ_SQL_LEDGER_PAGE, MIQ_BLC_N, 1, "28", "grant", "5", "", "", "2026-01-01");
    miq_billing_ledger(&env, "7", "29", "2", &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    c = fake_db_last(f, MIQ_SQL_LEDGER_PAGE);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BLA_BEFORE], "29");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BLA_BEFORE2], "29");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "entries")), 1);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "next_before")));

    /* exactly a page: no cursor either; the default limit is 50 */
    fake_db_can(f, MIQ_SQL_LEDGER_PAGE, MIQ_BLC_N, 0);
    miq_billing_ledger(&env, "7", NULL, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_LEDGER_PAGE)->args[MIQ_BLA_LIMIT], "51");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "entries")), 0);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "next_before")));
}

static void test_ledger_refusals_and_down(void)
{
    static const char *const bad[][2] = {
        {"0", NULL}, {"-3", NULL},  {"abc", NULL}, {"", NULL}, {"12x", NULL},
        {NULL, "0"}, {NULL, "201"}, {NULL, "ten"}, {NULL, ""}, {"99999999999999999999", NULL},
    };
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    size_t i;
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        miq_billing_ledger(&env, "7", bad[i][0], bad[i][1], &r);
        CU_ASSERT_EQUAL(r.status, 400);
        CU_ASSERT_STRING_EQUAL(r.message, "before must be an entry id and limit 1 to 200");
    }
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "");
    miq_billing_ledger(&env, "7", "1", "200", &r); /* the bounds themselves are fine */
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_LEDGER_PAGE)->args[MIQ_BLA_LIMIT], "201");
    fake_db_fail(f, MIQ_SQL_LEDGER_PAGE);
    miq_billing_ledger(&env, "7", NULL, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, DOWN);
}

/* ---- usage ----------------------------------------------------------------- */

static void test_usage_by_dimension(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    const fake_call *c;
    json_t *conn;
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    fake_db_can(f, MIQ_SQL_USAGE, MIQ_BUC_N, 4, "day", "2026-01-02", "", "3", "120", "endpoint",
                "audio_analysis", "", "3", "120", "connector", "tok_a", "Claude", "2", "100",
                "connector", "", "", "1", "20");
    miq_billing_usage(&env, "7", NULL, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c = fake_db_last(f, MIQ_SQL_USAGE));
    CU_ASSERT_EQUAL(c->nargs, MIQ_BUA_N);
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BUA_ACCOUNT], "7");
    CU_ASSERT_STRING_EQUAL(c->args[MIQ_BUA_DAYS], "30");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "days", 0), 30);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "by_day")), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(json_object_get(r.body, "by_day"), 0), "day",
                                        ""),
                           "2026-01-02");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(json_object_get(r.body, "by_endpoint"), 0),
                                        "endpoint", ""),
                           "audio_analysis");
    conn = json_object_get(r.body, "by_connector");
    CU_ASSERT_EQUAL_FATAL(json_array_size(conn), 2);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(conn, 0), "name", ""), "Claude");
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(conn, 0), "credits", 0), 100);
    /* jobs without a connector (API keys, the dashboard): null token and name */
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_array_get(conn, 1), "token_id")));
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_array_get(conn, 1), "name")));
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(conn, 1), "jobs", 0), 1);

    miq_billing_usage(&env, "7", "366", &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_USAGE)->args[MIQ_BUA_DAYS], "366");
}

static void test_usage_refusals_and_down(void)
{
    fake_db *f = fake_db_new();
    miq_billing_env env;
    miq_reply r;
    env_init(&env, f);
    memset(&r, 0, sizeof(r));
    miq_billing_usage(&env, "7", "0", &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.message, "days must be 1 to 366");
    miq_billing_usage(&env, "7", "367", &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_billing_usage(&env, "7", "week", &r);
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "");
    fake_db_fail(f, MIQ_SQL_USAGE);
    miq_billing_usage(&env, "7", "7", &r);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.message, DOWN);
}

MIQ_SUITE("billing_account", MIQ_TEST(test_billing_get_view),
          MIQ_TEST(test_billing_get_missing_and_down),
          MIQ_TEST(test_billing_set_cap_thresholds_and_token_caps),
          MIQ_TEST(test_billing_set_nulls_and_partial), MIQ_TEST(test_billing_set_refusals),
          MIQ_TEST(test_billing_set_more_than_100_token_caps),
          MIQ_TEST(test_billing_set_unknown_token_and_down), MIQ_TEST(test_ledger_paging_cursor),
          MIQ_TEST(test_ledger_refusals_and_down), MIQ_TEST(test_usage_by_dimension),
          MIQ_TEST(test_usage_refusals_and_down))
