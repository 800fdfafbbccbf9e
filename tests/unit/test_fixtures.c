/* The conformance fixtures, served through miq_mcp_dispatch in both eras:
 * listings, exact payloads, progress and logging notifications, 2025
 * server-to-client requests (answered from a canned client response) and the
 * 2026 multi round-trip (input_required + signed requestState). */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "mcp/fixtures/miq_fixtures.h"
#include "base/miq_json.h"
#include "mcp/miq_jsonrpc.h"
#include "mcp/miq_mcp.h"
#include "mcp/miq_registry.h"
#include "base/miq_server.h"
#include "tools/miq_server_build.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static json_t *J(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(utp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "bad test JSON: %s: %s\n", err, text);
    return v;
}

/* One client talking to one server. */
typedef struct {
    miq_server *srv;
    miq_era_e era;
    const char *caps;      /* client capabilities (JSON) */
    const char *log_level; /* 2026: _meta logLevel, or NULL */
    json_t *emitted;       /* messages the server streamed, parsed */
    json_t *canned;        /* 2025: the client's result for any server request */
    int awaits;
    int id;
    const char *outcome;
} tenv;

static int t_emit(void *baton, const char *js)
{
    tenv *e = baton;
    json_t *v = json_loads(js, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v)
        json_array_append_new(e->emitted, v);
    return 0;
}

static int t_await(void *baton, const char *request_id, int timeout_ms, apr_pool_t *p,
                   json_t **response)
{
    tenv *e = baton;
    (void)timeout_ms;
    e->awaits++;
    if (!e->canned)
        return 0;
    *response =
        miq_json_packp(p, "{s:s,s:s,s:O}", "jsonrpc", "2.0", "id", request_id, "result", e->canned);
    return 1;
}

static int t_set_level(void *baton, int level)
{
    (void)baton;
    (void)level;
    return 0;
}

static void env(tenv *e, miq_era_e era, const char *caps)
{
    const char *err;
    memset(e, 0, sizeof(*e));
    err = miq_server_build(utp, "http://127.0.0.1:1", NULL, key, 32, 1, &e->srv);
    if (err)
        fprintf(stderr, "\n  miq_server_build: %s\n", err);
    CU_ASSERT_PTR_NULL_FATAL(err);
    e->era = era;
    e->caps = caps;
    e->emitted = miq_json_pool(utp, json_array());
}

/* Sends one request (params as JSON text, may be NULL) and returns the parsed
 * response message. The 2026 era adds the _meta envelope the harness sends. */
static json_t *rpc(tenv *e, const char *method, const char *params_text)
{
    static const miq_caller anonymous;
    miq_mcp_io io = {e, t_emit, t_await, t_set_level};
    miq_mcp_call c;
    miq_rpc_msg msg;
    json_t *params = params_text ? J(params_text) : NULL, *m;
    const char *body, *out, *err;
    int code;

    CU_ASSERT_PTR_NOT_NULL_FATAL(e->srv);
    if (e->era == MIQ_ERA_2026) {
        json_t *meta;
        if (!params)
            params = miq_json_pool(utp, json_object());
        meta = json_object_get(params, "_meta");
        if (!meta) {
            meta = json_object();
            json_object_set_new(params, "_meta", meta);
        }
        json_object_set_new(meta, "io.modelcontextprotocol/protocolVersion",
                            json_string(MIQ_PROTO_2026));
        json_object_set_new(
            meta, "io.modelcontextprotocol/clientInfo",
            json_pack("{s:s,s:s}", "name", "conformance-test-client", "version", "1.0.0"));
        if (!json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))
            json_object_set(meta, "io.modelcontextprotocol/clientCapabilities",
                            J(e->caps ? e->caps : "{}"));
        if (e->log_level)
            json_object_set_new(meta, "io.modelcontextprotocol/logLevel",
                                json_string(e->log_level));
    }
    m = json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", ++e->id, "method", method);
    if (params)
        json_object_set(m, "params", params);
    body = miq_json_dump(utp, m);
    json_decref(m);
    err = miq_rpc_parse(utp, body, strlen(body), &msg, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);

    memset(&c, 0, sizeof(c));
    c.pool = utp;
    c.srv = e->srv;
    c.caller = &anonymous;
    c.io = &io;
    c.msg = &msg;
    if (e->era == MIQ_ERA_2026) {
        json_t *data = NULL;
        err = miq_mcp_read_meta(&c, MIQ_PROTO_2026, &code, &data);
        CU_ASSERT_PTR_NULL_FATAL(err);
    } else {
        c.era = MIQ_ERA_2025;
        c.protocol_version = MIQ_PROTO_LATEST_2025;
        c.session_id = "test-session";
        c.client_caps = J(e->caps ? e->caps : "{}");
        c.log_level = MIQ_MCP_DEBUG;
    }
    out = miq_mcp_dispatch(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    e->outcome = c.outcome;
    return J(out);
}

#define RESULT(r)  json_object_get((r), "result")
#define ERRCODE(r) miq_json_int(json_object_get((r), "error"), "code", 0)

/* content[i].text of a result message. */
static const char *text_at(const json_t *r, size_t i)
{
    return miq_json_str(json_array_get(json_object_get(RESULT(r), "content"), i), "text", NULL);
}

static int str_is(const char *a, const char *b)
{
    if (!a || strcmp(a, b)) {
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", a ? a : "(null)", b);
        return 0;
    }
    return 1;
}

/* Exact JSON equality, printing both on mismatch. */
static int json_is(const json_t *got, const char *want)
{
    json_t *w = J(want);
    if (!got || !w || !json_equal(got, w)) {
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", got ? miq_json_dump(utp, got) : "(null)",
                want);
        return 0;
    }
    return 1;
}

static const char *const fixture_tools[] = {
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_progress",
    "test_tool_with_logging",
    "test_sampling",
    "test_elicitation",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "json_schema_2020_12_tool",
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_logging_tool",
    "test_input_required_result_elicitation",
    "test_input_required_result_sampling",
    "test_input_required_result_list_roots",
    "test_input_required_result_request_state",
    "test_input_required_result_multiple_inputs",
    "test_input_required_result_multi_round",
    "test_input_required_result_tampered_state",
    "test_input_required_result_capabilities",
    NULL,
};

