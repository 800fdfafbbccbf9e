/* MCP dispatch per era: method availability, result shapes, _meta rules,
 * argument validation, through miq_mcp_dispatch with the product registry. */
#include <string.h>
#include "unit.h"
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"
#include "tools/miq_server_build.h"

static const unsigned char key[32] = {1, 2, 3};
static const miq_caller anon;

typedef struct {
    json_t *resp;
    int status;
    const char *outcome;
    int meta_code;
} outcome_t;

static miq_server *server(void)
{
    miq_server *srv = NULL;
    CU_ASSERT_PTR_NULL_FATAL(
        miq_server_build(utp, "https://api.example.com", NULL, key, 32, 0, &srv));
    return srv;
}

/* era 2025 with a session's caps, or 2026 reading _meta (hdr = MCP-Protocol-Version). */
static outcome_t call(miq_server *srv, miq_era_e era, const char *hdr, const char *body)
{
    miq_mcp_call c;
    miq_rpc_msg *msg = apr_pcalloc(utp, sizeof(*msg));
    outcome_t o = {NULL, 0, NULL, 0};
    int code;
    json_t *data;
    const char *out;
    CU_ASSERT_PTR_NULL_FATAL(miq_rpc_parse(utp, body, strlen(body), msg, &code));
    memset(&c, 0, sizeof(c));
    c.pool = utp;
    c.srv = srv;
    c.caller = &anon;
    c.msg = msg;
    c.era = era;
    c.protocol_version = "2025-11-25";
    c.client_caps = miq_json_pool(utp, json_object());
    c.log_level = MIQ_MCP_INFO;
    if (era == MIQ_ERA_2026 && miq_mcp_read_meta(&c, hdr, &code, &data)) {
        o.meta_code = code;
        o.resp = data;
        return o;
    }
    out = miq_mcp_dispatch(&c);
    o.resp = miq_json_parse(utp, out, strlen(out), NULL);
    o.status = c.http_status;
    o.outcome = c.outcome;
    CU_ASSERT_PTR_NOT_NULL(o.resp);
    return o;
}

#define META                                                                                       \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

static json_t *result(outcome_t o)
{
    return json_object_get(o.resp, "result");
}

static int error_code(outcome_t o)
{
    return (int)miq_json_int(json_object_get(o.resp, "error"), "code", 0);
}

static void test_list_shapes_per_era(void)
{
    miq_server *srv = server();
    outcome_t a = call(srv, MIQ_ERA_2025, NULL,
                       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    outcome_t b = call(
        srv, MIQ_ERA_2026, "2026-07-28",
        "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"tools/list\",\"params\":{" META "}}");
    json_t *tools = json_object_get(result(a), "tools");
    /* 7 public + 8 that need a token + the MCP App view's app-only tool */
    CU_ASSERT_EQUAL(json_array_size(tools), 16);
    CU_ASSERT_PTR_NULL(json_object_get(result(a), "resultType"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(result(b), "resultType", ""), "complete");
    CU_ASSERT_EQUAL(miq_json_int(result(b), "ttlMs", -1), 300000);
    CU_ASSERT_STRING_EQUAL(miq_json_str(result(b), "cacheScope", ""), "public");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b.resp, "id", ""), "x");
    CU_ASSERT_TRUE(json_equal(tools, json_object_get(result(b), "tools")));
}

static void test_methods_per_era(void)
{
    miq_server *srv = server();
    outcome_t o;
    o = call(srv, MIQ_ERA_2025, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    CU_ASSERT_EQUAL(json_object_size(result(o)), 0);
    CU_ASSERT_PTR_NOT_NULL(result(o));
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}");
    CU_ASSERT_EQUAL(error_code(o), -32601);
    CU_ASSERT_EQUAL(o.status, 200);
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{" META "}}");
    CU_ASSERT_EQUAL(error_code(o), -32601);
    CU_ASSERT_EQUAL(o.status, 404);
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{" META "}}");
    CU_ASSERT_EQUAL(o.status, 404);
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{" META "}}");
    CU_ASSERT_STRING_EQUAL(miq_json_str(result(o), "resultType", ""), "complete");
    CU_ASSERT_PTR_NOT_NULL(
        json_object_get(json_object_get(result(o), "_meta"), "io.modelcontextprotocol/serverInfo"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(result(o), "capabilities"));
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":"
             "\"c\",\"version\":\"1\"}}}");
    CU_ASSERT_STRING_EQUAL(miq_json_str(result(o), "protocolVersion", ""), "2025-06-18");
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"1999-01-01\",\"capabilities\":{}}}");
    CU_ASSERT_STRING_EQUAL(miq_json_str(result(o), "protocolVersion", ""), "2025-11-25");
}

