/* GET /api/auth/oauth/clients (the pre-registered clients, for the
 * dashboard) and POST /api/auth/oauth/register: dynamic client registration
 * (RFC 7591, when enabled). The request is parsed here; the client is drawn,
 * stored and trailed by core/oauth/miq_oauth_registrations.c. */
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
#include "base/miq_json.h"

#define NOT_CONFIGURED                                                                             \
    "OAuth is not configured: no client is registered and neither dynamic registration nor "       \
    "client metadata documents are enabled"

int miq_oauth_clients(request_rec *r)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    json_t *o;
    if (!miq_oauth_configured(oc->reg))
        return miq_oauth_send_error(r, "server_error", NOT_CONFIGURED);
    o = miq_json_packp(r->pool, "{s:O,s:b,s:b}", "clients",
                       miq_oauth_clients_public(r->pool, oc->reg), "dynamic_registration",
                       oc->dcr == 1, "client_metadata_documents", oc->cimd == 1);
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, o));
}

int miq_oauth_register(request_rec *r)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    miq_oauth_client c;
    miq_oauth_outcome out;
    json_t *req;
    const char *err, *error;
    ap_dbd_t *dbd;
    int rv;
    if (oc->dcr != 1)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                              "dynamic client registration is not enabled on this server");
    if ((rv = miq_read_json_body(r, 16384, &req, &err)) != OK)
        return miq_oauth_send_json(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                                   miq_oauth_error_body(r->pool, "invalid_client_metadata", err));
    if ((err = miq_oauth_dcr_parse(r->pool, req, &c, &error)))
        return miq_oauth_send_json(r, HTTP_BAD_REQUEST, miq_oauth_error_body(r->pool, error, err));
    if (!(dbd = miq_dbd(r)))
        return miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
    miq_oauth_client_register(r->pool, miq_oauth_db(r, dbd), &c, req, &out);
    return miq_oauth_send_outcome(r, HTTP_CREATED, &out);
}
