/* Clients learned at run time, over miq_db (see miq_oauth_grants.h): finding
 * a client (pre-registered, metadata document cached in oauth_clients,
 * dynamically registered), client authentication, and dynamic registration
 * (RFC 7591), persisted. */
#include <string.h>
#include <apr_strings.h>
#include "oauth/miq_oauth_grants.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"

/* The oauth_clients row of id: 1 with *row (MIQ_OCL_* columns), 0 none, -1 database error. */
static int client_row(apr_pool_t *p, const miq_db *db, const char *id, const char ***row)
{
    const char *err = NULL;
    int ncols = 0;
    apr_array_header_t *rows = db->query(db->baton, p, MIQ_SQL_OAUTH_CLIENT_GET, 1, &id, &ncols,
                                         &err);
    if (!rows)
        return -1;
    if (!rows->nelts)
        return 0;
    *row = APR_ARRAY_IDX(rows, 0, const char **);
    return 1;
}

/* Stores a client row; 1 when a row was written (a metadata document never
 * overwrites a registered client), 0 not, -1 database error. */
static int client_put(apr_pool_t *p, const miq_db *db, const char *const *args)
{
    const char *err = NULL;
    int ncols = 0;
    apr_array_header_t *rows = db->query(db->baton, p, MIQ_SQL_OAUTH_CLIENT_PUT, MIQ_OCP_NARGS,
                                         args, &ncols, &err);
    return rows ? rows->nelts : -1;
}

/* A metadata document client: from the cache when fresh, else fetched and cached. */
static int find_cimd(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s, const char *id,
                     miq_oauth_client *out, const char **why)
{
    const char *args[MIQ_OCP_NARGS], **row = NULL, *err;
    int got = client_row(p, db, id, &row);
    json_t *doc;
    if (got < 0)
        return -1;
    if (got == 1 && !strcmp(row[MIQ_OCL_SOURCE], "cimd") &&
        !strcmp(row[MIQ_OCL_FRESHNESS], "fresh"))
        return miq_oauth_client_from_row(p, id, row, out) ? 0 : 1;
    if ((err = miq_oauth_cimd_fetch(p, id, s->cimd_allow_private, s->fetch_ca_file, &doc)) ||
        (err = miq_oauth_cimd_parse(p, id, doc, out))) {
        *why = err;
        return 0;
    }
    args[MIQ_OCP_ID] = id;
    args[MIQ_OCP_SOURCE] = "cimd";
    args[MIQ_OCP_NAME] = out->name;
    args[MIQ_OCP_CONNECTOR] = out->connector;
    args[MIQ_OCP_REDIRECTS] = miq_oauth_redirects_json(p, out);
    args[MIQ_OCP_AUTH_METHOD] = out->auth_method;
    args[MIQ_OCP_SECRET_HASH] = NULL;
    args[MIQ_OCP_METADATA] = miq_json_dump(p, doc);
    args[MIQ_OCP_CACHE_S] = apr_itoa(p, MIQ_OAUTH_CIMD_CACHE_S);
    args[MIQ_OCP_CACHE_S_AGAIN] = args[MIQ_OCP_CACHE_S];
    /* the cache is best effort: the client is known either way */
    client_put(p, db, args);
    return 1;
}

int miq_oauth_client_find(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                          const char *id, miq_oauth_client *out, const char **why)
{
    const miq_oauth_client *c = miq_oauth_registry_find(s->reg, id);
    const char **row = NULL;
    int got;
    *why = NULL;
    memset(out, 0, sizeof(*out));
    if (c) {
        *out = *c;
        return 1;
    }
    if (!id)
        return 0;
    if (s->cimd && miq_oauth_cimd_id(id))
        return find_cimd(p, db, s, id, out, why);
    if (!s->dcr || strncmp(id, "mcp_", 4))
        return 0;
    got = client_row(p, db, id, &row);
    if (got <= 0)
        return got;
    if (strcmp(row[MIQ_OCL_SOURCE], "dcr"))
        return 0;
    return miq_oauth_client_from_row(p, apr_pstrdup(p, id), row, out) ? 0 : 1;
}

