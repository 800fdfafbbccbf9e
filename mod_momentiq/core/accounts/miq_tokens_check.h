/* The bearer token check of /mcp and /v1 over the core database: every
 * presented token is looked up on every request (one round trip, no cache),
 * so a revoke holds on the very next request. The glue reads the
 * Authorization header and renders the answer. */
#ifndef MIQ_TOKENS_CHECK_H
#define MIQ_TOKENS_CHECK_H

#include <apr_pools.h>
#include "accounts/miq_accounts.h"
#include "base/miq_caller.h"
#include "db/miq_db.h"

/* MIQ_SQL_TOKEN_CHECK: the argument (the secret's hash) and the columns. */
enum { MIQ_TKK_HASH, MIQ_TKK_N };
enum {
    MIQ_TKK_ID,
    MIQ_TKK_ACCOUNT,
    MIQ_TKK_KIND,
    MIQ_TKK_SCOPES,
    MIQ_TKK_STATE,        /* ok | revoked | expired */
    MIQ_TKK_EXPIRES_IN_S, /* -1: never */
    MIQ_TKK_EMAIL,        /* '' when none */
    MIQ_TKK_CREATED,
    MIQ_TKK_IDLE_S, /* seconds since last used, -1: never */
    MIQ_TKK_BALANCE,
    MIQ_TKK_CAP,
    MIQ_TKK_SPENT,
    MIQ_TKK_BILLING_STATE,
    MIQ_TKK_THRESHOLDS,
    MIQ_TKK_ALERTS,
    MIQ_TKK_TOKEN_CAP,
    MIQ_TKK_TOKEN_SPENT,
    MIQ_TKK_AUDIENCE, /* OAuth access tokens: the one resource they are for, else '' */
    MIQ_TKK_COLS
};
/* MIQ_SQL_TOKEN_TOUCH: the argument (the token id). */
enum { MIQ_TKT_ID, MIQ_TKT_N };

/* last_used_at is written when it is older than this (or never was). */
#define MIQ_TOKEN_TOUCH_AFTER_S 60

typedef struct miq_token_env {
    apr_pool_t *pool;
    const miq_db *db;    /* NULL: the database is unavailable */
    const char *surface; /* "mcp" | "rest": events and the audience rule */
    /* An OAuth access token is good for one audience, the canonical MCP URL,
     * and nowhere else (RFC 8707): audience_ok(audience, mcp_url) decides
     * (oauth's miq_oauth_audience_ok); NULL refuses every audience. */
    int (*audience_ok)(const char *audience, const char *mcp_url);
    const char *mcp_url;
    const char *default_thresholds; /* MomentIQUsageAlerts, numeric[] literal */
    miq_event_fn *event;            /* invalid_api_key events; NULL: none */
} miq_token_env;

/* Checks an Authorization header value (NULL: none): 0 no credentials; 1
 * valid, *caller filled (billing too) and last_used_at touched at most once
 * a minute; -1 invalid, *why one of not_bearer, malformed, unknown, revoked,
 * expired, wrong_audience, bad_scopes (an invalid_api_key event is sent;
 * nothing of the token is); -2 the database is unavailable. */
int miq_token_check(const miq_token_env *env, const char *authorization, miq_caller *caller,
                    const char **why);

#endif
