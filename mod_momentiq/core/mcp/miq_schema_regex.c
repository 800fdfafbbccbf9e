/* JSON Schema "pattern" and "format" regexes: the ECMA-262 subset tool
 * schemas use, translated to POSIX extended regexes (see miq_schema_regex.h). */
#include <regex.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "mcp/miq_schema_regex.h"

/* The ECMA escape at s[1] in POSIX form: a class (a bracket, or a bracket body when in_bracket),
 * a control character, or the escaped character itself; NULL when unsupported. */
static const char *ecma_esc(apr_pool_t *p, char c, int in_bracket)
{
    static const char *const tab[][3] = {{"d", "0-9", "[0-9]"},
                                         {"w", "A-Za-z0-9_", "[A-Za-z0-9_]"},
                                         {"D", NULL, "[^0-9]"},
                                         {"W", NULL, "[^A-Za-z0-9_]"},
                                         {"s", " \t\n\r\f\v", "[ \t\n\r\f\v]"},
                                         {"S", NULL, "[^ \t\n\r\f\v]"},
                                         {"n", "\n", "\n"},
                                         {"t", "\t", "\t"},
                                         {"r", "\r", "\r"},
                                         {"f", "\f", "\f"},
                                         {"v", "\v", "\v"}};
    size_t i;
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (c == tab[i][0][0])
            return tab[i][in_bracket ? 1 : 2];
    if (apr_isalnum(c)) /* \b \B stay GNU word boundaries outside a class; \uXXXX \x \1 no */
        return !in_bracket && (c == 'b' || c == 'B') ? apr_psprintf(p, "\\%c", c) : NULL;
    return in_bracket || !c ? apr_psprintf(p, "%c", c) : apr_psprintf(p, "\\%c", c);
}

static apr_status_t re_cleanup(void *re)
{
    regfree(re);
    return APR_SUCCESS;
}

/* Compiled regex for an ECMA-style pattern, cached in cache (if any); regfree'd with p.
 * Inside [...] escapes become literals (backslash is literal in a POSIX bracket) and an escaped
 * '-' moves to the end of the bracket; an escaped ']' or '^' is not supported. */
regex_t *miq_schema_regex(apr_pool_t *p, apr_hash_t *cache, const char *pat)
{
    regex_t *re = cache ? apr_hash_get(cache, pat, APR_HASH_KEY_STRING) : NULL;
    const char *s = pat, *e;
    char *ere = apr_palloc(p, strlen(pat) * 8 + 8), *o = ere;
    int in = 0, dash = 0; /* inside a bracket; an escaped '-' is pending */
    if (re)
        return re;
    for (; *s; s++) {
        if (*s == '\\') {
            if (!(e = ecma_esc(p, *++s, in)) || (in && (*s == ']' || *s == '^')) || !*s)
                return NULL;
            if (in && *s == '-')
                dash = 1, e = "";
        }
        else if (in && *s == '[' && s[1] == ':') { /* [:alpha:] */
            const char *end = strstr(s, ":]");
            if (!end)
                return NULL;
            e = apr_pstrndup(p, s, (size_t)(end + 2 - s));
            s = end + 1;
        }
        else if (!in && *s == '(' && s[1] == '?') {
            return NULL; /* (?:...), lookarounds, flags */
        }
        else if (!in && *s == '[') {
            in = 1, e = s[1] == '^' ? (s++, "[^") : "[";
            if (s[1] == ']')
                return NULL; /* ECMA [] and [^] */
        }
        else if (in && *s == ']') {
            in = 0, e = dash ? "-]" : "]", dash = 0;
        }
        else {
            *o++ = *s;
            continue;
        }
        o = stpcpy(o, e);
    }
    *o = '\0';
    re = apr_pcalloc(p, sizeof *re);
    if (in || regcomp(re, ere, REG_EXTENDED | REG_NOSUB) != 0)
        return NULL;
    apr_pool_cleanup_register(p, re, re_cleanup, apr_pool_cleanup_null);
    if (cache)
        apr_hash_set(cache, pat, APR_HASH_KEY_STRING, re);
    return re;
}
