/* What a tool, resource or prompt handler can do while it runs: read the
 * caller and the server, report progress, send log messages, ask the client
 * for input (elicitation, sampling, roots), and build results. */
#ifndef MIQ_TOOL_H
#define MIQ_TOOL_H

#include <apr_pools.h>
#include <jansson.h>
#include "db/miq_db.h"
#include "base/miq_caller.h"
#include "mcp/miq_registry.h"
#include "base/miq_server.h"

struct miq_upload_conf; /* miq_uploads.h */

struct miq_tool_ctx {
    apr_pool_t *pool;
    const miq_server *srv;
    const miq_caller *caller;     /* never NULL; account_id NULL when anonymous */
    const char *protocol_version; /* negotiated revision */
    struct miq_mcp_call *call;    /* the JSON-RPC request being served (dispatch internals) */
    const miq_db *db;             /* the request's database, NULL when there is none */
    const char *storage_dir;      /* MomentIQStorageDir */
    const struct miq_upload_conf *uploads; /* upload limits (momentiq.create_upload), or NULL */
    int file_url_ttl_s;                    /* signed /files/ URL lifetime */
    const struct miq_task_view *task;      /* the task being advanced, or NULL */
};

/* What a task step sees of its task (Tasks extension, see miq_tasks.h). */
typedef struct miq_task_view {
    const char *id;
    const json_t *state;  /* what task_begin returned */
    long long elapsed_ms; /* since the task was created, by the database's clock */
} miq_task_view;

/* A task step that is not done yet: the task stays working. Returns NULL. */
json_t *miq_tool_task_working(miq_tool_ctx *ctx);

/* MCP log levels (RFC 5424 names). */
typedef enum {
    MIQ_MCP_DEBUG = 0,
    MIQ_MCP_INFO,
    MIQ_MCP_NOTICE,
    MIQ_MCP_WARNING,
    MIQ_MCP_ERROR,
    MIQ_MCP_CRITICAL,
    MIQ_MCP_ALERT,
    MIQ_MCP_EMERGENCY,
    MIQ_MCP_OFF /* 2026 default: nothing is sent unless _meta asks */
} miq_mcp_level_e;

const char *miq_mcp_level_name(miq_mcp_level_e l);
int miq_mcp_level_parse(const char *name); /* -1 when unknown */

/* notifications/progress, when the request carried a progressToken. */
void miq_tool_progress(miq_tool_ctx *ctx, double progress, double total, const char *message);
/* notifications/message, when the level passes the session's logging level. */
void miq_tool_log(miq_tool_ctx *ctx, miq_mcp_level_e level, const char *logger, json_t *data);

/* Asks the client (method "elicitation/create", "sampling/createMessage",
 * "roots/list"). key names the question so a 2026 round trip can find its
 * answer. Returns 1 with *result (the client's result object) when answered;
 * 0 when the answer must come in a later request (2026: the dispatcher turns
 * this into input_required; the handler returns NULL); -1 with *result set to
 * an error object {code,message} when the client refused, lacks the capability
 * or timed out. */
int miq_tool_ask(miq_tool_ctx *ctx, const char *key, const char *method, json_t *params,
                 json_t **result);

/* A successful CallToolResult: structured content plus its text rendering.
 * text NULL renders structured as JSON. */
json_t *miq_tool_ok(miq_tool_ctx *ctx, json_t *structured, const char *text);
/* A CallToolResult with explicit content items (fixtures, images, audio). */
json_t *miq_tool_content(miq_tool_ctx *ctx, json_t *content, json_t *structured);
/* isError result: {"error":{"code","message"}} structured, with the text. */
json_t *miq_tool_fail(miq_tool_ctx *ctx, const char *code, const char *message);
/* Records an event for the admin views (kind "readiness_warning",
 * "connector_scope_denied", ...); the glue writes it after the call. */
void miq_tool_event(miq_tool_ctx *ctx, const char *kind, const char *code, const char *detail);

/* Makes the request fail with a JSON-RPC error instead of a tool result. */
json_t *miq_tool_rpc_error(miq_tool_ctx *ctx, int code, const char *message, json_t *data);

#endif
