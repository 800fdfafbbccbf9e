/* The dashboard's billing services over the core database
 * (miq_billing_account.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "billing/miq_billing.h"
#include "billing/miq_billing_account.h"
#include "billing/miq_pricing.h"
#include "base/miq_json.h"

/* Runs a statement: the rows, or NULL on a database error (logged by the db). */
static apr_array_header_t *run(const miq_billing_env *env, miq_sql_id_e id, int nargs,
                               const char *const *args, int *ncols)
{
    const char *err = NULL;
    *ncols = 0;
    return env->db ? env->db->query(env->db->baton, env->pool, id, nargs, args, ncols, &err) : NULL;
}

void miq_billing_unavailable(miq_reply *out)
{
    miq_reply_err(out, 503, "server_error",
                  "the billing database is unavailable; try again shortly", NULL);
}

static void bad(miq_reply *out, const char *message)
{
    miq_reply_err(out, 400, "invalid_request", message, NULL);
}

static void ok(miq_reply *out, json_t *body)
{
    out->status = 200;
    out->code = out->message = NULL;
    out->body = body;
}

/* A query value as a whole number in [lo, hi]: the value, dflt when absent
 * (NULL), -1 when malformed. */
static long long num_in(const char *text, long long lo, long long hi, long long dflt)
{
    char *end;
    long long v;
    if (!text)
        return dflt;
    v = strtoll(text, &end, 10);
    return end == text || *end || v < lo || v > hi ? -1 : v;
}

static json_t *parse_json_text(apr_pool_t *p, const char *text)
{
    json_t *v = text ? miq_json_parse(p, text, strlen(text), NULL) : NULL;
    return v ? v : miq_json_pool(p, json_array());
}

static int empty(const char *s)
{
    return !s || !*s;
}

/* ---- the billing view ------------------------------------------------------ */

void miq_billing_account_get(const miq_billing_env *env, const char *account_id, miq_reply *out)
{
    const char *args[MIQ_BGA_N], *cur, **row;
    apr_array_header_t *rows;
    double price;
    int ncols;
    json_t *v;

    args[MIQ_BGA_ACCOUNT] = account_id;
    if (!(rows = run(env, MIQ_SQL_BILLING_GET, MIQ_BGA_N, args, &ncols))) {
        miq_billing_unavailable(out);
        return;
    }
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such account", NULL);
        return;
    }
    if (ncols < MIQ_BGC_N) {
        miq_billing_unavailable(out);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    price = miq_pricing_credit_price(env->srv->pricing, &cur);
    v = miq_json_packp(env->pool, "{s:s,s:I,s:o,s:I,s:s,s:O,s:b,s:O,s:s,s:O,s:{s:f,s:s},s:b,s:s}",
                       "account_id", account_id, "balance_credits",
                       (json_int_t)atoll(row[MIQ_BGC_BALANCE] ? row[MIQ_BGC_BALANCE] : "0"),
                       "monthly_spend_cap_credits",
                       empty(row[MIQ_BGC_CAP]) ? json_null()
                                               : json_integer(atoll(row[MIQ_BGC_CAP])),
                       "spent_this_period_credits",
                       (json_int_t)atoll(row[MIQ_BGC_SPENT] ? row[MIQ_BGC_SPENT] : "0"),
                       "billing_state", row[MIQ_BGC_STATE], "alert_thresholds",
                       miq_billing_thresholds_json(env->pool, empty(row[MIQ_BGC_THRESHOLDS])
                                                                  ? env->default_thresholds
                                                                  : row[MIQ_BGC_THRESHOLDS]),
                       "alert_thresholds_custom", !empty(row[MIQ_BGC_THRESHOLDS]), "usage_alerts",
                       parse_json_text(env->pool, row[MIQ_BGC_ALERTS]), "period_start",
                       row[MIQ_BGC_PERIOD], "tokens",
                       parse_json_text(env->pool, row[MIQ_BGC_TOKENS]), "credit_price", "amount",
                       price, "currency", cur, "checkout_available", env->checkout_available != 0,
                       "dashboard_url", miq_billing_dashboard_url(env->pool, env->srv));
    if (!v) {
        miq_billing_unavailable(out);
        return;
    }
    ok(out, v);
}

/* ---- settings -------------------------------------------------------------- */

/* A cap: null (none) or a whole number of credits, as text in *out. */
static const char *read_cap(apr_pool_t *p, const json_t *v, const char *what, const char **out)
{
    if (json_is_null(v)) {
        *out = NULL;
        return NULL;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > MIQ_BILLING_CAP_MAX)
        return apr_psprintf(p, "%s must be a whole number of credits (0 to 1e12) or null", what);
    *out = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    return NULL;
}

