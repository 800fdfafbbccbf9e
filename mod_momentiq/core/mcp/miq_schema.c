#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "mcp/miq_schema.h"
#include "mcp/miq_schema_regex.h"
#include "base/miq_text.h"

#define SHOW_MAX 60 /* bytes of an instance value or key quoted in a message */
#define MAX_SEGS (MIQ_SCHEMA_MAX_DEPTH + 2)

typedef struct {
    const char *key; /* NULL: array index */
    size_t idx;
} seg_t;

typedef struct {
    apr_pool_t *tmp; /* scratch: compiled regexes, discarded branch messages */
    const json_t *root;
    apr_hash_t *re;
    unsigned long steps;
    int depth, nseg, err_nseg;
    const char *fatal; /* depth / budget exceeded: sticks through anyOf, oneOf and not */
    seg_t seg[MAX_SEGS];
} vctx;

/* ---- small helpers -------------------------------------------------------------------- */

/* s quoted as a JSON string, cut to SHOW_MAX bytes on a UTF-8 boundary. */
static const char *quote(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s), lim = n > SHOW_MAX ? SHOW_MAX : n, i;
    char *o = apr_palloc(p, lim * 6 + 8), *w = o;
    while (lim < n && ((unsigned char)s[lim] & 0xC0) == 0x80)
        lim--;
    *w++ = '"';
    for (i = 0; i < lim; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            *w++ = '\\', *w++ = (char)ch;
        else if (ch < 0x20 || ch == 0x7f)
            w += sprintf(w, "\\u%04x", ch);
        else
            *w++ = (char)ch;
    }
    strcpy(w, lim < n ? "\"..." : "\"");
    return o;
}

static int plain_key(const char *k)
{
    size_t i;
    for (i = 0; k[i]; i++)
        if (!(apr_isalnum(k[i]) || k[i] == '_' || k[i] == '-' || k[i] == '$') || i >= SHOW_MAX)
            return 0;
    return i > 0;
}

/* A property name for a message: 'name' when plain, else JSON-quoted and cut. */
static const char *show_key(apr_pool_t *p, const char *k)
{
    return plain_key(k) ? apr_psprintf(p, "'%s'", k) : quote(p, k);
}

static const char *fmt_num(apr_pool_t *p, const json_t *v)
{
    char buf[40];
    double d;
    if (json_is_integer(v))
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    d = json_number_value(v);
    snprintf(buf, sizeof buf, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof buf, "%.17g", d);
    return apr_pstrdup(p, buf);
}

static const char *type_name(const json_t *v)
{
    static const char *const names[] = {"object", "array",   "string",  "integer",
                                        "number", "boolean", "boolean", "null"};
    return names[json_typeof(v)];
}

/* An instance value for a message: scalars shown (bounded), containers by type name. */
static const char *show(apr_pool_t *p, const json_t *v)
{
    if (json_is_string(v))
        return quote(p, json_string_value(v));
    if (json_is_number(v))
        return fmt_num(p, v);
    return json_is_true(v) ? "true" : json_is_false(v) ? "false" : type_name(v);
}

/* Schema-side value (enum/const member): strings raw, others as bounded JSON. */
static const char *show_schema_val(apr_pool_t *p, const json_t *v)
{
    const char *s;
    if (json_is_string(v))
        return json_string_value(v);
    s = miq_json_dump(p, v);
    return s && strlen(s) <= SHOW_MAX ? s : type_name(v);
}

static int is_integral(const json_t *v)
{
    double d;
    if (json_is_integer(v))
        return 1;
    if (!json_is_real(v))
        return 0;
    d = json_real_value(v);
    return isfinite(d) && floor(d) == d && fabs(d) < 9007199254740992.0;
}

static int type_ok(const char *t, const json_t *v)
{
    if (!strcmp(t, "integer"))
        return is_integral(v);
    return !strcmp(t, json_is_number(v) ? "number" : type_name(v));
}

static int known_type(const char *t)
{
    static const char names[] = " null boolean object array number string integer ";
    const char *hit = t && *t ? strstr(names, t) : NULL;
    return hit && hit[-1] == ' ' && hit[strlen(t)] == ' ';
}

