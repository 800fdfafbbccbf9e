/* JSON built and read in a test's pool, and JSON-RPC over POST /mcp in both
 * MCP eras: the 2025 session handshake and the 2026 per-request _meta and
 * headers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "it_support.h"

/* ---- JSON ------------------------------------------------------------------------ */

json_t *it_json(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(itp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "\n  bad test JSON (%s): %s\n", err, text);
    return v;
}

json_t *it_jsonf(const char *fmt, ...)
{
    va_list ap;
    const char *s;
    va_start(ap, fmt);
    s = apr_pvsprintf(itp, fmt, ap);
    va_end(ap);
    return it_json(s);
}

const char *it_dump(const json_t *v)
{
    return v ? miq_json_dump(itp, v) : "(null)";
}

const char *it_quote(const char *s)
{
    return miq_json_dump(itp, miq_json_pool(itp, json_string(s)));
}

json_t *it_find_by_name(const json_t *array, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(array, i, t)
    {
        if (!strcmp(miq_json_str(t, "name", ""), name))
            return t;
    }
    return NULL;
}

/* ---- JSON-RPC / MCP ------------------------------------------------------------------ */

static long id_counter = 1;

long it_next_id(void)
{
    return id_counter++;
}

const char *it_rpc_body(const char *method, const json_t *params, long id)
{
    json_t *m = json_object();
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set_new(m, "id", json_integer(id < 0 ? it_next_id() : id));
    json_object_set_new(m, "method", json_string(method));
    if (params)
        json_object_set(m, "params", (json_t *)params);
    miq_json_pool(itp, m);
    return miq_json_dump(itp, m);
}

long it_body_id(const char *body)
{
    json_t *j = it_json(body);
    return (long)miq_json_int(j, "id", -1);
}

const char *const *it_mcp_headers(const char *const *extra)
{
    static const char *const base[] = {"Content-Type: application/json",
                                       "Accept: application/json, text/event-stream", NULL};
    return it_concat_headers(base, extra);
}

it_resp *it_post(const char *const *extra, const char *body)
{
    return it_request("POST", "/mcp", it_mcp_headers(extra), body, strlen(body));
}

const char *mcp_2025_session_ex(const char *version, const char *client_name, json_t *caps,
                                it_resp **init)
{
    json_t *params = json_pack("{s:s,s:O,s:{s:s,s:s}}", "protocolVersion",
                               version ? version : IT_V2025, "capabilities",
                               caps ? caps
                                    : miq_json_packp(itp, "{s:{},s:{}}", "sampling", "elicitation"),
                               "clientInfo", "name", client_name ? client_name : IT_CLIENT,
                               "version", "1.0.0");
    it_resp *r;
    const char *sid, *neg;
    const char *hdr[3];
    miq_json_pool(itp, params);
    r = it_post(NULL, it_rpc_body("initialize", params, -1));
    if (init)
        *init = r;
    sid = it_header(r, "Mcp-Session-Id");
    if (r->status != 200 || !sid) {
        it_show("initialize failed", r);
        return NULL;
    }
    neg = miq_json_str(it_result(r), "protocolVersion", IT_V2025);
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    hdr[1] = apr_pstrcat(itp, "MCP-Protocol-Version: ", neg, NULL);
    hdr[2] = NULL;
    r = it_post(hdr, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (r->status != 202)
        it_show("notifications/initialized was not accepted", r);
    return apr_pstrdup(itp, sid);
}

const char *mcp_2025_session(void)
{
    return mcp_2025_session_ex(NULL, NULL, NULL, NULL);
}

it_resp *mcp_2025_call_ex(const char *sid, const char *method, const json_t *params,
                          const char *const *extra)
{
    const char *hdr[3] = {NULL, "MCP-Protocol-Version: " IT_V2025, NULL};
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid ? sid : "", NULL);
    return it_post(it_concat_headers(hdr, extra), it_rpc_body(method, params, -1));
}

it_resp *mcp_2025_call(const char *sid, const char *method, const json_t *params)
{
    return mcp_2025_call_ex(sid, method, params, NULL);
}

json_t *mcp_2026_params(const json_t *params)
{
    json_t *p = params ? json_deep_copy(params) : json_object();
    json_t *meta = json_object_get(p, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(p, "_meta", meta);
    }
    if (!json_object_get(meta, "io.modelcontextprotocol/protocolVersion"))
        json_object_set_new(meta, "io.modelcontextprotocol/protocolVersion", json_string(IT_V2026));
    if (!json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))
        json_object_set_new(meta, "io.modelcontextprotocol/clientCapabilities",
                            json_pack("{s:{},s:{},s:{s:b}}", "sampling", "elicitation", "roots",
                                      "listChanged", 1));
    if (!json_object_get(meta, "io.modelcontextprotocol/clientInfo"))
        json_object_set_new(meta, "io.modelcontextprotocol/clientInfo",
                            json_pack("{s:s,s:s}", "name", IT_CLIENT, "version", "1.0.0"));
    return miq_json_pool(itp, p);
}

const char *const *mcp_2026_headers(const char *method, const json_t *params,
                                    const char *const *extra)
{
    const char *hdr[4] = {"MCP-Protocol-Version: " IT_V2026, NULL, NULL, NULL};
    const char *name = NULL;
    hdr[1] = apr_pstrcat(itp, "Mcp-Method: ", method, NULL);
    if (!strcmp(method, "tools/call") || !strcmp(method, "prompts/get"))
        name = miq_json_str(params, "name", NULL);
    else if (!strcmp(method, "resources/read"))
        name = miq_json_str(params, "uri", NULL);
    else if (!strncmp(method, "tasks/", 6))
        name = miq_json_str(params, "taskId", NULL);
    /* "Name;" is how libcurl sends a header with an empty value */
    if (name)
        hdr[2] = *name ? apr_pstrcat(itp, "Mcp-Name: ", name, NULL) : "Mcp-Name;";
    return it_concat_headers(hdr, extra);
}

it_resp *mcp_2026_call(const char *method, const json_t *params)
{
    json_t *p = mcp_2026_params(params);
    return it_post(mcp_2026_headers(method, p, NULL), it_rpc_body(method, p, -1));
}

json_t *it_result(const it_resp *r)
{
    json_t *v = r ? json_object_get(r->rpc, "result") : NULL;
    return json_is_object(v) ? v : NULL;
}

json_t *it_error(const it_resp *r)
{
    json_t *v = r ? json_object_get(r->rpc, "error") : NULL;
    return json_is_object(v) ? v : NULL;
}

long it_error_code(const it_resp *r)
{
    return (long)miq_json_int(it_error(r), "code", 0);
}

int it_id_is(const it_resp *r, long id)
{
    json_t *v = r ? json_object_get(r->rpc, "id") : NULL;
    return json_is_integer(v) && json_integer_value(v) == id;
}
