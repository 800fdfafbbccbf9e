/* The MCP request log and auth events, written in batches off the request
 * path (mod_momentiq_record.c). */
#ifndef MOD_MOMENTIQ_RECORD_H
#define MOD_MOMENTIQ_RECORD_H

#include <httpd.h>

typedef struct miq_request_record {
    apr_time_t at;
    const char *era, *protocol_version, *http_method, *rpc_method, *tool, *client_name;
    const char *session_id, *caller, *outcome, *error_code;
    const char *traceparent; /* validated (ops/miq_trace.h), or NULL */
    int http_status;
    double latency_ms;
} miq_request_record;
void miq_record_push(const miq_request_record *r);
void miq_record_child_init(apr_pool_t *pchild, server_rec *s);

/* Auth events (invalid_api_key, connector_scope_denied, readiness_warning,
 * login_failed, login_throttled), written in batches like the request log.
 * Never pass a secret. */
void miq_event_push(const char *kind, const char *code, const char *account_id,
                    const char *token_id, const char *surface, const char *detail);

#endif
