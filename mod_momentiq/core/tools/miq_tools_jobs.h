/* Authenticated job tools: momentiq.create_job, get_job, list_jobs,
 * get_job_result, refresh_output_urls, cancel_job (services in miq_jobs.c). */
#ifndef MIQ_TOOLS_JOBS_H
#define MIQ_TOOLS_JOBS_H

#include "mcp/miq_registry.h"

const char *miq_jobs_tools_register(miq_registry *reg);

/* For tools built on the same services (miq_tools_app.c): the job services'
 * environment of a tool call, and a json result cut to the tool size limit. */
struct miq_jobs_env;
void miq_jobs_tool_env(miq_tool_ctx *ctx, struct miq_jobs_env *env);
json_t *miq_jobs_tool_fit_result(miq_tool_ctx *ctx, json_t *result, const char *job_id);

#endif
