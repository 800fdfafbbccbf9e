/* GET-only public documents: discovery, manifest, status, well-known (and
 * the browsers' CORS preflight for them). */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_discovery.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_oauth_conf.h"
#include "tools/miq_discovery.h"
#include "base/miq_json.h"

static int send_doc(request_rec *r, json_t *doc)
{
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, doc));
}

/* Health: one database round trip (also reads the worker heartbeat). */
static int send_status(request_rec *r, miq_srv_conf *sc)
{
    ap_dbd_t *dbd = miq_dbd(r);
    const char **row = NULL;
    int ncols = 0, got = dbd ? miq_db_row(r, dbd, MIQ_SQL_STATUS, 0, NULL, &row, &ncols) : -1;
    json_t *st = json_pack("{s:s,s:s,s:b}", "service", sc->mcp->name, "version",
                           sc->mcp->version, "database_reachable", got == 1);
    miq_json_pool(r->pool, st);
    if (got == 1 && row[0] && row[1] && row[2] && row[3]) {
        long age = atol(row[0]), oldest = atol(row[3]);
        json_object_set_new(st, "workers", json_integer(atol(row[1])));
        json_object_set_new(st, "worker_heartbeat_age_s", age >= 0 ? json_integer(age)
                                                                   : json_null());
        json_object_set_new(st, "queue_depth", json_integer(atol(row[2])));
        json_object_set_new(st, "oldest_queued_job_age_s",
                            oldest >= 0 ? json_integer(oldest) : json_null());
    }
    json_object_set_new(st, "status", json_string(got == 1 ? "ok" : "degraded"));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, got == 1 ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE,
                         miq_json_dump(r->pool, st));
}

int miq_handle_discovery(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *u = r->uri;
    if (r->method_number == M_OPTIONS) {
        /* Browser clients (MCP Inspector, web agents) send MCP-Protocol-Version
         * on metadata fetches, which makes the browser ask first. */
        apr_table_setn(r->headers_out, "Allow", "GET, OPTIONS");
        apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
        apr_table_setn(r->headers_out, "Access-Control-Allow-Methods", "GET");
        apr_table_setn(r->headers_out, "Access-Control-Allow-Headers",
                       "MCP-Protocol-Version, Authorization, Content-Type");
        apr_table_setn(r->headers_out, "Access-Control-Max-Age", "600");
        return miq_send_json(r, HTTP_NO_CONTENT, NULL);
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "this resource only answers GET");
    }
    if (!strcmp(u, "/mcp") || !strcmp(u, "/mcp/"))
        return send_doc(r, miq_discovery_mcp(r->pool, sc->mcp));
    if (!strcmp(u, "/mcp/manifest"))
        return send_doc(r, miq_discovery_manifest(r->pool, sc->mcp));
    if (!strcmp(u, "/mcp/status"))
        return send_status(r, sc);
    if (!strcmp(u, "/.well-known/mcp.json") || !strcmp(u, "/.well-known/mcp"))
        return send_doc(r, miq_discovery_wellknown(r->pool, sc->mcp));
    if (!strncmp(u, "/.well-known/oauth-authorization-server", 39) ||
        !strncmp(u, "/.well-known/openid-configuration", 33))
        return send_doc(r, miq_oauth_as_metadata(r->pool, sc->base_url, sc->oauth->dcr == 1,
                                                 sc->oauth->cimd == 1));
    if (!strncmp(u, "/.well-known/oauth-protected-resource", 37))
        return send_doc(r, miq_discovery_protected_resource(r->pool, sc->mcp));
    return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
}
