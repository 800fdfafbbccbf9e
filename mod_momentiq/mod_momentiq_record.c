/* The MCP request log (mcp_requests) and auth events (auth_events), written
 * off the request path: each
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
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_dbd.h"
#include "db/miq_sql.h"
#include "base/miq_text.h"
#include "ops/miq_request_log.h"

#define QUEUE_CAP 65536
#define BATCH_MAX 4096
#define NFIELDS   14

typedef struct {
    miq_sql_id_e stmt; /* MIQ_SQL_REQUEST_RECORD_BATCH or MIQ_SQL_AUTH_EVENTS_BATCH */
    int nf;            /* columns used */
    char *f[NFIELDS];  /* text of each column, malloc'd; f[0] is the time in epoch µs */
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
    int log_months; /* MomentIQRequestLogMonths of the first enabled server */
} q;

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close;

/* A field as the database will take it: text that is not UTF-8 (a client's
 * header bytes) is replaced, so one record can never make PostgreSQL refuse a
 * whole batch of other users' records. */
static char *dup_or_null(const char *s)
{
    if (!s || !*s)
        return NULL;
    return strdup(miq_text_utf8_valid(s, strlen(s)) ? s : "(not UTF-8)");
}

/* Takes a queue slot (lock held on success); NULL when the queue is full. */
static rec_t *slot(miq_sql_id_e stmt, int nf)
{
    rec_t *e;
    if (!q.mu)
        return NULL;
    apr_thread_mutex_lock(q.mu);
    if (q.n >= QUEUE_CAP) {
        q.dropped++;
        apr_thread_mutex_unlock(q.mu);
        return NULL;
    }
    e = &q.buf[q.n++];
    memset(e, 0, sizeof(*e));
    e->stmt = stmt;
    e->nf = nf;
    return e;
}

static void release(void)
{
    if (q.n >= BATCH_MAX)
        apr_thread_cond_signal(q.cv);
    apr_thread_mutex_unlock(q.mu);
}

/* Readiness warnings repeat on every account read: each (token, warning) is
 * recorded at most once per WARNING_EVERY per child, which is plenty for the
 * admin counts and keeps the log from doubling every call's cost. The table
 * only thins out logging; losing it loses nothing another child needs. */
#define WARNING_SLOTS 4096
#define WARNING_EVERY apr_time_from_sec(600)
static struct {
    apr_uint32_t hash;
    apr_time_t at;
} warned[WARNING_SLOTS];

static int recently_warned(const char *token_id, const char *account_id, const char *code)
{
    apr_uint32_t h = 2166136261u;
    const char *parts[3] = {token_id ? token_id : "", account_id ? account_id : "",
                            code ? code : ""},
               *c;
    apr_time_t now = apr_time_now();
    int i, seen;
    for (i = 0; i < 3; i++) {
        for (c = parts[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        h = (h ^ 0xff) * 16777619u;
    }
    i = (int)(h % WARNING_SLOTS);
    seen = warned[i].hash == h && now - warned[i].at < WARNING_EVERY;
    if (!seen) {
        warned[i].hash = h;
        warned[i].at = now;
    }
    return seen;
}

void miq_event_push(const char *kind, const char *code, const char *account_id,
                    const char *token_id, const char *surface, const char *detail)
{
    char at[32];
    rec_t *e;
    if (!q.mu)
        return;
    if (!strcmp(kind, "readiness_warning")) {
        int seen;
        apr_thread_mutex_lock(q.mu);
        seen = recently_warned(token_id, account_id, code);
        apr_thread_mutex_unlock(q.mu);
        if (seen)
            return;
    }
    e = slot(MIQ_SQL_AUTH_EVENTS_BATCH, 7);
    if (!e)
        return;
    apr_snprintf(at, sizeof(at), "%" APR_TIME_T_FMT, apr_time_now());
    e->f[0] = strdup(at);
    e->f[1] = dup_or_null(kind);
    e->f[2] = dup_or_null(code);
    e->f[3] = dup_or_null(account_id);
    e->f[4] = dup_or_null(token_id);
    e->f[5] = dup_or_null(surface);
    e->f[6] = dup_or_null(detail);
    release();
}

void miq_record_push(const miq_request_record *r)
{
    char at[64];
    rec_t *e = slot(MIQ_SQL_REQUEST_RECORD_BATCH, NFIELDS);
    if (!e)
        return;
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
    e->f[13] = dup_or_null(r->traceparent);
    release();
}

static void free_recs(rec_t *recs, int n)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < recs[i].nf; j++)
            free(recs[i].f[j]);
}

