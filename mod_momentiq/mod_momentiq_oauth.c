/* /api/auth/oauth/...: what every endpoint shares (the route table,
 * mod_momentiq_routes.c, dispatches to them): RFC 6749
 * error bodies, form bodies, client authentication (the credentials; the
 * check is core/oauth's), the OAuth services' view of a request (database,
 * settings), the diagnostic trail. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_oauth.h"
#include "base/miq_http_rules.h"

#define FORM_LIMIT 65536

int miq_oauth_send_json(request_rec *r, int status, const char *body)
{
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Pragma", "no-cache");
    return miq_send_json(r, status, body);
}

int miq_oauth_send_error(request_rec *r, const char *error, const char *description)
{
    int status = miq_oauth_error_status(error);
    if (status == HTTP_UNAUTHORIZED)
        apr_table_setn(r->headers_out, "WWW-Authenticate", "Basic realm=\"MomentIQ OAuth\"");
    return miq_oauth_send_json(r, status, miq_oauth_error_body(r->pool, error, description));
}

int miq_oauth_read_form(request_rec *r, apr_table_t **form)
{
    const char *body, *err;
    apr_size_t len;
    int rv;
    *form = NULL;
    if (!miq_http_ctype_is(apr_table_get(r->headers_in, "Content-Type"),
                           "application/x-www-form-urlencoded"))
        return miq_oauth_send_error(r, "invalid_request",
                                    "the body must be application/x-www-form-urlencoded");
    if ((rv = miq_read_body(r, FORM_LIMIT, &body, &len)) != OK)
        return miq_oauth_send_error(r, "invalid_request",
                                    rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "the body is too large"
                                                                        : "unreadable body");
    if ((err = miq_oauth_form_parse(r->pool, body, len, form))) {
        *form = NULL;
        return miq_oauth_send_error(r, "invalid_request", err);
    }
    return OK;
}

const miq_oauth_settings *miq_oauth_settings_of(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    miq_oauth_settings *s = apr_pcalloc(r->pool, sizeof(*s));
    s->reg = oc->reg;
    s->dcr = oc->dcr == 1;
    s->cimd = oc->cimd == 1;
    s->cimd_allow_private = sc->import_allow_private == 1;
    s->fetch_ca_file = sc->fetch_ca_file;
    s->access_ttl_s = oc->access_ttl_s;
    s->refresh_ttl_s = oc->refresh_ttl_s;
    s->state_key = sc->mcp->keys.oauth;
    s->state_key_len = sizeof(sc->mcp->keys.oauth);
    s->issuer = sc->base_url;
    return s;
}

const miq_db *miq_oauth_db(request_rec *r, ap_dbd_t *dbd)
{
    miq_db *db = apr_pcalloc(r->pool, sizeof(*db));
    miq_db_bind(r, dbd, db);
    return db;
}

int miq_oauth_authenticate_client(request_rec *r, ap_dbd_t *dbd, apr_table_t *form,
                                  miq_oauth_client *client)
{
    const char *bid, *bsecret, *err;
    const char *fid = apr_table_get(form, "client_id"),
               *fsecret = apr_table_get(form, "client_secret");
    const char *id, *secret, *method;
    miq_oauth_outcome out;
    memset(client, 0, sizeof(*client));
    err = miq_oauth_basic_auth(r->pool, apr_table_get(r->headers_in, "Authorization"), &bid,
                               &bsecret);
    if (err)
        return miq_oauth_send_error(r, "invalid_client", err);
    if (bid && fsecret)
        return miq_oauth_send_error(r, "invalid_request",
                                    "use one client authentication method, not two");
    if (bid && fid && strcmp(bid, fid))
        return miq_oauth_send_error(r, "invalid_request",
                                    "client_id differs from the Basic credentials");
    id = bid ? bid : fid;
    secret = bid ? bsecret : fsecret;
    method = bid ? "client_secret_basic" : fsecret ? "client_secret_post" : "none";
    if (!id)
        return miq_oauth_send_error(r, "invalid_client",
                                    "client authentication is required "
                                    "(client_id)");
    if (miq_oauth_client_check(r->pool, miq_oauth_db(r, dbd), miq_oauth_settings_of(r), id, method,
                               secret, client, &out))
        return miq_oauth_send_error(r, out.error, out.description);
    return OK;
}

int miq_oauth_send_outcome(request_rec *r, int status, const miq_oauth_outcome *out)
{
    if (out->error)
        return miq_oauth_send_error(r, out->error, out->description);
    return miq_oauth_send_json(r, status, out->body);
}

void miq_oauth_trail(request_rec *r, ap_dbd_t *dbd, const char *correlation_id,
                     const char *client_id, const char *account_id, const char *step,
                     const char *error, const char *detail)
{
    if (!dbd)
        return;
    miq_oauth_trail_add(r->pool, miq_oauth_db(r, dbd), correlation_id, client_id, account_id, step,
                        error, detail);
}
