/* Credentials without httpd: token shapes and hashes, Bearer parsing, scrypt
 * password hashes, email normalization, cookies, CSRF and throttle policy. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include "base/miq_crypto.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"

#define TOKEN_RANDOM_BYTES 32 /* 256 bits */
#define TOKEN_BODY_CHARS   43 /* base64url of 32 bytes, unpadded */
#define TOKEN_PREFIX_CHARS 13 /* "miq_conn_" + 4 */
#define PREFIX_LEN         9  /* strlen(MIQ_KEY_PREFIX) == strlen(MIQ_CONN_PREFIX) */

/* OWASP (2025): N = 2^17, r = 8, p = 1, i.e. 128 MiB per run. Older ln=15
 * hashes still verify and are replaced on the next successful login
 * (miq_password_needs_rehash). MAXMEM leaves room for V (128 r N bytes) and B. */
#define SCRYPT_LN       17
#define SCRYPT_R        8
#define SCRYPT_P        1
#define SCRYPT_MAXMEM   (136u * 1024 * 1024)
#define SCRYPT_SALT_LEN 16
#define SCRYPT_KEY_LEN  32

static int is_b64url_char(char c)
{
    return apr_isalnum((unsigned char)c) || c == '-' || c == '_';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- tokens ----------------------------------------------------------- */

const char *miq_token_kind_name(miq_token_kind_e kind)
{
    switch (kind) {
    case MIQ_TOKEN_API_KEY:
        return "api_key";
    case MIQ_TOKEN_CONNECTOR:
        return "connector";
    }
    return NULL;
}

int miq_token_kind_parse(const char *name)
{
    if (!name)
        return -1;
    if (!strcmp(name, "api_key"))
        return MIQ_TOKEN_API_KEY;
    if (!strcmp(name, "connector"))
        return MIQ_TOKEN_CONNECTOR;
    return -1;
}

const char *miq_token_generate(apr_pool_t *p, miq_token_kind_e kind, miq_new_token *out)
{
    unsigned char raw[TOKEN_RANDOM_BYTES];
    const char *prefix, *id;
    memset(out, 0, sizeof(*out));
    if (kind == MIQ_TOKEN_API_KEY)
        prefix = MIQ_KEY_PREFIX;
    else if (kind == MIQ_TOKEN_CONNECTOR)
        prefix = MIQ_CONN_PREFIX;
    else
        return "unknown token kind";
    if (miq_random_bytes(raw, sizeof(raw)) || !(id = miq_random_hex(p, 8))) {
        OPENSSL_cleanse(raw, sizeof(raw));
        return "random number generator failed";
    }
    out->id = apr_pstrcat(p, "tok_", id, NULL);
    out->secret = apr_pstrcat(p, prefix, miq_b64url_encode(p, raw, sizeof(raw)), NULL);
    OPENSSL_cleanse(raw, sizeof(raw));
    out->hash = miq_token_hash(p, out->secret);
    out->prefix = apr_pstrndup(p, out->secret, TOKEN_PREFIX_CHARS);
    return NULL;
}

int miq_token_format_ok(const char *s)
{
    int i;
    if (!s || (strncmp(s, MIQ_KEY_PREFIX, PREFIX_LEN) && strncmp(s, MIQ_CONN_PREFIX, PREFIX_LEN)))
        return 0;
    s += PREFIX_LEN;
    for (i = 0; i < TOKEN_BODY_CHARS; i++)
        if (!is_b64url_char(s[i]))
            return 0;
    return s[TOKEN_BODY_CHARS] == '\0';
}

const char *miq_token_hash(apr_pool_t *p, const char *secret)
{
    return secret ? miq_sha256_hex(p, secret, strlen(secret)) : NULL;
}

/* RFC 6750 b64token: ALPHA DIGIT - . _ ~ + / then trailing '='. */
static int is_b64token(const char *s, apr_size_t n)
{
    apr_size_t i = 0;
    while (i < n && (apr_isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i])))
        i++;
    if (i == 0)
        return 0;
    while (i < n && s[i] == '=')
        i++;
    return i == n;
}

