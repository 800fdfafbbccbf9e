/* PKCE (RFC 7636) with S256 only: "plain" is refused by the authorize check. */
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include "base/miq_crypto.h"
#include "oauth/miq_oauth.h"

static int unreserved(char c)
{
    return apr_isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int miq_oauth_pkce_verifier_ok(const char *v)
{
    apr_size_t i, n;
    if (!v || (n = strlen(v)) < 43 || n > 128)
        return 0;
    for (i = 0; i < n; i++)
        if (!unreserved(v[i]))
            return 0;
    return 1;
}

int miq_oauth_pkce_challenge_ok(const char *c)
{
    apr_size_t i;
    if (!c || strlen(c) != 43)
        return 0;
    for (i = 0; i < 43; i++)
        if (!apr_isalnum((unsigned char)c[i]) && c[i] != '-' && c[i] != '_')
            return 0;
    return 1;
}

const char *miq_oauth_pkce_s256(apr_pool_t *p, const char *verifier)
{
    unsigned char md[32];
    if (!miq_oauth_pkce_verifier_ok(verifier))
        return NULL;
    miq_sha256(verifier, strlen(verifier), md);
    return miq_b64url_encode(p, md, sizeof(md));
}

int miq_oauth_pkce_verify(apr_pool_t *p, const char *verifier, const char *challenge)
{
    const char *s = miq_oauth_pkce_s256(p, verifier);
    return s && miq_oauth_pkce_challenge_ok(challenge) && miq_secure_streq(s, challenge);
}
