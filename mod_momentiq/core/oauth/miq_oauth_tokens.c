/* OAuth token shapes: access tokens are connector tokens (miq_conn_...),
 * refresh tokens miq_rt_..., codes 256 random bits. A refresh token's
 * successor pair is derived from it with the server secret, so a retried
 * refresh (a lost response) computes the same pair without any secret being
 * stored: the database keeps hashes only. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"

#define BODY_CHARS          43
#define ACCESS_PREFIX_CHARS 13

static void fill_access(apr_pool_t *p, const unsigned char raw[32], const char *id_hex,
                        miq_new_token *t)
{
    t->id = apr_pstrcat(p, "tok_", id_hex, NULL);
    t->secret = apr_pstrcat(p, MIQ_CONN_PREFIX, miq_b64url_encode(p, raw, 32), NULL);
    t->hash = miq_token_hash(p, t->secret);
    t->prefix = apr_pstrndup(p, t->secret, ACCESS_PREFIX_CHARS);
}

static void fill_refresh(apr_pool_t *p, const unsigned char raw[32], miq_oauth_pair *out)
{
    out->refresh = apr_pstrcat(p, MIQ_OAUTH_REFRESH_PREFIX, miq_b64url_encode(p, raw, 32), NULL);
    out->refresh_hash = miq_token_hash(p, out->refresh);
}

const char *miq_oauth_pair_new(apr_pool_t *p, miq_oauth_pair *out)
{
    unsigned char a[32], r[32];
    const char *id = miq_random_hex(p, 8), *fam = miq_random_hex(p, 12);
    memset(out, 0, sizeof(*out));
    if (!id || !fam || miq_random_bytes(a, 32) || miq_random_bytes(r, 32))
        return "random number generator failed";
    fill_access(p, a, id, &out->access);
    fill_refresh(p, r, out);
    out->family = apr_pstrcat(p, "fam_", fam, NULL);
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(r, sizeof(r));
    return NULL;
}

static void derive(const unsigned char *key, apr_size_t klen, const char *label,
                   const char *refresh, unsigned char out[32])
{
    apr_size_t ln = strlen(label) + 1, rn = strlen(refresh);
    unsigned char buf[256];
    memcpy(buf, label, ln);
    memcpy(buf + ln, refresh, rn);
    miq_hmac_sha256(key, klen, buf, ln + rn, out);
    OPENSSL_cleanse(buf, sizeof(buf));
}

const char *miq_oauth_pair_derive(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                                  const char *refresh, miq_oauth_pair *out)
{
    unsigned char a[32], r[32], id[32];
    char hex[17];
    int i;
    memset(out, 0, sizeof(*out));
    if (!key || klen < 16 || !miq_oauth_refresh_format_ok(refresh))
        return "cannot derive a successor for this token";
    derive(key, klen, "miq-oauth-access", refresh, a);
    derive(key, klen, "miq-oauth-refresh", refresh, r);
    derive(key, klen, "miq-oauth-access-id", refresh, id);
    for (i = 0; i < 8; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", id[i]);
    fill_access(p, a, hex, &out->access);
    fill_refresh(p, r, out);
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(r, sizeof(r));
    return NULL;
}

int miq_oauth_refresh_format_ok(const char *s)
{
    apr_size_t n = sizeof(MIQ_OAUTH_REFRESH_PREFIX) - 1, i;
    if (!s || strncmp(s, MIQ_OAUTH_REFRESH_PREFIX, n) || strlen(s) != n + BODY_CHARS)
        return 0;
    for (i = n; s[i]; i++)
        if (!apr_isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

const char *miq_oauth_code_new(apr_pool_t *p)
{
    return miq_random_token(p);
}

const char *miq_oauth_correlation_new(apr_pool_t *p)
{
    const char *h = miq_random_hex(p, 8);
    return h ? apr_pstrcat(p, "corr_", h, NULL) : NULL;
}

int miq_oauth_correlation_ok(const char *s)
{
    int i;
    if (!s || strncmp(s, "corr_", 5) || strlen(s) != 21)
        return 0;
    for (i = 5; i < 21; i++)
        if (!apr_isxdigit((unsigned char)s[i]) || apr_isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

const char *miq_oauth_token_body(apr_pool_t *p, const char *access, long expires_in,
                                 const char *refresh, const char *scope)
{
    json_t *o = miq_json_packp(p, "{s:s,s:s,s:I,s:s}", "access_token", access, "token_type",
                               "Bearer", "expires_in", (json_int_t)expires_in, "scope", scope);
    if (refresh)
        json_object_set_new(o, "refresh_token", json_string(refresh));
    return miq_json_dump(p, o);
}
