/* The job tools over the shared services of miq_jobs.c: a reply becomes a
 * tool result (errors: isError with {"error":{code,message}} plus the reply's
 * extra fields, e.g. balance_credits and estimated_credits). Any valid token
 * may call them; create_job checks the endpoint's scope itself. */
#include <string.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_jobs.h"
#include "jobs/miq_uploads.h"
#include "base/miq_json.h"
#include "tools/miq_tools_jobs.h"
#include "mcp/miq_tool.h"
#include "mcp/miq_jsonrpc.h"

#define JOB_ANN_READ (MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT)

#define ENDPOINT_ENUM                                                                              \
    "{\"type\":\"string\",\"enum\":[\"audio/silence\",\"audio/energy\",\"video/scenes\","          \
    "\"video/frames\",\"video/clips\",\"timeline/moments\"],\"description\":\"Media endpoint\"}"
#define JOB_ID                                                                                     \
    "\"job_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"                            \
    "\"pattern\":\"^[A-Za-z0-9_-]+$\",\"description\":\"From momentiq.create_job\"}"

static void env_of(miq_tool_ctx *ctx, miq_jobs_env *env)
{
    memset(env, 0, sizeof(*env));
    env->pool = ctx->pool;
    env->srv = ctx->srv;
    env->db = ctx->db;
    env->caller = ctx->caller;
    env->storage_dir = ctx->storage_dir;
    env->file_url_ttl_s = ctx->file_url_ttl_s;
    env->now = apr_time_now();
    env->quotas = ctx->uploads ? ctx->uploads->quotas : NULL; /* the request's MomentIQQuota */
}

/* The error result with the reply's extra fields next to "error". */
static json_t *fail(miq_tool_ctx *ctx, const miq_reply *rep)
{
    json_t *r = miq_tool_fail(ctx, rep->code ? rep->code : "server_error",
                              rep->message ? rep->message : "error");
    if (json_is_object(rep->body))
        json_object_update_missing(json_object_get(r, "structuredContent"), rep->body);
    return r;
}

static const char *job_text(miq_tool_ctx *ctx, const json_t *job, const char *lead)
{
    const char *id = miq_json_str(job, "job_id", ""), *st = miq_json_str(job, "status", "");
    const json_t *err = json_object_get(job, "error");
    const char *t = apr_psprintf(ctx->pool, "%sJob %s (%s): %s, progress %d%%.", lead ? lead : "",
                                 id, miq_json_str(job, "endpoint", ""), st,
                                 (int)miq_json_int(job, "progress", 0));
    if (json_is_integer(json_object_get(job, "eta_s")))
        t = apr_psprintf(ctx->pool, "%s About %d s left.", t, (int)miq_json_int(job, "eta_s", 0));
    if (!strcmp(st, "queued") || !strcmp(st, "running"))
        t = apr_psprintf(ctx->pool,
                         "%s %d credits reserved. Poll with momentiq.get_job {\"job_id\":\"%s\","
                         "\"wait_s\":30} (at most 45 s per call) until it is succeeded.",
                         t, (int)miq_json_int(job, "estimated_credits", 0), id);
    else if (!strcmp(st, "succeeded"))
        t = apr_psprintf(ctx->pool,
                         "%s Charged %d credits. Read it with momentiq.get_job_result "
                         "{\"job_id\":\"%s\"} (format json, vtt, csv, edl, fcpxml or otio).",
                         t, (int)miq_json_int(job, "charged_credits", 0), id);
    else if (!strcmp(st, "failed") && json_is_object(err))
        t = apr_psprintf(ctx->pool, "%s Error %s: %s. Not billed.", t,
                         miq_json_str(err, "code", ""), miq_json_str(err, "message", ""));
    else if (!strcmp(st, "canceled"))
        t = apr_psprintf(ctx->pool, "%s Not billed; the reservation was released.", t);
    return t;
}

/* ---- momentiq.create_job ---- */

