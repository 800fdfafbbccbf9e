/* The Tasks extension (io.modelcontextprotocol/tasks) and custom Mcp-Param-*
 * headers over the real stack: task rows in PostgreSQL before the
 * CreateTaskResult, input through tasks/update, the -32021 and -32602 errors,
 * and momentiq.create_job as a task: polled to its result, or cancelled with
 * its reservation released. Helpers and media: support/it_jobs.h. */
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

#define EXT "io.modelcontextprotocol/tasks"

/* A 2026 request; ext: whether _meta declares the Tasks extension. */
static it_resp *call(const char *token, const char *method, const char *params_json, int ext)
{
    json_t *p = it_json(params_json), *meta = json_object();
    json_object_set_new(meta, "io.modelcontextprotocol/clientCapabilities",
                        ext ? json_pack("{s:{},s:{s:{}}}", "elicitation", "extensions", EXT)
                            : json_pack("{s:{}}", "elicitation"));
    json_object_set_new(p, "_meta", meta);
    p = mcp_2026_params(p);
    return it_post(mcp_2026_headers(method, p,
                                    jt_hdrs(token ? it_bearer(token) : NULL, NULL, NULL)),
                   it_rpc_body(method, p, -1));
}

static const char *task_of(const it_resp *r)
{
    json_t *res = it_result(r);
    return res && !strcmp(miq_json_str(res, "resultType", ""), "task")
               ? miq_json_str(res, "taskId", NULL)
               : NULL;
}

static json_t *task_get(const char *token, const char *id)
{
    it_resp *r = call(token, "tasks/get", apr_psprintf(itp, "{\"taskId\":%s}", it_quote(id)), 1);
    return it_result(r);
}

/* tasks/get until the status is final (or timeout_s passes); the last view. */
static json_t *task_wait(const char *token, const char *id, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *t = NULL;
    const char *st;
    do {
        t = task_get(token, id);
        st = miq_json_str(t, "status", "");
        if (!strcmp(st, "completed") || !strcmp(st, "failed") || !strcmp(st, "cancelled"))
            return t;
        apr_sleep(apr_time_from_msec(200));
    } while (apr_time_now() < end);
    return t;
}

static void test_task_row_before_answer(void)
{
    const char *id, *args[1];
    json_t *t;
    it_resp *r = call(NULL, "tools/call",
                      "{\"name\":\"slow_compute\",\"arguments\":{\"seconds\":1}}", 1);
    id = task_of(r);
    IT_ASSERT_R(id && !json_object_get(it_result(r), "result") &&
                    json_is_integer(json_object_get(it_result(r), "ttlMs")),
                r);
    if (!id)
        return;
    args[0] = id;
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM mcp_tasks WHERE id = $1", 1, args),
                           "working");
    t = task_wait(NULL, id, 10);
    IT_ASSERT_MSG(!strcmp(miq_json_str(t, "status", ""), "completed") &&
                      strstr(it_dump(json_object_get(t, "result")), "Computed"),
                  "task %s", it_dump(t));
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM mcp_tasks WHERE id = $1", 1, args),
                           "completed");
}

static void test_errors(void)
{
    it_resp *r;
    /* Without the extension: the tasks methods and required-task tools are -32021 (HTTP 400). */
    r = call(NULL, "tasks/get", "{\"taskId\":\"abc\"}", 0);
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32021, r);
    r = call(NULL, "tools/call", "{\"name\":\"failing_job\",\"arguments\":{}}", 0);
    IT_ASSERT_R(it_error_code(r) == -32021 &&
                    json_object_get(json_object_get(json_object_get(json_object_get(it_error(r),
                                                                                    "data"),
                                                                    "requiredCapabilities"),
                                                    "extensions"),
                                    EXT),
                r);
    /* An optional task tool without the extension answers at once. */
    r = call(NULL, "tools/call", "{\"name\":\"slow_compute\",\"arguments\":{\"seconds\":0}}", 0);
    IT_ASSERT_R(it_result(r) && !task_of(r) && json_object_get(it_result(r), "content"), r);
    /* Unknown ids, removed v1 methods, a mismatched Mcp-Name. */
    r = call(NULL, "tasks/get", "{\"taskId\":\"no-such-task\"}", 1);
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    r = call(NULL, "tasks/cancel", "{\"taskId\":\"no-such-task\"}", 1);
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    r = call(NULL, "tasks/list", "{}", 1);
    IT_ASSERT_R(it_error_code(r) == -32601, r);
    {
        json_t *p = mcp_2026_params(it_json("{\"taskId\":\"abc\"}"));
        json_object_set_new(json_object_get(json_object_get(p, "_meta"),
                                            "io.modelcontextprotocol/clientCapabilities"),
                            "extensions", json_pack("{s:{}}", EXT));
        r = it_post(mcp_2026_headers("tasks/get", it_json("{\"taskId\":\"other\"}"), NULL),
                    it_rpc_body("tasks/get", p, -1));
        IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32020, r);
    }
}