const char *miq_bearer_token(apr_pool_t *p, const char *authorization)
{
    const char *s = authorization, *end;
    if (!s)
        return NULL;
    while (is_blank(*s))
        s++;
    if (strncasecmp(s, "bearer", 6) || !is_blank(s[6]))
        return NULL;
    s += 6;
    while (is_blank(*s))
        s++;
    end = s + strlen(s);
    while (end > s && is_blank(end[-1]))
        end--;
    if (!is_b64token(s, (apr_size_t)(end - s)))
        return NULL;
    return apr_pstrndup(p, s, (apr_size_t)(end - s));
}

/* ---- passwords ---------------------------------------------------------- */

static int scrypt_derive(const char *pw, const unsigned char *salt, apr_size_t salt_len, int ln,
                         int r, int par, unsigned char *key, apr_size_t key_len)
{
    return EVP_PBE_scrypt(pw, strlen(pw), salt, salt_len, (uint64_t)1 << ln, (uint64_t)r,
                          (uint64_t)par, SCRYPT_MAXMEM, key, key_len) == 1;
}

const char *miq_password_hash(apr_pool_t *p, const char *password, const char **err)
{
    unsigned char salt[SCRYPT_SALT_LEN], key[SCRYPT_KEY_LEN];
    const char *enc;
    const char *dummy;
    if (!err)
        err = &dummy;
    *err = NULL;
    if (!password) {
        *err = "no password given";
        return NULL;
    }
    if (miq_random_bytes(salt, sizeof(salt))) {
        *err = "random number generator failed";
        return NULL;
    }
    if (!scrypt_derive(password, salt, sizeof(salt), SCRYPT_LN, SCRYPT_R, SCRYPT_P, key,
                       sizeof(key))) {
        *err = "scrypt failed";
        return NULL;
    }
    enc = apr_psprintf(p, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", SCRYPT_LN, SCRYPT_R, SCRYPT_P,
                       miq_b64url_encode(p, salt, sizeof(salt)),
                       miq_b64url_encode(p, key, sizeof(key)));
    OPENSSL_cleanse(key, sizeof(key));
    return enc;
}

/* "<name>=<1..2 digits>" at *s; advances past it. -1 when absent or malformed. */
static int parse_small_param(const char **s, const char *name)
{
    apr_size_t n = strlen(name);
    const char *q = *s;
    int v = 0, digits = 0;
    if (strncmp(q, name, n) || q[n] != '=')
        return -1;
    q += n + 1;
    while (apr_isdigit((unsigned char)*q) && digits < 3) {
        v = v * 10 + (*q++ - '0');
        digits++;
    }
    if (!digits || digits > 2 || apr_isdigit((unsigned char)*q) || (digits == 2 && q[-2] == '0'))
        return -1;
    *s = q;
    return v;
}

/* A decoded base64url field ending at '$' or at the end; NULL when malformed. */
static unsigned char *decode_field(apr_pool_t *p, const char *s, apr_size_t len, apr_size_t *n)
{
    apr_size_t i;
    for (i = 0; i < len; i++)
        if (!is_b64url_char(s[i]))
            return NULL;
    return miq_b64url_decode(p, apr_pstrndup(p, s, len), n);
}

