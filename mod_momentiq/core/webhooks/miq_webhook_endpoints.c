/* The dashboard's webhook services: an account's endpoints (list, create
 * with the secret shown once, update, delete), a test event and the
 * delivery log. Every bad input is a 400 invalid_request saying what. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "webhooks/miq_webhooks.h"

#define DESCRIPTION_MAX 200
#define DELIVERIES_MAX  100
#define LOW_CREDITS_MAX 1000000000LL

int miq_webhook_id_ok(const char *id)
{
    return id && strlen(id) == 20 && !strncmp(id, "whe_", 4) &&
           strspn(id + 4, "0123456789abcdef") == 16;
}

static int ready(const miq_webhooks_env *env, miq_reply *out)
{
    if (!env->account_id) {
        miq_reply_err(out, 401, "authentication_required", "sign in first", NULL);
        return 0;
    }
    if (!env->db) {
        miq_reply_err(out, 503, "server_error", "the database is unavailable; try again shortly",
                      NULL);
        return 0;
    }
    return 1;
}

static apr_array_header_t *query(const miq_webhooks_env *env, miq_sql_id_e id, int nargs,
                                 const char *const *args, int *ncols, miq_reply *out)
{
    /* the message is logged by the implementation; it lives in the pool */
    const char **err = apr_palloc(env->pool, sizeof(*err));
    apr_array_header_t *rows = env->db->query(env->db->baton, env->pool, id, nargs, args, ncols,
                                              err);
    if (!rows)
        miq_reply_err(out, 503, "server_error", "the database is unavailable; try again shortly",
                      NULL);
    return rows;
}

/* events: a non-empty array of known types, without repeats -> a text[] literal. */
static const char *events_literal(apr_pool_t *p, const json_t *events, miq_reply *out)
{
    const char *vals[8];
    size_t i, j, n;
    if (!json_is_array(events) || !(n = json_array_size(events)) || n > 5) {
        miq_reply_err(out, 400, "invalid_request",
                      "events must be a non-empty array of job.succeeded, job.failed, "
                      "job.canceled, usage.alert, credits.low",
                      NULL);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(events, i));
        if (!miq_webhook_event_type_known(t)) {
            miq_reply_err(out, 400, "invalid_request",
                          apr_psprintf(p,
                                       "events[%d] is not an event type (job.succeeded, "
                                       "job.failed, job.canceled, usage.alert, credits.low)",
                                       (int)i),
                          NULL);
            return NULL;
        }
        for (j = 0; j < i; j++)
            if (!strcmp(vals[j], t)) {
                miq_reply_err(out, 400, "invalid_request",
                              apr_psprintf(p, "events lists %s twice", t), NULL);
                return NULL;
            }
        vals[i] = t;
    }
    return miq_sql_array_literal(p, vals, (int)n);
}

/* low_credits_threshold: absent (NULL, ok) or a whole number 0..1e9. */
static int low_credits(apr_pool_t *p, const json_t *req, const char **out_val, miq_reply *out)
{
    const json_t *v = json_object_get(req, "low_credits_threshold");
    *out_val = NULL;
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > LOW_CREDITS_MAX) {
        miq_reply_err(out, 400, "invalid_request",
                      "low_credits_threshold must be a whole number of credits, 0 to 1000000000",
                      NULL);
        return 0;
    }
    *out_val = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    return 1;
}

static json_t *endpoint_json(apr_pool_t *p, const char **row)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:b, s:s, s:s, s:I}", "id", row[0], "url", row[1],
                          "events", json_loads(row[2], 0, NULL), "enabled", !strcmp(row[3], "t"),
                          "description", row[5], "created_at", row[6], "pending_events",
                          (json_int_t)apr_atoi64(row[8]));
    if (!o)
        return NULL;
    miq_json_pool(p, o);
    json_object_set_new(o, "token_id", *row[4] ? json_string(row[4]) : json_null());
    if (*row[9]) {
        const char *sp = strchr(row[9], ' ');
        json_object_set_new(o, "last_delivery",
                            json_pack("{s:s%, s:o}", "outcome", row[9],
                                      (size_t)(sp ? sp - row[9] : (long)strlen(row[9])),
                                      "status_code",
                                      sp && strcmp(sp + 1, "-") ? json_integer(atoi(sp + 1))
                                                                : json_null()));
    }
    else
        json_object_set_new(o, "last_delivery", json_null());
    return o;
}

