/* 2025 server-to-client requests of the conformance fixtures: sampling and
 * elicitation sent on the stream and answered from a canned client response
 * (SEP-1034 defaults, SEP-1330 enums), and a client that does not answer. */
#include <string.h>
#include "unit.h"
#include "base/miq_json.h"
#include "utest_mcp.h"

static void test_sampling_2025(void)
{
    tenv e;
    json_t *r, *q;
    mt_env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = mt_json(
        "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"This is a "
        "test response from the client\"},\"model\":\"test-model\",\"stopReason\":"
        "\"endTurn\"}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"Test "
               "prompt for sampling\"}}");
    CU_ASSERT_EQUAL(e.awaits, 1);
    q = mt_server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(mt_str_is(miq_json_str(q, "method", NULL), "sampling/createMessage"));
    CU_ASSERT(json_is_string(json_object_get(q, "id")));
    CU_ASSERT(mt_json_is(json_object_get(q, "params"),
                         "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\","
                         "\"text\":\"Test prompt for sampling\"}}],\"maxTokens\":100}"));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "LLM response: This is a test response from the client"));

    /* the client did not answer in time: a tool error, not a protocol error */
    mt_env(&e, MIQ_ERA_2025, "{\"sampling\":{}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"x\"}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
    CU_ASSERT(mt_str_is(
        miq_json_str(json_object_get(json_object_get(RESULT(r), "structuredContent"), "error"),
                     "code", NULL),
        "client_error"));
    /* the prompt is required */
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{}}");
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

static void test_elicitation_2025(void)
{
    tenv e;
    json_t *r, *q;
    mt_env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = mt_json("{\"action\":\"accept\",\"content\":{\"username\":\"testuser\",\"email\":"
                       "\"test@example.com\"}}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_elicitation\",\"arguments\":{\"message\":"
               "\"Please provide your information\"}}");
    q = mt_server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(mt_str_is(miq_json_str(q, "method", NULL), "elicitation/create"));
    CU_ASSERT(mt_json_is(json_object_get(q, "params"),
                         "{\"mode\":\"form\",\"message\":\"Please provide your information\","
                         "\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"username\":{"
                         "\"type\":\"string\",\"description\":\"User's response\"},\"email\":{"
                         "\"type\":\"string\",\"description\":\"User's email address\"}},"
                         "\"required\":[\"username\",\"email\"]}}"));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "User response: action=accept, content={\"username\":"
                                          "\"testuser\",\"email\":\"test@example.com\"}"));
}

static void test_sep1034_defaults(void)
{
    tenv e;
    json_t *r, *q, *props;
    mt_env(&e, MIQ_ERA_2025, "{\"sampling\":{},\"elicitation\":{}}");
    e.canned = mt_json("{\"action\":\"accept\",\"content\":{\"name\":\"Jane Smith\",\"age\":25,"
                       "\"score\":88,\"status\":\"inactive\",\"verified\":false}}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_elicitation_sep1034_defaults\",\"arguments\":{}}");
    q = mt_server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(q, "params"), "message", NULL),
                        "Please review and update the form fields with defaults"));
    props = json_object_get(json_object_get(json_object_get(q, "params"), "requestedSchema"),
                            "properties");
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "name"), "default", NULL), "John Doe"));
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "name"), "type", NULL), "string"));
    CU_ASSERT(json_is_integer(json_object_get(json_object_get(props, "age"), "default")));
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(props, "age"), "default", 0), 30);
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "age"), "type", NULL), "integer"));
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_object_get(props, "score"), "default", 0), 95.5, 1e-9);
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "score"), "type", NULL), "number"));
    CU_ASSERT(mt_json_is(json_object_get(json_object_get(props, "status"), "enum"),
                         "[\"active\",\"inactive\",\"pending\"]"));
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "status"), "default", NULL), "active"));
    CU_ASSERT(json_is_true(json_object_get(json_object_get(props, "verified"), "default")));
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(props, "verified"), "type", NULL), "boolean"));
    CU_ASSERT(strstr(mt_text_at(r, 0) ? mt_text_at(r, 0) : "",
                     "Elicitation completed: action=accept, content={\"name\":\"Jane Smith\"") !=
              NULL);
}

static void test_sep1330_enums(void)
{
    tenv e;
    json_t *r, *q, *props, *p;
    mt_env(&e, MIQ_ERA_2025, "{\"elicitation\":{}}");
    e.canned = mt_json("{\"action\":\"accept\",\"content\":{\"untitledSingle\":\"option1\","
                       "\"titledSingle\":\"value1\",\"legacyEnum\":\"opt1\",\"untitledMulti\":["
                       "\"option1\",\"option2\"],\"titledMulti\":[\"value1\",\"value2\"]}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_elicitation_sep1330_enums\",\"arguments\":{}}");
    q = mt_server_request(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    props = json_object_get(json_object_get(json_object_get(q, "params"), "requestedSchema"),
                            "properties");
    p = json_object_get(props, "untitledSingle");
    CU_ASSERT(mt_json_is(json_object_get(p, "enum"), "[\"option1\",\"option2\",\"option3\"]"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "oneOf"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "enumNames"));
    p = json_object_get(props, "titledSingle");
    CU_ASSERT(mt_json_is(json_object_get(p, "oneOf"),
                         "[{\"const\":\"value1\",\"title\":\"First Option\"},{\"const\":\"value2\","
                         "\"title\":\"Second Option\"},{\"const\":\"value3\",\"title\":\"Third "
                         "Option\"}]"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "enum"));
    p = json_object_get(props, "legacyEnum");
    CU_ASSERT(mt_json_is(json_object_get(p, "enum"), "[\"opt1\",\"opt2\",\"opt3\"]"));
    CU_ASSERT(mt_json_is(json_object_get(p, "enumNames"),
                         "[\"Option One\",\"Option Two\",\"Option Three\"]"));
    p = json_object_get(props, "untitledMulti");
    CU_ASSERT(mt_str_is(miq_json_str(p, "type", NULL), "array"));
    CU_ASSERT_EQUAL(miq_json_int(p, "minItems", 0), 1);
    CU_ASSERT_EQUAL(miq_json_int(p, "maxItems", 0), 3);
    CU_ASSERT(mt_json_is(json_object_get(p, "items"),
                         "{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}"));
    p = json_object_get(props, "titledMulti");
    CU_ASSERT(mt_str_is(miq_json_str(p, "type", NULL), "array"));
    CU_ASSERT(mt_json_is(json_object_get(p, "items"),
                         "{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First Choice\"},{\"const\":"
                         "\"value2\",\"title\":\"Second Choice\"},{\"const\":\"value3\",\"title\":"
                         "\"Third Choice\"}]}"));
    CU_ASSERT(strstr(mt_text_at(r, 0) ? mt_text_at(r, 0) : "",
                     "Elicitation completed: action=accept") != NULL);
}

MIQ_SUITE("mcp_sampling_elicitation", MIQ_TEST(test_sampling_2025), MIQ_TEST(test_elicitation_2025),
          MIQ_TEST(test_sep1034_defaults), MIQ_TEST(test_sep1330_enums))
