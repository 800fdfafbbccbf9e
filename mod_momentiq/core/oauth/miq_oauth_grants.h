/* The OAuth authorization server's services over the database (miq_db):
 * clients learned at run time (dynamic registration, metadata documents) and
 * client authentication, authorization codes, the token grants (code
 * redemption, refresh rotation), revocation, introspection and the
 * diagnostic trail. They take a pool, a miq_db and plain values and write the
 * trail themselves; the glue (mod_momentiq_oauth*.c) parses requests and
 * renders the outcome: an RFC 6749 error (the status follows from the code,
 * miq_oauth_error_status) or the JSON body.
 *
 * Statement arguments and result columns are named below, one enum per
 * catalog statement (db/miq_sql.c). */
#ifndef MIQ_OAUTH_GRANTS_H
#define MIQ_OAUTH_GRANTS_H

#include <apr_pools.h>
#include <jansson.h>
#include "db/miq_db.h"
#include "oauth/miq_oauth.h"

/* ---- statement arguments and columns --------------------------------------------- */

/* MIQ_SQL_OAUTH_CLIENT_GET: argument the client id; columns: */
enum {
    MIQ_OCL_SOURCE,
    MIQ_OCL_NAME,
    MIQ_OCL_CONNECTOR,
    MIQ_OCL_REDIRECTS,
    MIQ_OCL_AUTH_METHOD,
    MIQ_OCL_SECRET_HASH, /* '' for a public client */
    MIQ_OCL_FRESHNESS,   /* 'fresh' or 'stale' (a metadata document to fetch again) */
    MIQ_OCL_COLS
};
/* MIQ_SQL_OAUTH_CLIENT_PUT arguments; one row when stored. */
enum {
    MIQ_OCP_ID,
    MIQ_OCP_SOURCE,
    MIQ_OCP_NAME,
    MIQ_OCP_CONNECTOR,
    MIQ_OCP_REDIRECTS,
    MIQ_OCP_AUTH_METHOD,
    MIQ_OCP_SECRET_HASH,
    MIQ_OCP_METADATA,
    MIQ_OCP_CACHE_S,
    MIQ_OCP_CACHE_S_AGAIN, /* seconds the row lives; 0: forever */
    MIQ_OCP_NARGS
};
/* MIQ_SQL_OAUTH_CODE_CREATE arguments. */
enum {
    MIQ_OCC_CODE_HASH,
    MIQ_OCC_CLIENT,
    MIQ_OCC_REDIRECT,
    MIQ_OCC_ACCOUNT,
    MIQ_OCC_SCOPES,
    MIQ_OCC_RESOURCE,
    MIQ_OCC_CHALLENGE,
    MIQ_OCC_CORRELATION,
    MIQ_OCC_TTL_S,
    MIQ_OCC_NARGS
};
/* MIQ_SQL_OAUTH_CODE_REDEEM arguments. */
enum {
    MIQ_ORD_CODE_HASH,
    MIQ_ORD_CLIENT,
    MIQ_ORD_REDIRECT,
    MIQ_ORD_CHALLENGE,
    MIQ_ORD_RESOURCE,
    MIQ_ORD_FAMILY,
    MIQ_ORD_ACCESS_ID,
    MIQ_ORD_ACCESS_HASH,
    MIQ_ORD_ACCESS_PREFIX,
    MIQ_ORD_TOKEN_NAME,
    MIQ_ORD_ACCESS_TTL_S,
    MIQ_ORD_REFRESH_HASH,
    MIQ_ORD_REFRESH_TTL_S,
    MIQ_ORD_NARGS
};
/* MIQ_SQL_OAUTH_REFRESH arguments. */
enum {
    MIQ_ORF_REFRESH_HASH,
    MIQ_ORF_CLIENT,
    MIQ_ORF_RESOURCE,
    MIQ_ORF_NEXT_REFRESH_HASH,
    MIQ_ORF_ACCESS_ID,
    MIQ_ORF_ACCESS_HASH,
    MIQ_ORF_ACCESS_PREFIX,
    MIQ_ORF_TOKEN_NAME,
    MIQ_ORF_ACCESS_TTL_S,
    MIQ_ORF_REFRESH_TTL_S,
    MIQ_ORF_GRACE_S,
    MIQ_ORF_NARGS
};
/* Columns of MIQ_SQL_OAUTH_CODE_REDEEM and MIQ_SQL_OAUTH_REFRESH ('' for NULL). */
enum {
    MIQ_OGC_OUTCOME,
    MIQ_OGC_ACCOUNT,
    MIQ_OGC_SCOPES,
    MIQ_OGC_RESOURCE,
    MIQ_OGC_CORRELATION,
    MIQ_OGC_EXPIRES_IN,
    MIQ_OGC_FAMILY, /* REFRESH only */
    MIQ_OGC_REDEEM_COLS = MIQ_OGC_FAMILY,
    MIQ_OGC_REFRESH_COLS
};
/* MIQ_SQL_OAUTH_TOKEN_FIND: arguments the token hash, twice; columns: */
enum {
    MIQ_OTK_KIND,      /* 'access' or 'refresh' */
    MIQ_OTK_ACCESS_ID, /* '' for a refresh token */
    MIQ_OTK_FAMILY,
    MIQ_OTK_CLIENT,
    MIQ_OTK_ACCOUNT,
    MIQ_OTK_SCOPES,
    MIQ_OTK_AUDIENCE,
    MIQ_OTK_STATE, /* 'active' or 'inactive' */
    MIQ_OTK_EXP,
    MIQ_OTK_IAT, /* epoch seconds */
    MIQ_OTK_COLS
};
/* MIQ_SQL_OAUTH_FAMILY_REVOKE arguments (MIQ_SQL_OAUTH_ACCESS_REVOKE: the token id). */
enum { MIQ_OFR_FAMILY, MIQ_OFR_REASON, MIQ_OFR_NARGS };
/* MIQ_SQL_OAUTH_TRAIL_ADD arguments. */
enum {
    MIQ_OTR_CORRELATION,
    MIQ_OTR_CLIENT,
    MIQ_OTR_ACCOUNT,
    MIQ_OTR_STEP,
    MIQ_OTR_OUTCOME,
    MIQ_OTR_ERROR,
    MIQ_OTR_DETAIL,
    MIQ_OTR_NARGS
};

