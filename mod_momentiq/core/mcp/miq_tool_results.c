/* A handler's context, building tool results and recording events: what a
 * handler gets and returns (miq_tool.h), independent of the protocol era.
 * Apart from miq_mcp.c so that miq_tasks.c can run handlers without a
 * dependency circle. */
#include <apr_strings.h>
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"

miq_tool_ctx *miq_mcp_tool_ctx(miq_mcp_call *c)
{
    miq_tool_ctx *ctx = apr_pcalloc(c->pool, sizeof(*ctx));
    ctx->pool = c->pool;
    ctx->srv = c->srv;
    ctx->caller = c->caller;
    ctx->protocol_version = c->protocol_version;
    ctx->call = c;
    ctx->db = c->db;
    ctx->storage_dir = c->storage_dir;
    ctx->uploads = c->uploads;
    ctx->file_url_ttl_s = c->file_url_ttl_s;
    return ctx;
}

/* ---- results ---------------------------------------------------------- */

static json_t *text_item(const char *text)
{
    return json_pack("{s:s,s:s}", "type", "text", "text", text ? text : "");
}

json_t *miq_tool_ok(miq_tool_ctx *ctx, json_t *structured, const char *text)
{
    json_t *r = json_object(), *content = json_array();
    if (!text && structured)
        text = miq_json_dump(ctx->pool, structured);
    json_array_append_new(content, text_item(text));
    json_object_set_new(r, "content", content);
    if (structured)
        json_object_set(r, "structuredContent", structured);
    return miq_json_pool(ctx->pool, r);
}

json_t *miq_tool_content(miq_tool_ctx *ctx, json_t *content, json_t *structured)
{
    json_t *r = json_object();
    if (content)
        json_object_set(r, "content", content);
    else
        json_object_set_new(r, "content", json_array());
    if (structured)
        json_object_set(r, "structuredContent", structured);
    return miq_json_pool(ctx->pool, r);
}

json_t *miq_tool_fail(miq_tool_ctx *ctx, const char *code, const char *message)
{
    json_t *r = json_object(), *content = json_array();
    json_array_append_new(content,
                          text_item(apr_psprintf(ctx->pool, "Error %s: %s", code, message)));
    json_object_set_new(r, "content", content);
    json_object_set_new(r, "structuredContent",
                        json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
    json_object_set_new(r, "isError", json_true());
    return miq_json_pool(ctx->pool, r);
}

void miq_tool_event(miq_tool_ctx *ctx, const char *kind, const char *code, const char *detail)
{
    miq_mcp_call *c = ctx->call;
    json_t *e = json_pack("{s:s}", "kind", kind);
    if (code)
        json_object_set_new(e, "code", json_string(code));
    if (detail)
        json_object_set_new(e, "detail", json_string(detail));
    if (!c->events)
        c->events = miq_json_pool(c->pool, json_array());
    json_array_append_new(c->events, e);
}

json_t *miq_tool_rpc_error(miq_tool_ctx *ctx, int code, const char *message, json_t *data)
{
    json_t *e = json_pack("{s:i,s:s}", "code", code, "message", message);
    if (data)
        json_object_set(e, "data", data);
    ctx->call->rpc_error = miq_json_pool(ctx->pool, e);
    return NULL;
}
