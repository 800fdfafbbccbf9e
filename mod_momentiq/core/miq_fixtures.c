/* The MCP conformance fixtures' tools (see miq_fixtures.h and the conformance
 * reference, §2 "Fixtures", §5.1 and §5.4); resources and prompts are in
 * miq_fixtures_documents.c. Payload strings and base64 blobs
 * are the reference everything-server's, byte for byte: the suites compare
 * some of them exactly. */
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "miq_fixtures.h"
#include "miq_fixtures_shared.h"
#include "miq_json.h"
#include "miq_jsonrpc.h"
#include "miq_mcp.h"
#include "miq_tool.h"

#define STEP_SLEEP apr_time_from_msec(50)

/* ---- helpers ------------------------------------------------------------- */

/* A constant JSON text as a pool-bound value (the constants are tested). */
static json_t *J(apr_pool_t *p, const char *text)
{
    const char *err = NULL;
    return miq_json_parse(p, text, strlen(text), &err);
}

/* A CallToolResult from a content array; takes the array's reference. */
static json_t *content_result(miq_tool_ctx *ctx, json_t *items)
{
    json_t *r = miq_tool_content(ctx, items, NULL);
    json_decref(items);
    return r;
}

static json_t *text_result(miq_tool_ctx *ctx, const char *text)
{
    return miq_tool_ok(ctx, NULL, text);
}

/* miq_tool_ask said -1: a missing client capability is the protocol error
 * -32021 (with data.requiredCapabilities); anything else (the client
 * refused, timed out) is a tool error the model can read. */
static json_t *ask_failed(miq_tool_ctx *ctx, const json_t *err)
{
    int code = (int)miq_json_int(err, "code", MIQ_RPC_INTERNAL_ERROR);
    const char *msg = miq_json_str(err, "message", "the client could not answer");
    if (code == MIQ_RPC_MISSING_CAPABILITY)
        return miq_tool_rpc_error(ctx, code, msg, json_object_get(err, "data"));
    return miq_tool_fail(ctx, "client_error", msg);
}

/* The first text of a sampling result (content is one block or, since
 * 2025-11-25, an array of blocks). */
static const char *sampling_text(const json_t *res)
{
    json_t *c = json_object_get(res, "content");
    size_t i;
    if (json_is_object(c))
        return miq_json_str(c, "text", NULL);
    for (i = 0; json_is_array(c) && i < json_array_size(c); i++) {
        json_t *b = json_array_get(c, i);
        if (!strcmp(miq_json_str(b, "type", ""), "text"))
            return miq_json_str(b, "text", NULL);
    }
    return NULL;
}

/* "action=accept, content={...}" for an elicitation result. */
const char *miq_fx_elicit_summary(apr_pool_t *p, const json_t *res)
{
    json_t *content = json_object_get(res, "content");
    return apr_psprintf(p, "action=%s, content=%s", miq_json_str(res, "action", "unknown"),
                        content ? miq_json_dump(p, content) : "{}");
}

/* The string field of an accepted elicitation, or NULL. */
const char *miq_fx_elicit_field(const json_t *res, const char *field)
{
    if (strcmp(miq_json_str(res, "action", ""), "accept"))
        return NULL;
    return miq_json_str(json_object_get(res, "content"), field, NULL);
}

/* "uri (name), ..." for a roots/list result. */
static const char *roots_summary(apr_pool_t *p, const json_t *res)
{
    json_t *roots = json_object_get(res, "roots");
    const char *s = NULL;
    size_t i;
    for (i = 0; json_is_array(roots) && i < json_array_size(roots); i++) {
        json_t *r = json_array_get(roots, i);
        const char *one = miq_json_str(r, "name", NULL)
                              ? apr_psprintf(p, "%s (%s)", miq_json_str(r, "uri", "?"),
                                             miq_json_str(r, "name", ""))
                              : miq_json_str(r, "uri", "?");
        s = s ? apr_pstrcat(p, s, ", ", one, NULL) : one;
    }
    return s ? s : "(none)";
}

