#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_log.h"
#include "base/miq_crypto.h"
#include "mcp/miq_schema.h"
#include "mcp/miq_mcp.h"
#include "mcp/miq_tasks.h"

const char *const miq_mcp_versions[] = {MIQ_PROTO_2026, "2025-11-25", "2025-06-18", "2025-03-26",
                                        NULL};

int miq_mcp_version_supported(const char *v)
{
    int i;
    for (i = 0; v && miq_mcp_versions[i]; i++)
        if (!strcmp(v, miq_mcp_versions[i]))
            return 1;
    return 0;
}

miq_era_e miq_mcp_version_era(const char *v)
{
    if (!miq_mcp_version_supported(v))
        return MIQ_ERA_NONE;
    return strcmp(v, MIQ_PROTO_2026) ? MIQ_ERA_2025 : MIQ_ERA_2026;
}

json_t *miq_mcp_versions_json(apr_pool_t *p)
{
    json_t *a = json_array();
    int i;
    for (i = 0; miq_mcp_versions[i]; i++)
        json_array_append_new(a, json_string(miq_mcp_versions[i]));
    return miq_json_pool(p, a);
}

static const char *const level_names[] = {"debug", "info",     "notice", "warning",
                                          "error", "critical", "alert",  "emergency"};

const char *miq_mcp_level_name(miq_mcp_level_e l)
{
    return (unsigned)l < 8 ? level_names[l] : "info";
}

int miq_mcp_level_parse(const char *name)
{
    int i;
    for (i = 0; name && i < 8; i++)
        if (!strcmp(name, level_names[i]))
            return i;
    return -1;
}

/* ---- talking to the client while a request runs ------------------------ */

static void emit(miq_mcp_call *c, json_t *msg)
{
    if (c->io && c->io->emit)
        c->io->emit(c->io->baton, miq_json_dump(c->pool, msg));
    miq_json_pool(c->pool, msg);
}

void miq_tool_progress(miq_tool_ctx *ctx, double progress, double total, const char *message)
{
    miq_mcp_call *c = ctx->call;
    json_t *params;
    if (!c->progress_token)
        return;
    params = json_pack("{s:O,s:f}", "progressToken", c->progress_token, "progress", progress);
    if (total > 0)
        json_object_set_new(params, "total", json_real(total));
    if (message)
        json_object_set_new(params, "message", json_string(message));
    emit(c, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", "notifications/progress",
                      "params", params));
}

void miq_tool_log(miq_tool_ctx *ctx, miq_mcp_level_e level, const char *logger, json_t *data)
{
    miq_mcp_call *c = ctx->call;
    json_t *params;
    if ((int)level < c->log_level)
        return;
    params = json_pack("{s:s,s:O}", "level", miq_mcp_level_name(level), "data",
                       data ? data : json_null());
    if (logger)
        json_object_set_new(params, "logger", json_string(logger));
    emit(c, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", "notifications/message",
                      "params", params));
}

static const char *capability_for(const char *method)
{
    if (!strcmp(method, "elicitation/create"))
        return "elicitation";
    if (!strcmp(method, "sampling/createMessage"))
        return "sampling";
    if (!strcmp(method, "roots/list"))
        return "roots";
    return NULL;
}

