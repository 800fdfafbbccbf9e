/* momentiq-worker: claims jobs from PostgreSQL (FOR UPDATE SKIP LOCKED with a
 * lease), runs each job's analysis in a child process of its own (this binary
 * re-executed with --run-job, under CPU, memory and wall-clock limits: see
 * miqw_child.h), and settles each job and its credits in one transaction.
 * Woken by LISTEN miq_jobs, with a slow poll as fallback. N job threads, each
 * with its own connection; the main thread keeps the worker's heartbeat.
 * SIGTERM stops claiming, kills running children and hands their jobs back to
 * the queue; a cancel kills the job's child within about a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <poll.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>
#include <libpq-fe.h>
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "db/miq_sql.h"
#include "db/miq_apr_db.h"
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_uploads.h"
#include "ops/miq_trace.h"
#include "miqw_jobrun.h"
#include "miqw_child.h"
#include "miqw_webhooks.h"
#include <curl/curl.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

typedef struct worker_cfg {
    const char *conninfo;
    const char *storage;
    const char *worker_id;
    int lease_s;
    int poll_s;
    miq_pricing *pricing;
    const char *self;               /* this executable, re-run with --run-job per job */
    apr_array_header_t *child_args; /* --price specs, forwarded to each job's child */
    double time_base_s, time_factor, time_max_s; /* the wall-clock budget (miqw_limits_for) */
    long memory_mb;                              /* RLIMIT_AS of a job's child */
} worker_cfg;

typedef struct job_ctx {
    miq_apr_db *db;
    apr_pool_t *pool;
    const worker_cfg *cfg;
    const char *job_id;
    volatile double fraction; /* last progress the analysis reported */
    volatile int stop;        /* canceled by its owner, or lost */
    volatile int done;        /* the analysis returned: the beat thread ends */
} job_ctx;

/* The trace id of the job this thread runs (the client's W3C traceparent,
 * kept with the job), "" when none: each log line about it carries it, so
 * a trace can be followed from the client's call to the worker. */
static __thread char job_trace[33];

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    char ts[APR_RFC822_DATE_LEN];
    apr_rfc822_date(ts, apr_time_now());
    va_start(ap, fmt);
    fprintf(stderr, "[%s] momentiq-worker: ", ts);
    vfprintf(stderr, fmt, ap);
    if (job_trace[0])
        fprintf(stderr, " trace_id=%s", job_trace);
    fputc('\n', stderr);
    va_end(ap);
}

static void trace_of(miq_apr_db *db, apr_pool_t *p, const char *job_id)
{
    const char *args[1] = {job_id}, *err;
    apr_array_header_t *rows;
    int ncols;
    job_trace[0] = 0;
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_JOB_TRACE_GET, 1, args, &ncols, &err);
    if (rows && rows->nelts && ncols >= 1)
        miq_traceparent_trace_id(APR_ARRAY_IDX(rows, 0, const char **)[0], job_trace);
}

/* Polled by miqw_child_run about every 100 ms with the child's progress;
 * nonzero kills the child (canceled, lost, or the worker is stopping). */
static int child_stop(void *baton, double fraction)
{
    job_ctx *j = baton;
    j->fraction = fraction;
    return stopping || j->stop;
}

/* Renews the lease with the progress every second while the analysis runs,
 * whether or not it reports progress (frames and clips do not), and learns of
 * a cancel. Uses the job thread's connection, idle until the analysis returns. */
static void *APR_THREAD_FUNC beat_thread(apr_thread_t *thd, void *data)
{
    job_ctx *j = data;
    apr_pool_t *tp;
    (void)thd;
    apr_pool_create(&tp, NULL);
    while (!j->done) {
        const char *args[4], *err;
        apr_array_header_t *rows;
        int ncols, i;
        args[0] = j->job_id;
        args[1] = j->cfg->worker_id;
        args[2] = apr_itoa(tp, (int)(j->fraction * 100));
        args[3] = apr_itoa(tp, j->cfg->lease_s);
        rows = miq_apr_db_select_stmt(j->db, tp, MIQ_SQL_JOB_HEARTBEAT, 4, args, &ncols, &err);
        if (rows && rows->nelts && strcmp(APR_ARRAY_IDX(rows, 0, const char **)[0], "running"))
            j->stop = 1;
        apr_pool_clear(tp);
        for (i = 0; i < 10 && !j->done; i++)
            apr_sleep(apr_time_from_msec(100));
    }
    apr_pool_destroy(tp);
    return NULL;
}

