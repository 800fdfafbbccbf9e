#include <stdio.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "ops/miq_metrics.h"

#define MAGIC      0x6d697131u /* "miq1": the layout below; change it with the layout */
#define SERIES     64
#define KEY_METHOD 40
#define KEY_TOOL   64
#define NBUCKETS   14
#define SLOT_FREE  0u
#define SLOT_WRITE 1u
#define SLOT_READY 2u

/* The OpenTelemetry MCP semantic conventions' buckets for
 * mcp.server.operation.duration (seconds). */
static const double buckets[NBUCKETS] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1,
                                         2,    5,    10,   30,  60,  120, 300};
static const char *const bucket_le[NBUCKETS] = {"0.01", "0.02", "0.05",  "0.1",  "0.2",
                                                "0.5",  "1.0",  "2.0",   "5.0",  "10.0",
                                                "30.0", "60.0", "120.0", "300.0"};

typedef struct series_t {
    volatile apr_uint32_t state;
    char method[KEY_METHOD];
    char tool[KEY_TOOL];
    volatile apr_uint64_t count, errors, sum_us, bucket[NBUCKETS];
} series_t;

typedef struct shared_t {
    volatile apr_uint32_t magic;
    apr_uint64_t created_s; /* when the counters started (OpenMetrics _created) */
    volatile apr_uint64_t requests[MIQ_SURFACES][3];
    volatile apr_uint64_t refusals[4]; /* 401 402 403 429 */
    volatile apr_uint64_t sse_open, sse_total;
    series_t series[SERIES];
} shared_t;

static shared_t *shm;
static const int refusal_codes[4] = {401, 402, 403, 429};
static const char *const outcome_names[3] = {"ok", "client_error", "server_error"};
static const char *const surface_names[MIQ_SURFACES] = {"mcp",   "api",   "dashboard",
                                                        "oauth", "files", "other"};

apr_size_t miq_metrics_size(void)
{
    return sizeof(shared_t);
}

void miq_metrics_attach(void *mem)
{
    shm = mem;
    if (shm && shm->magic != MAGIC) {
        memset(shm, 0, sizeof(*shm));
        shm->created_s = (apr_uint64_t)apr_time_sec(apr_time_now());
        shm->magic = MAGIC;
    }
}

int miq_metrics_attached(void)
{
    return shm != NULL;
}

static int starts(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/' || path[n] == '?');
}

miq_surface_e miq_metrics_surface(const char *path)
{
    if (!path)
        return MIQ_SURFACE_OTHER;
    if (starts(path, "/mcp"))
        return MIQ_SURFACE_MCP;
    if (starts(path, "/v1"))
        return MIQ_SURFACE_API;
    if (starts(path, "/oauth") || starts(path, "/api/auth/oauth") ||
        !strncmp(path, "/.well-known/oauth-", 19))
        return MIQ_SURFACE_OAUTH;
    if (starts(path, "/dashboard") || starts(path, "/api"))
        return MIQ_SURFACE_DASHBOARD;
    if (starts(path, "/files"))
        return MIQ_SURFACE_FILES;
    return MIQ_SURFACE_OTHER;
}

const char *miq_metrics_surface_name(miq_surface_e s)
{
    return (unsigned)s < MIQ_SURFACES ? surface_names[s] : "other";
}

void miq_metrics_request(miq_surface_e s, int status)
{
    int i;
    if (!shm || (unsigned)s >= MIQ_SURFACES)
        return;
    apr_atomic_inc64(&shm->requests[s][status < 400 ? 0 : status < 500 ? 1 : 2]);
    for (i = 0; i < 4; i++)
        if (status == refusal_codes[i])
            apr_atomic_inc64(&shm->refusals[i]);
}

void miq_metrics_sse(int delta)
{
    if (!shm)
        return;
    if (delta > 0) {
        apr_atomic_inc64(&shm->sse_open);
        apr_atomic_inc64(&shm->sse_total);
    }
    else
        apr_atomic_dec64(&shm->sse_open);
}

/* A label value as we keep it: letters, digits and _ . / - ( ) : only, so
 * neither the exposition nor the status page ever needs escaping. */