int miq_tool_ask(miq_tool_ctx *ctx, const char *key, const char *method, json_t *params,
                 json_t **result)
{
    miq_mcp_call *c = ctx->call;
    const char *cap = capability_for(method);
    *result = NULL;
    if (cap && !json_object_get(c->client_caps, cap)) {
        *result = miq_json_packp(ctx->pool, "{s:i,s:s,s:{s:{s:{}}}}", "code",
                                 MIQ_RPC_MISSING_CAPABILITY, "message",
                                 apr_psprintf(ctx->pool,
                                              "this request needs the client "
                                              "capability '%s'",
                                              cap),
                                 "data", "requiredCapabilities", cap);
        return -1;
    }
    if (c->era == MIQ_ERA_2026) {
        json_t *ans = json_object_get(c->input_responses, key);
        if (json_is_object(ans)) { /* anything else is asked again */
            if (!c->answered)
                c->answered = miq_json_pool(c->pool, json_object());
            json_object_set_new(c->answered, key, json_true());
            *result = ans;
            return 1;
        }
        if (!c->pending_requests)
            c->pending_requests = miq_json_pool(c->pool, json_object());
        json_object_set_new(c->pending_requests, key,
                            json_pack("{s:s,s:O}", "method", method, "params",
                                      params ? params : json_object()));
        return 0;
    }
    /* 2025: a server-to-client request on the SSE stream; the answer comes
     * back on another POST and reaches us through the glue's await. */
    if (!c->io || !c->io->emit || !c->io->await) {
        *result = miq_json_packp(ctx->pool, "{s:i,s:s}", "code", MIQ_RPC_INTERNAL_ERROR, "message",
                                 "this transport cannot ask the client");
        return -1;
    }
    {
        const char *rid = apr_psprintf(ctx->pool, "miq-%d-%s", ++c->asked,
                                       miq_random_hex(ctx->pool, 8));
        json_t *resp = NULL, *err;
        int rc;
        emit(c, json_pack("{s:s,s:s,s:s,s:O}", "jsonrpc", "2.0", "id", rid, "method", method,
                          "params", params ? params : json_object()));
        rc = c->io->await(c->io->baton, rid, c->srv->ask_timeout_ms, ctx->pool, &resp);
        if (rc <= 0) {
            *result = miq_json_packp(ctx->pool, "{s:i,s:s}", "code", MIQ_RPC_INTERNAL_ERROR,
                                     "message",
                                     rc == 0 ? "the client did not answer in time"
                                             : "could not wait for the client's answer");
            return -1;
        }
        if ((err = json_object_get(resp, "error"))) {
            *result = err;
            return -1;
        }
        *result = json_object_get(resp, "result");
        if (!*result)
            *result = miq_json_pool(ctx->pool, json_object());
        return 1;
    }
}

/* ---- capabilities and identity ----------------------------------------- */

json_t *miq_mcp_server_info(apr_pool_t *p, const miq_server *srv)
{
    json_t *info = json_pack("{s:s,s:s,s:s}", "name", srv->name, "title", srv->title, "version",
                             srv->version);
    json_object_set_new(info, "websiteUrl", json_string(srv->base_url));
    return miq_json_pool(p, info);
}

json_t *miq_mcp_capabilities(apr_pool_t *p, const miq_server *srv, miq_era_e era)
{
    (void)srv;
    /* 2026 has no resources/subscribe; lists never change while serving. */
    if (era == MIQ_ERA_2026)
        return miq_json_packp(p, "{s:{},s:{},s:{},s:{},s:{},s:{s:{}}}", "tools", "resources",
                              "prompts", "completions", "logging", "extensions",
                              MIQ_TASKS_EXTENSION);
    return miq_json_packp(p, "{s:{s:b},s:{s:b,s:b},s:{s:b},s:{},s:{}}", "tools", "listChanged", 0,
                          "resources", "subscribe", 1, "listChanged", 0, "prompts", "listChanged",
                          0, "completions", "logging");
}

/* ---- 2026 per-request metadata ------------------------------------------ */

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS    "io.modelcontextprotocol/clientCapabilities"
#define META_INFO    "io.modelcontextprotocol/clientInfo"
#define META_LOGLVL  "io.modelcontextprotocol/logLevel"

const char *miq_mcp_read_meta(miq_mcp_call *c, const char *header_version, int *code, json_t **data)
{
    json_t *meta = json_object_get(c->msg->params, "_meta");
    const char *v = miq_json_str(meta, META_VERSION, NULL);
    json_t *caps = json_object_get(meta, META_CAPS), *info = json_object_get(meta, META_INFO);
    *code = MIQ_RPC_INVALID_PARAMS;
    *data = NULL;
    c->era = MIQ_ERA_2026;
    c->log_level = MIQ_MCP_OFF; /* no log messages unless _meta asks for them */
    if (!json_is_object(meta))
        return "params._meta is required in protocol 2026-07-28";
    if (!v)
        return "params._meta[\"" META_VERSION "\"] is required";
    if (!json_is_object(caps))
        return "params._meta[\"" META_CAPS "\"] is required (an object)";
    if (info && !json_is_object(info))
        return "params._meta[\"" META_INFO "\"] must be an object";
    if (header_version && strcmp(header_version, v)) {
        *code = MIQ_RPC_HEADER_MISMATCH;
        return "the MCP-Protocol-Version header does not match params._meta";
    }
    if (miq_mcp_version_era(v) != MIQ_ERA_2026) {
        *code = MIQ_RPC_UNSUPPORTED_VERSION;
        *data = miq_json_packp(c->pool, "{s:O,s:s}", "supported", miq_mcp_versions_json(c->pool),
                               "requested", v);
        return "Unsupported protocol version";
    }
    c->protocol_version = v;
    c->client_caps = caps;
    c->client_name = miq_json_str(info, "name", NULL);
    c->client_version = miq_json_str(info, "version", NULL);
    if (miq_json_str(meta, META_LOGLVL, NULL)) {
        int l = miq_mcp_level_parse(miq_json_str(meta, META_LOGLVL, NULL));
        if (l < 0)
            return "params._meta[\"" META_LOGLVL "\"] is not a log level";
        c->log_level = l;
    }
    *code = 0;
    return NULL;
}