/* Waits for a NOTIFY on miq_jobs (or the poll interval). */
static void wait_for_work(miq_apr_db *db, int seconds)
{
    PGconn *pg = apr_dbd_native_handle(db->driver, db->handle);
    struct pollfd pfd;
    PGnotify *n;
    int i;
    pfd.fd = PQsocket(pg);
    pfd.events = POLLIN;
    for (i = 0; i < seconds * 4 && !stopping; i++) {
        pfd.revents = 0;
        if (poll(&pfd, 1, 250) > 0) {
            int got = 0;
            if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
                /* the database went away: no busy loop on a dead socket; the
                 * next statement restores the connection (miq_apr_db) */
                apr_sleep(apr_time_from_sec(1));
                return;
            }
            while ((n = PQnotifies(pg))) {
                PQfreemem(n);
                got = 1;
            }
            if (got)
                return;
        }
    }
}

static void settle_failure(job_ctx *j, apr_pool_t *p, const char *code, const char *msg, int retry)
{
    const char *args[5], *err;
    int ncols;
    args[0] = j->job_id;
    args[1] = j->cfg->worker_id;
    args[2] = code;
    args[3] = msg;
    args[4] = retry ? "true" : "false";
    if (!miq_apr_db_select_stmt(j->db, p, MIQ_SQL_JOB_FAIL, 5, args, &ncols, &err))
        logf_("job %s: recording the failure failed: %s", j->job_id, err);
}

/* Once the child has exited: a job that ended without success, or whose row
 * is gone (its account was deleted), keeps no files. A cancel or a deletion
 * may have removed the directory while the child was still writing, and the
 * child may have made it again; nothing else would ever remove it (purge
 * waits a retention period for a directory with no job). A job queued again
 * or running on another worker shares the directory: it stays. */
static void drop_outputs_if_ended(job_ctx *j, apr_pool_t *p, const char *out_dir)
{
    const char *args[1], *err;
    apr_array_header_t *rows;
    apr_finfo_t fi;
    apr_status_t rv;
    int ncols;
    char buf[120];
    args[0] = j->job_id;
    rows = miq_apr_db_select_stmt(j->db, p, MIQ_SQL_JOB_FATE, 1, args, &ncols, &err);
    if (!rows) {
        logf_("job %s: its outputs stay for the purge (%s)", j->job_id, err);
        return;
    }
    if (!rows->nelts || strcmp(APR_ARRAY_IDX(rows, 0, const char **)[0], "t") ||
        apr_stat(&fi, out_dir, APR_FINFO_TYPE, p) != APR_SUCCESS)
        return;
    if ((rv = miq_storage_remove(p, out_dir)) != APR_SUCCESS)
        logf_("job %s: could not remove its outputs: %s", j->job_id,
              apr_strerror(rv, buf, sizeof(buf)));
    else
        logf_("job %s: removed the outputs of its ended run", j->job_id);
}

