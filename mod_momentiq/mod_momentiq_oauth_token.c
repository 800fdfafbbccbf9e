/* POST /api/auth/oauth/token: authorization_code (PKCE S256) and
 * refresh_token (rotation) grants. The form and the client's credentials are
 * read here; the grants are core/oauth/miq_oauth_grants.c (codes work once,
 * refresh tokens rotate, reuse revokes the family). Every answer carries
 * Cache-Control: no-store; no secret reaches a log or a table. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_oauth.h"

int miq_oauth_token(request_rec *r)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    apr_table_t *f;
    miq_oauth_client client;
    miq_oauth_outcome out;
    const char *grant;
    ap_dbd_t *dbd;
    int rv;
    if (!miq_oauth_configured(oc->reg))
        return miq_oauth_send_error(r, "server_error",
                                    "OAuth is not configured: no client is registered and neither "
                                    "dynamic registration nor client metadata documents are "
                                    "enabled");
    if ((rv = miq_oauth_read_form(r, &f)) != OK || !f)
        return rv;
    if (!(grant = apr_table_get(f, "grant_type")))
        return miq_oauth_send_error(r, "invalid_request", "grant_type is required");
    if (strcmp(grant, "authorization_code") && strcmp(grant, "refresh_token"))
        return miq_oauth_send_error(r, "unsupported_grant_type",
                                    "supported: authorization_code, refresh_token");
    if (!(dbd = miq_dbd(r)))
        return miq_oauth_send_error(r, "temporarily_unavailable",
                                    "the authorization database is unavailable");
    if ((rv = miq_oauth_authenticate_client(r, dbd, f, &client)) != OK || !client.client_id)
        return rv;
    if (!strcmp(grant, "authorization_code"))
        miq_oauth_code_redeem(r->pool, miq_oauth_db(r, dbd), miq_oauth_settings_of(r), &client,
                              apr_table_get(f, "code"), apr_table_get(f, "code_verifier"),
                              apr_table_get(f, "redirect_uri"), apr_table_get(f, "resource"), &out);
    else
        miq_oauth_refresh_rotate(r->pool, miq_oauth_db(r, dbd), miq_oauth_settings_of(r), &client,
                                 apr_table_get(f, "refresh_token"), apr_table_get(f, "resource"),
                                 &out);
    return miq_oauth_send_outcome(r, HTTP_OK, &out);
}
