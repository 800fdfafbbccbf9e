/* What the ChatGPT and Claude directories check, against the live stack:
 * chatgpt-app-submission.json matches tools/list, the policy pages follow the
 * configuration, the manifest and server card carry the operator's identity
 * and brand files, and a pre-registered Claude redirect completes OAuth with
 * a refresh token. */
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "itest_oauth.h"
#include "base/miq_json.h"

#define CLAUDE    "itest-claude"
#define CLAUDE_CB "https://claude.ai/api/mcp/auth_callback"

/* The product's tools (the test stack also lists the conformance fixtures). */
static json_t *live_tools(void)
{
    const char *sid = mcp_2025_session();
    it_resp *r = mcp_2025_call(sid, "tools/list", NULL);
    json_t *all = json_object_get(it_result(r), "tools"), *tools = miq_json_pool(itp, json_array()),
           *t;
    size_t i;
    json_array_foreach(all, i, t)
    {
        if (!strncmp(miq_json_str(t, "name", ""), "momentiq.", 9))
            json_array_append(tools, t);
    }
    IT_ASSERT_R(json_array_size(tools) >= 16, r);
    return tools;
}

/* The file the owner uploads to OpenAI states exactly the server's tools and hints. */
static void test_submission_matches_tools_list(void)
{
    const char *text = it_read_file(apr_pstrcat(itp, itenv.root, "/chatgpt-app-submission.json",
                                                NULL),
                                    0);
    json_t *sub = text ? it_json(text) : NULL, *tools = live_tools(), *declared, *info, *t;
    static const char *const hints[] = {"readOnlyHint", "openWorldHint", "destructiveHint", NULL};
    const char *name;
    size_t i;
    int k;
    IT_ASSERT_MSG(json_is_object(sub), "chatgpt-app-submission.json is missing or not JSON");
    if (!json_is_object(sub))
        return;
    info = json_object_get(sub, "app_info");
    IT_ASSERT_STRING_EQUAL(miq_json_str(sub, "schema_version", ""), "1");
    IT_ASSERT_STRING_EQUAL(miq_json_str(info, "display_name", ""), "MomentIQ.dev");
    IT_ASSERT_STRING_EQUAL(miq_json_str(info, "category", ""), "DEVELOPER_TOOLS");
    IT_ASSERT_MSG(strlen(miq_json_str(info, "subtitle", "")) > 0 &&
                      strlen(miq_json_str(info, "subtitle", "")) <= 30,
                  "subtitle '%s' must be 1 to 30 characters", miq_json_str(info, "subtitle", ""));
    IT_ASSERT_STRING_EQUAL(miq_json_str(info, "short_description", ""),
                           "Find timestamped moments in video and audio for AI apps.");
    IT_ASSERT_MSG(json_array_size(json_object_get(sub, "test_cases")) >= 5, "fewer than 5 tests");
    IT_ASSERT_MSG(json_array_size(json_object_get(sub, "negative_test_cases")) >= 3,
                  "fewer than 3 negative tests");
    declared = json_object_get(sub, "tools");
    IT_ASSERT_MSG(json_object_size(declared) == json_array_size(tools),
                  "the submission lists %zu tools, the server %zu", json_object_size(declared),
                  json_array_size(tools));
    json_array_foreach(tools, i, t)
    {
        json_t *d = json_object_get(declared, miq_json_str(t, "name", "")), *j;
        json_t *ann = json_object_get(t, "annotations");
        IT_ASSERT_MSG(d != NULL, "the submission lacks %s", miq_json_str(t, "name", ""));
        if (!d)
            continue;
        for (k = 0; hints[k]; k++)
            IT_ASSERT_MSG(
                json_is_boolean(json_object_get(json_object_get(d, "annotations"), hints[k])) &&
                    json_equal(json_object_get(json_object_get(d, "annotations"), hints[k]),
                               json_object_get(ann, hints[k])),
                "%s: %s differs from tools/list", miq_json_str(t, "name", ""), hints[k]);
        j = json_object_get(d, "justifications");
        IT_ASSERT_MSG(strlen(miq_json_str(j, "read_only_justification", "")) >= 20 &&
                          strlen(miq_json_str(j, "open_world_justification", "")) >= 20 &&
                          strlen(miq_json_str(j, "destructive_justification", "")) >= 20,
                      "%s: a justification is missing", miq_json_str(t, "name", ""));
    }
    json_object_foreach(declared, name, t)
        IT_ASSERT_MSG(it_find_by_name(tools, name) != NULL, "the server has no tool %s", name);
}

static it_resp *page(const char *path, const char *header)
{
    const char *h[] = {header, NULL};
    it_resp *r = it_request("GET", path, header ? h : NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->ctype, "text/html"), r);
    return r;
}

/* The numbers come from the configuration the request runs with: the test
 * header turns on a <Location /legal> <If> block with other values. */
