/* The live counters: one anonymous shared memory segment made by the parent
 * in the process pool (so it outlives graceful restarts, which re-read the
 * configuration but keep the process) and inherited by every child; counts
 * are atomic adds in core/ops/miq_metrics.c. Requests are counted in
 * log_transaction, once each, by surface and status. /metrics is served
 * where MomentIQMetrics is On (a <Location>; keep it local or behind auth). */
#include <string.h>
#include <stdlib.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_metrics.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_routes.h"
#include "ops/miq_trace.h"

#define SHM_KEY "momentiq-metrics-shm"

int miq_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    (void)pconf;
    apr_pool_userdata_get((void **)&shm, SHM_KEY, proc);
    if (!shm) {
        rv = apr_shm_create(&shm, miq_metrics_size(), NULL, proc);
        if (rv != APR_SUCCESS) {
            /* the server runs without live counters rather than not at all */
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         MIQLOGNO(11601) "MomentIQ: no shared memory for the live counters");
            miq_metrics_attach(NULL);
            return OK;
        }
        apr_pool_userdata_set(shm, SHM_KEY, apr_pool_cleanup_null, proc);
    }
    miq_metrics_attach(apr_shm_baseaddr_get(shm));
    return OK;
}

static int count_request(request_rec *r)
{
    request_rec *last = r;
    if (!r->handler || strcmp(r->handler, MIQ_HANDLER))
        return DECLINED;
    while (last->next)
        last = last->next;
    miq_metrics_request(miq_metrics_surface(r->uri), last->status);
    return DECLINED;
}

/* The counters sql/020 keeps; NULL when they cannot be read (an older schema). */
static const apr_array_header_t *read_totals(request_rec *r, ap_dbd_t *dbd)
{
    int ncols = 0, i;
    apr_array_header_t *rows = miq_db_rows(r, dbd, MIQ_SQL_METRIC_TOTALS, 0, NULL, &ncols), *out;
    if (!rows || ncols < 4)
        return NULL;
    out = apr_array_make(r->pool, rows->nelts, sizeof(miq_metric_total));
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        miq_metric_total *t = apr_array_push(out);
        t->metric = row[0] ? row[0] : "";
        t->label1 = row[1] ? row[1] : "";
        t->label2 = row[2] ? row[2] : "";
        t->value = row[3] ? atof(row[3]) : 0;
    }
    return out;
}

void miq_metrics_read_db(request_rec *r, miq_metrics_db *db)
{
    const char **row;
    int ncols;
    ap_dbd_t *dbd;
    memset(db, 0, sizeof(*db));
    if (miq_conf(r->server)->enabled != 1 || !(dbd = miq_dbd_open(r)))
        return;
    if (miq_db_row(r, dbd, MIQ_SQL_METRICS_DB, 0, NULL, &row, &ncols) == 1 && ncols >= 12) {
        db->ok = 1;
        db->queued = apr_atoi64(row[0]);
        db->running = apr_atoi64(row[1]);
        db->oldest_queued_s = atof(row[2]);
        db->workers_alive = apr_atoi64(row[3]);
        db->last_heartbeat_s = atof(row[4]);
        db->jobs_24h_succeeded = apr_atoi64(row[5]);
        db->jobs_24h_failed = apr_atoi64(row[6]);
        db->jobs_24h_canceled = apr_atoi64(row[7]);
        db->credits_charged_24h = apr_atoi64(row[8]);
        db->webhooks_pending = apr_atoi64(row[9]);
        db->webhooks_failed_24h = apr_atoi64(row[10]);
        db->webhook_oldest_pending_s = atof(row[11]);
        db->totals = read_totals(r, dbd);
    }
    miq_dbd_close(r, dbd);
}

static int metrics_handler(request_rec *r)
{
    miq_metrics_db db;
    if (miq_dconf(r)->metrics != 1)
        return DECLINED;
    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    miq_metrics_read_db(r, &db);
    ap_set_content_type(r, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only)
        ap_rputs(miq_metrics_openmetrics(r->pool, &db), r);
    return OK;
}

const char *miq_request_traceparent(request_rec *r, const char *meta_value)
{
    char *tp = apr_palloc(r->pool, MIQ_TRACEPARENT_LEN + 1);
    const char *h;
    if (meta_value && !miq_traceparent_parse(meta_value, tp))
        return tp;
    h = apr_table_get(r->headers_in, "traceparent");
    if (h && !miq_traceparent_parse(h, tp))
        return tp;
    return NULL;
}

void miq_metrics_register_hooks(void)
{
    ap_hook_handler(metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(count_request, NULL, NULL, APR_HOOK_MIDDLE);
}
