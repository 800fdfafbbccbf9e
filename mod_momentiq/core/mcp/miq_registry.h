/* The MCP registry: tools, resources, resource templates and prompts, with
 * the handlers that serve them. Product features and the conformance fixtures
 * register through the same calls and are served by the same dispatch code.
 * A registry is built once per server at startup and is read-only afterwards;
 * everything that can be serialized once (tools/list pages) is cached here. */
#ifndef MIQ_REGISTRY_H
#define MIQ_REGISTRY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <jansson.h>
#include "base/miq_scope.h"

typedef struct miq_tool_ctx miq_tool_ctx;
typedef struct miq_registry miq_registry;

/* A tool handler. args were validated against the input schema already.
 * Returns a CallToolResult object (pool-bound; build it with miq_tool_ok /
 * miq_tool_fail), or NULL when it asked the client for input that is not there
 * yet (see miq_tool_ask) or hit a protocol error set via miq_tool_rpc_error. */
typedef json_t *miq_tool_fn(miq_tool_ctx *ctx, const json_t *args);

/* Annotation flags: the MCP tool annotations hints. */
#define MIQ_ANN_READONLY    0x01
#define MIQ_ANN_DESTRUCTIVE 0x02
#define MIQ_ANN_IDEMPOTENT  0x04
#define MIQ_ANN_OPENWORLD   0x08

typedef struct miq_tool_def {
    const char *name; /* [A-Za-z0-9_.-]{1,128} */
    const char *title;
    const char *description;
    const char *input_schema;  /* JSON Schema text (object) */
    const char *output_schema; /* JSON Schema text or NULL */
    unsigned annotations;      /* MIQ_ANN_* */
    unsigned scopes; /* 0 = public (noauth); else MIQ_SCOPE_* bits any of which allows it */
    int needs_auth;  /* authenticated even when scopes == 0 (e.g. get_account) */
    miq_tool_fn *call;
} miq_tool_def;

/* Tasks extension (io.modelcontextprotocol/tasks). support: whether a client
 * that declared the extension gets a durable task instead of the result
 * (MIQ_TASK_*). Without the extension an optional tool runs call; a required
 * one fails with -32021. With it: begin (optional) runs in the tools/call
 * request (it may ask through input_required first) and returns the task's
 * state object, or an isError result that is returned as is; the task is then
 * stored, and step (the tool's call when NULL) runs each time the task is
 * read while it is working, with the state in ctx->task: it returns the
 * result, asks (input_required), fails (miq_tool_rpc_error: status failed) or
 * says it is not done (miq_tool_task_working). cancel (optional) runs on
 * tasks/cancel of a task that is not finished (e.g. cancels the job). */
#define MIQ_TASK_OPTIONAL 1
#define MIQ_TASK_REQUIRED 2

typedef struct miq_task_def {
    int support;
    miq_tool_fn *begin;
    miq_tool_fn *step;
    void (*cancel)(miq_tool_ctx *ctx, const json_t *state);
} miq_task_def;

/* Resource contents: return an array of {uri,mimeType,text|blob} objects. */
typedef json_t *miq_resource_fn(miq_tool_ctx *ctx, const char *uri, const void *baton);

typedef struct miq_resource_def {
    const char *uri; /* exact URI, or an RFC 6570 level-1 template when is_template */
    const char *name;
    const char *title;
    const char *description;
    const char *mime_type;
    int is_template;
    miq_resource_fn *read;
    const void *baton;
} miq_resource_def;

typedef struct miq_prompt_arg {
    const char *name;
    const char *description;
    int required;
} miq_prompt_arg;

/* Returns a GetPromptResult object {description?, messages:[...]}. args is an object of strings. */
typedef json_t *miq_prompt_fn(miq_tool_ctx *ctx, const json_t *args, const void *baton);

/* Returns the candidate values for one argument (strings), best first; the
 * dispatcher filters them by prefix and caps them at 100. */