const char *miq_mcp_name_for(apr_pool_t *p, const miq_rpc_msg *msg)
{
    const char *m = msg->method;
    (void)p;
    if (!m)
        return NULL;
    if (!strcmp(m, "tools/call") || !strcmp(m, "prompts/get"))
        return miq_json_str(msg->params, "name", "");
    if (!strcmp(m, "resources/read"))
        return miq_json_str(msg->params, "uri", "");
    if (!strcmp(m, "tasks/get") || !strcmp(m, "tasks/update") || !strcmp(m, "tasks/cancel"))
        return miq_json_str(msg->params, "taskId", "");
    return NULL;
}

/* ---- method handlers ----------------------------------------------------- */

typedef struct {
    json_t *result;   /* pool-bound */
    const char *text; /* or: the serialized result, served as is */
    int code;         /* JSON-RPC error when nonzero */
    const char *message;
    json_t *data;
} outcome_t;

static void fail(outcome_t *o, int code, const char *message)
{
    o->code = code;
    o->message = message;
}

static void do_initialize(miq_mcp_call *c, outcome_t *o)
{
    const char *req = miq_json_str(c->msg->params, "protocolVersion", NULL);
    json_t *info = json_object_get(c->msg->params, "clientInfo");
    json_t *r;
    if (!req) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "initialize needs params.protocolVersion");
        return;
    }
    /* Negotiation: echo a 2025 revision we speak, else offer our latest 2025 one. */
    c->init_version = miq_mcp_version_era(req) == MIQ_ERA_2025 ? req : MIQ_PROTO_LATEST_2025;
    c->protocol_version = c->init_version;
    c->client_name = miq_json_str(info, "name", NULL);
    c->client_version = miq_json_str(info, "version", NULL);
    c->client_caps = json_object_get(c->msg->params, "capabilities");
    r = json_pack("{s:s,s:O,s:O}", "protocolVersion", c->init_version, "capabilities",
                  miq_mcp_capabilities(c->pool, c->srv, MIQ_ERA_2025), "serverInfo",
                  miq_mcp_server_info(c->pool, c->srv));
    if (c->srv->instructions)
        json_object_set_new(r, "instructions", json_string(c->srv->instructions));
    o->result = miq_json_pool(c->pool, r);
}

static void do_discover(miq_mcp_call *c, outcome_t *o)
{
    json_t *r = json_pack("{s:s,s:O,s:O,s:i,s:s}", "resultType", "complete", "supportedVersions",
                          miq_mcp_versions_json(c->pool), "capabilities",
                          miq_mcp_capabilities(c->pool, c->srv, MIQ_ERA_2026), "ttlMs", 300000,
                          "cacheScope", "public");
    json_object_set_new(r, "_meta",
                        json_pack("{s:O}", "io.modelcontextprotocol/serverInfo",
                                  miq_mcp_server_info(c->pool, c->srv)));
    if (c->srv->instructions)
        json_object_set_new(r, "instructions", json_string(c->srv->instructions));
    o->result = miq_json_pool(c->pool, r);
}

static int authenticated(const miq_mcp_call *c)
{
    return c->caller && c->caller->account_id;
}

static void auth_required_result(miq_mcp_call *c, miq_tool_ctx *ctx, outcome_t *o)
{
    json_t *r = miq_tool_fail(ctx, "authentication_required",
                              "this tool needs a MomentIQ API key or connector token: connect "
                              "with OAuth or send Authorization: Bearer <token>");
    const char *challenge = apr_psprintf(
        c->pool, "Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource/mcp\"",
        c->srv->base_url);
    json_object_set_new(r, "_meta", json_pack("{s:[s]}", "mcp/www_authenticate", challenge));
    o->result = r;
    c->outcome = "tool_error";
    c->error_code = "authentication_required";
}

