/* The public MCP surface: seven free, read-only tools, the guide/endpoint/
 * example resources with completions, and one prompt per workflow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "guide/miq_guide.h"
#include "base/miq_json.h"
#include "mcp/miq_tool.h"
#include "base/miq_text.h"

#define PUBLIC_ANN         (MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT)
#define DEFAULT_DURATION_S 600.0

#define ENDPOINT_ENUM                                                                              \
    "{\"type\":\"string\",\"enum\":[\"audio/silence\",\"audio/energy\",\"video/scenes\","          \
    "\"video/frames\",\"video/clips\",\"timeline/moments\"],\"description\":\"Media endpoint\"}"
#define LANGUAGE_ENUM "{\"type\":\"string\",\"enum\":[\"curl\",\"python\",\"javascript\",\"mcp\"]}"
#define NO_ARGS       "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"
#define ENDPOINT_LISTING                                                                           \
    "{\"type\":\"object\",\"required\":[\"name\",\"title\",\"summary\",\"scope\"],"                \
    "\"properties\":{\"name\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"              \
    "\"summary\":{\"type\":\"string\"},\"description\":{\"type\":\"string\"},"                     \
    "\"detects\":{\"type\":\"string\"},\"media\":{\"type\":\"string\"},"                           \
    "\"scope\":{\"type\":\"string\"},\"result_lists\":{\"type\":\"array\","                        \
    "\"items\":{\"type\":\"string\"}},\"price\":{\"type\":\"object\"}}}"

static const miq_pricing *pricing_of(miq_tool_ctx *ctx)
{
    return ctx->srv && ctx->srv->pricing ? ctx->srv->pricing : miq_pricing_default(ctx->pool);
}

static const char *base_of(miq_tool_ctx *ctx)
{
    return miq_guide_base(ctx->pool, ctx->srv ? ctx->srv->base_url : NULL);
}

/* {unit, credits} of an endpoint's main unit. */
static json_t *price_of(miq_tool_ctx *ctx, const miq_endpoint *e)
{
    json_t *table = miq_pricing_table_json(ctx->pool, pricing_of(ctx)), *row, *out = json_array();
    size_t i;
    json_array_foreach(json_object_get(table, "prices"), i, row)
    {
        if (!strcmp(miq_json_str(row, "endpoint", ""), e->name))
            json_array_append_new(out, json_pack("{s:s,s:f}", "unit", miq_json_str(row, "unit", ""),
                                                 "credits", miq_json_num(row, "credits", 0)));
    }
    return out;
}

/* ---- momentiq.get_agent_guide ---- */

static json_t *tool_guide(miq_tool_ctx *ctx, const json_t *args)
{
    const char *base = base_of(ctx);
    const char *md = miq_guide_markdown(ctx->pool, base, pricing_of(ctx));
    json_t *s;
    (void)args;
    s = json_pack("{s:s,s:s,s:s,s:o}", "guide", md, "mcp_url",
                  apr_pstrcat(ctx->pool, base, "/mcp", NULL), "api_base",
                  apr_pstrcat(ctx->pool, base, "/v1", NULL), "endpoints",
                  json_incref(miq_endpoints_names_json(ctx->pool)));
    return miq_tool_ok(ctx, miq_json_pool(ctx->pool, s), md);
}

static const char guide_out[] =
    "{\"type\":\"object\",\"required\":[\"guide\",\"mcp_url\",\"api_base\",\"endpoints\"],"
    "\"properties\":{\"guide\":{\"type\":\"string\",\"description\":\"Markdown\"},"
    "\"mcp_url\":{\"type\":\"string\"},\"api_base\":{\"type\":\"string\"},"
    "\"endpoints\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}";

/* ---- momentiq.list_endpoints ---- */

