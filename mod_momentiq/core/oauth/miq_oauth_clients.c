/* OAuth clients: pre-registered ones (directives, the seed's environment
 * variables), dynamic registration requests (RFC 7591) and Client ID Metadata
 * Documents (fetched with libcurl under size, time and address limits; the
 * glue caches them in PostgreSQL). Secrets are kept as SHA-256 hashes only. */
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_fetch.h"
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"
#include "oauth/miq_oauth_grants.h"

miq_oauth_registry *miq_oauth_registry_make(apr_pool_t *p)
{
    miq_oauth_registry *reg = apr_pcalloc(p, sizeof(*reg));
    reg->pool = p;
    reg->clients = apr_array_make(p, 4, sizeof(miq_oauth_client *));
    return reg;
}

static const char *id_error(const char *id)
{
    const unsigned char *c;
    if (!id || !*id || strlen(id) > 255)
        return "a client id must be 1 to 255 characters";
    for (c = (const unsigned char *)id; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return "a client id must be printable ASCII without blanks";
    return NULL;
}

const char *miq_oauth_registry_add(miq_oauth_registry *reg, const char *id, const char *name,
                                   const char *connector, const apr_array_header_t *redirects,
                                   const char *source)
{
    apr_pool_t *p = reg->pool;
    miq_oauth_client *c;
    const char *err;
    int i;
    if ((err = id_error(id)))
        return err;
    if (miq_oauth_registry_find(reg, id))
        return apr_psprintf(p, "the OAuth client '%s' is defined twice", id);
    if (!redirects || !redirects->nelts)
        return apr_psprintf(p, "the OAuth client '%s' has no redirect URI", id);
    c = apr_pcalloc(p, sizeof(*c));
    c->client_id = apr_pstrdup(p, id);
    c->name = apr_pstrdup(p, name && *name ? name : id);
    c->connector = apr_pstrdup(p, connector && *connector ? connector : "mcp");
    c->auth_method = "none";
    c->source = source;
    c->redirect_uris = apr_array_make(p, redirects->nelts, sizeof(const char *));
    for (i = 0; i < redirects->nelts; i++) {
        const char *u = APR_ARRAY_IDX(redirects, i, const char *);
        if ((err = miq_oauth_redirect_registrable(p, u)))
            return apr_psprintf(p, "OAuth client '%s': %s", id, err);
        APR_ARRAY_PUSH(c->redirect_uris, const char *) = apr_pstrdup(p, u);
    }
    APR_ARRAY_PUSH(reg->clients, miq_oauth_client *) = c;
    return NULL;
}

const char *miq_oauth_registry_set_secret(miq_oauth_registry *reg, const char *id,
                                          const char *secret)
{
    miq_oauth_client *c = (miq_oauth_client *)miq_oauth_registry_find(reg, id);
    if (!c)
        return apr_psprintf(reg->pool, "no OAuth client '%s' to give a secret to", id);
    if (!secret || strlen(secret) < 16)
        return apr_psprintf(reg->pool,
                            "the secret of OAuth client '%s' is shorter than 16 "
                            "characters",
                            id);
    c->secret_hash = miq_token_hash(reg->pool, secret);
    c->auth_method = "client_secret_basic";
    return NULL;
}

/* Comma- or blank-separated URIs. */
static apr_array_header_t *split_uris(apr_pool_t *p, const char *list)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *copy = apr_pstrdup(p, list ? list : ""), *tok, *last;
    for (tok = apr_strtok(copy, ", \t\r\n", &last); tok; tok = apr_strtok(NULL, ", \t\r\n", &last))
        APR_ARRAY_PUSH(a, const char *) = tok;
    return a;
}

static const char *uris_from_json(apr_pool_t *p, const json_t *v, apr_array_header_t **out)
{
    size_t i;
    json_t *u;
    if (json_is_string(v)) {
        *out = split_uris(p, json_string_value(v));
        return NULL;
    }
    if (!json_is_array(v))
        return "redirect_uris must be an array of strings";
    *out = apr_array_make(p, (int)json_array_size(v) + 1, sizeof(const char *));
    json_array_foreach(v, i, u)
    {
        if (!json_is_string(u))
            return "redirect_uris must be an array of strings";
        APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, json_string_value(u));
    }
    return NULL;
}

