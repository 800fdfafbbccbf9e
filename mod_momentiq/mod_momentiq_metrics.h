/* Live counters in shared memory, the OpenMetrics endpoint (MomentIQMetrics
 * On in a <Location>) and the W3C traceparent of a request
 * (mod_momentiq_metrics.c). */
#ifndef MOD_MOMENTIQ_METRICS_H
#define MOD_MOMENTIQ_METRICS_H

#include <httpd.h>
#include "ops/miq_metrics.h"

/* Creates the shared segment once per httpd parent (kept across graceful
 * restarts) and attaches to it. */
int miq_metrics_post_config(apr_pool_t *pconf, server_rec *s);
void miq_metrics_register_hooks(void);
/* What the database says for /metrics and server-status (db->ok 0 when it
 * cannot be read, or the server has no MomentIQEnable). */
void miq_metrics_read_db(request_rec *r, miq_metrics_db *db);
/* The request's traceparent: meta_value (MCP params._meta.traceparent) when
 * it is valid, else a valid traceparent header, else NULL. Invalid ones are
 * ignored (W3C Trace Context: restart the trace, never refuse). */
const char *miq_request_traceparent(request_rec *r, const char *meta_value);

#endif