/* 2026 multi round-trip: answers come back in inputResponses, with the
 * signed requestState of the previous round (which carries earlier answers). */
static int mrtr_begin(miq_mcp_call *c, outcome_t *o, const char *kind, const char *name)
{
    const char *st, *serr = NULL;
    json_t *ir, *answers, *state;
    if (c->era != MIQ_ERA_2026)
        return 1;
    st = miq_json_str(c->msg->params, "requestState", NULL);
    ir = json_object_get(c->msg->params, "inputResponses");
    answers = miq_json_pool(c->pool, json_object());
    if (json_object_get(c->msg->params, "requestState") && !st) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "params.requestState must be a string");
        return 0;
    }
    if (st) {
        state = miq_reqstate_verify(c->pool, c->srv->keys.request_state,
                                    sizeof(c->srv->keys.request_state), st, c->now, &serr);
        if (!state) {
            fail(o, MIQ_RPC_INVALID_PARAMS, serr);
            return 0;
        }
        if (strcmp(miq_json_str(state, "kind", ""), kind) ||
            strcmp(miq_json_str(state, "name", ""), name)) {
            fail(o, MIQ_RPC_INVALID_PARAMS, "requestState belongs to another request");
            return 0;
        }
        json_object_update(answers, json_object_get(state, "answers"));
    }
    if (json_is_object(ir))
        json_object_update(answers, ir);
    else if (ir) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "params.inputResponses must be an object");
        return 0;
    }
    c->input_responses = answers;
    return 1;
}

/* Turns open questions into an input_required result. */
static int mrtr_pending(miq_mcp_call *c, outcome_t *o, const char *kind, const char *name)
{
    json_t *state, *kept = NULL;
    const char *key, *token;
    json_t *v;
    if (c->era != MIQ_ERA_2026 || !c->pending_requests)
        return 0;
    /* Only answers to questions asked so far travel on. */
    kept = json_object();
    json_object_foreach(c->input_responses, key, v)
    {
        if (json_is_object(v) && json_object_get(c->answered, key))
            json_object_set(kept, key, v);
    }
    state = miq_json_packp(c->pool, "{s:s,s:s,s:o,s:s}", "kind", kind, "name", name, "answers",
                           kept, "nonce", miq_random_hex(c->pool, 8));
    token = miq_reqstate_sign(c->pool, c->srv->keys.request_state,
                              sizeof(c->srv->keys.request_state), state, c->now, 600);
    o->result = miq_json_packp(c->pool, "{s:s,s:O,s:s}", "resultType", "input_required",
                               "inputRequests", c->pending_requests, "requestState", token);
    c->outcome = "input_required";
    return 1;
}

