/* Transport robustness: bad input is answered with the right 4xx and a
 * JSON-RPC error, never a 500, and never kills an httpd child. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

static const char *host_header(const char *host)
{
    return apr_pstrcat(itp, "Host: ", host, NULL);
}

/* The port of MIQ_TEST_URL ("80" when none). */
static const char *url_port(void)
{
    const char *hp = strstr(itenv.url, "://");
    const char *colon;
    hp = hp ? hp + 3 : itenv.url;
    colon = strrchr(hp, ':');
    return colon ? apr_pstrndup(itp, colon + 1, strcspn(colon + 1, "/")) : "80";
}

/* A 4xx with a JSON-RPC error body of the given code (0: any code). */
static void expect_rpc_error(const it_resp *r, long status, long code)
{
    IT_ASSERT_R(r->status == status, r);
    IT_ASSERT_R(r->status != 500, r);
    IT_ASSERT_R(strstr(r->ctype, "application/json") != NULL, r);
    IT_ASSERT_R(json_is_object(r->json), r);
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "jsonrpc", ""), "2.0"), r);
    IT_ASSERT_R(it_error(r) != NULL, r);
    IT_ASSERT_R(json_is_string(json_object_get(it_error(r), "message")), r);
    if (code)
        IT_ASSERT_R(it_error_code(r) == code, r);
}

static void test_malformed_json(void)
{
    static const char *const bodies[] = {
        "{",         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"",   "not json at all",
        "\"\\ud800", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}}", "\x01\x02\xff\xfe",
        NULL};
    int i;
    for (i = 0; bodies[i]; i++) {
        it_resp *r = it_post(NULL, bodies[i]);
        expect_rpc_error(r, 400, -32700);
        /* No id can be read from an unparsable body: none is made up. */
        IT_ASSERT_R(!json_is_integer(json_object_get(r->json, "id")), r);
    }
}

static void test_empty_body(void)
{
    it_resp *r = it_post(NULL, "");
    IT_ASSERT_R(r->status == 400, r);
    IT_ASSERT_R(it_error_code(r) == -32700 || it_error_code(r) == -32600, r);
}

static void test_batch_refused(void)
{
    const char *batch = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]";
    it_resp *r = it_post(NULL, batch);
    expect_rpc_error(r, 400, -32600);
    r = it_post(NULL, "[]");
    expect_rpc_error(r, 400, -32600);
}

static void test_not_jsonrpc(void)
{
    /* valid JSON, not a JSON-RPC 2.0 message */
    it_resp *r = it_post(NULL, "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}");
    expect_rpc_error(r, 400, -32600);
    IT_ASSERT_R(it_id_is(r, 7), r); /* the id was readable: it is echoed */
    r = it_post(NULL, "42");
    expect_rpc_error(r, 400, -32600);
    r = it_post(NULL, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":17}");
    expect_rpc_error(r, 400, -32600);
    IT_ASSERT_R(it_id_is(r, 8), r);
}

