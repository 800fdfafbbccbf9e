/* The ChatGPT and Claude directories' rules, held over the real registry:
 * titles, explicit hints that match what each tool does, narrow descriptions,
 * no money movement in tools, the MCP App's view and app-only tool; the
 * authorization-server fields Claude reads; the policy pages' numbers. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "base/miq_server.h"
#include "legal/miq_legal.h"
#include "mcp/miq_registry.h"
#include "mcp/miq_tool.h"
#include "oauth/miq_oauth.h"
#include "tools/miq_server_build.h"
#include "tools/miq_tools_app.h"
#include "tools/miq_tools_jobs.h"

static const unsigned char key[32] = "directory-test-key-0123456789ab";

static miq_server *server(void)
{
    miq_server *srv = NULL;
    CU_ASSERT_PTR_NULL_FATAL(miq_server_build(utp, "https://api.example", NULL, key, 32, 0, &srv));
    return srv;
}

static int has(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return 1;
    return 0;
}

/* What each tool does, stated here once: the hints must say the same. */
static const char *const writes[] = {"momentiq.create_job", "momentiq.create_upload",
                                     "momentiq.cancel_job", NULL};
static const char *const destroys[] = {"momentiq.cancel_job", NULL};
static const char *const third_party[] = {"momentiq.create_upload", NULL}; /* source_url fetch */

static void test_every_tool_has_title_and_four_explicit_hints(void)
{
    const apr_array_header_t *tools = miq_registry_tools(server()->registry);
    int i;
    CU_ASSERT_TRUE(tools->nelts >= 15);
    for (i = 0; i < tools->nelts; i++) {
        const miq_tool_entry *e = APR_ARRAY_IDX(tools, i, const miq_tool_entry *);
        json_t *ann = json_object_get(e->listing, "annotations");
        const char *name = e->def->name;
        CU_ASSERT_TRUE(strlen(name) <= 64);
        CU_ASSERT_TRUE(e->def->title && *e->def->title);
        CU_ASSERT_STRING_EQUAL(miq_json_str(ann, "title", ""), e->def->title);
        CU_ASSERT_TRUE(json_is_boolean(json_object_get(ann, "readOnlyHint")));
        CU_ASSERT_TRUE(json_is_boolean(json_object_get(ann, "destructiveHint")));
        CU_ASSERT_TRUE(json_is_boolean(json_object_get(ann, "idempotentHint")));
        CU_ASSERT_TRUE(json_is_boolean(json_object_get(ann, "openWorldHint")));
        if (json_is_true(json_object_get(ann, "readOnlyHint")) == has(name, writes))
            CU_FAIL(apr_psprintf(utp, "%s: readOnlyHint does not match", name));
        if (json_is_true(json_object_get(ann, "destructiveHint")) != has(name, destroys))
            CU_FAIL(apr_psprintf(utp, "%s: destructiveHint does not match", name));
        if (json_is_true(json_object_get(ann, "openWorldHint")) != has(name, third_party))
            CU_FAIL(apr_psprintf(utp, "%s: openWorldHint does not match", name));
    }
}

/* No instructions to the model, no other tool named, nothing promotional, no
 * money movement (credits are bought in the dashboard). */
static void test_descriptions_are_narrow(void)
{
    static const char *const banned[] = {"momentiq.",  "call it",       "Call it",
                                         "first call", "First call",    "Read this first",
                                         "Use it to",  "then poll",     "Then poll",
                                         "best ",      "powerful",      "amazing",
                                         "leading",    "revolutionary", "ignore",
                                         "always use", "you must",      NULL};
    static const char *const money[] = {"purchase", "buy_", "checkout", "top_up", "pay_", NULL};
    const apr_array_header_t *tools = miq_registry_tools(server()->registry);
    int i, k;
    for (i = 0; i < tools->nelts; i++) {
        const miq_tool_entry *e = APR_ARRAY_IDX(tools, i, const miq_tool_entry *);
        const char *d = e->def->description;
        CU_ASSERT_TRUE(d && strlen(d) >= 40 && strlen(d) <= 1200);
        for (k = 0; banned[k]; k++)
            if (strstr(d, banned[k]))
                CU_FAIL(apr_psprintf(utp, "%s: description has '%s'", e->def->name, banned[k]));
        for (k = 0; money[k]; k++)
            CU_ASSERT_PTR_NULL(strstr(e->def->name, money[k]));
    }
}