static void label_copy(char *dst, apr_size_t size, const char *src)
{
    apr_size_t i;
    for (i = 0; src[i] && i + 1 < size; i++) {
        char c = src[i];
        dst[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("_./-():", c))
                     ? c
                     : '_';
    }
    dst[i] = 0;
}

static series_t *series_for(const char *method, const char *tool)
{
    char m[KEY_METHOD], t[KEY_TOOL];
    int i;
    label_copy(m, sizeof(m), method);
    label_copy(t, sizeof(t), tool);
    for (i = 0; i < SERIES - 1; i++) {
        series_t *s = &shm->series[i];
        apr_uint32_t st = apr_atomic_read32(&s->state);
        if (st == SLOT_READY && !strcmp(s->method, m) && !strcmp(s->tool, t))
            return s;
        if (st == SLOT_FREE && apr_atomic_cas32(&s->state, SLOT_WRITE, SLOT_FREE) == SLOT_FREE) {
            /* Two children may claim slots for one key at once: the
             * exposition adds such twins together. */
            memcpy(s->method, m, sizeof(m));
            memcpy(s->tool, t, sizeof(t));
            apr_atomic_set32(&s->state, SLOT_READY);
            return s;
        }
    }
    /* the last slot: everything there was no room for */
    if (apr_atomic_cas32(&shm->series[SERIES - 1].state, SLOT_WRITE, SLOT_FREE) == SLOT_FREE) {
        strcpy(shm->series[SERIES - 1].method, "(other)");
        strcpy(shm->series[SERIES - 1].tool, "(other)");
        apr_atomic_set32(&shm->series[SERIES - 1].state, SLOT_READY);
    }
    return apr_atomic_read32(&shm->series[SERIES - 1].state) == SLOT_READY
               ? &shm->series[SERIES - 1]
               : NULL;
}

void miq_metrics_mcp(const char *rpc_method, const char *tool, const char *outcome,
                     const char *error_code, double seconds)
{
    series_t *s;
    int i, ran = outcome && (!strcmp(outcome, "ok") || !strcmp(outcome, "tool_error"));
    if (!shm)
        return;
    if (!rpc_method || !*rpc_method)
        rpc_method = "(none)";
    else if (error_code && !strcmp(error_code, "-32601"))
        rpc_method = "(unknown)";
    if (!tool || !*tool)
        tool = "";
    else if (!ran)
        tool = "(unknown)";
    if (!(s = series_for(rpc_method, tool)))
        return;
    if (seconds < 0)
        seconds = 0;
    apr_atomic_inc64(&s->count);
    if (!outcome || strcmp(outcome, "ok"))
        apr_atomic_inc64(&s->errors);
    apr_atomic_add64(&s->sum_us, (apr_uint64_t)(seconds * 1e6));
    for (i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            apr_atomic_inc64(&s->bucket[i]);
            break;
        }
}

/* ---- reading ------------------------------------------------------------ */

typedef struct snap_t {
    const char *method, *tool;
    apr_uint64_t count, errors, sum_us, bucket[NBUCKETS];
} snap_t;

/* The series, twins added together, in slot order. */
static apr_array_header_t *snapshot(apr_pool_t *p)
{
    apr_array_header_t *a = apr_array_make(p, SERIES, sizeof(snap_t));
    int i, j, k;
    for (i = 0; shm && i < SERIES; i++) {
        series_t *s = &shm->series[i];
        snap_t *n = NULL;
        if (apr_atomic_read32(&s->state) != SLOT_READY)
            continue;
        for (j = 0; j < a->nelts; j++) {
            snap_t *o = &APR_ARRAY_IDX(a, j, snap_t);
            if (!strcmp(o->method, s->method) && !strcmp(o->tool, s->tool))
                n = o;
        }
        if (!n) {
            n = apr_array_push(a);
            memset(n, 0, sizeof(*n));
            n->method = apr_pstrdup(p, s->method);
            n->tool = apr_pstrdup(p, s->tool);
        }
        n->count += apr_atomic_read64(&s->count);
        n->errors += apr_atomic_read64(&s->errors);
        n->sum_us += apr_atomic_read64(&s->sum_us);
        for (k = 0; k < NBUCKETS; k++)
            n->bucket[k] += apr_atomic_read64(&s->bucket[k]);
    }
    return a;
}

