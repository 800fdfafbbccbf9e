/* The MCP conformance fixtures' resources and prompts (the tools are in
 * miq_fixtures.c). Payloads are the reference everything-server's, byte for
 * byte: the suites compare some of them exactly. */
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "miq_fixtures.h"
#include "miq_fixtures_shared.h"
#include "miq_json.h"
#include "miq_jsonrpc.h"
#include "miq_mcp.h"
#include "miq_tool.h"

/* A client that could not answer an ask: prompts have no error results, so
 * a JSON-RPC error (missing capability kept, anything else internal). */
static json_t *prompt_ask_failed(miq_tool_ctx *ctx, const json_t *err)
{
    int code = (int)miq_json_int(err, "code", MIQ_RPC_INTERNAL_ERROR);
    const char *msg = miq_json_str(err, "message", "the client could not answer");
    if (code != MIQ_RPC_MISSING_CAPABILITY)
        code = MIQ_RPC_INTERNAL_ERROR;
    return miq_tool_rpc_error(ctx, code, msg, json_object_get(err, "data"));
}

/* ---- resources ------------------------------------------------------------------ */

typedef struct {
    const char *mime;
    const char *text;
    const char *blob;
} static_res;

static const static_res res_text = {"text/plain",
                                    "This is the content of the static text resource.", NULL};
static const static_res res_binary = {"image/png", NULL, MIQ_FIXTURE_IMAGE_BASE64};
static const static_res res_watched = {"text/plain", "Watched resource content", NULL};

static json_t *read_static(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    const static_res *s = baton;
    json_t *item = json_pack("{s:s,s:s}", "uri", uri, "mimeType", s->mime);
    if (s->blob)
        json_object_set_new(item, "blob", json_string(s->blob));
    else
        json_object_set_new(item, "text", json_string(s->text));
    return miq_json_pool(ctx->pool, json_pack("[o]", item));
}

#define TEMPLATE_URI "test://template/{id}/data"

static json_t *read_template(miq_tool_ctx *ctx, const char *uri, const void *baton)
{
    apr_table_t *vars = NULL;
    const char *id;
    json_t *data;
    (void)baton;
    if (!miq_uri_template_match(ctx->pool, TEMPLATE_URI, uri, &vars) ||
        !(id = apr_table_get(vars, "id")))
        return NULL;
    data = miq_json_packp(ctx->pool, "{s:s,s:b,s:s}", "id", id, "templateTest", 1, "data",
                          apr_pstrcat(ctx->pool, "Data for ID: ", id, NULL));
    return miq_json_pool(ctx->pool,
                         json_pack("[{s:s,s:s,s:s}]", "uri", uri, "mimeType", "application/json",
                                   "text", miq_json_dump(ctx->pool, data)));
}

static const miq_resource_def resources[] = {
    {"test://static-text", "static-text", "Static Text Resource",
     "A static text resource for testing", "text/plain", 0, read_static, &res_text},
    {"test://static-binary", "static-binary", "Static Binary Resource",
     "A static binary resource (image) for testing", "image/png", 0, read_static, &res_binary},
    {"test://watched-resource", "watched-resource", "Watched Resource",
     "A resource that auto-updates every 3 seconds", "text/plain", 0, read_static, &res_watched},
    {TEMPLATE_URI, "template", "Template Resource",
     "A resource template with parameter substitution", "application/json", 1, read_template, NULL},
};

static apr_array_header_t *complete_template(apr_pool_t *p, const char *arg_name, const char *value,
                                             const json_t *context_args, const void *baton)
{
    apr_array_header_t *a = apr_array_make(p, 3, sizeof(const char *));
    (void)value;
    (void)context_args;
    (void)baton;
    if (!strcmp(arg_name, "id")) {
        APR_ARRAY_PUSH(a, const char *) = "123";
        APR_ARRAY_PUSH(a, const char *) = "456";
        APR_ARRAY_PUSH(a, const char *) = "789";
    }
    return a;
}

/* ---- prompts -------------------------------------------------------------------- */

static json_t *p_simple(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    (void)args;
    (void)baton;
    return miq_json_packp(ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:s}}]}", "description",
                          "A simple prompt without arguments", "messages", "role", "user",
                          "content", "type", "text", "text",
                          "This is a simple prompt for testing.");
}

static json_t *p_arguments(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    (void)baton;
    return miq_json_packp(
        ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:s}}]}", "description", "A prompt with required arguments",
        "messages", "role", "user", "content", "type", "text", "text",
        apr_psprintf(ctx->pool, "Prompt with arguments: arg1='%s', arg2='%s'",
                     miq_json_str(args, "arg1", ""), miq_json_str(args, "arg2", "")));
}