void miq_billing_account_set(const miq_billing_env *env, const char *account_id, const json_t *body,
                             miq_reply *out)
{
    const json_t *cap, *th, *caps, *item;
    const char *err, *cap_v = NULL, *th_v = NULL, *args[MIQ_BSA_N];
    const char **tok_ids = NULL, **tok_caps = NULL;
    apr_pool_t *p = env->pool;
    size_t i, n_caps = 0;
    int ncols;

    cap = json_object_get(body, "monthly_spend_cap_credits");
    th = json_object_get(body, "alert_thresholds");
    caps = json_object_get(body, "connector_caps");
    if (!cap && !th && !caps) {
        bad(out, "give monthly_spend_cap_credits, alert_thresholds and/or connector_caps");
        return;
    }
    if (cap && (err = read_cap(p, cap, "monthly_spend_cap_credits", &cap_v))) {
        bad(out, err);
        return;
    }
    if (th && !json_is_null(th) && (err = miq_billing_thresholds_parse(p, th, &th_v))) {
        bad(out, err);
        return;
    }
    if (caps) {
        if (!json_is_array(caps) || json_array_size(caps) > MIQ_BILLING_MAX_TOKEN_CAPS) {
            bad(out, "connector_caps must be an array of {token_id, "
                     "monthly_spend_cap_credits} (at most 100)");
            return;
        }
        n_caps = json_array_size(caps);
        tok_ids = apr_pcalloc(p, (n_caps + 1) * sizeof(*tok_ids));
        tok_caps = apr_pcalloc(p, (n_caps + 1) * sizeof(*tok_caps));
        for (i = 0; i < n_caps; i++) {
            const char *id;
            const json_t *c;
            item = json_array_get(caps, i);
            id = miq_json_str(item, "token_id", NULL);
            c = json_object_get(item, "monthly_spend_cap_credits");
            if (!id || !*id || strlen(id) > 64 || !c) {
                bad(out, "each connector_caps item needs token_id and "
                         "monthly_spend_cap_credits (a number or null)");
                return;
            }
            if ((err = read_cap(p, c, "connector_caps[].monthly_spend_cap_credits",
                                &tok_caps[i]))) {
                bad(out, err);
                return;
            }
            tok_ids[i] = id;
        }
    }
    /* Tokens first: an unknown one changes nothing else. */
    for (i = 0; i < n_caps; i++) {
        const char *a[MIQ_BTA_N];
        apr_array_header_t *rows;
        a[MIQ_BTA_CAP] = tok_caps[i];
        a[MIQ_BTA_TOKEN] = tok_ids[i];
        a[MIQ_BTA_ACCOUNT] = account_id;
        if (!(rows = run(env, MIQ_SQL_TOKEN_CAP_SET, MIQ_BTA_N, a, &ncols))) {
            miq_billing_unavailable(out);
            return;
        }
        if (!rows->nelts) {
            miq_reply_err(out, 404, "not_found",
                          apr_psprintf(p, "no active token %s on this account", tok_ids[i]), NULL);
            return;
        }
    }
    if (cap || th) {
        args[MIQ_BSA_SET_CAP] = cap ? "true" : "false";
        args[MIQ_BSA_CAP] = cap_v;
        args[MIQ_BSA_SET_THRESHOLDS] = th ? "true" : "false";
        args[MIQ_BSA_THRESHOLDS] = th_v; /* null: back to the server's MomentIQUsageAlerts */
        args[MIQ_BSA_ACCOUNT] = account_id;
        if (!run(env, MIQ_SQL_BILLING_SET, MIQ_BSA_N, args, &ncols)) {
            miq_billing_unavailable(out);
            return;
        }
    }
    miq_billing_account_get(env, account_id, out);
}

/* ---- ledger ---------------------------------------------------------------- */