static const char *series_labels(apr_pool_t *p, const snap_t *s)
{
    return *s->tool ? apr_psprintf(p, "mcp_method_name=\"%s\",gen_ai_tool_name=\"%s\"", s->method,
                                   s->tool)
                    : apr_psprintf(p, "mcp_method_name=\"%s\"", s->method);
}

#define PUT(...) APR_ARRAY_PUSH(out, const char *) = apr_psprintf(p, __VA_ARGS__)

/* The counters the database keeps (sql/020), by their name there. Each
 * family is printed even with no rows yet, so a dashboard finds it. */
static const struct {
    const char *metric, *family, *type, *help, *label1, *label2;
} totals_def[] = {
    {"jobs_created", "momentiq_jobs_created", "counter", "Jobs created, by endpoint.", "endpoint",
     NULL},
    {"jobs_finished", "momentiq_jobs_finished", "counter",
     "Jobs that reached an end state, by endpoint and status.", "endpoint", "status"},
    {"job_queue_wait_seconds", "momentiq_job_queue_wait_seconds", "histogram",
     "Time from a job's creation to its first start by a worker.", "le", NULL},
    {"credits_charged", "momentiq_credits_charged", "counter",
     "Credits charged for finished jobs (settlements).", NULL, NULL},
    {"credits_added", "momentiq_credits_added", "counter",
     "Credits added to accounts, by kind (grant, topup).", "kind", NULL},
    {"webhook_deliveries", "momentiq_webhook_deliveries", "counter",
     "Webhook delivery attempts, by outcome (delivered, retry, failed).", "outcome", NULL},
};

/* A label value as OpenMetrics quotes it: backslash, quote and newline escaped. */
static const char *label_escape(apr_pool_t *p, const char *v)
{
    char *o = apr_palloc(p, 2 * strlen(v) + 1), *w = o;
    for (; *v; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n')
            *w++ = '\\';
        *w++ = *v == '\n' ? 'n' : *v;
    }
    *w = 0;
    return o;
}

static const char *total_labels(apr_pool_t *p, int d, const miq_metric_total *t)
{
    if (!totals_def[d].label1)
        return "";
    if (!totals_def[d].label2)
        return apr_psprintf(p, "{%s=\"%s\"}", totals_def[d].label1, label_escape(p, t->label1));
    return apr_psprintf(p, "{%s=\"%s\",%s=\"%s\"}", totals_def[d].label1,
                        label_escape(p, t->label1), totals_def[d].label2,
                        label_escape(p, t->label2));
}

static void put_totals(apr_pool_t *p, apr_array_header_t *out, const apr_array_header_t *totals)
{
    size_t d;
    int i;
    for (d = 0; d < sizeof(totals_def) / sizeof(totals_def[0]); d++) {
        int is_hist = !strcmp(totals_def[d].type, "histogram"), seen = 0;
        double count = 0, sum = 0;
        PUT("# TYPE %s %s\n", totals_def[d].family, totals_def[d].type);
        if (is_hist)
            PUT("# UNIT %s seconds\n", totals_def[d].family);
        PUT("# HELP %s %s\n", totals_def[d].family, totals_def[d].help);
        for (i = 0; i < totals->nelts; i++) {
            const miq_metric_total *t = &APR_ARRAY_IDX(totals, i, miq_metric_total);
            if (strcmp(t->metric, totals_def[d].metric))
                continue;
            seen = 1;
            if (!is_hist)
                PUT("%s_total%s %.15g\n", totals_def[d].family, total_labels(p, (int)d, t),
                    t->value);
            else if (!strcmp(t->label1, "_sum"))
                sum = t->value;
            else {
                PUT("%s_bucket{le=\"%s\"} %.15g\n", totals_def[d].family,
                    label_escape(p, t->label1), t->value);
                if (!strcmp(t->label1, "+Inf"))
                    count = t->value;
            }
        }
        if (is_hist && seen)
            PUT("%s_count %.15g\n%s_sum %.6f\n", totals_def[d].family, count, totals_def[d].family,
                sum);
        else if (!seen && !totals_def[d].label1)
            PUT("%s_total 0\n", totals_def[d].family);
    }
}

