/* Guide, examples, workflows, integration plans and the public MCP tools,
 * resources and prompts built on them. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "guide/miq_guide.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"
#include "base/miq_server.h"
#include "mcp/miq_tool.h"
#include "tools/miq_server_build.h"

#define BASE "https://miq.test.example"

static json_t *parse(const char *s)
{
    return miq_json_parse(utp, s, strlen(s), NULL);
}

static int has(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static void test_content_examples_for_every_endpoint_and_language(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    int l;
    for (i = 0; i < n; i++) {
        for (l = 0; miq_example_languages[l]; l++) {
            const char *lang = miq_example_languages[l];
            const char *code = miq_code_example(utp, BASE "/", pr, all[i], lang);
            CU_ASSERT_PTR_NOT_NULL_FATAL(code);
            CU_ASSERT(has(code, all[i]->name));
            CU_ASSERT(has(code, BASE));
            CU_ASSERT(!has(code, BASE "//")); /* trailing slash of the base was dropped */
            CU_ASSERT(!has(code, "{{"));      /* every placeholder filled */
            CU_ASSERT(has(code, "idempotency_key"));
            CU_ASSERT(has(code, "max_credits"));
            if (!strcmp(lang, "mcp")) {
                CU_ASSERT(has(code, "\"method\":\"tools/call\""));
                CU_ASSERT(has(code, "momentiq.create_job"));
                CU_ASSERT(has(code, "momentiq.get_job"));
                CU_ASSERT(has(code, BASE "/mcp"));
            }
            else {
                CU_ASSERT(has(code, BASE "/v1/openapi.json")); /* the reference they follow */
                CU_ASSERT(has(code, "/v1/uploads"));
                CU_ASSERT(has(code, "/v1/estimate"));
                CU_ASSERT(has(code, "/v1/jobs"));
                CU_ASSERT(has(code, "/result"));
            }
        }
    }
    CU_ASSERT(has(miq_code_example(utp, BASE, pr, miq_endpoints_find("audio/silence"), "curl"),
                  "/v1/uploads?filename=episode.mp3"));
    CU_ASSERT(has(miq_code_example(utp, BASE, pr, miq_endpoints_find("video/clips"), "python"),
                  "params = {\"clips\": [{\"start\": 12.5"));
    CU_ASSERT_PTR_NULL(miq_code_example(utp, BASE, pr, all[0], "cobol"));
    CU_ASSERT_PTR_NULL(miq_code_example(utp, BASE, pr, all[0], NULL));
}

static void test_content_guide(void)
{
    const char *g = miq_guide_markdown(utp, BASE, miq_pricing_default(utp));
    const miq_error_code *ec;
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    CU_ASSERT(has(g, BASE "/mcp"));
    CU_ASSERT(has(g, BASE "/v1/uploads?filename="));
    CU_ASSERT(has(g, "OAuth"));
    CU_ASSERT(has(g, "miq_live_"));
    CU_ASSERT(has(g, "miq_conn_"));
    CU_ASSERT(has(g, "wait_s"));
    CU_ASSERT(has(g, "Media up to 48 hours"));
    CU_ASSERT(!has(g, "{{"));
    for (i = 0; i < n; i++)
        CU_ASSERT(has(g, apr_psprintf(utp, "`%s`", all[i]->name)));
    for (ec = miq_endpoints_error_codes; ec->code; ec++)
        CU_ASSERT(has(g, apr_psprintf(utp, "| `%s` | %d |", ec->code, ec->http_status)));
}