static void test_wrong_content_type(void)
{
    static const char *const ctypes[] = {"Content-Type: text/plain",
                                         "Content-Type: application/x-www-form-urlencoded",
                                         "Content-Type:", NULL};
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    int i;
    for (i = 0; ctypes[i]; i++) {
        const char *h[] = {ctypes[i], "Accept: application/json, text/event-stream", NULL};
        it_resp *r = it_request("POST", "/mcp", h, body, strlen(body));
        IT_ASSERT_R(r->status == 415, r);
        IT_ASSERT_R(it_error(r) != NULL, r);
    }
    {
        /* parameters on the media type are fine */
        const char *h[] = {"Content-Type: application/json; charset=utf-8",
                           "Accept: application/json, text/event-stream", NULL};
        const char *init = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{"
                           "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"miq-itest\",\"version\":\"1\"}}}";
        it_resp *r = it_request("POST", "/mcp", h, init, strlen(init));
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_R(it_result(r) != NULL, r);
    }
}

static void test_accept_lacking_sse(void)
{
    static const char *const accepts[] = {"Accept: application/json", "Accept: text/html",
                                          "Accept: text/event-stream", NULL};
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    int i;
    for (i = 0; accepts[i]; i++) {
        const char *h[] = {"Content-Type: application/json", accepts[i], NULL};
        it_resp *r = it_request("POST", "/mcp", h, body, strlen(body));
        IT_ASSERT_R(r->status == 406, r);
        IT_ASSERT_R(it_error(r) != NULL, r);
    }
}

static const char *big_body(apr_size_t pad)
{
    char *s = apr_palloc(itp, pad + 128);
    int n = sprintf(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"");
    memset(s + n, 'x', pad);
    strcpy(s + n + pad, "\"}}");
    return s;
}

static void test_oversized_body(void)
{
    const char *body = big_body(1100 * 1024);
    it_resp *r = it_post(NULL, body);
    IT_ASSERT_R(r->status == 413, r);
    IT_ASSERT_R(r->status != 500, r);
    /* The same without Content-Length: the limit holds while reading. */
    r = it_request_ex("POST", "/mcp", it_mcp_headers(NULL), body, strlen(body), IT_CHUNKED);
    IT_ASSERT_R(r->status == 413, r);
    /* Just under the limit is read (and then judged on its merits). */
    body = big_body(1000 * 1024);
    r = it_post(NULL, body);
    IT_ASSERT_R(r->status != 413 && r->status != 500 && r->status != 0, r);
}

static void test_unknown_method_2025(void)
{
    const char *sid = mcp_2025_session();
    it_resp *r;
    IT_REQUIRE_R(sid != NULL, NULL);
    r = mcp_2025_call(sid, "no/such/method", NULL);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(it_error_code(r) == -32601, r);
    IT_ASSERT_R(json_is_integer(json_object_get(r->rpc, "id")), r);
}

static void test_unknown_method_2026(void)
{
    it_resp *r = mcp_2026_call("no/such/method", NULL);
    IT_ASSERT_R(r->status == 404, r);
    IT_ASSERT_R(it_error_code(r) == -32601, r);
    IT_ASSERT_R(json_is_integer(json_object_get(r->rpc, "id")), r);
}

static void test_wrong_param_types(void)
{
    const char *sid = mcp_2025_session();
    const char *hdr[] = {NULL, "MCP-Protocol-Version: " IT_V2025, NULL};
    static const char *const bad[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"name\":5}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_simple_text\",\"arguments\":[1,2]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"test_simple_text\",\"arguments\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"resources/read\",\"params\":{\"uri\":[]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"prompts/get\",\"params\":{\"name\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"logging/setLevel\",\"params\":{\"level\":"
        "\"loud\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"completion/complete\",\"params\":{\"ref\":"
        "5,\"argument\":{\"name\":\"a\",\"value\":\"b\"}}}",
        NULL};
    int i;
    IT_REQUIRE_R(sid != NULL, NULL);
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    for (i = 0; bad[i]; i++) {
        it_resp *r = it_post(hdr, bad[i]);
        IT_ASSERT_R(r->status == 200 || r->status == 400, r);
        IT_ASSERT_R(it_error_code(r) == -32602, r);
        IT_ASSERT_R(it_id_is(r, 41), r);
    }
}

static void test_params_not_object(void)
{
    static const char *const bad[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\",\"params\":[1,2]}",
        "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\",\"params\":\"x\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/list\",\"params\":3}", NULL};
    const char *sid = mcp_2025_session();
    const char *hdr[] = {NULL, "MCP-Protocol-Version: " IT_V2025, NULL};
    int i;
    IT_REQUIRE_R(sid != NULL, NULL);
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    for (i = 0; bad[i]; i++) {
        it_resp *r = it_post(hdr, bad[i]);
        IT_ASSERT_R(r->status == 400 || r->status == 200, r);
        IT_ASSERT_R(it_error_code(r) == -32600 || it_error_code(r) == -32602, r);
        IT_ASSERT_R(it_id_is(r, 51), r);
    }
}

/* A 2026 tools/list POST with extra headers. */
static it_resp *list_2026(const char *const *extra)
{
    json_t *p = mcp_2026_params(NULL);
    const char *body = it_rpc_body("tools/list", p, 61);
    return it_request("POST", "/mcp", it_mcp_headers(mcp_2026_headers("tools/list", p, extra)),
                      body, strlen(body));
}

static void test_foreign_origin(void)
{
    static const char *const origins[] = {"Origin: http://evil.example.com",
                                          "Origin: https://127.0.0.1.evil.example.com",
                                          "Origin: null", NULL};
    int i;
    for (i = 0; origins[i]; i++) {
        const char *h[] = {origins[i], NULL};
        it_resp *r = list_2026(h);
        IT_ASSERT_R(r->status == 403, r);
        IT_ASSERT_R(it_result(r) == NULL, r);
    }
    {
        /* the server's own origin is welcome */
        const char *h[] = {apr_pstrcat(itp, "Origin: ", itenv.url, NULL), NULL};
        it_resp *r = list_2026(h);
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_R(it_result(r) != NULL, r);
    }
    {
        /* 2025 initialize from a foreign origin: no session is made */
        const char *h[] = {"Origin: http://evil.example.com", NULL};
        const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                           "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"miq-itest\",\"version\":\"1\"}}}";
        it_resp *r = it_post(h, body);
        IT_ASSERT_R(r->status == 403, r);
        IT_ASSERT_R(it_header(r, "Mcp-Session-Id") == NULL, r);
    }
}

static void test_foreign_host(void)
{
    static const char *const hosts[] = {"evil.example.com", "evil.example.com:80",
                                        "127.0.0.1.nip.io", NULL};
    int i;
    for (i = 0; hosts[i]; i++) {
        const char *h[] = {host_header(hosts[i]), NULL};
        it_resp *r = list_2026(h);
        IT_ASSERT_R(r->status == 403, r);
        IT_ASSERT_R(it_result(r) == NULL, r);
    }
    {
        /* loopback names for this server are accepted */
        const char *h[] = {host_header(apr_pstrcat(itp, "localhost:", url_port(), NULL)), NULL};
        it_resp *r = list_2026(h);
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_R(it_result(r) != NULL, r);
    }
}

static void test_trailing_slash(void)
{
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                       "\"clientInfo\":{\"name\":\"miq-itest\",\"version\":\"1\"}}}";
    it_resp *a = it_request("POST", "/mcp", it_mcp_headers(NULL), body, strlen(body));
    it_resp *b = it_request("POST", "/mcp/", it_mcp_headers(NULL), body, strlen(body));
    it_resp *g;
    IT_ASSERT_R(a->status == 200, a);
    IT_ASSERT_R(b->status == 200, b);
    IT_ASSERT_R(it_header(b, "Location") == NULL, b);
    IT_ASSERT_R(it_result(b) != NULL, b);
    IT_ASSERT_R(it_header(b, "Mcp-Session-Id") != NULL, b);
    /* the session made at /mcp/ works at /mcp and the other way round */
    if (it_header(b, "Mcp-Session-Id")) {
        const char *h[] = {apr_pstrcat(itp, "Mcp-Session-Id: ", it_header(b, "Mcp-Session-Id"),
                                       NULL),
                           "MCP-Protocol-Version: " IT_V2025, NULL};
        const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
        it_resp *r = it_request("POST", "/mcp", it_mcp_headers(h), ping, strlen(ping));
        IT_ASSERT_R(r->status == 200 && it_result(r), r);
    }
    {
        /* 2026 at /mcp/ too */
        json_t *p = mcp_2026_params(NULL);
        const char *lb = it_rpc_body("tools/list", p, 3);
        it_resp *r = it_request("POST", "/mcp/",
                                it_mcp_headers(mcp_2026_headers("tools/list", p, NULL)), lb,
                                strlen(lb));
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_R(json_is_array(json_object_get(it_result(r), "tools")), r);
    }
    g = it_request("GET", "/mcp/", NULL, NULL, 0);
    IT_ASSERT_R(g->status == 200, g);
    IT_ASSERT_R(it_header(g, "Location") == NULL, g);
    IT_ASSERT_R(json_is_object(g->json), g);
}

static void test_notifications_202(void)
{
    const char *sid = mcp_2025_session();
    const char *h[] = {NULL, "MCP-Protocol-Version: " IT_V2025, NULL};
    static const char *const notes[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":"
        "99,\"reason\":\"test\"}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever/unknown\"}", NULL};
    int i;
    IT_REQUIRE_R(sid != NULL, NULL);
    h[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    for (i = 0; notes[i]; i++) {
        it_resp *r = it_post(h, notes[i]);
        IT_ASSERT_R(r->status == 202, r);
        IT_ASSERT_R(r->len == 0, r);
    }
    {
        /* 2026: no session, still 202 and empty */
        const char *h26[] = {"MCP-Protocol-Version: " IT_V2026,
                             "Mcp-Method: notifications/cancelled", NULL};
        it_resp *r = it_post(h26, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                                  "\"params\":{\"requestId\":5}}");
        IT_ASSERT_R(r->status == 202, r);
        IT_ASSERT_R(r->len == 0, r);
    }
}

static void test_get_sse_only_405(void)
{
    const char *h[] = {"Accept: text/event-stream", NULL};
    it_resp *r = it_request("GET", "/mcp", h, NULL, 0);
    IT_ASSERT_R(r->status == 405, r);
    IT_ASSERT_R(it_header(r, "Allow") != NULL, r);
    IT_ASSERT_R(strstr(r->ctype, "text/event-stream") == NULL, r);
    {
        /* also on a live session (what SDK clients open after initialized) */
        const char *sid = mcp_2025_session();
        const char *h2[] = {"Accept: text/event-stream", NULL, "MCP-Protocol-Version: " IT_V2025,
                            NULL};
        IT_REQUIRE_R(sid != NULL, NULL);
        h2[1] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
        r = it_request("GET", "/mcp", h2, NULL, 0);
        IT_ASSERT_R(r->status == 405, r);
    }
}

static void test_options(void)
{
    const char *h[] = {apr_pstrcat(itp, "Origin: ", itenv.url, NULL),
                       "Access-Control-Request-Method: POST",
                       "Access-Control-Request-Headers: content-type, mcp-session-id", NULL};
    it_resp *r = it_request("OPTIONS", "/mcp", h, NULL, 0);
    const char *allow;
    IT_ASSERT_R(r->status == 204 || r->status == 200, r);
    allow = it_header(r, "Allow");
    IT_ASSERT_R(allow && strstr(allow, "POST"), r);
    IT_ASSERT_R(it_header(r, "Access-Control-Allow-Methods") &&
                    strstr(it_header(r, "Access-Control-Allow-Methods"), "POST"),
                r);
    IT_ASSERT_R(it_header(r, "Access-Control-Allow-Headers") &&
                    strcasestr(it_header(r, "Access-Control-Allow-Headers"), "Mcp-Session-Id"),
                r);
    {
        /* a foreign origin is not invited */
        const char *h2[] = {"Origin: http://evil.example.com",
                            "Access-Control-Request-Method: POST", NULL};
        it_resp *e = it_request("OPTIONS", "/mcp", h2, NULL, 0);
        IT_ASSERT_R(e->status == 403, e);
        IT_ASSERT_R(it_header(e, "Access-Control-Allow-Origin") == NULL, e);
    }
}

static void test_other_methods(void)
{
    it_resp *r = it_request("PUT", "/mcp", it_mcp_headers(NULL), "{}", 2);
    IT_ASSERT_R(r->status == 405, r);
    r = it_request("PATCH", "/mcp", it_mcp_headers(NULL), "{}", 2);
    IT_ASSERT_R(r->status == 405, r);
    r = it_request("DELETE", "/mcp", NULL, NULL, 0); /* no session header */
    IT_ASSERT_R(r->status == 400 || r->status == 405, r);
}

static void test_hostile_headers(void)
{
    /* oversized and odd header values are refused or ignored, never a 500 */
    char *longv = apr_palloc(itp, 6000);
    const char *body = it_rpc_body("ping", NULL, 9);
    it_resp *r;
    memset(longv, 'a', 5999);
    longv[5999] = 0;
    {
        const char *h[] = {apr_pstrcat(itp, "Mcp-Session-Id: ", longv, NULL),
                           "MCP-Protocol-Version: " IT_V2025, NULL};
        r = it_post(h, body);
        IT_ASSERT_R(r->status == 404 || r->status == 400, r);
    }
    {
        const char *h[] = {"Mcp-Session-Id: ' OR 1=1 --", "MCP-Protocol-Version: " IT_V2025, NULL};
        r = it_post(h, body);
        IT_ASSERT_R(r->status == 404 || r->status == 400, r);
    }
    {
        const char *h[] = {"MCP-Protocol-Version: \x7f\x01garbage", NULL};
        r = it_post(h, body);
        IT_ASSERT_R(r->status >= 400 && r->status < 500, r);
    }
    {
        json_t *p = mcp_2026_params(it_json("{\"name\":\"test_simple_text\",\"arguments\":{}}"));
        const char *b = it_rpc_body("tools/call", p, 10);
        const char *h[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: tools/call",
                           "Mcp-Name: =?base64?%%%not-base64?=", NULL};
        r = it_post(h, b);
        IT_ASSERT_R(r->status == 400, r);
        IT_ASSERT_R(it_error_code(r) == -32020, r);
    }
}

/* Runs last in this suite: after the barrage the server still answers and no
 * child died. */
static void test_server_survived(void)
{
    it_resp *r = it_request("GET", "/mcp/status", NULL, NULL, 0);
    const char *bad;
    IT_ASSERT_R(r->status == 200, r);
    r = mcp_2026_call("tools/list", NULL);
    IT_ASSERT_R(r->status == 200 && it_result(r), r);
    IT_ASSERT_MSG(itenv.error_log != NULL, "MIQ_TEST_ERROR_LOG is not set");
    if (!itenv.error_log)
        return;
    IT_ASSERT_MSG(it_read_file(itenv.error_log, 0) != NULL, "cannot read %s", itenv.error_log);
    bad = it_error_log_grep("exit signal");
    IT_ASSERT_MSG(bad == NULL, "a child crashed:\n%s", bad);
    bad = it_error_log_grep("Segmentation");
    IT_ASSERT_MSG(bad == NULL, "segfault:\n%s", bad);
    bad = it_error_log_grep("AddressSanitizer");
    IT_ASSERT_MSG(bad == NULL, "sanitizer:\n%s", bad);
    /* client input never makes the module log an error of its own */
    bad = it_error_log_grep("[momentiq:error]");
    IT_ASSERT_MSG(bad == NULL, "the module logged errors during the run:\n%.3000s", bad);
}

IT_SUITE("transport", IT_TEST(test_malformed_json), IT_TEST(test_empty_body),
         IT_TEST(test_batch_refused), IT_TEST(test_not_jsonrpc), IT_TEST(test_wrong_content_type),
         IT_TEST(test_accept_lacking_sse), IT_TEST(test_oversized_body),
         IT_TEST(test_unknown_method_2025), IT_TEST(test_unknown_method_2026),
         IT_TEST(test_wrong_param_types), IT_TEST(test_params_not_object),
         IT_TEST(test_foreign_origin), IT_TEST(test_foreign_host), IT_TEST(test_trailing_slash),
         IT_TEST(test_notifications_202), IT_TEST(test_get_sse_only_405), IT_TEST(test_options),
         IT_TEST(test_other_methods), IT_TEST(test_hostile_headers), IT_TEST(test_server_survived))