/* Elicitation params: {message, requestedSchema} (plus mode "form" when asked). */
json_t *miq_fx_elicit_params(apr_pool_t *p, const char *message, const char *schema, int form)
{
    json_t *v = miq_json_packp(p, "{s:s,s:O}", "message", message, "requestedSchema", J(p, schema));
    if (v && form) {
        json_t *n = json_object();
        json_object_set_new(n, "mode", json_string("form"));
        json_object_update(n, v);
        v = miq_json_pool(p, n);
    }
    return v;
}

static json_t *sampling_params(apr_pool_t *p, const char *text, int max_tokens)
{
    return miq_json_packp(p, "{s:[{s:s,s:{s:s,s:s}}],s:i}", "messages", "role", "user", "content",
                          "type", "text", "text", text, "maxTokens", max_tokens);
}

static void log_text(miq_tool_ctx *ctx, miq_mcp_level_e level, const char *logger, const char *text)
{
    json_t *d = json_string(text);
    miq_tool_log(ctx, level, logger, d);
    json_decref(d);
}

#define EMPTY_SCHEMA "{\"type\":\"object\",\"properties\":{}}"
#define NAME_SCHEMA                                                                                \
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]" \
    "}"
#define OK_SCHEMA                                                                                  \
    "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}"

/* ---- content tools --------------------------------------------------------- */

static json_t *t_simple_text(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return text_result(ctx, "This is a simple text response for testing.");
}

static json_t *t_image(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return content_result(ctx, json_pack("[{s:s,s:s,s:s}]", "type", "image", "data",
                                         MIQ_FIXTURE_IMAGE_BASE64, "mimeType", "image/png"));
}

static json_t *t_audio(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return content_result(ctx, json_pack("[{s:s,s:s,s:s}]", "type", "audio", "data",
                                         MIQ_FIXTURE_AUDIO_BASE64, "mimeType", "audio/wav"));
}

static json_t *t_embedded(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return content_result(ctx,
                          json_pack("[{s:s,s:{s:s,s:s,s:s}}]", "type", "resource", "resource",
                                    "uri", "test://embedded-resource", "mimeType", "text/plain",
                                    "text", "This is an embedded resource content."));
}

static json_t *t_multiple(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return content_result(
        ctx, json_pack("[{s:s,s:s},{s:s,s:s,s:s},{s:s,s:{s:s,s:s,s:s}}]", "type", "text", "text",
                       "Multiple content types test:", "type", "image", "data",
                       MIQ_FIXTURE_IMAGE_BASE64, "mimeType", "image/png", "type", "resource",
                       "resource", "uri", "test://mixed-content-resource", "mimeType",
                       "application/json", "text", "{\"test\":\"data\",\"value\":123}"));
}

/* An error *result* (isError), not a JSON-RPC error. */
static json_t *t_error(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *r;
    (void)args;
    r = content_result(ctx, json_pack("[{s:s,s:s}]", "type", "text", "text",
                                      "This tool intentionally returns an error for testing"));
    json_object_set_new(r, "isError", json_true());
    return r;
}

static json_t *t_progress(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *token = ctx->call->progress_token;
    (void)args;
    if (!token)
        return text_result(ctx, "Progress tool completed (no progressToken, so no progress "
                                "notifications were sent)");
    miq_tool_progress(ctx, 0, 100, "Completed step 0 of 100");
    apr_sleep(STEP_SLEEP);
    miq_tool_progress(ctx, 50, 100, "Completed step 50 of 100");
    apr_sleep(STEP_SLEEP);
    miq_tool_progress(ctx, 100, 100, "Completed step 100 of 100");
    /* The reference answers with the token itself. */
    return text_result(ctx, json_is_string(token) ? json_string_value(token)
                                                  : miq_json_dump(ctx->pool, token));
}

static json_t *t_logging(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    log_text(ctx, MIQ_MCP_INFO, NULL, "Tool execution started");
    apr_sleep(STEP_SLEEP);
    log_text(ctx, MIQ_MCP_INFO, NULL, "Tool processing data");
    apr_sleep(STEP_SLEEP);
    log_text(ctx, MIQ_MCP_INFO, NULL, "Tool execution completed");
    return text_result(ctx, "Tool with logging executed successfully");
}

