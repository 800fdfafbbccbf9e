/* OAuth request parameters: form and query parsing with duplicates refused,
 * RFC 6749 error bodies, HTTP Basic client credentials, and the checks of an
 * authorization request. */
#include <string.h>
#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"
#include "base/miq_scope.h"
#include "base/miq_text.h"

/* Decodes one form-urlencoded component ('+' is a blank); NULL when a
 * percent escape is malformed or decodes to NUL. */
static char *form_decode(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '+')
            *o++ = ' ';
        else if (s[i] == '%') {
            int h, l;
            if (i + 2 >= n || (h = miq_text_hexval(s[i + 1])) < 0 ||
                (l = miq_text_hexval(s[i + 2])) < 0 || (h == 0 && l == 0))
                return NULL;
            *o++ = (char)(h * 16 + l);
            i += 2;
        }
        else
            *o++ = s[i];
    }
    *o = 0;
    return out;
}

const char *miq_oauth_form_parse(apr_pool_t *p, const char *s, apr_size_t len, apr_table_t **out)
{
    apr_table_t *t = apr_table_make(p, 16);
    apr_size_t i = 0;
    *out = t;
    if (!s)
        return NULL;
    while (i < len) {
        apr_size_t start = i, eq = (apr_size_t)-1;
        char *name, *value;
        while (i < len && s[i] != '&') {
            if (s[i] == '=' && eq == (apr_size_t)-1)
                eq = i;
            i++;
        }
        if (eq == (apr_size_t)-1)
            eq = i;
        name = form_decode(p, s + start, eq - start);
        value = eq < i ? form_decode(p, s + eq + 1, i - eq - 1) : apr_pstrdup(p, "");
        i++; /* the '&' */
        if (!name || !value)
            return "a parameter has a malformed percent-encoding";
        if (!*name || !*value) /* RFC 6749 §3.1: no value means omitted */
            continue;
        if (apr_table_get(t, name))
            return apr_psprintf(p, "the parameter '%s' is given more than once",
                                strlen(name) > 40 ? "(long name)" : name);
        apr_table_setn(t, name, value);
    }
    return NULL;
}

const char *miq_oauth_error_body(apr_pool_t *p, const char *error, const char *description)
{
    json_t *e = miq_json_packp(p, "{s:s}", "error", error);
    if (description)
        json_object_set_new(e, "error_description", json_string(description));
    return miq_json_dump(p, e);
}

int miq_oauth_error_status(const char *error)
{
    if (!strcmp(error, "invalid_client"))
        return 401;
    if (!strcmp(error, "server_error"))
        return 500;
    if (!strcmp(error, "temporarily_unavailable"))
        return 503;
    return 400;
}

const char *miq_oauth_basic_auth(apr_pool_t *p, const char *authorization, const char **id,
                                 const char **secret)
{
    const char *s = authorization, *colon;
    char *dec;
    int n;
    *id = *secret = NULL;
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncasecmp(s, "basic ", 6))
        return NULL;
    s += 6;
    while (*s == ' ')
        s++;
    if (!*s || strlen(s) > 4096)
        return "malformed Basic credentials";
    dec = apr_palloc(p, (apr_size_t)apr_base64_decode_len(s) + 1);
    n = apr_base64_decode(dec, s);
    if (n <= 0)
        return "malformed Basic credentials";
    dec[n] = 0;
    if ((int)strlen(dec) != n || !(colon = strchr(dec, ':')))
        return "malformed Basic credentials";
    *id = form_decode(p, dec, (apr_size_t)(colon - dec));
    *secret = form_decode(p, colon + 1, strlen(colon + 1));
    if (!*id || !**id || !*secret) {
        *id = *secret = NULL;
        return "malformed Basic credentials";
    }
    return NULL;
}

/* ---- authorization requests ---------------------------------------------------- */

#define FAIL(code, msg)                                                                            \
    do {                                                                                           \
        *error = (code);                                                                           \
        return (msg);                                                                              \
    } while (0)

