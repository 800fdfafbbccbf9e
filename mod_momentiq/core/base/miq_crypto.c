#include <string.h>
#include <apr_strings.h>
#include <openssl/rand.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include "base/miq_json.h"
#include "base/miq_crypto.h"

int miq_random_bytes(unsigned char *buf, apr_size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

static const char hexd[] = "0123456789abcdef";

static const char *to_hex(apr_pool_t *p, const unsigned char *d, apr_size_t n)
{
    char *s = apr_palloc(p, 2 * n + 1);
    apr_size_t i;
    for (i = 0; i < n; i++) {
        s[2 * i] = hexd[d[i] >> 4];
        s[2 * i + 1] = hexd[d[i] & 15];
    }
    s[2 * n] = 0;
    return s;
}

const char *miq_random_hex(apr_pool_t *p, apr_size_t n)
{
    unsigned char *b = apr_palloc(p, n);
    if (miq_random_bytes(b, n))
        return NULL;
    return to_hex(p, b, n);
}

static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *miq_b64url_encode(apr_pool_t *p, const unsigned char *d, apr_size_t n)
{
    char *out = apr_palloc(p, (n + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        *o++ = b64u[d[i] >> 2];
        *o++ = b64u[((d[i] & 3) << 4) | (d[i + 1] >> 4)];
        *o++ = b64u[((d[i + 1] & 15) << 2) | (d[i + 2] >> 6)];
        *o++ = b64u[d[i + 2] & 63];
    }
    if (n - i == 1) {
        *o++ = b64u[d[i] >> 2];
        *o++ = b64u[(d[i] & 3) << 4];
    }
    else if (n - i == 2) {
        *o++ = b64u[d[i] >> 2];
        *o++ = b64u[((d[i] & 3) << 4) | (d[i + 1] >> 4)];
        *o++ = b64u[(d[i + 1] & 15) << 2];
    }
    *o = 0;
    return out;
}

static int b64u_val(char c)
{
    const char *x = c ? strchr(b64u, c) : NULL;
    return x ? (int)(x - b64u) : -1;
}

unsigned char *miq_b64url_decode(apr_pool_t *p, const char *s, apr_size_t *n)
{
    apr_size_t len = strlen(s), i, o = 0;
    unsigned char *out;
    unsigned acc = 0;
    int bits = 0;
    if (len % 4 == 1)
        return NULL;
    out = apr_palloc(p, len * 3 / 4 + 1);
    for (i = 0; i < len; i++) {
        int v = b64u_val(s[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc) /* non-canonical trailing bits */
        return NULL;
    out[o] = 0;
    *n = o;
    return out;
}

void miq_sha256(const void *d, apr_size_t n, unsigned char out[32])
{
    SHA256(d, n, out);
}

const char *miq_random_token(apr_pool_t *p)
{
    unsigned char raw[32];
    const char *s;
    if (miq_random_bytes(raw, sizeof(raw)))
        return NULL;
    s = miq_b64url_encode(p, raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    return s;
}

const char *miq_sha256_hex(apr_pool_t *p, const void *d, apr_size_t n)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(d, n, md);
    return to_hex(p, md, sizeof(md));
}

void miq_hmac_sha256(const unsigned char *key, apr_size_t klen, const void *d, apr_size_t n,
                     unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, d, n, out, &len);
}

int miq_secure_streq(const char *a, const char *b)
{
    apr_size_t la, lb;
    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

int miq_expiry_ok(const char *exp, apr_time_t now)
{
    const char *c;
    apr_int64_t e = 0;
    if (!exp || !*exp || strlen(exp) > 12)
        return 0;
    for (c = exp; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        e = e * 10 + (*c - '0');
    }
    return e > apr_time_sec(now);
}

const char *miq_reqstate_sign(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                              const json_t *state, apr_time_t now, int ttl_s)
{
    json_t *payload = miq_json_pool(p, json_deep_copy(state));
    const char *body, *b64;
    unsigned char mac[32];
    if (!json_is_object(payload))
        return NULL;
    json_object_set_new(payload, "exp", json_integer(apr_time_sec(now) + ttl_s));
    body = miq_json_dump(p, payload);
    b64 = miq_b64url_encode(p, (const unsigned char *)body, strlen(body));
    miq_hmac_sha256(key, klen, b64, strlen(b64), mac);
    return apr_pstrcat(p, b64, ".", miq_b64url_encode(p, mac, sizeof(mac)), NULL);
}

json_t *miq_reqstate_verify(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                            const char *token, apr_time_t now, const char **err)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    const char *b64, *want;
    unsigned char mac[32], *body;
    apr_size_t n;
    json_t *v;
    if (!dot || strlen(token) > 65536) {
        *err = "requestState is malformed";
        return NULL;
    }
    b64 = apr_pstrndup(p, token, dot - token);
    miq_hmac_sha256(key, klen, b64, strlen(b64), mac);
    want = miq_b64url_encode(p, mac, sizeof(mac));
    if (!miq_secure_streq(want, dot + 1)) {
        *err = "requestState signature does not verify";
        return NULL;
    }
    body = miq_b64url_decode(p, b64, &n);
    v = body ? miq_json_parse(p, (const char *)body, n, NULL) : NULL;
    if (!json_is_object(v)) {
        *err = "requestState is malformed";
        return NULL;
    }
    if (miq_json_int(v, "exp", 0) < apr_time_sec(now)) {
        *err = "requestState has expired: start the request again";
        return NULL;
    }
    return v;
}
