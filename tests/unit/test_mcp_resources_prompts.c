/* Resources, resource templates, prompts and completions of the conformance
 * fixtures in both eras, and the prompt that needs input (over the stream in
 * 2025, input_required in 2026). */
#include <string.h>
#include <apr_strings.h>
#include "mcp/miq_jsonrpc.h"
#include "unit.h"
#include "base/miq_json.h"
#include "utest_mcp.h"

static void test_resources(void)
{
    tenv e;
    json_t *r, *list;
    int era;
    for (era = MIQ_ERA_2025; era <= MIQ_ERA_2026; era++) {
        mt_env(&e, (miq_era_e)era, "{}");
        r = mt_rpc(&e, "resources/list", NULL);
        list = json_object_get(RESULT(r), "resources");
        CU_ASSERT_PTR_NOT_NULL(mt_find_named(list, "uri", "test://static-text", NULL));
        CU_ASSERT_PTR_NOT_NULL(mt_find_named(list, "uri", "test://static-binary", NULL));
        CU_ASSERT_PTR_NOT_NULL(mt_find_named(list, "uri", "test://watched-resource", NULL));
        CU_ASSERT_PTR_NULL(mt_find_named(list, "uri", "test://template/{id}/data", NULL));
        r = mt_rpc(&e, "resources/templates/list", NULL);
        CU_ASSERT_PTR_NOT_NULL(mt_find_named(json_object_get(RESULT(r), "resourceTemplates"),
                                             "uriTemplate", "test://template/{id}/data", NULL));

        r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://static-text\"}");
        CU_ASSERT(
            mt_json_is(json_object_get(RESULT(r), "contents"),
                       "[{\"uri\":\"test://static-text\",\"mimeType\":\"text/plain\",\"text\":"
                       "\"This is the content of the static text resource.\"}]"));
        r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://static-binary\"}");
        CU_ASSERT(
            mt_json_is(json_object_get(RESULT(r), "contents"),
                       "[{\"uri\":\"test://static-binary\",\"mimeType\":\"image/png\",\"blob\":"
                       "\"" IMG "\"}]"));
        r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://watched-resource\"}");
        CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "contents"),
                             "[{\"uri\":\"test://watched-resource\",\"mimeType\":\"text/plain\","
                             "\"text\":\"Watched resource content\"}]"));
        r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://template/123/data\"}");
        CU_ASSERT(
            mt_json_is(json_object_get(RESULT(r), "contents"),
                       "[{\"uri\":\"test://template/123/data\",\"mimeType\":"
                       "\"application/json\",\"text\":\"{\\\"id\\\":\\\"123\\\","
                       "\\\"templateTest\\\":true,\\\"data\\\":\\\"Data for ID: 123\\\"}\"}]"));
        r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://template/a-b/data\"}");
        CU_ASSERT(strstr(miq_json_str(json_array_get(json_object_get(RESULT(r), "contents"), 0),
                                      "text", ""),
                         "\"Data for ID: a-b\"") != NULL);
        r = mt_rpc(&e, "resources/read",
                   "{\"uri\":\"test://nonexistent-resource-for-conformance-testing\"}");
        CU_ASSERT_EQUAL(ERRCODE(r),
                        era == MIQ_ERA_2026 ? MIQ_RPC_INVALID_PARAMS : MIQ_RPC_RESOURCE_NOT_FOUND);
        if (era == MIQ_ERA_2026) {
            r = mt_rpc(&e, "resources/read", "{\"uri\":\"test://static-text\"}");
            CU_ASSERT(mt_str_is(miq_json_str(RESULT(r), "resultType", NULL), "complete"));
            CU_ASSERT(json_is_integer(json_object_get(RESULT(r), "ttlMs")));
        }
    }
    /* completion of the template variable */
    r = mt_rpc(&e, "completion/complete",
               "{\"ref\":{\"type\":\"ref/resource\",\"uri\":"
               "\"test://template/{id}/data\"},\"argument\":{\"name\":"
               "\"id\",\"value\":\"4\"}}");
    CU_ASSERT(mt_json_is(json_object_get(json_object_get(RESULT(r), "completion"), "values"),
                         "[\"456\"]"));
}

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
    mt_env(&e, MIQ_ERA_2025, "{\"elicitation\":{}}");
    r = mt_rpc(&e, "prompts/list", NULL);
    list = json_object_get(RESULT(r), "prompts");
    for (i = 0; names[i]; i++) {
        p = mt_find_named(list, "name", names[i], NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT(*miq_json_str(p, "description", "") != 0);
    }
    CU_ASSERT(
        mt_json_is(json_object_get(mt_find_named(list, "name", "test_prompt_with_arguments", NULL),
                                   "arguments"),
                   "[{\"name\":\"arg1\",\"required\":true,\"description\":\"First test "
                   "argument\"},{\"name\":\"arg2\",\"required\":true,\"description\":\"Second "
                   "test argument\"}]"));
    CU_ASSERT(mt_json_is(
        json_object_get(mt_find_named(list, "name", "test_prompt_with_embedded_resource", NULL),
                        "arguments"),
        "[{\"name\":\"resourceUri\",\"required\":true,\"description\":\"URI of the "
        "resource to embed\"}]"));

    r = mt_rpc(&e, "prompts/get", "{\"name\":\"test_simple_prompt\"}");
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "messages"),
                         "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"This is a "
                         "simple prompt for testing.\"}}]"));
    r = mt_rpc(&e, "prompts/get",
               "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{"
               "\"arg1\":\"testValue1\",\"arg2\":\"testValue2\"}}");
    CU_ASSERT(
        mt_json_is(json_object_get(RESULT(r), "messages"),
                   "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Prompt with "
                   "arguments: arg1='testValue1', arg2='testValue2'\"}}]"));
    r = mt_rpc(&e, "prompts/get",
               "{\"name\":\"test_prompt_with_arguments\",\"arguments\":{"
               "\"arg1\":\"x\"}}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
    r = mt_rpc(&e, "prompts/get",
               "{\"name\":\"test_prompt_with_embedded_resource\",\"arguments\":{"
               "\"resourceUri\":\"test://example-resource\"}}");
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "messages"),
                         "[{\"role\":\"user\",\"content\":{\"type\":\"resource\",\"resource\":{"
                         "\"uri\":\"test://example-resource\",\"mimeType\":\"text/plain\",\"text\":"
                         "\"Embedded resource content for testing.\"}}},{\"role\":\"user\","
                         "\"content\":{\"type\":\"text\",\"text\":\"Please process the embedded "
                         "resource above.\"}}]"));
    r = mt_rpc(&e, "prompts/get", "{\"name\":\"test_prompt_with_image\"}");
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "messages"),
                         "[{\"role\":\"user\",\"content\":{\"type\":\"image\",\"data\":\"" IMG
                         "\",\"mimeType\":\"image/png\"}},{\"role\":\"user\",\"content\":{\"type\":"
                         "\"text\",\"text\":\"Please analyze the image above.\"}}]"));

    /* completion of arg1 */
    r = mt_rpc(&e, "completion/complete",
               "{\"ref\":{\"type\":\"ref/prompt\",\"name\":"
               "\"test_prompt_with_arguments\"},\"argument\":{\"name\":"
               "\"arg1\",\"value\":\"test\"}}");
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "completion"),
                         "{\"values\":[\"testValue1\",\"testAlpha\",\"testBeta\"],\"total\":3,"
                         "\"hasMore\":false}"));
    r = mt_rpc(&e, "completion/complete",
               "{\"ref\":{\"type\":\"ref/prompt\",\"name\":"
               "\"test_prompt_with_arguments\"},\"argument\":{\"name\":"
               "\"arg2\",\"value\":\"\"}}");
    CU_ASSERT_EQUAL(json_array_size(
                        json_object_get(json_object_get(RESULT(r), "completion"), "values")),
                    4);

    /* 2025: the input-required prompt asks over the stream */
    e.canned = mt_json("{\"action\":\"accept\",\"content\":{\"context\":\"test context\"}}");
    r = mt_rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_EQUAL(e.awaits, 1);
    CU_ASSERT(mt_str_is(miq_json_str(mt_server_request(&e), "method", NULL), "elicitation/create"));
    CU_ASSERT(mt_str_is(
        miq_json_str(json_object_get(json_array_get(json_object_get(RESULT(r), "messages"), 0),
                                     "content"),
                     "text", NULL),
        "Use this context for the task: test context"));
}

