#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_log.h"
#include "mcp/miq_registry.h"

#define N_SCOPE_SETS 16

struct miq_registry {
    apr_pool_t *pool;
    apr_array_header_t *tools; /* miq_tool_entry* */
    apr_hash_t *tool_by_name;
    apr_array_header_t *resources; /* miq_resource_def* */
    apr_array_header_t *prompts;   /* miq_prompt_def* */
    apr_hash_t *template_completions;
    apr_hash_t *resource_meta; /* uri -> json_t* */
    int sealed;
    const char *tools_anon;
    const char *tools_by_scope[N_SCOPE_SETS];
    const char *resources_json, *templates_json, *prompts_json;
};

typedef struct {
    miq_complete_fn *fn;
    const void *baton;
} completion_t;

miq_registry *miq_registry_create(apr_pool_t *p)
{
    miq_registry *reg = apr_pcalloc(p, sizeof(*reg));
    reg->pool = p;
    reg->tools = apr_array_make(p, 32, sizeof(miq_tool_entry *));
    reg->tool_by_name = apr_hash_make(p);
    reg->resources = apr_array_make(p, 16, sizeof(miq_resource_def *));
    reg->prompts = apr_array_make(p, 16, sizeof(miq_prompt_def *));
    reg->template_completions = apr_hash_make(p);
    reg->resource_meta = apr_hash_make(p);
    return reg;
}

static int valid_tool_name(const char *n)
{
    size_t i, len = n ? strlen(n) : 0;
    if (len < 1 || len > 128)
        return 0;
    for (i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static json_t *parse_schema(const char *text, const char **err, apr_pool_t *p)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        *err = apr_psprintf(p, "%s (line %d)", je.text, je.line);
        return NULL;
    }
    miq_json_pool(p, v); /* lives as long as the registry */
    if (!json_is_object(v) || strcmp(miq_json_str(v, "type", ""), "object")) {
        *err = "schema must be an object with \"type\": \"object\"";
        return NULL;
    }
    return v;
}

static json_t *security_schemes(const miq_tool_def *def)
{
    json_t *arr = json_array();
    if (!def->scopes && !def->needs_auth) {
        json_array_append_new(arr, json_pack("{s:s}", "type", "noauth"));
    }
    else {
        json_t *scopes = json_array();
        if (def->scopes & MIQ_SCOPE_ALL)
            json_array_append_new(scopes, json_string("all"));
        if (def->scopes & MIQ_SCOPE_VIDEO)
            json_array_append_new(scopes, json_string("video/*"));
        if (def->scopes & MIQ_SCOPE_AUDIO)
            json_array_append_new(scopes, json_string("audio/*"));
        if (def->scopes & MIQ_SCOPE_TIMELINE)
            json_array_append_new(scopes, json_string("timeline/*"));
        json_array_append_new(arr, json_pack("{s:s,s:o}", "type", "oauth2", "scopes", scopes));
    }
    return arr;
}

static json_t *tool_listing(const miq_tool_def *def, json_t *in, json_t *out)
{
    json_t *t = json_object(), *ann = json_object();
    json_object_set_new(t, "name", json_string(def->name));
    if (def->title)
        json_object_set_new(t, "title", json_string(def->title));
    json_object_set_new(t, "description", json_string(def->description ? def->description : ""));
    json_object_set(t, "inputSchema", in);
    if (out)
        json_object_set(t, "outputSchema", out);
    if (def->title)
        json_object_set_new(ann, "title", json_string(def->title));
    json_object_set_new(ann, "readOnlyHint", json_boolean(def->annotations & MIQ_ANN_READONLY));
    json_object_set_new(ann, "destructiveHint",
                        json_boolean(def->annotations & MIQ_ANN_DESTRUCTIVE));
    json_object_set_new(ann, "idempotentHint", json_boolean(def->annotations & MIQ_ANN_IDEMPOTENT));
    json_object_set_new(ann, "openWorldHint", json_boolean(def->annotations & MIQ_ANN_OPENWORLD));
    json_object_set_new(t, "annotations", ann);
    json_object_set_new(t, "securitySchemes", security_schemes(def));
    return t;
}

