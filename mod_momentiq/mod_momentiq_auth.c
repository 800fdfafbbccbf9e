/* Bearer tokens on /mcp and /v1: every presented token is checked against
 * PostgreSQL on every request (one round trip, no cache), so a revoke holds on
 * the very next request on every child and node. The glue reads the header;
 * the check is core/accounts/miq_tokens_check.c. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_auth.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_record.h"
#include "accounts/miq_tokens_check.h"
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
    miq_srv_conf *sc = miq_conf(r->server);
    miq_token_env env;
    miq_db db;

    memset(&env, 0, sizeof(env));
    env.pool = r->pool;
    if (dbd) {
        miq_db_bind(r, dbd, &db);
        env.db = &db;
    }
    env.surface = surface;
    env.audience_ok = miq_oauth_audience_ok;
    env.mcp_url = sc->mcp->mcp_url;
    env.default_thresholds = sc->mcp->usage_alerts;
    env.event = miq_event_push;
    /* The check, its SQL and the touch: core/accounts/miq_tokens_check.c. */
    return miq_token_check(&env, apr_table_get(r->headers_in, "Authorization"), caller, why);
}