static void test_app_view_and_app_only_tool(void)
{
    miq_server *srv = server();
    miq_registry *reg = srv->registry;
    const miq_tool_entry *app = miq_registry_tool(reg, "momentiq.app_job_timeline");
    const miq_resource_def *view = miq_registry_resource_for(reg, MIQ_APP_TIMELINE_URI);
    static const char *const shown[] = {"momentiq.create_job", "momentiq.get_job",
                                        "momentiq.get_job_result", NULL};
    miq_tool_ctx ctx;
    json_t *contents, *item, *csp;
    const char *html;
    int i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(app);
    CU_ASSERT_STRING_EQUAL(
        miq_json_dump(utp,
                      json_object_get(json_object_get(json_object_get(app->listing, "_meta"), "ui"),
                                      "visibility")),
        "[\"app\"]");
    for (i = 0; shown[i]; i++) {
        const miq_tool_entry *e = miq_registry_tool(reg, shown[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(json_object_get(e->listing, "_meta"),
                                                            "ui"),
                                            "resourceUri", ""),
                               MIQ_APP_TIMELINE_URI);
    }
    /* tools that return no job keep no view */
    CU_ASSERT_PTR_NULL(
        json_object_get(miq_registry_tool(reg, "momentiq.list_endpoints")->listing, "_meta"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(view);
    CU_ASSERT_STRING_EQUAL(view->mime_type, "text/html;profile=mcp-app");
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = utp;
    ctx.srv = srv;
    contents = view->read(&ctx, MIQ_APP_TIMELINE_URI, view->baton);
    item = json_array_get(contents, 0);
    html = miq_json_str(item, "text", "");
    CU_ASSERT_STRING_EQUAL(miq_json_str(item, "mimeType", ""), "text/html;profile=mcp-app");
    csp = json_object_get(json_object_get(json_object_get(item, "_meta"), "ui"), "csp");
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, json_object_get(csp, "connectDomains")),
                           "[\"https://api.example\"]");
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, json_object_get(csp, "resourceDomains")),
                           "[\"https://api.example\"]");
    /* self-contained: the component and the bridge inlined, nothing loaded */
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "MomentIQTimeline"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "ui/initialize"));
    CU_ASSERT_PTR_NULL(strstr(html, "<script src"));
    CU_ASSERT_PTR_NULL(strstr(html, "<link"));
    CU_ASSERT_PTR_NULL(strstr(html, "@TIMELINE_JS@"));
    CU_ASSERT_EQUAL(strlen(html), miq_app_timeline_html_len);
}

static void test_authorization_server_fields_claude_reads(void)
{
    json_t *m = miq_oauth_as_metadata(utp, "https://api.example", 1, 1);
    const char *scopes = miq_json_dump(utp, json_object_get(m, "scopes_supported"));
    const char *methods = miq_json_dump(utp,
                                        json_object_get(m,
                                                        "token_endpoint_auth_methods_supported"));
    CU_ASSERT_PTR_NOT_NULL(strstr(scopes, "\"offline_access\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(methods, "\"none\""));
    CU_ASSERT_TRUE(json_is_true(json_object_get(m, "client_id_metadata_document_supported")));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(miq_json_dump(utp, json_object_get(m, "grant_types_supported")), "refresh_token"));
}

static miq_legal_facts facts(miq_server *srv)
{
    miq_legal_facts f;
    memset(&f, 0, sizeof(f));
    f.srv = srv;
    f.free_credits = 25;
    f.upload_retention_s = 7 * 86400;
    f.output_retention_s = 30 * 86400;
    f.file_url_ttl_s = 3600;
    f.max_upload = APR_INT64_C(2) << 30;
    f.quotas.limit[MIQ_QUOTA_STORAGE] = APR_INT64_C(10) << 30;
    f.quotas.limit[MIQ_QUOTA_JOBS] = 20;
    f.access_token_ttl_s = 3600;
    f.refresh_token_ttl_s = 2592000;
    f.session_idle_s = 86400;
    f.session_absolute_s = 2592000;
    f.record_requests = 1;
    return f;
}

