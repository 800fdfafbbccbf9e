/* Billing refusals, alert thresholds and the billing part of the account
 * view (see miq_billing.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "billing/miq_billing.h"
#include "base/miq_json.h"
#include "base/miq_text.h"

#define I64 APR_INT64_T_FMT

const char *miq_billing_dashboard_url(apr_pool_t *p, const miq_server *srv)
{
    return apr_pstrcat(p, srv && srv->base_url ? srv->base_url : "", "/dashboard/#billing", NULL);
}

static apr_int64_t num(const json_t *o, const char *key)
{
    return (apr_int64_t)miq_json_int(o, key, 0);
}

int miq_billing_refusal(apr_pool_t *p, const miq_server *srv, const char *outcome,
                        const char *details, apr_int64_t estimate, miq_reply *out)
{
    const char *url = miq_billing_dashboard_url(p, srv);
    json_t *d = NULL, *extra;
    apr_int64_t bal, cap, spent;

    if (strcmp(outcome, "billing_required") && strcmp(outcome, "insufficient_credits") &&
        strcmp(outcome, "spend_cap_exceeded"))
        return 0;
    if (details && *details == '{')
        d = miq_json_parse(p, details, strlen(details), NULL);
    if (!json_is_object(d))
        d = miq_json_packp(p, "{s:I}", "balance_credits",
                           (json_int_t)(details ? atoll(details) : 0));
    extra = json_deep_copy(d);
    json_object_set_new(extra, "estimated_credits", json_integer((json_int_t)estimate));
    json_object_set_new(extra, "dashboard_url", json_string(url));
    miq_json_pool(p, extra);
    bal = num(d, "balance_credits");
    if (!strcmp(outcome, "billing_required")) {
        json_object_set_new(extra, "billing_state", json_string("not_set_up"));
        miq_reply_err(out, 402, "billing_required",
                      apr_psprintf(p,
                                   "billing is not set up and the balance is %" I64 " credits "
                                   "(free credits spent), while this job needs %" I64 "; add "
                                   "credits in the dashboard (%s) to set up billing; estimates "
                                   "stay free",
                                   bal, estimate, url),
                      extra);
    }
    else if (!strcmp(outcome, "insufficient_credits")) {
        miq_reply_err(out, 402, "insufficient_credits",
                      apr_psprintf(p,
                                   "the balance is %" I64 " credits and this job needs %" I64
                                   "; add credits in the dashboard (%s), or an operator runs "
                                   "momentiqctl credits grant --email ADDRESS --credits N",
                                   bal, estimate, url),
                      extra);
    }
    else {
        int connector = !strcmp(miq_json_str(d, "cap_scope", ""), "connector");
        cap = num(d, "monthly_spend_cap_credits");
        spent = num(d, "spent_this_period_credits");
        miq_reply_err(
            out, 402, "spend_cap_exceeded",
            apr_psprintf(p,
                         "this job needs %" I64 " credits, which would take this month's spend%s "
                         "from %" I64 " to %" I64 ", above the monthly spend cap of %" I64
                         " credits; raise the cap in the dashboard (%s), ask for less, or wait "
                         "for the next period",
                         estimate, connector ? " with this connector token" : "", spent,
                         spent + estimate, cap, url),
            extra);
    }
    return 1;
}

/* ---- thresholds ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *literal_of(apr_pool_t *p, double *v, int n, const char **literal)
{
    const char *s = "{";
    int i, k = 0;
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    for (i = 0; i < n; i++) {
        if (i && fabs(v[i] - v[i - 1]) < 1e-9)
            continue;
        s = apr_pstrcat(p, s, k++ ? "," : "", miq_text_num(p, v[i]), NULL);
    }
    *literal = apr_pstrcat(p, s, "}", NULL);
    return NULL;
}

static const char *check_one(double x)
{
    if (!isfinite(x) || x <= 0 || x > 1)
        return "each alert threshold must be a fraction of the cap above 0 and at most 1 "
               "(0.5 = 50 %)";
    return NULL;
}

const char *miq_billing_thresholds_parse(apr_pool_t *p, const json_t *arr, const char **literal)
{
    double v[MIQ_BILLING_MAX_THRESHOLDS];
    const char *err;
    size_t i;
    json_t *x;
    if (!json_is_array(arr) || json_array_size(arr) > MIQ_BILLING_MAX_THRESHOLDS)
        return "alert_thresholds must be an array of at most 10 fractions of the cap, e.g. "
               "[0.5,0.8,1.0]";
    json_array_foreach(arr, i, x)
    {
        if (!json_is_number(x))
            return "alert_thresholds must hold numbers, e.g. [0.5,0.8,1.0]";
        if ((err = check_one(json_number_value(x))))
            return err;
        v[i] = json_number_value(x);
    }
    return literal_of(p, v, (int)json_array_size(arr), literal);
}

const char *miq_billing_thresholds_words(apr_pool_t *p, int n, const char *const *words,
                                         const char **literal)
{
    double v[MIQ_BILLING_MAX_THRESHOLDS];
    const char *err;
    int i;
    if (n < 1 || n > MIQ_BILLING_MAX_THRESHOLDS)
        return "give 1 to 10 thresholds, e.g. 0.5 0.8 1.0 (or 50% 80% 100%)";
    for (i = 0; i < n; i++) {
        char *end;
        v[i] = strtod(words[i], &end);
        if (end != words[i] && *end == '%' && !end[1]) {
            v[i] /= 100.0;
            end++;
        }
        if (end == words[i] || *end)
            return apr_psprintf(p, "'%s' is not a fraction of the cap (0.8) or a percentage (80%%)",
                                words[i]);
        if ((err = check_one(v[i])))
            return err;
    }
    return literal_of(p, v, n, literal);
}

json_t *miq_billing_thresholds_json(apr_pool_t *p, const char *literal)
{
    json_t *a = json_array();
    char *copy, *tok, *last;
    miq_json_pool(p, a);
    if (!literal || *literal != '{')
        return a;
    copy = apr_pstrdup(p, literal + 1);
    for (tok = apr_strtok(copy, ",}", &last); tok; tok = apr_strtok(NULL, ",}", &last)) {
        char *end;
        double x = strtod(tok, &end);
        if (end != tok)
            json_array_append_new(a, json_real(x));
    }
    return a;
}

/* ---- account view ------------------------------------------------------------ */