void miq_webhooks_list(const miq_webhooks_env *env, miq_reply *out)
{
    const char *args[1];
    apr_array_header_t *rows;
    json_t *list, *body;
    int ncols, i;
    const char *low = "";
    if (!ready(env, out))
        return;
    args[0] = env->account_id;
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_ENDPOINT_LIST, 1, args, &ncols, out)))
        return;
    body = miq_json_packp(env->pool, "{s:[]}", "endpoints");
    list = json_object_get(body, "endpoints");
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_t *e = endpoint_json(env->pool, row);
        if (e)
            json_array_append(list, e);
        low = row[7];
    }
    /* The threshold is the account's; without endpoints it is read as unset. */
    json_object_set_new(body, "low_credits_threshold",
                        *low ? json_integer(apr_atoi64(low)) : json_null());
    json_object_set_new(body, "events",
                        json_pack("[sssss]", "job.succeeded", "job.failed", "job.canceled",
                                  "usage.alert", "credits.low"));
    out->status = 200;
    out->body = body;
}

void miq_webhooks_create(const miq_webhooks_env *env, const json_t *req, miq_reply *out)
{
    const char *url, *events, *desc, *token = NULL, *low, *id, *salt, *args[10], *err;
    const json_t *tok;
    apr_array_header_t *rows;
    int ncols;
    if (!ready(env, out))
        return;
    if (!json_is_object(req)) {
        miq_reply_err(out, 400, "invalid_request", "the body must be a JSON object", NULL);
        return;
    }
    url = miq_json_str(req, "url", NULL);
    if (!url) {
        miq_reply_err(out, 400, "invalid_request", "url is required (an http or https URL)", NULL);
        return;
    }
    if ((err = miq_webhook_url_check(env->pool, url, env->allow_private))) {
        miq_reply_err(out, 400, "invalid_request", apr_pstrcat(env->pool, "url: ", err, NULL),
                      NULL);
        return;
    }
    if (!(events = events_literal(env->pool, json_object_get(req, "events"), out)))
        return;
    desc = miq_json_str(req, "description", "");
    if (strlen(desc) > DESCRIPTION_MAX) {
        miq_reply_err(out, 400, "invalid_request", "description is longer than 200 characters",
                      NULL);
        return;
    }
    tok = json_object_get(req, "token_id");
    if (tok && !json_is_null(tok)) {
        token = json_string_value(tok);
        if (!token || !*token || strlen(token) > 64) {
            miq_reply_err(out, 400, "invalid_request", "token_id must be an API key's id", NULL);
            return;
        }
    }
    if (!low_credits(env->pool, req, &low, out))
        return;
    id = miq_random_hex(env->pool, 8);
    salt = miq_random_hex(env->pool, 16);
    if (!id || !salt) {
        miq_reply_err(out, 500, "server_error", "no randomness available", NULL);
        return;
    }
    id = apr_pstrcat(env->pool, "whe_", id, NULL);
    args[0] = id;
    args[1] = env->account_id;
    args[2] = token;
    args[3] = url;
    args[4] = events;
    args[5] = salt;
    args[6] = desc;
    args[7] = low;
    args[8] = apr_psprintf(env->pool, "%" APR_INT64_T_FMT, (apr_int64_t)env->low_credits);
    args[9] = apr_itoa(env->pool, env->max_endpoints > 0 ? env->max_endpoints : 10);
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_ENDPOINT_CREATE, 10, args, &ncols, out)))
        return;
    if (!rows->nelts || strcmp(MIQ_DB_CELL(rows, 0, 0), "created")) {
        const char *why = rows->nelts ? MIQ_DB_CELL(rows, 0, 0) : "";
        if (!strcmp(why, "limit"))
            miq_reply_err(out, 429, "quota_exceeded",
                          apr_psprintf(env->pool, "an account may have %s webhook endpoints",
                                       args[9]),
                          NULL);
        else if (!strcmp(why, "token_taken"))
            miq_reply_err(out, 409, "conflict", "this API key already carries a webhook endpoint",
                          NULL);
        else
            miq_reply_err(out, 404, "not_found", "token_id is not a live API key of this account",
                          NULL);
        return;
    }
    out->status = 201;
    out->body = miq_json_packp(env->pool, "{s:s, s:s, s:O, s:b, s:s, s:s}", "id", id, "url", url,
                               "events", json_object_get(req, "events"), "enabled", 1,
                               "description", desc, "secret",
                               miq_webhook_secret(env->pool, env->srv->keys.webhooks, id, salt));
    json_object_set_new(out->body, "token_id", token ? json_string(token) : json_null());
}