static apr_array_header_t *complete_arguments(apr_pool_t *p, const char *arg_name,
                                              const char *value, const json_t *context_args,
                                              const void *baton)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    int second = !strcmp(arg_name, "arg2");
    (void)value;
    (void)context_args;
    (void)baton;
    if (!second && strcmp(arg_name, "arg1"))
        return a;
    APR_ARRAY_PUSH(a, const char *) = second ? "testValue2" : "testValue1";
    APR_ARRAY_PUSH(a, const char *) = second ? "testGamma" : "testAlpha";
    APR_ARRAY_PUSH(a, const char *) = second ? "testDelta" : "testBeta";
    APR_ARRAY_PUSH(a, const char *) = second ? "example2" : "example1";
    return a;
}

static json_t *p_embedded(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    (void)baton;
    return miq_json_packp(ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:{s:s,s:s,s:s}}},{s:s,s:{s:s,s:s}}]}",
                          "description", "A prompt that includes an embedded resource", "messages",
                          "role", "user", "content", "type", "resource", "resource", "uri",
                          miq_json_str(args, "resourceUri", ""), "mimeType", "text/plain", "text",
                          "Embedded resource content for testing.", "role", "user", "content",
                          "type", "text", "text", "Please process the embedded resource above.");
}

static json_t *p_image(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    (void)args;
    (void)baton;
    return miq_json_packp(ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:s,s:s}},{s:s,s:{s:s,s:s}}]}",
                          "description", "A prompt that includes image content", "messages", "role",
                          "user", "content", "type", "image", "data", MIQ_FIXTURE_IMAGE_BASE64,
                          "mimeType", "image/png", "role", "user", "content", "type", "text",
                          "text", "Please analyze the image above.");
}

/* MRTR on prompts/get: the context comes from the user (key user_context). */
static json_t *p_input_required(miq_tool_ctx *ctx, const json_t *args, const void *baton)
{
    json_t *res = NULL;
    const char *context;
    int rc;
    (void)args;
    (void)baton;
    rc = miq_tool_ask(ctx, "user_context", "elicitation/create",
                      miq_fx_elicit_params(ctx->pool, "What context should the prompt use?",
                                    "{\"type\":\"object\",\"properties\":{\"context\":{\"type\":"
                                    "\"string\"}},\"required\":[\"context\"]}",
                                    0),
                      &res);
    if (rc == 0)
        return NULL;
    if (rc < 0)
        return prompt_ask_failed(ctx, res);
    context = miq_fx_elicit_field(res, "context");
    return miq_json_packp(
        ctx->pool, "{s:s,s:[{s:s,s:{s:s,s:s}}]}", "description",
        "A prompt built from context the user provided", "messages", "role", "user", "content",
        "type", "text", "text",
        context ? apr_psprintf(ctx->pool, "Use this context for the task: %s", context)
                : apr_psprintf(ctx->pool, "The user gave no context (%s); proceed without it.",
                               miq_fx_elicit_summary(ctx->pool, res)));
}

static const miq_prompt_arg args_arguments[] = {
    {"arg1", "First test argument", 1},
    {"arg2", "Second test argument", 1},
    {NULL, NULL, 0},
};
static const miq_prompt_arg args_embedded[] = {
    {"resourceUri", "URI of the resource to embed", 1},
    {NULL, NULL, 0},
};

static const miq_prompt_def prompts[] = {
    {"test_simple_prompt", "Simple prompt", "A simple prompt without arguments", NULL, p_simple,
     NULL, NULL},
    {"test_prompt_with_arguments", "Prompt with arguments", "A prompt with required arguments",
     args_arguments, p_arguments, complete_arguments, NULL},
    {"test_prompt_with_embedded_resource", "Prompt with embedded resource",
     "A prompt that includes an embedded resource", args_embedded, p_embedded, NULL, NULL},
    {"test_prompt_with_image", "Prompt with image", "A prompt that includes image content", NULL,
     p_image, NULL, NULL},
    {"test_input_required_result_prompt", "Prompt with input required",
     "A prompt that asks the user for context (elicitation, key user_context) before it is built",
     NULL, p_input_required, NULL, NULL},
};

const char *miq_fixtures_register_documents(miq_registry *reg)
{
    const char *err;
    size_t i;
    for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
        if ((err = miq_registry_add_resource(reg, &resources[i])))
            return err;
    if ((err = miq_registry_add_template_completion(reg, TEMPLATE_URI, complete_template, NULL)))
        return err;
    for (i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++)
        if ((err = miq_registry_add_prompt(reg, &prompts[i])))
            return err;
    return NULL;
}
