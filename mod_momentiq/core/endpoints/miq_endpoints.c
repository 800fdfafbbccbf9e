/* Endpoint lookup, schema helpers, param defaults and checks, timecodes.
 * The static data lives in miq_endpoints_schemas.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "base/miq_text.h"

#define TIME_SLACK_S 0.001

const miq_endpoint *miq_endpoints_find(const char *name)
{
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    for (i = 0; name && i < n; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

json_t *miq_endpoints_names_json(apr_pool_t *p)
{
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    json_t *arr = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(arr, json_string(all[i]->name));
    return miq_json_pool(p, arr);
}

/* The schemas are static text: parsed once at startup (miq_endpoints_init, before
 * httpd forks) and shared read-only afterwards (jansson refcounts are atomic). */
#define PARSED_MAX 64
static struct {
    const char *text;
    json_t *value;
} parsed[PARSED_MAX];
static int n_parsed;

void miq_endpoints_init(void)
{
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    const char *texts[3];
    int j;
    if (n_parsed)
        return;
    for (i = 0; i < n; i++) {
        texts[0] = all[i]->params_schema;
        texts[1] = all[i]->result_schema;
        texts[2] = all[i]->example_params;
        for (j = 0; j < 3 && n_parsed < PARSED_MAX; j++) {
            if (!texts[j])
                continue;
            parsed[n_parsed].text = texts[j];
            parsed[n_parsed].value = json_loads(texts[j], 0, NULL);
            n_parsed++;
        }
    }
}

static json_t *parse_static(apr_pool_t *p, const char *text)
{
    int i;
    if (!text)
        return NULL;
    for (i = 0; i < n_parsed; i++)
        if (parsed[i].text == text && parsed[i].value)
            return miq_json_pool(p, json_incref(parsed[i].value));
    return miq_json_parse(p, text, strlen(text), NULL);
}

json_t *miq_endpoints_params_schema(apr_pool_t *p, const miq_endpoint *e)
{
    return parse_static(p, e->params_schema);
}

json_t *miq_endpoints_result_schema(apr_pool_t *p, const miq_endpoint *e)
{
    return parse_static(p, e->result_schema);
}

json_t *miq_endpoints_example_params(apr_pool_t *p, const miq_endpoint *e)
{
    return parse_static(p, e->example_params);
}

json_t *miq_endpoints_endpoint_json(apr_pool_t *p, const miq_endpoint *e, int with_schemas)
{
    json_t *o = json_object(), *lists = json_array();
    char *copy = apr_pstrdup(p, e->result_lists), *tok, *last;
    for (tok = apr_strtok(copy, ",", &last); tok; tok = apr_strtok(NULL, ",", &last))
        json_array_append_new(lists, json_string(tok));
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "title", json_string(e->title));
    json_object_set_new(o, "summary", json_string(e->summary));
    json_object_set_new(o, "description", json_string(e->description));
    json_object_set_new(o, "detects", json_string(e->detects));
    json_object_set_new(o, "media", json_string(e->media));
    json_object_set_new(o, "scope", json_string(miq_scope_format(p, e->scope)));
    json_object_set_new(o, "result_lists", lists);
    if (with_schemas) {
        json_object_set(o, "params_schema", miq_endpoints_params_schema(p, e));
        json_object_set(o, "result_schema", miq_endpoints_result_schema(p, e));
        json_object_set(o, "example_params", miq_endpoints_example_params(p, e));
    }
    return miq_json_pool(p, o);
}

/* Fills defaults of schema's properties into obj (owned, modified in place). */
static void fill_defaults(json_t *obj, const json_t *schema)
{
    const json_t *props = json_object_get(schema, "properties");
    const char *key;
    json_t *sub;
    if (!json_is_object(obj) || !json_is_object(props))
        return;
    json_object_foreach((json_t *)props, key, sub)
    {
        json_t *have = json_object_get(obj, key);
        json_t *dflt = json_object_get(sub, "default");
        if (!have && dflt) {
            json_object_set_new(obj, key, json_deep_copy(dflt));
            have = json_object_get(obj, key);
        }
        if (have && json_is_object(have) && json_object_get(sub, "properties"))
            fill_defaults(have, sub);
    }
}

json_t *miq_endpoints_apply_defaults(apr_pool_t *p, const miq_endpoint *e, const json_t *params)
{
    json_t *schema = miq_endpoints_params_schema(p, e);
    json_t *out = json_is_object(params) ? json_deep_copy(params) : json_object();
    fill_defaults(out, schema);
    return miq_json_pool(p, out);
}

/* ---- a light schema check: types, enums, bounds, unknown and required keys ---- */

static int type_matches(const char *type, const json_t *v)
{
    if (!strcmp(type, "number"))
        return json_is_number(v);
    if (!strcmp(type, "integer"))
        return json_is_integer(v);
    if (!strcmp(type, "string"))
        return json_is_string(v);
    if (!strcmp(type, "boolean"))
        return json_is_boolean(v);
    if (!strcmp(type, "array"))
        return json_is_array(v);
    if (!strcmp(type, "object"))
        return json_is_object(v);
    if (!strcmp(type, "null"))
        return json_is_null(v);
    return 1;
}

static const char *known_keys(apr_pool_t *p, const json_t *props)
{
    const char *key, *s = "";
    json_t *sub;
    json_object_foreach((json_t *)props, key, sub)
    {
        (void)sub;
        s = *s ? apr_pstrcat(p, s, ", ", key, NULL) : key;
    }
    return s;
}