/* ---- what the services need and answer --------------------------------------------- */

typedef struct miq_oauth_settings {
    const miq_oauth_registry *reg; /* pre-registered clients */
    int dcr;                       /* dynamic client registration is enabled */
    int cimd;                      /* client metadata documents are enabled */
    int cimd_allow_private;        /* metadata documents may come from private addresses */
    const char *fetch_ca_file;     /* for fetching metadata documents, or NULL */
    int access_ttl_s, refresh_ttl_s;
    const unsigned char *state_key; /* derives a refresh token's successors */
    apr_size_t state_key_len;
    const char *issuer; /* the base URL ("iss" of introspection) */
} miq_oauth_settings;

/* What a service answers. error NULL: done, body is the JSON answer (NULL:
 * an empty one); else error is the RFC 6749 code (the HTTP status follows
 * from it) and description its error_description. The services that fill
 * one return 0 when done, -1 with an error. */
typedef struct miq_oauth_outcome {
    const char *error;
    const char *description;
    const char *body;
} miq_oauth_outcome;

/* ---- the diagnostic trail: miq_oauth_grants.c ------------------------------------- */

/* One step (never a secret); nothing without db or correlation_id. A client
 * id over 255 characters and an empty account are stored as NULL. 0, or -1
 * when the row was not written. */
int miq_oauth_trail_add(apr_pool_t *p, const miq_db *db, const char *correlation_id,
                        const char *client_id, const char *account_id, const char *step,
                        const char *error, const char *detail);

/* ---- clients: miq_oauth_registrations.c -------------------------------------------- */

/* Finds a client: pre-registered, then (when enabled) a metadata document
 * (cached in oauth_clients, fetched again when stale), then a registered one
 * (mcp_...). 1 found, 0 unknown (*why says why a metadata document was
 * refused, else NULL), -1 database error. */
int miq_oauth_client_find(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                          const char *id, miq_oauth_client *out, const char **why);
/* Client authentication at the token, revoke and introspect endpoints, after
 * the glue took id and secret from Basic credentials or the form: method is
 * none, client_secret_basic or client_secret_post. On success *client is the
 * client; else it is zeroed and out has invalid_client (unknown client, wrong
 * secret) or temporarily_unavailable. */
int miq_oauth_client_check(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                           const char *id, const char *method, const char *secret,
                           miq_oauth_client *client, miq_oauth_outcome *out);
/* Dynamic registration (RFC 7591) of c, parsed from the request req: draws
 * the id (mcp_...) and, for a confidential client, the secret, stores the
 * client with the request's metadata minus anything secret-like, and answers
 * the registration response (sent with 201). */
int miq_oauth_client_register(apr_pool_t *p, const miq_db *db, const miq_oauth_client *c,
                              const json_t *req, miq_oauth_outcome *out);

/* ---- codes and tokens: miq_oauth_grants.c ------------------------------------------ */

/* The code of an approved authorization request q, for account_id with the
 * scopes kept (MIQ_SCOPE_*), stored for MIQ_OAUTH_CODE_TTL_S. NULL with
 * server_error (no random bytes) or temporarily_unavailable (not stored;
 * the trail has it). */
const char *miq_oauth_code_issue(apr_pool_t *p, const miq_db *db, const miq_oauth_authz *q,
                                 const char *account_id, unsigned scopes,
                                 const char *correlation_id, miq_oauth_outcome *out);
/* The authorization_code grant for the authenticated client c: consumes the
 * code (once; a reused code revokes what it issued) and issues the first
 * pair; body is the token response. redirect_uri NULL: the client's only one. */
int miq_oauth_code_redeem(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                          const miq_oauth_client *c, const char *code, const char *verifier,
                          const char *redirect_uri, const char *resource, miq_oauth_outcome *out);
/* The refresh_token grant: rotates the token (a retry within the grace
 * period gets the same successor pair; a used token after it revokes the
 * family); body is the token response. */
int miq_oauth_refresh_rotate(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                             const miq_oauth_client *c, const char *refresh_token,
                             const char *resource, miq_oauth_outcome *out);
/* Revocation (RFC 7009) of an access token, or of the family of a refresh
 * token, for its client; an unknown token or another client's is a success
 * that revokes nothing. */
int miq_oauth_token_revoke(apr_pool_t *p, const miq_db *db, const miq_oauth_client *c,
                           const char *token, miq_oauth_outcome *out);
/* Introspection (RFC 7662): {"active":false} unless the token is active and
 * c is the token's client or a confidential client the operator registered
 * (miq_oauth_client_preregistered); a DCR client with a secret is not. */
int miq_oauth_token_introspect(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                               const miq_oauth_client *c, const char *token,
                               miq_oauth_outcome *out);

#endif
