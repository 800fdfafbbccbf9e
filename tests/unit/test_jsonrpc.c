/* JSON-RPC parsing and error shapes. */
#include <string.h>
#include "unit.h"
#include "base/miq_json.h"
#include "mcp/miq_jsonrpc.h"

static const char *parse(const char *body, miq_rpc_msg *m, int *code)
{
    return miq_rpc_parse(utp, body, strlen(body), m, code);
}

static void test_request_notification_response(void)
{
    miq_rpc_msg m;
    int code;
    CU_ASSERT_PTR_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", &m, &code));
    CU_ASSERT_EQUAL(m.kind, MIQ_MSG_REQUEST);
    CU_ASSERT_STRING_EQUAL(m.method, "ping");
    CU_ASSERT_EQUAL(json_integer_value(m.id), 7);
    CU_ASSERT_PTR_NULL(
        parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, &code));
    CU_ASSERT_EQUAL(m.kind, MIQ_MSG_NOTIFICATION);
    CU_ASSERT_PTR_NULL(m.id);
    CU_ASSERT_PTR_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{}}", &m, &code));
    CU_ASSERT_EQUAL(m.kind, MIQ_MSG_RESPONSE);
    CU_ASSERT_PTR_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":\"s-2\",\"error\":{\"code\":1,"
                             "\"message\":\"x\"}}",
                             &m, &code));
    CU_ASSERT_EQUAL(m.kind, MIQ_MSG_RESPONSE);
    CU_ASSERT_PTR_NOT_NULL(m.error);
}

static void test_parse_errors(void)
{
    miq_rpc_msg m;
    int code;
    CU_ASSERT_PTR_NOT_NULL(parse("{not json", &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_PARSE_ERROR);
    CU_ASSERT_PTR_NOT_NULL(miq_rpc_parse(utp, "", 0, &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_PARSE_ERROR);
    CU_ASSERT_PTR_NOT_NULL(
        parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_INVALID_REQUEST);
    CU_ASSERT_PTR_NOT_NULL(strstr(parse("[]", &m, &code), "batches"));
    CU_ASSERT_PTR_NOT_NULL(parse("\"hello\"", &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_INVALID_REQUEST);
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_INVALID_REQUEST);
    CU_ASSERT_EQUAL(json_integer_value(m.id), 1); /* the id survives for the error reply */
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", &m, &code));
    CU_ASSERT_PTR_NOT_NULL(
        parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}", &m, &code));
    CU_ASSERT_EQUAL(code, MIQ_RPC_INVALID_REQUEST);
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", &m, &code));
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", &m, &code));
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":1}", &m, &code));
    CU_ASSERT_PTR_NOT_NULL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"method\":\"b\"}",
                                 &m, &code)); /* duplicate keys are refused */
}

static void test_error_shapes(void)
{
    json_t *id = miq_json_pool(utp, json_string("abc"));
    const char *s = miq_json_dump(utp, miq_rpc_error(utp, id, -32601, "Method not found", NULL));
    CU_ASSERT_STRING_EQUAL(s, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"error\":{\"code\":-32601,"
                              "\"message\":\"Method not found\"}}");
    /* No readable id: the id is left out, never null. */
    s = miq_json_dump(utp, miq_rpc_error(utp, NULL, -32700, "bad", NULL));
    CU_ASSERT_PTR_NULL(strstr(s, "\"id\""));
    s = miq_json_dump(utp, miq_rpc_result(utp, id, json_pack("{s:i}", "x", 1)));
    CU_ASSERT_STRING_EQUAL(s, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{\"x\":1}}");
    CU_ASSERT_STRING_EQUAL(miq_rpc_id_text(utp, miq_json_pool(utp, json_integer(42))), "42");
}

MIQ_SUITE("jsonrpc", MIQ_TEST(test_request_notification_response), MIQ_TEST(test_parse_errors),
          MIQ_TEST(test_error_shapes))
