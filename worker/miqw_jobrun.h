/* Runs one job's analysis: open the upload, one demux pass feeding the
 * endpoint's analyses, outputs under the job's directory, and the result
 * (the endpoint's result schema) with the cost actually incurred. */
#ifndef MIQW_JOBRUN_H
#define MIQW_JOBRUN_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_server.h"
#include "miqw_media.h"

typedef struct miqw_job {
    const char *id;
    const char *endpoint;
    const char *input_path; /* absolute path of the upload */
    const char *out_dir;    /* absolute; created if needed */
    json_t *params;         /* as stored (defaults are applied here) */
    double reserved_s;      /* media duration the job was priced and reserved on; 0 unknown */
} miqw_job;

/* NULL with *result and *cost_credits, or an error with *code
 * ("unsupported_media", "invalid_request", "canceled", "server_error").
 * A pass stops at reserved_s plus a small slack (MIQW_LIMIT_SLACK_S), and the
 * cost is priced on the media the pass really read (never the header's
 * duration when the file is shorter); result.media then carries covered_s and
 * truncated (shorter than declared) or limited (more media than reserved). */
const char *miqw_job_run(apr_pool_t *p, const miqw_job *job, const miq_pricing *pricing,
                         miqw_progress_fn *progress, void *baton, json_t **result,
                         apr_int64_t *cost_credits, const char **code);

#endif