const char *miq_oauth_registry_env(miq_oauth_registry *reg, const char *clients_json,
                                   const char *id, const char *name, const char *connector,
                                   const char *redirect_uris)
{
    apr_pool_t *p = reg->pool;
    const char *err = NULL;
    if (clients_json && *clients_json) {
        json_t *list = miq_json_parse(p, clients_json, strlen(clients_json), &err), *c;
        size_t i;
        if (!json_is_array(list))
            return apr_psprintf(p, "MOMENTIQ_CONNECTOR_OAUTH_CLIENTS is not a JSON list%s%s",
                                err ? ": " : "", err ? err : "");
        json_array_foreach(list, i, c)
        {
            apr_array_header_t *uris = NULL;
            const char *cid = miq_json_str(c, "client_id", NULL);
            if (!json_is_object(c) || !cid)
                return apr_psprintf(p, "MOMENTIQ_CONNECTOR_OAUTH_CLIENTS[%d] needs a client_id",
                                    (int)i);
            if ((err = uris_from_json(p, json_object_get(c, "redirect_uris"), &uris)) ||
                (err = miq_oauth_registry_add(
                     reg, cid, miq_json_str(c, "name", miq_json_str(c, "client_name", NULL)),
                     miq_json_str(c, "connector", NULL), uris, "env")))
                return apr_psprintf(p, "MOMENTIQ_CONNECTOR_OAUTH_CLIENTS[%d]: %s", (int)i, err);
        }
        return NULL;
    }
    if (id && *id) {
        if ((err = miq_oauth_registry_add(reg, id, name, connector, split_uris(p, redirect_uris),
                                          "env")))
            return apr_psprintf(p, "MOMENTIQ_CONNECTOR_OAUTH_CLIENT_ID: %s", err);
    }
    return NULL;
}

const miq_oauth_client *miq_oauth_registry_find(const miq_oauth_registry *reg, const char *id)
{
    int i;
    for (i = 0; reg && id && i < reg->clients->nelts; i++) {
        const miq_oauth_client *c = APR_ARRAY_IDX(reg->clients, i, miq_oauth_client *);
        if (!strcmp(c->client_id, id))
            return c;
    }
    return NULL;
}

int miq_oauth_configured(const miq_oauth_registry *reg)
{
    return reg && (reg->clients->nelts > 0 || reg->dcr == 1 || reg->cimd == 1);
}

json_t *miq_oauth_clients_public(apr_pool_t *p, const miq_oauth_registry *reg)
{
    json_t *a = miq_json_pool(p, json_array());
    int i;
    for (i = 0; reg && i < reg->clients->nelts; i++) {
        const miq_oauth_client *c = APR_ARRAY_IDX(reg->clients, i, miq_oauth_client *);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b}", "client_id", c->client_id, "name",
                                           c->name, "connector", c->connector, "confidential",
                                           c->secret_hash != NULL));
    }
    return a;
}

const char *miq_oauth_client_authenticate(apr_pool_t *p, const miq_oauth_client *c,
                                          const char *method, const char *secret)
{
    if (!c)
        return "unknown client";
    if (!c->secret_hash) {
        if (secret)
            return "this client is public: it has no secret to present";
        return NULL;
    }
    if (!secret || !strcmp(method, "none"))
        return "this client must authenticate with its secret";
    /* both sides are hashes of equal length: constant-time compare */
    if (!miq_secure_streq(miq_token_hash(p, secret), c->secret_hash))
        return "client authentication failed";
    return NULL;
}

/* ---- registration (RFC 7591) and metadata documents ------------------------------- */

static int in_list(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(v, *list))
            return 1;
    return 0;
}