static json_t *find_named(const json_t *arr, const char *field, const char *name, size_t *at)
{
    size_t i;
    for (i = 0; i < json_array_size(arr); i++)
        if (!strcmp(miq_json_str(json_array_get(arr, i), field, ""), name)) {
            if (at)
                *at = i;
            return json_array_get(arr, i);
        }
    return NULL;
}

/* ---- listings ---------------------------------------------------------------- */

/* In a registry of their own the fixtures come in the documented order. */
static void test_register_order(void)
{
    miq_registry *reg = miq_registry_create(utp);
    json_t *tools, *res, *tpl, *prompts;
    size_t i;
    CU_ASSERT_PTR_NULL_FATAL(miq_fixtures_register(reg));
    CU_ASSERT_PTR_NULL_FATAL(miq_registry_seal(reg, "http://127.0.0.1:1"));
    tools = J(miq_registry_tools_json(reg, 0, 0));
    CU_ASSERT_EQUAL(json_array_size(tools), 24);
    for (i = 0; fixture_tools[i]; i++)
        CU_ASSERT(str_is(miq_json_str(json_array_get(tools, i), "name", NULL), fixture_tools[i]));
    res = J(miq_registry_resources_json(reg));
    CU_ASSERT(json_is(res, "[{\"uri\":\"test://static-text\",\"name\":\"static-text\",\"title\":"
                           "\"Static Text Resource\",\"description\":\"A static text resource for "
                           "testing\",\"mimeType\":\"text/plain\"},"
                           "{\"uri\":\"test://static-binary\",\"name\":\"static-binary\",\"title\":"
                           "\"Static Binary Resource\",\"description\":\"A static binary resource "
                           "(image) for testing\",\"mimeType\":\"image/png\"},"
                           "{\"uri\":\"test://watched-resource\",\"name\":\"watched-resource\","
                           "\"title\":\"Watched Resource\",\"description\":\"A resource that "
                           "auto-updates every 3 seconds\",\"mimeType\":\"text/plain\"}]"));
    tpl = J(miq_registry_templates_json(reg));
    CU_ASSERT(json_is(tpl, "[{\"uriTemplate\":\"test://template/{id}/data\",\"name\":"
                           "\"template\",\"title\":\"Template Resource\",\"description\":\"A "
                           "resource template with parameter substitution\",\"mimeType\":"
                           "\"application/json\"}]"));
    prompts = J(miq_registry_prompts_json(reg));
    CU_ASSERT_EQUAL(json_array_size(prompts), 5);
    CU_ASSERT(str_is(miq_json_str(json_array_get(prompts, 0), "name", NULL), "test_simple_prompt"));
    /* registering twice is refused (duplicate names) */
    reg = miq_registry_create(utp);
    CU_ASSERT_PTR_NULL(miq_fixtures_register(reg));
    CU_ASSERT_PTR_NOT_NULL(miq_fixtures_register(reg));
}

static void test_tools_list(void)
{
    tenv e;
    json_t *r, *tools, *t;
    size_t first = 0, i;
    int era;
    for (era = MIQ_ERA_2025; era <= MIQ_ERA_2026; era++) {
        env(&e, (miq_era_e)era, "{}");
        r = rpc(&e, "tools/list", NULL);
        tools = json_object_get(RESULT(r), "tools");
        CU_ASSERT_FATAL(json_is_array(tools));
        CU_ASSERT_PTR_NOT_NULL_FATAL(find_named(tools, "name", "test_simple_text", &first));
        for (i = 0; fixture_tools[i]; i++) {
            t = json_array_get(tools, first + i);
            CU_ASSERT(str_is(miq_json_str(t, "name", NULL), fixture_tools[i]));
            CU_ASSERT(*miq_json_str(t, "description", "") != 0);
            CU_ASSERT(*miq_json_str(t, "title", "") != 0);
            CU_ASSERT(
                str_is(miq_json_str(json_object_get(t, "inputSchema"), "type", NULL), "object"));
            CU_ASSERT(json_is_object(json_object_get(t, "annotations")));
            CU_ASSERT(
                json_is_true(json_object_get(json_object_get(t, "annotations"), "readOnlyHint")));
        }
        t = find_named(tools, "name", "test_simple_text", NULL);
        CU_ASSERT(
            json_is(json_object_get(t, "inputSchema"), "{\"type\":\"object\",\"properties\":{}}"));
        CU_ASSERT(
            json_is_true(json_object_get(json_object_get(t, "annotations"), "idempotentHint")));
        t = find_named(tools, "name", "test_sampling", NULL);
        CU_ASSERT(json_is(json_object_get(json_object_get(t, "inputSchema"), "required"),
                          "[\"prompt\"]"));
        t = find_named(tools, "name", "test_elicitation", NULL);
        CU_ASSERT(json_is(json_object_get(json_object_get(t, "inputSchema"), "required"),
                          "[\"message\"]"));
        if (era == MIQ_ERA_2026)
            CU_ASSERT(str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    }
}

/* The conformance harness calls the first listed tool and reads the first
 * listed resource: with fixtures on, those must be the fixtures'. */
static void test_server_lists_fixtures_first(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2025, "{}");
    r = rpc(&e, "tools/list", NULL);
    CU_ASSERT(
        str_is(miq_json_str(json_array_get(json_object_get(RESULT(r), "tools"), 0), "name", NULL),
               "test_simple_text"));
    r = rpc(&e, "resources/list", NULL);
    CU_ASSERT(str_is(
        miq_json_str(json_array_get(json_object_get(RESULT(r), "resources"), 0), "uri", NULL),
        "test://static-text"));
}

