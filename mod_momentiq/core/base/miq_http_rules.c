#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "base/miq_http_rules.h"

int miq_http_ctype_is(const char *ctype, const char *type)
{
    size_t n = strlen(type);
    if (!ctype)
        return 0;
    while (*ctype == ' ')
        ctype++;
    if (strncasecmp(ctype, type, n))
        return 0;
    ctype += n;
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    return *ctype == 0 || *ctype == ';';
}

int miq_http_accepts(const char *accept, const char *type)
{
    const char *slash = strchr(type, '/');
    char *copy, *item, *last;
    apr_pool_t *p;
    int ok = 0;
    if (!accept || !*accept)
        return 1;
    if (!slash || apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    copy = apr_pstrdup(p, accept);
    for (item = apr_strtok(copy, ",", &last); item && !ok; item = apr_strtok(NULL, ",", &last)) {
        char *params = strchr(item, ';'), *range = item, *end;
        double q = 1.0;
        if (params) {
            char *qp;
            *params++ = 0;
            if ((qp = strstr(params, "q=")))
                q = strtod(qp + 2, NULL);
        }
        while (*range == ' ' || *range == '\t')
            range++;
        end = range + strlen(range);
        while (end > range && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        if (q <= 0)
            continue;
        if (!strcmp(range, "*/*") || !strcasecmp(range, type))
            ok = 1;
        else if (strlen(range) == (size_t)(slash - type) + 2 &&
                 !strncasecmp(range, type, slash - type + 1) && range[slash - type + 1] == '*')
            ok = 1;
    }
    apr_pool_destroy(p);
    return ok;
}

const char *miq_http_host_only(apr_pool_t *p, const char *hostport)
{
    const char *end;
    if (!hostport)
        return NULL;
    if (*hostport == '[') {
        end = strchr(hostport, ']');
        return end ? apr_pstrndup(p, hostport, end - hostport + 1) : NULL;
    }
    end = strchr(hostport, ':');
    {
        char *h = end ? apr_pstrndup(p, hostport, end - hostport) : apr_pstrdup(p, hostport);
        char *c;
        for (c = h; *c; c++)
            *c = apr_tolower(*c);
        return h;
    }
}

/* "scheme://host[:port]" of a URL, lowercased, default ports dropped. */
static const char *origin_of(apr_pool_t *p, const char *url)
{
    const char *sep = url ? strstr(url, "://") : NULL;
    const char *hp, *slash;
    char *o, *c;
    if (!sep)
        return NULL;
    hp = sep + 3;
    slash = strchr(hp, '/');
    o = apr_pstrndup(p, url, slash ? (apr_size_t)(slash - url) : strlen(url));
    for (c = o; *c; c++)
        *c = apr_tolower(*c);
    if (!strncmp(o, "http://", 7) && strlen(o) > 3 && !strcmp(o + strlen(o) - 3, ":80"))
        o[strlen(o) - 3] = 0;
    if (!strncmp(o, "https://", 8) && strlen(o) > 4 && !strcmp(o + strlen(o) - 4, ":443"))
        o[strlen(o) - 4] = 0;
    return o;
}

/* localhost, [::1], or an IPv4 literal in 127.0.0.0/8 -- never a name that
 * merely starts with "127." (127.0.0.1.nip.io resolves anywhere it likes). */
static int is_loopback(const char *host)
{
    int parts = 0, digits = 0, val = 0;
    const char *c;
    if (!host)
        return 0;
    if (!strcmp(host, "localhost") || !strcmp(host, "[::1]"))
        return 1;
    if (strncmp(host, "127.", 4))
        return 0;
    for (c = host;; c++) {
        if (*c >= '0' && *c <= '9') {
            val = val * 10 + (*c - '0');
            if (++digits > 3 || val > 255)
                return 0;
        }
        else if (*c == '.' || !*c) {
            if (!digits)
                return 0;
            parts++;
            digits = val = 0;
            if (!*c)
                break;
        }
        else
            return 0;
    }
    return parts == 4;
}

static const char *url_host(apr_pool_t *p, const char *url)
{
    const char *sep = url ? strstr(url, "://") : NULL;
    const char *hp, *slash;
    if (!sep)
        return NULL;
    hp = sep + 3;
    slash = strchr(hp, '/');
    return miq_http_host_only(p, slash ? apr_pstrndup(p, hp, slash - hp) : hp);
}

int miq_http_origin_allowed(apr_pool_t *p, const char *origin, const char *base_url,
                            const apr_array_header_t *allowed)
{
    const char *o, *mine;
    int i;
    if (!origin)
        return 1;
    if (!strcmp(origin, "null"))
        return 0;
    o = origin_of(p, origin);
    if (!o)
        return 0;
    mine = origin_of(p, base_url);
    if (mine && !strcmp(o, mine))
        return 1;
    for (i = 0; allowed && i < allowed->nelts; i++) {
        const char *a = APR_ARRAY_IDX(allowed, i, const char *);
        if (!strcmp(a, "*"))
            return 1;
        if (origin_of(p, a) && !strcmp(origin_of(p, a), o))
            return 1;
    }
    return is_loopback(url_host(p, base_url)) && is_loopback(url_host(p, o));
}

int miq_http_host_allowed(apr_pool_t *p, const char *host, const char *base_url,
                          const apr_array_header_t *allowed)
{
    const char *h = miq_http_host_only(p, host), *mine = url_host(p, base_url);
    int i;
    if (!h || !*h)
        return 0;
    if (mine && !strcmp(h, mine))
        return 1;
    for (i = 0; allowed && i < allowed->nelts; i++) {
        const char *a = APR_ARRAY_IDX(allowed, i, const char *);
        if (!strcmp(a, "*") || !strcasecmp(a, h))
            return 1;
    }
    return is_loopback(mine) && is_loopback(h);
}
