/* The dashboard's billing API for the signed-in account:
 *   GET  /api/dashboard/billing           balance, cap, spend this period, billing state,
 *                                         alert thresholds, alerts fired, token caps, price
 *   PUT  /api/dashboard/billing           {"monthly_spend_cap_credits", "alert_thresholds",
 *                                          "connector_caps":[{"token_id","monthly_spend_cap_credits"}]}
 *   GET  /api/dashboard/billing/ledger    ledger entries, newest first (?before=ID&limit=N)
 *   GET  /api/dashboard/usage             usage by day, endpoint and connector (?days=N)
 *   POST /api/dashboard/billing/checkout  a Stripe Checkout Session (mod_momentiq_stripe.c)
 * The session (and CSRF for state changes) was checked by the dashboard router. */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_billing.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_session.h"
#include "mod_momentiq_stripe.h"
#include "billing/miq_billing.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"

#define BILLING_BODY_LIMIT 65536
#define CAP_MAX 1000000000000LL
#define LEDGER_DEFAULT 50
#define LEDGER_MAX 200
#define MAX_TOKEN_CAPS 100

static int unavailable(request_rec *r)
{
    return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                          "the billing database is unavailable; try again shortly");
}

static int bad(request_rec *r, const char *message)
{
    return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", message);
}

static int not_allowed(request_rec *r, const char *allow)
{
    apr_table_setn(r->headers_out, "Allow", allow);
    return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                          apr_psprintf(r->pool, "%s is not allowed here; use %s", r->method,
                                       allow));
}

static int send_view(request_rec *r, json_t *v)
{
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, v));
}

/* A query parameter as a whole number in [lo, hi]: the value, dflt when
 * absent, -1 when malformed. */
static long long qnum(request_rec *r, const char *name, long long lo, long long hi,
                      long long dflt)
{
    char *args, *pair, *last = NULL, *end;
    apr_size_t n = strlen(name);
    if (!r->args)
        return dflt;
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        if (!strncmp(pair, name, n) && pair[n] == '=') {
            long long v = strtoll(pair + n + 1, &end, 10);
            return end == pair + n + 1 || *end || v < lo || v > hi ? -1 : v;
        }
    }
    return dflt;
}

static json_t *parse_json_text(apr_pool_t *p, const char *text)
{
    json_t *v = text ? miq_json_parse(p, text, strlen(text), NULL) : NULL;
    return v ? v : miq_json_pool(p, json_array());
}

/* ---- GET /api/dashboard/billing ------------------------------------------------------ */

static int get_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *args[1] = {s->account_id}, **row = NULL, *cur;
    double price;
    int ncols = 0, got;
    json_t *v;
    got = miq_db_row(r, dbd, MIQ_SQL_BILLING_GET, 1, args, &row, &ncols);
    if (got < 0 || (got && ncols < 8))
        return unavailable(r);
    if (!got)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such account");
    price = miq_pricing_credit_price(sc->mcp->pricing, &cur);
    v = miq_json_packp(r->pool, "{s:s,s:I,s:o,s:I,s:s,s:O,s:b,s:O,s:s,s:O,s:{s:f,s:s},s:b,s:s}",
                       "account_id", s->account_id, "balance_credits",
                       (json_int_t)atoll(row[0]), "monthly_spend_cap_credits",
                       *row[1] ? json_integer(atoll(row[1])) : json_null(),
                       "spent_this_period_credits", (json_int_t)atoll(row[2]), "billing_state",
                       row[3], "alert_thresholds",
                       miq_billing_thresholds_json(r->pool, *row[4] ? row[4] : sc->usage_alerts),
                       "alert_thresholds_custom", *row[4] != 0, "usage_alerts",
                       parse_json_text(r->pool, row[5]), "period_start", row[6], "tokens",
                       parse_json_text(r->pool, row[7]), "credit_price", "amount", price,
                       "currency", cur, "checkout_available", sc->stripe_secret_key != NULL,
                       "dashboard_url", miq_billing_dashboard_url(r->pool, sc->mcp));
    return v ? send_view(r, v) : unavailable(r);
}

/* ---- PUT /api/dashboard/billing ------------------------------------------------------- */