static void test_json_schema_2020_12_listing(void)
{
    tenv e;
    json_t *r, *t, *s;
    env(&e, MIQ_ERA_2026, "{}");
    r = rpc(&e, "tools/list", NULL);
    t = find_named(json_object_get(RESULT(r), "tools"), "name", "json_schema_2020_12_tool", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    s = json_object_get(t, "inputSchema");
    CU_ASSERT(json_is(s,
                      "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":"
                      "\"object\",\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":"
                      "\"object\",\"properties\":{\"street\":{\"type\":\"string\"},\"city\":{"
                      "\"type\":\"string\"}}}},\"properties\":{\"name\":{\"type\":\"string\"},"
                      "\"address\":{\"$ref\":\"#/$defs/address\"},\"contactMethod\":{\"type\":"
                      "\"string\",\"enum\":[\"phone\",\"email\"]},\"phone\":{\"type\":\"string\"},"
                      "\"email\":{\"type\":\"string\"}},\"allOf\":[{\"anyOf\":[{\"required\":["
                      "\"phone\"]},{\"required\":[\"email\"]}]}],\"if\":{\"properties\":{"
                      "\"contactMethod\":{\"const\":\"phone\"}},\"required\":[\"contactMethod\"]},"
                      "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
                      "\"additionalProperties\":false}"));
    /* the key order of the published schema is kept ($schema first) */
    CU_ASSERT(strncmp(miq_json_dump(utp, s), "{\"$schema\":", 11) == 0);
    CU_ASSERT(str_is(miq_json_str(t, "description", NULL),
                     "Tool with JSON Schema 2020-12 features; echoes its arguments."));
    r = rpc(&e, "tools/call",
            "{\"name\":\"json_schema_2020_12_tool\",\"arguments\":{\"name\":\"Ann\",\"email\":"
            "\"a@example.com\",\"address\":{\"city\":\"Oslo\"}}}");
    CU_ASSERT(str_is(text_at(r, 0), "Received input: {\"name\":\"Ann\",\"email\":\"a@example.com\","
                                    "\"address\":{\"city\":\"Oslo\"}}"));
    /* additionalProperties: false is enforced */
    r = rpc(&e, "tools/call",
            "{\"name\":\"json_schema_2020_12_tool\",\"arguments\":{\"email\":"
            "\"a@example.com\",\"extra\":1}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

/* ---- content tools --------------------------------------------------------------- */

#define IMG MIQ_FIXTURE_IMAGE_BASE64

static void test_content_tools(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_simple_text\"}");
    CU_ASSERT(json_is(RESULT(r), "{\"content\":[{\"type\":\"text\",\"text\":\"This is a simple "
                                 "text response for testing.\"}]}"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_image_content\",\"arguments\":{}}");
    CU_ASSERT(json_is(RESULT(r), "{\"content\":[{\"type\":\"image\",\"data\":\"" IMG
                                 "\",\"mimeType\":\"image/png\"}]}"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_audio_content\",\"arguments\":{}}");
    CU_ASSERT(json_is(RESULT(r), "{\"content\":[{\"type\":\"audio\",\"data\":\"UklGRiYAAABXQVZF"
                                 "Zm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=\",\"mimeType\":"
                                 "\"audio/wav\"}]}"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_embedded_resource\",\"arguments\":{}}");
    CU_ASSERT(json_is(RESULT(r), "{\"content\":[{\"type\":\"resource\",\"resource\":{\"uri\":"
                                 "\"test://embedded-resource\",\"mimeType\":\"text/plain\","
                                 "\"text\":\"This is an embedded resource content.\"}}]}"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_multiple_content_types\",\"arguments\":{}}");
    CU_ASSERT(json_is(RESULT(r),
                      "{\"content\":[{\"type\":\"text\",\"text\":\"Multiple content types "
                      "test:\"},{\"type\":\"image\",\"data\":\"" IMG "\",\"mimeType\":"
                      "\"image/png\"},{\"type\":\"resource\",\"resource\":{\"uri\":"
                      "\"test://mixed-content-resource\",\"mimeType\":\"application/json\","
                      "\"text\":\"{\\\"test\\\":\\\"data\\\",\\\"value\\\":123}\"}}]}"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_error_handling\",\"arguments\":{}}");
    CU_ASSERT_PTR_NULL(json_object_get(r, "error"));
    CU_ASSERT(json_is(RESULT(r), "{\"content\":[{\"type\":\"text\",\"text\":\"This tool "
                                 "intentionally returns an error for testing\"}],\"isError\":"
                                 "true}"));
    CU_ASSERT(str_is(e.outcome, "tool_error"));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);

    /* 2026: the same payloads, marked complete */
    env(&e, MIQ_ERA_2026, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_audio_content\",\"arguments\":{}}");
    CU_ASSERT(str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    CU_ASSERT(str_is(
        miq_json_str(json_array_get(json_object_get(RESULT(r), "content"), 0), "mimeType", NULL),
        "audio/wav"));
    r = rpc(&e, "tools/call", "{\"name\":\"test_simple_text\"}");
    CU_ASSERT(str_is(text_at(r, 0), "This is a simple text response for testing."));
}

static void test_progress(void)
{
    tenv e;
    json_t *r, *n;
    apr_time_t t0;
    int i, era;
    static const double want[] = {0, 50, 100};
    for (era = MIQ_ERA_2025; era <= MIQ_ERA_2026; era++) {
        env(&e, (miq_era_e)era, "{}");
        t0 = apr_time_now();
        r = rpc(&e, "tools/call",
                "{\"name\":\"test_tool_with_progress\",\"arguments\":{},"
                "\"_meta\":{\"progressToken\":\"progress-test-1\"}}");
        CU_ASSERT(apr_time_now() - t0 >= apr_time_from_msec(90));
        CU_ASSERT_EQUAL_FATAL(json_array_size(e.emitted), 3);
        for (i = 0; i < 3; i++) {
            n = json_array_get(e.emitted, i);
            CU_ASSERT(str_is(miq_json_str(n, "method", NULL), "notifications/progress"));
            n = json_object_get(n, "params");
            CU_ASSERT(str_is(miq_json_str(n, "progressToken", NULL), "progress-test-1"));
            CU_ASSERT_DOUBLE_EQUAL(miq_json_num(n, "progress", -1), want[i], 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(miq_json_num(n, "total", -1), 100, 1e-9);
        }
        CU_ASSERT(str_is(text_at(r, 0), "progress-test-1"));
    }
    /* integer token, and no token at all */
    env(&e, MIQ_ERA_2025, "{}");
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_tool_with_progress\",\"_meta\":{"
            "\"progressToken\":7}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 3);
    CU_ASSERT_EQUAL(
        miq_json_int(json_object_get(json_array_get(e.emitted, 0), "params"), "progressToken", 0),
        7);
    CU_ASSERT(str_is(text_at(r, 0), "7"));
    env(&e, MIQ_ERA_2025, "{}");
    t0 = apr_time_now();
    r = rpc(&e, "tools/call", "{\"name\":\"test_tool_with_progress\",\"arguments\":{}}");
    CU_ASSERT(apr_time_now() - t0 < apr_time_from_msec(40));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    CU_ASSERT_PTR_NOT_NULL(text_at(r, 0));
}

static void test_logging(void)
{
    tenv e;
    json_t *r;
    static const char *const want[] = {"Tool execution started", "Tool processing data",
                                       "Tool execution completed"};
    int i;
    env(&e, MIQ_ERA_2025, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_tool_with_logging\",\"arguments\":{}}");
    CU_ASSERT_EQUAL_FATAL(json_array_size(e.emitted), 3);
    for (i = 0; i < 3; i++) {
        json_t *n = json_array_get(e.emitted, i);
        CU_ASSERT(str_is(miq_json_str(n, "method", NULL), "notifications/message"));
        CU_ASSERT(json_is(json_object_get(n, "params"),
                          apr_psprintf(utp, "{\"level\":\"info\",\"data\":\"%s\"}", want[i])));
    }
    CU_ASSERT(str_is(text_at(r, 0), "Tool with logging executed successfully"));

    /* 2026: no logLevel in _meta, no log messages (sep-2575-no-log-without-loglevel) */
    env(&e, MIQ_ERA_2026, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    CU_ASSERT_PTR_NULL(json_object_get(r, "error"));
    CU_ASSERT(str_is(text_at(r, 0), "Logging tool executed"));
    CU_ASSERT(str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    /* ... and with one they are streamed */
    env(&e, MIQ_ERA_2026, "{}");
    e.log_level = "info";
    r = rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 2);
    CU_ASSERT(json_is(json_object_get(json_array_get(e.emitted, 0), "params"),
                      "{\"level\":\"info\",\"data\":\"Logging tool started\",\"logger\":"
                      "\"test_logging_tool\"}"));
    e.log_level = "warning";
    json_array_clear(e.emitted);
    r = rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
}

/* ---- 2025 server-to-client requests ------------------------------------------------- */

/* The one server request the call streamed. */
static json_t *server_request(tenv *e)
{
    size_t i;
    for (i = 0; i < json_array_size(e->emitted); i++) {
        json_t *m = json_array_get(e->emitted, i);
        if (json_object_get(m, "id") && json_object_get(m, "method"))
            return m;
    }
    return NULL;
}

static void test_sampling_2025(void)
{
    tenv e;
    json_t *r, *q;
    env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = J("{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"This is a "
                 "test response from the client\"},\"model\":\"test-model\",\"stopReason\":"
                 "\"endTurn\"}");
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"Test "
            "prompt for sampling\"}}");
    CU_ASSERT_EQUAL(e.awaits, 1);
    q = server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(str_is(miq_json_str(q, "method", NULL), "sampling/createMessage"));
    CU_ASSERT(json_is_string(json_object_get(q, "id")));
    CU_ASSERT(json_is(json_object_get(q, "params"),
                      "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                      "\"text\":\"Test prompt for sampling\"}}],\"maxTokens\":100}"));
    CU_ASSERT(str_is(text_at(r, 0), "LLM response: This is a test response from the client"));

    /* the client did not answer in time: a tool error, not a protocol error */
    env(&e, MIQ_ERA_2025, "{\"sampling\":{}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"x\"}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
    CU_ASSERT(str_is(
        miq_json_str(json_object_get(json_object_get(RESULT(r), "structuredContent"), "error"),
                     "code", NULL),
        "client_error"));
    /* the prompt is required */
    r = rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

static void test_elicitation_2025(void)
{
    tenv e;
    json_t *r, *q;
    env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = J("{\"action\":\"accept\",\"content\":{\"username\":\"testuser\",\"email\":"
                 "\"test@example.com\"}}");
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_elicitation\",\"arguments\":{\"message\":"
            "\"Please provide your information\"}}");
    q = server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(str_is(miq_json_str(q, "method", NULL), "elicitation/create"));
    CU_ASSERT(json_is(json_object_get(q, "params"),
                      "{\"mode\":\"form\",\"message\":\"Please provide your information\","
                      "\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"username\":{"
                      "\"type\":\"string\",\"description\":\"User's response\"},\"email\":{"
                      "\"type\":\"string\",\"description\":\"User's email address\"}},"
                      "\"required\":[\"username\",\"email\"]}}"));
    CU_ASSERT(str_is(text_at(r, 0), "User response: action=accept, content={\"username\":"
                                    "\"testuser\",\"email\":\"test@example.com\"}"));
}

static void test_sep1034_defaults(void)
{
    tenv e;
    json_t *r, *q, *props;
    env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = J("{\"action\":\"accept\",\"content\":{\"name\":\"Jane Smith\",\"age\":25,"
                 "\"score\":88,\"status\":\"inactive\",\"verified\":false}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_elicitation_sep1034_defaults\",\"arguments\":{}}");
    q = server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(str_is(miq_json_str(json_object_get(q, "params"), "message", NULL),
                     "Please review and update the form fields with defaults"));
    props = json_object_get(json_object_get(json_object_get(q, "params"), "requestedSchema"),
                            "properties");
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "name"), "default", NULL), "John Doe"));
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "name"), "type", NULL), "string"));
    CU_ASSERT(json_is_integer(json_object_get(json_object_get(props, "age"), "default")));
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(props, "age"), "default", 0), 30);
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "age"), "type", NULL), "integer"));
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_object_get(props, "score"), "default", 0), 95.5, 1e-9);
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "score"), "type", NULL), "number"));
    CU_ASSERT(json_is(json_object_get(json_object_get(props, "status"), "enum"),
                      "[\"active\",\"inactive\",\"pending\"]"));
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "status"), "default", NULL), "active"));
    CU_ASSERT(json_is_true(json_object_get(json_object_get(props, "verified"), "default")));
    CU_ASSERT(str_is(miq_json_str(json_object_get(props, "verified"), "type", NULL), "boolean"));
    CU_ASSERT(strstr(text_at(r, 0) ? text_at(r, 0) : "",
                     "Elicitation completed: action=accept, content={\"name\":\"Jane Smith\"") !=
              NULL);
}

