/* One step of the delivery loop: claim due events (FOR UPDATE SKIP LOCKED,
 * with a lease, so loops on several workers share the outbox and a loop that
 * dies mid-delivery only delays its events), build each body once, sign,
 * POST, record the attempt with its retry time or the final outcome. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "base/miq_caller.h"
#include "base/miq_crypto.h"
#include "base/miq_fetch.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "jobs/miq_jobs.h"
#include "webhooks/miq_webhooks.h"

enum {
    C_ID,
    C_ENDPOINT,
    C_ACCOUNT,
    C_TYPE,
    C_SUBJECT,
    C_DATA,
    C_BODY,
    C_ATTEMPTS,
    C_CREATED,
    C_URL,
    C_SALT,
    C_LIVEMODE,
    C_COUNT
};

/* data.job: the job as GET /v1/jobs/{id} shows it to its owner now. */
static json_t *job_data(const miq_webhook_loop *l, apr_pool_t *p, const char *account,
                        const char *job_id)
{
    miq_jobs_env env;
    miq_caller caller;
    miq_reply rep;
    memset(&env, 0, sizeof(env));
    memset(&caller, 0, sizeof(caller));
    memset(&rep, 0, sizeof(rep));
    caller.account_id = account;
    caller.scopes = MIQ_SCOPE_ALL; /* the account's own view of its job */
    env.pool = p;
    env.srv = l->srv;
    env.db = l->db;
    env.caller = &caller;
    env.storage_dir = l->storage_dir;
    env.file_url_ttl_s = l->file_url_ttl_s > 0 ? l->file_url_ttl_s : 86400;
    env.now = apr_time_now();
    miq_jobs_get(&env, job_id, 0, &rep);
    if (rep.status == 200 && rep.body)
        return miq_json_packp(p, "{s:O}", "job", rep.body);
    return miq_json_packp(p, "{s:{s:s}}", "job", "job_id", job_id);
}

static const char *body_of(const miq_webhook_loop *l, apr_pool_t *p, const char **row)
{
    json_t *data = NULL;
    if (row[C_BODY] && *row[C_BODY]) /* apr_dbd gives "" for NULL */
        return row[C_BODY];
    if (!strncmp(row[C_TYPE], "job.", 4) && *row[C_SUBJECT] && !strcmp(row[C_LIVEMODE], "t"))
        data = job_data(l, p, row[C_ACCOUNT], row[C_SUBJECT]);
    else
        data = miq_json_parse(p, row[C_DATA], strlen(row[C_DATA]), NULL);
    return miq_webhook_body(p, row[C_ID], row[C_TYPE], apr_atoi64(row[C_CREATED]),
                            !strcmp(row[C_LIVEMODE], "t"), data);
}

static int deliver_one(const miq_webhook_loop *l, apr_pool_t *p, const char **row, const char **err)
{
    const char *body = body_of(l, p, row), *secret, *args[7], *outcome;
    miq_webhook_send_result res;
    int attempt = atoi(row[C_ATTEMPTS]), delay = 0;
    unsigned rnd = 0;
    if (!body) {
        memset(&res, 0, sizeof(res));
        res.error = "the event body could not be built";
    }
    else {
        secret = miq_webhook_secret(p, l->srv->keys.webhooks, row[C_ENDPOINT], row[C_SALT]);
        miq_webhook_send(p, row[C_URL], row[C_ID],
                         miq_webhook_signature(p, secret, (long long)apr_time_sec(apr_time_now()),
                                               body, strlen(body)),
                         body, &l->send, &res);
    }
    if (!res.error)
        outcome = "delivered";
    else {
        miq_random_bytes((unsigned char *)&rnd, sizeof(rnd));
        delay = miq_webhook_retry_delay_s(attempt, l->retry_base_s, rnd);
        outcome = delay < 0 ? "failed" : "retry";
    }
    args[0] = row[C_ID];
    args[1] = outcome;
    args[2] = res.status ? apr_ltoa(p, res.status) : NULL;
    args[3] = apr_itoa(p, res.latency_ms);
    args[4] = res.error;
    args[5] = apr_itoa(p, delay > 0 ? delay : 0);
    args[6] = body;
    if (l->report)
        l->report(apr_psprintf(p, "webhook %s (%s) to %s, attempt %d: %s%s%s in %d ms%s", row[C_ID],
                               row[C_TYPE], miq_fetch_redact(p, row[C_URL]), attempt, outcome,
                               res.status ? " HTTP " : "",
                               res.status ? apr_ltoa(p, res.status) : "", res.latency_ms,
                               delay > 0 ? apr_psprintf(p, ", next in %d s", delay) : ""));
    return l->db->query(l->db->baton, p, MIQ_SQL_WEBHOOK_RECORD, 7, args, &(int){0}, err) ? 0 : -1;
}

int miq_webhook_deliver_due(const miq_webhook_loop *l, apr_pool_t *p, int n, const char **err)
{
    const char *args[2];
    apr_array_header_t *rows;
    apr_pool_t *each;
    int ncols, i;
    args[0] = apr_itoa(p, n > 0 ? n : 1);
    args[1] = apr_itoa(p, l->lease_s > 0 ? l->lease_s : 60);
    rows = l->db->query(l->db->baton, p, MIQ_SQL_WEBHOOK_CLAIM, 2, args, &ncols, err);
    if (!rows)
        return -1;
    if (rows->nelts && ncols < C_COUNT) {
        *err = "miq_webhook_claim returned too few columns";
        return -1;
    }
    apr_pool_create(&each, p);
    for (i = 0; i < rows->nelts; i++) {
        if (deliver_one(l, each, APR_ARRAY_IDX(rows, i, const char **), err) < 0) {
            *err = apr_pstrdup(p, *err);
            apr_pool_destroy(each);
            return -1;
        }
        apr_pool_clear(each);
    }
    apr_pool_destroy(each);
    return rows->nelts;
}
