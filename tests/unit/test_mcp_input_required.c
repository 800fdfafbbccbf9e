/* The 2026 multi round-trip of the conformance fixtures: input_required
 * results with a signed requestState, answers over several rounds, tampered
 * or foreign states, and what the client's capabilities allow to be asked. */
#include <string.h>
#include <apr_strings.h>
#include "mcp/miq_jsonrpc.h"
#include "unit.h"
#include "base/miq_json.h"
#include "utest_mcp.h"

#define ALICE "{\"action\":\"accept\",\"content\":{\"name\":\"Alice\"}}"

static void test_mrtr_elicitation(void)
{
    tenv e;
    json_t *r;
    const char *st;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_elicitation\","
               "\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(
        mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                   "{\"user_name\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                   "\"What is your name?\",\"requestedSchema\":{\"type\":\"object\","
                   "\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}}}"));
    CU_ASSERT(strstr(miq_json_dump(utp, r), "\"resultType\":\"input_required\"") != NULL);
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0); /* never a request on the stream */
    st = mt_state_of(r);

    r = mt_retry(&e, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", st);
    CU_ASSERT_FATAL(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Hello, Alice!"));
    /* the harness may also answer without the state of round 1 */
    r = mt_retry(&e, "test_input_required_result_elicitation", "{\"user_name\":" ALICE "}", NULL);
    CU_ASSERT(mt_is_complete(r) && mt_str_is(mt_text_at(r, 0), "Hello, Alice!"));
    /* extra keys are ignored */
    r = mt_retry(&e, "test_input_required_result_elicitation",
                 "{\"user_name\":" ALICE ",\"unknown_extra_key\":{\"x\":1},\"another_unexpected\":"
                 "\"y\"}",
                 st);
    CU_ASSERT(mt_is_complete(r) && mt_str_is(mt_text_at(r, 0), "Hello, Alice!"));
    /* a missing answer is asked again */
    r = mt_retry(&e, "test_input_required_result_elicitation",
                 "{\"wrong_key\":{\"action\":\"accept\",\"content\":{\"data\":\"wrong\"}}}", NULL);
    CU_ASSERT(mt_is_input_required(r));
    CU_ASSERT_PTR_NOT_NULL(
        json_object_get(json_object_get(RESULT(r), "inputRequests"), "user_name"));
    /* invalid answers never complete */
    r = mt_retry(&e, "test_input_required_result_elicitation", "{\"user_name\":12345}", NULL);
    CU_ASSERT(mt_is_input_required(r));
    r = mt_retry(&e, "test_input_required_result_elicitation", "null", NULL);
    CU_ASSERT(ERRCODE(r) == MIQ_RPC_INVALID_PARAMS || mt_is_input_required(r));
    /* a decline completes without a name */
    r = mt_retry(&e, "test_input_required_result_elicitation",
                 "{\"user_name\":{\"action\":\"decline\"}}", NULL);
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(json_is_true(json_object_get(RESULT(r), "isError")));
}

static void test_mrtr_sampling_and_roots(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_sampling\",\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                         "{\"capital_question\":{\"method\":\"sampling/createMessage\",\"params\":{"
                         "\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":"
                         "\"What is the capital of France?\"}}],\"maxTokens\":100}}}"));
    r = mt_retry(&e, "test_input_required_result_sampling",
                 "{\"capital_question\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\","
                 "\"text\":\"The capital of France is Paris.\"},\"model\":\"test-model\","
                 "\"stopReason\":\"endTurn\"}}",
                 mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Sampling response: The capital of France is Paris."));

    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_list_roots\"}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                         "{\"client_roots\":{\"method\":\"roots/list\",\"params\":{}}}"));
    r = mt_retry(&e, "test_input_required_result_list_roots",
                 "{\"client_roots\":{\"roots\":[{\"uri\":\"file:///test/root\",\"name\":\"Test "
                 "Root\"}]}}",
                 mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Client roots: file:///test/root (Test Root)"));
}

static void test_mrtr_request_state(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_request_state\",\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(
        mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                   "{\"confirm\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                   "\"Please confirm\",\"requestedSchema\":{\"type\":\"object\",\"properties\":"
                   "{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}}}}"));
    r = mt_retry(&e, "test_input_required_result_request_state",
                 "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "state-ok: action=accept, ok=true"));
}