/* -1, 0, 1; exact for two integers, in double otherwise. */
static int numcmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    else {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
}

/* Local $ref: "#" or "#/a/b~1c" (JSON pointer, ~0 ~1 decoded). NULL if it does not resolve. */
static const json_t *resolve(const json_t *root, const char *ref)
{
    const json_t *cur = root;
    char tok[256];
    size_t n;
    if (!ref || *ref++ != '#' || (*ref && *ref != '/'))
        return NULL;
    while (cur && *ref++ == '/') {
        for (n = 0; *ref && *ref != '/' && n < sizeof tok - 1; ref++)
            tok[n++] = *ref == '~' && (ref[1] == '0' || ref[1] == '1') ? (*++ref == '1' ? '/' : '~')
                                                                       : *ref;
        tok[n] = '\0';
        if (json_is_object(cur))
            cur = json_object_get(cur, tok);
        else
            cur = json_is_array(cur) && apr_isdigit(*tok)
                      ? json_array_get(cur, strtoul(tok, NULL, 10))
                      : NULL;
    }
    return cur;
}

/* ---- formats: light checks, as patterns ------------------------------------------------ */

static const char *const formats[][3] = {
    {"uri", "^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:][:cntrl:]]+$", "a URI"},
    {"date-time",
     "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:"
     "([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
     "an RFC 3339 date-time such as 2024-01-31T12:00:00Z"},
};

/* ---- validation -------------------------------------------------------------------------- */

static const char *path_str(vctx *c)
{
    const char *path = "arguments";
    int i;
    for (i = 0; i < c->nseg; i++) {
        const seg_t *g = &c->seg[i];
        if (!g->key)
            path = apr_psprintf(c->tmp, "%s[%" APR_SIZE_T_FMT "]", path, g->idx);
        else if (plain_key(g->key))
            path = apr_pstrcat(c->tmp, path, ".", g->key, NULL);
        else
            path = apr_pstrcat(c->tmp, path, "[", quote(c->tmp, g->key), "]", NULL);
    }
    if (strlen(path) > 160) /* deep paths of long keys: keep the head and the tail */
        path = apr_pstrcat(c->tmp, apr_pstrndup(c->tmp, path, 40), "...", path + strlen(path) - 100,
                           NULL);
    return path;
}