int miq_password_verify(apr_pool_t *p, const char *password, const char *encoded)
{
    const char *s = encoded, *dollar;
    unsigned char *salt, *want, key[64];
    apr_size_t salt_len, key_len;
    int ln, r, par, ok;
    if (!password || !s || strlen(s) > 256 || strncmp(s, "$scrypt$", 8))
        return 0;
    s += 8;
    if ((ln = parse_small_param(&s, "ln")) < 10 || ln > 20 || *s++ != ',')
        return 0;
    if ((r = parse_small_param(&s, "r")) < 1 || r > 32 || *s++ != ',')
        return 0;
    if ((par = parse_small_param(&s, "p")) < 1 || par > 16 || *s++ != '$')
        return 0;
    if (!(dollar = strchr(s, '$')))
        return 0;
    salt = decode_field(p, s, (apr_size_t)(dollar - s), &salt_len);
    s = dollar + 1;
    want = decode_field(p, s, strlen(s), &key_len);
    if (!salt || !want || salt_len < 8 || salt_len > 64 || key_len < 16 || key_len > sizeof(key))
        return 0;
    if (!scrypt_derive(password, salt, salt_len, ln, r, par, key, key_len))
        return 0; /* includes parameters needing more than SCRYPT_MAXMEM */
    ok = CRYPTO_memcmp(key, want, key_len) == 0;
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

int miq_password_needs_rehash(const char *encoded)
{
    char want[40];
    snprintf(want, sizeof(want), "$scrypt$ln=%d,r=%d,p=%d$", SCRYPT_LN, SCRYPT_R, SCRYPT_P);
    return !encoded || strncmp(encoded, want, strlen(want)) != 0;
}

static const char *const common_passwords[] = {
    "password",    "password1",  "password12",  "password123", "password1234",
    "qwertyuiop",  "qwerty1234", "qwerty12345", "iloveyou12",  "letmein123",
    "welcome123",  "admin12345", "1q2w3e4r5t",  "asdfghjkl1",  "zaq12wsxcde",
    "momentiq123", NULL};

/* Each byte one more (or one less) than the previous: "abcdefghij", "9876543210". */
static int is_simple_run(const char *s, apr_size_t n)
{
    apr_size_t i;
    int up = 1, down = 1;
    for (i = 1; i < n; i++) {
        up &= (unsigned char)s[i] == (unsigned char)s[i - 1] + 1;
        down &= (unsigned char)s[i] + 1 == (unsigned char)s[i - 1];
    }
    return up || down;
}

const char *miq_password_policy(const char *password)
{
    apr_size_t bytes, chars = 0, i, first;
    int i_common;
    if (!password)
        return "a password is required";
    bytes = strlen(password);
    for (i = 0; i < bytes; i++) /* count UTF-8 code points, not continuation bytes */
        if (((unsigned char)password[i] & 0xC0) != 0x80)
            chars++;
    if (chars < MIQ_PASSWORD_MIN_CHARS)
        return "the password must have at least " APR_STRINGIFY(
            MIQ_PASSWORD_MIN_CHARS) " characters";
    if (bytes > MIQ_PASSWORD_MAX_BYTES)
        return "the password must have at most " APR_STRINGIFY(MIQ_PASSWORD_MAX_BYTES) " bytes";
    for (first = 1; first < bytes && ((unsigned char)password[first] & 0xC0) == 0x80; first++)
        ;
    for (i = first; i + first <= bytes && !memcmp(password + i, password, first); i += first)
        ;
    if (i == bytes)
        return "the password must not repeat a single character";
    if (is_simple_run(password, bytes))
        return "the password must not be a simple sequence such as abcdefghij or 0123456789";
    for (i_common = 0; common_passwords[i_common]; i_common++)
        if (!strcasecmp(password, common_passwords[i_common]))
            return "this password is too common; choose another";
    return NULL;
}

json_t *miq_password_rules_json(apr_pool_t *p)
{
    return miq_json_packp(p, "{s:i,s:i,s:[s,s,s,s]}", "min_length", MIQ_PASSWORD_MIN_CHARS,
                          "max_length", MIQ_PASSWORD_MAX_BYTES, "rules",
                          "at least " APR_STRINGIFY(MIQ_PASSWORD_MIN_CHARS) " characters",
                          "at most " APR_STRINGIFY(MIQ_PASSWORD_MAX_BYTES) " bytes",
                          "not one character repeated, not a simple sequence such as abcdefghij",
                          "not a common password");
}

/* ---- emails ---------------------------------------------------------------- */

const char *miq_email_normalize(apr_pool_t *p, const char *email)
{
    const char *s = email, *end, *at = NULL, *q;
    char *out, *o;
    apr_size_t len;
    if (!s)
        return NULL;
    while (apr_isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && apr_isspace((unsigned char)end[-1]))
        end--;
    len = (apr_size_t)(end - s);
    if (len < 5 || len > 254)
        return NULL;
    for (q = s; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c == 0x7f || strchr("\"(),:;<>[\\]", c))
            return NULL;
        if (c == '@') {
            if (at)
                return NULL;
            at = q;
        }
    }
    if (!at || at == s || at - s > 64)
        return NULL;
    q = at + 1; /* domain: a dot inside, no empty label */
    if (q == end || *q == '.' || end[-1] == '.' || !memchr(q, '.', (apr_size_t)(end - q)))
        return NULL;
    for (; q + 1 < end; q++)
        if (q[0] == '.' && q[1] == '.')
            return NULL;
    out = o = apr_palloc(p, len + 1);
    for (q = s; q < end; q++)
        *o++ = (char)apr_tolower((unsigned char)*q);
    *o = '\0';
    return out;
}