static void test_input_and_cancel(void)
{
    const char *id, *key;
    json_t *t, *answers;
    it_resp *r = call(NULL, "tools/call",
                      "{\"name\":\"confirm_delete\",\"arguments\":{\"filename\":\"a.txt\"}}", 1);
    id = task_of(r);
    IT_ASSERT_R(id, r);
    if (!id)
        return;
    t = task_get(NULL, id);
    IT_ASSERT_MSG(!strcmp(miq_json_str(t, "status", ""), "input_required") &&
                      json_object_size(json_object_get(t, "inputRequests")) == 1,
                  "task %s", it_dump(t));
    answers = miq_json_pool(itp, json_object());
    {
        json_t *v;
        json_object_foreach(json_object_get(t, "inputRequests"), key, v)
        {
            (void)v;
            json_object_set_new(answers, key,
                                json_pack("{s:s,s:{s:b}}", "action", "accept", "content", "confirm",
                                          1));
        }
    }
    r = call(NULL, "tasks/update",
             apr_psprintf(itp, "{\"taskId\":%s,\"inputResponses\":%s}", it_quote(id),
                          it_dump(answers)),
             1);
    IT_ASSERT_R(it_result(r) && !json_object_get(it_result(r), "status"), r);
    t = task_wait(NULL, id, 10);
    IT_ASSERT_MSG(strstr(it_dump(t), "Deleted a.txt"), "task %s", it_dump(t));
    /* A cancel is acknowledged, also on a finished task, and sticks. */
    r = call(NULL, "tools/call", "{\"name\":\"slow_compute\",\"arguments\":{\"seconds\":60}}", 1);
    id = task_of(r);
    IT_ASSERT_R(id, r);
    if (!id)
        return;
    r = call(NULL, "tasks/cancel", apr_psprintf(itp, "{\"taskId\":%s}", it_quote(id)), 1);
    IT_ASSERT_R(it_result(r) && !json_object_get(it_result(r), "taskId"), r);
    r = call(NULL, "tasks/cancel", apr_psprintf(itp, "{\"taskId\":%s}", it_quote(id)), 1);
    IT_ASSERT_R(it_result(r), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(task_get(NULL, id), "status", ""), "cancelled");
}

/* Another account cannot read a task: its id is unknown there. */
static void test_create_job_task(void)
{
    const char *id, *job, *args[1];
    json_t *t, *j;
    it_resp *r;
    CU_ASSERT_FATAL(jt_ready());
    r = call(jt_tok, "tools/call",
             apr_psprintf(itp,
                          "{\"name\":\"momentiq.create_job\",\"arguments\":{\"endpoint\":"
                          "\"audio/silence\",\"upload_id\":%s}}",
                          it_quote(jt_upl_speech)),
             1);
    id = task_of(r);
    IT_ASSERT_R(id, r);
    if (!id)
        return;
    r = call(NULL, "tasks/get", apr_psprintf(itp, "{\"taskId\":%s}", it_quote(id)), 1);
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    t = task_wait(jt_tok, id, JOB_TIMEOUT_S);
    j = json_object_get(json_object_get(t, "result"), "structuredContent");
    IT_ASSERT_MSG(!strcmp(miq_json_str(t, "status", ""), "completed") && jt_succeeded(j), "task %s",
                  it_dump(t));
    if (j)
        jt_assert_billed_once(j);

    /* Cancelled: the job is canceled and its reservation released. */
    r = call(jt_tok, "tools/call",
             apr_psprintf(itp,
                          "{\"name\":\"momentiq.create_job\",\"arguments\":{\"endpoint\":"
                          "\"video/clips\",\"upload_id\":%s,\"params\":{\"clips\":[{\"start\":0,"
                          "\"end\":55}],\"mode\":\"reencode\"}}}",
                          it_quote(jt_upl_long)),
             1);
    id = task_of(r);
    IT_ASSERT_R(id, r);
    if (!id)
        return;
    args[0] = id;
    job = it_db_value("SELECT state->>'job_id' FROM mcp_tasks WHERE id = $1", 1, args);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    r = call(jt_tok, "tasks/cancel", apr_psprintf(itp, "{\"taskId\":%s}", it_quote(id)), 1);
    IT_ASSERT_R(it_result(r), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(task_get(jt_tok, id), "status", ""), "cancelled");
    j = jt_wait_rest(jt_tok, job, 30);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "job %s",
                  j ? it_dump(j) : "");
    if (j)
        jt_assert_not_billed(j);
}

static it_resp *header_call(const char *region_header, const char *region_body)
{
    json_t *p = mcp_2026_params(
        region_body ? it_jsonf("{\"name\":\"test_custom_header\",\"arguments\":{\"region\":%s}}",
                               it_quote(region_body))
                    : it_json("{\"name\":\"test_custom_header\",\"arguments\":{}}"));
    return it_post(mcp_2026_headers("tools/call", p, jt_hdrs(region_header, NULL, NULL)),
                   it_rpc_body("tools/call", p, -1));
}

static void test_custom_headers(void)
{
    it_resp *r = header_call("Mcp-Param-Region: eu-west", "eu-west");
    IT_ASSERT_R(r->status == 200 && strstr(it_dump(it_result(r)), "Region: eu-west"), r);
    r = header_call("Mcp-Param-Region: =?base64?ZXUtd2VzdA==?=", "eu-west");
    IT_ASSERT_R(r->status == 200 && it_result(r), r);
    r = header_call(NULL, "eu-west");
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32020, r);
    r = header_call("Mcp-Param-Region: us-east", "eu-west");
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32020, r);
    r = header_call("Mcp-Param-Region: =?base64?ZXUtd2VzdA?=", "eu-west");
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32020, r);
}

IT_SUITE("mcp_tasks", IT_TEST(test_task_row_before_answer), IT_TEST(test_errors),
         IT_TEST(test_input_and_cancel), IT_TEST(test_create_job_task),
         IT_TEST(test_custom_headers))