static const char *fail(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fail(vctx *c, const char *fmt, ...)
{
    va_list ap;
    const char *msg;
    va_start(ap, fmt);
    msg = apr_pvsprintf(c->tmp, fmt, ap);
    va_end(ap);
    c->err_nseg = c->nseg;
    return apr_pstrcat(c->tmp, path_str(c), ": ", msg, NULL);
}

static const char *vnode(vctx *c, const json_t *s, const json_t *v);

/* Validates a child (object member key, or array element idx when key is NULL). */
static const char *vchild(vctx *c, const json_t *s, const json_t *v, const char *key, size_t idx)
{
    const char *e;
    if (c->nseg >= MAX_SEGS)
        return c->fatal = fail(c, "nesting too deep (limit %d)", MIQ_SCHEMA_MAX_DEPTH);
    c->seg[c->nseg].key = key;
    c->seg[c->nseg].idx = idx;
    c->nseg++;
    e = vnode(c, s, v);
    c->nseg--;
    return e;
}

/* The min<what> / max<what> pair applied to a count n. */
static const char *v_count(vctx *c, const json_t *s, const char *what, size_t n, const char *verb,
                           const char *unit)
{
    char kw[24];
    const json_t *lo, *hi;
    snprintf(kw, sizeof kw, "min%s", what);
    lo = json_object_get(s, kw);
    memcpy(kw, "max", 3);
    hi = json_object_get(s, kw);
    if (json_is_integer(lo) && (json_int_t)n < json_integer_value(lo))
        return fail(c, "must %s at least %s %s (got %" APR_SIZE_T_FMT ")", verb,
                    fmt_num(c->tmp, lo), unit, n);
    if (json_is_integer(hi) && (json_int_t)n > json_integer_value(hi))
        return fail(c, "must %s at most %s %s (got %" APR_SIZE_T_FMT ")", verb, fmt_num(c->tmp, hi),
                    unit, n);
    return NULL;
}

static const char *v_number(vctx *c, const json_t *s, const json_t *v)
{
    static const struct {
        const char *kw, *op;
        int below, strict; /* fails when v is below (else above) the limit, or equal if strict */
    } lim[] = {{"minimum", ">=", 1, 0},
               {"maximum", "<=", 0, 0},
               {"exclusiveMinimum", ">", 1, 1},
               {"exclusiveMaximum", "<", 0, 1}};
    const json_t *k;
    size_t i;
    for (i = 0; i < 4; i++) {
        int r;
        if (!json_is_number(k = json_object_get(s, lim[i].kw)))
            continue;
        r = numcmp(v, k);
        if (r == (lim[i].below ? -1 : 1) || (r == 0 && lim[i].strict))
            return fail(c, "must be %s %s (got %s)", lim[i].op, fmt_num(c->tmp, k),
                        fmt_num(c->tmp, v));
    }
    if (json_is_number(k = json_object_get(s, "multipleOf")) && json_number_value(k) > 0) {
        int ok;
        if (json_is_integer(v) && json_is_integer(k)) {
            ok = json_integer_value(v) % json_integer_value(k) == 0;
        }
        else {
            double q = json_number_value(v) / json_number_value(k);
            ok = isfinite(q) && fabs(q - nearbyint(q)) <= 1e-9 * fmax(1.0, fabs(q));
        }
        if (!ok)
            return fail(c, "must be a multiple of %s (got %s)", fmt_num(c->tmp, k),
                        fmt_num(c->tmp, v));
    }
    return NULL;
}

static const char *v_string(vctx *c, const json_t *s, const json_t *v)
{
    const char *str = json_string_value(v), *f;
    size_t n = miq_text_utf8_chars(str, json_string_length(v)), i;
    int nul = strlen(str) != json_string_length(v); /* regexec would see only a prefix */
    const json_t *k;
    if ((f = v_count(c, s, "Length", n, "be", "characters long")))
        return f;
    if (json_is_string(k = json_object_get(s, "pattern"))) {
        regex_t *re = miq_schema_regex(c->tmp, c->re, json_string_value(k));
        if (!re)
            return fail(c, "schema error: pattern does not compile");
        if (nul || regexec(re, str, 0, NULL, 0) != 0)
            return fail(c, "must match pattern %s (got %s)", json_string_value(k),
                        quote(c->tmp, str));
    }
    f = json_string_value(json_object_get(s, "format"));
    for (i = 0; f && i < sizeof formats / sizeof formats[0]; i++)
        if (!strcmp(f, formats[i][0]) &&
            (nul || regexec(miq_schema_regex(c->tmp, c->re, formats[i][1]), str, 0, NULL, 0) != 0))
            return fail(c, "must be %s (got %s)", formats[i][2], quote(c->tmp, str));
    return NULL;
}

static const char *v_array(vctx *c, const json_t *s, const json_t *v)
{
    size_t n = json_array_size(v), i, j, npre = 0;
    const json_t *items = json_object_get(s, "items"), *pre = json_object_get(s, "prefixItems");
    const char *e;
    if ((e = v_count(c, s, "Items", n, "have", "items")))
        return e;
    if (json_is_true(json_object_get(s, "uniqueItems")))
        for (i = 1; i < n; i++)
            for (j = 0; j < i; j++) {
                if (++c->steps > MIQ_SCHEMA_MAX_STEPS)
                    return c->fatal = fail(c, "input too large to validate");
                if (json_equal(json_array_get(v, i), json_array_get(v, j)))
                    return fail(c,
                                "must not contain duplicates (items %" APR_SIZE_T_FMT
                                " and %" APR_SIZE_T_FMT " are equal)",
                                j, i);
            }
    if (json_is_array(pre))
        for (npre = json_array_size(pre), i = 0; i < n && i < npre; i++)
            if ((e = vchild(c, json_array_get(pre, i), json_array_get(v, i), NULL, i)))
                return e;
    if (items)
        for (i = npre; i < n; i++)
            if ((e = vchild(c, items, json_array_get(v, i), NULL, i)))
                return e;
    return NULL;
}

static const char *v_object(vctx *c, const json_t *s, const json_t *v)
{
    const json_t *props = json_object_get(s, "properties"),
                 *pp = json_object_get(s, "patternProperties");
    const json_t *addl = json_object_get(s, "additionalProperties"), *k, *sub, *val;
    const char *key, *e, *pat;
    size_t i, n = json_object_size(v);
    json_array_foreach(json_object_get(s, "required"), i, k)
    {
        if (json_is_string(k) && !json_object_get(v, json_string_value(k)))
            return fail(c, "missing required property %s", show_key(c->tmp, json_string_value(k)));
    }
    if ((e = v_count(c, s, "Properties", n, "have", "properties")))
        return e;
    json_object_foreach((json_t *)v, key, val)
    {
        int matched = json_object_get(props, key) != NULL;
        json_object_foreach((json_t *)pp, pat, sub)
        {
            regex_t *re = miq_schema_regex(c->tmp, c->re, pat);
            if (!re)
                return fail(c, "schema error: patternProperties pattern does not compile");
            if (regexec(re, key, 0, NULL, 0) == 0) {
                matched = 1;
                if ((e = vchild(c, sub, val, key, 0)))
                    return e;
            }
        }
        if (matched || !addl || json_is_true(addl))
            continue;
        if (json_is_false(addl))
            return fail(c, "unexpected property %s", show_key(c->tmp, key));
        if ((e = vchild(c, addl, val, key, 0)))
            return e;
    }
    json_object_foreach((json_t *)props, key, sub)
    {
        if ((val = json_object_get(v, key)) && (e = vchild(c, sub, val, key, 0)))
            return e;
    }
    return NULL;
}

/* anyOf / oneOf. On failure the message of the alternative that got deepest is quoted. */
static const char *v_any(vctx *c, const json_t *list, const json_t *v, int one)
{
    const char *best = NULL, *e, *here;
    int best_depth = -1, hits = 0, first = -1;
    size_t i;
    const json_t *sub;
    json_array_foreach(list, i, sub)
    {
        e = vnode(c, sub, v);
        if (c->fatal)
            return c->fatal;
        if (!e) {
            if (!one)
                return NULL;
            if (++hits > 1)
                return fail(c, "must match exactly one oneOf alternative, but matches %d and %d",
                            first, (int)i);
            first = (int)i;
        }
        else if (c->err_nseg > best_depth) {
            best = e;
            best_depth = c->err_nseg;
        }
    }
    if (hits == 1)
        return NULL;
    here = path_str(c); /* an alternative that failed right here is quoted without the path */
    if (best && !strncmp(best, here, strlen(here)) && best[strlen(here)] == ':')
        best += strlen(here) + 2;
    return fail(c, "does not match any allowed alternative (closest: %s)", best ? best : "none");
}

static const char *v_keywords(vctx *c, const json_t *s, const json_t *v)
{
    const json_t *k, *sub;
    const char *e;
    size_t i;
    if ((k = json_object_get(s, "$ref"))) {
        const json_t *t = resolve(c->root, json_string_value(k));
        if (!t)
            return fail(c, "schema error: unresolved $ref %s",
                        quote(c->tmp, json_string_value(k) ? json_string_value(k) : "?"));
        if ((e = vnode(c, t, v)))
            return e;
    }
    if ((k = json_object_get(s, "type"))) {
        int ok = json_is_string(k) && type_ok(json_string_value(k), v);
        const char *want = json_string_value(k);
        json_array_foreach(k, i, sub)
        {
            ok |= json_is_string(sub) && type_ok(json_string_value(sub), v);
        }
        json_array_foreach(k, i, sub)
        {
            if (ok)
                break;
            want = i ? apr_pstrcat(c->tmp, want, " or ", json_string_value(sub), NULL)
                     : json_string_value(sub);
        }
        if (!ok)
            return fail(c, "must be %s (got %s)", want ? want : "?", show(c->tmp, v));
    }
    if (json_is_array(k = json_object_get(s, "enum"))) {
        const char *list = NULL;
        json_array_foreach(k, i, sub)
        {
            if (json_equal(sub, v))
                break;
        }
        if (i == json_array_size(k)) {
            json_array_foreach(k, i, sub)
            {
                const char *one = i < 12 ? show_schema_val(c->tmp, sub) : "...";
                list = list ? apr_pstrcat(c->tmp, list, ", ", one, NULL) : one;
                if (i >= 12)
                    break;
            }
            return fail(c, "must be one of %s (got %s)", list ? list : "(nothing)",
                        show(c->tmp, v));
        }
    }
    if ((k = json_object_get(s, "const")) && !json_equal(k, v))
        return fail(c, "must be %s (got %s)", show_schema_val(c->tmp, k), show(c->tmp, v));
    if (json_is_number(v) && (e = v_number(c, s, v)))
        return e;
    if (json_is_string(v) && (e = v_string(c, s, v)))
        return e;
    if (json_is_array(v) && (e = v_array(c, s, v)))
        return e;
    if (json_is_object(v) && (e = v_object(c, s, v)))
        return e;
    json_array_foreach(json_object_get(s, "allOf"), i, sub)
    {
        if ((e = vnode(c, sub, v)))
            return e;
    }
    if (json_is_array(k = json_object_get(s, "anyOf")) && (e = v_any(c, k, v, 0)))
        return e;
    if (json_is_array(k = json_object_get(s, "oneOf")) && (e = v_any(c, k, v, 1)))
        return e;
    if ((k = json_object_get(s, "not"))) {
        e = vnode(c, k, v);
        if (c->fatal)
            return c->fatal;
        if (!e)
            return fail(c, "must not match the schema under 'not'");
    }
    return NULL;
}

static const char *vnode(vctx *c, const json_t *s, const json_t *v)
{
    const char *e;
    if (c->fatal)
        return c->fatal;
    if (json_is_true(s))
        return NULL;
    if (json_is_false(s))
        return fail(c, "no value is allowed here");
    if (!json_is_object(s))
        return fail(c, "schema error: not a schema");
    if (++c->steps > MIQ_SCHEMA_MAX_STEPS)
        return c->fatal = fail(c, "input too large to validate");
    if (c->depth >= MIQ_SCHEMA_MAX_DEPTH)
        return c->fatal = fail(c, "nesting too deep (limit %d)", MIQ_SCHEMA_MAX_DEPTH);
    c->depth++;
    e = v_keywords(c, s, v);
    c->depth--;
    return e;
}

const char *miq_schema_validate(apr_pool_t *p, const json_t *schema, const json_t *instance)
{
    vctx c;
    const char *e;
    memset(&c, 0, sizeof c);
    if (apr_pool_create(&c.tmp, p) != APR_SUCCESS)
        return "arguments: out of memory";
    c.root = schema;
    c.re = apr_hash_make(c.tmp);
    if (!instance)
        instance = miq_json_pool(c.tmp, json_object());
    e = vnode(&c, schema, instance);
    e = e ? apr_pstrdup(p, e) : NULL;
    apr_pool_destroy(c.tmp);
    return e;
}

/* ---- defaults ---------------------------------------------------------------------------- */

static const json_t *deref(const json_t *root, const json_t *s)
{
    int hops;
    for (hops = 0; hops < MIQ_SCHEMA_MAX_DEPTH && json_is_object(s) &&
                   !json_object_get(s, "default") && json_object_get(s, "$ref");
         hops++)
        s = resolve(root, json_string_value(json_object_get(s, "$ref")));
    return s;
}

/* An integral real where the (dereferenced) schema wants exactly "integer": new integer. */
static json_t *as_integer(const json_t *root, const json_t *s, const json_t *v)
{
    const char *t = json_string_value(json_object_get(deref(root, s), "type"));
    if (json_is_real(v) && t && !strcmp(t, "integer") && is_integral(v))
        return json_integer((json_int_t)json_real_value(v));
    return NULL;
}

static void fill(const json_t *root, const json_t *s, json_t *v, int depth)
{
    const json_t *sub, *d, *ds;
    const char *key;
    json_t *cur, *n;
    size_t i, npre = 0;
    if (depth >= MIQ_SCHEMA_MAX_DEPTH || !json_is_object(s))
        return;
    if (json_object_get(s, "$ref"))
        fill(root, resolve(root, json_string_value(json_object_get(s, "$ref"))), v, depth + 1);
    json_array_foreach(json_object_get(s, "allOf"), i, sub)
    {
        fill(root, sub, v, depth + 1);
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)json_object_get(s, "properties"), key, sub)
        {
            if (!(cur = json_object_get(v, key)) && json_is_object(ds = deref(root, sub)) &&
                (d = json_object_get(ds, "default")))
                json_object_set_new(v, key, cur = json_deep_copy(d));
            if (cur && (n = as_integer(root, sub, cur)))
                json_object_set_new(v, key, cur = n);
            if (cur)
                fill(root, sub, cur, depth + 1);
        }
    }
    else if (json_is_array(v)) {
        const json_t *pre = json_object_get(s, "prefixItems"), *items = json_object_get(s, "items");
        npre = json_is_array(pre) ? json_array_size(pre) : 0;
        for (i = 0; i < json_array_size(v); i++) {
            sub = i < npre ? json_array_get(pre, i) : items;
            if (!sub)
                continue;
            if ((n = as_integer(root, sub, json_array_get(v, i))))
                json_array_set_new(v, i, n);
            fill(root, sub, json_array_get(v, i), depth + 1);
        }
    }
}

