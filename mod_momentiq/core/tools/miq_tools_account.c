/* momentiq.get_account: who the token belongs to, its scopes, the balance and
 * what still stands between the account and a paid job (readiness warnings).
 * Everything comes from the token check the transport already did: no extra
 * database round trip. */
#include <apr_strings.h>
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "billing/miq_billing.h"
#include "mcp/miq_registry.h"
#include "tools/miq_tools_account.h"
#include "tools/miq_account_view.h"
#include "mcp/miq_tool.h"

static const char account_input[] = "{\"type\":\"object\",\"properties\":{},"
                                    "\"additionalProperties\":false}";

static const char account_output[] =
    "{\"type\":\"object\",\"required\":[\"account\",\"balance_credits\",\"token\","
    "\"readiness_warnings\"],\"properties\":{"
    "\"account\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
    "\"email\":{\"type\":[\"string\",\"null\"]},\"created_at\":{\"type\":\"string\"}}},"
    "\"balance_credits\":{\"type\":\"integer\"},"
    "\"monthly_spend_cap_credits\":{\"type\":[\"integer\",\"null\"]},"
    "\"spent_this_period_credits\":{\"type\":\"integer\"},"
    "\"billing_state\":{\"type\":\"string\"},\"billing_url\":{\"type\":\"string\"},"
    "\"token\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
    "\"kind\":{\"type\":\"string\"},\"scopes\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"string\"}},\"expires_in_s\":{\"type\":[\"integer\",\"null\"]}}},"
    "\"readiness_warnings\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":"
    "[\"code\",\"message\"],\"properties\":{\"code\":{\"type\":\"string\"},\"message\":{\"type\":"
    "\"string\"},\"severity\":{\"type\":\"string\"}}}}}}";

static json_t *get_account(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *warnings = NULL, *view = miq_account_view(ctx->pool, ctx->caller, &warnings);
    const char *text;
    size_t i;
    json_t *w;
    (void)args;
    /* buying credits is the dashboard's job: the directories refuse money movement in tools */
    json_object_set_new(view, "billing_url",
                        json_string(miq_billing_dashboard_url(ctx->pool, ctx->srv)));
    text = apr_psprintf(ctx->pool,
                        "Account %s (%s), token %s with scopes: %s. Balance: %" APR_INT64_T_FMT
                        " credits.", /* APR's printf has no %lld */
                        ctx->caller->account_id,
                        ctx->caller->email ? ctx->caller->email : "no email", ctx->caller->token_id,
                        miq_scope_format(ctx->pool, ctx->caller->scopes),
                        (apr_int64_t)miq_json_int(view, "balance_credits", 0));
    json_array_foreach(warnings, i, w)
    {
        miq_tool_event(ctx, "readiness_warning", miq_json_str(w, "code", ""), NULL);
        text = apr_pstrcat(ctx->pool, text, "\n- ", miq_json_str(w, "message", ""), NULL);
    }
    return miq_tool_ok(ctx, view, text);
}

static const miq_tool_def account_tool = {
    "momentiq.get_account",
    "Get account",
    "Shows the MomentIQ account behind the caller's token: credit balance, monthly spend cap "
    "and usage, billing state, the token's scopes and expiry, and readiness warnings that "
    "would stop a paid job (no billing, no spend cap, token expiring, scope too narrow), and "
    "billing_url, the dashboard page where the account owner buys credits (credits are never "
    "bought through this server's tools).",
    account_input,
    account_output,
    MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT,
    0,
    1,
    get_account,
};

const char *miq_account_tools_register(miq_registry *reg)
{
    return miq_registry_add_tool(reg, &account_tool);
}
