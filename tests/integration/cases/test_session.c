/* 2025 era: initialize, Mcp-Session-Id sessions stored in PostgreSQL,
 * DELETE, ping, logging/setLevel, SSE progress and server-to-client requests
 * answered on a separate POST. */
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

static const char *sid_header(const char *sid)
{
    return apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
}

static const char *unique(const char *prefix)
{
    static int n;
    return apr_psprintf(itp, "%s-%d-%" APR_TIME_T_FMT, prefix, ++n, apr_time_now());
}

static int visible_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static void test_initialize(void)
{
    it_resp *init = NULL;
    const char *name = unique("miq-itest-init");
    const char *sid = mcp_2025_session_ex(NULL, name, NULL, &init);
    json_t *res;
    IT_REQUIRE_R(sid != NULL, init);
    IT_ASSERT_R(init->status == 200, init);
    IT_ASSERT_MSG(visible_ascii(sid), "session id has invisible characters: %s", sid);
    IT_ASSERT_MSG(strlen(sid) >= 32 && strlen(sid) <= 128, "session id length %zu", strlen(sid));
    res = it_result(init);
    IT_REQUIRE_R(res != NULL, init);
    IT_ASSERT_R(!strcmp(miq_json_str(res, "protocolVersion", ""), IT_V2025), init);
    IT_ASSERT_R(json_is_object(json_object_get(res, "capabilities")), init);
    IT_ASSERT_R(json_is_object(json_object_get(json_object_get(res, "capabilities"), "tools")),
                init);
    IT_ASSERT_R(miq_json_str(json_object_get(res, "serverInfo"), "name", NULL) != NULL, init);
    IT_ASSERT_R(miq_json_str(json_object_get(res, "serverInfo"), "version", NULL) != NULL, init);
    /* 2025 results carry no 2026 resultType */
    IT_ASSERT_R(json_object_get(res, "resultType") == NULL, init);
    {
        /* each initialize makes a new session */
        const char *sid2 = mcp_2025_session();
        IT_ASSERT_MSG(sid2 && strcmp(sid, sid2), "two initializes gave the same session %s", sid);
    }
}

static void test_version_negotiation(void)
{
    static const struct {
        const char *asked, *got;
    } cases[] = {{"2025-11-25", "2025-11-25"},
                 {"2025-06-18", "2025-06-18"},
                 {"2025-03-26", "2025-03-26"},
                 {"1999-01-01", "2025-11-25"},
                 {"2026-07-28", "2025-11-25"}, /* 2026 has no initialize: offer our 2025 */
                 {NULL, NULL}};
    int i;
    for (i = 0; cases[i].asked; i++) {
        it_resp *init = NULL;
        const char *sid = mcp_2025_session_ex(cases[i].asked, NULL, NULL, &init);
        IT_ASSERT_R(init->status == 200, init);
        IT_ASSERT_R(!strcmp(miq_json_str(it_result(init), "protocolVersion", ""), cases[i].got),
                    init);
        if (sid) {
            const char *args[] = {sid};
            const char *v = it_db_value("SELECT protocol_version FROM mcp_sessions WHERE id = $1",
                                        1, args);
            IT_ASSERT_MSG(v && !strcmp(v, cases[i].got), "asked %s: stored version %s, want %s",
                          cases[i].asked, v ? v : "(no row)", cases[i].got);
            {
                /* requests then carry the negotiated version */
                const char *h[] = {sid_header(sid),
                                   apr_pstrcat(itp, "MCP-Protocol-Version: ", cases[i].got, NULL),
                                   NULL};
                it_resp *r = it_post(h, it_rpc_body("ping", NULL, 5));
                IT_ASSERT_R(r->status == 200 && it_result(r), r);
            }
        }
    }
    {
        /* initialize without params.protocolVersion is a params error */
        it_resp *r = it_post(NULL, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\","
                                   "\"params\":{\"capabilities\":{}}}");
        IT_ASSERT_R(it_error_code(r) == -32602, r);
        IT_ASSERT_R(it_header(r, "Mcp-Session-Id") == NULL, r);
    }
}