/* Claims and runs one job; returns 0 when there was none. */
static int run_one(miq_apr_db *db, const worker_cfg *cfg, apr_pool_t *p)
{
    const char *args[2], *err, *code = NULL, **row;
    apr_array_header_t *rows;
    int ncols;
    miqw_job job;
    job_ctx j;
    json_t *result = NULL;
    apr_int64_t cost = 0;

    job_trace[0] = 0; /* lines between jobs belong to no trace */
    args[0] = cfg->worker_id;
    args[1] = apr_itoa(p, cfg->lease_s);
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_JOB_CLAIM, 2, args, &ncols, &err);
    if (!rows) {
        logf_("claim failed: %s", err);
        apr_sleep(apr_time_from_sec(1));
        return 0;
    }
    if (!rows->nelts)
        return 0;
    row = APR_ARRAY_IDX(rows, 0, const char **);
    memset(&j, 0, sizeof(j));
    j.db = db;
    j.pool = p;
    j.cfg = cfg;
    j.job_id = row[0];
    memset(&job, 0, sizeof(job));
    job.id = row[0];
    job.endpoint = row[2];
    job.params = miq_json_parse(p, row[4], strlen(row[4]), NULL);
    job.out_dir = apr_pstrcat(p, cfg->storage, "/outputs/", row[0], NULL);
    trace_of(db, p, row[0]);
    logf_("job %s (%s, attempt %s) started", row[0], row[2], row[6]);
    if (!*row[3]) {
        settle_failure(&j, p, "not_found", "the job's upload was deleted", 0);
        return 1;
    }
    job.input_path = apr_pstrcat(p, cfg->storage, "/", row[3], NULL);
    job.reserved_s = *row[7] ? atof(row[7]) : 0;
    {
        apr_thread_t *beat = NULL;
        apr_status_t trv;
        miqw_limits lim = miqw_limits_for(cfg->time_base_s, cfg->time_factor, cfg->time_max_s,
                                          job.reserved_s, cfg->memory_mb);
        miqw_child_result cr;
        if (apr_thread_create(&beat, NULL, beat_thread, &j, p) != APR_SUCCESS)
            beat = NULL;
        miqw_child_run(p, cfg->self, cfg->child_args, &job, &lim, child_stop, &j, &cr);
        j.done = 1;
        if (beat)
            apr_thread_join(&trv, beat);
        logf_("job %s: child %ld ran %.1f s (limits: %.0f s wall, %ld s CPU, %ld MiB)", job.id,
              cr.pid, cr.seconds, lim.wall_s, lim.cpu_s, lim.memory_mb);
        result = cr.result;
        cost = cr.cost;
        code = cr.code;
        err = cr.outcome == MIQW_CHILD_OK && !cr.code ? NULL : cr.error;
    }
    if (err) {
        if (stopping && !j.stop) {
            /* SIGTERM: hand the job back; another worker picks it up. */
            settle_failure(&j, p, "server_error", "the worker stopped", 1);
            logf_("job %s handed back (worker stopping)", job.id);
        }
        else if (j.stop)
            logf_("job %s stopped: canceled or taken over (its child was killed)", job.id);
        else {
            /* Transient faults and limits are retried, up to the job's max_attempts
             * (miq_job_fail); then the job fails with the code, unbilled. */
            int retry = code && (!strcmp(code, "server_error") ||
                                 !strcmp(code, "processing_limit_exceeded"));
            settle_failure(&j, p, code ? code : "server_error", err, retry);
            logf_("job %s failed (%s): %s", job.id, code ? code : "server_error", err);
        }
        drop_outputs_if_ended(&j, p, job.out_dir);
        return 1;
    }
    {
        const char *sargs[4];
        apr_int64_t estimate = apr_atoi64(row[5]);
        /* Never more than was reserved (and quoted). */
        if (cost > estimate)
            cost = estimate;
        sargs[0] = job.id;
        sargs[1] = cfg->worker_id;
        sargs[2] = miq_json_dump(p, result);
        sargs[3] = apr_psprintf(p, "%" APR_INT64_T_FMT, cost);
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_JOB_SUCCEED, 4, sargs, &ncols, &err);
        if (!rows)
            logf_("job %s: storing the result failed: %s", job.id, err);
        else if (!rows->nelts || strcmp(APR_ARRAY_IDX(rows, 0, const char **)[0], "t")) {
            logf_("job %s: finished, but it was canceled or taken over meanwhile", job.id);
            drop_outputs_if_ended(&j, p, job.out_dir);
        }
        else
            logf_("job %s succeeded (%" APR_INT64_T_FMT " credits)", job.id, cost);
    }
    return 1;
}

