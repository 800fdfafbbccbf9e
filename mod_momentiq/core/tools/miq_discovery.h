/* The public discovery documents: GET /mcp, /mcp/manifest,
 * /.well-known/mcp.json and the RFC 9728 protected resource metadata. */
#ifndef MIQ_DISCOVERY_H
#define MIQ_DISCOVERY_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_server.h"

json_t *miq_discovery_mcp(apr_pool_t *p, const miq_server *srv);
json_t *miq_discovery_manifest(apr_pool_t *p, const miq_server *srv);
json_t *miq_discovery_wellknown(apr_pool_t *p, const miq_server *srv);
json_t *miq_discovery_protected_resource(apr_pool_t *p, const miq_server *srv);

#endif
