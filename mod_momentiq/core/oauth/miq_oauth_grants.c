/* Authorization codes, the token grants, revocation, introspection and the
 * diagnostic trail over miq_db (see miq_oauth_grants.h). Codes are redeemed
 * and refresh tokens rotated by one SQL function each (sql/004_oauth.sql),
 * atomically: a code works once; concurrent refreshes of one token queue on
 * the family row and all get the same successor pair (derived from the token
 * with the server secret), and a refresh token presented after its grace
 * revokes the family. No secret reaches a log or a table (hashes only). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "oauth/miq_oauth_grants.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"

#define DB_DOWN "the authorization database is unavailable"

static int fail(miq_oauth_outcome *out, const char *error, const char *description)
{
    out->error = error;
    out->description = description;
    out->body = NULL;
    return -1;
}

/* The first row of a statement: 1 with *row, 0 none, -1 database error. */
static int first_row(apr_pool_t *p, const miq_db *db, miq_sql_id_e id, int nargs,
                     const char *const *args, const char ***row)
{
    const char *err = NULL;
    int ncols = 0;
    apr_array_header_t *rows = db->query(db->baton, p, id, nargs, args, &ncols, &err);
    if (!rows)
        return -1;
    if (!rows->nelts)
        return 0;
    *row = APR_ARRAY_IDX(rows, 0, const char **);
    return 1;
}

int miq_oauth_trail_add(apr_pool_t *p, const miq_db *db, const char *correlation_id,
                        const char *client_id, const char *account_id, const char *step,
                        const char *error, const char *detail)
{
    const char *args[MIQ_OTR_NARGS], *err = NULL;
    int ncols = 0;
    if (!db || !correlation_id)
        return 0;
    args[MIQ_OTR_CORRELATION] = correlation_id;
    args[MIQ_OTR_CLIENT] = client_id && strlen(client_id) <= 255 ? client_id : NULL;
    args[MIQ_OTR_ACCOUNT] = account_id && *account_id ? account_id : NULL;
    args[MIQ_OTR_STEP] = step;
    args[MIQ_OTR_OUTCOME] = error ? "error" : "ok";
    args[MIQ_OTR_ERROR] = error;
    args[MIQ_OTR_DETAIL] = detail;
    return db->query(db->baton, p, MIQ_SQL_OAUTH_TRAIL_ADD, MIQ_OTR_NARGS, args, &ncols, &err) ? 0
                                                                                               : -1;
}

/* ---- codes --------------------------------------------------------------------------- */

const char *miq_oauth_code_issue(apr_pool_t *p, const miq_db *db, const miq_oauth_authz *q,
                                 const char *account_id, unsigned scopes,
                                 const char *correlation_id, miq_oauth_outcome *out)
{
    const char *code, *args[MIQ_OCC_NARGS], *err = NULL;
    int ncols = 0;
    memset(out, 0, sizeof(*out));
    if (!(code = miq_oauth_code_new(p))) {
        fail(out, "server_error", "no random bytes for a code");
        return NULL;
    }
    args[MIQ_OCC_CODE_HASH] = miq_token_hash(p, code);
    args[MIQ_OCC_CLIENT] = q->client_id;
    args[MIQ_OCC_REDIRECT] = q->redirect_uri;
    args[MIQ_OCC_ACCOUNT] = account_id;
    args[MIQ_OCC_SCOPES] = miq_scope_format(p, scopes);
    args[MIQ_OCC_RESOURCE] = q->resource;
    args[MIQ_OCC_CHALLENGE] = q->challenge;
    args[MIQ_OCC_CORRELATION] = correlation_id;
    args[MIQ_OCC_TTL_S] = apr_itoa(p, MIQ_OAUTH_CODE_TTL_S);
    /* a plain INSERT: it stores its one row or fails */
    if (!db->query(db->baton, p, MIQ_SQL_OAUTH_CODE_CREATE, MIQ_OCC_NARGS, args, &ncols, &err)) {
        fail(out, "temporarily_unavailable", "the code could not be stored");
        miq_oauth_trail_add(p, db, correlation_id, q->client_id, account_id, "consent", out->error,
                            out->description);
        return NULL;
    }
    miq_oauth_trail_add(p, db, correlation_id, q->client_id, account_id, "consent", NULL,
                        apr_psprintf(p, "approved scopes '%s'; code issued", args[MIQ_OCC_SCOPES]));
    return code;
}