const char *miq_registry_add_tool(miq_registry *reg, const miq_tool_def *def)
{
    const char *err = NULL;
    miq_tool_entry *e;
    if (reg->sealed)
        return "registry is sealed";
    if (!valid_tool_name(def->name))
        return apr_psprintf(reg->pool, "invalid tool name '%s'", def->name ? def->name : "");
    if (apr_hash_get(reg->tool_by_name, def->name, APR_HASH_KEY_STRING))
        return apr_psprintf(reg->pool, "tool '%s' registered twice", def->name);
    if (!def->call)
        return apr_psprintf(reg->pool, "tool '%s' has no handler", def->name);
    e = apr_pcalloc(reg->pool, sizeof(*e));
    e->def = def;
    e->input_schema = parse_schema(def->input_schema ? def->input_schema : "{\"type\":\"object\"}",
                                   &err, reg->pool);
    if (!e->input_schema)
        return apr_psprintf(reg->pool, "tool '%s' inputSchema: %s", def->name, err);
    if (def->output_schema) {
        e->output_schema = parse_schema(def->output_schema, &err, reg->pool);
        if (!e->output_schema)
            return apr_psprintf(reg->pool, "tool '%s' outputSchema: %s", def->name, err);
    }
    e->listing = miq_json_pool(reg->pool, tool_listing(def, e->input_schema, e->output_schema));
    APR_ARRAY_PUSH(reg->tools, miq_tool_entry *) = e;
    apr_hash_set(reg->tool_by_name, def->name, APR_HASH_KEY_STRING, e);
    return NULL;
}

const char *miq_registry_set_task(miq_registry *reg, const char *tool, const miq_task_def *def)
{
    miq_tool_entry *e = apr_hash_get(reg->tool_by_name, tool, APR_HASH_KEY_STRING);
    if (reg->sealed)
        return "registry is sealed";
    if (!e || !def || (def->support != MIQ_TASK_OPTIONAL && def->support != MIQ_TASK_REQUIRED))
        return apr_psprintf(reg->pool, "task support for '%s': no such tool or bad support", tool);
    e->task = def;
    json_object_set_new(e->listing, "execution",
                        json_pack("{s:s}", "taskSupport",
                                  def->support == MIQ_TASK_REQUIRED ? "required" : "optional"));
    return NULL;
}

const char *miq_registry_add_resource(miq_registry *reg, const miq_resource_def *def)
{
    int i;
    if (reg->sealed)
        return "registry is sealed";
    if (!def->uri || !*def->uri || !def->name || !def->read)
        return "resource needs a uri, a name and a reader";
    for (i = 0; i < reg->resources->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(reg->resources, i, miq_resource_def *)->uri, def->uri))
            return apr_psprintf(reg->pool, "resource '%s' registered twice", def->uri);
    APR_ARRAY_PUSH(reg->resources, const miq_resource_def *) = def;
    return NULL;
}

const char *miq_registry_add_prompt(miq_registry *reg, const miq_prompt_def *def)
{
    if (reg->sealed)
        return "registry is sealed";
    if (!def->name || !*def->name || !def->get)
        return "prompt needs a name and a handler";
    if (miq_registry_prompt(reg, def->name))
        return apr_psprintf(reg->pool, "prompt '%s' registered twice", def->name);
    APR_ARRAY_PUSH(reg->prompts, const miq_prompt_def *) = def;
    return NULL;
}

static json_t *meta_object(miq_registry *reg, const char *meta, const char **err)
{
    json_t *m = meta ? miq_json_parse(reg->pool, meta, strlen(meta), NULL) : NULL;
    *err = json_is_object(m) ? NULL : "_meta must be a JSON object";
    return *err ? NULL : m;
}

const char *miq_registry_set_tool_meta(miq_registry *reg, const char *tool, const char *meta)
{
    miq_tool_entry *e = tool ? apr_hash_get(reg->tool_by_name, tool, APR_HASH_KEY_STRING) : NULL;
    const char *err;
    json_t *m;
    if (reg->sealed)
        return "registry is sealed";
    if (!e)
        return apr_psprintf(reg->pool, "no tool '%s' to set _meta on", tool ? tool : "");
    if (!(m = meta_object(reg, meta, &err)))
        return apr_psprintf(reg->pool, "tool '%s': %s", tool, err);
    json_object_set(e->listing, "_meta", m);
    return NULL;
}