static const char *check_value(apr_pool_t *p, const char *path, const json_t *s, const json_t *v)
{
    const char *type = miq_json_str(s, "type", NULL);
    const json_t *en = json_object_get(s, "enum"), *x;
    size_t i;
    if (type && !type_matches(type, v))
        return apr_psprintf(p, "%s must be %s %s", path, strchr("aeiou", type[0]) ? "an" : "a",
                            type);
    if (json_is_array(en)) {
        int hit = 0;
        json_array_foreach(en, i, x) hit |= json_equal(x, (json_t *)v);
        if (!hit)
            return apr_psprintf(p, "%s must be one of %s", path, miq_endpoints_json(p, en, 0));
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (!isfinite(d))
            return apr_psprintf(p, "%s must be a finite number", path);
        if ((x = json_object_get(s, "minimum")) && d < json_number_value(x))
            return apr_psprintf(p, "%s must be >= %s", path, miq_text_num(p, json_number_value(x)));
        if ((x = json_object_get(s, "maximum")) && d > json_number_value(x))
            return apr_psprintf(p, "%s must be <= %s", path, miq_text_num(p, json_number_value(x)));
        if ((x = json_object_get(s, "exclusiveMinimum")) && d <= json_number_value(x))
            return apr_psprintf(p, "%s must be > %s", path, miq_text_num(p, json_number_value(x)));
    }
    if (json_is_string(v) && (x = json_object_get(s, "maxLength")) &&
        strlen(json_string_value(v)) > (size_t)json_integer_value(x))
        return apr_psprintf(p, "%s is longer than %d characters", path, (int)json_integer_value(x));
    if (json_is_array(v)) {
        const json_t *items = json_object_get(s, "items");
        size_t n = json_array_size(v);
        if ((x = json_object_get(s, "minItems")) && n < (size_t)json_integer_value(x))
            return apr_psprintf(p, "%s needs at least %d item(s)", path,
                                (int)json_integer_value(x));
        if ((x = json_object_get(s, "maxItems")) && n > (size_t)json_integer_value(x))
            return apr_psprintf(p, "%s allows at most %d items", path, (int)json_integer_value(x));
        if (json_is_object(items)) {
            json_array_foreach(v, i, x)
            {
                const char *err = check_value(p, apr_psprintf(p, "%s[%lu]", path, (unsigned long)i),
                                              items, x);
                if (err)
                    return err;
            }
        }
    }
    if (json_is_object(v)) {
        const json_t *props = json_object_get(s, "properties");
        const json_t *req = json_object_get(s, "required");
        const char *key;
        json_t *val;
        json_array_foreach(req, i, x)
        {
            if (!json_object_get(v, json_string_value(x)))
                return apr_psprintf(p, "%s.%s is required", path, json_string_value(x));
        }
        json_object_foreach((json_t *)v, key, val)
        {
            const json_t *sub = json_is_object(props) ? json_object_get(props, key) : NULL;
            const char *err;
            if (!sub) {
                if (json_is_false(json_object_get(s, "additionalProperties")))
                    return apr_psprintf(p, "unknown parameter %s.%s (known: %s)", path, key,
                                        props ? known_keys(p, props) : "none");
                continue;
            }
            err = check_value(p, apr_pstrcat(p, path, ".", key, NULL), sub, val);
            if (err)
                return err;
        }
    }
    return NULL;
}

static const char *check_frames(apr_pool_t *p, const json_t *params, double duration_s)
{
    const json_t *ts = json_object_get(params, "timestamps");
    int modes = (ts != NULL) + (json_object_get(params, "every_s") != NULL) +
                miq_json_bool(params, "at_scenes", 0);
    size_t i;
    json_t *x;
    if (modes != 1)
        return "video/frames needs exactly one of timestamps, every_s or at_scenes:true";
    if (duration_s > 0) {
        json_array_foreach(ts, i, x)
        {
            if (json_number_value(x) > duration_s + TIME_SLACK_S)
                return apr_psprintf(p,
                                    "params.timestamps[%lu] = %.3f is past the end of the "
                                    "media (%.3f s)",
                                    (unsigned long)i, json_number_value(x), duration_s);
        }
    }
    return NULL;
}

static const char *check_clips(apr_pool_t *p, const json_t *params, double duration_s)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(params, "clips"), i, c)
    {
        double start = miq_json_num(c, "start", 0), end = miq_json_num(c, "end", 0);
        if (end <= start)
            return apr_psprintf(p, "params.clips[%lu]: end (%.3f) must be after start (%.3f)",
                                (unsigned long)i, end, start);
        if (duration_s > 0 && end > duration_s + TIME_SLACK_S)
            return apr_psprintf(p,
                                "params.clips[%lu]: end (%.3f) is past the end of the "
                                "media (%.3f s)",
                                (unsigned long)i, end, duration_s);
    }
    return NULL;
}

const char *miq_endpoints_check_params(apr_pool_t *p, const miq_endpoint *e, const json_t *params,
                                       double duration_s)
{
    json_t *schema = miq_endpoints_params_schema(p, e);
    json_t *empty = miq_json_pool(p, json_object());
    const char *err;
    if (!params || json_is_null(params))
        params = empty;
    if (!schema)
        return "internal: endpoint schema does not parse";
    err = check_value(p, "params", schema, params);
    if (err)
        return err;
    if (!strcmp(e->name, "video/frames"))
        return check_frames(p, params, duration_s);
    if (!strcmp(e->name, "video/clips"))
        return check_clips(p, params, duration_s);
    return NULL;
}

const char *miq_endpoints_json(apr_pool_t *p, const json_t *v, int style)
{
    size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15);
    char *s;
    const char *r;
    flags |= style == 0 ? JSON_COMPACT : style == 2 ? JSON_INDENT(2) : 0;
    s = json_dumps(v, flags);
    r = apr_pstrdup(p, s ? s : "null");
    free(s);
    return r;
}
