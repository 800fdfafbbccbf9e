/* GET-only public documents (mod_momentiq_discovery.c); the route table
 * answers other methods and the CORS preflight. */
#ifndef MOD_MOMENTIQ_DISCOVERY_H
#define MOD_MOMENTIQ_DISCOVERY_H

#include <httpd.h>

int miq_doc_mcp(request_rec *r);                /* GET /mcp (from mod_momentiq_mcp.c) */
int miq_doc_manifest(request_rec *r);           /* /mcp/manifest */
int miq_doc_status(request_rec *r);             /* /mcp/status: one database round trip */
int miq_doc_wellknown(request_rec *r);          /* /.well-known/mcp(.json) */
int miq_doc_as_metadata(request_rec *r);        /* RFC 8414 and OpenID discovery */
int miq_doc_protected_resource(request_rec *r); /* RFC 9728 */

#endif
