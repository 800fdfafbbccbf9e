/* MCP dispatch for both protocol eras, independent of httpd.
 *
 * The glue turns an HTTP request into a miq_mcp_call (plain values plus an
 * I/O vtable for streaming and for waiting on client answers), calls
 * miq_mcp_dispatch, and writes what comes back. Era rules:
 *  - 2026-07-28: stateless; every request carries _meta with the protocol
 *    version, client capabilities and client info; server/discover; results
 *    carry resultType; client input through input_required + requestState.
 *  - 2025-11-25 / 2025-06-18 / 2025-03-26: initialize + Mcp-Session-Id;
 *    client input through server-to-client requests on the SSE response. */
#ifndef MIQ_MCP_H
#define MIQ_MCP_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "mcp/miq_jsonrpc.h"
#include "base/miq_server.h"
#include "mcp/miq_tool.h"

typedef enum { MIQ_ERA_NONE = 0, MIQ_ERA_2025, MIQ_ERA_2026 } miq_era_e;

#define MIQ_PROTO_2026        "2026-07-28"
#define MIQ_PROTO_LATEST_2025 "2025-11-25"

/* Versions this server speaks, newest first (NULL-terminated). */
extern const char *const miq_mcp_versions[];
int miq_mcp_version_supported(const char *v);
miq_era_e miq_mcp_version_era(const char *v);
/* The JSON array of supported versions (pool-bound). */
json_t *miq_mcp_versions_json(apr_pool_t *p);

typedef struct miq_mcp_io {
    void *baton;
    /* Streams one JSON-RPC message to the client (the glue switches the
     * response to SSE on first use and flushes each event). 0 on success. */
    int (*emit)(void *baton, const char *json);
    /* 2025 era: waits for the client's response to our request id. Returns 1
     * with *response (the JSON-RPC response object), 0 on timeout, -1 error. */
    int (*await)(void *baton, const char *request_id, int timeout_ms, apr_pool_t *p,
                 json_t **response);
    /* 2025 era: persists logging/setLevel for the session. 0 on success. */
    int (*set_log_level)(void *baton, int level);
} miq_mcp_io;

typedef struct miq_mcp_call {
    /* inputs */
    apr_pool_t *pool;
    const miq_server *srv;
    const miq_caller *caller;
    const miq_mcp_io *io;
    const miq_rpc_msg *msg;
    miq_era_e era;
    const char *protocol_version; /* 2025: the session's; 2026: from _meta */
    const char *session_id;       /* 2025 */
    json_t *client_caps;          /* 2025: stored at initialize; 2026: from _meta */
    int log_level;                /* 2025: the session's level (miq_mcp_level_e) */
    apr_time_t now;
    const miq_db *db;        /* for authenticated tools (jobs); NULL without a database */
    const char *storage_dir; /* MomentIQStorageDir */
    const struct miq_upload_conf *uploads; /* upload limits (miq_uploads.h), or NULL */
    int file_url_ttl_s;                    /* signed /files/ URL lifetime */

    /* outputs */
    int http_status;        /* 200 unless the era's rules say otherwise */
    const char *tool;       /* tools/call name, for the request log */
    const char *outcome;    /* ok | tool_error | rpc_error */
    const char *error_code; /* JSON-RPC code or product error code */
    /* initialize (2025): the version to store with the new session */
    const char *init_version;
    const char *client_name, *client_version;
    json_t *events; /* [{kind, code, detail}] for the glue to record, or NULL */

    /* dispatch internals */
    json_t *progress_token;
    json_t *input_responses;  /* 2026: answers the client sent, by key */
    json_t *pending_requests; /* 2026: questions still open, by key */
    json_t *answered;         /* 2026: keys whose answers the handler used */
    int asked;                /* requests sent to the client (2025), for ids */
    json_t *rpc_error;        /* set by miq_tool_rpc_error */
    int task_working;         /* set by miq_tool_task_working */
} miq_mcp_call;

/* A tool context for a request being served (miq_tasks runs task steps). */
miq_tool_ctx *miq_mcp_tool_ctx(miq_mcp_call *c);

/* Serves one JSON-RPC request (msg->kind == MIQ_MSG_REQUEST). Returns the
 * serialized response message; sets http_status, outcome and error_code. */
const char *miq_mcp_dispatch(miq_mcp_call *c);

/* 2026 era: reads _meta from the request params into c (era, version, client
 * caps, client info, log level), checking in the order the spec's probes
 * expect: _meta present (-32602), header agrees (-32020), version supported
 * (-32022 with data {supported, requested}). Returns NULL or the message. */
const char *miq_mcp_read_meta(miq_mcp_call *c, const char *header_version, int *code,
                              json_t **data);

/* Whether the method needs the 2026 Mcp-Name header and what it must be. */
const char *miq_mcp_name_for(apr_pool_t *p, const miq_rpc_msg *msg);

/* Builds the server/discover result and the 2025 InitializeResult. */
json_t *miq_mcp_capabilities(apr_pool_t *p, const miq_server *srv, miq_era_e era);
json_t *miq_mcp_server_info(apr_pool_t *p, const miq_server *srv);

/* 1 when s has the shape of a session id this server issues (64 lowercase
 * hex digits); anything else is an unknown session, never looked up. */
int miq_mcp_session_id_ok(const char *s);

#endif