/* Writes the n records of one statement (all of recs[] with that stmt). */
static int write_stmt(apr_pool_t *p, ap_dbd_t *dbd, miq_sql_id_e stmt, rec_t *recs, int n)
{
    const char *args[NFIELDS];
    const char **col = apr_palloc(p, sizeof(char *) * n);
    char **ts = apr_palloc(p, sizeof(char *) * n);
    const char *err = NULL;
    int i, j, k, m = 0, nf = 0, nrows = 0, rv;
    for (i = 0; i < n; i++)
        if (recs[i].stmt == stmt) {
            nf = recs[i].nf;
            m++;
        }
    if (!m)
        return 0;
    for (j = 0; j < nf; j++) {
        for (i = 0, k = 0; i < n; i++) {
            if (recs[i].stmt != stmt)
                continue;
            if (j == 0) { /* epoch microseconds -> timestamptz literal */
                apr_time_exp_t t;
                apr_time_exp_gmt(&t, (apr_time_t)apr_atoi64(recs[i].f[0]));
                ts[k] = apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", t.tm_year + 1900,
                                     t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                                     t.tm_usec);
                col[k] = ts[k];
            }
            else
                col[k] = recs[i].f[j];
            k++;
        }
        args[j] = miq_sql_array_literal(p, col, m);
    }
    rv = miq_dbd_run(dbd, p, stmt, nf, args, &nrows, NULL, &err);
    if (rv && m > 1) {
        /* one bad record must not lose the others: write them one by one */
        int failed = 0;
        for (i = 0; i < n; i++)
            if (recs[i].stmt == stmt && write_stmt(p, dbd, stmt, recs + i, 1))
                failed++;
        return failed ? -1 : 0;
    }
    if (rv)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, q.s,
                     MIQLOGNO(10910) "MomentIQ: writing %d %s records failed: %s", m,
                     miq_sql_get(stmt)->label, err);
    return rv ? -1 : 0;
}

static void write_batch(apr_pool_t *p, rec_t *recs, int n)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(p, q.s) : NULL;
    if (!dbd)
        return;
    write_stmt(p, dbd, MIQ_SQL_REQUEST_RECORD_BATCH, recs, n);
    write_stmt(p, dbd, MIQ_SQL_AUTH_EVENTS_BATCH, recs, n);
    dbd_close(q.s, dbd);
}

/* The request log's monthly partitions: this month's and the next two exist
 * before a row needs them, and months past MomentIQRequestLogMonths go
 * (sql/016_reports.sql). Every child tries hourly; the database lets one
 * at a time do it and the others return at once. */
#define MAINTAIN_EVERY apr_time_from_sec(3600)
static void maintain_partitions(apr_pool_t *p)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(p, q.s) : NULL;
    const char *args[2] = {apr_itoa(p, MIQ_REQUEST_LOG_MONTHS_AHEAD), apr_itoa(p, q.log_months)},
               *err = NULL;
    apr_array_header_t *rows;
    int i, ncols;
    if (!dbd)
        return;
    rows = miq_dbd_select(dbd, p, MIQ_SQL_REQUESTS_MAINTAIN, 2, args, &ncols, &err);
    if (!rows)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, q.s,
                     MIQLOGNO(11602) "MomentIQ: request log partition maintenance failed: %s", err);
    for (i = 0; rows && ncols >= 2 && i < rows->nelts; i++)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, q.s,
                     MIQLOGNO(11603) "MomentIQ: request log partition %s %s",
                     APR_ARRAY_IDX(rows, i, const char **)[1],
                     APR_ARRAY_IDX(rows, i, const char **)[0]);
    dbd_close(q.s, dbd);
}

static void *APR_THREAD_FUNC flusher(apr_thread_t *thd, void *data)
{
    apr_pool_t *p;
    rec_t *batch = calloc(BATCH_MAX, sizeof(rec_t));
    int stop = 0;
    apr_time_t maintained = 0;
    (void)data;
    apr_pool_create(&p, NULL);
    while (!stop) {
        if (apr_time_now() - maintained > MAINTAIN_EVERY) {
            maintained = apr_time_now();
            maintain_partitions(p);
            apr_pool_clear(p);
        }
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
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, q.s,
                         MIQLOGNO(10911) "MomentIQ: request log queue full, %lu records dropped",
                         dropped);
        if (n) {
            write_batch(p, batch, n);
            free_recs(batch, n);
            apr_pool_clear(p);
        }
    }
    free(batch);
    apr_pool_destroy(p);
    (void)thd; /* returns instead of apr_thread_exit(): ASan misreports pthread_exit */
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
    /* Auth events are always recorded; the request log can be turned off. */
    for (v = s; v; v = v->next)
        if (miq_conf(v)->enabled == 1 && !wanted++)
            q.log_months = miq_conf(v)->request_log_months;
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
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     MIQLOGNO(10912) "MomentIQ: cannot start the request log writer");
        q.mu = NULL;
        return;
    }
    /* Registered after mod_dbd's child_init: runs before its pool cleanup. */
    apr_pool_cleanup_register(pchild, NULL, record_child_exit, apr_pool_cleanup_null);
}
