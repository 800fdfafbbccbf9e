/* MomentIQWorker: httpd starts and restarts the worker (mod_momentiq_worker.c). */
#ifndef MOD_MOMENTIQ_WORKER_H
#define MOD_MOMENTIQ_WORKER_H

#include <httpd.h>
#include <http_config.h>

const char *miq_set_worker(cmd_parms *cmd, void *dc, const char *line);
int miq_worker_start(apr_pool_t *pconf, server_rec *s);

#endif
