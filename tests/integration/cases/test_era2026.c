/* 2026-07-28 era: stateless requests with params._meta, server/discover,
 * header validation, removed methods, caching hints and multi round-trip
 * (input_required + signed requestState). */
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

#define META_V    "io.modelcontextprotocol/protocolVersion"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"

/* A POST with exactly these MCP headers (plus Content-Type/Accept). */
static it_resp *post_with(const char *const *headers, const char *body)
{
    return it_post(headers, body);
}

static void expect_error(const it_resp *r, long status, long code, long id)
{
    IT_ASSERT_R(r->status == status, r);
    IT_ASSERT_R(it_error_code(r) == code, r);
    IT_ASSERT_R(it_result(r) == NULL, r);
    if (id >= 0)
        IT_ASSERT_R(it_id_is(r, id), r);
}

static int has_string(const json_t *array, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return 1;
    }
    return 0;
}

static void test_discover(void)
{
    it_resp *r = mcp_2026_call("server/discover", NULL);
    json_t *res = it_result(r), *info;
    const char *scope;
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(strstr(r->ctype, "application/json") != NULL, r);
    IT_REQUIRE_R(res != NULL, r);
    IT_ASSERT_R(!strcmp(miq_json_str(res, "resultType", ""), "complete"), r);
    IT_ASSERT_R(json_is_array(json_object_get(res, "supportedVersions")), r);
    IT_ASSERT_R(has_string(json_object_get(res, "supportedVersions"), IT_V2026), r);
    IT_ASSERT_R(json_is_object(json_object_get(res, "capabilities")), r);
    IT_ASSERT_R(json_is_object(json_object_get(json_object_get(res, "capabilities"), "tools")), r);
    IT_ASSERT_R(json_is_integer(json_object_get(res, "ttlMs")) &&
                    json_integer_value(json_object_get(res, "ttlMs")) >= 0,
                r);
    scope = miq_json_str(res, "cacheScope", "");
    IT_ASSERT_R(!strcmp(scope, "public") || !strcmp(scope, "private"), r);
    info = json_object_get(json_object_get(res, "_meta"), "io.modelcontextprotocol/serverInfo");
    IT_ASSERT_R(json_is_object(info), r);
    IT_ASSERT_R(miq_json_str(info, "name", NULL) && miq_json_str(info, "version", NULL), r);
    /* serverInfo lives only in _meta in 2026 */
    IT_ASSERT_R(json_object_get(res, "serverInfo") == NULL, r);
    IT_ASSERT_R(json_object_get(res, "protocolVersion") == NULL, r);
    /* no session in the stateless era */
    IT_ASSERT_R(it_header(r, "Mcp-Session-Id") == NULL, r);
}

static void test_missing_meta(void)
{
    const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/list", NULL};
    it_resp *r;
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":501,\"method\":\"tools/list\",\"params\":{}}");
    expect_error(r, 400, -32602, 501);
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":502,\"method\":\"tools/list\"}");
    expect_error(r, 400, -32602, 502);
    /* _meta without the version */
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":503,\"method\":\"tools/list\",\"params\":{"
                     "\"_meta\":{\"" META_CAPS "\":{}}}}");
    expect_error(r, 400, -32602, 503);
    /* _meta without clientCapabilities */
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":504,\"method\":\"tools/list\",\"params\":{"
                     "\"_meta\":{\"" META_V "\":\"" IT_V2026 "\"}}}");
    expect_error(r, 400, -32602, 504);
    /* string ids are echoed too */
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":\"s-505\",\"method\":\"tools/list\"}");
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32602, r);
    IT_ASSERT_R(!strcmp(miq_json_str(r->rpc, "id", ""), "s-505"), r);
    /* clientInfo is optional */
    r = post_with(h, "{\"jsonrpc\":\"2.0\",\"id\":506,\"method\":\"tools/list\",\"params\":{"
                     "\"_meta\":{\"" META_V "\":\"" IT_V2026 "\",\"" META_CAPS "\":{}}}}");
    IT_ASSERT_R(r->status == 200 && it_result(r) && it_id_is(r, 506), r);
}