static void test_sep1330_enums(void)
{
    tenv e;
    json_t *r, *q, *props, *p;
    env(&e, MIQ_ERA_2025, "{\"elicitation\":{}}");
    e.canned = J("{\"action\":\"accept\",\"content\":{\"untitledSingle\":\"option1\","
                 "\"titledSingle\":\"value1\",\"legacyEnum\":\"opt1\",\"untitledMulti\":["
                 "\"option1\",\"option2\"],\"titledMulti\":[\"value1\",\"value2\"]}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_elicitation_sep1330_enums\",\"arguments\":{}}");
    q = server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    props = json_object_get(json_object_get(json_object_get(q, "params"), "requestedSchema"),
                            "properties");
    p = json_object_get(props, "untitledSingle");
    CU_ASSERT(json_is(json_object_get(p, "enum"), "[\"option1\",\"option2\",\"option3\"]"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "oneOf"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "enumNames"));
    p = json_object_get(props, "titledSingle");
    CU_ASSERT(json_is(json_object_get(p, "oneOf"),
                      "[{\"const\":\"value1\",\"title\":\"First Option\"},{\"const\":\"value2\","
                      "\"title\":\"Second Option\"},{\"const\":\"value3\",\"title\":\"Third "
                      "Option\"}]"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "enum"));
    p = json_object_get(props, "legacyEnum");
    CU_ASSERT(json_is(json_object_get(p, "enum"), "[\"opt1\",\"opt2\",\"opt3\"]"));
    CU_ASSERT(json_is(json_object_get(p, "enumNames"),
                      "[\"Option One\",\"Option Two\",\"Option Three\"]"));
    p = json_object_get(props, "untitledMulti");
    CU_ASSERT(str_is(miq_json_str(p, "type", NULL), "array"));
    CU_ASSERT_EQUAL(miq_json_int(p, "minItems", 0), 1);
    CU_ASSERT_EQUAL(miq_json_int(p, "maxItems", 0), 3);
    CU_ASSERT(json_is(json_object_get(p, "items"),
                      "{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}"));
    p = json_object_get(props, "titledMulti");
    CU_ASSERT(str_is(miq_json_str(p, "type", NULL), "array"));
    CU_ASSERT(json_is(json_object_get(p, "items"),
                      "{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First Choice\"},{\"const\":"
                      "\"value2\",\"title\":\"Second Choice\"},{\"const\":\"value3\",\"title\":"
                      "\"Third Choice\"}]}"));
    CU_ASSERT(strstr(text_at(r, 0) ? text_at(r, 0) : "", "Elicitation completed: action=accept") !=
              NULL);
}