/* ---- 2025-era client requests (they also work through MRTR in 2026) ---------- */

static json_t *t_sampling(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    const char *text;
    int rc = miq_tool_ask(ctx, "sampling", "sampling/createMessage",
                          sampling_params(ctx->pool, miq_json_str(args, "prompt", ""), 100), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    text = sampling_text(res);
    return text_result(ctx, apr_pstrcat(ctx->pool, "LLM response: ",
                                        text ? text : miq_json_dump(ctx->pool, res), NULL));
}

static const char elicitation_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
    "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
    "\"required\":[\"username\",\"email\"]}";

static json_t *t_elicitation(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    int rc = miq_tool_ask(
        ctx, "elicitation", "elicitation/create",
        miq_fx_elicit_params(ctx->pool, miq_json_str(args, "message", ""), elicitation_schema, 1), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    return text_result(
        ctx, apr_pstrcat(ctx->pool, "User response: ", miq_fx_elicit_summary(ctx->pool, res), NULL));
}

static const char sep1034_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
    "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
    "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
    "\"status\":{\"type\":\"string\",\"description\":\"User status\","
    "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
    "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}"
    "},\"required\":[]}";

static const char sep1330_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
    "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
    "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
    "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
    "{\"const\":\"value2\",\"title\":\"Second Option\"},"
    "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
    "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
    "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
    "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
    "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
    "\"minItems\":1,\"maxItems\":3,"
    "\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
    "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with titles\","
    "\"minItems\":1,\"maxItems\":3,"
    "\"items\":{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First Choice\"},"
    "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
    "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}"
    "},\"required\":[]}";

static json_t *elicit_completed(miq_tool_ctx *ctx, const char *key, const char *message,
                                const char *schema)
{
    json_t *res = NULL;
    int rc = miq_tool_ask(ctx, key, "elicitation/create",
                          miq_fx_elicit_params(ctx->pool, message, schema, 0), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    return text_result(ctx, apr_pstrcat(ctx->pool, "Elicitation completed: ",
                                        miq_fx_elicit_summary(ctx->pool, res), NULL));
}

static json_t *t_sep1034(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return elicit_completed(
        ctx, "defaults", "Please review and update the form fields with defaults", sep1034_schema);
}

static json_t *t_sep1330(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return elicit_completed(ctx, "enums", "Please select options from the enum fields",
                            sep1330_schema);
}

static const char json_2020_12_schema[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
    "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
    "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
    "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
    "\"required\":[\"contactMethod\"]},"
    "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
    "\"additionalProperties\":false}";

static json_t *t_json_2020_12(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *copy = miq_json_pool(ctx->pool, json_deep_copy(args));
    return text_result(
        ctx, apr_pstrcat(ctx->pool, "Received input: ", miq_json_dump(ctx->pool, copy), NULL));
}

/* ---- 2026 server-stateless diagnostics (§5.1) ----------------------------------- */

/* Needs sampling: a client that did not declare it gets -32021. */
static json_t *t_missing_capability(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    const char *text;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "sampling", "sampling/createMessage",
                      sampling_params(ctx->pool, "Say hello", 50), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    text = sampling_text(res);
    return text_result(ctx, apr_pstrcat(ctx->pool, "LLM response: ", text ? text : "", NULL));
}

/* Must never put a server-to-client request on a 2026 response stream: the
 * question travels as an input_required result. */
static json_t *t_streaming_elicitation(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "confirmation", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "Please confirm to continue", OK_SCHEMA, 0), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    return text_result(
        ctx, apr_pstrcat(ctx->pool, "Elicitation result: ", miq_fx_elicit_summary(ctx->pool, res), NULL));
}

/* Logs at info; the dispatcher drops them unless the request asked for a level. */
static json_t *t_logging_tool(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    log_text(ctx, MIQ_MCP_INFO, "test_logging_tool", "Logging tool started");
    log_text(ctx, MIQ_MCP_INFO, "test_logging_tool", "Logging tool finished");
    return text_result(ctx, "Logging tool executed");
}

/* ---- 2026 multi round-trip (MRTR, §5.4) -------------------------------------- */

static json_t *t_ir_elicitation(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    const char *name;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "user_name", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "What is your name?", NAME_SCHEMA, 0), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    if (!(name = miq_fx_elicit_field(res, "name")))
        return miq_tool_fail(ctx, "no_input",
                             apr_pstrcat(ctx->pool, "no name was provided (",
                                         miq_fx_elicit_summary(ctx->pool, res), ")", NULL));
    return text_result(ctx, apr_pstrcat(ctx->pool, "Hello, ", name, "!", NULL));
}

static json_t *t_ir_sampling(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    const char *text;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "capital_question", "sampling/createMessage",
                      sampling_params(ctx->pool, "What is the capital of France?", 100), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    text = sampling_text(res);
    return text_result(ctx, apr_pstrcat(ctx->pool, "Sampling response: ",
                                        text ? text : miq_json_dump(ctx->pool, res), NULL));
}

static json_t *t_ir_list_roots(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *res = NULL;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "client_roots", "roots/list", miq_json_pool(ctx->pool, json_object()),
                      &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    return text_result(
        ctx, apr_pstrcat(ctx->pool, "Client roots: ", roots_summary(ctx->pool, res), NULL));
}

/* The answer arrives with the signed requestState the dispatcher verified. */
static json_t *confirm_tool(miq_tool_ctx *ctx, const char *ok_text)
{
    json_t *res = NULL, *ok;
    int rc = miq_tool_ask(ctx, "confirm", "elicitation/create",
                          miq_fx_elicit_params(ctx->pool, "Please confirm", OK_SCHEMA, 0), &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, res);
    ok = json_object_get(json_object_get(res, "content"), "ok");
    return text_result(ctx, apr_psprintf(ctx->pool, "%s: action=%s, ok=%s", ok_text,
                                         miq_json_str(res, "action", "unknown"),
                                         json_is_true(ok) ? "true" : "false"));
}

static json_t *t_ir_request_state(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return confirm_tool(ctx, "state-ok");
}

static json_t *t_ir_tampered_state(miq_tool_ctx *ctx, const json_t *args)
{
    (void)args;
    return confirm_tool(ctx, "state verified");
}

/* All three questions go out in one round. */
static json_t *t_ir_multiple(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *name_r = NULL, *greet_r = NULL, *roots_r = NULL;
    int rn, rg, rr;
    const char *name, *greeting;
    (void)args;
    rn = miq_tool_ask(ctx, "user_name", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "What is your name?", NAME_SCHEMA, 0), &name_r);
    rg = miq_tool_ask(ctx, "greeting", "sampling/createMessage",
                      sampling_params(ctx->pool, "Generate a greeting", 50), &greet_r);
    rr = miq_tool_ask(ctx, "client_roots", "roots/list", miq_json_pool(ctx->pool, json_object()),
                      &roots_r);
    if (rn < 0)
        return ask_failed(ctx, name_r);
    if (rg < 0)
        return ask_failed(ctx, greet_r);
    if (rr < 0)
        return ask_failed(ctx, roots_r);
    if (!rn || !rg || !rr)
        return NULL;
    name = miq_fx_elicit_field(name_r, "name");
    greeting = sampling_text(greet_r);
    return text_result(ctx,
                       apr_psprintf(ctx->pool, "Name: %s; greeting: %s; roots: %s",
                                    name ? name : "(not given)", greeting ? greeting : "(none)",
                                    roots_summary(ctx->pool, roots_r)));
}

/* Round 2 asks a question that depends on round 1: a new requestState. */
static json_t *t_ir_multi_round(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *r1 = NULL, *r2 = NULL;
    const char *name, *color;
    int rc;
    (void)args;
    rc = miq_tool_ask(ctx, "step1", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "Step 1: What is your name?", NAME_SCHEMA, 0), &r1);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, r1);
    rc = miq_tool_ask(ctx, "step2", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "Step 2: What is your favorite color?",
                                    "{\"type\":\"object\",\"properties\":{\"color\":{\"type\":"
                                    "\"string\"}},\"required\":[\"color\"]}",
                                    0),
                      &r2);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return ask_failed(ctx, r2);
    name = miq_fx_elicit_field(r1, "name");
    color = miq_fx_elicit_field(r2, "color");
    return text_result(ctx, apr_psprintf(ctx->pool, "Hello, %s! Your favorite color is %s.",
                                         name ? name : "stranger", color ? color : "a secret"));
}