const char *miq_metrics_openmetrics(apr_pool_t *p, const miq_metrics_db *db)
{
    apr_array_header_t *out = apr_array_make(p, 256, sizeof(const char *));
    apr_array_header_t *snaps = snapshot(p);
    apr_uint64_t created = shm ? shm->created_s : 0;
    int i, j;

    PUT("# TYPE mcp_server_operation_duration_seconds histogram\n"
        "# UNIT mcp_server_operation_duration_seconds seconds\n"
        "# HELP mcp_server_operation_duration_seconds MCP request duration as seen by the "
        "server (OpenTelemetry mcp.server.operation.duration).\n");
    for (i = 0; i < snaps->nelts; i++) {
        const snap_t *s = &APR_ARRAY_IDX(snaps, i, snap_t);
        const char *l = series_labels(p, s);
        apr_uint64_t cum = 0, count;
        for (j = 0; j < NBUCKETS; j++) {
            cum += s->bucket[j];
            PUT("mcp_server_operation_duration_seconds_bucket{%s,le=\"%s\"} %" APR_UINT64_T_FMT
                "\n",
                l, bucket_le[j], cum);
        }
        /* counts are read one by one while children write: +Inf and _count
         * take the larger, so buckets never exceed them */
        count = s->count > cum ? s->count : cum;
        PUT("mcp_server_operation_duration_seconds_bucket{%s,le=\"+Inf\"} %" APR_UINT64_T_FMT "\n",
            l, count);
        PUT("mcp_server_operation_duration_seconds_count{%s} %" APR_UINT64_T_FMT "\n", l, count);
        PUT("mcp_server_operation_duration_seconds_sum{%s} %.6f\n", l, (double)s->sum_us / 1e6);
        PUT("mcp_server_operation_duration_seconds_created{%s} %" APR_UINT64_T_FMT "\n", l,
            created);
    }
    PUT("# TYPE momentiq_tool_calls counter\n"
        "# HELP momentiq_tool_calls MCP tools/call requests by tool and outcome.\n");
    for (i = 0; i < snaps->nelts; i++) {
        const snap_t *s = &APR_ARRAY_IDX(snaps, i, snap_t);
        if (!*s->tool)
            continue;
        PUT("momentiq_tool_calls_total{gen_ai_tool_name=\"%s\",outcome=\"ok\"} %" APR_UINT64_T_FMT
            "\n",
            s->tool, s->count - (s->errors > s->count ? s->count : s->errors));
        PUT("momentiq_tool_calls_total{gen_ai_tool_name=\"%s\",outcome=\"error\"} "
            "%" APR_UINT64_T_FMT "\n",
            s->tool, s->errors > s->count ? s->count : s->errors);
    }
    PUT("# TYPE momentiq_http_requests counter\n"
        "# HELP momentiq_http_requests Requests MomentIQ answered, by surface and outcome.\n");
    for (i = 0; i < MIQ_SURFACES; i++)
        for (j = 0; j < 3; j++)
            PUT("momentiq_http_requests_total{surface=\"%s\",outcome=\"%s\"} %" APR_UINT64_T_FMT
                "\n",
                surface_names[i], outcome_names[j],
                shm ? apr_atomic_read64(&shm->requests[i][j]) : 0);
    PUT("# TYPE momentiq_http_refusals counter\n"
        "# HELP momentiq_http_refusals Responses with status 401, 402, 403 or 429.\n");
    for (i = 0; i < 4; i++)
        PUT("momentiq_http_refusals_total{code=\"%d\"} %" APR_UINT64_T_FMT "\n", refusal_codes[i],
            shm ? apr_atomic_read64(&shm->refusals[i]) : 0);
    PUT("# TYPE momentiq_sse_streams gauge\n"
        "# HELP momentiq_sse_streams MCP responses streamed as server-sent events now.\n"
        "momentiq_sse_streams %" APR_UINT64_T_FMT "\n",
        shm ? apr_atomic_read64(&shm->sse_open) : 0);
    PUT("# TYPE momentiq_database_up gauge\n"
        "# HELP momentiq_database_up 1 when this scrape could read the database.\n"
        "momentiq_database_up %d\n",
        db && db->ok ? 1 : 0);
    if (db && db->ok) {
        PUT("# TYPE momentiq_jobs_queued gauge\n"
            "# HELP momentiq_jobs_queued Jobs waiting for a worker.\n"
            "momentiq_jobs_queued %" APR_INT64_T_FMT "\n"
            "# TYPE momentiq_jobs_running gauge\n"
            "# HELP momentiq_jobs_running Jobs a worker is running.\n"
            "momentiq_jobs_running %" APR_INT64_T_FMT "\n"
            "# TYPE momentiq_queue_oldest_age_seconds gauge\n"
            "# UNIT momentiq_queue_oldest_age_seconds seconds\n"
            "# HELP momentiq_queue_oldest_age_seconds Age of the oldest queued job (0: none).\n"
            "momentiq_queue_oldest_age_seconds %.3f\n"
            "# TYPE momentiq_workers_alive gauge\n"
            "# HELP momentiq_workers_alive Workers with a heartbeat in the last 30 seconds.\n"
            "momentiq_workers_alive %" APR_INT64_T_FMT "\n",
            db->queued, db->running, db->oldest_queued_s > 0 ? db->oldest_queued_s : 0,
            db->workers_alive);
        PUT("# TYPE momentiq_jobs_finished_last_day gauge\n"
            "# HELP momentiq_jobs_finished_last_day Jobs created in the last 24 hours that "
            "finished, by status.\n"
            "momentiq_jobs_finished_last_day{status=\"succeeded\"} %" APR_INT64_T_FMT "\n"
            "momentiq_jobs_finished_last_day{status=\"failed\"} %" APR_INT64_T_FMT "\n"
            "momentiq_jobs_finished_last_day{status=\"canceled\"} %" APR_INT64_T_FMT "\n"
            "# TYPE momentiq_credits_charged_last_day gauge\n"
            "# HELP momentiq_credits_charged_last_day Credits charged for jobs created in the "
            "last 24 hours.\n"
            "momentiq_credits_charged_last_day %" APR_INT64_T_FMT "\n",
            db->jobs_24h_succeeded, db->jobs_24h_failed, db->jobs_24h_canceled,
            db->credits_charged_24h);
        PUT("# TYPE momentiq_webhook_events_pending gauge\n"
            "# HELP momentiq_webhook_events_pending Webhook events waiting for delivery.\n"
            "momentiq_webhook_events_pending %" APR_INT64_T_FMT "\n"
            "# TYPE momentiq_webhook_oldest_pending_seconds gauge\n"
            "# UNIT momentiq_webhook_oldest_pending_seconds seconds\n"
            "# HELP momentiq_webhook_oldest_pending_seconds Age of the oldest waiting webhook "
            "event (0: none).\n"
            "momentiq_webhook_oldest_pending_seconds %.3f\n"
            "# TYPE momentiq_webhook_events_failed_last_day gauge\n"
            "# HELP momentiq_webhook_events_failed_last_day Webhook events given up on in the "
            "last 24 hours.\n"
            "momentiq_webhook_events_failed_last_day %" APR_INT64_T_FMT "\n",
            db->webhooks_pending, db->webhook_oldest_pending_s, db->webhooks_failed_24h);
    }
    if (db && db->ok && db->totals)
        put_totals(p, out, db->totals);
    APR_ARRAY_PUSH(out, const char *) = "# EOF\n";
    return apr_array_pstrcat(p, out, 0);
}

