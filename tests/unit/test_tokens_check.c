/* The bearer token check over the fake database: a valid token fills the
 * caller (billing too) and is touched at most once a minute; unknown,
 * expired, revoked, malformed, wrong-audience and bad-scope tokens are
 * refused with an invalid_api_key event; a database that is down is -2. */
#include <string.h>
#include <apr_strings.h>
#include "accounts/miq_auth.h"
#include "accounts/miq_tokens_check.h"
#include "base/miq_scope.h"
#include "fake_db.h"
#include "unit.h"

#define SECRET  "miq_conn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define MCP_URL "https://h.example/mcp"

static const char *ev_log;

static void capture_event(const char *kind, const char *code, const char *account_id,
                          const char *token_id, const char *surface, const char *detail)
{
    CU_ASSERT_PTR_NULL(detail);
    ev_log = apr_pstrcat(utp, ev_log, *ev_log ? ";" : "", kind, ",", code ? code : "-", ",",
                         account_id ? account_id : "-", ",", token_id ? token_id : "-", ",",
                         surface, NULL);
}

static int audience_is_mcp(const char *audience, const char *mcp_url)
{
    return !strcmp(audience, mcp_url);
}

static void env_init(miq_token_env *env, fake_db *f, const char *surface)
{
    memset(env, 0, sizeof(*env));
    env->pool = utp;
    env->db = f ? &f->db : NULL;
    env->surface = surface;
    env->audience_ok = audience_is_mcp;
    env->mcp_url = MCP_URL;
    env->default_thresholds = "{0.5,0.8,1}";
    env->event = capture_event;
    ev_log = "";
}

/* The catalog's row for a token in state, last used idle seconds ago. */
static void can_token(fake_db *f, const char *state, const char *idle, const char *scopes,
                      const char *audience)
{
    fake_db_can(f, MIQ_SQL_TOKEN_CHECK, MIQ_TKK_COLS, 1, "tok_1", "7", "connector", scopes, state,
                "3600", "ann@example.com", "2026-01-02T03:04:05Z", idle, "1500", "5000", "200",
                "active", "{0.25,1}", "[{\"threshold\":0.25}]", "300", "40", audience);
}

static int check(const miq_token_env *env, const char *authorization, miq_caller *c,
                 const char **why)
{
    return miq_token_check(env, authorization, c, why);
}

static void test_token_valid_fills_caller(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why = "x";
    const fake_call *call;
    env_init(&env, f, "rest");
    can_token(f, "ok", "-1", "audio/*,timeline/*", "");
    CU_ASSERT_EQUAL_FATAL(check(&env, "Bearer " SECRET, &c, &why), 1);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_STRING_EQUAL(ev_log, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(call = fake_db_last(f, MIQ_SQL_TOKEN_CHECK));
    CU_ASSERT_EQUAL(call->nargs, MIQ_TKK_N);
    /* only the secret's hash is looked up */
    CU_ASSERT_STRING_EQUAL(call->args[MIQ_TKK_HASH], miq_token_hash(utp, SECRET));
    CU_ASSERT_STRING_EQUAL(c.token_id, "tok_1");
    CU_ASSERT_STRING_EQUAL(c.account_id, "7");
    CU_ASSERT_STRING_EQUAL(c.kind, "connector");
    CU_ASSERT_EQUAL(c.scopes, MIQ_SCOPE_AUDIO | MIQ_SCOPE_TIMELINE);
    CU_ASSERT_EQUAL(c.token_expires_in_s, 3600);
    CU_ASSERT_STRING_EQUAL(c.email, "ann@example.com");
    CU_ASSERT_STRING_EQUAL(c.account_created, "2026-01-02T03:04:05Z");
    /* billing, read in the same round trip */
    CU_ASSERT_TRUE(c.has_billing);
    CU_ASSERT_EQUAL(c.balance_credits, 1500);
    CU_ASSERT_EQUAL(c.spend_cap_credits, 5000);
    CU_ASSERT_EQUAL(c.spent_credits, 200);
    CU_ASSERT_STRING_EQUAL(c.billing_state, "active");
    CU_ASSERT_STRING_EQUAL(c.alert_thresholds, "{0.25,1}");
    CU_ASSERT_STRING_EQUAL(c.alerts_json, "[{\"threshold\":0.25}]");
    CU_ASSERT_EQUAL(c.token_cap_credits, 300);
    CU_ASSERT_EQUAL(c.token_spent_credits, 40);
    /* never used: touched */
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_token_check,miq_token_touch");
    CU_ASSERT_EQUAL(fake_db_last(f, MIQ_SQL_TOKEN_TOUCH)->nargs, MIQ_TKT_N);
    CU_ASSERT_STRING_EQUAL(fake_db_last(f, MIQ_SQL_TOKEN_TOUCH)->args[MIQ_TKT_ID], "tok_1");
}

static void test_token_billing_defaults_and_touch_once_a_minute(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why;
    env_init(&env, f, "mcp");
    /* no email, no caps, the server's thresholds; used 59 s ago: no touch */
    fake_db_can(f, MIQ_SQL_TOKEN_CHECK, MIQ_TKK_COLS, 1, "tok_2", "8", "api_key", "all", "ok", "-1",
                "", "2026-01-02T03:04:05Z", "59", "0", "", "0", "not_set_up", "", "[]", "", "0",
                "");
    CU_ASSERT_EQUAL_FATAL(check(&env, "bearer  " SECRET "  ", &c, &why), 1);
    CU_ASSERT_EQUAL(c.scopes, MIQ_SCOPE_ALL);
    CU_ASSERT_EQUAL(c.token_expires_in_s, -1);
    CU_ASSERT_PTR_NULL(c.email);
    CU_ASSERT_EQUAL(c.spend_cap_credits, -1);
    CU_ASSERT_EQUAL(c.token_cap_credits, -1);
    CU_ASSERT_STRING_EQUAL(c.billing_state, "not_set_up");
    CU_ASSERT_STRING_EQUAL(c.alert_thresholds, "{0.5,0.8,1}");
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_token_check");
    /* 60 s: touched; a failing touch still lets the caller in */
    f->by_id[MIQ_SQL_TOKEN_CHECK].rows[0][MIQ_TKK_IDLE_S] = "60";
    fake_db_fail(f, MIQ_SQL_TOKEN_TOUCH);
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), 1);
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "miq_token_check,miq_token_check,miq_token_touch");
}

