#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "mcp/miq_jsonrpc.h"

static int valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

const char *miq_rpc_parse(apr_pool_t *p, const char *body, apr_size_t len, miq_rpc_msg *out,
                          int *code)
{
    const char *perr = NULL;
    json_t *v, *jv, *m;
    memset(out, 0, sizeof(*out));
    *code = 0;
    if (!body || !len) {
        *code = MIQ_RPC_PARSE_ERROR;
        return "empty body: expected one JSON-RPC 2.0 message";
    }
    v = miq_json_parse(p, body, len, &perr);
    if (!v) {
        *code = MIQ_RPC_PARSE_ERROR;
        return apr_psprintf(p, "body is not valid JSON: %s", perr);
    }
    out->raw = v;
    if (json_is_array(v)) {
        *code = MIQ_RPC_INVALID_REQUEST;
        return "JSON-RPC batches are not supported: send one message per request";
    }
    if (!json_is_object(v)) {
        *code = MIQ_RPC_INVALID_REQUEST;
        return "a JSON-RPC message must be a JSON object";
    }
    jv = json_object_get(v, "id");
    if (jv && valid_id(jv))
        out->id = jv;
    if (!json_is_string(json_object_get(v, "jsonrpc")) ||
        strcmp(json_string_value(json_object_get(v, "jsonrpc")), "2.0")) {
        *code = MIQ_RPC_INVALID_REQUEST;
        return "\"jsonrpc\" must be \"2.0\"";
    }
    m = json_object_get(v, "method");
    if (m) {
        if (!json_is_string(m) || !*json_string_value(m)) {
            *code = MIQ_RPC_INVALID_REQUEST;
            return "\"method\" must be a non-empty string";
        }
        out->method = json_string_value(m);
        out->params = json_object_get(v, "params");
        if (out->params && json_is_null(out->params))
            out->params = NULL;
        if (out->params && !json_is_object(out->params)) {
            *code = MIQ_RPC_INVALID_REQUEST;
            return "\"params\" must be an object";
        }
        if (!jv) {
            out->kind = MIQ_MSG_NOTIFICATION;
            return NULL;
        }
        if (!valid_id(jv)) {
            *code = MIQ_RPC_INVALID_REQUEST;
            return "\"id\" must be a string or an integer";
        }
        out->kind = MIQ_MSG_REQUEST;
        return NULL;
    }
    out->result = json_object_get(v, "result");
    out->error = json_object_get(v, "error");
    if ((out->result || out->error) && jv && valid_id(jv) && !(out->result && out->error)) {
        if (out->error && !json_is_object(out->error)) {
            *code = MIQ_RPC_INVALID_REQUEST;
            return "\"error\" must be an object";
        }
        out->kind = MIQ_MSG_RESPONSE;
        return NULL;
    }
    *code = MIQ_RPC_INVALID_REQUEST;
    return "not a JSON-RPC request, notification or response: \"method\" is missing";
}

json_t *miq_rpc_result(apr_pool_t *p, const json_t *id, json_t *result)
{
    json_t *o = json_object();
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    json_object_set_new(o, "id", id ? json_deep_copy(id) : json_null());
    json_object_set_new(o, "result", result ? result : json_object());
    return miq_json_pool(p, o);
}

json_t *miq_rpc_error(apr_pool_t *p, const json_t *id, int code, const char *message, json_t *data)
{
    json_t *o = json_object(), *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "message", json_string(message ? message : "error"));
    if (data)
        json_object_set_new(e, "data", data);
    json_object_set_new(o, "jsonrpc", json_string("2.0"));
    /* No readable id: leave it out (MCP's schema has no null ids). */
    if (id)
        json_object_set_new(o, "id", json_deep_copy(id));
    json_object_set_new(o, "error", e);
    return miq_json_pool(p, o);
}

const char *miq_rpc_id_text(apr_pool_t *p, const json_t *id)
{
    if (!id)
        return "null";
    return miq_json_dump(p, id);
}
