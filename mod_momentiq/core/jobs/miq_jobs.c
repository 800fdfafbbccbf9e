/* Estimates and jobs as services both surfaces share (REST and MCP): request
 * validation, scope, upload lookup, pricing, creation with reservation
 * (miq_job_create in SQL), reads, waits, listing with a keyset cursor and
 * cancel. Results and their renderings are in miq_jobs_result.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "billing/miq_billing.h"
#include "endpoints/miq_endpoints.h"
#include "base/miq_crypto.h"
#include "jobs/miq_jobs_int.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "base/miq_scope.h"
#include "base/miq_text.h"
#include "limits/miq_quota.h"

#define WAIT_MAX_S   45
#define WAIT_STEP_US 250000
#define LIST_DEFAULT 20
#define LIST_MAX     100
#define KEY_MAX      200

/* ---- shared helpers ------------------------------------------------------ */

static void ok(const miq_jobs_env *env, miq_reply *out, int status, json_t *body)
{
    out->status = status;
    out->code = NULL;
    out->message = NULL;
    out->body = body ? miq_json_pool(env->pool, body) : NULL;
}

apr_array_header_t *miq_jobs_query(const miq_jobs_env *env, apr_pool_t *p, miq_sql_id_e id,
                                   int nargs, const char *const *args, int *ncols, miq_reply *out)
{
    const char *err = NULL;
    apr_array_header_t *rows;
    *ncols = 0;
    rows = env->db ? env->db->query(env->db->baton, p, id, nargs, args, ncols, &err) : NULL;
    if (!rows)
        miq_reply_err(out, 503, "server_error", "the database is unavailable; try again shortly",
                      NULL);
    return rows;
}

int miq_jobs_ready(const miq_jobs_env *env, miq_reply *out)
{
    if (!env->caller || !env->caller->account_id) {
        miq_reply_err(out, 401, "authentication_required",
                      "send an API key or connector token (Authorization: Bearer ...)", NULL);
        return 0;
    }
    if (!env->db) {
        miq_reply_err(out, 503, "server_error", "the database is unavailable; try again shortly",
                      NULL);
        return 0;
    }
    return 1;
}