static json_t *tool_list_endpoints(miq_tool_ctx *ctx, const json_t *args)
{
    const char *media = miq_json_str(args, "media", NULL);
    const char *md = "| endpoint | what it finds | media | price |\n|---|---|---|---|\n";
    json_t *arr = json_array();
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    for (i = 0; i < n; i++) {
        json_t *o, *price;
        if (media && !strcmp(media, "audio") && !strncmp(all[i]->name, "video/", 6))
            continue;
        o = json_deep_copy(miq_endpoints_endpoint_json(ctx->pool, all[i], 0));
        price = miq_json_pool(ctx->pool, price_of(ctx, all[i]));
        json_object_set_new(o, "price", json_incref(json_array_get(price, 0)));
        md = apr_psprintf(ctx->pool, "%s| `%s` | %s | %s | %s / %s |\n", md, all[i]->name,
                          all[i]->detects, all[i]->media,
                          miq_text_num(ctx->pool,
                                       miq_json_num(json_array_get(price, 0), "credits", 0)),
                          miq_json_str(json_array_get(price, 0), "unit", ""));
        json_array_append_new(arr, o);
    }
    md = apr_pstrcat(ctx->pool, md,
                     "\nCall momentiq.get_endpoint_schema for params and result schemas, "
                     "momentiq.estimate_cost for a price.\n",
                     NULL);
    return miq_tool_ok(ctx, miq_json_packp(ctx->pool, "{s:o}", "endpoints", arr), md);
}

static const char list_endpoints_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"media\":{\"type\":\"string\",\"enum\":[\"audio\",\"video\"],"
    "\"description\":\"audio: only endpoints that work on audio-only files\"}}}";
static const char list_endpoints_out[] =
    "{\"type\":\"object\",\"required\":[\"endpoints\"],\"properties\":{\"endpoints\":"
    "{\"type\":\"array\",\"items\":" ENDPOINT_LISTING "}}}";

/* ---- momentiq.get_endpoint_schema ---- */

static const miq_endpoint *endpoint_arg(const json_t *args)
{
    return miq_endpoints_find(miq_json_str(args, "endpoint", NULL));
}

static json_t *fail_endpoint(miq_tool_ctx *ctx, const json_t *args)
{
    return miq_tool_fail(ctx, "invalid_request",
                         apr_psprintf(ctx->pool,
                                      "unknown endpoint '%s'; use one of audio/silence, "
                                      "audio/energy, video/scenes, video/frames, video/clips, "
                                      "timeline/moments",
                                      miq_json_str(args, "endpoint", "")));
}

static const char *pretty(apr_pool_t *p, const json_t *v)
{
    return miq_endpoints_json(p, v, 2);
}

static json_t *tool_schema(miq_tool_ctx *ctx, const json_t *args)
{
    const miq_endpoint *e = endpoint_arg(args);
    json_t *o;
    const char *md;
    if (!e)
        return fail_endpoint(ctx, args);
    o = json_deep_copy(miq_endpoints_endpoint_json(ctx->pool, e, 1));
    json_object_set_new(o, "price", price_of(ctx, e));
    miq_json_pool(ctx->pool, o);
    md = apr_psprintf(ctx->pool,
                      "## %s (`%s`)\n\n%s\n\nScope: `%s`. Result lists: %s.\n\n"
                      "### params schema\n\n```json\n%s\n```\n\n### result schema\n\n"
                      "```json\n%s\n```\n\nExample params: `%s`\n",
                      e->title, e->name, e->description, miq_json_str(o, "scope", ""),
                      e->result_lists, pretty(ctx->pool, json_object_get(o, "params_schema")),
                      pretty(ctx->pool, json_object_get(o, "result_schema")), e->example_params);
    return miq_tool_ok(ctx, o, md);
}

static const char schema_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"endpoint\"],"
    "\"properties\":{\"endpoint\":" ENDPOINT_ENUM "}}";
static const char schema_out[] =
    "{\"type\":\"object\",\"required\":[\"name\",\"params_schema\",\"result_schema\"],"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
    "\"description\":{\"type\":\"string\"},\"scope\":{\"type\":\"string\"},"
    "\"params_schema\":{\"type\":\"object\"},\"result_schema\":{\"type\":\"object\"},"
    "\"example_params\":{\"type\":\"object\"},\"price\":{\"type\":\"array\"}}}";