static json_t *create_job(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_create(&env, args, &rep);
    if (rep.status >= 400) {
        if (rep.code && !strcmp(rep.code, "connector_scope_denied"))
            miq_tool_event(ctx, "connector_scope_denied", miq_json_str(args, "endpoint", NULL),
                           NULL);
        return fail(ctx, &rep);
    }
    return miq_tool_ok(ctx, rep.body,
                       job_text(ctx, rep.body,
                                rep.status == 200 ? "Existing job for this idempotency_key. "
                                                  : "Created. "));
}

/* As a task (Tasks extension): the job is created in the tools/call request,
 * its id is the task's state, and reading the task polls the job; the task
 * completes with what momentiq.get_job shows once the job is finished. */
static json_t *create_job_begin(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *r = create_job(ctx, args);
    const char *job_id = miq_json_str(json_object_get(r, "structuredContent"), "job_id", NULL);
    if (!r || json_is_true(json_object_get(r, "isError")) || !job_id)
        return r;
    return miq_json_packp(ctx->pool, "{s:s}", "job_id", job_id);
}

static json_t *create_job_step(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    const char *st;
    (void)args;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_get(&env, miq_json_str(ctx->task->state, "job_id", ""), 0, &rep);
    if (rep.status >= 400)
        return miq_tool_rpc_error(ctx, MIQ_RPC_INTERNAL_ERROR,
                                  rep.message ? rep.message : "the task's job cannot be read",
                                  NULL);
    st = miq_json_str(rep.body, "status", "");
    if (!strcmp(st, "queued") || !strcmp(st, "running"))
        return miq_tool_task_working(ctx);
    if (!strcmp(st, "succeeded"))
        return miq_tool_ok(ctx, rep.body, job_text(ctx, rep.body, NULL));
    /* failed, or canceled outside the task: a tool error the model can read */
    rep.code = !strcmp(st, "failed")
                   ? miq_json_str(json_object_get(rep.body, "error"), "code", "job_failed")
                   : "canceled";
    rep.message = job_text(ctx, rep.body, NULL);
    return fail(ctx, &rep);
}

/* tasks/cancel: the job is canceled and its reservation released (a job
 * that finished meanwhile stays as it is). */
static void create_job_cancel(miq_tool_ctx *ctx, const json_t *state)
{
    miq_jobs_env env;
    miq_reply rep;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_cancel(&env, miq_json_str(state, "job_id", ""), &rep);
}

static const miq_task_def create_job_task = {MIQ_TASK_OPTIONAL, create_job_begin, create_job_step,
                                             create_job_cancel};