/* The requested scopes we know. Others (offline_access: refresh tokens are
 * always issued; openid, profile, a client's guess) are ignored, as OAuth 2.1
 * §3.2.2.1 allows, rather than failing a connector over a word: the token
 * response says what was granted. Nothing known, or no scope, means every
 * scope, which the user can narrow on the consent screen. */
static const char *requested_scope(apr_pool_t *p, const char *scope, const char **ignored)
{
    char *copy, *tok, *last;
    const char *out = "";
    unsigned bits;
    *ignored = NULL;
    if (!scope)
        return "all";
    copy = apr_pstrdup(p, scope);
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last)) {
        if (!miq_scope_parse(p, tok, &bits))
            out = *out ? apr_pstrcat(p, out, " ", tok, NULL) : tok;
        else if (strcmp(tok, "offline_access"))
            *ignored = *ignored ? apr_pstrcat(p, *ignored, " ", tok, NULL) : tok;
    }
    return *out ? out : "all";
}

const char *miq_oauth_authorize_check(apr_pool_t *p, const miq_oauth_client *c, apr_table_t *params,
                                      const char *mcp_url, miq_oauth_authz *out, const char **error,
                                      int *redirectable)
{
    const char *ru = apr_table_get(params, "redirect_uri"), *err, *rt, *m, *scope, *res;
    memset(out, 0, sizeof(*out));
    *redirectable = 0;
    out->client_id = c->client_id;
    if (!ru) {
        /* OAuth 2.1 §4.1.1: optional only when exactly one is registered */
        if (c->redirect_uris->nelts != 1)
            FAIL("invalid_request", "redirect_uri is required");
        ru = APR_ARRAY_IDX(c->redirect_uris, 0, const char *);
    }
    if ((err = miq_oauth_redirect_match(p, c->redirect_uris, ru)))
        FAIL("invalid_request", err);
    out->redirect_uri = ru;
    out->state = apr_table_get(params, "state");
    *redirectable = 1;
    if (apr_table_get(params, "request") || apr_table_get(params, "request_uri"))
        FAIL("request_not_supported", "request objects are not supported");
    if (!(rt = apr_table_get(params, "response_type")))
        FAIL("invalid_request", "response_type is required");
    if (strcmp(rt, "code"))
        FAIL("unsupported_response_type", "only response_type=code is supported");
    if (!(out->challenge = apr_table_get(params, "code_challenge")))
        FAIL("invalid_request", "code_challenge is required (PKCE with S256)");
    m = apr_table_get(params, "code_challenge_method");
    if (!m || strcmp(m, "S256"))
        FAIL("invalid_request", "code_challenge_method must be S256 (plain is not accepted)");
    if (!miq_oauth_pkce_challenge_ok(out->challenge))
        FAIL("invalid_request", "code_challenge must be 43 base64url characters (S256)");
    scope = requested_scope(p, apr_table_get(params, "scope"), &out->ignored_scope);
    if (miq_scope_parse(p, scope, &out->scopes)) /* cannot happen: only known ones are kept */
        FAIL("invalid_scope", "no supported scope; supported: all video/* audio/* timeline/*");
    out->scope = miq_scope_format(p, out->scopes);
    res = apr_table_get(params, "resource");
    if (res && !miq_oauth_audience_ok(res, mcp_url))
        FAIL("invalid_target", apr_psprintf(p, "resource must be %s", mcp_url));
    out->resource = mcp_url;
    return NULL;
}

unsigned miq_oauth_consent_scopes(unsigned requested, apr_table_t *form)
{
    static const struct {
        unsigned bit;
        const char *field;
    } boxes[] = {{MIQ_SCOPE_ALL, "grant_all"},
                 {MIQ_SCOPE_VIDEO, "grant_video"},
                 {MIQ_SCOPE_AUDIO, "grant_audio"},
                 {MIQ_SCOPE_TIMELINE, "grant_timeline"}};
    unsigned kept = 0;
    apr_size_t i;
    for (i = 0; i < sizeof(boxes) / sizeof(boxes[0]); i++)
        if ((requested & boxes[i].bit) && apr_table_get(form, boxes[i].field))
            kept |= boxes[i].bit;
    return kept;
}