/* ---- momentiq.estimate_cost ---- */

static json_t *tool_estimate(miq_tool_ctx *ctx, const json_t *args)
{
    const miq_endpoint *e = endpoint_arg(args);
    const json_t *params = json_object_get(args, "params");
    json_t *dur = json_object_get(args, "duration_s"), *full, *out;
    miq_price_quote q;
    const char *err;
    double d;
    if (!e)
        return fail_endpoint(ctx, args);
    if (!json_is_number(dur) || !isfinite(json_number_value(dur)) || json_number_value(dur) < 0)
        return miq_tool_fail(ctx, "invalid_request", "duration_s must be a number of seconds >= 0");
    d = json_number_value(dur);
    if ((err = miq_endpoints_check_params(ctx->pool, e, params, d)))
        return miq_tool_fail(ctx, "invalid_request", err);
    full = miq_endpoints_apply_defaults(ctx->pool, e, params);
    if ((err = miq_pricing_estimate(pricing_of(ctx), ctx->pool, e->name, d, full, &q)))
        return miq_tool_fail(ctx, "invalid_request", err);
    out = json_deep_copy(miq_price_quote_json(ctx->pool, &q));
    json_object_set(out, "params", full);
    return miq_tool_ok(
        ctx, miq_json_pool(ctx->pool, out),
        apr_psprintf(ctx->pool,
                     "**%s** for %s s of media: %s\n\nPass max_credits %" APR_INT64_T_FMT " to "
                     "momentiq.create_job to cap the spend.",
                     e->name, miq_text_num(ctx->pool, d), miq_price_quote_text(ctx->pool, &q),
                     q.credits));
}

static const char estimate_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"endpoint\","
    "\"duration_s\"],\"properties\":{\"endpoint\":" ENDPOINT_ENUM ","
    "\"duration_s\":{\"type\":\"number\",\"minimum\":0,\"maximum\":31622400,"
    "\"description\":\"Media duration in seconds (from the upload's probe)\"},"
    "\"params\":{\"type\":\"object\",\"description\":\"The job params; see "
    "momentiq.get_endpoint_schema. Needed for video/frames and video/clips.\"}}}";

/* ---- momentiq.list_workflows ---- */

static json_t *tool_workflows(miq_tool_ctx *ctx, const json_t *args)
{
    double d = miq_json_num(args, "duration_s", DEFAULT_DURATION_S);
    const miq_workflow *const *all;
    const char *md = "";
    json_t *arr = json_array();
    apr_size_t i, n;
    if (!(d > 0))
        d = DEFAULT_DURATION_S;
    all = miq_workflows_all(&n);
    md = apr_psprintf(ctx->pool, "# MomentIQ workflows (estimates for %.0f s of media)\n\n", d);
    for (i = 0; i < n; i++) {
        json_array_append(arr, miq_workflow_json(ctx->pool, pricing_of(ctx), all[i], d));
        md = apr_pstrcat(ctx->pool, md,
                         miq_workflow_markdown(ctx->pool, pricing_of(ctx), all[i], d), "\n", NULL);
    }
    md = apr_pstrcat(ctx->pool, md, "Each workflow is also an MCP prompt of the same name.\n",
                     NULL);
    return miq_tool_ok(ctx, miq_json_packp(ctx->pool, "{s:o}", "workflows", arr), md);
}

static const char workflows_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"duration_s\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":31622400,"
    "\"default\":600,\"description\":\"Media length used for the credit estimates\"}}}";
static const char workflows_out[] =
    "{\"type\":\"object\",\"required\":[\"workflows\"],\"properties\":{\"workflows\":"
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"name\",\"title\","
    "\"steps\",\"credit_formula\",\"estimate\"],\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"title\":{\"type\":\"string\"},\"summary\":{\"type\":\"string\"},"
    "\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"endpoint\","
    "\"params\"],\"properties\":{\"endpoint\":{\"type\":\"string\"},"
    "\"params\":{\"type\":\"object\"}}}},\"credit_formula\":{\"type\":\"string\"},"
    "\"estimate\":{\"type\":\"object\"}}}}}}";