static void test_token_none_and_malformed(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why = "x";
    env_init(&env, f, "rest");
    CU_ASSERT_EQUAL(check(&env, NULL, &c, &why), 0);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_PTR_NULL(c.account_id);
    CU_ASSERT_STRING_EQUAL(ev_log, "");
    CU_ASSERT_EQUAL(check(&env, "Basic dXNlcjpwYXNz", &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "not_bearer");
    CU_ASSERT_EQUAL(check(&env, "Bearer miq_conn_short", &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "malformed");
    CU_ASSERT_EQUAL(check(&env, "Bearer sk_live_" SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "malformed");
    CU_ASSERT_STRING_EQUAL(ev_log, "invalid_api_key,not_bearer,-,-,rest;"
                                   "invalid_api_key,malformed,-,-,rest;"
                                   "invalid_api_key,malformed,-,-,rest");
    /* nothing to look up */
    CU_ASSERT_STRING_EQUAL(fake_db_trace(f), "");
    /* malformed is answered even with the database down */
    env_init(&env, NULL, "rest");
    CU_ASSERT_EQUAL(check(&env, "Bearer nope", &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "malformed");
}

static void test_token_unknown_expired_revoked(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why;
    env_init(&env, f, "mcp");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1); /* no row */
    CU_ASSERT_STRING_EQUAL(why, "unknown");
    can_token(f, "expired", "5", "all", "");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "expired");
    CU_ASSERT_PTR_NULL(c.account_id);
    can_token(f, "revoked", "5", "all", "");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "revoked");
    CU_ASSERT_PTR_NULL(c.account_id);
    CU_ASSERT_STRING_EQUAL(ev_log, "invalid_api_key,unknown,-,-,mcp;"
                                   "invalid_api_key,expired,7,tok_1,mcp;"
                                   "invalid_api_key,revoked,7,tok_1,mcp");
    /* refused tokens are never touched */
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_TOKEN_TOUCH], 0);
}

static void test_token_audience_and_scopes(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why;
    /* an OAuth access token for this MCP URL: good on /mcp */
    env_init(&env, f, "mcp");
    can_token(f, "ok", "5", "all", MCP_URL);
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), 1);
    /* ... not on /v1 */
    env_init(&env, f, "rest");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "wrong_audience");
    /* ... nor for another resource, nor without a way to tell */
    env_init(&env, f, "mcp");
    can_token(f, "ok", "5", "all", "https://other.example/mcp");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "wrong_audience");
    can_token(f, "ok", "5", "all", MCP_URL);
    env.audience_ok = NULL;
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "wrong_audience");
    /* scopes the server does not know */
    env_init(&env, f, "rest");
    can_token(f, "ok", "5", "everything", "");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "bad_scopes");
    CU_ASSERT_PTR_NULL(c.account_id);
    CU_ASSERT_STRING_EQUAL(ev_log, "invalid_api_key,bad_scopes,7,tok_1,rest");
    CU_ASSERT_EQUAL(f->calls[MIQ_SQL_TOKEN_TOUCH], 0);
}

static void test_token_database_down(void)
{
    fake_db *f = fake_db_new();
    miq_token_env env;
    miq_caller c;
    const char *why;
    env_init(&env, f, "mcp");
    fake_db_fail(f, MIQ_SQL_TOKEN_CHECK);
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -2);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_PTR_NULL(c.account_id);
    /* a row not of the catalog's shape is no answer either */
    f = fake_db_new();
    env_init(&env, f, "mcp");
    fake_db_can(f, MIQ_SQL_TOKEN_CHECK, 9, 1, "tok_1", "7", "connector", "all", "ok", "-1", "",
                "2026-01-02T03:04:05Z", "5");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -2);
    CU_ASSERT_PTR_NULL(c.account_id);
    /* no connection: no statement */
    env_init(&env, NULL, "mcp");
    CU_ASSERT_EQUAL(check(&env, "Bearer " SECRET, &c, &why), -2);
    CU_ASSERT_STRING_EQUAL(ev_log, "");
}

MIQ_SUITE("tokens_check", MIQ_TEST(test_token_valid_fills_caller),
          MIQ_TEST(test_token_billing_defaults_and_touch_once_a_minute),
          MIQ_TEST(test_token_none_and_malformed), MIQ_TEST(test_token_unknown_expired_revoked),
          MIQ_TEST(test_token_audience_and_scopes), MIQ_TEST(test_token_database_down))
