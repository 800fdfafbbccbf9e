/* Mcp-Param-* headers a tools/call must carry (see miq_param_headers.h). */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "mcp/miq_param_headers.h"
#include "mcp/miq_registry.h"

static const char *header_text(apr_pool_t *p, const json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return apr_psprintf(p, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return miq_json_dump(p, v);
}

apr_array_header_t *miq_param_headers(apr_pool_t *p, const miq_server *srv, const miq_rpc_msg *msg)
{
    const miq_tool_entry *e;
    json_t *props, *prop, *args;
    const char *key;
    apr_array_header_t *out = NULL;
    if (!msg->method || strcmp(msg->method, "tools/call") || !srv->registry)
        return NULL;
    e = miq_registry_tool(srv->registry, miq_json_str(msg->params, "name", ""));
    if (!e)
        return NULL;
    props = json_object_get(e->input_schema, "properties");
    args = json_object_get(msg->params, "arguments");
    json_object_foreach(props, key, prop)
    {
        const char *name = miq_json_str(prop, "x-mcp-header", NULL);
        miq_param_header *h;
        if (!name || !*name)
            continue;
        if (!out)
            out = apr_array_make(p, 2, sizeof(miq_param_header));
        h = apr_array_push(out);
        h->header = apr_pstrcat(p, "Mcp-Param-", name, NULL);
        h->value = header_text(p, json_is_object(args) ? json_object_get(args, key) : NULL);
    }
    return out;
}
