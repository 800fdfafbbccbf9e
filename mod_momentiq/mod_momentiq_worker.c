/* MomentIQWorker: httpd starts the worker itself and restarts it when it
 * dies, as mod_cgid does for its daemon. The worker runs as httpd's User and
 * Group; it stops with httpd (and is replaced on a graceful restart). */
#include <string.h>
#include <unistd.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <unixd.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_worker.h"

typedef struct worker_proc {
    apr_pool_t *pool;
    server_rec *s;
    const char *const *argv;
    apr_proc_t proc;
    apr_time_t started;
    int alive;
} worker_proc;

static const char *worker_argv_line;

const char *miq_set_worker(cmd_parms *cmd, void *dc, const char *line)
{
    (void)dc;
    if (!*line)
        return "MomentIQWorker PATH [ARGS...]: the worker binary and its arguments";
    worker_argv_line = apr_pstrdup(cmd->pool, line);
    return NULL;
}

static void worker_maintenance(int reason, void *data, apr_wait_t status);

static apr_status_t worker_spawn(worker_proc *w)
{
    apr_procattr_t *attr;
    apr_status_t rv;
    if ((rv = apr_procattr_create(&attr, w->pool)) != APR_SUCCESS ||
        (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) != APR_SUCCESS ||
        (rv = apr_procattr_detach_set(attr, 0)) != APR_SUCCESS)
        return rv;
    if (geteuid() == 0) {
        /* Never run analyses of uploaded media as root. */
        if ((rv = apr_procattr_user_set(attr, ap_unixd_config.user_name, NULL)) != APR_SUCCESS ||
            (rv = apr_procattr_group_set(attr, ap_unixd_config.group_name)) != APR_SUCCESS)
            return rv;
    }
    rv = apr_proc_create(&w->proc, w->argv[0], w->argv, NULL, attr, w->pool);
    if (rv != APR_SUCCESS)
        return rv;
    w->started = apr_time_now();
    w->alive = 1;
    apr_pool_note_subprocess(w->pool, &w->proc, APR_KILL_AFTER_TIMEOUT);
    apr_proc_other_child_register(&w->proc, worker_maintenance, w, NULL, w->pool);
    return APR_SUCCESS;
}

static void worker_maintenance(int reason, void *data, apr_wait_t status)
{
    worker_proc *w = data;
    (void)status;
    switch (reason) {
    case APR_OC_REASON_DEATH:
    case APR_OC_REASON_LOST:
        w->alive = 0;
        apr_proc_other_child_unregister(w); /* calls back with UNREGISTER */
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, w->s,
                     MIQLOGNO(10950) "MomentIQ: the worker (pid %d) died; restarting it",
                     (int)w->proc.pid);
        /* Back off a little when it dies right after starting. */
        if (apr_time_now() - w->started < apr_time_from_sec(2))
            apr_sleep(apr_time_from_sec(1));
        if (worker_spawn(w) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, w->s,
                         MIQLOGNO(10951) "MomentIQ: could not restart the worker");
        break;
    case APR_OC_REASON_RESTART:
        apr_proc_other_child_unregister(w); /* calls back with UNREGISTER */
        break;
    case APR_OC_REASON_UNREGISTER:
        /* Never unregister from here: unregistering is what called us. */
        if (w->alive) {
            w->alive = 0;
            apr_proc_kill(&w->proc, SIGTERM);
        }
        break;
    default:
        break;
    }
}

/* post_config: starts the worker once the configuration is final. */
int miq_worker_start(apr_pool_t *pconf, server_rec *s)
{
    worker_proc *w;
    char **argv;
    apr_status_t rv;
    if (!worker_argv_line || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if ((rv = apr_tokenize_to_argv(worker_argv_line, &argv, pconf)) != APR_SUCCESS || !argv[0])
        return HTTP_INTERNAL_SERVER_ERROR;
    w = apr_pcalloc(pconf, sizeof(*w));
    w->pool = pconf;
    w->s = s;
    w->argv = (const char *const *)argv;
    if ((rv = worker_spawn(w)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     MIQLOGNO(10952) "MomentIQ: cannot start the worker %s", argv[0]);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 MIQLOGNO(10953) "MomentIQ: worker started (pid %d)", (int)w->proc.pid);
    return OK;
}