void miq_webhooks_update(const miq_webhooks_env *env, const char *id, const json_t *req,
                         miq_reply *out)
{
    const char *args[6], *events = NULL, *low, *enabled = NULL;
    const json_t *v;
    apr_array_header_t *rows;
    int ncols;
    if (!ready(env, out))
        return;
    if (!json_is_object(req)) {
        miq_reply_err(out, 400, "invalid_request", "the body must be a JSON object", NULL);
        return;
    }
    if ((v = json_object_get(req, "enabled"))) {
        if (!json_is_boolean(v)) {
            miq_reply_err(out, 400, "invalid_request", "enabled must be true or false", NULL);
            return;
        }
        enabled = json_is_true(v) ? "true" : "false";
    }
    if ((v = json_object_get(req, "events")) && !(events = events_literal(env->pool, v, out)))
        return;
    if (!low_credits(env->pool, req, &low, out))
        return;
    if (!enabled && !events && !low) {
        miq_reply_err(out, 400, "invalid_request",
                      "nothing to change: send enabled, events or low_credits_threshold", NULL);
        return;
    }
    args[0] = id;
    args[1] = env->account_id;
    args[2] = enabled;
    args[3] = events;
    args[4] = low;
    args[5] = apr_psprintf(env->pool, "%" APR_INT64_T_FMT, (apr_int64_t)env->low_credits);
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_ENDPOINT_UPDATE, 6, args, &ncols, out)))
        return;
    if (!rows->nelts || strcmp(MIQ_DB_CELL(rows, 0, 0), "updated")) {
        miq_reply_err(out, 404, "not_found", "no such webhook endpoint", NULL);
        return;
    }
    miq_webhooks_list(env, out);
    if (out->status == 200) {
        json_t *list = json_object_get(out->body, "endpoints"), *e, *found = NULL;
        size_t i;
        json_array_foreach(list, i, e) if (!strcmp(miq_json_str(e, "id", ""), id)) found = e;
        if (found) {
            json_object_set(found, "low_credits_threshold",
                            json_object_get(out->body, "low_credits_threshold"));
            out->body = miq_json_packp(env->pool, "O", found);
        }
    }
}

void miq_webhooks_delete(const miq_webhooks_env *env, const char *id, miq_reply *out)
{
    const char *args[2];
    apr_array_header_t *rows;
    int ncols;
    if (!ready(env, out))
        return;
    args[0] = id;
    args[1] = env->account_id;
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_ENDPOINT_DELETE, 2, args, &ncols, out)))
        return;
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such webhook endpoint", NULL);
        return;
    }
    out->status = 200;
    out->body = miq_json_packp(env->pool, "{s:s, s:b}", "id", id, "deleted", 1);
}