/* ---- the token grants ------------------------------------------------------------------ */

static const char *token_name(apr_pool_t *p, const miq_oauth_client *c)
{
    return apr_psprintf(p, "OAuth: %.100s", c->name);
}

/* The text of a redeem/refresh outcome, for the client and the trail. */
static const char *outcome_text(const char *outcome)
{
    static const struct {
        const char *outcome, *text;
    } texts[] = {
        {"unknown", "unknown code or token"},
        {"used", "the code was already used; the tokens it issued are revoked"},
        {"expired", "expired"},
        {"client_mismatch", "issued to another client"},
        {"redirect_mismatch", "redirect_uri differs from the authorization request"},
        {"verifier_mismatch", "code_verifier does not match the code_challenge"},
        {"resource_mismatch", "resource differs from the authorization"},
        {"reuse", "the refresh token was already used; every token of this authorization "
                  "is revoked"},
        {"revoked", "the authorization was revoked"},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (!strcmp(outcome, texts[i].outcome))
            return texts[i].text;
    return outcome;
}

/* A refused grant, in the trail (under the authorization's correlation id
 * when known, else a new one) and in out. */
static int refuse(apr_pool_t *p, const miq_db *db, const char *corr, const miq_oauth_client *c,
                  const char *account, const char *step, const char *error, const char *why,
                  miq_oauth_outcome *out)
{
    miq_oauth_trail_add(p, db, corr && *corr ? corr : miq_oauth_correlation_new(p), c->client_id,
                        account, step, error, why);
    return fail(out, error, why);
}

/* A refused redeem/refresh row: invalid_target for a resource mismatch, else invalid_grant. */
static int refuse_row(apr_pool_t *p, const miq_db *db, const miq_oauth_client *c,
                      const char *const *row, const char *step, const char *what,
                      miq_oauth_outcome *out)
{
    const char *outcome = row[MIQ_OGC_OUTCOME];
    return refuse(p, db, row[MIQ_OGC_CORRELATION], c, row[MIQ_OGC_ACCOUNT], step,
                  strcmp(outcome, "resource_mismatch") ? "invalid_grant" : "invalid_target",
                  apr_psprintf(p, "%s: %s", what, outcome_text(outcome)), out);
}

int miq_oauth_code_redeem(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                          const miq_oauth_client *c, const char *code, const char *verifier,
                          const char *redirect_uri, const char *resource, miq_oauth_outcome *out)
{
    const char *challenge, *args[MIQ_ORD_NARGS], **row = NULL;
    miq_oauth_pair pair;
    memset(out, 0, sizeof(*out));
    if (!code || !verifier)
        return refuse(p, db, NULL, c, NULL, "token", "invalid_request",
                      "code and code_verifier are required (PKCE S256)", out);
    if (!redirect_uri) {
        if (c->redirect_uris->nelts != 1)
            return refuse(p, db, NULL, c, NULL, "token", "invalid_request",
                          "redirect_uri is required", out);
        redirect_uri = APR_ARRAY_IDX(c->redirect_uris, 0, const char *);
    }
    challenge = miq_oauth_pkce_s256(p, verifier);
    if (miq_oauth_pair_new(p, &pair))
        return fail(out, "server_error", "no random bytes for tokens");
    args[MIQ_ORD_CODE_HASH] = miq_token_hash(p, code);
    args[MIQ_ORD_CLIENT] = c->client_id;
    args[MIQ_ORD_REDIRECT] = redirect_uri;
    /* the SQL compares it with the stored challenge: a malformed verifier never matches */
    args[MIQ_ORD_CHALLENGE] = challenge ? challenge : "(malformed verifier)";
    args[MIQ_ORD_RESOURCE] = resource;
    args[MIQ_ORD_FAMILY] = pair.family;
    args[MIQ_ORD_ACCESS_ID] = pair.access.id;
    args[MIQ_ORD_ACCESS_HASH] = pair.access.hash;
    args[MIQ_ORD_ACCESS_PREFIX] = pair.access.prefix;
    args[MIQ_ORD_TOKEN_NAME] = token_name(p, c);
    args[MIQ_ORD_ACCESS_TTL_S] = apr_itoa(p, s->access_ttl_s);
    args[MIQ_ORD_REFRESH_HASH] = pair.refresh_hash;
    args[MIQ_ORD_REFRESH_TTL_S] = apr_itoa(p, s->refresh_ttl_s);
    if (first_row(p, db, MIQ_SQL_OAUTH_CODE_REDEEM, MIQ_ORD_NARGS, args, &row) != 1)
        return fail(out, "temporarily_unavailable", DB_DOWN);
    if (strcmp(row[MIQ_OGC_OUTCOME], "ok"))
        return refuse_row(p, db, c, row, "token", "authorization code", out);
    miq_oauth_trail_add(p, db, row[MIQ_OGC_CORRELATION], c->client_id, row[MIQ_OGC_ACCOUNT],
                        "token", NULL,
                        apr_psprintf(p,
                                     "code redeemed: access token %s (scopes '%s', "
                                     "audience %s) and a refresh token issued",
                                     pair.access.id, row[MIQ_OGC_SCOPES], row[MIQ_OGC_RESOURCE]));
    out->body = miq_oauth_token_body(p, pair.access.secret, atol(row[MIQ_OGC_EXPIRES_IN]),
                                     pair.refresh, row[MIQ_OGC_SCOPES]);
    return 0;
}

int miq_oauth_refresh_rotate(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                             const miq_oauth_client *c, const char *refresh_token,
                             const char *resource, miq_oauth_outcome *out)
{
    const char *args[MIQ_ORF_NARGS], **row = NULL, *outcome;
    miq_oauth_pair pair;
    memset(out, 0, sizeof(*out));
    if (!refresh_token)
        return refuse(p, db, NULL, c, NULL, "refresh", "invalid_request",
                      "refresh_token is required", out);
    if (!miq_oauth_refresh_format_ok(refresh_token))
        return refuse(p, db, NULL, c, NULL, "refresh", "invalid_grant", "unknown refresh token",
                      out);
    if (miq_oauth_pair_derive(p, s->state_key, s->state_key_len, refresh_token, &pair))
        return fail(out, "server_error", "tokens cannot be derived");
    args[MIQ_ORF_REFRESH_HASH] = miq_token_hash(p, refresh_token);
    args[MIQ_ORF_CLIENT] = c->client_id;
    args[MIQ_ORF_RESOURCE] = resource;
    args[MIQ_ORF_NEXT_REFRESH_HASH] = pair.refresh_hash;
    args[MIQ_ORF_ACCESS_ID] = pair.access.id;
    args[MIQ_ORF_ACCESS_HASH] = pair.access.hash;
    args[MIQ_ORF_ACCESS_PREFIX] = pair.access.prefix;
    args[MIQ_ORF_TOKEN_NAME] = token_name(p, c);
    args[MIQ_ORF_ACCESS_TTL_S] = apr_itoa(p, s->access_ttl_s);
    args[MIQ_ORF_REFRESH_TTL_S] = apr_itoa(p, s->refresh_ttl_s);
    args[MIQ_ORF_GRACE_S] = apr_itoa(p, MIQ_OAUTH_REFRESH_GRACE_S);
    if (first_row(p, db, MIQ_SQL_OAUTH_REFRESH, MIQ_ORF_NARGS, args, &row) != 1)
        return fail(out, "temporarily_unavailable", DB_DOWN);
    outcome = row[MIQ_OGC_OUTCOME];
    if (strcmp(outcome, "rotated") && strcmp(outcome, "grace"))
        return refuse_row(p, db, c, row, "refresh", "refresh token", out);
    miq_oauth_trail_add(p, db, row[MIQ_OGC_CORRELATION], c->client_id, row[MIQ_OGC_ACCOUNT],
                        "refresh", NULL,
                        !strcmp(outcome, "grace")
                            ? apr_psprintf(p,
                                           "retry within the grace period: the same pair "
                                           "(access token %s) answered again",
                                           pair.access.id)
                            : apr_psprintf(p, "rotated: access token %s issued (family %s)",
                                           pair.access.id, row[MIQ_OGC_FAMILY]));
    out->body = miq_oauth_token_body(p, pair.access.secret, atol(row[MIQ_OGC_EXPIRES_IN]),
                                     pair.refresh, row[MIQ_OGC_SCOPES]);
    return 0;
}

/* ---- revocation and introspection ----------------------------------------------------- */

/* An OAuth-issued token by its secret: 1 with *row (MIQ_OTK_* columns), 0
 * unknown, -1 database error. */
static int find_token(apr_pool_t *p, const miq_db *db, const char *token, const char ***row)
{
    const char *args[2];
    args[0] = miq_token_hash(p, token);
    args[1] = args[0];
    return first_row(p, db, MIQ_SQL_OAUTH_TOKEN_FIND, 2, args, row);
}

int miq_oauth_token_revoke(apr_pool_t *p, const miq_db *db, const miq_oauth_client *c,
                           const char *token, miq_oauth_outcome *out)
{
    const char **row = NULL, *args[MIQ_OFR_NARGS], *corr, *err = NULL;
    int got, ncols = 0, access;
    apr_array_header_t *done;
    memset(out, 0, sizeof(*out));
    got = find_token(p, db, token, &row);
    if (got < 0)
        return fail(out, "temporarily_unavailable", "the database is unavailable");
    corr = miq_oauth_correlation_new(p);
    /* RFC 7009 §2.2: an unknown token, or another client's, is answered 200 too */
    if (got == 0 || strcmp(row[MIQ_OTK_CLIENT], c->client_id)) {
        miq_oauth_trail_add(p, db, corr, c->client_id, NULL, "revoke", NULL,
                            got ? "token of another client: nothing revoked"
                                : "unknown token: nothing revoked");
        return 0;
    }
    access = !strcmp(row[MIQ_OTK_KIND], "access");
    if (access) {
        args[0] = row[MIQ_OTK_ACCESS_ID];
        done = db->query(db->baton, p, MIQ_SQL_OAUTH_ACCESS_REVOKE, 1, args, &ncols, &err);
    }
    else {
        args[MIQ_OFR_FAMILY] = row[MIQ_OTK_FAMILY];
        args[MIQ_OFR_REASON] = "revoked";
        done = db->query(db->baton, p, MIQ_SQL_OAUTH_FAMILY_REVOKE, MIQ_OFR_NARGS, args, &ncols,
                         &err);
    }
    if (!done)
        return fail(out, "temporarily_unavailable", "the database is unavailable");
    miq_oauth_trail_add(p, db, corr, c->client_id, row[MIQ_OTK_ACCOUNT], "revoke", NULL,
                        access ? apr_psprintf(p, "access token %s revoked", row[MIQ_OTK_ACCESS_ID])
                               : apr_psprintf(p, "refresh token: family %s revoked",
                                              row[MIQ_OTK_FAMILY]));
    return 0;
}

int miq_oauth_token_introspect(apr_pool_t *p, const miq_db *db, const miq_oauth_settings *s,
                               const miq_oauth_client *c, const char *token, miq_oauth_outcome *out)
{
    const char **row = NULL;
    json_t *o;
    int got;
    memset(out, 0, sizeof(*out));
    got = find_token(p, db, token, &row);
    if (got < 0)
        return fail(out, "temporarily_unavailable", "the database is unavailable");
    /* a client may only learn about its own tokens; a confidential client the
     * operator registered (a gateway) about any. A registered (DCR) client
     * with a client_secret_* method is confidential too, but anyone may
     * register one (review #13). */
    if (got == 0 || strcmp(row[MIQ_OTK_STATE], "active") ||
        (!(c->secret_hash && miq_oauth_client_preregistered(c)) &&
         strcmp(row[MIQ_OTK_CLIENT], c->client_id))) {
        out->body = "{\"active\":false}";
        return 0;
    }
    o = miq_json_packp(p, "{s:b,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "active", 1, "client_id",
                       row[MIQ_OTK_CLIENT], "scope", row[MIQ_OTK_SCOPES], "token_type",
                       !strcmp(row[MIQ_OTK_KIND], "access") ? "Bearer" : "refresh_token", "sub",
                       row[MIQ_OTK_ACCOUNT], "exp", (json_int_t)atol(row[MIQ_OTK_EXP]), "iat",
                       (json_int_t)atol(row[MIQ_OTK_IAT]), "aud", row[MIQ_OTK_AUDIENCE], "iss",
                       s->issuer);
    out->body = miq_json_dump(p, o);
    return 0;
}
