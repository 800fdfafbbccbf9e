/* Uploads, estimates and jobs as services both surfaces share: the REST
 * handlers (/v1/...) render a miq_reply as HTTP, the MCP tools as a tool
 * result. Pure of httpd: the database through miq_db, files through APR. */
#ifndef MIQ_JOBS_H
#define MIQ_JOBS_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "db/miq_db.h"
#include "base/miq_server.h"
#include "base/miq_caller.h"
#include "base/miq_reply.h"
#include "limits/miq_quota.h"

typedef struct miq_jobs_env {
    apr_pool_t *pool;
    const miq_server *srv; /* pricing, base_url, secret for signed URLs */
    const miq_db *db;
    const miq_caller *caller; /* authenticated (account_id set) */
    const char *storage_dir;  /* MomentIQStorageDir */
    int file_url_ttl_s;       /* signed /files/ URL lifetime */
    apr_time_t now;
    const miq_quotas *quotas; /* MomentIQQuota (concurrent jobs, long-polls); NULL: none */
} miq_jobs_env;

/* POST /v1/estimate, momentiq.estimate_cost: {endpoint, upload_id | duration_s, params}. */
void miq_jobs_estimate(const miq_jobs_env *env, const json_t *req, miq_reply *out);
/* POST /v1/jobs, momentiq.create_job: {endpoint, upload_id, params, idempotency_key?,
 * max_credits?} -> 201 {job_id, status, estimated_credits, ...} (200 for an
 * idempotent repeat). Checks scope, params, price, the jobs quota (429
 * quota_exceeded), balance before enqueueing. */
void miq_jobs_create(const miq_jobs_env *env, const json_t *req, miq_reply *out);
/* GET /v1/jobs/{id}, momentiq.get_job (wait_s 0..45 waits for a terminal state).
 * A wait takes a long_polls quota slot for its length (429 quota_exceeded when
 * the account has its limit in flight). Between polls nothing is held but
 * what env->db holds: the REST glue gives a database that takes a pooled
 * connection per statement, so sleeping waits never pin DBDMax connections. */
void miq_jobs_get(const miq_jobs_env *env, const char *job_id, int wait_s, miq_reply *out);
/* GET /v1/jobs?cursor=&status=&limit= , momentiq.list_jobs. */
void miq_jobs_list(const miq_jobs_env *env, const char *cursor, const char *status, int limit,
                   miq_reply *out);
/* GET /v1/jobs/{id}/result?format=json|vtt|csv|edl|fcpxml|otio, momentiq.get_job_result.
 * For json, out->body; for the others *text and *content_type. Outputs carry
 * fresh signed URLs. 409 conflict while not succeeded. */
void miq_jobs_result(const miq_jobs_env *env, const char *job_id, const char *format,
                     miq_reply *out, const char **content_type, const char **text);
/* POST /v1/jobs/{id}/cancel, momentiq.cancel_job. */
void miq_jobs_cancel(const miq_jobs_env *env, const char *job_id, miq_reply *out);
/* POST /v1/jobs/{id}/outputs/refresh, momentiq.refresh_output_urls: new signed
 * URLs, never a rerun. */
void miq_jobs_refresh_outputs(const miq_jobs_env *env, const char *job_id, miq_reply *out);

#endif
