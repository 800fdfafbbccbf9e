/* Shared declarations of the Apache glue. The logic lives in core/; these
 * files hold hooks, directives and request I/O. */
#ifndef MOD_MOMENTIQ_H
#define MOD_MOMENTIQ_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include <jansson.h>
#include "miq_server.h"
#include "miq_sql.h"

extern module AP_MODULE_DECLARE_DATA momentiq_module;

typedef struct miq_srv_conf {
    int enabled;                 /* MomentIQEnable */
    const char *base_url;        /* MomentIQBaseURL */
    int fixtures;                /* MomentIQConformanceFixtures */
    apr_off_t max_body;          /* MomentIQMaxRequestBody */
    apr_array_header_t *origins; /* MomentIQAllowedOrigin (const char *) */
    apr_array_header_t *hosts;   /* MomentIQAllowedHost (const char *) */
    const char *secret_file;     /* MomentIQSecretFile */
    apr_array_header_t *prices;  /* MomentIQPrice: "endpoint unit credits" triples */
    int session_idle_s;          /* MomentIQSessionIdleTimeout */
    int ask_timeout_s;           /* MomentIQClientAnswerTimeout */
    int record_requests;         /* MomentIQRecordRequests */
    miq_server *mcp;             /* built in post_config */
} miq_srv_conf;

#define MIQ_UNSET (-1)

miq_srv_conf *miq_conf(const server_rec *s);
extern const command_rec miq_directives[];
void *miq_create_srv_conf(apr_pool_t *p, server_rec *s);
void *miq_merge_srv_conf(apr_pool_t *p, void *base, void *add);
/* Fills defaults, reads the secret, builds the MCP server. */
const char *miq_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc);

/* Database (mod_dbd). */
void miq_db_prepare_all(server_rec *s);
ap_dbd_t *miq_db(request_rec *r);
/* Runs a catalog statement that returns no rows; NULL args are SQL NULL.
 * Returns the affected row count, or -1 on error (logged). */
int miq_db_exec(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args);
/* Runs a catalog query; *row gets the first row's columns (pool strings,
 * NULL for SQL NULL), ncols set. Returns 1 with a row, 0 without, -1 on error. */
int miq_db_row(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args,
               const char ***row, int *ncols);

/* The MCP request log, written in batches off the request path. */
typedef struct miq_request_record {
    apr_time_t at;
    const char *era, *protocol_version, *http_method, *rpc_method, *tool, *client_name;
    const char *session_id, *caller, *outcome, *error_code;
    int http_status;
    double latency_ms;
} miq_request_record;
void miq_record_push(const miq_request_record *r);
void miq_record_child_init(apr_pool_t *pchild, server_rec *s);

/* Handlers. */
int miq_handle_mcp(request_rec *r);
int miq_handle_discovery(request_rec *r);

/* Writes a JSON body with status; body NULL sends only the status. */
int miq_send_json(request_rec *r, int status, const char *body);
/* {"error":{"code","message"}} with status. */
int miq_send_error(request_rec *r, int status, const char *code, const char *message);
/* Reads the request body up to limit bytes; returns OK, HTTP_REQUEST_ENTITY_TOO_LARGE
 * or HTTP_BAD_REQUEST. */
int miq_read_body(request_rec *r, apr_off_t limit, const char **body, apr_size_t *len);
/* Whether Origin (if present) and Host are acceptable for this server. */
int miq_origin_ok(request_rec *r, const miq_srv_conf *sc);
int miq_host_ok(request_rec *r, const miq_srv_conf *sc);

#endif