static void test_prompt_input_required(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                         "{\"user_context\":{\"method\":\"elicitation/create\",\"params\":{"
                         "\"message\":\"What context should the prompt use?\",\"requestedSchema\":{"
                         "\"type\":\"object\",\"properties\":{\"context\":{\"type\":\"string\"}},"
                         "\"required\":[\"context\"]}}}}"));
    r = mt_rpc(&e, "prompts/get",
               apr_psprintf(utp,
                            "{\"name\":\"test_input_required_result_prompt\",\"inputResponses\":"
                            "{\"user_context\":{\"action\":\"accept\",\"content\":{\"context\":"
                            "\"test context\"}}},\"requestState\":\"%s\"}",
                            mt_state_of(r)));
    CU_ASSERT_FATAL(mt_is_complete(r));
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "messages"),
                         "[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Use this "
                         "context for the task: test context\"}}]"));
    CU_ASSERT(*miq_json_str(RESULT(r), "description", "") != 0);

    /* no elicitation capability: -32021 */
    mt_env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = mt_rpc(&e, "prompts/get", "{\"name\":\"test_input_required_result_prompt\"}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT(mt_json_is(json_object_get(json_object_get(r, "error"), "data"),
                         "{\"requiredCapabilities\":{\"elicitation\":{}}}"));
    /* list methods never answer input_required */
    r = mt_rpc(&e, "prompts/list", "{}");
    CU_ASSERT(mt_is_complete(r));
    r = mt_rpc(&e, "tools/list", "{}");
    CU_ASSERT(mt_is_complete(r));
}

MIQ_SUITE("mcp_resources_prompts", MIQ_TEST(test_resources), MIQ_TEST(test_prompts),
          MIQ_TEST(test_prompt_input_required))
