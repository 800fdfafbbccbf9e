/* The conformance-fixture client of the test_mcp_*.c suites: see utest_mcp.h. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "base/miq_server.h"
#include "mcp/miq_jsonrpc.h"
#include "utest_mcp.h"
#include "tools/miq_server_build.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

json_t *mt_json(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(utp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "bad test JSON: %s: %s\n", err, text);
    return v;
}

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
    *response = miq_json_packp(p, "{s:s,s:s,s:O}", "jsonrpc", "2.0", "id", request_id, "result",
                               e->canned);
    return 1;
}

static int t_set_level(void *baton, int level)
{
    (void)baton;
    (void)level;
    return 0;
}

void mt_env(tenv *e, miq_era_e era, const char *caps)
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
json_t *mt_rpc(tenv *e, const char *method, const char *params_text)
{
    static const miq_caller anonymous;
    miq_mcp_io io = {e, t_emit, t_await, t_set_level};
    miq_mcp_call c;
    miq_rpc_msg msg;
    json_t *params = params_text ? mt_json(params_text) : NULL, *m;
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
        json_object_set_new(meta, "io.modelcontextprotocol/clientInfo",
                            json_pack("{s:s,s:s}", "name", "conformance-test-client", "version",
                                      "1.0.0"));
        if (!json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))
            json_object_set(meta, "io.modelcontextprotocol/clientCapabilities",
                            mt_json(e->caps ? e->caps : "{}"));
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
    }
    else {
        c.era = MIQ_ERA_2025;
        c.protocol_version = MIQ_PROTO_LATEST_2025;
        c.session_id = "test-session";
        c.client_caps = mt_json(e->caps ? e->caps : "{}");
        c.log_level = MIQ_MCP_DEBUG;
    }
    out = miq_mcp_dispatch(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    e->outcome = c.outcome;
    return mt_json(out);
}

/* content[i].text of a result message. */
const char *mt_text_at(const json_t *r, size_t i)
{
    return miq_json_str(json_array_get(json_object_get(RESULT(r), "content"), i), "text", NULL);
}

int mt_str_is(const char *a, const char *b)
{
    if (!a || strcmp(a, b)) {
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", a ? a : "(null)", b);
        return 0;
    }
    return 1;
}

/* Exact JSON equality, printing both on mismatch. */
int mt_json_is(const json_t *got, const char *want)
{
    json_t *w = mt_json(want);
    if (!got || !w || !json_equal(got, w)) {
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", got ? miq_json_dump(utp, got) : "(null)",
                want);
        return 0;
    }
    return 1;
}

json_t *mt_find_named(const json_t *arr, const char *field, const char *name, size_t *at)
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

/* The one server request the call streamed. */
json_t *mt_server_request(tenv *e)
{
    size_t i;
    for (i = 0; i < json_array_size(e->emitted); i++) {
        json_t *m = json_array_get(e->emitted, i);
        if (json_object_get(m, "id") && json_object_get(m, "method"))
            return m;
    }
    return NULL;
}

const char *mt_state_of(const json_t *r)
{
    return miq_json_str(RESULT(r), "requestState", NULL);
}

int mt_is_input_required(const json_t *r)
{
    const char *t = miq_json_str(RESULT(r), "resultType", "");
    if (strcmp(t, "input_required")) {
        fprintf(stderr, "\n  not input_required: %s\n", miq_json_dump(utp, r));
        return 0;
    }
    return json_is_object(json_object_get(RESULT(r), "inputRequests")) && mt_state_of(r);
}

int mt_is_complete(const json_t *r)
{
    if (!RESULT(r) || strcmp(miq_json_str(RESULT(r), "resultType", ""), "complete")) {
        fprintf(stderr, "\n  not complete: %s\n", miq_json_dump(utp, r));
        return 0;
    }
    return 1;
}

/* A retry: same tool, the answers and the state echoed. */
json_t *mt_retry(tenv *e, const char *tool, const char *responses, const char *state)
{
    return mt_rpc(e, "tools/call",
                  apr_psprintf(utp,
                               "{\"name\":\"%s\",\"arguments\":{},\"inputResponses\":%s%s%s%s}",
                               tool, responses, state ? ",\"requestState\":\"" : "",
                               state ? state : "", state ? "\"" : ""));
}