static void test_content_workflows(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    apr_size_t i, n;
    const miq_workflow *const *all = miq_workflows_all(&n);
    apr_int64_t credits = 0;
    json_t *lines = NULL, *wj;
    CU_ASSERT(n >= 5);
    for (i = 0; i < n; i++) {
        const miq_workflow_step *s;
        int steps = 0;
        CU_ASSERT_PTR_EQUAL(miq_workflow_find(all[i]->name), all[i]);
        for (s = all[i]->steps; s->endpoint; s++, steps++) {
            const miq_endpoint *e = miq_endpoints_find(s->endpoint);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e);
            CU_ASSERT_PTR_NULL(miq_endpoints_check_params(utp, e, parse(s->params), 0));
        }
        CU_ASSERT(steps >= 1);
        CU_ASSERT_PTR_NULL(miq_workflow_estimate(utp, pr, all[i], 600, &credits, NULL));
        CU_ASSERT(credits > 0);
        CU_ASSERT(has(miq_workflow_markdown(utp, pr, all[i], 600), all[i]->steps[0].endpoint));
    }
    /* highlight reel, 10 min: moments 3 x 10 + reencode 3 x ceil(5 x 20 s / 60) */
    CU_ASSERT_PTR_NULL(
        miq_workflow_estimate(utp, pr, miq_workflow_find("highlight_reel"), 600, &credits, &lines));
    CU_ASSERT_EQUAL(credits, 36);
    CU_ASSERT_EQUAL(json_array_size(lines), 2);
    /* podcast trimming prices the kept speech from the media length */
    CU_ASSERT_PTR_NULL(miq_workflow_estimate(utp, pr, miq_workflow_find("podcast_silence_trim"),
                                             3600, &credits, NULL));
    CU_ASSERT_EQUAL(credits, 60 + 3 * 54);
    wj = miq_workflow_json(utp, pr, miq_workflow_find("loudness_qa"), 120);
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(wj, "estimate"), "credits", 0), 4);
    CU_ASSERT_PTR_NULL(miq_workflow_find("nope"));
}

static json_t *plan_for(const char *goal, const char *platform, const char *client,
                        const char *media)
{
    miq_plan_request r;
    json_t *plan = NULL;
    const char *err;
    memset(&r, 0, sizeof(r));
    r.goal = goal;
    r.platform = platform;
    r.client = client;
    r.media = media;
    r.items_per_month = 100;
    err = miq_plan_integration(utp, BASE, miq_pricing_default(utp), &r, &plan);
    CU_ASSERT_PTR_NULL(err);
    return plan;
}

static int plan_has_endpoint(const json_t *plan, const char *ep)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(plan, "endpoints"), i,
                       x) if (!strcmp(miq_json_str(x, "endpoint", ""), ep)) return 1;
    return 0;
}

static void test_content_plan_adapts(void)
{
    json_t *a = plan_for("Trim the dead air and long pauses from our podcast episodes", "python",
                         "backend", NULL);
    json_t *b = plan_for("Make a highlight reel of the best moments for TikTok", NULL, "chatgpt",
                         NULL);
    json_t *cost;
    const char *md;
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* python backend, silence goal: REST with an API key */
    CU_ASSERT(plan_has_endpoint(a, "audio/silence"));
    CU_ASSERT(!plan_has_endpoint(a, "video/clips"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(a, "auth"), "method", ""), "api_key");
    CU_ASSERT_STRING_EQUAL(miq_json_str(a, "transport", ""), "rest");
    CU_ASSERT_STRING_EQUAL(miq_json_str(a, "workflow", ""), "podcast_silence_trim");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(a, "code_example"), "language", ""),
                           "python");
    CU_ASSERT(has(miq_json_str(json_object_get(a, "code_example"), "code", ""), "audio/silence"));
    cost = json_object_get(a, "cost");
    CU_ASSERT_EQUAL(miq_json_int(cost, "per_item_credits", 0), 10);
    CU_ASSERT_EQUAL(miq_json_int(cost, "per_month_credits", 0), 1000);
    /* ChatGPT highlights: OAuth connector over MCP, moments then clips */
    CU_ASSERT(plan_has_endpoint(b, "timeline/moments"));
    CU_ASSERT(plan_has_endpoint(b, "video/clips"));
    CU_ASSERT(!plan_has_endpoint(b, "audio/silence"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(b, "auth"), "method", ""),
                           "oauth_connector");
    CU_ASSERT(has(miq_json_str(json_object_get(b, "auth"), "scopes", ""), "video/*"));
    CU_ASSERT(has(miq_json_str(json_object_get(b, "auth"), "scopes", ""), "timeline/*"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "transport", ""), "mcp");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "workflow", ""), "highlight_reel");
    CU_ASSERT(has(miq_json_dump(utp, json_object_get(b, "steps")), "momentiq.create_job"));
    CU_ASSERT(has(miq_json_dump(utp, json_object_get(b, "pitfalls")), "wait_s"));
    md = miq_plan_markdown(utp, b);
    CU_ASSERT(has(md, "## Steps"));
    CU_ASSERT(has(md, "timeline/moments"));
    CU_ASSERT(has(md, BASE "/mcp"));
}

