#include <string.h>
#include <apr_strings.h>
#include "base/miq_scope.h"

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {
    {"all", MIQ_SCOPE_ALL},
    {"video/*", MIQ_SCOPE_VIDEO},
    {"audio/*", MIQ_SCOPE_AUDIO},
    {"timeline/*", MIQ_SCOPE_TIMELINE},
};
#define N_SCOPES (sizeof(scope_names) / sizeof(scope_names[0]))

const char *miq_scope_parse(apr_pool_t *p, const char *list, unsigned *out)
{
    char *copy, *tok, *last;
    unsigned bits = 0;
    size_t i;
    *out = 0;
    if (!list)
        return "no scope given";
    copy = apr_pstrdup(p, list);
    for (tok = apr_strtok(copy, " ,\t", &last); tok; tok = apr_strtok(NULL, " ,\t", &last)) {
        for (i = 0; i < N_SCOPES; i++)
            if (!strcmp(tok, scope_names[i].name))
                break;
        if (i == N_SCOPES)
            return apr_psprintf(p, "unknown scope '%s' (known: all, video/*, audio/*, timeline/*)",
                                tok);
        bits |= scope_names[i].bit;
    }
    if (!bits)
        return "no scope given";
    *out = bits;
    return NULL;
}

const char *miq_scope_format(apr_pool_t *p, unsigned scopes)
{
    const char *s = "";
    size_t i;
    for (i = 0; i < N_SCOPES; i++)
        if (scopes & scope_names[i].bit)
            s = *s ? apr_pstrcat(p, s, " ", scope_names[i].name, NULL) : scope_names[i].name;
    return s;
}

unsigned miq_scope_for_endpoint(const char *endpoint)
{
    size_t i, n;
    if (!endpoint)
        return 0;
    for (i = 1; i < N_SCOPES; i++) {
        n = strlen(scope_names[i].name) - 1; /* "audio/" */
        if (!strncmp(endpoint, scope_names[i].name, n) && endpoint[n])
            return scope_names[i].bit;
    }
    return 0;
}

int miq_scope_allows(unsigned scopes, const char *endpoint)
{
    unsigned need = miq_scope_for_endpoint(endpoint);
    if (!need)
        return 0;
    return (scopes & MIQ_SCOPE_ALL) || (scopes & need);
}

const char *miq_scope_families(apr_pool_t *p, unsigned scopes)
{
    const char *s = "";
    size_t i;
    if (scopes & MIQ_SCOPE_ALL)
        return NULL;
    for (i = 1; i < N_SCOPES; i++) {
        if (!(scopes & scope_names[i].bit))
            continue;
        s = apr_pstrcat(p, s, *s ? "," : "",
                        apr_pstrndup(p, scope_names[i].name, strlen(scope_names[i].name) - 2),
                        NULL);
    }
    return apr_pstrcat(p, "{", s, "}", NULL);
}