/* ---- 2026 multi round-trip ------------------------------------------------------------ */

#define ALL_CAPS "{\"sampling\":{},\"elicitation\":{},\"roots\":{\"listChanged\":true}}"

static const char *state_of(const json_t *r)
{
    return miq_json_str(RESULT(r), "requestState", NULL);
}

static int is_input_required(const json_t *r)
{
    const char *t = miq_json_str(RESULT(r), "resultType", "");
    if (strcmp(t, "input_required")) {
        fprintf(stderr, "\n  not input_required: %s\n", miq_json_dump(utp, r));
        return 0;
    }
    return json_is_object(json_object_get(RESULT(r), "inputRequests")) && state_of(r);
}

static int is_complete(const json_t *r)
{
    if (!RESULT(r) || strcmp(miq_json_str(RESULT(r), "resultType", ""), "complete")) {
        fprintf(stderr, "\n  not complete: %s\n", miq_json_dump(utp, r));
        return 0;
    }
    return 1;
}

/* A retry: same tool, the answers and the state echoed. */
static json_t *retry(tenv *e, const char *tool, const char *responses, const char *state)
{
    return rpc(e, "tools/call",
               apr_psprintf(utp, "{\"name\":\"%s\",\"arguments\":{},\"inputResponses\":%s%s%s%s}",
                            tool, responses, state ? ",\"requestState\":\"" : "",
                            state ? state : "", state ? "\"" : ""));
}

#define ALICE "{\"action\":\"accept\",\"content\":{\"name\":\"Alice\"}}"

static void test_mrtr_elicitation(void)
{
    tenv e;
    json_t *r;
    const char *st;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_elicitation\","
            "\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(
        json_is(json_object_get(RESULT(r), "inputRequests"),
                "{\"user_name\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                "\"What is your name?\",\"requestedSchema\":{\"type\":\"object\","
                "\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}}}"));
    CU_ASSERT(strstr(miq_json_dump(utp, r), "\"resultType\":\"input_required\"") != NULL);
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0); /* never a request on the stream */
    st = state_of(r);

    r = retry(&e, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st);
    CU_ASSERT_FATAL(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Hello, Alice!"));
    /* the harness may also answer without the state of round 1 */
    r = retry(&e, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", NULL);
    CU_ASSERT(is_complete(r) && str_is(text_at(r, 0), "Hello, Alice!"));
    /* extra keys are ignored */
    r = retry(&e, "test_input_required_result_elicitation",
              "{\"user_name\":" ALICE ",\"unknown_extra_key\":{\"x\":1},\"another_unexpected\":"
              "\"y\"}",
              st);
    CU_ASSERT(is_complete(r) && str_is(text_at(r, 0), "Hello, Alice!"));
    /* a missing answer is asked again */
    r = retry(&e, "test_input_required_result_elicitation",
              "{\"wrong_key\":{\"action\":\"accept\",\"content\":{\"data\":\"wrong\"}}}", NULL);
    CU_ASSERT(is_input_required(r));
    CU_ASSERT_PTR_NOT_NULL(
        json_object_get(json_object_get(RESULT(r), "inputRequests"), "user_name"));
    /* invalid answers never complete */
    r = retry(&e, "test_input_required_result_elicitation", "{\"user_name\":12345}", NULL);
    CU_ASSERT(is_input_required(r));
    r = retry(&e, "test_input_required_result_elicitation", "null", NULL);
    CU_ASSERT(ERRCODE(r) == MIQ_RPC_INVALID_PARAMS || is_input_required(r));
    /* a decline completes without a name */
    r = retry(&e, "test_input_required_result_elicitation",
              "{\"user_name\":{\"action\":\"decline\"}}", NULL);
    CU_ASSERT(is_complete(r));
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

static void test_mrtr_sampling_and_roots(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_sampling\",\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(json_is(json_object_get(RESULT(r), "inputRequests"),
                      "{\"capital_question\":{\"method\":\"sampling/createMessage\",\"params\":{"
                      "\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":"
                      "\"What is the capital of France?\"}}],\"maxTokens\":100}}}"));
    r = retry(&e, "test_input_required_result_sampling",
              "{\"capital_question\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\","
              "\"text\":\"The capital of France is Paris.\"},\"model\":\"test-model\","
              "\"stopReason\":\"endTurn\"}}",
              state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Sampling response: The capital of France is Paris."));

    r = rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_list_roots\"}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(json_is(json_object_get(RESULT(r), "inputRequests"),
                      "{\"client_roots\":{\"method\":\"roots/list\",\"params\":{}}}"));
    r = retry(&e, "test_input_required_result_list_roots",
              "{\"client_roots\":{\"roots\":[{\"uri\":\"file:///test/root\",\"name\":\"Test "
              "Root\"}]}}",
              state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Client roots: file:///test/root (Test Root)"));
}