/* ---- momentiq.plan_integration ---- */

static json_t *tool_plan(miq_tool_ctx *ctx, const json_t *args)
{
    miq_plan_request req;
    json_t *plan = NULL;
    const char *err;
    memset(&req, 0, sizeof(req));
    req.goal = miq_json_str(args, "goal", NULL);
    req.platform = miq_json_str(args, "platform", NULL);
    req.client = miq_json_str(args, "client", NULL);
    req.media = miq_json_str(args, "media", NULL);
    req.duration_s = miq_json_num(args, "duration_s", 0);
    req.items_per_month = miq_json_int(args, "items_per_month", 0);
    if ((err = miq_plan_integration(ctx->pool, base_of(ctx), pricing_of(ctx), &req, &plan)))
        return miq_tool_fail(ctx, "invalid_request", err);
    return miq_tool_ok(ctx, plan, miq_plan_markdown(ctx->pool, plan));
}

static const char plan_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"goal\"],"
    "\"properties\":{"
    "\"goal\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":2000,"
    "\"description\":\"What you are building, in a sentence (e.g. 'trim silences from our "
    "podcast episodes')\"},"
    "\"platform\":{\"type\":\"string\",\"enum\":[\"python\",\"javascript\",\"curl\",\"mcp\"],"
    "\"description\":\"Language of the code example; default follows the client\"},"
    "\"client\":{\"type\":\"string\",\"enum\":[\"chatgpt\",\"claude\",\"cursor\",\"backend\","
    "\"other\"],\"description\":\"Who calls MomentIQ; decides the auth method\"},"
    "\"media\":{\"type\":\"string\",\"enum\":[\"audio\",\"video\"]},"
    "\"duration_s\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":31622400,"
    "\"description\":\"Typical media length (default 600)\"},"
    "\"items_per_month\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100000000}}}";
static const char plan_out[] =
    "{\"type\":\"object\",\"required\":[\"goal\",\"client\",\"platform\",\"transport\","
    "\"endpoints\",\"auth\",\"steps\",\"cost\",\"pitfalls\"],\"properties\":{"
    "\"goal\":{\"type\":\"string\"},\"client\":{\"type\":\"string\"},"
    "\"platform\":{\"type\":\"string\"},\"transport\":{\"type\":\"string\",\"enum\":[\"mcp\","
    "\"rest\"]},\"media\":{\"type\":\"string\"},\"workflow\":{\"type\":\"string\"},"
    "\"endpoints\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":"
    "[\"endpoint\",\"params\"],\"properties\":{\"endpoint\":{\"type\":\"string\"},"
    "\"why\":{\"type\":\"string\"},\"params\":{\"type\":\"object\"}}}},"
    "\"auth\":{\"type\":\"object\",\"required\":[\"method\"],\"properties\":{\"method\":"
    "{\"type\":\"string\",\"enum\":[\"oauth_connector\",\"connector_token\",\"api_key\"]},"
    "\"scopes\":{\"type\":\"string\"},\"header\":{\"type\":\"string\"},"
    "\"how\":{\"type\":\"string\"}}},"
    "\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"step\","
    "\"title\",\"detail\"]}},"
    "\"cost\":{\"type\":\"object\",\"required\":[\"per_item_credits\"],\"properties\":{"
    "\"per_item_credits\":{\"type\":\"integer\"},\"per_month_credits\":{\"type\":\"integer\"}}},"
    "\"pitfalls\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"code_example\":{\"type\":\"object\"}}}";

/* ---- momentiq.get_code_example ---- */

