/* JSON-RPC 2.0 messages as MCP uses them: one message per HTTP body (batches
 * are refused), ids are strings or integers, params an object. */
#ifndef MIQ_JSONRPC_H
#define MIQ_JSONRPC_H

#include <apr_pools.h>
#include <jansson.h>

#define MIQ_RPC_PARSE_ERROR        (-32700)
#define MIQ_RPC_INVALID_REQUEST    (-32600)
#define MIQ_RPC_METHOD_NOT_FOUND   (-32601)
#define MIQ_RPC_INVALID_PARAMS     (-32602)
#define MIQ_RPC_INTERNAL_ERROR     (-32603)
#define MIQ_RPC_RESOURCE_NOT_FOUND (-32002)
#define MIQ_RPC_RATE_LIMITED       (-32029) /* implementation-defined server error: 429 */
/* 2026-07-28 transport errors */
#define MIQ_RPC_HEADER_MISMATCH     (-32020)
#define MIQ_RPC_MISSING_CAPABILITY  (-32021)
#define MIQ_RPC_UNSUPPORTED_VERSION (-32022)

typedef enum { MIQ_MSG_REQUEST, MIQ_MSG_NOTIFICATION, MIQ_MSG_RESPONSE } miq_msg_kind_e;

typedef struct miq_rpc_msg {
    miq_msg_kind_e kind;
    json_t *raw;        /* the whole message (pool-bound) */
    json_t *id;         /* borrowed from raw; NULL for notifications */
    const char *method; /* requests and notifications */
    json_t *params;     /* object or NULL */
    json_t *result;     /* responses */
    json_t *error;      /* error responses */
} miq_rpc_msg;

/* Parses one message. Returns NULL, or an error message with *code set to
 * -32700 (not JSON) or -32600 (not a valid JSON-RPC message, batch). When the
 * message is an invalid request with a usable id, out->id is still set. */
const char *miq_rpc_parse(apr_pool_t *p, const char *body, apr_size_t len, miq_rpc_msg *out,
                          int *code);

/* {"jsonrpc":"2.0","id":id,"result":result}; steals result. id NULL -> null. */
json_t *miq_rpc_result(apr_pool_t *p, const json_t *id, json_t *result);
/* {"jsonrpc":"2.0","id":id,"error":{code,message,data?}}; steals data. */
json_t *miq_rpc_error(apr_pool_t *p, const json_t *id, int code, const char *message, json_t *data);
/* The id as text for logs and correlation ("7", "\"abc\""). */
const char *miq_rpc_id_text(apr_pool_t *p, const json_t *id);

#endif