static int job_id_ok(const char *id)
{
    const char *c;
    if (!id || !*id || strlen(id) > 64)
        return 0;
    for (c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-'))
            return 0;
    return 1;
}

static void not_found(const miq_jobs_env *env, miq_reply *out, const char *what, const char *id)
{
    miq_reply_err(out, 404, "not_found",
                  apr_psprintf(env->pool, "no %s %s in this account", what, id ? id : ""), NULL);
}

/* 403 connector_scope_denied: the token's scopes do not cover the endpoint. */
static void scope_denied(const miq_jobs_env *env, miq_reply *out, const char *endpoint)
{
    miq_reply_err(out, 403, "connector_scope_denied",
                  apr_psprintf(env->pool,
                               "this token's scopes (%s) do not cover %s; use a token with the "
                               "%s or all scope",
                               miq_scope_format(env->pool, env->caller->scopes), endpoint,
                               miq_scope_format(env->pool, miq_scope_for_endpoint(endpoint))),
                  miq_json_packp(env->pool, "{s:s}", "endpoint", endpoint));
}

const char **miq_jobs_fetch(const miq_jobs_env *env, apr_pool_t *p, const char *job_id,
                            miq_reply *out)
{
    const char *args[2], **row;
    apr_array_header_t *rows;
    int ncols;
    if (!job_id_ok(job_id)) {
        not_found(env, out, "job", job_id);
        return NULL;
    }
    args[0] = job_id;
    args[1] = env->caller->account_id;
    if (!(rows = miq_jobs_query(env, p, MIQ_SQL_JOB_GET, 2, args, &ncols, out)))
        return NULL;
    if (rows->nelts < 1 || ncols <= MIQ_JC_RESULT) {
        not_found(env, out, "job", job_id);
        return NULL;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    /* Reads and writes of a job need its endpoint's scope, as creating it did:
     * an audio connector does not see a video job's frames. */
    if (!miq_scope_allows(env->caller->scopes, row[MIQ_JC_ENDPOINT])) {
        scope_denied(env, out, row[MIQ_JC_ENDPOINT]);
        return NULL;
    }
    return row;
}

apr_time_t miq_jobs_parse_time(const char *s)
{
    apr_time_exp_t t;
    apr_time_t out;
    int y, mo, d, h, mi, sec, ms = 0, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return 0;
    if (s[n] == '.')
        ms = atoi(s + n + 1) / (strlen(s + n + 1) > 4 ? 1000 : 1); /* .mmm or .uuuuuu */
    memset(&t, 0, sizeof(t));
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    t.tm_sec = sec;
    if (apr_time_exp_gmt_get(&out, &t) != APR_SUCCESS)
        return 0;
    return out + (apr_time_t)ms * 1000;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static int terminal(const char *status)
{
    return status && (!strcmp(status, "succeeded") || !strcmp(status, "failed") ||
                      !strcmp(status, "canceled"));
}

json_t *miq_jobs_view(const miq_jobs_env *env, const char *const *row)
{
    json_t *v = json_object(), *params;
    const char *status = row[MIQ_JC_STATUS] ? row[MIQ_JC_STATUS] : "queued";
    int progress = row[MIQ_JC_PROGRESS] ? atoi(row[MIQ_JC_PROGRESS]) : 0;
    const char *base = env->srv && env->srv->base_url ? env->srv->base_url : "";

    json_object_set_new(v, "job_id", json_string(row[MIQ_JC_ID]));
    json_object_set_new(v, "endpoint",
                        json_string(row[MIQ_JC_ENDPOINT] ? row[MIQ_JC_ENDPOINT] : ""));
    json_object_set_new(v, "status", json_string(status));
    json_object_set_new(v, "progress", json_integer(progress));
    if (row[MIQ_JC_UPLOAD] && *row[MIQ_JC_UPLOAD])
        json_object_set_new(v, "upload_id", json_string(row[MIQ_JC_UPLOAD]));
    params = row[MIQ_JC_PARAMS]
                 ? miq_json_parse(env->pool, row[MIQ_JC_PARAMS], strlen(row[MIQ_JC_PARAMS]), NULL)
                 : NULL;
    json_object_set_new(v, "params", json_is_object(params) ? json_incref(params) : json_object());
    json_object_set_new(v, "idempotency_key", str_or_null(row[MIQ_JC_KEY]));
    json_object_set_new(v, "estimated_credits",
                        json_integer(row[MIQ_JC_ESTIMATED] ? atoll(row[MIQ_JC_ESTIMATED]) : 0));
    json_object_set_new(v, "charged_credits",
                        row[MIQ_JC_CHARGED] && *row[MIQ_JC_CHARGED]
                            ? json_integer(atoll(row[MIQ_JC_CHARGED]))
                            : json_null());
    json_object_set_new(v, "attempts",
                        json_integer(row[MIQ_JC_ATTEMPTS] ? atoi(row[MIQ_JC_ATTEMPTS]) : 0));
    if (row[MIQ_JC_ERR_CODE] && *row[MIQ_JC_ERR_CODE])
        json_object_set_new(v, "error",
                            json_pack("{s:s,s:s}", "code", row[MIQ_JC_ERR_CODE], "message",
                                      row[MIQ_JC_ERR_MSG] ? row[MIQ_JC_ERR_MSG] : ""));
    else
        json_object_set_new(v, "error", json_null());
    json_object_set_new(v, "created_at",
                        json_string(row[MIQ_JC_CREATED] ? row[MIQ_JC_CREATED] : ""));
    json_object_set_new(v, "started_at", str_or_null(row[MIQ_JC_STARTED]));
    json_object_set_new(v, "finished_at", str_or_null(row[MIQ_JC_FINISHED]));
    json_object_set_new(v, "updated_at", str_or_null(row[MIQ_JC_UPDATED]));
    json_object_set_new(v, "result_url",
                        json_string(apr_pstrcat(env->pool, base, "/v1/jobs/", row[MIQ_JC_ID],
                                                "/result", NULL)));
    if (!strcmp(status, "running")) {
        apr_time_t started = miq_jobs_parse_time(row[MIQ_JC_STARTED]);
        if (progress > 0 && progress < 100 && started && env->now > started) {
            double elapsed = (double)(env->now - started) / APR_USEC_PER_SEC;
            json_object_set_new(v, "eta_s",
                                json_integer(
                                    (json_int_t)ceil(elapsed * (100 - progress) / progress)));
        }
        else
            json_object_set_new(v, "eta_s", json_null());
    }
    return miq_json_pool(env->pool, v);
}

/* ---- request fields ---------------------------------------------------- */

/* The upload's duration; 0 with a reply when it cannot be used. */
static int upload_duration(const miq_jobs_env *env, const char *upload_id, double *d,
                           miq_reply *out)
{
    const char *args[2], **row;
    apr_array_header_t *rows;
    int ncols;
    char *end;
    args[0] = upload_id;
    args[1] = env->caller->account_id;
    if (!(rows = miq_jobs_query(env, env->pool, MIQ_SQL_UPLOAD_GET, 2, args, &ncols, out)))
        return 0;
    if (rows->nelts < 1 || ncols < 6) {
        not_found(env, out, "upload", upload_id);
        return 0;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (row[3] && strcmp(row[3], "ready")) {
        miq_reply_err(out, 409, "conflict",
                      apr_psprintf(env->pool, "upload %s is %s, not ready: send its bytes first",
                                   upload_id, row[3]),
                      NULL);
        return 0;
    }
    *d = row[5] && *row[5] ? strtod(row[5], &end) : -1;
    if (!row[5] || !*row[5] || *end || !isfinite(*d) || *d < 0) {
        miq_reply_err(out, 400, "invalid_request",
                      apr_psprintf(env->pool, "upload %s has no known duration", upload_id), NULL);
        return 0;
    }
    return 1;
}

typedef struct job_req {
    const miq_endpoint *e;
    const char *upload_id;
    double duration_s;
    json_t *params; /* defaults applied, pool-bound */
    miq_price_quote quote;
} job_req;

/* Endpoint and params (not the duration yet). */
static int read_endpoint(const miq_jobs_env *env, const json_t *req, job_req *jr, miq_reply *out)
{
    const char *name;
    json_t *params;
    if (!json_is_object(req)) {
        miq_reply_err(out, 400, "invalid_request", "the request must be a JSON object", NULL);
        return 0;
    }
    name = miq_json_str(req, "endpoint", NULL);
    if (!name) {
        miq_reply_err(out, 400, "invalid_request",
                      "endpoint is required (audio/silence, audio/energy, video/scenes, "
                      "video/frames, video/clips or timeline/moments)",
                      NULL);
        return 0;
    }
    if (!(jr->e = miq_endpoints_find(name))) {
        miq_reply_err(out, 400, "invalid_request",
                      apr_psprintf(env->pool, "unknown endpoint %s; see momentiq.list_endpoints",
                                   name),
                      NULL);
        return 0;
    }
    params = json_object_get(req, "params");
    if (params && !json_is_null(params) && !json_is_object(params)) {
        miq_reply_err(out, 400, "invalid_request", "params must be a JSON object", NULL);
        return 0;
    }
    jr->params = params && json_is_object(params) ? params : NULL;
    return 1;
}

/* Checks params against the duration, fills defaults and prices the job. */
static int price(const miq_jobs_env *env, job_req *jr, miq_reply *out)
{
    const char *err;
    json_t *given = jr->params;
    if ((err = miq_endpoints_check_params(env->pool, jr->e, given, jr->duration_s))) {
        miq_reply_err(out, 400, "invalid_request", err, NULL);
        return 0;
    }
    jr->params = miq_endpoints_apply_defaults(env->pool, jr->e, given);
    if ((err = miq_pricing_estimate(env->srv->pricing, env->pool, jr->e->name, jr->duration_s,
                                    jr->params, &jr->quote))) {
        miq_reply_err(out, 400, "invalid_request", err, NULL);
        return 0;
    }
    return 1;
}

/* ---- estimate ------------------------------------------------------------ */

void miq_jobs_estimate(const miq_jobs_env *env, const json_t *req, miq_reply *out)
{
    job_req jr;
    json_t *upload, *dur, *body;
    memset(&jr, 0, sizeof(jr));
    if (!read_endpoint(env, req, &jr, out))
        return;
    upload = json_object_get(req, "upload_id");
    dur = json_object_get(req, "duration_s");
    if (upload && !json_is_null(upload)) {
        if (!json_is_string(upload) || !*json_string_value(upload)) {
            miq_reply_err(out, 400, "invalid_request", "upload_id must be a string", NULL);
            return;
        }
        if (!miq_jobs_ready(env, out))
            return;
        jr.upload_id = json_string_value(upload);
        if (!upload_duration(env, jr.upload_id, &jr.duration_s, out))
            return;
    }
    else if (json_is_number(dur) && isfinite(json_number_value(dur)) &&
             json_number_value(dur) >= 0) {
        jr.duration_s = json_number_value(dur);
    }
    else {
        miq_reply_err(out, 400, "invalid_request",
                      dur ? "duration_s must be a number of seconds >= 0"
                          : "give upload_id or duration_s (seconds of media)",
                      NULL);
        return;
    }
    if (!price(env, &jr, out))
        return;
    body = json_deep_copy(miq_price_quote_json(env->pool, &jr.quote));
    json_object_set(body, "params", jr.params);
    if (jr.upload_id)
        json_object_set_new(body, "upload_id", json_string(jr.upload_id));
    ok(env, out, 200, body);
}

/* ---- create ---------------------------------------------------------------- */

static const char *request_hash(apr_pool_t *p, const job_req *jr)
{
    char *canon = json_dumps(jr->params, JSON_SORT_KEYS | JSON_COMPACT);
    const char *in = apr_pstrcat(p, jr->e->name, "|", jr->upload_id, "|", canon ? canon : "{}",
                                 NULL);
    free(canon);
    return miq_sha256_hex(p, in, strlen(in));
}

static void view_of(const miq_jobs_env *env, const char *job_id, int status, miq_reply *out)
{
    const char **row = miq_jobs_fetch(env, env->pool, job_id, out);
    if (!row)
        return;
    out->status = status;
    out->code = out->message = NULL;
    out->body = miq_jobs_view(env, row);
}

void miq_jobs_create(const miq_jobs_env *env, const json_t *req, miq_reply *out)
{
    job_req jr;
    json_t *upload, *key, *maxc;
    const char *args[11], *outcome, *canon, **row;
    apr_array_header_t *rows;
    int ncols;
    memset(&jr, 0, sizeof(jr));
    if (!read_endpoint(env, req, &jr, out))
        return;
    upload = json_object_get(req, "upload_id");
    key = json_object_get(req, "idempotency_key");
    maxc = json_object_get(req, "max_credits");
    if (!json_is_string(upload) || !*json_string_value(upload)) {
        miq_reply_err(out, 400, "invalid_request",
                      upload && !json_is_null(upload)
                          ? "upload_id must be a string"
                          : "upload_id is required: upload the media first (POST /v1/uploads or "
                            "momentiq.create_upload); duration_s alone only prices a job "
                            "(estimate)",
                      NULL);
        return;
    }
    jr.upload_id = json_string_value(upload);
    if (key && !json_is_null(key) &&
        (!json_is_string(key) || !*json_string_value(key) ||
         miq_text_utf8_chars(json_string_value(key), json_string_length(key)) > KEY_MAX)) {
        miq_reply_err(out, 400, "invalid_request",
                      "idempotency_key must be a string of 1 to 200 characters", NULL);
        return;
    }
    if (maxc && !json_is_null(maxc) && (!json_is_integer(maxc) || json_integer_value(maxc) < 0)) {
        miq_reply_err(out, 400, "invalid_request", "max_credits must be an integer >= 0", NULL);
        return;
    }
    if (!miq_jobs_ready(env, out))
        return;
    if (!miq_scope_allows(env->caller->scopes, jr.e->name)) {
        scope_denied(env, out, jr.e->name);
        return;
    }
    if (!upload_duration(env, jr.upload_id, &jr.duration_s, out))
        return;
    if (!price(env, &jr, out))
        return;
    if (json_is_integer(maxc) && jr.quote.credits > json_integer_value(maxc)) {
        miq_reply_err(out, 400, "invalid_request",
                      apr_psprintf(env->pool,
                                   "the estimate is %" APR_INT64_T_FMT " credits, above "
                                   "max_credits %" APR_INT64_T_FMT
                                   "; raise max_credits or ask for less",
                                   jr.quote.credits, (apr_int64_t)json_integer_value(maxc)),
                      miq_json_packp(env->pool, "{s:I,s:I}", "estimated_credits",
                                     (json_int_t)jr.quote.credits, "max_credits",
                                     json_integer_value(maxc)));
        return;
    }
    /* Concurrent jobs: checked before the insert, so a burst of parallel
     * creates may pass the limit by the burst's size, never more. */
    if (!miq_quota_check(env->pool, env->db, env->quotas, env->caller->account_id, 0, 1, out))
        return;
    canon = miq_json_dump(env->pool, jr.params);
    args[0] = apr_pstrcat(env->pool, "job_", miq_random_hex(env->pool, 8), NULL);
    args[1] = env->caller->account_id;
    args[2] = env->caller->token_id;
    args[3] = jr.e->name;
    args[4] = jr.upload_id;
    args[5] = canon;
    args[6] = request_hash(env->pool, &jr);
    args[7] = json_is_string(key) ? json_string_value(key) : NULL;
    args[8] = apr_psprintf(env->pool, "%" APR_INT64_T_FMT, jr.quote.credits);
    args[9] = env->srv->usage_alerts ? env->srv->usage_alerts : MIQ_BILLING_DEFAULT_THRESHOLDS;
    args[10] = env->caller->traceparent; /* the job continues the caller's trace */
    if (!(rows = miq_jobs_query(env, env->pool, MIQ_SQL_JOB_CREATE, 11, args, &ncols, out)))
        return;
    if (rows->nelts < 1 || ncols < 2) {
        miq_reply_err(out, 500, "server_error", "the job could not be created", NULL);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    outcome = row[0] ? row[0] : "";
    if (!strcmp(outcome, "created"))
        view_of(env, row[1], 201, out);
    else if (!strcmp(outcome, "existing"))
        view_of(env, row[1], 200, out);
    else if (!strcmp(outcome, "conflict"))
        miq_reply_err(out, 409, "conflict",
                      apr_psprintf(env->pool,
                                   "idempotency_key \"%s\" was already used for another request "
                                   "(job %s); use a new key for a different job",
                                   args[7], row[1]),
                      miq_json_packp(env->pool, "{s:s}", "job_id", row[1] ? row[1] : ""));
    else if (miq_billing_refusal(env->pool, env->srv, outcome, row[1], jr.quote.credits, out))
        return; /* billing_required, insufficient_credits, spend_cap_exceeded (402) */
    else if (!strcmp(outcome, "not_found"))
        not_found(env, out, "ready upload", jr.upload_id);
    else
        miq_reply_err(out, 500, "server_error", "the job could not be created", NULL);
}

/* ---- get, list, cancel --------------------------------------------------- */

void miq_jobs_get(const miq_jobs_env *env, const char *job_id, int wait_s, miq_reply *out)
{
    apr_pool_t *sub;
    apr_time_t deadline, left;
    const char **row, *lease = "";
    miq_jobs_env now_env;
    if (!miq_jobs_ready(env, out))
        return;
    if (wait_s < 0 || wait_s > WAIT_MAX_S) {
        miq_reply_err(out, 400, "invalid_request", "wait_s must be 0 to 45 seconds", NULL);
        return;
    }
    /* A wait holds a server thread: one slot of the account's long-polls, for
     * the wait and a margin (a crashed child's slot expires with it). */
    if (wait_s > 0 &&
        !(lease = miq_quota_acquire(env->pool, env->db, env->quotas, MIQ_QUOTA_LONG_POLLS,
                                    env->caller->account_id, wait_s + 30, out)))
        return;
    deadline = apr_time_now() + apr_time_from_sec(wait_s);
    apr_pool_create(&sub, env->pool);
    for (;;) {
        apr_pool_clear(sub);
        if (!(row = miq_jobs_fetch(env, sub, job_id, out)))
            break;
        left = deadline - apr_time_now();
        if (terminal(row[MIQ_JC_STATUS]) || left <= 0)
            break;
        apr_sleep(left < WAIT_STEP_US ? left : WAIT_STEP_US);
    }
    if (row) {
        now_env = *env;
        if (wait_s > 0)
            now_env.now = apr_time_now();
        ok(env, out, 200, json_incref(miq_jobs_view(&now_env, row)));
    }
    apr_pool_destroy(sub); /* error replies are in env->pool or static */
    miq_quota_release(env->pool, env->db, lease);
}

void miq_jobs_list(const miq_jobs_env *env, const char *cursor, const char *status, int limit,
                   miq_reply *out)
{
    const char *args[MIQ_JLA_COUNT], *ctime = NULL, *cid = NULL, **row = NULL;
    apr_array_header_t *rows;
    json_t *jobs, *body;
    int ncols, i, n;
    if (!miq_jobs_ready(env, out))
        return;
    if (limit == 0)
        limit = LIST_DEFAULT;
    if (limit < 1 || limit > LIST_MAX) {
        miq_reply_err(out, 400, "invalid_request", "limit must be 1 to 100", NULL);
        return;
    }
    if (status && *status) {
        const char *const *s;
        for (s = miq_endpoints_job_statuses; *s && strcmp(*s, status); s++)
            ;
        if (!*s) {
            miq_reply_err(out, 400, "invalid_request",
                          "status must be queued, running, succeeded, failed or canceled", NULL);
            return;
        }
    }
    else
        status = NULL;
    if (cursor && *cursor) {
        apr_size_t len;
        unsigned char *raw = miq_b64url_decode(env->pool, cursor, &len);
        char *text, *bar;
        if (raw && len > 3 && len < 200 && !memchr(raw, 0, len)) {
            text = apr_pstrmemdup(env->pool, (const char *)raw, len);
            bar = strchr(text, '|');
            if (bar && bar > text && bar[1] && miq_jobs_parse_time(text)) {
                *bar = 0;
                ctime = text;
                cid = bar + 1;
            }
        }
        if (!ctime || !job_id_ok(cid)) {
            miq_reply_err(out, 400, "invalid_request",
                          "cursor is not valid: pass next_cursor from the previous page", NULL);
            return;
        }
    }
    args[MIQ_JLA_ACCOUNT] = env->caller->account_id;
    args[MIQ_JLA_CURSOR_TIME] = args[MIQ_JLA_CURSOR_TIME2] = ctime;
    args[MIQ_JLA_CURSOR_ID] = cid;
    args[MIQ_JLA_STATUS] = args[MIQ_JLA_STATUS2] = status;
    /* only the jobs the token's scopes cover; NULL: all */
    args[MIQ_JLA_FAMILIES] = args[MIQ_JLA_FAMILIES2] = miq_scope_families(env->pool,
                                                                          env->caller->scopes);
    args[MIQ_JLA_LIMIT] = apr_itoa(env->pool, limit + 1);
    if (!(rows = miq_jobs_query(env, env->pool, MIQ_SQL_JOB_LIST, MIQ_JLA_COUNT, args, &ncols,
                                out)))
        return;
    if (rows->nelts && ncols < MIQ_JC_VIEW_COLS) {
        miq_reply_err(out, 500, "server_error", "unexpected job list shape", NULL);
        return;
    }
    jobs = json_array();
    n = rows->nelts > limit ? limit : rows->nelts;
    for (i = 0; i < n; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        /* JOB_LIST has no result column: the view reads only the first 16. */
        json_array_append(jobs, miq_jobs_view(env, r));
        row = r;
    }
    body = json_pack("{s:o}", "jobs", jobs);
    if (rows->nelts > limit && row) {
        const char *t = ncols > MIQ_JC_LIST_CURSOR && row[MIQ_JC_LIST_CURSOR]
                            ? row[MIQ_JC_LIST_CURSOR]
                            : row[MIQ_JC_CREATED];
        const char *c = apr_pstrcat(env->pool, t, "|", row[MIQ_JC_ID], NULL);
        json_object_set_new(body, "next_cursor",
                            json_string(
                                miq_b64url_encode(env->pool, (const unsigned char *)c, strlen(c))));
    }
    else
        json_object_set_new(body, "next_cursor", json_null());
    ok(env, out, 200, body);
}

void miq_jobs_cancel(const miq_jobs_env *env, const char *job_id, miq_reply *out)
{
    const char *args[2], *st;
    apr_array_header_t *rows;
    int ncols;
    if (!miq_jobs_ready(env, out))
        return;
    if (!miq_jobs_fetch(env, env->pool, job_id, out)) /* 404, or the scope refused */
        return;
    args[0] = job_id;
    args[1] = env->caller->account_id;
    if (!(rows = miq_jobs_query(env, env->pool, MIQ_SQL_JOB_CANCEL, 2, args, &ncols, out)))
        return;
    st = rows->nelts && ncols ? APR_ARRAY_IDX(rows, 0, const char **)[0] : NULL;
    if (!st || !strcmp(st, "not_found"))
        not_found(env, out, "job", job_id);
    else if (!strcmp(st, "canceled")) /* also when it already was: cancel is idempotent */
        view_of(env, job_id, 200, out);
    else
        miq_reply_err(out, 409, "conflict",
                      apr_psprintf(env->pool, "job %s is already %s and cannot be canceled", job_id,
                                   st),
                      miq_json_packp(env->pool, "{s:s,s:s}", "job_id", job_id, "status", st));
}