static json_t *tool_example(miq_tool_ctx *ctx, const json_t *args)
{
    const miq_endpoint *e = endpoint_arg(args);
    const char *lang = miq_json_str(args, "language", "");
    const char *code;
    if (!e)
        return fail_endpoint(ctx, args);
    code = miq_code_example(ctx->pool, base_of(ctx), pricing_of(ctx), e, lang);
    if (!code)
        return miq_tool_fail(ctx, "invalid_request",
                             apr_psprintf(ctx->pool,
                                          "unknown language '%s'; use curl, python, "
                                          "javascript or mcp",
                                          lang));
    return miq_tool_ok(ctx,
                       miq_json_packp(ctx->pool, "{s:s,s:s,s:s,s:s}", "endpoint", e->name,
                                      "language", lang, "base_url", base_of(ctx), "code", code),
                       apr_psprintf(ctx->pool, "%s example for `%s`:\n\n```%s\n%s```\n", lang,
                                    e->name,
                                    !strcmp(lang, "curl")  ? "bash"
                                    : !strcmp(lang, "mcp") ? "text"
                                                           : lang,
                                    code));
}

static const char example_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"endpoint\","
    "\"language\"],\"properties\":{\"endpoint\":" ENDPOINT_ENUM ",\"language\":" LANGUAGE_ENUM "}}";
static const char example_out[] =
    "{\"type\":\"object\",\"required\":[\"endpoint\",\"language\",\"code\"],\"properties\":{"
    "\"endpoint\":{\"type\":\"string\"},\"language\":{\"type\":\"string\"},"
    "\"base_url\":{\"type\":\"string\"},\"code\":{\"type\":\"string\"}}}";

/* ---- tool table ---- */

static const miq_tool_def public_tools[] = {
    {"momentiq.get_agent_guide", "Get the MomentIQ agent guide",
     "Returns the MomentIQ guide in markdown: what it does, how to "
     "authenticate (OAuth connector, connector token or API key), the upload -> estimate -> "
     "job -> poll -> result flow, endpoints, credit prices, limits and error codes. Free, no "
     "auth.",
     NO_ARGS, guide_out, PUBLIC_ANN, 0, 0, tool_guide},
    {"momentiq.list_endpoints", "List media endpoints",
     "Lists the six media analysis endpoints (audio/silence, audio/energy, video/scenes, "
     "video/frames, video/clips, timeline/moments) with what each detects, the media it "
     "needs, its scope and its price. Free, no auth.",
     list_endpoints_in, list_endpoints_out, PUBLIC_ANN, 0, 0, tool_list_endpoints},
    {"momentiq.get_endpoint_schema", "Get an endpoint's params and result schema",
     "Returns the JSON Schema of an endpoint's params (types, defaults, bounds) and of its "
     "result (lists, times in seconds, frame numbers, timecodes, detector, score), plus "
     "example params. Free, no auth.",
     schema_in, schema_out, PUBLIC_ANN, 0, 0, tool_schema},
    {"momentiq.estimate_cost", "Estimate the credits of a job",
     "Prices a job without creating it: endpoint, media duration in seconds and params "
     "(frames are priced per frame, clips per started output minute, the rest per started "
     "media minute). Uses the same function as billing, so a job's max_credits can be set to "
     "it. Free, no auth, never spends credits.",
     estimate_in, miq_endpoints_estimate_schema, PUBLIC_ANN, 0, 0, tool_estimate},
    {"momentiq.list_workflows", "List ready-made workflows",
     "Recipes for common tasks (podcast silence trimming, highlight reels, scene thumbnails, "
     "chapter markers, loudness QA, frames for a vision model): the endpoints to call in "
     "order, their params, and a credit estimate for a given media length. Each is also an "
     "MCP prompt. Free, no auth.",
     workflows_in, workflows_out, PUBLIC_ANN, 0, 0, tool_workflows},
    {"momentiq.plan_integration", "Plan an integration",
     "Give the goal in a sentence and optionally the client (chatgpt, claude, cursor, "
     "backend), platform (python, javascript, curl, mcp), media kind, typical duration and "
     "monthly volume. Returns the endpoints that fit, the auth method, ordered steps, the "
     "credit cost per item and per month, pitfalls and a code example. Free, no auth.",
     plan_in, plan_out, PUBLIC_ANN, 0, 0, tool_plan},
    {"momentiq.get_code_example", "Get a code example",
     "A complete, runnable example for one endpoint in curl, python, javascript or mcp: "
     "upload, estimate, create the job with max_credits and an idempotency key, poll, read "
     "the result. URLs point at this server. Free, no auth.",
     example_in, example_out, PUBLIC_ANN, 0, 0, tool_example},
};

