/* The conformance fixtures' tools through miq_mcp_dispatch in both eras:
 * the registry order, tools/list, exact content payloads, progress and
 * logging notifications. */
#include <string.h>
#include <apr_strings.h>
#include "mcp/miq_registry.h"
#include "unit.h"
#include "base/miq_json.h"
#include "utest_mcp.h"

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
    "greet",
    "slow_compute",
    "failing_job",
    "protocol_error_job",
    "confirm_delete",
    "multi_input",
    "test_tool_with_task",
    "test_custom_header",
    NULL,
};

static json_t *tool_named(json_t *tools, const char *name)
{
    size_t i;
    for (i = 0; i < json_array_size(tools); i++)
        if (mt_str_is(miq_json_str(json_array_get(tools, i), "name", NULL), name))
            return json_array_get(tools, i);
    return NULL;
}

/* In a registry of their own the fixtures come in the documented order. */
static void test_register_order(void)
{
    miq_registry *reg = miq_registry_create(utp);
    json_t *tools, *res, *tpl, *prompts;
    size_t i;
    CU_ASSERT_PTR_NULL_FATAL(miq_fixtures_register(reg));
    CU_ASSERT_PTR_NULL_FATAL(miq_registry_seal(reg, "http://127.0.0.1:1"));
    tools = mt_json(miq_registry_tools_json(reg, 0, 0));
    CU_ASSERT_EQUAL(json_array_size(tools), 32);
    for (i = 0; fixture_tools[i]; i++)
        CU_ASSERT(
            mt_str_is(miq_json_str(json_array_get(tools, i), "name", NULL), fixture_tools[i]));
    /* Task support is listed (Tasks extension); tools without it say nothing. */
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(tool_named(tools, "failing_job"), "execution"),
                                     "taskSupport", NULL),
                        "required"));
    CU_ASSERT(
        mt_str_is(miq_json_str(json_object_get(tool_named(tools, "slow_compute"), "execution"),
                               "taskSupport", NULL),
                  "optional"));
    CU_ASSERT_PTR_NULL(json_object_get(tool_named(tools, "greet"), "execution"));
    res = mt_json(miq_registry_resources_json(reg));
    CU_ASSERT(mt_json_is(res,
                         "[{\"uri\":\"test://static-text\",\"name\":\"static-text\",\"title\":"
                         "\"Static Text Resource\",\"description\":\"A static text resource for "
                         "testing\",\"mimeType\":\"text/plain\"},"
                         "{\"uri\":\"test://static-binary\",\"name\":\"static-binary\",\"title\":"
                         "\"Static Binary Resource\",\"description\":\"A static binary resource "
                         "(image) for testing\",\"mimeType\":\"image/png\"},"
                         "{\"uri\":\"test://watched-resource\",\"name\":\"watched-resource\","
                         "\"title\":\"Watched Resource\",\"description\":\"A resource that "
                         "auto-updates every 3 seconds\",\"mimeType\":\"text/plain\"}]"));
    tpl = mt_json(miq_registry_templates_json(reg));
    CU_ASSERT(mt_json_is(tpl, "[{\"uriTemplate\":\"test://template/{id}/data\",\"name\":"
                              "\"template\",\"title\":\"Template Resource\",\"description\":\"A "
                              "resource template with parameter substitution\",\"mimeType\":"
                              "\"application/json\"}]"));
    prompts = mt_json(miq_registry_prompts_json(reg));
    CU_ASSERT_EQUAL(json_array_size(prompts), 5);
    CU_ASSERT(
        mt_str_is(miq_json_str(json_array_get(prompts, 0), "name", NULL), "test_simple_prompt"));
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
        mt_env(&e, (miq_era_e)era, "{}");
        r = mt_rpc(&e, "tools/list", NULL);
        tools = json_object_get(RESULT(r), "tools");
        CU_ASSERT_FATAL(json_is_array(tools));
        CU_ASSERT_PTR_NOT_NULL_FATAL(mt_find_named(tools, "name", "test_simple_text", &first));
        for (i = 0; fixture_tools[i]; i++) {
            t = json_array_get(tools, first + i);
            CU_ASSERT(mt_str_is(miq_json_str(t, "name", NULL), fixture_tools[i]));
            CU_ASSERT(*miq_json_str(t, "description", "") != 0);
            CU_ASSERT(*miq_json_str(t, "title", "") != 0);
            CU_ASSERT(
                mt_str_is(miq_json_str(json_object_get(t, "inputSchema"), "type", NULL), "object"));
            CU_ASSERT(json_is_object(json_object_get(t, "annotations")));
            CU_ASSERT(
                json_is_true(json_object_get(json_object_get(t, "annotations"), "readOnlyHint")));
        }
        t = mt_find_named(tools, "name", "test_simple_text", NULL);
        CU_ASSERT(mt_json_is(json_object_get(t, "inputSchema"),
                             "{\"type\":\"object\",\"properties\":{}}"));
        CU_ASSERT(
            json_is_true(json_object_get(json_object_get(t, "annotations"), "idempotentHint")));
        t = mt_find_named(tools, "name", "test_sampling", NULL);
        CU_ASSERT(mt_json_is(json_object_get(json_object_get(t, "inputSchema"), "required"),
                             "[\"prompt\"]"));
        t = mt_find_named(tools, "name", "test_elicitation", NULL);
        CU_ASSERT(mt_json_is(json_object_get(json_object_get(t, "inputSchema"), "required"),
                             "[\"message\"]"));
        if (era == MIQ_ERA_2026)
            CU_ASSERT(mt_str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    }
}