static void test_version_mismatch(void)
{
    json_t *p = mcp_2026_params(NULL);
    const char *body = it_rpc_body("tools/list", p, 511);
    {
        const char *h[] = {"MCP-Protocol-Version: 2025-11-25", "Mcp-Method: tools/list", NULL};
        it_resp *r = post_with(h, body);
        /* a 2025 header routes to the stateful era, where this request has
         * no session: either way it must not be served */
        IT_ASSERT_R(r->status == 400, r);
        IT_ASSERT_R(it_result(r) == NULL, r);
    }
    {
        const char *h[] = {"MCP-Protocol-Version: v999.0.0", "Mcp-Method: tools/list", NULL};
        expect_error(post_with(h, body), 400, -32020, 511);
    }
    {
        /* header right, _meta names another version */
        json_t *p2 = mcp_2026_params(it_json("{\"_meta\":{\"" META_V "\":\"2025-06-18\"}}"));
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/list", NULL};
        expect_error(post_with(h, it_rpc_body("tools/list", p2, 512)), 400, -32020, 512);
    }
    {
        /* no header at all while _meta says 2026 */
        const char *h[] = {"Mcp-Method: tools/list", NULL};
        expect_error(post_with(h, it_rpc_body("tools/list", p, 513)), 400, -32020, 513);
    }
}

static void test_unsupported_version(void)
{
    json_t *p = mcp_2026_params(it_json("{\"_meta\":{\"" META_V "\":\"v999.0.0\"}}"));
    const char *h[] = {"MCP-Protocol-Version: v999.0.0", "Mcp-Method: tools/list", NULL};
    it_resp *r = post_with(h, it_rpc_body("tools/list", p, 521));
    json_t *data = json_object_get(it_error(r), "data"), *supported, *disc;
    size_t i;
    json_t *v;
    expect_error(r, 400, -32022, 521);
    IT_REQUIRE_R(json_is_object(data), r);
    supported = json_object_get(data, "supported");
    IT_ASSERT_R(json_is_array(supported) && json_array_size(supported) > 0, r);
    IT_ASSERT_R(has_string(supported, IT_V2026), r);
    IT_ASSERT_R(!strcmp(miq_json_str(data, "requested", ""), "v999.0.0"), r);
    /* data.supported is a subset of what server/discover advertises */
    disc = json_object_get(it_result(mcp_2026_call("server/discover", NULL)), "supportedVersions");
    json_array_foreach(supported, i, v)
    {
        IT_ASSERT_MSG(has_string(disc, json_string_value(v)),
                      "%s is in -32022 data.supported but not in supportedVersions %s",
                      json_string_value(v), it_dump(disc));
    }
}

static void test_method_header(void)
{
    json_t *p = mcp_2026_params(NULL);
    const char *body = it_rpc_body("tools/list", p, 531);
    {
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, NULL};
        expect_error(post_with(h, body), 400, -32020, 531);
    }
    {
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: prompts/list", NULL};
        expect_error(post_with(h, body), 400, -32020, 531);
    }
    {
        /* values are case-sensitive */
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: Tools/List", NULL};
        expect_error(post_with(h, body), 400, -32020, 531);
    }
    {
        /* names are not, and surrounding whitespace is not part of the value */
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "mcp-method:    tools/list   ", NULL};
        it_resp *r = post_with(h, body);
        IT_ASSERT_R(r->status == 200 && it_result(r), r);
    }
}

static void test_name_header(void)
{
    json_t *p = mcp_2026_params(it_json("{\"name\":\"test_simple_text\",\"arguments\":{}}"));
    const char *body = it_rpc_body("tools/call", p, 541);
    {
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/call",
                           "Mcp-Name: test_image_content", NULL};
        expect_error(post_with(h, body), 400, -32020, 541);
    }
    {
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/call", NULL};
        expect_error(post_with(h, body), 400, -32020, 541);
    }
    {
        /* base64-wrapped names are decoded */
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/call",
                           "Mcp-Name: =?base64?dGVzdF9zaW1wbGVfdGV4dA==?=", NULL};
        it_resp *r = post_with(h, body);
        IT_ASSERT_R(r->status == 200 && it_result(r), r);
    }
    {
        json_t *rp = mcp_2026_params(it_json("{\"uri\":\"test://static-text\"}"));
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: resources/read",
                           "Mcp-Name: test://static-binary", NULL};
        expect_error(post_with(h, it_rpc_body("resources/read", rp, 542)), 400, -32020, 542);
    }
    {
        json_t *pp = mcp_2026_params(it_json("{\"name\":\"test_simple_prompt\"}"));
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: prompts/get",
                           "Mcp-Name: test_prompt_with_image", NULL};
        expect_error(post_with(h, it_rpc_body("prompts/get", pp, 543)), 400, -32020, 543);
    }
}

