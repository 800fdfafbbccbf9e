/* Bearer tokens on /mcp and /v1: every presented token is checked against
 * PostgreSQL on every request (one round trip, no cache), so a revoke holds on
 * the very next request on every child and node. */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_auth.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_record.h"
#include "accounts/miq_auth.h"
#include "base/miq_scope.h"
#include "oauth/miq_oauth.h"

const char *miq_auth_challenge(request_rec *r, const char *error)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *c = apr_psprintf(
        r->pool, "Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"",
        sc->base_url);
    if (error)
        c = apr_psprintf(r->pool, "%s, error=\"%s\"", c, error);
    return c;
}

int miq_auth_bearer(request_rec *r, ap_dbd_t *dbd, const char *surface, miq_caller *caller,
                    const char **why)
{
    const char *auth = apr_table_get(r->headers_in, "Authorization");
    const char *token, *args[1], **row;
    int ncols, got;
    unsigned scopes = 0;

    memset(caller, 0, sizeof(*caller));
    *why = NULL;
    if (!auth)
        return 0;
    token = miq_bearer_token(r->pool, auth);
    if (!token || !miq_token_format_ok(token)) {
        /* Not even our shape: nothing to look up, and nothing of it is logged. */
        *why = token ? "malformed" : "not_bearer";
        miq_event_push("invalid_api_key", *why, NULL, NULL, surface, NULL);
        return -1;
    }
    if (!dbd)
        return -2;
    args[0] = miq_token_hash(r->pool, token);
    got = miq_db_row(r, dbd, MIQ_SQL_TOKEN_CHECK, 1, args, &row, &ncols);
    if (got < 0)
        return -2;
    if (got == 0) {
        *why = "unknown";
        miq_event_push("invalid_api_key", *why, NULL, NULL, surface, NULL);
        return -1;
    }
    if (strcmp(row[4], "ok")) {
        *why = row[4]; /* revoked | expired */
        miq_event_push("invalid_api_key", *why, row[1], row[0], surface, NULL);
        return -1;
    }
    /* An OAuth access token is good for one audience, the canonical MCP URL,
     * and nowhere else (RFC 8707); the audience is the statement's last column. */
    if (ncols > 9 && *row[ncols - 1] &&
        (strcmp(surface, "mcp") || !miq_oauth_audience_ok(row[ncols - 1],
                                                           miq_conf(r->server)->mcp->mcp_url))) {
        *why = "wrong_audience";
        miq_event_push("invalid_api_key", *why, row[1], row[0], surface, NULL);
        return -1;
    }
    if (miq_scope_parse(r->pool, row[3], &scopes)) {
        *why = "bad_scopes";
        miq_event_push("invalid_api_key", *why, row[1], row[0], surface, NULL);
        return -1;
    }
    caller->token_id = row[0];
    caller->account_id = row[1];
    caller->kind = row[2];
    caller->scopes = scopes;
    caller->token_expires_in_s = atol(row[5]);
    caller->email = *row[6] ? row[6] : NULL;
    caller->account_created = row[7];
    if (ncols >= 17) { /* billing, same round trip */
        miq_srv_conf *sc = miq_conf(r->server);
        caller->has_billing = 1;
        caller->balance_credits = atoll(row[9]);
        caller->spend_cap_credits = *row[10] ? atoll(row[10]) : -1;
        caller->spent_credits = atoll(row[11]);
        caller->billing_state = row[12];
        caller->alert_thresholds = *row[13] ? row[13] : sc->mcp->usage_alerts;
        caller->alerts_json = row[14];
        caller->token_cap_credits = *row[15] ? atoll(row[15]) : -1;
        caller->token_spent_credits = atoll(row[16]);
    }
    if (atol(row[8]) < 0 || atol(row[8]) >= 60) {
        args[0] = row[0];
        miq_db_exec(r, dbd, MIQ_SQL_TOKEN_TOUCH, 1, args);
    }
    return 1;
}