static void do_tools_call(miq_mcp_call *c, outcome_t *o)
{
    const char *name = miq_json_str(c->msg->params, "name", NULL);
    json_t *args = json_object_get(c->msg->params, "arguments");
    const miq_tool_entry *e;
    miq_tool_ctx *ctx;
    const char *verr;
    json_t *r;

    if (!name) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "tools/call needs params.name");
        return;
    }
    c->tool = name;
    e = miq_registry_tool(c->srv->registry, name);
    if (!e) {
        fail(o, MIQ_RPC_INVALID_PARAMS, apr_psprintf(c->pool, "Unknown tool: %s", name));
        return;
    }
    ctx = miq_mcp_tool_ctx(c);
    if ((e->def->scopes || e->def->needs_auth) && !authenticated(c)) {
        auth_required_result(c, ctx, o);
        return;
    }
    if (!miq_tool_visible(e->def, authenticated(c), c->caller->scopes)) {
        o->result = miq_tool_fail(
            ctx, "connector_scope_denied",
            apr_psprintf(c->pool, "this token's scopes (%s) do not allow %s; it needs one of: %s",
                         miq_scope_format(c->pool, c->caller->scopes), name,
                         miq_scope_format(c->pool, e->def->scopes)));
        c->outcome = "tool_error";
        c->error_code = "connector_scope_denied";
        miq_tool_event(ctx, "connector_scope_denied", name, NULL);
        return;
    }
    if (args && json_is_null(args))
        args = NULL;
    if (args && !json_is_object(args)) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "params.arguments must be an object");
        return;
    }
    if (!args)
        args = miq_json_pool(c->pool, json_object());
    if ((verr = miq_schema_validate(c->pool, e->input_schema, args))) {
        o->result = miq_tool_fail(ctx, "invalid_request", verr);
        c->outcome = "tool_error";
        c->error_code = "invalid_request";
        return;
    }
    args = miq_schema_with_defaults(c->pool, e->input_schema, args);
    if (e->task && e->task->support == MIQ_TASK_REQUIRED && !miq_tasks_declared(c)) {
        fail(o, MIQ_RPC_MISSING_CAPABILITY,
             apr_psprintf(c->pool, "%s runs as a task: declare the extension %s", name,
                          MIQ_TASKS_EXTENSION));
        o->data = miq_tasks_required_data(c->pool);
        return;
    }

    if (!mrtr_begin(c, o, "tool", name))
        return;
    if (e->task && miq_tasks_declared(c))
        r = miq_tasks_start(c, ctx, e, args);
    else
        r = e->def->call(ctx, args);
    if (c->rpc_error) {
        o->code = (int)miq_json_int(c->rpc_error, "code", MIQ_RPC_INTERNAL_ERROR);
        o->message = miq_json_str(c->rpc_error, "message", "error");
        o->data = json_object_get(c->rpc_error, "data");
        return;
    }
    if (!r && mrtr_pending(c, o, "tool", name))
        return;
    if (!r) {
        fail(o, MIQ_RPC_INTERNAL_ERROR, apr_psprintf(c->pool, "tool %s produced no result", name));
        return;
    }
    if (json_is_true(json_object_get(r, "isError"))) {
        json_t *err = json_object_get(json_object_get(r, "structuredContent"), "error");
        c->outcome = "tool_error";
        c->error_code = miq_json_str(err, "code", "tool_error");
    }
    o->result = r;
}

static void do_resources_read(miq_mcp_call *c, outcome_t *o)
{
    const char *uri = miq_json_str(c->msg->params, "uri", NULL);
    const miq_resource_def *d;
    json_t *contents;
    if (!uri) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "resources/read needs params.uri");
        return;
    }
    d = miq_registry_resource_for(c->srv->registry, uri);
    contents = d ? d->read(miq_mcp_tool_ctx(c), uri, d->baton) : NULL;
    if (!contents) {
        /* 2026 (SEP-2164) says -32602; the 2025 revisions used -32002. */
        o->code = c->era == MIQ_ERA_2026 ? MIQ_RPC_INVALID_PARAMS : MIQ_RPC_RESOURCE_NOT_FOUND;
        o->message = "Resource not found";
        o->data = miq_json_packp(c->pool, "{s:s}", "uri", uri);
        return;
    }
    o->result = miq_json_packp(c->pool, "{s:O}", "contents", contents);
    if (c->era == MIQ_ERA_2026) {
        json_object_set_new(o->result, "ttlMs", json_integer(60000));
        json_object_set_new(o->result, "cacheScope", json_string("public"));
    }
}

static void do_prompts_get(miq_mcp_call *c, outcome_t *o)
{
    const char *name = miq_json_str(c->msg->params, "name", NULL);
    json_t *args = json_object_get(c->msg->params, "arguments");
    const miq_prompt_def *d = miq_registry_prompt(c->srv->registry, name);
    const miq_prompt_arg *a;
    json_t *r;
    if (!d) {
        fail(o, MIQ_RPC_INVALID_PARAMS,
             apr_psprintf(c->pool, "Unknown prompt: %s", name ? name : "(none)"));
        return;
    }
    if (args && !json_is_object(args)) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "params.arguments must be an object of strings");
        return;
    }
    for (a = d->args; a && a->name; a++) {
        json_t *v = json_object_get(args, a->name);
        if (a->required && !json_is_string(v)) {
            fail(o, MIQ_RPC_INVALID_PARAMS,
                 apr_psprintf(c->pool, "prompt %s needs argument '%s'", d->name, a->name));
            return;
        }
    }
    if (!mrtr_begin(c, o, "prompt", name))
        return;
    r = d->get(miq_mcp_tool_ctx(c), args ? args : miq_json_pool(c->pool, json_object()), d->baton);
    if (c->rpc_error) {
        o->code = (int)miq_json_int(c->rpc_error, "code", MIQ_RPC_INTERNAL_ERROR);
        o->message = miq_json_str(c->rpc_error, "message", "error");
        o->data = json_object_get(c->rpc_error, "data");
        return;
    }
    if (!r && mrtr_pending(c, o, "prompt", name))
        return;
    if (!r) {
        fail(o, MIQ_RPC_INVALID_PARAMS,
             apr_psprintf(c->pool,
                          "prompt %s could not be built "
                          "from these arguments",
                          d->name));
        return;
    }
    o->result = r;
}