static void test_mrtr_request_state(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_request_state\",\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(json_is(json_object_get(RESULT(r), "inputRequests"),
                      "{\"confirm\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                      "\"Please confirm\",\"requestedSchema\":{\"type\":\"object\",\"properties\":"
                      "{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}}}}"));
    r = retry(&e, "test_input_required_result_request_state",
              "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "state-ok: action=accept, ok=true"));
}

static void test_mrtr_tampered_state(void)
{
    tenv e;
    json_t *r;
    const char *st;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_tampered_state\",\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(RESULT(r), "inputRequests"), "confirm"));
    st = state_of(r);
    r = retry(&e, "test_input_required_result_tampered_state",
              "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}",
              apr_pstrcat(utp, st, "-TAMPERED", NULL));
    CU_ASSERT_PTR_NULL(RESULT(r));
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
    CU_ASSERT_EQUAL(miq_json_int(r, "id", 0), e.id); /* the id is echoed */
    /* the untouched state still works, and a state of another tool does not */
    r = retry(&e, "test_input_required_result_tampered_state",
              "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", st);
    CU_ASSERT(is_complete(r) && str_is(text_at(r, 0), "state verified: action=accept, ok=true"));
    r = retry(&e, "test_input_required_result_request_state",
              "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", st);
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
}

static void test_mrtr_multiple_inputs(void)
{
    tenv e;
    json_t *r, *ir;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_multiple_inputs\",\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 3);
    CU_ASSERT(str_is(miq_json_str(json_object_get(ir, "user_name"), "method", NULL),
                     "elicitation/create"));
    CU_ASSERT(json_is(json_object_get(ir, "greeting"),
                      "{\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[{\"role\":"
                      "\"user\",\"content\":{\"type\":\"text\",\"text\":\"Generate a greeting\"}}],"
                      "\"maxTokens\":50}}"));
    CU_ASSERT(
        json_is(json_object_get(ir, "client_roots"), "{\"method\":\"roots/list\",\"params\":{}}"));
    /* a partial answer asks only what is still open, and keeps what was given */
    r = retry(&e, "test_input_required_result_multiple_inputs", "{\"user_name\":" ALICE "}",
              state_of(r));
    CU_ASSERT_FATAL(is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 2);
    CU_ASSERT_PTR_NULL(json_object_get(ir, "user_name"));
    r = retry(&e, "test_input_required_result_multiple_inputs",
              "{\"greeting\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":"
              "\"Hi there\"},\"model\":\"m\"},\"client_roots\":{\"roots\":[{\"uri\":"
              "\"file:///test/root\",\"name\":\"Test Root\"}]}}",
              state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0),
                     "Name: Alice; greeting: Hi there; roots: file:///test/root (Test Root)"));
}

static void test_mrtr_multi_round(void)
{
    tenv e;
    json_t *r;
    const char *s1, *s2;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_multi_round\","
            "\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(str_is(
        miq_json_str(
            json_object_get(json_object_get(json_object_get(RESULT(r), "inputRequests"), "step1"),
                            "params"),
            "message", NULL),
        "Step 1: What is your name?"));
    s1 = state_of(r);
    r = retry(&e, "test_input_required_result_multi_round", "{\"step1\":" ALICE "}", s1);
    CU_ASSERT_FATAL(is_input_required(r));
    s2 = state_of(r);
    CU_ASSERT(strcmp(s1, s2) != 0);
    CU_ASSERT(json_is(json_object_get(RESULT(r), "inputRequests"),
                      "{\"step2\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                      "\"Step 2: What is your favorite color?\",\"requestedSchema\":{\"type\":"
                      "\"object\",\"properties\":{\"color\":{\"type\":\"string\"}},\"required\":"
                      "[\"color\"]}}}}"));
    /* round 3 carries only step2: step1 comes back from the signed state */
    r = retry(&e, "test_input_required_result_multi_round",
              "{\"step2\":{\"action\":\"accept\",\"content\":{\"color\":\"blue\"}}}", s2);
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Hello, Alice! Your favorite color is blue."));
}