static void test_content_plan_edges(void)
{
    miq_plan_request r;
    json_t *plan = NULL, *p;
    memset(&r, 0, sizeof(r));
    CU_ASSERT_PTR_NOT_NULL(miq_plan_integration(utp, BASE, miq_pricing_default(utp), &r, &plan));
    r.goal = "anything";
    r.client = "myspace";
    CU_ASSERT_PTR_NOT_NULL(miq_plan_integration(utp, BASE, miq_pricing_default(utp), &r, &plan));
    r.client = NULL;
    r.platform = "cobol";
    CU_ASSERT_PTR_NOT_NULL(miq_plan_integration(utp, BASE, miq_pricing_default(utp), &r, &plan));
    /* no keyword: timeline/moments; cursor: connector token over MCP */
    p = plan_for("help me with my files", NULL, "cursor", NULL);
    CU_ASSERT(plan_has_endpoint(p, "timeline/moments"));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(p, "endpoints")), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(p, "auth"), "method", ""),
                           "connector_token");
    /* audio media drops video endpoints and says so */
    p = plan_for("cut highlight clips from the show", "javascript", "backend", "audio");
    CU_ASSERT(!plan_has_endpoint(p, "video/clips"));
    CU_ASSERT(plan_has_endpoint(p, "timeline/moments"));
    CU_ASSERT(has(miq_json_dump(utp, json_object_get(p, "pitfalls")), "video/clips needs a video"));
    CU_ASSERT(has(miq_json_dump(utp, json_object_get(p, "pitfalls")), "browser"));
    /* thumbnails: one frame per scene, in one job */
    p = plan_for("Generate thumbnail images for each video", "curl", NULL, NULL);
    CU_ASSERT(!plan_has_endpoint(p, "video/scenes"));
    CU_ASSERT(plan_has_endpoint(p, "video/frames"));
    CU_ASSERT(has(miq_json_dump(utp, json_object_get(p, "endpoints")), "\"at_scenes\":true"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(p, "workflow", ""), "scene_thumbnails");
    CU_ASSERT_STRING_EQUAL(miq_json_str(p, "transport", ""), "rest");
    /* the workflow follows what the goal talks about most */
    p = plan_for("Make shorts from stream highlights, with a thumbnail", NULL, "claude", NULL);
    CU_ASSERT_STRING_EQUAL(miq_json_str(p, "workflow", ""), "highlight_reel");
}

/* ---- the MCP surface ---- */

static miq_server *server(void)
{
    static const unsigned char key[32] = {1, 2, 3};
    miq_server *srv = NULL;
    const char *err = miq_server_build(utp, BASE, NULL, key, sizeof(key), 0, &srv);
    CU_ASSERT_PTR_NULL(err);
    return srv;
}