int miq_oauth_client_check(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                           const char *id, const char *method, const char *secret,
                           miq_oauth_client *client, miq_oauth_outcome *out)
{
    const char *err, *why;
    int got;
    memset(out, 0, sizeof(*out));
    memset(client, 0, sizeof(*client));
    got = miq_oauth_client_find(p, db, s, id, client, &why);
    if (got <= 0)
        memset(client, 0, sizeof(*client));
    if (got < 0) {
        out->error = "temporarily_unavailable";
        out->description = "the authorization database is unavailable";
        return -1;
    }
    if (got == 0) {
        out->error = "invalid_client";
        out->description = why ? why : "unknown client: register again";
        return -1;
    }
    if ((err = miq_oauth_client_authenticate(p, client, method, secret))) {
        memset(client, 0, sizeof(*client));
        out->error = "invalid_client";
        out->description = err;
        return -1;
    }
    return 0;
}

int miq_oauth_client_register(apr_pool_t *p, const miq_db *db, const miq_oauth_client *c,
                              const json_t *req, miq_oauth_outcome *out)
{
    const char *id, *secret = NULL, *args[MIQ_OCP_NARGS], *hex;
    json_t *resp, *meta;
    memset(out, 0, sizeof(*out));
    if (!(hex = miq_random_hex(p, 16))) {
        out->error = "server_error";
        out->description = "no random bytes";
        return -1;
    }
    id = apr_pstrcat(p, "mcp_", hex, NULL);
    if (strcmp(c->auth_method, "none")) {
        unsigned char raw[32];
        if (miq_random_bytes(raw, sizeof(raw))) {
            out->error = "server_error";
            out->description = "no random bytes";
            return -1;
        }
        secret = apr_pstrcat(p, MIQ_OAUTH_SECRET_PREFIX, miq_b64url_encode(p, raw, sizeof(raw)),
                             NULL);
    }
    /* what the client sent, minus anything secret-like */
    meta = json_deep_copy(req);
    miq_json_pool(p, meta);
    json_object_del(meta, "client_secret");
    json_object_del(meta, "registration_access_token");
    args[MIQ_OCP_ID] = id;
    args[MIQ_OCP_SOURCE] = "dcr";
    args[MIQ_OCP_NAME] = c->name;
    args[MIQ_OCP_CONNECTOR] = c->connector;
    args[MIQ_OCP_REDIRECTS] = miq_oauth_redirects_json(p, c);
    args[MIQ_OCP_AUTH_METHOD] = c->auth_method;
    args[MIQ_OCP_SECRET_HASH] = secret ? miq_token_hash(p, secret) : NULL;
    args[MIQ_OCP_METADATA] = miq_json_dump(p, meta);
    args[MIQ_OCP_CACHE_S] = "0";
    args[MIQ_OCP_CACHE_S_AGAIN] = "0";
    if (client_put(p, db, args) != 1) {
        out->error = "temporarily_unavailable";
        out->description = "the client was not stored";
        return -1;
    }
    miq_oauth_trail_add(p, db, miq_oauth_correlation_new(p), id, NULL, "register", NULL,
                        apr_psprintf(p, "registered '%.100s' (%s, %d redirect URI(s))", c->name,
                                     c->auth_method, c->redirect_uris->nelts));
    resp = miq_json_packp(
        p, "{s:s,s:I,s:s,s:O,s:[s,s],s:[s],s:s,s:s}", "client_id", id, "client_id_issued_at",
        (json_int_t)apr_time_sec(apr_time_now()), "client_name", c->name, "redirect_uris",
        miq_json_parse(p, args[MIQ_OCP_REDIRECTS], strlen(args[MIQ_OCP_REDIRECTS]), NULL),
        "grant_types", "authorization_code", "refresh_token", "response_types", "code",
        "token_endpoint_auth_method", c->auth_method, "scope", "all video/* audio/* timeline/*");
    if (secret) {
        json_object_set_new(resp, "client_secret", json_string(secret));
        json_object_set_new(resp, "client_secret_expires_at", json_integer(0));
    }
    out->body = miq_json_dump(p, resp);
    return 0;
}
