/* Redirect URI rules (OAuth 2.1 §2.3.1, RFC 8252): exact match, plus any port
 * on a registered http loopback URI. Everything else is refused, first by a
 * strict shape check, so the attack corpus (tests/unit/oauth_redirect_attacks.txt)
 * never reaches the comparison with something a browser would read otherwise. */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "oauth/miq_oauth.h"
#include "base/miq_text.h"

#define MAX_URI 2048

static const char *const loopback_hosts[] = {"127.0.0.1", "[::1]", "localhost"};

/* Case-insensitive substring search (ASCII). */
static const char *has_ci(const char *h, const char *n)
{
    apr_size_t ln = strlen(n);
    for (; *h; h++)
        if (!strncasecmp(h, n, ln))
            return h;
    return NULL;
}

/* Characters, fragments, backslashes, encoded separators and dot segments
 * that no redirect URI of ours needs. */
static const char *shape_error(apr_pool_t *p, const char *u)
{
    const unsigned char *c;
    const char *path;
    if (!u || !*u)
        return "the redirect URI is missing";
    if (strlen(u) > MAX_URI)
        return "the redirect URI is too long";
    for (c = (const unsigned char *)u; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return "the redirect URI holds blanks, control or non-ASCII characters";
    if (strchr(u, '#'))
        return "the redirect URI must not have a fragment";
    if (strchr(u, '\\'))
        return "the redirect URI must not contain a backslash";
    {
        /* before the query: the part a browser resolves */
        static const char *const bad[] = {"%2f", "%5c", "%2e", "%00", "%0d", "%0a",
                                          "%40", "%3a", "%3f", "%23", "%09", "%20"};
        const char *q = strchr(u, '?');
        const char *head = q ? apr_pstrndup(p, u, (apr_size_t)(q - u)) : u;
        apr_size_t i;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            if (has_ci(head, bad[i]))
                return "the redirect URI holds an encoded separator or control character";
        if (has_ci(u, "%0d") || has_ci(u, "%0a") || has_ci(u, "%00"))
            return "the redirect URI holds an encoded control character";
    }
    path = strstr(u, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (path) {
        const char *q = strchr(path, '?');
        apr_size_t n = q ? (apr_size_t)(q - path) : strlen(path);
        const char *seg = path;
        while (seg && seg < path + n) {
            const char *next = memchr(seg + 1, '/', (apr_size_t)(path + n - seg - 1));
            apr_size_t len = (next ? (apr_size_t)(next - seg) : (apr_size_t)(path + n - seg)) - 1;
            if ((len == 1 && seg[1] == '.') || (len == 2 && seg[1] == '.' && seg[2] == '.'))
                return "the redirect URI must not have dot segments";
            if (next && next == seg + 1)
                return "the redirect URI must not have empty path segments";
            seg = next;
        }
    }
    return NULL;
}

typedef struct loop_uri {
    const char *host; /* one of loopback_hosts */
    const char *rest; /* path and query, from the first '/' or '?' ("" if none) */
    int has_port;
} loop_uri;

/* An http URI on a loopback host: host, optional port (1..65535), the rest. */
static int parse_loopback(const char *u, loop_uri *out)
{
    const char *a, *end, *colon;
    apr_size_t i, hl;
    if (strncmp(u, "http://", 7))
        return 0;
    a = u + 7;
    end = a + strcspn(a, "/?");
    if (memchr(a, '@', (apr_size_t)(end - a)))
        return 0;
    colon = NULL;
    if (*a == '[') {
        const char *rb = memchr(a, ']', (apr_size_t)(end - a));
        if (!rb)
            return 0;
        colon = rb + 1 < end ? rb + 1 : NULL;
        hl = (apr_size_t)(rb + 1 - a);
        if (colon && *colon != ':')
            return 0;
    }
    else {
        colon = memchr(a, ':', (apr_size_t)(end - a));
        hl = colon ? (apr_size_t)(colon - a) : (apr_size_t)(end - a);
    }
    out->host = NULL;
    for (i = 0; i < sizeof(loopback_hosts) / sizeof(loopback_hosts[0]); i++)
        if (strlen(loopback_hosts[i]) == hl && !strncmp(a, loopback_hosts[i], hl))
            out->host = loopback_hosts[i];
    if (!out->host)
        return 0;
    out->has_port = colon != NULL;
    if (colon) {
        const char *d = colon + 1;
        long port = 0;
        if (d == end || *d == '0' || end - d > 5)
            return 0;
        for (; d < end; d++) {
            if (!apr_isdigit((unsigned char)*d))
                return 0;
            port = port * 10 + (*d - '0');
        }
        if (port < 1 || port > 65535)
            return 0;
    }
    out->rest = end;
    return 1;
}

const char *miq_oauth_redirect_match(apr_pool_t *p, const apr_array_header_t *registered,
                                     const char *presented)
{
    const char *err = shape_error(p, presented);
    loop_uri pu;
    int i, is_loop;
    if (err)
        return err;
    for (i = 0; registered && i < registered->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(registered, i, const char *), presented))
            return NULL;
    is_loop = parse_loopback(presented, &pu);
    for (i = 0; is_loop && i < registered->nelts; i++) {
        loop_uri ru;
        if (parse_loopback(APR_ARRAY_IDX(registered, i, const char *), &ru) && ru.host == pu.host &&
            !strcmp(ru.rest, pu.rest))
            return NULL;
    }
    return "the redirect URI is not registered for this client";
}

const char *miq_oauth_redirect_registrable(apr_pool_t *p, const char *uri)
{
    const char *err = shape_error(p, uri), *s, *host, *end;
    loop_uri lu;
    if (err)
        return err;
    for (s = uri; *s && *s != ':'; s++)
        if (!(apr_islower((unsigned char)*s) ||
              (s > uri && (apr_isdigit((unsigned char)*s) || *s == '+' || *s == '.' || *s == '-'))))
            return "the redirect URI needs a lowercase scheme";
    if (!*s || s == uri)
        return "the redirect URI needs a scheme";
    if (!strncmp(uri, "http:", 5))
        return parse_loopback(uri, &lu) ? NULL
                                        : "http redirect URIs are allowed on loopback only "
                                          "(127.0.0.1, [::1], localhost); use https";
    if (strncmp(uri, "https:", 6)) {
        /* A native app's private-use scheme (RFC 8252 §7.1). The RFC asks for
         * reverse domain names, but desktop MCP clients register cursor://,
         * vscode:// and the like; PKCE is what protects their codes. Schemes a
         * browser or OS would run, show or hand to anyone are refused. */
        static const char *const refused[] = {"javascript", "data", "vbscript",   "file",
                                              "about",      "blob", "filesystem", "view-source",
                                              "ftp",        "ws",   "wss",        "mailto",
                                              "tel",        "sms",  "intent",     "jar",
                                              "content",    NULL};
        apr_size_t n = (apr_size_t)(s - uri);
        int i;
        for (i = 0; refused[i]; i++)
            if (strlen(refused[i]) == n && !strncmp(uri, refused[i], n))
                return apr_psprintf(p,
                                    "the redirect URI scheme '%s' is not allowed: use https, "
                                    "a loopback http URI or an app's own scheme",
                                    refused[i]);
        return NULL;
    }
    if (strncmp(uri, "https://", 8))
        return "the redirect URI needs a host";
    host = uri + 8;
    end = host + strcspn(host, "/?");
    if (end == host || memchr(host, '@', (apr_size_t)(end - host)))
        return "the redirect URI needs a host and no user information";
    for (s = host; s < end; s++)
        if (!(apr_islower((unsigned char)*s) || apr_isdigit((unsigned char)*s) || *s == '.' ||
              *s == '-' || *s == ':' || *s == '[' || *s == ']'))
            return "the redirect URI's host must be lowercase ASCII (IDNs in punycode)";
    if (end[-1] == '.' || host[0] == '.' || strstr(host, "..") != NULL)
        return "the redirect URI's host must not start or end with a dot";
    return NULL;
}

const char *miq_oauth_redirect_build(apr_pool_t *p, const char *redirect_uri,
                                     const char *const *pairs)
{
    const char *out = redirect_uri;
    char sep = strchr(redirect_uri, '?') ? '&' : '?';
    apr_size_t n = strlen(redirect_uri);
    int i;
    if (n && (redirect_uri[n - 1] == '?' || redirect_uri[n - 1] == '&'))
        sep = 0;
    for (i = 0; pairs[i] && pairs[i + 1]; i += 2) {
        out = apr_psprintf(p, "%s%s%s=%s", out, sep ? (sep == '?' ? "?" : "&") : "",
                           miq_text_form_encode(p, pairs[i]),
                           miq_text_form_encode(p, pairs[i + 1]));
        sep = '&';
    }
    return out;
}

int miq_oauth_audience_ok(const char *audience, const char *mcp_url)
{
    apr_size_t a, m;
    if (!audience || !mcp_url)
        return 0;
    a = strlen(audience);
    m = strlen(mcp_url);
    while (a > 0 && audience[a - 1] == '/')
        a--;
    while (m > 0 && mcp_url[m - 1] == '/')
        m--;
    return a > 0 && a == m && !strncmp(audience, mcp_url, a);
}