static const char create_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"endpoint\","
    "\"upload_id\"],\"properties\":{\"endpoint\":" ENDPOINT_ENUM ","
    "\"upload_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"description\":\"The media, from momentiq.create_upload\"},"
    "\"params\":{\"type\":\"object\",\"description\":\"The endpoint's params (see "
    "momentiq.get_endpoint_schema); defaults are filled in\"},"
    "\"idempotency_key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,"
    "\"description\":\"Send the same key when retrying: the same request returns the same job "
    "and is never charged twice\"},"
    "\"max_credits\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"Refuse (nothing "
    "enqueued or charged) if the estimate is above this\"}}}";

/* ---- momentiq.get_job ---- */

static json_t *get_job(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_get(&env, miq_json_str(args, "job_id", ""), (int)miq_json_int(args, "wait_s", 0),
                 &rep);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    return miq_tool_ok(ctx, rep.body, job_text(ctx, rep.body, NULL));
}

static const char get_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"job_id\"],"
    "\"properties\":{" JOB_ID ",\"wait_s\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":45,"
    "\"default\":0,\"description\":\"Wait up to this many seconds for the job to finish before "
    "answering (at most 45, so a 60 s tool timeout is never hit)\"}}}";

/* ---- momentiq.list_jobs ---- */

static json_t *list_jobs(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    const char *text;
    json_t *job;
    size_t i;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_list(&env, miq_json_str(args, "cursor", NULL), miq_json_str(args, "status", NULL),
                  (int)miq_json_int(args, "limit", 20), &rep);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    text = apr_psprintf(ctx->pool, "%d jobs, newest first.",
                        (int)json_array_size(json_object_get(rep.body, "jobs")));
    json_array_foreach(json_object_get(rep.body, "jobs"), i, job)
    {
        text = apr_psprintf(ctx->pool, "%s\n- %s %s %s %d%% (%s)", text,
                            miq_json_str(job, "job_id", ""), miq_json_str(job, "endpoint", ""),
                            miq_json_str(job, "status", ""), (int)miq_json_int(job, "progress", 0),
                            miq_json_str(job, "created_at", ""));
    }
    if (json_is_string(json_object_get(rep.body, "next_cursor")))
        text = apr_psprintf(ctx->pool, "%s\nMore: call again with cursor \"%s\".", text,
                            miq_json_str(rep.body, "next_cursor", ""));
    return miq_tool_ok(ctx, rep.body, text);
}

static const char list_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"cursor\":{\"type\":\"string\",\"maxLength\":400,\"description\":\"next_cursor of the "
    "previous page\"},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"queued\",\"running\",\"succeeded\",\"failed\","
    "\"canceled\"]},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":20}}}";
static const char list_out[] =
    "{\"type\":\"object\",\"required\":[\"jobs\",\"next_cursor\"],\"properties\":{"
    "\"jobs\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
    "\"next_cursor\":{\"type\":[\"string\",\"null\"]}}}";

/* ---- momentiq.get_job_result ---- */

/* Hosts cut tool text at ~150 KB and models read structuredContent verbatim:
 * a result stays under this many bytes, long lists shortened. */
#define RESULT_MAX_BYTES 100000

/* The array with the most items anywhere in v; *path names it ("result.frames"). */
static json_t *longest_array(apr_pool_t *p, json_t *v, const char *at, const char **path)
{
    json_t *best = NULL, *child, *found;
    const char *key, *child_path;
    size_t i;
    if (json_is_array(v)) {
        best = v;
        *path = at;
        json_array_foreach(v, i, child)
        {
            if ((found = longest_array(p, child, at, &child_path)) &&
                json_array_size(found) > json_array_size(best)) {
                best = found;
                *path = child_path;
            }
        }
    }
    else if (json_is_object(v)) {
        json_object_foreach(v, key, child)
        {
            const char *sub = *at ? apr_pstrcat(p, at, ".", key, NULL) : key;
            if ((found = longest_array(p, child, sub, &child_path)) &&
                (!best || json_array_size(found) > json_array_size(best))) {
                best = found;
                *path = child_path;
            }
        }
    }
    return best;
}

static const char *full_result_url(miq_tool_ctx *ctx, const char *job_id, const char *format)
{
    return apr_pstrcat(ctx->pool, ctx->srv->base_url, "/v1/jobs/", job_id, "/result",
                       strcmp(format, "json") ? "?format=" : "",
                       strcmp(format, "json") ? format : "", NULL);
}

/* The result, or a copy whose longest lists are halved until it fits, saying
 * which lists were shortened from how many items and where the whole is. */
