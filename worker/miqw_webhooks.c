/* The webhook delivery threads (see miqw_webhooks.h). Woken by LISTEN
 * miq_webhooks (a trigger notifies when it writes the outbox), with a poll
 * every second for retries that come due. */
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <libpq-fe.h>
#include "base/miq_file.h"
#include "base/miq_server.h"
#include "db/miq_apr_db.h"
#include "db/miq_db.h"
#include "webhooks/miq_webhooks.h"
#include "miqw_webhooks.h"

typedef struct hook_thread {
    const miqw_webhooks_cfg *cfg;
    const miq_server *srv;
    volatile sig_atomic_t *stopping;
} hook_thread;

static void report(const char *line)
{
    char ts[APR_RFC822_DATE_LEN];
    apr_rfc822_date(ts, apr_time_now());
    fprintf(stderr, "[%s] momentiq-worker: %s\n", ts, line);
}

static apr_array_header_t *db_query(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                    const char *const *args, int *ncols, const char **err)
{
    return miq_apr_db_select_stmt(baton, p, id, nargs, (const char **)args, ncols, err);
}

/* Waits up to a second for a NOTIFY on miq_webhooks. */
static void wait_for_events(miq_apr_db *db)
{
    PGconn *pg = apr_dbd_native_handle(db->driver, db->handle);
    struct pollfd pfd;
    PGnotify *n;
    pfd.fd = PQsocket(pg);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, 1000) > 0) {
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
            apr_sleep(apr_time_from_sec(1));
            return;
        }
        while ((n = PQnotifies(pg)))
            PQfreemem(n);
    }
}

static void *APR_THREAD_FUNC hook_main(apr_thread_t *thd, void *data)
{
    hook_thread *h = data;
    apr_pool_t *p, *iter;
    miq_apr_db *db = NULL;
    miq_db mdb;
    miq_webhook_loop loop;
    const char *err;
    unsigned listened;
    (void)thd;
    apr_pool_create(&p, NULL);
    while (!*h->stopping) {
        if ((err = miq_apr_db_open(p, h->cfg->conninfo, &db)) ||
            (err = miq_apr_db_prepare_all(db)) ||
            (err = miq_apr_db_exec_text(db, "LISTEN miq_webhooks"))) {
            report(apr_psprintf(p, "webhooks: database: %s (retrying)", err));
            apr_pool_clear(p);
            db = NULL;
            apr_sleep(apr_time_from_sec(2));
            continue;
        }
        break;
    }
    if (!db) {
        apr_pool_destroy(p);
        return NULL;
    }
    mdb.baton = db;
    mdb.query = db_query;
    memset(&loop, 0, sizeof(loop));
    loop.srv = h->srv;
    loop.db = &mdb;
    loop.storage_dir = h->cfg->storage;
    loop.file_url_ttl_s = h->cfg->file_url_ttl_s;
    loop.send.allow_private = h->cfg->allow_private;
    loop.send.total_timeout_s = h->cfg->timeout_s;
    loop.send.ca_file = h->cfg->ca_file;
    loop.retry_base_s = h->cfg->retry_base_s;
    /* a claim outlives the longest attempt it covers */
    loop.lease_s = (h->cfg->timeout_s > 0 ? h->cfg->timeout_s : 10) * 8 + 30;
    loop.report = report;
    listened = db->generation;
    apr_pool_create(&iter, p);
    while (!*h->stopping) {
        int n = miq_webhook_deliver_due(&loop, iter, 4, &err);
        if (n < 0)
            report(apr_psprintf(iter, "webhooks: %s", err));
        apr_pool_clear(iter);
        if (db->generation != listened && !miq_apr_db_exec_text(db, "LISTEN miq_webhooks"))
            listened = db->generation;
        if (n <= 0)
            wait_for_events(db);
    }
    apr_dbd_close(db->driver, db->handle);
    apr_pool_destroy(p);
    return NULL;
}

const char *miqw_webhooks_start(apr_pool_t *p, const miqw_webhooks_cfg *cfg,
                                volatile sig_atomic_t *stopping, apr_array_header_t **threads)
{
    miq_server *srv = apr_pcalloc(p, sizeof(*srv));
    hook_thread *h = apr_pcalloc(p, sizeof(*h));
    char *buf;
    apr_size_t n;
    int i;
    if (!cfg->base_url || strncmp(cfg->base_url, "http", 4))
        return "--webhook-secret-file needs --base-url (MomentIQBaseURL)";
    if (miq_file_read_small(&buf, &n, cfg->secret_file, p) != APR_SUCCESS)
        return apr_psprintf(p, "cannot read the secret file %s", cfg->secret_file);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n < 32)
        return apr_psprintf(p, "the secret file %s holds fewer than 32 bytes", cfg->secret_file);
    srv->pool = p;
    srv->base_url = cfg->base_url;
    srv->pricing = cfg->pricing;
    miq_server_set_secret(srv, (const unsigned char *)buf, n);
    h->cfg = cfg;
    h->srv = srv;
    h->stopping = stopping;
    *threads = apr_array_make(p, cfg->threads, sizeof(apr_thread_t *));
    for (i = 0; i < (cfg->threads > 0 ? cfg->threads : 1); i++) {
        apr_thread_t *t;
        if (apr_thread_create(&t, NULL, hook_main, h, p) != APR_SUCCESS)
            return "cannot start the webhook threads";
        APR_ARRAY_PUSH(*threads, apr_thread_t *) = t;
    }
    return NULL;
}
