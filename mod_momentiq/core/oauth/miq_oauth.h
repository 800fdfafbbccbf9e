/* The OAuth 2.1 authorization server's pure parts (SPEC §5, issue #4): PKCE,
 * redirect URI rules, request parameters and RFC 6749 errors, the client
 * registry, token shapes, metadata documents and the HTML pages. No httpd
 * and no database: the services over miq_db are in oauth/miq_oauth_grants.h;
 * the glue (mod_momentiq_oauth_*.c) does request I/O. Parsers and checks
 * return a const char * error (NULL = ok), like directive handlers. */
#ifndef MIQ_OAUTH_H
#define MIQ_OAUTH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include "accounts/miq_auth.h"

#define MIQ_OAUTH_CODE_TTL_S      60      /* authorization codes */
#define MIQ_OAUTH_REFRESH_GRACE_S 30      /* a retried refresh gets the same pair */
#define MIQ_OAUTH_ACCESS_TTL_S    3600    /* MomentIQOAuthAccessTokenTTL default */
#define MIQ_OAUTH_REFRESH_TTL_S   2592000 /* MomentIQOAuthRefreshTokenTTL default (30 days) */
#define MIQ_OAUTH_CIMD_CACHE_S    3600    /* metadata documents are fetched again after this */
#define MIQ_OAUTH_CIMD_MAX_BYTES  16384
#define MIQ_OAUTH_REFRESH_PREFIX  "miq_rt_"
#define MIQ_OAUTH_SECRET_PREFIX   "miq_cs_"

/* ---- PKCE (RFC 7636), S256 only: miq_oauth_pkce.c -------------------------------- */

/* 43..128 characters of [A-Za-z0-9-._~]. */
int miq_oauth_pkce_verifier_ok(const char *verifier);
/* An S256 challenge: exactly 43 base64url characters. */
int miq_oauth_pkce_challenge_ok(const char *challenge);
/* BASE64URL(SHA256(verifier)); NULL for a malformed verifier. */
const char *miq_oauth_pkce_s256(apr_pool_t *p, const char *verifier);
/* Constant-time; 0 for anything malformed. */
int miq_oauth_pkce_verify(apr_pool_t *p, const char *verifier, const char *challenge);

/* ---- redirect URIs: miq_oauth_redirect.c ---------------------------------------- */

/* Whether presented matches a registered URI: byte-for-byte, or, for a
 * registered http loopback URI (127.0.0.1, [::1], localhost), the same URI
 * with any port (RFC 8252 §7.3). Before that, presented must be a clean
 * absolute URI: no blanks or control characters, no fragment, no userinfo,
 * no backslash, no percent-encoded slash, dot or control character in the
 * authority, no dot segments. NULL or why not. */
const char *miq_oauth_redirect_match(apr_pool_t *p, const apr_array_header_t *registered,
                                     const char *presented);
/* Whether uri may be registered (DCR, metadata documents, directives):
 * https with a host, http on a loopback host, or a private-use scheme with a
 * dot (com.example.app:/cb); never javascript:, data:, file: and the like. */
const char *miq_oauth_redirect_registrable(apr_pool_t *p, const char *uri);
/* redirect_uri with the name/value pairs (NULL-terminated list) appended to
 * its query, percent-encoded. */
const char *miq_oauth_redirect_build(apr_pool_t *p, const char *redirect_uri,
                                     const char *const *pairs);
/* Whether a token's audience is the canonical MCP URL (trailing slash insensitive). */
int miq_oauth_audience_ok(const char *audience, const char *mcp_url);

/* ---- parameters and errors: miq_oauth_params.c ----------------------------------- */

/* Parses application/x-www-form-urlencoded text (a body or a query string).
 * A parameter given twice is refused (RFC 6749 §3.1); parameters without a
 * value are treated as omitted. *out gets a table. NULL or why not. */
const char *miq_oauth_form_parse(apr_pool_t *p, const char *s, apr_size_t len, apr_table_t **out);
/* The RFC 6749 §5.2 body {"error","error_description"}. */
const char *miq_oauth_error_body(apr_pool_t *p, const char *error, const char *description);
/* The HTTP status for an error code: 401 invalid_client, 500 server_error,
 * 503 temporarily_unavailable, else 400. */
int miq_oauth_error_status(const char *error);
/* "Basic base64(id:secret)" (id and secret form-urlencoded, RFC 6749 §2.3.1).
 * NULL with *id and *secret set, NULL with *id NULL when the header is absent
 * or not Basic, else why it is malformed. */