static const char *metadata_client(apr_pool_t *p, const json_t *m, int allow_secret,
                                   miq_oauth_client *out, const char **error)
{
    static const char *const grants[] = {"authorization_code", "refresh_token", NULL};
    static const char *const methods[] = {"none", "client_secret_basic", "client_secret_post",
                                          NULL};
    json_t *v;
    size_t i;
    const char *err, *name, *method;
    memset(out, 0, sizeof(*out));
    *error = "invalid_client_metadata";
    if (!json_is_object(m))
        return "the client metadata must be a JSON object";
    *error = "invalid_redirect_uri";
    if ((err = uris_from_json(p, json_object_get(m, "redirect_uris"), &out->redirect_uris)))
        return err;
    if (!out->redirect_uris->nelts || out->redirect_uris->nelts > 20)
        return "redirect_uris must list 1 to 20 URIs";
    for (i = 0; i < (size_t)out->redirect_uris->nelts; i++)
        if ((err = miq_oauth_redirect_registrable(p, APR_ARRAY_IDX(out->redirect_uris, i,
                                                                   const char *))))
            return err;
    *error = "invalid_client_metadata";
    method = miq_json_str(m, "token_endpoint_auth_method", "none");
    if (!in_list(method, methods) || (!allow_secret && strcmp(method, "none")))
        return apr_psprintf(p, "token_endpoint_auth_method '%s' is not supported here",
                            strlen(method) > 40 ? "(long)" : method);
    if ((v = json_object_get(m, "grant_types"))) {
        json_t *g;
        if (!json_is_array(v))
            return "grant_types must be an array";
        json_array_foreach(v, i, g) if (
            !json_is_string(g) ||
            !in_list(
                json_string_value(g),
                grants)) return "grant_types may hold authorization_code and refresh_token only";
    }
    if ((v = json_object_get(m, "response_types"))) {
        json_t *t;
        if (!json_is_array(v))
            return "response_types must be an array";
        json_array_foreach(v, i, t) if (!json_is_string(t) ||
                                        strcmp(json_string_value(t),
                                               "code")) return "response_types may hold code only";
    }
    name = miq_json_str(m, "client_name", NULL);
    if (name && (strlen(name) > 200 || !*name))
        return "client_name must be 1 to 200 characters";
    out->name = apr_pstrdup(p, name ? name : "an unnamed application");
    out->connector = "mcp";
    out->auth_method = apr_pstrdup(p, method);
    *error = NULL;
    return NULL;
}

const char *miq_oauth_dcr_parse(apr_pool_t *p, const json_t *req, miq_oauth_client *out,
                                const char **error)
{
    const char *err = metadata_client(p, req, 1, out, error);
    if (!err)
        out->source = "dcr";
    return err;
}

int miq_oauth_cimd_id(const char *client_id)
{
    const char *host, *path;
    if (!client_id || strncmp(client_id, "https://", 8) || strlen(client_id) > 2000)
        return 0;
    host = client_id + 8;
    path = strchr(host, '/');
    return path && path > host && path[1] && !strchr(client_id, '#');
}

const char *miq_oauth_cimd_parse(apr_pool_t *p, const char *url, const json_t *doc,
                                 miq_oauth_client *out)
{
    const char *error, *err, *id = miq_json_str(doc, "client_id", NULL);
    if (!id || strcmp(id, url))
        return "the metadata document's client_id is not its own URL";
    if ((err = metadata_client(p, doc, 0, out, &error)))
        return err;
    out->client_id = apr_pstrdup(p, url);
    out->source = "cimd";
    return NULL;
}

const char *miq_oauth_client_from_row(apr_pool_t *p, const char *id, const char *const *row,
                                      miq_oauth_client *out)
{
    const char *text = row[MIQ_OCL_REDIRECTS];
    json_t *uris = miq_json_parse(p, text, strlen(text), NULL);
    const char *err;
    memset(out, 0, sizeof(*out));
    if ((err = uris_from_json(p, uris, &out->redirect_uris)))
        return err;
    out->client_id = id;
    out->source = row[MIQ_OCL_SOURCE];
    out->name = row[MIQ_OCL_NAME];
    out->connector = row[MIQ_OCL_CONNECTOR];
    out->auth_method = row[MIQ_OCL_AUTH_METHOD];
    out->secret_hash = row[MIQ_OCL_SECRET_HASH] && *row[MIQ_OCL_SECRET_HASH]
                           ? row[MIQ_OCL_SECRET_HASH]
                           : NULL;
    return NULL;
}

