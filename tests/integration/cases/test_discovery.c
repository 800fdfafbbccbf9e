/* Public GET documents: /mcp, /mcp/manifest, /mcp/status, /.well-known/... */
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

static const char *const public_tools[] = {
    "momentiq.get_agent_guide",     "momentiq.list_endpoints",
    "momentiq.get_endpoint_schema", "momentiq.estimate_cost",
    "momentiq.list_workflows",      "momentiq.plan_integration",
    "momentiq.get_code_example",    NULL};

static it_resp *get_json(const char *path)
{
    const char *h[] = {"Accept: application/json", NULL};
    it_resp *r = it_request("GET", path, h, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(strstr(r->ctype, "application/json") != NULL, r);
    IT_ASSERT_R(json_is_object(r->json), r);
    return r;
}

static const char *mcp_url(void)
{
    return apr_pstrcat(itp, itenv.url, "/mcp", NULL);
}

static void test_get_mcp(void)
{
    it_resp *r = get_json("/mcp");
    json_t *info = json_object_get(r->json, "serverInfo"),
           *tools = json_object_get(r->json, "tools");
    int k;
    IT_ASSERT_R(miq_json_str(info, "name", NULL) && miq_json_str(info, "version", NULL), r);
    IT_REQUIRE_R(json_is_array(tools), r);
    for (k = 0; public_tools[k]; k++)
        IT_ASSERT_MSG(it_find_by_name(tools, public_tools[k]) != NULL, "GET /mcp lacks %s",
                      public_tools[k]);
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "endpoint", ""), mcp_url()), r);
    /* a browser's Accept gets the same document, and HEAD works */
    {
        const char *h[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
        it_resp *b = it_request("GET", "/mcp", h, NULL, 0);
        IT_ASSERT_R(b->status == 200 && json_is_object(b->json), b);
        b = it_request("HEAD", "/mcp", NULL, NULL, 0);
        IT_ASSERT_R(b->status == 200 && b->len == 0, b);
    }
}

static void test_manifest(void)
{
    it_resp *r = get_json("/mcp/manifest");
    json_t *tools = json_object_get(r->json, "tools"), *t;
    size_t i;
    int k;
    IT_ASSERT_R(miq_json_str(r->json, "name", NULL) != NULL, r);
    IT_REQUIRE_R(json_is_array(tools) && json_array_size(tools) >= 7, r);
    json_array_foreach(tools, i, t)
    {
        IT_ASSERT_MSG(miq_json_str(t, "name", NULL) && miq_json_str(t, "description", NULL),
                      "manifest tool %s", it_dump(t));
        IT_ASSERT_MSG(json_is_object(json_object_get(t, "annotations")) &&
                          json_is_boolean(
                              json_object_get(json_object_get(t, "annotations"), "readOnlyHint")),
                      "manifest tool without annotations: %s", it_dump(t));
    }
    for (k = 0; public_tools[k]; k++) {
        t = it_find_by_name(tools, public_tools[k]);
        IT_ASSERT_MSG(t && json_is_true(
                               json_object_get(json_object_get(t, "annotations"), "readOnlyHint")),
                      "manifest: %s missing or not read-only", public_tools[k]);
    }
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "mcp_url", ""), mcp_url()), r);
}

static void test_status(void)
{
    it_resp *r = get_json("/mcp/status");
    IT_ASSERT_R(miq_json_str(r->json, "version", NULL) != NULL, r);
    IT_ASSERT_R(json_is_true(json_object_get(r->json, "database_reachable")), r);
    /* health is never cached */
    IT_ASSERT_R(it_header(r, "Cache-Control") && strstr(it_header(r, "Cache-Control"), "no-store"),
                r);
    {
        /* and agrees with GET /mcp about the version */
        it_resp *m = get_json("/mcp");
        IT_ASSERT_R(!strcmp(miq_json_str(r->json, "version", "a"),
                            miq_json_str(json_object_get(m->json, "serverInfo"), "version", "b")),
                    m);
    }
}

static void test_wellknown_mcp(void)
{
    it_resp *r = get_json("/.well-known/mcp.json");
    const char *s = r->body;
    IT_ASSERT_R(miq_json_str(r->json, "name", NULL) || json_object_get(r->json, "serverInfo"), r);
    IT_ASSERT_R(strstr(s, mcp_url()) != NULL, r); /* the endpoint URL is in it */
}

static void check_protected_resource(const char *path)
{
    it_resp *r = get_json(path);
    json_t *scopes = json_object_get(r->json, "scopes_supported");
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "resource", ""), mcp_url()), r);
    IT_ASSERT_R(json_is_array(scopes) && json_array_size(scopes) > 0, r);
    IT_ASSERT_R(json_is_array(json_object_get(r->json, "authorization_servers")) &&
                    json_array_size(json_object_get(r->json, "authorization_servers")) > 0,
                r);
}

static void test_protected_resource(void)
{
    check_protected_resource("/.well-known/oauth-protected-resource");
    check_protected_resource("/.well-known/oauth-protected-resource/mcp");
}

/* A browser's preflight for the metadata an OAuth client fetches with an
 * MCP-Protocol-Version header (the SDKs do). */
static void test_metadata_preflight(void)
{
    static const char *const paths[] = {"/.well-known/oauth-protected-resource/mcp",
                                        "/.well-known/oauth-authorization-server",
                                        "/.well-known/openid-configuration", NULL};
    static const char *const h[] = {"Origin: http://localhost:6274",
                                    "Access-Control-Request-Method: GET",
                                    "Access-Control-Request-Headers: mcp-protocol-version", NULL};
    int i;
    for (i = 0; paths[i]; i++) {
        it_resp *r = it_request("OPTIONS", paths[i], h, NULL, 0);
        const char *allow = it_header(r, "Access-Control-Allow-Headers");
        IT_ASSERT_R(r->status == 204, r);
        IT_ASSERT_STRING_EQUAL(it_header(r, "Access-Control-Allow-Origin"), "*");
        IT_ASSERT_MSG(allow && strstr(allow, "MCP-Protocol-Version"), "%s: allow-headers %s",
                      paths[i], allow ? allow : "(none)");
    }
}

static void test_unknown_documents(void)
{
    it_resp *r = it_request("GET", "/mcp/no-such-document", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    IT_ASSERT_R(r->status != 500, r);
    r = it_request("POST", "/mcp/status", it_mcp_headers(NULL), "{}", 2);
    IT_ASSERT_R(r->status == 405 || r->status == 404, r);
}

IT_SUITE("discovery", IT_TEST(test_get_mcp), IT_TEST(test_manifest), IT_TEST(test_status),
         IT_TEST(test_wellknown_mcp), IT_TEST(test_protected_resource),
         IT_TEST(test_metadata_preflight), IT_TEST(test_unknown_documents))
