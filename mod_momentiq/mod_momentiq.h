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
#include "db/miq_db.h"
#include "base/miq_server.h"
#include "db/miq_sql.h"
#include "mcp/miq_tool.h"

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
    int mcp_session_idle_s;      /* MomentIQSessionIdleTimeout (MCP 2025 sessions) */
    int ask_timeout_s;           /* MomentIQClientAnswerTimeout */
    int record_requests;         /* MomentIQRecordRequests */
    int trust_remote_user;       /* MomentIQTrustRemoteUser */
    int session_idle_s;          /* MomentIQSessionTimeout IDLE ABSOLUTE (dashboard) */
    int session_absolute_s;
    int throttle_account;        /* MomentIQLoginThrottle ACCOUNT IP WINDOW LOCK */
    int throttle_ip;
    int throttle_window_s;
    int throttle_lock_s;
    const char *storage_dir;     /* MomentIQStorageDir: uploads/ and outputs/ below it */
    apr_off_t max_upload;        /* MomentIQMaxUploadSize (bytes) */
    int upload_retention_s;      /* MomentIQRetention UPLOADS OUTPUTS (seconds) */
    int output_retention_s;
    int file_url_ttl_s;          /* MomentIQFileURLTTL */
    int import_allow_private;    /* MomentIQImportAllowPrivate */
    const char *fetch_ca_file;   /* MomentIQFetchCAFile: CAs for outbound https (NULL: system) */
    /* billing (mod_momentiq_billing_conf.c) */
    const char *credit_price;    /* MomentIQCreditPrice AMOUNT CURRENCY */
    const char *credit_currency;
    const char *usage_alerts;    /* MomentIQUsageAlerts, as a numeric[] literal */
    const char *stripe_webhook_secret_file; /* MomentIQStripeWebhookSecretFile */
    const char *stripe_secret_key_file;     /* MomentIQStripeSecretKeyFile */
    const char *stripe_api_base;            /* MomentIQStripeAPIBase */
    int stripe_tolerance_s;                 /* MomentIQStripeWebhookTolerance */
    const unsigned char *stripe_webhook_secret; /* read at post_config, or NULL */
    apr_size_t stripe_webhook_secret_len;
    const char *stripe_secret_key;              /* read at post_config, or NULL */
    struct miq_oauth_conf *oauth; /* MomentIQOAuth* (mod_momentiq_oauth_conf.c) */
    miq_server *mcp;             /* built in post_config */
} miq_srv_conf;

/* Per-directory: MomentIQRequireToken (for clients that start OAuth only on a 401). */
typedef struct miq_dir_conf {
    int require_token;
    int free_credits; /* MomentIQFreeCredits (server-wide or per location) */
} miq_dir_conf;

miq_dir_conf *miq_dconf(const request_rec *r);
void *miq_create_dir_conf(apr_pool_t *p, char *dir);
void *miq_merge_dir_conf(apr_pool_t *p, void *base, void *add);

#define MIQ_UNSET (-1)

miq_srv_conf *miq_conf(const server_rec *s);
extern const command_rec miq_directives[];
void *miq_create_srv_conf(apr_pool_t *p, server_rec *s);
void *miq_merge_srv_conf(apr_pool_t *p, void *base, void *add);
/* Fills defaults, reads the secret, builds the MCP server. */
const char *miq_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc);