const char *miq_oauth_basic_auth(apr_pool_t *p, const char *authorization, const char **id,
                                 const char **secret);

/* ---- clients: miq_oauth_clients.c ---------------------------------------------- */

typedef struct miq_oauth_client {
    const char *client_id;
    const char *name;
    const char *connector;             /* chatgpt, claude, ... ("mcp" when unknown) */
    apr_array_header_t *redirect_uris; /* const char *, exact */
    const char *auth_method;           /* none | client_secret_basic | client_secret_post */
    const char *secret_hash;           /* hex SHA-256 of the secret; NULL: public client */
    const char *source;                /* directive | env | dcr | cimd */
} miq_oauth_client;

typedef struct miq_oauth_registry {
    apr_pool_t *pool;
    apr_array_header_t *clients; /* miq_oauth_client *, from directives and the environment */
    int dcr;                     /* MomentIQOAuthDynamicRegistration */
    int cimd;                    /* MomentIQOAuthClientMetadataDocuments */
} miq_oauth_registry;

miq_oauth_registry *miq_oauth_registry_make(apr_pool_t *p);
/* Adds a pre-registered client; refuses a duplicate id, a bad redirect URI, an
 * empty list. redirects: const char *. */
const char *miq_oauth_registry_add(miq_oauth_registry *reg, const char *id, const char *name,
                                   const char *connector, const apr_array_header_t *redirects,
                                   const char *source);
/* Makes a pre-registered client confidential (client_secret_basic or _post). */
const char *miq_oauth_registry_set_secret(miq_oauth_registry *reg, const char *id,
                                          const char *secret);
/* The seed's environment: MOMENTIQ_CONNECTOR_OAUTH_CLIENTS (a JSON list of
 * {"client_id","name","connector","redirect_uris"}), else the single client
 * of MOMENTIQ_CONNECTOR_OAUTH_CLIENT_ID, _CLIENT_NAME, _CONNECTOR and
 * _REDIRECT_URIS (comma-separated). NULL values: unset. */
const char *miq_oauth_registry_env(miq_oauth_registry *reg, const char *clients_json,
                                   const char *id, const char *name, const char *connector,
                                   const char *redirect_uris);
const miq_oauth_client *miq_oauth_registry_find(const miq_oauth_registry *reg, const char *id);
/* Whether the operator registered the client (MomentIQOAuthClient or the
 * environment), as opposed to dynamic registration or a metadata document:
 * only these get RFC redirects of authorize errors without user interaction
 * and, when confidential, may introspect other clients' tokens. */
int miq_oauth_client_preregistered(const miq_oauth_client *c);
/* Whether any client can be known: pre-registered ones, DCR or metadata documents. */
int miq_oauth_configured(const miq_oauth_registry *reg);
/* [{"client_id","name","connector"}] of the pre-registered clients; never secrets. */
json_t *miq_oauth_clients_public(apr_pool_t *p, const miq_oauth_registry *reg);
/* Client authentication at the token, revoke and introspect endpoints:
 * method is how the secret came (none, client_secret_basic, client_secret_post).
 * NULL ok, else why (the caller answers invalid_client). */
const char *miq_oauth_client_authenticate(apr_pool_t *p, const miq_oauth_client *c,
                                          const char *method, const char *secret);
/* A registration request (RFC 7591 §2). *error gets invalid_redirect_uri or
 * invalid_client_metadata. The client has no id yet. */
const char *miq_oauth_dcr_parse(apr_pool_t *p, const json_t *req, miq_oauth_client *out,
                                const char **error);
/* Whether client_id is a Client ID Metadata Document URL (https, with a path). */
int miq_oauth_cimd_id(const char *client_id);
/* A fetched metadata document: client_id must equal url; public clients only. */
const char *miq_oauth_cimd_parse(apr_pool_t *p, const char *url, const json_t *doc,
                                 miq_oauth_client *out);
/* Fetches the document with libcurl: https only (http too when allow_private,
 * for tests), addresses checked like source_url imports (base/miq_fetch.c)
 * and pinned, no redirects, at most MIQ_OAUTH_CIMD_MAX_BYTES, 5 s. */
const char *miq_oauth_cimd_fetch(apr_pool_t *p, const char *url, int allow_private,
                                 const char *ca_file, json_t **doc);
/* A client from an oauth_clients row (MIQ_SQL_OAUTH_CLIENT_GET, MIQ_OCL_* columns
 * in oauth/miq_oauth_grants.h; redirect_uris as JSON text). */
