/* POST /api/auth/oauth/revoke (RFC 7009) and /introspect (RFC 7662, for
 * gateways in front of /mcp): the form and the client's credentials are read
 * here; the lookups are core/oauth/miq_oauth_grants.c. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_oauth.h"

#define NOT_CONFIGURED                                                                             \
    "OAuth is not configured: no client is registered and neither dynamic registration nor "       \
    "client metadata documents are enabled"

/* Reads the form, authenticates the client, takes "token". 1 ready, 0 answered. */
static int client_request(request_rec *r, ap_dbd_t **dbd, miq_oauth_client *c, const char **token,
                          int *rv)
{
    apr_table_t *f;
    *token = NULL;
    if (!miq_oauth_configured(miq_oauth_cfg(r)->reg)) {
        *rv = miq_oauth_send_error(r, "server_error", NOT_CONFIGURED);
        return 0;
    }
    if ((*rv = miq_oauth_read_form(r, &f)) != OK || !f)
        return 0;
    if (!(*dbd = miq_dbd(r))) {
        *rv = miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
        return 0;
    }
    if ((*rv = miq_oauth_authenticate_client(r, *dbd, f, c)) != OK || !c->client_id)
        return 0;
    if (!(*token = apr_table_get(f, "token"))) {
        *rv = miq_oauth_send_error(r, "invalid_request", "token is required");
        return 0;
    }
    return 1;
}

int miq_oauth_revoke(request_rec *r)
{
    miq_oauth_client c;
    miq_oauth_outcome out;
    const char *token;
    ap_dbd_t *dbd = NULL;
    int rv;
    if (!client_request(r, &dbd, &c, &token, &rv))
        return rv;
    miq_oauth_token_revoke(r->pool, miq_oauth_db(r, dbd), &c, token, &out);
    return miq_oauth_send_outcome(r, HTTP_OK, &out);
}

int miq_oauth_introspect(request_rec *r)
{
    miq_oauth_client c;
    miq_oauth_outcome out;
    const char *token;
    ap_dbd_t *dbd = NULL;
    int rv;
    if (!client_request(r, &dbd, &c, &token, &rv))
        return rv;
    miq_oauth_token_introspect(r->pool, miq_oauth_db(r, dbd), miq_oauth_settings_of(r), &c, token,
                               &out);
    return miq_oauth_send_outcome(r, HTTP_OK, &out);
}