const char *miq_metrics_status(apr_pool_t *p, const miq_metrics_db *db, int short_report)
{
    apr_array_header_t *out = apr_array_make(p, 64, sizeof(const char *));
    apr_array_header_t *snaps = snapshot(p);
    int i, j;
    if (short_report) {
        for (i = 0; i < MIQ_SURFACES; i++)
            for (j = 0; j < 3; j++)
                PUT("MomentIQRequests_%s_%s: %" APR_UINT64_T_FMT "\n", surface_names[i],
                    outcome_names[j], shm ? apr_atomic_read64(&shm->requests[i][j]) : 0);
        for (i = 0; i < 4; i++)
            PUT("MomentIQRefusals_%d: %" APR_UINT64_T_FMT "\n", refusal_codes[i],
                shm ? apr_atomic_read64(&shm->refusals[i]) : 0);
        PUT("MomentIQSSEStreams: %" APR_UINT64_T_FMT "\n",
            shm ? apr_atomic_read64(&shm->sse_open) : 0);
        for (i = 0; i < snaps->nelts; i++) {
            const snap_t *s = &APR_ARRAY_IDX(snaps, i, snap_t);
            if (*s->tool)
                PUT("MomentIQToolCalls_%s: %" APR_UINT64_T_FMT "\n", s->tool, s->count);
        }
        if (db && db->ok)
            PUT("MomentIQQueueDepth: %" APR_INT64_T_FMT "\nMomentIQJobsRunning: %" APR_INT64_T_FMT
                "\n"
                "MomentIQOldestQueuedSeconds: %.0f\nMomentIQWorkersAlive: %" APR_INT64_T_FMT "\n"
                "MomentIQLastHeartbeatSeconds: %.0f\n",
                db->queued, db->running, db->oldest_queued_s > 0 ? db->oldest_queued_s : 0,
                db->workers_alive, db->last_heartbeat_s);
        else
            PUT("MomentIQDatabase: unavailable\n");
        return apr_array_pstrcat(p, out, 0);
    }
    PUT("<hr />\n<h2><a name=\"momentiq\">MomentIQ</a></h2>\n"
        "<table border=\"0\"><tr><th>surface</th><th>ok</th><th>client error</th>"
        "<th>server error</th></tr>\n");
    for (i = 0; i < MIQ_SURFACES; i++)
        PUT("<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td></tr>\n",
            surface_names[i], shm ? apr_atomic_read64(&shm->requests[i][0]) : 0,
            shm ? apr_atomic_read64(&shm->requests[i][1]) : 0,
            shm ? apr_atomic_read64(&shm->requests[i][2]) : 0);
    PUT("</table>\n<p>Refusals: 401 %" APR_UINT64_T_FMT ", 402 %" APR_UINT64_T_FMT
        ", 403 %" APR_UINT64_T_FMT ", 429 %" APR_UINT64_T_FMT ". Open SSE streams: "
        "%" APR_UINT64_T_FMT ".</p>\n",
        shm ? apr_atomic_read64(&shm->refusals[0]) : 0,
        shm ? apr_atomic_read64(&shm->refusals[1]) : 0,
        shm ? apr_atomic_read64(&shm->refusals[2]) : 0,
        shm ? apr_atomic_read64(&shm->refusals[3]) : 0,
        shm ? apr_atomic_read64(&shm->sse_open) : 0);
    PUT("<table border=\"0\"><tr><th>MCP method</th><th>tool</th><th>calls</th><th>errors</th>"
        "<th>mean ms</th></tr>\n");
    for (i = 0; i < snaps->nelts; i++) {
        const snap_t *s = &APR_ARRAY_IDX(snaps, i, snap_t);
        PUT("<tr><td>%s</td><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%.1f</td></tr>\n",
            s->method, *s->tool ? s->tool : "-", s->count, s->errors,
            s->count ? (double)s->sum_us / 1000.0 / (double)s->count : 0.0);
    }
    PUT("</table>\n");
    if (db && db->ok)
        PUT("<p>Queue: %" APR_INT64_T_FMT " queued (oldest %.0f s), %" APR_INT64_T_FMT
            " running. Workers alive: %" APR_INT64_T_FMT " (last "
            "heartbeat %.0f s ago).</p>\n",
            db->queued, db->oldest_queued_s > 0 ? db->oldest_queued_s : 0, db->running,
            db->workers_alive, db->last_heartbeat_s);
    else
        PUT("<p>Queue and workers: the database is unavailable.</p>\n");
    return apr_array_pstrcat(p, out, 0);
}