const char *miq_registry_set_resource_meta(miq_registry *reg, const char *uri, const char *meta)
{
    const char *err;
    json_t *m;
    int i, found = 0;
    if (reg->sealed)
        return "registry is sealed";
    for (i = 0; uri && i < reg->resources->nelts; i++)
        found |= !strcmp(APR_ARRAY_IDX(reg->resources, i, miq_resource_def *)->uri, uri);
    if (!found)
        return apr_psprintf(reg->pool, "no resource '%s' to set _meta on", uri ? uri : "");
    if (!(m = meta_object(reg, meta, &err)))
        return apr_psprintf(reg->pool, "resource '%s': %s", uri, err);
    apr_hash_set(reg->resource_meta, apr_pstrdup(reg->pool, uri), APR_HASH_KEY_STRING, m);
    return NULL;
}

const char *miq_registry_add_template_completion(miq_registry *reg, const char *uri_template,
                                                 miq_complete_fn *fn, const void *baton)
{
    completion_t *c = apr_palloc(reg->pool, sizeof(*c));
    if (reg->sealed)
        return "registry is sealed";
    c->fn = fn;
    c->baton = baton;
    apr_hash_set(reg->template_completions, apr_pstrdup(reg->pool, uri_template),
                 APR_HASH_KEY_STRING, c);
    return NULL;
}

int miq_tool_visible(const miq_tool_def *def, int authenticated, unsigned scopes)
{
    if (!def->scopes && !def->needs_auth)
        return 1;
    if (!authenticated)
        return 1; /* anonymous callers see what signing in would unlock */
    if (!def->scopes)
        return 1;
    return (scopes & MIQ_SCOPE_ALL) || (scopes & def->scopes);
}

static const char *dump_tools(miq_registry *reg, apr_pool_t *tmp, int authenticated,
                              unsigned scopes)
{
    json_t *arr = miq_json_pool(tmp, json_array());
    const char *s;
    int i;
    for (i = 0; i < reg->tools->nelts; i++) {
        miq_tool_entry *e = APR_ARRAY_IDX(reg->tools, i, miq_tool_entry *);
        if (miq_tool_visible(e->def, authenticated, scopes))
            json_array_append(arr, e->listing);
    }
    s = miq_json_dump(reg->pool, arr);
    return s;
}

const char *miq_registry_seal(miq_registry *reg, const char *base_url)
{
    apr_pool_t *tmp; /* the JSON built here is only serialized: freed at the end */
    json_t *res, *tpl, *pr;
    unsigned s;
    int i;
    (void)base_url;
    if (apr_pool_create(&tmp, reg->pool) != APR_SUCCESS)
        return "out of memory";
    res = miq_json_pool(tmp, json_array());
    tpl = miq_json_pool(tmp, json_array());
    pr = miq_json_pool(tmp, json_array());
    reg->tools_anon = dump_tools(reg, tmp, 0, 0);
    for (s = 0; s < N_SCOPE_SETS; s++)
        reg->tools_by_scope[s] = dump_tools(reg, tmp, 1, s);
    for (i = 0; i < reg->resources->nelts; i++) {
        const miq_resource_def *d = APR_ARRAY_IDX(reg->resources, i, const miq_resource_def *);
        json_t *o = json_object();
        json_object_set_new(o, d->is_template ? "uriTemplate" : "uri", json_string(d->uri));
        json_object_set_new(o, "name", json_string(d->name));
        if (d->title)
            json_object_set_new(o, "title", json_string(d->title));
        if (d->description)
            json_object_set_new(o, "description", json_string(d->description));
        if (d->mime_type)
            json_object_set_new(o, "mimeType", json_string(d->mime_type));
        if (apr_hash_get(reg->resource_meta, d->uri, APR_HASH_KEY_STRING))
            json_object_set(o, "_meta",
                            apr_hash_get(reg->resource_meta, d->uri, APR_HASH_KEY_STRING));
        json_array_append_new(d->is_template ? tpl : res, o);
    }
    for (i = 0; i < reg->prompts->nelts; i++) {
        const miq_prompt_def *d = APR_ARRAY_IDX(reg->prompts, i, const miq_prompt_def *);
        json_t *o = json_object(), *args = json_array();
        const miq_prompt_arg *a;
        json_object_set_new(o, "name", json_string(d->name));
        if (d->title)
            json_object_set_new(o, "title", json_string(d->title));
        if (d->description)
            json_object_set_new(o, "description", json_string(d->description));
        for (a = d->args; a && a->name; a++) {
            json_t *ja = json_pack("{s:s,s:b}", "name", a->name, "required", a->required);
            if (a->description)
                json_object_set_new(ja, "description", json_string(a->description));
            json_array_append_new(args, ja);
        }
        json_object_set_new(o, "arguments", args);
        json_array_append_new(pr, o);
    }
    reg->resources_json = miq_json_dump(reg->pool, res);
    reg->templates_json = miq_json_dump(reg->pool, tpl);
    reg->prompts_json = miq_json_dump(reg->pool, pr);
    apr_pool_destroy(tmp);
    reg->sealed = 1;
    return NULL;
}