static void test_mrtr_tampered_state(void)
{
    tenv e;
    json_t *r;
    const char *st;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_tampered_state\",\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(RESULT(r), "inputRequests"), "confirm"));
    st = mt_state_of(r);
    r = mt_retry(&e, "test_input_required_result_tampered_state",
                 "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}",
                 apr_pstrcat(utp, st, "-TAMPERED", NULL));
    CU_ASSERT_PTR_NULL(RESULT(r));
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
    CU_ASSERT_EQUAL(miq_json_int(r, "id", 0), e.id); /* the id is echoed */
    /* the untouched state still works, and a state of another tool does not */
    r = mt_retry(&e, "test_input_required_result_tampered_state",
                 "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", st);
    CU_ASSERT(mt_is_complete(r) &&
              mt_str_is(mt_text_at(r, 0), "state verified: action=accept, ok=true"));
    r = mt_retry(&e, "test_input_required_result_request_state",
                 "{\"confirm\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}", st);
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_INVALID_PARAMS);
}

static void test_mrtr_multiple_inputs(void)
{
    tenv e;
    json_t *r, *ir;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_multiple_inputs\",\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 3);
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(ir, "user_name"), "method", NULL),
                        "elicitation/create"));
    CU_ASSERT(
        mt_json_is(json_object_get(ir, "greeting"),
                   "{\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[{\"role\":"
                   "\"user\",\"content\":{\"type\":\"text\",\"text\":\"Generate a greeting\"}}],"
                   "\"maxTokens\":50}}"));
    CU_ASSERT(mt_json_is(json_object_get(ir, "client_roots"),
                         "{\"method\":\"roots/list\",\"params\":{}}"));
    /* a partial answer asks only what is still open, and keeps what was given */
    r = mt_retry(&e, "test_input_required_result_multiple_inputs", "{\"user_name\":" ALICE "}",
                 mt_state_of(r));
    CU_ASSERT_FATAL(mt_is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 2);
    CU_ASSERT_PTR_NULL(json_object_get(ir, "user_name"));
    r = mt_retry(&e, "test_input_required_result_multiple_inputs",
                 "{\"greeting\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":"
                 "\"Hi there\"},\"model\":\"m\"},\"client_roots\":{\"roots\":[{\"uri\":"
                 "\"file:///test/root\",\"name\":\"Test Root\"}]}}",
                 mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0),
                        "Name: Alice; greeting: Hi there; roots: file:///test/root (Test Root)"));
}

static void test_mrtr_multi_round(void)
{
    tenv e;
    json_t *r;
    const char *s1, *s2;
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_multi_round\","
               "\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(mt_str_is(
        miq_json_str(json_object_get(json_object_get(json_object_get(RESULT(r), "inputRequests"),
                                                     "step1"),
                                     "params"),
                     "message", NULL),
        "Step 1: What is your name?"));
    s1 = mt_state_of(r);
    r = mt_retry(&e, "test_input_required_result_multi_round", "{\"step1\":" ALICE "}", s1);
    CU_ASSERT_FATAL(mt_is_input_required(r));
    s2 = mt_state_of(r);
    CU_ASSERT(strcmp(s1, s2) != 0);
    CU_ASSERT(mt_json_is(json_object_get(RESULT(r), "inputRequests"),
                         "{\"step2\":{\"method\":\"elicitation/create\",\"params\":{\"message\":"
                         "\"Step 2: What is your favorite color?\",\"requestedSchema\":{\"type\":"
                         "\"object\",\"properties\":{\"color\":{\"type\":\"string\"}},\"required\":"
                         "[\"color\"]}}}}"));
    /* round 3 carries only step2: step1 comes back from the signed state */
    r = mt_retry(&e, "test_input_required_result_multi_round",
                 "{\"step2\":{\"action\":\"accept\",\"content\":{\"color\":\"blue\"}}}", s2);
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(mt_str_is(mt_text_at(r, 0), "Hello, Alice! Your favorite color is blue."));
}

