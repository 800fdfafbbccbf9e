/* Small crypto helpers over OpenSSL: randomness, hashes, HMAC, base64url,
 * constant-time comparison, and the signed, expiring request state of the
 * 2026-07-28 multi round-trip requests. */
#ifndef MIQ_CRYPTO_H
#define MIQ_CRYPTO_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

/* n random bytes from OpenSSL's CSPRNG; 0 on success. */
int miq_random_bytes(unsigned char *buf, apr_size_t n);
/* n random bytes as lowercase hex (2n chars). NULL if the RNG failed. */
const char *miq_random_hex(apr_pool_t *p, apr_size_t n);
/* A 256-bit secret as base64url (43 chars): session ids, CSRF tokens, OAuth
 * codes. NULL if the RNG failed. */
const char *miq_random_token(apr_pool_t *p);

const char *miq_b64url_encode(apr_pool_t *p, const unsigned char *d, apr_size_t n);
/* Returns NULL on bad input; *n gets the decoded length. */
unsigned char *miq_b64url_decode(apr_pool_t *p, const char *s, apr_size_t *n);

const char *miq_sha256_hex(apr_pool_t *p, const void *d, apr_size_t n);
void miq_sha256(const void *d, apr_size_t n, unsigned char out[32]);
void miq_hmac_sha256(const unsigned char *key, apr_size_t klen, const void *d, apr_size_t n,
                     unsigned char out[32]);
/* Constant-time equality; NULL never equals anything. */
int miq_secure_streq(const char *a, const char *b);

/* Whether exp (decimal seconds since the epoch, as signed URLs carry it) is
 * well formed and still in the future at now. */
int miq_expiry_ok(const char *exp, apr_time_t now);

/* "<b64url(payload)>.<b64url(hmac)>" where payload is state plus "exp". */
const char *miq_reqstate_sign(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                              const json_t *state, apr_time_t now, int ttl_s);
/* The state object (pool-bound), or NULL with *err: malformed, bad signature, expired. */
json_t *miq_reqstate_verify(apr_pool_t *p, const unsigned char *key, apr_size_t klen,
                            const char *token, apr_time_t now, const char **err);

#endif