const char *miq_oauth_client_from_row(apr_pool_t *p, const char *id, const char *const *row,
                                      miq_oauth_client *out);
/* JSON array text of the client's redirect URIs, for the row. */
const char *miq_oauth_redirects_json(apr_pool_t *p, const miq_oauth_client *c);

/* ---- authorization requests and tokens: miq_oauth_params.c, miq_oauth_tokens.c -- */

typedef struct miq_oauth_authz {
    const char *client_id, *redirect_uri, *state, *challenge, *resource;
    const char *scope;         /* canonical, space-separated */
    unsigned scopes;           /* MIQ_SCOPE_* */
    const char *ignored_scope; /* requested words we do not know (NULL: none) */
} miq_oauth_authz;

/* Validates an authorization request for a known client c: redirect_uri,
 * response_type=code, PKCE S256, scope, resource (the canonical MCP URL,
 * trailing slash insensitive; absent means it). Returns NULL, or the error
 * description with *error (an RFC 6749 code) and *redirectable (0 when the
 * redirect URI itself is wrong: the error must be shown, not redirected). */
const char *miq_oauth_authorize_check(apr_pool_t *p, const miq_oauth_client *c, apr_table_t *params,
                                      const char *mcp_url, miq_oauth_authz *out, const char **error,
                                      int *redirectable);
/* The scopes the user kept on the consent screen: the requested ones whose
 * box ("grant_all", "grant_video", ...) is checked. */
unsigned miq_oauth_consent_scopes(unsigned requested, apr_table_t *form);

typedef struct miq_oauth_pair {
    miq_new_token access;     /* a connector token (miq_conn_...) */
    const char *refresh;      /* miq_rt_... */
    const char *refresh_hash; /* hex SHA-256 */
    const char *family;       /* fam_<hex>, for a first pair */
} miq_oauth_pair;

/* A first pair, drawn at random. */
const char *miq_oauth_pair_new(apr_pool_t *p, miq_oauth_pair *out);
/* The successor of a refresh token: derived with HMAC-SHA256(key, refresh),
 * so a retry of the same refresh computes the same pair. */
const char *miq_oauth_pair_derive(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                                  const char *refresh, miq_oauth_pair *out);
int miq_oauth_refresh_format_ok(const char *s);
/* An authorization code (43 base64url characters, 256 bits). */
const char *miq_oauth_code_new(apr_pool_t *p);
/* A correlation id for the diagnostic trail: "corr_" + 16 hex. */
const char *miq_oauth_correlation_new(apr_pool_t *p);
int miq_oauth_correlation_ok(const char *s);
/* The token response (RFC 6749 §5.1). */
const char *miq_oauth_token_body(apr_pool_t *p, const char *access, long expires_in,
                                 const char *refresh, const char *scope);

/* ---- metadata: miq_oauth_metadata.c ---------------------------------------------- */

/* RFC 8414 metadata of the issuer base_url, listing exactly what is supported. */
json_t *miq_oauth_as_metadata(apr_pool_t *p, const char *base_url, int dcr, int cimd);
/* RFC 9728 metadata of the MCP endpoint, pointing at the authorization server. */
json_t *miq_oauth_pr_metadata(apr_pool_t *p, const char *mcp_url, const char *base_url,
                              const char *title);

/* ---- pages: miq_oauth_pages.c ------------------------------------------------------- */

const char *miq_html_escape(apr_pool_t *p, const char *s);

typedef struct miq_oauth_page {
    const miq_oauth_authz *req;
    const char *client_name, *connector;
    const char *correlation_id;
    const char *csrf;       /* consent form */
    const char *login_csrf; /* sign-in form: the pre-session double-submit token */
    const char *account;    /* who is signed in (email or id) */
    const char *message;    /* a notice above the form (sign-in failed...), or NULL */
    /* the operator's policies, linked under the forms (NULL: not shown) */
    const char *service_name, *privacy_url, *terms_url, *support_email;
} miq_oauth_page;

/* The consent screen: client, connector, account, a checkbox per requested
 * scope, Approve / Deny; works without JavaScript. */
const char *miq_oauth_page_consent(apr_pool_t *p, const miq_oauth_page *pg);
/* The sign-in form (email, password, the hidden login_csrf when set) that
 * returns to the consent screen. */
const char *miq_oauth_page_login(apr_pool_t *p, const miq_oauth_page *pg);
/* An error page for errors that must not be redirected. */
const char *miq_oauth_page_error(apr_pool_t *p, const char *title, const char *message,
                                 const char *correlation_id);

#endif
