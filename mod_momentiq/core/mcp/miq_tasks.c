/* The Tasks extension: task rows, advancing a task by running its tool's
 * step, and the tasks/get, tasks/update and tasks/cancel methods. */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_crypto.h"
#include "mcp/miq_tasks.h"

/* Columns of MIQ_SQL_TASK_GET. */
enum {
    COL_TOOL,
    COL_ARGS,
    COL_STATE,
    COL_STATUS,
    COL_ANSWERS,
    COL_REQUESTS,
    COL_RESULT,
    COL_ERROR,
    COL_CREATED,
    COL_UPDATED,
    COL_ELAPSED,
    COL_TTL,
    NCOLS
};

typedef struct {
    const char *id;
    const char *cell[NCOLS];
} task_row;

int miq_tasks_declared(const miq_mcp_call *c)
{
    return c->era == MIQ_ERA_2026 && json_object_get(json_object_get(c->client_caps, "extensions"),
                                                     MIQ_TASKS_EXTENSION) != NULL;
}

json_t *miq_tasks_required_data(apr_pool_t *p)
{
    return miq_json_packp(p, "{s:{s:{s:{}}}}", "requiredCapabilities", "extensions",
                          MIQ_TASKS_EXTENSION);
}

json_t *miq_tool_task_working(miq_tool_ctx *ctx)
{
    ctx->call->task_working = 1;
    return NULL;
}

static json_t *rpc_error(miq_mcp_call *c, int code, const char *message)
{
    c->rpc_error = miq_json_packp(c->pool, "{s:i,s:s}", "code", code, "message", message);
    return NULL;
}

/* Tasks belong to the account that created them; anonymous callers (the
 * public fixtures) share the '' owner and rely on the unguessable id. */
static const char *owner_of(const miq_mcp_call *c)
{
    return c->caller && c->caller->account_id
               ? apr_pstrcat(c->pool, "account:", c->caller->account_id, NULL)
               : "";
}

static apr_array_header_t *query(miq_mcp_call *c, miq_sql_id_e id, int nargs,
                                 const char *const *args, int *ncols)
{
    const char *err = NULL; /* logged by the implementation, never shown */
    apr_array_header_t *rows;
    *ncols = 0;
    rows = c->db && c->db->query ? c->db->query(c->db->baton, c->pool, id, nargs, args, ncols, &err)
                                 : NULL;
    return rows;
}

/* 1 found, 0 unknown (or expired, or another owner's), -1 database error. */
static int load(miq_mcp_call *c, const char *id, task_row *t)
{
    const char *args[2];
    apr_array_header_t *rows;
    int ncols = 0, i;
    args[0] = id;
    args[1] = owner_of(c);
    rows = query(c, MIQ_SQL_TASK_GET, 2, args, &ncols);
    if (!rows)
        return -1;
    if (rows->nelts != 1 || ncols != NCOLS)
        return 0;
    t->id = id;
    for (i = 0; i < NCOLS; i++)
        t->cell[i] = MIQ_DB_CELL(rows, 0, i);
    return 1;
}

static json_t *cell_json(miq_mcp_call *c, const task_row *t, int col)
{
    const char *s = t->cell[col];
    return s ? miq_json_parse(c->pool, s, strlen(s), NULL) : NULL;
}

/* The DetailedTask of tasks/get: the result, error or open questions inlined. */
static json_t *detailed(miq_mcp_call *c, const task_row *t)
{
    const char *status = t->cell[COL_STATUS];
    json_t *r = miq_json_packp(c->pool, "{s:s,s:s,s:s,s:s,s:I,s:i}", "taskId", t->id, "status",
                               status, "createdAt", t->cell[COL_CREATED], "lastUpdatedAt",
                               t->cell[COL_UPDATED], "ttlMs",
                               (json_int_t)apr_atoi64(t->cell[COL_TTL]), "pollIntervalMs",
                               MIQ_TASKS_POLL_MS);
    json_t *v;
    if (!strcmp(status, "completed") && (v = cell_json(c, t, COL_RESULT)))
        json_object_set(r, "result", v);
    else if (!strcmp(status, "failed") && (v = cell_json(c, t, COL_ERROR)))
        json_object_set(r, "error", v);
    else if (!strcmp(status, "input_required") && (v = cell_json(c, t, COL_REQUESTS)))
        json_object_set(r, "inputRequests", v);
    return r;
}