static json_t *fit_result(miq_tool_ctx *ctx, json_t *body, const char *job_id)
{
    json_t *copy, *cut, *arr;
    const char *path = "";
    size_t target;
    int rounds;
    if (strlen(miq_json_dump(ctx->pool, body)) <= RESULT_MAX_BYTES)
        return body;
    copy = miq_json_pool(ctx->pool, json_deep_copy(body));
    cut = json_object();
    json_object_set_new(copy, "truncated_lists", cut);
    json_object_set_new(copy, "truncated", json_true());
    json_object_set_new(copy, "full_result_url", json_string(full_result_url(ctx, job_id, "json")));
    for (rounds = 0; rounds < 200; rounds++) {
        if (strlen(miq_json_dump(ctx->pool, copy)) <= RESULT_MAX_BYTES)
            return copy;
        if (!(arr = longest_array(ctx->pool, copy, "", &path)) || json_array_size(arr) < 2)
            break;
        if (!json_object_get(cut, path))
            json_object_set_new(cut, path, json_integer((json_int_t)json_array_size(arr)));
        target = json_array_size(arr) / 2;
        while (json_array_size(arr) > target)
            json_array_remove(arr, json_array_size(arr) - 1);
    }
    return miq_json_packp(ctx->pool, "{s:s,s:b,s:s,s:s}", "job_id", job_id, "truncated", 1,
                          "message", "the result is too large to return here; fetch it whole",
                          "full_result_url", full_result_url(ctx, job_id, "json"));
}

static json_t *get_job_result(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    const char *format = miq_json_str(args, "format", "json"), *ct = NULL, *text = NULL;
    const char *job_id = miq_json_str(args, "job_id", "");
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_result(&env, job_id, format, &rep, &ct, &text);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    if (text && strlen(text) > RESULT_MAX_BYTES / 2) { /* it is sent twice: text and structured */
        const char *end = text + RESULT_MAX_BYTES / 2, *url = full_result_url(ctx, job_id, format);
        while (end > text && *end != '\n')
            end--;
        text = apr_pstrndup(ctx->pool, text, end - text + 1);
        return miq_tool_ok(ctx,
                           miq_json_packp(ctx->pool, "{s:s,s:s,s:s,s:s,s:b,s:s}", "job_id", job_id,
                                          "format", format, "content_type", ct, "text", text,
                                          "truncated", 1, "full_result_url", url),
                           apr_pstrcat(ctx->pool, text,
                                       "(shortened at 50 KB; the whole file: ", url, ")", NULL));
    }
    if (text)
        return miq_tool_ok(ctx,
                           miq_json_packp(ctx->pool, "{s:s,s:s,s:s,s:s}", "job_id", job_id,
                                          "format", format, "content_type", ct, "text", text),
                           text);
    return miq_tool_ok(ctx, fit_result(ctx, rep.body, job_id), NULL);
}

static const char result_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"job_id\"],"
    "\"properties\":{" JOB_ID ",\"format\":{\"type\":\"string\",\"enum\":[\"json\",\"vtt\","
    "\"csv\",\"edl\",\"fcpxml\",\"otio\"],\"default\":\"json\",\"description\":\"json: the "
    "full result with signed file URLs; vtt: WebVTT chapters; csv: type,start,end,duration,score,"
    "label; edl: CMX3600 for video editors; fcpxml: Final Cut Pro XML 1.10 and otio: "
    "OpenTimelineIO JSON, with a marker per moment and the highlights as clips\"}}}";
static const char result_out[] = "{\"type\":\"object\"}";

/* ---- momentiq.refresh_output_urls ---- */

static json_t *refresh_urls(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_refresh_outputs(&env, miq_json_str(args, "job_id", ""), &rep);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    return miq_tool_ok(ctx, rep.body,
                       apr_psprintf(ctx->pool,
                                    "%d output URLs, valid until %s. Nothing was rerun or charged.",
                                    (int)json_array_size(json_object_get(rep.body, "outputs")),
                                    miq_json_str(rep.body, "expires_at", "")));
}

static const char job_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"job_id\"],"
    "\"properties\":{" JOB_ID "}}";
static const char refresh_out[] =
    "{\"type\":\"object\",\"required\":[\"job_id\",\"outputs\"],\"properties\":{"
    "\"job_id\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"},"
    "\"outputs\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"file\","
    "\"url\"],\"properties\":{\"list\":{\"type\":\"string\"},\"index\":{\"type\":\"integer\"},"
    "\"file\":{\"type\":\"string\"},\"url\":{\"type\":\"string\"},"
    "\"expires_at\":{\"type\":\"string\"}}}}}}";