static void test_mrtr_capabilities(void)
{
    tenv e;
    json_t *r, *ir;
    mt_env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_input_required_result_capabilities\","
               "\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 1);
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(ir, "sampling_check"), "method", NULL),
                        "sampling/createMessage"));
    r = mt_retry(&e, "test_input_required_result_capabilities",
                 "{\"sampling_check\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\","
                 "\"text\":\"Paris\"},\"model\":\"m\"}}",
                 mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(
        mt_str_is(mt_text_at(r, 0), "Answers for the declared capabilities: sampling: Paris; "));

    mt_env(&e, MIQ_ERA_2026, "{\"elicitation\":{},\"roots\":{}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_capabilities\"}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    ir = json_object_get(RESULT(r), "inputRequests");
    CU_ASSERT_EQUAL(json_object_size(ir), 2);
    CU_ASSERT_PTR_NULL(json_object_get(ir, "sampling_check"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(ir, "elicitation_check"));
    CU_ASSERT_PTR_NOT_NULL(json_object_get(ir, "roots_check"));

    mt_env(&e, MIQ_ERA_2026, "{}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_input_required_result_capabilities\"}");
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(strstr(mt_text_at(r, 0) ? mt_text_at(r, 0) : "", "nothing was asked") != NULL);
}

static void test_missing_capability(void)
{
    tenv e;
    json_t *r, *err;
    mt_env(&e, MIQ_ERA_2026, "{}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_missing_capability\",\"arguments\":{}}");
    CU_ASSERT_PTR_NULL(RESULT(r));
    err = json_object_get(r, "error");
    CU_ASSERT_EQUAL(miq_json_int(err, "code", 0), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT(
        mt_json_is(json_object_get(err, "data"), "{\"requiredCapabilities\":{\"sampling\":{}}}"));
    CU_ASSERT(*miq_json_str(err, "message", "") != 0);
    CU_ASSERT(mt_str_is(e.outcome, "rpc_error"));
    CU_ASSERT_EQUAL(miq_json_int(r, "id", 0), e.id);
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);

    /* declared: asked through input_required */
    mt_env(&e, MIQ_ERA_2026, "{\"sampling\":{}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_missing_capability\",\"arguments\":{}}");
    CU_ASSERT(mt_is_input_required(r));

    /* 2025-only tools never send a request on a 2026 stream */
    mt_env(&e, MIQ_ERA_2026, ALL_CAPS);
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_sampling\",\"arguments\":{\"prompt\":\"hi\"}}");
    CU_ASSERT(mt_is_input_required(r));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    /* 2025 session without the capability: the same protocol error */
    mt_env(&e, MIQ_ERA_2025, "{}");
    r = mt_rpc(&e, "tools/call",
               "{\"name\":\"test_elicitation\",\"arguments\":{\"message\":\"m\"}}");
    CU_ASSERT_EQUAL(ERRCODE(r), MIQ_RPC_MISSING_CAPABILITY);
    CU_ASSERT_EQUAL(e.awaits, 0);
}

static void test_streaming_elicitation(void)
{
    tenv e;
    json_t *r;
    mt_env(&e, MIQ_ERA_2026, "{\"elicitation\":{}}");
    r = mt_rpc(&e, "tools/call", "{\"name\":\"test_streaming_elicitation\",\"arguments\":{}}");
    CU_ASSERT_FATAL(mt_is_input_required(r));
    CU_ASSERT(mt_str_is(miq_json_str(json_object_get(json_object_get(RESULT(r), "inputRequests"),
                                                     "confirmation"),
                                     "method", NULL),
                        "elicitation/create"));
    CU_ASSERT_EQUAL(json_array_size(e.emitted), 0);
    r = mt_retry(&e, "test_streaming_elicitation",
                 "{\"confirmation\":{\"action\":\"accept\",\"content\":{\"ok\":true}}}",
                 mt_state_of(r));
    CU_ASSERT(mt_is_complete(r));
    CU_ASSERT(
        mt_str_is(mt_text_at(r, 0), "Elicitation result: action=accept, content={\"ok\":true}"));
}

MIQ_SUITE("mcp_input_required", MIQ_TEST(test_mrtr_elicitation),
          MIQ_TEST(test_mrtr_sampling_and_roots), MIQ_TEST(test_mrtr_request_state),
          MIQ_TEST(test_mrtr_tampered_state), MIQ_TEST(test_mrtr_multiple_inputs),
          MIQ_TEST(test_mrtr_multi_round), MIQ_TEST(test_mrtr_capabilities),
          MIQ_TEST(test_missing_capability), MIQ_TEST(test_streaming_elicitation))