json_t *miq_tasks_start(miq_mcp_call *c, miq_tool_ctx *ctx, const miq_tool_entry *e,
                        const json_t *args)
{
    json_t *state;
    const char *id, *a[7];
    apr_array_header_t *rows;
    int ncols = 0;
    if (e->task->begin) {
        state = e->task->begin(ctx, args);
        if (!state)
            return NULL;
        if (json_is_true(json_object_get(state, "isError")))
            return state; /* refused before any task exists (e.g. not enough credits) */
    }
    else
        state = miq_json_pool(c->pool, json_object());
    id = miq_random_hex(c->pool, MIQ_TASKS_ID_HEX_LEN / 2);
    a[0] = id;
    a[1] = owner_of(c);
    a[2] = e->def->name;
    a[3] = miq_json_dump(c->pool, args);
    a[4] = miq_json_dump(c->pool, state);
    a[5] = apr_itoa(c->pool, MIQ_TASKS_TTL_MS);
    a[6] = a[5];
    rows = id ? query(c, MIQ_SQL_TASK_CREATE, 7, a, &ncols) : NULL;
    if (!rows || rows->nelts != 1 || ncols != 2) {
        /* task_begin may have started work (a job): it is left to its own
         * polling fallback, and the client sees why no task came back. */
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "could not store the task; try again");
    }
    c->outcome = "task";
    return miq_json_packp(c->pool, "{s:s,s:s,s:s,s:s,s:s,s:i,s:i}", "resultType", "task", "taskId",
                          id, "status", "working", "createdAt", MIQ_DB_CELL(rows, 0, 0),
                          "lastUpdatedAt", MIQ_DB_CELL(rows, 0, 1), "ttlMs", MIQ_TASKS_TTL_MS,
                          "pollIntervalMs", MIQ_TASKS_POLL_MS);
}

/* Runs the step of a working task and stores where it got to. Returns 0, or
 * -1 when the new status could not be stored. */
static int advance(miq_mcp_call *c, const task_row *t)
{
    const miq_tool_entry *e = miq_registry_tool(c->srv->registry, t->cell[COL_TOOL]);
    miq_tool_fn *step;
    miq_tool_ctx *ctx;
    miq_task_view view;
    json_t *args, *r, *answers;
    const char *a[5] = {NULL, NULL, NULL, NULL, NULL};
    int ncols = 0;

    if (!e) /* the tool went away with a deploy: the task cannot go on */
        r = NULL;
    else {
        step = e->task && e->task->step ? e->task->step : e->def->call;
        args = cell_json(c, t, COL_ARGS);
        answers = cell_json(c, t, COL_ANSWERS);
        view.id = t->id;
        view.state = cell_json(c, t, COL_STATE);
        view.elapsed_ms = apr_atoi64(t->cell[COL_ELAPSED]);
        c->input_responses = json_is_object(answers) ? answers : NULL;
        c->pending_requests = NULL;
        c->answered = NULL;
        c->rpc_error = NULL;
        c->task_working = 0;
        ctx = miq_mcp_tool_ctx(c);
        ctx->task = &view;
        r = step(ctx, args ? args : miq_json_pool(c->pool, json_object()));
        if (c->task_working && !c->rpc_error)
            return 0;
    }
    if (c->rpc_error) {
        a[0] = "failed";
        a[3] = miq_json_dump(c->pool, c->rpc_error);
    }
    else if (r) {
        a[0] = "completed";
        a[2] = miq_json_dump(c->pool, r);
    }
    else if (c->pending_requests) {
        a[0] = "input_required";
        a[1] = miq_json_dump(c->pool, c->pending_requests);
    }
    else {
        a[0] = "failed";
        a[3] = miq_json_dump(c->pool, miq_json_packp(c->pool, "{s:i,s:s}", "code",
                                                     MIQ_RPC_INTERNAL_ERROR, "message",
                                                     e ? "the tool produced no result"
                                                       : "the task's tool no longer exists"));
    }
    a[4] = t->id;
    c->rpc_error = NULL; /* it belongs to the task, not to this tasks/get */
    /* No row changed: it was cancelled meanwhile; the next read shows that. */
    return query(c, MIQ_SQL_TASK_SETTLE, 5, a, &ncols) ? 0 : -1;
}

