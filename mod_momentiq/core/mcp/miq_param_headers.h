/* Custom request headers (SEP-2243): a tool's input schema may mark a
 * property with "x-mcp-header": "<Name>"; a 2026-07-28 client then mirrors
 * the argument in the HTTP header Mcp-Param-<Name>, and the server checks
 * the header against the body before it runs anything. */
#ifndef MIQ_PARAM_HEADERS_H
#define MIQ_PARAM_HEADERS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "mcp/miq_jsonrpc.h"
#include "base/miq_server.h"

typedef struct miq_param_header {
    const char *header; /* "Mcp-Param-<Name>" */
    const char *value;  /* what the body gives it as header text, NULL when absent */
} miq_param_header;

/* The headers a tools/call must carry (miq_param_header items), or NULL
 * when the message is not a tools/call of a known tool with such properties.
 * Strings are the value itself; numbers and booleans their JSON text. */
apr_array_header_t *miq_param_headers(apr_pool_t *p, const miq_server *srv, const miq_rpc_msg *msg);

#endif