static void test_removed_methods(void)
{
    static const struct {
        const char *method, *params;
    } cases[] = {{"initialize", "{\"protocolVersion\":\"" IT_V2026 "\",\"capabilities\":{},"
                                "\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}"},
                 {"ping", "{}"},
                 {"logging/setLevel", "{\"level\":\"debug\"}"},
                 {"resources/subscribe", "{\"uri\":\"test://watched-resource\"}"},
                 {"resources/unsubscribe", "{\"uri\":\"test://watched-resource\"}"},
                 {NULL, NULL}};
    int i;
    for (i = 0; cases[i].method; i++) {
        json_t *p = mcp_2026_params(it_json(cases[i].params));
        long id = 550 + i;
        /* the headers a 2026 client sends: Mcp-Name only for tools/call,
         * prompts/get and resources/read */
        it_resp *r = it_post(mcp_2026_headers(cases[i].method, p, NULL),
                             it_rpc_body(cases[i].method, p, id));
        expect_error(r, 404, -32601, id);
        IT_ASSERT_R(it_header(r, "Mcp-Session-Id") == NULL, r);
    }
}

static void check_list(const char *method, const char *key)
{
    it_resp *r = mcp_2026_call(method, NULL);
    json_t *res = it_result(r);
    const char *scope;
    IT_ASSERT_R(r->status == 200, r);
    IT_REQUIRE_R(res != NULL, r);
    IT_ASSERT_R(json_is_array(json_object_get(res, key)), r);
    IT_ASSERT_R(!strcmp(miq_json_str(res, "resultType", ""), "complete"), r);
    IT_ASSERT_R(json_is_integer(json_object_get(res, "ttlMs")) &&
                    json_integer_value(json_object_get(res, "ttlMs")) >= 0,
                r);
    scope = miq_json_str(res, "cacheScope", "");
    IT_ASSERT_R(!strcmp(scope, "public") || !strcmp(scope, "private"), r);
}

static void test_list_results(void)
{
    it_resp *a, *b;
    check_list("tools/list", "tools");
    check_list("prompts/list", "prompts");
    check_list("resources/list", "resources");
    check_list("resources/templates/list", "resourceTemplates");
    /* deterministic order */
    a = mcp_2026_call("tools/list", NULL);
    b = mcp_2026_call("tools/list", NULL);
    IT_ASSERT_MSG(json_equal(json_object_get(it_result(a), "tools"),
                             json_object_get(it_result(b), "tools")),
                  "tools/list differs between two calls");
    {
        /* resources/read also carries the hints; tools/call has resultType */
        it_resp *r = mcp_2026_call("resources/read", it_json("{\"uri\":\"test://static-text\"}"));
        IT_ASSERT_R(r->status == 200 && it_result(r), r);
        IT_ASSERT_R(json_is_integer(json_object_get(it_result(r), "ttlMs")), r);
        IT_ASSERT_R(json_is_string(json_object_get(it_result(r), "cacheScope")), r);
        IT_ASSERT_R(!strcmp(miq_json_str(it_result(r), "resultType", ""), "complete"), r);
        r = mcp_2026_call("tools/call",
                          it_json("{\"name\":\"test_simple_text\",\"arguments\":{}}"));
        IT_ASSERT_R(!strcmp(miq_json_str(it_result(r), "resultType", ""), "complete"), r);
    }
}

static void test_resource_not_found(void)
{
    const char *uri = "test://nonexistent-resource-for-conformance-testing";
    it_resp *r = mcp_2026_call("resources/read", it_jsonf("{\"uri\":\"%s\"}", uri));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    IT_ASSERT_R(!strcmp(miq_json_str(json_object_get(it_error(r), "data"), "uri", ""), uri), r);
}

/* tools/call name with extra params (inputResponses, requestState). */
static it_resp *call_tool(const char *name, const char *extra_json)
{
    json_t *p = it_jsonf("{\"name\":\"%s\",\"arguments\":{}}", name);
    if (extra_json)
        json_object_update(p, it_json(extra_json));
    return mcp_2026_call("tools/call", p);
}

