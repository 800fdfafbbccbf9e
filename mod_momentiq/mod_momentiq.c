/* Module record and hooks: the route table's translate_name and handler
 * (mod_momentiq_routes.c), the log bridge into error_log, and building the
 * MCP server once the configuration is read. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_routes.h"
#include "mod_momentiq_worker.h"
#include "mod_momentiq_metrics.h"
#include "mod_momentiq_status.h"
#include "base/miq_log.h"

static server_rec *log_server;

static void log_to_httpd(const char *file, int line, miq_log_level_e level, apr_status_t rv,
                         void *baton, const char *msg)
{
    (void)baton;
    ap_log_error(file, line, APLOG_MODULE_INDEX, (int)level, rv, log_server, "%s", msg);
}

static int log_enabled(void *baton, miq_log_level_e level)
{
    (void)baton;
    return APLOG_IS_LEVEL(log_server, (int)level);
}

/* Our URIs have no file behind them: skip the directory walk. */
static int miq_map_to_storage(request_rec *r)
{
    if (r->handler && !strcmp(r->handler, MIQ_HANDLER))
        return OK;
    return DECLINED;
}

static int miq_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *v;
    (void)plog;
    (void)ptemp;
    log_server = s;
    miq_log_set(log_to_httpd, log_enabled, NULL);
    for (v = s; v; v = v->next) {
        miq_srv_conf *sc = miq_conf(v);
        const char *err;
        if (sc->enabled != 1)
            continue;
        if ((err = miq_conf_finish(pconf, v, sc))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, v, MIQLOGNO(10901) "MomentIQ: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    miq_metrics_post_config(pconf, s);
    return miq_worker_start(pconf, s);
}

/* Runs before mod_dbd's post_config so every catalog statement is prepared on
 * each pooled connection. */
static int miq_post_config_dbd(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                               server_rec *s)
{
    server_rec *v;
    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (v = s; v; v = v->next)
        if (miq_conf(v)->enabled == 1)
            miq_db_prepare_all(v);
    return OK;
}

static void miq_child_init(apr_pool_t *pchild, server_rec *s)
{
    miq_record_child_init(pchild, s);
}

static void miq_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = {"mod_dbd.c", NULL};
    (void)p;
    ap_hook_post_config(miq_post_config_dbd, NULL, before_dbd, APR_HOOK_FIRST);
    ap_hook_post_config(miq_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(miq_child_init, NULL, NULL, APR_HOOK_LAST);
    ap_hook_translate_name(miq_route_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(miq_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(miq_route_handler, NULL, NULL, APR_HOOK_MIDDLE);
    miq_metrics_register_hooks();
    miq_status_register_hooks();
}

/* Not AP_DECLARE_MODULE: mod_momentiq_private.h already says APLOG_USE_MODULE. */
module AP_MODULE_DECLARE_DATA momentiq_module = {STANDARD20_MODULE_STUFF,
                                                 miq_create_dir_conf, /* dir config */
                                                 miq_merge_dir_conf,  /* merge dir config */
                                                 miq_create_srv_conf, /* server config */
                                                 miq_merge_srv_conf,  /* merge server config */
                                                 miq_directives,      /* directives */
                                                 miq_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
                                                 AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};