/* Asks only what the client declared it can answer. */
static json_t *t_ir_capabilities(miq_tool_ctx *ctx, const json_t *args)
{
    json_t *caps = ctx->call->client_caps;
    json_t *res[3] = {NULL, NULL, NULL};
    int rc[3] = {1, 1, 1}, asked = 0, i;
    const char *summary = "";
    (void)args;
    if (json_object_get(caps, "sampling")) {
        asked++;
        rc[0] = miq_tool_ask(ctx, "sampling_check", "sampling/createMessage",
                             sampling_params(ctx->pool, "What is the capital of France?", 100),
                             &res[0]);
    }
    if (json_object_get(caps, "elicitation")) {
        asked++;
        rc[1] =
            miq_tool_ask(ctx, "elicitation_check", "elicitation/create",
                         miq_fx_elicit_params(ctx->pool, "What is your name?", NAME_SCHEMA, 0), &res[1]);
    }
    if (json_object_get(caps, "roots")) {
        asked++;
        rc[2] = miq_tool_ask(ctx, "roots_check", "roots/list",
                             miq_json_pool(ctx->pool, json_object()), &res[2]);
    }
    if (!asked)
        return text_result(ctx, "The client declared none of sampling, elicitation or roots, "
                                "so nothing was asked.");
    for (i = 0; i < 3; i++)
        if (rc[i] < 0)
            return ask_failed(ctx, res[i]);
    for (i = 0; i < 3; i++)
        if (rc[i] == 0)
            return NULL;
    if (res[0])
        summary = apr_pstrcat(
            ctx->pool, summary,
            "sampling: ", sampling_text(res[0]) ? sampling_text(res[0]) : "(no text)", "; ", NULL);
    if (res[1])
        summary = apr_pstrcat(ctx->pool, summary,
                              "elicitation: ", miq_fx_elicit_summary(ctx->pool, res[1]), "; ", NULL);
    if (res[2])
        summary = apr_pstrcat(ctx->pool, summary, "roots: ", roots_summary(ctx->pool, res[2]), "; ",
                              NULL);
    return text_result(
        ctx, apr_pstrcat(ctx->pool, "Answers for the declared capabilities: ", summary, NULL));
}

