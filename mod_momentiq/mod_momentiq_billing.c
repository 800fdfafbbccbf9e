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
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_session.h"
#include "mod_momentiq_stripe.h"
#include "billing/miq_billing_account.h"

#define BILLING_BODY_LIMIT 65536

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

/* The value of a query parameter (the first of that name), NULL when absent. */
static const char *qparam(request_rec *r, const char *name)
{
    char *args, *pair, *last = NULL;
    apr_size_t n = strlen(name);
    if (!r->args)
        return NULL;
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last))
        if (!strncmp(pair, name, n) && pair[n] == '=')
            return pair + n + 1;
    return NULL;
}

/* The billing services' environment over this request's connection. */
static void env_init(request_rec *r, ap_dbd_t *dbd, miq_db *db, miq_billing_env *env)
{
    miq_srv_conf *sc = miq_conf(r->server);
    memset(env, 0, sizeof(*env));
    env->pool = r->pool;
    miq_db_bind(r, dbd, db); /* dbd NULL: every statement fails, a 503 */
    env->db = db;
    env->srv = sc->mcp;
    env->default_thresholds = sc->usage_alerts;
    env->checkout_available = sc->stripe_secret_key != NULL;
}

/* Runs a billing service (core/billing/miq_billing_account.c) and renders its reply. */
static int billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s, const char *path)
{
    miq_billing_env env;
    miq_reply rep;
    miq_db db;
    env_init(r, dbd, &db, &env);
    memset(&rep, 0, sizeof(rep));
    if (!strcmp(path, "billing/ledger"))
        miq_billing_ledger(&env, s->account_id, qparam(r, "before"), qparam(r, "limit"), &rep);
    else if (!strcmp(path, "usage"))
        miq_billing_usage(&env, s->account_id, qparam(r, "days"), &rep);
    else if (r->method_number == M_PUT) {
        json_t *body;
        const char *err;
        int rv = miq_read_json_body(r, BILLING_BODY_LIMIT, &body, &err);
        if (rv != OK)
            return rv == HTTP_REQUEST_ENTITY_TOO_LARGE
                       ? miq_send_error(r, rv, "payload_too_large", err)
                       : bad(r, err);
        miq_billing_account_set(&env, s->account_id, body, &rep);
    }
    else
        miq_billing_account_get(&env, s->account_id, &rep);
    return miq_send_reply(r, &rep);
}

/* ---- routing ---------------------------------------------------------------------------- */

int miq_dashboard_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s, const char *path)
{
    int get = r->method_number == M_GET;
    if (!strcmp(path, "billing")) {
        if (get || r->method_number == M_PUT)
            return billing(r, dbd, s, path);
        return not_allowed(r, "GET, HEAD, PUT");
    }
    if (!strcmp(path, "billing/ledger"))
        return get ? billing(r, dbd, s, path) : not_allowed(r, "GET, HEAD");
    if (!strcmp(path, "usage"))
        return get ? billing(r, dbd, s, path) : not_allowed(r, "GET, HEAD");
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