/* Billing directives (mod_momentiq_billing_conf.c). */
const char *miq_set_free_credits(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_credit_price(cmd_parms *cmd, void *dc, const char *amount,
                                 const char *currency);
const char *miq_set_usage_alerts(cmd_parms *cmd, void *dc, const char *line);
const char *miq_set_stripe_file(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_stripe_api_base(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_stripe_tolerance(cmd_parms *cmd, void *dc, const char *arg);
/* Defaults, the credit price into pricing, the Stripe secrets read. */
const char *miq_billing_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc,
                                    miq_pricing *pricing);
/* Free credits for an account created by this request, as a decimal string. */
const char *miq_free_credits(request_rec *r);
/* Reads a small file (<= 64 KiB) into pool memory, NUL-terminated. */
apr_status_t miq_read_small_file(char **buf, apr_size_t *n, const char *path, apr_pool_t *p);

/* Database (mod_dbd). */
void miq_db_prepare_all(server_rec *s);
/* Runs a catalog statement on dbd, recovering a connection PostgreSQL lost
 * (reset, statements prepared again, one more try). res NULL: no row set,
 * *nrows the affected rows. 0, or -1/an apr_dbd error with *err. */
int miq_dbd_run(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs,
                const char *const *args, int *nrows, apr_dbd_results_t **res, const char **err);
/* The rows of a catalog statement, allocated in p, or NULL with *err. */
apr_array_header_t *miq_dbd_select(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                   const char *const *args, int *ncols, const char **err);
ap_dbd_t *miq_dbd(request_rec *r);
/* Runs a catalog statement that returns no rows; NULL args are SQL NULL.
 * Returns the affected row count, or -1 on error (logged). */
int miq_db_exec(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args);
/* Runs a catalog query; *row gets the first row's columns (pool strings,
 * NULL for SQL NULL), ncols set. Returns 1 with a row, 0 without, -1 on error. */
int miq_db_row(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args,
               const char ***row, int *ncols);
/* All rows (each a const char ** of ncols pool strings); NULL on error. */
apr_array_header_t *miq_db_rows(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs,
                                const char **args, int *ncols);
/* The core's miq_db over this request's connection (mod_momentiq_dbcore.c):
 * statements run on dbd, rows in the pool the core passes. dbd NULL: every
 * query fails (the core answers 503). *out must outlive its use. */
void miq_db_bind(request_rec *r, ap_dbd_t *dbd, miq_db *out);

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

/* Auth events (invalid_api_key, connector_scope_denied, readiness_warning,
 * login_failed, login_throttled), written in batches like the request log.
 * Never pass a secret. */
void miq_event_push(const char *kind, const char *code, const char *account_id,
                    const char *token_id, const char *surface, const char *detail);

/* Bearer tokens (mod_momentiq_auth.c). Verifies the Authorization header on
 * every call, with no cache: 0 no credentials presented; 1 valid (*caller
 * filled); -1 invalid (unknown, malformed, expired, revoked: recorded as an
 * invalid_api_key event; *why says which); -2 database unavailable. */
int miq_auth_bearer(request_rec *r, ap_dbd_t *dbd, const char *surface, miq_caller *caller,
                    const char **why);
/* The WWW-Authenticate challenge value pointing at the protected resource metadata. */
const char *miq_auth_challenge(request_rec *r, const char *error);

/* Dashboard sessions (mod_momentiq_session.c). */
typedef struct miq_web_session {
    const char *account_id;
    const char *email;
    const char *csrf_token;
    const char *expires_at; /* absolute expiry, ISO 8601 */
} miq_web_session;
/* 1 with *s for a live session cookie, 0 without, -1 database error. */
int miq_session_current(request_rec *r, ap_dbd_t *dbd, miq_web_session *s);
/* Creates a session for the account, sets the cookie; returns the CSRF token or NULL. */
const char *miq_session_start(request_rec *r, ap_dbd_t *dbd, const char *account_id);
/* Whether X-CSRF-Token matches the session's token. */
int miq_csrf_valid(request_rec *r, const miq_web_session *s);
/* Password sign-in (mod_momentiq_account.c), shared by /api/auth/login and the
 * OAuth sign-in form: throttled per account and address, one scrypt run either
 * way. 1 with *account_id; 0 refused (counted); -1 database error; -2 locked
 * for *wait seconds. No session is started. */
int miq_account_login(request_rec *r, ap_dbd_t *dbd, const char *normalized_email,
                      const char *password, const char **account_id, long *wait);
/* The account of r->user (MomentIQTrustRemoteUser), found, linked or created:
 * 1 with *account_id and *email (may be NULL), -1 on a database error. */
int miq_account_remote(request_rec *r, ap_dbd_t *dbd, const char **account_id,
                       const char **email);
/* /api/auth/oauth/... (mod_momentiq_oauth.c). */
int miq_handle_oauth(request_rec *r);

/* Reads a JSON object body (Content-Type application/json, <= limit bytes).
 * Returns OK with *out, or an HTTP status with *err set. */
int miq_read_json_body(request_rec *r, apr_off_t limit, json_t **out, const char **err);

/* MomentIQWorker (mod_momentiq_worker.c). */
const char *miq_set_worker(cmd_parms *cmd, void *dc, const char *line);
int miq_worker_start(apr_pool_t *pconf, server_rec *s);

/* Handlers. */
int miq_handle_mcp(request_rec *r);
int miq_handle_discovery(request_rec *r);
int miq_handle_auth(request_rec *r);      /* /api/auth/... */
int miq_handle_dashboard(request_rec *r); /* /api/dashboard/... */
int miq_handle_rest(request_rec *r);      /* /v1/... */
/* POST /api/billing/stripe/webhook (mod_momentiq_stripe.c). */
int miq_handle_stripe_webhook(request_rec *r);
/* /api/dashboard/billing..., /api/dashboard/usage (mod_momentiq_billing.c) for
 * a signed-in session (CSRF already checked for state changes); DECLINED for
 * other paths. */
int miq_dashboard_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                          const char *path);
/* POST /api/dashboard/billing/checkout: the Stripe Checkout Session
 * (mod_momentiq_stripe.c). */
int miq_handle_stripe_checkout(request_rec *r, const miq_web_session *s, json_t *body);
/* /v1/uploads and below (mod_momentiq_upload.c), called by miq_handle_rest
 * after the bearer check: an invalid token was already answered 401; caller
 * is authenticated, except for a PUT without credentials (the signed upload
 * URL: caller->account_id NULL, the handler checks the signature). */
int miq_handle_uploads(request_rec *r, const miq_caller *caller);
/* PUT /v1/uploads/{id}/bytes?exp=&sig= (signed upload URL, no API key needed):
 * DECLINED for any other URI, else the response was sent (other methods get
 * 405). miq_handle_uploads calls it first too, so either order works. */
int miq_upload_put_route(request_rec *r);
/* The upload services' configuration (core/miq_uploads.h) from the server's. */
struct miq_upload_conf;
void miq_upload_conf_of(const miq_srv_conf *sc, struct miq_upload_conf *c);
/* translate_name for /files/<job_id>/<name>?exp=&sig= (mod_momentiq_files.c). */
int miq_files_translate(request_rec *r);

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

/* Shared glue helpers (mod_momentiq_body.c): a core service's reply as HTTP
 * (the body, or {"error":{code,message}} with the reply's extra fields next
 * to "error"; Cache-Control: no-store), and the 503 of a missing database
 * ("the <what> database is unavailable; try again shortly"; what may be NULL). */
struct miq_reply;
int miq_send_reply(request_rec *r, const struct miq_reply *rep);
int miq_send_db_unavailable(request_rec *r, const char *what);

/* Account services' environment from the request (mod_momentiq_session.c),
 * the session cookie's value, and setting it (sid NULL: clearing it). */
struct miq_accounts_env;
void miq_accounts_env_of(request_rec *r, const miq_db *db, struct miq_accounts_env *env);
const char *miq_session_cookie(request_rec *r);
void miq_session_set_cookie(request_rec *r, const char *sid);

#endif