const char *miq_oauth_redirects_json(apr_pool_t *p, const miq_oauth_client *c)
{
    json_t *a = miq_json_pool(p, json_array());
    int i;
    for (i = 0; i < c->redirect_uris->nelts; i++)
        json_array_append_new(a, json_string(APR_ARRAY_IDX(c->redirect_uris, i, const char *)));
    return miq_json_dump(p, a);
}

/* ---- fetching a metadata document ------------------------------------------------ */

typedef struct cimd_buf {
    char data[MIQ_OAUTH_CIMD_MAX_BYTES + 1];
    size_t n;
    int over;
    int allow_private;
    int refused;
} cimd_buf;

static size_t cimd_body(char *d, size_t size, size_t nmemb, void *baton)
{
    cimd_buf *b = baton;
    size_t n = size * nmemb;
    if (b->n + n > MIQ_OAUTH_CIMD_MAX_BYTES) {
        b->over = 1;
        return 0;
    }
    memcpy(b->data + b->n, d, n);
    b->n += n;
    return n;
}

static curl_socket_t cimd_socket(void *baton, curlsocktype purpose, struct curl_sockaddr *a)
{
    cimd_buf *b = baton;
    (void)purpose;
    if (!b->allow_private && !miq_fetch_addr_public(&a->addr)) {
        b->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

const char *miq_oauth_cimd_fetch(apr_pool_t *p, const char *url, int allow_private,
                                 const char *ca_file, json_t **doc)
{
    static int curl_ready;
    miq_fetch_url pu;
    const char *err, *pinned = NULL;
    cimd_buf *b;
    CURL *curl;
    struct curl_slist *resolve = NULL;
    CURLcode rc;
    long status = 0;
    *doc = NULL;
    if (!miq_oauth_cimd_id(url) && !(allow_private && !strncmp(url, "http://", 7)))
        return "a client id URL must be https with a path";
    if ((err = miq_fetch_parse_url(p, url, &pu)))
        return err;
    if ((err = miq_fetch_resolve(p, pu.host, pu.port, allow_private, &pinned)))
        return err;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    if (!(curl = curl_easy_init()))
        return "out of memory";
    b = apr_pcalloc(p, sizeof(*b));
    b->allow_private = allow_private;
    if (!pu.host_is_ip)
        resolve = curl_slist_append(NULL, apr_psprintf(p, "%s:%d:%s%s%s", pu.host, pu.port,
                                                       strchr(pinned, ':') ? "[" : "", pinned,
                                                       strchr(pinned, ':') ? "]" : ""));
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, allow_private ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MIQ_OAUTH_CIMD_MAX_BYTES);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, cimd_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, cimd_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, b);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "MomentIQ-oauth/1");
    if (ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(resolve);
    if (b->over || rc == CURLE_FILESIZE_EXCEEDED)
        return "the client metadata document is too large";
    if (b->refused)
        return "the client metadata document's address is not public";
    if (rc != CURLE_OK)
        return apr_psprintf(p, "the client metadata document could not be fetched: %s",
                            curl_easy_strerror(rc));
    if (status != 200)
        return apr_psprintf(p, "the client metadata document answered HTTP %ld", status);
    b->data[b->n] = 0;
    *doc = miq_json_parse(p, b->data, b->n, &err);
    if (!json_is_object(*doc)) {
        *doc = NULL;
        return "the client metadata document is not a JSON object";
    }
    return NULL;
}

int miq_oauth_client_preregistered(const miq_oauth_client *c)
{
    return c && c->source && (!strcmp(c->source, "directive") || !strcmp(c->source, "env"));
}
