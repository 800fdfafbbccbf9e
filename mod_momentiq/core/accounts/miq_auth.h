/* Accounts and credentials, without httpd: API key and connector token
 * format and hashing, password hashing (scrypt), email normalization,
 * cookies and CSRF, login throttle policy, and readiness warnings. */
#ifndef MIQ_AUTH_H
#define MIQ_AUTH_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "base/miq_caller.h"

#define MIQ_KEY_PREFIX  "miq_live_"
#define MIQ_CONN_PREFIX "miq_conn_"

/* ---- tokens ----------------------------------------------------------- */

typedef enum { MIQ_TOKEN_API_KEY = 0, MIQ_TOKEN_CONNECTOR = 1 } miq_token_kind_e;

typedef struct miq_new_token {
    const char *id;     /* public id, "tok_" + 16 hex */
    const char *secret; /* prefix + 43 base64url chars (256 random bits); shown once */
    const char *hash;   /* lowercase hex SHA-256 of secret: the only thing stored */
    const char *prefix; /* first characters of the secret, for lists ("miq_conn_AbCd") */
} miq_new_token;

/* Draws a new token; NULL or an error (RNG failure). */
const char *miq_token_generate(apr_pool_t *p, miq_token_kind_e kind, miq_new_token *out);
/* "api_key" / "connector"; NULL for an out-of-range kind. */
const char *miq_token_kind_name(miq_token_kind_e kind);
int miq_token_kind_parse(const char *name); /* -1 when unknown */
/* Whether s has the shape of one of our secrets (prefix + 43 base64url chars). */
int miq_token_format_ok(const char *s);
/* Hex SHA-256 of the secret, as stored. */
const char *miq_token_hash(apr_pool_t *p, const char *secret);
/* The token of an "Authorization: Bearer <token>" header value (scheme
 * case-insensitive, surrounding blanks ignored); NULL when the header is absent,
 * not a Bearer credential, or not in RFC 6750 token form. */
const char *miq_bearer_token(apr_pool_t *p, const char *authorization);

/* ---- passwords ---------------------------------------------------------- */

/* scrypt parameters: N = 2^17, r = 8, p = 1 (128 MiB, memory-hard; OWASP's
 * guidance), 16-byte salt, 32-byte key. Encoded
 * "$scrypt$ln=17,r=8,p=1$<salt b64url>$<key b64url>". */
const char *miq_password_hash(apr_pool_t *p, const char *password, const char **err);
/* Whether an encoding is not of the current parameters (an ln=15 hash from
 * before): login then stores a new hash once the password verified. */
int miq_password_needs_rehash(const char *encoded);
/* Constant-time check; 0 for a NULL, malformed or foreign encoding. */
int miq_password_verify(apr_pool_t *p, const char *password, const char *encoded);
/* The length bounds of miq_password_policy (characters, bytes). */
#define MIQ_PASSWORD_MIN_CHARS 10
#define MIQ_PASSWORD_MAX_BYTES 1024
/* NULL if acceptable, else why not (length 10..1024, not all one character...). */
const char *miq_password_policy(const char *password);
/* The policy as the signup and password forms show it (pool-bound):
 * {"min_length","max_length","rules":["…"]}. */
json_t *miq_password_rules_json(apr_pool_t *p);

/* ---- emails, cookies, CSRF -------------------------------------------- */

/* Trimmed, lowercased; NULL when it is not a plausible address (one '@', a
 * dot in the domain, no blanks or control characters, <= 254 chars). */
const char *miq_email_normalize(apr_pool_t *p, const char *email);

#define MIQ_SESSION_COOKIE "miq_session"

/* A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure when secure;
 * max_age < 0 builds a deletion cookie. NULL when name or value could inject
 * attributes (';', ',', quotes, blanks, control characters). */
const char *miq_cookie_build(apr_pool_t *p, const char *name, const char *value, int secure,
                             long max_age);
/* Whether cookies must be Secure: the public base URL (MomentIQBaseURL) is
 * https, which holds behind a TLS-terminating proxy too, or the request
 * itself came over TLS. */
int miq_cookie_secure(const char *base_url, int request_https);
/* The cookie's name: "__Host-" + name when secure (the browser then insists
 * on Secure, Path=/ and no Domain), else name as is (plain http local runs). */
const char *miq_cookie_name(apr_pool_t *p, const char *name, int secure);
/* scheme://host[:port] of an absolute http(s) URL, lowercased, or NULL. */
const char *miq_url_origin(apr_pool_t *p, const char *url);
/* The value of cookie name in a Cookie header, or NULL. */
const char *miq_cookie_get(apr_pool_t *p, const char *cookie_header, const char *name);
/* A new session id (cookie value) and CSRF token: 32 random bytes, base64url. */
const char *miq_session_secret(apr_pool_t *p);
/* Constant-time; NULL or empty never matches. */
int miq_csrf_ok(const char *expected, const char *presented);

/* ---- login throttling ---------------------------------------------------- */

typedef struct miq_throttle_policy {
    int account_failures; /* failures per window that lock an account (5) */
    int ip_failures;      /* failures per window that lock a client address (50) */
    int window_s;         /* 900 */
    int lock_s;           /* 900 */
} miq_throttle_policy;

void miq_throttle_defaults(miq_throttle_policy *tp);
/* Throttle keys: "email:<normalized>" and "ip:<address>". */
const char *miq_throttle_key_email(apr_pool_t *p, const char *normalized_email);
const char *miq_throttle_key_ip(apr_pool_t *p, const char *address);
/* "email_ip:<email>|<address>": failures of one account from one address. An
 * attacker elsewhere cannot lock the owner out (review #14); together with
 * the per-address key it bounds guessing. */
const char *miq_throttle_key_account_ip(apr_pool_t *p, const char *normalized_email,
                                        const char *address);

#endif