static void test_mrtr_capabilities(void)
{
    tenv e;
    json_t *r, *ir;
    env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = rpc(&e, "tools/call",
            "{\"name\":\"test_input_required_result_capabilities\","
            "\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 1);
    CU_ASSERT(str_is(miq_json_str(json_object_get(ir, "sampling_check"), "method", NULL),
                     "sampling/createMessage"));
    r = retry(&e, "test_input_required_result_capabilities",
              "{\"sampling_check\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\","
              "\"text\":\"Paris\"},\"model\":\"m\"}}",
              state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Answers for the declared capabilities: sampling: Paris; "));

    env(&e, MIQ_ERA_2026, "{\"elicitation\":{},\"roots\":{}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_capabilities\"}");
    CU_ASSERT_FATAL(is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 2);
    CU_ASSERT_PTR_NULL(json_object_get(ir, "sampling_check"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(ir, "elicitation_check"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(ir, "roots_check"));

    env(&e, MIQ_ERA_2026, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_capabilities\"}");
    CU_ASSERT(is_complete(r));
    CU_ASSERT(strstr(text_at(r, 0) ? text_at(r, 0) : "", "nothing was asked") != NULL);
}

static void test_missing_capability(void)
{
    tenv e;
    json_t *r, *err;
    env(&e, MIQ_ERA_2026, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_missing_capability\",\"arguments\":{}}");
    CU_ASSERT_PTR_NULL(RESULT(r));
    err = json_object_get(r, "error");
    CU_ASSERT_EQUAL(miq_json_int(err, "code", 0), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT(
        json_is(json_object_get(err, "data"), "{\"requiredCapabilities\":{\"sampling\":{}}}"));
    CU_ASSERT(*miq_json_str(err, "message", "") != 0);
    CU_ASSERT(str_is(e.outcome, "rpc_error"));
    CU_ASSERT_EQUAL(miq_json_int(r, "id", 0), e.id);
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);

    /* declared: asked through input_required */
    env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_missing_capability\",\"arguments\":{}}");
    CU_ASSERT(is_input_required(r));

    /* 2025-only tools never send a request on a 2026 stream */
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"hi\"}}");
    CU_ASSERT(is_input_required(r));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    /* 2025 session without the capability: the same protocol error */
    env(&e, MIQ_ERA_2025, "{}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_elicitation\",\"arguments\":{\"message\":\"m\"}}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT_EQUAL(e.awaits, 0);
}

static void test_streaming_elicitation(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2026, "{\"elicitation\":{}}");
    r = rpc(&e, "tools/call", "{\"name\":\"test_streaming_elicitation\",\"arguments\":{}}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(str_is(
        miq_json_str(json_object_get(json_object_get(RESULT(r), "inputRequests"), "confirmation"),
                     "method", NULL),
        "elicitation/create"));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    r = retry(&e, "test_streaming_elicitation",
              "{\"confirmation\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", state_of(r));
    CU_ASSERT(is_complete(r));
    CU_ASSERT(str_is(text_at(r, 0), "Elicitation result: action=accept, content={\"ok\":true}"));
}

/* ---- resources --------------------------------------------------------------------- */

static void test_resources(void)
{
    tenv e;
    json_t *r, *list;
    int era;
    for (era = MIQ_ERA_2025; era <= MIQ_ERA_2026; era++) {
        env(&e, (miq_era_e)era, "{}");
        r = rpc(&e, "resources/list", NULL);
        list = json_object_get(RESULT(r), "resources");
        CU_ASSERT_PTR_NOT_NULL(find_named(list, "uri", "test://static-text", NULL));
        CU_ASSERT_PTR_NOT_NULL(find_named(list, "uri", "test://static-binary", NULL));
        CU_ASSERT_PTR_NOT_NULL(find_named(list, "uri", "test://watched-resource", NULL));
        CU_ASSERT_PTR_NULL(find_named(list, "uri", "test://template/{id}/data", NULL));
        r = rpc(&e, "resources/templates/list", NULL);
        CU_ASSERT_PTR_NOT_NULL(find_named(json_object_get(RESULT(r), "resourceTemplates"),
                                          "uriTemplate", "test://template/{id}/data", NULL));

        r = rpc(&e, "resources/read", "{\"uri\":\"test://static-text\"}");
        CU_ASSERT(json_is(json_object_get(RESULT(r), "contents"),
                          "[{\"uri\":\"test://static-text\",\"mimeType\":\"text/plain\",\"text\":"
                          "\"This is the content of the static text resource.\"}]"));
        r = rpc(&e, "resources/read", "{\"uri\":\"test://static-binary\"}");
        CU_ASSERT(json_is(json_object_get(RESULT(r), "contents"),
                          "[{\"uri\":\"test://static-binary\",\"mimeType\":\"image/png\",\"blob\":"
                          "\"" IMG "\"}]"));
        r = rpc(&e, "resources/read", "{\"uri\":\"test://watched-resource\"}");
        CU_ASSERT(json_is(json_object_get(RESULT(r), "contents"),
                          "[{\"uri\":\"test://watched-resource\",\"mimeType\":\"text/plain\","
                          "\"text\":\"Watched resource content\"}]"));
        r = rpc(&e, "resources/read", "{\"uri\":\"test://template/123/data\"}");
        CU_ASSERT(json_is(json_object_get(RESULT(r), "contents"),
                          "[{\"uri\":\"test://template/123/data\",\"mimeType\":"
                          "\"application/json\",\"text\":\"{\\\"id\\\":\\\"123\\\","
                          "\\\"templateTest\\\":true,\\\"data\\\":\\\"Data for ID: 123\\\"}\"}]"));
        r = rpc(&e, "resources/read", "{\"uri\":\"test://template/a-b/data\"}");
        CU_ASSERT(strstr(miq_json_str(json_array_get(json_object_get(RESULT(r), "contents"), 0),
                                      "text", ""),
                         "\"Data for ID: a-b\"") != NULL);
        r = rpc(&e, "resources/read",
                "{\"uri\":\"test://nonexistent-resource-for-conformance-testing\"}");
        CU_ASSERT_EQUAL(ERRCODE(r),
                        era == MIQ_ERA_2026 ? MIQ_RPC_INVALID_PARAMS : MIQ_RPC_RESOURCE_NOT_FOUND);
        if (era == MIQ_ERA_2026) {
            r = rpc(&e, "resources/read", "{\"uri\":\"test://static-text\"}");
            CU_ASSERT(str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
            CU_ASSERT(json_is_integer(json_object_get(RESULT(r), "ttlMs")));
        }
    }
    /* completion of the template variable */
    r = rpc(&e, "completion/complete",
            "{\"ref\":{\"type\":\"ref/resource\",\"uri\":"
            "\"test://template/{id}/data\"},\"argument\":{\"name\":"
            "\"id\",\"value\":\"4\"}}");
    CU_ASSERT(
        json_is(json_object_get(json_object_get(RESULT(r), "completion"), "values"), "[\"456\"]"));
}

/* ---- prompts ------------------------------------------------------------------------ */

static void test_prompts(void)
{
    tenv e;
    json_t *r, *list, *p;
    static const char *const names[] = {"test_simple_prompt",
                                        "test_prompt_with_arguments",
                                        "test_prompt_with_embedded_resource",
                                        "test_prompt_with_image",
                                        "test_input_required_result_prompt",
                                        NULL};
    int i;
    env(&e, MIQ_ERA_2025, "{\"elicitation\":{}}");
    r = rpc(&e, "prompts/list", NULL);
    list = json_object_get(RESULT(r), "prompts");
    for (i = 0; names[i]; i++) {
        p = find_named(list, "name", names[i], NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT(*miq_json_str(p, "description", "") != 0);
    }
    CU_ASSERT(json_is(
        json_object_get(find_named(list, "name", "test_prompt_with_arguments", NULL), "arguments"),
        "[{\"name\":\"arg1\",\"required\":true,\"description\":\"First test "
        "argument\"},{\"name\":\"arg2\",\"required\":true,\"description\":\"Second "
        "test argument\"}]"));
    CU_ASSERT(json_is(
        json_object_get(find_named(list, "name", "test_prompt_with_embedded_resource", NULL),
                        "arguments"),
        "[{\"name\":\"resourceUri\",\"required\":true,\"description\":\"URI of the "
        "resource to embed\"}]"));

    r = rpc(&e, "prompts/get", "{\"name\":\"test_simple_prompt\"}");
    CU_ASSERT(json_is(json_object_get(RESULT(r), "messages"),
                      "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"This is a "
                      "simple prompt for testing.\"}}]"));
    r = rpc(&e, "prompts/get",
            "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{"
            "\"arg1\":\"testValue1\",\"arg2\":\"testValue2\"}}");
    CU_ASSERT(json_is(json_object_get(RESULT(r), "messages"),
                      "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Prompt with "
                      "arguments: arg1='testValue1', arg2='testValue2'\"}}]"));
    r = rpc(&e, "prompts/get",
            "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{"
            "\"arg1\":\"x\"}}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
    r = rpc(&e, "prompts/get",
            "{\"name\":\"test_prompt_with_embedded_resource\",\"arguments\":{"
            "\"resourceUri\":\"test://example-resource\"}}");
    CU_ASSERT(json_is(json_object_get(RESULT(r), "messages"),
                      "[{\"role\":\"user\",\"content\":{\"type\":\"resource\",\"resource\":{"
                      "\"uri\":\"test://example-resource\",\"mimeType\":\"text/plain\",\"text\":"
                      "\"Embedded resource content for testing.\"}}},{\"role\":\"user\","
                      "\"content\":{\"type\":\"text\",\"text\":\"Please process the embedded "
                      "resource above.\"}}]"));
    r = rpc(&e, "prompts/get", "{\"name\":\"test_prompt_with_image\"}");
    CU_ASSERT(json_is(json_object_get(RESULT(r), "messages"),
                      "[{\"role\":\"user\",\"content\":{\"type\":\"image\",\"data\":\"" IMG
                      "\",\"mimeType\":\"image/png\"}},{\"role\":\"user\",\"content\":{\"type\":"
                      "\"text\",\"text\":\"Please analyze the image above.\"}}]"));

    /* completion of arg1 */
    r = rpc(&e, "completion/complete",
            "{\"ref\":{\"type\":\"ref/prompt\",\"name\":"
            "\"test_prompt_with_arguments\"},\"argument\":{\"name\":"
            "\"arg1\",\"value\":\"test\"}}");
    CU_ASSERT(json_is(json_object_get(RESULT(r), "completion"),
                      "{\"values\":[\"testValue1\",\"testAlpha\",\"testBeta\"],\"total\":3,"
                      "\"hasMore\":false}"));
    r = rpc(&e, "completion/complete",
            "{\"ref\":{\"type\":\"ref/prompt\",\"name\":"
            "\"test_prompt_with_arguments\"},\"argument\":{\"name\":"
            "\"arg2\",\"value\":\"\"}}");
    CU_ASSERT_EQUAL(
        json_array_size(json_object_get(json_object_get(RESULT(r), "completion"), "values")), 4);

    /* 2025: the input-required prompt asks over the stream */
    e.canned = J("{\"action\":\"accept\",\"content\":{\"context\":\"test context\"}}");
    r = rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_EQUAL(e.awaits, 1);
    CU_ASSERT(str_is(miq_json_str(server_request(&e), "method", NULL), "elicitation/create"));
    CU_ASSERT(str_is(
        miq_json_str(
            json_object_get(json_array_get(json_object_get(RESULT(r), "messages"), 0), "content"),
            "text", NULL),
        "Use this context for the task: test context"));
}

static void test_prompt_input_required(void)
{
    tenv e;
    json_t *r;
    env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_FATAL(is_input_required(r));
    CU_ASSERT(json_is(json_object_get(RESULT(r), "inputRequests"),
                      "{\"user_context\":{\"method\":\"elicitation/create\",\"params\":{"
                      "\"message\":\"What context should the prompt use?\",\"requestedSchema\":{"
                      "\"type\":\"object\",\"properties\":{\"context\":{\"type\":\"string\"}},"
                      "\"required\":[\"context\"]}}}}"));
    r = rpc(&e, "prompts/get",
            apr_psprintf(utp,
                         "{\"name\":\"test_input_required_result_prompt\",\"inputResponses\":"
                         "{\"user_context\":{\"action\":\"accept\",\"content\":{\"context\":"
                         "\"test context\"}}},\"requestState\":\"%s\"}",
                         state_of(r)));
    CU_ASSERT_FATAL(is_complete(r));
    CU_ASSERT(json_is(json_object_get(RESULT(r), "messages"),
                      "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Use this "
                      "context for the task: test context\"}}]"));
    CU_ASSERT(*miq_json_str(RESULT(r), "description", "") != 0);

    /* no elicitation capability: -32021 */
    env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT(json_is(json_object_get(json_object_get(r, "error"), "data"),
                      "{\"requiredCapabilities\":{\"elicitation\":{}}}"));
    /* list methods never answer input_required */
    r = rpc(&e, "prompts/list", "{}");
    CU_ASSERT(is_complete(r));
    r = rpc(&e, "tools/list", "{}");
    CU_ASSERT(is_complete(r));
}

MIQ_SUITE("fixtures", MIQ_TEST(test_register_order), MIQ_TEST(test_tools_list),
          MIQ_TEST(test_server_lists_fixtures_first), MIQ_TEST(test_json_schema_2020_12_listing),
          MIQ_TEST(test_content_tools), MIQ_TEST(test_progress), MIQ_TEST(test_logging),
          MIQ_TEST(test_sampling_2025), MIQ_TEST(test_elicitation_2025),
          MIQ_TEST(test_sep1034_defaults), MIQ_TEST(test_sep1330_enums),
          MIQ_TEST(test_mrtr_elicitation), MIQ_TEST(test_mrtr_sampling_and_roots),
          MIQ_TEST(test_mrtr_request_state), MIQ_TEST(test_mrtr_tampered_state),
          MIQ_TEST(test_mrtr_multiple_inputs), MIQ_TEST(test_mrtr_multi_round),
          MIQ_TEST(test_mrtr_capabilities), MIQ_TEST(test_missing_capability),
          MIQ_TEST(test_streaming_elicitation), MIQ_TEST(test_resources), MIQ_TEST(test_prompts),
          MIQ_TEST(test_prompt_input_required))
