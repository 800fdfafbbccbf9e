/* The SQL catalog: every statement MomentIQ runs, declared once, prepared by
 * httpd (ap_dbd_prepare) and by the worker and momentiqctl (apr_dbd_prepare)
 * under the same label. Placeholders are apr_dbd's (%s, %d). */
#ifndef MIQ_SQL_H
#define MIQ_SQL_H

#include <apr_pools.h>

typedef enum {
    MIQ_SQL_STATUS,
    MIQ_SQL_SESSION_CREATE,
    MIQ_SQL_SESSION_GET,
    MIQ_SQL_SESSION_RENEW,
    MIQ_SQL_SESSION_DELETE,
    MIQ_SQL_SESSION_SET_LEVEL,
    MIQ_SQL_CLIENT_RESPONSE_PUT,
    MIQ_SQL_CLIENT_RESPONSE_TAKE,
    MIQ_SQL_REQUEST_RECORD_BATCH,
    MIQ_SQL_WORKER_HEARTBEAT,
    MIQ_SQL_WORKER_GONE,
    /* accounts and dashboard sessions */
    MIQ_SQL_ACCOUNT_CREATE,
    MIQ_SQL_ACCOUNT_BY_EMAIL,
    MIQ_SQL_ACCOUNT_REHASH,
    MIQ_SQL_ACCOUNT_EXTERNAL,
    MIQ_SQL_ACCOUNT_LINK_REMOTE,
    MIQ_SQL_AUTH_SESSION_CREATE,
    MIQ_SQL_AUTH_SESSION_GET,
    MIQ_SQL_AUTH_SESSION_REVOKE,
    MIQ_SQL_THROTTLE_CHECK,
    MIQ_SQL_THROTTLE_FAIL,
    MIQ_SQL_THROTTLE_RESET,
    /* API keys and connector tokens */
    MIQ_SQL_TOKEN_CREATE,
    MIQ_SQL_TOKEN_LIST,
    MIQ_SQL_TOKEN_REVOKE,
    MIQ_SQL_TOKEN_CHECK,
    MIQ_SQL_TOKEN_TOUCH,
    MIQ_SQL_AUTH_EVENTS_BATCH,
    /* uploads, jobs, credits */
    MIQ_SQL_UPLOAD_CREATE,
    MIQ_SQL_UPLOAD_GET,
    MIQ_SQL_UPLOAD_DELETE,
    MIQ_SQL_UPLOAD_JOB_IDS,
    MIQ_SQL_UPLOAD_PUT_GET,
    MIQ_SQL_UPLOAD_READY,
    MIQ_SQL_UPLOAD_PURGE,
    MIQ_SQL_OUTPUTS_PURGEABLE,
    MIQ_SQL_JOB_CREATE,
    MIQ_SQL_JOB_GET,
    MIQ_SQL_JOB_LIST,
    MIQ_SQL_JOB_CANCEL,
    MIQ_SQL_JOB_CLAIM,
    MIQ_SQL_JOB_HEARTBEAT,
    MIQ_SQL_JOB_SUCCEED,
    MIQ_SQL_JOB_FAIL,
    MIQ_SQL_CREDITS_GRANT,
    MIQ_SQL_BALANCE,
    MIQ_SQL_BALANCE_BY_EMAIL,
    /* billing (issue 6) */
    MIQ_SQL_BILLING_GET,
    MIQ_SQL_BILLING_SET,
    MIQ_SQL_TOKEN_CAP_SET,
    MIQ_SQL_LEDGER_PAGE,
    MIQ_SQL_USAGE,
    MIQ_SQL_STRIPE_EVENT,
    MIQ_SQL_BILLING_SHOW,
    MIQ_SQL_BILLING_REPORT,
    /* OAuth 2.1 authorization server (issue 4) */
    MIQ_SQL_OAUTH_CLIENT_GET,
    MIQ_SQL_OAUTH_CLIENT_PUT,
    MIQ_SQL_OAUTH_CODE_CREATE,
    MIQ_SQL_OAUTH_CODE_REDEEM,
    MIQ_SQL_OAUTH_REFRESH,
    MIQ_SQL_OAUTH_TOKEN_FIND,
    MIQ_SQL_OAUTH_ACCESS_REVOKE,
    MIQ_SQL_OAUTH_FAMILY_REVOKE,
    MIQ_SQL_OAUTH_TRAIL_ADD,
    MIQ_SQL_OAUTH_TRAIL_GET,
    MIQ_SQL_PURGE_TRANSIENT,
    MIQ_SQL_RATE_HIT,
    /* account quotas (sql/011) */
    MIQ_SQL_QUOTA_USAGE,
    MIQ_SQL_QUOTA_LEASE,
    MIQ_SQL_QUOTA_RELEASE,
    /* the dashboard's own data (sql/013, core/dashboard) */
    MIQ_SQL_DASH_CALLER,
    MIQ_SQL_DASH_ACCOUNT,
    MIQ_SQL_DASH_PASSWORD_SET,
    MIQ_SQL_DASH_SESSIONS,
    MIQ_SQL_DASH_SESSIONS_REVOKE_ALL,
    MIQ_SQL_DASH_UPLOAD_LIST,
    MIQ_SQL_DASH_OAUTH_APPS,
    MIQ_SQL_DASH_OAUTH_APP_REVOKE,
    MIQ_SQL_DASH_MCP_USAGE,
    MIQ_SQL_DASH_EXPORT,
    MIQ_SQL_DASH_ACCOUNT_DELETE,
    MIQ_SQL_STORAGE_REMOVED,
    MIQ_SQL_STORAGE_REMOVALS,
    /* webhooks (sql/015) */
    MIQ_SQL_WEBHOOK_ENDPOINT_CREATE,
    MIQ_SQL_WEBHOOK_ENDPOINT_LIST,
    MIQ_SQL_WEBHOOK_ENDPOINT_UPDATE,
    MIQ_SQL_WEBHOOK_ENDPOINT_DELETE,
    MIQ_SQL_WEBHOOK_TEST_EVENT,
    MIQ_SQL_WEBHOOK_DELIVERIES,
    MIQ_SQL_WEBHOOK_CLAIM,
    MIQ_SQL_WEBHOOK_RECORD,
    /* MCP tasks (sql/014) */
    MIQ_SQL_TASK_CREATE,
    MIQ_SQL_TASK_GET,
    MIQ_SQL_TASK_SETTLE,
    MIQ_SQL_TASK_ANSWER,
    MIQ_SQL_TASK_CANCEL,
    /* operators' reports, request log partitions, trace context (sql/016) */
    MIQ_SQL_REPORT_MCP_INIT_SUCCESS,
    MIQ_SQL_REPORT_PAID_TOOL_ERRORS,
    MIQ_SQL_REPORT_REFUSALS,
    MIQ_SQL_REPORT_QUEUE_AGE,
    MIQ_SQL_REPORT_FAILED_JOBS,
    MIQ_SQL_REPORT_CONNECTOR_USAGE,
    MIQ_SQL_REPORT_TOP_SPENDERS,
    MIQ_SQL_REPORT_TOP_FAILED,
    MIQ_SQL_REPORT_TOP_TOOLS,
    MIQ_SQL_REPORT_READINESS_WARNINGS,
    MIQ_SQL_REPORT_CLIP_WORKFLOWS,
    MIQ_SQL_REPORT_RATE_LIMIT_REFUSALS,
    MIQ_SQL_REPORT_WEBHOOK_FAILURES,
    MIQ_SQL_REQUESTS_MAINTAIN,
    MIQ_SQL_JOB_TRACE_GET,
    MIQ_SQL_METRICS_DB,
    MIQ_SQL_COUNT
} miq_sql_id_e;

typedef struct miq_sql_stmt {
    miq_sql_id_e id;
    const char *label; /* unique, used as the prepared statement name */
    const char *sql;
} miq_sql_stmt;

const miq_sql_stmt *miq_sql_get(miq_sql_id_e id);
/* A PostgreSQL array literal ("{...}") of n values; NULL or "" values become
 * NULL elements. For the unnest() batch statements. */
const char *miq_sql_array_literal(apr_pool_t *p, const char *const *vals, int n);
const miq_sql_stmt *miq_sql_all(void); /* MIQ_SQL_COUNT entries, in id order */

#endif
