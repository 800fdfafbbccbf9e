/* Assembles the MCP server: product defaults, the public tools and, for the
 * conformance suites, the fixture set. The composition root of the core. */
#ifndef MIQ_SERVER_BUILD_H
#define MIQ_SERVER_BUILD_H

#include "base/miq_server.h"
#include "billing/miq_pricing.h"

/* A server with product defaults, the public tools registered and, when
 * fixtures is set, the conformance fixture set. pricing may be NULL for the
 * default table. Returns NULL or an error. */
const char *miq_server_build(apr_pool_t *p, const char *base_url, miq_pricing *pricing,
                             const unsigned char *state_key, apr_size_t key_len, int fixtures,
                             miq_server **out);

#endif