static void test_session_row(void)
{
    const char *name = unique("miq-itest-row");
    const char *sid = mcp_2025_session_ex(NULL, name, NULL, NULL);
    const char *args[1];
    it_rows *rows;
    IT_REQUIRE_R(sid != NULL, NULL);
    args[0] = sid;
    rows = it_db_query("SELECT protocol_version, client_name, client_version, "
                       "client_caps ? 'sampling', deleted_at IS NULL, expires_at > now() "
                       "FROM mcp_sessions WHERE id = $1",
                       1, args);
    IT_REQUIRE_R(rows->error == NULL && rows->n == 1, NULL);
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 0), IT_V2025);
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 1), name);
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 2), "1.0.0");
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 3), "t");
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 4), "t");
    IT_ASSERT_STRING_EQUAL(IT_CELL(rows, 0, 5), "t");
}

static void test_missing_session(void)
{
    const char *h[] = {"MCP-Protocol-Version: " IT_V2025, NULL};
    it_resp *r = it_post(h, it_rpc_body("tools/list", NULL, 21));
    IT_ASSERT_R(r->status == 400, r);
    IT_ASSERT_R(it_error(r) != NULL, r);
    IT_ASSERT_R(it_id_is(r, 21), r);
    /* without any version header too */
    r = it_post(NULL, it_rpc_body("ping", NULL, 22));
    IT_ASSERT_R(r->status == 400, r);
}