/* ---- resources ---- */

static json_t *resource_item(miq_tool_ctx *ctx, const char *uri, const char *mime, const char *text)
{
    return miq_json_packp(ctx->pool, "[{s:s,s:s,s:s}]", "uri", uri, "mimeType", mime, "text", text);
}

static json_t *read_guide(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    (void)baton;
    return resource_item(ctx, uri, "text/markdown",
                         miq_guide_markdown(ctx->pool, base_of(ctx), pricing_of(ctx)));
}

static json_t *read_endpoints(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    json_t *arr = json_array();
    const miq_endpoint *const *all;
    apr_size_t i, n;
    (void)baton;
    all = miq_endpoints_all(&n);
    for (i = 0; i < n; i++)
        json_array_append(arr, miq_endpoints_endpoint_json(ctx->pool, all[i], 0));
    return resource_item(
        ctx, uri, "application/json",
        miq_endpoints_json(ctx->pool,
                           miq_json_packp(ctx->pool, "{s:o,s:O}", "endpoints", arr, "pricing",
                                          miq_pricing_table_json(ctx->pool, pricing_of(ctx))),
                           0));
}

/* momentiq://endpoints/audio/silence/schema: the endpoint name holds a slash,
 * so the URIs are parsed here rather than by the generic template matcher. */
static const miq_endpoint *endpoint_in_uri(apr_pool_t *p, const char *uri, const char *prefix,
                                           const char **rest)
{
    apr_size_t n = strlen(prefix), i, count;
    const miq_endpoint *const *all = miq_endpoints_all(&count);
    (void)p;
    if (strncmp(uri, prefix, n))
        return NULL;
    for (i = 0; i < count; i++) {
        apr_size_t len = strlen(all[i]->name);
        if (!strncmp(uri + n, all[i]->name, len) && uri[n + len] == '/') {
            *rest = uri + n + len + 1;
            return all[i];
        }
    }
    return NULL;
}

static json_t *read_schema(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    const char *rest = NULL;
    const miq_endpoint *e = endpoint_in_uri(ctx->pool, uri, "momentiq://endpoints/", &rest);
    (void)baton;
    if (!e || strcmp(rest, "schema"))
        return NULL;
    return resource_item(ctx, uri, "application/json",
                         miq_endpoints_json(ctx->pool, miq_endpoints_endpoint_json(ctx->pool, e, 1),
                                            0));
}

static json_t *read_example(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    const char *lang = NULL, *code;
    const miq_endpoint *e = endpoint_in_uri(ctx->pool, uri, "momentiq://examples/", &lang);
    (void)baton;
    if (!e || !(code = miq_code_example(ctx->pool, base_of(ctx), pricing_of(ctx), e, lang)))
        return NULL;
    return resource_item(ctx, uri, "text/plain", code);
}

static const miq_resource_def public_resources[] = {
    {"momentiq://guide", "guide", "MomentIQ agent guide",
     "How to use MomentIQ: auth, the upload/estimate/job/poll/result flow, endpoints, prices, "
     "limits, errors.",
     "text/markdown", 0, read_guide, NULL},
    {"momentiq://endpoints", "endpoints", "MomentIQ media endpoints",
     "The six media endpoints and the price table, as JSON.", "application/json", 0, read_endpoints,
     NULL},
    {"momentiq://endpoints/{endpoint}/schema", "endpoint-schema", "Endpoint schema",
     "Params and result JSON Schemas of one endpoint, e.g. "
     "momentiq://endpoints/audio/silence/schema.",
     "application/json", 1, read_schema, NULL},
    {"momentiq://examples/{endpoint}/{language}", "code-example", "Code example",
     "A runnable example for one endpoint in curl, python, javascript or mcp, e.g. "
     "momentiq://examples/video/scenes/python.",
     "text/plain", 1, read_example, NULL},
};

