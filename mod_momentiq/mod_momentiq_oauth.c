/* /api/auth/oauth/...: what every endpoint shares (the route table,
 * mod_momentiq_routes.c, dispatches to them): RFC 6749
 * error bodies, form bodies, finding a client (pre-registered, metadata
 * document, registered), client authentication, the diagnostic trail. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_oauth.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"

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

/* A metadata document client: from the cache when fresh, else fetched and cached. */
static int find_cimd(request_rec *r, ap_dbd_t *dbd, const char *id, miq_oauth_client *out,
                     const char **why)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *args[10], **row = NULL, *err;
    int ncols = 0, got = miq_db_row(r, dbd, MIQ_SQL_OAUTH_CLIENT_GET, 1, &id, &row, &ncols);
    json_t *doc;
    if (got < 0)
        return -1;
    if (got == 1 && !strcmp(row[0], "cimd") && !strcmp(row[6], "fresh"))
        return miq_oauth_client_from_row(r->pool, id, row, out) ? 0 : 1;
    if ((err = miq_oauth_cimd_fetch(r->pool, id, sc->import_allow_private == 1,
                                     sc->fetch_ca_file, &doc)) ||
        (err = miq_oauth_cimd_parse(r->pool, id, doc, out))) {
        *why = err;
        return 0;
    }
    args[0] = id;
    args[1] = "cimd";
    args[2] = out->name;
    args[3] = out->connector;
    args[4] = miq_oauth_redirects_json(r->pool, out);
    args[5] = out->auth_method;
    args[6] = NULL;
    args[7] = miq_json_dump(r->pool, doc);
    args[8] = apr_itoa(r->pool, MIQ_OAUTH_CIMD_CACHE_S);
    args[9] = args[8];
    miq_db_exec(r, dbd, MIQ_SQL_OAUTH_CLIENT_PUT, 10, args);
    return 1;
}

int miq_oauth_find_client(request_rec *r, ap_dbd_t *dbd, const char *id,
                          miq_oauth_client *out, const char **why)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    const miq_oauth_client *c = miq_oauth_registry_find(oc->reg, id);
    const char **row = NULL;
    int ncols = 0, got;
    *why = NULL;
    memset(out, 0, sizeof(*out));
    if (c) {
        *out = *c;
        return 1;
    }
    if (!id)
        return 0;
    if (oc->cimd == 1 && miq_oauth_cimd_id(id))
        return find_cimd(r, dbd, id, out, why);
    if (oc->dcr != 1 || strncmp(id, "mcp_", 4))
        return 0;
    got = miq_db_row(r, dbd, MIQ_SQL_OAUTH_CLIENT_GET, 1, &id, &row, &ncols);
    if (got <= 0)
        return got;
    if (strcmp(row[0], "dcr"))
        return 0;
    return miq_oauth_client_from_row(r->pool, apr_pstrdup(r->pool, id), row, out) ? 0 : 1;
}

int miq_oauth_authenticate_client(request_rec *r, ap_dbd_t *dbd, apr_table_t *form,
                                  miq_oauth_client *client)
{
    const char *bid, *bsecret, *err, *why;
    const char *fid = apr_table_get(form, "client_id"), *fsecret = apr_table_get(form,
                                                                                  "client_secret");
    const char *id, *secret, *method;
    int got;
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
        return miq_oauth_send_error(r, "invalid_client", "client authentication is required "
                                                         "(client_id)");
    got = miq_oauth_find_client(r, dbd, id, client, &why);
    if (got < 0)
        return miq_oauth_send_error(r, "temporarily_unavailable",
                                    "the authorization database is unavailable");
    if (got <= 0)
        memset(client, 0, sizeof(*client));
    if (got == 0)
        return miq_oauth_send_error(r, "invalid_client",
                                    why ? why : "unknown client: register again");
    if ((err = miq_oauth_client_authenticate(r->pool, client, method, secret))) {
        memset(client, 0, sizeof(*client));
        return miq_oauth_send_error(r, "invalid_client", err);
    }
    return OK;
}

void miq_oauth_trail(request_rec *r, ap_dbd_t *dbd, const char *correlation_id,
                     const char *client_id, const char *account_id, const char *step,
                     const char *error, const char *detail)
{
    const char *args[7];
    if (!dbd || !correlation_id)
        return;
    args[0] = correlation_id;
    args[1] = client_id && strlen(client_id) <= 255 ? client_id : NULL;
    args[2] = account_id && *account_id ? account_id : NULL;
    args[3] = step;
    args[4] = error ? "error" : "ok";
    args[5] = error;
    args[6] = detail;
    miq_db_exec(r, dbd, MIQ_SQL_OAUTH_TRAIL_ADD, 7, args);
}