static void test_meta_rules_order(void)
{
    miq_server *srv = server();
    outcome_t o;
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{}}");
    CU_ASSERT_EQUAL(o.meta_code, -32602);
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
    CU_ASSERT_EQUAL(o.meta_code, -32602); /* clientCapabilities missing */
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"v999.0.0\","
             "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    CU_ASSERT_EQUAL(o.meta_code, -32020); /* header says 2026, _meta says v999 */
    o = call(srv, MIQ_ERA_2026, "v999.0.0",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{\"_meta\":{"
             "\"io.modelcontextprotocol/protocolVersion\":\"v999.0.0\","
             "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    CU_ASSERT_EQUAL(o.meta_code, -32022);
    CU_ASSERT_STRING_EQUAL(miq_json_str(o.resp, "requested", ""), "v999.0.0");
    CU_ASSERT_TRUE(json_array_size(json_object_get(o.resp, "supported")) >= 1);
}

static void test_tool_argument_validation(void)
{
    miq_server *srv = server();
    outcome_t o;
    json_t *sc;
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"momentiq.estimate_cost\",\"arguments\":{\"endpoint\":\"audio/nothing\","
             "\"duration_s\":10}}}");
    sc = json_object_get(result(o), "structuredContent");
    CU_ASSERT_TRUE(json_is_true(json_object_get(result(o), "isError")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "error"), "code", ""),
                           "invalid_request");
    CU_ASSERT_STRING_EQUAL(o.outcome, "tool_error");
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"momentiq.no_such_tool\"}}");
    CU_ASSERT_EQUAL(error_code(o), -32602);
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"momentiq.estimate_cost\",\"arguments\":[1]}}");
    CU_ASSERT_EQUAL(error_code(o), -32602);
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"momentiq.estimate_cost\",\"arguments\":{\"endpoint\":\"video/scenes\","
             "\"duration_s\":600}}}");
    CU_ASSERT_FALSE(json_is_true(json_object_get(result(o), "isError")));
    CU_ASSERT_TRUE(miq_json_int(json_object_get(result(o), "structuredContent"), "credits", 0) > 0);
}

static void test_resources_prompts_completion(void)
{
    miq_server *srv = server();
    outcome_t o;
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"momentiq://nothing\"}}");
    CU_ASSERT_EQUAL(error_code(o), -32002);
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"momentiq://nothing\"," META "}}");
    CU_ASSERT_EQUAL(error_code(o), -32602);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(json_object_get(o.resp, "error"), "data"),
                                        "uri", ""),
                           "momentiq://nothing");
    o = call(srv, MIQ_ERA_2026, "2026-07-28",
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"momentiq://guide\"," META "}}");
    CU_ASSERT_TRUE(json_array_size(json_object_get(result(o), "contents")) == 1);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(result(o), "ttlMs"));
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":"
             "\"no-such-prompt\"}}");
    CU_ASSERT_EQUAL(error_code(o), -32602);
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{\"ref\":"
             "{\"type\":\"ref/resource\",\"uri\":\"momentiq://endpoints/{endpoint}/schema\"},"
             "\"argument\":{\"name\":\"endpoint\",\"value\":\"audio/\"}}}");
    CU_ASSERT_TRUE(
        json_array_size(json_object_get(json_object_get(result(o), "completion"), "values")) >= 2);
    o = call(srv, MIQ_ERA_2025, NULL,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{\"ref\":"
             "{\"type\":\"ref/nothing\"},\"argument\":{\"name\":\"x\",\"value\":\"\"}}}");
    CU_ASSERT_EQUAL(error_code(o), -32602);
}

/* The caller as the transport fills it after a token check. */
static outcome_t call_as(miq_server *srv, const miq_caller *who, const char *body)
{
    miq_mcp_call c;
    miq_rpc_msg *msg = apr_pcalloc(utp, sizeof(*msg));
    outcome_t o = {NULL, 0, NULL, 0};
    int code;
    const char *out;
    CU_ASSERT_PTR_NULL_FATAL(miq_rpc_parse(utp, body, strlen(body), msg, &code));
    memset(&c, 0, sizeof(c));
    c.pool = utp;
    c.srv = srv;
    c.caller = who;
    c.msg = msg;
    c.era = MIQ_ERA_2025;
    c.protocol_version = "2025-11-25";
    c.client_caps = miq_json_pool(utp, json_object());
    out = miq_mcp_dispatch(&c);
    o.resp = miq_json_parse(utp, out, strlen(out), NULL);
    o.outcome = c.outcome;
    o.status = c.events ? (int)json_array_size(c.events) : 0; /* events raised */
    return o;
}

static void test_authenticated_tools(void)
{
    miq_server *srv = server();
    miq_caller who;
    outcome_t o;
    json_t *r, *meta;
    const char *get = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
                      "{\"name\":\"momentiq.get_account\"}}";
    /* anonymous: an isError result carrying the Bearer challenge */
    o = call_as(srv, &anon, get);
    r = result(o);
    CU_ASSERT_TRUE(json_is_true(json_object_get(r, "isError")));
    meta = json_object_get(r, "_meta");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(json_string_value(json_array_get(json_object_get(meta, "mcp/www_authenticate"), 0)),
               "resource_metadata=\"https://api.example.com/.well-known/"
               "oauth-protected-resource/mcp\""));
    /* with a token: the account view, warnings recorded as events */
    memset(&who, 0, sizeof(who));
    who.account_id = "42";
    who.token_id = "tok_0123456789abcdef";
    who.kind = "connector";
    who.scopes = MIQ_SCOPE_AUDIO;
    who.email = "a@example.com";
    who.account_created = "2026-01-01T00:00:00Z";
    who.token_expires_in_s = 3600;
    o = call_as(srv, &who, get);
    r = json_object_get(result(o), "structuredContent");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(r, "account"), "id", ""), "42");
    CU_ASSERT_EQUAL(miq_json_int(r, "balance_credits", -1), 0);
    CU_ASSERT_TRUE(json_array_size(json_object_get(r, "readiness_warnings")) >= 2);
    CU_ASSERT_EQUAL(o.status, (int)json_array_size(json_object_get(r, "readiness_warnings")));
    CU_ASSERT_STRING_EQUAL(o.outcome, "ok");
}

MIQ_SUITE("dispatch", MIQ_TEST(test_authenticated_tools), MIQ_TEST(test_list_shapes_per_era),
          MIQ_TEST(test_methods_per_era), MIQ_TEST(test_meta_rules_order),
          MIQ_TEST(test_tool_argument_validation), MIQ_TEST(test_resources_prompts_completion))