typedef apr_array_header_t *miq_complete_fn(apr_pool_t *p, const char *arg_name, const char *value,
                                            const json_t *context_args, const void *baton);

typedef struct miq_prompt_def {
    const char *name;
    const char *title;
    const char *description;
    const miq_prompt_arg *args; /* terminated by {NULL} */
    miq_prompt_fn *get;
    miq_complete_fn *complete; /* for argument completion; may be NULL */
    const void *baton;
} miq_prompt_def;

miq_registry *miq_registry_create(apr_pool_t *p);

/* The def structs must outlive the registry (static, or pool memory of p).
 * Each returns NULL or an error (bad name, duplicate, schema that does not parse). */
const char *miq_registry_add_tool(miq_registry *reg, const miq_tool_def *def);
const char *miq_registry_add_resource(miq_registry *reg, const miq_resource_def *def);
const char *miq_registry_add_prompt(miq_registry *reg, const miq_prompt_def *def);
/* Makes a registered tool task-supporting (before seal; def outlives the registry). */
const char *miq_registry_set_task(miq_registry *reg, const char *tool, const miq_task_def *def);
/* Sets the tools/list item's "_meta" of a registered tool (MCP Apps: ui.resourceUri,
 * ui.visibility), or a resource listing's "_meta" (ui.csp). meta is a JSON
 * object text; before seal. Returns NULL or an error (unknown name, bad JSON). */
const char *miq_registry_set_tool_meta(miq_registry *reg, const char *tool, const char *meta);
const char *miq_registry_set_resource_meta(miq_registry *reg, const char *uri, const char *meta);
/* Completion for a resource template's variables. */
const char *miq_registry_add_template_completion(miq_registry *reg, const char *uri_template,
                                                 miq_complete_fn *fn, const void *baton);

/* Freezes the registry and serializes what can be served as is. */
const char *miq_registry_seal(miq_registry *reg, const char *base_url);

typedef struct miq_tool_entry {
    const miq_tool_def *def;
    json_t *input_schema;     /* parsed, owned by the registry */
    json_t *output_schema;    /* parsed or NULL */
    json_t *listing;          /* the tools/list item */
    const miq_task_def *task; /* NULL: never a task */
} miq_tool_entry;

const miq_tool_entry *miq_registry_tool(const miq_registry *reg, const char *name);
const apr_array_header_t *miq_registry_tools(const miq_registry *reg);     /* miq_tool_entry* */
const apr_array_header_t *miq_registry_resources(const miq_registry *reg); /* miq_resource_def* */
const apr_array_header_t *miq_registry_prompts(const miq_registry *reg);   /* miq_prompt_def* */
const miq_prompt_def *miq_registry_prompt(const miq_registry *reg, const char *name);
/* Finds the resource serving uri (exact match first, then templates). */
const miq_resource_def *miq_registry_resource_for(const miq_registry *reg, const char *uri);
miq_complete_fn *miq_registry_template_completion(const miq_registry *reg, const char *uri_template,
                                                  const void **baton);

/* The serialized "tools" array a caller with these scopes sees (cached at seal).
 * authenticated: whether the caller presented a valid token. */
const char *miq_registry_tools_json(const miq_registry *reg, int authenticated, unsigned scopes);
/* Serialized resources / resourceTemplates / prompts arrays (cached at seal). */
const char *miq_registry_resources_json(const miq_registry *reg);
const char *miq_registry_templates_json(const miq_registry *reg);
const char *miq_registry_prompts_json(const miq_registry *reg);

/* Matches uri against an RFC 6570 level-1 template ("momentiq://examples/{endpoint}/{language}");
 * a variable matches one or more characters (slashes included), earlier
 * variables taking the longest match that lets the rest match. Returns 1 and
 * fills *vars (name -> value) when it matches. */
int miq_uri_template_match(apr_pool_t *p, const char *tmpl, const char *uri, apr_table_t **vars);

/* Whether a caller may see/call the tool. */
int miq_tool_visible(const miq_tool_def *def, int authenticated, unsigned scopes);

#endif