/* ---- the tool table (order is the tools/list order) --------------------------- */

#define RO  MIQ_ANN_READONLY
#define RID (MIQ_ANN_READONLY | MIQ_ANN_IDEMPOTENT)

static const miq_tool_def tools[] = {
    {"test_simple_text", "Simple text", "Returns a simple text response for testing.", EMPTY_SCHEMA,
     NULL, RID, 0, 0, t_simple_text},
    {"test_image_content", "Image content", "Returns an image (1x1 PNG) content item for testing.",
     EMPTY_SCHEMA, NULL, RID, 0, 0, t_image},
    {"test_audio_content", "Audio content", "Returns an audio (WAV) content item for testing.",
     EMPTY_SCHEMA, NULL, RID, 0, 0, t_audio},
    {"test_embedded_resource", "Embedded resource",
     "Returns an embedded text resource for testing.", EMPTY_SCHEMA, NULL, RID, 0, 0, t_embedded},
    {"test_multiple_content_types", "Multiple content types",
     "Returns text, image and resource content items together for testing.", EMPTY_SCHEMA, NULL,
     RID, 0, 0, t_multiple},
    {"test_error_handling", "Error handling",
     "Always returns an error result (isError) for testing.", EMPTY_SCHEMA, NULL, RID, 0, 0,
     t_error},
    {"test_tool_with_progress", "Progress",
     "Sends three progress notifications (0, 50, 100 of 100) when the request has a "
     "progressToken, then returns.",
     EMPTY_SCHEMA, NULL, RID, 0, 0, t_progress},
    {"test_tool_with_logging", "Logging",
     "Sends three info log messages while it runs, then returns.", EMPTY_SCHEMA, NULL, RID, 0, 0,
     t_logging},
    {"test_sampling", "Sampling",
     "Asks the client's LLM (sampling/createMessage) to answer the prompt and returns its reply.",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\",\"description\":"
     "\"The prompt to send to the client's LLM\"}},\"required\":[\"prompt\"]}",
     NULL, RO, 0, 0, t_sampling},
    {"test_elicitation", "Elicitation",
     "Asks the user for a username and email (elicitation/create) and returns the answer.",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\",\"description\":"
     "\"The message to show the user\"}},\"required\":[\"message\"]}",
     NULL, RO, 0, 0, t_elicitation},
    {"test_elicitation_sep1034_defaults", "Elicitation with defaults (SEP-1034)",
     "Asks the user to review a form whose fields all have default values.", EMPTY_SCHEMA, NULL, RO,
     0, 0, t_sep1034},
    {"test_elicitation_sep1330_enums", "Elicitation with enums (SEP-1330)",
     "Asks the user to pick from titled, untitled, legacy and multi-select enums.", EMPTY_SCHEMA,
     NULL, RO, 0, 0, t_sep1330},
    {"json_schema_2020_12_tool", "JSON Schema 2020-12",
     "Tool with JSON Schema 2020-12 features; echoes its arguments.", json_2020_12_schema, NULL,
     RID, 0, 0, t_json_2020_12},
    {"test_missing_capability", "Missing capability",
     "Needs the client's sampling capability; a client that did not declare it gets error -32021.",
     EMPTY_SCHEMA, NULL, RO, 0, 0, t_missing_capability},
    {"test_streaming_elicitation", "Elicitation without server requests",
     "Asks the user for confirmation through an input_required result, never through a "
     "server-to-client request on the response stream.",
     EMPTY_SCHEMA, NULL, RO, 0, 0, t_streaming_elicitation},
    {"test_logging_tool", "Logging without a level",
     "Logs info messages, which are only sent when the request asked for a log level.",
     EMPTY_SCHEMA, NULL, RID, 0, 0, t_logging_tool},
    {"test_input_required_result_elicitation", "Input required: elicitation",
     "Asks the user's name (key user_name) and greets them.", EMPTY_SCHEMA, NULL, RO, 0, 0,
     t_ir_elicitation},
    {"test_input_required_result_sampling", "Input required: sampling",
     "Asks the client's LLM for the capital of France (key capital_question).", EMPTY_SCHEMA, NULL,
     RO, 0, 0, t_ir_sampling},
    {"test_input_required_result_list_roots", "Input required: roots",
     "Asks the client for its roots (key client_roots) and lists them.", EMPTY_SCHEMA, NULL, RO, 0,
     0, t_ir_list_roots},
    {"test_input_required_result_request_state", "Input required: request state",
     "Asks for confirmation (key confirm); the answer comes back with the signed requestState.",
     EMPTY_SCHEMA, NULL, RO, 0, 0, t_ir_request_state},
    {"test_input_required_result_multiple_inputs", "Input required: several inputs",
     "Asks for a name, a sampled greeting and the client's roots in one round.", EMPTY_SCHEMA, NULL,
     RO, 0, 0, t_ir_multiple},
    {"test_input_required_result_multi_round", "Input required: two rounds",
     "Asks the user's name (step1), then their favorite color (step2).", EMPTY_SCHEMA, NULL, RO, 0,
     0, t_ir_multi_round},
    {"test_input_required_result_tampered_state", "Input required: state integrity",
     "Asks for confirmation (key confirm); a tampered requestState is rejected.", EMPTY_SCHEMA,
     NULL, RO, 0, 0, t_ir_tampered_state},
    {"test_input_required_result_capabilities", "Input required: declared capabilities only",
     "Asks only for the input kinds (sampling, elicitation, roots) the client declared.",
     EMPTY_SCHEMA, NULL, RO, 0, 0, t_ir_capabilities},
};

/* ---- registration --------------------------------------------------------------- */

const char *miq_fixtures_register(miq_registry *reg)
{
    const char *err;
    size_t i;
    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if ((err = miq_registry_add_tool(reg, &tools[i])))
            return err;
    return miq_fixtures_register_documents(reg);
}
