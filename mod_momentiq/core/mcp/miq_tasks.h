/* The Tasks extension (io.modelcontextprotocol/tasks, SEP-2663, protocol
 * 2026-07-28): a tools/call on a task-supporting tool from a request that
 * declares the extension returns a durable task (CreateTaskResult) stored in
 * PostgreSQL before the response, so any httpd child or node serves
 * tasks/get, tasks/update and tasks/cancel. A task advances when it is read:
 * tasks/get runs the tool's step while the task is working (see
 * miq_task_def in miq_registry.h), so nothing lives in a process between requests. */
#ifndef MIQ_TASKS_H
#define MIQ_TASKS_H

#include <jansson.h>
#include "mcp/miq_mcp.h"

#define MIQ_TASKS_EXTENSION  "io.modelcontextprotocol/tasks"
#define MIQ_TASKS_TTL_MS     86400000 /* a task is readable for a day */
#define MIQ_TASKS_POLL_MS    1000
#define MIQ_TASKS_ID_HEX_LEN 32

/* Whether the request declared the extension (2026: _meta client capabilities). */
int miq_tasks_declared(const miq_mcp_call *c);
/* The -32021 error data naming the extension (pool-bound). */
json_t *miq_tasks_required_data(apr_pool_t *p);
/* tools/call of a task-supporting tool from a declaring request: the
 * CreateTaskResult, an isError result of task_begin, or NULL when task_begin
 * asked for input (c->pending_requests) or a protocol error is set in
 * c->rpc_error. */
json_t *miq_tasks_start(miq_mcp_call *c, miq_tool_ctx *ctx, const miq_tool_entry *e,
                        const json_t *args);
/* tasks/get, tasks/update, tasks/cancel (the caller checked the extension):
 * the result, or NULL with c->rpc_error set. */
json_t *miq_tasks_method(miq_mcp_call *c, const char *method);

#endif