/* A cap: null (none) or a whole number of credits. */
static const char *read_cap(request_rec *r, const json_t *v, const char *what, const char **out)
{
    if (json_is_null(v)) {
        *out = NULL;
        return NULL;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > CAP_MAX)
        return apr_psprintf(r->pool, "%s must be a whole number of credits (0 to 1e12) or null",
                            what);
    *out = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    return NULL;
}

static int put_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s)
{
    json_t *body, *cap, *th, *caps, *item;
    const char *err, *cap_v = NULL, *th_v = NULL, *args[5];
    const char **tok_ids = NULL, **tok_caps = NULL;
    size_t i, n_caps = 0;
    int rv;

    rv = miq_read_json_body(r, BILLING_BODY_LIMIT, &body, &err);
    if (rv != OK)
        return rv == HTTP_REQUEST_ENTITY_TOO_LARGE
                   ? miq_send_error(r, rv, "payload_too_large", err)
                   : bad(r, err);
    cap = json_object_get(body, "monthly_spend_cap_credits");
    th = json_object_get(body, "alert_thresholds");
    caps = json_object_get(body, "connector_caps");
    if (!cap && !th && !caps)
        return bad(r, "give monthly_spend_cap_credits, alert_thresholds and/or connector_caps");
    if (cap && (err = read_cap(r, cap, "monthly_spend_cap_credits", &cap_v)))
        return bad(r, err);
    if (th && !json_is_null(th) && (err = miq_billing_thresholds_parse(r->pool, th, &th_v)))
        return bad(r, err);
    if (caps) {
        if (!json_is_array(caps) || json_array_size(caps) > MAX_TOKEN_CAPS)
            return bad(r, "connector_caps must be an array of {token_id, "
                          "monthly_spend_cap_credits} (at most 100)");
        n_caps = json_array_size(caps);
        tok_ids = apr_pcalloc(r->pool, (n_caps + 1) * sizeof(*tok_ids));
        tok_caps = apr_pcalloc(r->pool, (n_caps + 1) * sizeof(*tok_caps));
        json_array_foreach(caps, i, item)
        {
            const char *id = miq_json_str(item, "token_id", NULL);
            json_t *c = json_object_get(item, "monthly_spend_cap_credits");
            if (!id || !*id || strlen(id) > 64 || !c)
                return bad(r, "each connector_caps item needs token_id and "
                              "monthly_spend_cap_credits (a number or null)");
            if ((err = read_cap(r, c, "connector_caps[].monthly_spend_cap_credits",
                                &tok_caps[i])))
                return bad(r, err);
            tok_ids[i] = id;
        }
    }
    /* Tokens first: an unknown one changes nothing else. */
    for (i = 0; i < n_caps; i++) {
        const char *a[3] = {tok_caps[i], tok_ids[i], s->account_id};
        int n = miq_db_exec(r, dbd, MIQ_SQL_TOKEN_CAP_SET, 3, a);
        if (n < 0)
            return unavailable(r);
        if (n == 0)
            return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                                  apr_psprintf(r->pool, "no active token %s on this account",
                                               tok_ids[i]));
    }
    if (cap || th) {
        args[0] = cap ? "true" : "false";
        args[1] = cap_v;
        args[2] = th ? "true" : "false";
        args[3] = th_v; /* null: back to the server's MomentIQUsageAlerts */
        args[4] = s->account_id;
        if (miq_db_exec(r, dbd, MIQ_SQL_BILLING_SET, 5, args) < 0)
            return unavailable(r);
    }
    return get_billing(r, dbd, s);
}

/* ---- GET /api/dashboard/billing/ledger -------------------------------------------------- */