json_t *miq_schema_with_defaults(apr_pool_t *p, const json_t *schema, const json_t *instance)
{
    json_t *copy = instance ? json_deep_copy(instance) : json_object();
    if (copy)
        fill(schema, schema, copy, 0);
    return miq_json_pool(p, copy);
}

/* ---- registration-time check ------------------------------------------------------------- */

/* Keyword kinds; a keyword's kind is the index of the list naming it. */
enum { K_SCHEMA, K_MAP, K_LIST, K_NONNEG, K_NUM, K_POS, K_BOOL, K_STR, K_STRS, K_ARR, K_TYPE };
static const char *const kinds[] = {
    " items additionalProperties not ",
    " properties patternProperties $defs definitions ",
    " allOf anyOf oneOf prefixItems ",
    " minItems maxItems minLength maxLength minProperties maxProperties ",
    " minimum maximum exclusiveMinimum exclusiveMaximum ",
    " multipleOf ",
    " uniqueItems ",
    " format pattern $ref ",
    " required ",
    " enum ",
    " type ",
};

static const char *chk(apr_pool_t *p, const json_t *root, const json_t *s, const char *path,
                       int depth);

/* The message for one keyword's value v, or NULL; recurses into subschemas. */
static const char *chk_kw(apr_pool_t *p, const json_t *root, const json_t *s, const char *key,
                          const json_t *v, const char *at, int depth)
{
    const char *e = NULL, *name;
    const json_t *sub, *t;
    size_t kind, j;
    for (kind = 0; kind < sizeof kinds / sizeof kinds[0]; kind++)
        if (strstr(kinds[kind], apr_pstrcat(p, " ", key, " ", NULL)))
            break;
    switch (kind) {
    case K_SCHEMA:
        if (json_is_array(v) && !strcmp(key, "items"))
            return apr_psprintf(p, "%s: must be a schema (use prefixItems for tuples)", at);
        return chk(p, root, v, at, depth + 1);
    case K_MAP:
        if (!json_is_object(v))
            return apr_psprintf(p, "%s: must be an object", at);
        json_object_foreach((json_t *)v, name, sub)
        {
            if (!strcmp(key, "patternProperties") && !miq_schema_regex(p, NULL, name))
                return apr_psprintf(p, "%s: pattern %s does not compile", at, quote(p, name));
            if ((e = chk(p, root, sub, apr_pstrcat(p, at, ".", name, NULL), depth + 1)))
                return e;
        }
        return NULL;
    case K_LIST:
        if (!json_is_array(v) || !json_array_size(v))
            return apr_psprintf(p, "%s: must be a non-empty array of schemas", at);
        for (j = 0; j < json_array_size(v) && !e; j++)
            e = chk(p, root, json_array_get(v, j),
                    apr_psprintf(p, "%s[%" APR_SIZE_T_FMT "]", at, j), depth + 1);
        return e;
    case K_NONNEG:
        e = json_is_integer(v) && json_integer_value(v) >= 0 ? NULL : "a non-negative integer";
        break;
    case K_NUM:
    case K_POS:
        if (json_is_boolean(v))
            e = "a number (the draft-04 boolean form is not supported)";
        else if (!json_is_number(v) || (kind == K_POS && !(json_number_value(v) > 0)))
            e = kind == K_POS ? "a number greater than 0" : "a number";
        break;
    case K_BOOL:
        e = json_is_boolean(v) ? NULL : "a boolean";
        break;
    case K_STR:
        if (!json_is_string(v))
            e = "a string";
        else if (!strcmp(key, "pattern") && !miq_schema_regex(p, NULL, json_string_value(v)))
            e = "a regular expression that compiles (POSIX ERE plus \\d \\w \\s)";
        else if (!strcmp(key, "$ref") && json_string_value(v)[0] != '#')
            e = "a local reference such as \"#/$defs/name\"";
        else if (!strcmp(key, "$ref")) {
            for (t = s, j = 0; json_is_object(t) && (sub = json_object_get(t, "$ref")); j++) {
                name = json_string_value(sub);
                if (j > MIQ_SCHEMA_MAX_DEPTH)
                    return apr_psprintf(p, "%s: circular $ref", at);
                if (!name || !(t = resolve(root, name)) ||
                    !(json_is_object(t) || json_is_boolean(t)))
                    return apr_psprintf(p, "%s: $ref %s does not resolve to a schema", at,
                                        quote(p, name ? name : "?"));
            }
        }
        break;
    case K_STRS:
        for (j = 0; j < json_array_size(v) && json_is_string(json_array_get(v, j)); j++)
            ;
        e = json_is_array(v) && j == json_array_size(v) ? NULL : "an array of strings";
        break;
    case K_ARR:
        e = json_is_array(v) ? NULL : "an array";
        break;
    case K_TYPE:
        if (!json_is_string(v) && (!json_is_array(v) || !json_array_size(v)))
            e = "a type name or a non-empty array of them";
        for (j = 0; !e && j < (json_is_array(v) ? json_array_size(v) : 1); j++)
            if (!known_type(json_string_value(json_is_array(v) ? json_array_get(v, j) : v)))
                return apr_psprintf(p,
                                    "%s: unknown type (known: null, boolean, object, array, "
                                    "number, string, integer)",
                                    at);
        break;
    default:
        return NULL; /* annotations and unknown keywords */
    }
    return e ? apr_psprintf(p, "%s: must be %s", at, e) : NULL;
}