static json_t *do_get(miq_mcp_call *c, const char *id)
{
    task_row t;
    int got = load(c, id, &t);
    if (got > 0 && !strcmp(t.cell[COL_STATUS], "working")) {
        if (advance(c, &t) < 0)
            return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "could not store the task's progress");
        got = load(c, id, &t);
    }
    if (got < 0)
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "task store unavailable");
    if (!got)
        return rpc_error(c, MIQ_RPC_INVALID_PARAMS, "Unknown taskId");
    return detailed(c, &t);
}

/* Answers for open questions are kept; the task works again once none is
 * left open. Answers to questions that are not open are ignored. */
static json_t *do_update(miq_mcp_call *c, const char *id)
{
    json_t *in = json_object_get(c->msg->params, "inputResponses"), *open, *answers, *v;
    const char *key, *a[4];
    void *tmp;
    task_row t;
    int got, ncols = 0;
    if (!json_is_object(in))
        return rpc_error(c, MIQ_RPC_INVALID_PARAMS, "params.inputResponses must be an object");
    got = load(c, id, &t);
    if (got < 0)
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "task store unavailable");
    if (!got)
        return rpc_error(c, MIQ_RPC_INVALID_PARAMS, "Unknown taskId");
    if (strcmp(t.cell[COL_STATUS], "input_required"))
        return miq_json_pool(c->pool, json_object());
    open = cell_json(c, &t, COL_REQUESTS);
    answers = cell_json(c, &t, COL_ANSWERS);
    if (!json_is_object(open) || !json_is_object(answers))
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "the task's stored questions are unreadable");
    json_object_foreach_safe(in, tmp, key, v)
    {
        if (json_object_get(open, key) && json_is_object(v)) {
            json_object_set(answers, key, v);
            json_object_del(open, key);
        }
    }
    a[0] = json_object_size(open) ? "input_required" : "working";
    a[1] = miq_json_dump(c->pool, answers);
    a[2] = json_object_size(open) ? miq_json_dump(c->pool, open) : NULL;
    a[3] = id;
    if (!query(c, MIQ_SQL_TASK_ANSWER, 4, a, &ncols))
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "could not store the answers");
    return miq_json_pool(c->pool, json_object());
}

/* Idempotent: a finished task acknowledges the same way. */
static json_t *do_cancel(miq_mcp_call *c, const char *id)
{
    task_row t;
    const char *a[2];
    int got = load(c, id, &t), ncols = 0;
    if (got < 0)
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "task store unavailable");
    if (!got)
        return rpc_error(c, MIQ_RPC_INVALID_PARAMS, "Unknown taskId");
    if (!strcmp(t.cell[COL_STATUS], "working") || !strcmp(t.cell[COL_STATUS], "input_required")) {
        const miq_tool_entry *e = miq_registry_tool(c->srv->registry, t.cell[COL_TOOL]);
        if (e && e->task && e->task->cancel) {
            miq_tool_ctx *ctx = miq_mcp_tool_ctx(c);
            miq_task_view view;
            view.id = id;
            view.state = cell_json(c, &t, COL_STATE);
            view.elapsed_ms = apr_atoi64(t.cell[COL_ELAPSED]);
            ctx->task = &view;
            e->task->cancel(ctx, view.state);
        }
        a[0] = id;
        a[1] = owner_of(c);
        if (!query(c, MIQ_SQL_TASK_CANCEL, 2, a, &ncols))
            return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "could not cancel the task");
    }
    return miq_json_pool(c->pool, json_object());
}

json_t *miq_tasks_method(miq_mcp_call *c, const char *method)
{
    const char *id = miq_json_str(c->msg->params, "taskId", NULL);
    if (!id || !*id)
        return rpc_error(c, MIQ_RPC_INVALID_PARAMS, "params.taskId is required");
    if (!c->db)
        return rpc_error(c, MIQ_RPC_INTERNAL_ERROR, "tasks need the database");
    if (!strcmp(method, "tasks/get"))
        return do_get(c, id);
    if (!strcmp(method, "tasks/update"))
        return do_update(c, id);
    return do_cancel(c, id);
}