/* The conformance harness calls the first listed tool and reads the first
 * listed resource: with fixtures on, those must be the fixtures'. */
static void test_server_lists_fixtures_first(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2025, "{}");
    r = mt_rpc(&e, "tools/list", NULL);
    CU_ASSERT(mt_str_is(miq_json_str(json_array_get(json_object_get(RESULT(r), "tools"), 0), "name",
                                     NULL),
                        "test_simple_text"));
    r = mt_rpc(&e, "resources/list", NULL);
    CU_ASSERT(mt_str_is(miq_json_str(json_array_get(json_object_get(RESULT(r), "resources"), 0),
                                     "uri", NULL),
                        "test://static-text"));
}

static void test_json_schema_2020_12_listing(void)
{
    tenv e;
    json_t *r, *t, *s;
    mt_env(&e, MIQ_ERA_2026, "{}");
    r = mt_rpc(&e, "tools/list", NULL);
    t = mt_find_named(json_object_get(RESULT(r), "tools"), "name", "json_schema_2020_12_tool",
                      NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    s = json_object_get(t, "inputSchema");
    CU_ASSERT(
        mt_json_is(s, "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":"
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
    CU_ASSERT(mt_str_is(miq_json_str(t, "description", NULL),
                        "Tool with JSON Schema 2020-12 features; echoes its arguments."));
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"json_schema_2020_12_tool\",\"arguments\":{\"name\":\"Ann\",\"email\":"
               "\"a@example.com\",\"address\":{\"city\":\"Oslo\"}}}");
    CU_ASSERT(mt_str_is(mt_text_at(r, 0),
                        "Received input: {\"name\":\"Ann\",\"email\":\"a@example.com\","
                        "\"address\":{\"city\":\"Oslo\"}}"));
    /* additionalProperties: false is enforced */
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"json_schema_2020_12_tool\",\"arguments\":{\"email\":"
               "\"a@example.com\",\"extra\":1}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

static void test_content_tools(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_simple_text\"}");
    CU_ASSERT(mt_json_is(RESULT(r), "{\"content\":[{\"type\":\"text\",\"text\":\"This is a simple "
                                    "text response for testing.\"}]}"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_image_content\",\"arguments\":{}}");
    CU_ASSERT(mt_json_is(RESULT(r), "{\"content\":[{\"type\":\"image\",\"data\":\"" IMG
                                    "\",\"mimeType\":\"image/png\"}]}"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_audio_content\",\"arguments\":{}}");
    CU_ASSERT(mt_json_is(RESULT(r), "{\"content\":[{\"type\":\"audio\",\"data\":\"UklGRiYAAABXQVZF"
                                    "Zm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=\",\"mimeType\":"
                                    "\"audio/wav\"}]}"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_embedded_resource\",\"arguments\":{}}");
    CU_ASSERT(mt_json_is(RESULT(r), "{\"content\":[{\"type\":\"resource\",\"resource\":{\"uri\":"
                                    "\"test://embedded-resource\",\"mimeType\":\"text/plain\","
                                    "\"text\":\"This is an embedded resource content.\"}}]}"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_multiple_content_types\",\"arguments\":{}}");
    CU_ASSERT(mt_json_is(RESULT(r),
                         "{\"content\":[{\"type\":\"text\",\"text\":\"Multiple content types "
                         "test:\"},{\"type\":\"image\",\"data\":\"" IMG "\",\"mimeType\":"
                         "\"image/png\"},{\"type\":\"resource\",\"resource\":{\"uri\":"
                         "\"test://mixed-content-resource\",\"mimeType\":\"application/json\","
                         "\"text\":\"{\\\"test\\\":\\\"data\\\",\\\"value\\\":123}\"}}]}"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_error_handling\",\"arguments\":{}}");
    CU_ASSERT_PTR_NULL(json_object_get(r, "error"));
    CU_ASSERT(mt_json_is(RESULT(r), "{\"content\":[{\"type\":\"text\",\"text\":\"This tool "
                                    "intentionally returns an error for testing\"}],\"isError\":"
                                    "true}"));
    CU_ASSERT(mt_str_is(e.outcome, "tool_error"));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);

    /* 2026: the same payloads, marked complete */
    mt_env(&e, MIQ_ERA_2026, "{}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_audio_content\",\"arguments\":{}}");
    CU_ASSERT(mt_str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    CU_ASSERT(mt_str_is(miq_json_str(json_array_get(json_object_get(RESULT(r), "content"), 0),
                                     "mimeType", NULL),
                        "audio/wav"));
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_simple_text\"}");
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "This is a simple text response for testing."));
}

static void test_progress(void)
{
    tenv e;
    json_t *r, *n;
    apr_time_t t0;
    int i, era;
    static const double want[] = {0, 50, 100};
    for (era = MIQ_ERA_2025; era <= MIQ_ERA_2026; era++) {
        mt_env(&e, (miq_era_e)era, "{}");
        t0 = apr_time_now();
        r = mt_rpc(&e, "tools/call",
                   "{\"name\":\"test_tool_with_progress\",\"arguments\":{},"
                   "\"_meta\":{\"progressToken\":\"progress-test-1\"}}");
        CU_ASSERT(apr_time_now() - t0 >= apr_time_from_msec(90));
        CU_ASSERT_EQUAL_FATAL(json_array_size(e.emitted), 3);
        for (i = 0; i < 3; i++) {
            n = json_array_get(e.emitted, i);
            CU_ASSERT(mt_str_is(miq_json_str(n, "method", NULL), "notifications/progress"));
            n = json_object_get(n, "params");
            CU_ASSERT(mt_str_is(miq_json_str(n, "progressToken", NULL), "progress-test-1"));
            CU_ASSERT_DOUBLE_EQUAL(miq_json_num(n, "progress", -1), want[i], 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(miq_json_num(n, "total", -1), 100, 1e-9);
        }
        CU_ASSERT(mt_str_is(mt_text_at(r, 0), "progress-test-1"));
    }
    /* integer token, and no token at all */
    mt_env(&e, MIQ_ERA_2025, "{}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_tool_with_progress\",\"_meta\":{"
               "\"progressToken\":7}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 3);
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(json_array_get(e.emitted, 0), "params"),
                                 "progressToken", 0),
                    7);
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "7"));
    mt_env(&e, MIQ_ERA_2025, "{}");
    t0 = apr_time_now();
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_tool_with_progress\",\"arguments\":{}}");
    CU_ASSERT(apr_time_now() - t0 < apr_time_from_msec(40));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    CU_ASSERT_PTR_NOT_NULL(mt_text_at(r, 0));
}

static void test_logging(void)
{
    tenv e;
    json_t *r;
    static const char *const want[] = {"Tool execution started", "Tool processing data",
                                       "Tool execution completed"};
    int i;
    mt_env(&e, MIQ_ERA_2025, "{}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_tool_with_logging\",\"arguments\":{}}");
    CU_ASSERT_EQUAL_FATAL(json_array_size(e.emitted), 3);
    for (i = 0; i < 3; i++) {
        json_t *n = json_array_get(e.emitted, i);
        CU_ASSERT(mt_str_is(miq_json_str(n, "method", NULL), "notifications/message"));
        CU_ASSERT(mt_json_is(json_object_get(n, "params"),
                             apr_psprintf(utp, "{\"level\":\"info\",\"data\":\"%s\"}", want[i])));
    }
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Tool with logging executed successfully"));

    /* 2026: no logLevel in _meta, no log messages (sep-2575-no-log-without-loglevel) */
    mt_env(&e, MIQ_ERA_2026, "{}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    CU_ASSERT_PTR_NULL(json_object_get(r, "error"));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Logging tool executed"));
    CU_ASSERT(mt_str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
    /* ... and with one they are streamed */
    mt_env(&e, MIQ_ERA_2026, "{}");
    e.log_level = "info";
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 2);
    CU_ASSERT(mt_json_is(json_object_get(json_array_get(e.emitted, 0), "params"),
                         "{\"level\":\"info\",\"data\":\"Logging tool started\",\"logger\":"
                         "\"test_logging_tool\"}"));
    e.log_level = "warning";
    json_array_clear(e.emitted);
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_logging_tool\",\"arguments\":{}}");
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
}

MIQ_SUITE("mcp_tools", MIQ_TEST(test_register_order), MIQ_TEST(test_tools_list),
          MIQ_TEST(test_server_lists_fixtures_first), MIQ_TEST(test_json_schema_2020_12_listing),
          MIQ_TEST(test_content_tools), MIQ_TEST(test_progress), MIQ_TEST(test_logging))
