-- MCP Tasks extension (io.modelcontextprotocol/tasks, SEP-2663): a task is
-- created here before the CreateTaskResult is sent, so any httpd child or node
-- answers tasks/get, tasks/update and tasks/cancel for it. A task is advanced
-- by whoever reads it (the tool's step runs on tasks/get); transitions are
-- guarded by the status they leave, so a cancel is never overwritten.
CREATE TABLE mcp_tasks (
    id             text PRIMARY KEY,          -- random, 128-bit, hex
    owner          text NOT NULL DEFAULT '',  -- 'account:<id>' or '' (anonymous)
    tool           text NOT NULL,
    arguments      jsonb NOT NULL DEFAULT '{}'::jsonb,
    state          jsonb NOT NULL DEFAULT '{}'::jsonb, -- the tool's own (e.g. {"job_id"})
    status         text NOT NULL DEFAULT 'working'
                   CHECK (status IN ('working', 'input_required', 'completed', 'failed', 'cancelled')),
    answers        jsonb NOT NULL DEFAULT '{}'::jsonb, -- inputResponses received, by key
    input_requests jsonb,                              -- open questions (input_required)
    result         jsonb,                              -- the tool result (completed)
    error          jsonb,                              -- {code, message, data?} (failed)
    ttl_ms         bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX mcp_tasks_expires ON mcp_tasks (expires_at);
