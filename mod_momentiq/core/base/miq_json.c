#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"

static apr_status_t json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *miq_json_pool(apr_pool_t *p, json_t *v)
{
    if (v)
        apr_pool_cleanup_register(p, v, json_cleanup, apr_pool_cleanup_null);
    return v;
}

const char *miq_json_dump(apr_pool_t *p, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
                                JSON_REAL_PRECISION(15));
    const char *r;
    if (!s)
        return NULL;
    r = apr_pstrdup(p, s);
    free(s);
    return r;
}

json_t *miq_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **err)
{
    json_error_t je;
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v) {
        if (err)
            *err = apr_psprintf(p, "%s (line %d, column %d)", je.text, je.line, je.column);
        return NULL;
    }
    return miq_json_pool(p, v);
}

const char *miq_json_str(const json_t *o, const char *key, const char *dflt)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : dflt;
}

json_int_t miq_json_int(const json_t *o, const char *key, json_int_t dflt)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (json_is_integer(v))
        return json_integer_value(v);
    /* a real outside the integer range (1e300, NaN) would be undefined to cast */
    if (json_is_real(v) && json_real_value(v) > -9.2e18 && json_real_value(v) < 9.2e18)
        return (json_int_t)json_real_value(v);
    return dflt;
}

double miq_json_num(const json_t *o, const char *key, double dflt)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : dflt;
}

int miq_json_bool(const json_t *o, const char *key, int dflt)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *miq_json_packp(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    json_t *v;
    json_error_t je;
    va_start(ap, fmt);
    v = json_vpack_ex(&je, 0, fmt, ap);
    va_end(ap);
    return miq_json_pool(p, v);
}