static void do_complete(miq_mcp_call *c, outcome_t *o)
{
    json_t *ref = json_object_get(c->msg->params, "ref");
    json_t *arg = json_object_get(c->msg->params, "argument");
    json_t *ctxargs = json_object_get(json_object_get(c->msg->params, "context"), "arguments");
    const char *type = miq_json_str(ref, "type", "");
    const char *aname = miq_json_str(arg, "name", NULL);
    const char *value = miq_json_str(arg, "value", "");
    miq_complete_fn *fn = NULL;
    const void *baton = NULL;
    apr_array_header_t *cands = NULL;
    json_t *values = miq_json_pool(c->pool, json_array());
    int i, total = 0, more = 0;

    if (!aname) {
        fail(o, MIQ_RPC_INVALID_PARAMS, "completion/complete needs params.argument.name");
        return;
    }
    if (!strcmp(type, "ref/prompt")) {
        const miq_prompt_def *d = miq_registry_prompt(c->srv->registry,
                                                      miq_json_str(ref, "name", NULL));
        if (!d) {
            fail(o, MIQ_RPC_INVALID_PARAMS, "unknown prompt in completion ref");
            return;
        }
        fn = d->complete;
        baton = d->baton;
    }
    else if (!strcmp(type, "ref/resource")) {
        fn = miq_registry_template_completion(c->srv->registry, miq_json_str(ref, "uri", ""),
                                              &baton);
    }
    else {
        fail(o, MIQ_RPC_INVALID_PARAMS, "params.ref.type must be ref/prompt or ref/resource");
        return;
    }
    if (fn)
        cands = fn(c->pool, aname, value, ctxargs, baton);
    for (i = 0; cands && i < cands->nelts; i++) {
        const char *s = APR_ARRAY_IDX(cands, i, const char *);
        if (strncmp(s, value, strlen(value)))
            continue;
        total++;
        if (json_array_size(values) < 100)
            json_array_append_new(values, json_string(s));
        else
            more = 1;
    }
    o->result = miq_json_packp(c->pool, "{s:{s:O,s:i,s:b}}", "completion", "values", values,
                               "total", total, "hasMore", more);
}

static void do_tasks(miq_mcp_call *c, outcome_t *o, const char *m)
{
    if (!miq_tasks_declared(c)) {
        fail(o, MIQ_RPC_MISSING_CAPABILITY,
             apr_psprintf(c->pool, "%s needs the extension %s", m, MIQ_TASKS_EXTENSION));
        o->data = miq_tasks_required_data(c->pool);
        return;
    }
    o->result = miq_tasks_method(c, m);
    if (!o->result) {
        o->code = (int)miq_json_int(c->rpc_error, "code", MIQ_RPC_INTERNAL_ERROR);
        o->message = miq_json_str(c->rpc_error, "message", "error");
    }
}

static void do_set_level(miq_mcp_call *c, outcome_t *o)
{
    int l = miq_mcp_level_parse(miq_json_str(c->msg->params, "level", NULL));
    if (l < 0) {
        fail(o, MIQ_RPC_INVALID_PARAMS,
             "params.level must be one of debug, info, notice, warning, error, critical, alert, "
             "emergency");
        return;
    }
    c->log_level = l;
    if (c->io && c->io->set_log_level && c->io->set_log_level(c->io->baton, l)) {
        fail(o, MIQ_RPC_INTERNAL_ERROR, "could not store the logging level");
        return;
    }
    o->result = miq_json_pool(c->pool, json_object());
}

/* Serialized list results are served from the registry's cache. */
static void list_result(miq_mcp_call *c, outcome_t *o, const char *key, const char *cached)
{
    if (c->era == MIQ_ERA_2026) {
        const char *scope = (!strcmp(key, "tools") && authenticated(c)) ? "private" : "public";
        o->text = apr_pstrcat(c->pool, "{\"", key, "\":", cached,
                              ",\"resultType\":\"complete\",\"ttlMs\":300000,\"cacheScope\":\"",
                              scope, "\"}", NULL);
    }
    else
        o->text = apr_pstrcat(c->pool, "{\"", key, "\":", cached, "}", NULL);
}