static json_t *call_tool(miq_server *srv, const char *name, const char *args)
{
    static const miq_caller anon;
    miq_tool_ctx ctx;
    const miq_tool_entry *t = miq_registry_tool(srv->registry, name);
    json_t *a = parse(args), *res;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = utp;
    ctx.srv = srv;
    ctx.caller = &anon;
    ctx.protocol_version = "2025-11-25";
    /* what the dispatcher does first */
    if (miq_schema_validate(utp, t->input_schema, a))
        return NULL;
    res = t->def->call(&ctx, a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    if (!json_is_true(json_object_get(res, "isError")) && t->output_schema) {
        const char *err = miq_schema_validate(utp, t->output_schema,
                                              json_object_get(res, "structuredContent"));
        if (err)
            CU_FAIL(apr_psprintf(utp, "%s output: %s", name, err));
    }
    return res;
}

static const char *text_of(const json_t *res)
{
    return miq_json_str(json_array_get(json_object_get(res, "content"), 0), "text", "");
}

static void test_content_public_tools(void)
{
    static const char *const names[] = {"momentiq.get_agent_guide",     "momentiq.list_endpoints",
                                        "momentiq.get_endpoint_schema", "momentiq.estimate_cost",
                                        "momentiq.list_workflows",      "momentiq.plan_integration",
                                        "momentiq.get_code_example"};
    miq_server *srv = server();
    json_t *r;
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    for (i = 0; i < 7; i++) {
        const miq_tool_entry *t = miq_registry_tool(srv->registry, names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL(t->def->annotations, MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT);
        CU_ASSERT_EQUAL(t->def->scopes, 0);
        CU_ASSERT_FALSE(t->def->needs_auth);
        CU_ASSERT_PTR_NOT_NULL(t->output_schema);
        CU_ASSERT(strlen(t->def->description) > 80);
    }
    r = call_tool(srv, names[0], "{}");
    CU_ASSERT(has(text_of(r), "# MomentIQ agent guide"));
    r = call_tool(srv, names[1], "{\"media\":\"audio\"}");
    CU_ASSERT_EQUAL(json_array_size(
                        json_object_get(json_object_get(r, "structuredContent"), "endpoints")),
                    3);
    CU_ASSERT(has(text_of(r), "| `audio/silence` |"));
    r = call_tool(srv, names[2], "{\"endpoint\":\"video/scenes\"}");
    CU_ASSERT(has(text_of(r), "### params schema"));
    CU_ASSERT_PTR_NULL(call_tool(srv, names[2], "{\"endpoint\":\"video/nope\"}")); /* enum */
    r = call_tool(srv, names[3], "{\"endpoint\":\"audio/silence\",\"duration_s\":60.001}");
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(r, "structuredContent"), "credits", 0), 2);
    CU_ASSERT(has(text_of(r), "max_credits 2"));
    r = call_tool(srv, names[3],
                  "{\"endpoint\":\"video/frames\",\"duration_s\":60,\"params\":{\"every_s\":0}}");
    CU_ASSERT(json_is_true(json_object_get(r, "isError")));
    CU_ASSERT_STRING_EQUAL(
        miq_json_str(json_object_get(json_object_get(r, "structuredContent"), "error"), "code", ""),
        "invalid_request");
    r = call_tool(srv, names[3],
                  "{\"endpoint\":\"audio/silence\",\"duration_s\":60,\"params\":{\"x\":1}}");
    CU_ASSERT(has(text_of(r), "unknown parameter"));
    r = call_tool(srv, names[4], "{\"duration_s\":1200}");
    CU_ASSERT(json_array_size(
                  json_object_get(json_object_get(r, "structuredContent"), "workflows")) >= 5);
    r = call_tool(srv, names[5], "{\"goal\":\"find scene cuts for an EDL\",\"client\":\"claude\"}");
    CU_ASSERT(has(text_of(r), "video/scenes"));
    r = call_tool(srv, names[6], "{\"endpoint\":\"video/frames\",\"language\":\"javascript\"}");
    CU_ASSERT(has(text_of(r), "```javascript"));
    CU_ASSERT(has(text_of(r), BASE "/v1") || has(text_of(r), "const BASE = \"" BASE));
}

static void test_content_tools_defend_against_bad_args(void)
{
    static const miq_caller anon;
    miq_server *srv = server();
    miq_tool_ctx ctx;
    json_t *r;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = utp;
    ctx.srv = srv;
    ctx.caller = &anon;
    /* handlers called without schema validation still fail cleanly */
    r = miq_registry_tool(srv->registry, "momentiq.get_code_example")
            ->def->call(&ctx, parse("{\"endpoint\":\"x/y\",\"language\":\"python\"}"));
    CU_ASSERT(json_is_true(json_object_get(r, "isError")));
    r = miq_registry_tool(srv->registry, "momentiq.get_code_example")
            ->def->call(&ctx, parse("{\"endpoint\":\"audio/energy\",\"language\":\"perl\"}"));
    CU_ASSERT(json_is_true(json_object_get(r, "isError")));
    r = miq_registry_tool(srv->registry, "momentiq.estimate_cost")
            ->def->call(&ctx, parse("{\"endpoint\":\"audio/energy\",\"duration_s\":-3}"));
    CU_ASSERT(json_is_true(json_object_get(r, "isError")));
    r = miq_registry_tool(srv->registry, "momentiq.plan_integration")->def->call(&ctx, parse("{}"));
    CU_ASSERT(json_is_true(json_object_get(r, "isError")));
}

