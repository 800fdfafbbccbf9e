/* Webhooks: endpoints of an account, signed events, at-least-once delivery
 * from the outbox (see README.md and docs/webhooks.md). Pure of httpd. */
#ifndef MIQ_WEBHOOKS_H
#define MIQ_WEBHOOKS_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_reply.h"
#include "base/miq_server.h"
#include "db/miq_db.h"

/* ---- the contract (miq_webhook_sign.c) ------------------------------------ */

/* job.succeeded, job.failed, job.canceled, usage.alert, credits.low; NULL-ended. */
extern const char *const miq_webhook_event_types[];
int miq_webhook_event_type_known(const char *type);

#define MIQ_WEBHOOK_SECRET_PREFIX "whsec_"
/* The endpoint's signing secret: "whsec_" + base64url(HMAC-SHA256(key,
 * endpoint_id ":" salt)); key is srv->keys.webhooks. */
const char *miq_webhook_secret(apr_pool_t *p, const unsigned char key[32], const char *endpoint_id,
                               const char *salt);
/* The MomentIQ-Signature header value: "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". */
const char *miq_webhook_signature(apr_pool_t *p, const char *secret, long long t, const char *body,
                                  apr_size_t len);
/* Checks a MomentIQ-Signature header as a receiver should: some v1 matches
 * (constant time) and t is within tolerance_s of now. NULL or why not. */
const char *miq_webhook_verify(apr_pool_t *p, const char *header, const char *secret,
                               const char *body, apr_size_t len, long long now, int tolerance_s);

/* Attempts before an event is marked failed; with the default base of 30 s
 * the retries span about a day (docs/webhooks.md lists the schedule). */
#define MIQ_WEBHOOK_MAX_ATTEMPTS 13
#define MIQ_WEBHOOK_RETRY_CAP    720 /* the longest wait, in retry bases (6 h at 30 s) */
/* Seconds to wait after failed attempt n (1-based): base x 2^(n-1), at most
 * base x MIQ_WEBHOOK_RETRY_CAP, times a jitter factor in [0.8, 1.2) from
 * rnd (uniform 32 bits); -1 when n was the last attempt. */
int miq_webhook_retry_delay_s(int attempt, int base_s, unsigned rnd);

/* The event body: {"id","type","created","livemode","data"} (data is used,
 * not stolen). */
const char *miq_webhook_body(apr_pool_t *p, const char *event_id, const char *type,
                             long long created, int livemode, json_t *data);

/* ---- the outbound POST (miq_webhook_send.c) ------------------------------- */

typedef struct miq_webhook_send_opts {
    int allow_private;             /* MomentIQWebhookAllowPrivate / --webhook-allow-private */
    int connect_timeout_s;         /* 0: 5 */
    int total_timeout_s;           /* 0: 10 */
    apr_size_t max_response_bytes; /* read and dropped; 0: 64 KiB */
    const char *ca_file;           /* NULL: the system store */
} miq_webhook_send_opts;

typedef struct miq_webhook_send_result {
    long status;       /* the receiver's HTTP status, 0 without an answer */
    int latency_ms;    /* from the start (name resolution included) to the end */
    const char *error; /* NULL when a 2xx came back; else why (never the URL's query) */
} miq_webhook_send_result;

/* Checks a URL an account registers: http or https, no credentials, a host
 * that resolves to public addresses unless allow_private. NULL or why not. */
const char *miq_webhook_url_check(apr_pool_t *p, const char *url, int allow_private);
/* POSTs body to url with the contract's headers. Never follows a redirect. */
void miq_webhook_send(apr_pool_t *p, const char *url, const char *event_id, const char *signature,
                      const char *body, const miq_webhook_send_opts *o,
                      miq_webhook_send_result *res);

/* ---- the dashboard services (miq_webhook_endpoints.c) --------------------- */

typedef struct miq_webhooks_env {
    apr_pool_t *pool;
    const miq_server *srv; /* keys.webhooks */
    const miq_db *db;
    const char *account_id; /* the signed-in account */
    int allow_private;      /* MomentIQWebhookAllowPrivate */
    long long low_credits;  /* MomentIQWebhookLowCredits: the default threshold */
    int max_endpoints;      /* MomentIQWebhookMaxEndpoints */
} miq_webhooks_env;

/* GET /api/dashboard/webhooks */
void miq_webhooks_list(const miq_webhooks_env *env, miq_reply *out);
/* POST /api/dashboard/webhooks {url, events[], description?, token_id?,
 * low_credits_threshold?} -> 201 with the secret, once. */
void miq_webhooks_create(const miq_webhooks_env *env, const json_t *req, miq_reply *out);
/* PATCH /api/dashboard/webhooks/{id} {enabled?, events?, low_credits_threshold?} */
void miq_webhooks_update(const miq_webhooks_env *env, const char *id, const json_t *req,
                         miq_reply *out);
/* DELETE /api/dashboard/webhooks/{id} */
void miq_webhooks_delete(const miq_webhooks_env *env, const char *id, miq_reply *out);
/* POST /api/dashboard/webhooks/{id}/test {type?} -> 202 {event_id}: a sample
 * event of that type (livemode false) through the outbox. */
void miq_webhooks_test(const miq_webhooks_env *env, const char *id, const json_t *req,
                       miq_reply *out);
/* GET /api/dashboard/webhooks/{id}/deliveries?limit= */
void miq_webhooks_deliveries(const miq_webhooks_env *env, const char *id, int limit,
                             miq_reply *out);
/* "whe_" + 16 hex. */
int miq_webhook_id_ok(const char *id);

/* ---- the delivery loop (miq_webhook_deliver.c) ---------------------------- */

typedef struct miq_webhook_loop {
    const miq_server *srv; /* keys.webhooks; base_url and keys.file_urls for the job object */
    const miq_db *db;
    const char *storage_dir;
    int file_url_ttl_s;
    miq_webhook_send_opts send;
    int retry_base_s; /* 0: 30 */
    int lease_s;      /* how long a claim is held; 0: 60 */
    /* One line per attempt (event id, type, redacted URL, outcome, status,
     * latency; never a secret, body or query string); may be NULL. */
    void (*report)(const char *line);
} miq_webhook_loop;

/* Claims up to n due events, delivers each and records the attempt. Returns
 * how many were handled, -1 when the database failed (*err). */
int miq_webhook_deliver_due(const miq_webhook_loop *l, apr_pool_t *p, int n, const char **err);

#endif