static void test_legal_pages_follow_the_configuration(void)
{
    static const char *const pages[] = {"privacy",  "terms",   "retention",
                                        "deletion", "billing", NULL};
    it_resp *r;
    int i;
    for (i = 0; pages[i]; i++) {
        r = page(apr_pstrcat(itp, "/legal/", pages[i], NULL), NULL);
        IT_ASSERT_R(strstr(r->body, "<h1>") && strstr(r->body, "mailto:"), r);
    }
    r = page("/legal/billing", NULL);
    IT_ASSERT_R(strstr(r->body, "<strong id=\"free-credits\">0</strong>"), r);
    IT_ASSERT_R(strstr(r->body, "Jobs at once: 1000"), r);
    r = page("/legal/billing", "X-Legal-Test: 1");
    IT_ASSERT_R(strstr(r->body, "<strong id=\"free-credits\">77</strong>"), r);
    IT_ASSERT_R(strstr(r->body, "Jobs at once: 7"), r);
    r = page("/legal/terms", "X-Legal-Test: 1");
    IT_ASSERT_R(strstr(r->body, "run 7 jobs at a time"), r);
    r = page("/legal/retention", NULL);
    IT_ASSERT_R(strstr(r->body, "7 days after upload") && strstr(r->body, "30 days after the job"),
                r);
    r = it_request("GET", "/legal/nothing", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 404 && strstr(r->body, "not_found"), r);
    r = it_request("POST", "/legal/privacy", NULL, "x", 1);
    IT_ASSERT_R(r->status == 405, r);
}

static void check_png(const char *url, unsigned w, unsigned h)
{
    it_resp *r = it_request("GET", url, NULL, NULL, 0);
    const unsigned char *b = (const unsigned char *)r->body;
    IT_ASSERT_R(r->status == 200 && strstr(r->ctype, "image/png") && r->len > 24, r);
    if (r->len > 24)
        IT_ASSERT_MSG((unsigned)(b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19]) == w &&
                          (unsigned)(b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23]) == h,
                      "%s is not %ux%u", url, w, h);
}

static void test_manifest_and_server_card_carry_identity_and_brand(void)
{
    const char *h[] = {"Accept: application/json", NULL};
    it_resp *m = it_request("GET", "/mcp/manifest", h, NULL, 0);
    it_resp *w = it_request("GET", "/.well-known/mcp.json", h, NULL, 0);
    json_t *urls = json_object_get(m->json, "urls"), *icon;
    const char *host = itenv.url + strlen("http://");
    const char *support = apr_pstrcat(itp, "support@", apr_pstrndup(itp, host, strcspn(host, ":")),
                                      NULL);
    IT_ASSERT_STRING_EQUAL(miq_json_str(m->json, "name", ""), "MomentIQ.dev");
    IT_ASSERT_STRING_EQUAL(miq_json_str(urls, "privacy", ""),
                           apr_pstrcat(itp, itenv.url, "/legal/privacy", NULL));
    IT_ASSERT_STRING_EQUAL(miq_json_str(urls, "terms", ""),
                           apr_pstrcat(itp, itenv.url, "/legal/terms", NULL));
    IT_ASSERT_STRING_EQUAL(miq_json_str(m->json, "support_email", ""), support);
    IT_ASSERT_STRING_EQUAL(miq_json_str(w->json, "support_email", ""), support);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(w->json, "urls"), "privacy", ""),
                           miq_json_str(urls, "privacy", ""));
    icon = json_array_get(json_object_get(m->json, "icons"), 0);
    IT_ASSERT_STRING_EQUAL(miq_json_str(icon, "sizes", ""), "512x512");
    check_png(miq_json_str(icon, "src", ""), 512, 512);
    check_png(miq_json_str(json_object_get(m->json, "logos"), "social", ""), 1200, 630);
    check_png("/assets/brand/favicon-32.png", 32, 32);
    /* every policy URL the manifest gives is served */
    page(miq_json_str(urls, "data_retention", ""), NULL);
    page(miq_json_str(urls, "billing", ""), NULL);
}

static void test_authorization_metadata_for_claude(void)
{
    const char *h[] = {"Accept: application/json", NULL};
    it_resp *r = it_request("GET", "/.well-known/oauth-authorization-server", h, NULL, 0);
    IT_ASSERT_R(strstr(it_dump(json_object_get(r->json, "scopes_supported")), "offline_access"), r);
    IT_ASSERT_R(strstr(it_dump(json_object_get(r->json, "token_endpoint_auth_methods_supported")),
                       "\"none\""),
                r);
    IT_ASSERT_R(json_is_true(json_object_get(r->json, "client_id_metadata_document_supported")), r);
}

/* Claude's callback as a pre-registered public client: consent links the
 * policies, offline_access is accepted and a refresh token comes back. */
static void test_claude_callback_preregistered(void)
{
    it_account *a = it_signup("directory-claude");
    flow f;
    it_resp *r;
    const char *body;
    memset(&f, 0, sizeof(f));
    f.client_id = CLAUDE;
    f.redirect = CLAUDE_CB;
    f.scope = "all offline_access";
    f.state = "st-claude";
    f.k = itoa_new_pkce();
    r = it_request("GET", itoa_authorize_query(&f), it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, "/legal/terms") &&
                    strstr(r->body, "/legal/privacy"),
                r);
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL) && f.code, f.last);
    body = apr_psprintf(itp,
                        "grant_type=authorization_code&code=%s&code_verifier=%s&redirect_uri=%s"
                        "&client_id=%s&resource=%s",
                        itoa_enc(f.code), f.k.verifier, itoa_enc(CLAUDE_CB), CLAUDE,
                        itoa_enc(itoa_mcp_url()));
    r = itoa_token_post(body, NULL);
    it_secret_note(miq_json_str(r->json, "access_token", NULL));
    it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
    IT_ASSERT_R(r->status == 200 && miq_json_str(r->json, "refresh_token", NULL), r);
}

IT_SUITE("directory", IT_TEST(test_submission_matches_tools_list),
         IT_TEST(test_legal_pages_follow_the_configuration),
         IT_TEST(test_manifest_and_server_card_carry_identity_and_brand),
         IT_TEST(test_authorization_metadata_for_claude),
         IT_TEST(test_claude_callback_preregistered))