/* ---- cookies and CSRF ------------------------------------------------------ */

/* RFC 6265 cookie-octet: visible ASCII except " , ; \ */
static int cookie_value_ok(const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
            return 0;
    }
    return 1;
}

static int cookie_name_ok(const char *n)
{
    if (!*n)
        return 0;
    for (; *n; n++)
        if (!is_b64url_char(*n) && !strchr("!#$%&'*+.^`|~", *n))
            return 0;
    return 1;
}

const char *miq_cookie_build(apr_pool_t *p, const char *name, const char *value, int secure,
                             long max_age)
{
    const char *sec = secure ? "; Secure" : "";
    if (!name || !cookie_name_ok(name))
        return NULL;
    if (max_age < 0)
        return apr_psprintf(p,
                            "%s=; Path=/; HttpOnly; SameSite=Lax%s; Max-Age=0; "
                            "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                            name, sec);
    if (!value || !cookie_value_ok(value))
        return NULL;
    return apr_psprintf(p, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s; Max-Age=%ld", name, value, sec,
                        max_age);
}

int miq_cookie_secure(const char *base_url, int request_https)
{
    return request_https || (base_url && !strncasecmp(base_url, "https://", 8));
}

const char *miq_cookie_name(apr_pool_t *p, const char *name, int secure)
{
    return secure ? apr_pstrcat(p, "__Host-", name, NULL) : name;
}

const char *miq_url_origin(apr_pool_t *p, const char *url)
{
    const char *host, *end;
    char *o, *c;
    if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
        return NULL;
    host = strstr(url, "://") + 3;
    end = host + strcspn(host, "/?#");
    if (end == host)
        return NULL;
    o = apr_pstrndup(p, url, (apr_size_t)(end - url));
    for (c = o; *c; c++)
        *c = (char)apr_tolower(*c);
    return o;
}

const char *miq_cookie_get(apr_pool_t *p, const char *cookie_header, const char *name)
{
    const char *s = cookie_header, *pair_end, *eq, *ns, *ne, *vs, *ve;
    apr_size_t name_len;
    if (!s || !name || !*name)
        return NULL;
    name_len = strlen(name);
    while (*s) {
        pair_end = strchr(s, ';');
        if (!pair_end)
            pair_end = s + strlen(s);
        eq = memchr(s, '=', (apr_size_t)(pair_end - s));
        if (eq) {
            for (ns = s; ns < eq && is_blank(*ns); ns++)
                ;
            for (ne = eq; ne > ns && is_blank(ne[-1]); ne--)
                ;
            if ((apr_size_t)(ne - ns) == name_len && !memcmp(ns, name, name_len)) {
                for (vs = eq + 1; vs < pair_end && is_blank(*vs); vs++)
                    ;
                for (ve = pair_end; ve > vs && is_blank(ve[-1]); ve--)
                    ;
                if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
                    vs++;
                    ve--;
                }
                return apr_pstrndup(p, vs, (apr_size_t)(ve - vs));
            }
        }
        s = *pair_end ? pair_end + 1 : pair_end;
    }
    return NULL;
}

const char *miq_session_secret(apr_pool_t *p)
{
    return miq_random_token(p);
}

int miq_csrf_ok(const char *expected, const char *presented)
{
    if (!expected || !presented || !*expected || !*presented)
        return 0;
    return miq_secure_streq(expected, presented);
}

/* ---- login throttling ------------------------------------------------------ */

void miq_throttle_defaults(miq_throttle_policy *tp)
{
    tp->account_failures = 5;
    tp->ip_failures = 50;
    tp->window_s = 900;
    tp->lock_s = 900;
}

const char *miq_throttle_key_email(apr_pool_t *p, const char *normalized_email)
{
    return normalized_email ? apr_pstrcat(p, "email:", normalized_email, NULL) : NULL;
}

const char *miq_throttle_key_account_ip(apr_pool_t *p, const char *normalized_email,
                                        const char *address)
{
    return normalized_email && address
               ? apr_pstrcat(p, "email_ip:", normalized_email, "|", address, NULL)
               : NULL;
}

const char *miq_throttle_key_ip(apr_pool_t *p, const char *address)
{
    return address ? apr_pstrcat(p, "ip:", address, NULL) : NULL;
}