static void test_input_required(void)
{
    it_resp *r1 = call_tool("test_input_required_result_elicitation", NULL), *r2;
    json_t *res = it_result(r1), *ir, *ask;
    const char *state;
    IT_ASSERT_R(r1->status == 200, r1);
    IT_REQUIRE_R(res != NULL, r1);
    IT_ASSERT_R(!strcmp(miq_json_str(res, "resultType", ""), "input_required"), r1);
    IT_ASSERT_R(strstr(r1->body, "\"resultType\":\"input_required\"") != NULL, r1);
    ir = json_object_get(res, "inputRequests");
    ask = json_object_get(ir, "user_name");
    IT_REQUIRE_R(json_is_object(ask), r1);
    IT_ASSERT_R(!strcmp(miq_json_str(ask, "method", ""), "elicitation/create"), r1);
    IT_ASSERT_R(json_is_object(json_object_get(ask, "params")), r1);
    IT_ASSERT_R(!json_object_get(ask, "jsonrpc") && !json_object_get(ask, "id"), r1);
    state = miq_json_str(res, "requestState", NULL);
    IT_REQUIRE_R(state && *state, r1);

    r2 = call_tool("test_input_required_result_elicitation",
                   apr_psprintf(itp,
                                "{\"inputResponses\":{\"user_name\":{\"action\":\"accept\","
                                "\"content\":{\"name\":\"Alice\"}}},\"requestState\":%s}",
                                it_quote(state)));
    IT_ASSERT_R(r2->status == 200, r2);
    IT_REQUIRE_R(it_result(r2) != NULL, r2);
    IT_ASSERT_R(strcmp(miq_json_str(it_result(r2), "resultType", "complete"), "input_required"),
                r2);
    IT_ASSERT_R(strstr(it_dump(json_object_get(it_result(r2), "content")), "Alice") != NULL, r2);
    IT_ASSERT_R(!json_is_true(json_object_get(it_result(r2), "isError")), r2);

    {
        /* a wrong key is asked again, never completed */
        it_resp *r3 = call_tool("test_input_required_result_elicitation",
                                "{\"inputResponses\":{\"wrong_key\":{\"action\":\"accept\","
                                "\"content\":{\"data\":\"wrong\"}}}}");
        IT_ASSERT_R(it_error(r3) ||
                        !strcmp(miq_json_str(it_result(r3), "resultType", ""), "input_required"),
                    r3);
        /* a schema-invalid answer is not taken as complete either */
        r3 = call_tool("test_input_required_result_elicitation",
                       "{\"inputResponses\":{\"user_name\":12345}}");
        IT_ASSERT_R(it_error(r3) ||
                        !strcmp(miq_json_str(it_result(r3), "resultType", ""), "input_required"),
                    r3);
    }
}

static void test_tampered_state(void)
{
    it_resp *r1 = call_tool("test_input_required_result_tampered_state", NULL), *r2;
    const char *state = miq_json_str(it_result(r1), "requestState", NULL);
    const char *answer = "\"inputResponses\":{\"confirm\":{\"action\":\"accept\",\"content\":{"
                         "\"ok\":true}}}";
    IT_REQUIRE_R(state != NULL, r1);
    r2 = call_tool("test_input_required_result_tampered_state",
                   apr_psprintf(itp, "{%s,\"requestState\":%s}", answer,
                                it_quote(apr_pstrcat(itp, state, "-TAMPERED", NULL))));
    IT_ASSERT_R(it_error(r2) != NULL, r2);
    IT_ASSERT_R(it_result(r2) == NULL, r2);
    {
        /* one flipped character in the middle */
        char *flipped = apr_pstrdup(itp, state);
        size_t mid = strlen(flipped) / 2;
        flipped[mid] = flipped[mid] == 'A' ? 'B' : 'A';
        r2 = call_tool("test_input_required_result_tampered_state",
                       apr_psprintf(itp, "{%s,\"requestState\":%s}", answer, it_quote(flipped)));
        IT_ASSERT_R(it_error(r2) != NULL, r2);
    }
    {
        /* a genuine state for another tool is refused */
        const char *other = miq_json_str(
            it_result(call_tool("test_input_required_result_elicitation", NULL)), "requestState",
            NULL);
        IT_REQUIRE_R(other != NULL, NULL);
        r2 = call_tool("test_input_required_result_tampered_state",
                       apr_psprintf(itp, "{%s,\"requestState\":%s}", answer, it_quote(other)));
        IT_ASSERT_R(it_error(r2) != NULL, r2);
    }
    /* the untouched state completes */
    r2 = call_tool("test_input_required_result_tampered_state",
                   apr_psprintf(itp, "{%s,\"requestState\":%s}", answer, it_quote(state)));
    IT_ASSERT_R(it_result(r2) &&
                    strcmp(miq_json_str(it_result(r2), "resultType", ""), "input_required"),
                r2);
}

