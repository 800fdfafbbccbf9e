/* The MCP request log (mcp_requests), written off the request path: each
 * child queues records in memory and a background thread writes them in
 * batches (one INSERT ... SELECT FROM unnest() round trip per batch) every
 * 250 ms, and at child exit. A record is lost only if the child crashes in
 * that window. Queued records are this child's own: no other child needs them. */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_thread_mutex.h>
#include <apr_thread_cond.h>
#include "mod_momentiq.h"

APLOG_USE_MODULE(momentiq);

#define QUEUE_CAP 8192
#define BATCH_MAX 1024
#define NFIELDS 13

typedef struct {
    char *f[NFIELDS]; /* text of each column, malloc'd */
} rec_t;

static struct {
    apr_thread_mutex_t *mu;
    apr_thread_cond_t *cv;
    rec_t *buf;
    int n;
    int stop;
    unsigned long dropped;
    apr_thread_t *thread;
    server_rec *s;
} q;

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

void miq_record_push(const miq_request_record *r)
{
    rec_t *e;
    char at[64];
    if (!q.mu)
        return;
    apr_thread_mutex_lock(q.mu);
    if (q.n >= QUEUE_CAP) {
        q.dropped++;
        apr_thread_mutex_unlock(q.mu);
        return;
    }
    e = &q.buf[q.n++];
    apr_snprintf(at, sizeof(at), "%" APR_TIME_T_FMT, r->at);
    e->f[0] = strdup(at); /* microseconds since the epoch, converted at flush */
    e->f[1] = dup_or_null(r->era);
    e->f[2] = dup_or_null(r->protocol_version);
    e->f[3] = dup_or_null(r->http_method);
    e->f[4] = dup_or_null(r->rpc_method);
    e->f[5] = dup_or_null(r->tool);
    e->f[6] = dup_or_null(r->client_name);
    e->f[7] = dup_or_null(r->session_id);
    e->f[8] = dup_or_null(r->caller);
    apr_snprintf(at, sizeof(at), "%d", r->http_status);
    e->f[9] = strdup(at);
    e->f[10] = dup_or_null(r->outcome ? r->outcome : "ok");
    e->f[11] = dup_or_null(r->error_code);
    apr_snprintf(at, sizeof(at), "%.3f", r->latency_ms);
    e->f[12] = strdup(at);
    if (q.n >= BATCH_MAX)
        apr_thread_cond_signal(q.cv);
    apr_thread_mutex_unlock(q.mu);
}

static void free_recs(rec_t *recs, int n)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < NFIELDS; j++)
            free(recs[i].f[j]);
}

/* Writes n records; returns 0 on success. */
static int write_batch(apr_pool_t *p, rec_t *recs, int n)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(p, q.s) : NULL;
    const char *args[NFIELDS];
    const char **col = apr_palloc(p, sizeof(char *) * n);
    apr_dbd_prepared_t *ps;
    int i, j, nrows = 0, rv;
    if (!dbd)
        return -1;
    ps = apr_hash_get(dbd->prepared, miq_sql_get(MIQ_SQL_REQUEST_RECORD_BATCH)->label,
                      APR_HASH_KEY_STRING);
    if (!ps) {
        dbd_close(q.s, dbd);
        return -1;
    }
    for (j = 0; j < NFIELDS; j++) {
        for (i = 0; i < n; i++)
            col[i] = recs[i].f[j];
        args[j] = miq_sql_array_literal(p, col, n);
    }
    /* Column 0 holds epoch microseconds: turn them into timestamps. */
    {
        char **ts = apr_palloc(p, sizeof(char *) * n);
        for (i = 0; i < n; i++) {
            apr_time_exp_t t;
            apr_time_exp_gmt(&t, (apr_time_t)apr_atoi64(recs[i].f[0]));
            ts[i] = apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", t.tm_year + 1900,
                                 t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                                 t.tm_usec);
        }
        args[0] = miq_sql_array_literal(p, (const char *const *)ts, n);
    }
    rv = apr_dbd_pquery(dbd->driver, p, dbd->handle, &nrows, ps, NFIELDS, args);
    if (rv)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, q.s, APLOGNO(10910)
                     "MomentIQ: writing %d request records failed: %s", n,
                     apr_dbd_error(dbd->driver, dbd->handle, rv));
    dbd_close(q.s, dbd);
    return rv ? -1 : 0;
}

static void *APR_THREAD_FUNC flusher(apr_thread_t *thd, void *data)
{
    apr_pool_t *p;
    rec_t *batch = calloc(BATCH_MAX, sizeof(rec_t));
    int stop = 0;
    (void)data;
    apr_pool_create(&p, NULL);
    while (!stop) {
        int n;
        unsigned long dropped;
        apr_thread_mutex_lock(q.mu);
        if (!q.n && !q.stop)
            apr_thread_cond_timedwait(q.cv, q.mu, apr_time_from_msec(250));
        n = q.n < BATCH_MAX ? q.n : BATCH_MAX;
        memcpy(batch, q.buf, sizeof(rec_t) * n);
        memmove(q.buf, q.buf + n, sizeof(rec_t) * (q.n - n));
        q.n -= n;
        stop = q.stop && q.n == 0;
        dropped = q.dropped;
        q.dropped = 0;
        apr_thread_mutex_unlock(q.mu);
        if (dropped)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, q.s, APLOGNO(10911)
                         "MomentIQ: request log queue full, %lu records dropped", dropped);
        if (n) {
            write_batch(p, batch, n);
            free_recs(batch, n);
            apr_pool_clear(p);
        }
    }
    free(batch);
    apr_pool_destroy(p);
    apr_thread_exit(thd, APR_SUCCESS);
    return NULL;
}

static apr_status_t record_child_exit(void *data)
{
    apr_status_t rv;
    (void)data;
    if (!q.thread)
        return APR_SUCCESS;
    apr_thread_mutex_lock(q.mu);
    q.stop = 1;
    apr_thread_cond_signal(q.cv);
    apr_thread_mutex_unlock(q.mu);
    apr_thread_join(&rv, q.thread);
    q.thread = NULL;
    free_recs(q.buf, q.n);
    free(q.buf);
    q.buf = NULL;
    q.mu = NULL;
    return APR_SUCCESS;
}

void miq_record_child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *v;
    int wanted = 0;
    for (v = s; v; v = v->next)
        if (miq_conf(v)->enabled == 1 && miq_conf(v)->record_requests == 1)
            wanted = 1;
    if (!wanted)
        return;
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open || !dbd_close)
        return;
    q.s = s;
    q.buf = calloc(QUEUE_CAP, sizeof(rec_t));
    if (!q.buf || apr_thread_mutex_create(&q.mu, APR_THREAD_MUTEX_DEFAULT, pchild) ||
        apr_thread_cond_create(&q.cv, pchild) ||
        apr_thread_create(&q.thread, NULL, flusher, NULL, pchild)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10912)
                     "MomentIQ: cannot start the request log writer");
        q.mu = NULL;
        return;
    }
    /* Registered after mod_dbd's child_init: runs before its pool cleanup. */
    apr_pool_cleanup_register(pchild, NULL, record_child_exit, apr_pool_cleanup_null);
}