/* ---- momentiq.cancel_job ---- */

static json_t *cancel_job(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep;
    env_of(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_cancel(&env, miq_json_str(args, "job_id", ""), &rep);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    return miq_tool_ok(ctx, rep.body, job_text(ctx, rep.body, "Canceled. "));
}

static const miq_tool_def tools[] = {
    {"momentiq.create_job", "Create a media analysis job",
     "Starts a paid analysis job on an uploaded file and returns its job_id at once (status "
     "queued). The estimated credits are reserved now and charged only when the job succeeds; "
     "failed or canceled jobs are not billed. With max_credits nothing is enqueued when the "
     "estimate is above it; with an idempotency_key a retry returns the same job instead of a "
     "second one. Errors: billing_required (free credits spent, no billing), "
     "insufficient_credits, spend_cap_exceeded (the monthly cap of the account or token), each "
     "with the numbers and a dashboard_url where the account owner fixes it; "
     "connector_scope_denied (the token lacks the endpoint's scope), not_found (unknown "
     "upload), invalid_request (params, or estimate above max_credits).",
     create_in, miq_endpoints_job_schema, 0, MIQ_SCOPE_ANY, 1, create_job},
    {"momentiq.get_job", "Get a job's status",
     "One job's status (queued, running, succeeded, failed, canceled), progress 0-100, eta_s "
     "while running, error and credits. With wait_s (1-45) it waits up to that many seconds "
     "for the job to finish before answering.",
     get_in, miq_endpoints_job_schema, JOB_ANN_READ, MIQ_SCOPE_ANY, 1, get_job},
    {"momentiq.list_jobs", "List jobs",
     "The account's jobs, newest first, optionally filtered by status; page with next_cursor.",
     list_in, list_out, JOB_ANN_READ, MIQ_SCOPE_ANY, 1, list_jobs},
    {"momentiq.get_job_result", "Get a job's result",
     "The result of a succeeded job: format json (default) gives the timestamped moments "
     "(silences, cuts, scenes, peaks, segments, highlights, frames, clips) with signed, expiring "
     "URLs for output files; vtt, csv and edl give WebVTT chapters, a CSV table and a CMX3600 "
     "edit decision list; fcpxml and otio give Final Cut Pro XML and OpenTimelineIO timelines "
     "with a marker per moment. A job that is not finished answers conflict. Results over "
     "100 KB are shortened (longest lists first) and say so, with the REST URL of the full result.",
     result_in, result_out, JOB_ANN_READ, MIQ_SCOPE_ANY, 1, get_job_result},
    {"momentiq.refresh_output_urls", "Refresh output URLs",
     "New signed URLs for a succeeded job's frames and clips when the old ones expired. Never "
     "reruns the job and costs nothing.",
     job_in, refresh_out, JOB_ANN_READ, MIQ_SCOPE_ANY, 1, refresh_urls},
    {"momentiq.cancel_job", "Cancel a job",
     "Stops a queued or running job; it is not billed and its reserved credits are released. "
     "A finished job cannot be canceled (conflict).",
     job_in, miq_endpoints_job_schema, MIQ_ANN_DESTRUCTIVE | MIQ_ANN_IDEMPOTENT, MIQ_SCOPE_ANY, 1,
     cancel_job},
};

const char *miq_jobs_tools_register(miq_registry *reg)
{
    const char *err;
    size_t i;
    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if ((err = miq_registry_add_tool(reg, &tools[i])))
            return err;
    return miq_registry_set_task(reg, "momentiq.create_job", &create_job_task);
}

void miq_jobs_tool_env(miq_tool_ctx *ctx, struct miq_jobs_env *env)
{
    env_of(ctx, env);
}

json_t *miq_jobs_tool_fit_result(miq_tool_ctx *ctx, json_t *result, const char *job_id)
{
    return fit_result(ctx, result, job_id);
}