static void test_content_resources_and_prompts(void)
{
    static const miq_caller anon;
    miq_server *srv = server();
    const miq_resource_def *d;
    const miq_prompt_def *pd;
    miq_tool_ctx ctx;
    miq_complete_fn *fn;
    apr_array_header_t *vals;
    json_t *r, *msg;
    const char *text;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = utp;
    ctx.srv = srv;
    ctx.caller = &anon;

    d = miq_registry_resource_for(srv->registry, "momentiq://guide");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    r = d->read(&ctx, "momentiq://guide", d->baton);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(r, 0), "mimeType", ""), "text/markdown");
    d = miq_registry_resource_for(srv->registry, "momentiq://endpoints");
    r = d->read(&ctx, "momentiq://endpoints", d->baton);
    CU_ASSERT(has(miq_json_str(json_array_get(r, 0), "text", ""), "timeline/moments"));
    d = miq_registry_resource_for(srv->registry, "momentiq://endpoints/video/scenes/schema");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    r = d->read(&ctx, "momentiq://endpoints/video/scenes/schema", d->baton);
    CU_ASSERT(has(miq_json_str(json_array_get(r, 0), "text", ""), "\"params_schema\""));
    CU_ASSERT_PTR_NULL(d->read(&ctx, "momentiq://endpoints/video/nope/schema", d->baton));
    d = miq_registry_resource_for(srv->registry, "momentiq://examples/audio/silence/python");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    r = d->read(&ctx, "momentiq://examples/audio/silence/python", d->baton);
    text = miq_json_str(json_array_get(r, 0), "text", "");
    CU_ASSERT(has(text, "import requests"));
    CU_ASSERT(has(text, BASE));
    CU_ASSERT_PTR_NULL(d->read(&ctx, "momentiq://examples/audio/silence/perl", d->baton));

    fn = miq_registry_template_completion(srv->registry,
                                          "momentiq://examples/{endpoint}/{language}", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
    vals = fn(utp, "language", "py", NULL, NULL);
    CU_ASSERT_EQUAL(vals->nelts, 4);
    vals = fn(utp, "endpoint", "", NULL, NULL);
    CU_ASSERT_EQUAL(vals->nelts, 6);

    pd = miq_registry_prompt(srv->registry, "highlight_reel");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
    CU_ASSERT_STRING_EQUAL(pd->args[0].name, "media_url");
    r = pd->get(&ctx,
                parse("{\"media_url\":\"https://cdn.example/game.mp4\",\"duration_s\":"
                      "\"600\"}"),
                pd->baton);
    msg = json_array_get(json_object_get(r, "messages"), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(msg, "role", ""), "user");
    text = miq_json_str(json_object_get(msg, "content"), "text", "");
    CU_ASSERT(has(text, "https://cdn.example/game.mp4"));
    CU_ASSERT(has(text, "timeline/moments"));
    CU_ASSERT(has(text, "video/clips"));
    CU_ASSERT(has(text, "about 36 credits"));
    CU_ASSERT(has(text, "(about 30 credits)"));
    CU_ASSERT(has(text, "momentiq.create_upload"));
    vals = pd->complete(utp, "max_credits", "", parse("{\"duration_s\":\"600\"}"), pd->baton);
    CU_ASSERT_EQUAL_FATAL(vals->nelts, 1);
    CU_ASSERT_STRING_EQUAL(APR_ARRAY_IDX(vals, 0, const char *), "36");
}

MIQ_SUITE("content", MIQ_TEST(test_content_examples_for_every_endpoint_and_language),
          MIQ_TEST(test_content_guide), MIQ_TEST(test_content_workflows),
          MIQ_TEST(test_content_plan_adapts), MIQ_TEST(test_content_plan_edges),
          MIQ_TEST(test_content_public_tools), MIQ_TEST(test_content_tools_defend_against_bad_args),
          MIQ_TEST(test_content_resources_and_prompts))