static void test_multi_round(void)
{
    const char *tool = "test_input_required_result_multi_round";
    it_resp *r1 = call_tool(tool, NULL), *r2, *r3;
    const char *s1 = miq_json_str(it_result(r1), "requestState", NULL), *s2;
    IT_REQUIRE_R(s1 != NULL, r1);
    IT_ASSERT_R(json_object_get(json_object_get(it_result(r1), "inputRequests"), "step1"), r1);
    r2 = call_tool(tool, apr_psprintf(itp,
                                      "{\"inputResponses\":{\"step1\":{\"action\":\"accept\","
                                      "\"content\":{\"name\":\"Alice\"}}},\"requestState\":%s}",
                                      it_quote(s1)));
    IT_ASSERT_R(!strcmp(miq_json_str(it_result(r2), "resultType", ""), "input_required"), r2);
    IT_ASSERT_R(json_object_get(json_object_get(it_result(r2), "inputRequests"), "step2"), r2);
    s2 = miq_json_str(it_result(r2), "requestState", NULL);
    IT_REQUIRE_R(s2 != NULL, r2);
    IT_ASSERT_MSG(strcmp(s1, s2) != 0, "requestState did not change between rounds");
    r3 = call_tool(tool, apr_psprintf(itp,
                                      "{\"inputResponses\":{\"step2\":{\"action\":\"accept\","
                                      "\"content\":{\"color\":\"blue\"}}},\"requestState\":%s}",
                                      it_quote(s2)));
    IT_REQUIRE_R(it_result(r3) != NULL, r3);
    IT_ASSERT_R(strcmp(miq_json_str(it_result(r3), "resultType", ""), "input_required"), r3);
    IT_ASSERT_R(strstr(it_dump(it_result(r3)), "blue") != NULL, r3);
}

static void test_missing_capability(void)
{
    json_t *p = it_json(
        "{\"name\":\"test_missing_capability\",\"arguments\":{},\"_meta\":{\"" META_CAPS "\":{}}}");
    it_resp *r = mcp_2026_call("tools/call", p);
    json_t *req;
    IT_ASSERT_R(r->status == 400, r);
    IT_ASSERT_R(it_error_code(r) == -32021, r);
    req = json_object_get(json_object_get(it_error(r), "data"), "requiredCapabilities");
    IT_ASSERT_R(json_is_object(req) && json_object_get(req, "sampling"), r);
    /* declared: no error */
    r = call_tool("test_missing_capability", NULL);
    IT_ASSERT_R(it_error_code(r) != -32021, r);
}

static void test_capabilities_honoured(void)
{
    json_t *p = it_json("{\"name\":\"test_input_required_result_capabilities\",\"arguments\":{},"
                        "\"_meta\":{\"" META_CAPS "\":{\"sampling\":{}}}}");
    it_resp *r = mcp_2026_call("tools/call", p);
    json_t *ir = json_object_get(it_result(r), "inputRequests");
    const char *k;
    json_t *v;
    IT_REQUIRE_R(json_is_object(ir) && json_object_size(ir) >= 1, r);
    json_object_foreach(ir, k, v)
    {
        IT_ASSERT_MSG(strcmp(miq_json_str(v, "method", ""), "elicitation/create") &&
                          strcmp(miq_json_str(v, "method", ""), "roots/list"),
                      "asked %s for undeclared %s", k, miq_json_str(v, "method", ""));
    }
}

static int count_requests_on_stream(const it_resp *r)
{
    int i, n = 0;
    for (i = 0; r->events && i < r->events->nelts; i++) {
        json_t *j = APR_ARRAY_IDX(r->events, i, it_event).json;
        if (json_object_get(j, "method") && json_object_get(j, "id"))
            n++;
    }
    return n;
}

