/* POST /api/auth/oauth/token: authorization_code (PKCE S256) and
 * refresh_token (rotation) grants. Codes are redeemed and refresh tokens
 * rotated by one SQL function each (sql/004_oauth.sql), atomically: a code
 * works once; concurrent refreshes of one token queue on the family row and
 * all get the same successor pair (derived from the token with the server
 * secret), and a refresh token presented after its grace revokes the family.
 * Every answer carries Cache-Control: no-store; no secret reaches a log or
 * a table (hashes only). */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_oauth.h"

static const char *token_name(request_rec *r, const miq_oauth_client *c)
{
    return apr_psprintf(r->pool, "OAuth: %.100s", c->name);
}

static int fail(request_rec *r, ap_dbd_t *dbd, const char *corr, const miq_oauth_client *c,
                const char *account, const char *step, const char *error, const char *why)
{
    miq_oauth_trail(r, dbd, corr ? corr : miq_oauth_correlation_new(r->pool), c->client_id,
                    account, step, error, why);
    return miq_oauth_send_error(r, error, why);
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

static int code_grant(request_rec *r, ap_dbd_t *dbd, apr_table_t *f, const miq_oauth_client *c)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    const char *code = apr_table_get(f, "code"), *verifier = apr_table_get(f, "code_verifier");
    const char *redirect = apr_table_get(f, "redirect_uri"), *challenge, *args[13], **row = NULL;
    miq_oauth_pair pair;
    int ncols = 0, got;
    if (!code || !verifier)
        return fail(r, dbd, NULL, c, NULL, "token", "invalid_request",
                    "code and code_verifier are required (PKCE S256)");
    if (!redirect) {
        if (c->redirect_uris->nelts != 1)
            return fail(r, dbd, NULL, c, NULL, "token", "invalid_request",
                        "redirect_uri is required");
        redirect = APR_ARRAY_IDX(c->redirect_uris, 0, const char *);
    }
    challenge = miq_oauth_pkce_s256(r->pool, verifier);
    if (miq_oauth_pair_new(r->pool, &pair))
        return miq_oauth_send_error(r, "server_error", "no random bytes for tokens");
    args[0] = miq_token_hash(r->pool, code);
    args[1] = c->client_id;
    args[2] = redirect;
    args[3] = challenge ? challenge : "(malformed verifier)";
    args[4] = apr_table_get(f, "resource");
    args[5] = pair.family;
    args[6] = pair.access.id;
    args[7] = pair.access.hash;
    args[8] = pair.access.prefix;
    args[9] = token_name(r, c);
    args[10] = apr_itoa(r->pool, oc->access_ttl_s);
    args[11] = pair.refresh_hash;
    args[12] = apr_itoa(r->pool, oc->refresh_ttl_s);
    got = miq_db_row(r, dbd, MIQ_SQL_OAUTH_CODE_REDEEM, 13, args, &row, &ncols);
    if (got != 1)
        return miq_oauth_send_error(r, "temporarily_unavailable",
                                    "the authorization database is unavailable");
    if (strcmp(row[0], "ok"))
        return fail(r, dbd, *row[4] ? row[4] : NULL, c, row[1], "token",
                    strcmp(row[0], "resource_mismatch") ? "invalid_grant" : "invalid_target",
                    apr_psprintf(r->pool, "authorization code: %s", outcome_text(row[0])));
    miq_oauth_trail(r, dbd, row[4], c->client_id, row[1], "token", NULL,
                    apr_psprintf(r->pool, "code redeemed: access token %s (scopes '%s', "
                                          "audience %s) and a refresh token issued",
                                 pair.access.id, row[2], row[3]));
    return miq_oauth_send_json(r, HTTP_OK,
                               miq_oauth_token_body(r->pool, pair.access.secret, atol(row[5]),
                                                    pair.refresh, row[2]));
}

static int refresh_grant(request_rec *r, ap_dbd_t *dbd, apr_table_t *f,
                         const miq_oauth_client *c)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    const char *rt = apr_table_get(f, "refresh_token"), *args[11], **row = NULL, *outcome;
    miq_oauth_pair pair;
    int ncols = 0, got;
    if (!rt)
        return fail(r, dbd, NULL, c, NULL, "refresh", "invalid_request",
                    "refresh_token is required");
    if (!miq_oauth_refresh_format_ok(rt))
        return fail(r, dbd, NULL, c, NULL, "refresh", "invalid_grant", "unknown refresh token");
    if (miq_oauth_pair_derive(r->pool, sc->mcp->state_key, sc->mcp->state_key_len, rt, &pair))
        return miq_oauth_send_error(r, "server_error", "tokens cannot be derived");
    args[0] = miq_token_hash(r->pool, rt);
    args[1] = c->client_id;
    args[2] = apr_table_get(f, "resource");
    args[3] = pair.refresh_hash;
    args[4] = pair.access.id;
    args[5] = pair.access.hash;
    args[6] = pair.access.prefix;
    args[7] = token_name(r, c);
    args[8] = apr_itoa(r->pool, oc->access_ttl_s);
    args[9] = apr_itoa(r->pool, oc->refresh_ttl_s);
    args[10] = apr_itoa(r->pool, MIQ_OAUTH_REFRESH_GRACE_S);
    got = miq_db_row(r, dbd, MIQ_SQL_OAUTH_REFRESH, 11, args, &row, &ncols);
    if (got != 1)
        return miq_oauth_send_error(r, "temporarily_unavailable",
                                    "the authorization database is unavailable");
    outcome = row[0];
    if (strcmp(outcome, "rotated") && strcmp(outcome, "grace"))
        return fail(r, dbd, *row[4] ? row[4] : NULL, c, row[1], "refresh",
                    strcmp(outcome, "resource_mismatch") ? "invalid_grant" : "invalid_target",
                    apr_psprintf(r->pool, "refresh token: %s", outcome_text(outcome)));
    miq_oauth_trail(r, dbd, row[4], c->client_id, row[1], "refresh", NULL,
                    !strcmp(outcome, "grace")
                        ? apr_psprintf(r->pool, "retry within the grace period: the same pair "
                                                "(access token %s) answered again",
                                       pair.access.id)
                        : apr_psprintf(r->pool, "rotated: access token %s issued (family %s)",
                                       pair.access.id, row[6]));
    return miq_oauth_send_json(r, HTTP_OK,
                               miq_oauth_token_body(r->pool, pair.access.secret, atol(row[5]),
                                                    pair.refresh, row[2]));
}

int miq_oauth_token(request_rec *r)
{
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    apr_table_t *f;
    miq_oauth_client client;
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
        return code_grant(r, dbd, f, &client);
    return refresh_grant(r, dbd, f, &client);
}