static const char *chk(apr_pool_t *p, const json_t *root, const json_t *s, const char *path,
                       int depth)
{
    const char *key, *e;
    const json_t *v;
    if (json_is_boolean(s))
        return NULL;
    if (!json_is_object(s))
        return apr_psprintf(p, "%s: must be a schema (object or boolean)", path);
    if (depth >= MIQ_SCHEMA_MAX_DEPTH)
        return apr_psprintf(p, "%s: schema nested too deep (limit %d)", path, MIQ_SCHEMA_MAX_DEPTH);
    json_object_foreach((json_t *)s, key, v)
    {
        if ((e = chk_kw(p, root, s, key, v, apr_pstrcat(p, path, ".", key, NULL), depth)))
            return e;
    }
    return NULL;
}

const char *miq_schema_check(apr_pool_t *p, const json_t *schema)
{
    const char *t = json_string_value(json_object_get(schema, "type")), *e;
    apr_pool_t *tmp;
    if (!json_is_object(schema))
        return "schema: must be a JSON object";
    if (!t || strcmp(t, "object"))
        return "schema.type: the root schema must have type \"object\"";
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return "schema: out of memory";
    e = chk(tmp, schema, schema, "schema", 0);
    e = e ? apr_pstrdup(p, e) : NULL;
    apr_pool_destroy(tmp);
    return e;
}
