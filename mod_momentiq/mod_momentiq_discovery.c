/* GET-only public documents: discovery, manifest, status, well-known. The
 * route table (mod_momentiq_routes.c) answers their CORS preflight and 405. */
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
    json_t *st = json_pack("{s:s,s:s,s:b}", "service", sc->mcp->name, "version", sc->mcp->version,
                           "database_reachable", got == 1);
    miq_json_pool(r->pool, st);
    if (got == 1 && row[0] && row[1] && row[2] && row[3]) {
        long age = atol(row[0]), oldest = atol(row[3]);
        json_object_set_new(st, "workers", json_integer(atol(row[1])));
        json_object_set_new(st, "worker_heartbeat_age_s",
                            age >= 0 ? json_integer(age) : json_null());
        json_object_set_new(st, "queue_depth", json_integer(atol(row[2])));
        json_object_set_new(st, "oldest_queued_job_age_s",
                            oldest >= 0 ? json_integer(oldest) : json_null());
    }
    json_object_set_new(st, "status", json_string(got == 1 ? "ok" : "degraded"));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, got == 1 ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE,
                         miq_json_dump(r->pool, st));
}

int miq_doc_mcp(request_rec *r)
{
    return send_doc(r, miq_discovery_mcp(r->pool, miq_conf(r->server)->mcp));
}

int miq_doc_manifest(request_rec *r)
{
    return send_doc(r, miq_discovery_manifest(r->pool, miq_conf(r->server)->mcp));
}

int miq_doc_status(request_rec *r)
{
    return send_status(r, miq_conf(r->server));
}

int miq_doc_wellknown(request_rec *r)
{
    return send_doc(r, miq_discovery_wellknown(r->pool, miq_conf(r->server)->mcp));
}

int miq_doc_as_metadata(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    return send_doc(r, miq_oauth_as_metadata(r->pool, sc->base_url, sc->oauth->dcr == 1,
                                             sc->oauth->cimd == 1));
}

int miq_doc_protected_resource(request_rec *r)
{
    return send_doc(r, miq_discovery_protected_resource(r->pool, miq_conf(r->server)->mcp));
}