static void warning(json_t *arr, const char *code, const char *severity, const char *message)
{
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "code", code, "message", message,
                                         "severity", severity));
}

void miq_billing_view(apr_pool_t *p, const miq_caller *c, json_t *view, json_t *warn)
{
    int known = c->has_billing;
    apr_int64_t bal = known ? c->balance_credits : 0, spent = known ? c->spent_credits : 0;
    apr_int64_t cap = known ? c->spend_cap_credits : -1;
    const char *state = known && c->billing_state ? c->billing_state : "not_set_up";
    json_t *alerts = NULL;

    if (known && c->alerts_json)
        alerts = miq_json_parse(p, c->alerts_json, strlen(c->alerts_json), NULL);
    if (!json_is_array(alerts))
        alerts = miq_json_pool(p, json_array());
    json_object_set_new(view, "balance_credits", json_integer((json_int_t)bal));
    json_object_set_new(view, "monthly_spend_cap_credits",
                        cap < 0 ? json_null() : json_integer((json_int_t)cap));
    json_object_set_new(view, "spent_this_period_credits", json_integer((json_int_t)spent));
    json_object_set_new(view, "billing_state", json_string(state));
    json_object_set(view, "alert_thresholds",
                    miq_billing_thresholds_json(p, known && c->alert_thresholds
                                                       ? c->alert_thresholds
                                                       : MIQ_BILLING_DEFAULT_THRESHOLDS));
    json_object_set(view, "usage_alerts", alerts);
    if (known && c->token_id && c->token_cap_credits >= 0)
        json_object_set_new(view, "token_spend_cap",
                            json_pack("{s:I,s:I}", "monthly_spend_cap_credits",
                                      (json_int_t)c->token_cap_credits, "spent_this_period_credits",
                                      (json_int_t)c->token_spent_credits));

    if (!strcmp(state, "not_set_up"))
        warning(warn, "billing_not_set_up", bal > 0 ? "warning" : "error",
                bal > 0 ? apr_psprintf(p,
                                       "Billing is not set up: %" I64 " free credits remain; "
                                       "once they are spent, paid jobs fail with "
                                       "billing_required. Open the dashboard (/dashboard/ > "
                                       "Billing) and add credits; estimates "
                                       "(momentiq.estimate_cost, POST /v1/estimate) stay free.",
                                       bal)
                        : "Billing is not set up and the balance is 0 credits, so paid jobs "
                          "fail with billing_required. Open the dashboard (/dashboard/ > "
                          "Billing) and add credits; estimates (momentiq.estimate_cost, POST "
                          "/v1/estimate) stay free.");
    else if (bal <= 0)
        warning(warn, "no_credits", "error",
                "The balance is 0 credits, so paid jobs fail with insufficient_credits. Add "
                "credits in the dashboard (/dashboard/ > Billing).");
    if (cap < 0)
        warning(warn, "no_spend_cap", "warning",
                "No monthly spend cap is set, so nothing limits what this account can spend. "
                "In the dashboard (/dashboard/ > Billing), set a monthly spend cap in credits "
                "(jobs that would cross it fail with spend_cap_exceeded) and usage alerts "
                "(50/80/100 % by default).");
    else if (spent >= cap)
        warning(warn, "spend_cap_reached", "error",
                apr_psprintf(p,
                             "This month's spend (%" I64 " credits) has reached the monthly "
                             "spend cap (%" I64 "), so paid jobs fail with spend_cap_exceeded "
                             "until the next period. Raise the cap in the dashboard "
                             "(/dashboard/ > Billing) to continue.",
                             spent, cap));
    else if (json_array_size(alerts))
        warning(warn, "usage_alert", "warning",
                apr_psprintf(
                    p,
                    "This month's spend (%" I64 " credits) has passed %s %% of the "
                    "monthly spend cap (%" I64 "). Review usage or raise the cap in "
                    "the dashboard (/dashboard/ > Billing).",
                    spent,
                    miq_text_num(
                        p, 100.0 * miq_json_num(json_array_get(alerts, json_array_size(alerts) - 1),
                                                "threshold", 0)),
                    cap));
}
