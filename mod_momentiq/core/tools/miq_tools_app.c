/* The MCP App: the timeline view as a ui:// resource whose CSP lists only this
 * server's origin (the view loads frames and calls nothing else), and the
 * app-only tool the view polls with. Hosts without the extension ignore the
 * _meta and keep the tools' text and structured content. */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "jobs/miq_jobs.h"
#include "mcp/miq_tool.h"
#include "tools/miq_tools_app.h"
#include "tools/miq_tools_jobs.h"

/* ---- the view ---- */

static json_t *ui_meta(apr_pool_t *p, const char *origin)
{
    return miq_json_packp(p, "{s:{s:{s:[s],s:[s]},s:b}}", "ui", "csp", "connectDomains", origin,
                          "resourceDomains", origin, "prefersBorder", 1);
}

static json_t *read_timeline(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    (void)baton;
    return miq_json_packp(ctx->pool, "[{s:s,s:s,s:s%,s:O}]", "uri", uri, "mimeType",
                          MIQ_APP_TIMELINE_MIME, "text", miq_app_timeline_html,
                          miq_app_timeline_html_len, "_meta",
                          ui_meta(ctx->pool, ctx->srv->base_url));
}

static const miq_resource_def timeline_view = {
    MIQ_APP_TIMELINE_URI,
    "timeline",
    "Job timeline",
    "Interactive timeline of a MomentIQ job's moments (silences, energy, scenes, peaks, "
    "highlights), for hosts that support MCP Apps.",
    MIQ_APP_TIMELINE_MIME,
    0,
    read_timeline,
    NULL,
};

/* ---- momentiq.app_job_timeline (visibility: app) ---- */

/* The job, with its result (URLs signed afresh) once it succeeded: the object
 * the timeline component draws. */
static json_t *app_job_timeline(miq_tool_ctx *ctx, const json_t *args)
{
    miq_jobs_env env;
    miq_reply rep, res;
    const char *id = miq_json_str(args, "job_id", ""), *ct = NULL, *text = NULL;
    json_t *job;
    miq_jobs_tool_env(ctx, &env);
    memset(&rep, 0, sizeof(rep));
    miq_jobs_get(&env, id, (int)miq_json_int(args, "wait_s", 0), &rep);
    if (rep.status >= 400)
        return miq_tool_fail(ctx, rep.code ? rep.code : "server_error",
                             rep.message ? rep.message : "the job could not be read");
    job = miq_json_pool(ctx->pool, json_deep_copy(rep.body));
    if (!strcmp(miq_json_str(job, "status", ""), "succeeded")) {
        memset(&res, 0, sizeof(res));
        miq_jobs_result(&env, id, "json", &res, &ct, &text);
        if (res.status < 400 && json_is_object(res.body))
            json_object_set(job, "result", miq_jobs_tool_fit_result(ctx, res.body, id));
    }
    return miq_tool_ok(ctx, miq_json_packp(ctx->pool, "{s:O}", "job", job),
                       apr_psprintf(ctx->pool, "Job %s: %s, progress %d%%.", id,
                                    miq_json_str(job, "status", ""),
                                    (int)miq_json_int(job, "progress", 0)));
}

static const char app_job_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"job_id\"],"
    "\"properties\":{\"job_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,"
    "\"pattern\":\"^[A-Za-z0-9_-]+$\"},\"wait_s\":{\"type\":\"integer\",\"minimum\":0,"
    "\"maximum\":20,\"default\":0,\"description\":\"Wait up to this many seconds for a running "
    "job to finish\"}}}";
static const char app_job_out[] =
    "{\"type\":\"object\",\"required\":[\"job\"],\"properties\":{\"job\":{\"type\":\"object\","
    "\"required\":[\"job_id\",\"status\"]}}}";

static const miq_tool_def app_tool = {
    "momentiq.app_job_timeline",
    "Timeline data of a job (view only)",
    "For the MomentIQ timeline view: one job with its status and, once it succeeded, its "
    "result with freshly signed output URLs; waits up to wait_s (at most 20) seconds for a "
    "running job. Hidden from the model (visibility app).",
    app_job_in,
    app_job_out,
    MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT,
    MIQ_SCOPE_ANY,
    1,
    app_job_timeline,
};

/* The tools whose results the view draws. */
static const char *const with_view[] = {"momentiq.create_job", "momentiq.get_job",
                                        "momentiq.get_job_result", NULL};

const char *miq_app_register(miq_registry *reg, apr_pool_t *p, const char *base_url)
{
    const char *err;
    int i;
    if ((err = miq_registry_add_resource(reg, &timeline_view)) ||
        (err = miq_registry_add_tool(reg, &app_tool)))
        return err;
    for (i = 0; with_view[i]; i++)
        if ((err = miq_registry_set_tool_meta(reg, with_view[i],
                                              "{\"ui\":{\"resourceUri\":\"" MIQ_APP_TIMELINE_URI
                                              "\"}}")))
            return err;
    if ((err = miq_registry_set_tool_meta(reg, app_tool.name,
                                          "{\"ui\":{\"resourceUri\":\"" MIQ_APP_TIMELINE_URI
                                          "\",\"visibility\":[\"app\"]}}")))
        return err;
    /* the listing states the same CSP as the content, so a host can review it early */
    return miq_registry_set_resource_meta(reg, MIQ_APP_TIMELINE_URI,
                                          miq_json_dump(p, ui_meta(p, base_url)));
}