static apr_array_header_t *complete_template(apr_pool_t *p, const char *arg_name, const char *value,
                                             const json_t *context_args, const void *baton)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t i, n;
    (void)value;
    (void)context_args;
    (void)baton;
    if (!strcmp(arg_name, "endpoint")) {
        const miq_endpoint *const *all = miq_endpoints_all(&n);
        for (i = 0; i < n; i++)
            APR_ARRAY_PUSH(out, const char *) = all[i]->name;
    }
    else if (!strcmp(arg_name, "language")) {
        for (i = 0; miq_example_languages[i]; i++)
            APR_ARRAY_PUSH(out, const char *) = miq_example_languages[i];
    }
    return out;
}

/* ---- prompts: one per workflow ---- */

static const miq_prompt_arg workflow_args[] = {
    {"media_url", "URL of the video or audio file to import", 1},
    {"duration_s", "Media length in seconds, for the credit estimate", 0},
    {"max_credits", "Most credits the agent may spend (default: the estimate)", 0},
    {NULL, NULL, 0}};

static json_t *get_workflow_prompt(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    const miq_workflow *wf = baton;
    const char *url = miq_json_str(args, "media_url", NULL);
    double d = atof(miq_json_str(args, "duration_s", "0"));
    apr_int64_t max = atoll(miq_json_str(args, "max_credits", "0"));
    const char *text;
    if (!isfinite(d) || d < 0)
        d = 0;
    text = miq_workflow_prompt_text(ctx->pool, pricing_of(ctx), wf, url && *url ? url : NULL, d,
                                    max);
    return miq_json_packp(ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:s}}]}", "description", wf->summary,
                          "messages", "role", "user", "content", "type", "text", "text", text);
}

static apr_array_header_t *complete_workflow(apr_pool_t *p, const char *arg_name, const char *value,
                                             const json_t *context_args, const void *baton)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    (void)value;
    if (!strcmp(arg_name, "duration_s")) {
        static const char *const durations[] = {"60", "300", "600", "1800", "3600", "7200"};
        apr_size_t i;
        for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
            APR_ARRAY_PUSH(out, const char *) = durations[i];
    }
    else if (!strcmp(arg_name, "max_credits")) {
        double d = atof(miq_json_str(context_args, "duration_s", "600"));
        apr_int64_t credits;
        miq_pricing *pr = miq_pricing_default(p);
        if (d > 0 && !miq_workflow_estimate(p, pr, baton, d, &credits, NULL))
            APR_ARRAY_PUSH(out, const char *) = apr_psprintf(p, "%" APR_INT64_T_FMT, credits);
    }
    else if (!strcmp(arg_name, "media_url")) {
        APR_ARRAY_PUSH(out, const char *) = "https://";
    }
    return out;
}

#define MAX_WORKFLOW_PROMPTS 16
static miq_prompt_def workflow_prompts[MAX_WORKFLOW_PROMPTS];

const char *miq_public_register(miq_registry *reg)
{
    const miq_workflow *const *wfs;
    const char *err;
    apr_size_t i, n;
    for (i = 0; i < sizeof(public_tools) / sizeof(public_tools[0]); i++)
        if ((err = miq_registry_add_tool(reg, &public_tools[i])))
            return err;
    for (i = 0; i < sizeof(public_resources) / sizeof(public_resources[0]); i++) {
        if ((err = miq_registry_add_resource(reg, &public_resources[i])))
            return err;
        if (public_resources[i].is_template &&
            (err = miq_registry_add_template_completion(reg, public_resources[i].uri,
                                                        complete_template, NULL)))
            return err;
    }
    wfs = miq_workflows_all(&n);
    for (i = 0; i < n && i < MAX_WORKFLOW_PROMPTS; i++) {
        miq_prompt_def *d = &workflow_prompts[i];
        d->name = wfs[i]->name;
        d->title = wfs[i]->title;
        d->description = wfs[i]->summary;
        d->args = workflow_args;
        d->get = get_workflow_prompt;
        d->complete = complete_workflow;
        d->baton = wfs[i];
        if ((err = miq_registry_add_prompt(reg, d)))
            return err;
    }
    return NULL;
}
