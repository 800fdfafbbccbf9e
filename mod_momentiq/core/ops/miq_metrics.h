/* Live counters shared by every httpd child (a shared memory segment the
 * glue creates once and keeps across graceful restarts), their OpenMetrics
 * text and their server-status lines. Updates are atomic adds: no lock. */
#ifndef MIQ_METRICS_H
#define MIQ_METRICS_H

#include <apr_pools.h>
#include <apr_time.h>
#include <apr_tables.h>

typedef enum {
    MIQ_SURFACE_MCP,
    MIQ_SURFACE_API,
    MIQ_SURFACE_DASHBOARD,
    MIQ_SURFACE_OAUTH,
    MIQ_SURFACE_FILES,
    MIQ_SURFACE_OTHER,
    MIQ_SURFACES
} miq_surface_e;

/* Bytes the shared segment needs. */
apr_size_t miq_metrics_size(void);
/* Starts using mem (miq_metrics_size() bytes, shared by every child). A
 * segment already laid out (a graceful restart) keeps its counts; anything
 * else is zeroed and laid out. NULL mem turns every update into a no-op. */
void miq_metrics_attach(void *mem);
int miq_metrics_attached(void);

/* The surface of a request path (/mcp, /v1, /dashboard and /api/dashboard,
 * /oauth and the OAuth well-known documents, /files). */
miq_surface_e miq_metrics_surface(const char *path);
const char *miq_metrics_surface_name(miq_surface_e s);

/* One finished request of ours: counted by surface and outcome (ok < 400,
 * client_error 4xx, server_error 5xx) and by the refusals operators watch
 * (401, 402, 403, 429). */
void miq_metrics_request(miq_surface_e s, int http_status);
/* One MCP operation: the duration histogram by method and tool, and tool
 * calls by outcome (error when outcome is not "ok"). Methods and tools are a
 * client's text: an unknown method (-32601) or a tool that did not run is
 * counted under "(unknown)", and series past the segment's room under
 * "(other)", so a client cannot grow the output. */
void miq_metrics_mcp(const char *rpc_method, const char *tool, const char *outcome,
                     const char *error_code, double seconds);
/* An SSE response stream opened (+1) or closed (-1). */
void miq_metrics_sse(int delta);

/* A counter the database keeps (sql/020_metric_totals.sql), as read: a
 * histogram's buckets come cumulative, its sum with label1 "_sum". */
typedef struct miq_metric_total {
    const char *metric, *label1, *label2;
    double value;
} miq_metric_total;

/* What the database says at scrape time (negative: unknown). */
typedef struct miq_metrics_db {
    int ok; /* 0: the database could not be read */
    apr_int64_t queued, running, workers_alive;
    double oldest_queued_s, last_heartbeat_s;
    apr_int64_t jobs_24h_succeeded, jobs_24h_failed, jobs_24h_canceled, credits_charged_24h;
    apr_int64_t webhooks_pending, webhooks_failed_24h;
    double webhook_oldest_pending_s;
    const apr_array_header_t *totals; /* miq_metric_total in print order; NULL: unread */
} miq_metrics_db;

/* The OpenMetrics text exposition (content type
 * application/openmetrics-text; version=1.0.0), ending "# EOF\n". */
const char *miq_metrics_openmetrics(apr_pool_t *p, const miq_metrics_db *db);
/* The server-status section: HTML, or the ?auto "key: value" lines. */
const char *miq_metrics_status(apr_pool_t *p, const miq_metrics_db *db, int short_report);

#endif