void miq_billing_ledger(const miq_billing_env *env, const char *account_id, const char *before_q,
                        const char *limit_q, miq_reply *out)
{
    long long before = num_in(before_q, 1, 9000000000000000000LL, 0);
    long long limit = num_in(limit_q, 1, MIQ_LEDGER_MAX, MIQ_LEDGER_DEFAULT);
    const char *args[MIQ_BLA_N], *b;
    apr_array_header_t *rows;
    json_t *entries, *body;
    int ncols, i, n;

    if (before < 0 || limit < 0) {
        bad(out, "before must be an entry id and limit 1 to 200");
        return;
    }
    b = before ? apr_psprintf(env->pool, "%" APR_INT64_T_FMT, (apr_int64_t)before) : NULL;
    args[MIQ_BLA_ACCOUNT] = account_id;
    args[MIQ_BLA_BEFORE] = b;
    args[MIQ_BLA_BEFORE2] = b;
    /* One more than a page: whether there is a next one. */
    args[MIQ_BLA_LIMIT] = apr_psprintf(env->pool, "%" APR_INT64_T_FMT, (apr_int64_t)(limit + 1));
    if (!(rows = run(env, MIQ_SQL_LEDGER_PAGE, MIQ_BLA_N, args, &ncols))) {
        miq_billing_unavailable(out);
        return;
    }
    entries = json_array();
    body = miq_json_packp(env->pool, "{s:o}", "entries", entries);
    n = rows->nelts > limit ? (int)limit : rows->nelts;
    for (i = 0; ncols >= MIQ_BLC_N && i < n; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        json_array_append_new(entries,
                              json_pack("{s:I,s:s,s:I,s:o,s:s,s:s}", "id",
                                        (json_int_t)atoll(c[MIQ_BLC_ID]), "kind", c[MIQ_BLC_KIND],
                                        "credits", (json_int_t)atoll(c[MIQ_BLC_CREDITS]), "job_id",
                                        empty(c[MIQ_BLC_JOB]) ? json_null()
                                                              : json_string(c[MIQ_BLC_JOB]),
                                        "note", c[MIQ_BLC_NOTE], "created_at", c[MIQ_BLC_CREATED]));
    }
    json_object_set_new(body, "next_before",
                        rows->nelts > limit && n > 0 && ncols > MIQ_BLC_ID
                            ? json_integer(
                                  atoll(APR_ARRAY_IDX(rows, n - 1, const char **)[MIQ_BLC_ID]))
                            : json_null());
    ok(out, body);
}

/* ---- usage ----------------------------------------------------------------- */

void miq_billing_usage(const miq_billing_env *env, const char *account_id, const char *days_q,
                       miq_reply *out)
{
    long long days = num_in(days_q, 1, MIQ_USAGE_DAYS_MAX, MIQ_USAGE_DAYS_DEFAULT);
    const char *args[MIQ_BUA_N];
    apr_array_header_t *rows;
    json_t *by_day, *by_ep, *by_conn, *body;
    int ncols, i;

    if (days < 0) {
        bad(out, "days must be 1 to 366");
        return;
    }
    args[MIQ_BUA_ACCOUNT] = account_id;
    args[MIQ_BUA_DAYS] = apr_psprintf(env->pool, "%" APR_INT64_T_FMT, (apr_int64_t)days);
    if (!(rows = run(env, MIQ_SQL_USAGE, MIQ_BUA_N, args, &ncols))) {
        miq_billing_unavailable(out);
        return;
    }
    by_day = json_array();
    by_ep = json_array();
    by_conn = json_array();
    body = miq_json_packp(env->pool, "{s:I,s:o,s:o,s:o}", "days", (json_int_t)days, "by_day",
                          by_day, "by_endpoint", by_ep, "by_connector", by_conn);
    for (i = 0; ncols >= MIQ_BUC_N && i < rows->nelts; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        const char *dim = c[MIQ_BUC_DIM] ? c[MIQ_BUC_DIM] : "";
        json_int_t jobs = atoll(c[MIQ_BUC_JOBS] ? c[MIQ_BUC_JOBS] : "0");
        json_int_t credits = atoll(c[MIQ_BUC_CREDITS] ? c[MIQ_BUC_CREDITS] : "0");
        if (!strcmp(dim, "day"))
            json_array_append_new(by_day, json_pack("{s:s,s:I,s:I}", "day", c[MIQ_BUC_KEY], "jobs",
                                                    jobs, "credits", credits));
        else if (!strcmp(dim, "endpoint"))
            json_array_append_new(by_ep, json_pack("{s:s,s:I,s:I}", "endpoint", c[MIQ_BUC_KEY],
                                                   "jobs", jobs, "credits", credits));
        else
            json_array_append_new(
                by_conn,
                json_pack("{s:o,s:o,s:I,s:I}", "token_id",
                          empty(c[MIQ_BUC_KEY]) ? json_null() : json_string(c[MIQ_BUC_KEY]), "name",
                          empty(c[MIQ_BUC_NAME]) ? json_null() : json_string(c[MIQ_BUC_NAME]),
                          "jobs", jobs, "credits", credits));
    }
    ok(out, body);
}