static int get_ledger(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s)
{
    long long before = qnum(r, "before", 1, 9000000000000000000LL, 0);
    long long limit = qnum(r, "limit", 1, LEDGER_MAX, LEDGER_DEFAULT);
    const char *args[4], *b;
    apr_array_header_t *rows;
    json_t *entries, *out;
    int ncols = 0, i, n;
    if (before < 0 || limit < 0)
        return bad(r, "before must be an entry id and limit 1 to 200");
    b = before ? apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)before) : NULL;
    args[0] = s->account_id;
    args[1] = b;
    args[2] = b;
    args[3] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)(limit + 1));
    if (!(rows = miq_db_rows(r, dbd, MIQ_SQL_LEDGER_PAGE, 4, args, &ncols)))
        return unavailable(r);
    entries = json_array();
    out = miq_json_packp(r->pool, "{s:o}", "entries", entries);
    n = rows->nelts > limit ? (int)limit : rows->nelts;
    for (i = 0; ncols >= 6 && i < n; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        json_array_append_new(entries,
                              json_pack("{s:I,s:s,s:I,s:o,s:s,s:s}", "id",
                                        (json_int_t)atoll(c[0]), "kind", c[1], "credits",
                                        (json_int_t)atoll(c[2]), "job_id",
                                        *c[3] ? json_string(c[3]) : json_null(), "note", c[4],
                                        "created_at", c[5]));
    }
    json_object_set_new(out, "next_before",
                        rows->nelts > limit && n > 0
                            ? json_integer(atoll(APR_ARRAY_IDX(rows, n - 1, const char **)[0]))
                            : json_null());
    return send_view(r, out);
}

/* ---- GET /api/dashboard/usage ----------------------------------------------------------- */

static int get_usage(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s)
{
    long long days = qnum(r, "days", 1, 366, 30);
    const char *args[2];
    apr_array_header_t *rows;
    json_t *by_day, *by_ep, *by_conn, *out;
    int ncols = 0, i;
    if (days < 0)
        return bad(r, "days must be 1 to 366");
    args[0] = s->account_id;
    args[1] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)days);
    if (!(rows = miq_db_rows(r, dbd, MIQ_SQL_USAGE, 2, args, &ncols)))
        return unavailable(r);
    by_day = json_array();
    by_ep = json_array();
    by_conn = json_array();
    out = miq_json_packp(r->pool, "{s:I,s:o,s:o,s:o}", "days", (json_int_t)days, "by_day",
                         by_day, "by_endpoint", by_ep, "by_connector", by_conn);
    for (i = 0; ncols >= 5 && i < rows->nelts; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        json_int_t jobs = atoll(c[3]), credits = atoll(c[4]);
        if (!strcmp(c[0], "day"))
            json_array_append_new(by_day, json_pack("{s:s,s:I,s:I}", "day", c[1], "jobs", jobs,
                                                    "credits", credits));
        else if (!strcmp(c[0], "endpoint"))
            json_array_append_new(by_ep, json_pack("{s:s,s:I,s:I}", "endpoint", c[1], "jobs",
                                                   jobs, "credits", credits));
        else
            json_array_append_new(by_conn,
                                  json_pack("{s:o,s:o,s:I,s:I}", "token_id",
                                            *c[1] ? json_string(c[1]) : json_null(), "name",
                                            *c[2] ? json_string(c[2]) : json_null(), "jobs",
                                            jobs, "credits", credits));
    }
    return send_view(r, out);
}

/* ---- routing ---------------------------------------------------------------------------- */

int miq_dashboard_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                          const char *path)
{
    int get = r->method_number == M_GET;
    if (!strcmp(path, "billing")) {
        if (get)
            return get_billing(r, dbd, s);
        if (r->method_number == M_PUT)
            return put_billing(r, dbd, s);
        return not_allowed(r, "GET, HEAD, PUT");
    }
    if (!strcmp(path, "billing/ledger"))
        return get ? get_ledger(r, dbd, s) : not_allowed(r, "GET, HEAD");
    if (!strcmp(path, "usage"))
        return get ? get_usage(r, dbd, s) : not_allowed(r, "GET, HEAD");
    if (!strcmp(path, "billing/checkout")) {
        json_t *body;
        const char *err;
        int rv;
        if (r->method_number != M_POST)
            return not_allowed(r, "POST");
        rv = miq_read_json_body(r, BILLING_BODY_LIMIT, &body, &err);
        if (rv != OK)
            return rv == HTTP_REQUEST_ENTITY_TOO_LARGE
                       ? miq_send_error(r, rv, "payload_too_large", err)
                       : bad(r, err);
        return miq_handle_stripe_checkout(r, s, body);
    }
    return DECLINED;
}
