/* Bearer tokens on /mcp and /v1: every presented token is checked against
 * PostgreSQL on every request (one round trip, no cache), so a revoke holds on
 * the very next request on every child and node. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq.h"
#include "miq_auth.h"
#include "miq_scope.h"

APLOG_USE_MODULE(momentiq);

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
    if (atol(row[8]) < 0 || atol(row[8]) >= 60) {
        args[0] = row[0];
        miq_db_exec(r, dbd, MIQ_SQL_TOKEN_TOUCH, 1, args);
    }
    return 1;
}