/* A sample of each type's data, as the real events carry it. */
static json_t *sample_data(apr_pool_t *p, const char *type)
{
    if (!strncmp(type, "job.", 4))
        return miq_json_packp(p, "{s:{s:s, s:s, s:s, s:i}}", "job", "job_id",
                              "job_0000000000000000", "status", type + 4, "endpoint",
                              "audio/silence", "progress", strcmp(type, "job.succeeded") ? 0 : 100);
    if (!strcmp(type, "usage.alert"))
        return miq_json_packp(p, "{s:i, s:i, s:i, s:s}", "threshold_percent", 80, "spent_credits",
                              800, "cap_credits", 1000, "period", "2026-12");
    return miq_json_packp(p, "{s:i, s:i}", "balance_credits", 42, "threshold_credits", 100);
}

void miq_webhooks_test(const miq_webhooks_env *env, const char *id, const json_t *req,
                       miq_reply *out)
{
    const char *type = "job.succeeded", *args[5], *eid;
    apr_array_header_t *rows;
    int ncols;
    if (!ready(env, out))
        return;
    if (req && json_is_object(req) && json_object_get(req, "type")) {
        type = json_string_value(json_object_get(req, "type"));
        if (!miq_webhook_event_type_known(type)) {
            miq_reply_err(out, 400, "invalid_request",
                          "type must be job.succeeded, job.failed, job.canceled, usage.alert or "
                          "credits.low",
                          NULL);
            return;
        }
    }
    if (!(eid = miq_random_hex(env->pool, 16))) {
        miq_reply_err(out, 500, "server_error", "no randomness available", NULL);
        return;
    }
    eid = apr_pstrcat(env->pool, "evt_", eid, NULL);
    args[0] = eid;
    args[1] = type;
    args[2] = miq_json_dump(env->pool, sample_data(env->pool, type));
    args[3] = id;
    args[4] = env->account_id;
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_TEST_EVENT, 5, args, &ncols, out)))
        return;
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such webhook endpoint", NULL);
        return;
    }
    out->status = 202;
    out->body = miq_json_packp(env->pool, "{s:s, s:s, s:b}", "event_id", eid, "type", type,
                               "livemode", 0);
}

void miq_webhooks_deliveries(const miq_webhooks_env *env, const char *id, int limit, miq_reply *out)
{
    const char *args[3];
    apr_array_header_t *rows;
    json_t *list;
    int ncols, i;
    if (!ready(env, out))
        return;
    if (limit == 0)
        limit = 50;
    if (limit < 1 || limit > DELIVERIES_MAX) {
        miq_reply_err(out, 400, "invalid_request", "limit must be 1 to 100", NULL);
        return;
    }
    /* An endpoint of another account and an unknown one look the same. */
    args[0] = env->account_id;
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_ENDPOINT_LIST, 1, args, &ncols, out)))
        return;
    for (i = 0; i < rows->nelts && strcmp(MIQ_DB_CELL(rows, i, 0), id); i++)
        ;
    if (i == rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such webhook endpoint", NULL);
        return;
    }
    args[0] = id;
    args[1] = env->account_id;
    args[2] = apr_itoa(env->pool, limit);
    if (!(rows = query(env, MIQ_SQL_WEBHOOK_DELIVERIES, 3, args, &ncols, out)))
        return;
    out->body = miq_json_packp(env->pool, "{s:s, s:[]}", "endpoint_id", id, "deliveries");
    list = json_object_get(out->body, "deliveries");
    for (i = 0; i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        json_t *d = json_pack("{s:I, s:s, s:s, s:i, s:s, s:i, s:s, s:s}", "id",
                              (json_int_t)apr_atoi64(r[0]), "event_id", r[1], "type", r[2],
                              "attempt", atoi(r[3]), "outcome", r[4], "latency_ms", atoi(r[6]),
                              "created_at", r[8], "event_status", r[9]);
        if (!d)
            continue;
        json_object_set_new(d, "status_code", *r[5] ? json_integer(atoi(r[5])) : json_null());
        json_object_set_new(d, "error", *r[7] ? json_string(r[7]) : json_null());
        json_array_append_new(list, d);
    }
    out->status = 200;
}
