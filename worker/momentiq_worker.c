/* momentiq-worker: the process that will analyse media (issue #5). Today it
 * connects with the shared SQL catalog, keeps its heartbeat in
 * worker_heartbeats (read by /mcp/status) and exits cleanly on SIGTERM.
 * Job claiming and analysis are not implemented yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "miqw_db.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    apr_pool_t *p, *iter;
    miqw_db *db = NULL;
    const char *conninfo = NULL, *pidfile = NULL, *err;
    const char *args[3];
    char host[256];
    int i, interval_s = 5;
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            conninfo = argv[++i];
        else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc)
            pidfile = argv[++i];
        else if (!strcmp(argv[i], "--heartbeat") && i + 1 < argc)
            interval_s = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 5;
        else {
            fprintf(stderr, "usage: momentiq-worker [--db CONNINFO] [--pidfile FILE] "
                            "[--heartbeat SECONDS]\n");
            return 2;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if ((err = miqw_db_open(p, conninfo, &db)) || (err = miqw_db_prepare_all(db))) {
        fprintf(stderr, "momentiq-worker: %s\n", err);
        return 1;
    }
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    if (gethostname(host, sizeof(host)))
        strcpy(host, "unknown");
    host[sizeof(host) - 1] = 0;
    args[0] = apr_psprintf(p, "%s:%ld", host, (long)getpid());
    args[1] = host;
    args[2] = apr_ltoa(p, (long)getpid());
    fprintf(stderr, "momentiq-worker %s started (heartbeat every %d s)\n", args[0], interval_s);
    apr_pool_create(&iter, p);
    while (!stopping) {
        if (miqw_db_exec(db, iter, MIQ_SQL_WORKER_HEARTBEAT, 3, args, &err) < 0)
            fprintf(stderr, "momentiq-worker: heartbeat failed: %s\n", err);
        apr_pool_clear(iter);
        for (i = 0; i < interval_s * 10 && !stopping; i++)
            apr_sleep(apr_time_from_msec(100));
    }
    fprintf(stderr, "momentiq-worker %s stopping\n", args[0]);
    if (miqw_db_exec(db, iter, MIQ_SQL_WORKER_GONE, 1, args, &err) < 0)
        fprintf(stderr, "momentiq-worker: could not remove the heartbeat: %s\n", err);
    apr_dbd_close(db->driver, db->handle);
    if (pidfile)
        unlink(pidfile);
    apr_pool_destroy(p);
    return 0;
}