static void test_unknown_session(void)
{
    static const char *const ids[] = {
        "0000000000000000000000000000000000000000000000000000000000000000", "nope", "abc\"def",
        NULL};
    int i;
    for (i = 0; ids[i]; i++) {
        it_resp *r = mcp_2025_call(ids[i], "tools/list", NULL);
        IT_ASSERT_R(r->status == 404, r);
        IT_ASSERT_R(it_error(r) != NULL, r);
        IT_ASSERT_R(it_result(r) == NULL, r);
    }
    {
        /* a notification on an unknown session is not accepted either */
        const char *h[] = {"Mcp-Session-Id: nope", "MCP-Protocol-Version: " IT_V2025, NULL};
        it_resp *r = it_post(h, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        IT_ASSERT_R(r->status == 404, r);
    }
}

static void test_delete(void)
{
    const char *sid = mcp_2025_session();
    const char *h[3];
    const char *args[1];
    it_resp *r;
    IT_REQUIRE_R(sid != NULL, NULL);
    h[0] = sid_header(sid);
    h[1] = "MCP-Protocol-Version: " IT_V2025;
    h[2] = NULL;
    r = mcp_2025_call(sid, "ping", NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = it_request("DELETE", "/mcp", h, NULL, 0);
    IT_ASSERT_R(r->status == 200 || r->status == 204, r);
    r = mcp_2025_call(sid, "ping", NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = mcp_2025_call(sid, "tools/list", NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = it_request("DELETE", "/mcp", h, NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    args[0] = sid;
    IT_ASSERT_MSG(it_db_value("SELECT 1 FROM mcp_sessions WHERE id = $1 AND deleted_at IS NOT NULL",
                              1, args) != NULL,
                  "session %s is not marked deleted in mcp_sessions", sid);
    {
        /* DELETE of a session that never existed */
        const char *h2[] = {"Mcp-Session-Id: never-existed", NULL};
        r = it_request("DELETE", "/mcp", h2, NULL, 0);
        IT_ASSERT_R(r->status == 404, r);
    }
}

static void test_ping(void)
{
    const char *sid = mcp_2025_session();
    it_resp *r;
    IT_REQUIRE_R(sid != NULL, NULL);
    r = mcp_2025_call(sid, "ping", NULL);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(strstr(r->ctype, "application/json") != NULL, r);
    IT_ASSERT_R(it_result(r) && json_object_size(it_result(r)) == 0, r);
    /* a 2025-03-26 header on a 2025-11-25 session is accepted (conformance 0.1.16 does it) */
    {
        const char *h[] = {sid_header(sid), "MCP-Protocol-Version: 2025-03-26", NULL};
        r = it_post(h, it_rpc_body("ping", NULL, 77));
        IT_ASSERT_R(r->status == 200 && it_id_is(r, 77) && it_result(r), r);
    }
    /* string ids are echoed as strings */
    {
        const char *h[] = {sid_header(sid), "MCP-Protocol-Version: " IT_V2025, NULL};
        r = it_post(h, "{\"jsonrpc\":\"2.0\",\"id\":\"abc-1\",\"method\":\"ping\"}");
        IT_ASSERT_R(!strcmp(miq_json_str(r->rpc, "id", ""), "abc-1"), r);
    }
}

static const char *log_level_of(const char *sid)
{
    const char *args[] = {sid};
    return it_db_value("SELECT log_level FROM mcp_sessions WHERE id = $1", 1, args);
}

static int count_method(const it_resp *r, const char *method)
{
    int i, n = 0;
    for (i = 0; r->events && i < r->events->nelts; i++) {
        json_t *j = APR_ARRAY_IDX(r->events, i, it_event).json;
        if (!strcmp(miq_json_str(j, "method", ""), method))
            n++;
    }
    return n;
}

static void test_set_level(void)
{
    const char *sid = mcp_2025_session();
    const char *lvl;
    json_t *call = it_json("{\"name\":\"test_tool_with_logging\",\"arguments\":{}}");
    it_resp *r;
    IT_REQUIRE_R(sid != NULL, NULL);
    r = mcp_2025_call(sid, "logging/setLevel", it_json("{\"level\":\"warning\"}"));
    IT_ASSERT_R(r->status == 200 && it_result(r) && json_object_size(it_result(r)) == 0, r);
    lvl = log_level_of(sid);
    IT_ASSERT_MSG(lvl && !strcmp(lvl, "3"), "log_level after 'warning': %s", lvl ? lvl : "(none)");
    /* info messages are below warning: none are sent */
    r = mcp_2025_call(sid, "tools/call", call);
    IT_ASSERT_R(r->status == 200 && it_result(r), r);
    IT_ASSERT_R(count_method(r, "notifications/message") == 0, r);

    r = mcp_2025_call(sid, "logging/setLevel", it_json("{\"level\":\"debug\"}"));
    IT_ASSERT_R(r->status == 200 && it_result(r), r);
    lvl = log_level_of(sid);
    IT_ASSERT_MSG(lvl && !strcmp(lvl, "0"), "log_level after 'debug': %s", lvl ? lvl : "(none)");
    /* the level persists across requests (and httpd children): logs now flow */
    r = mcp_2025_call(sid, "tools/call", call);
    IT_ASSERT_R(strstr(r->ctype, "text/event-stream") != NULL, r);
    IT_ASSERT_R(count_method(r, "notifications/message") >= 3, r);
    IT_ASSERT_R(it_result(r) != NULL, r);

    r = mcp_2025_call(sid, "logging/setLevel", it_json("{\"level\":\"shouting\"}"));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    lvl = log_level_of(sid);
    IT_ASSERT_MSG(lvl && !strcmp(lvl, "0"), "a rejected level changed log_level to %s",
                  lvl ? lvl : "(none)");
}

static void test_progress_stream(void)
{
    const char *sid = mcp_2025_session();
    const char *hdr[3];
    json_t *params = it_json("{\"name\":\"test_tool_with_progress\",\"arguments\":{},"
                             "\"_meta\":{\"progressToken\":\"itest-progress-1\"}}");
    const char *body = it_rpc_body("tools/call", params, 301);
    it_stream *s;
    it_event *e;
    it_resp *r;
    int n_progress = 0, result_seen = 0, progress_after_result = 0;
    double last = -1;
    int monotonic = 1;
    apr_time_t first_at = 0, result_at = 0;
    IT_REQUIRE_R(sid != NULL, NULL);
    hdr[0] = sid_header(sid);
    hdr[1] = "MCP-Protocol-Version: " IT_V2025;
    hdr[2] = NULL;
    s = it_stream_start("POST", "/mcp", it_mcp_headers(hdr), body);
    while ((e = it_stream_next(s, 10000))) {
        const char *m = miq_json_str(e->json, "method", NULL);
        IT_ASSERT_MSG(e->json != NULL, "SSE data is not JSON: %s", e->data);
        IT_ASSERT_MSG(!e->event || !strcmp(e->event, "message"), "SSE event type %s", e->event);
        if (m && !strcmp(m, "notifications/progress")) {
            json_t *p = json_object_get(e->json, "params");
            double v = miq_json_num(p, "progress", -1);
            IT_ASSERT_MSG(!strcmp(miq_json_str(p, "progressToken", ""), "itest-progress-1"),
                          "progress token: %s", it_dump(p));
            if (v < last)
                monotonic = 0;
            last = v;
            if (!n_progress)
                first_at = e->at;
            n_progress++;
            if (result_seen)
                progress_after_result = 1;
        }
        else if (json_object_get(e->json, "result") || json_object_get(e->json, "error")) {
            result_seen = 1;
            result_at = e->at;
        }
    }
    r = it_stream_finish(s, 10000);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(strstr(r->ctype, "text/event-stream") != NULL, r);
    IT_ASSERT_R(n_progress >= 3, r);
    IT_ASSERT_R(result_seen, r);
    IT_ASSERT_R(!progress_after_result, r);
    IT_ASSERT_R(monotonic, r);
    IT_ASSERT_R(it_id_is(r, 301), r);
    IT_ASSERT_R(it_result(r) && !json_is_true(json_object_get(it_result(r), "isError")), r);
    /* events are flushed one by one: the tool waits ~100 ms between the first
     * progress event and its result, so they must not arrive together */
    IT_ASSERT_MSG(result_at - first_at >= apr_time_from_msec(50),
                  "first progress and result arrived %" APR_TIME_T_FMT " us apart (buffered?)",
                  result_at - first_at);
    /* the SSE response is never compressed */
    IT_ASSERT_R(it_header(r, "Content-Encoding") == NULL, r);
    {
        /* without a progressToken: no progress events */
        it_resp *q = mcp_2025_call(sid, "tools/call",
                                   it_json(
                                       "{\"name\":\"test_tool_with_progress\",\"arguments\":{}}"));
        IT_ASSERT_R(q->status == 200 && it_result(q), q);
        IT_ASSERT_R(count_method(q, "notifications/progress") == 0, q);
    }
}

static void sampling_round_trip(const char *prompt, const char *answer, int answer_with_error)
{
    const char *sid = mcp_2025_session();
    const char *hdr[3];
    json_t *params = it_jsonf("{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"%s\"}}",
                              prompt);
    const char *body = it_rpc_body("tools/call", params, 401);
    it_stream *s;
    it_event *e, *ask = NULL;
    it_resp *r, *posted;
    json_t *reply, *sid_json;
    IT_REQUIRE_R(sid != NULL, NULL);
    hdr[0] = sid_header(sid);
    hdr[1] = "MCP-Protocol-Version: " IT_V2025;
    hdr[2] = NULL;
    s = it_stream_start("POST", "/mcp", it_mcp_headers(hdr), body);
    while ((e = it_stream_next(s, 10000))) {
        if (!strcmp(miq_json_str(e->json, "method", ""), "sampling/createMessage")) {
            ask = e;
            break;
        }
        IT_ASSERT_MSG(!json_object_get(e->json, "result"), "result before the sampling request: %s",
                      e->data);
    }
    IT_REQUIRE_R(ask != NULL, it_stream_finish(s, 1000));
    sid_json = json_object_get(ask->json, "id");
    IT_ASSERT_MSG(json_is_string(sid_json) || json_is_integer(sid_json), "request id: %s",
                  ask->data);
    {
        json_t *p = json_object_get(ask->json, "params");
        json_t *m0 = json_array_get(json_object_get(p, "messages"), 0);
        IT_ASSERT_MSG(!strcmp(miq_json_str(m0, "role", ""), "user"), "%s", ask->data);
        IT_ASSERT_MSG(!strcmp(miq_json_str(json_object_get(m0, "content"), "text", ""), prompt),
                      "%s", ask->data);
        IT_ASSERT_MSG(miq_json_int(p, "maxTokens", 0) > 0, "%s", ask->data);
    }
    /* the answer goes on its own connection while the first stream waits */
    if (answer_with_error)
        reply = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", sid_json, "error",
                          "code", -1, "message", "User rejected sampling request");
    else
        reply = json_pack("{s:s,s:O,s:{s:s,s:{s:s,s:s},s:s,s:s}}", "jsonrpc", "2.0", "id", sid_json,
                          "result", "role", "assistant", "content", "type", "text", "text", answer,
                          "model", "test-model", "stopReason", "endTurn");
    miq_json_pool(itp, reply);
    posted = it_post(hdr, it_dump(reply));
    IT_ASSERT_R(posted->status == 202, posted);
    IT_ASSERT_R(posted->len == 0, posted);
    r = it_stream_finish(s, 20000);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(it_id_is(r, 401), r);
    IT_REQUIRE_R(it_result(r) != NULL, r);
    {
        json_t *c0 = json_array_get(json_object_get(it_result(r), "content"), 0);
        const char *text = miq_json_str(c0, "text", "");
        if (answer_with_error) {
            IT_ASSERT_R(json_is_true(json_object_get(it_result(r), "isError")), r);
        }
        else {
            IT_ASSERT_R(strstr(text, answer) != NULL, r);
            IT_ASSERT_R(!json_is_true(json_object_get(it_result(r), "isError")), r);
        }
    }
}

static void test_sampling_round_trip(void)
{
    sampling_round_trip("Test prompt for sampling", "This is a test response from the client", 0);
}

static void test_sampling_client_refuses(void)
{
    sampling_round_trip("Please refuse", NULL, 1);
}

static void test_response_for_unknown_session(void)
{
    /* a client response POSTed to a session that does not exist is refused */
    const char *h[] = {"Mcp-Session-Id: no-such-session", "MCP-Protocol-Version: " IT_V2025, NULL};
    it_resp *r = it_post(h, "{\"jsonrpc\":\"2.0\",\"id\":\"miq-1-x\",\"result\":{}}");
    IT_ASSERT_R(r->status == 404, r);
}

static void test_elicitation_round_trip(void)
{
    const char *sid = mcp_2025_session();
    const char *hdr[3];
    json_t *params = it_json("{\"name\":\"test_elicitation\",\"arguments\":{\"message\":"
                             "\"Please provide your information\"}}");
    it_stream *s;
    it_event *e, *ask = NULL;
    it_resp *r, *posted;
    json_t *reply;
    IT_REQUIRE_R(sid != NULL, NULL);
    hdr[0] = sid_header(sid);
    hdr[1] = "MCP-Protocol-Version: " IT_V2025;
    hdr[2] = NULL;
    s = it_stream_start("POST", "/mcp", it_mcp_headers(hdr),
                        it_rpc_body("tools/call", params, 402));
    while ((e = it_stream_next(s, 10000)))
        if (!strcmp(miq_json_str(e->json, "method", ""), "elicitation/create")) {
            ask = e;
            break;
        }
    IT_REQUIRE_R(ask != NULL, it_stream_finish(s, 1000));
    IT_ASSERT_MSG(json_is_object(
                      json_object_get(json_object_get(ask->json, "params"), "requestedSchema")),
                  "%s", ask->data);
    reply = json_pack("{s:s,s:O,s:{s:s,s:{s:s,s:s}}}", "jsonrpc", "2.0", "id",
                      json_object_get(ask->json, "id"), "result", "action", "accept", "content",
                      "username", "testuser", "email", "test@example.com");
    miq_json_pool(itp, reply);
    posted = it_post(hdr, it_dump(reply));
    IT_ASSERT_R(posted->status == 202, posted);
    r = it_stream_finish(s, 20000);
    IT_ASSERT_R(it_id_is(r, 402) && it_result(r), r);
    IT_ASSERT_R(strstr(it_dump(it_result(r)), "testuser") != NULL, r);
}

IT_SUITE("session", IT_TEST(test_initialize), IT_TEST(test_version_negotiation),
         IT_TEST(test_session_row), IT_TEST(test_missing_session), IT_TEST(test_unknown_session),
         IT_TEST(test_delete), IT_TEST(test_ping), IT_TEST(test_set_level),
         IT_TEST(test_progress_stream), IT_TEST(test_sampling_round_trip),
         IT_TEST(test_sampling_client_refuses), IT_TEST(test_response_for_unknown_session),
         IT_TEST(test_elicitation_round_trip))