const miq_tool_entry *miq_registry_tool(const miq_registry *reg, const char *name)
{
    return name ? apr_hash_get(reg->tool_by_name, name, APR_HASH_KEY_STRING) : NULL;
}

const apr_array_header_t *miq_registry_tools(const miq_registry *reg)
{
    return reg->tools;
}

const apr_array_header_t *miq_registry_resources(const miq_registry *reg)
{
    return reg->resources;
}

const apr_array_header_t *miq_registry_prompts(const miq_registry *reg)
{
    return reg->prompts;
}

const miq_prompt_def *miq_registry_prompt(const miq_registry *reg, const char *name)
{
    int i;
    for (i = 0; name && i < reg->prompts->nelts; i++) {
        const miq_prompt_def *d = APR_ARRAY_IDX(reg->prompts, i, const miq_prompt_def *);
        if (!strcmp(d->name, name))
            return d;
    }
    return NULL;
}

/* Backtracking match of literal text and {var} placeholders. */
static int tmpl_match(apr_pool_t *p, const char *t, const char *u, apr_table_t *vars)
{
    while (*t && *t != '{') {
        if (*t != *u)
            return 0;
        t++;
        u++;
    }
    if (!*t)
        return !*u;
    {
        const char *close = strchr(t, '}');
        const char *name, *end;
        if (!close)
            return 0;
        name = apr_pstrndup(p, t + 1, close - t - 1);
        /* Longest match first: "{endpoint}/{language}" must take "audio/silence". */
        for (end = u + strlen(u); end > u; end--) {
            if (tmpl_match(p, close + 1, end, vars)) {
                apr_table_set(vars, name, apr_pstrndup(p, u, end - u));
                return 1;
            }
        }
    }
    return 0;
}

int miq_uri_template_match(apr_pool_t *p, const char *tmpl, const char *uri, apr_table_t **vars)
{
    apr_table_t *v = apr_table_make(p, 4);
    if (!tmpl || !uri || !*uri)
        return 0;
    if (!tmpl_match(p, tmpl, uri, v))
        return 0;
    if (vars)
        *vars = v;
    return 1;
}

const miq_resource_def *miq_registry_resource_for(const miq_registry *reg, const char *uri)
{
    apr_pool_t *tmp;
    const miq_resource_def *found = NULL;
    int i;
    for (i = 0; uri && i < reg->resources->nelts; i++) {
        const miq_resource_def *d = APR_ARRAY_IDX(reg->resources, i, const miq_resource_def *);
        if (!d->is_template && !strcmp(d->uri, uri))
            return d;
    }
    if (!uri || apr_pool_create(&tmp, reg->pool) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < reg->resources->nelts && !found; i++) {
        const miq_resource_def *d = APR_ARRAY_IDX(reg->resources, i, const miq_resource_def *);
        if (d->is_template && miq_uri_template_match(tmp, d->uri, uri, NULL))
            found = d;
    }
    apr_pool_destroy(tmp);
    return found;
}

miq_complete_fn *miq_registry_template_completion(const miq_registry *reg, const char *uri_template,
                                                  const void **baton)
{
    completion_t *c = uri_template ? apr_hash_get(reg->template_completions, uri_template,
                                                  APR_HASH_KEY_STRING)
                                   : NULL;
    if (!c)
        return NULL;
    if (baton)
        *baton = c->baton;
    return c->fn;
}

const char *miq_registry_tools_json(const miq_registry *reg, int authenticated, unsigned scopes)
{
    return authenticated ? reg->tools_by_scope[scopes & (N_SCOPE_SETS - 1)] : reg->tools_anon;
}

const char *miq_registry_resources_json(const miq_registry *reg)
{
    return reg->resources_json;
}

const char *miq_registry_templates_json(const miq_registry *reg)
{
    return reg->templates_json;
}

const char *miq_registry_prompts_json(const miq_registry *reg)
{
    return reg->prompts_json;
}
