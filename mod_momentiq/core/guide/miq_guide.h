/* What the public (free, no-auth) side of MomentIQ tells agents: the agent
 * guide, workflows, integration plans and code examples, and the public MCP
 * tools, resources and prompts that serve them.
 *   miq_content.c      guide, template filling
 *   miq_plan.c         integration plans
 *   miq_examples.c     code examples (curl, python, javascript, mcp)
 *   miq_workflows.c    workflows and their prompts
 *   miq_tools_public.c the registry entries */
#ifndef MIQ_GUIDE_H
#define MIQ_GUIDE_H

#include <apr_pools.h>
#include <jansson.h>
#include "endpoints/miq_endpoints.h"
#include "billing/miq_pricing.h"
#include "mcp/miq_registry.h"

/* ---- agent guide ---- */

/* The guide as markdown, with URLs under base_url and the live price table. */
const char *miq_guide_markdown(apr_pool_t *p, const char *base_url, const miq_pricing *pr);

/* ---- code examples ---- */

/* "curl", "python", "javascript", "mcp"; NULL-terminated. */
extern const char *const miq_example_languages[];
int miq_example_language_known(const char *language);
/* A complete example for one endpoint in one language, with base_url filled
 * in and max_credits priced for a 10-minute file; NULL for an unknown language. */
const char *miq_code_example(apr_pool_t *p, const char *base_url, const miq_pricing *pr,
                             const miq_endpoint *e, const char *language);

/* ---- workflows ---- */

typedef struct miq_workflow_step {
    const char *endpoint;
    const char *params;  /* JSON object as sent (sample values where derived) */
    const char *purpose; /* why this step */
    const char *derive;  /* how params come from earlier results, or NULL */
    int optional;
    double output_ratio; /* video/clips: price output as this share of the media (0: sample) */
} miq_workflow_step;

typedef struct miq_workflow {
    const char *name; /* slug, also the prompt name: "podcast_silence_trim" */
    const char *title;
    const char *summary;
    const char *media;              /* "audio", "video", "audio or video" */
    const char *outcome;            /* what the caller has at the end */
    const miq_workflow_step *steps; /* terminated by {NULL} */
    const char *credit_formula;     /* in words, with unit names */
    const char *keywords;           /* comma-separated, for plan matching */
} miq_workflow;

const miq_workflow *const *miq_workflows_all(apr_size_t *n);
const miq_workflow *miq_workflow_find(const char *name);
/* Credits for duration_s of media: sum of the steps' quotes (optional steps
 * included, clip/frame steps priced on their sample params). Returns NULL or
 * an error; *lines gets [{step,endpoint,credits,text}] when not NULL. */
const char *miq_workflow_estimate(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                  double duration_s, apr_int64_t *credits, json_t **lines);
/* {name,title,summary,media,outcome,steps[],credit_formula,estimate{duration_s,credits,lines}}. */
json_t *miq_workflow_json(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                          double duration_s);
const char *miq_workflow_markdown(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                  double duration_s);
/* The user message of the workflow's prompt: ordered tool calls for an agent.
 * media_url may be NULL; duration_s <= 0 means unknown; max_credits <= 0: use the estimate. */
const char *miq_workflow_prompt_text(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                     const char *media_url, double duration_s,
                                     apr_int64_t max_credits);

/* ---- integration plans ---- */

typedef struct miq_plan_request {
    const char *goal;     /* free text, required */
    const char *platform; /* python | javascript | curl | mcp; NULL: from client */
    const char *client;   /* chatgpt | claude | cursor | backend | other; NULL: from platform */
    const char *media;    /* audio | video; NULL: decided by the endpoints */
    double duration_s;    /* typical media length; <= 0: 10 minutes */
    apr_int64_t items_per_month; /* <= 0: unknown */
} miq_plan_request;

/* Chooses endpoints by keywords in the goal, the auth method by client,
 * orders the steps, prices them and lists pitfalls. Returns NULL and *plan,
 * or an error (missing goal, unknown platform/client/media). */
const char *miq_plan_integration(apr_pool_t *p, const char *base_url, const miq_pricing *pr,
                                 const miq_plan_request *req, json_t **plan);
const char *miq_plan_markdown(apr_pool_t *p, const json_t *plan);

/* ---- helpers shared by the content files ---- */

/* Replaces every {{KEY}} in tmpl by its value; kv is KEY, value, ..., NULL. */
const char *miq_guide_fill(apr_pool_t *p, const char *tmpl, const char *const *kv);
/* base_url without trailing slashes; "https://api.momentiq.dev" when NULL or empty. */
const char *miq_guide_base(apr_pool_t *p, const char *base_url);

/* ---- the public MCP surface ---- */

/* Registers the seven public tools, the resources and templates
 * (momentiq://guide, momentiq://endpoints, momentiq://endpoints/{endpoint}/schema,
 * momentiq://examples/{endpoint}/{language}) with their completions, and one
 * prompt per workflow. Handlers read ctx->srv->base_url and ->pricing.
 * Returns NULL or the registry's error. */
const char *miq_public_register(miq_registry *reg);

#endif
