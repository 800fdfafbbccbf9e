/* The bearer token check over the core database (miq_tokens_check.h). */
#include <stdlib.h>
#include <string.h>
#include "accounts/miq_auth.h"
#include "accounts/miq_tokens_check.h"
#include "base/miq_scope.h"

static int refuse(const miq_token_env *env, const char *why, const char *account_id,
                  const char *token_id)
{
    if (env->event)
        env->event("invalid_api_key", why, account_id, token_id, env->surface, NULL);
    return -1;
}

static const char *cell(const char **row, int i)
{
    return row[i] ? row[i] : "";
}

int miq_token_check(const miq_token_env *env, const char *authorization, miq_caller *caller,
                    const char **why)
{
    const char *token, *args[MIQ_TKK_N], *err = NULL, **row, *aud;
    apr_array_header_t *rows;
    unsigned scopes = 0;
    int ncols = 0;
    long idle;

    memset(caller, 0, sizeof(*caller));
    *why = NULL;
    if (!authorization)
        return 0;
    token = miq_bearer_token(env->pool, authorization);
    if (!token || !miq_token_format_ok(token)) {
        /* Not even our shape: nothing to look up, and nothing of it is logged. */
        *why = token ? "malformed" : "not_bearer";
        return refuse(env, *why, NULL, NULL);
    }
    if (!env->db)
        return -2;
    args[MIQ_TKK_HASH] = miq_token_hash(env->pool, token);
    rows = env->db->query(env->db->baton, env->pool, MIQ_SQL_TOKEN_CHECK, MIQ_TKK_N, args, &ncols,
                          &err);
    if (!rows || (rows->nelts && ncols < MIQ_TKK_COLS))
        return -2;
    if (!rows->nelts) {
        *why = "unknown";
        return refuse(env, *why, NULL, NULL);
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (strcmp(cell(row, MIQ_TKK_STATE), "ok")) {
        *why = cell(row, MIQ_TKK_STATE); /* revoked | expired */
        return refuse(env, *why, row[MIQ_TKK_ACCOUNT], row[MIQ_TKK_ID]);
    }
    /* An OAuth access token is for the MCP surface and its canonical URL only. */
    aud = cell(row, MIQ_TKK_AUDIENCE);
    if (*aud && (strcmp(env->surface, "mcp") || !env->audience_ok ||
                 !env->audience_ok(aud, env->mcp_url))) {
        *why = "wrong_audience";
        return refuse(env, *why, row[MIQ_TKK_ACCOUNT], row[MIQ_TKK_ID]);
    }
    if (miq_scope_parse(env->pool, row[MIQ_TKK_SCOPES], &scopes)) {
        *why = "bad_scopes";
        return refuse(env, *why, row[MIQ_TKK_ACCOUNT], row[MIQ_TKK_ID]);
    }
    caller->token_id = row[MIQ_TKK_ID];
    caller->account_id = row[MIQ_TKK_ACCOUNT];
    caller->kind = row[MIQ_TKK_KIND];
    caller->scopes = scopes;
    caller->token_expires_in_s = atol(cell(row, MIQ_TKK_EXPIRES_IN_S));
    caller->email = *cell(row, MIQ_TKK_EMAIL) ? row[MIQ_TKK_EMAIL] : NULL;
    caller->account_created = row[MIQ_TKK_CREATED];
    /* billing, same round trip */
    caller->has_billing = 1;
    caller->balance_credits = atoll(cell(row, MIQ_TKK_BALANCE));
    caller->spend_cap_credits = *cell(row, MIQ_TKK_CAP) ? atoll(row[MIQ_TKK_CAP]) : -1;
    caller->spent_credits = atoll(cell(row, MIQ_TKK_SPENT));
    caller->billing_state = row[MIQ_TKK_BILLING_STATE];
    caller->alert_thresholds = *cell(row, MIQ_TKK_THRESHOLDS) ? row[MIQ_TKK_THRESHOLDS]
                                                              : env->default_thresholds;
    caller->alerts_json = row[MIQ_TKK_ALERTS];
    caller->token_cap_credits = *cell(row, MIQ_TKK_TOKEN_CAP) ? atoll(row[MIQ_TKK_TOKEN_CAP]) : -1;
    caller->token_spent_credits = atoll(cell(row, MIQ_TKK_TOKEN_SPENT));
    idle = atol(cell(row, MIQ_TKK_IDLE_S));
    if (idle < 0 || idle >= MIQ_TOKEN_TOUCH_AFTER_S) {
        const char *touch[MIQ_TKT_N];
        touch[MIQ_TKT_ID] = row[MIQ_TKK_ID];
        /* A failed touch is logged by the db and costs the caller nothing. */
        env->db->query(env->db->baton, env->pool, MIQ_SQL_TOKEN_TOUCH, MIQ_TKT_N, touch, &ncols,
                       &err);
    }
    return 1;
}