static void test_legal_pages_state_the_configured_numbers(void)
{
    miq_server *srv = server();
    miq_legal_facts f = facts(srv);
    const char *page;
    int i;
    for (i = 0; miq_legal_pages[i]; i++) {
        page = miq_legal_page(utp, miq_legal_pages[i], &f);
        CU_ASSERT_PTR_NOT_NULL_FATAL(page);
        CU_ASSERT_PTR_NOT_NULL(strstr(page, "<h1>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(page, "support@api.example"));
        CU_ASSERT_PTR_NULL(strstr(page, "<script"));
    }
    CU_ASSERT_PTR_NULL(miq_legal_page(utp, "../etc/passwd", &f));
    CU_ASSERT_PTR_NULL(miq_legal_page(utp, "", &f));
    page = miq_legal_page(utp, "retention", &f);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "7 days after upload"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "30 days after the job"));
    f.upload_retention_s = 36 * 3600;
    page = miq_legal_page(utp, "retention", &f);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "36 hours after upload"));
    page = miq_legal_page(utp, "billing", &f);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<strong id=\"free-credits\">25</strong>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<strong id=\"credit-price\">0.01 USD</strong>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "50%, 80%, 100%"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "Upload size: 2 GiB each"));
    f.quotas.limit[MIQ_QUOTA_JOBS] = 0;
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_legal_page(utp, "billing", &f), "Jobs at once: no limit"));
}

static void test_operator_identity_defaults_and_escaping(void)
{
    miq_server *srv = server();
    miq_legal_facts f;
    CU_ASSERT_STRING_EQUAL(srv->service_name, "MomentIQ.dev");
    CU_ASSERT_STRING_EQUAL(srv->title, "MomentIQ.dev");
    CU_ASSERT_STRING_EQUAL(srv->support_email, "support@api.example");
    CU_ASSERT_STRING_EQUAL(srv->privacy_url, "https://api.example/legal/privacy");
    CU_ASSERT_STRING_EQUAL(srv->terms_url, "https://api.example/legal/terms");
    miq_server_set_operator(srv, "Acme <Media>", "help@acme.example", "https://acme.example/p",
                            NULL);
    CU_ASSERT_STRING_EQUAL(srv->title, "Acme <Media>");
    CU_ASSERT_STRING_EQUAL(srv->privacy_url, "https://acme.example/p");
    CU_ASSERT_STRING_EQUAL(srv->terms_url, "https://api.example/legal/terms");
    f = facts(srv);
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_legal_page(utp, "terms", &f), "Acme &lt;Media&gt;"));
    CU_ASSERT_PTR_NULL(strstr(miq_legal_page(utp, "terms", &f), "<Media>"));
}

/* A result too large for a tool answer is shortened list by list, says so,
 * and points at the whole. */
static void test_large_results_are_shortened_under_100k(void)
{
    miq_server *srv = server();
    miq_tool_ctx ctx;
    json_t *r = miq_json_pool(utp, json_object()), *frames = json_array(), *out;
    const char *dumped;
    int i;
    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = utp;
    ctx.srv = srv;
    for (i = 0; i < 5000; i++)
        json_array_append_new(frames, json_pack("{s:f,s:s}", "time", i * 0.5, "url",
                                                "https://api.example/files/abcdefghijklmnop"));
    json_object_set_new(r, "frames", frames);
    json_object_set_new(r, "silences", json_pack("[{s:f,s:f}]", "start", 1.0, "end", 2.0));
    out = miq_jobs_tool_fit_result(&ctx, r, "job_1");
    dumped = miq_json_dump(utp, out);
    CU_ASSERT_TRUE(strlen(dumped) <= 100000);
    CU_ASSERT_TRUE(json_is_true(json_object_get(out, "truncated")));
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(out, "truncated_lists"), "frames", 0), 5000);
    CU_ASSERT_TRUE(json_array_size(json_object_get(out, "frames")) > 100);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "silences")), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(out, "full_result_url", ""),
                           "https://api.example/v1/jobs/job_1/result");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "frames")), 5000); /* the input kept */
    /* small results pass untouched */
    CU_ASSERT_PTR_EQUAL(miq_jobs_tool_fit_result(&ctx, json_object_get(out, "truncated_lists"),
                                                 "job_1"),
                        json_object_get(out, "truncated_lists"));
}

MIQ_SUITE("directory", MIQ_TEST(test_every_tool_has_title_and_four_explicit_hints),
          MIQ_TEST(test_descriptions_are_narrow), MIQ_TEST(test_app_view_and_app_only_tool),
          MIQ_TEST(test_authorization_server_fields_claude_reads),
          MIQ_TEST(test_legal_pages_state_the_configured_numbers),
          MIQ_TEST(test_operator_identity_defaults_and_escaping),
          MIQ_TEST(test_large_results_are_shortened_under_100k))