static void *APR_THREAD_FUNC job_thread(apr_thread_t *thd, void *data)
{
    const worker_cfg *cfg = data;
    apr_pool_t *p, *iter;
    miq_apr_db *db = NULL;
    const char *err;
    unsigned listened;
    (void)thd;
    apr_pool_create(&p, NULL);
    while (!stopping) {
        if ((err = miq_apr_db_open(p, cfg->conninfo, &db)) || (err = miq_apr_db_prepare_all(db)) ||
            (err = miq_apr_db_exec_text(db, "LISTEN miq_jobs"))) {
            logf_("database: %s (retrying)", err);
            apr_pool_clear(p);
            apr_sleep(apr_time_from_sec(2));
            continue;
        }
        break;
    }
    apr_pool_create(&iter, p);
    listened = db->generation;
    while (!stopping) {
        int ran = run_one(db, cfg, iter);
        apr_pool_clear(iter);
        /* a restored connection is a new backend: LISTEN again */
        if (db->generation != listened && !miq_apr_db_exec_text(db, "LISTEN miq_jobs"))
            listened = db->generation;
        if (!ran)
            wait_for_work(db, cfg->poll_s);
    }
    if (db)
        apr_dbd_close(db->driver, db->handle);
    apr_pool_destroy(p);
    return NULL;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: momentiq-worker [--db CONNINFO] --storage DIR [--jobs N] [--lease SECONDS]\n"
            "                       [--price ENDPOINT[:UNIT]=CREDITS]... [--pidfile FILE]\n"
            "                       [--heartbeat SECONDS] [--job-time BASE:FACTOR:MAX]\n"
            "                       [--job-memory MB]\n"
            "                       [--webhook-secret-file FILE --base-url URL\n"
            "                        [--webhook-threads N] [--webhook-allow-private]\n"
            "                        [--webhook-retry-base SECONDS] [--webhook-timeout SECONDS]\n"
            "                        [--webhook-ca-file FILE] [--file-url-ttl SECONDS]]\n"
            "  --price repeats the MomentIQPrice directives of httpd.conf, so settlements\n"
            "  use the same table as estimates (a job is never charged above its estimate).\n"
            "  Each job runs in a child process: --job-time gives its wall-clock budget,\n"
            "  BASE + FACTOR x the media seconds it reserved, at most MAX (default\n"
            "  120:4:14400); its CPU limit is twice that; --job-memory its address space\n"
            "  (default 3072). A job over its limits fails with processing_limit_exceeded.\n"
            "  --webhook-secret-file (MomentIQSecretFile) starts the webhook delivery loop\n"
            "  in threads of its own (docs/webhooks.md).\n");
    return 2;
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *iter;
    miq_apr_db *db = NULL;
    worker_cfg cfg;
    const char *pidfile = NULL, *err, *args[3];
    char host[256];
    int i, jobs = 1, interval_s = 5;
    apr_thread_t **threads;
    miqw_webhooks_cfg hooks;
    apr_array_header_t *hook_threads = NULL;

    /* Outputs are the account's: readable by the service account and its
     * group (httpd serves them), never by other local users (review #17). */
    umask(027);
    /* A job's child: its result is on the pipe already; nothing to tear down
     * (and no exit-time leak report for a process that is gone anyway). */
    if (argc > 1 && !strcmp(argv[1], "--run-job"))
        _exit(miqw_child_main(argc, argv));
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.lease_s = 60;
    cfg.poll_s = 5;
    cfg.time_base_s = 120;
    cfg.time_factor = 4;
    cfg.time_max_s = 14400;
    cfg.memory_mb = 3072;
    cfg.child_args = apr_array_make(p, 8, sizeof(const char *));
    cfg.storage = getenv("MOMENTIQ_STORAGE_DIR");
    cfg.pricing = miq_pricing_default(p);
    memset(&hooks, 0, sizeof(hooks));
    hooks.threads = 1;
    hooks.retry_base_s = 30;
    hooks.timeout_s = 10;
    hooks.file_url_ttl_s = 3600;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            cfg.conninfo = argv[++i];
        else if (!strcmp(argv[i], "--storage") && i + 1 < argc)
            cfg.storage = argv[++i];
        else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc)
            pidfile = argv[++i];
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lease") && i + 1 < argc)
            cfg.lease_s = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--heartbeat") && i + 1 < argc)
            interval_s = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--job-time") && i + 1 < argc) {
            if (sscanf(argv[++i], "%lf:%lf:%lf", &cfg.time_base_s, &cfg.time_factor,
                       &cfg.time_max_s) != 3 ||
                !(cfg.time_base_s > 0) || !(cfg.time_factor >= 0) ||
                !(cfg.time_max_s >= cfg.time_base_s))
                return usage();
        }
        else if (!strcmp(argv[i], "--job-memory") && i + 1 < argc) {
            cfg.memory_mb = atol(argv[++i]);
            if (cfg.memory_mb < 0)
                return usage();
        }
        else if (!strcmp(argv[i], "--webhook-secret-file") && i + 1 < argc)
            hooks.secret_file = argv[++i];
        else if (!strcmp(argv[i], "--base-url") && i + 1 < argc)
            hooks.base_url = argv[++i];
        else if (!strcmp(argv[i], "--webhook-ca-file") && i + 1 < argc)
            hooks.ca_file = argv[++i];
        else if (!strcmp(argv[i], "--webhook-allow-private"))
            hooks.allow_private = 1;
        else if (!strcmp(argv[i], "--webhook-threads") && i + 1 < argc) {
            if ((hooks.threads = atoi(argv[++i])) < 1 || hooks.threads > 16)
                return usage();
        }
        else if (!strcmp(argv[i], "--webhook-retry-base") && i + 1 < argc) {
            if ((hooks.retry_base_s = atoi(argv[++i])) < 1)
                return usage();
        }
        else if (!strcmp(argv[i], "--webhook-timeout") && i + 1 < argc) {
            if ((hooks.timeout_s = atoi(argv[++i])) < 1 || hooks.timeout_s > 60)
                return usage();
        }
        else if (!strcmp(argv[i], "--file-url-ttl") && i + 1 < argc) {
            if ((hooks.file_url_ttl_s = atoi(argv[++i])) < 1)
                return usage();
        }
        else if (!strcmp(argv[i], "--price") && i + 1 < argc) {
            char *spec = apr_pstrdup(p, argv[++i]), *eq = strchr(spec, '='), *colon;
            APR_ARRAY_PUSH(cfg.child_args, const char *) = "--price";
            APR_ARRAY_PUSH(cfg.child_args, const char *) = argv[i];
            if (!eq)
                return usage();
            *eq = 0;
            colon = strchr(spec, ':');
            if (colon)
                *colon++ = 0;
            if ((err = miq_pricing_set(cfg.pricing, spec, colon, atof(eq + 1)))) {
                fprintf(stderr, "momentiq-worker: --price: %s\n", err);
                return 2;
            }
        }
        else
            return usage();
    }
    if (!cfg.storage || jobs < 1 || jobs > 64 || cfg.lease_s < 10 || interval_s < 1)
        return usage();
    {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            fprintf(stderr, "momentiq-worker: cannot find its own executable\n");
            return 1;
        }
        self[n] = 0;
        cfg.self = apr_pstrdup(p, self);
    }
    miq_endpoints_init();
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if ((err = miq_apr_db_open(p, cfg.conninfo, &db)) || (err = miq_apr_db_prepare_all(db))) {
        fprintf(stderr, "momentiq-worker: %s\n", err);
        return 1;
    }
    if (gethostname(host, sizeof(host)))
        strcpy(host, "unknown");
    host[sizeof(host) - 1] = 0;
    cfg.worker_id = apr_psprintf(p, "%s:%ld", host, (long)getpid());
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    threads = apr_pcalloc(p, sizeof(*threads) * jobs);
    for (i = 0; i < jobs; i++)
        if (apr_thread_create(&threads[i], NULL, job_thread, &cfg, p) != APR_SUCCESS) {
            fprintf(stderr, "momentiq-worker: cannot start job threads\n");
            return 1;
        }
    if (hooks.secret_file) {
        hooks.conninfo = cfg.conninfo;
        hooks.storage = cfg.storage;
        hooks.pricing = cfg.pricing;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if ((err = miqw_webhooks_start(p, &hooks, &stopping, &hook_threads))) {
            fprintf(stderr, "momentiq-worker: %s\n", err);
            stopping = 1;
            for (i = 0; i < jobs; i++) {
                apr_status_t rv;
                apr_thread_join(&rv, threads[i]);
            }
            return 1;
        }
    }
    logf_("%s started: %d job thread(s), lease %d s, storage %s%s", cfg.worker_id, jobs,
          cfg.lease_s, cfg.storage,
          hook_threads ? apr_psprintf(p, ", %d webhook thread(s)%s", hook_threads->nelts,
                                      hooks.allow_private ? " (private targets allowed)" : "")
                       : "");
    args[0] = cfg.worker_id;
    args[1] = host;
    args[2] = apr_ltoa(p, (long)getpid());
    apr_pool_create(&iter, p);
    while (!stopping) {
        if (miq_apr_db_exec(db, iter, MIQ_SQL_WORKER_HEARTBEAT, 3, args, &err) < 0)
            logf_("heartbeat failed: %s", err);
        apr_pool_clear(iter);
        for (i = 0; i < interval_s * 10 && !stopping; i++)
            apr_sleep(apr_time_from_msec(100));
    }
    logf_("%s stopping", cfg.worker_id);
    for (i = 0; i < jobs; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, threads[i]);
    }
    for (i = 0; hook_threads && i < hook_threads->nelts; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, APR_ARRAY_IDX(hook_threads, i, apr_thread_t *));
    }
    if (miq_apr_db_exec(db, iter, MIQ_SQL_WORKER_GONE, 1, args, &err) < 0)
        logf_("could not remove the heartbeat: %s", err);
    apr_dbd_close(db->driver, db->handle);
    if (pidfile)
        unlink(pidfile);
    apr_pool_destroy(p);
    return 0;
}
