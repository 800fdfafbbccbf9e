/* Internals shared by miq_jobs.c (create, get, list, cancel, estimate) and
 * miq_jobs_result.c (results, renderings, output URLs). Not an API. */
#ifndef MIQ_JOBS_INT_H
#define MIQ_JOBS_INT_H

#include "jobs/miq_jobs.h"

/* Columns of MIQ_SQL_JOB_GET (MIQ_SQL_JOB_LIST has the first 16, then the
 * creation time with microseconds for the cursor). */
enum {
    MIQ_JC_ID,
    MIQ_JC_ENDPOINT,
    MIQ_JC_UPLOAD,
    MIQ_JC_PARAMS,
    MIQ_JC_STATUS,
    MIQ_JC_PROGRESS,
    MIQ_JC_ESTIMATED,
    MIQ_JC_CHARGED,
    MIQ_JC_ATTEMPTS,
    MIQ_JC_ERR_CODE,
    MIQ_JC_ERR_MSG,
    MIQ_JC_KEY,
    MIQ_JC_CREATED,
    MIQ_JC_STARTED,
    MIQ_JC_FINISHED,
    MIQ_JC_UPDATED,
    MIQ_JC_RESULT, /* JOB_GET */
    MIQ_JC_VIEW_COLS = MIQ_JC_RESULT,
    MIQ_JC_LIST_CURSOR = MIQ_JC_RESULT /* JOB_LIST: created_at to the microsecond */
};

/* Arguments of MIQ_SQL_JOB_LIST (a NULL pair leaves that filter out). */
enum {
    MIQ_JLA_ACCOUNT,
    MIQ_JLA_CURSOR_TIME,
    MIQ_JLA_CURSOR_TIME2,
    MIQ_JLA_CURSOR_ID,
    MIQ_JLA_STATUS,
    MIQ_JLA_STATUS2,
    MIQ_JLA_FAMILIES,
    MIQ_JLA_FAMILIES2,
    MIQ_JLA_LIMIT,
    MIQ_JLA_COUNT
};

/* Runs a statement; on a database error sets a 503 reply and returns NULL. */
apr_array_header_t *miq_jobs_query(const miq_jobs_env *env, apr_pool_t *p, miq_sql_id_e id,
                                   int nargs, const char *const *args, int *ncols, miq_reply *out);
/* The caller's job row (MIQ_SQL_JOB_GET) or NULL with a 404/503 reply. */
const char **miq_jobs_fetch(const miq_jobs_env *env, apr_pool_t *p, const char *job_id,
                            miq_reply *out);
/* The job view (catalog job schema, plus eta_s while running), pool-bound. */
json_t *miq_jobs_view(const miq_jobs_env *env, const char *const *row);
/* "2025-01-02T03:04:05.678Z" -> apr time; 0 when it does not parse. */
apr_time_t miq_jobs_parse_time(const char *s);
/* Whether the caller may proceed: authenticated with a database. */
int miq_jobs_ready(const miq_jobs_env *env, miq_reply *out);

#endif
