/* The smaller OAuth endpoints: revocation (RFC 7009), introspection (RFC
 * 7662, for gateways in front of /mcp), the list of pre-registered clients,
 * and dynamic client registration (RFC 7591, when enabled; persisted). */
#include <stdlib.h>
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
#include "base/miq_crypto.h"
#include "base/miq_json.h"

#define NOT_CONFIGURED                                                                             \
    "OAuth is not configured: no client is registered and neither dynamic registration nor "     \
    "client metadata documents are enabled"

/* An OAuth-issued token by its secret: 1 with *row (see miq_oauth_token_find),
 * 0 unknown, -1 database error. */
static int find_token(request_rec *r, ap_dbd_t *dbd, const char *token, const char ***row)
{
    const char *args[2];
    int ncols = 0;
    args[0] = miq_token_hash(r->pool, token);
    args[1] = args[0];
    return miq_db_row(r, dbd, MIQ_SQL_OAUTH_TOKEN_FIND, 2, args, row, &ncols);
}

/* Reads the form, authenticates the client, takes "token". 1 ready, 0 answered. */
static int client_request(request_rec *r, ap_dbd_t **dbd, miq_oauth_client *c,
                          const char **token, int *rv)
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
    const char *token, **row = NULL, *args[2], *corr;
    ap_dbd_t *dbd = NULL;
    int rv, got;
    if (!client_request(r, &dbd, &c, &token, &rv))
        return rv;
    got = find_token(r, dbd, token, &row);
    if (got < 0)
        return miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
    corr = miq_oauth_correlation_new(r->pool);
    /* RFC 7009 §2.2: an unknown token, or another client's, is answered 200 too */
    if (got == 0 || strcmp(row[3], c.client_id)) {
        miq_oauth_trail(r, dbd, corr, c.client_id, NULL, "revoke", NULL,
                        got ? "token of another client: nothing revoked"
                            : "unknown token: nothing revoked");
        return miq_oauth_send_json(r, HTTP_OK, NULL);
    }
    if (!strcmp(row[0], "access")) {
        args[0] = row[1];
        got = miq_db_exec(r, dbd, MIQ_SQL_OAUTH_ACCESS_REVOKE, 1, args);
    }
    else {
        args[0] = row[2];
        args[1] = "revoked";
        got = miq_db_exec(r, dbd, MIQ_SQL_OAUTH_FAMILY_REVOKE, 2, args);
    }
    if (got < 0)
        return miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
    miq_oauth_trail(r, dbd, corr, c.client_id, row[4], "revoke", NULL,
                    !strcmp(row[0], "access")
                        ? apr_psprintf(r->pool, "access token %s revoked", row[1])
                        : apr_psprintf(r->pool, "refresh token: family %s revoked", row[2]));
    return miq_oauth_send_json(r, HTTP_OK, NULL);
}

int miq_oauth_introspect(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_oauth_client c;
    const char *token, **row = NULL;
    ap_dbd_t *dbd = NULL;
    json_t *o;
    int rv, got;
    if (!client_request(r, &dbd, &c, &token, &rv))
        return rv;
    got = find_token(r, dbd, token, &row);
    if (got < 0)
        return miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
    /* a public client may only learn about its own tokens; a confidential one
     * (a gateway) about any */
    if (got == 0 || strcmp(row[7], "active") || (!c.secret_hash && strcmp(row[3], c.client_id)))
        return miq_oauth_send_json(r, HTTP_OK, "{\"active\":false}");
    o = miq_json_packp(r->pool, "{s:b,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "active", 1,
                       "client_id", row[3], "scope", row[5], "token_type",
                       !strcmp(row[0], "access") ? "Bearer" : "refresh_token", "sub", row[4],
                       "exp", (json_int_t)atol(row[8]), "iat", (json_int_t)atol(row[9]), "aud",
                       row[6], "iss", sc->base_url);
    return miq_oauth_send_json(r, HTTP_OK, miq_json_dump(r->pool, o));
}

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
    json_t *req, *resp, *meta;
    const char *err, *error, *id, *secret = NULL, *args[10], *hex, *corr;
    ap_dbd_t *dbd;
    int rv;
    if (oc->dcr != 1)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                              "dynamic client registration is not enabled on this server");
    if ((rv = miq_read_json_body(r, 16384, &req, &err)) != OK)
        return miq_oauth_send_json(
            r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
            miq_oauth_error_body(r->pool, "invalid_client_metadata", err));
    if ((err = miq_oauth_dcr_parse(r->pool, req, &c, &error)))
        return miq_oauth_send_json(r, HTTP_BAD_REQUEST,
                                   miq_oauth_error_body(r->pool, error, err));
    if (!(dbd = miq_dbd(r)))
        return miq_oauth_send_error(r, "temporarily_unavailable", "the database is unavailable");
    if (!(hex = miq_random_hex(r->pool, 16)))
        return miq_oauth_send_error(r, "server_error", "no random bytes");
    id = apr_pstrcat(r->pool, "mcp_", hex, NULL);
    if (strcmp(c.auth_method, "none")) {
        unsigned char raw[32];
        if (miq_random_bytes(raw, sizeof(raw)))
            return miq_oauth_send_error(r, "server_error", "no random bytes");
        secret = apr_pstrcat(r->pool, MIQ_OAUTH_SECRET_PREFIX,
                             miq_b64url_encode(r->pool, raw, sizeof(raw)), NULL);
    }
    /* what the client sent, minus anything secret-like */
    meta = json_deep_copy(req);
    miq_json_pool(r->pool, meta);
    json_object_del(meta, "client_secret");
    json_object_del(meta, "registration_access_token");
    args[0] = id;
    args[1] = "dcr";
    args[2] = c.name;
    args[3] = c.connector;
    args[4] = miq_oauth_redirects_json(r->pool, &c);
    args[5] = c.auth_method;
    args[6] = secret ? miq_token_hash(r->pool, secret) : NULL;
    args[7] = miq_json_dump(r->pool, meta);
    args[8] = "0";
    args[9] = "0";
    if (miq_db_exec(r, dbd, MIQ_SQL_OAUTH_CLIENT_PUT, 10, args) != 1)
        return miq_oauth_send_error(r, "temporarily_unavailable", "the client was not stored");
    corr = miq_oauth_correlation_new(r->pool);
    miq_oauth_trail(r, dbd, corr, id, NULL, "register", NULL,
                    apr_psprintf(r->pool, "registered '%.100s' (%s, %d redirect URI(s))", c.name,
                                 c.auth_method, c.redirect_uris->nelts));
    resp = miq_json_packp(r->pool, "{s:s,s:I,s:s,s:O,s:[s,s],s:[s],s:s,s:s}", "client_id", id,
                          "client_id_issued_at", (json_int_t)apr_time_sec(apr_time_now()),
                          "client_name", c.name, "redirect_uris",
                          miq_json_parse(r->pool, args[4], strlen(args[4]), NULL),
                          "grant_types", "authorization_code", "refresh_token",
                          "response_types", "code", "token_endpoint_auth_method",
                          c.auth_method, "scope", "all video/* audio/* timeline/*");
    if (secret) {
        json_object_set_new(resp, "client_secret", json_string(secret));
        json_object_set_new(resp, "client_secret_expires_at", json_integer(0));
    }
    return miq_oauth_send_json(r, HTTP_CREATED, miq_json_dump(r->pool, resp));
}