static void test_no_server_requests(void)
{
    /* 2025-style tools that ask the client must not do it on a 2026 stream */
    it_resp *r = mcp_2026_call(
        "tools/call", it_json("{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"hi\"}}"));
    IT_ASSERT_R(count_requests_on_stream(r) == 0, r);
    IT_ASSERT_R(it_error(r) ||
                    !strcmp(miq_json_str(it_result(r), "resultType", ""), "input_required") ||
                    json_is_true(json_object_get(it_result(r), "isError")),
                r);
    r = call_tool("test_streaming_elicitation", NULL);
    IT_ASSERT_R(count_requests_on_stream(r) == 0, r);
    IT_ASSERT_R(it_result(r) != NULL, r);
}

static void test_progress_2026(void)
{
    it_resp *r = mcp_2026_call("tools/call",
                               it_json("{\"name\":\"test_tool_with_progress\",\"arguments\":{},"
                                       "\"_meta\":{\"progressToken\":\"progress-test-1\"}}"));
    int i, n = 0, after = 0, seen_result = 0;
    IT_ASSERT_R(strstr(r->ctype, "text/event-stream") != NULL, r);
    for (i = 0; r->events && i < r->events->nelts; i++) {
        json_t *j = APR_ARRAY_IDX(r->events, i, it_event).json;
        if (!strcmp(miq_json_str(j, "method", ""), "notifications/progress")) {
            n++;
            if (seen_result)
                after++;
        }
        else if (json_object_get(j, "result"))
            seen_result = 1;
    }
    IT_ASSERT_R(n >= 3 && after == 0 && seen_result, r);
    IT_ASSERT_R(!strcmp(miq_json_str(it_result(r), "resultType", ""), "complete"), r);
}

static void test_logging_needs_level(void)
{
    it_resp *r = call_tool("test_logging_tool", NULL);
    int i, n = 0;
    for (i = 0; r->events && i < r->events->nelts; i++)
        if (!strcmp(miq_json_str(APR_ARRAY_IDX(r->events, i, it_event).json, "method", ""),
                    "notifications/message"))
            n++;
    IT_ASSERT_R(n == 0 && it_result(r), r);
    r = mcp_2026_call("tools/call",
                      it_json("{\"name\":\"test_logging_tool\",\"arguments\":{},\"_meta\":{"
                              "\"io.modelcontextprotocol/logLevel\":\"debug\"}}"));
    for (i = 0, n = 0; r->events && i < r->events->nelts; i++)
        if (!strcmp(miq_json_str(APR_ARRAY_IDX(r->events, i, it_event).json, "method", ""),
                    "notifications/message"))
            n++;
    IT_ASSERT_R(n >= 1 && it_result(r), r);
}

static void test_prompt_input_required(void)
{
    it_resp *r1 = mcp_2026_call("prompts/get",
                                it_json("{\"name\":\"test_input_required_result_prompt\"}")),
            *r2;
    const char *st = miq_json_str(it_result(r1), "requestState", NULL);
    IT_ASSERT_R(!strcmp(miq_json_str(it_result(r1), "resultType", ""), "input_required"), r1);
    IT_REQUIRE_R(st != NULL, r1);
    r2 = mcp_2026_call("prompts/get",
                       it_jsonf("{\"name\":\"test_input_required_result_prompt\","
                                "\"inputResponses\":{\"user_context\":{\"action\":\"accept\","
                                "\"content\":{\"context\":\"test context\"}}},\"requestState\":%s}",
                                it_quote(st)));
    IT_ASSERT_R(json_is_array(json_object_get(it_result(r2), "messages")), r2);
    /* list methods never ask for input */
    r1 = mcp_2026_call("prompts/list", NULL);
    IT_ASSERT_R(strcmp(miq_json_str(it_result(r1), "resultType", ""), "input_required"), r1);
}

IT_SUITE("era2026", IT_TEST(test_discover), IT_TEST(test_missing_meta),
         IT_TEST(test_version_mismatch), IT_TEST(test_unsupported_version),
         IT_TEST(test_method_header), IT_TEST(test_name_header), IT_TEST(test_removed_methods),
         IT_TEST(test_list_results), IT_TEST(test_resource_not_found), IT_TEST(test_input_required),
         IT_TEST(test_tampered_state), IT_TEST(test_multi_round), IT_TEST(test_missing_capability),
         IT_TEST(test_capabilities_honoured), IT_TEST(test_no_server_requests),
         IT_TEST(test_progress_2026), IT_TEST(test_logging_needs_level),
         IT_TEST(test_prompt_input_required))
