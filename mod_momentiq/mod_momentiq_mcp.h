/* /mcp and /mcp/: JSON-RPC over Streamable HTTP (mod_momentiq_mcp.c). */
#ifndef MOD_MOMENTIQ_MCP_H
#define MOD_MOMENTIQ_MCP_H

#include <httpd.h>

/* Checks Host and Origin, then every method itself (GET, POST, DELETE, OPTIONS). */
int miq_handle_mcp(request_rec *r);

#endif