static int removed_in_2026(const char *m)
{
    return !strcmp(m, "initialize") || !strcmp(m, "ping") || !strcmp(m, "logging/setLevel") ||
           !strcmp(m, "resources/subscribe") || !strcmp(m, "resources/unsubscribe");
}

static void not_found(miq_mcp_call *c, outcome_t *o, const char *m)
{
    fail(o, MIQ_RPC_METHOD_NOT_FOUND, apr_psprintf(c->pool, "Method not found: %s", m));
    if (c->era == MIQ_ERA_2026)
        c->http_status = 404;
}

static void route(miq_mcp_call *c, outcome_t *o)
{
    const char *m = c->msg->method;
    const miq_registry *reg = c->srv->registry;
    if (c->era == MIQ_ERA_2026 && removed_in_2026(m))
        not_found(c, o, m);
    else if (!strcmp(m, "ping"))
        o->result = miq_json_pool(c->pool, json_object());
    else if (!strcmp(m, "initialize") && c->era == MIQ_ERA_2025)
        do_initialize(c, o);
    else if (!strcmp(m, "server/discover") && c->era == MIQ_ERA_2026)
        do_discover(c, o);
    else if (!strcmp(m, "tools/list"))
        list_result(c, o, "tools",
                    miq_registry_tools_json(reg, authenticated(c),
                                            c->caller ? c->caller->scopes : 0));
    else if (!strcmp(m, "tools/call"))
        do_tools_call(c, o);
    else if (!strcmp(m, "resources/list"))
        list_result(c, o, "resources", miq_registry_resources_json(reg));
    else if (!strcmp(m, "resources/templates/list"))
        list_result(c, o, "resourceTemplates", miq_registry_templates_json(reg));
    else if (!strcmp(m, "resources/read"))
        do_resources_read(c, o);
    else if (!strcmp(m, "resources/subscribe") || !strcmp(m, "resources/unsubscribe")) {
        if (!miq_json_str(c->msg->params, "uri", NULL))
            fail(o, MIQ_RPC_INVALID_PARAMS, "params.uri is required");
        else
            o->result = miq_json_pool(c->pool, json_object());
    }
    else if (!strcmp(m, "prompts/list"))
        list_result(c, o, "prompts", miq_registry_prompts_json(reg));
    else if (!strcmp(m, "prompts/get"))
        do_prompts_get(c, o);
    else if (!strcmp(m, "completion/complete"))
        do_complete(c, o);
    else if (c->era == MIQ_ERA_2026 &&
             (!strcmp(m, "tasks/get") || !strcmp(m, "tasks/update") || !strcmp(m, "tasks/cancel")))
        do_tasks(c, o, m);
    else if (!strcmp(m, "logging/setLevel") && c->era == MIQ_ERA_2025)
        do_set_level(c, o);
    else
        not_found(c, o, m);
}

const char *miq_mcp_dispatch(miq_mcp_call *c)
{
    outcome_t o;
    json_t *meta;
    memset(&o, 0, sizeof(o));
    c->http_status = 200;
    c->outcome = "ok";
    if (!c->now)
        c->now = apr_time_now();
    meta = json_object_get(c->msg->params, "_meta");
    c->progress_token = json_object_get(meta, "progressToken");
    route(c, &o);
    if (o.code) {
        c->outcome = "rpc_error";
        c->error_code = apr_itoa(c->pool, o.code);
        return miq_json_dump(c->pool, miq_rpc_error(c->pool, c->msg->id, o.code, o.message,
                                                    o.data ? json_incref(o.data) : NULL));
    }
    if (o.text) /* cached list: spliced in, never re-serialized */
        return apr_pstrcat(c->pool,
                           "{\"jsonrpc\":\"2.0\",\"id\":", miq_rpc_id_text(c->pool, c->msg->id),
                           ",\"result\":", o.text, "}", NULL);
    if (c->era == MIQ_ERA_2026 && !json_object_get(o.result, "resultType"))
        json_object_set_new(o.result, "resultType", json_string("complete"));
    return miq_json_dump(c->pool, miq_rpc_result(c->pool, c->msg->id, json_incref(o.result)));
}

int miq_mcp_session_id_ok(const char *s)
{
    int i;
    if (!s)
        return 0;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == 0;
}
