/* Authenticated job tools: momentiq.create_job, get_job, list_jobs,
 * get_job_result, refresh_output_urls, cancel_job (services in miq_jobs.c). */
#ifndef MIQ_TOOLS_JOBS_H
#define MIQ_TOOLS_JOBS_H

#include "mcp/miq_registry.h"

const char *miq_jobs_tools_register(miq_registry *reg);

#endif
